//! Window functions: what `Window` computes for each row from the rows of
//! its partition, in the window's order.
//!
//! Every function uses PostgreSQL's default frame: with an `ORDER BY`, the
//! rows from the partition's start through the current row's last peer (the
//! rows that tie with it in the order); without one, the whole partition.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

use freshet_repr::{ColumnType, Datum, Diff, Row, RowArena, ScalarType};
use serde::{Deserialize, Serialize};

use super::{AggregateFunc, ColumnOrder, compare_rows};
use crate::{EvalError, ScalarExpr};

/// A window function and its arguments (expressions over the input row).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WindowFunc {
    /// `row_number()`: the row's position in its partition, from 1.
    RowNumber,
    /// `rank()`: the position of the row's first peer, from 1 (with gaps).
    Rank,
    /// `dense_rank()`: the number of the row's peer group, from 1 (no gaps).
    DenseRank,
    /// `percent_rank()`: `(rank - 1) / (rows - 1)`, 0 for one row.
    PercentRank,
    /// `cume_dist()`: the share of rows up to the row's last peer.
    CumeDist,
    /// `ntile(n)`: the bucket, from 1, when the partition is divided into
    /// `n` buckets as equal as possible (`n` read from the first row).
    Ntile {
        /// The number of buckets, `integer`.
        buckets: ScalarExpr,
    },
    /// `lag(value, offset, default)`: `value` at the row `offset` rows
    /// before, or `default` where there is none.
    Lag {
        /// The value read on the other row.
        value: ScalarExpr,
        /// How many rows back, `integer`, read on the current row.
        offset: ScalarExpr,
        /// The value where the other row does not exist, read on the current row.
        default: ScalarExpr,
    },
    /// `lead(value, offset, default)`: `value` at the row `offset` rows
    /// after, or `default` where there is none.
    Lead {
        /// The value read on the other row.
        value: ScalarExpr,
        /// How many rows ahead, `integer`, read on the current row.
        offset: ScalarExpr,
        /// The value where the other row does not exist, read on the current row.
        default: ScalarExpr,
    },
    /// `first_value(value)`: `value` on the frame's first row.
    FirstValue {
        /// The value.
        value: ScalarExpr,
    },
    /// `last_value(value)`: `value` on the frame's last row.
    LastValue {
        /// The value.
        value: ScalarExpr,
    },
    /// `nth_value(value, n)`: `value` on the frame's `n`th row, `NULL` if
    /// the frame is shorter.
    NthValue {
        /// The value.
        value: ScalarExpr,
        /// The position in the frame, from 1, `integer`, read on the current row.
        n: ScalarExpr,
    },
    /// An aggregate over the frame (`sum(x) OVER (…)`).
    Aggregate {
        /// The aggregate.
        func: AggregateFunc,
        /// What it aggregates.
        expr: ScalarExpr,
    },
}

