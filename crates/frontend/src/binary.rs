//! The binary format of values on the wire (PostgreSQL's `send`/`recv`
//! functions): for result columns a client asks in binary and for
//! parameters it sends in binary.
//!
//! Integers and floats are big-endian; `date` counts days and `time`,
//! `timestamp` and `timestamptz` count microseconds from 2000-01-01 (UTC);
//! `interval` is microseconds, days, months; `numeric` is base-10000 digits
//! with a weight, sign and display scale; `jsonb` is a version byte (1)
//! before its text; `uuid` its 16 bytes; strings and `bytea` their bytes.
//! Materialize's `uint2`/`uint4`/`uint8` are big-endian unsigned integers.

use std::fmt::Write;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use freshet_repr::{ArrayRef, Datum, Interval, ReprError, RowArena, ScalarType, format_datum, parse_datum};

/// `numeric`'s sign word for a positive number (and zero).
const NUMERIC_POS: u16 = 0x0000;
/// `numeric`'s sign word for a negative number.
const NUMERIC_NEG: u16 = 0x4000;
/// The decimal digits in one of `numeric`'s base-10000 digits.
const DEC_DIGITS: usize = 4;
/// The version byte before a binary `jsonb` value.
const JSONB_VERSION: u8 = 1;

/// Why a binary value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The bytes do not have the type's binary layout (PostgreSQL's
    /// "insufficient data left in message" and similar).
    Malformed,
    /// The bytes are laid out right, but the value is invalid for the type.
    Invalid(ReprError),
    /// A string that is not UTF-8.
    NotUtf8,
}

/// 2000-01-01, the epoch of PostgreSQL's binary dates and times.
fn pg_epoch_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

fn pg_epoch() -> NaiveDateTime {
    pg_epoch_date().and_time(NaiveTime::MIN)
}

/// Appends the binary form of `datum`, a non-null value of `typ`, to `buf`.
pub(crate) fn encode(datum: Datum<'_>, typ: &ScalarType, buf: &mut Vec<u8>) {
    match datum {
        Datum::Null => {}
        Datum::False => buf.push(0),
        Datum::True => buf.push(1),
        Datum::Int16(i) => buf.extend_from_slice(&i.to_be_bytes()),
        Datum::Int32(i) => buf.extend_from_slice(&i.to_be_bytes()),
        Datum::Int64(i) => buf.extend_from_slice(&i.to_be_bytes()),
        Datum::UInt16(i) => buf.extend_from_slice(&i.to_be_bytes()),
        Datum::UInt32(i) => buf.extend_from_slice(&i.to_be_bytes()),
        Datum::UInt64(i) => buf.extend_from_slice(&i.to_be_bytes()),
        Datum::Float32(f) => buf.extend_from_slice(&f.to_bits().to_be_bytes()),
        Datum::Float64(f) => buf.extend_from_slice(&f.to_bits().to_be_bytes()),
        Datum::Numeric(_) => {
            let mut text = String::new();
            format_datum(datum, typ, &mut text);
            encode_numeric(&text, buf);
        }
        Datum::String(s) => buf.extend_from_slice(s.as_bytes()),
        Datum::Bytes(b) => buf.extend_from_slice(b),
        Datum::Date(d) => {
            let days = (d - pg_epoch_date()).num_days();
            buf.extend_from_slice(&saturate_i32(days).to_be_bytes());
        }
        Datum::Time(t) => {
            let micros = i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1_000);
            buf.extend_from_slice(&micros.to_be_bytes());
        }
        Datum::Timestamp(ts) => encode_timestamp(ts, buf),
        Datum::TimestampTz(ts) => encode_timestamp(ts.naive_utc(), buf),
        Datum::Interval(i) => {
            buf.extend_from_slice(&i.micros.to_be_bytes());
            buf.extend_from_slice(&i.days.to_be_bytes());
            buf.extend_from_slice(&i.months.to_be_bytes());
        }
        Datum::Jsonb(text) => {
            buf.push(JSONB_VERSION);
            buf.extend_from_slice(text.as_bytes());
        }
        Datum::Uuid(u) => buf.extend_from_slice(u.as_bytes()),
        Datum::Array(array) => encode_array(array, typ, buf),
    }
}

