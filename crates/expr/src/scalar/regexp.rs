//! PostgreSQL regular expressions (its "advanced" flavour) on Rust's
//! `regex` engine, for `(regexp_match(s, pattern [, flags]))[n]`.
//!
//! A pattern is translated where the two syntaxes differ (`\y` is Rust's
//! `\b`, `\b` is a backspace, `[` inside brackets is literal). What cannot
//! be translated faithfully is refused with "feature not supported"
//! rather than matched differently: back references, look-around,
//! non-greedy quantifiers, collating elements, and the flags that change
//! newline handling. PostgreSQL's overall match is the longest at the
//! leftmost position, Rust's the first the pattern's order prefers: a lazy
//! DFA finds the longest end, which is the answer for a pattern without
//! capturing groups; with groups, a match where the two differ is refused,
//! as is alternation (which could split a match between the groups
//! differently).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::{Anchored, Input, MatchKind};

use crate::EvalError;

/// How many compiled patterns each thread keeps.
const CACHE_SIZE: usize = 64;

/// A pattern compiled for matching and for finding its longest match.
struct Compiled {
    regex: regex::Regex,
    longest: DFA,
    longest_cache: RefCell<Cache>,
}

thread_local! {
    static COMPILED: RefCell<HashMap<(String, String), Rc<Compiled>>> = RefCell::new(HashMap::new());
}

fn unsupported(what: &str) -> EvalError {
    EvalError::Unsupported(format!("{what} in regular expressions"))
}

/// The pattern with flags applied, in Rust's syntax.
fn translate_with_flags(pattern: &str, flags: &str) -> Result<String, EvalError> {
    let mut case_insensitive = false;
    let mut quote = false;
    for c in flags.chars() {
        match c {
            'i' => case_insensitive = true,
            'c' => case_insensitive = false,
            's' | 't' => {}
            'q' => quote = true,
            'g' => return Err(EvalError::RegexpMatchGlobal),
            'n' | 'm' | 'p' | 'w' | 'x' | 'b' | 'e' => {
                return Err(EvalError::Unsupported(format!("regular expression option \"{c}\"")));
            }
            other => return Err(EvalError::InvalidRegexOption(other.to_string())),
        }
    }
    let body = if quote {
        regex::escape(pattern)
    } else {
        translate(pattern)?
    };
    // PostgreSQL's default: `.` matches a newline, `^` and `$` only at the ends.
    let prefix = if case_insensitive { "(?s)(?i)" } else { "(?s)" };
    Ok(format!("{prefix}{body}"))
}

/// Translates a PostgreSQL ARE into Rust's syntax.
fn translate(pattern: &str) -> Result<String, EvalError> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let (mut groups, mut alternation) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            '\\' => escape(chars.next(), false, &mut out)?,
            '[' => bracket(&mut chars, &mut out)?,
            '(' => {
                if chars.next_if_eq(&'?').is_some() {
                    if chars.next_if_eq(&':').is_none() {
                        return Err(unsupported("look-around and embedded options"));
                    }
                    out.push_str("(?:");
                } else {
                    groups = true;
                    out.push('(');
                }
            }
            '*' | '+' | '?' | '}' => {
                out.push(c);
                if chars.peek() == Some(&'?') {
                    return Err(unsupported("non-greedy quantifiers"));
                }
            }
            '|' => {
                alternation = true;
                out.push('|');
            }
            // A brace that does not start a bound is an ordinary character.
            '{' if !chars.peek().is_some_and(char::is_ascii_digit) => out.push_str("\\{"),
            c => out.push(c),
        }
    }
    if groups && alternation {
        return Err(unsupported("alternation with capturing groups"));
    }
    Ok(out)
}

/// Translates the escape `\c` (inside a bracket expression if `bracket`).
fn escape(c: Option<char>, bracket: bool, out: &mut String) -> Result<(), EvalError> {
    let Some(c) = c else {
        return Err(EvalError::InvalidRegex("invalid escape \\ sequence".into()));
    };
    match c {
        'b' => out.push_str("\\x08"),
        'B' => out.push_str("\\\\"),
        'e' => out.push_str("\\x1B"),
        '0' => out.push_str("\\x00"),
        'a' | 'f' | 'n' | 'r' | 't' | 'v' | 'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'u' | 'U' => {
            out.push('\\');
            out.push(c);
        }
        'A' | 'Z' | 'y' | 'Y' | 'm' | 'M' if bracket => {
            return Err(EvalError::InvalidRegex("invalid escape \\ sequence".into()));
        }
        'A' => out.push_str("\\A"),
        'Z' => out.push_str("\\z"),
        'y' => out.push_str("\\b"),
        'Y' => out.push_str("\\B"),
        'm' => out.push_str("\\b{start}"),
        'M' => out.push_str("\\b{end}"),
        '1'..='9' => return Err(unsupported("back references")),
        'x' | 'c' => return Err(unsupported(&format!("\\{c} escapes"))),
        c if c.is_alphanumeric() => return Err(EvalError::InvalidRegex("invalid escape \\ sequence".into())),
        c => {
            out.push('\\');
            out.push(c);
        }
    }
    Ok(())
}

