//! `freshet-sqllogictest`: Freshet's regression runner for `.slt` (sqllogictest) files.
//!
//! **Owns**: finding the `.slt` files to run; starting a throwaway Freshet server per
//! file (a child process on a fresh data directory, killed when the file is done);
//! running each file's records over pgwire with the `sqllogictest` crate; rewriting
//! files with the actual results (`--complete`); and the PASS/FAIL report and exit code.
//!
//! **Boundary types**: the inputs are `.slt` files and the `freshet` binary's command
//! line contract (`--listen-addr`, `--data-dir`, one `listening on ADDR` line on stdout,
//! logs on stderr). The database seen by the `sqllogictest` crate is
//! [`session::Session`] (its `AsyncDB`), whose errors ([`session::SessionError`])
//! display as the server's message and expose its SQLSTATE. The outputs are one line
//! per file, a closing `sqllogictest: N passed, N failed` line (files), and exit code 0 (all
//! passed), 1 (a file failed) or 2 (bad invocation).
//!
//! **Must not depend on** any `freshet-*` crate: it talks to the server only over
//! pgwire (tokio-postgres), so it tests what a client sees and builds without the
//! server's dependencies.

mod files;
mod run;
mod server;
mod session;

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use clap::Parser;
use tokio::task::JoinSet;

use crate::run::{FileReport, Outcome, RunContext, ServerSource};
use crate::session::postgres::PgTarget;

/// Runs sqllogictest (.slt) files against Freshet over pgwire.
#[derive(Debug, Parser)]
#[command(name = "freshet-sqllogictest", version)]
struct Args {
    /// .slt files, or directories to search recursively for *.slt files.
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

    /// Rewrite the files in place with the actual results instead of checking them.
    #[arg(long)]
    complete: bool,

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
    let files = files::collect_slt_files(&args.paths)?;
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
    let ctx = Arc::new(RunContext {
        server,
        labels: args.labels.clone(),
        complete: args.complete,
        colorize: std::io::stdout().is_terminal(),
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
            let Some(path) = queue.next() else { break };
            let handle = tasks.spawn(run::run_file(path.clone(), Arc::clone(&ctx)));
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
                records: 0,
                elapsed: std::time::Duration::ZERO,
            },
        };
        summary.record(&report);
        if args.fail_fast && matches!(report.outcome, Outcome::Failed(_)) && !stopped_early {
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
    writeln!(
        out,
        "sqllogictest: {} passed, {} failed",
        summary.passed, summary.failed
    )?;
    Ok(summary.failed == 0)
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
}

impl Summary {
    /// Prints the line for `report` and counts it.
    fn record(&mut self, report: &FileReport) {
        let path = report.path.display();
        let stats = format!("({} records, {} ms)", report.records, report.elapsed.as_millis());
        let line = match &report.outcome {
            Outcome::Passed => {
                self.passed += 1;
                format!("PASS {path} {stats}")
            }
            Outcome::Rewritten(paths) => {
                self.passed += 1;
                self.rewritten.extend(paths.iter().cloned());
                if paths.as_slice() == [report.path.clone()] {
                    format!("REWROTE {path} {stats}")
                } else {
                    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                    format!("REWROTE {path} {stats}: {}", names.join(", "))
                }
            }
            Outcome::Failed(message) => {
                self.failed += 1;
                format!("FAIL {path}: {}", message.trim_end())
            }
        };
        let mut out = std::io::stdout().lock();
        // A closed stdout leaves nothing useful to do with the error.
        let _ = writeln!(out, "{line}");
    }
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
