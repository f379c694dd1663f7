//! `ln`, `exp`, `log` and `power` on numerics.
//!
//! Result scales are PostgreSQL's (`numeric.c`): at least 16 significant
//! digits, estimated the way PostgreSQL estimates them, and no less than
//! the inputs' scales. Values are computed in fixed point (an integer
//! scaled by a power of ten) with guard digits, then rounded half away from
//! zero, so they are the correctly rounded results PostgreSQL aims for.

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::{Signed, ToPrimitive, Zero};
use freshet_repr::Numeric;

use super::{MIN_SIG_DIGITS, checked, div_round, pow10, to_f64};
use crate::EvalError;

/// The largest scale PostgreSQL chooses for a result.
const MAX_DISPLAY_SCALE: i64 = 1_000;
/// `exp` of an argument this large overflows (underflows, if negative).
const MAX_EXP_ARG: f64 = 6_000.0;
/// The largest decimal weight a numeric may have.
const MAX_WEIGHT_DIGITS: f64 = 131_072.0;
/// Integer powers whose exact value has more digits than this go through
/// `exp` and `ln` instead.
const MAX_EXACT_DIGITS: u64 = 20_000;
/// Digits carried beyond those the result needs.
const GUARD: i64 = 12;
/// `log10(e)`, with PostgreSQL's digits (its scale estimates use them).
#[expect(
    clippy::approx_constant,
    reason = "PostgreSQL's digits, which its scale estimates use"
)]
const LOG10_E: f64 = 0.434294481903252;
/// `ln(10)`, with PostgreSQL's digits (its scale estimates use them).
#[expect(
    clippy::approx_constant,
    reason = "PostgreSQL's digits, which its scale estimates use"
)]
const LN_10: f64 = 2.302585092994046;

/// The digits and scale of `n`: `n = digits × 10^-scale`.
fn parts(n: &Numeric) -> (BigInt, i64) {
    n.as_bigdecimal().as_bigint_and_exponent()
}

/// The number of decimal digits of `n`'s magnitude (1 for zero).
fn decimal_len(n: &BigInt) -> i64 {
    i64::try_from(n.magnitude().to_string().len()).unwrap_or(i64::MAX)
}

/// `digits × 10^-scale` as a fixed-point integer of precision `p` (scaled
/// by `10^p`), rounded.
fn to_fixed(digits: &BigInt, scale: i64, p: i64) -> BigInt {
    if p >= scale {
        digits * pow10(p - scale)
    } else {
        div_round(digits, &pow10(scale - p))
    }
}

/// A fixed-point value of precision `p` rounded to a numeric of scale `rscale`.
fn round_fixed(value: &BigInt, p: i64, rscale: i64) -> Result<Numeric, EvalError> {
    checked(Numeric::from_parts(to_fixed(value, p, rscale), rscale))
}

/// Zero shown with `scale` digits after the point.
fn zero(scale: i64) -> Numeric {
    Numeric::from_parts(BigInt::zero(), scale)
}

