//! Conformance mode: run every record of a corpus file (a failure does not stop the
//! file), counting what passed, failed and was skipped.
//!
//! The file is read as SQLite's reference runner reads it, which differs from the
//! `sqllogictest` crate's parser in two places handled here:
//! - a `skipif`/`onlyif` line may end in a comment (`onlyif mssql  # this is allowed`);
//!   the reference ignores the extra tokens, the crate rejects the line;
//! - a `halt` obeys its `skipif`/`onlyif` (`onlyif mssql` + `halt` stops only MS SQL);
//!   the crate's halt ignores them and leaves them to the next record.
//!
//! Results are compared value-wise (one value per line, as the corpus writes them), and
//! hashed above [`DEFAULT_HASH_THRESHOLD`] values unless a file sets its own
//! `hash-threshold`.

use std::collections::BTreeSet;
use std::path::Path;

use std::future::Future;

use sqllogictest::{
    Condition, Control, DefaultColumnType, Location, QueryExpect, Record, RecordOutput, ResultMode, TestError,
    TestErrorKind,
};

use super::{RECORD_TIMEOUT, SltRunner};
use crate::conformance::{FailureKey, RecordFailure, Tally};
use crate::session::ConnectionSelector;
use crate::session::postgres::PgTarget;
use crate::views::{QueryRecord, ViewChecker, ViewTally};

/// The reference runner's hash threshold when a file sets none: results of more values
/// are compared by the MD5 of their values (`select1.test` relies on it).
const DEFAULT_HASH_THRESHOLD: usize = 8;

/// What running one corpus file produced.
#[derive(Debug, Default)]
pub(crate) struct CorpusRun {
    /// The counts.
    pub(crate) tally: Tally,
    /// The records that failed, in file order.
    pub(crate) failures: Vec<RecordFailure>,
    /// The lines of the records that ran and passed.
    pub(crate) passed: BTreeSet<u32>,
    /// With `--maintained-views`: what the view check did.
    pub(crate) views: Option<ViewTally>,
}

/// Which count a record goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A `query` record.
    Query,
    /// A `statement` (or `let`, or `system`) record.
    Statement,
}

/// Runs every record of the corpus file at `path`, named `name` in failure keys.
/// `labels` are the labels turned on for `skipif`/`onlyif`. With `views` (the file's
/// server, and `n`), one query record in `n` is also checked as a maintained view
/// (see [`crate::views`]), and its failures are the record's. Fails only if the file cannot
/// be read or parsed, a record (or its view check) does not finish within
/// [`RECORD_TIMEOUT`], or the view checker loses its connection.
pub(super) async fn run_corpus_file(
    runner: &mut SltRunner,
    selector: &ConnectionSelector,
    path: &Path,
    name: &str,
    labels: &[&str],
    colorize: bool,
    views: Option<(&PgTarget, crate::views::Sample)>,
) -> Result<CorpusRun, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("reading {}: {error}", path.display()))?;
    let records = parse_corpus(&text, &path.display().to_string())?;
    let records = resolve_halts(records, labels);
    runner.with_hash_threshold(DEFAULT_HASH_THRESHOLD);
    // The corpus lists one value per line, whatever the number of columns.
    runner
        .apply_record(Record::Control(Control::ResultMode(ResultMode::ValueWise)))
        .await;

    let mut checker = match views {
        Some((target, sample)) => Some(ViewChecker::connect(target, name, sample).await?),
        None => None,
    };
    let mut run = CorpusRun::default();
    for record in records {
        let Some((kind, line)) = kind_and_line(&record) else {
            selector.select_for(&record);
            runner.apply_record(record).await;
            continue;
        };
        let view_step = checker.as_ref().and_then(|_| ViewStep::of(&record));
        if let (Some(checker), Some(ViewStep::Statement(sql))) = (&mut checker, &view_step) {
            within_deadline(name, line, "dropping the live views", checker.before_statement(sql)).await??;
        }
        selector.select_for(&record);
        let text = record.to_string();
        let output = tokio::time::timeout(RECORD_TIMEOUT, runner.run_async(record))
            .await
            .map_err(|_| format!("{name}:{line}: record did not finish within {RECORD_TIMEOUT:?}:\n{text}"))?;
        let ran = !matches!(output, Ok(RecordOutput::Nothing));
        let mut failed = false;
        match output {
            Ok(RecordOutput::Nothing) => run.tally.skipped(kind == Kind::Query),
            Ok(_) => {}
            Err(error) => {
                failed = true;
                run.failures.push(RecordFailure {
                    key: FailureKey::new(name, line),
                    summary: summarize(&error),
                    detail: error.display(colorize).to_string().trim_end().to_owned(),
                });
            }
        }
        if let (Some(checker), Some(step), true) = (&mut checker, view_step, ran) {
            let view_failures = match step {
                ViewStep::Query(query) => {
                    let one_shot = selector.take_last_rows();
                    within_deadline(
                        name,
                        line,
                        "the maintained-view check",
                        checker.check_query(query, one_shot),
                    )
                    .await??
                }
                ViewStep::Statement(sql) => {
                    within_deadline(
                        name,
                        line,
                        "re-checking the live views",
                        checker.after_statement(&sql, line),
                    )
                    .await??
                }
            };
            for failure in view_failures {
                // A re-check's failure is the failure of the query the view was made of.
                if failure.key.line == line {
                    failed = true;
                } else if run.passed.remove(&failure.key.line) {
                    run.tally.passed_query_failed();
                }
                run.failures.push(failure);
            }
        }
        if ran {
            if failed {
                run.tally.failed(kind == Kind::Query);
            } else {
                run.tally.passed(kind == Kind::Query);
                run.passed.insert(line);
            }
        }
    }
    if let Some(checker) = checker {
        run.views = Some(checker.finish().await?);
    }
    Ok(run)
}

