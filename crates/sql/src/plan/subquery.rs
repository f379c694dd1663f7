//! Subqueries in expressions: `(SELECT …)`, `EXISTS`, `IN`, `ANY`, `ALL`.
//!
//! Each is planned as a relation one level deeper (it may read the columns
//! of the queries around it) and becomes an [`HirScalar::Exists`] or
//! [`HirScalar::Select`]; lowering decorrelates them into joins.

use freshet_repr::ScalarType;
use sqlparser::ast::{self, BinaryOperator, Expr};

use super::expr::{ExprContext, Typed, comparison_func, nullable, plan_expr};
use super::hir::{HirRel, HirScalar};
use super::query::OuterQuery;
use super::typeconv::{CastContext, plan_cast, unify};
use crate::PlanError;
use freshet_expr::{BinaryFunc, UnaryFunc, VariadicFunc};

/// Plans `query` as a subquery of the expression context `ecx`.
fn plan_subquery(
    ecx: &ExprContext<'_>,
    query: &ast::Query,
) -> Result<(HirRel, Vec<freshet_repr::ColumnType>), PlanError> {
    let qcx = ecx.qcx.nested(OuterQuery {
        scope: ecx.scope.clone(),
        grouping: ecx.grouping.cloned(),
        clause: ecx.clause,
        found: None,
    });
    let planned = super::query::plan_nested_query(&qcx, query)?;
    Ok((planned.rel, planned.types))
}

/// The subquery's one column, or the error PostgreSQL gives otherwise.
fn one_column(types: &[freshet_repr::ColumnType]) -> Result<freshet_repr::ColumnType, PlanError> {
    match types {
        [t] => Ok(*t),
        [] => Err(PlanError::SubqueryColumns(
            "subquery must return only one column".into(),
        )),
        _ => Err(PlanError::SubqueryColumns(
            "subquery must return only one column".into(),
        )),
    }
}

/// `(SELECT x …)`: its one value.
pub(crate) fn plan_scalar_subquery(ecx: &ExprContext<'_>, query: &ast::Query) -> Result<Typed, PlanError> {
    let (rel, types) = plan_subquery(ecx, query)?;
    let typ = one_column(&types)?;
    Ok(Typed::Expr(
        HirScalar::Select(Box::new(rel)),
        typ.scalar_type.nullable(true),
    ))
}

/// `[NOT] EXISTS (SELECT …)`.
pub(crate) fn plan_exists(ecx: &ExprContext<'_>, query: &ast::Query, negated: bool) -> Result<Typed, PlanError> {
    let (rel, _) = plan_subquery(ecx, query)?;
    let mut expr = HirScalar::Exists(Box::new(rel));
    if negated {
        expr = expr.call_unary(UnaryFunc::Not);
    }
    Ok(Typed::Expr(expr, ScalarType::Bool.nullable(false)))
}

/// The left operands and the subquery's columns at their common types, for
/// a comparison: the left ones moved into the subquery (one level deeper),
/// the right ones over the subquery's row. A row `(a, b)` on the left
/// compares with as many columns.
struct Quantified {
    rel: HirRel,
    pairs: Vec<(HirScalar, HirScalar)>,
    nullable: bool,
}

fn plan_quantified_operands(
    ecx: &ExprContext<'_>,
    left: &Expr,
    query: &ast::Query,
    symbol: &str,
) -> Result<Quantified, PlanError> {
    let (rel, types) = plan_subquery(ecx, query)?;
    let lefts: Vec<&Expr> = match left {
        Expr::Tuple(items) => items.iter().collect(),
        other => vec![other],
    };
    if types.len() != lefts.len() {
        let which = if types.len() > lefts.len() { "many" } else { "few" };
        return Err(PlanError::SubqueryColumns(format!("subquery has too {which} columns")));
    }
    let mut pairs = Vec::with_capacity(lefts.len());
    let mut any_nullable = false;
    for (i, (left, right_type)) in lefts.into_iter().zip(types).enumerate() {
        let left = plan_expr(ecx, left)?;
        any_nullable |= nullable(&left) || right_type.nullable;
        let common = match left.scalar_type() {
            Some(t) => unify(&t, &right_type.scalar_type).ok_or_else(|| {
                PlanError::UnknownOperator(format!("{} {symbol} {}", t.name(), right_type.scalar_type.name()))
            })?,
            None => right_type.scalar_type,
        };
        let mut left = super::expr::coerce(left, &common, CastContext::Implicit)?;
        left.shift_outer(0, 1);
        let right = plan_cast(
            HirScalar::column(i),
            &right_type.scalar_type,
            &common,
            CastContext::Implicit,
        )?;
        pairs.push((left, right));
    }
    Ok(Quantified {
        rel,
        pairs,
        nullable: any_nullable,
    })
}

