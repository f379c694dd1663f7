//! Mathematical functions on numbers (`abs`, `round`, `sqrt`, `power`...),
//! with PostgreSQL's errors: integer overflow, the SQL standard's codes for
//! invalid arguments of roots, logarithms and powers, and float overflow
//! and underflow.

use freshet_repr::{Datum, RowArena};

use super::arith::ArithType;
use super::numeric;
use crate::EvalError;

fn overflow() -> EvalError {
    EvalError::FloatOutOfRange("overflow".into())
}

fn underflow() -> EvalError {
    EvalError::FloatOutOfRange("underflow".into())
}

fn integer_out_of_range(typ: ArithType) -> EvalError {
    EvalError::IntegerOutOfRange(typ.scalar_type().name().to_owned())
}

/// `abs(x)`.
pub(crate) fn abs<'a>(typ: ArithType, d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    Ok(match d {
        Datum::Int16(v) => Datum::Int16(v.checked_abs().ok_or_else(|| integer_out_of_range(typ))?),
        Datum::Int32(v) => Datum::Int32(v.checked_abs().ok_or_else(|| integer_out_of_range(typ))?),
        Datum::Int64(v) => Datum::Int64(v.checked_abs().ok_or_else(|| integer_out_of_range(typ))?),
        Datum::Float32(v) => Datum::Float32(v.abs()),
        Datum::Float64(v) => Datum::Float64(v.abs()),
        Datum::Numeric(n) => arena.push_numeric(&numeric::abs(&n.to_numeric())),
        other => other,
    })
}

/// Applies `float` to a `double precision` or `numeric` to a `numeric`.
fn float_or_numeric<'a>(
    d: Datum<'a>,
    arena: &'a RowArena,
    float: impl FnOnce(f64) -> Result<f64, EvalError>,
    numeric: impl FnOnce(&freshet_repr::Numeric) -> Result<freshet_repr::Numeric, EvalError>,
) -> Result<Datum<'a>, EvalError> {
    Ok(match d {
        Datum::Float64(v) => Datum::Float64(float(v)?),
        Datum::Numeric(n) => arena.push_numeric(&numeric(&n.to_numeric())?),
        other => other,
    })
}

/// `sign(x)`: -1, 0 or 1 (0 for NaN).
pub(crate) fn sign<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    float_or_numeric(
        d,
        arena,
        |v| {
            Ok(if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            })
        },
        |n| Ok(numeric::sign(n)),
    )
}

/// `ceil(x)`.
pub(crate) fn ceil<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    float_or_numeric(d, arena, |v| Ok(v.ceil()), |n| Ok(numeric::to_integer(n, true)))
}

/// `floor(x)`.
pub(crate) fn floor<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    float_or_numeric(d, arena, |v| Ok(v.floor()), |n| Ok(numeric::to_integer(n, false)))
}

/// `round(x)`: floats round half to even (`rint`), numerics half away from zero.
pub(crate) fn round<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    float_or_numeric(
        d,
        arena,
        |v| Ok(v.round_ties_even()),
        |n| Ok(numeric::round_scale(n, 0)),
    )
}

/// `trunc(x)`: toward zero.
pub(crate) fn trunc<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    float_or_numeric(d, arena, |v| Ok(v.trunc()), |n| Ok(numeric::trunc_scale(n, 0)))
}

/// `round(x, scale)` of a numeric.
pub(crate) fn round_scale<'a>(d: Datum<'a>, scale: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    Ok(match (d, scale) {
        (Datum::Numeric(n), Datum::Int32(s)) => arena.push_numeric(&numeric::round_scale(&n.to_numeric(), s)),
        (other, _) => other,
    })
}

/// `trunc(x, scale)` of a numeric.
pub(crate) fn trunc_scale<'a>(d: Datum<'a>, scale: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    Ok(match (d, scale) {
        (Datum::Numeric(n), Datum::Int32(s)) => arena.push_numeric(&numeric::trunc_scale(&n.to_numeric(), s)),
        (other, _) => other,
    })
}

/// `sqrt(x)`.
pub(crate) fn sqrt<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    float_or_numeric(
        d,
        arena,
        |v| {
            if v < 0.0 {
                return Err(EvalError::SqrtOfNegative);
            }
            let r = v.sqrt();
            if r.is_infinite() && v.is_finite() {
                return Err(overflow());
            }
            if r == 0.0 && v != 0.0 {
                return Err(underflow());
            }
            Ok(r)
        },
        numeric::sqrt,
    )
}

