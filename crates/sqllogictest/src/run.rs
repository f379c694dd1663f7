//! Running one test file: get a server (start a fresh one or use `--connect`), run or
//! complete the file's records on it, and report the outcome.

mod complete;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqllogictest::{DefaultColumnType, Record, RecordOutput, Runner};

use crate::server::{STDERR_TAIL_LINES, Server, format_stderr_tail};
use crate::session::postgres::PgTarget;
use crate::session::{ConnectionSelector, Session, SessionFactory, Targets};

/// The longest one record may run (retries included) before the file fails,
/// so a hung server fails a test run instead of stalling it.
const RECORD_TIMEOUT: Duration = Duration::from_secs(180);

/// Labels that are always on for `skipif` / `onlyif`.
const ALWAYS_ON_LABELS: [&str; 2] = ["freshet", "postgresql"];

/// The `sqllogictest` runner as this crate instantiates it.
type SltRunner = Runner<Session, SessionFactory>;

/// Where the server for a file comes from.
#[derive(Debug, Clone)]
pub(crate) enum ServerSource {
    /// Start this `freshet` binary afresh for every file.
    Spawn(PathBuf),
    /// Use an already running server.
    Connect(PgTarget),
}

/// Settings shared by all files of one invocation.
#[derive(Debug)]
pub(crate) struct RunContext {
    /// Where each file's server comes from.
    pub(crate) server: ServerSource,
    /// Labels turned on in addition to [`ALWAYS_ON_LABELS`].
    pub(crate) labels: Vec<String>,
    /// Rewrite files with the actual results instead of checking them.
    pub(crate) complete: bool,
    /// Colour diffs in failure messages.
    pub(crate) colorize: bool,
}

/// How one file went.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Every record matched (or, with `--complete`, nothing needed rewriting).
    Passed,
    /// `--complete` rewrote these files (the file itself and/or files it includes).
    Rewritten(Vec<PathBuf>),
    /// The file failed; the message names the failing record's location.
    Failed(String),
}

/// The result of running one file.
#[derive(Debug)]
pub(crate) struct FileReport {
    /// The file, as collected from the command line.
    pub(crate) path: PathBuf,
    /// How it went.
    pub(crate) outcome: Outcome,
    /// Records that ran (skipped ones and comments not counted).
    pub(crate) records: usize,
    /// Wall-clock time, server startup included.
    pub(crate) elapsed: Duration,
}

/// What a file run produced when it did not fail.
struct Finished {
    /// Records that ran.
    records: usize,
    /// Files rewritten by `--complete`.
    rewritten: Vec<PathBuf>,
}

/// Runs (or, with `--complete`, completes) the file at `path`.
pub(crate) async fn run_file(path: PathBuf, ctx: Arc<RunContext>) -> FileReport {
    let started = Instant::now();
    let (outcome, records) = match run_file_inner(&path, &ctx).await {
        Ok(Finished { records, rewritten }) if rewritten.is_empty() => (Outcome::Passed, records),
        Ok(Finished { records, rewritten }) => (Outcome::Rewritten(rewritten), records),
        Err(message) => (Outcome::Failed(message), 0),
    };
    FileReport {
        path,
        outcome,
        records,
        elapsed: started.elapsed(),
    }
}

/// Gets the server, runs the file, and on failure appends the server's stderr tail.
async fn run_file_inner(path: &Path, ctx: &RunContext) -> Result<Finished, String> {
    let mut server = None;
    let target = match &ctx.server {
        ServerSource::Connect(target) => target.clone(),
        ServerSource::Spawn(bin) => {
            let started = Server::start(bin).await.map_err(|error| format!("{error:#}"))?;
            let addr = started.addr();
            server = Some(started);
            PgTarget::freshet(addr.ip().to_string(), addr.port())
        }
    };

    let (factory, selector) = SessionFactory::new(Targets { postgres: target });
    let mut runner = SltRunner::new(factory);
    for label in ALWAYS_ON_LABELS
        .iter()
        .copied()
        .chain(ctx.labels.iter().map(String::as_str))
    {
        runner.add_label(label);
    }
    // Column type letters in the files are not checked: the simple query protocol does
    // not report column types.
    runner.with_column_validator(sqllogictest::default_column_validator);

    let result = if ctx.complete {
        complete::complete_file(&mut runner, &selector, path)
            .await
            .map(|completion| Finished {
                records: completion.records,
                rewritten: completion.rewritten,
            })
            .map_err(|error| format!("{error:#}"))
    } else {
        run_records(&mut runner, &selector, path, ctx.colorize)
            .await
            .map(|records| Finished {
                records,
                rewritten: Vec::new(),
            })
    };
    runner.shutdown_async().await;

    match (result, server) {
        (Err(message), Some(mut server)) => {
            server.stop();
            let tail = server.stderr_tail(STDERR_TAIL_LINES);
            Err(format!("{}\n{}", message.trim_end(), format_stderr_tail(&tail)))
        }
        (result, _server) => result,
    }
}

/// Runs the records of `path` in order, stopping at the first failure or `halt`.
/// Returns how many records ran.
async fn run_records(
    runner: &mut SltRunner,
    selector: &ConnectionSelector,
    path: &Path,
    colorize: bool,
) -> Result<usize, String> {
    let records = sqllogictest::parse_file::<DefaultColumnType>(path).map_err(|error| error.to_string())?;
    let mut ran = 0;
    for record in records {
        if let Record::Halt { .. } = record {
            break;
        }
        selector.select_for(&record);
        let text = record.to_string();
        match tokio::time::timeout(RECORD_TIMEOUT, runner.run_async(record)).await {
            Ok(Ok(RecordOutput::Nothing)) => {}
            Ok(Ok(_)) => ran += 1,
            Ok(Err(error)) => return Err(error.display(colorize).to_string()),
            Err(_) => {
                return Err(format!(
                    "{}: record did not finish within {RECORD_TIMEOUT:?}:\n{text}",
                    path.display()
                ));
            }
        }
    }
    Ok(ran)
}
