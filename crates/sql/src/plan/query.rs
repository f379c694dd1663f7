//! Planning queries: `WITH`, `SELECT`, `VALUES`, set operations, `ORDER BY`,
//! `LIMIT` and `OFFSET`.

use freshet_expr::{ColumnOrder, RowSetFinishing, fold_scalar};
use freshet_repr::{ColumnType, Datum, RelationDesc, ScalarType};
use sqlparser::ast::{self, Expr, LimitClause, OrderByKind, SetExpr, SetOperator, SetQuantifier, Value};

use super::SelectPlan;
use super::expr::{ExprContext, Typed, coerce, plan_expr, plan_homogeneous, scalar_only};
use super::hir::{HirRel, HirScalar};
use super::lowering::lower;
use super::scope::Scope;
use super::select::plan_select;
use super::typeconv::{CastContext, plan_cast, unify};
use crate::PlanError;
use crate::catalog::CatalogReader;
use crate::names::normalize_ident;

/// A query named by `WITH`.
#[derive(Debug, Clone)]
pub(crate) struct Cte {
    /// Its name.
    pub(crate) name: String,
    /// Its rows, as planned where it was defined.
    pub(crate) rel: HirRel,
    /// Its column names.
    pub(crate) names: Vec<String>,
    /// Its column types.
    pub(crate) types: Vec<ColumnType>,
    /// How many queries enclosed its definition.
    pub(crate) depth: usize,
}

/// What a query is planned in.
pub(crate) struct QueryContext<'a> {
    /// Names resolve here.
    pub(crate) catalog: &'a dyn CatalogReader,
    /// The scopes of the enclosing queries, innermost last.
    pub(crate) outer: Vec<Scope>,
    /// The queries of `WITH` clauses in scope, innermost last.
    pub(crate) ctes: Vec<Cte>,
}

impl<'a> QueryContext<'a> {
    /// The context of an outermost query.
    pub(crate) fn new(catalog: &'a dyn CatalogReader) -> QueryContext<'a> {
        QueryContext {
            catalog,
            outer: vec![],
            ctes: vec![],
        }
    }

    /// The context of a subquery of a query whose columns are `scope`.
    pub(crate) fn nested(&self, scope: Scope) -> QueryContext<'a> {
        let mut outer = self.outer.clone();
        outer.push(scope);
        QueryContext {
            catalog: self.catalog,
            outer,
            ctes: self.ctes.clone(),
        }
    }

    /// The `WITH` query `name`, its outer references adjusted to be read
    /// from this query.
    pub(crate) fn cte(&self, name: &str) -> Option<Cte> {
        let cte = self.ctes.iter().rev().find(|c| c.name == name)?;
        let mut cte = cte.clone();
        let by = self.outer.len() - cte.depth;
        if by > 0 {
            cte.rel.shift_outer(1, by);
        }
        Some(cte)
    }
}

/// A planned query, before its rows are sorted and limited.
pub(crate) struct PlannedQuery {
    /// The output columns, then columns only `ORDER BY` reads.
    pub(crate) rel: HirRel,
    /// The output columns' names.
    pub(crate) names: Vec<String>,
    /// The output columns' types.
    pub(crate) types: Vec<ColumnType>,
    /// The sort order, over `rel`'s columns.
    pub(crate) order_by: Vec<ColumnOrder>,
    /// `LIMIT`.
    pub(crate) limit: Option<u64>,
    /// `OFFSET`.
    pub(crate) offset: u64,
}

/// A query nested in another (a subquery, a derived table, a `WITH` query):
/// its rows, limits applied.
pub(crate) struct NestedQuery {
    /// The rows.
    pub(crate) rel: HirRel,
    /// The column names.
    pub(crate) names: Vec<String>,
    /// The column types.
    pub(crate) types: Vec<ColumnType>,
}