impl WindowFunc {
    /// The function's name in the text form.
    pub fn name(&self) -> &'static str {
        match self {
            WindowFunc::RowNumber => "row_number",
            WindowFunc::Rank => "rank",
            WindowFunc::DenseRank => "dense_rank",
            WindowFunc::PercentRank => "percent_rank",
            WindowFunc::CumeDist => "cume_dist",
            WindowFunc::Ntile { .. } => "ntile",
            WindowFunc::Lag { .. } => "lag",
            WindowFunc::Lead { .. } => "lead",
            WindowFunc::FirstValue { .. } => "first_value",
            WindowFunc::LastValue { .. } => "last_value",
            WindowFunc::NthValue { .. } => "nth_value",
            WindowFunc::Aggregate { func, .. } => func.name(),
        }
    }

    /// The type of the result, given the input's column types.
    pub fn output_type(&self, input: &[ColumnType]) -> ColumnType {
        match self {
            WindowFunc::RowNumber | WindowFunc::Rank | WindowFunc::DenseRank => ScalarType::Int64.nullable(false),
            WindowFunc::PercentRank | WindowFunc::CumeDist => ScalarType::Float64.nullable(false),
            WindowFunc::Ntile { .. } => ScalarType::Int32.nullable(true),
            WindowFunc::Lag { value, .. }
            | WindowFunc::Lead { value, .. }
            | WindowFunc::FirstValue { value }
            | WindowFunc::LastValue { value }
            | WindowFunc::NthValue { value, .. } => value.typ(input).scalar_type.nullable(true),
            WindowFunc::Aggregate { func, expr } => func.output_type(expr.typ(input)),
        }
    }

    /// The argument expressions.
    pub fn args(&self) -> Vec<&ScalarExpr> {
        match self {
            WindowFunc::RowNumber
            | WindowFunc::Rank
            | WindowFunc::DenseRank
            | WindowFunc::PercentRank
            | WindowFunc::CumeDist => vec![],
            WindowFunc::Ntile { buckets } => vec![buckets],
            WindowFunc::Lag { value, offset, default } | WindowFunc::Lead { value, offset, default } => {
                vec![value, offset, default]
            }
            WindowFunc::FirstValue { value } | WindowFunc::LastValue { value } => vec![value],
            WindowFunc::NthValue { value, n } => vec![value, n],
            WindowFunc::Aggregate { expr, .. } => vec![expr],
        }
    }

    /// The argument expressions, to change in place.
    pub fn args_mut(&mut self) -> Vec<&mut ScalarExpr> {
        match self {
            WindowFunc::RowNumber
            | WindowFunc::Rank
            | WindowFunc::DenseRank
            | WindowFunc::PercentRank
            | WindowFunc::CumeDist => vec![],
            WindowFunc::Ntile { buckets } => vec![buckets],
            WindowFunc::Lag { value, offset, default } | WindowFunc::Lead { value, offset, default } => {
                vec![value, offset, default]
            }
            WindowFunc::FirstValue { value } | WindowFunc::LastValue { value } => vec![value],
            WindowFunc::NthValue { value, n } => vec![value, n],
            WindowFunc::Aggregate { expr, .. } => vec![expr],
        }
    }

    /// The input columns the arguments read.
    pub fn columns(&self) -> BTreeSet<usize> {
        self.args().into_iter().flat_map(ScalarExpr::columns).collect()
    }

    /// The function with every column its arguments read renumbered by `f`.
    pub fn remap_columns(mut self, f: impl Fn(usize) -> usize) -> WindowFunc {
        for arg in self.args_mut() {
            let taken = std::mem::replace(arg, ScalarExpr::Column(0));
            *arg = taken.remap_columns(&f);
        }
        self
    }

    /// Whether a row's value can depend on the order among rows that tie
    /// in the window's order (`row_number`, `lag`): those are ordered by
    /// their whole rows, so the input must keep every column for the
    /// answer not to change with the columns read above.
    pub fn depends_on_tie_order(&self) -> bool {
        match self {
            WindowFunc::Rank
            | WindowFunc::DenseRank
            | WindowFunc::PercentRank
            | WindowFunc::CumeDist
            | WindowFunc::Aggregate { .. } => false,
            WindowFunc::RowNumber
            | WindowFunc::Ntile { .. }
            | WindowFunc::Lag { .. }
            | WindowFunc::Lead { .. }
            | WindowFunc::FirstValue { .. }
            | WindowFunc::LastValue { .. }
            | WindowFunc::NthValue { .. } => true,
        }
    }

    /// The function's value on every position of `partition`.
    fn eval<'a>(&'a self, partition: &Partition<'a>, arena: &'a RowArena) -> Result<Vec<Datum<'a>>, EvalError> {
        let n = partition.len();
        let int64 = |i: usize| Datum::Int64(i64::try_from(i).unwrap_or(i64::MAX));
        #[allow(clippy::cast_precision_loss)]
        let float = |a: usize, b: usize| Datum::Float64(a as f64 / b as f64);
        Ok(match self {
            WindowFunc::RowNumber => (1..=n).map(int64).collect(),
            WindowFunc::Rank => partition.peers.iter().map(|(first, _)| int64(first + 1)).collect(),
            WindowFunc::DenseRank => partition.groups.iter().map(|g| int64(g + 1)).collect(),
            WindowFunc::PercentRank => partition
                .peers
                .iter()
                .map(|(first, _)| {
                    if n > 1 {
                        float(*first, n - 1)
                    } else {
                        Datum::Float64(0.0)
                    }
                })
                .collect(),
            WindowFunc::CumeDist => partition.peers.iter().map(|(_, end)| float(*end, n)).collect(),
            WindowFunc::Ntile { buckets } => ntile(buckets, partition, arena)?,
            WindowFunc::Lag { value, offset, default } | WindowFunc::Lead { value, offset, default } => {
                let forward = matches!(self, WindowFunc::Lead { .. });
                let mut values = Values::new(value, partition);
                let mut offsets = Values::new(offset, partition);
                let mut defaults = Values::new(default, partition);
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    let Some(offset) = int_value(offsets.at(i, partition, arena)?) else {
                        out.push(Datum::Null);
                        continue;
                    };
                    let current = i64::try_from(i).unwrap_or(i64::MAX);
                    let target = if forward {
                        current.checked_add(offset)
                    } else {
                        current.checked_sub(offset)
                    };
                    out.push(match target.and_then(|t| usize::try_from(t).ok()).filter(|t| *t < n) {
                        Some(t) => values.at(t, partition, arena)?,
                        None => defaults.at(i, partition, arena)?,
                    });
                }
                out
            }
            WindowFunc::FirstValue { value } => {
                let first = Values::new(value, partition).at(0, partition, arena)?;
                vec![first; n]
            }
            WindowFunc::LastValue { value } => {
                let mut values = Values::new(value, partition);
                (0..n)
                    .map(|i| values.at(partition.peers[i].1 - 1, partition, arena))
                    .collect::<Result<_, _>>()?
            }
            WindowFunc::NthValue { value, n: nth } => {
                let mut values = Values::new(value, partition);
                let mut positions = Values::new(nth, partition);
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    out.push(match int_value(positions.at(i, partition, arena)?) {
                        None => Datum::Null,
                        Some(m) if m < 1 => return Err(EvalError::InvalidNthValueArgument),
                        Some(m) => match usize::try_from(m - 1).ok().filter(|p| *p < partition.peers[i].1) {
                            Some(p) => values.at(p, partition, arena)?,
                            None => Datum::Null,
                        },
                    });
                }
                out
            }
            WindowFunc::Aggregate { func, expr } => running_aggregate(func, expr, partition, arena)?,
        })
    }
}

