//! `smallint`, `integer`, `bigint` and the unsigned `uint2`, `uint4`,
//! `uint8`.
//!
//! Input follows PostgreSQL 16's `pg_strtoint*`: surrounding whitespace, an
//! optional sign, decimal digits or a `0x`/`0o`/`0b` prefix, and underscores
//! between digits. Like PostgreSQL, a value is reported out of range as soon
//! as accumulating its digits overflows, even if garbage follows.

use std::fmt::{Display, Write};

use super::scan::is_space;
use crate::ReprError;

/// Parses a `smallint`.
pub(super) fn parse_int16(s: &str) -> Result<i16, ReprError> {
    let v = parse_integer(s, "smallint", Bounds::signed(i16::MIN.into(), i16::MAX.into()))?;
    i16::try_from(v).map_err(|_| out_of_range(s, "smallint"))
}

/// Parses an `integer`.
pub(super) fn parse_int32(s: &str) -> Result<i32, ReprError> {
    let v = parse_integer(s, "integer", Bounds::signed(i32::MIN.into(), i32::MAX.into()))?;
    i32::try_from(v).map_err(|_| out_of_range(s, "integer"))
}

/// Parses a `bigint`.
pub(super) fn parse_int64(s: &str) -> Result<i64, ReprError> {
    let v = parse_integer(s, "bigint", Bounds::signed(i64::MIN.into(), i64::MAX.into()))?;
    i64::try_from(v).map_err(|_| out_of_range(s, "bigint"))
}

/// Parses a `uint2`.
pub(super) fn parse_uint16(s: &str) -> Result<u16, ReprError> {
    let v = parse_integer(s, "uint2", Bounds::unsigned(u16::MAX.into()))?;
    u16::try_from(v).map_err(|_| out_of_range(s, "uint2"))
}

/// Parses a `uint4`.
pub(super) fn parse_uint32(s: &str) -> Result<u32, ReprError> {
    let v = parse_integer(s, "uint4", Bounds::unsigned(u32::MAX.into()))?;
    u32::try_from(v).map_err(|_| out_of_range(s, "uint4"))
}

/// Parses an `oid`: an unsigned 32-bit number, where a negative one down
/// to -2147483648 wraps around as PostgreSQL's `oidin` does.
pub(super) fn parse_oid(s: &str) -> Result<u32, ReprError> {
    let v = parse_integer(s, "oid", Bounds::signed(i32::MIN.into(), u32::MAX.into()))?;
    match u32::try_from(v) {
        Ok(v) => Ok(v),
        Err(_) => i32::try_from(v)
            .map(i32::cast_unsigned)
            .map_err(|_| out_of_range(s, "oid")),
    }
}

/// Parses a `uint8`.
pub(super) fn parse_uint64(s: &str) -> Result<u64, ReprError> {
    let v = parse_integer(s, "uint8", Bounds::unsigned(u64::MAX.into()))?;
    u64::try_from(v).map_err(|_| out_of_range(s, "uint8"))
}

/// Appends an integer in decimal.
pub(super) fn format_int<T: Display>(v: T, buf: &mut String) {
    // Writing to a String cannot fail.
    let _ = write!(buf, "{v}");
}

/// The range of an integer type.
struct Bounds {
    /// The largest magnitude a negative value may have (0 for unsigned types).
    neg_limit: u128,
    /// The largest positive value.
    pos_limit: u128,
}

impl Bounds {
    fn signed(min: i128, max: i128) -> Bounds {
        Bounds {
            neg_limit: min.unsigned_abs(),
            pos_limit: max.unsigned_abs(),
        }
    }

    fn unsigned(max: u128) -> Bounds {
        Bounds {
            neg_limit: 0,
            pos_limit: max,
        }
    }

    /// The magnitude beyond which accumulating another digit is an overflow:
    /// PostgreSQL checks against the negative limit for signed types.
    fn accumulate_limit(&self) -> u128 {
        self.neg_limit.max(self.pos_limit)
    }
}

fn out_of_range(s: &str, type_name: &'static str) -> ReprError {
    ReprError::OutOfRange {
        type_name,
        input: s.to_owned(),
    }
}

fn invalid(s: &str, type_name: &'static str) -> ReprError {
    ReprError::InvalidTextRepresentation {
        type_name,
        input: s.to_owned(),
    }
}

/// The value of an ASCII digit in `radix`, if it is one.
fn digit_value(b: u8, radix: u32) -> Option<u128> {
    char::from(b).to_digit(radix).map(u128::from)
}