/// Plans an outermost query.
pub(crate) fn plan_query(catalog: &dyn CatalogReader, query: &ast::Query) -> Result<SelectPlan, PlanError> {
    let qcx = QueryContext::new(catalog);
    let planned = plan_query_inner(&qcx, query)?;
    let arity = planned.names.len();
    let desc = RelationDesc::new(
        planned
            .names
            .iter()
            .zip(&planned.types)
            .map(|(name, typ)| (freshet_repr::ColumnName(name.clone()), *typ)),
    );
    Ok(SelectPlan {
        expr: lower(&planned.rel),
        finishing: RowSetFinishing {
            order_by: planned.order_by,
            limit: planned.limit,
            offset: planned.offset,
            project: (0..arity).collect(),
        },
        desc,
        as_of: None,
    })
}

/// Plans a query nested in another.
pub(crate) fn plan_nested_query(qcx: &QueryContext<'_>, query: &ast::Query) -> Result<NestedQuery, PlanError> {
    let planned = plan_query_inner(qcx, query)?;
    let arity = planned.names.len();
    let rel = if planned.limit.is_some() || planned.offset > 0 {
        HirRel::TopK {
            input: Box::new(planned.rel),
            group_key: vec![],
            order_by: planned.order_by,
            limit: planned.limit,
            offset: planned.offset,
        }
    } else {
        planned.rel
    };
    Ok(NestedQuery {
        rel: rel.project((0..arity).collect()),
        names: planned.names,
        types: planned.types,
    })
}

fn plan_query_inner(qcx: &QueryContext<'_>, query: &ast::Query) -> Result<PlannedQuery, PlanError> {
    if query.fetch.is_some() || !query.locks.is_empty() || query.for_clause.is_some() {
        return Err(PlanError::Unsupported(
            "FETCH, FOR UPDATE or FOR clauses in queries".into(),
        ));
    }
    let mut with_ctes;
    let qcx = match &query.with {
        None => qcx,
        Some(with) => {
            if with.recursive {
                return Err(PlanError::Unsupported("WITH RECURSIVE".into()));
            }
            with_ctes = QueryContext {
                catalog: qcx.catalog,
                outer: qcx.outer.clone(),
                ctes: qcx.ctes.clone(),
            };
            for cte in &with.cte_tables {
                if cte.materialized.is_some() || cte.from.is_some() {
                    return Err(PlanError::Unsupported("WITH … MATERIALIZED".into()));
                }
                let name = normalize_ident(&cte.alias.name);
                let planned = plan_nested_query(&with_ctes, &cte.query)?;
                let mut names = planned.names;
                for (i, column) in cte.alias.columns.iter().enumerate() {
                    if let Some(n) = names.get_mut(i) {
                        *n = normalize_ident(&column.name);
                    }
                }
                with_ctes.ctes.push(Cte {
                    name,
                    rel: planned.rel,
                    names,
                    types: planned.types,
                    depth: with_ctes.outer.len(),
                });
            }
            &with_ctes
        }
    };
    let order_by: &[ast::OrderByExpr] = match &query.order_by {
        None => &[],
        Some(ob) => match &ob.kind {
            OrderByKind::Expressions(exprs) => exprs,
            OrderByKind::All(_) => return Err(PlanError::Unsupported("ORDER BY ALL".into())),
        },
    };
    for item in order_by {
        if matches!(item.options.sort, Some(ast::OrderBySort::Using(_))) {
            return Err(PlanError::Unsupported("ORDER BY USING".into()));
        }
    }
    let (limit, offset) = plan_limit(qcx.catalog, query.limit_clause.as_ref())?;
    let (rel, names, types, order) = match &*query.body {
        SetExpr::Select(select) => {
            let body = plan_select(qcx, select, order_by)?;
            (body.rel, body.names, body.types, body.order_by)
        }
        SetExpr::Query(inner) if order_by.is_empty() && limit.is_none() && offset == 0 => {
            return plan_query_inner(qcx, inner);
        }
        body => {
            let (rel, names, types) = plan_set_expr(qcx, body)?;
            let order = order_by
                .iter()
                .map(|item| {
                    let column = output_column(&names, &item.expr)?.ok_or_else(|| {
                        PlanError::Unsupported("ORDER BY of an expression over a set operation or VALUES".into())
                    })?;
                    Ok(column_order(column, item))
                })
                .collect::<Result<_, PlanError>>()?;
            (rel, names, types, order)
        }
    };
    Ok(PlannedQuery {
        rel,
        names,
        types,
        order_by: order,
        limit,
        offset,
    })
}

