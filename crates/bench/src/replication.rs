//! Replication: how fast Freshet follows a binlog it has fallen behind on.
//!
//! With the server stopped, the load generator writes a workload (small
//! transactions, then large ones) to tables a source copies; the binlog it
//! leaves is read by `mysqlbinlog --read-from-remote-server --raw`, the
//! fastest a replica can receive it; then the server starts and is timed
//! until it has committed the last transaction durably (its progress
//! subsource) and shows the final contents in indexes (indexed views over
//! the tables, which are also arranged by indexes of their own).

use std::time::Instant;

use anyhow::Context;

use crate::Bench;
use crate::freshet::{Freshet, poll};
use crate::load::{self, Workload};
use crate::stats::per_second;

/// The database of the replication and freshness tables, made anew by
/// each run.
pub(crate) const DATABASE: &str = "bench_repl";

/// One workload's binlog, followed by Freshet and read by `mysqlbinlog`.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct ReplicationResult {
    /// The shape of its transactions.
    pub(crate) workload: String,
    /// What the load generator did.
    pub(crate) generated: Workload,
    /// The bytes of binlog it left.
    pub(crate) binlog_bytes: u64,
    /// Seconds `mysqlbinlog --raw` took to read that binlog.
    pub(crate) mysqlbinlog_seconds: f64,
    /// Seconds from spawning the server to accepting connections.
    pub(crate) freshet_listening_seconds: f64,
    /// Seconds from spawning the server to its progress subsource showing
    /// the last transaction (committed durably).
    pub(crate) freshet_committed_seconds: f64,
    /// Seconds from spawning the server to the indexed views showing the
    /// final contents.
    pub(crate) freshet_seconds: f64,
    /// Row changes per second through `mysqlbinlog`.
    pub(crate) mysqlbinlog_changes_per_second: f64,
    /// Row changes per second through Freshet, to the indexes.
    pub(crate) freshet_changes_per_second: f64,
    /// Binlog megabytes per second, `mysqlbinlog`.
    pub(crate) mysqlbinlog_mb_per_second: f64,
    /// Binlog megabytes per second, Freshet.
    pub(crate) freshet_mb_per_second: f64,
    /// Freshet's speed as a share of `mysqlbinlog`'s.
    pub(crate) ratio: f64,
}