/// PostgreSQL's base-10000 view of a value: the weight of the first digit
/// and the digits, without leading or trailing zero digits.
fn nbase_digits(n: &Numeric) -> (i64, Vec<u32>) {
    let (digits, scale) = parts(n);
    if digits.is_zero() {
        return (0, vec![]);
    }
    let aligned = (scale + 3).div_euclid(4) * 4;
    let text = (digits.magnitude() * pow10(aligned - scale).magnitude()).to_string();
    let padded = format!("{}{text}", "0".repeat((4 - text.len() % 4) % 4));
    let mut groups: Vec<u32> = padded
        .as_bytes()
        .chunks(4)
        .map(|c| c.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
        .collect();
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let count = i64::try_from(padded.len() / 4).unwrap_or(0);
    (count - 1 - aligned / 4, groups)
}

/// PostgreSQL's estimate of the decimal weight of `ln(x)`
/// (`estimate_ln_dweight`), which sets the scale of logarithms.
fn estimate_ln_dweight(x: &Numeric) -> i64 {
    let value = x.as_bigdecimal();
    if value.sign() != Sign::Plus {
        return 0;
    }
    let low = BigDecimal::new(BigInt::from(9), 1);
    let high = BigDecimal::new(BigInt::from(11), 1);
    if *value >= low && *value <= high {
        // ln(1 + d) ≈ d: the weight of d's leading digit.
        let (digits, scale) = (value - BigDecimal::from(1)).as_bigint_and_exponent();
        return if digits.is_zero() {
            0
        } else {
            decimal_len(&digits) - 1 - scale
        };
    }
    let (weight, groups) = nbase_digits(x);
    let mut digits = f64::from(groups.first().copied().unwrap_or(0));
    let mut dweight = weight * 4;
    if let Some(second) = groups.get(1) {
        digits = digits * 10_000.0 + f64::from(*second);
        dweight -= 4;
    }
    let ln = digits.ln() + dweight as f64 * LN_10;
    ln.abs().log10() as i64
}

/// `atanh(1/n)` at the precision of `one`.
fn atanh_inverse(n: u32, one: &BigInt) -> BigInt {
    let n = BigInt::from(n);
    let n2 = &n * &n;
    let mut power = one / &n;
    let mut sum = power.clone();
    let mut k = 1u64;
    loop {
        power = &power / &n2;
        if power.is_zero() {
            return sum;
        }
        k += 2;
        sum += &power / k;
    }
}

/// `ln(10)` at the precision of `one`: `3 ln 2 + ln 1.25`.
fn ln_10(one: &BigInt) -> BigInt {
    let ln_2 = atanh_inverse(3, one) * 2;
    let ln_1_25 = atanh_inverse(9, one) * 2;
    ln_2 * 3 + ln_1_25
}

/// `ln(x)` of a positive `x`, at precision `p`.
fn ln_fixed(x: &Numeric, p: i64) -> BigInt {
    let (digits, scale) = parts(x);
    let len = decimal_len(&digits);
    // x = m × 10^e with 1 <= m < 10.
    let e = len - 1 - scale;
    let pw = p + GUARD + decimal_len(&BigInt::from(e));
    let one = pow10(pw);
    let mut m = to_fixed(&digits, len - 1, pw);
    // Square roots bring m within 10% of 1; each halves its logarithm.
    let limit = &one * 11 / 10;
    let mut halvings = 0u32;
    while m > limit {
        m = (m * &one).sqrt();
        halvings += 1;
    }
    // ln m = 2 atanh((m - 1) / (m + 1)).
    let z = div_round(&((&m - &one) * &one), &(&m + &one));
    let z2 = &z * &z / &one;
    let mut power = z.clone();
    let mut sum = z;
    let mut k = 1u64;
    loop {
        power = &power * &z2 / &one;
        k += 2;
        let term = &power / k;
        if term.is_zero() {
            break;
        }
        sum += term;
    }
    let ln_m = sum * 2 * (BigInt::from(1) << halvings);
    to_fixed(&(ln_m + ln_10(&one) * e), pw, p)
}

/// `exp(digits × 10^-scale)` rounded to scale `rscale`.
fn exp_rounded(digits: &BigInt, scale: i64, rscale: i64) -> Result<Numeric, EvalError> {
    let whole = (digits / pow10(scale)).to_f64().unwrap_or(f64::INFINITY);
    // Halving the argument k times until it is below 0.01, then squaring
    // k times, costs about k × log10(2) digits.
    let halvings = (whole.abs() * 100.0 + 1.0).log2().ceil().max(0.0) as i64;
    let int_digits = (whole * LOG10_E).ceil().max(0.0) as i64;
    let pw = rscale + int_digits + (halvings * 3).div_euclid(10) + 1 + GUARD;
    let one = pow10(pw);
    let x = to_fixed(digits, scale, pw);
    let bound = &one / 100;
    let mut k = 0u32;
    while (x.abs() >> k) > bound {
        k += 1;
    }
    let r = div_round(&x, &(BigInt::from(1) << k));
    let mut term = one.clone();
    let mut sum = one.clone();
    let mut n = 1u64;
    loop {
        term = &term * &r / &one / n;
        if term.is_zero() {
            break;
        }
        sum += &term;
        n += 1;
    }
    for _ in 0..k {
        sum = &sum * &sum / &one;
    }
    round_fixed(&sum, pw, rscale)
}

/// Errors for the logarithm of a number that is not positive.
fn check_log_argument(x: &Numeric) -> Result<(), EvalError> {
    match x.as_bigdecimal().sign() {
        Sign::NoSign => Err(EvalError::LogOfZero),
        Sign::Minus => Err(EvalError::LogOfNegative),
        Sign::Plus => Ok(()),
    }
}

/// `ln(x)`.
pub(crate) fn ln(x: &Numeric) -> Result<Numeric, EvalError> {
    check_log_argument(x)?;
    let (_, scale) = parts(x);
    let rscale = (MIN_SIG_DIGITS - estimate_ln_dweight(x))
        .max(scale)
        .clamp(0, MAX_DISPLAY_SCALE);
    let p = rscale + GUARD;
    round_fixed(&ln_fixed(x, p), p, rscale)
}

/// `log(base, x)`: `ln(x) / ln(base)`.
pub(crate) fn log(base: &Numeric, x: &Numeric) -> Result<Numeric, EvalError> {
    check_log_argument(base)?;
    check_log_argument(x)?;
    let base_dweight = estimate_ln_dweight(base);
    let result_dweight = estimate_ln_dweight(x) - base_dweight;
    let rscale = (MIN_SIG_DIGITS - result_dweight)
        .max(parts(base).1)
        .max(parts(x).1)
        .clamp(0, MAX_DISPLAY_SCALE);
    let p = rscale + GUARD + (-base_dweight).max(0) + result_dweight.max(0);
    let ln_base = ln_fixed(base, p);
    if ln_base.is_zero() {
        return Err(EvalError::DivisionByZero);
    }
    let ln_x = ln_fixed(x, p);
    checked(Numeric::from_parts(
        div_round(&(ln_x * pow10(rscale)), &ln_base),
        rscale,
    ))
}

/// `exp(x)`.
pub(crate) fn exp(x: &Numeric) -> Result<Numeric, EvalError> {
    let (digits, scale) = parts(x);
    let value = to_f64(x);
    if value.abs() >= MAX_EXP_ARG {
        let dweight = (value * LOG10_E).clamp(-2_000.0, 2_000.0);
        let rscale = (MIN_SIG_DIGITS - dweight as i64).max(scale).clamp(0, MAX_DISPLAY_SCALE);
        return if value > 0.0 {
            Err(EvalError::NumericOverflow)
        } else {
            Ok(zero(rscale))
        };
    }
    let dweight = (value * LOG10_E).clamp(-2_000.0, 2_000.0);
    let rscale = (MIN_SIG_DIGITS - dweight as i64).max(scale).clamp(0, MAX_DISPLAY_SCALE);
    exp_rounded(&digits, scale, rscale)
}

/// `base ^ exponent` as `exp(exponent × ln|base|)`, negated if `negative`;
/// `dweight` estimates the result's decimal weight.
fn power_through_ln(
    abs_base: &Numeric,
    exponent: &Numeric,
    dweight: f64,
    rscale: i64,
    negative: bool,
) -> Result<Numeric, EvalError> {
    let (e_digits, e_scale) = parts(exponent);
    let exponent_digits = (decimal_len(&e_digits) - e_scale).max(0);
    let p = rscale + (dweight.ceil().max(0.0) as i64) + exponent_digits + GUARD;
    let product = div_round(&(ln_fixed(abs_base, p) * e_digits), &pow10(e_scale));
    let result = exp_rounded(&product, p, rscale)?;
    Ok(if negative { super::neg(&result) } else { result })
}

/// `base ^ n` for an integer `n` (PostgreSQL's `power_var_int`).
fn power_int(base: &Numeric, n: i64, exponent: &Numeric) -> Result<Numeric, EvalError> {
    let (digits, scale) = parts(base);
    // An estimate of the result's decimal weight from the leading digits.
    let dweight = if digits.is_zero() {
        0.0
    } else {
        let (weight, groups) = nbase_digits(base);
        let mut f = 0.0;
        let mut p = weight * 4 + 4;
        for group in groups.iter().take(4) {
            f = f * 10_000.0 + f64::from(*group);
            p -= 4;
        }
        n as f64 * (f.log10() + p as f64)
    };
    if dweight > MAX_WEIGHT_DIGITS {
        return Err(EvalError::NumericOverflow);
    }
    if dweight + 1.0 < -(MAX_DISPLAY_SCALE as f64) {
        return Ok(zero(MAX_DISPLAY_SCALE));
    }
    let rscale = (MIN_SIG_DIGITS - dweight as i64)
        .max(scale)
        .max(parts(exponent).1)
        .clamp(0, MAX_DISPLAY_SCALE);
    if n == 0 {
        return Ok(Numeric::from_parts(pow10(rscale), rscale));
    }
    if digits.is_zero() {
        return Ok(zero(rscale));
    }
    let magnitude = n.unsigned_abs();
    let exact_digits = u64::try_from(decimal_len(&digits))
        .unwrap_or(u64::MAX)
        .saturating_mul(magnitude);
    if exact_digits > MAX_EXACT_DIGITS {
        let negative = digits.sign() == Sign::Minus && magnitude % 2 == 1;
        return power_through_ln(&super::abs(base), exponent, dweight, rscale, negative);
    }
    let power = digits.pow(u32::try_from(magnitude).unwrap_or(u32::MAX));
    let power_scale = scale * i64::try_from(magnitude).unwrap_or(i64::MAX);
    if n > 0 {
        round_fixed(&power, power_scale, rscale)
    } else {
        checked(Numeric::from_parts(
            div_round(&pow10(power_scale + rscale), &power),
            rscale,
        ))
    }
}

/// `power(base, exponent)`.
pub(crate) fn power(base: &Numeric, exponent: &Numeric) -> Result<Numeric, EvalError> {
    let (b_digits, b_scale) = parts(base);
    let (e_digits, e_scale) = parts(exponent);
    if b_digits.is_zero() && e_digits.sign() == Sign::Minus {
        return Err(EvalError::ZeroToNegativePower);
    }
    let unit = pow10(e_scale);
    let integer = (&e_digits % &unit).is_zero().then(|| &e_digits / &unit);
    if let Some(n) = integer.as_ref().and_then(|n| n.to_i32()) {
        return power_int(base, i64::from(n), exponent);
    }
    let negative = match (&integer, b_digits.sign()) {
        (None, Sign::Minus) => return Err(EvalError::ComplexPower),
        (Some(n), Sign::Minus) => (n % 2u32) != BigInt::zero(),
        _ => false,
    };
    if b_digits.is_zero() {
        return Ok(zero(MIN_SIG_DIGITS));
    }
    let abs_base = super::abs(base);
    let (weight, groups) = nbase_digits(&abs_base);
    let mut leading = f64::from(groups.first().copied().unwrap_or(0));
    let mut dweight = weight * 4;
    if let Some(second) = groups.get(1) {
        leading = leading * 10_000.0 + f64::from(*second);
        dweight -= 4;
    }
    let ln_base = leading.ln() + dweight as f64 * LN_10;
    // NaN only for a base of ±1 with an astronomical exponent: the result is ±1.
    let value = match ln_base * to_f64(exponent) {
        v if v.is_nan() => 0.0,
        v => v,
    };
    if value.abs() > MAX_EXP_ARG * 1.0035 {
        return if value > 0.0 {
            Err(EvalError::NumericOverflow)
        } else {
            Ok(zero(MAX_DISPLAY_SCALE))
        };
    }
    let result_dweight = value * LOG10_E;
    let rscale = (MIN_SIG_DIGITS - result_dweight as i64)
        .max(b_scale)
        .max(e_scale)
        .clamp(0, MAX_DISPLAY_SCALE);
    power_through_ln(&abs_base, exponent, result_dweight, rscale, negative)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::new(s.parse().expect("decimal"))
    }

    fn show(r: Result<Numeric, EvalError>) -> Result<String, EvalError> {
        r.map(|x| x.to_string())
    }

    #[test]
    fn logarithms() {
        assert_eq!(show(ln(&n("2.0"))), Ok("0.6931471805599453".into()));
        assert_eq!(show(ln(&n("1"))), Ok("0.0000000000000000".into()));
        assert_eq!(show(ln(&n("10"))), Ok("2.3025850929940457".into()));
        assert_eq!(show(ln(&n("1.0001"))), Ok("0.00009999500033330834".into()));
        assert_eq!(show(log(&n("2.0"), &n("64.0"))), Ok("6.0000000000000000".into()));
        assert_eq!(show(log(&n("10"), &n("100"))), Ok("2.0000000000000000".into()));
        assert_eq!(show(log(&n("10"), &n("1000"))), Ok("3.0000000000000000".into()));
        assert_eq!(ln(&n("0")), Err(EvalError::LogOfZero));
        assert_eq!(ln(&n("-1")), Err(EvalError::LogOfNegative));
        assert_eq!(log(&n("1"), &n("5")), Err(EvalError::DivisionByZero));
    }

    #[test]
    fn exponentials() {
        assert_eq!(show(exp(&n("1.0"))), Ok("2.7182818284590452".into()));
        assert_eq!(show(exp(&n("0"))), Ok("1.0000000000000000".into()));
        assert_eq!(show(exp(&n("-1"))), Ok("0.3678794411714423".into()));
        assert_eq!(
            show(exp(&n("100"))),
            Ok("26881171418161354484126255515800135873611119".into())
        );
        assert_eq!(exp(&n("6000")), Err(EvalError::NumericOverflow));
        assert_eq!(show(exp(&n("-6000"))), Ok(format!("0.{}", "0".repeat(1000))));
    }

    #[test]
    fn powers() {
        assert_eq!(show(power(&n("2.0"), &n("3"))), Ok("8.0000000000000000".into()));
        assert_eq!(show(power(&n("9"), &n("3"))), Ok("729.00000000000000".into()));
        assert_eq!(show(power(&n("2"), &n("-2"))), Ok("0.2500000000000000".into()));
        assert_eq!(show(power(&n("-2"), &n("3"))), Ok("-8.0000000000000000".into()));
        assert_eq!(show(power(&n("0"), &n("0"))), Ok("1.0000000000000000".into()));
        assert_eq!(show(power(&n("2"), &n("0.5"))), Ok("1.4142135623730950".into()));
        assert_eq!(show(power(&n("0"), &n("1.5"))), Ok("0.0000000000000000".into()));
        assert_eq!(power(&n("0"), &n("-1")), Err(EvalError::ZeroToNegativePower));
        assert_eq!(power(&n("-2"), &n("0.5")), Err(EvalError::ComplexPower));
        assert_eq!(power(&n("10"), &n("200000")), Err(EvalError::NumericOverflow));
        assert_eq!(
            show(power(&n("1.000001"), &n("1000000"))),
            Ok("2.7182804693193769".into())
        );
    }
}
