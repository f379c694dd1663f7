//! Exact numeric arithmetic with PostgreSQL's scale rules.

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::{Signed, Zero};
use freshet_repr::Numeric;

use crate::EvalError;

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

/// `a + b`, with the larger of the two scales.
pub(crate) fn add(a: &Numeric, b: &Numeric) -> Result<Numeric, EvalError> {
    checked(Numeric::new(a.as_bigdecimal() + b.as_bigdecimal()))
}

/// `a - b`, with the larger of the two scales.
pub(crate) fn sub(a: &Numeric, b: &Numeric) -> Result<Numeric, EvalError> {
    checked(Numeric::new(a.as_bigdecimal() - b.as_bigdecimal()))
}

/// `a * b`, with the sum of the two scales.
pub(crate) fn mul(a: &Numeric, b: &Numeric) -> Result<Numeric, EvalError> {
    checked(Numeric::new(a.as_bigdecimal() * b.as_bigdecimal()))
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
}
