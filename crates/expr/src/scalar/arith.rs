//! Arithmetic on every numeric type, with PostgreSQL's overflow and
//! division-by-zero errors.

use std::fmt;

use freshet_repr::{Datum, RowArena, ScalarType};
use serde::{Deserialize, Serialize};

use super::numeric;
use crate::EvalError;

/// The numeric type an arithmetic operator works on (both operands and the
/// result have this type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ArithType {
    /// `smallint`
    Int16,
    /// `integer`
    Int32,
    /// `bigint`
    Int64,
    /// `uint2`
    UInt16,
    /// `uint4`
    UInt32,
    /// `uint8`
    UInt64,
    /// `real`
    Float32,
    /// `double precision`
    Float64,
    /// `numeric`
    Numeric,
}

impl ArithType {
    /// The arithmetic type of a scalar type, if it is a number.
    pub fn of(typ: &ScalarType) -> Option<ArithType> {
        Some(match typ {
            ScalarType::Int16 => ArithType::Int16,
            ScalarType::Int32 => ArithType::Int32,
            ScalarType::Int64 => ArithType::Int64,
            ScalarType::UInt16 => ArithType::UInt16,
            ScalarType::UInt32 => ArithType::UInt32,
            ScalarType::UInt64 => ArithType::UInt64,
            ScalarType::Float32 => ArithType::Float32,
            ScalarType::Float64 => ArithType::Float64,
            ScalarType::Numeric { .. } => ArithType::Numeric,
            _ => return None,
        })
    }

    /// The scalar type of operands and results.
    pub fn scalar_type(self) -> ScalarType {
        match self {
            ArithType::Int16 => ScalarType::Int16,
            ArithType::Int32 => ScalarType::Int32,
            ArithType::Int64 => ScalarType::Int64,
            ArithType::UInt16 => ScalarType::UInt16,
            ArithType::UInt32 => ScalarType::UInt32,
            ArithType::UInt64 => ScalarType::UInt64,
            ArithType::Float32 => ScalarType::Float32,
            ArithType::Float64 => ScalarType::Float64,
            ArithType::Numeric => ScalarType::numeric(),
        }
    }
}

/// An arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (integer division truncates toward zero)
    Div,
    /// `%` (the sign of the dividend)
    Mod,
}

impl fmt::Display for ArithOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
        })
    }
}

fn out_of_range(typ: ArithType) -> EvalError {
    EvalError::IntegerOutOfRange(typ.scalar_type().name().to_owned())
}

macro_rules! int_op {
    ($op:expr, $a:expr, $b:expr, $typ:expr) => {{
        let (a, b) = ($a, $b);
        let result = match $op {
            ArithOp::Add => a.checked_add(b),
            ArithOp::Sub => a.checked_sub(b),
            ArithOp::Mul => a.checked_mul(b),
            ArithOp::Div => {
                if b == 0 {
                    return Err(EvalError::DivisionByZero);
                }
                a.checked_div(b)
            }
            ArithOp::Mod => {
                if b == 0 {
                    return Err(EvalError::DivisionByZero);
                }
                // MIN % -1 overflows in Rust but is 0 in SQL.
                Some(a.checked_rem(b).unwrap_or(0))
            }
        };
        result.ok_or_else(|| out_of_range($typ))?
    }};
}

fn float_op(op: ArithOp, a: f64, b: f64) -> Result<f64, EvalError> {
    let result = match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => {
            if b == 0.0 {
                return Err(EvalError::DivisionByZero);
            }
            a / b
        }
        ArithOp::Mod => {
            if b == 0.0 {
                return Err(EvalError::DivisionByZero);
            }
            a % b
        }
    };
    Ok(result)
}

/// PostgreSQL's checks on a float result: infinity from finite inputs is an
/// overflow; zero from non-zero factors or dividend is an underflow.
fn check_float(op: ArithOp, a: f64, b: f64, result: f64) -> Result<(), EvalError> {
    if result.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(EvalError::FloatOutOfRange("overflow".into()));
    }
    if result == 0.0 {
        let underflow = match op {
            ArithOp::Mul => a != 0.0 && b != 0.0,
            ArithOp::Div => a != 0.0 && b.is_finite(),
            _ => false,
        };
        if underflow {
            return Err(EvalError::FloatOutOfRange("underflow".into()));
        }
    }
    Ok(())
}

