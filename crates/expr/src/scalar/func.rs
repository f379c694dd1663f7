//! The functions and operators scalar expressions call.

use std::fmt;

use freshet_repr::{ColumnType, Datum, RowArena, ScalarType};
use serde::{Deserialize, Serialize};

use super::arith::{self, ArithOp, ArithType};
use super::cast::CastFunc;
use crate::EvalError;

/// A function of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum UnaryFunc {
    /// Boolean `NOT`.
    Not,
    /// `IS NULL`.
    IsNull,
    /// `IS TRUE`.
    IsTrue,
    /// `IS FALSE`.
    IsFalse,
    /// Arithmetic negation.
    Neg(ArithType),
    /// A type conversion.
    Cast(CastFunc),
}

impl UnaryFunc {
    /// Whether a `NULL` argument yields `NULL` without evaluating.
    pub fn propagates_nulls(&self) -> bool {
        !matches!(self, UnaryFunc::IsNull | UnaryFunc::IsTrue | UnaryFunc::IsFalse)
    }

    /// Applies the function.
    pub fn eval<'a>(&self, d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        if d.is_null() && self.propagates_nulls() {
            return Ok(Datum::Null);
        }
        match self {
            UnaryFunc::Not => Ok(Datum::from_bool(!d.unwrap_bool())),
            UnaryFunc::IsNull => Ok(Datum::from_bool(d.is_null())),
            UnaryFunc::IsTrue => Ok(Datum::from_bool(matches!(d, Datum::True))),
            UnaryFunc::IsFalse => Ok(Datum::from_bool(matches!(d, Datum::False))),
            UnaryFunc::Neg(typ) => arith::neg(*typ, d, arena),
            UnaryFunc::Cast(cast) => cast.eval(d, arena),
        }
    }

    /// The type of the result, given the argument's.
    pub fn output_type(&self, input: ColumnType) -> ColumnType {
        match self {
            UnaryFunc::Not => ScalarType::Bool.nullable(input.nullable),
            UnaryFunc::IsNull | UnaryFunc::IsTrue | UnaryFunc::IsFalse => ScalarType::Bool.nullable(false),
            UnaryFunc::Neg(typ) => typ.scalar_type().nullable(input.nullable),
            UnaryFunc::Cast(cast) => cast.to.nullable(input.nullable),
        }
    }
}

/// A function of two arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BinaryFunc {
    /// An arithmetic operator on one numeric type.
    Arith(ArithOp, ArithType),
    /// `=`
    Eq,
    /// `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `||` on strings.
    TextConcat,
}

impl BinaryFunc {
    /// Applies the function; both arguments are non-null.
    pub fn eval<'a>(&self, a: Datum<'a>, b: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        if a.is_null() || b.is_null() {
            return Ok(Datum::Null);
        }
        Ok(match self {
            BinaryFunc::Arith(op, typ) => return arith::eval(*op, *typ, a, b, arena),
            BinaryFunc::Eq => Datum::from_bool(a == b),
            BinaryFunc::NotEq => Datum::from_bool(a != b),
            BinaryFunc::Lt => Datum::from_bool(a < b),
            BinaryFunc::Lte => Datum::from_bool(a <= b),
            BinaryFunc::Gt => Datum::from_bool(a > b),
            BinaryFunc::Gte => Datum::from_bool(a >= b),
            BinaryFunc::TextConcat => {
                let mut s = String::with_capacity(a.unwrap_str().len() + b.unwrap_str().len());
                s.push_str(a.unwrap_str());
                s.push_str(b.unwrap_str());
                Datum::String(arena.push_string(&s))
            }
        })
    }

    /// The type of the result, given the arguments'.
    pub fn output_type(&self, a: ColumnType, b: ColumnType) -> ColumnType {
        let nullable = a.nullable || b.nullable;
        match self {
            BinaryFunc::Arith(_, typ) => typ.scalar_type().nullable(nullable),
            BinaryFunc::Eq
            | BinaryFunc::NotEq
            | BinaryFunc::Lt
            | BinaryFunc::Lte
            | BinaryFunc::Gt
            | BinaryFunc::Gte => ScalarType::Bool.nullable(nullable),
            BinaryFunc::TextConcat => ScalarType::Text.nullable(nullable),
        }
    }

    /// The operator's symbol in the text form.
    pub fn symbol(&self) -> String {
        match self {
            BinaryFunc::Arith(op, _) => op.to_string(),
            BinaryFunc::Eq => "=".into(),
            BinaryFunc::NotEq => "<>".into(),
            BinaryFunc::Lt => "<".into(),
            BinaryFunc::Lte => "<=".into(),
            BinaryFunc::Gt => ">".into(),
            BinaryFunc::Gte => ">=".into(),
            BinaryFunc::TextConcat => "||".into(),
        }
    }
}

/// A function of any number of arguments, evaluated lazily by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum VariadicFunc {
    /// `AND` with SQL's three-valued logic.
    And,
    /// `OR` with SQL's three-valued logic.
    Or,
    /// `COALESCE`: the first non-null argument.
    Coalesce,
}

impl fmt::Display for VariadicFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VariadicFunc::And => "and",
            VariadicFunc::Or => "or",
            VariadicFunc::Coalesce => "coalesce",
        })
    }
}
