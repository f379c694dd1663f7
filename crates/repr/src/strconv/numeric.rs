//! `numeric`.
//!
//! Input follows PostgreSQL 16's `numeric_in`: whitespace, a sign, decimal
//! digits with an optional point and exponent (`1.5e3`, `1e-2`), or an
//! integer with a `0x`/`0o`/`0b` prefix, with underscores between digits.
//! The written scale is kept (`10.50`); an exponent moves it (`1.50e1` is
//! `15.0`). `NaN` and infinities parse but cannot be represented yet.

use std::fmt::Write;

use bigdecimal::num_bigint::BigInt;

use super::scan::{is_space, starts_with_ignore_case};
use crate::ReprError;
use crate::adt::{Numeric, NumericRef};

/// The most digits before the decimal point PostgreSQL's numeric stores.
const MAX_INTEGER_DIGITS: i64 = 131_072;
/// The most digits after the decimal point PostgreSQL's numeric stores.
const MAX_SCALE: i64 = 16_383;

/// Parses a `numeric`.
pub(super) fn parse_numeric(s: &str) -> Result<Numeric, ReprError> {
    let invalid = || ReprError::InvalidTextRepresentation {
        type_name: "numeric",
        input: s.to_owned(),
    };
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && is_space(bytes[i]) {
        i += 1;
    }
    let num_start = i;
    let mut negative = false;
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        negative = bytes[i] == b'-';
        i += 1;
    }
    if !bytes.get(i).is_some_and(|b| b.is_ascii_digit() || *b == b'.') {
        return Err(special_value(bytes, num_start, i, negative).unwrap_or_else(invalid));
    }
    let radix = match (bytes.get(i), bytes.get(i + 1)) {
        (Some(b'0'), Some(b'x' | b'X')) => 16,
        (Some(b'0'), Some(b'o' | b'O')) => 8,
        (Some(b'0'), Some(b'b' | b'B')) => 2,
        _ => 10,
    };
    let (value, end) = if radix == 10 {
        parse_decimal(bytes, i, negative).ok_or_else(invalid)??
    } else {
        parse_non_decimal(bytes, i + 2, radix, negative).ok_or_else(invalid)??
    };
    if !bytes[end..].iter().all(|b| is_space(*b)) {
        return Err(invalid());
    }
    Ok(value)
}

/// The error for `NaN` (unsigned, from `num_start`) or an infinity (after
/// the sign, at `i`) followed only by spaces; `None` for anything else.
fn special_value(bytes: &[u8], num_start: usize, i: usize, negative: bool) -> Option<ReprError> {
    let infinity = if negative { "-Infinity" } else { "Infinity" };
    let (special, end) = if starts_with_ignore_case(&bytes[num_start..], b"nan") {
        ("NaN", num_start + 3)
    } else if starts_with_ignore_case(&bytes[i..], b"infinity") {
        (infinity, i + 8)
    } else if starts_with_ignore_case(&bytes[i..], b"inf") {
        (infinity, i + 3)
    } else {
        return None;
    };
    bytes[end..]
        .iter()
        .all(|b| is_space(*b))
        .then(|| ReprError::UnsupportedValue {
            type_name: "numeric",
            value: special.to_owned(),
        })
}

/// Appends a `numeric`.
pub(super) fn format_numeric(n: NumericRef<'_>, buf: &mut String) {
    let _ = write!(buf, "{}", n.to_numeric());
}

/// Parses decimal digits from `start`; `None` is a syntax error, `Some(Err)`
/// an overflow. Returns the value and where it ended.
fn parse_decimal(bytes: &[u8], start: usize, negative: bool) -> Option<Result<(Numeric, usize), ReprError>> {
    let mut i = start;
    let mut digits = String::new();
    let mut have_point = false;
    let mut int_digits: i64 = 0;
    let mut frac_digits: i64 = 0;
    if bytes.get(i) == Some(&b'.') {
        have_point = true;
        i += 1;
    }
    if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii_digit() {
            digits.push(char::from(b));
            if have_point {
                frac_digits += 1;
            } else {
                int_digits += 1;
            }
            i += 1;
        } else if b == b'.' {
            if have_point {
                return None;
            }
            have_point = true;
            i += 1;
            if bytes.get(i) == Some(&b'_') {
                return None;
            }
        } else if b == b'_' {
            i += 1;
            if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
        } else {
            break;
        }
    }
    let mut exponent: i64 = 0;
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        let mut exp_negative = false;
        if bytes.get(i) == Some(&b'+') {
            i += 1;
        } else if bytes.get(i) == Some(&b'-') {
            exp_negative = true;
            i += 1;
        }
        if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while let Some(&b) = bytes.get(i) {
            if b.is_ascii_digit() {
                exponent = exponent * 10 + i64::from(b - b'0');
                if exponent > i64::from(i32::MAX / 2) {
                    return Some(Err(ReprError::NumericOverflow));
                }
                i += 1;
            } else if b == b'_' {
                i += 1;
                if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
            } else {
                break;
            }
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    let leading_zeros = digits.bytes().take_while(|b| *b == b'0').count();
    let leading_zeros = i64::try_from(leading_zeros).unwrap_or(i64::MAX);
    let scale = (frac_digits - exponent).max(0);
    let significant_int_digits = int_digits + exponent - leading_zeros;
    if scale > MAX_SCALE || significant_int_digits > MAX_INTEGER_DIGITS {
        return Some(Err(ReprError::NumericOverflow));
    }
    // Leading zeros are unbounded in the input but not in the value.
    let significant = digits.trim_start_matches('0');
    let mut magnitude = if significant.is_empty() {
        BigInt::from(0)
    } else {
        BigInt::parse_bytes(significant.as_bytes(), 10)?
    };
    if negative {
        magnitude = -magnitude;
    }
    Some(Ok((Numeric::from_parts(magnitude, frac_digits - exponent), i)))
}

