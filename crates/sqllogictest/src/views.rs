//! Maintained-view mode (`--maintained-views`, with `--conformance-format`): every
//! `query` record of a corpus file, besides running as written, also runs as a
//! maintained view, which must hold what the query computes one-shot.
//!
//! For a query record that ran and returned rows (its result as the runner saw it,
//! [`ResultRows`]), the checker
//! 1. creates `CREATE VIEW freshet_view_check_<line> (c1, …, cn) AS <query>`: the column
//!    list names every column, since the corpus's unnamed expressions would all be
//!    `?column?`; an `ORDER BY` without `LIMIT` stays in the text and means nothing to a
//!    view (a top-k keeps it, and selects the same rows);
//! 2. indexes it on its first column (`CREATE INDEX … ON view (c1)`), and reads it with
//!    `SELECT * FROM view`, which reads the index;
//! 3. compares the two results as multisets of rows (the order of a view's rows means
//!    nothing), with values rendered alike: converted to the record's declared column
//!    types, as the corpus compares them.
//!
//! A view over tables then stays live, and after every later `INSERT`, `UPDATE` or
//! `DELETE` record of the file each live view is read again and compared with its query
//! run again one-shot (both failing counts as agreeing). To keep the run fast, at most
//! [`MAX_LIVE_VIEWS`] views are live (the oldest is dropped when another is created),
//! and a view is dropped after [`MAX_RECHECKS`] such re-checks. Before any statement
//! that could need the views gone (anything but `CREATE`, `INSERT`, `UPDATE`, `DELETE`:
//! `DROP TABLE t` fails while a view reads `t`), every live view is dropped.
//!
//! Query records that cannot be checked as a view are skipped and counted by reason
//! ([`ViewTally::skipped`]): a record that expects an error, a query that failed when
//! run as written, a view or index Freshet refuses; and, with
//! `--maintained-views-every N [--maintained-views-offset K]`, the records left out
//! of the sample (only the K+1th, N+K+1th, … query record of a file that ran is
//! checked; `bin/test` picks K at random, so runs check different records). A view that differs from its query,
//! or that cannot be read, is a failure of the query's record.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;

use sqllogictest::{DBOutput, DefaultColumnType};
use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

use crate::conformance::{FailureKey, RecordFailure};
use crate::session::postgres::{PgTarget, ResultRows, to_output};

/// How many views over tables stay live at once, to be re-checked after writes.
pub(crate) const MAX_LIVE_VIEWS: usize = 8;

/// After how many re-checks a live view is dropped.
pub(crate) const MAX_RECHECKS: u32 = 3;

/// How many rows of each side a failure report shows.
const SHOWN_ROWS: usize = 20;

/// The prefix of the views (and indexes) the checker creates.
const VIEW_PREFIX: &str = "freshet_view_check_";

/// What the maintained-view check did in one file (or, summed, in a run).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ViewTally {
    /// Query records checked as views (created, indexed, read and compared).
    pub(crate) checked: usize,
    /// Comparisons of a live view with its query after a write.
    pub(crate) rechecks: usize,
    /// Comparisons (at creation or re-checks) that found a difference.
    pub(crate) differed: usize,
    /// Query records not checked as views, by reason.
    pub(crate) skipped: BTreeMap<String, usize>,
}

impl ViewTally {
    /// Adds `other`'s counts.
    pub(crate) fn add(&mut self, other: &ViewTally) {
        self.checked += other.checked;
        self.rechecks += other.rechecks;
        self.differed += other.differed;
        for (reason, count) in &other.skipped {
            *self.skipped.entry(reason.clone()).or_default() += count;
        }
    }

    /// Counts a record skipped for `reason`.
    fn skip(&mut self, reason: impl Into<String>) {
        *self.skipped.entry(reason.into()).or_default() += 1;
    }