/// Applies `op` to two datums of type `typ`.
pub(crate) fn eval<'a>(
    op: ArithOp,
    typ: ArithType,
    a: Datum<'a>,
    b: Datum<'a>,
    arena: &'a RowArena,
) -> Result<Datum<'a>, EvalError> {
    Ok(match (a, b) {
        (Datum::Int16(a), Datum::Int16(b)) => Datum::Int16(int_op!(op, a, b, typ)),
        (Datum::Int32(a), Datum::Int32(b)) => Datum::Int32(int_op!(op, a, b, typ)),
        (Datum::Int64(a), Datum::Int64(b)) => Datum::Int64(int_op!(op, a, b, typ)),
        (Datum::UInt16(a), Datum::UInt16(b)) => Datum::UInt16(int_op!(op, a, b, typ)),
        (Datum::UInt32(a), Datum::UInt32(b)) => Datum::UInt32(int_op!(op, a, b, typ)),
        (Datum::UInt64(a), Datum::UInt64(b)) => Datum::UInt64(int_op!(op, a, b, typ)),
        (Datum::Float32(a), Datum::Float32(b)) => {
            let result = float_op(op, f64::from(a), f64::from(b))? as f32;
            check_float(op, f64::from(a), f64::from(b), f64::from(result))?;
            Datum::Float32(result)
        }
        (Datum::Float64(a), Datum::Float64(b)) => {
            let result = float_op(op, a, b)?;
            check_float(op, a, b, result)?;
            Datum::Float64(result)
        }
        (Datum::Numeric(a), Datum::Numeric(b)) => {
            let (a, b) = (a.to_numeric(), b.to_numeric());
            let result = match op {
                ArithOp::Add => numeric::add(&a, &b)?,
                ArithOp::Sub => numeric::sub(&a, &b)?,
                ArithOp::Mul => numeric::mul(&a, &b)?,
                ArithOp::Div => numeric::div(&a, &b)?,
                ArithOp::Mod => numeric::rem(&a, &b)?,
            };
            arena.push_numeric(&result)
        }
        (a, b) => panic!("arithmetic {op} on {typ:?} applied to {a:?} and {b:?}"),
    })
}

/// Negates a datum of type `typ`.
pub(crate) fn neg<'a>(typ: ArithType, a: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    Ok(match a {
        Datum::Int16(a) => Datum::Int16(a.checked_neg().ok_or_else(|| out_of_range(typ))?),
        Datum::Int32(a) => Datum::Int32(a.checked_neg().ok_or_else(|| out_of_range(typ))?),
        Datum::Int64(a) => Datum::Int64(a.checked_neg().ok_or_else(|| out_of_range(typ))?),
        Datum::Float32(a) => Datum::Float32(-a),
        Datum::Float64(a) => Datum::Float64(-a),
        Datum::Numeric(a) => arena.push_numeric(&numeric::neg(&a.to_numeric())),
        other => panic!("negation on {typ:?} applied to {other:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_edges_raise_sql_errors() {
        let arena = RowArena::new();
        let e = eval(
            ArithOp::Add,
            ArithType::Int16,
            Datum::Int16(i16::MAX),
            Datum::Int16(1),
            &arena,
        );
        assert_eq!(e, Err(EvalError::IntegerOutOfRange("smallint".into())));
        let e = eval(
            ArithOp::Div,
            ArithType::Int32,
            Datum::Int32(i32::MIN),
            Datum::Int32(-1),
            &arena,
        );
        assert_eq!(e, Err(EvalError::IntegerOutOfRange("integer".into())));
        let e = eval(
            ArithOp::Mod,
            ArithType::Int32,
            Datum::Int32(i32::MIN),
            Datum::Int32(-1),
            &arena,
        );
        assert_eq!(e, Ok(Datum::Int32(0)));
        let e = eval(ArithOp::Div, ArithType::Int64, Datum::Int64(1), Datum::Int64(0), &arena);
        assert_eq!(e, Err(EvalError::DivisionByZero));
        let e = eval(
            ArithOp::Div,
            ArithType::Int32,
            Datum::Int32(-7),
            Datum::Int32(2),
            &arena,
        );
        assert_eq!(e, Ok(Datum::Int32(-3)));
        let e = eval(
            ArithOp::Sub,
            ArithType::UInt16,
            Datum::UInt16(0),
            Datum::UInt16(1),
            &arena,
        );
        assert_eq!(e, Err(EvalError::IntegerOutOfRange("uint2".into())));
    }

    #[test]
    fn float_overflow_and_underflow() {
        let arena = RowArena::new();
        let e = eval(
            ArithOp::Mul,
            ArithType::Float64,
            Datum::Float64(1e308),
            Datum::Float64(10.0),
            &arena,
        );
        assert_eq!(e, Err(EvalError::FloatOutOfRange("overflow".into())));
        let e = eval(
            ArithOp::Mul,
            ArithType::Float64,
            Datum::Float64(1e-308),
            Datum::Float64(1e-308),
            &arena,
        );
        assert_eq!(e, Err(EvalError::FloatOutOfRange("underflow".into())));
        let e = eval(
            ArithOp::Add,
            ArithType::Float64,
            Datum::Float64(f64::INFINITY),
            Datum::Float64(1.0),
            &arena,
        );
        assert_eq!(e, Ok(Datum::Float64(f64::INFINITY)));
    }
}
