//! Aggregate functions: what `Reduce` computes over each group.

use std::fmt;

use bigdecimal::BigDecimal;
use freshet_repr::{ColumnType, Datum, Diff, Numeric, RowArena, ScalarType};
use serde::{Deserialize, Serialize};

use crate::{EvalError, ScalarExpr};

/// An aggregate function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AggregateFunc {
    /// `count(*)`: the number of rows.
    CountAll,
    /// `count(x)`: the number of non-null values.
    Count,
    /// `sum(x)` of integers up to `integer`, as `bigint`.
    SumInt,
    /// `sum(x)` of `bigint` or unsigned integers, as `numeric`.
    SumNumeric,
    /// `sum(x)` of `real`.
    SumFloat32,
    /// `sum(x)` of `double precision`.
    SumFloat64,
    /// `min(x)`.
    Min,
    /// `max(x)`.
    Max,
    /// `bool_and(x)` / `every(x)`.
    All,
    /// `bool_or(x)`.
    Any,
}

/// One aggregate of a `Reduce`: a function over an expression of the
/// input row, over all values or over distinct ones.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AggregateExpr {
    /// The function.
    pub func: AggregateFunc,
    /// The value aggregated, over the input's columns.
    pub expr: ScalarExpr,
    /// Whether duplicates count once (`count(DISTINCT x)`).
    pub distinct: bool,
}

impl AggregateFunc {
    /// The result type, given the argument's.
    pub fn output_type(&self, input: ColumnType) -> ColumnType {
        match self {
            AggregateFunc::CountAll | AggregateFunc::Count => ScalarType::Int64.nullable(false),
            AggregateFunc::SumInt => ScalarType::Int64.nullable(true),
            AggregateFunc::SumNumeric => ScalarType::numeric().nullable(true),
            AggregateFunc::SumFloat32 => ScalarType::Float32.nullable(true),
            AggregateFunc::SumFloat64 => ScalarType::Float64.nullable(true),
            AggregateFunc::Min | AggregateFunc::Max => input.scalar_type.nullable(true),
            AggregateFunc::All | AggregateFunc::Any => ScalarType::Bool.nullable(true),
        }
    }

    /// The value over no rows: 0 for counts, `NULL` otherwise.
    pub fn default_value(&self) -> Datum<'static> {
        match self {
            AggregateFunc::CountAll | AggregateFunc::Count => Datum::Int64(0),
            _ => Datum::Null,
        }
    }

    /// The name in the text form.
    pub fn name(&self) -> &'static str {
        match self {
            AggregateFunc::CountAll | AggregateFunc::Count => "count",
            AggregateFunc::SumInt
            | AggregateFunc::SumNumeric
            | AggregateFunc::SumFloat32
            | AggregateFunc::SumFloat64 => "sum",
            AggregateFunc::Min => "min",
            AggregateFunc::Max => "max",
            AggregateFunc::All => "bool_and",
            AggregateFunc::Any => "bool_or",
        }
    }

    /// Aggregates a group's values, each with its (positive) multiplicity.
    /// For a distinct aggregate the caller passes each value once.
    pub fn eval<'a, I>(&self, values: I, arena: &'a RowArena) -> Result<Datum<'a>, EvalError>
    where
        I: IntoIterator<Item = (Datum<'a>, Diff)>,
    {
        let values = values.into_iter().filter(|(d, diff)| *diff != 0 && !d.is_null());
        let overflow = || EvalError::IntegerOutOfRange("bigint".into());
        match self {
            AggregateFunc::CountAll | AggregateFunc::Count => {
                let n: i128 = values.map(|(_, diff)| i128::from(diff)).sum();
                Ok(Datum::Int64(i64::try_from(n).map_err(|_| overflow())?))
            }
            AggregateFunc::SumInt => {
                let mut sum: Option<i128> = None;
                for (d, diff) in values {
                    let v = match d {
                        Datum::Int16(v) => i128::from(v),
                        Datum::Int32(v) => i128::from(v),
                        Datum::Int64(v) => i128::from(v),
                        _ => return Err(internal_type(self, d)),
                    };
                    sum = Some(sum.unwrap_or(0) + v * i128::from(diff));
                }
                sum.map(|s| i64::try_from(s).map(Datum::Int64).map_err(|_| overflow()))
                    .unwrap_or(Ok(Datum::Null))
            }
            AggregateFunc::SumNumeric => {
                let mut sum: Option<BigDecimal> = None;
                for (d, diff) in values {
                    let v = match d {
                        Datum::Int64(v) => BigDecimal::from(v),
                        Datum::UInt16(v) => BigDecimal::from(v),
                        Datum::UInt32(v) => BigDecimal::from(v),
                        Datum::UInt64(v) => BigDecimal::from(v),
                        Datum::Int32(v) => BigDecimal::from(v),
                        Datum::Int16(v) => BigDecimal::from(v),
                        Datum::Numeric(n) => n.to_numeric().into_bigdecimal(),
                        _ => return Err(internal_type(self, d)),
                    };
                    let v = v * BigDecimal::from(diff);
                    sum = Some(match sum {
                        None => v,
                        Some(s) => s + v,
                    });
                }
                match sum {
                    None => Ok(Datum::Null),
                    Some(s) => Ok(arena.push_numeric(&Numeric::new(s))),
                }
            }
            AggregateFunc::SumFloat32 | AggregateFunc::SumFloat64 => {
                let mut sum: Option<f64> = None;
                for (d, diff) in values {
                    #[allow(clippy::cast_precision_loss)]
                    let times = diff as f64;
                    let v = match d {
                        Datum::Float32(v) => f64::from(v) * times,
                        Datum::Float64(v) => v * times,
                        _ => return Err(internal_type(self, d)),
                    };
                    sum = Some(sum.unwrap_or(0.0) + v);
                }
                #[allow(clippy::cast_possible_truncation)]
                Ok(match (sum, self) {
                    (None, _) => Datum::Null,
                    (Some(s), AggregateFunc::SumFloat32) => Datum::Float32(s as f32),
                    (Some(s), _) => Datum::Float64(s),
                })
            }
            AggregateFunc::Min => Ok(values.map(|(d, _)| d).min().unwrap_or(Datum::Null)),
            AggregateFunc::Max => Ok(values.map(|(d, _)| d).max().unwrap_or(Datum::Null)),
            AggregateFunc::All | AggregateFunc::Any => {
                let mut result = None;
                for (d, _) in values {
                    let b = d == Datum::True;
                    result = Some(match (result, self) {
                        (None, _) => b,
                        (Some(r), AggregateFunc::All) => r && b,
                        (Some(r), _) => r || b,
                    });
                }
                Ok(result.map_or(Datum::Null, Datum::from_bool))
            }
        }
    }
}

fn internal_type(func: &AggregateFunc, d: Datum<'_>) -> EvalError {
    EvalError::InvalidCast {
        message: format!("{} cannot aggregate {d:?}", func.name()),
    }
}

impl fmt::Display for AggregateExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let distinct = if self.distinct { "distinct " } else { "" };
        match self.func {
            AggregateFunc::CountAll => write!(f, "count(*)"),
            func => write!(f, "{}({distinct}{})", func.name(), self.expr),
        }
    }
}
