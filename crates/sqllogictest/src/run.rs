//! Running one test file: get a server (start a fresh one or use `--connect`), run or
//! complete the file's records on it (or, in conformance mode, run all of them and
//! count), and report the outcome.

mod complete;
mod corpus;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqllogictest::{DefaultColumnType, Record, RecordOutput, Runner};

use crate::conformance::{ConformanceReport, KnownFailures, classify};
use crate::files::TestFile;
use crate::server::{STDERR_TAIL_LINES, Server, format_stderr_tail};
use crate::session::postgres::PgTarget;
use crate::session::value_format::ValueFormat;
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
    /// The MySQL server `connection mysql` goes to, if any.
    pub(crate) mysql: Option<crate::session::mysql::MySqlTarget>,
    /// Labels turned on in addition to [`ALWAYS_ON_LABELS`].
    pub(crate) labels: Vec<String>,
    /// Rewrite files with the actual results instead of checking them.
    pub(crate) complete: bool,
    /// Colour diffs in failure messages.
    pub(crate) colorize: bool,
    /// Conformance mode's settings (`--conformance-format`); `None` for this project's
    /// own files.
    pub(crate) conformance: Option<ConformanceSettings>,
}

/// The settings of conformance mode: every record of a file runs, values are rendered
/// in a corpus' format, and failures are checked against a known-failures list.
#[derive(Debug)]
pub(crate) struct ConformanceSettings {
    /// How values are rendered for the corpus.
    pub(crate) format: ValueFormat,
    /// The failures expected (empty without `--known-failures`).
    pub(crate) known: KnownFailures,
    /// `--maintained-views`: also check query records as maintained views, those
    /// of this sample (`--maintained-views-every`, `--maintained-views-offset`);
    /// `None` without it.
    pub(crate) maintained_views: Option<crate::views::Sample>,
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
    /// How it went. In conformance mode `Passed` means the file ran to its end; how
    /// its records went is in `conformance`.
    pub(crate) outcome: Outcome,
    /// In conformance mode, when the file ran to its end: the counts and the failures
    /// against the known-failures list.
    pub(crate) conformance: Option<ConformanceReport>,
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
    /// The conformance report (conformance mode only).
    conformance: Option<ConformanceReport>,
}

/// Runs (or, with `--complete`, completes; or, in conformance mode, runs every record
/// of) `file`.
pub(crate) async fn run_file(file: TestFile, ctx: Arc<RunContext>) -> FileReport {
    let started = Instant::now();
    let (outcome, records, conformance) = match run_file_inner(&file, &ctx).await {
        Ok(Finished {
            records,
            rewritten,
            conformance,
        }) if rewritten.is_empty() => (Outcome::Passed, records, conformance),
        Ok(Finished {
            records,
            rewritten,
            conformance,
        }) => (Outcome::Rewritten(rewritten), records, conformance),
        Err(message) => (Outcome::Failed(message), 0, None),
    };
    FileReport {
        path: file.path,
        outcome,
        conformance,
        records,
        elapsed: started.elapsed(),
    }
}

/// Gets the server, runs the file, and on failure appends the server's stderr tail.
async fn run_file_inner(file: &TestFile, ctx: &RunContext) -> Result<Finished, String> {
    let path = file.path.as_path();
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

    let format = ctx
        .conformance
        .as_ref()
        .map_or(ValueFormat::Postgres, |conformance| conformance.format);
    let views_target = target.clone();
    let targets = Targets {
        postgres: target,
        mysql: ctx.mysql.clone(),
    };
    let (factory, selector) = SessionFactory::new(targets, format);
    let mut runner = SltRunner::new(factory);
    if let Some(mysql) = &ctx.mysql {
        runner.set_var("MYSQL_HOST".into(), mysql.host.clone());
        runner.set_var("MYSQL_PORT".into(), mysql.port.to_string());
    }
    let labels: Vec<&str> = ALWAYS_ON_LABELS
        .iter()
        .copied()
        .chain(ctx.labels.iter().map(String::as_str))
        .collect();
    for label in &labels {
        runner.add_label(label);
    }
    // Column type letters in the files are not checked: the simple query protocol does
    // not report column types.
    runner.with_column_validator(sqllogictest::default_column_validator);

    let result = if let Some(conformance) = &ctx.conformance {
        let views = conformance.maintained_views.map(|sample| (&views_target, sample));
        corpus::run_corpus_file(&mut runner, &selector, path, &file.name, &labels, ctx.colorize, views)
            .await
            .map(|run| Finished {
                records: run.tally.queries.ran() + run.tally.statements.ran(),
                rewritten: Vec::new(),
                conformance: Some(ConformanceReport {
                    name: file.name.clone(),
                    tally: run.tally,
                    classified: classify(&file.name, run.failures, &run.passed, &conformance.known),
                    views: run.views,
                }),
            })
    } else if ctx.complete {
        complete::complete_file(&mut runner, &selector, path)
            .await
            .map(|completion| Finished {
                records: completion.records,
                rewritten: completion.rewritten,
                conformance: None,
            })
            .map_err(|error| format!("{error:#}"))
    } else {
        run_records(&mut runner, &selector, path, ctx.colorize)
            .await
            .map(|records| Finished {
                records,
                rewritten: Vec::new(),
                conformance: None,
            })
    };
    runner.shutdown_async().await;
    // In conformance mode failures do not stop the file, so a server that died shows
    // up only as a run of connection errors: say what happened instead.
    let result = match (result, server.as_mut().and_then(Server::exit_status)) {
        (
            Ok(Finished {
                conformance: Some(_), ..
            }),
            Some(status),
        ) => Err(format!("the freshet server exited while the file ran ({status})")),
        (result, _) => result,
    };

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