/// PostgreSQL's binary array: dimensions, a has-nulls flag, the element
/// type's OID, each dimension's length and lower bound (1), then each
/// element as a length (-1 for `NULL`) and its binary form.
fn encode_array(array: ArrayRef<'_>, typ: &ScalarType, buf: &mut Vec<u8>) {
    let element = match typ {
        ScalarType::Array(element) => element.scalar_type(),
        _ => ScalarType::Text,
    };
    let count = array.len();
    let has_nulls = array.elements().any(|d| d.is_null());
    buf.extend_from_slice(&i32::from(count > 0).to_be_bytes());
    buf.extend_from_slice(&i32::from(has_nulls).to_be_bytes());
    buf.extend_from_slice(&crate::types::pg_type(&element).oid().to_be_bytes());
    if count > 0 {
        buf.extend_from_slice(&saturate_i32(i64::try_from(count).unwrap_or(i64::MAX)).to_be_bytes());
        buf.extend_from_slice(&1_i32.to_be_bytes());
    }
    for datum in array.elements() {
        if datum.is_null() {
            buf.extend_from_slice(&(-1_i32).to_be_bytes());
            continue;
        }
        let mut bytes = Vec::new();
        encode(datum, &element, &mut bytes);
        buf.extend_from_slice(&saturate_i32(i64::try_from(bytes.len()).unwrap_or(i64::MAX)).to_be_bytes());
        buf.extend_from_slice(&bytes);
    }
}

/// Reads PostgreSQL's binary form of a one-dimensional array of `element`s.
fn decode_array<'a>(element: &ScalarType, bytes: &[u8], arena: &'a RowArena) -> Result<Datum<'a>, DecodeError> {
    let mut rest = bytes;
    let next_i32 = |rest: &mut &[u8]| -> Result<i32, DecodeError> {
        let (head, tail) = rest.split_first_chunk::<4>().ok_or(DecodeError::Malformed)?;
        *rest = tail;
        Ok(i32::from_be_bytes(*head))
    };
    let dims = next_i32(&mut rest)?;
    let _has_nulls = next_i32(&mut rest)?;
    let _element_oid = next_i32(&mut rest)?;
    let count = match dims {
        0 => 0,
        1 => {
            let count = next_i32(&mut rest)?;
            let _lower_bound = next_i32(&mut rest)?;
            usize::try_from(count).map_err(|_| DecodeError::Malformed)?
        }
        _ => return Err(DecodeError::Malformed),
    };
    let mut datums = Vec::with_capacity(count);
    for _ in 0..count {
        let len = next_i32(&mut rest)?;
        if len < 0 {
            datums.push(Datum::Null);
            continue;
        }
        let len = usize::try_from(len).map_err(|_| DecodeError::Malformed)?;
        if rest.len() < len {
            return Err(DecodeError::Malformed);
        }
        let (value, tail) = rest.split_at(len);
        rest = tail;
        datums.push(decode(element, value, arena)?);
    }
    if !rest.is_empty() {
        return Err(DecodeError::Malformed);
    }
    Ok(arena.push_array(datums))
}

fn saturate_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX })
}

fn encode_timestamp(ts: NaiveDateTime, buf: &mut Vec<u8>) {
    let micros = (ts - pg_epoch()).num_microseconds().unwrap_or(i64::MAX);
    buf.extend_from_slice(&micros.to_be_bytes());
}

/// The binary `numeric` for its text form (`-12.340`): digits in base
/// 10000, the weight of the first, the sign and the display scale.
fn encode_numeric(text: &str, buf: &mut Vec<u8>) {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    let int_part = int_part.trim_start_matches('0');
    let dscale = frac_part.len();
    // Pad the integer digits on the left and the fraction on the right to
    // whole base-10000 digits.
    let int_pad = (DEC_DIGITS - int_part.len() % DEC_DIGITS) % DEC_DIGITS;
    let frac_pad = (DEC_DIGITS - frac_part.len() % DEC_DIGITS) % DEC_DIGITS;
    let padded: String = "0".repeat(int_pad) + int_part + frac_part + &"0".repeat(frac_pad);
    let mut groups: Vec<i16> = padded
        .as_bytes()
        .chunks(DEC_DIGITS)
        .map(|chunk| chunk.iter().fold(0i16, |n, d| n * 10 + i16::from(d - b'0')))
        .collect();
    let int_groups = (int_part.len() + int_pad) / DEC_DIGITS;
    let mut weight = i64::try_from(int_groups).unwrap_or(0) - 1;
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= i64::try_from(leading).unwrap_or(0);
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let sign = if negative && !groups.is_empty() {
        NUMERIC_NEG
    } else {
        NUMERIC_POS
    };
    if groups.is_empty() {
        weight = 0;
    }
    let word = |n: i64| i16::try_from(n).unwrap_or(i16::MAX);
    buf.extend_from_slice(&word(i64::try_from(groups.len()).unwrap_or(0)).to_be_bytes());
    buf.extend_from_slice(&word(weight).to_be_bytes());
    buf.extend_from_slice(&sign.to_be_bytes());
    buf.extend_from_slice(&word(i64::try_from(dscale).unwrap_or(0)).to_be_bytes());
    for group in groups {
        buf.extend_from_slice(&group.to_be_bytes());
    }
}

