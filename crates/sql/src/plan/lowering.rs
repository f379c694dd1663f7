//! Lowering [`HirRel`] to [`RelExpr`]: every subquery becomes joins.
//!
//! A relation is lowered against an *outer* relation: the distinct values
//! of the enclosing queries' columns it reads. The lowered relation has the
//! outer columns first, then its own, one group of rows per outer binding.
//! An uncorrelated relation is lowered once and paired with every binding.
//!
//! A subquery inside an expression is lowered against the distinct values
//! of the columns it reads, then joined back to the rows of the relation
//! the expression is evaluated over; bindings without a row get the
//! subquery's default (`NULL`, or false for `EXISTS`).

use freshet_expr::{
    AggregateExpr, AggregateFunc, BinaryFunc, ColumnOrder, EvalError, RelExpr, ScalarExpr, VariadicFunc,
};
use freshet_repr::{Datum, ScalarType};

use super::hir::{ColumnRef, HirRel, HirScalar, JoinKind};

/// Lowers a relation of the outermost query.
pub(crate) fn lower(rel: &HirRel) -> RelExpr {
    lower_rel(rel, &RelExpr::constant_unit(), &[])
}

/// Lowers `rel` against `outer`, whose columns are the enclosing queries'
/// columns `cols` (references relative to `rel`'s query).
fn lower_rel(rel: &HirRel, outer: &RelExpr, cols: &[ColumnRef]) -> RelExpr {
    if !cols.is_empty() && rel.is_uncorrelated() {
        return outer.clone().product(lower_rel(rel, &RelExpr::constant_unit(), &[]));
    }
    let k = cols.len();
    match rel {
        HirRel::Constant { rows, typ } => outer.clone().product(RelExpr::Constant {
            rows: Ok(rows.iter().map(|r| (r.clone(), 1)).collect()),
            typ: typ.clone(),
        }),
        HirRel::Get { id, typ } => outer.clone().product(RelExpr::Get {
            id: *id,
            typ: typ.clone(),
        }),
        HirRel::Project { input, outputs } => {
            let input = lower_rel(input, outer, cols);
            input.project((0..k).chain(outputs.iter().map(|c| k + c)).collect())
        }
        HirRel::Map { input, scalars } => {
            let mut r = lower_rel(input, outer, cols);
            for scalar in scalars {
                let width = r.arity();
                let (applied, expr) = apply_scalar(r, scalar, k, cols);
                let with = applied.arity();
                r = applied.map(vec![expr]);
                if with > width {
                    r = r.project((0..width).chain([with]).collect());
                }
            }
            r
        }
        HirRel::Filter { input, predicates } => {
            let mut r = lower_rel(input, outer, cols);
            for predicate in predicates {
                let (gates, rest) = split_one_time(predicate);
                for gate in gates {
                    // Evaluated once over one row, whatever `r`'s rows: its
                    // errors too. It reads no column, so no outer binding.
                    let (applied, expr) = apply_scalar(RelExpr::constant_unit(), &gate, 0, &[]);
                    r = r.product(applied.filter(vec![expr]).project(vec![]));
                }
                if let Some(rest) = rest {
                    let width = r.arity();
                    let (applied, expr) = apply_scalar(r, &rest, k, cols);
                    r = applied.filter(vec![expr]).project((0..width).collect());
                }
            }
            r
        }
        HirRel::Join { left, right, on, kind } => lower_join(left, right, on, *kind, outer, cols),
        HirRel::LateralJoin {
            left,
            right,
            on,
            left_outer,
        } => lower_lateral_join(left, right, on, *left_outer, outer, cols),
        HirRel::Reduce {
            input,
            group_key,
            aggregates,
        } => {
            let input = lower_rel(input, outer, cols);
            let input_types = input.typ();
            let key = (0..k).chain(group_key.iter().map(|c| k + c)).collect();
            let aggs: Vec<AggregateExpr> = aggregates
                .iter()
                .map(|a| AggregateExpr {
                    expr: a.expr.clone().remap_columns(|c| c + k),
                    ..a.clone()
                })
                .collect();
            let reduced = input.reduce(key, aggs.clone());
            if !group_key.is_empty() {
                return reduced;
            }
            // An aggregate without GROUP BY has a row even over no input.
            let defaults = aggs
                .iter()
                .map(|a| {
                    let typ = a.func.output_type(a.expr.typ(&input_types));
                    ScalarExpr::literal(a.func.default_value(), typ.scalar_type)
                })
                .collect();
            let missing = outer.clone().union(reduced.clone().project((0..k).collect()).negate());
            reduced.union(missing.map(defaults))
        }
        HirRel::Distinct { input } => lower_rel(input, outer, cols).distinct(),
        HirRel::TopK {
            input,
            group_key,
            order_by,
            limit,
            offset,
        } => RelExpr::TopK {
            input: Box::new(lower_rel(input, outer, cols)),
            group_key: (0..k).chain(group_key.iter().map(|c| k + c)).collect(),
            order_by: order_by
                .iter()
                .map(|o| ColumnOrder {
                    column: o.column + k,
                    ..*o
                })
                .collect(),
            limit: *limit,
            offset: *offset,
        },
        HirRel::Window {
            input,
            partition_by,
            order_by,
            functions,
        } => lower_rel(input, outer, cols).window(
            // Each outer binding's rows are windowed on their own.
            (0..k).chain(partition_by.iter().map(|c| k + c)).collect(),
            order_by
                .iter()
                .map(|o| ColumnOrder {
                    column: o.column + k,
                    ..*o
                })
                .collect(),
            functions.iter().map(|f| f.clone().remap_columns(|c| c + k)).collect(),
        ),
        HirRel::Union { inputs } => {
            let mut lowered = inputs.iter().map(|i| lower_rel(i, outer, cols));
            let first = lowered.next().unwrap_or_else(|| RelExpr::Constant {
                rows: Ok(vec![]),
                typ: vec![],
            });
            lowered.fold(first, RelExpr::union)
        }
        HirRel::Negate { input } => lower_rel(input, outer, cols).negate(),
        HirRel::Threshold { input } => lower_rel(input, outer, cols).threshold(),
    }
}

