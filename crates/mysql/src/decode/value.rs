//! The one place a MySQL value becomes a datum: values as the binary
//! protocol gives them (the binlog's are normalized into the same shapes
//! first), turned into the column's mapped type or into MySQL's text.

use std::fmt::Write;
use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveTime};
use freshet_repr::{Datum, Numeric, ReprError, RowArena, RowPacker, ScalarType};
use mysql_async::Value;

use super::ValueProblem;
use super::column::{Column, Kind, Target};
use crate::MySqlError;

/// Why a value cannot be copied: the kind of problem and a reason.
pub(super) type Problem = (ValueProblem, String);

/// Appends `value` of `column` (a column of `table` the source copies) to
/// `packer`. `scratch` is a buffer for values that need one (padded
/// `char(n)` values, text).
pub(super) fn push(
    table: &str,
    column: &Column,
    value: &Value,
    packer: &mut RowPacker<'_>,
    scratch: &mut String,
) -> Result<(), MySqlError> {
    let result = match (value, column.target) {
        // Never called for them: the subsource has no such column.
        (_, Target::Excluded) => Ok(()),
        (Value::NULL, _) => {
            packer.push(Datum::Null);
            Ok(())
        }
        (value, Target::Typed(typ)) => push_typed(&column.kind, typ, value, packer, scratch),
        (value, Target::Text) => {
            scratch.clear();
            mysql_text(&column.kind, value, scratch).and_then(|()| {
                check_text(scratch)?;
                packer.push(Datum::String(scratch));
                Ok(())
            })
        }
    };
    result.map_err(|(problem, reason)| not_representable(table, column, value, problem, reason))
}

/// The error for `value` of `column`.
pub(super) fn not_representable(
    table: &str,
    column: &Column,
    value: &Value,
    problem: ValueProblem,
    reason: String,
) -> MySqlError {
    MySqlError::ValueNotRepresentable {
        table: table.to_owned(),
        column: column.name.clone(),
        value: describe(&column.kind, value),
        reason,
        problem,
        text_allowed: column.text_allowed,
    }
}

/// `value` as MySQL prints it, quoted and cut short, for error messages.
pub(super) fn describe(kind: &Kind, value: &Value) -> String {
    const MAX_CHARS: usize = 64;
    let mut text = String::new();
    if mysql_text(kind, value, &mut text).is_err() {
        text = match value {
            Value::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            other => format!("{other:?}"),
        };
    }
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("'{}…'", &text[..cut]),
        None => format!("'{text}'"),
    }
}

fn shape(value: &Value, typ: impl std::fmt::Display) -> Problem {
    (
        ValueProblem::Shape,
        format!("unexpected {} for type {typ}", value_kind(value)),
    )
}

fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::NULL => "NULL",
        Value::Bytes(_) => "string",
        Value::Int(_) | Value::UInt(_) => "integer",
        Value::Float(_) | Value::Double(_) => "floating-point number",
        Value::Date(..) => "date",
        Value::Time(..) => "time",
    }
}