/// Reads `N` bytes, all of `bytes`.
fn exact<const N: usize>(bytes: &[u8]) -> Result<[u8; N], DecodeError> {
    bytes.try_into().map_err(|_| DecodeError::Malformed)
}

fn utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|_| DecodeError::NotUtf8)
}

/// Reads a binary value of `typ`, allocating in `arena` what it owns.
pub(crate) fn decode<'a>(typ: &ScalarType, bytes: &[u8], arena: &'a RowArena) -> Result<Datum<'a>, DecodeError> {
    let datum = match typ {
        ScalarType::Bool => match exact::<1>(bytes)? {
            [0] => Datum::False,
            [_] => Datum::True,
        },
        ScalarType::Int16 => Datum::Int16(i16::from_be_bytes(exact(bytes)?)),
        ScalarType::Int32 => Datum::Int32(i32::from_be_bytes(exact(bytes)?)),
        ScalarType::Int64 => Datum::Int64(i64::from_be_bytes(exact(bytes)?)),
        ScalarType::UInt16 => Datum::UInt16(u16::from_be_bytes(exact(bytes)?)),
        ScalarType::UInt32 | ScalarType::Oid | ScalarType::RegClass | ScalarType::RegType => {
            Datum::UInt32(u32::from_be_bytes(exact(bytes)?))
        }
        ScalarType::UInt64 => Datum::UInt64(u64::from_be_bytes(exact(bytes)?)),
        ScalarType::Float32 => Datum::Float32(f32::from_bits(u32::from_be_bytes(exact(bytes)?))),
        ScalarType::Float64 => Datum::Float64(f64::from_bits(u64::from_be_bytes(exact(bytes)?))),
        ScalarType::Numeric { .. } => {
            let text = decode_numeric(bytes)?;
            parse_datum(typ, &text, arena).map_err(DecodeError::Invalid)?
        }
        ScalarType::Text | ScalarType::VarChar { .. } | ScalarType::Char { .. } => {
            parse_datum(typ, utf8(bytes)?, arena).map_err(DecodeError::Invalid)?
        }
        ScalarType::Bytes => Datum::Bytes(arena.push_bytes(bytes)),
        ScalarType::Date => {
            let days = i32::from_be_bytes(exact(bytes)?);
            let date = pg_epoch_date()
                .checked_add_signed(Duration::days(i64::from(days)))
                .ok_or(DecodeError::Malformed)?;
            Datum::Date(date)
        }
        ScalarType::Time => {
            let micros = i64::from_be_bytes(exact(bytes)?);
            let secs = u32::try_from(micros.div_euclid(1_000_000)).map_err(|_| DecodeError::Malformed)?;
            let nanos = u32::try_from(micros.rem_euclid(1_000_000) * 1_000).map_err(|_| DecodeError::Malformed)?;
            Datum::Time(NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).ok_or(DecodeError::Malformed)?)
        }
        ScalarType::Timestamp => Datum::Timestamp(decode_timestamp(bytes)?),
        ScalarType::TimestampTz => Datum::TimestampTz(DateTime::from_naive_utc_and_offset(
            decode_timestamp(bytes)?,
            chrono::Utc,
        )),
        ScalarType::Interval => {
            let bytes: [u8; 16] = exact(bytes)?;
            let (micros, rest) = bytes.split_at(8);
            let (days, months) = rest.split_at(4);
            Datum::Interval(Interval {
                micros: i64::from_be_bytes(exact(micros)?),
                days: i32::from_be_bytes(exact(days)?),
                months: i32::from_be_bytes(exact(months)?),
            })
        }
        ScalarType::Jsonb => match bytes.split_first() {
            Some((&JSONB_VERSION, text)) => parse_datum(typ, utf8(text)?, arena).map_err(DecodeError::Invalid)?,
            _ => return Err(DecodeError::Malformed),
        },
        ScalarType::Uuid => Datum::Uuid(uuid::Uuid::from_bytes(exact(bytes)?)),
        ScalarType::Array(element) => decode_array(&element.scalar_type(), bytes, arena)?,
    };
    Ok(datum)
}