/// Splits a filter's condition into PostgreSQL's one-time filters and the
/// rest. A conjunct that reads no column of any query but has a subquery
/// (`(SELECT y FROM t) = 5`) is evaluated once before any row, so that a
/// subquery of several rows fails the query even where no row reaches the
/// condition, as in PostgreSQL; the other conjuncts are evaluated per row,
/// where a scalar subquery's error only arises if its value is needed. A
/// condition with a `false` conjunct is false as a whole, as PostgreSQL's
/// constant folding makes it, and its subqueries are not evaluated.
fn split_one_time(predicate: &HirScalar) -> (Vec<HirScalar>, Option<HirScalar>) {
    let conjuncts = match predicate {
        HirScalar::CallVariadic {
            func: VariadicFunc::And,
            exprs,
        } => exprs.as_slice(),
        single => std::slice::from_ref(single),
    };
    let is_false = |c: &HirScalar| matches!(c, HirScalar::Literal(Ok(row), _) if row.unpack_first() == Datum::False);
    if conjuncts.iter().any(is_false) {
        return (vec![], Some(predicate.clone()));
    }
    let (gates, mut rest): (Vec<HirScalar>, Vec<HirScalar>) = conjuncts
        .iter()
        .cloned()
        .partition(|c| c.min_level().is_none() && c.has_subquery());
    let rest = match rest.len() {
        0 => None,
        1 => rest.pop(),
        _ if gates.is_empty() => Some(predicate.clone()),
        _ => Some(HirScalar::call_variadic(VariadicFunc::And, rest)),
    };
    (gates, rest)
}

