//! Restart: `kill -9` of the server holding the one-table source (with its
//! index and the indexed view of the reads benchmark), then the time from
//! starting it again to every subsource `running` and answering from its
//! indexes; beside the time the fresh snapshot took.

use std::time::{Duration, Instant, UNIX_EPOCH};

use crate::Bench;
use crate::data::Dataset;
use crate::freshet::{Freshet, poll};
use crate::reads::GROUPS;
use crate::snapshot::SnapshotResult;

/// Times after the restart, from spawning the process.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct RestartResult {
    /// Rows in the source.
    pub(crate) rows: u64,
    /// Until it accepted connections.
    pub(crate) listening_seconds: f64,
    /// Until the source, its subsource and its progress subsource each
    /// reported `running` anew.
    pub(crate) running_seconds: f64,
    /// Until a point lookup on `t1` and the aggregate view both answered
    /// from their indexes.
    pub(crate) queryable_seconds: f64,
    /// The fresh snapshot of the same table, from `CREATE SOURCE`.
    pub(crate) fresh_snapshot_seconds: f64,
    /// The fresh snapshot's time over the restart's (above 1: restarting is
    /// faster than snapshotting again).
    pub(crate) ratio: f64,
}

/// Kills `server` with SIGKILL, starts it again on the same data, and
/// measures; then stops it and deletes its data.
pub(crate) async fn measure(
    bench: &Bench,
    data: &Dataset,
    server: Freshet,
    fresh: &SnapshotResult,
) -> anyhow::Result<RestartResult> {
    let data_dir = server.data_dir.clone();
    server.kill9().await?;
    let server = Freshet::start(&bench.args.freshet, &data_dir).await?;
    let since_ms = server.spawned_at.duration_since(UNIX_EPOCH)?.as_millis();
    let running_sql = format!(
        "SELECT count(*) FROM mz_internal.mz_source_statuses WHERE name IN ('s1', 't1', 's1_progress') \
         AND status = 'running' AND extract(epoch FROM last_status_change_at) * 1000 >= {since_ms}"
    );
    let lookup_sql = format!("SELECT id FROM t1 WHERE id = {}", data.rows);
    let (mut running, mut lookup, mut view) = (None::<Instant>, None::<Instant>, None::<Instant>);
    poll("the restarted source running and answering", async || {
        // Each time is taken when its answer came: the queries queue
        // behind one another while the server rehydrates.
        if running.is_none() && server.value(&running_sql).await?.as_deref() == Some("3") {
            running = Some(Instant::now());
        }
        if lookup.is_none() && server.value(&lookup_sql).await.ok().flatten() == Some(data.rows.to_string()) {
            lookup = Some(Instant::now());
        }
        if view.is_none()
            && server.value("SELECT count(*) FROM agg").await.ok().flatten().as_deref()
                == Some(GROUPS.to_string().as_str())
        {
            view = Some(Instant::now());
        }
        Ok(running.zip(lookup).zip(view).map(|((r, l), v)| (r, l.max(v))))
    })
    .await?;
    let (running, queryable) = (
        running.unwrap_or(server.spawned),
        lookup.max(view).unwrap_or(server.spawned),
    );
    let since = |t: Instant| -> Duration { t - server.spawned };
    let restart = since(running.max(queryable));
    let result = RestartResult {
        rows: data.rows,
        listening_seconds: server.listening_after.as_secs_f64(),
        running_seconds: since(running).as_secs_f64(),
        queryable_seconds: since(queryable).as_secs_f64(),
        fresh_snapshot_seconds: fresh.freshet_seconds,
        ratio: fresh.freshet_seconds / restart.as_secs_f64(),
    };
    eprintln!(
        "restart: listening after {:.2} s, running after {:.2} s, answering after {:.2} s (fresh snapshot {:.2} s)",
        result.listening_seconds, result.running_seconds, result.queryable_seconds, result.fresh_snapshot_seconds
    );
    server.destroy().await?;
    Ok(result)
}
