//! Predicate pushdown: filters move as close to the inputs as they can,
//! and equalities between the two sides of a join become its keys.

use freshet_repr::ScalarType;

use crate::{BinaryFunc, RelExpr, ScalarExpr, UnaryFunc, VariadicFunc};

/// Moves every filter as far down as it can go.
pub(crate) fn pushdown_predicates(expr: RelExpr) -> RelExpr {
    match expr {
        RelExpr::Filter { input, predicates } => sink(*input, predicates),
        mut other => {
            for child in other.children_mut() {
                let taken = std::mem::replace(child, RelExpr::constant_unit());
                *child = pushdown_predicates(taken);
            }
            other
        }
    }
}

/// Splits predicates into those whose columns all satisfy `below` and the rest.
fn split(predicates: Vec<ScalarExpr>, below: impl Fn(usize) -> bool) -> (Vec<ScalarExpr>, Vec<ScalarExpr>) {
    predicates
        .into_iter()
        .partition(|p| p.columns().iter().all(|c| below(*c)))
}

/// `input` filtered by `predicates`, each applied as low as it can be.
fn sink(input: RelExpr, predicates: Vec<ScalarExpr>) -> RelExpr {
    let mut predicates = conjuncts(predicates);
    predicates.dedup();
    if predicates.is_empty() {
        return pushdown_predicates(input);
    }
    match input {
        RelExpr::Filter {
            input,
            predicates: more,
        } => {
            predicates.extend(more);
            sink(*input, predicates)
        }
        RelExpr::Project { input, outputs } => {
            let remapped = predicates
                .into_iter()
                .map(|p| p.remap_columns(|c| outputs[c]))
                .collect();
            sink(*input, remapped).project(outputs)
        }
        RelExpr::Map { input, scalars } => {
            let arity = input.arity();
            let predicates = predicates
                .into_iter()
                .map(|p| inline_cheap_columns(p, arity, &scalars))
                .collect();
            let (below, above) = split(predicates, |c| c < arity);
            sink(*input, below).map(scalars).filter(above)
        }
        RelExpr::Reduce {
            input,
            group_key,
            aggregates,
        } => {
            let keys = group_key.len();
            let (below, above) = split(predicates, |c| c < keys);
            let below = below.into_iter().map(|p| p.remap_columns(|c| group_key[c])).collect();
            sink(*input, below).reduce(group_key, aggregates).filter(above)
        }
        RelExpr::Window {
            input,
            partition_by,
            order_by,
            functions,
        } => {
            // A predicate on partition columns keeps or drops whole
            // partitions, so it may go below; one that reads a function's
            // value, or any other column, would change the partitions the
            // functions see. Partition keys group by SQL equality, so a
            // column whose equal values can differ (`1.0`, `1.00`) could
            // split a partition: predicates on those stay above.
            let types = input.typ();
            let whole = |c: usize| partition_by.contains(&c) && !has_unequal_encodings(types[c].scalar_type);
            let (below, above) = split(predicates, whole);
            sink(*input, below)
                .window(partition_by, order_by, functions)
                .filter(above)
        }
        RelExpr::Join { left, right, keys } => sink_join(*left, *right, keys, predicates),
        RelExpr::Union { inputs } => RelExpr::Union {
            inputs: inputs.into_iter().map(|i| sink(i, predicates.clone())).collect(),
        },
        RelExpr::Negate { input } => sink(*input, predicates).negate(),
        RelExpr::Threshold { input } => sink(*input, predicates).threshold(),
        other @ (RelExpr::Constant { .. } | RelExpr::Get { .. } | RelExpr::TopK { .. }) => {
            pushdown_predicates(other).filter(predicates)
        }
    }
}

/// Whether equal values of type `typ` can be told apart (`1.0` and `1.00`,
/// `-0` and `0`).
fn has_unequal_encodings(typ: ScalarType) -> bool {
    matches!(
        typ,
        ScalarType::Numeric { .. } | ScalarType::Float32 | ScalarType::Float64
    )
}

