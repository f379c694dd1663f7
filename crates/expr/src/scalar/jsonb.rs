//! `jsonb` functions and operators: reading inside documents (`->`, `->>`,
//! `#>`, `#>>`, `@>`, `<@`, `jsonb_typeof`) and building them (`to_jsonb`,
//! `jsonb_build_object`, `jsonb_build_array`, and the aggregates' elements).
//!
//! A `jsonb` datum is its canonical text (see `freshet_repr`), so reading
//! parses it into a [`JsonbDoc`] and building writes canonical text directly.

use std::cmp::Ordering;

use freshet_repr::{
    Datum, JsonbDoc, JsonbRef, JsonbValue, RowArena, ScalarType, format_datum, jsonb_object_text, parse_datum,
    push_jsonb_string,
};

use crate::EvalError;

/// How deeply `@>` follows nested containers before giving up: each level
/// is a stack frame.
const MAX_CONTAINMENT_DEPTH: usize = 1000;

/// Parses a stored `jsonb` datum.
fn doc(text: &str) -> Result<JsonbDoc, EvalError> {
    Ok(JsonbDoc::parse(text)?)
}

/// The result of an operator that yields `jsonb`: `NULL` if nothing was found.
fn as_jsonb<'a>(found: Option<JsonbRef<'_>>, arena: &'a RowArena) -> Datum<'a> {
    found.map_or(Datum::Null, |v| Datum::Jsonb(arena.push_string(&v.to_text())))
}

/// The result of an operator that yields text: a string's value unquoted,
/// JSON `null` as SQL `NULL`, anything else as its `jsonb` text.
fn as_text<'a>(found: Option<JsonbRef<'_>>, arena: &'a RowArena) -> Datum<'a> {
    match found.map(|v| (v, v.value())) {
        None | Some((_, JsonbValue::Null)) => Datum::Null,
        Some((_, JsonbValue::String(s))) => Datum::String(arena.push_string(s)),
        Some((v, _)) => Datum::String(arena.push_string(&v.to_text())),
    }
}

/// `jsonb -> text` (`as_text`: `->>`): an object's field.
pub(crate) fn get_key<'a>(j: &str, key: &str, text: bool, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    let doc = doc(j)?;
    let found = doc.root().get(key);
    Ok(if text {
        as_text(found, arena)
    } else {
        as_jsonb(found, arena)
    })
}

/// `jsonb -> integer` (`->>`): an array's element, negative from the end.
pub(crate) fn get_index<'a>(j: &str, index: i32, text: bool, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    let doc = doc(j)?;
    let found = doc.root().element(i64::from(index));
    Ok(if text {
        as_text(found, arena)
    } else {
        as_jsonb(found, arena)
    })
}

/// `jsonb #> text[]` (`#>>`): the value at a path of keys and array
/// indexes, written as an array literal (`'{a,0,b}'`).
pub(crate) fn get_path<'a>(j: &str, path: &str, text: bool, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    let path = parse_text_array(path)?;
    let doc = doc(j)?;
    let mut at = Some(doc.root());
    for step in &path {
        let Some(step) = step else {
            return Ok(Datum::Null);
        };
        at = at.and_then(|v| match v.value() {
            JsonbValue::Object(_) => v.get(step),
            JsonbValue::Array(_) => step
                .trim_start()
                .parse::<i32>()
                .ok()
                .and_then(|i| v.element(i64::from(i))),
            _ => None,
        });
    }
    Ok(if text { as_text(at, arena) } else { as_jsonb(at, arena) })
}

