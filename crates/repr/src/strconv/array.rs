//! One-dimensional arrays: `{1,2,NULL}`, `{a,"b c","x\"y"}`.

use crate::{ArrayRef, Datum, ReprError, RowArena, ScalarType};

use super::{format_datum, parse_datum};

/// Parses `s` as an array of `element`s. Elements are separated by commas
/// and may be double-quoted (with `\` escaping the next character); an
/// unquoted `NULL` (any case) is a null element.
pub(super) fn parse_array<'a>(element: &ScalarType, s: &str, arena: &'a RowArena) -> Result<Datum<'a>, ReprError> {
    let invalid = || ReprError::InvalidTextRepresentation {
        type_name: "array",
        input: s.to_owned(),
    };
    let trimmed = s.trim();
    let inner = trimmed
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .ok_or_else(invalid)?;
    let mut texts: Vec<Option<String>> = Vec::new();
    let mut chars = inner.chars().peekable();
    if !inner.trim().is_empty() {
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let mut text = String::new();
            let mut quoted = false;
            if chars.peek() == Some(&'"') {
                quoted = true;
                chars.next();
                loop {
                    match chars.next().ok_or_else(invalid)? {
                        '"' => break,
                        '\\' => text.push(chars.next().ok_or_else(invalid)?),
                        c => text.push(c),
                    }
                }
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    if matches!(c, '{' | '}' | '"') {
                        return Err(invalid());
                    }
                    chars.next();
                    if c == '\\' {
                        text.push(chars.next().ok_or_else(invalid)?);
                    } else {
                        text.push(c);
                    }
                }
                text = text.trim_end().to_owned();
                if text.is_empty() {
                    return Err(invalid());
                }
            }
            texts.push(if !quoted && text.eq_ignore_ascii_case("null") {
                None
            } else {
                Some(text)
            });
            match chars.next() {
                None => break,
                Some(',') => {}
                Some(_) => return Err(invalid()),
            }
        }
    }
    let mut datums = Vec::with_capacity(texts.len());
    for text in &texts {
        datums.push(match text {
            None => Datum::Null,
            Some(text) => parse_datum(element, text, arena)?,
        });
    }
    Ok(arena.push_array(datums))
}

/// Appends an array's text form: elements quoted where they hold
/// characters the syntax uses, are empty, or spell `NULL`.
pub(super) fn format_array(array: ArrayRef<'_>, buf: &mut String) {
    buf.push('{');
    for (i, element) in array.elements().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        if element.is_null() {
            buf.push_str("NULL");
            continue;
        }
        let mut text = String::new();
        format_datum(element, &ScalarType::Text, &mut text);
        let quote = text.is_empty()
            || text.eq_ignore_ascii_case("null")
            || text
                .chars()
                .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_whitespace());
        if quote {
            buf.push('"');
            for c in text.chars() {
                if matches!(c, '"' | '\\') {
                    buf.push('\\');
                }
                buf.push(c);
            }
            buf.push('"');
        } else {
            buf.push_str(&text);
        }
    }
    buf.push('}');
}
