//! Exact numeric arithmetic with PostgreSQL's scale rules.

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::{Signed, Zero};
use freshet_repr::Numeric;

use crate::EvalError;

mod transcendental;

pub(crate) use transcendental::{exp, ln, log, power};

/// PostgreSQL's limit on digits before the decimal point.
const MAX_INTEGER_DIGITS: u64 = 131_072;
/// PostgreSQL's limit on digits after the decimal point.
const MAX_DISPLAY_SCALE: i64 = 16_383;
/// At least this many significant digits in a quotient (as float8 has).
const MIN_SIG_DIGITS: i64 = 16;
/// The scale a division result may not exceed.
const MAX_RESULT_SCALE: i64 = 1_000;

fn checked(n: Numeric) -> Result<Numeric, EvalError> {
    if n.integer_digits() > MAX_INTEGER_DIGITS || i64::from(n.scale()) > MAX_DISPLAY_SCALE {
        return Err(EvalError::NumericOverflow);
    }
    Ok(n)
}

/// The digits of `a` and `b` at the larger of their scales, and that scale.
///
/// Computed on the digits: `BigDecimal`'s own arithmetic may drop the
/// scale of a zero operand.
fn aligned(a: &Numeric, b: &Numeric) -> (BigInt, BigInt, i64) {
    let (a_digits, a_scale) = a.as_bigdecimal().as_bigint_and_exponent();
    let (b_digits, b_scale) = b.as_bigdecimal().as_bigint_and_exponent();
    let scale = a_scale.max(b_scale);
    (
        a_digits * pow10(scale - a_scale),
        b_digits * pow10(scale - b_scale),
        scale,
    )
}

/// `a + b`, with the larger of the two scales.
pub(crate) fn add(a: &Numeric, b: &Numeric) -> Result<Numeric, EvalError> {
    let (a, b, scale) = aligned(a, b);
    checked(Numeric::from_parts(a + b, scale))
}

/// `a - b`, with the larger of the two scales.
pub(crate) fn sub(a: &Numeric, b: &Numeric) -> Result<Numeric, EvalError> {
    let (a, b, scale) = aligned(a, b);
    checked(Numeric::from_parts(a - b, scale))
}

/// `a * b`, with the sum of the two scales.
pub(crate) fn mul(a: &Numeric, b: &Numeric) -> Result<Numeric, EvalError> {
    let (a_digits, a_scale) = a.as_bigdecimal().as_bigint_and_exponent();
    let (b_digits, b_scale) = b.as_bigdecimal().as_bigint_and_exponent();
    checked(Numeric::from_parts(a_digits * b_digits, a_scale + b_scale))
}

/// The base-10000 weight and leading base-10000 digit of a value, as
/// PostgreSQL's `select_div_scale` sees them (`0` and `0` for zero).
fn weight_and_first_digit(n: &Numeric) -> (i64, u32) {
    let (digits, scale) = n.as_bigdecimal().as_bigint_and_exponent();
    if digits.is_zero() {
        return (0, 0);
    }
    let text = digits.magnitude().to_string();
    let len = text.len() as i64;
    let top_exponent = len - 1 - scale;
    let weight = top_exponent.div_euclid(4);
    let bytes = text.as_bytes();
    let mut first = 0u32;
    for k in (4 * weight..4 * weight + 4).rev() {
        let index = top_exponent - k;
        let digit = if (0..len).contains(&index) {
            u32::from(bytes[index as usize] - b'0')
        } else {
            0
        };
        first = first * 10 + digit;
    }
    (weight, first)
}

/// Divides two integers, rounding half away from zero.
fn div_round(numerator: &BigInt, denominator: &BigInt) -> BigInt {
    let quotient = numerator / denominator;
    let remainder = numerator - &quotient * denominator;
    if (remainder.abs() * 2) >= denominator.abs() {
        let negative = (numerator.sign() == Sign::Minus) != (denominator.sign() == Sign::Minus);
        if negative { quotient - 1 } else { quotient + 1 }
    } else {
        quotient
    }
}

fn pow10(n: i64) -> BigInt {
    BigInt::from(10).pow(u32::try_from(n).unwrap_or(0))
}