/// Runs both workloads; returns their measurements and the server, still
/// running with source `s` on `r_small`, `r_large` and `fresh`.
pub(crate) async fn measure(bench: &Bench) -> anyhow::Result<(Vec<ReplicationResult>, Freshet)> {
    let mysql = &bench.mysql;
    let large = bench.args.large_transaction;
    mysql.purge_binlogs().await?;
    mysql
        .execute(&format!(
            "DROP DATABASE IF EXISTS {DATABASE}; CREATE DATABASE {DATABASE};
             {}; {};
             CREATE TABLE {DATABASE}.fresh (id bigint PRIMARY KEY, step int NOT NULL);
             CREATE TABLE {DATABASE}.mysql_only (id bigint PRIMARY KEY)",
            load::create_table(&format!("{DATABASE}.r_small")),
            load::create_table(&format!("{DATABASE}.r_large")),
        ))
        .await?;
    load::fill(mysql, &format!("{DATABASE}.r_large"), large).await?;

    let data_dir = bench.data_dir("replication");
    let mut server = Freshet::start(&bench.args.freshet, &data_dir).await?;
    server.connect_to_mysql(mysql.port).await?;
    server
        .execute(&format!(
            "CREATE SOURCE s FROM MYSQL CONNECTION bench_mysql FOR TABLES
                 ({DATABASE}.r_small AS r_small, {DATABASE}.r_large AS r_large, {DATABASE}.fresh AS fresh);
             CREATE INDEX r_small_id ON r_small (id);
             CREATE INDEX r_large_id ON r_large (id);
             CREATE VIEW r_small_totals AS SELECT count(*) AS n, coalesce(sum(v), 0) AS total FROM r_small;
             CREATE INDEX r_small_totals_n ON r_small_totals (n);
             CREATE VIEW r_large_totals AS SELECT count(*) AS n, coalesce(sum(v), 0) AS total FROM r_large;
             CREATE INDEX r_large_totals_n ON r_large_totals (n)"
        ))
        .await?;
    server.wait_snapshot_committed(&["r_small", "r_large", "fresh"]).await?;
    server
        .wait_for("SELECT n FROM r_large_totals", &large.to_string())
        .await?;

    let mut results = Vec::new();
    for small in [true, false] {
        server.kill9().await?;
        let (workload, table) = if small {
            ("small transactions (1-10 rows)".to_owned(), "r_small")
        } else {
            (format!("large transactions ({large} rows)"), "r_large")
        };
        eprintln!(
            "replication: generating {} row changes in {workload}",
            bench.args.changes
        );
        mysql.durable(false).await?;
        let first = mysql.rotate_binlog().await?;
        let qualified = format!("{DATABASE}.{table}");
        let generated = if small {
            load::small_transactions(mysql, &qualified, bench.args.changes).await?
        } else {
            load::large_transactions(mysql, &qualified, bench.args.changes).await?
        };
        mysql.durable(true).await?;
        let last = mysql.last_transaction().await?;
        let (n, total): (u64, String) = mysql
            .first_row(&format!(
                "SELECT count(*), CAST(coalesce(sum(v), 0) AS CHAR) FROM {qualified}"
            ))
            .await?
            .context("no totals")?;
        let binlog_bytes = mysql.binlog_bytes_from(&first).await?;
        let mysqlbinlog = mysql.timed_binlog_read(&first, &bench.args.work.join("binlog")).await?;

        server = Freshet::start(&bench.args.freshet, &data_dir).await?;
        let committed_sql = "SELECT max(transaction_id) FROM s_progress";
        let totals_sql = format!("SELECT n, total FROM {table}_totals");
        let want_committed = (last + 1).to_string();
        let want_totals = vec![Some(n.to_string()), Some(total)];
        let mut committed = None::<Instant>;
        let shown = poll(&format!("{workload} followed"), async || {
            if committed.is_none()
                && server.value(committed_sql).await.ok().flatten().as_deref() == Some(&want_committed)
            {
                committed = Some(Instant::now());
            }
            let totals = server.row(&totals_sql).await.ok().flatten();
            let now = Instant::now();
            Ok((committed.is_some() && totals.as_ref() == Some(&want_totals)).then_some(now))
        })
        .await?;
        let since_spawn = |t: Instant| t - server.spawned;
        let freshet = since_spawn(shown);
        let result = ReplicationResult {
            workload,
            binlog_bytes,
            mysqlbinlog_seconds: mysqlbinlog.as_secs_f64(),
            freshet_listening_seconds: server.listening_after.as_secs_f64(),
            freshet_committed_seconds: committed.map_or(0.0, |t| since_spawn(t).as_secs_f64()),
            freshet_seconds: freshet.as_secs_f64(),
            mysqlbinlog_changes_per_second: per_second(generated.row_changes, mysqlbinlog),
            freshet_changes_per_second: per_second(generated.row_changes, freshet),
            mysqlbinlog_mb_per_second: per_second(binlog_bytes, mysqlbinlog) / 1e6,
            freshet_mb_per_second: per_second(binlog_bytes, freshet) / 1e6,
            ratio: mysqlbinlog.as_secs_f64() / freshet.as_secs_f64(),
            generated,
        };
        eprintln!(
            "replication of {}: freshet {:.2} s ({:.0} changes/s), mysqlbinlog {:.2} s",
            result.workload, result.freshet_seconds, result.freshet_changes_per_second, result.mysqlbinlog_seconds
        );
        results.push(result);
    }
    Ok((results, server))
}
