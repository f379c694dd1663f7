//! The binlog's values, normalized into the shapes the binary protocol
//! gives the snapshot for the same column (so one function makes datums of
//! both): ENUM indexes become labels, SET bitmasks comma-joined members,
//! TIMESTAMP's `unix seconds[.µs]` text a UTC date, binary JSON MySQL's
//! JSON text, YEAR text an integer, strings UTF-8; and the decoder's slips
//! are undone (MEDIUMINT without sign extension, unsigned values read as
//! signed, BINARY(n) without its trailing zero bytes).

use chrono::{DateTime, Datelike, Timelike};
use mysql_async::Value;
use mysql_async::binlog::value::BinlogValue;

use super::ValueProblem;
use super::column::{Charset, Column, Kind};
use super::json;
use super::value::{Problem, not_representable};
use crate::MySqlError;

/// `value` of `column` (of `table`) in the binary protocol's shape.
pub(super) fn normalize(table: &str, column: &Column, value: BinlogValue<'_>) -> Result<Value, MySqlError> {
    match value {
        BinlogValue::JsonDiff(_) => Err(MySqlError::PartialJson {
            table: table.to_owned(),
            column: column.name.clone(),
        }),
        BinlogValue::Jsonb(document) => {
            let mut text = String::new();
            json::print(&document, &mut text).map_err(|err| MySqlError::ValueNotRepresentable {
                table: table.to_owned(),
                column: column.name.clone(),
                value: "(binary JSON)".to_owned(),
                reason: format!("malformed binary JSON: {}", err.0),
                problem: ValueProblem::Shape,
                text_allowed: false,
            })?;
            Ok(Value::Bytes(text.into_bytes()))
        }
        BinlogValue::Value(value) => normalize_value(column, value)
            .map_err(|(value, (problem, reason))| not_representable(table, column, &value, problem, reason)),
    }
}

/// A plain binlog value in the binary protocol's shape; on failure, the
/// value and the problem.
fn normalize_value(column: &Column, value: Value) -> Result<Value, (Value, Problem)> {
    Ok(match (&column.kind, value) {
        (_, Value::NULL) => Value::NULL,
        (&Kind::Int { bytes, unsigned }, Value::Int(i)) => fix_int(bytes, unsigned, i),
        (Kind::Timestamp { .. }, Value::Bytes(text)) => match unix_time(&text) {
            Some(date) => date,
            None => {
                let problem = (ValueProblem::Shape, "invalid binlog TIMESTAMP".to_owned());
                return Err((Value::Bytes(text), problem));
            }
        },
        (Kind::Timestamp { .. }, Value::Int(seconds)) => {
            unix_time(seconds.to_string().as_bytes()).unwrap_or(Value::Int(seconds))
        }
        // The binlog stores YEAR as years since 1900, 0 being 0000; the
        // decoder prints 1900 + the byte.
        (Kind::Year, Value::Bytes(text)) => match std::str::from_utf8(&text).ok().and_then(|t| t.parse().ok()) {
            Some(1900) => Value::Int(0),
            Some(year) => Value::Int(year),
            None => {
                return Err((
                    Value::Bytes(text),
                    (ValueProblem::Shape, "invalid binlog YEAR".to_owned()),
                ));
            }
        },
        (Kind::Enum(labels), Value::Int(index)) => match enum_label(labels, index) {
            Some(label) => Value::Bytes(label.as_bytes().to_vec()),
            None => {
                let problem = (ValueProblem::Shape, format!("ENUM index {index} beyond its labels"));
                return Err((Value::Int(index), problem));
            }
        },
        (Kind::Set(members), Value::Bytes(mask)) => match set_text(members, &mask) {
            Some(text) => Value::Bytes(text.into_bytes()),
            None => {
                let problem = (ValueProblem::Shape, "SET bits beyond its members".to_owned());
                return Err((Value::Bytes(mask), problem));
            }
        },
        (&Kind::Binary { length }, Value::Bytes(mut bytes)) => {
            if bytes.len() < length {
                bytes.resize(length, 0);
            }
            Value::Bytes(bytes)
        }
        (kind, Value::Bytes(bytes)) if kind.is_character() => match to_utf8(&column.charset, bytes) {
            Ok(utf8) => Value::Bytes(utf8),
            Err((bytes, reason)) => return Err((Value::Bytes(bytes), (ValueProblem::Text, reason))),
        },
        (_, value) => value,
    })
}