fn decode_timestamp(bytes: &[u8]) -> Result<NaiveDateTime, DecodeError> {
    let micros = i64::from_be_bytes(exact(bytes)?);
    pg_epoch()
        .checked_add_signed(Duration::microseconds(micros))
        .ok_or(DecodeError::Malformed)
}

/// The text form of a binary `numeric`.
fn decode_numeric(bytes: &[u8]) -> Result<String, DecodeError> {
    let word = |i: usize| -> Result<i16, DecodeError> {
        let pair = bytes.get(i * 2..i * 2 + 2).ok_or(DecodeError::Malformed)?;
        Ok(i16::from_be_bytes(exact(pair)?))
    };
    let ndigits = usize::try_from(word(0)?).map_err(|_| DecodeError::Malformed)?;
    let weight = i64::from(word(1)?);
    let sign = u16::from_be_bytes(word(2)?.to_be_bytes());
    let dscale = usize::try_from(word(3)?).map_err(|_| DecodeError::Malformed)?;
    if bytes.len() != 8 + ndigits * 2 {
        return Err(DecodeError::Malformed);
    }
    let mut digits = Vec::with_capacity(ndigits);
    for i in 0..ndigits {
        let digit = word(4 + i)?;
        if !(0..10_000).contains(&i64::from(digit)) {
            return Err(DecodeError::Malformed);
        }
        digits.push(i64::from(digit));
    }
    let text = match sign {
        NUMERIC_POS | NUMERIC_NEG => {
            // The base-10000 digit of weight `w` (10000^w).
            let digit_at = |w: i64| -> i64 {
                usize::try_from(weight - w)
                    .ok()
                    .and_then(|i| digits.get(i).copied())
                    .unwrap_or(0)
            };
            let mut text = String::new();
            if sign == NUMERIC_NEG {
                text.push('-');
            }
            let mut int = String::new();
            for w in (0..=weight.max(0)).rev() {
                let d = digit_at(w);
                if int.is_empty() {
                    if d != 0 || w == 0 {
                        let _ = write!(int, "{d}");
                    }
                } else {
                    let _ = write!(int, "{d:04}");
                }
            }
            text.push_str(&int);
            if dscale > 0 {
                let mut frac = String::new();
                let groups = dscale.div_ceil(DEC_DIGITS);
                for k in 1..=groups {
                    let _ = write!(frac, "{:04}", digit_at(-i64::try_from(k).unwrap_or(0)));
                }
                frac.truncate(dscale);
                text.push('.');
                text.push_str(&frac);
            }
            text
        }
        // NaN and the infinities, which Freshet's `numeric` refuses.
        0xC000 => "NaN".to_owned(),
        0xD000 => "Infinity".to_owned(),
        0xF000 => "-Infinity".to_owned(),
        _ => return Err(DecodeError::Malformed),
    };
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes a value parsed from `text`, decodes it, and formats it again.
    fn round_trip(typ: ScalarType, text: &str) -> String {
        let arena = RowArena::new();
        let datum = parse_datum(&typ, text, &arena).expect("parses");
        let mut buf = Vec::new();
        encode(datum, &typ, &mut buf);
        let decoded = decode(&typ, &buf, &arena).expect("decodes");
        assert_eq!(decoded, datum, "{typ} {text}");
        let mut out = String::new();
        format_datum(decoded, &typ, &mut out);
        out
    }

    #[test]
    fn every_type_round_trips() {
        let cases = [
            (ScalarType::Bool, "t"),
            (ScalarType::Int16, "-32768"),
            (ScalarType::Int32, "2147483647"),
            (ScalarType::Int64, "-9223372036854775808"),
            (ScalarType::UInt16, "65535"),
            (ScalarType::UInt32, "4294967295"),
            (ScalarType::UInt64, "18446744073709551615"),
            (ScalarType::Float32, "1.5"),
            (ScalarType::Float64, "-0.1"),
            (ScalarType::numeric(), "0"),
            (ScalarType::numeric(), "123.4500"),
            (ScalarType::numeric(), "-0.00001"),
            (ScalarType::numeric(), "100000000"),
            (ScalarType::numeric(), "12345678901234567890.123456789"),
            (ScalarType::Text, "héllo"),
            (ScalarType::Char { length: 3 }, "ab "),
            (ScalarType::Bytes, "\\x00ff10"),
            (ScalarType::Date, "1999-12-31"),
            (ScalarType::Date, "2024-02-29"),
            (ScalarType::Time, "23:59:59.999999"),
            (ScalarType::Timestamp, "1970-01-01 00:00:00.5"),
            (ScalarType::TimestampTz, "2024-06-01 12:00:00+00"),
            (ScalarType::Interval, "1 year 2 mons 3 days 04:05:06.7"),
            (ScalarType::Interval, "-1 days"),
            (ScalarType::Jsonb, "{\"a\": [1, 2]}"),
            (ScalarType::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            (ScalarType::Oid, "4294967295"),
            (ScalarType::Array(freshet_repr::ElementType::Text), r#"{a,NULL,"b c"}"#),
            (ScalarType::Array(freshet_repr::ElementType::Oid), "{}"),
        ];
        for (typ, text) in cases {
            let arena = RowArena::new();
            let mut expected = String::new();
            format_datum(parse_datum(&typ, text, &arena).expect("parses"), &typ, &mut expected);
            assert_eq!(round_trip(typ, text), expected, "{typ}");
        }
    }

    /// Bytes as PostgreSQL's `send` functions write them.
    #[test]
    fn layouts_match_postgres() {
        let arena = RowArena::new();
        let bytes = |typ: ScalarType, text: &str| {
            let mut buf = Vec::new();
            encode(parse_datum(&typ, text, &arena).expect("parses"), &typ, &mut buf);
            buf
        };
        assert_eq!(bytes(ScalarType::Int32, "-2"), [0xff, 0xff, 0xff, 0xfe]);
        assert_eq!(bytes(ScalarType::Date, "2000-01-02"), [0, 0, 0, 1]);
        assert_eq!(
            bytes(ScalarType::Timestamp, "2000-01-01 00:00:01"),
            1_000_000i64.to_be_bytes()
        );
        // numeric 1234.5: ndigits 2, weight 0, positive, dscale 1, 1234, 5000.
        assert_eq!(
            bytes(ScalarType::numeric(), "1234.5"),
            [0, 2, 0, 0, 0, 0, 0, 1, 0x04, 0xd2, 0x13, 0x88]
        );
        // -0.01: ndigits 1, weight -1, negative, dscale 2, 100.
        assert_eq!(
            bytes(ScalarType::numeric(), "-0.01"),
            [0, 1, 0xff, 0xff, 0x40, 0, 0, 2, 0, 100]
        );
        assert_eq!(bytes(ScalarType::Jsonb, "1")[0], 1);
        // int2[] {7,NULL}: 1 dimension, has nulls, element type 21, 2
        // elements from 1, then 7 in 2 bytes and a NULL.
        assert_eq!(
            bytes(ScalarType::Array(freshet_repr::ElementType::Int16), "{7,NULL}"),
            [
                0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 21, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 7, 0xff, 0xff, 0xff, 0xff
            ]
        );
    }

    #[test]
    fn malformed_values_are_refused() {
        let arena = RowArena::new();
        assert_eq!(decode(&ScalarType::Int32, &[0, 1], &arena), Err(DecodeError::Malformed));
        assert_eq!(decode(&ScalarType::Text, &[0xff], &arena), Err(DecodeError::NotUtf8));
        assert_eq!(decode(&ScalarType::Jsonb, b"{}", &arena), Err(DecodeError::Malformed));
        assert_eq!(
            decode(&ScalarType::numeric(), &[0, 1, 0, 0], &arena),
            Err(DecodeError::Malformed)
        );
        assert!(matches!(
            decode(&ScalarType::numeric(), &[0, 0, 0, 0, 0xc0, 0, 0, 0], &arena),
            Err(DecodeError::Invalid(_))
        ));
    }
}