/// The sort order of `ORDER BY item` on `column`. PostgreSQL sorts `NULL`s
/// as larger than every value.
pub(crate) fn column_order(column: usize, item: &ast::OrderByExpr) -> ColumnOrder {
    let desc = matches!(item.options.sort, Some(ast::OrderBySort::Desc));
    let nulls_last = item.options.nulls_first.map_or(!desc, |first| !first);
    ColumnOrder {
        column,
        desc,
        nulls_last,
    }
}

/// The output column an `ORDER BY` item names: by position or by name.
/// `None` if it is some other expression.
pub(crate) fn output_column(names: &[String], expr: &Expr) -> Result<Option<usize>, PlanError> {
    if let Expr::Value(v) = expr
        && let Value::Number(n, _) = &v.value
    {
        let position: i64 = n.parse().map_err(|_| PlanError::Unsupported(format!("ORDER BY {n}")))?;
        return usize::try_from(position)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .filter(|p| *p < names.len())
            .map(Some)
            .ok_or(PlanError::OrderByPosition(position));
    }
    if let Expr::Identifier(ident) = expr {
        let name = normalize_ident(ident);
        let matching: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| **n == name)
            .map(|(i, _)| i)
            .collect();
        return match matching.as_slice() {
            [c] => Ok(Some(*c)),
            [] => Ok(None),
            _ => Err(PlanError::AmbiguousColumn(name)),
        };
    }
    Ok(None)
}

