//! `LIKE` and `ILIKE`: PostgreSQL's matcher (`MatchText`), over characters.
//!
//! `_` matches one character, `%` any run of characters, and the escape
//! character (backslash unless `ESCAPE` says otherwise; none for
//! `ESCAPE ''`) makes the next character literal. As in PostgreSQL, a
//! pattern ending in the escape character is an error only when the match
//! gets that far. `ILIKE` lowercases both sides first.
//!
//! The matcher keeps one backtracking point, the latest `%`: once a later
//! `%` is reached an earlier one never needs another try (PostgreSQL's
//! `LIKE_ABORT`), so matching takes at most `text × pattern` steps.

use super::string::lower_char;
use crate::EvalError;

/// One element of a compiled pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// A character that must match itself.
    Literal(char),
    /// `_`
    One,
    /// `%`
    Any,
    /// An escape character with nothing after it.
    DanglingEscape,
}

/// Splits `pattern` into tokens; literals are lowercased when `fold`.
fn compile(pattern: &str, escape: Option<char>, fold: bool) -> Vec<Token> {
    let literal = |c: char| Token::Literal(if fold { lower_char(c) } else { c });
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(if Some(c) == escape {
            chars.next().map_or(Token::DanglingEscape, literal)
        } else {
            match c {
                '%' => Token::Any,
                '_' => Token::One,
                c => literal(c),
            }
        });
    }
    tokens
}

/// Whether `text` matches `pattern`.
fn matches(text: &[char], pattern: &[Token]) -> Result<bool, EvalError> {
    if pattern == [Token::Any] {
        return Ok(true);
    }
    let (mut ti, mut pi) = (0, 0);
    // Where the pattern after the latest `%` starts, and the text position
    // it was last tried at.
    let mut retry: Option<(usize, usize)> = None;
    loop {
        let matched = match (pattern.get(pi), text.get(ti)) {
            (None, None) => return Ok(true),
            // The text is used up: only `%`s may remain.
            (Some(_), None) => return Ok(pattern[pi..].iter().all(|t| *t == Token::Any)),
            (None, Some(_)) => false,
            (Some(Token::DanglingEscape), Some(_)) => return Err(EvalError::LikePatternEndsWithEscape),
            (Some(Token::Literal(p)), Some(t)) => p == t,
            (Some(Token::One), Some(_)) => true,
            (Some(Token::Any), Some(_)) => {
                pi += 1;
                // `%`s and `_`s after a `%` reduce to a `%` after skipping
                // one character per `_`.
                while let Some(token) = pattern.get(pi) {
                    match token {
                        Token::Any => pi += 1,
                        Token::One if ti < text.len() => {
                            ti += 1;
                            pi += 1;
                        }
                        Token::One => return Ok(false),
                        Token::Literal(_) | Token::DanglingEscape => break,
                    }
                }
                match pattern.get(pi) {
                    None => return Ok(true),
                    Some(Token::DanglingEscape) => return Err(EvalError::LikePatternEndsWithEscape),
                    Some(_) => {}
                }
                retry = Some((pi, ti));
                continue;
            }
        };
        if matched {
            ti += 1;
            pi += 1;
            continue;
        }
        // Try the rest of the pattern one character further on from the
        // latest `%`; past the end of the text nothing can match.
        match retry {
            Some((rpi, rti)) if rti + 1 < text.len() => {
                retry = Some((rpi, rti + 1));
                pi = rpi;
                ti = rti + 1;
            }
            _ => return Ok(false),
        }
    }
}

/// `text LIKE pattern [ESCAPE escape]` (`ILIKE` when `case_insensitive`);
/// `escape` is `None` for the default backslash.
pub(crate) fn like(text: &str, pattern: &str, escape: Option<&str>, case_insensitive: bool) -> Result<bool, EvalError> {
    let escape = match escape {
        None => Some('\\'),
        Some(e) => {
            let mut chars = e.chars();
            match (chars.next(), chars.next()) {
                (None, _) => None,
                (Some(c), None) => Some(c),
                (Some(_), Some(_)) => return Err(EvalError::InvalidEscapeString),
            }
        }
    };
    let pattern = compile(pattern, escape, case_insensitive);
    let text: Vec<char> = if case_insensitive {
        text.chars().map(lower_char).collect()
    } else {
        text.chars().collect()
    };
    matches(&text, &pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(text: &str, pattern: &str) -> Result<bool, EvalError> {
        like(text, pattern, None, false)
    }

    #[test]
    fn wildcards() {
        assert_eq!(l("abc", "a%"), Ok(true));
        assert_eq!(l("abc", "%c"), Ok(true));
        assert_eq!(l("abc", "%b%"), Ok(true));
        assert_eq!(l("abc", "a_c"), Ok(true));
        assert_eq!(l("abc", "a_"), Ok(false));
        assert_eq!(l("abc", "abc"), Ok(true));
        assert_eq!(l("abc", "ABC"), Ok(false));
        assert_eq!(l("", "%"), Ok(true));
        assert_eq!(l("", ""), Ok(true));
        assert_eq!(l("a", ""), Ok(false));
        assert_eq!(l("", "_"), Ok(false));
        assert_eq!(l("héllo", "h_llo"), Ok(true));
        assert_eq!(l("mississippi", "%iss%ppi"), Ok(true));
        assert_eq!(l("mississippi", "%iss%ppx"), Ok(false));
        assert_eq!(l("aaa", "%_a"), Ok(true));
        assert_eq!(l("ab", "%__"), Ok(true));
        assert_eq!(l("ab", "%___"), Ok(false));
        assert_eq!(l("abcabd", "%abd"), Ok(true));
    }

    #[test]
    fn escapes() {
        assert_eq!(l("a%", "a\\%"), Ok(true));
        assert_eq!(l("ab", "a\\%"), Ok(false));
        assert_eq!(like("a%", "a#%", Some("#"), false), Ok(true));
        assert_eq!(like("a\\b", "a\\b", Some("#"), false), Ok(true));
        assert_eq!(like("a\\b", "a\\_", Some(""), false), Ok(true));
        assert_eq!(like("a#", "a##", Some("#"), false), Ok(true));
        assert_eq!(like("a", "a", Some("ab"), false), Err(EvalError::InvalidEscapeString));
    }

    #[test]
    fn a_trailing_escape_fails_only_when_reached() {
        assert_eq!(l("ab", "a\\"), Err(EvalError::LikePatternEndsWithEscape));
        assert_eq!(l("a", "a\\"), Ok(false));
        assert_eq!(l("xb", "a\\"), Ok(false));
        assert_eq!(l("", "%\\"), Ok(false));
        assert_eq!(l("a", "%\\"), Err(EvalError::LikePatternEndsWithEscape));
        assert_eq!(
            like("ab", "a#", Some("#"), false),
            Err(EvalError::LikePatternEndsWithEscape)
        );
    }

    #[test]
    fn ilike_folds_case() {
        assert_eq!(like("ABC", "a%", None, true), Ok(true));
        assert_eq!(like("Héllo", "HÉ%", None, true), Ok(true));
        assert_eq!(like("abc", "A_D", None, true), Ok(false));
    }

    #[test]
    fn long_inputs_stay_linear_enough() {
        let text = "a".repeat(20_000);
        let pattern = format!("{}b", "%a".repeat(200));
        assert_eq!(l(&text, &pattern), Ok(false));
        let pattern = "%".repeat(100_000);
        assert_eq!(l(&text, &pattern), Ok(true));
    }
}
