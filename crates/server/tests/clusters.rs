//! Clusters resized while writes go on: `ALTER CLUSTER … SET (SIZE …)`
//! restarts the cluster's dataflows on a new number of workers. Its
//! materialized view never loses or doubles a row, its index answers what
//! its view holds, reads racing the resize run again on the new workers
//! (none fails), a subscription on the old workers ends with SQLSTATE
//! 57014, and the new size survives a kill -9.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use common::{TestServer, column, rows};
use futures::StreamExt;
use rand::{RngExt, SeedableRng};
use tokio::sync::watch;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// The sizes the cluster goes through, in order.
const SIZES: &[&str] = &["2", "4", "1", "3", "200cc", "25cc"];

/// How long a subscription may stay silent.
const DEADLINE: Duration = Duration::from_secs(30);

/// The view and its query differ nowhere, read at one time in one query.
async fn check_view(client: &Client, when: &str) -> anyhow::Result<()> {
    let differences = column(
        client,
        "SELECT count(*) FROM (
             (SELECT g, n, total FROM totals EXCEPT ALL SELECT g, count(*), sum(v) FROM t GROUP BY g)
             UNION ALL
             (SELECT g, count(*), sum(v) FROM t GROUP BY g EXCEPT ALL SELECT g, n, total FROM totals)
         ) d",
    )
    .await?;
    anyhow::ensure!(
        differences == ["0"],
        "{when}: totals differs from its query in {differences:?} rows"
    );
    Ok(())
}

/// The index of cluster `c` answers what its view's query gives at the
/// same time: the index is read (in cluster `c`) with `mz_now()`, then the
/// query at that time (in the default cluster).
async fn check_index(in_c: &Client, outside: &Client, when: &str) -> anyhow::Result<()> {
    let plan = column(in_c, "EXPLAIN SELECT mz_now(), k, v FROM big").await?;
    anyhow::ensure!(
        plan.first().is_some_and(|line| line.starts_with("Read from index")),
        "{when}: the query does not read the index: {plan:?}"
    );
    let indexed = rows(in_c, "SELECT mz_now(), k, v FROM big").await?;
    let Some(time) = indexed.first().and_then(|row| row.split(',').next()).map(str::to_owned) else {
        anyhow::bail!("{when}: the index is empty");
    };
    let indexed: Vec<String> = indexed
        .iter()
        .map(|row| {
            row.split_once(',')
                .map_or_else(String::new, |(_, rest)| rest.to_owned())
        })
        .collect();
    let computed = rows(outside, &format!("SELECT k, v FROM t WHERE v > 500 AS OF {time}")).await?;
    anyhow::ensure!(
        indexed == computed,
        "{when}: at {time} the index holds {} rows, the query {}; only in the index: {:?}, only in the query: {:?}",
        indexed.len(),
        computed.len(),
        indexed.iter().filter(|r| !computed.contains(r)).collect::<Vec<_>>(),
        computed.iter().filter(|r| !indexed.contains(r)).collect::<Vec<_>>()
    );
    Ok(())
}

/// Random writes, each its own transaction, until `stop`.
async fn write_until(
    client: Client,
    seed: u64,
    stop: Arc<AtomicBool>,
    done: Arc<watch::Sender<u64>>,
) -> anyhow::Result<()> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut next_key = 1_000;
    while !stop.load(Ordering::SeqCst) {
        let sql = match rng.random_range(0..4) {
            0 | 1 => {
                next_key += 1;
                format!(
                    "INSERT INTO t VALUES ({next_key}, {}, {})",
                    rng.random_range(0..6),
                    rng.random_range(0..1000)
                )
            }
            2 => format!(
                "UPDATE t SET v = {} WHERE k % 13 = {}",
                rng.random_range(0..1000),
                rng.random_range(0..13)
            ),
            _ => format!("DELETE FROM t WHERE k % 17 = {}", rng.random_range(0..17)),
        };
        client.batch_execute(&sql).await?;
        done.send_modify(|n| *n += 1);
    }
    Ok(())
}

/// Reads the index in cluster `c`, and a query that needs a dataflow
/// there, until `stop`: every read succeeds, a read cut short by a resize
/// running again on the new workers. Returns how many reads were made.
async fn read_until(client: Client, stop: Arc<AtomicBool>) -> anyhow::Result<u64> {
    client.batch_execute("SET cluster = c").await?;
    let mut answered = 0;
    while !stop.load(Ordering::SeqCst) {
        for sql in ["SELECT k, v FROM big", "SELECT g, max(v) FROM t GROUP BY g"] {
            client
                .simple_query(sql)
                .await
                .with_context(|| format!("{sql} in the resized cluster"))?;
            answered += 1;
        }
    }
    Ok(answered)
}