impl Quantified {
    /// The comparison `func` of the left operands with the subquery's row;
    /// rows compare equal if every column does, unequal if some column does.
    fn compare(&self, func: BinaryFunc) -> Result<HirScalar, PlanError> {
        let mut compared: Vec<HirScalar> = self
            .pairs
            .iter()
            .map(|(l, r)| l.clone().call_binary(r.clone(), func))
            .collect();
        if compared.len() == 1 {
            return Ok(compared.remove(0));
        }
        let combine = match func {
            BinaryFunc::Eq => VariadicFunc::And,
            BinaryFunc::NotEq => VariadicFunc::Or,
            _ => {
                return Err(PlanError::Unsupported(
                    "row comparisons other than = and <> with a subquery".into(),
                ));
            }
        };
        Ok(HirScalar::call_variadic(combine, compared))
    }
}

/// `x [NOT] IN (SELECT y …)`: true if some `y = x`; otherwise `NULL` if `x`
/// is `NULL` (and there are rows) or some `y` is `NULL`; otherwise false.
/// `(a, b) IN (SELECT x, y …)` compares rows the same way.
pub(crate) fn plan_in_subquery(
    ecx: &ExprContext<'_>,
    left: &Expr,
    query: &ast::Query,
    negated: bool,
) -> Result<Typed, PlanError> {
    let q = plan_quantified_operands(ecx, left, query, "=")?;
    let matches = q.compare(BinaryFunc::Eq)?;
    let found = HirScalar::Exists(Box::new(q.rel.clone().filter(vec![matches.clone()])));
    let mut expr = if q.nullable {
        // `x IS NULL` reads the enclosing query: inside the subquery it
        // stands for "x is NULL and there is a row".
        let unknown_when = match q.pairs.as_slice() {
            [(l, r)] => HirScalar::call_variadic(
                VariadicFunc::Or,
                vec![
                    l.clone().call_unary(UnaryFunc::IsNull),
                    r.clone().call_unary(UnaryFunc::IsNull),
                ],
            ),
            _ => matches.call_unary(UnaryFunc::IsNull),
        };
        let unknown = HirScalar::Exists(Box::new(q.rel.filter(vec![unknown_when])));
        HirScalar::if_then_else(
            found,
            HirScalar::literal_bool(true),
            HirScalar::if_then_else(
                unknown,
                HirScalar::null(ScalarType::Bool),
                HirScalar::literal_bool(false),
            ),
        )
    } else {
        found
    };
    if negated {
        expr = expr.call_unary(UnaryFunc::Not);
    }
    Ok(Typed::Expr(expr, ScalarType::Bool.nullable(q.nullable)))
}

/// `x op ANY (SELECT …)` (or `SOME`), and `x op ALL (SELECT …)`.
pub(crate) fn plan_quantified(
    ecx: &ExprContext<'_>,
    left: &Expr,
    op: &BinaryOperator,
    right: &Expr,
    all: bool,
) -> Result<Typed, PlanError> {
    let query = match right {
        Expr::Subquery(query) => query,
        Expr::Nested(inner) => match &**inner {
            Expr::Subquery(query) => query,
            _ => return Err(PlanError::Unsupported("ANY or ALL over an array".into())),
        },
        _ => return Err(PlanError::Unsupported("ANY or ALL over an array".into())),
    };
    let func = comparison_func(op).ok_or_else(|| PlanError::Unsupported(format!("{op} ANY or ALL")))?;
    let q = plan_quantified_operands(ecx, left, query, &op.to_string())?;
    let compared = q.compare(func)?;
    // ANY: true if some comparison is true; ALL: false if some is false.
    let decisive = if all {
        compared.clone().call_unary(UnaryFunc::IsFalse)
    } else {
        compared.clone().call_unary(UnaryFunc::IsTrue)
    };
    let decided = HirScalar::Exists(Box::new(q.rel.clone().filter(vec![decisive])));
    let unknown = HirScalar::Exists(Box::new(q.rel.filter(vec![compared.call_unary(UnaryFunc::IsNull)])));
    let expr = HirScalar::if_then_else(
        decided,
        HirScalar::literal_bool(!all),
        HirScalar::if_then_else(unknown, HirScalar::null(ScalarType::Bool), HirScalar::literal_bool(all)),
    );
    Ok(Typed::Expr(expr, ScalarType::Bool.nullable(true)))
}
