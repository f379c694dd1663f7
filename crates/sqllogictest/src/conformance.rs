//! Conformance mode (`--conformance-format`): running an outside sqllogictest corpus
//! (SQLite's) whose files Freshet does not fully pass yet, and reporting a pass rate
//! per file instead of stopping at the first failure.
//!
//! Every record of a file runs; failures are sorted against a known-failures list
//! ([`KnownFailures`]). A listed failure is reported as known; an unlisted failure,
//! or a listed record that no longer fails, fails the run, so the list stays honest.
//! `--write-known-failures` regenerates the list from the failures of a run.

mod known_failures;

use std::fmt::Write as _;

pub(crate) use self::known_failures::{Classified, FailureKey, KnownFailures, RecordFailure, classify};
use crate::views::ViewTally;

/// How many new failures of a file are printed in full; the rest get one line each.
const DETAILED_FAILURES: usize = 10;

/// Passed, failed and skipped records of one kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Records that ran and matched.
    pub(crate) passed: usize,
    /// Records that ran and did not match (or errored).
    pub(crate) failed: usize,
    /// Records skipped by `skipif`/`onlyif`.
    pub(crate) skipped: usize,
}

impl Counts {
    /// Records that ran.
    pub(crate) fn ran(&self) -> usize {
        self.passed + self.failed
    }

    /// Adds `other`'s counts.
    fn add(&mut self, other: &Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// The counts of one file (or of a whole run), queries and statements apart.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally {
    /// `query` records.
    pub(crate) queries: Counts,
    /// `statement` records (and `let`/`system`, which the corpus does not use).
    pub(crate) statements: Counts,
}

impl Tally {
    /// The counts of queries (`query` true) or statements.
    fn counts(&mut self, query: bool) -> &mut Counts {
        if query { &mut self.queries } else { &mut self.statements }
    }

    /// Counts a record that passed.
    pub(crate) fn passed(&mut self, query: bool) {
        self.counts(query).passed += 1;
    }

    /// Counts a record that failed.
    pub(crate) fn failed(&mut self, query: bool) {
        self.counts(query).failed += 1;
    }

    /// Moves a query record counted as passed to the failed ones (a later check of it,
    /// the re-check of its maintained view, failed).
    pub(crate) fn passed_query_failed(&mut self) {
        self.queries.passed -= 1;
        self.queries.failed += 1;
    }

    /// Counts a record that was skipped.
    pub(crate) fn skipped(&mut self, query: bool) {
        self.counts(query).skipped += 1;
    }

    /// Adds `other`'s counts.
    fn add(&mut self, other: &Tally) {
        self.queries.add(&other.queries);
        self.statements.add(&other.statements);
    }

    /// `950/1000 queries passed, 50 failed, 3 skipped (12 statements, 0 failed)`.
    fn describe(&self) -> String {
        let Tally { queries, statements } = self;
        let mut text = format!(
            "{}/{} queries passed, {} failed, {} skipped ({} statements, {} failed",
            queries.passed,
            queries.ran(),
            queries.failed,
            queries.skipped,
            statements.ran(),
            statements.failed
        );
        if statements.skipped > 0 {
            let _ = write!(text, ", {} skipped", statements.skipped);
        }
        text.push(')');
        text
    }
}

/// How one corpus file went.
#[derive(Debug)]
pub(crate) struct ConformanceReport {
    /// The file's name (relative to the corpus folder).
    pub(crate) name: String,
    /// Its counts.
    pub(crate) tally: Tally,
    /// Its failures against the known-failures list.
    pub(crate) classified: Classified,
    /// With `--maintained-views`: what the view check did.
    pub(crate) views: Option<ViewTally>,
}

impl ConformanceReport {
    /// Whether the file matched the known-failures list exactly.
    pub(crate) fn is_clean(&self) -> bool {
        self.classified.is_clean()
    }