/// Filters over a join: one side's predicates go to that side; `l = r`
/// between a column of each side becomes a key (with `NULL`s filtered out,
/// since SQL's `=` never matches them); the rest stay above. So does a
/// predicate that raises an error for some rows: below the join it would
/// also see rows the join drops, and fail a query PostgreSQL answers (a
/// scalar subquery of several rows compared only for rows that exist).
fn sink_join(left: RelExpr, right: RelExpr, mut keys: Vec<(usize, usize)>, predicates: Vec<ScalarExpr>) -> RelExpr {
    let nl = left.arity();
    let (left_types, right_types) = (left.typ(), right.typ());
    let mut left_preds = Vec::new();
    let mut right_preds = Vec::new();
    let mut above = Vec::new();
    for p in predicates {
        let cols = p.columns();
        if p.has_error_literal() {
            above.push(p);
        } else if cols.iter().all(|c| *c < nl) {
            left_preds.push(p);
        } else if cols.iter().all(|c| *c >= nl) {
            right_preds.push(p.remap_columns(|c| c - nl));
        } else if let Some((l, r)) = column_equality(&p, nl) {
            if !keys.contains(&(l, r - nl)) {
                keys.push((l, r - nl));
            }
            if left_types[l].nullable {
                left_preds.push(not_null(l));
            }
            if right_types[r - nl].nullable {
                right_preds.push(not_null(r - nl));
            }
        } else {
            above.push(p);
        }
    }
    sink(left, left_preds)
        .join(sink(right, right_preds), keys)
        .filter(above)
}

/// `p` with each column that a `Map` computes as a literal or as a copy of
/// an input column replaced by that literal or column, so that the
/// predicate can move below the `Map` (or fold away).
fn inline_cheap_columns(mut p: ScalarExpr, arity: usize, scalars: &[ScalarExpr]) -> ScalarExpr {
    fn cheap(c: usize, arity: usize, scalars: &[ScalarExpr]) -> Option<ScalarExpr> {
        match scalars.get(c.checked_sub(arity)?)? {
            literal @ ScalarExpr::Literal(..) => Some(literal.clone()),
            ScalarExpr::Column(earlier) if *earlier < arity => Some(ScalarExpr::Column(*earlier)),
            ScalarExpr::Column(earlier) => cheap(*earlier, arity, scalars),
            _ => None,
        }
    }
    p.visit_mut_post(&mut |e| {
        if let ScalarExpr::Column(c) = e
            && let Some(inlined) = cheap(*c, arity, scalars)
        {
            *e = inlined;
        }
    });
    p
}

/// The predicates with every `a AND b` split into `a` and `b`, so that
/// each part can move on its own.
fn conjuncts(predicates: Vec<ScalarExpr>) -> Vec<ScalarExpr> {
    fn split_into(p: ScalarExpr, out: &mut Vec<ScalarExpr>) {
        match p {
            ScalarExpr::CallVariadic {
                func: VariadicFunc::And,
                exprs,
            } => exprs.into_iter().for_each(|e| split_into(e, out)),
            other => out.push(other),
        }
    }
    let mut out = Vec::with_capacity(predicates.len());
    predicates.into_iter().for_each(|p| split_into(p, &mut out));
    out
}

/// `(l, r)` if `p` is `#l = #r` with `l` on the left side and `r` on the right.
fn column_equality(p: &ScalarExpr, nl: usize) -> Option<(usize, usize)> {
    match p {
        ScalarExpr::CallBinary {
            func: BinaryFunc::Eq,
            expr1,
            expr2,
        } => match (&**expr1, &**expr2) {
            (ScalarExpr::Column(a), ScalarExpr::Column(b)) if *a < nl && *b >= nl => Some((*a, *b)),
            (ScalarExpr::Column(a), ScalarExpr::Column(b)) if *b < nl && *a >= nl => Some((*b, *a)),
            _ => None,
        },
        _ => None,
    }
}

/// `NOT (#c IS NULL)`.
fn not_null(c: usize) -> ScalarExpr {
    ScalarExpr::Column(c)
        .call_unary(UnaryFunc::IsNull)
        .call_unary(UnaryFunc::Not)
}