/// Lowers a join: both sides against the same outer bindings, paired on
/// them, filtered by the condition; outer joins add the unmatched rows.
fn lower_join(
    left: &HirRel,
    right: &HirRel,
    on: &HirScalar,
    kind: JoinKind,
    outer: &RelExpr,
    cols: &[ColumnRef],
) -> RelExpr {
    let k = cols.len();
    let l = lower_rel(left, outer, cols);
    let r = lower_rel(right, outer, cols);
    let (nl, nr) = (l.arity() - k, r.arity() - k);
    let joined = l
        .clone()
        .join(r.clone(), (0..k).map(|i| (i, i)).collect())
        .project((0..k + nl).chain(k + nl + k..k + nl + k + nr).collect());
    let inner = join_condition(joined, on, k, cols);
    let mut result = inner.clone();
    if matches!(kind, JoinKind::LeftOuter | JoinKind::FullOuter) {
        result = result.union(unmatched_left(&l, &inner, &r.typ()[k..]));
    }
    if matches!(kind, JoinKind::RightOuter | JoinKind::FullOuter) {
        let matched = inner.project((0..k).chain(k + nl..k + nl + nr).collect());
        let unmatched = unmatched(&r, matched);
        let nulls = null_columns(&l.typ()[k..]);
        let padded = unmatched
            .map(nulls)
            .project((0..k).chain(k + nr..k + nr + nl).chain(k..k + nr).collect());
        result = result.union(padded);
    }
    result
}

/// Keeps the rows of `joined` (outer columns, then the current query's)
/// for which the join condition `on` is true.
fn join_condition(joined: RelExpr, on: &HirScalar, k: usize, cols: &[ColumnRef]) -> RelExpr {
    let width = joined.arity();
    let (applied, condition) = apply_scalar(joined, on, k, cols);
    applied.filter(vec![condition]).project((0..width).collect())
}

/// The rows of a left join's left side `l` without a match in `inner`,
/// padded with `NULL`s of the right side's types.
fn unmatched_left(l: &RelExpr, inner: &RelExpr, right_types: &[freshet_repr::ColumnType]) -> RelExpr {
    let matched = inner.clone().project((0..l.arity()).collect());
    unmatched(l, matched).map(null_columns(right_types))
}

/// Lowers `left JOIN LATERAL right ON on`: the right side is lowered
/// against the distinct values of the columns it reads (the left side's and
/// the enclosing queries'), as a subquery in an expression is, and joined
/// back to the left rows on them; a left join adds the left rows without a
/// match.
fn lower_lateral_join(
    left: &HirRel,
    right: &HirRel,
    on: &HirScalar,
    left_outer: bool,
    outer: &RelExpr,
    cols: &[ColumnRef],
) -> RelExpr {
    let k = cols.len();
    let l = lower_rel(left, outer, cols);
    let width = l.arity();
    // Where each column the right side reads sits in `l`: level 1 is the
    // left side, further levels the queries around this one.
    let (refs, positions, bindings) = bindings_of(right, &l, k, cols);
    let m = positions.len();
    let r = lower_rel(right, &bindings, &refs);
    let nr = r.arity() - m;
    let right_types = r.typ()[m..].to_vec();
    let joined = l
        .clone()
        .join(r, positions.iter().enumerate().map(|(i, p)| (*p, i)).collect())
        .project((0..width).chain(width + m..width + m + nr).collect());
    let inner = join_condition(joined, on, k, cols);
    if left_outer {
        inner.clone().union(unmatched_left(&l, &inner, &right_types))
    } else {
        inner
    }
}

/// The rows of `all` that do not occur in `matched` (a subset of its rows,
/// possibly repeated), with their multiplicities.
fn unmatched(all: &RelExpr, matched: RelExpr) -> RelExpr {
    let n = all.arity();
    let semijoin = all
        .clone()
        .join(matched.distinct(), (0..n).map(|i| (i, i)).collect())
        .project((0..n).collect());
    all.clone().union(semijoin.negate())
}

/// `NULL` literals of the given types.
fn null_columns(types: &[freshet_repr::ColumnType]) -> Vec<ScalarExpr> {
    types.iter().map(|t| ScalarExpr::null(t.scalar_type)).collect()
}

