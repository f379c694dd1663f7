//! Relational expressions: the plans that compute collections.

mod aggregate;
mod finishing;
mod temporal;
mod window;

use std::fmt;

use freshet_repr::{ColumnType, Datum, Diff, GlobalId, Row};
use serde::{Deserialize, Serialize};

pub use aggregate::{AggregateExpr, AggregateFunc};
pub use finishing::{ColumnOrder, NegativeMultiplicity, RowSetFinishing, compare_rows};
pub use temporal::{TEMPORAL_FILTER_HINT, TemporalFilter, Validity};
pub use window::{WindowFunc, eval_window_partition};

use crate::{EvalError, ScalarExpr};

/// An expression whose value is a collection of rows, each with a
/// multiplicity. Freshet plans queries, views and indexes into this IR; the
/// compute layer renders it as a dataflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelExpr {
    /// Literal rows with their multiplicities, or the error computing them.
    Constant {
        /// The rows, or the error that replaced them.
        rows: Result<Vec<(Row, Diff)>, EvalError>,
        /// The types of the columns.
        typ: Vec<ColumnType>,
    },
    /// The contents of a stored collection.
    Get {
        /// The collection.
        id: GlobalId,
        /// The types of its columns.
        typ: Vec<ColumnType>,
    },
    /// Appends computed columns to each input row.
    Map {
        /// The input.
        input: Box<RelExpr>,
        /// One expression per appended column; each may refer to the columns
        /// appended before it.
        scalars: Vec<ScalarExpr>,
    },
    /// Keeps the input rows for which every predicate is true.
    Filter {
        /// The input.
        input: Box<RelExpr>,
        /// Predicates; `NULL` and false drop the row.
        predicates: Vec<ScalarExpr>,
    },
    /// Keeps, reorders or repeats columns.
    Project {
        /// The input.
        input: Box<RelExpr>,
        /// The input columns that form each output row.
        outputs: Vec<usize>,
    },
    /// Pairs every row of `left` with every row of `right` whose key
    /// columns hold identical values; the output is the left columns, then
    /// the right ones. `NULL` keys match each other: SQL's `=` is planned
    /// with explicit non-null filters. No keys is a cross join.
    Join {
        /// The left input.
        left: Box<RelExpr>,
        /// The right input.
        right: Box<RelExpr>,
        /// Pairs of (left column, right column) that must be equal.
        keys: Vec<(usize, usize)>,
    },
    /// Groups rows by key columns and aggregates each group: one output row
    /// per group with input rows, holding the key columns and then one
    /// column per aggregate. With no aggregates this is `DISTINCT`.
    Reduce {
        /// The input.
        input: Box<RelExpr>,
        /// The columns grouped by.
        group_key: Vec<usize>,
        /// The aggregates computed per group.
        aggregates: Vec<AggregateExpr>,
    },
    /// Keeps, per group, the rows ranked `offset..offset + limit` by
    /// `order_by` (ties broken by the rows' other columns).
    TopK {
        /// The input.
        input: Box<RelExpr>,
        /// The columns grouped by; none is one group.
        group_key: Vec<usize>,
        /// The ranking.
        order_by: Vec<ColumnOrder>,
        /// At most this many rows per group.
        limit: Option<u64>,
        /// Skip this many rows per group first.
        offset: u64,
    },
    /// Appends to each input row one column per window function, computed
    /// from the rows of its partition (the rows with the same values in
    /// `partition_by`) in the window's order. The rows themselves and their
    /// multiplicities are the input's.
    Window {
        /// The input.
        input: Box<RelExpr>,
        /// The columns that divide the rows into partitions; none is one
        /// partition.
        partition_by: Vec<usize>,
        /// The window's order; rows equal in it are peers. Rows that tie
        /// are ordered by their whole rows.
        order_by: Vec<ColumnOrder>,
        /// The functions, one appended column each.
        functions: Vec<WindowFunc>,
    },
    /// All rows of all inputs; multiplicities add up. Every input has the
    /// same column types.
    Union {
        /// The inputs.
        inputs: Vec<RelExpr>,
    },
    /// The input with every multiplicity negated.
    Negate {
        /// The input.
        input: Box<RelExpr>,
    },
    /// The input's rows with a positive multiplicity.
    Threshold {
        /// The input.
        input: Box<RelExpr>,
    },
}