/// `a @> b`: whether `a` contains `b`, PostgreSQL's rules: an object
/// contains an object whose every key it has with a containing value; an
/// array contains an array each of whose elements some element of its own
/// contains, and a scalar it holds as an element (at the top level only);
/// scalars contain equal scalars.
pub(crate) fn contains(a: &str, b: &str) -> Result<bool, EvalError> {
    let (a, b) = (doc(a)?, doc(b)?);
    let (a, b) = (a.root(), b.root());
    match (a.value(), b.value()) {
        (JsonbValue::Array(_), JsonbValue::Array(_) | JsonbValue::Object(_)) | (JsonbValue::Object(_), _) => {
            deep_contains(a, b, 0)
        }
        (JsonbValue::Array(_), _) => Ok(a.elements().any(|e| scalar_eq(e, b))),
        (_, JsonbValue::Array(_) | JsonbValue::Object(_)) => Ok(false),
        _ => Ok(scalar_eq(a, b)),
    }
}

fn deep_contains(a: JsonbRef<'_>, b: JsonbRef<'_>, depth: usize) -> Result<bool, EvalError> {
    if depth > MAX_CONTAINMENT_DEPTH {
        return Err(EvalError::JsonbTooDeep);
    }
    let is_container = |v: JsonbRef<'_>| matches!(v.value(), JsonbValue::Array(_) | JsonbValue::Object(_));
    let same_kind = |x: JsonbRef<'_>, y: JsonbRef<'_>| {
        matches!(
            (x.value(), y.value()),
            (JsonbValue::Array(_), JsonbValue::Array(_)) | (JsonbValue::Object(_), JsonbValue::Object(_))
        )
    };
    match (a.value(), b.value()) {
        (JsonbValue::Object(_), JsonbValue::Object(_)) => {
            for (key, bv) in b.members() {
                let Some(av) = a.get(key) else {
                    return Ok(false);
                };
                let ok = if is_container(bv) {
                    same_kind(av, bv) && deep_contains(av, bv, depth + 1)?
                } else {
                    scalar_eq(av, bv)
                };
                if !ok {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (JsonbValue::Array(_), JsonbValue::Array(_)) => {
            for bv in b.elements() {
                let found = if is_container(bv) {
                    let mut found = false;
                    for av in a.elements().filter(|av| same_kind(*av, bv)) {
                        if deep_contains(av, bv, depth + 1)? {
                            found = true;
                            break;
                        }
                    }
                    found
                } else {
                    a.elements().any(|av| scalar_eq(av, bv))
                };
                if !found {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Equality of two scalars: numbers by value, others exactly; never equal
/// to a container.
fn scalar_eq(a: JsonbRef<'_>, b: JsonbRef<'_>) -> bool {
    match (a.value(), b.value()) {
        (JsonbValue::Number(x), JsonbValue::Number(y)) => x == y || number_cmp(x, y) == Some(Ordering::Equal),
        (JsonbValue::Array(_) | JsonbValue::Object(_), _) | (_, JsonbValue::Array(_) | JsonbValue::Object(_)) => false,
        (x, y) => x == y,
    }
}

fn number_cmp(x: &str, y: &str) -> Option<Ordering> {
    let arena = RowArena::new();
    let numeric = ScalarType::numeric();
    let x = parse_datum(&numeric, x, &arena).ok()?;
    let y = parse_datum(&numeric, y, &arena).ok()?;
    Some(x.cmp(&y))
}

/// `jsonb_typeof(j)`.
pub(crate) fn type_of(j: &str) -> Result<&'static str, EvalError> {
    Ok(match doc(j)?.root().value() {
        JsonbValue::Null => "null",
        JsonbValue::Bool(_) => "boolean",
        JsonbValue::Number(_) => "number",
        JsonbValue::String(_) => "string",
        JsonbValue::Array(_) => "array",
        JsonbValue::Object(_) => "object",
    })
}

/// The canonical `jsonb` text of a SQL value, as `to_jsonb` converts it:
/// `NULL` is JSON `null`, numbers and booleans are themselves, `jsonb` is
/// itself, date/time values are ISO 8601 strings (`2024-01-01T12:00:00`),
/// anything else the string of its text form.
pub(crate) fn to_jsonb_text(d: Datum<'_>) -> Result<String, EvalError> {
    let mut out = String::new();
    match d {
        Datum::Null => out.push_str("null"),
        Datum::True => out.push_str("true"),
        Datum::False => out.push_str("false"),
        Datum::Jsonb(j) => out.push_str(j),
        Datum::Int16(_)
        | Datum::Int32(_)
        | Datum::Int64(_)
        | Datum::UInt16(_)
        | Datum::UInt32(_)
        | Datum::UInt64(_)
        | Datum::Numeric(_) => format_datum(d, &ScalarType::numeric(), &mut out),
        Datum::Float32(_) | Datum::Float64(_) => {
            // A finite float is the number its text reads as (`1e+308` is
            // a 309-digit number); NaN and infinities become strings.
            let mut text = String::new();
            format_datum(d, &ScalarType::Float64, &mut text);
            let arena = RowArena::new();
            match parse_datum(&ScalarType::Jsonb, &text, &arena) {
                Ok(Datum::Jsonb(j)) => out.push_str(j),
                _ => push_jsonb_string(&text, &mut out),
            }
        }
        Datum::String(s) => push_jsonb_string(s, &mut out),
        Datum::Date(_) | Datum::Time(_) | Datum::Timestamp(_) | Datum::TimestampTz(_) => {
            push_jsonb_string(&iso_datetime(d)?, &mut out);
        }
        Datum::Bytes(_) | Datum::Interval(_) | Datum::Uuid(_) => {
            let mut text = String::new();
            format_datum(d, &ScalarType::Text, &mut text);
            push_jsonb_string(&text, &mut out);
        }
        Datum::Array(array) => {
            out.push('[');
            for (i, element) in array.elements().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&to_jsonb_text(element)?);
            }
            out.push(']');
        }
    }
    Ok(out)
}

/// A date/time value as JSON writes it: ISO 8601 with a `T` between date
/// and time, and a `+00:00` offset for `timestamptz` (Freshet's session
/// time zone is UTC).
fn iso_datetime(d: Datum<'_>) -> Result<String, EvalError> {
    let mut text = String::new();
    format_datum(d, &ScalarType::Text, &mut text);
    if text.ends_with(" BC") {
        return Err(EvalError::Unsupported("dates before the Common Era in jsonb".into()));
    }
    Ok(match d {
        Datum::Timestamp(_) => text.replacen(' ', "T", 1),
        Datum::TimestampTz(_) => {
            let text = text.replacen(' ', "T", 1);
            match text.strip_suffix("+00") {
                Some(local) => format!("{local}+00:00"),
                None => text,
            }
        }
        _ => text,
    })
}

/// A `jsonb_build_object` key: the text of a scalar, JSON's form for
/// booleans and date/time values.
fn key_text(d: Datum<'_>, position: usize) -> Result<String, EvalError> {
    Ok(match d {
        Datum::Null => return Err(EvalError::NullJsonbKey { position }),
        Datum::Jsonb(_) => return Err(EvalError::NonScalarJsonbKey),
        Datum::True => "true".into(),
        Datum::False => "false".into(),
        Datum::String(s) => s.to_owned(),
        Datum::Date(_) | Datum::Time(_) | Datum::Timestamp(_) | Datum::TimestampTz(_) => iso_datetime(d)?,
        other => {
            let mut text = String::new();
            format_datum(other, &ScalarType::Text, &mut text);
            text
        }
    })
}

/// `jsonb_build_object(k1, v1, ...)`.
pub(crate) fn build_object<'a>(args: &[Datum<'_>], arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    if !args.len().is_multiple_of(2) {
        return Err(EvalError::OddJsonbBuildObjectArguments);
    }
    let mut pairs = Vec::with_capacity(args.len() / 2);
    for (i, pair) in args.chunks(2).enumerate() {
        pairs.push((key_text(pair[0], 2 * i + 1)?, to_jsonb_text(pair[1])?));
    }
    Ok(Datum::Jsonb(arena.push_string(&jsonb_object_text(pairs))))
}

/// `jsonb_build_array(v1, ...)`.
pub(crate) fn build_array<'a>(args: &[Datum<'_>], arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    let elements = args.iter().map(|d| to_jsonb_text(*d)).collect::<Result<Vec<_>, _>>()?;
    Ok(Datum::Jsonb(arena.push_string(&array_text(&elements))))
}

/// The canonical text of an array of canonical elements.
pub(crate) fn array_text<S: AsRef<str>>(elements: &[S]) -> String {
    let mut out = String::from("[");
    for (i, e) in elements.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(e.as_ref());
    }
    out.push(']');
    out
}