/// `a / b`, with the scale PostgreSQL chooses: at least 16 significant
/// digits and no less than either input's scale.
pub(crate) fn div(a: &Numeric, b: &Numeric) -> Result<Numeric, EvalError> {
    let (b_digits, b_scale) = b.as_bigdecimal().as_bigint_and_exponent();
    if b_digits.is_zero() {
        return Err(EvalError::DivisionByZero);
    }
    let (a_digits, a_scale) = a.as_bigdecimal().as_bigint_and_exponent();
    let (w1, d1) = weight_and_first_digit(a);
    let (w2, d2) = weight_and_first_digit(b);
    let mut qweight = w1 - w2;
    if d1 <= d2 {
        qweight -= 1;
    }
    let rscale = (MIN_SIG_DIGITS - qweight * 4)
        .max(a_scale)
        .max(b_scale)
        .clamp(0, MAX_RESULT_SCALE);
    let shift = rscale + b_scale - a_scale;
    let (numerator, denominator) = if shift >= 0 {
        (a_digits * pow10(shift), b_digits)
    } else {
        (a_digits, b_digits * pow10(-shift))
    };
    checked(Numeric::from_parts(div_round(&numerator, &denominator), rscale))
}

/// `a % b`: the remainder of truncating division, with the larger scale.
pub(crate) fn rem(a: &Numeric, b: &Numeric) -> Result<Numeric, EvalError> {
    let (a_digits, a_scale) = a.as_bigdecimal().as_bigint_and_exponent();
    let (b_digits, b_scale) = b.as_bigdecimal().as_bigint_and_exponent();
    if b_digits.is_zero() {
        return Err(EvalError::DivisionByZero);
    }
    let scale = a_scale.max(b_scale);
    let a_digits = a_digits * pow10(scale - a_scale);
    let b_digits = b_digits * pow10(scale - b_scale);
    Ok(Numeric::from_parts(a_digits % b_digits, scale))
}

/// `-a`.
pub(crate) fn neg(a: &Numeric) -> Numeric {
    Numeric::new(-a.as_bigdecimal())
}

/// Rounds to `scale` digits after the point, half away from zero.
pub(crate) fn round_to_scale(n: &Numeric, scale: i64) -> Numeric {
    let (digits, current) = n.as_bigdecimal().as_bigint_and_exponent();
    if current <= scale {
        return Numeric::new(n.as_bigdecimal().with_scale(scale));
    }
    let rounded = div_round(&digits, &pow10(current - scale));
    Numeric::from_parts(rounded, scale)
}

/// Rounds to an integer, half away from zero.
pub(crate) fn round_to_integer(n: &Numeric) -> BigInt {
    let (digits, _) = round_to_scale(n, 0).into_bigdecimal().as_bigint_and_exponent();
    digits
}

/// Applies the type modifier of `numeric(precision, scale)`.
pub(crate) fn apply_typmod(n: &Numeric, precision: u8, scale: u8) -> Result<Numeric, EvalError> {
    let rounded = round_to_scale(n, i64::from(scale));
    let allowed = u64::from(precision.saturating_sub(scale));
    if rounded.integer_digits() > allowed {
        return Err(EvalError::NumericFieldOverflow { precision, scale });
    }
    Ok(rounded)
}

/// Converts a numeric to the nearest `f64`.
pub(crate) fn to_f64(n: &Numeric) -> f64 {
    n.to_string().parse().unwrap_or(f64::NAN)
}

/// Converts a float to numeric the way PostgreSQL does: through its text
/// form with `digits` significant digits (15 for `float8`, 6 for `float4`).
pub(crate) fn from_float(f: f64, digits: usize) -> Result<Numeric, EvalError> {
    if !f.is_finite() {
        return Err(EvalError::InvalidCast {
            message: format!(
                "cannot convert {} to numeric",
                if f.is_nan() { "NaN" } else { "infinity" }
            ),
        });
    }
    let text = format!("{:.*e}", digits.saturating_sub(1), f);
    let decimal: BigDecimal = text.parse().map_err(|_| EvalError::NumericOverflow)?;
    Ok(Numeric::new(decimal.normalized()))
}

/// PostgreSQL's bound on the scale argument of `round` and `trunc`.
const MAX_ROUND_SCALE: i64 = 2_000;

/// `abs(a)`.
pub(crate) fn abs(a: &Numeric) -> Numeric {
    Numeric::new(a.as_bigdecimal().abs())
}

