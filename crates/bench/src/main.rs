//! `freshet-bench`: every performance number Freshet states, each measured
//! beside the limit it is compared with, in the same run on the same machine.
//!
//! `bin/bench` builds Freshet, starts a MySQL 9.7 server whose data is kept
//! between runs, and runs this driver, which:
//! - generates the benchmark tables once per size (`data`), and reuses them;
//! - measures Freshet's snapshot, memory, reads and restart on one server
//!   (`snapshot`, `memory`, `reads`, `restart`), the snapshot of four tables
//!   at once on another, and binlog replication and freshness on a third
//!   (`replication`, `freshness`, with the load generator in `load`);
//! - measures MySQL's own speed at the same thing right beside each:
//!   `mysql --quick` for snapshots, `mysqlbinlog --raw` for the binlog, the
//!   highest commit rate MySQL sustains, MySQL answering the same queries;
//! - prints the results as a Markdown table and writes them as JSON.
//!
//! Machines are noisy, so every comparison is a ratio within one run. The
//! driver asserts nothing about speed; it fails only when Freshet's answer is
//! wrong (a row count, a sum) or a deadline passes.
//!
//! It talks to Freshet and MySQL only as a user does: pgwire (tokio-postgres),
//! the MySQL protocol (mysql_async), and MySQL's own command-line tools run
//! through `bin/mysql`. It depends on no Freshet crate.

mod data;
mod freshet;
mod freshness;
mod load;
mod memory;
mod mysql;
mod reads;
mod replication;
mod report;
mod restart;
mod snapshot;
mod stats;

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

use crate::mysql::MySql;
use crate::report::{Machine, Report, Settings};

/// Measures Freshet beside MySQL's own limits; see `bin/bench`.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The `freshet` binary to measure.
    #[arg(long)]
    freshet: PathBuf,
    /// The repository's `bin/mysql` script, which runs MySQL's own tools.
    #[arg(long)]
    mysql_script: PathBuf,
    /// The port of that MySQL server (root without a password, user
    /// `freshet` with password `freshet`, as `bin/mysql start` makes them).
    #[arg(long)]
    mysql_port: u16,
    /// A folder for Freshet's data directories, logs and binlog copies;
    /// emptied first.
    #[arg(long)]
    work: PathBuf,
    /// Rows in each benchmark table.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Row changes in each replication workload (one of small
    /// transactions, one of large).
    #[arg(long, default_value_t = 2_000_000)]
    changes: u64,
    /// Rows each large transaction changes.
    #[arg(long, default_value_t = 100_000)]
    large_transaction: u64,
    /// Seconds each write rate of the freshness benchmark runs.
    #[arg(long, default_value_t = 5)]
    freshness_seconds: u64,
    /// How many times each read is timed (fewer for MySQL's aggregate,
    /// which reads every row each time).
    #[arg(long, default_value_t = 2000)]
    read_samples: usize,
    /// Where the JSON report goes; it is rewritten after each stage.
    #[arg(long)]
    out: PathBuf,
    /// What was measured: the build profile (recorded in the report).
    #[arg(long, default_value = "release")]
    profile: String,
    /// The commit measured (recorded in the report).
    #[arg(long, default_value = "")]
    commit: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.work.exists() {
        std::fs::remove_dir_all(&args.work).with_context(|| format!("emptying {}", args.work.display()))?;
    }
    std::fs::create_dir_all(&args.work)?;
    let mysql = MySql::connect(&args.mysql_script, args.mysql_port).await?;
    let mut report = Report {
        machine: Machine::describe(&mysql).await?,
        settings: Settings {
            rows: args.rows,
            changes: args.changes,
            large_transaction: args.large_transaction,
            freshness_seconds: args.freshness_seconds,
            profile: args.profile.clone(),
            commit: args.commit.clone(),
        },
        ..Report::default()
    };
    let bench = Bench { args, mysql };

    let dataset = data::ensure(&bench.mysql, bench.args.rows).await?;
    report.dataset = Some(dataset.summary());

    let one = snapshot::one_table(&bench, &dataset).await?;
    report.snapshot_one = Some(one.result.clone());
    report.write(&bench.args.out)?;
    let server = one.server;
    report.memory = Some(memory::index_and_measure(&dataset, &server, &one.memory_before).await?);
    report.write(&bench.args.out)?;
    report.reads = Some(reads::measure(&bench, &dataset, &server).await?);
    report.write(&bench.args.out)?;
    report.restart = Some(restart::measure(&bench, &dataset, server, &one.result).await?);
    report.write(&bench.args.out)?;

    report.snapshot_four = Some(snapshot::four_tables(&bench, &dataset).await?);
    report.write(&bench.args.out)?;

    let (replication, server) = replication::measure(&bench).await?;
    report.replication = replication;
    report.write(&bench.args.out)?;
    report.freshness = Some(freshness::measure(&bench, server).await?);
    report.write(&bench.args.out)?;

    print!("{}", report.table());
    eprintln!("report written to {}", bench.args.out.display());
    Ok(())
}

/// What every stage needs: the settings and the MySQL server.
pub(crate) struct Bench {
    args: Args,
    mysql: MySql,
}

impl Bench {
    /// A new, empty data directory for a Freshet server.
    fn data_dir(&self, name: &str) -> PathBuf {
        self.args.work.join(name)
    }
}