/// Parses a `0x`/`0o`/`0b` integer's digits from `start`.
fn parse_non_decimal(
    bytes: &[u8],
    start: usize,
    radix: u32,
    negative: bool,
) -> Option<Result<(Numeric, usize), ReprError>> {
    let is_digit = |b: u8| char::from(b).is_digit(radix);
    let mut i = start;
    let mut digits = Vec::new();
    while let Some(&b) = bytes.get(i) {
        if is_digit(b) {
            digits.push(b);
            i += 1;
        } else if b == b'_' {
            i += 1;
            if !bytes.get(i).is_some_and(|b| is_digit(*b)) {
                return None;
            }
        } else {
            break;
        }
    }
    if digits.is_empty() {
        return None;
    }
    // 10^131072 needs 435412 bits; check the size before converting.
    let first = digits.iter().position(|d| *d != b'0').unwrap_or(digits.len());
    let significant = &digits[first..];
    let bits_per_digit = radix.trailing_zeros() as usize;
    if significant.len().saturating_sub(1) * bits_per_digit >= 435_412 {
        return Some(Err(ReprError::NumericOverflow));
    }
    let mut magnitude = if significant.is_empty() {
        BigInt::from(0)
    } else {
        BigInt::parse_bytes(significant, radix)?
    };
    if magnitude.bits() >= 435_411 && magnitude.to_string().len() > 131_072 {
        return Some(Err(ReprError::NumericOverflow));
    }
    if negative {
        magnitude = -magnitude;
    }
    Some(Ok((Numeric::from_parts(magnitude, 0), i)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqlState;

    fn n(s: &str) -> String {
        parse_numeric(s)
            .map(|v| v.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn keeps_the_written_scale() {
        assert_eq!(n("10.50"), "10.50");
        assert_eq!(n("  -0.005 "), "-0.005");
        assert_eq!(n("+7"), "7");
        assert_eq!(n("5."), "5");
        assert_eq!(n(".5"), "0.5");
        assert_eq!(n("-.5"), "-0.5");
        assert_eq!(n("-0"), "0");
        assert_eq!(n("-0.00"), "0.00");
        assert_eq!(n("007.10"), "7.10");
        assert_eq!(
            n("12345678901234567890123456789012345678901234567890.123"),
            "12345678901234567890123456789012345678901234567890.123"
        );
    }

    #[test]
    fn applies_exponents() {
        assert_eq!(n("1.5e3"), "1500");
        assert_eq!(n("1e-2"), "0.01");
        assert_eq!(n("1.50e1"), "15.0");
        assert_eq!(n("1E+2"), "100");
        assert_eq!(n("0e5"), "0");
        assert_eq!(n("-2.5e-3"), "-0.0025");
    }

    #[test]
    fn accepts_pg16_underscores_and_prefixes() {
        assert_eq!(n("1_000.000_1"), "1000.0001");
        assert_eq!(n("1e1_0"), "10000000000");
        assert_eq!(n("0x1F"), "31");
        assert_eq!(n("-0o17"), "-15");
        assert_eq!(n("0b1_01"), "5");
        assert_eq!(n("0xFFFFFFFFFFFFFFFFFFFF"), "1208925819614629174706175");
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "", "abc", "1.2.3", "1e", "1e+", ".", "-", "1_", "_1", "1._5", "1 2", "0x", "0x1.5", "--1", "-NaN",
        ] {
            let err = parse_numeric(bad).expect_err(bad);
            assert_eq!(
                err.to_string(),
                format!("invalid input syntax for type numeric: \"{bad}\"")
            );
            assert_eq!(err.code(), SqlState::InvalidTextRepresentation);
        }
    }

    #[test]
    fn special_values_are_not_supported() {
        for (input, value) in [
            ("NaN", "NaN"),
            (" nan ", "NaN"),
            ("Infinity", "Infinity"),
            ("-inf", "-Infinity"),
        ] {
            let err = parse_numeric(input).expect_err(input);
            assert_eq!(err.to_string(), format!("numeric value \"{value}\" is not supported"));
            assert_eq!(err.code(), SqlState::FeatureNotSupported);
        }
        assert!(matches!(
            parse_numeric("NaNx"),
            Err(ReprError::InvalidTextRepresentation { .. })
        ));
    }

    #[test]
    fn huge_values_overflow() {
        assert_eq!(n("1e131071").len(), 131_072);
        assert_eq!(n("1e131072"), "error: value overflows numeric format");
        assert_eq!(n("1e-16383").len(), 16_385);
        assert_eq!(n("1e-16384"), "error: value overflows numeric format");
        assert_eq!(n("1e9999999999"), "error: value overflows numeric format");
        assert_eq!(n(&format!("{}1.5", "0".repeat(1_000_000))), "1.5");
        assert_eq!(
            n(&format!("0x{}", "f".repeat(200_000))),
            "error: value overflows numeric format"
        );
        assert_eq!(n(&format!("0x0000{}", "f".repeat(8))), "4294967295");
        assert_eq!(
            parse_numeric("1e999999").map_err(|e| e.code()).err(),
            Some(SqlState::NumericValueOutOfRange)
        );
    }
}
