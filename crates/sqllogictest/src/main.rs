//! `freshet-sqllogictest`: Freshet's regression runner for `.slt` (sqllogictest) files.
//!
//! **Owns**: finding the test files to run; starting a throwaway Freshet server per
//! file (a child process on a fresh data directory, killed when the file is done);
//! running each file's records over pgwire with the `sqllogictest` crate; rewriting
//! files with the actual results (`--complete`); conformance mode
//! (`--conformance-format`: running an outside corpus such as SQLite's, with values
//! converted to each query's declared column types, every record run, and failures
//! checked against a known-failures list); maintained-view mode
//! (`--maintained-views`, with `--conformance-format`: every query record also checked
//! as an indexed view, before and after the file's later writes, see [`views`]); and
//! the report and exit code.
//!
//! **Boundary types**: the inputs are `.slt` files (`.test` files of a corpus) and the
//! `freshet` binary's command line contract (`--listen-addr`, `--data-dir`, one
//! `listening on ADDR` line on stdout, logs on stderr). The database seen by the
//! `sqllogictest` crate is [`session::Session`] (its `AsyncDB`), whose errors
//! ([`session::SessionError`]) display as the server's message and expose its SQLSTATE.
//! The outputs are one line per file, a closing `sqllogictest: N passed, N failed` line
//! (files; in conformance mode preceded by a `conformance:` line with the summed
//! counts), and exit code 0 (all passed), 1 (a file failed; in conformance mode, a
//! failure not on the known-failures list or a listed one that passes) or 2 (bad
//! invocation).
//!
//! **Must not depend on** any `freshet-*` crate: it talks to the server only over
//! pgwire (tokio-postgres), so it tests what a client sees and builds without the
//! server's dependencies.

mod conformance;
mod files;
mod run;
mod server;
mod session;
mod views;

use std::collections::{BTreeSet, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use clap::{Parser, ValueEnum};
use tokio::task::JoinSet;

use crate::conformance::{KnownFailures, RecordFailure, Totals};
use crate::run::{ConformanceSettings, FileReport, Outcome, RunContext, ServerSource};
use crate::session::postgres::PgTarget;
use crate::session::value_format::ValueFormat;

/// Runs sqllogictest (.slt) files against Freshet over pgwire.
#[derive(Debug, Parser)]
#[command(name = "freshet-sqllogictest", version)]
struct Args {
    /// Test files, or directories to search recursively for *.slt and *.test files.
    #[arg(required = true, value_name = "PATHS")]
    paths: Vec<PathBuf>,

    /// The freshet server binary, started afresh for every file [default: `freshet`
    /// next to this executable].
    #[arg(long, value_name = "PATH")]
    freshet_bin: Option<PathBuf>,

    /// Use the server already running at HOST:PORT instead of starting one per file.
    /// Files then run one after another.
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "freshet_bin")]
    connect: Option<String>,

    /// The MySQL server `connection mysql` records run on (as root, no
    /// password). Files see its address as the variables MYSQL_HOST and
    /// MYSQL_PORT (with `control substitution on`).
    #[arg(long, value_name = "HOST:PORT")]
    mysql: Option<String>,

    /// Rewrite the files in place with the actual results instead of checking them.
    #[arg(long, conflicts_with = "conformance_format")]
    complete: bool,

    /// Conformance mode, for an outside corpus: render values the way the corpus
    /// expects (`sqlite`: each value converted to the column type its query declares,
    /// I/R/T), run every record of each file instead of stopping at a failure, and
    /// report the pass counts per file.
    #[arg(long, value_name = "FORMAT")]
    conformance_format: Option<ConformanceFormat>,

    /// With --conformance-format: the known-failures list (`<file>:<line> <reason>`
    /// lines). Listed failures do not fail the run; unlisted ones do, and so do listed
    /// records that pass.
    #[arg(long, value_name = "PATH", requires = "conformance_format")]
    known_failures: Option<PathBuf>,

    /// With --conformance-format: (re)write this known-failures list with the current
    /// failures (keeping the listed reasons of those that were listed, and the entries
    /// of files not run). New failures and fixed entries then do not fail the run.
    #[arg(long, value_name = "PATH", requires = "conformance_format")]
    write_known_failures: Option<PathBuf>,

    /// With --conformance-format: also run every query record as a maintained view
    /// (CREATE VIEW, CREATE INDEX, SELECT * FROM it) and compare it with the query's
    /// one-shot result, at once and after the file's later INSERT/UPDATE/DELETE
    /// records. A difference fails the record; queries that cannot be a view are
    /// skipped and counted by reason.
    #[arg(long, requires = "conformance_format")]
    maintained_views: bool,

    /// With --maintained-views: check only one query record in N as a view (the
    /// K+1th, the N+K+1th, … of each file, K from --maintained-views-offset), to keep
    /// a run short. The others are counted as skipped.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "maintained_views",
          value_parser = clap::value_parser!(u32).range(1..))]
    maintained_views_every: u32,

    /// With --maintained-views-every N: which record of each N is checked (0 to
    /// N-1; larger values wrap). Varying it between runs checks every record over
    /// N runs.
    #[arg(long, value_name = "K", default_value_t = 0, requires = "maintained_views")]
    maintained_views_offset: u32,

    /// How many files to run at once (each against its own server).
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..))]
    jobs: u32,

    /// Turn on a label for `skipif`/`onlyif` (repeatable). `freshet` and `postgresql`
    /// are always on.
    #[arg(long = "label", value_name = "NAME")]
    labels: Vec<String>,

    /// Stop after the first failing file.
    #[arg(long)]
    fail_fast: bool,
}