/// An `integer` (or `bigint`) argument's value; `None` for `NULL`.
fn int_value(d: Datum<'_>) -> Option<i64> {
    match d {
        Datum::Int16(v) => Some(i64::from(v)),
        Datum::Int32(v) => Some(i64::from(v)),
        Datum::Int64(v) => Some(v),
        _ => None,
    }
}

/// `ntile`: the number of buckets comes from the partition's first row.
fn ntile<'a>(
    buckets: &'a ScalarExpr,
    partition: &Partition<'a>,
    arena: &'a RowArena,
) -> Result<Vec<Datum<'a>>, EvalError> {
    let n = partition.len();
    let Some(k) = int_value(Values::new(buckets, partition).at(0, partition, arena)?) else {
        return Ok(vec![Datum::Null; n]);
    };
    let k = usize::try_from(k)
        .ok()
        .filter(|k| *k > 0)
        .ok_or(EvalError::InvalidNtileArgument)?;
    // The first `n % k` buckets hold one row more than the others.
    let (size, larger) = (n / k, n % k);
    let bucket = |i: usize| {
        if i < larger * (size + 1) {
            i / (size + 1)
        } else {
            larger + (i - larger * (size + 1)) / size
        }
    };
    Ok((0..n)
        .map(|i| Datum::Int32(i32::try_from(bucket(i) + 1).unwrap_or(i32::MAX)))
        .collect())
}

/// An aggregate over each position's frame: the partition's start through
/// the position's last peer. Aggregates that combine partial results
/// (counts, sums, extremes, boolean ones) carry a running value from one
/// peer group to the next; any other aggregates each frame anew.
fn running_aggregate<'a>(
    func: &AggregateFunc,
    expr: &'a ScalarExpr,
    partition: &Partition<'a>,
    arena: &'a RowArena,
) -> Result<Vec<Datum<'a>>, EvalError> {
    use AggregateFunc::{All, Any, Count, CountAll, Max, Min, SumFloat32, SumFloat64, SumInt, SumNumeric};
    let combine = match func {
        // Counts add up as integers.
        CountAll | Count => Some(SumInt),
        f if matches!(f, SumInt | SumNumeric | SumFloat32 | SumFloat64 | Min | Max | All | Any) => Some(f.clone()),
        _ => None,
    };
    let mut values = Values::new(expr, partition);
    let mut out = Vec::with_capacity(partition.len());
    let mut running = func.default_value();
    let mut frame: Vec<(Datum<'a>, Diff)> = Vec::new();
    let mut start = 0;
    while start < partition.len() {
        let end = partition.peers[start].1;
        let group = (start..end)
            .map(|i| Ok((values.at(i, partition, arena)?, 1)))
            .collect::<Result<Vec<_>, EvalError>>()?;
        running = match combine {
            Some(ref combine) => {
                let partial = func.eval(group, arena)?;
                if start == 0 {
                    partial
                } else {
                    combine.eval([(running, 1), (partial, 1)], arena)?
                }
            }
            None => {
                frame.extend(group);
                func.eval(frame.iter().copied(), arena)?
            }
        };
        out.extend(std::iter::repeat_n(running, end - start));
        start = end;
    }
    Ok(out)
}

/// One partition, sorted: each row repeated as often as its multiplicity
/// (a *position* per copy), with the peer groups of the window's order.
struct Partition<'a> {
    /// The distinct rows, in order.
    rows: Vec<Vec<Datum<'a>>>,
    /// Per position, its row.
    slots: Vec<usize>,
    /// Per position, the first position of its peer group and the position
    /// after the group's last.
    peers: Vec<(usize, usize)>,
    /// Per position, the number of its peer group, from 0.
    groups: Vec<usize>,
}

