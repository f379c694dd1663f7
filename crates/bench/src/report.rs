//! The report: every measurement with the machine it ran on, written as
//! JSON and printed as a Markdown table.

use std::fmt::Write as _;
use std::path::Path;

use crate::data::DatasetSummary;
use crate::freshness::FreshnessResult;
use crate::memory::MemoryResult;
use crate::mysql::MySql;
use crate::reads::ReadResult;
use crate::replication::ReplicationResult;
use crate::restart::RestartResult;
use crate::snapshot::SnapshotResult;

/// Everything one run measured; a stage not (yet) run is `null`.
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct Report {
    /// Where it ran.
    pub(crate) machine: Machine,
    /// What it ran with.
    pub(crate) settings: Settings,
    /// The benchmark tables.
    pub(crate) dataset: Option<DatasetSummary>,
    /// Snapshot of one table.
    pub(crate) snapshot_one: Option<SnapshotResult>,
    /// Snapshot of four tables at once.
    pub(crate) snapshot_four: Option<SnapshotResult>,
    /// Following a binlog of small, then of large, transactions.
    pub(crate) replication: Vec<ReplicationResult>,
    /// Commit-to-SUBSCRIBE latency by write rate.
    pub(crate) freshness: Option<FreshnessResult>,
    /// Point lookup and aggregate view, beside MySQL.
    pub(crate) reads: Option<Vec<ReadResult>>,
    /// Resident memory per million rows.
    pub(crate) memory: Option<MemoryResult>,
    /// Restart after `kill -9`.
    pub(crate) restart: Option<RestartResult>,
}

/// The machine, as far as it bears on the numbers.
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct Machine {
    /// The CPU model.
    pub(crate) cpu: String,
    /// Cores this process may use.
    pub(crate) cores: usize,
    /// Memory, in bytes.
    pub(crate) memory_bytes: u64,
    /// The Linux kernel.
    pub(crate) kernel: String,
    /// MySQL's `VERSION()`.
    pub(crate) mysql: String,
    /// When the run started (UTC).
    pub(crate) date: String,
}

/// The settings of the run.
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct Settings {
    /// Rows per benchmark table.
    pub(crate) rows: u64,
    /// Row changes per replication workload.
    pub(crate) changes: u64,
    /// Rows per large transaction.
    pub(crate) large_transaction: u64,
    /// Seconds per freshness rate.
    pub(crate) freshness_seconds: u64,
    /// Freshet's build profile.
    pub(crate) profile: String,
    /// Freshet's commit.
    pub(crate) commit: String,
}

impl Machine {
    /// Reads `/proc` and asks MySQL its version.
    pub(crate) async fn describe(mysql: &MySql) -> anyhow::Result<Machine> {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let field = |text: &str, name: &str| {
            text.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default()
        };
        let memory_kb: u64 = field(&meminfo, "MemTotal")
            .trim_end_matches(" kB")
            .parse()
            .unwrap_or_default();
        let date = tokio::process::Command::new("date")
            .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
            .output()
            .await?;
        Ok(Machine {
            cpu: field(&cpuinfo, "model name"),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes: memory_kb * 1024,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_owned(),
            mysql: mysql.first_row("SELECT VERSION()").await?.unwrap_or_default(),
            date: String::from_utf8_lossy(&date.stdout).trim().to_owned(),
        })
    }
}

impl Report {
    /// Writes the report as JSON to `path`.
    pub(crate) fn write(&self, path: &Path) -> anyhow::Result<()> {
        std::fs::write(path, serde_json::to_string_pretty(self)? + "\n")?;
        Ok(())
    }

