//! `(regexp_match(...))[n]`, with PostgreSQL's results, and the patterns
//! refused rather than matched differently.

use freshet_repr::SqlState;

use super::*;

fn element(s: &str, pattern: &str, flags: &str, index: i32) -> String {
    match regexp_match_element(s, pattern, flags, index) {
        Ok(Some(found)) => found.to_owned(),
        Ok(None) => "NULL".into(),
        Err(e) => format!("error {}", e.code()),
    }
}

#[test]
fn groups_or_the_whole_match() {
    assert_eq!(element("foo123bar45", r"(\d+)[a-z]+(\d+)", "", 1), "123");
    assert_eq!(element("foo123bar45", r"(\d+)[a-z]+(\d+)", "", 2), "45");
    assert_eq!(element("foo123bar45", r"(\d+)[a-z]+(\d+)", "", 3), "NULL");
    assert_eq!(element("foo123bar45", r"(\d+)[a-z]+(\d+)", "", 0), "NULL");
    assert_eq!(element("foo123bar45", r"(\d+)[a-z]+(\d+)", "", -1), "NULL");
    assert_eq!(element("foo123", r"\d+", "", 1), "123");
    assert_eq!(element("foo123", r"\d+", "", 2), "NULL");
    assert_eq!(element("foo", r"\d+", "", 1), "NULL");
    // A group that took no part in the match is NULL; an empty one is ''.
    assert_eq!(element("ab", "(a)(x)?b", "", 2), "NULL");
    assert_eq!(element("ab", "(a)(x*)b", "", 2), "");
    assert_eq!(element("abc", "", "", 1), "");
    // Non-capturing groups do not count.
    assert_eq!(element("abab", "(?:ab)+", "", 1), "abab");
    assert_eq!(element("héllo wörld", r"(\w+) (\w+)", "", 2), "wörld");
}

#[test]
fn flags_and_postgres_defaults() {
    assert_eq!(element("ABC", "b", "i", 1), "B");
    assert_eq!(element("ABC", "b", "ic", 1), "NULL");
    assert_eq!(element("ABC", "b", "ci", 1), "B");
    // `.` matches a newline, `$` is only the end of the string.
    assert_eq!(element("a\nb", "a.b", "", 1), "a\nb");
    assert_eq!(element("a\nb", "a$", "", 1), "NULL");
    // `q`: the pattern is a literal string.
    assert_eq!(element("a.b(c", ".b(", "q", 1), ".b(");
    assert_eq!(element("a", "a", "g", 1), "error 22023");
    assert_eq!(element("a", "a", "z", 1), "error 22023");
    assert_eq!(element("a", "a", "x", 1), "error 0A000");
    assert_eq!(element("a", "a", "n", 1), "error 0A000");
}

#[test]
fn escapes_mean_what_they_mean_in_postgres() {
    assert_eq!(element("foo bar", r"\ybar\y", "", 1), "bar");
    assert_eq!(element("foobar", r"\ybar", "", 1), "NULL");
    assert_eq!(element("foo bar", r"\mbar\M", "", 1), "bar");
    assert_eq!(element("a\u{8}b", r"a\bb", "", 1), "a\u{8}b");
    assert_eq!(element(r"a\b", r"a\Bb", "", 1), r"a\b");
    assert_eq!(element("ab", r"b\Z", "", 1), "b");
    assert_eq!(element("a[b]", r"[[]b[]]", "", 1), "[b]");
    assert_eq!(element("a&b~", "[&~]+", "", 1), "&");
    assert_eq!(element("x9", "[[:digit:]]", "", 1), "9");
    assert_eq!(element("a", r"\q", "", 1), "error 2201B");
    assert_eq!(element("a{b}", "a{b}", "", 1), "a{b}");
    assert_eq!(element("aaa", "a{2}", "", 1), "aa");
}

#[test]
fn matches_are_the_longest_at_the_leftmost_position() {
    // Without groups the longest match is PostgreSQL's answer.
    assert_eq!(element("aab", "a*(?:ab)?", "", 1), "aab");
    assert_eq!(element("abcd", "a|ab|abc", "", 1), "abc");
    // With groups, a first match shorter than the longest is refused.
    let err = regexp_match_element("aab", "a*(ab)?", "", 1).expect_err("refused");
    assert_eq!(err.code(), SqlState::FeatureNotSupported);
    assert_eq!(element("xaab", "(a+)b", "", 1), "aa");
}

#[test]
fn unsupported_and_invalid_patterns() {
    for pattern in [
        r"(a)\1", "a+?", "a*?", "a??", "a{1,2}?", "(?=a)", "(?i)a", "(a|b)", r"\x41", "[[.a.]]", "[[=a=]]",
    ] {
        assert_eq!(element("a", pattern, "", 1), "error 0A000", "{pattern}");
    }
    for pattern in ["(", "[a", "*a", "a{2,1}"] {
        assert_eq!(element("a", pattern, "", 1), "error 2201B", "{pattern}");
    }
    let err = regexp_match_element("a", "(", "", 1).expect_err("invalid");
    assert!(err.to_string().starts_with("invalid regular expression: "), "{err}");
    let err = regexp_match_element("a", "a", "g", 1).expect_err("global");
    assert_eq!(err.hint().as_deref(), Some("Use the regexp_matches function instead."));
}