impl RelExpr {
    /// The relation with one row of no columns.
    pub fn constant_unit() -> RelExpr {
        RelExpr::Constant {
            rows: Ok(vec![(Row::pack::<[Datum<'_>; 0]>([]), 1)]),
            typ: vec![],
        }
    }

    /// Appends computed columns.
    pub fn map(self, scalars: Vec<ScalarExpr>) -> RelExpr {
        if scalars.is_empty() {
            return self;
        }
        RelExpr::Map {
            input: Box::new(self),
            scalars,
        }
    }

    /// Keeps rows satisfying every predicate.
    pub fn filter(self, predicates: Vec<ScalarExpr>) -> RelExpr {
        if predicates.is_empty() {
            return self;
        }
        RelExpr::Filter {
            input: Box::new(self),
            predicates,
        }
    }

    /// Keeps the listed columns, in order.
    pub fn project(self, outputs: Vec<usize>) -> RelExpr {
        if outputs.len() == self.arity() && outputs.iter().enumerate().all(|(i, c)| i == *c) {
            return self;
        }
        RelExpr::Project {
            input: Box::new(self),
            outputs,
        }
    }

    /// Joins with `right` on pairs of equal columns.
    pub fn join(self, right: RelExpr, keys: Vec<(usize, usize)>) -> RelExpr {
        RelExpr::Join {
            left: Box::new(self),
            right: Box::new(right),
            keys,
        }
    }

    /// The cross product with `right`; a product with the relation of one
    /// empty row is the other side itself.
    pub fn product(self, right: RelExpr) -> RelExpr {
        if self.is_constant_unit() {
            return right;
        }
        if right.is_constant_unit() {
            return self;
        }
        self.join(right, vec![])
    }

    /// Whether this is the relation of one row of no columns.
    pub fn is_constant_unit(&self) -> bool {
        matches!(self, RelExpr::Constant { rows: Ok(rows), typ } if typ.is_empty() && rows.len() == 1 && rows[0].1 == 1)
    }

    /// Groups by `group_key`, computing `aggregates`.
    pub fn reduce(self, group_key: Vec<usize>, aggregates: Vec<AggregateExpr>) -> RelExpr {
        RelExpr::Reduce {
            input: Box::new(self),
            group_key,
            aggregates,
        }
    }

    /// The distinct rows.
    pub fn distinct(self) -> RelExpr {
        let arity = self.arity();
        self.reduce((0..arity).collect(), vec![])
    }

    /// Appends one column per window function over the partitions of
    /// `partition_by` in the order `order_by`.
    pub fn window(self, partition_by: Vec<usize>, order_by: Vec<ColumnOrder>, functions: Vec<WindowFunc>) -> RelExpr {
        if functions.is_empty() {
            return self;
        }
        RelExpr::Window {
            input: Box::new(self),
            partition_by,
            order_by,
            functions,
        }
    }

    /// The rows of both relations.
    pub fn union(self, other: RelExpr) -> RelExpr {
        let mut inputs = match self {
            RelExpr::Union { inputs } => inputs,
            other => vec![other],
        };
        match other {
            RelExpr::Union { inputs: more } => inputs.extend(more),
            other => inputs.push(other),
        }
        RelExpr::Union { inputs }
    }

    /// Negated multiplicities.
    pub fn negate(self) -> RelExpr {
        RelExpr::Negate { input: Box::new(self) }
    }

    /// Only rows with a positive multiplicity.
    pub fn threshold(self) -> RelExpr {
        RelExpr::Threshold { input: Box::new(self) }
    }

    /// The types of the output columns.
    pub fn typ(&self) -> Vec<ColumnType> {
        match self {
            RelExpr::Constant { typ, .. } | RelExpr::Get { typ, .. } => typ.clone(),
            RelExpr::Map { input, scalars } => {
                let mut typ = input.typ();
                for s in scalars {
                    let t = s.typ(&typ);
                    typ.push(t);
                }
                typ
            }
            RelExpr::Filter { input, .. } => input.typ(),
            RelExpr::Project { input, outputs } => {
                let typ = input.typ();
                outputs.iter().map(|c| typ[*c]).collect()
            }
            RelExpr::Join { left, right, .. } => {
                let mut typ = left.typ();
                typ.extend(right.typ());
                typ
            }
            RelExpr::Reduce {
                input,
                group_key,
                aggregates,
            } => {
                let typ = input.typ();
                let mut out: Vec<ColumnType> = group_key.iter().map(|c| typ[*c]).collect();
                out.extend(aggregates.iter().map(|a| a.func.output_type(a.expr.typ(&typ))));
                out
            }
            RelExpr::TopK { input, .. } | RelExpr::Negate { input } | RelExpr::Threshold { input } => input.typ(),
            RelExpr::Window { input, functions, .. } => {
                let mut typ = input.typ();
                let appended: Vec<ColumnType> = functions.iter().map(|f| f.output_type(&typ)).collect();
                typ.extend(appended);
                typ
            }
            RelExpr::Union { inputs } => {
                let mut typ = inputs.first().map(RelExpr::typ).unwrap_or_default();
                for input in inputs.iter().skip(1) {
                    for (t, other) in typ.iter_mut().zip(input.typ()) {
                        t.nullable |= other.nullable;
                    }
                }
                typ
            }
        }
    }

    /// The number of output columns.
    pub fn arity(&self) -> usize {
        match self {
            RelExpr::Constant { typ, .. } | RelExpr::Get { typ, .. } => typ.len(),
            RelExpr::Map { input, scalars } => input.arity() + scalars.len(),
            RelExpr::Filter { input, .. } => input.arity(),
            RelExpr::Project { outputs, .. } => outputs.len(),
            RelExpr::Join { left, right, .. } => left.arity() + right.arity(),
            RelExpr::Reduce {
                group_key, aggregates, ..
            } => group_key.len() + aggregates.len(),
            RelExpr::TopK { input, .. } | RelExpr::Negate { input } | RelExpr::Threshold { input } => input.arity(),
            RelExpr::Window { input, functions, .. } => input.arity() + functions.len(),
            RelExpr::Union { inputs } => inputs.first().map_or(0, RelExpr::arity),
        }
    }

    /// The direct inputs.
    pub fn children_mut(&mut self) -> Vec<&mut RelExpr> {
        match self {
            RelExpr::Constant { .. } | RelExpr::Get { .. } => vec![],
            RelExpr::Map { input, .. }
            | RelExpr::Filter { input, .. }
            | RelExpr::Project { input, .. }
            | RelExpr::Reduce { input, .. }
            | RelExpr::TopK { input, .. }
            | RelExpr::Window { input, .. }
            | RelExpr::Negate { input }
            | RelExpr::Threshold { input } => vec![input],
            RelExpr::Join { left, right, .. } => vec![left, right],
            RelExpr::Union { inputs } => inputs.iter_mut().collect(),
        }
    }

    /// The scalar expressions this node evaluates (not its inputs').
    pub fn scalars_mut(&mut self) -> Vec<&mut ScalarExpr> {
        match self {
            RelExpr::Map { scalars, .. } => scalars.iter_mut().collect(),
            RelExpr::Filter { predicates, .. } => predicates.iter_mut().collect(),
            RelExpr::Reduce { aggregates, .. } => aggregates.iter_mut().map(|a| &mut a.expr).collect(),
            RelExpr::Window { functions, .. } => functions.iter_mut().flat_map(WindowFunc::args_mut).collect(),
            RelExpr::Constant { .. }
            | RelExpr::Get { .. }
            | RelExpr::Project { .. }
            | RelExpr::Join { .. }
            | RelExpr::TopK { .. }
            | RelExpr::Union { .. }
            | RelExpr::Negate { .. }
            | RelExpr::Threshold { .. } => vec![],
        }
    }

    /// Visits every node, inputs before the nodes that read them.
    pub fn visit_mut_post(&mut self, f: &mut impl FnMut(&mut RelExpr)) {
        for child in self.children_mut() {
            child.visit_mut_post(f);
        }
        f(self);
    }

    /// The stored collections the expression reads.
    pub fn depends_on(&self) -> Vec<GlobalId> {
        let mut ids = Vec::new();
        let mut expr = self.clone();
        expr.visit_mut_post(&mut |e| {
            if let RelExpr::Get { id, .. } = e {
                ids.push(*id);
            }
        });
        ids.sort();
        ids.dedup();
        ids
    }

    fn fmt_indented(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        let list = |exprs: &[ScalarExpr]| exprs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        match self {
            RelExpr::Constant { rows: Err(e), .. } => writeln!(f, "{pad}Error {:?}", e.to_string()),
            RelExpr::Constant { rows: Ok(rows), typ } => {
                if rows.is_empty() {
                    return writeln!(f, "{pad}Constant <empty>");
                }
                writeln!(f, "{pad}Constant")?;
                for (row, diff) in rows {
                    let datums: Vec<String> = row
                        .iter()
                        .zip(typ)
                        .map(|(d, t)| ScalarExpr::literal(d, t.scalar_type).to_string())
                        .collect();
                    let times = if *diff == 1 {
                        String::new()
                    } else {
                        format!(" x {diff}")
                    };
                    writeln!(f, "{pad}  - ({}){times}", datums.join(", "))?;
                }
                Ok(())
            }
            RelExpr::Get { id, .. } => writeln!(f, "{pad}Get {id}"),
            RelExpr::Map { input, scalars } => {
                writeln!(f, "{pad}Map ({})", list(scalars))?;
                input.fmt_indented(f, depth + 1)
            }
            RelExpr::Filter { input, predicates } => {
                let preds: Vec<String> = predicates.iter().map(ToString::to_string).collect();
                writeln!(f, "{pad}Filter {}", preds.join(" AND "))?;
                input.fmt_indented(f, depth + 1)
            }
            RelExpr::Project { input, outputs } => {
                writeln!(f, "{pad}Project ({})", columns(outputs))?;
                input.fmt_indented(f, depth + 1)
            }
            RelExpr::Join { left, right, keys } => {
                if keys.is_empty() {
                    writeln!(f, "{pad}CrossJoin")?;
                } else {
                    let left_arity = left.arity();
                    let on: Vec<String> = keys
                        .iter()
                        .map(|(l, r)| format!("#{l} = #{}", left_arity + r))
                        .collect();
                    writeln!(f, "{pad}Join on=({})", on.join(" AND "))?;
                }
                left.fmt_indented(f, depth + 1)?;
                right.fmt_indented(f, depth + 1)
            }
            RelExpr::Reduce {
                input,
                group_key,
                aggregates,
            } => {
                if aggregates.is_empty()
                    && group_key.iter().enumerate().all(|(i, c)| i == *c)
                    && group_key.len() == input.arity()
                {
                    writeln!(f, "{pad}Distinct")?;
                } else {
                    let aggs: Vec<String> = aggregates.iter().map(ToString::to_string).collect();
                    write!(f, "{pad}Reduce")?;
                    if !group_key.is_empty() {
                        write!(f, " group_by=({})", columns(group_key))?;
                    }
                    if !aggs.is_empty() {
                        write!(f, " aggregates=({})", aggs.join(", "))?;
                    }
                    writeln!(f)?;
                }
                input.fmt_indented(f, depth + 1)
            }
            RelExpr::TopK {
                input,
                group_key,
                order_by,
                limit,
                offset,
            } => {
                write!(f, "{pad}TopK")?;
                if !group_key.is_empty() {
                    write!(f, " group_by=({})", columns(group_key))?;
                }
                if !order_by.is_empty() {
                    let keys: Vec<String> = order_by.iter().map(ToString::to_string).collect();
                    write!(f, " order_by=({})", keys.join(", "))?;
                }
                if let Some(limit) = limit {
                    write!(f, " limit={limit}")?;
                }
                if *offset > 0 {
                    write!(f, " offset={offset}")?;
                }
                writeln!(f)?;
                input.fmt_indented(f, depth + 1)
            }
            RelExpr::Window {
                input,
                partition_by,
                order_by,
                functions,
            } => {
                write!(f, "{pad}Window")?;
                if !partition_by.is_empty() {
                    write!(f, " partition_by=({})", columns(partition_by))?;
                }
                if !order_by.is_empty() {
                    let keys: Vec<String> = order_by.iter().map(ToString::to_string).collect();
                    write!(f, " order_by=({})", keys.join(", "))?;
                }
                let functions: Vec<String> = functions.iter().map(ToString::to_string).collect();
                writeln!(f, " functions=({})", functions.join(", "))?;
                input.fmt_indented(f, depth + 1)
            }
            RelExpr::Union { inputs } => {
                writeln!(f, "{pad}Union")?;
                for input in inputs {
                    input.fmt_indented(f, depth + 1)?;
                }
                Ok(())
            }
            RelExpr::Negate { input } => {
                writeln!(f, "{pad}Negate")?;
                input.fmt_indented(f, depth + 1)
            }
            RelExpr::Threshold { input } => {
                writeln!(f, "{pad}Threshold")?;
                input.fmt_indented(f, depth + 1)
            }
        }
    }
}

/// `#0, #2`: a list of columns in the text form.
fn columns(cols: &[usize]) -> String {
    cols.iter().map(|c| format!("#{c}")).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for RelExpr {
    /// The stable text form `EXPLAIN` prints: one node per line, inputs
    /// indented below the node that reads them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_indented(f, 0)
    }
}