/// `sign(a)`: `-1`, `0` or `1`.
pub(crate) fn sign(a: &Numeric) -> Numeric {
    let (digits, _) = a.as_bigdecimal().as_bigint_and_exponent();
    let sign = match digits.sign() {
        Sign::Minus => -1,
        Sign::NoSign => 0,
        Sign::Plus => 1,
    };
    Numeric::from_parts(BigInt::from(sign), 0)
}

/// `round(n, scale)`: rounds half away from zero to `scale` digits after
/// the point (before it, if negative); the result shows `max(scale, 0)`.
pub(crate) fn round_scale(n: &Numeric, scale: i32) -> Numeric {
    let scale = i64::from(scale).clamp(-MAX_ROUND_SCALE, MAX_ROUND_SCALE);
    if scale >= 0 {
        return round_to_scale(n, scale);
    }
    let (digits, current) = n.as_bigdecimal().as_bigint_and_exponent();
    let rounded = div_round(&digits, &pow10(current - scale));
    Numeric::from_parts(rounded * pow10(-scale), 0)
}

/// `trunc(n, scale)`: like [`round_scale`], but toward zero.
pub(crate) fn trunc_scale(n: &Numeric, scale: i32) -> Numeric {
    let scale = i64::from(scale).clamp(-MAX_ROUND_SCALE, MAX_ROUND_SCALE);
    let (digits, current) = n.as_bigdecimal().as_bigint_and_exponent();
    if current <= scale {
        return Numeric::new(n.as_bigdecimal().with_scale(scale));
    }
    let truncated = digits / pow10(current - scale);
    if scale >= 0 {
        Numeric::from_parts(truncated, scale)
    } else {
        Numeric::from_parts(truncated * pow10(-scale), 0)
    }
}

/// `ceil(n)` (`up`) or `floor(n)`: the nearest integer in that direction.
pub(crate) fn to_integer(n: &Numeric, up: bool) -> Numeric {
    let (digits, scale) = n.as_bigdecimal().as_bigint_and_exponent();
    let unit = pow10(scale);
    let quotient = &digits / &unit;
    let remainder = &digits - &quotient * &unit;
    let quotient = match remainder.sign() {
        Sign::Plus if up => quotient + 1,
        Sign::Minus if !up => quotient - 1,
        _ => quotient,
    };
    Numeric::from_parts(quotient, 0)
}

