//! The known-failures list: records of a conformance corpus that Freshet is known to
//! fail, one `<file>:<line> <reason>` per line (`#` starts a comment line), and the
//! classification of a file's failures against it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use anyhow::{Context, bail};

/// The comment written at the top of a regenerated list.
const HEADER: &str = "\
# Records of SQLite's sqllogictest corpus (../shared/conformance/sqlite) that Freshet is known to fail.
# One `<file>:<line> <reason>` per line: <file> relative to the corpus folder, <line> the line of the
# record's `statement` or `query` line. bin/test fails on a failure not listed here, and on a listed
# record that passes (remove its line).
# Regenerate (reasons of entries that still fail are kept, other comments are not):
#   freshet-sqllogictest --freshet-bin $CARGO_TARGET_DIR/debug/freshet --conformance-format sqlite \\
#     --known-failures test/conformance/sqlite-known-failures.txt \\
#     --write-known-failures test/conformance/sqlite-known-failures.txt ../shared/conformance/sqlite
";

/// Where a record is: its file's name (see [`TestFile::name`](crate::files::TestFile))
/// and the line its `statement`/`query` line is on. Ordered by file, then line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FailureKey {
    /// The file's name, relative to the corpus folder.
    pub(crate) file: String,
    /// The 1-based line of the record.
    pub(crate) line: u32,
}

impl FailureKey {
    /// The key of line `line` of `file`.
    pub(crate) fn new(file: impl Into<String>, line: u32) -> Self {
        FailureKey {
            file: file.into(),
            line,
        }
    }
}

impl fmt::Display for FailureKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One record that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordFailure {
    /// Where the record is.
    pub(crate) key: FailureKey,
    /// One line saying why (the first line of the error, or `wrong result`); the reason
    /// a regenerated list gives for a new entry.
    pub(crate) summary: String,
    /// The full report: the SQL, expected and actual results or the error.
    pub(crate) detail: String,
}

/// The known-failures list: a reason per listed record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KnownFailures {
    /// Each listed record and why it fails.
    entries: BTreeMap<FailureKey, String>,
}

impl KnownFailures {
    /// Reads the list at `path`.
    pub(crate) fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Parses a list: blank lines and lines starting with `#` are skipped, every other
    /// line is `<file>:<line> <reason>`. A location listed twice is an error.
    pub(crate) fn parse(text: &str) -> anyhow::Result<Self> {
        let mut entries = BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((location, reason)) = line.split_once(char::is_whitespace) else {
                bail!("line {number}: expected `<file>:<line> <reason>`, found {line:?} (no reason)");
            };
            let reason = reason.trim();
            let key = location
                .rsplit_once(':')
                .filter(|(file, _)| !file.is_empty())
                .and_then(|(file, line)| Some(FailureKey::new(file, line.parse().ok().filter(|line| *line > 0)?)));
            let Some(key) = key else {
                bail!("line {number}: expected `<file>:<line> <reason>`, found location {location:?}");
            };
            if entries.insert(key.clone(), reason.to_owned()).is_some() {
                bail!("line {number}: {key} is listed twice");
            }
        }
        Ok(KnownFailures { entries })
    }

    /// How many records are listed.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Why the record at `key` is listed, if it is.
    pub(crate) fn reason(&self, key: &FailureKey) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// The listed records of `file`, with their reasons.
    fn of_file<'a>(&'a self, file: &'a str) -> impl Iterator<Item = (&'a FailureKey, &'a str)> + 'a {
        self.entries
            .iter()
            .filter(move |(key, _)| key.file == file)
            .map(|(key, reason)| (key, reason.as_str()))
    }

    /// The list with the entries of the files in `ran` replaced by `failures` (which
    /// keep their listed reason if they had one, and take their summary otherwise);
    /// entries of other files are kept as they are.
    pub(crate) fn regenerate<'a>(
        &self,
        ran: &BTreeSet<String>,
        failures: impl IntoIterator<Item = &'a RecordFailure>,
    ) -> KnownFailures {
        let mut entries: BTreeMap<FailureKey, String> = self
            .entries
            .iter()
            .filter(|(key, _)| !ran.contains(&key.file))
            .map(|(key, reason)| (key.clone(), reason.clone()))
            .collect();
        for failure in failures {
            let reason = match self.reason(&failure.key) {
                Some(reason) => reason.to_owned(),
                None => failure.summary.clone(),
            };
            entries.insert(failure.key.clone(), reason);
        }
        KnownFailures { entries }
    }

    /// The list as written to a file: the header, then one line per entry, by file and
    /// line.
    pub(crate) fn render(&self) -> String {
        let mut text = HEADER.to_owned();
        for (key, reason) in &self.entries {
            // A reason is one line; keep the list parseable whatever a summary held.
            let reason = reason.lines().next().unwrap_or_default().trim();
            let reason = if reason.is_empty() { "unknown" } else { reason };
            text.push_str(&format!("{key} {reason}\n"));
        }
        text
    }
}

/// A listed record that did not fail this time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unmatched {
    /// Where the record is.
    pub(crate) key: FailureKey,
    /// The reason the list gives.
    pub(crate) reason: String,
    /// The record ran and passed (otherwise it was skipped, or no record is there).
    pub(crate) passed: bool,
}

