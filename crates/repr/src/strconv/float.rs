//! `real` and `double precision`.
//!
//! Input follows PostgreSQL's `float4in`/`float8in` on glibc: whitespace,
//! decimal notation, `NaN`, `Infinity` and `inf` in any case. Overflow and
//! underflow to zero are errors; denormals are accepted. Output is the
//! shortest text that reads back as the same value (PostgreSQL ≥ 12 with
//! `extra_float_digits` > 0), in positional notation when the decimal
//! exponent is in `-4..15` (`-4..6` for `real`), else in exponent notation
//! with at least two exponent digits (`1e+20`, `1.5e-05`).

mod shortest;

use std::fmt::Write;
use std::str::FromStr;

use self::shortest::Binary;

use super::scan::{FloatSyntax, is_space, scan_float};
use crate::ReprError;

/// Parses a `real`.
pub(super) fn parse_float32(s: &str) -> Result<f32, ReprError> {
    parse_float(s, "real", f32::INFINITY, f32::NAN)
}

/// Parses a `double precision`.
pub(super) fn parse_float64(s: &str) -> Result<f64, ReprError> {
    parse_float(s, "double precision", f64::INFINITY, f64::NAN)
}

/// Appends a `real`.
pub(super) fn format_float32(v: f32, buf: &mut String) {
    if let Some(special) = special_text(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative()) {
        buf.push_str(special);
        return;
    }
    let digits = shortest::shortest(v.abs(), &Binary::of_f32(v));
    lay_out(digits, v.is_sign_negative(), 6, buf);
}

/// Appends a `double precision`.
pub(super) fn format_float64(v: f64, buf: &mut String) {
    if let Some(special) = special_text(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative()) {
        buf.push_str(special);
        return;
    }
    let digits = shortest::shortest(v.abs(), &Binary::of_f64(v));
    lay_out(digits, v.is_sign_negative(), 15, buf);
}

/// The text of NaN, the infinities and the zeros.
fn special_text(nan: bool, infinite: bool, zero: bool, negative: bool) -> Option<&'static str> {
    match (nan, infinite, zero, negative) {
        (true, ..) => Some("NaN"),
        (_, true, _, false) => Some("Infinity"),
        (_, true, _, true) => Some("-Infinity"),
        (_, _, true, false) => Some("0"),
        (_, _, true, true) => Some("-0"),
        _ => None,
    }
}