/// Makes `scalar` evaluable over `r` (outer columns, then the current
/// query's): joins in the value of each subquery it contains, and returns
/// the widened relation and the expression over it.
fn apply_scalar(mut r: RelExpr, scalar: &HirScalar, k: usize, cols: &[ColumnRef]) -> (RelExpr, ScalarExpr) {
    let mut subqueries = Vec::new();
    collect_subqueries(scalar, &mut subqueries);
    let mut positions = Vec::with_capacity(subqueries.len());
    for sub in subqueries {
        let (applied, value) = apply_subquery(r, sub, k, cols);
        r = applied;
        positions.push(value);
    }
    let mut positions = positions.into_iter();
    let expr = to_scalar_expr(scalar, k, cols, &mut positions);
    (r, expr)
}

/// The subqueries of an expression (not those nested in them), in order.
fn collect_subqueries<'a>(scalar: &'a HirScalar, out: &mut Vec<&'a HirScalar>) {
    match scalar {
        HirScalar::Exists(_) | HirScalar::Select(_) => out.push(scalar),
        other => other.children().into_iter().for_each(|c| collect_subqueries(c, out)),
    }
}

/// Converts a scalar whose subqueries were joined in at `positions`.
fn to_scalar_expr(
    scalar: &HirScalar,
    k: usize,
    cols: &[ColumnRef],
    positions: &mut std::vec::IntoIter<ScalarExpr>,
) -> ScalarExpr {
    let mut convert = |e: &HirScalar| to_scalar_expr(e, k, cols, positions);
    match scalar {
        HirScalar::Column(ColumnRef { level: 0, column }) => ScalarExpr::Column(k + column),
        HirScalar::Column(r) => ScalarExpr::Column(outer_position(cols, *r)),
        HirScalar::Literal(value, typ) => ScalarExpr::Literal(value.clone(), *typ),
        HirScalar::CallUnmaterializable(func) => ScalarExpr::CallUnmaterializable(*func),
        HirScalar::CallUnary { func, expr } => convert(expr).call_unary(*func),
        HirScalar::CallBinary { func, expr1, expr2 } => {
            let a = convert(expr1);
            a.call_binary(convert(expr2), *func)
        }
        HirScalar::CallVariadic { func, exprs } => ScalarExpr::CallVariadic {
            func: *func,
            exprs: exprs.iter().map(convert).collect(),
        },
        HirScalar::If { cond, then, els } => ScalarExpr::If {
            cond: Box::new(convert(cond)),
            then: Box::new(convert(then)),
            els: Box::new(convert(els)),
        },
        HirScalar::Exists(_) | HirScalar::Select(_) => {
            // `apply_scalar` joined in each subquery's value, in this order.
            positions.next().unwrap_or(ScalarExpr::Column(usize::MAX))
        }
    }
}

/// The outer relation's column holding an enclosing query's column. The
/// planner resolved the reference, and lowering passes every reference a
/// relation makes in `cols`.
fn outer_position(cols: &[ColumnRef], r: ColumnRef) -> usize {
    cols.iter().position(|c| *c == r).unwrap_or(usize::MAX)
}