/// Appends `value` as the column's mapped type `typ`.
fn push_typed(
    kind: &Kind,
    typ: ScalarType,
    value: &Value,
    packer: &mut RowPacker<'_>,
    scratch: &mut String,
) -> Result<(), Problem> {
    let datum = match typ {
        ScalarType::Int16
        | ScalarType::Int32
        | ScalarType::Int64
        | ScalarType::UInt16
        | ScalarType::UInt32
        | ScalarType::UInt64 => integer(kind, typ, value)?,
        ScalarType::Float32 => match value {
            Value::Float(f) => Datum::Float32(*f),
            Value::Bytes(b) => Datum::Float32(parse_text::<f32>(b, typ)?),
            other => return Err(shape(other, typ)),
        },
        ScalarType::Float64 => match value {
            Value::Double(d) => Datum::Float64(*d),
            Value::Float(f) => Datum::Float64(f64::from(*f)),
            Value::Bytes(b) => Datum::Float64(parse_text::<f64>(b, typ)?),
            other => return Err(shape(other, typ)),
        },
        ScalarType::Numeric { scale, .. } => {
            packer.push_numeric(&numeric(value, scale, typ)?);
            return Ok(());
        }
        ScalarType::Text | ScalarType::VarChar { .. } => Datum::String(string(value, typ)?),
        ScalarType::Char { length } => {
            let s = string(value, typ)?;
            let n = usize::try_from(length).unwrap_or(usize::MAX);
            let chars = s.chars().count();
            if chars < n {
                scratch.clear();
                scratch.push_str(s);
                scratch.extend(std::iter::repeat_n(' ', n - chars));
                Datum::String(scratch)
            } else {
                Datum::String(s)
            }
        }
        ScalarType::Bytes => match value {
            Value::Bytes(b) => Datum::Bytes(b),
            other => return Err(shape(other, typ)),
        },
        ScalarType::Date => match value {
            Value::Date(y, m, d, ..) => Datum::Date(date(*y, *m, *d)?),
            other => return Err(shape(other, typ)),
        },
        ScalarType::Timestamp => match value {
            &Value::Date(y, m, d, h, mi, s, us) => {
                let time = NaiveTime::from_hms_micro_opt(h.into(), mi.into(), s.into(), us)
                    .ok_or_else(|| (ValueProblem::DateTime, "invalid time of day".to_owned()))?;
                Datum::Timestamp(date(y, m, d)?.and_time(time))
            }
            other => return Err(shape(other, typ)),
        },
        ScalarType::Time => match value {
            &Value::Time(neg, days, h, m, s, us) => {
                let zero = days == 0 && h == 0 && m == 0 && s == 0 && us == 0;
                let time = if days == 0 && (!neg || zero) {
                    NaiveTime::from_hms_micro_opt(h.into(), m.into(), s.into(), us)
                } else {
                    None
                };
                Datum::Time(time.ok_or_else(|| {
                    (
                        ValueProblem::DateTime,
                        "time of day outside 00:00:00 to 23:59:59.999999 (MySQL's TIME allows -838:59:59 to 838:59:59)"
                            .to_owned(),
                    )
                })?)
            }
            other => return Err(shape(other, typ)),
        },
        ScalarType::Jsonb => {
            let text = string(value, typ)?;
            let arena = RowArena::new();
            let datum = freshet_repr::parse_datum(&ScalarType::Jsonb, text, &arena).map_err(|err| {
                let problem = match err {
                    ReprError::UnsupportedJsonEscape { .. } | ReprError::NulCharacter => ValueProblem::Text,
                    _ => ValueProblem::Shape,
                };
                let reason = match err.detail() {
                    Some(detail) => format!("{err}: {detail}"),
                    None => err.to_string(),
                };
                (problem, reason)
            })?;
            packer.push(datum);
            return Ok(());
        }
        ScalarType::Bool
        | ScalarType::TimestampTz
        | ScalarType::Interval
        | ScalarType::Uuid
        | ScalarType::Oid
        | ScalarType::RegClass
        | ScalarType::RegType
        | ScalarType::Array(_) => {
            return Err((ValueProblem::Shape, format!("no MySQL type is copied as {typ}")));
        }
    };
    packer.push(datum);
    Ok(())
}

/// An integer column's value (or a `bit(n)` column's bytes) as `typ`.
fn integer<'a>(kind: &Kind, typ: ScalarType, value: &Value) -> Result<Datum<'a>, Problem> {
    let n: i128 = match (kind, value) {
        (Kind::Bit, Value::Bytes(bytes)) => {
            if bytes.len() > 8 {
                return Err(shape(value, typ));
            }
            bytes.iter().fold(0, |n, b| n << 8 | i128::from(*b))
        }
        (_, Value::Int(i)) => i128::from(*i),
        (_, Value::UInt(u)) => i128::from(*u),
        (_, Value::Bytes(b)) => parse_text::<i128>(b, typ)?,
        (_, other) => return Err(shape(other, typ)),
    };
    let datum = match typ {
        ScalarType::Int16 => i16::try_from(n).ok().map(Datum::Int16),
        ScalarType::Int32 => i32::try_from(n).ok().map(Datum::Int32),
        ScalarType::Int64 => i64::try_from(n).ok().map(Datum::Int64),
        ScalarType::UInt16 => u16::try_from(n).ok().map(Datum::UInt16),
        ScalarType::UInt32 => u32::try_from(n).ok().map(Datum::UInt32),
        _ => u64::try_from(n).ok().map(Datum::UInt64),
    };
    datum.ok_or_else(|| (ValueProblem::Number, format!("{typ} out of range")))
}

fn parse_text<T: FromStr>(bytes: &[u8], typ: ScalarType) -> Result<T, Problem> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| (ValueProblem::Shape, format!("invalid input for type {typ}")))
}