/// `exp(x)`.
pub(crate) fn exp<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    float_or_numeric(
        d,
        arena,
        |v| {
            if v.is_nan() {
                return Ok(v);
            }
            if v.is_infinite() {
                return Ok(if v > 0.0 { v } else { 0.0 });
            }
            let r = v.exp();
            if r.is_infinite() {
                return Err(overflow());
            }
            if r == 0.0 {
                return Err(underflow());
            }
            Ok(r)
        },
        numeric::exp,
    )
}

/// A float logarithm (`ln` or `log10`) with PostgreSQL's checks.
fn float_log(v: f64, log: impl FnOnce(f64) -> f64) -> Result<f64, EvalError> {
    if v == 0.0 {
        return Err(EvalError::LogOfZero);
    }
    if v < 0.0 {
        return Err(EvalError::LogOfNegative);
    }
    let r = log(v);
    if r.is_infinite() && !v.is_infinite() {
        return Err(overflow());
    }
    if r == 0.0 && v != 1.0 {
        return Err(underflow());
    }
    Ok(r)
}

/// `ln(x)`.
pub(crate) fn ln<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    float_or_numeric(d, arena, |v| float_log(v, f64::ln), numeric::ln)
}

/// `log(x)` and `log10(x)`: the base-10 logarithm.
pub(crate) fn log10<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    float_or_numeric(
        d,
        arena,
        |v| float_log(v, f64::log10),
        |n| numeric::log(&freshet_repr::Numeric::from_parts(10.into(), 0), n),
    )
}

/// `log(base, x)` of numerics.
pub(crate) fn log<'a>(base: Datum<'a>, x: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    Ok(match (base, x) {
        (Datum::Numeric(b), Datum::Numeric(x)) => arena.push_numeric(&numeric::log(&b.to_numeric(), &x.to_numeric())?),
        (other, _) => other,
    })
}

/// `power(x, y)` of floats (PostgreSQL's `dpow`, which fixes the POSIX
/// special cases itself).
fn float_power(x: f64, y: f64) -> Result<f64, EvalError> {
    if x.is_nan() {
        return Ok(if y.is_nan() || y != 0.0 { f64::NAN } else { 1.0 });
    }
    if y.is_nan() {
        return Ok(if x != 1.0 { f64::NAN } else { 1.0 });
    }
    if x == 0.0 && y < 0.0 {
        return Err(EvalError::ZeroToNegativePower);
    }
    if x < 0.0 && y.floor() != y {
        return Err(EvalError::ComplexPower);
    }
    if y.is_infinite() {
        let ax = x.abs();
        return Ok(if ax == 1.0 {
            1.0
        } else if (y > 0.0) == (ax > 1.0) {
            f64::INFINITY
        } else {
            0.0
        });
    }
    if x.is_infinite() {
        if y == 0.0 {
            return Ok(1.0);
        }
        if x > 0.0 {
            return Ok(if y > 0.0 { x } else { 0.0 });
        }
        let odd = y.floor() == y && (y * 0.5).floor() != y * 0.5;
        return Ok(match (y > 0.0, odd) {
            (true, true) => x,
            (true, false) => -x,
            (false, true) => -0.0,
            (false, false) => 0.0,
        });
    }
    let r = x.powf(y);
    if r.is_infinite() {
        return Err(overflow());
    }
    if r == 0.0 && x != 0.0 {
        return Err(underflow());
    }
    Ok(r)
}