/// Joins the value of subquery `sub` (an `Exists` or `Select`) to every row
/// of `r`, as new last columns; returns the widened relation and the
/// expression reading the value.
///
/// A scalar subquery with several rows for a binding is an error only where
/// its value is evaluated (not in an untaken `CASE` branch, nor after
/// `false AND`), as in PostgreSQL: such a binding gets a `NULL` value and a
/// flag, and the value's expression raises the error if the flag is set.
fn apply_subquery(r: RelExpr, sub: &HirScalar, k: usize, cols: &[ColumnRef]) -> (RelExpr, ScalarExpr) {
    let (rel, exists) = match sub {
        HirScalar::Exists(rel) => (rel, true),
        HirScalar::Select(rel) => (rel, false),
        _ => return (r, ScalarExpr::Column(usize::MAX)),
    };
    let width = r.arity();
    // Where each column the subquery reads sits in `r`.
    let (refs, positions, bindings) = bindings_of(rel, &r, k, cols);
    let m = positions.len();
    let lowered = lower_rel(rel, &bindings, &refs);
    // Per binding: the value columns (after the `m` binding columns), and
    // what a binding without rows gets.
    let (values, defaults) = if exists {
        let values = lowered
            .project((0..m).collect())
            .distinct()
            .map(vec![ScalarExpr::literal_bool(true)]);
        (values, vec![ScalarExpr::literal_bool(false)])
    } else {
        let typ = lowered.typ().get(m).map_or(ScalarType::Text, |t| t.scalar_type);
        if at_most_one_row(rel) {
            (lowered, vec![ScalarExpr::null(typ)])
        } else {
            // count(*) and max(value): the value itself when there is one row.
            let reduced = lowered.reduce(
                (0..m).collect(),
                vec![
                    AggregateExpr {
                        func: AggregateFunc::CountAll,
                        expr: ScalarExpr::literal_bool(true),
                        distinct: false,
                    },
                    AggregateExpr {
                        func: AggregateFunc::Max,
                        expr: ScalarExpr::Column(m),
                        distinct: false,
                    },
                ],
            );
            let several = ScalarExpr::Column(m)
                .call_binary(ScalarExpr::literal(Datum::Int64(1), ScalarType::Int64), BinaryFunc::Gt);
            let values = reduced
                .map(vec![several])
                .project((0..m).chain([m + 1, m + 2]).collect());
            (values, vec![ScalarExpr::null(typ), ScalarExpr::literal_bool(false)])
        }
    };
    let n = defaults.len();
    let missing = bindings.union(values.clone().project((0..m).collect()).negate());
    let complete = values.union(missing.map(defaults));
    let joined = r
        .join(complete, positions.iter().enumerate().map(|(i, p)| (*p, i)).collect())
        .project((0..width).chain(width + m..width + m + n).collect());
    let value = ScalarExpr::Column(width);
    let expr = if n == 2 {
        let typ = joined.typ()[width];
        ScalarExpr::If {
            cond: Box::new(ScalarExpr::Column(width + 1)),
            then: Box::new(ScalarExpr::Literal(Err(EvalError::MultipleRowsFromSubquery), typ)),
            els: Box::new(value),
        }
    } else {
        value
    };
    (joined, expr)
}

/// Whether a relation has at most one row per outer binding.
fn at_most_one_row(rel: &HirRel) -> bool {
    match rel {
        HirRel::Reduce { group_key, .. } => group_key.is_empty(),
        HirRel::Map { input, .. } | HirRel::Project { input, .. } | HirRel::Filter { input, .. } => {
            at_most_one_row(input)
        }
        HirRel::TopK { group_key, limit, .. } => group_key.is_empty() && limit.is_some_and(|l| l <= 1),
        HirRel::Constant { rows, .. } => rows.len() <= 1,
        _ => false,
    }
}

/// What lowering `inner` (a subquery, or the right side of a lateral
/// join) against the rows of `rel` needs: the outer columns `inner` reads,
/// where each sits in `rel` (level 1 is `rel`'s own columns after its `k`
/// outer ones, further levels the queries around, per `cols`), and the
/// distinct values of those columns (one unit row when it reads none).
fn bindings_of(inner: &HirRel, rel: &RelExpr, k: usize, cols: &[ColumnRef]) -> (Vec<ColumnRef>, Vec<usize>, RelExpr) {
    let refs = inner.outer_refs();
    let positions: Vec<usize> = refs
        .iter()
        .map(|c| match c.level {
            1 => k + c.column,
            level => outer_position(
                cols,
                ColumnRef {
                    level: level - 1,
                    column: c.column,
                },
            ),
        })
        .collect();
    let bindings = if positions.is_empty() {
        RelExpr::constant_unit()
    } else {
        rel.clone().project(positions.clone()).distinct()
    };
    (refs, positions, bindings)
}