    /// `maintained views: 950 checked, 12 re-checks after writes, 0 differed; 50 skipped
    /// (30: CREATE VIEW refused: …; 20: …)`, the skip reasons most frequent first.
    pub(crate) fn describe(&self) -> String {
        let skipped: usize = self.skipped.values().sum();
        let mut text = format!(
            "maintained views: {} checked, {} re-checks after writes, {} differed; {skipped} skipped",
            self.checked, self.rechecks, self.differed
        );
        if skipped > 0 {
            let mut reasons: Vec<(&String, &usize)> = self.skipped.iter().collect();
            reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let reasons: Vec<String> = reasons
                .into_iter()
                .map(|(reason, count)| format!("{count}: {reason}"))
                .collect();
            let _ = write!(text, " ({})", reasons.join("; "));
        }
        text
    }
}

/// A query record to check as a view.
#[derive(Debug, Clone)]
pub(crate) struct QueryRecord {
    /// The line of its `query` line.
    pub(crate) line: u32,
    /// Its SQL.
    pub(crate) sql: String,
    /// The column types it declares (values are rendered by them).
    pub(crate) types: Vec<DefaultColumnType>,
    /// Whether it expects an error.
    pub(crate) expects_error: bool,
}

/// A view the checker created and keeps to re-check after writes.
#[derive(Debug)]
struct LiveView {
    /// The query record it was made from.
    query: QueryRecord,
    /// Its name.
    name: String,
    /// How many times it was re-checked.
    rechecks: u32,
}

/// A result as the comparison sees it: rows with rendered values, or the error's
/// message.
type Outcome = Result<ResultRows, String>;

/// Creates, checks and re-checks the maintained views of one corpus file, over a
/// connection of its own to the file's server.
pub(crate) struct ViewChecker {
    /// The checker's connection.
    client: Client,
    /// The task driving it.
    connection_task: JoinHandle<()>,
    /// The file's name, for failure keys.
    file: String,
    /// The live views, oldest first.
    live: VecDeque<LiveView>,
    /// The counts so far.
    tally: ViewTally,
    /// Which query records are checked.
    sample: Sample,
    /// The query records that ran so far.
    queries: u32,
}

/// Which query records of a file are checked as views: those whose position
/// (from 0) is `offset` more than a multiple of `every`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    /// One query record in this many is checked (at least 1).
    pub(crate) every: u32,
    /// Where in each run of `every` records the checked one is.
    pub(crate) offset: u32,
}

impl Sample {
    /// Whether the query record at `position` (from 0) is checked.
    fn contains(self, position: u32) -> bool {
        let every = self.every.max(1);
        position % every == self.offset % every
    }
}

