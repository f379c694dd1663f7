//! Exactly once across crashes (DESIGN.md §3–5), against a real MySQL 9.7.
//!
//! Freshet is killed with SIGKILL: twice while its snapshot reads the large
//! table (as soon as MySQL shows the read), then at random points among
//! the transactions of two writers replicating several tables (large and
//! small ones). After each
//! restart it resumes from its stored GTID set. Three things are checked:
//! it never takes a second snapshot once one committed, the timestamps it
//! commits only ever increase across all runs, and in the end every table
//! equals MySQL's, row for row.
//!
//! `FRESHET_LONG_TESTS=1` (`bin/test --long`) kills it more often, over
//! more rows. `FRESHET_CRASH_SEED=n` replays one run's kill points and
//! writes.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::TestServer;
use common::mysql::MySql;
use mysql_async::prelude::Queryable;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio::sync::watch;

/// How long Freshet may take to catch up with MySQL after the last kill.
const DEADLINE: Duration = Duration::from_secs(300);
/// What each run logs: source progress and every committed tick.
const LOG_FILTER: &str = "warn,freshet_ingest=info,freshet_storage::committer=debug";

/// How hard a run is.
struct Mode {
    /// Kills, the first two soon after a start.
    kills: usize,
    /// Rows of the large table.
    rows: u32,
}

fn mode() -> Mode {
    if std::env::var_os("FRESHET_LONG_TESTS").is_some() {
        Mode {
            kills: 25,
            rows: 400_000,
        }
    } else {
        Mode {
            kills: 5,
            rows: 100_000,
        }
    }
}

/// Each table's rows as one line each, in one order, on MySQL.
const MYSQL_ROWS: [(&str, &str); 4] = [
    ("big", "SELECT CONCAT_WS(' ', id, v, note) FROM crash.big ORDER BY id"),
    (
        "counters",
        "SELECT CONCAT_WS(' ', id, n) FROM crash.counters ORDER BY id",
    ),
    (
        "events",
        "SELECT CONCAT_WS(' ', id, kind) FROM crash.events ORDER BY id",
    ),
    ("bag", "SELECT CONCAT_WS(' ', a, b) FROM crash.bag ORDER BY a, b"),
];

/// The same on Freshet.
const FRESHET_ROWS: [&str; 4] = [
    "SELECT id || ' ' || v || ' ' || note FROM big ORDER BY id",
    "SELECT id || ' ' || n FROM counters ORDER BY id",
    "SELECT id || ' ' || kind FROM events ORDER BY id",
    "SELECT a || ' ' || b FROM bag ORDER BY a, b",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_it_ingests_every_transaction_exactly_once() -> anyhow::Result<()> {
    let mode = mode();
    let seed = match std::env::var("FRESHET_CRASH_SEED") {
        Ok(seed) => seed.parse()?,
        Err(_) => rand::random(),
    };
    // Printed so a failing run can be replayed.
    eprintln!("kill points and writes from FRESHET_CRASH_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);

    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 151, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        &format!(
            "SET SESSION cte_max_recursion_depth = {limit};
             CREATE DATABASE crash;
             CREATE TABLE crash.big (id int PRIMARY KEY, v int NOT NULL, note varchar(40) NOT NULL);
             CREATE TABLE crash.counters (id int PRIMARY KEY, n bigint NOT NULL);
             CREATE TABLE crash.events (id int PRIMARY KEY AUTO_INCREMENT, kind varchar(10) NOT NULL);
             CREATE TABLE crash.bag (a int NOT NULL, b int NOT NULL);
             INSERT INTO crash.big WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {rows})
             SELECT n, 0, CONCAT('row ', n) FROM seq;
             INSERT INTO crash.counters WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 100)
             SELECT n, 0 FROM seq;",
            rows = mode.rows,
            limit = mode.rows + 1
        ),
    )?;
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("freshet.log");
    let data = dir.path().join("data");
    let mut server = TestServer::start_logging(&data, LOG_FILTER, &log)?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &port, "FOR SCHEMAS (crash)").await?;
    drop(client);

    let pool = mysql_async::Pool::new(format!("mysql://root@127.0.0.1:{port}").as_str());
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(watch::Sender::new(0_u64));
    // Two writers, so transactions also commit in groups.
    let writers: Vec<_> = (0..2)
        .map(|_| {
            tokio::spawn(write(
                pool.clone(),
                stop.clone(),
                written.clone(),
                mode.rows,
                rng.random(),
            ))
        })
        .collect();

    // The first two kills land as soon as the snapshot reads the large
    // table (unless it committed first); the others after a random number
    // of the writers' transactions.
    let mut conn = pool.get_conn().await?;
    let mut readers = Vec::new();
    let mut during_snapshot = 0;
    let mut progress = written.subscribe();
    for kill in 0..mode.kills {
        if kill < 2 {
            let committed = || std::fs::read_to_string(&log).is_ok_and(|text| text.contains("snapshot committed"));
            let reader =
                common::mysql::snapshot_reading(&mut conn, "crash", "big", &readers, committed, DEADLINE).await?;
            readers.extend(reader);
            during_snapshot += usize::from(reader.is_some());
        } else {
            let target = *progress.borrow() + rng.random_range(10..400);
            tokio::time::timeout(DEADLINE, progress.wait_for(|n| *n >= target)).await??;
        }
        server.kill()?;
        server = TestServer::start_logging(&data, LOG_FILTER, &log)?;
    }
    stop.store(true, Ordering::SeqCst);
    let mut transactions = 0;
    for writer in writers {
        transactions += writer.await??;
    }

    // Caught up, then every table is MySQL's, row for row.
    let client = server.connect().await?;
    common::mysql::caught_up(&mut conn, &client, DEADLINE).await?;
    for ((table, mysql_sql), freshet_sql) in MYSQL_ROWS.iter().zip(FRESHET_ROWS) {
        common::mysql::same_rows(&mut conn, &client, table, mysql_sql, freshet_sql).await?;
    }
    drop(client);
    drop(server);

    let report = read_log(&log)?;
    eprintln!(
        "{} kills survived ({during_snapshot} while the snapshot read): {} snapshot attempts, \
         {transactions} writer transactions, {} ticks",
        mode.kills, report.snapshot_attempts, report.ticks
    );
    drop(conn);
    pool.disconnect().await?;
    Ok(())
}