impl<'a> Partition<'a> {
    /// Sorts `rows` by `order_by`, ties by the whole row; `rows` are
    /// consolidated (each row once) with positive multiplicities.
    fn new(rows: &'a [(&'a Row, Diff)], order_by: &[ColumnOrder]) -> Partition<'a> {
        let mut sorted: Vec<(Vec<Datum<'a>>, Diff)> = rows.iter().map(|(row, diff)| (row.unpack(), *diff)).collect();
        // A stable sort: rows equal even as whole rows (`1.0` and `1.00`)
        // keep the order they arrived in, which is by their encoding.
        sorted.sort_by(|a, b| compare_rows(order_by, &a.0, &b.0).then_with(|| a.0.cmp(&b.0)));
        let mut partition = Partition {
            rows: Vec::with_capacity(sorted.len()),
            slots: Vec::new(),
            peers: Vec::new(),
            groups: Vec::new(),
        };
        let mut group = 0;
        let mut group_start = 0;
        for (slot, (datums, diff)) in sorted.into_iter().enumerate() {
            if let Some(previous) = partition.rows.last()
                && compare_rows(order_by, previous, &datums) != Ordering::Equal
            {
                partition.close_group(group_start);
                group += 1;
                group_start = partition.slots.len();
            }
            let copies = usize::try_from(diff).unwrap_or(0);
            partition.slots.extend(std::iter::repeat_n(slot, copies));
            partition.groups.extend(std::iter::repeat_n(group, copies));
            partition.rows.push(datums);
        }
        partition.close_group(group_start);
        partition
    }

    /// Records the peer group from `start` through the last position.
    fn close_group(&mut self, start: usize) {
        let end = self.slots.len();
        self.peers.extend(std::iter::repeat_n((start, end), end - start));
    }

    /// The number of positions.
    fn len(&self) -> usize {
        self.slots.len()
    }
}

/// An argument's values on the partition's rows, each evaluated once and
/// only if read: PostgreSQL evaluates `lag`'s value only on the rows it
/// reads, so an error on another row does not fail the query.
struct Values<'a> {
    /// The argument.
    expr: &'a ScalarExpr,
    /// Per row of the partition, its value once evaluated.
    cache: Vec<Option<Datum<'a>>>,
}

impl<'a> Values<'a> {
    fn new(expr: &'a ScalarExpr, partition: &Partition<'a>) -> Values<'a> {
        Values {
            expr,
            cache: vec![None; partition.rows.len()],
        }
    }

    /// The value on the row at `position`.
    fn at(&mut self, position: usize, partition: &Partition<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        let slot = partition.slots[position];
        if let Some(d) = self.cache[slot] {
            return Ok(d);
        }
        let d = self.expr.eval(&partition.rows[slot], arena)?;
        self.cache[slot] = Some(d);
        Ok(d)
    }
}

/// Computes `functions` over one partition: every row of `rows` (each as
/// often as its multiplicity) extended with one column per function.
/// `rows` are consolidated; a negative multiplicity is an error, as is any
/// error evaluating what the functions read.
pub fn eval_window_partition(
    rows: &[(&Row, Diff)],
    order_by: &[ColumnOrder],
    functions: &[WindowFunc],
) -> Result<Vec<(Row, Diff)>, EvalError> {
    if rows.iter().any(|(_, diff)| *diff < 0) {
        return Err(EvalError::NegativeMultiplicity);
    }
    let partition = Partition::new(rows, order_by);
    let arena = RowArena::new();
    let columns = functions
        .iter()
        .map(|f| f.eval(&partition, &arena))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out: Vec<(Row, Diff)> = Vec::with_capacity(partition.rows.len());
    let mut datums = Vec::new();
    for (position, slot) in partition.slots.iter().enumerate() {
        datums.clear();
        datums.extend_from_slice(&partition.rows[*slot]);
        datums.extend(columns.iter().map(|c| c[position]));
        let row = Row::pack_slice(&datums);
        match out.last_mut() {
            Some((last, diff)) if *last == row => *diff += 1,
            _ => out.push((row, 1)),
        }
    }
    Ok(out)
}

impl fmt::Display for WindowFunc {
    /// `row_number()`, `lag(#1, 1, NULL)`, `sum(#2)`, `count(*)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let WindowFunc::Aggregate {
            func: AggregateFunc::CountAll,
            ..
        } = self
        {
            return f.write_str("count(*)");
        }
        let args: Vec<String> = self.args().iter().map(ToString::to_string).collect();
        write!(f, "{}({})", self.name(), args.join(", "))
    }
}

#[cfg(test)]
mod tests;
