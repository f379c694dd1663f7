//! Conversions between types.

use bigdecimal::num_bigint::BigInt;
use chrono::{NaiveTime, Timelike};
use freshet_repr::{Datum, Interval, Numeric, RowArena, ScalarType, format_datum, parse_datum};
use serde::{Deserialize, Serialize};

use super::numeric;
use crate::EvalError;

/// A conversion of a value from one type to another.
///
/// Which conversions the language allows, and where (implicitly, on
/// assignment, only explicitly), is the planner's business; this knows how to
/// perform each one it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CastFunc {
    /// The input type.
    pub from: ScalarType,
    /// The output type, modifiers included.
    pub to: ScalarType,
    /// Whether the cast was written explicitly: an explicit cast to
    /// `varchar(n)` or `char(n)` truncates, an assignment raises an error.
    pub explicit: bool,
}

/// How a value is held while converting between numeric types.
enum Number {
    Int(i128),
    Float(f64),
    Float32(f32),
    Decimal(Numeric),
}

fn is_integer(t: &ScalarType) -> bool {
    matches!(
        t,
        ScalarType::Int16
            | ScalarType::Int32
            | ScalarType::Int64
            | ScalarType::UInt16
            | ScalarType::UInt32
            | ScalarType::UInt64
    )
}

fn is_datetime(t: &ScalarType) -> bool {
    matches!(
        t,
        ScalarType::Date | ScalarType::Time | ScalarType::Timestamp | ScalarType::TimestampTz | ScalarType::Interval
    )
}

impl CastFunc {
    /// The conversion from `from` to `to`, if one exists.
    pub fn new(from: ScalarType, to: ScalarType, explicit: bool) -> Option<CastFunc> {
        let supported = from.is_string()
            || to.is_string()
            || (from.is_numeric() && to.is_numeric())
            || matches!(
                (&from, &to),
                (ScalarType::Bool, ScalarType::Int32) | (ScalarType::Int32, ScalarType::Bool)
            )
            || (is_datetime(&from) && is_datetime(&to) && datetime_pair(&from, &to))
            || (from.is_oid() && (to.is_oid() || is_integer(&to)))
            || (to.is_oid() && is_integer(&from));
        supported.then_some(CastFunc { from, to, explicit })
    }