/// Writes until `stop`: small transactions on one or two tables, now and
/// then one that updates a twentieth of the large table, and deletes;
/// counts each one committed in `written`. Returns how many it committed
/// (a deadlock's victim is rolled back and not counted).
async fn write(
    pool: mysql_async::Pool,
    stop: Arc<AtomicBool>,
    written: Arc<watch::Sender<u64>>,
    rows: u32,
    seed: u64,
) -> anyhow::Result<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut conn = pool.get_conn().await?;
    let mut transactions = 0;
    while !stop.load(Ordering::SeqCst) {
        let k = rng.random_range(1..=100);
        let id = rng.random_range(1..=rows);
        let sql = match rng.random_range(0..100) {
            0..=1 => format!("UPDATE crash.big SET v = v + 1 WHERE id % 20 = {}", k % 20),
            2..=29 => format!(
                "START TRANSACTION; UPDATE crash.counters SET n = n + 1 WHERE id = {k};
                 INSERT INTO crash.bag VALUES ({k}, {k}), ({k}, {k});
                 UPDATE crash.big SET note = CONCAT('note ', {k}) WHERE id = {id}; COMMIT"
            ),
            30..=59 => format!("INSERT INTO crash.events (kind) VALUES ('k{k}')"),
            60..=69 => "DELETE FROM crash.events ORDER BY id LIMIT 2".to_owned(),
            70..=79 => format!("DELETE FROM crash.bag WHERE a = {k} LIMIT 1"),
            _ => format!("UPDATE crash.counters SET n = n * 2 + 1 WHERE id = {k}"),
        };
        match conn.query_drop(sql).await {
            Ok(()) => {
                transactions += 1;
                written.send_modify(|n| *n += 1);
            }
            // The two writers may deadlock (InnoDB rolls one back): retry.
            Err(mysql_async::Error::Server(e)) if e.code == 1213 => conn.query_drop("ROLLBACK").await?,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(transactions)
}

/// What the runs' log shows, checked on the way.
struct LogReport {
    snapshot_attempts: usize,
    ticks: usize,
}

/// Reads every run's log in order: a snapshot is taken only until one
/// commits (attempts cut by a kill are retried from scratch), and the
/// committed timestamps strictly increase across runs.
fn read_log(log: &Path) -> anyhow::Result<LogReport> {
    let text = std::fs::read_to_string(log)?;
    let mut report = LogReport {
        snapshot_attempts: 0,
        ticks: 0,
    };
    let mut committed = false;
    let mut last_ts = 0;
    for line in text.lines() {
        if line.contains("snapshot point taken") {
            anyhow::ensure!(!committed, "a second snapshot after one committed: {line}");
            report.snapshot_attempts += 1;
        } else if line.contains("snapshot committed") {
            anyhow::ensure!(!committed, "a second snapshot committed: {line}");
            committed = true;
        } else if line.contains("tick written") {
            let ts: u64 = field(line, "ts")
                .ok_or_else(|| anyhow::anyhow!("a tick without its timestamp: {line}"))?
                .parse()?;
            anyhow::ensure!(ts > last_ts, "timestamp {ts} committed after {last_ts}: {line}");
            last_ts = ts;
            report.ticks += 1;
        }
    }
    anyhow::ensure!(committed, "no snapshot committed");
    Ok(report)
}

/// The value of field `name` in a log line (`name=value`).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split_whitespace()
        .find_map(|word| word.strip_prefix(name)?.strip_prefix('='))
}