/// A `decimal` value, exact, with the column's scale (`10.50`).
fn numeric(value: &Value, scale: Option<u8>, typ: ScalarType) -> Result<Numeric, Problem> {
    let decimal = match value {
        Value::Bytes(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| BigDecimal::from_str(s.trim()).ok())
            .ok_or_else(|| (ValueProblem::Shape, format!("invalid input for type {typ}")))?,
        Value::Int(i) => BigDecimal::from(*i),
        Value::UInt(u) => BigDecimal::from(*u),
        other => return Err(shape(other, typ)),
    };
    let decimal = match scale {
        Some(scale) if decimal.fractional_digit_count() < i64::from(scale) => decimal.with_scale(i64::from(scale)),
        _ => decimal,
    };
    Ok(Numeric::new(decimal))
}

/// A character column's value, which must be UTF-8 without NUL characters.
fn string(value: &Value, typ: ScalarType) -> Result<&str, Problem> {
    match value {
        Value::Bytes(b) => {
            let s = std::str::from_utf8(b).map_err(|_| {
                (
                    ValueProblem::Text,
                    "invalid byte sequence for encoding \"UTF8\"".to_owned(),
                )
            })?;
            check_text(s)?;
            Ok(s)
        }
        other => Err(shape(other, typ)),
    }
}

fn check_text(s: &str) -> Result<(), Problem> {
    if s.contains('\0') {
        return Err((ValueProblem::Text, "null character not permitted".to_owned()));
    }
    Ok(())
}

fn date(y: u16, m: u8, d: u8) -> Result<NaiveDate, Problem> {
    NaiveDate::from_ymd_opt(i32::from(y), m.into(), d.into()).ok_or_else(|| {
        let reason = if y == 0 && m == 0 && d == 0 {
            "MySQL's zero date is not a date in SQL"
        } else if m == 0 || d == 0 {
            "a date with a zero month or day is not a date in SQL"
        } else {
            "invalid date"
        };
        (ValueProblem::DateTime, reason.to_owned())
    })
}

/// Appends `value` of a column of `kind` as MySQL's `SELECT` prints it in a
/// UTC session: `2024-01-02`, `2024-01-02 03:04:05.500` (the column's
/// fractional digits), `-838:59:59`, `0000`, enum labels, JSON text.
pub(super) fn mysql_text(kind: &Kind, value: &Value, out: &mut String) -> Result<(), Problem> {
    match value {
        Value::NULL => {}
        Value::Bytes(b) => out.push_str(std::str::from_utf8(b).map_err(|_| {
            (
                ValueProblem::Text,
                "invalid byte sequence for encoding \"UTF8\"".to_owned(),
            )
        })?),
        Value::Int(i) if *kind == Kind::Year => {
            let _ = write!(out, "{i:04}");
        }
        Value::UInt(u) if *kind == Kind::Year => {
            let _ = write!(out, "{u:04}");
        }
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) => {
            let _ = write!(out, "{f}");
        }
        Value::Double(d) => {
            let _ = write!(out, "{d}");
        }
        &Value::Date(y, m, d, h, mi, s, us) => {
            let _ = write!(out, "{y:04}-{m:02}-{d:02}");
            let fsp = match kind {
                Kind::Date => None,
                Kind::DateTime { fsp } | Kind::Timestamp { fsp } => Some(*fsp),
                _ => Some(if us == 0 { 0 } else { 6 }),
            };
            if let Some(fsp) = fsp {
                let _ = write!(out, " {h:02}:{mi:02}:{s:02}");
                fraction(us, fsp, out);
            }
        }
        &Value::Time(neg, days, h, m, s, us) => {
            if neg {
                out.push('-');
            }
            let hours = u64::from(days) * 24 + u64::from(h);
            let _ = write!(out, "{hours:02}:{m:02}:{s:02}");
            let fsp = match kind {
                Kind::Time { fsp } => *fsp,
                _ if us == 0 => 0,
                _ => 6,
            };
            fraction(us, fsp, out);
        }
    }
    Ok(())
}

