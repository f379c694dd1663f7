//! `--complete`: rewrite a file (and the files it includes) with the actual results.
//!
//! Built on the `sqllogictest` crate's completion support
//! ([`Runner::apply_record`](sqllogictest::Runner::apply_record) to run a record without
//! checking it, [`update_record_with_output`] to turn its output into the record that
//! would have matched). The crate's own `Runner::update_test_file` is not used because
//! it ignores `retry` (it would record the first, possibly not yet settled, result)
//! and turns every `error (SQLSTATE)` expectation into a message regex (it matches
//! errors without their SQLSTATE). Files are written back only if a record changed.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sqllogictest::{
    AsyncDB, DefaultColumnType, ExpectedError, Injected, QueryExpect, Record, RecordOutput, StatementExpect,
    default_normalizer, default_validator, update_record_with_output,
};

use super::SltRunner;
use crate::session::{ConnectionSelector, Session, SessionError};

/// Separator between the values of a row in the rewritten results.
const COLUMN_SEPARATOR: &str = " ";

/// What completing a file did.
pub(super) struct Completion {
    /// Records that ran.
    pub(super) records: usize,
    /// Files that were rewritten.
    pub(super) rewritten: Vec<PathBuf>,
}

/// A file being re-rendered.
struct OutFile {
    /// Where it is written back.
    path: PathBuf,
    /// The re-rendered text so far.
    text: String,
    /// A `halt` was seen: the rest is copied without running.
    halted: bool,
    /// Some record was updated, so the file must be written back.
    changed: bool,
}

impl OutFile {
    /// Starts re-rendering `path`.
    fn new(path: impl Into<PathBuf>) -> Self {
        OutFile {
            path: path.into(),
            text: String::new(),
            halted: false,
            changed: false,
        }
    }

    /// Appends `record` as it is written in a file.
    fn push(&mut self, record: &Record<DefaultColumnType>) -> anyhow::Result<()> {
        writeln!(self.text, "{record}").context("rendering a record")
    }

    /// Writes the file back if a record changed. Returns whether it did.
    fn finish(self) -> anyhow::Result<bool> {
        if !self.changed {
            return Ok(false);
        }
        let mut text = self.text.trim_end_matches('\n').to_owned();
        text.push('\n');
        let dir = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let permissions = std::fs::metadata(&self.path)
            .with_context(|| format!("reading {}", self.path.display()))?
            .permissions();
        let mut temp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        temp.write_all(text.as_bytes())
            .and_then(|()| temp.as_file().set_permissions(permissions))
            .with_context(|| format!("writing {}", temp.path().display()))?;
        temp.persist(&self.path)
            .with_context(|| format!("replacing {}", self.path.display()))?;
        Ok(true)
    }
}

/// Runs every record of `path` and rewrites the expectations that did not match.
pub(super) async fn complete_file(
    runner: &mut SltRunner,
    selector: &ConnectionSelector,
    path: &Path,
) -> anyhow::Result<Completion> {
    let records = sqllogictest::parse_file::<DefaultColumnType>(path)?;
    let mut stack = vec![OutFile::new(path)];
    let mut completion = Completion {
        records: 0,
        rewritten: Vec::new(),
    };
    for record in records {
        match &record {
            Record::Injected(Injected::BeginInclude(included)) => {
                stack.push(OutFile::new(included));
                continue;
            }
            Record::Injected(Injected::EndInclude(_)) => {
                let file = stack.pop().context("unbalanced include records")?;
                let file_path = file.path.clone();
                if file.finish()? {
                    completion.rewritten.push(file_path);
                }
                continue;
            }
            _ => {}
        }
        let file = stack.last_mut().context("unbalanced include records")?;
        if file.halted || matches!(record, Record::Halt { .. }) {
            file.halted = true;
            file.push(&record)?;
            continue;
        }
        selector.select_for(&record);
        let (record, ran, changed) = complete_record(runner, record).await;
        completion.records += usize::from(ran);
        file.changed |= changed;
        file.push(&record)?;
    }
    let file = stack.pop().context("unbalanced include records")?;
    let file_path = file.path.clone();
    if file.finish()? {
        completion.rewritten.push(file_path);
    }
    Ok(completion)
}

/// Runs `record` (honouring its `retry`: attempts repeat until the output matches) and
/// returns the record that matches the last output, whether it ran, and whether it
/// changed.
async fn complete_record(
    runner: &mut SltRunner,
    record: Record<DefaultColumnType>,
) -> (Record<DefaultColumnType>, bool, bool) {
    let retry = match &record {
        Record::Statement { retry, .. } | Record::Query { retry, .. } | Record::System { retry, .. } => retry.clone(),
        _ => None,
    };
    let attempts = retry.as_ref().map_or(1, |retry| retry.attempts);
    let mut updated = None;
    for attempt in 0..attempts {
        if attempt > 0
            && let Some(retry) = &retry
        {
            Session::sleep(retry.backoff).await;
        }
        let output = runner.apply_record(record.clone()).await;
        if matches!(output, RecordOutput::Nothing) {
            return (record, false, false);
        }
        match updated_record(&record, &output) {
            None => return (record, true, false),
            Some(new_record) => updated = Some(new_record),
        }
    }
    match updated {
        Some(new_record) => (new_record, true, true),
        None => (record, true, false),
    }
}

/// The record that would have matched `output`, or `None` if `record` already does.
fn updated_record(
    record: &Record<DefaultColumnType>,
    output: &RecordOutput<DefaultColumnType>,
) -> Option<Record<DefaultColumnType>> {
    let expected_state = expected_sql_state(record);
    let actual_state = actual_sql_state(output);
    if expected_state.is_some() && expected_state == actual_state {
        return None;
    }
    let mut new_record = update_record_with_output(
        record,
        output,
        COLUMN_SEPARATOR,
        default_validator,
        default_normalizer,
        same_column_count,
    )?;
    // An `error (SQLSTATE)` expectation stays one, with the actual SQLSTATE.
    if let (Some(_), Some(state)) = (expected_state, actual_state) {
        match &mut new_record {
            Record::Statement {
                expected: StatementExpect::Error(error),
                ..
            }
            | Record::Query {
                expected: QueryExpect::Error(error),
                ..
            } => *error = ExpectedError::SqlState(state),
            _ => {}
        }
    }
    (new_record != *record).then_some(new_record)
}

/// The SQLSTATE `record` expects, if it is written `error (SQLSTATE)`.
fn expected_sql_state(record: &Record<DefaultColumnType>) -> Option<String> {
    match record {
        Record::Statement {
            expected: StatementExpect::Error(ExpectedError::SqlState(state)),
            ..
        }
        | Record::Query {
            expected: QueryExpect::Error(ExpectedError::SqlState(state)),
            ..
        } => Some(state.clone()),
        _ => None,
    }
}

/// The SQLSTATE of the error in `output`, if any.
fn actual_sql_state(output: &RecordOutput<DefaultColumnType>) -> Option<String> {
    let error = match output {
        RecordOutput::Statement { error: Some(error), .. } | RecordOutput::Query { error: Some(error), .. } => error,
        _ => return None,
    };
    error.downcast_ref::<SessionError>().and_then(Session::error_sql_state)
}

/// Keeps a query's type letters when the column count matches, so completion only
/// writes fresh letters (`?` per column) for queries whose width changed.
#[expect(clippy::ptr_arg, reason = "signature fixed by sqllogictest::ColumnTypeValidator")]
fn same_column_count(actual: &Vec<DefaultColumnType>, expected: &Vec<DefaultColumnType>) -> bool {
    actual.len() == expected.len()
}
