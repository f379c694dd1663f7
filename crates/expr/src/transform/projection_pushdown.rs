//! Projection pushdown: every node computes and carries only the columns
//! some node above it reads. Stacked projections collapse into one,
//! computed columns no one reads are not computed, aggregates no one reads
//! are not aggregated, and joins carry only their keys and the columns
//! read above them.

use std::collections::BTreeSet;

use crate::{ColumnOrder, RelExpr, ScalarExpr, WindowFunc};

/// Rewrites `expr` so that each node keeps only the columns read above it.
/// The result has the same columns as `expr`.
pub(crate) fn pushdown_projections(expr: RelExpr) -> RelExpr {
    let all: Vec<usize> = (0..expr.arity()).collect();
    prune(expr, &all)
}

/// `expr` reduced to the columns `demand` (sorted, distinct), in that
/// order: column `demand[i]` of `expr` is column `i` of the result.
fn prune(expr: RelExpr, demand: &[usize]) -> RelExpr {
    match expr {
        RelExpr::Project { input, outputs } => {
            let needed = sorted(demand.iter().map(|c| outputs[*c]));
            let input = prune(*input, &needed);
            project(input, demand.iter().map(|c| position(&needed, outputs[*c])).collect())
        }
        RelExpr::Map { input, scalars } => {
            let arity = input.arity();
            // The scalars read, directly or by scalars that are read.
            let mut kept: BTreeSet<usize> = demand.iter().filter(|c| **c >= arity).map(|c| c - arity).collect();
            for i in (0..scalars.len()).rev() {
                if kept.contains(&i) {
                    kept.extend(
                        scalars[i]
                            .columns()
                            .into_iter()
                            .filter(|c| *c >= arity)
                            .map(|c| c - arity),
                    );
                }
            }
            let mut needed: BTreeSet<usize> = demand.iter().copied().filter(|c| *c < arity).collect();
            for i in &kept {
                needed.extend(scalars[*i].columns().into_iter().filter(|c| *c < arity));
            }
            let needed: Vec<usize> = needed.into_iter().collect();
            let kept: Vec<usize> = kept.into_iter().collect();
            let width = needed.len();
            let new_position = |c: usize| {
                if c < arity {
                    position(&needed, c)
                } else {
                    width + position(&kept, c - arity)
                }
            };
            let scalars: Vec<ScalarExpr> = kept
                .iter()
                .map(|i| scalars[*i].clone().remap_columns(new_position))
                .collect();
            let outputs = demand.iter().map(|c| new_position(*c)).collect();
            project(map_below_projection(prune(*input, &needed), scalars), outputs)
        }
        RelExpr::Filter { input, predicates } => {
            let needed = sorted(
                demand
                    .iter()
                    .copied()
                    .chain(predicates.iter().flat_map(ScalarExpr::columns)),
            );
            let predicates = predicates
                .into_iter()
                .map(|p| p.remap_columns(|c| position(&needed, c)))
                .collect();
            let outputs = demand.iter().map(|c| position(&needed, *c)).collect();
            project(filter_below_projection(prune(*input, &needed), predicates), outputs)
        }
        RelExpr::Join { left, right, keys } => {
            let nl = left.arity();
            let left_needed = sorted(
                demand
                    .iter()
                    .copied()
                    .filter(|c| *c < nl)
                    .chain(keys.iter().map(|(l, _)| *l)),
            );
            let right_needed = sorted(
                demand
                    .iter()
                    .filter(|c| **c >= nl)
                    .map(|c| c - nl)
                    .chain(keys.iter().map(|(_, r)| *r)),
            );
            let keys = keys
                .iter()
                .map(|(l, r)| (position(&left_needed, *l), position(&right_needed, *r)))
                .collect();
            let width = left_needed.len();
            let outputs = demand
                .iter()
                .map(|c| {
                    if *c < nl {
                        position(&left_needed, *c)
                    } else {
                        width + position(&right_needed, c - nl)
                    }
                })
                .collect();
            project(
                prune(*left, &left_needed).join(prune(*right, &right_needed), keys),
                outputs,
            )
        }
        RelExpr::Reduce {
            input,
            group_key,
            aggregates,
        } => {
            let keys = group_key.len();
            // Every key column stays (it defines the groups); aggregates
            // no one reads are not computed.
            let kept: Vec<usize> = demand.iter().filter(|c| **c >= keys).map(|c| c - keys).collect();
            let needed = sorted(
                group_key
                    .iter()
                    .copied()
                    .chain(kept.iter().flat_map(|a| aggregates[*a].expr.columns())),
            );
            let group_key = group_key.iter().map(|c| position(&needed, *c)).collect();
            let aggregates = kept
                .iter()
                .map(|a| {
                    let mut aggregate = aggregates[*a].clone();
                    aggregate.expr = aggregate.expr.remap_columns(|c| position(&needed, c));
                    aggregate
                })
                .collect();
            let outputs = demand
                .iter()
                .map(|c| {
                    if *c < keys {
                        *c
                    } else {
                        keys + position(&kept, c - keys)
                    }
                })
                .collect();
            project(prune(*input, &needed).reduce(group_key, aggregates), outputs)
        }
        RelExpr::Window {
            input,
            partition_by,
            order_by,
            functions,
        } => prune_window(*input, partition_by, order_by, functions, demand),
        RelExpr::Union { inputs } => RelExpr::Union {
            inputs: inputs.into_iter().map(|input| prune(input, demand)).collect(),
        },
        RelExpr::Negate { input } => prune(*input, demand).negate(),
        // Whole rows decide what these keep (a threshold counts whole rows,
        // a top-k breaks ties by every column), so their inputs keep every
        // column.
        mut whole @ (RelExpr::Threshold { .. } | RelExpr::TopK { .. }) => {
            for child in whole.children_mut() {
                let input = std::mem::replace(child, RelExpr::constant_unit());
                *child = pushdown_projections(input);
            }
            project(whole, demand.to_vec())
        }
        leaf @ (RelExpr::Constant { .. } | RelExpr::Get { .. }) => project(leaf, demand.to_vec()),
    }
}