/// One file's failures, sorted against the known-failures list.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Classified {
    /// Failures the list expects.
    pub(crate) known: Vec<RecordFailure>,
    /// Failures the list does not have: they fail the run.
    pub(crate) new: Vec<RecordFailure>,
    /// Listed records of the file that did not fail: they fail the run, so the list
    /// stays honest.
    pub(crate) unmatched: Vec<Unmatched>,
}

impl Classified {
    /// Whether the file matches the list exactly (no new failures, no unmatched entries).
    pub(crate) fn is_clean(&self) -> bool {
        self.new.is_empty() && self.unmatched.is_empty()
    }
}

/// Sorts the `failures` of `file` against `known`; `passed` holds the lines of the
/// file's records that ran and passed.
pub(crate) fn classify(
    file: &str,
    failures: Vec<RecordFailure>,
    passed: &BTreeSet<u32>,
    known: &KnownFailures,
) -> Classified {
    let mut classified = Classified::default();
    let failed: BTreeSet<&FailureKey> = failures.iter().map(|failure| &failure.key).collect();
    for (key, reason) in known.of_file(file) {
        if !failed.contains(key) {
            classified.unmatched.push(Unmatched {
                key: key.clone(),
                reason: reason.to_owned(),
                passed: passed.contains(&key.line),
            });
        }
    }
    for failure in failures {
        if known.reason(&failure.key).is_some() {
            classified.known.push(failure);
        } else {
            classified.new.push(failure);
        }
    }
    classified
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(file: &str, line: u32, summary: &str) -> RecordFailure {
        RecordFailure {
            key: FailureKey::new(file, line),
            summary: summary.to_owned(),
            detail: format!("{summary} (detail)"),
        }
    }

    #[test]
    fn parses_entries_and_skips_comments() -> anyhow::Result<()> {
        let list = KnownFailures::parse(
            "# header\n\nselect1.test:12 joins are not supported\n  # indented comment\nsub/x.test:7\twrong result  \n",
        )?;
        assert_eq!(list.len(), 2);
        assert_eq!(
            list.reason(&FailureKey::new("select1.test", 12)),
            Some("joins are not supported")
        );
        assert_eq!(list.reason(&FailureKey::new("sub/x.test", 7)), Some("wrong result"));
        assert_eq!(list.reason(&FailureKey::new("select1.test", 13)), None);
        Ok(())
    }

    #[test]
    fn rejects_malformed_lines() {
        for text in [
            "select1.test:12",
            "select1.test reason",
            "select1.test:x reason",
            "select1.test:0 reason",
            ":12 reason",
            "a.test:1 one\na.test:1 two",
        ] {
            assert!(KnownFailures::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn render_round_trips_sorted_by_file_and_line() -> anyhow::Result<()> {
        let list = KnownFailures::parse("b.test:3 three\na.test:10 ten\na.test:9 nine\n")?;
        let text = list.render();
        let entries: Vec<&str> = text.lines().filter(|line| !line.starts_with('#')).collect();
        assert_eq!(entries, vec!["a.test:9 nine", "a.test:10 ten", "b.test:3 three"]);
        assert_eq!(KnownFailures::parse(&text)?, list);
        Ok(())
    }

    #[test]
    fn classifies_known_new_and_unmatched() -> anyhow::Result<()> {
        let list =
            KnownFailures::parse("a.test:1 known\na.test:5 fixed since\na.test:9 skipped now\nb.test:1 other file\n")?;
        let failures = vec![
            failure("a.test", 1, "wrong result"),
            failure("a.test", 3, "no such table"),
        ];
        let passed = BTreeSet::from([5, 7]);
        let classified = classify("a.test", failures, &passed, &list);
        assert_eq!(classified.known, vec![failure("a.test", 1, "wrong result")]);
        assert_eq!(classified.new, vec![failure("a.test", 3, "no such table")]);
        assert_eq!(
            classified.unmatched,
            vec![
                Unmatched {
                    key: FailureKey::new("a.test", 5),
                    reason: "fixed since".to_owned(),
                    passed: true,
                },
                Unmatched {
                    key: FailureKey::new("a.test", 9),
                    reason: "skipped now".to_owned(),
                    passed: false,
                },
            ]
        );
        assert!(!classified.is_clean());
        Ok(())
    }

    #[test]
    fn a_file_matching_its_list_is_clean() -> anyhow::Result<()> {
        let list = KnownFailures::parse("a.test:1 known\n")?;
        let classified = classify("a.test", vec![failure("a.test", 1, "x")], &BTreeSet::new(), &list);
        assert!(classified.is_clean());
        assert!(classify("c.test", Vec::new(), &BTreeSet::from([1]), &list).is_clean());
        Ok(())
    }

    #[test]
    fn regenerate_replaces_the_files_that_ran() -> anyhow::Result<()> {
        let list = KnownFailures::parse("a.test:1 hand-written reason\na.test:2 fixed\nb.test:4 not run\n")?;
        let failures = [
            failure("a.test", 1, "wrong result"),
            failure("a.test", 3, "no such table\nmore"),
        ];
        let ran = BTreeSet::from(["a.test".to_owned()]);
        let regenerated = list.regenerate(&ran, &failures);
        let expected =
            KnownFailures::parse("a.test:1 hand-written reason\na.test:3 no such table\nb.test:4 not run\n")?;
        assert_eq!(KnownFailures::parse(&regenerated.render())?, expected);
        Ok(())
    }
}