/// Appends `.` and the first `fsp` digits of `micros` (nothing for 0).
pub(super) fn fraction(micros: u32, fsp: u8, out: &mut String) {
    if fsp == 0 {
        return;
    }
    let fsp = u32::from(fsp.min(6));
    let _ = write!(out, ".{:0width$}", micros / 10u32.pow(6 - fsp), width = fsp as usize);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(kind: Kind, value: Value) -> String {
        let mut out = String::new();
        mysql_text(&kind, &value, &mut out).expect("text");
        out
    }

    #[test]
    fn times_print_with_their_fractional_digits() {
        assert_eq!(
            text(Kind::Time { fsp: 0 }, Value::Time(true, 34, 22, 59, 59, 0)),
            "-838:59:59"
        );
        assert_eq!(
            text(Kind::Time { fsp: 2 }, Value::Time(false, 0, 12, 0, 0, 500_000)),
            "12:00:00.50"
        );
        assert_eq!(
            text(Kind::Time { fsp: 0 }, Value::Time(false, 0, 1, 2, 3, 0)),
            "01:02:03"
        );
        assert_eq!(
            text(Kind::Time { fsp: 6 }, Value::Time(false, 1, 0, 0, 0, 1)),
            "24:00:00.000001"
        );
    }

    #[test]
    fn dates_print_as_mysql_prints_them() {
        assert_eq!(text(Kind::Date, Value::Date(0, 0, 0, 0, 0, 0, 0)), "0000-00-00");
        assert_eq!(text(Kind::Date, Value::Date(2024, 1, 2, 0, 0, 0, 0)), "2024-01-02");
        assert_eq!(
            text(Kind::DateTime { fsp: 6 }, Value::Date(2024, 1, 2, 3, 4, 5, 6)),
            "2024-01-02 03:04:05.000006"
        );
        assert_eq!(
            text(Kind::Timestamp { fsp: 3 }, Value::Date(2024, 1, 2, 3, 4, 5, 120_000)),
            "2024-01-02 03:04:05.120"
        );
        assert_eq!(
            text(Kind::DateTime { fsp: 0 }, Value::Date(0, 0, 0, 0, 0, 0, 0)),
            "0000-00-00 00:00:00"
        );
        assert_eq!(text(Kind::Year, Value::Int(0)), "0000");
        assert_eq!(text(Kind::Year, Value::UInt(2024)), "2024");
    }

    fn typed(kind: Kind, typ: ScalarType, value: Value) -> Result<Vec<String>, Problem> {
        let mut row = freshet_repr::Row::default();
        let mut scratch = String::new();
        push_typed(&kind, typ, &value, &mut row.packer(), &mut scratch)?;
        Ok(row
            .iter()
            .map(|d| {
                let mut out = String::new();
                freshet_repr::format_datum(d, &typ, &mut out);
                out
            })
            .collect())
    }

    #[test]
    fn typed_values_take_their_column_types() {
        let numeric = ScalarType::Numeric {
            precision: Some(10),
            scale: Some(2),
        };
        assert_eq!(
            typed(Kind::Decimal { scale: 2 }, numeric, Value::Bytes(b"10.5".to_vec())),
            Ok(vec!["10.50".to_owned()])
        );
        assert_eq!(
            typed(
                Kind::Char { length: 5 },
                ScalarType::Char { length: 5 },
                Value::Bytes(b"ab".to_vec())
            ),
            Ok(vec!["ab   ".to_owned()])
        );
        assert_eq!(
            typed(Kind::Bit, ScalarType::UInt64, Value::Bytes(vec![1, 0])),
            Ok(vec!["256".to_owned()])
        );
        assert_eq!(
            typed(
                Kind::Json,
                ScalarType::Jsonb,
                Value::Bytes(br#"{"b": [1, 2.50], "aa": null}"#.to_vec())
            ),
            Ok(vec![r#"{"b": [1, 2.50], "aa": null}"#.to_owned()])
        );
    }

    #[test]
    fn values_the_type_cannot_hold_are_refused() {
        let err = |kind, typ, value| typed(kind, typ, value).map(|_| ()).expect_err("refused").0;
        assert_eq!(
            err(
                Kind::Time { fsp: 0 },
                ScalarType::Time,
                Value::Time(false, 1, 0, 0, 0, 0)
            ),
            ValueProblem::DateTime
        );
        assert_eq!(
            err(
                Kind::Time { fsp: 0 },
                ScalarType::Time,
                Value::Time(true, 0, 1, 0, 0, 0)
            ),
            ValueProblem::DateTime
        );
        assert_eq!(
            err(Kind::Date, ScalarType::Date, Value::Date(0, 0, 0, 0, 0, 0, 0)),
            ValueProblem::DateTime
        );
        assert_eq!(
            err(Kind::Date, ScalarType::Date, Value::Date(2024, 0, 10, 0, 0, 0, 0)),
            ValueProblem::DateTime
        );
        assert_eq!(
            err(
                Kind::Int {
                    bytes: 8,
                    unsigned: true
                },
                ScalarType::UInt16,
                Value::UInt(70_000)
            ),
            ValueProblem::Number
        );
        assert_eq!(
            err(Kind::Text, ScalarType::Text, Value::Bytes(b"a\0b".to_vec())),
            ValueProblem::Text
        );
    }
}