/// What the maintained-view check does around a record.
enum ViewStep {
    /// A query: checked as a view once it ran.
    Query(QueryRecord),
    /// A statement (its SQL): may drop the live views before it runs, re-check them
    /// after.
    Statement(String),
}

impl ViewStep {
    /// The step for `record`, if it has one.
    fn of(record: &Record<DefaultColumnType>) -> Option<ViewStep> {
        match record {
            Record::Query { loc, sql, expected, .. } => Some(ViewStep::Query(QueryRecord {
                line: loc.line(),
                sql: sql.clone(),
                types: match expected {
                    QueryExpect::Results { types, .. } => types.clone(),
                    QueryExpect::Error(_) => Vec::new(),
                },
                expects_error: matches!(expected, QueryExpect::Error(_)),
            })),
            Record::Statement { sql, .. } => Some(ViewStep::Statement(sql.clone())),
            _ => None,
        }
    }
}

/// Awaits `step` of the view check at `name:line` for at most [`RECORD_TIMEOUT`].
async fn within_deadline<T>(name: &str, line: u32, what: &str, step: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(RECORD_TIMEOUT, step)
        .await
        .map_err(|_| format!("{name}:{line}: {what} did not finish within {RECORD_TIMEOUT:?}"))
}

/// Parses a corpus file's text (named `name` in locations), after dropping the trailing
/// comments of its `skipif`/`onlyif` lines. `include` is not supported.
fn parse_corpus(text: &str, name: &str) -> Result<Vec<Record<DefaultColumnType>>, String> {
    let text = strip_condition_comments(text);
    let records = sqllogictest::parse_with_name::<DefaultColumnType>(&text, name).map_err(|error| error.to_string())?;
    if let Some(Record::Include { loc, .. }) = records.iter().find(|record| matches!(record, Record::Include { .. })) {
        return Err(format!("{loc}: include is not supported in conformance mode"));
    }
    Ok(records)
}