/// `sqrt(n)`, with PostgreSQL's scale: at least 16 significant digits and
/// no less than the input's scale.
pub(crate) fn sqrt(n: &Numeric) -> Result<Numeric, EvalError> {
    let (digits, scale) = n.as_bigdecimal().as_bigint_and_exponent();
    if digits.sign() == Sign::Minus {
        return Err(EvalError::SqrtOfNegative);
    }
    let (weight, _) = weight_and_first_digit(n);
    let rscale = (MIN_SIG_DIGITS - (2 * weight + 1)).max(scale).clamp(0, 1_000);
    // floor(sqrt(n) × 10^(rscale + 1)), then rounded at the last digit.
    let radicand = digits * pow10(2 * (rscale + 1) - scale);
    let root = radicand.sqrt();
    Ok(Numeric::from_parts((root + 5) / 10, rscale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::new(s.parse().expect("decimal"))
    }

    #[test]
    fn scales_follow_postgres() {
        assert_eq!(add(&n("1.5"), &n("2.25")).map(|x| x.to_string()), Ok("3.75".into()));
        assert_eq!(mul(&n("1.50"), &n("2.0")).map(|x| x.to_string()), Ok("3.000".into()));
        assert_eq!(
            div(&n("1"), &n("3")).map(|x| x.to_string()),
            Ok("0.33333333333333333333".into())
        );
        assert_eq!(
            div(&n("10"), &n("4")).map(|x| x.to_string()),
            Ok("2.5000000000000000".into())
        );
        assert_eq!(
            div(&n("2"), &n("3")).map(|x| x.to_string()),
            Ok("0.66666666666666666667".into())
        );
        assert_eq!(
            div(&n("1.000"), &n("8")).map(|x| x.to_string()),
            Ok("0.12500000000000000000".into())
        );
        assert_eq!(rem(&n("10.5"), &n("3")).map(|x| x.to_string()), Ok("1.5".into()));
        let zero = Numeric::from_parts(BigInt::zero(), 28);
        assert_eq!(add(&n("2"), &zero).map(|x| x.scale()), Ok(28));
        assert_eq!(
            sub(&zero, &n("2.5")).map(|x| x.to_string()),
            Ok(format!("-2.5{}", "0".repeat(27)))
        );
        assert_eq!(mul(&zero, &n("2.5")).map(|x| x.scale()), Ok(29));
        assert_eq!(rem(&n("-7"), &n("2")).map(|x| x.to_string()), Ok("-1".into()));
        assert_eq!(div(&n("1"), &n("0")), Err(EvalError::DivisionByZero));
    }

    #[test]
    fn typmod_rounds_and_checks_precision() {
        assert_eq!(
            apply_typmod(&n("1.005"), 5, 2).map(|x| x.to_string()),
            Ok("1.01".into())
        );
        assert_eq!(
            apply_typmod(&n("-1.005"), 5, 2).map(|x| x.to_string()),
            Ok("-1.01".into())
        );
        assert_eq!(apply_typmod(&n("7"), 5, 2).map(|x| x.to_string()), Ok("7.00".into()));
        assert!(apply_typmod(&n("1000"), 5, 2).is_err());
        assert!(apply_typmod(&n("999.994"), 5, 2).is_ok());
        assert!(apply_typmod(&n("999.995"), 5, 2).is_err());
    }

    #[test]
    fn floats_convert_through_their_text() {
        assert_eq!(from_float(0.1, 15).map(|x| x.to_string()), Ok("0.1".into()));
        assert_eq!(
            from_float(1.0 / 3.0, 15).map(|x| x.to_string()),
            Ok("0.333333333333333".into())
        );
        assert_eq!(from_float(100.0, 15).map(|x| x.to_string()), Ok("100".into()));
        assert_eq!(
            from_float(1e20, 15).map(|x| x.to_string()),
            Ok("100000000000000000000".into())
        );
        assert!(from_float(f64::NAN, 15).is_err());
        assert_eq!(round_to_integer(&n("2.5")), BigInt::from(3));
        assert_eq!(round_to_integer(&n("-2.5")), BigInt::from(-3));
    }

    #[test]
    fn rounding_functions() {
        let show = |x: Numeric| x.to_string();
        assert_eq!(show(round_scale(&n("42.4382"), 2)), "42.44");
        assert_eq!(show(round_scale(&n("1.5"), 3)), "1.500");
        assert_eq!(show(round_scale(&n("1234.5"), -2)), "1200");
        assert_eq!(show(round_scale(&n("-1250"), -2)), "-1300");
        assert_eq!(show(round_scale(&n("4"), -1)), "0");
        assert_eq!(show(trunc_scale(&n("42.4382"), 2)), "42.43");
        assert_eq!(show(trunc_scale(&n("-42.8"), 0)), "-42");
        assert_eq!(show(trunc_scale(&n("1259"), -2)), "1200");
        assert_eq!(show(trunc_scale(&n("1.5"), 2)), "1.50");
        assert_eq!(show(to_integer(&n("42.2"), true)), "43");
        assert_eq!(show(to_integer(&n("-42.8"), true)), "-42");
        assert_eq!(show(to_integer(&n("-42.8"), false)), "-43");
        assert_eq!(show(to_integer(&n("-0.5"), true)), "0");
        assert_eq!(show(to_integer(&n("7.000"), false)), "7");
        assert_eq!(show(sign(&n("-8.4"))), "-1");
        assert_eq!(show(sign(&n("0.0"))), "0");
        assert_eq!(show(abs(&n("-17.40"))), "17.40");
    }

    #[test]
    fn square_roots_have_postgres_scales() {
        let show = |x: &str| sqrt(&n(x)).map(|r| r.to_string());
        assert_eq!(show("2"), Ok("1.414213562373095".into()));
        assert_eq!(show("2.0"), Ok("1.414213562373095".into()));
        assert_eq!(show("100"), Ok("10.000000000000000".into()));
        assert_eq!(show("0"), Ok("0.000000000000000".into()));
        assert_eq!(show("0.0001"), Ok("0.01000000000000000".into()));
        assert_eq!(show("123456789"), Ok("11111.11106055556".into()));
        assert_eq!(show("-1"), Err(EvalError::SqrtOfNegative));
    }
}
