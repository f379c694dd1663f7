//! Memory: the server's resident memory per million rows stored (the
//! one-table snapshot) and per million rows arranged in an index (an index
//! on that table), beside the size of the same rows as text and in InnoDB.

use std::time::Instant;

use crate::data::Dataset;
use crate::freshet::{Freshet, Memory};

/// The server's memory through a snapshot and an index build.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct MemoryResult {
    /// Rows stored, then arranged.
    pub(crate) rows: u64,
    /// Before the source existed.
    pub(crate) idle: Memory,
    /// After the snapshot was committed (`peak`: the most during it).
    pub(crate) after_snapshot: Memory,
    /// After a query over every row.
    pub(crate) after_scan: Memory,
    /// After the index on every row was built and answered.
    pub(crate) after_index: Memory,
    /// Seconds from `CREATE INDEX` to its first answer.
    pub(crate) index_seconds: f64,
    /// Bytes per million rows of the rows as text (`mysql --quick`).
    pub(crate) text_per_million: f64,
    /// Bytes per million rows in InnoDB (`data_length`).
    pub(crate) innodb_per_million: f64,
    /// Bytes per million rows of Freshet's data directory after the
    /// snapshot.
    pub(crate) disk_per_million: f64,
    /// Peak RSS above idle per million rows stored (during the snapshot).
    pub(crate) stored_peak_per_million: f64,
    /// RSS above idle per million rows stored, once the snapshot is done.
    pub(crate) stored_per_million: f64,
    /// RSS the index added per million rows arranged, over a heap already
    /// grown by one query over every row.
    pub(crate) arranged_per_million: f64,
    /// Peak RSS above the level before the index, per million rows
    /// arranged (an upper bound: the peak may be the full scan's).
    pub(crate) arranged_peak_per_million: f64,
    /// [`MemoryResult::arranged_per_million`] over
    /// [`MemoryResult::text_per_million`].
    pub(crate) arranged_over_text: f64,
}

/// Measures `server` after its snapshot of `t1` (nothing else has run on it
/// since); then after a query over every row (which checks the count), so
/// that the heap holds what building a dataflow over the table takes for a
/// while and the allocator keeps; then builds an index on `t1 (id)` (kept
/// for the reads and restart benchmarks) and measures what it added.
pub(crate) async fn index_and_measure(data: &Dataset, server: &Freshet, idle: &Memory) -> anyhow::Result<MemoryResult> {
    let after_snapshot = server.memory()?;
    let disk = server.disk_bytes()?;
    crate::snapshot::check_counts(server, &["t1"], data.rows).await?;
    let after_scan = server.memory()?;
    let start = Instant::now();
    server.execute("CREATE INDEX t1_id ON t1 (id)").await?;
    let done = server.wait_for("SELECT id FROM t1 WHERE id = 1", "1").await?;
    let after_index = server.memory()?;
    let millions = data.rows as f64 / 1e6;
    let per_million = |bytes: u64| bytes as f64 / millions;
    let arranged_per_million = per_million(after_index.rss.saturating_sub(after_scan.rss));
    let text_per_million = per_million(data.text_bytes);
    let result = MemoryResult {
        rows: data.rows,
        idle: *idle,
        after_snapshot,
        after_scan,
        after_index,
        index_seconds: (done - start).as_secs_f64(),
        text_per_million,
        innodb_per_million: per_million(data.innodb_bytes),
        disk_per_million: per_million(disk),
        stored_peak_per_million: per_million(after_snapshot.peak.saturating_sub(idle.rss)),
        stored_per_million: per_million(after_snapshot.rss.saturating_sub(idle.rss)),
        arranged_per_million,
        arranged_peak_per_million: per_million(after_index.peak.saturating_sub(after_scan.rss)),
        arranged_over_text: arranged_per_million / text_per_million,
    };
    eprintln!(
        "memory: {:.0} MB peak per million rows stored, {:.0} MB per million rows arranged ({:.0} MB as text)",
        result.stored_peak_per_million / 1e6,
        result.arranged_per_million / 1e6,
        result.text_per_million / 1e6
    );
    Ok(result)
}