/// Translates a bracket expression after its `[`.
fn bracket(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) -> Result<(), EvalError> {
    out.push('[');
    if chars.next_if_eq(&'^').is_some() {
        out.push('^');
    }
    if chars.next_if_eq(&']').is_some() {
        out.push_str("\\]");
    }
    loop {
        match chars.next() {
            None => return Err(EvalError::InvalidRegex("brackets [] not balanced".into())),
            Some(']') => {
                out.push(']');
                return Ok(());
            }
            Some('\\') => escape(chars.next(), true, out)?,
            Some('[') => match chars.peek() {
                Some(':') => {
                    out.push_str("[:");
                    chars.next();
                    loop {
                        match chars.next() {
                            Some(':') if chars.next_if_eq(&']').is_some() => {
                                out.push_str(":]");
                                break;
                            }
                            Some(c) => out.push(c),
                            None => return Err(EvalError::InvalidRegex("brackets [] not balanced".into())),
                        }
                    }
                }
                Some('.' | '=') => return Err(unsupported("collating elements and equivalence classes")),
                _ => out.push_str("\\["),
            },
            Some('-') if chars.peek() == Some(&'-') => return Err(unsupported("\"--\" in bracket expressions")),
            Some(c @ ('&' | '~')) => {
                out.push('\\');
                out.push(c);
            }
            Some(c) => out.push(c),
        }
    }
}

/// Compiles `pattern` with `flags`, or finds it compiled.
fn compiled(pattern: &str, flags: &str) -> Result<Rc<Compiled>, EvalError> {
    let key = (pattern.to_owned(), flags.to_owned());
    if let Some(found) = COMPILED.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(found);
    }
    let translated = translate_with_flags(pattern, flags)?;
    let regex = regex::Regex::new(&translated).map_err(|e| match e {
        regex::Error::CompiledTooBig(_) => EvalError::InvalidRegex("regular expression is too complex".into()),
        other => {
            let message = other.to_string();
            let reason = message.lines().last().unwrap_or("").trim();
            let reason = reason.strip_prefix("error: ").unwrap_or(reason);
            EvalError::InvalidRegex(reason.to_owned())
        }
    })?;
    let longest = DFA::builder()
        .configure(DFA::config().match_kind(MatchKind::All).unicode_word_boundary(true))
        .build(&translated)
        .map_err(|_| unsupported("this pattern"))?;
    let longest_cache = RefCell::new(longest.create_cache());
    let compiled = Rc::new(Compiled {
        regex,
        longest,
        longest_cache,
    });
    COMPILED.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.len() >= CACHE_SIZE {
            cache.clear();
        }
        cache.insert(key, Rc::clone(&compiled));
    });
    Ok(compiled)
}

/// Whether `pattern` matches somewhere in `s` (`~`, or `~*` when
/// `case_insensitive`).
pub(crate) fn is_match(s: &str, pattern: &str, case_insensitive: bool) -> Result<bool, EvalError> {
    let compiled = compiled(pattern, if case_insensitive { "i" } else { "" })?;
    Ok(compiled.regex.is_match(s))
}

/// Element `index` (from 1) of `regexp_match(s, pattern, flags)`: the
/// whole match for a pattern without capturing groups, else the text of
/// group `index`. `None` without a match, for an index outside the
/// array, and for a group that took no part in the match.
pub(crate) fn regexp_match_element<'s>(
    s: &'s str,
    pattern: &str,
    flags: &str,
    index: i32,
) -> Result<Option<&'s str>, EvalError> {
    let compiled = compiled(pattern, flags)?;
    let Some(captures) = compiled.regex.captures(s) else {
        return Ok(None);
    };
    let Some(whole) = captures.get(0) else {
        return Ok(None);
    };
    let input = Input::new(s).range(whole.start()..).anchored(Anchored::Yes);
    let longest = compiled
        .longest
        .try_search_fwd(&mut compiled.longest_cache.borrow_mut(), &input)
        .map_err(|e| EvalError::Unsupported(format!("this regular expression on this text ({e})")))?;
    let end = longest.map_or(whole.end(), |m| m.offset());
    let groups = captures.len() - 1;
    if groups > 0 && end != whole.end() {
        return Err(EvalError::Unsupported(
            "capturing groups of a regular expression whose longest match is not its first".into(),
        ));
    }
    let Ok(index) = usize::try_from(index) else {
        return Ok(None);
    };
    Ok(match (groups, index) {
        (_, 0) => None,
        (0, 1) => s.get(whole.start()..end),
        (0, _) => None,
        (_, i) => captures.get(i).map(|m| m.as_str()),
    })
}

#[cfg(test)]
mod tests;