#[tokio::test]
async fn resizing_a_cluster_under_writes_keeps_its_views_exact() -> anyhow::Result<()> {
    let seed: u64 = std::env::var("FRESHET_CLUSTER_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("FRESHET_CLUSTER_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir()?;
    let mut server = TestServer::start(dir.path())?;
    let mut client = server.connect().await?;
    let values: Vec<String> = (0..300)
        .map(|k| format!("({k}, {}, {})", rng.random_range(0..6), rng.random_range(0..1000)))
        .collect();
    client
        .batch_execute(&format!(
            "CREATE CLUSTER c (SIZE = '1');
             CREATE TABLE t (k bigint, g int, v int);
             INSERT INTO t VALUES {};
             CREATE MATERIALIZED VIEW totals IN CLUSTER c AS
                 SELECT g, count(*) AS n, sum(v) AS total FROM t GROUP BY g;
             CREATE VIEW big AS SELECT k, v FROM t WHERE v > 500;
             CREATE INDEX big_idx IN CLUSTER c ON big (k);",
            values.join(", ")
        ))
        .await?;
    let in_c = server.connect().await?;
    in_c.batch_execute("SET cluster = c").await?;
    check_view(&client, "after creation").await?;
    check_index(&in_c, &client, "after creation").await?;

    // A subscription running on the cluster's first workers.
    let subscriber = server.connect().await?;
    subscriber.batch_execute("SET cluster = c").await?;
    let mut subscription = Box::pin(subscriber.copy_out("COPY (SUBSCRIBE totals) TO STDOUT").await?);
    let first = tokio::time::timeout(DEADLINE, subscription.next()).await?;
    anyhow::ensure!(
        matches!(first, Some(Ok(_))),
        "the subscription sent no snapshot: {first:?}"
    );

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(watch::Sender::new(0_u64));
    let writer = tokio::spawn(write_until(
        server.connect().await?,
        rng.random(),
        Arc::clone(&stop),
        Arc::clone(&written),
    ));
    let reader = tokio::spawn(read_until(server.connect().await?, Arc::clone(&stop)));
    for size in SIZES {
        // Some writes on the current size first.
        let mut progress = written.subscribe();
        let target = *progress.borrow() + 20;
        tokio::time::timeout(DEADLINE, progress.wait_for(|n| *n >= target)).await??;
        client
            .batch_execute(&format!("ALTER CLUSTER c SET (SIZE = '{size}')"))
            .await?;
        check_view(&client, &format!("after resizing to {size}")).await?;
        check_index(&in_c, &client, &format!("after resizing to {size}")).await?;
    }

    // The subscription ran on workers the first resize stopped.
    let ended = loop {
        match tokio::time::timeout(DEADLINE, subscription.next()).await? {
            Some(Ok(_)) => continue,
            Some(Err(e)) => break e,
            None => anyhow::bail!("the subscription ended without an error"),
        }
    };
    assert_eq!(ended.code(), Some(&SqlState::QUERY_CANCELED), "{ended:?}");

    stop.store(true, Ordering::SeqCst);
    writer.await??;
    let answered = reader.await??;
    eprintln!("{} writes, {answered} reads in the resized cluster", *written.borrow());
    anyhow::ensure!(answered > 0, "no read of the resized cluster succeeded");
    check_view(&client, "after the writes").await?;
    let last_size = SIZES.last().copied().unwrap_or_default();
    let before_crash = rows(&client, "SELECT * FROM totals").await?;

    server.kill()?;
    server = TestServer::start(dir.path())?;
    client = server.connect().await?;
    let clusters = rows(&client, "SHOW CLUSTERS").await?;
    anyhow::ensure!(
        clusters.contains(&format!("c,r1 ({last_size}),NULL")),
        "the size did not survive the restart: {clusters:?}"
    );
    assert_eq!(rows(&client, "SELECT * FROM totals").await?, before_crash);
    check_view(&client, "after kill -9").await?;
    let in_c = server.connect().await?;
    in_c.batch_execute("SET cluster = c").await?;
    check_index(&in_c, &client, "after kill -9").await?;
    Ok(())
}
