//! Snapshot speed: Freshet's `CREATE SOURCE` of one table, and of four at
//! once, until `snapshot_committed`; beside `mysql --quick` streaming the
//! same rows.

use std::time::{Duration, Instant};

use anyhow::ensure;

use crate::Bench;
use crate::data::Dataset;
use crate::freshet::{Freshet, Memory};
use crate::stats::per_second;

/// One snapshot measured beside MySQL's own read of the same tables.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct SnapshotResult {
    /// Tables read at once.
    pub(crate) tables: usize,
    /// Rows in all of them.
    pub(crate) rows: u64,
    /// Their rows as text, in bytes.
    pub(crate) bytes: u64,
    /// Seconds `mysql --quick` took (one client per table, at once).
    pub(crate) mysql_seconds: f64,
    /// Seconds from `CREATE SOURCE` to every subsource's
    /// `snapshot_committed`.
    pub(crate) freshet_seconds: f64,
    /// Rows per second, MySQL.
    pub(crate) mysql_rows_per_second: f64,
    /// Rows per second, Freshet.
    pub(crate) freshet_rows_per_second: f64,
    /// Megabytes (of text) per second, MySQL.
    pub(crate) mysql_mb_per_second: f64,
    /// Megabytes (of text) per second, Freshet.
    pub(crate) freshet_mb_per_second: f64,
    /// Freshet's speed as a share of MySQL's.
    pub(crate) ratio: f64,
}

impl SnapshotResult {
    fn new(tables: usize, rows: u64, bytes: u64, mysql: Duration, freshet: Duration) -> SnapshotResult {
        SnapshotResult {
            tables,
            rows,
            bytes,
            mysql_seconds: mysql.as_secs_f64(),
            freshet_seconds: freshet.as_secs_f64(),
            mysql_rows_per_second: per_second(rows, mysql),
            freshet_rows_per_second: per_second(rows, freshet),
            mysql_mb_per_second: per_second(bytes, mysql) / 1e6,
            freshet_mb_per_second: per_second(bytes, freshet) / 1e6,
            ratio: mysql.as_secs_f64() / freshet.as_secs_f64(),
        }
    }
}

/// The one-table snapshot, and the server that took it (the memory, reads
/// and restart benchmarks go on with it).
pub(crate) struct OneTable {
    /// The measurement.
    pub(crate) result: SnapshotResult,
    /// The server, with source `s1` and its subsource `t1`.
    pub(crate) server: Freshet,
    /// The server's memory before the source existed.
    pub(crate) memory_before: Memory,
}

/// Snapshots table `t1` alone.
pub(crate) async fn one_table(bench: &Bench, data: &Dataset) -> anyhow::Result<OneTable> {
    let tables = [data.table(1)];
    let mysql = mysql_read(bench, &tables).await?;
    let server = Freshet::start(&bench.args.freshet, &bench.data_dir("one")).await?;
    let memory_before = server.memory()?;
    server.connect_to_mysql(bench.mysql.port).await?;
    // Its row count is checked once the memory benchmark has measured the
    // server: the check is a query over every row.
    let freshet = snapshot(&server, "s1", &tables, &["t1"]).await?;
    let result = SnapshotResult::new(1, data.rows, data.text_bytes, mysql, freshet);
    eprintln!(
        "snapshot of 1 table: freshet {:.2} s, mysql --quick {:.2} s",
        result.freshet_seconds, result.mysql_seconds
    );
    Ok(OneTable {
        result,
        server,
        memory_before,
    })
}

/// Snapshots tables `t2`…`t5` in one source, on a server of their own.
pub(crate) async fn four_tables(bench: &Bench, data: &Dataset) -> anyhow::Result<SnapshotResult> {
    let tables: Vec<String> = (2..=5).map(|i| data.table(i)).collect();
    let names = ["t2", "t3", "t4", "t5"];
    let mysql = mysql_read(bench, &tables).await?;
    let server = Freshet::start(&bench.args.freshet, &bench.data_dir("four")).await?;
    server.connect_to_mysql(bench.mysql.port).await?;
    let freshet = snapshot(&server, "s4", &tables, &names).await?;
    check_counts(&server, &names, data.rows).await?;
    server.destroy().await?;
    let rows = data.rows * names.len() as u64;
    let result = SnapshotResult::new(names.len(), rows, data.text_bytes * names.len() as u64, mysql, freshet);
    eprintln!(
        "snapshot of 4 tables: freshet {:.2} s, mysql --quick {:.2} s",
        result.freshet_seconds, result.mysql_seconds
    );
    Ok(result)
}

/// MySQL streaming `tables` to `mysql --quick`: once to warm its buffer
/// pool as the snapshot will find it, then timed.
async fn mysql_read(bench: &Bench, tables: &[String]) -> anyhow::Result<Duration> {
    bench.mysql.timed_read(tables).await?;
    bench.mysql.timed_read(tables).await
}

/// Creates source `source` for `tables` (as subsources `names`) and waits
/// until each has committed its snapshot; returns the time that took.
async fn snapshot(server: &Freshet, source: &str, tables: &[String], names: &[&str]) -> anyhow::Result<Duration> {
    let list = tables
        .iter()
        .zip(names)
        .map(|(t, n)| format!("{t} AS {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let start = Instant::now();
    server
        .execute(&format!(
            "CREATE SOURCE {source} FROM MYSQL CONNECTION bench_mysql FOR TABLES ({list})"
        ))
        .await?;
    let done = server.wait_snapshot_committed(names).await?;
    Ok(done - start)
}

/// Fails unless each subsource holds `rows` rows (checked after the clock
/// stopped: a query over every row is not part of the snapshot).
pub(crate) async fn check_counts(server: &Freshet, names: &[&str], rows: u64) -> anyhow::Result<()> {
    for name in names {
        let count = server.value(&format!("SELECT count(*) FROM {name}")).await?;
        ensure!(
            count.as_deref() == Some(rows.to_string().as_str()),
            "{name} holds {count:?} rows after its snapshot, not {rows}"
        );
    }
    Ok(())
}