/// `text` with each `skipif LABEL ...`/`onlyif LABEL ...` line cut to its first two
/// tokens. Other lines (SQL, results) are kept byte for byte, and so are line numbers.
fn strip_condition_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut tokens = line.split_whitespace();
        match (tokens.next(), tokens.next(), tokens.next()) {
            (Some(keyword @ ("skipif" | "onlyif")), Some(label), Some(_)) => {
                out.push_str(keyword);
                out.push(' ');
                out.push_str(label);
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Applies `halt` records as the reference runner does: the first `halt` whose
/// conditions hold for `labels` ends the records; one whose conditions do not hold is
/// dropped, along with the conditions the parser carried over from it onto the next
/// record.
fn resolve_halts(records: Vec<Record<DefaultColumnType>>, labels: &[&str]) -> Vec<Record<DefaultColumnType>> {
    let mut out = Vec::with_capacity(records.len());
    // Conditions read since the last record that took its conditions.
    let mut pending: Vec<Condition> = Vec::new();
    // How many conditions of skipped halts the parser put in front of the next
    // record's own.
    let mut carried = 0;
    for mut record in records {
        match &mut record {
            Record::Condition(condition) => pending.push(condition.clone()),
            Record::Halt { .. } => {
                if pending.iter().all(|condition| holds(condition, labels)) {
                    break;
                }
                carried += pending.len();
                pending.clear();
                continue;
            }
            Record::Statement { conditions, .. }
            | Record::Query { conditions, .. }
            | Record::System { conditions, .. }
            | Record::Let { conditions, .. } => {
                conditions.drain(..carried.min(conditions.len()));
                carried = 0;
                pending.clear();
            }
            _ => {}
        }
        out.push(record);
    }
    out
}

/// Whether `condition` lets a record run for `labels`.
fn holds(condition: &Condition, labels: &[&str]) -> bool {
    match condition {
        Condition::OnlyIf { label } => labels.contains(&label.as_str()),
        Condition::SkipIf { label } => !labels.contains(&label.as_str()),
    }
}

/// Which count `record` goes to and its line, or `None` for records that are not
/// counted (conditions, comments, `hash-threshold`, ...).
fn kind_and_line(record: &Record<DefaultColumnType>) -> Option<(Kind, u32)> {
    let (kind, loc): (Kind, &Location) = match record {
        Record::Query { loc, .. } => (Kind::Query, loc),
        Record::Statement { loc, .. } | Record::System { loc, .. } | Record::Let { loc, .. } => (Kind::Statement, loc),
        _ => return None,
    };
    Some((kind, loc.line()))
}

/// One line saying why a record failed: the first line of the error, or what kind of
/// mismatch it was.
fn summarize(error: &TestError) -> String {
    let summary = match error.kind() {
        TestErrorKind::Fail { err, .. } => first_line(&err.to_string()),
        TestErrorKind::ErrorMismatch { err, .. } => format!("wrong error: {}", first_line(&err.to_string())),
        TestErrorKind::Ok { .. } => "succeeded, but an error was expected".to_owned(),
        TestErrorKind::QueryResultMismatch { .. } => "wrong result".to_owned(),
        TestErrorKind::QueryResultColumnsMismatch { .. } => "wrong column types".to_owned(),
        TestErrorKind::StatementResultMismatch { .. } => "wrong row count".to_owned(),
        other => first_line(&other.to_string()),
    };
    if summary.is_empty() {
        "error".to_owned()
    } else {
        summary
    }
}

/// The first line of `text`, trimmed.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `(kind, line, conditions)` of the counted records.
    fn counted(records: &[Record<DefaultColumnType>]) -> Vec<(u32, usize)> {
        records
            .iter()
            .filter_map(|record| match record {
                Record::Query { loc, conditions, .. } | Record::Statement { loc, conditions, .. } => {
                    Some((loc.line(), conditions.len()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn condition_comments_are_dropped_keeping_lines() {
        let text = "onlyif mssql  # this is allowed\nstatement ok\nSELECT 1 # not a comment\n\nskipif mysql\n";
        assert_eq!(
            strip_condition_comments(text),
            "onlyif mssql\nstatement ok\nSELECT 1 # not a comment\n\nskipif mysql\n"
        );
    }

    #[test]
    fn parses_the_corpus_dialect() -> Result<(), String> {
        let text = "\
hash-threshold 8

statement ok
CREATE TABLE t1(a INTEGER)

onlyif sqlite # empty RHS
query I nosort label-1
SELECT 1
----
1

query IT rowsort
SELECT 1, 'a'
----
1
a
";
        let records = parse_corpus(text, "x.test")?;
        assert_eq!(counted(&records), vec![(3, 0), (7, 1), (12, 0)]);
        Ok(())
    }

    #[test]
    fn halts_obey_their_conditions() -> Result<(), String> {
        let text = "\
onlyif mssql
halt

onlyif oracle
halt

query I nosort
SELECT 1
----
1

skipif sqlite
halt

statement ok
SELECT 2
";
        let records = resolve_halts(parse_corpus(text, "x.test")?, &["postgresql", "freshet"]);
        // The query runs, without the skipped halts' conditions; `skipif sqlite` +
        // `halt` stops everything after it.
        assert_eq!(counted(&records), vec![(7, 0)]);
        Ok(())
    }

    #[test]
    fn a_record_keeps_its_own_conditions_after_a_skipped_halt() -> Result<(), String> {
        let text = "\
onlyif mssql
halt

skipif postgresql
statement ok
SELECT 1
";
        let records = resolve_halts(parse_corpus(text, "x.test")?, &["postgresql"]);
        assert_eq!(counted(&records), vec![(5, 1)]);
        Ok(())
    }

    #[test]
    fn include_is_refused() {
        assert!(parse_corpus("include other.test\n", "x.test").is_err());
    }

    #[test]
    fn conditions_hold_by_label() {
        let onlyif = Condition::OnlyIf {
            label: "mysql".to_owned(),
        };
        let skipif = Condition::SkipIf {
            label: "mysql".to_owned(),
        };
        assert!(!holds(&onlyif, &["postgresql"]));
        assert!(holds(&onlyif, &["mysql"]));
        assert!(holds(&skipif, &["postgresql"]));
        assert!(!holds(&skipif, &["mysql"]));
    }
}