/// An integer as MySQL stored it: a signed MEDIUMINT's negatives arrive
/// without sign extension; an unsigned column's value read as signed is
/// reinterpreted at the column's width.
pub(super) fn fix_int(bytes: u8, unsigned: bool, i: i64) -> Value {
    const MEDIUMINT_SIGN: i64 = 1 << 23;
    if !unsigned && bytes == 3 && (MEDIUMINT_SIGN..2 * MEDIUMINT_SIGN).contains(&i) {
        return Value::Int(i - 2 * MEDIUMINT_SIGN);
    }
    if unsigned && i < 0 {
        return match bytes {
            1..=7 => Value::Int(i + (1 << (8 * u32::from(bytes)))),
            _ => Value::UInt(i.cast_unsigned()),
        };
    }
    Value::Int(i)
}

/// The label of ENUM index `index` (1-based; 0 is MySQL's error value, '').
fn enum_label(labels: &[String], index: i64) -> Option<&str> {
    if index == 0 {
        return Some("");
    }
    let i = usize::try_from(index).ok()?.checked_sub(1)?;
    labels.get(i).map(String::as_str)
}

/// The members of a SET bitmask (little-endian, bit 0 the first member),
/// comma-joined in order; `None` when a bit beyond the members is set (a
/// member appended to the column since the decoder learnt its members).
fn set_text(members: &[String], mask: &[u8]) -> Option<String> {
    let bit = |i: usize| mask.get(i / 8).is_some_and(|byte| byte >> (i % 8) & 1 == 1);
    if (members.len()..mask.len() * 8).any(bit) {
        return None;
    }
    let mut text = String::new();
    for (i, member) in members.iter().enumerate() {
        if bit(i) {
            if !text.is_empty() {
                text.push(',');
            }
            text.push_str(member);
        }
    }
    Some(text)
}

/// A TIMESTAMP's `seconds[.micros]` since the Unix epoch as the date in
/// UTC (0: the zero timestamp `0000-00-00 00:00:00`).
fn unix_time(text: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(text).ok()?;
    let (seconds, micros) = match text.split_once('.') {
        Some((seconds, fraction)) if !fraction.is_empty() && fraction.len() <= 6 => {
            let digits: u32 = fraction.parse().ok()?;
            (seconds, digits * 10u32.pow(6 - u32::try_from(fraction.len()).ok()?))
        }
        Some(_) => return None,
        None => (text, 0),
    };
    let seconds: i64 = seconds.parse().ok()?;
    if seconds == 0 && micros == 0 {
        return Some(Value::Date(0, 0, 0, 0, 0, 0, 0));
    }
    let t = DateTime::from_timestamp(seconds, micros * 1000)?.naive_utc();
    Some(Value::Date(
        u16::try_from(t.year()).ok()?,
        u8::try_from(t.month()).ok()?,
        u8::try_from(t.day()).ok()?,
        u8::try_from(t.hour()).ok()?,
        u8::try_from(t.minute()).ok()?,
        u8::try_from(t.second()).ok()?,
        micros,
    ))
}