    /// Converts one non-null datum.
    pub fn eval<'a>(&self, d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        if self.to.is_string() {
            return self.cast_to_string(d, arena);
        }
        if self.from.is_string() {
            let s = d.unwrap_str();
            let parsed = parse_datum(&self.to.without_modifiers(), s, arena)?;
            return self.apply_typmod(parsed, arena);
        }
        if self.from.is_oid() || self.to.is_oid() {
            return self.cast_oid(d);
        }
        if self.from.is_numeric() && self.to.is_numeric() {
            let number = match d {
                Datum::Int16(v) => Number::Int(v.into()),
                Datum::Int32(v) => Number::Int(v.into()),
                Datum::Int64(v) => Number::Int(v.into()),
                Datum::UInt16(v) => Number::Int(v.into()),
                Datum::UInt32(v) => Number::Int(v.into()),
                Datum::UInt64(v) => Number::Int(v.into()),
                Datum::Float32(v) => Number::Float32(v),
                Datum::Float64(v) => Number::Float(v),
                Datum::Numeric(n) => Number::Decimal(n.to_numeric()),
                other => panic!("numeric cast applied to {other:?}"),
            };
            return self.cast_number(number, arena);
        }
        match (d, &self.to) {
            (Datum::True, ScalarType::Int32) => Ok(Datum::Int32(1)),
            (Datum::False, ScalarType::Int32) => Ok(Datum::Int32(0)),
            (Datum::Int32(v), ScalarType::Bool) => Ok(Datum::from_bool(v != 0)),
            (d, _) => cast_datetime(d, &self.to),
        }
    }

    fn cast_to_string<'a>(&self, d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        let text: &'a str = match (d, &self.from) {
            (Datum::String(s), ScalarType::Char { .. }) if !matches!(self.to, ScalarType::Char { .. }) => {
                s.trim_end_matches(' ')
            }
            (Datum::String(s), _) => s,
            // A boolean's text is `true`/`false`, though its output form is `t`/`f`.
            (Datum::True, _) => "true",
            (Datum::False, _) => "false",
            (d, from) => {
                let mut buf = String::new();
                format_datum(d, from, &mut buf);
                arena.push_string(&buf)
            }
        };
        let text = match self.to {
            ScalarType::VarChar { max_length: Some(n) } => self.limit_length(text, n, "character varying")?,
            ScalarType::Char { length } => {
                let text = self.limit_length(text, length, "character")?;
                let chars = text.chars().count();
                let n = usize::try_from(length).unwrap_or(usize::MAX);
                if chars < n {
                    let mut padded = String::with_capacity(text.len() + n - chars);
                    padded.push_str(text);
                    padded.extend(std::iter::repeat_n(' ', n - chars));
                    arena.push_string(&padded)
                } else {
                    text
                }
            }
            _ => text,
        };
        Ok(Datum::String(text))
    }

    /// Cuts `text` to `length` characters: silently when explicit, otherwise
    /// only if what is cut is spaces (PostgreSQL's rule).
    fn limit_length<'a>(&self, text: &'a str, length: u32, type_name: &str) -> Result<&'a str, EvalError> {
        let n = usize::try_from(length).unwrap_or(usize::MAX);
        match text.char_indices().nth(n) {
            None => Ok(text),
            Some((cut, _)) => {
                if self.explicit || text[cut..].chars().all(|c| c == ' ') {
                    Ok(&text[..cut])
                } else {
                    Err(EvalError::StringTooLong {
                        type_name: type_name.to_owned(),
                        length,
                    })
                }
            }
        }
    }

    fn apply_typmod<'a>(&self, d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        match (d, self.to) {
            (
                Datum::Numeric(n),
                ScalarType::Numeric {
                    precision: Some(p),
                    scale,
                },
            ) => {
                let n = numeric::apply_typmod(&n.to_numeric(), p, scale.unwrap_or(0))?;
                Ok(arena.push_numeric(&n))
            }
            (d, _) => Ok(d),
        }
    }

    /// Between object identifiers and integers: an `integer` down to
    /// -2147483648 wraps around into an `oid` and back, as in PostgreSQL.
    fn cast_oid<'a>(&self, d: Datum<'a>) -> Result<Datum<'a>, EvalError> {
        let out_of_range = || EvalError::IntegerOutOfRange(self.to.name().to_owned());
        let value: i128 = match d {
            Datum::Int16(v) => v.into(),
            Datum::Int32(v) => v.into(),
            Datum::Int64(v) => v.into(),
            Datum::UInt16(v) => v.into(),
            Datum::UInt32(v) => v.into(),
            Datum::UInt64(v) => v.into(),
            other => panic!("oid cast applied to {other:?}"),
        };
        if self.to.is_oid() {
            return match u32::try_from(value) {
                Ok(v) => Ok(Datum::UInt32(v)),
                Err(_) => i32::try_from(value)
                    .map(|v| Datum::UInt32(v.cast_unsigned()))
                    .map_err(|_| out_of_range()),
            };
        }
        match self.to {
            ScalarType::Int32 if self.from.is_oid() => Ok(Datum::Int32(
                u32::try_from(value).map_err(|_| out_of_range())?.cast_signed(),
            )),
            _ => self.integer(value),
        }
    }

    /// `value` as the integer type cast to, or out of range.
    fn integer(&self, value: i128) -> Result<Datum<'static>, EvalError> {
        let out_of_range = || EvalError::IntegerOutOfRange(self.to.name().to_owned());
        Ok(match self.to {
            ScalarType::Int16 => Datum::Int16(value.try_into().map_err(|_| out_of_range())?),
            ScalarType::Int32 => Datum::Int32(value.try_into().map_err(|_| out_of_range())?),
            ScalarType::Int64 => Datum::Int64(value.try_into().map_err(|_| out_of_range())?),
            ScalarType::UInt16 => Datum::UInt16(value.try_into().map_err(|_| out_of_range())?),
            ScalarType::UInt32 => Datum::UInt32(value.try_into().map_err(|_| out_of_range())?),
            _ => Datum::UInt64(value.try_into().map_err(|_| out_of_range())?),
        })
    }

    fn cast_number<'a>(&self, number: Number, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        let out_of_range = || EvalError::IntegerOutOfRange(self.to.name().to_owned());
        if is_integer(&self.to) {
            let value: i128 = match number {
                Number::Int(i) => i,
                Number::Float32(f) => float_to_int(f64::from(f)).ok_or_else(out_of_range)?,
                Number::Float(f) => float_to_int(f).ok_or_else(out_of_range)?,
                Number::Decimal(n) => {
                    let rounded: BigInt = numeric::round_to_integer(&n);
                    i128::try_from(rounded).map_err(|_| out_of_range())?
                }
            };
            return self.integer(value);
        }
        match self.to {
            ScalarType::Float32 => {
                let value = match number {
                    Number::Int(i) => i as f32,
                    Number::Float32(f) => f,
                    Number::Float(f) => narrow_float(f)?,
                    Number::Decimal(n) => narrow_float(numeric::to_f64(&n))?,
                };
                Ok(Datum::Float32(value))
            }
            ScalarType::Float64 => {
                let value = match number {
                    Number::Int(i) => i as f64,
                    Number::Float32(f) => f64::from(f),
                    Number::Float(f) => f,
                    Number::Decimal(n) => {
                        let f = numeric::to_f64(&n);
                        if f.is_infinite() {
                            return Err(EvalError::FloatOutOfRange("overflow".into()));
                        }
                        f
                    }
                };
                Ok(Datum::Float64(value))
            }
            _ => {
                let value = match number {
                    Number::Int(i) => Numeric::from_parts(BigInt::from(i), 0),
                    Number::Float32(f) => numeric::from_float(f64::from(f), 6)?,
                    Number::Float(f) => numeric::from_float(f, 15)?,
                    Number::Decimal(n) => n,
                };
                let datum = arena.push_numeric(&value);
                self.apply_typmod(datum, arena)
            }
        }
    }
}