/// A `Window` reduced to the columns `demand`. Functions no one reads are
/// not computed, and with none left the window goes (it never changes the
/// rows). Its input keeps the partition and order columns and what the
/// functions read; every column if a function's value depends on how tied
/// rows are ordered (ties are broken by the whole row, which must not
/// change with what the query reads).
fn prune_window(
    input: RelExpr,
    partition_by: Vec<usize>,
    order_by: Vec<ColumnOrder>,
    functions: Vec<WindowFunc>,
    demand: &[usize],
) -> RelExpr {
    let arity = input.arity();
    let kept: Vec<usize> = demand.iter().filter(|c| **c >= arity).map(|c| c - arity).collect();
    let kept = sorted(kept);
    if kept.is_empty() {
        return prune(input, demand);
    }
    let functions: Vec<WindowFunc> = kept.iter().map(|i| functions[*i].clone()).collect();
    let needed = if functions.iter().any(WindowFunc::depends_on_tie_order) {
        (0..arity).collect()
    } else {
        sorted(
            demand
                .iter()
                .copied()
                .filter(|c| *c < arity)
                .chain(partition_by.iter().copied())
                .chain(order_by.iter().map(|o| o.column))
                .chain(functions.iter().flat_map(WindowFunc::columns)),
        )
    };
    let partition_by = partition_by.iter().map(|c| position(&needed, *c)).collect();
    let order_by = order_by
        .iter()
        .map(|o| ColumnOrder {
            column: position(&needed, o.column),
            ..*o
        })
        .collect();
    let functions = functions
        .into_iter()
        .map(|f| f.remap_columns(|c| position(&needed, c)))
        .collect();
    let width = needed.len();
    let outputs = demand
        .iter()
        .map(|c| {
            if *c < arity {
                position(&needed, *c)
            } else {
                width + position(&kept, c - arity)
            }
        })
        .collect();
    project(prune(input, &needed).window(partition_by, order_by, functions), outputs)
}

/// `input` filtered by `predicates`. A projection at the top of `input`
/// moves above the filter: filtering the wider rows and projecting the
/// survivors once is cheaper than rewriting every row before filtering.
/// Projections so end up just below the operators that store rows
/// (joins, reductions) or at the top.
fn filter_below_projection(input: RelExpr, predicates: Vec<ScalarExpr>) -> RelExpr {
    match input {
        RelExpr::Project { input, outputs } => {
            let predicates = predicates
                .into_iter()
                .map(|p| p.remap_columns(|c| outputs[c]))
                .collect();
            input.filter(predicates).project(outputs)
        }
        other => other.filter(predicates),
    }
}