/// An object of (key, canonical value) pairs, the last of a repeated key kept.
pub(crate) fn object_text(pairs: Vec<(String, String)>) -> String {
    jsonb_object_text(pairs)
}

/// Parses a one-dimensional `text[]` literal (`{a,"b c",NULL}`) as
/// PostgreSQL's `array_in` does; `None` is a `NULL` element.
pub fn parse_text_array(s: &str) -> Result<Vec<Option<String>>, EvalError> {
    let malformed = |detail: &str| EvalError::MalformedArrayLiteral {
        input: s.to_owned(),
        detail: detail.to_owned(),
    };
    let unexpected = |c: char| malformed(&format!("Unexpected \"{c}\" character."));
    let mut chars = s.chars().peekable();
    let skip_space = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
    };
    skip_space(&mut chars);
    match chars.next() {
        Some('{') => {}
        Some('[') => return Err(EvalError::Unsupported("array literals with dimensions".into())),
        _ => return Err(malformed("Array value must start with \"{\" or dimension information.")),
    }
    let mut out = Vec::new();
    skip_space(&mut chars);
    if chars.next_if_eq(&'}').is_none() {
        loop {
            skip_space(&mut chars);
            let mut element = String::new();
            let mut quoted = false;
            // Length of `element` up to its last character that was quoted
            // or escaped: trailing whitespace after it is dropped.
            let mut kept = 0;
            loop {
                match chars.peek().copied() {
                    None => return Err(malformed("Unexpected end of input.")),
                    Some(',' | '}') => break,
                    Some('{') => return Err(EvalError::Unsupported("multidimensional arrays".into())),
                    Some('"') if element.is_empty() && !quoted => {
                        chars.next();
                        quoted = true;
                        loop {
                            match chars.next() {
                                None => return Err(malformed("Unexpected end of input.")),
                                Some('"') => break,
                                Some('\\') => match chars.next() {
                                    Some(c) => element.push(c),
                                    None => return Err(malformed("Unexpected end of input.")),
                                },
                                Some(c) => element.push(c),
                            }
                        }
                        kept = element.len();
                        skip_space(&mut chars);
                        match chars.peek().copied() {
                            Some(',' | '}') => break,
                            Some(c) => return Err(unexpected(c)),
                            None => return Err(malformed("Unexpected end of input.")),
                        }
                    }
                    Some(c @ '"') => return Err(unexpected(c)),
                    Some('\\') => {
                        chars.next();
                        match chars.next() {
                            Some(c) => element.push(c),
                            None => return Err(malformed("Unexpected end of input.")),
                        }
                        kept = element.len();
                    }
                    Some(c) => {
                        chars.next();
                        element.push(c);
                        if !c.is_ascii_whitespace() {
                            kept = element.len();
                        }
                    }
                }
            }
            element.truncate(kept);
            let Some(delimiter) = chars.next() else {
                return Err(malformed("Unexpected end of input."));
            };
            if element.is_empty() && !quoted {
                return Err(unexpected(delimiter));
            }
            let is_null = !quoted && element.eq_ignore_ascii_case("null");
            out.push((!is_null).then_some(element));
            if delimiter == '}' {
                break;
            }
        }
    }
    skip_space(&mut chars);
    if chars.next().is_some() {
        return Err(malformed("Junk after closing right brace."));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