/// Rounds a float to the nearest integer, ties to even (PostgreSQL's
/// `rint`); `None` for NaN, infinities and values beyond `i128`.
fn float_to_int(f: f64) -> Option<i128> {
    let r = f.round_ties_even();
    if !r.is_finite() || r.abs() >= 1.7e38 {
        return None;
    }
    Some(r as i128)
}

fn narrow_float(f: f64) -> Result<f32, EvalError> {
    let narrowed = f as f32;
    if narrowed.is_infinite() && f.is_finite() {
        return Err(EvalError::FloatOutOfRange("overflow".into()));
    }
    if narrowed == 0.0 && f != 0.0 {
        return Err(EvalError::FloatOutOfRange("underflow".into()));
    }
    Ok(narrowed)
}

fn datetime_pair(from: &ScalarType, to: &ScalarType) -> bool {
    use ScalarType::*;
    matches!(
        (from, to),
        (Date, Timestamp | TimestampTz)
            | (Timestamp, Date | TimestampTz | Time)
            | (TimestampTz, Date | Timestamp | Time)
            | (Time, Interval)
            | (Interval, Time)
    )
}

fn cast_datetime<'a>(d: Datum<'a>, to: &ScalarType) -> Result<Datum<'a>, EvalError> {
    let micros_in_day =
        |t: NaiveTime| i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1_000);
    Ok(match (d, to) {
        (Datum::Date(d), ScalarType::Timestamp) => Datum::Timestamp(d.and_time(NaiveTime::MIN)),
        (Datum::Date(d), ScalarType::TimestampTz) => Datum::TimestampTz(d.and_time(NaiveTime::MIN).and_utc()),
        (Datum::Timestamp(ts), ScalarType::Date) => Datum::Date(ts.date()),
        (Datum::Timestamp(ts), ScalarType::TimestampTz) => Datum::TimestampTz(ts.and_utc()),
        (Datum::Timestamp(ts), ScalarType::Time) => Datum::Time(ts.time()),
        (Datum::TimestampTz(ts), ScalarType::Date) => Datum::Date(ts.date_naive()),
        (Datum::TimestampTz(ts), ScalarType::Timestamp) => Datum::Timestamp(ts.naive_utc()),
        (Datum::TimestampTz(ts), ScalarType::Time) => Datum::Time(ts.time()),
        (Datum::Time(t), ScalarType::Interval) => Datum::Interval(Interval::new(0, 0, micros_in_day(t))),
        (Datum::Interval(iv), ScalarType::Time) => {
            let day = 86_400_000_000i64;
            let micros = iv.micros.rem_euclid(day);
            let secs = u32::try_from(micros / 1_000_000).unwrap_or(0);
            let nanos = u32::try_from(micros % 1_000_000).unwrap_or(0) * 1_000;
            Datum::Time(NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).unwrap_or(NaiveTime::MIN))
        }
        (d, to) => panic!("no cast of {d:?} to {to}"),
    })
}