/// `input` with `scalars` appended; a projection at the top of `input`
/// moves above them, as in [`filter_below_projection`].
fn map_below_projection(input: RelExpr, scalars: Vec<ScalarExpr>) -> RelExpr {
    match input {
        RelExpr::Project { input, outputs } => {
            let (width, inner) = (outputs.len(), input.arity());
            let remap = |c: usize| if c < width { outputs[c] } else { inner + c - width };
            let count = scalars.len();
            let scalars = scalars.into_iter().map(|s| s.remap_columns(remap)).collect();
            let outputs = outputs.iter().copied().chain(inner..inner + count).collect();
            input.map(scalars).project(outputs)
        }
        other => other.map(scalars),
    }
}

/// `expr` projected onto `outputs`, a projection below fused into it.
fn project(expr: RelExpr, outputs: Vec<usize>) -> RelExpr {
    match expr {
        RelExpr::Project { input, outputs: inner } => input.project(outputs.iter().map(|c| inner[*c]).collect()),
        other => other.project(outputs),
    }
}

/// The distinct columns, sorted.
fn sorted(columns: impl IntoIterator<Item = usize>) -> Vec<usize> {
    columns.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}

/// Where column `c` is in `columns` (which holds it).
fn position(columns: &[usize], c: usize) -> usize {
    columns
        .binary_search(&c)
        .expect("a column demanded below is among the columns kept")
}

#[cfg(test)]
mod tests {
    use freshet_repr::{GlobalId, ScalarType};

    use super::*;
    use crate::BinaryFunc;

    fn get(id: u64, arity: usize) -> RelExpr {
        RelExpr::Get {
            id: GlobalId::User(id),
            typ: vec![ScalarType::Int32.nullable(false); arity],
        }
    }

    #[test]
    fn joins_carry_only_keys_and_read_columns() {
        let plan = get(1, 3).join(get(2, 3), vec![(0, 0)]).project(vec![5, 1]);
        assert_eq!(
            pushdown_projections(plan).to_string(),
            "Project (#3, #1)\n  Join on=(#0 = #2)\n    Project (#0, #1)\n      Get u1\n    Project (#0, #2)\n      Get u2\n"
        );
    }

    #[test]
    fn unread_computed_columns_and_aggregates_are_dropped() {
        let sum = |c| crate::AggregateExpr {
            func: crate::AggregateFunc::SumInt,
            expr: ScalarExpr::Column(c),
            distinct: false,
        };
        let plus = ScalarExpr::Column(0).call_binary(ScalarExpr::Column(1), BinaryFunc::Eq);
        let plan = get(1, 3)
            .map(vec![plus, ScalarExpr::Column(2)])
            .reduce(vec![0], vec![sum(3), sum(4)])
            .project(vec![0, 2]);
        assert_eq!(
            pushdown_projections(plan).to_string(),
            "Reduce group_by=(#0) aggregates=(sum(#1))\n  Project (#0, #3)\n    Map (#2)\n      Get u1\n"
        );
    }

    #[test]
    fn windows_compute_only_what_is_read() {
        use crate::{AggregateFunc, ColumnOrder, WindowFunc};
        let order = vec![ColumnOrder {
            column: 1,
            desc: false,
            nulls_last: true,
        }];
        let sum = WindowFunc::Aggregate {
            func: AggregateFunc::SumInt,
            expr: ScalarExpr::Column(2),
        };
        let window = || get(1, 4).window(vec![0], order.clone(), vec![WindowFunc::RowNumber, sum.clone()]);
        // Unread, the window goes.
        assert_eq!(
            pushdown_projections(window().project(vec![3])).to_string(),
            "Project (#3)\n  Get u1\n"
        );
        // A sum depends on no tie order: the input keeps what it reads.
        assert_eq!(
            pushdown_projections(window().project(vec![5])).to_string(),
            "Project (#3)\n  Window partition_by=(#0) order_by=(#1) functions=(sum(#2))\n    Project (#0, #1, #2)\n      Get u1\n"
        );
        // row_number breaks ties by whole rows: every column stays.
        assert_eq!(
            pushdown_projections(window().project(vec![4])).to_string(),
            "Project (#4)\n  Window partition_by=(#0) order_by=(#1) functions=(row_number())\n    Get u1\n"
        );
    }
}