/// The value formats of `--conformance-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ConformanceFormat {
    /// SQLite's sqllogictest corpus: I (integer), R (float, 3 decimals), T (text).
    Sqlite,
}

impl ConformanceFormat {
    /// How sessions render values for this corpus.
    fn value_format(self) -> ValueFormat {
        match self {
            ConformanceFormat::Sqlite => ValueFormat::Sqlite,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: starting the tokio runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        tokio::select! {
            result = run_all(args) => result,
            // Dropping `run_all` aborts the file tasks, whose guards kill the servers.
            _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
        }
    });
    // Let aborted file tasks drop (and kill their servers) before exiting.
    drop(runtime);
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Parses `HOST:PORT` (IPv6 hosts in brackets: `[::1]:6875`).
fn parse_connect(addr: &str) -> anyhow::Result<PgTarget> {
    let (host, port) = addr
        .rsplit_once(':')
        .with_context(|| format!("--connect {addr:?}: expected HOST:PORT"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        bail!("--connect {addr:?}: empty host");
    }
    let port = port.parse().with_context(|| format!("--connect {addr:?}: bad port"))?;
    Ok(PgTarget::freshet(host, port))
}

/// The default `--freshet-bin`: `freshet` next to this executable.
fn default_freshet_bin() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating this executable")?;
    let dir = exe
        .parent()
        .with_context(|| format!("{} has no parent directory", exe.display()))?;
    Ok(dir.join("freshet"))
}

/// Runs every file and prints the report. Returns whether all files passed.
async fn run_all(args: Args) -> anyhow::Result<bool> {
    let files = files::collect_test_files(&args.paths)?;
    let conformance = match args.conformance_format {
        None => None,
        Some(format) => Some(ConformanceSettings {
            format: format.value_format(),
            known: match &args.known_failures {
                Some(path) => KnownFailures::load(path)?,
                None => KnownFailures::default(),
            },
            maintained_views: args.maintained_views.then_some(views::Sample {
                every: args.maintained_views_every,
                offset: args.maintained_views_offset,
            }),
        }),
    };
    let (server, jobs) = match &args.connect {
        Some(addr) => (ServerSource::Connect(parse_connect(addr)?), 1),
        None => {
            let bin = match &args.freshet_bin {
                Some(bin) => bin.clone(),
                None => default_freshet_bin()?,
            };
            if !bin.is_file() {
                bail!(
                    "freshet server binary not found at {} (build it, or pass --freshet-bin or --connect)",
                    bin.display()
                );
            }
            (ServerSource::Spawn(bin), args.jobs as usize)
        }
    };
    let mysql = match &args.mysql {
        Some(addr) => {
            let target = parse_connect(addr)?;
            Some(crate::session::mysql::MySqlTarget {
                host: target.host,
                port: target.port,
            })
        }
        None => None,
    };
    let ctx = Arc::new(RunContext {
        server,
        mysql,
        labels: args.labels.clone(),
        complete: args.complete,
        colorize: std::io::stdout().is_terminal(),
        conformance,
    });

    let total = files.len();
    let mut queue = files.into_iter();
    // Each file runs in its own task, so a panic fails only that file. Dropping the set
    // (fail-fast, Ctrl-C) aborts the tasks; their `Server` guards kill the servers.
    let mut tasks = JoinSet::new();
    let mut task_paths = HashMap::new();
    let mut summary = Summary::default();
    let mut stopped_early = false;
    loop {
        while !stopped_early && tasks.len() < jobs {
            let Some(file) = queue.next() else { break };
            let path = file.path.clone();
            let handle = tasks.spawn(run::run_file(file, Arc::clone(&ctx)));
            task_paths.insert(handle.id(), path);
        }
        let Some(joined) = tasks.join_next_with_id().await else {
            break;
        };
        let report = match joined {
            Ok((id, report)) => {
                task_paths.remove(&id);
                report
            }
            Err(error) if error.is_cancelled() => continue,
            Err(error) => FileReport {
                path: task_paths.remove(&error.id()).unwrap_or_default(),
                outcome: Outcome::Failed(format!("the runner panicked: {error}")),
                conformance: None,
                records: 0,
                elapsed: std::time::Duration::ZERO,
            },
        };
        let failed = summary.record(report);
        if args.fail_fast && failed && !stopped_early {
            stopped_early = true;
            tasks.abort_all();
        }
    }

    let mut out = std::io::stdout().lock();
    let not_run = total - summary.passed - summary.failed;
    if not_run > 0 {
        writeln!(out, "--fail-fast: {not_run} files not run")?;
    }
    if args.complete {
        writeln!(out, "rewrote {} files", summary.rewritten.len())?;
        for path in &summary.rewritten {
            writeln!(out, "  {}", path.display())?;
        }
    }
    if ctx.conformance.is_some() {
        writeln!(out, "{}", summary.totals.render())?;
    }
    writeln!(
        out,
        "sqllogictest: {} passed, {} failed",
        summary.passed, summary.failed
    )?;
    if let (Some(path), Some(conformance)) = (&args.write_known_failures, &ctx.conformance) {
        let list = conformance.known.regenerate(&summary.ran, &summary.failures);
        write_known_failures(path, &list)?;
        writeln!(
            out,
            "wrote {} known failures to {} ({} files ran; the list now matches this run)",
            list.len(),
            path.display(),
            summary.ran.len()
        )?;
        // The list now matches this run: only files that could not run fail it.
        return Ok(summary.aborted == 0);
    }
    Ok(summary.failed == 0)
}

/// Writes `list` to `path`.
fn write_known_failures(path: &Path, list: &KnownFailures) -> anyhow::Result<()> {
    std::fs::write(path, list.render()).with_context(|| format!("writing {}", path.display()))
}

/// Tallies of the files run so far.
#[derive(Debug, Default)]
struct Summary {
    /// Files that passed (including ones `--complete` rewrote).
    passed: usize,
    /// Files that failed.
    failed: usize,
    /// Files `--complete` rewrote.
    rewritten: Vec<PathBuf>,
    /// Conformance mode: the summed counts of the files that ran to their end.
    totals: Totals,
    /// Conformance mode: the names of the files that ran to their end.
    ran: BTreeSet<String>,
    /// Conformance mode: the failures of those files.
    failures: Vec<RecordFailure>,
    /// Files that could not run (to their end): the server did not start, the file
    /// did not parse, a record timed out, the runner panicked.
    aborted: usize,
}

impl Summary {
    /// Prints the report of `report` and counts it. Returns whether the file failed.
    fn record(&mut self, report: FileReport) -> bool {
        let failed = self.record_inner(report);
        if failed {
            self.failed += 1;
        } else {
            self.passed += 1;
        }
        failed
    }