fn parse_float<F>(s: &str, type_name: &'static str, infinity: F, nan: F) -> Result<F, ReprError>
where
    F: FromStr + PartialEq + Copy + std::ops::Neg<Output = F> + Default,
{
    let invalid = || ReprError::InvalidTextRepresentation {
        type_name,
        input: s.to_owned(),
    };
    let bytes = s.as_bytes();
    let mut start = 0;
    while start < bytes.len() && is_space(bytes[start]) {
        start += 1;
    }
    let (len, syntax) = scan_float(&bytes[start..]).ok_or_else(invalid)?;
    let text = &s[start..start + len];
    let value = match syntax {
        FloatSyntax::Decimal { nonzero } => {
            let v: F = text.parse().map_err(|_| invalid())?;
            if v == infinity || v == -infinity || (nonzero && v == F::default()) {
                // PostgreSQL 16 quotes the number alone for double precision
                // but the whole input for real.
                let input = if type_name == "real" { s } else { text };
                return Err(ReprError::FloatOutOfRange {
                    type_name,
                    input: input.to_owned(),
                });
            }
            v
        }
        FloatSyntax::Infinity { negative: false } => infinity,
        FloatSyntax::Infinity { negative: true } => -infinity,
        FloatSyntax::NaN => nan,
    };
    let mut end = start + len;
    while end < bytes.len() && is_space(bytes[end]) {
        end += 1;
    }
    if end != bytes.len() {
        return Err(invalid());
    }
    Ok(value)
}

/// Lays out digits `d × 10^k` as PostgreSQL's Ryu port does; `fixed_limit`
/// is the decimal exponent from which exponent notation is used.
fn lay_out((d, k): (u64, i32), negative: bool, fixed_limit: i32, buf: &mut String) {
    if negative {
        buf.push('-');
    }
    let digits = d.to_string();
    let ndigits = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let exponent = k + ndigits - 1;
    if (-4..fixed_limit).contains(&exponent) {
        if exponent < 0 {
            buf.push_str("0.");
            for _ in 0..(-exponent - 1) {
                buf.push('0');
            }
            buf.push_str(&digits);
        } else if exponent >= ndigits - 1 {
            buf.push_str(&digits);
            for _ in 0..(exponent - (ndigits - 1)) {
                buf.push('0');
            }
        } else {
            let point = usize::try_from(exponent + 1).unwrap_or(0);
            buf.push_str(&digits[..point]);
            buf.push('.');
            buf.push_str(&digits[point..]);
        }
    } else {
        buf.push_str(&digits[..1]);
        if digits.len() > 1 {
            buf.push('.');
            buf.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(buf, "e{sign}{:02}", exponent.unsigned_abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqlState;

    fn f8(v: f64) -> String {
        let mut buf = String::new();
        format_float64(v, &mut buf);
        buf
    }

    fn f4(v: f32) -> String {
        let mut buf = String::new();
        format_float32(v, &mut buf);
        buf
    }

    #[test]
    fn float8_output_matches_postgres() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (1e20, "1e+20"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (123456789012345.0, "123456789012345"),
            (1e15, "1e+15"),
            (1234567890123456.0, "1.234567890123456e+15"),
            (1.2345678901234568e20, "1.2345678901234568e+20"),
            (100.0, "100"),
            (1e14, "100000000000000"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (3.25, "3.25"),
        ];
        for (v, want) in cases {
            assert_eq!(f8(*v), *want);
        }
    }

    #[test]
    fn float4_output_matches_postgres() {
        let cases: &[(f32, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e6, "1e+06"),
            (1.5e-5, "1.5e-05"),
            (f32::MAX, "3.4028235e+38"),
            // Ryu as PostgreSQL builds it never prints a decimal that lies on
            // the rounding boundary, though 4.019079e+07 reads back the same.
            (40190792.0, "4.0190792e+07"),
            (9.788298e7, "9.7882976e+07"),
            // Between two equally near shortest decimals, Ryu takes the even.
            (-7_488_809.0 / 4.0, "-1.8722022e+06"),
            (-4_035_345.0 / 8.0, "-504418.12"),
            (1.0 / 3.0, "0.33333334"),
            (f32::NAN, "NaN"),
            (f32::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(f4(*v), *want);
        }
    }

    #[test]
    fn parses_decimal_and_special_forms() {
        assert_eq!(parse_float64("  1.5  "), Ok(1.5));
        assert_eq!(parse_float64("-1e3"), Ok(-1000.0));
        assert_eq!(parse_float64(".5"), Ok(0.5));
        assert_eq!(parse_float64("5."), Ok(5.0));
        assert_eq!(parse_float64("1.e5"), Ok(100000.0));
        assert_eq!(parse_float64("\t-.5E-1\n"), Ok(-0.05));
        assert_eq!(parse_float64("1E+2"), Ok(100.0));
        assert_eq!(parse_float64("Infinity"), Ok(f64::INFINITY));
        assert_eq!(parse_float64("-inf"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_float64("+INFINITY"), Ok(f64::INFINITY));
        assert!(parse_float64("NaN").is_ok_and(f64::is_nan));
        assert!(parse_float64(" nan ").is_ok_and(f64::is_nan));
        assert_eq!(parse_float64("4.9e-324"), Ok(5e-324));
        assert_eq!(parse_float64("0e-999"), Ok(0.0));
        assert!(parse_float64("-0").is_ok_and(|v| v == 0.0 && v.is_sign_negative()));
        assert_eq!(parse_float32("3.4028235e38"), Ok(f32::MAX));
        assert_eq!(parse_float32("1e-45"), Ok(1e-45));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            " ",
            "abc",
            "1.5x",
            "1e",
            "--1",
            "infinityx",
            "1 2",
            ".",
            "e5",
            "0x10",
        ] {
            let err = parse_float64(bad).expect_err(bad);
            assert_eq!(err.code(), SqlState::InvalidTextRepresentation, "{bad}");
            assert_eq!(
                err.to_string(),
                format!("invalid input syntax for type double precision: \"{bad}\"")
            );
        }
        assert!(parse_float32("x").is_err_and(|e| e.to_string().contains("type real")));
    }

    #[test]
    fn overflow_and_underflow_are_out_of_range() {
        let err = parse_float64(" 1e999 ").expect_err("overflow");
        assert_eq!(err.to_string(), "\"1e999\" is out of range for type double precision");
        assert_eq!(err.code(), SqlState::NumericValueOutOfRange);
        assert!(matches!(
            parse_float64("-1e400"),
            Err(ReprError::FloatOutOfRange { .. })
        ));
        assert!(matches!(
            parse_float64("1e-400"),
            Err(ReprError::FloatOutOfRange { .. })
        ));
        let err = parse_float32("1e39").expect_err("overflow");
        assert_eq!(err.to_string(), "\"1e39\" is out of range for type real");
        let err = parse_float32(" 1e39 ").expect_err("overflow");
        assert_eq!(err.to_string(), "\" 1e39 \" is out of range for type real");
        assert!(matches!(parse_float32("1e-50"), Err(ReprError::FloatOutOfRange { .. })));
    }

    #[test]
    fn output_round_trips() {
        for v in [0.1, 1e-7, 123.456, 1e300, -2.5e-300, 9007199254740993.0, 1e15 + 0.5] {
            assert_eq!(parse_float64(&f8(v)), Ok(v));
        }
        for v in [0.1f32, 1e-7, 123.456, 1e30, 16777217.0] {
            assert_eq!(parse_float32(&f4(v)), Ok(v));
        }
    }
}
