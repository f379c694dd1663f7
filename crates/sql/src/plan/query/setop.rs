//! Planning `VALUES` and the set operations `UNION`, `INTERSECT` and
//! `EXCEPT`: the column types their branches unify to, and their
//! `ORDER BY`.

use freshet_expr::ColumnOrder;
use freshet_repr::{ColumnType, ScalarType};
use sqlparser::ast::{self, SetExpr, SetOperator, SetQuantifier};

use super::{QueryContext, column_order, output_column, plan_nested_query};
use crate::PlanError;
use crate::plan::expr::{ExprContext, Typed, nullable, plan_expr, plan_homogeneous};
use crate::plan::hir::{ColumnRef, HirRel, HirScalar};
use crate::plan::scope::{Scope, ScopeItem};
use crate::plan::select::plan_select;
use crate::plan::typeconv::{CastContext, plan_cast, unify};

/// `ORDER BY` over `VALUES` or a set operation, whose columns are `names`:
/// the rows (`VALUES` may append the expressions it sorts by) and the
/// order. A set operation sorts by its output columns only, as PostgreSQL
/// does; `VALUES` by any expression over `column1`, `column2`, ….
pub(super) fn plan_set_order_by(
    qcx: &QueryContext<'_>,
    rel: HirRel,
    names: &[String],
    types: &[ColumnType],
    order_by: &[ast::OrderByExpr],
    values: bool,
) -> Result<(HirRel, Vec<ColumnOrder>), PlanError> {
    let table = values.then(|| "*VALUES*".to_owned());
    let scope = Scope {
        items: names
            .iter()
            .zip(types)
            .map(|(name, typ)| ScopeItem::new(table.clone(), name.clone(), *typ))
            .collect(),
        from_names: vec![],
    };
    let ecx = ExprContext::new(qcx, &scope, "ORDER BY");
    let mut extra = Vec::new();
    let mut order = Vec::with_capacity(order_by.len());
    for item in order_by {
        let column = match output_column(names, |_, _| false, &item.expr)? {
            Some(c) => c,
            None => match plan_expr(&ecx, &item.expr)?.into_default().0 {
                HirScalar::Column(ColumnRef { level: 0, column }) => column,
                _ if !values => return Err(PlanError::SetOperationOrderBy),
                expr => {
                    extra.push(expr);
                    names.len() + extra.len() - 1
                }
            },
        };
        order.push(column_order(column, item));
    }
    Ok((rel.map(extra), order))
}

/// A planned `VALUES`, set operation, or `SELECT` under a set operation.
pub(super) struct SetBranch {
    /// The rows.
    pub(super) rel: HirRel,
    /// The column names.
    pub(super) names: Vec<String>,
    /// The column types.
    pub(super) types: Vec<ColumnType>,
    /// Per column: whether it is a `SELECT`'s untyped literal (a quoted
    /// string or `NULL`), planned as `text` until the set operation decides
    /// its type.
    untyped: Vec<bool>,
}

/// Plans a query body that is not a `SELECT` with its own `ORDER BY`:
/// `VALUES`, a set operation, a parenthesized query. `literal_types` gives
/// a `SELECT`'s untyped literals their types, by output column.
pub(super) fn plan_set_expr(
    qcx: &QueryContext<'_>,
    body: &SetExpr,
    literal_types: &[Option<ScalarType>],
) -> Result<SetBranch, PlanError> {
    match body {
        SetExpr::Select(select) => {
            let body = plan_select(qcx, select, &[], literal_types)?;
            Ok(SetBranch {
                rel: body.rel,
                names: body.names,
                types: body.types,
                untyped: body.untyped,
            })
        }
        SetExpr::Values(values) => {
            let (rel, names, types) = plan_values(qcx, values)?;
            let untyped = vec![false; names.len()];
            Ok(SetBranch {
                rel,
                names,
                types,
                untyped,
            })
        }
        // A parenthesized `SELECT` alone is still a branch of the set operation.
        SetExpr::Query(query)
            if query.with.is_none()
                && query.order_by.is_none()
                && query.limit_clause.is_none()
                && query.fetch.is_none() =>
        {
            plan_set_expr(qcx, &query.body, literal_types)
        }
        SetExpr::Query(query) => {
            let nested = plan_nested_query(qcx, query)?;
            let untyped = vec![false; nested.names.len()];
            Ok(SetBranch {
                rel: nested.rel,
                names: nested.names,
                types: nested.types,
                untyped,
            })
        }
        SetExpr::SetOperation {
            op,
            set_quantifier,
            left: left_body,
            right: right_body,
        } => {
            let all = match set_quantifier {
                SetQuantifier::All => true,
                SetQuantifier::Distinct | SetQuantifier::None => false,
                other => return Err(PlanError::Unsupported(format!("{op} {other}"))),
            };
            let what = op.to_string().to_uppercase();
            let left = plan_set_expr(qcx, left_body, &[])?;
            let right = plan_set_expr(qcx, right_body, &[])?;
            if left.types.len() != right.types.len() {
                return Err(PlanError::Parse {
                    message: format!("each {what} query must have the same number of columns"),
                    detail: None,
                    position: None,
                });
            }
            let types = set_column_types(&what, &left, &right)?;
            // A branch's untyped literals take the type of the other's column.
            let literal_types: Vec<Option<ScalarType>> = types.iter().map(|t| Some(t.scalar_type)).collect();
            let retype = |branch: SetBranch, body: &SetExpr| -> Result<SetBranch, PlanError> {
                let needed = branch
                    .untyped
                    .iter()
                    .zip(&types)
                    .any(|(untyped, t)| *untyped && t.scalar_type != ScalarType::Text);
                if needed {
                    plan_set_expr(qcx, body, &literal_types)
                } else {
                    Ok(branch)
                }
            };
            let (left, right) = (retype(left, left_body)?, retype(right, right_body)?);
            let l = convert_columns(left.rel, &left.types, &types)?;
            let r = convert_columns(right.rel, &right.types, &types)?;
            let rel = match (op, all) {
                (SetOperator::Union, true) => HirRel::Union { inputs: vec![l, r] },
                (SetOperator::Union, false) => HirRel::Union { inputs: vec![l, r] }.distinct(),
                (SetOperator::Except | SetOperator::Minus, all) => {
                    let (l, r) = if all { (l, r) } else { (l.distinct(), r.distinct()) };
                    difference(l, r)
                }
                (SetOperator::Intersect, all) => {
                    let (l, r) = if all { (l, r) } else { (l.distinct(), r.distinct()) };
                    // l minus (l minus r): each row min(count in l, count in r) times.
                    let only_left = difference(l.clone(), r);
                    HirRel::Union {
                        inputs: vec![
                            l,
                            HirRel::Negate {
                                input: Box::new(only_left),
                            },
                        ],
                    }
                }
            };
            let untyped = vec![false; types.len()];
            Ok(SetBranch {
                rel,
                names: left.names,
                types,
                untyped,
            })
        }
        other => Err(PlanError::Unsupported(format!("query {other}"))),
    }
}