impl ViewChecker {
    /// Connects to `target` to check the views of file `file`, the query records
    /// of `sample`.
    pub(crate) async fn connect(target: &PgTarget, file: &str, sample: Sample) -> Result<ViewChecker, String> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(target.host.as_str())
            .port(target.port)
            .user(target.user.as_str())
            .dbname(target.dbname.as_str());
        let (client, connection) = config
            .connect(NoTls)
            .await
            .map_err(|error| format!("maintained views: connecting to {target}: {error}"))?;
        let connection_task = tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "the view checker's connection ended with an error");
            }
        });
        Ok(ViewChecker {
            client,
            connection_task,
            file: file.to_owned(),
            live: VecDeque::new(),
            tally: ViewTally::default(),
            sample,
            queries: 0,
        })
    }

    /// Checks `query`, whose run as written returned `one_shot` (`None`: it failed, or
    /// returned no rows), as a view. Returns the failures found; `Err` if the server
    /// could not be talked to.
    pub(crate) async fn check_query(
        &mut self,
        query: QueryRecord,
        one_shot: Option<ResultRows>,
    ) -> Result<Vec<RecordFailure>, String> {
        self.queries += 1;
        if !self.sample.contains(self.queries - 1) {
            self.tally.skip(format!(
                "not in the sample (one query record in {} is checked)",
                self.sample.every
            ));
            return Ok(Vec::new());
        }
        if query.expects_error {
            self.tally.skip("the record expects an error");
            return Ok(Vec::new());
        }
        let Some(one_shot) = one_shot else {
            self.tally.skip("the query failed when run as written");
            return Ok(Vec::new());
        };
        let name = format!("{VIEW_PREFIX}{}", query.line);
        let columns: Vec<String> = (1..=one_shot.width).map(|i| format!("c{i}")).collect();
        let create_view = format!(
            "CREATE VIEW {name} ({}) AS {}",
            columns.join(", "),
            query_text(&query.sql)
        );
        if let Err(message) = self.execute(&create_view).await? {
            // Without the view's name, so that one reason counts every record it stops.
            let message = first_line(&message).replace(&name, "<view>");
            self.tally.skip(format!("CREATE VIEW refused: {message}"));
            return Ok(Vec::new());
        }
        let create_index = format!("CREATE INDEX {name}_index ON {name} (c1)");
        if let Err(message) = self.execute(&create_index).await? {
            // Without the view's name, so that one reason counts every record it stops.
            let message = first_line(&message).replace(&name, "<view>");
            self.tally.skip(format!("CREATE INDEX refused: {message}"));
            self.drop_view(&name).await?;
            return Ok(Vec::new());
        }
        self.tally.checked += 1;
        let view = self.read_view(&name, &query.types).await?;
        let mut failures = Vec::new();
        if let Some(failure) = self.compare(&query, &create_view, &Ok(one_shot), &view, None) {
            failures.push(failure);
        }
        if failures.is_empty() && reads_tables(&query.sql) {
            self.live.push_back(LiveView {
                query,
                name,
                rechecks: 0,
            });
            while self.live.len() > MAX_LIVE_VIEWS {
                if let Some(oldest) = self.live.pop_front() {
                    self.drop_view(&oldest.name).await?;
                }
            }
        } else {
            self.drop_view(&name).await?;
        }
        Ok(failures)
    }

    /// Before the statement `sql` runs: drops every live view unless the statement is
    /// one that cannot need them gone (`CREATE`, `INSERT`, `UPDATE`, `DELETE`).
    pub(crate) async fn before_statement(&mut self, sql: &str) -> Result<(), String> {
        if matches!(first_word(sql).as_str(), "CREATE" | "INSERT" | "UPDATE" | "DELETE") {
            return Ok(());
        }
        while let Some(view) = self.live.pop_front() {
            self.drop_view(&view.name).await?;
        }
        Ok(())
    }

    /// After the statement record at `line` ran: if it writes (`INSERT`, `UPDATE`,
    /// `DELETE`), re-checks every live view against its query run one-shot now.
    pub(crate) async fn after_statement(&mut self, sql: &str, line: u32) -> Result<Vec<RecordFailure>, String> {
        if !matches!(first_word(sql).as_str(), "INSERT" | "UPDATE" | "DELETE") {
            return Ok(Vec::new());
        }
        let mut failures = Vec::new();
        let mut kept = VecDeque::with_capacity(self.live.len());
        while let Some(mut view) = self.live.pop_front() {
            let one_shot = self.rows(query_text(&view.query.sql), &view.query.types).await?;
            let read = self.read_view(&view.name, &view.query.types).await?;
            self.tally.rechecks += 1;
            view.rechecks += 1;
            let what = format!(
                "SELECT * FROM {} (a view of the query at line {})",
                view.name, view.query.line
            );
            let failure = self.compare(&view.query, &what, &one_shot, &read, Some(line));
            let done = failure.is_some() || view.rechecks >= MAX_RECHECKS;
            failures.extend(failure);
            if done {
                self.drop_view(&view.name).await?;
            } else {
                kept.push_back(view);
            }
        }
        self.live = kept;
        Ok(failures)
    }

    /// Drops the live views, closes the connection, and returns the counts.
    pub(crate) async fn finish(mut self) -> Result<ViewTally, String> {
        while let Some(view) = self.live.pop_front() {
            self.drop_view(&view.name).await?;
        }
        drop(self.client);
        // The task only logs; a join error (it panicked) has nothing left to clean up.
        let _ = self.connection_task.await;
        Ok(self.tally)
    }

    /// Compares the view's result `view` with `one_shot`, the query's. Counts and
    /// returns a failure if they differ. `after` is the line of the write statement
    /// after which this re-check runs (`None`: the check at creation).
    fn compare(
        &mut self,
        query: &QueryRecord,
        what: &str,
        one_shot: &Outcome,
        view: &Outcome,
        after: Option<u32>,
    ) -> Option<RecordFailure> {
        let difference = match (one_shot, view) {
            (Ok(one_shot), Ok(view)) => difference(one_shot, view)?,
            // The query fails on the current data; reading its view fails too.
            (Err(_), Err(_)) => return None,
            (Err(error), Ok(_)) => format!("the one-shot query failed: {error}\nbut the view was read"),
            (Ok(_), Err(error)) => format!("reading the view failed: {error}"),
        };
        self.tally.differed += 1;
        let when = match after {
            None => "when created".to_owned(),
            Some(line) => format!("after the statement at {}:{line}", self.file),
        };
        let summary = format!("maintained view differs from its query {when}");
        let detail = format!(
            "{summary}\n[query] {}\n[view] {what}\n{difference}",
            query_text(&query.sql)
        );
        Some(RecordFailure {
            key: FailureKey::new(self.file.clone(), query.line),
            summary,
            detail,
        })
    }

    /// Reads view `name` (through its index), rendering values by `types`.
    async fn read_view(&self, name: &str, types: &[DefaultColumnType]) -> Result<Outcome, String> {
        self.rows(&format!("SELECT * FROM {name}"), types).await
    }

    /// Runs `sql` and returns its rows rendered by `types`, or the server's error.
    /// `Err` if the connection failed.
    async fn rows(&self, sql: &str, types: &[DefaultColumnType]) -> Result<Outcome, String> {
        match self.client.simple_query(sql).await {
            Ok(messages) => match to_output(messages, Some(types)) {
                DBOutput::Rows { types, rows } => Ok(Ok(ResultRows {
                    width: types.len(),
                    rows,
                })),
                _ => Ok(Err(format!("{sql} returned no rows description"))),
            },
            Err(error) => server_error(sql, error).map(Err),
        }
    }

    /// Runs the statement `sql`; `Ok(Err(message))` if the server refused it.
    async fn execute(&self, sql: &str) -> Result<Result<(), String>, String> {
        match self.client.batch_execute(sql).await {
            Ok(()) => Ok(Ok(())),
            Err(error) => server_error(sql, error).map(Err),
        }
    }

    /// Drops view `name` and its index.
    async fn drop_view(&self, name: &str) -> Result<(), String> {
        let sql = format!("DROP VIEW {name} CASCADE");
        match self.execute(&sql).await? {
            Ok(()) => Ok(()),
            Err(message) => Err(format!("maintained views: {sql} failed: {message}")),
        }
    }
}