/// A character column's binlog bytes, converted from its character set
/// to UTF-8 (UTF-8 itself is checked where the datum is made).
pub(super) fn to_utf8(charset: &Charset, bytes: Vec<u8>) -> Result<Vec<u8>, (Vec<u8>, String)> {
    match charset {
        Charset::Utf8 => Ok(bytes),
        Charset::Encoding(encoding) => {
            let decoded = match encoding.decode_without_bom_handling_and_without_replacement(&bytes) {
                Some(std::borrow::Cow::Borrowed(_)) => None,
                Some(std::borrow::Cow::Owned(text)) => Some(text.into_bytes()),
                None => {
                    let reason = format!("invalid byte sequence for encoding \"{}\"", encoding.name());
                    return Err((bytes, reason));
                }
            };
            // Borrowed: the bytes were already UTF-8 (ASCII, mostly).
            Ok(decoded.unwrap_or(bytes))
        }
        Charset::Utf32 => {
            let text: Option<String> = if bytes.len().is_multiple_of(4) {
                bytes
                    .chunks_exact(4)
                    .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                    .collect()
            } else {
                None
            };
            text.map(String::into_bytes)
                .ok_or_else(|| (bytes, "invalid byte sequence for encoding \"UTF32\"".to_owned()))
        }
        Charset::Unsupported(name) => Err((bytes, format!("character set {name} cannot be converted to UTF-8"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mediumint_negatives_get_their_sign() {
        assert_eq!(fix_int(3, false, 16_777_215), Value::Int(-1));
        assert_eq!(fix_int(3, false, 8_388_608), Value::Int(-8_388_608));
        assert_eq!(fix_int(3, false, 8_388_607), Value::Int(8_388_607));
        assert_eq!(fix_int(3, false, -5), Value::Int(-5));
        assert_eq!(fix_int(3, true, 16_777_215), Value::Int(16_777_215));
    }

    #[test]
    fn unsigned_values_read_as_signed_are_reinterpreted() {
        assert_eq!(fix_int(1, true, -1), Value::Int(255));
        assert_eq!(fix_int(2, true, -1), Value::Int(65_535));
        assert_eq!(fix_int(3, true, -1), Value::Int(16_777_215));
        assert_eq!(fix_int(4, true, -1), Value::Int(4_294_967_295));
        assert_eq!(fix_int(8, true, -1), Value::UInt(u64::MAX));
        assert_eq!(fix_int(1, false, -1), Value::Int(-1));
    }

    #[test]
    fn enum_and_set_values_become_labels() {
        let labels = vec!["a".to_owned(), "b'c".to_owned(), "x".to_owned()];
        assert_eq!(enum_label(&labels, 0), Some(""));
        assert_eq!(enum_label(&labels, 2), Some("b'c"));
        assert_eq!(enum_label(&labels, 4), None);
        assert_eq!(set_text(&labels, &[0b101]), Some("a,x".to_owned()));
        assert_eq!(set_text(&labels, &[0]), Some(String::new()));
        assert_eq!(set_text(&labels, &[0b1001]), None, "a member the decoder does not know");
        assert_eq!(set_text(&labels, &[0, 1]), None);
    }

    #[test]
    fn timestamps_are_utc_dates() {
        assert_eq!(unix_time(b"0"), Some(Value::Date(0, 0, 0, 0, 0, 0, 0)));
        assert_eq!(unix_time(b"1"), Some(Value::Date(1970, 1, 1, 0, 0, 1, 0)));
        assert_eq!(
            unix_time(b"1704164645.120000"),
            Some(Value::Date(2024, 1, 2, 3, 4, 5, 120_000))
        );
        assert_eq!(unix_time(b"x"), None);
    }

    #[test]
    fn latin1_is_windows_1252() {
        let latin1 = Charset::Encoding(encoding_rs::WINDOWS_1252);
        assert_eq!(to_utf8(&latin1, vec![b'c', 0xe9, 0x80]), Ok("cé€".as_bytes().to_vec()));
        assert_eq!(to_utf8(&latin1, b"abc".to_vec()), Ok(b"abc".to_vec()));
        assert_eq!(
            to_utf8(&Charset::Utf32, vec![0, 1, 0xf6, 0x00]),
            Ok("😀".as_bytes().to_vec())
        );
        assert!(to_utf8(&Charset::Encoding(encoding_rs::UTF_16BE), vec![0xd8, 0x00]).is_err());
    }
}