/// Parses an integer within `bounds`, returning it widened.
fn parse_integer(s: &str, type_name: &'static str, bounds: Bounds) -> Result<i128, ReprError> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && is_space(bytes[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
        negative = bytes[i] == b'-';
        i += 1;
    }
    let radix = match (bytes.get(i), bytes.get(i + 1)) {
        (Some(b'0'), Some(b'x' | b'X')) => 16,
        (Some(b'0'), Some(b'o' | b'O')) => 8,
        (Some(b'0'), Some(b'b' | b'B')) => 2,
        _ => 10,
    };
    if radix != 10 {
        i += 2;
    }
    let first_digit = i;
    let limit = bounds.accumulate_limit() / u128::from(radix);
    let mut acc: u128 = 0;
    loop {
        match bytes.get(i) {
            Some(&b) if digit_value(b, radix).is_some() => {
                if acc > limit {
                    return Err(out_of_range(s, type_name));
                }
                acc = acc * u128::from(radix) + digit_value(b, radix).unwrap_or(0);
                i += 1;
            }
            Some(b'_') => {
                // A decimal underscore may not come first; any underscore must
                // be followed by a digit.
                if radix == 10 && i == first_digit {
                    return Err(invalid(s, type_name));
                }
                i += 1;
                if bytes.get(i).is_none_or(|&b| digit_value(b, radix).is_none()) {
                    return Err(invalid(s, type_name));
                }
            }
            _ => break,
        }
    }
    if i == first_digit {
        return Err(invalid(s, type_name));
    }
    while i < bytes.len() && is_space(bytes[i]) {
        i += 1;
    }
    if i != bytes.len() {
        return Err(invalid(s, type_name));
    }
    let limit = if negative { bounds.neg_limit } else { bounds.pos_limit };
    if acc > limit {
        return Err(out_of_range(s, type_name));
    }
    let magnitude = i128::try_from(acc).map_err(|_| out_of_range(s, type_name))?;
    Ok(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqlState;

    #[test]
    fn parses_decimal_with_whitespace_and_signs() {
        assert_eq!(parse_int32("  42  "), Ok(42));
        assert_eq!(parse_int32("+7"), Ok(7));
        assert_eq!(parse_int32("-0"), Ok(0));
        assert_eq!(parse_int32("\t\n-12\r"), Ok(-12));
        assert_eq!(parse_int16("-32768"), Ok(i16::MIN));
        assert_eq!(parse_int16("32767"), Ok(i16::MAX));
        assert_eq!(parse_int64("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_int64("9223372036854775807"), Ok(i64::MAX));
    }

    #[test]
    fn parses_pg16_prefixes_and_underscores() {
        assert_eq!(parse_int32("0x1F"), Ok(31));
        assert_eq!(parse_int32("0X_1f"), Ok(31));
        assert_eq!(parse_int32("0o17"), Ok(15));
        assert_eq!(parse_int32("-0b101"), Ok(-5));
        assert_eq!(parse_int32("1_000_000"), Ok(1_000_000));
        assert_eq!(parse_int16("-0x8000"), Ok(i16::MIN));
        assert_eq!(parse_uint64("0xFFFFFFFFFFFFFFFF"), Ok(u64::MAX));
        for bad in [
            "_1", "1_", "1__0", "0x", "0x_", "1 2", "", " ", "-", "abc", "1.0", "0b2", "٣",
        ] {
            let err = parse_int32(bad).expect_err(bad);
            assert_eq!(err.code(), SqlState::InvalidTextRepresentation, "{bad}");
            assert_eq!(
                err.to_string(),
                format!("invalid input syntax for type integer: \"{bad}\"")
            );
        }
    }

    #[test]
    fn reports_out_of_range_like_postgres() {
        let err = parse_int16("99999").expect_err("too big");
        assert_eq!(err.to_string(), "value \"99999\" is out of range for type smallint");
        assert_eq!(err.code(), SqlState::NumericValueOutOfRange);
        assert!(matches!(parse_int16("32768"), Err(ReprError::OutOfRange { .. })));
        assert!(matches!(parse_int16("-32769"), Err(ReprError::OutOfRange { .. })));
        assert!(matches!(parse_int32("2147483648"), Err(ReprError::OutOfRange { .. })));
        assert!(matches!(
            parse_int64("9223372036854775808"),
            Err(ReprError::OutOfRange { .. })
        ));
        // Overflow while accumulating wins over trailing garbage...
        assert!(matches!(parse_int16("400000x"), Err(ReprError::OutOfRange { .. })));
        // ...but not when the digits still fit the accumulator.
        assert!(matches!(
            parse_int16("32768x"),
            Err(ReprError::InvalidTextRepresentation { .. })
        ));
        assert!(matches!(
            parse_int64(&"9".repeat(100)),
            Err(ReprError::OutOfRange { .. })
        ));
    }

    #[test]
    fn unsigned_types_reject_negatives() {
        assert_eq!(parse_uint16("65535"), Ok(u16::MAX));
        assert_eq!(parse_uint32("4294967295"), Ok(u32::MAX));
        assert_eq!(parse_uint64("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_uint32("-0"), Ok(0));
        let err = parse_uint32("-1").expect_err("negative");
        assert_eq!(err.to_string(), "value \"-1\" is out of range for type uint4");
        assert!(matches!(parse_uint16("65536"), Err(ReprError::OutOfRange { .. })));
        assert!(matches!(
            parse_uint64("18446744073709551616"),
            Err(ReprError::OutOfRange { .. })
        ));
    }

    #[test]
    fn formats_in_decimal() {
        let mut buf = String::new();
        format_int(i16::MIN, &mut buf);
        buf.push(' ');
        format_int(u64::MAX, &mut buf);
        assert_eq!(buf, "-32768 18446744073709551615");
    }
}