/// The server's message of `error`, or (`Err`) a description of a connection error.
fn server_error(sql: &str, error: tokio_postgres::Error) -> Result<String, String> {
    match error.as_db_error() {
        Some(db_error) => Ok(format!("{} (SQLSTATE {})", db_error.message(), db_error.code().code())),
        None => Err(format!("maintained views: {sql}: {error}")),
    }
}

/// How `view` differs from `one_shot` as a multiset of rows, or `None` if it does not.
fn difference(one_shot: &ResultRows, view: &ResultRows) -> Option<String> {
    if one_shot.width != view.width {
        return Some(format!(
            "the query has {} columns, the view {}",
            one_shot.width, view.width
        ));
    }
    let mut counts: BTreeMap<&[String], i64> = BTreeMap::new();
    for row in &one_shot.rows {
        *counts.entry(row.as_slice()).or_default() += 1;
    }
    for row in &view.rows {
        *counts.entry(row.as_slice()).or_default() -= 1;
    }
    counts.retain(|_, count| *count != 0);
    if counts.is_empty() {
        return None;
    }
    let mut text = format!(
        "the one-shot query returned {} rows, the view {}",
        one_shot.rows.len(),
        view.rows.len()
    );
    for (side, sign) in [("only in the one-shot result", 1), ("only in the view", -1)] {
        let rows: Vec<String> = counts
            .iter()
            .filter(|(_, count)| count.signum() == sign)
            .map(|(row, count)| {
                let times = count.abs();
                let row = row.join(" ");
                if times == 1 { row } else { format!("{row} (×{times})") }
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = write!(text, "\n{side}:");
        for row in rows.iter().take(SHOWN_ROWS) {
            let _ = write!(text, "\n  {row}");
        }
        if rows.len() > SHOWN_ROWS {
            let _ = write!(text, "\n  … and {} more", rows.len() - SHOWN_ROWS);
        }
    }
    Some(text)
}

/// The query text of a record, without trailing whitespace or semicolons.
fn query_text(sql: &str) -> &str {
    sql.trim().trim_end_matches(';').trim_end()
}

/// The first word of `sql`, upper-cased.
fn first_word(sql: &str) -> String {
    sql.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .find(|word| !word.is_empty())
        .unwrap_or_default()
        .to_ascii_uppercase()
}

/// Whether `sql` reads tables (has a `FROM` word): a view of it can change after a
/// write. A `from` inside a string literal makes a constant query count too, which
/// costs a few re-checks and nothing else.
fn reads_tables(sql: &str) -> bool {
    sql.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|word| word.eq_ignore_ascii_case("from"))
}

/// The first line of `text`.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(width: usize, rows: &[&[&str]]) -> ResultRows {
        ResultRows {
            width,
            rows: rows
                .iter()
                .map(|row| row.iter().map(|value| (*value).to_owned()).collect())
                .collect(),
        }
    }

    #[test]
    fn equal_multisets_do_not_differ_whatever_the_order() {
        let a = rows(2, &[&["1", "x"], &["2", "y"], &["1", "x"]]);
        let b = rows(2, &[&["2", "y"], &["1", "x"], &["1", "x"]]);
        assert_eq!(difference(&a, &b), None);
        assert_eq!(difference(&rows(3, &[]), &rows(3, &[])), None);
    }

    #[test]
    fn differences_name_the_rows_of_each_side() {
        let one_shot = rows(2, &[&["1", "x"], &["1", "x"], &["2", "y"]]);
        let view = rows(2, &[&["1", "x"], &["3", "z"]]);
        assert_eq!(
            difference(&one_shot, &view).as_deref(),
            Some(
                "the one-shot query returned 3 rows, the view 2\n\
                 only in the one-shot result:\n  1 x\n  2 y\n\
                 only in the view:\n  3 z"
            )
        );
        let twice = rows(1, &[&["1"], &["1"], &["1"]]);
        assert!(difference(&twice, &rows(1, &[&["1"]])).is_some_and(|text| text.ends_with("  1 (×2)")));
    }

    #[test]
    fn a_different_width_differs() {
        assert_eq!(
            difference(&rows(2, &[]), &rows(1, &[])).as_deref(),
            Some("the query has 2 columns, the view 1")
        );
    }

    #[test]
    fn classifies_statements_and_queries() {
        assert_eq!(first_word("  insert INTO t1 VALUES(1)"), "INSERT");
        assert_eq!(first_word("DROP TABLE t1"), "DROP");
        assert_eq!(first_word(""), "");
        assert!(reads_tables("SELECT a\n  FROM t1"));
        assert!(reads_tables("SELECT (SELECT 1 FROM(t1))"));
        assert!(!reads_tables("SELECT 1, fromage"));
        assert_eq!(query_text(" SELECT 1 ;\n"), "SELECT 1");
    }

    #[test]
    fn tally_describes_skips_most_frequent_first() {
        let mut tally = ViewTally {
            checked: 3,
            rechecks: 2,
            ..ViewTally::default()
        };
        tally.skip("b");
        tally.skip("a");
        tally.skip("b");
        assert_eq!(
            tally.describe(),
            "maintained views: 3 checked, 2 re-checks after writes, 0 differed; 3 skipped (2: b; 1: a)"
        );
        let mut sum = ViewTally::default();
        sum.add(&tally);
        sum.add(&tally);
        assert_eq!(sum.checked, 6);
        assert_eq!(sum.skipped.get("b"), Some(&4));
    }
}