    /// Prints `report` and keeps its conformance results. Returns whether the file
    /// failed.
    fn record_inner(&mut self, report: FileReport) -> bool {
        if let (Outcome::Passed, Some(conformance)) = (&report.outcome, report.conformance) {
            print_line(&conformance.render(report.elapsed.as_millis()));
            self.totals.add(&conformance);
            self.ran.insert(conformance.name.clone());
            let clean = conformance.is_clean();
            let classified = conformance.classified;
            self.failures.extend(classified.known);
            self.failures.extend(classified.new);
            return !clean;
        }
        let path = report.path.display();
        let stats = format!("({} records, {} ms)", report.records, report.elapsed.as_millis());
        let (line, failed) = match &report.outcome {
            Outcome::Passed => (format!("PASS {path} {stats}"), false),
            Outcome::Rewritten(paths) => {
                self.rewritten.extend(paths.iter().cloned());
                let line = if paths.as_slice() == [report.path.clone()] {
                    format!("REWROTE {path} {stats}")
                } else {
                    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                    format!("REWROTE {path} {stats}: {}", names.join(", "))
                };
                (line, false)
            }
            Outcome::Failed(message) => {
                self.aborted += 1;
                (format!("FAIL {path}: {}", message.trim_end()), true)
            }
        };
        print_line(&line);
        failed
    }
}

/// Prints `line` to stdout.
fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout leaves nothing useful to do with the error.
    let _ = writeln!(out, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_connect_addresses() -> anyhow::Result<()> {
        assert_eq!(parse_connect("127.0.0.1:6875")?, PgTarget::freshet("127.0.0.1", 6875));
        assert_eq!(parse_connect("[::1]:5432")?, PgTarget::freshet("::1", 5432));
        assert_eq!(parse_connect("localhost:1")?, PgTarget::freshet("localhost", 1));
        assert!(parse_connect("localhost").is_err());
        assert!(parse_connect(":5432").is_err());
        assert!(parse_connect("host:x").is_err());
        Ok(())
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
