//! Aggregate functions: what `Reduce` computes over each group.

use std::fmt;

use bigdecimal::BigDecimal;
use freshet_repr::{ColumnType, Datum, Diff, ElementType, Numeric, Row, RowArena, ScalarType};
use serde::{Deserialize, Serialize};

use super::finishing::{ColumnOrder, compare_rows};
use crate::scalar::{jsonb_array_text, jsonb_object_text};
use crate::{EvalError, ScalarExpr};

/// An aggregate function.
///
/// The aggregates that read several values per row (`string_agg`'s value
/// and separator, the keys of an `ORDER BY` inside the call) aggregate a
/// record packed by [`crate::VariadicFunc::Record`]; their `order_by` keys
/// name fields of that record, and sort each group's records before they
/// are combined (ties keep the group's order, which is deterministic).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// `string_agg(value, separator [ORDER BY ...])` over records of
    /// (value, separator, order keys...): the non-null values, each after
    /// the first preceded by its own separator.
    StringAgg {
        /// The order of the values, over fields of the record.
        order_by: Vec<ColumnOrder>,
    },
    /// `jsonb_agg(value [ORDER BY ...])` over records of (the value as
    /// `jsonb`, `null` for SQL `NULL`; order keys...): a `jsonb` array.
    JsonbAgg {
        /// The order of the elements, over fields of the record.
        order_by: Vec<ColumnOrder>,
    },
    /// `jsonb_object_agg(key, value [ORDER BY ...])` over records of (key
    /// as text, value as `jsonb`, order keys...): a `jsonb` object, the
    /// last value of a repeated key kept.
    JsonbObjectAgg {
        /// The order of the pairs, over fields of the record.
        order_by: Vec<ColumnOrder>,
    },
    /// `array_agg(value [ORDER BY ...])` over records of (value, order
    /// keys...): an array of the values, `NULL`s included.
    ArrayAgg {
        /// The elements' type.
        element: ElementType,
        /// The order of the elements, over fields of the record.
        order_by: Vec<ColumnOrder>,
    },
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
            AggregateFunc::StringAgg { .. } => ScalarType::Text.nullable(true),
            AggregateFunc::JsonbAgg { .. } | AggregateFunc::JsonbObjectAgg { .. } => ScalarType::Jsonb.nullable(true),
            AggregateFunc::ArrayAgg { element, .. } => ScalarType::Array(*element).nullable(true),
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
            AggregateFunc::StringAgg { .. } => "string_agg",
            AggregateFunc::JsonbAgg { .. } => "jsonb_agg",
            AggregateFunc::JsonbObjectAgg { .. } => "jsonb_object_agg",
            AggregateFunc::ArrayAgg { .. } => "array_agg",
        }
    }

    /// The keys of an `ORDER BY` inside the call (none for most aggregates).
    pub fn order_by(&self) -> &[ColumnOrder] {
        match self {
            AggregateFunc::StringAgg { order_by }
            | AggregateFunc::JsonbAgg { order_by }
            | AggregateFunc::JsonbObjectAgg { order_by }
            | AggregateFunc::ArrayAgg { order_by, .. } => order_by,
            _ => &[],
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
            AggregateFunc::StringAgg { order_by } => {
                let records = Records::sorted(self, values, order_by)?;
                let mut out: Option<String> = None;
                for record in records.iter() {
                    let Datum::String(value) = record[0] else {
                        continue;
                    };
                    match &mut out {
                        None => out = Some(value.to_owned()),
                        Some(s) => {
                            if let Datum::String(separator) = record[1] {
                                s.push_str(separator);
                            }
                            s.push_str(value);
                        }
                    }
                }
                Ok(out.map_or(Datum::Null, |s| Datum::String(arena.push_string(&s))))
            }
            AggregateFunc::JsonbAgg { order_by } => {
                let records = Records::sorted(self, values, order_by)?;
                let elements: Vec<&str> = records.iter().map(|r| jsonb_field(r[0])).collect();
                if elements.is_empty() {
                    return Ok(Datum::Null);
                }
                Ok(Datum::Jsonb(arena.push_string(&jsonb_array_text(&elements))))
            }
            AggregateFunc::JsonbObjectAgg { order_by } => {
                let records = Records::sorted(self, values, order_by)?;
                let mut pairs = Vec::new();
                for record in records.iter() {
                    let Datum::String(key) = record[0] else {
                        return Err(EvalError::NullJsonbFieldName);
                    };
                    pairs.push((key.to_owned(), jsonb_field(record[1]).to_owned()));
                }
                if pairs.is_empty() {
                    return Ok(Datum::Null);
                }
                Ok(Datum::Jsonb(arena.push_string(&jsonb_object_text(pairs))))
            }
            AggregateFunc::ArrayAgg { order_by, .. } => {
                let records = Records::sorted(self, values, order_by)?;
                let elements: Vec<Vec<Datum<'_>>> = records.iter().collect();
                if elements.is_empty() {
                    return Ok(Datum::Null);
                }
                Ok(arena.push_array(elements.iter().map(|record| record[0])))
            }
        }
    }
}

/// A `jsonb` field of a record: SQL `NULL` is JSON `null`.
fn jsonb_field<'a>(d: Datum<'a>) -> &'a str {
    match d {
        Datum::Jsonb(j) => j,
        _ => "null",
    }
}

/// The records of one group, unpacked and in order.
struct Records {
    /// Each record's row and how many times it occurs, sorted.
    rows: Vec<(Row, usize)>,
}

impl Records {
    /// Unpacks the records packed by [`crate::VariadicFunc::Record`] and
    /// sorts them by `order_by` (stably: ties keep the input's order).
    fn sorted<'a>(
        func: &AggregateFunc,
        values: impl Iterator<Item = (Datum<'a>, Diff)>,
        order_by: &[ColumnOrder],
    ) -> Result<Records, EvalError> {
        let mut rows = Vec::new();
        for (d, diff) in values {
            let Datum::Bytes(bytes) = d else {
                return Err(internal_type(func, d));
            };
            let times = usize::try_from(diff).map_err(|_| EvalError::NegativeMultiplicity)?;
            rows.push((Row::from_bytes(bytes.to_vec()), times));
        }
        if !order_by.is_empty() {
            let mut keyed: Vec<(Vec<Datum<'_>>, usize)> =
                rows.iter().enumerate().map(|(i, (row, _))| (row.unpack(), i)).collect();
            keyed.sort_by(|a, b| compare_rows(order_by, &a.0, &b.0));
            let order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
            let mut slots: Vec<Option<(Row, usize)>> = rows.into_iter().map(Some).collect();
            rows = order.into_iter().filter_map(|i| slots[i].take()).collect();
        }
        Ok(Records { rows })
    }

    /// Every record as many times as it occurs, in order.
    fn iter(&self) -> impl Iterator<Item = Vec<Datum<'_>>> + '_ {
        self.rows
            .iter()
            .flat_map(|(row, times)| std::iter::repeat_n(row, *times).map(Row::unpack))
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
        match &self.func {
            AggregateFunc::CountAll => write!(f, "count(*)"),
            func => {
                write!(f, "{}", func.name())?;
                let order_by = func.order_by();
                if !order_by.is_empty() {
                    let keys: Vec<String> = order_by.iter().map(ToString::to_string).collect();
                    write!(f, "[order_by=({})]", keys.join(", "))?;
                }
                write!(f, "({distinct}{})", self.expr)
            }
        }
    }
}

#[cfg(test)]
mod tests;