/// Plans a query body that is not a `SELECT` with its own `ORDER BY`:
/// `VALUES`, a set operation, a parenthesized query.
fn plan_set_expr(qcx: &QueryContext<'_>, body: &SetExpr) -> Result<(HirRel, Vec<String>, Vec<ColumnType>), PlanError> {
    match body {
        SetExpr::Select(select) => {
            let body = plan_select(qcx, select, &[])?;
            Ok((body.rel, body.names, body.types))
        }
        SetExpr::Values(values) => plan_values(qcx, values),
        SetExpr::Query(query) => {
            let nested = plan_nested_query(qcx, query)?;
            Ok((nested.rel, nested.names, nested.types))
        }
        SetExpr::SetOperation {
            op,
            set_quantifier,
            left,
            right,
        } => {
            let (l, names, ltypes) = plan_set_expr(qcx, left)?;
            let (r, _, rtypes) = plan_set_expr(qcx, right)?;
            let all = match set_quantifier {
                SetQuantifier::All => true,
                SetQuantifier::Distinct | SetQuantifier::None => false,
                other => return Err(PlanError::Unsupported(format!("{op} {other}"))),
            };
            let what = op.to_string().to_uppercase();
            if ltypes.len() != rtypes.len() {
                return Err(PlanError::Parse {
                    message: format!("each {what} query must have the same number of columns"),
                    detail: None,
                    position: None,
                });
            }
            let mut types = Vec::with_capacity(ltypes.len());
            for (a, b) in ltypes.iter().zip(&rtypes) {
                let common = unify(&a.scalar_type, &b.scalar_type).ok_or_else(|| {
                    PlanError::DatatypeMismatch(format!(
                        "{what} types {} and {} cannot be matched",
                        a.scalar_type.name(),
                        b.scalar_type.name()
                    ))
                })?;
                types.push(common.nullable(a.nullable || b.nullable));
            }
            let l = convert_columns(l, &ltypes, &types)?;
            let r = convert_columns(r, &rtypes, &types)?;
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
            Ok((rel, names, types))
        }
        other => Err(PlanError::Unsupported(format!("query {other}"))),
    }
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
        let nullable = column.iter().any(super::expr::nullable);
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

fn plan_limit(catalog: &dyn CatalogReader, clause: Option<&LimitClause>) -> Result<(Option<u64>, u64), PlanError> {
    let (limit, offset) = match clause {
        None => return Ok((None, 0)),
        Some(LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) => {
            if !limit_by.is_empty() {
                return Err(PlanError::Unsupported("LIMIT BY".into()));
            }
            (limit.as_ref(), offset.as_ref().map(|o| &o.value))
        }
        Some(LimitClause::OffsetCommaLimit { .. }) => return Err(PlanError::Unsupported("LIMIT offset, count".into())),
    };
    let limit = match limit {
        None => None,
        Some(e) => constant_count(catalog, e)?
            .map(|n| u64::try_from(n).map_err(|_| PlanError::NegativeLimit))
            .transpose()?,
    };
    let offset = match offset {
        None => 0,
        Some(e) => {
            constant_count(catalog, e)?.map_or(Ok(0), |n| u64::try_from(n).map_err(|_| PlanError::NegativeOffset))?
        }
    };
    Ok((limit, offset))
}

/// Evaluates the constant time of `AS OF`: a non-negative integer.
pub(crate) fn constant_time(catalog: &dyn CatalogReader, e: &Expr) -> Result<freshet_repr::Timestamp, PlanError> {
    match constant_count(catalog, e)? {
        Some(t) => freshet_repr::Timestamp::try_from(t)
            .map_err(|_| PlanError::InvalidParameter(format!("AS OF time {t} is negative"))),
        None => Err(PlanError::InvalidParameter("AS OF needs a time, not NULL".into())),
    }
}

/// Evaluates a constant `LIMIT`/`OFFSET` expression; `NULL` means none.
fn constant_count(catalog: &dyn CatalogReader, e: &Expr) -> Result<Option<i64>, PlanError> {
    let scope = Scope::empty();
    let qcx = QueryContext::new(catalog);
    let ecx = ExprContext::new(&qcx, &scope, "LIMIT");
    let expr = coerce(plan_expr(&ecx, e)?, &ScalarType::Int64, CastContext::Assignment)?;
    let mut expr = scalar_only(expr, "LIMIT")?;
    fold_scalar(&mut expr);
    match expr {
        freshet_expr::ScalarExpr::Literal(Ok(row), _) => match row.unpack_first() {
            Datum::Int64(n) => Ok(Some(n)),
            _ => Ok(None),
        },
        freshet_expr::ScalarExpr::Literal(Err(e), _) => Err(PlanError::Eval(e)),
        _ => Err(PlanError::Unsupported("LIMIT or OFFSET that is not a constant".into())),
    }
}

/// The name PostgreSQL gives an unnamed output column.
pub(crate) fn column_name(e: &Expr) -> String {
    match e {
        Expr::Identifier(ident) => normalize_ident(ident),
        Expr::CompoundIdentifier(parts) => parts.last().map_or("?column?".into(), normalize_ident),
        Expr::Nested(inner) => column_name(inner),
        Expr::Function(f) => f.name.0.last().map_or("?column?".into(), |p| match p {
            ast::ObjectNamePart::Identifier(i) => normalize_ident(i),
            ast::ObjectNamePart::Function(_) => "?column?".into(),
        }),
        Expr::Cast { expr, data_type, .. } => match column_name(expr).as_str() {
            "?column?" => super::types::scalar_type_from_sql(data_type)
                .map_or("?column?".into(), |t| t.internal_name().to_owned()),
            name => name.to_owned(),
        },
        Expr::TypedString(t) => {
            super::types::scalar_type_from_sql(&t.data_type).map_or("?column?".into(), |t| t.internal_name().to_owned())
        }
        Expr::Case { .. } => "case".into(),
        Expr::Value(v) if matches!(v.value, Value::Boolean(_)) => "bool".into(),
        _ => "?column?".into(),
    }
}