#[cfg(test)]
mod tests {
    use freshet_repr::{GlobalId, ScalarType};

    use super::*;

    fn get(id: u64, arity: usize, nullable: bool) -> RelExpr {
        RelExpr::Get {
            id: GlobalId::User(id),
            typ: vec![ScalarType::Int32.nullable(nullable); arity],
        }
    }

    fn eq(a: usize, b: usize) -> ScalarExpr {
        ScalarExpr::Column(a).call_binary(ScalarExpr::Column(b), BinaryFunc::Eq)
    }

    #[test]
    fn equalities_across_a_cross_join_become_keys() {
        let plan = get(1, 2, false).join(get(2, 2, true), vec![]).filter(vec![eq(0, 3)]);
        let pushed = pushdown_predicates(plan);
        assert_eq!(
            pushed.to_string(),
            "Join on=(#0 = #3)\n  Get u1\n  Filter NOT((#1) IS NULL)\n    Get u2\n"
        );
    }

    #[test]
    fn predicates_that_raise_errors_stay_above_joins() {
        let error = ScalarExpr::Literal(
            Err(crate::EvalError::MultipleRowsFromSubquery),
            ScalarType::Int32.nullable(true),
        );
        let raising = ScalarExpr::If {
            cond: Box::new(ScalarExpr::Column(3).call_unary(UnaryFunc::IsNull)),
            then: Box::new(error),
            els: Box::new(ScalarExpr::Column(3)),
        }
        .call_binary(
            ScalarExpr::literal(freshet_repr::Datum::Int32(5), ScalarType::Int32),
            BinaryFunc::Eq,
        );
        let plan = get(1, 2, false).join(get(2, 2, true), vec![]).filter(vec![raising]);
        let pushed = pushdown_predicates(plan);
        assert!(pushed.to_string().starts_with("Filter "), "{pushed}");
    }

    #[test]
    fn one_sided_predicates_move_below_the_join_and_projections() {
        let gt = ScalarExpr::Column(1).call_binary(ScalarExpr::Column(0), BinaryFunc::Gt);
        let plan = get(1, 2, false)
            .join(get(2, 2, false), vec![])
            .project(vec![3, 2])
            .filter(vec![gt]);
        let pushed = pushdown_predicates(plan);
        assert_eq!(
            pushed.to_string(),
            "Project (#3, #2)\n  CrossJoin\n    Get u1\n    Filter (#0 > #1)\n      Get u2\n"
        );
    }

    #[test]
    fn only_predicates_on_whole_partitions_move_below_a_window() {
        use crate::{ColumnOrder, WindowFunc};
        let order = vec![ColumnOrder {
            column: 1,
            desc: false,
            nulls_last: true,
        }];
        let gt = |c: usize| {
            ScalarExpr::Column(c).call_binary(
                ScalarExpr::literal(freshet_repr::Datum::Int32(1), ScalarType::Int32),
                BinaryFunc::Gt,
            )
        };
        let plan = get(1, 2, false)
            .window(vec![0], order.clone(), vec![WindowFunc::RowNumber])
            .filter(vec![gt(0), gt(1), gt(2)]);
        assert_eq!(
            pushdown_predicates(plan).to_string(),
            "Filter (#1 > 1) AND (#2 > 1)\n  Window partition_by=(#0) order_by=(#1) functions=(row_number())\n    Filter (#0 > 1)\n      Get u1\n"
        );
        // Equal numerics can differ (1.0, 1.00): a predicate could tell
        // them apart and split a partition, so it stays above.
        let numeric = RelExpr::Get {
            id: GlobalId::User(2),
            typ: vec![ScalarType::numeric().nullable(false)],
        };
        let plan = numeric
            .window(vec![0], vec![], vec![WindowFunc::Rank])
            .filter(vec![ScalarExpr::Column(0).call_unary(UnaryFunc::IsNull)]);
        assert!(pushdown_predicates(plan).to_string().starts_with("Filter "));
    }
}