    /// The report as a Markdown table, with the machine under it.
    pub(crate) fn table(&self) -> String {
        let mut rows: Vec<[String; 4]> = Vec::new();
        let million = |rows: u64| format!("{}M", rows as f64 / 1e6);
        if let (Some(data), Some(s)) = (&self.dataset, &self.snapshot_one) {
            rows.push(snapshot_row(
                &format!("Snapshot, 1 table of {} rows", million(data.rows)),
                s,
            ));
        }
        if let (Some(data), Some(s)) = (&self.dataset, &self.snapshot_four) {
            rows.push(snapshot_row(
                &format!("Snapshot, 4 tables of {} rows at once", million(data.rows)),
                s,
            ));
        }
        for r in &self.replication {
            rows.push([
                format!(
                    "Replication, {} ({} row changes, {} transactions, {:.0} MB of binlog)",
                    r.workload,
                    million(r.generated.row_changes),
                    r.generated.transactions,
                    r.binlog_bytes as f64 / 1e6
                ),
                format!(
                    "{} changes/s, {:.1} MB/s ({:.2} s from process start; durable at {:.2} s)",
                    thousands(r.freshet_changes_per_second),
                    r.freshet_mb_per_second,
                    r.freshet_seconds,
                    r.freshet_committed_seconds
                ),
                format!(
                    "mysqlbinlog --raw: {} changes/s, {:.1} MB/s ({:.2} s)",
                    thousands(r.mysqlbinlog_changes_per_second),
                    r.mysqlbinlog_mb_per_second,
                    r.mysqlbinlog_seconds
                ),
                format!("{:.2}", r.ratio),
            ]);
        }
        if let Some(f) = &self.freshness {
            for r in &f.rates {
                rows.push([
                    format!("Freshness, COMMIT to SUBSCRIBE at {} tx/s", thousands(r.target_rate)),
                    format!(
                        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                        r.latency.p50_ms, r.latency.p99_ms, r.latency.max_ms
                    ),
                    format!("MySQL committed {} tx/s", thousands(r.achieved_rate)),
                    String::new(),
                ]);
            }
            let rate = |r: Option<f64>| r.map_or("none".to_owned(), |r| format!("{} tx/s", thousands(r)));
            rows.push([
                "Freshness, highest rate with p99 under 100 ms / under 1 s".to_owned(),
                format!(
                    "{} / {}",
                    rate(f.max_rate_p99_under_100ms),
                    rate(f.max_rate_p99_under_1s)
                ),
                format!("MySQL's highest: {} tx/s", thousands(f.mysql_max_rate)),
                f.max_rate_p99_under_1s
                    .map_or(String::new(), |r| format!("{:.2}", r / f.mysql_max_rate)),
            ]);
        }
        for r in self.reads.iter().flatten() {
            rows.push([
                format!("Read, {} (`{}`)", r.name, r.example),
                format!("p50 {:.2} ms, p99 {:.2} ms", r.freshet.p50_ms, r.freshet.p99_ms),
                format!("MySQL: p50 {:.2} ms, p99 {:.2} ms", r.mysql.p50_ms, r.mysql.p99_ms),
                format!("{:.2}", r.ratio_p50),
            ]);
        }
        if let Some(m) = &self.memory {
            let mb = |b: f64| format!("{:.0} MB", b / 1e6);
            rows.push([
                "Memory per 1M rows stored (peak RSS above idle during the snapshot; after it)".to_owned(),
                format!(
                    "{} peak, {} after; {} on disk",
                    mb(m.stored_peak_per_million),
                    mb(m.stored_per_million),
                    mb(m.disk_per_million)
                ),
                format!(
                    "as text {}, in InnoDB {}",
                    mb(m.text_per_million),
                    mb(m.innodb_per_million)
                ),
                format!("{:.2}", m.stored_peak_per_million / m.text_per_million),
            ]);
            rows.push([
                "Memory per 1M rows arranged in an index (RSS the index added after a full scan)".to_owned(),
                format!(
                    "{} ({} peak; built in {:.2} s)",
                    mb(m.arranged_per_million),
                    mb(m.arranged_peak_per_million),
                    m.index_seconds
                ),
                format!("as text {}", mb(m.text_per_million)),
                format!("{:.2}", m.arranged_over_text),
            ]);
        }
        if let Some(r) = &self.restart {
            rows.push([
                format!("Restart after kill -9, {} rows, indexed", million(r.rows)),
                format!(
                    "listening {:.2} s, running {:.2} s, answering {:.2} s",
                    r.listening_seconds, r.running_seconds, r.queryable_seconds
                ),
                format!("fresh snapshot {:.2} s", r.fresh_snapshot_seconds),
                format!("{:.2}", r.ratio),
            ]);
        }
        let mut out = String::from("| Benchmark | Freshet | Limit, same run | Ratio |\n|---|---|---|---|\n");
        for [a, b, c, d] in rows {
            let _ = writeln!(out, "| {a} | {b} | {c} | {d} |");
        }
        let m = &self.machine;
        let _ = writeln!(
            out,
            "\nRatio: Freshet's speed over the limit's (above 1: faster than the limit); for memory, Freshet's bytes \
             over the rows' size as text.\n\nMachine: {} ({} cores), {:.0} GB, Linux {}, MySQL {}; Freshet {} ({}), {}.",
            m.cpu,
            m.cores,
            m.memory_bytes as f64 / 1e9,
            m.kernel,
            m.mysql,
            self.settings.commit,
            self.settings.profile,
            m.date
        );
        out
    }
}

fn snapshot_row(name: &str, s: &SnapshotResult) -> [String; 4] {
    [
        name.to_owned(),
        format!(
            "{} rows/s, {:.1} MB/s ({:.2} s)",
            thousands(s.freshet_rows_per_second),
            s.freshet_mb_per_second,
            s.freshet_seconds
        ),
        format!(
            "mysql --quick: {} rows/s, {:.1} MB/s ({:.2} s)",
            thousands(s.mysql_rows_per_second),
            s.mysql_mb_per_second,
            s.mysql_seconds
        ),
        format!("{:.2}", s.ratio),
    ]
}

/// `1234567.8` as `1,234,568`.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1234567.8), "1,234,568");
    }
}