    /// The report: one line with the counts, then the new failures (the first
    /// [`DETAILED_FAILURES`] in full) and the listed records that did not fail.
    pub(crate) fn render(&self, elapsed_ms: u128) -> String {
        let Classified { known, new, unmatched } = &self.classified;
        let mut text = format!(
            "{}: {}; failures: {} known, {} new ({elapsed_ms} ms)",
            self.name,
            self.tally.describe(),
            known.len(),
            new.len()
        );
        if let Some(views) = &self.views {
            let _ = write!(text, "\n  {}", views.describe());
        }
        for (index, failure) in new.iter().enumerate() {
            if index < DETAILED_FAILURES {
                let _ = write!(
                    text,
                    "\n  new failure at {}:\n{}",
                    failure.key,
                    indent(&failure.detail, "    ")
                );
            } else {
                let _ = write!(text, "\n  new failure at {}: {}", failure.key, failure.summary);
            }
        }
        for entry in unmatched {
            let what = if entry.passed {
                "known failure now passes"
            } else {
                "known failure did not run (skipped, or no record on that line)"
            };
            let _ = write!(
                text,
                "\n  {what}: {} ({}): remove it from the list",
                entry.key, entry.reason
            );
        }
        text
    }
}

/// `text` with every line prefixed by `prefix`.
fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sums over the files of a run.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    /// Summed counts.
    pub(crate) tally: Tally,
    /// Failures on the list.
    pub(crate) known: usize,
    /// Failures not on the list.
    pub(crate) new: usize,
    /// Listed records that did not fail.
    pub(crate) unmatched: usize,
    /// With `--maintained-views`: what the view check did, summed.
    pub(crate) views: Option<ViewTally>,
}

impl Totals {
    /// Adds one file's report.
    pub(crate) fn add(&mut self, report: &ConformanceReport) {
        self.tally.add(&report.tally);
        self.known += report.classified.known.len();
        self.new += report.classified.new.len();
        self.unmatched += report.classified.unmatched.len();
        if let Some(views) = &report.views {
            self.views.get_or_insert_with(ViewTally::default).add(views);
        }
    }

    /// The closing line: `conformance: 950/1000 queries passed (95.0%), ...`, after a
    /// line of the summed maintained-view counts with `--maintained-views`.
    pub(crate) fn render(&self) -> String {
        let queries = &self.tally.queries;
        let percent = if queries.ran() == 0 {
            0.0
        } else {
            100.0 * queries.passed as f64 / queries.ran() as f64
        };
        let views = match &self.views {
            Some(views) => format!("{}\n", views.describe()),
            None => String::new(),
        };
        format!(
            "{views}conformance: {}/{} queries passed ({percent:.1}%), {} failed, {} skipped; {} statements, {} failed; \
             failures: {} known, {} new; {} listed failures did not fail",
            queries.passed,
            queries.ran(),
            queries.failed,
            queries.skipped,
            self.tally.statements.ran(),
            self.tally.statements.failed,
            self.known,
            self.new,
            self.unmatched
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn tally_counts_and_describes() {
        let mut tally = Tally::default();
        tally.passed(true);
        tally.passed(true);
        tally.failed(true);
        tally.skipped(true);
        tally.passed(false);
        assert_eq!(
            tally.describe(),
            "2/3 queries passed, 1 failed, 1 skipped (1 statements, 0 failed)"
        );
        tally.skipped(false);
        assert!(tally.describe().ends_with("(1 statements, 0 failed, 1 skipped)"));
    }

    #[test]
    fn report_lists_new_and_unmatched() -> anyhow::Result<()> {
        let known = KnownFailures::parse("a.test:1 fixed\n")?;
        let failure = RecordFailure {
            key: FailureKey::new("a.test", 4),
            summary: "wrong result".to_owned(),
            detail: "query result mismatch:\n[SQL] SELECT 1".to_owned(),
        };
        let mut tally = Tally::default();
        tally.passed(true);
        tally.failed(true);
        let report = ConformanceReport {
            name: "a.test".to_owned(),
            tally,
            classified: classify("a.test", vec![failure], &BTreeSet::from([1]), &known),
            views: None,
        };
        assert!(!report.is_clean());
        assert_eq!(
            report.render(5),
            "a.test: 1/2 queries passed, 1 failed, 0 skipped (0 statements, 0 failed); failures: 0 known, 1 new (5 ms)\n\
             \x20 new failure at a.test:4:\n\
             \x20   query result mismatch:\n\
             \x20   [SQL] SELECT 1\n\
             \x20 known failure now passes: a.test:1 (fixed): remove it from the list"
        );
        let mut totals = Totals::default();
        totals.add(&report);
        assert_eq!(
            totals.render(),
            "conformance: 1/2 queries passed (50.0%), 1 failed, 0 skipped; 0 statements, 0 failed; \
             failures: 0 known, 1 new; 1 listed failures did not fail"
        );
        Ok(())
    }
}