/// The column types of a set operation `what` of two branches: their
/// common types, an untyped literal taking the other branch's type (`text`
/// if both are untyped), as PostgreSQL resolves them.
fn set_column_types(what: &str, left: &SetBranch, right: &SetBranch) -> Result<Vec<ColumnType>, PlanError> {
    let columns = left
        .types
        .iter()
        .zip(&left.untyped)
        .zip(right.types.iter().zip(&right.untyped));
    columns
        .map(|((a, a_untyped), (b, b_untyped))| {
            let common = match (a_untyped, b_untyped) {
                (true, true) => ScalarType::Text,
                (true, false) => b.scalar_type,
                (false, true) => a.scalar_type,
                (false, false) => unify(&a.scalar_type, &b.scalar_type).ok_or_else(|| {
                    PlanError::DatatypeMismatch(format!(
                        "{what} types {} and {} cannot be matched",
                        a.scalar_type.name(),
                        b.scalar_type.name()
                    ))
                })?,
            };
            Ok(common.nullable(a.nullable || b.nullable))
        })
        .collect()
}

/// The rows of `l` not cancelled by rows of `r` (`EXCEPT ALL`).
fn difference(l: HirRel, r: HirRel) -> HirRel {
    HirRel::Threshold {
        input: Box::new(HirRel::Union {
            inputs: vec![l, HirRel::Negate { input: Box::new(r) }],
        }),
    }
}

/// `rel` with each column converted from `from` to `to`.
fn convert_columns(rel: HirRel, from: &[ColumnType], to: &[ColumnType]) -> Result<HirRel, PlanError> {
    if from.iter().zip(to).all(|(a, b)| a.scalar_type == b.scalar_type) {
        return Ok(rel);
    }
    let arity = from.len();
    let scalars = from
        .iter()
        .zip(to)
        .enumerate()
        .map(|(i, (a, b))| {
            plan_cast(
                HirScalar::column(i),
                &a.scalar_type,
                &b.scalar_type,
                CastContext::Implicit,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rel.map(scalars).project((arity..2 * arity).collect()))
}

/// `VALUES (…), (…)`: the rows, each column at the type common to all rows.
fn plan_values(
    qcx: &QueryContext<'_>,
    values: &ast::Values,
) -> Result<(HirRel, Vec<String>, Vec<ColumnType>), PlanError> {
    let scope = Scope::empty();
    let ecx = ExprContext::new(qcx, &scope, "VALUES");
    let arity = values.rows.first().map_or(0, |r| r.content.len());
    let mut columns: Vec<Vec<Typed>> = (0..arity).map(|_| Vec::new()).collect();
    for row in &values.rows {
        if row.content.len() != arity {
            return Err(PlanError::Parse {
                message: "VALUES lists must all be the same length".into(),
                detail: None,
                position: None,
            });
        }
        for (i, e) in row.content.iter().enumerate() {
            columns[i].push(plan_expr(&ecx, e)?);
        }
    }
    let mut planned: Vec<Vec<HirScalar>> = Vec::with_capacity(arity);
    let mut types = Vec::with_capacity(arity);
    for column in columns {
        let nullable = column.iter().any(nullable);
        let (exprs, typ) = plan_homogeneous(column, "VALUES")?;
        planned.push(exprs);
        types.push(typ.nullable(nullable));
    }
    let rows = (0..values.rows.len())
        .map(|r| HirRel::unit().map(planned.iter().map(|column| column[r].clone()).collect()))
        .collect();
    let names = (0..arity).map(|i| format!("column{}", i + 1)).collect();
    Ok((HirRel::Union { inputs: rows }, names, types))
}