/// `power(x, y)`.
pub(crate) fn power<'a>(x: Datum<'a>, y: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    Ok(match (x, y) {
        (Datum::Float64(x), Datum::Float64(y)) => Datum::Float64(float_power(x, y)?),
        (Datum::Numeric(x), Datum::Numeric(y)) => {
            arena.push_numeric(&numeric::power(&x.to_numeric(), &y.to_numeric())?)
        }
        (other, _) => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num<'a>(s: &str, arena: &'a RowArena) -> Datum<'a> {
        arena.push_numeric(&freshet_repr::Numeric::new(s.parse().expect("decimal")))
    }

    fn text(d: Result<Datum<'_>, EvalError>) -> Result<String, EvalError> {
        d.map(|d| {
            let mut s = String::new();
            freshet_repr::format_datum(d, &freshet_repr::ScalarType::Text, &mut s);
            s
        })
    }

    #[test]
    fn abs_checks_integer_range() {
        let arena = RowArena::new();
        assert_eq!(abs(ArithType::Int32, Datum::Int32(-5), &arena), Ok(Datum::Int32(5)));
        assert_eq!(
            abs(ArithType::Int16, Datum::Int16(i16::MIN), &arena),
            Err(EvalError::IntegerOutOfRange("smallint".into()))
        );
        assert_eq!(
            abs(ArithType::Int64, Datum::Int64(i64::MIN), &arena).map_err(|e| e.code().code()),
            Err("22003")
        );
        assert_eq!(
            text(abs(ArithType::Numeric, num("-17.40", &arena), &arena)),
            Ok("17.40".into())
        );
        assert_eq!(
            abs(ArithType::Float64, Datum::Float64(-0.5), &arena),
            Ok(Datum::Float64(0.5))
        );
    }

    #[test]
    fn float_rounding_is_half_to_even() {
        let arena = RowArena::new();
        assert_eq!(round(Datum::Float64(2.5), &arena), Ok(Datum::Float64(2.0)));
        assert_eq!(round(Datum::Float64(3.5), &arena), Ok(Datum::Float64(4.0)));
        assert_eq!(round(Datum::Float64(-2.5), &arena), Ok(Datum::Float64(-2.0)));
        assert_eq!(text(round(num("2.5", &arena), &arena)), Ok("3".into()));
        assert_eq!(text(round(num("-2.5", &arena), &arena)), Ok("-3".into()));
        assert_eq!(trunc(Datum::Float64(-42.8), &arena), Ok(Datum::Float64(-42.0)));
        assert_eq!(ceil(Datum::Float64(-0.5), &arena), Ok(Datum::Float64(-0.0)));
        assert_eq!(floor(Datum::Float64(-42.8), &arena), Ok(Datum::Float64(-43.0)));
        assert_eq!(sign(Datum::Float64(f64::NAN), &arena), Ok(Datum::Float64(0.0)));
        assert_eq!(
            text(round_scale(num("42.4382", &arena), Datum::Int32(2), &arena)),
            Ok("42.44".into())
        );
        assert_eq!(
            text(trunc_scale(num("42.4382", &arena), Datum::Int32(2), &arena)),
            Ok("42.43".into())
        );
    }

    #[test]
    fn invalid_arguments_raise_standard_codes() {
        let arena = RowArena::new();
        let code = |r: Result<Datum<'_>, EvalError>| r.map(|_| ()).map_err(|e| e.code().code());
        assert_eq!(code(sqrt(Datum::Float64(-1.0), &arena)), Err("2201F"));
        assert_eq!(code(sqrt(num("-1", &arena), &arena)), Err("2201F"));
        assert_eq!(code(ln(Datum::Float64(0.0), &arena)), Err("2201E"));
        assert_eq!(code(ln(num("-1", &arena), &arena)), Err("2201E"));
        assert_eq!(code(log10(Datum::Float64(-1.0), &arena)), Err("2201E"));
        assert_eq!(
            code(power(Datum::Float64(0.0), Datum::Float64(-1.0), &arena)),
            Err("2201F")
        );
        assert_eq!(
            code(power(Datum::Float64(-8.0), Datum::Float64(1.0 / 3.0), &arena)),
            Err("2201F")
        );
        assert_eq!(code(exp(Datum::Float64(1000.0), &arena)), Err("22003"));
        assert_eq!(code(exp(Datum::Float64(-1000.0), &arena)), Err("22003"));
        assert_eq!(
            code(power(Datum::Float64(10.0), Datum::Float64(400.0), &arena)),
            Err("22003")
        );
    }

    #[test]
    fn float_values() {
        let arena = RowArena::new();
        assert_eq!(
            sqrt(Datum::Float64(2.0), &arena),
            Ok(Datum::Float64(std::f64::consts::SQRT_2))
        );
        assert_eq!(log10(Datum::Float64(100.0), &arena), Ok(Datum::Float64(2.0)));
        assert_eq!(
            power(Datum::Float64(9.0), Datum::Float64(3.0), &arena),
            Ok(Datum::Float64(729.0))
        );
        assert_eq!(
            power(Datum::Float64(-2.0), Datum::Float64(f64::INFINITY), &arena),
            Ok(Datum::Float64(f64::INFINITY))
        );
        assert_eq!(
            power(Datum::Float64(f64::NAN), Datum::Float64(0.0), &arena),
            Ok(Datum::Float64(1.0))
        );
        assert_eq!(
            power(Datum::Float64(f64::NEG_INFINITY), Datum::Float64(3.0), &arena),
            Ok(Datum::Float64(f64::NEG_INFINITY))
        );
        assert_eq!(exp(Datum::Float64(f64::NEG_INFINITY), &arena), Ok(Datum::Float64(0.0)));
        assert_eq!(
            text(log10(num("1000", &arena), &arena)),
            Ok("3.0000000000000000".into())
        );
    }
}
