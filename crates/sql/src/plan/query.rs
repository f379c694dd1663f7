//! Planning queries: `WITH`, `SELECT`, `VALUES`, set operations, `ORDER BY`,
//! `LIMIT` and `OFFSET`.

mod setop;

use std::cell::RefCell;
use std::rc::Rc;

use freshet_expr::{ColumnOrder, RowSetFinishing, fold_scalar};
use freshet_repr::{ColumnType, Datum, RelationDesc, ScalarType};
use sqlparser::ast::{self, Expr, LimitClause, OrderByKind, SetExpr, Value};

use super::SelectPlan;
use super::expr::{ExprContext, coerce, plan_expr, scalar_only};
use super::grouping::Grouping;
use super::hir::HirRel;
use super::lowering::lower;
use super::params::ParamState;
use super::scope::Scope;
use super::select::plan_select;
use super::typeconv::CastContext;
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

/// An enclosing query, as the subqueries in one of its clauses see it.
#[derive(Debug, Clone)]
pub(crate) struct OuterQuery {
    /// The columns of its `FROM` clause.
    pub(crate) scope: Scope,
    /// Its keys and aggregates, if it is grouped: its subqueries then read
    /// the grouped rows.
    pub(crate) grouping: Option<Grouping>,
    /// The clause the subqueries are in, for messages (`WHERE`).
    pub(crate) clause: &'static str,
    /// While its subqueries are planned only to find the aggregates that
    /// belong to it (see [`discover_outer_aggregates`](super::grouping)):
    /// the aggregate calls found.
    pub(crate) found: Option<Rc<RefCell<Vec<Expr>>>>,
}

/// What a query is planned in.
#[derive(Clone)]
pub(crate) struct QueryContext<'a> {
    /// Names resolve here.
    pub(crate) catalog: &'a dyn CatalogReader,
    /// The enclosing queries, innermost last.
    pub(crate) outer: Vec<OuterQuery>,
    /// The queries of `WITH` clauses in scope, innermost last.
    pub(crate) ctes: Vec<Cte>,
    /// The names of `FROM` items of this query or an enclosing one that are
    /// planned but out of sight here (a derived table's siblings), for the
    /// message of a reference to one.
    pub(crate) hidden: Vec<String>,
    /// Whether the query is planned only to find the aggregates enclosing
    /// queries compute: it does not look for its own subqueries' aggregates.
    pub(crate) discovering: bool,
    /// The parameters of the prepared statement it belongs to; `None` where
    /// parameters are not allowed (no prepared statement, stored definitions).
    pub(crate) params: Option<Rc<ParamState>>,
    /// Inside the body of a function defined in SQL (`pg_get_userbyid`),
    /// what its `$n` stand for.
    pub(crate) macro_args: Option<Rc<super::expr::pg::MacroArgs>>,
}

impl<'a> QueryContext<'a> {
    /// The context of an outermost query.
    pub(crate) fn new(catalog: &'a dyn CatalogReader) -> QueryContext<'a> {
        QueryContext {
            catalog,
            outer: vec![],
            ctes: vec![],
            hidden: vec![],
            discovering: false,
            params: None,
            macro_args: None,
        }
    }

    /// The context of an outermost query of a statement with parameters.
    pub(crate) fn with_params(catalog: &'a dyn CatalogReader, params: Option<&Rc<ParamState>>) -> QueryContext<'a> {
        let mut qcx = QueryContext::new(catalog);
        qcx.params = params.cloned();
        qcx
    }

    /// The context of a subquery of the query `outer`.
    pub(crate) fn nested(&self, outer: OuterQuery) -> QueryContext<'a> {
        let mut nested = self.clone();
        nested.outer.push(outer);
        nested
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
pub(crate) fn plan_query(
    catalog: &dyn CatalogReader,
    params: Option<&Rc<ParamState>>,
    query: &ast::Query,
) -> Result<SelectPlan, PlanError> {
    let qcx = QueryContext::with_params(catalog, params);
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
            with_ctes = qcx.clone();
            let first = with_ctes.ctes.len();
            for cte in &with.cte_tables {
                // `[NOT] MATERIALIZED` only advises PostgreSQL's optimizer.
                if cte.from.is_some() {
                    return Err(PlanError::Unsupported(format!("WITH query {cte}")));
                }
                let name = normalize_ident(&cte.alias.name);
                if with_ctes.ctes[first..].iter().any(|c| c.name == name) {
                    return Err(PlanError::DuplicateCteName(name));
                }
                let planned = plan_nested_query(&with_ctes, &cte.query)?;
                if cte.alias.columns.len() > planned.names.len() {
                    return Err(PlanError::InvalidColumnReference(format!(
                        "WITH query \"{name}\" has {} columns available but {} columns specified",
                        planned.names.len(),
                        cte.alias.columns.len()
                    )));
                }
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
    if let SetExpr::Query(inner) = &*query.body {
        return match merge_parenthesized(query, inner)? {
            Some(merged) => plan_query_inner(qcx, &merged),
            None => plan_query_inner(qcx, inner),
        };
    }
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
    let (limit, offset) = plan_limit(qcx, query.limit_clause.as_ref())?;
    let (rel, names, types, order) = match &*query.body {
        SetExpr::Select(select) => {
            let body = plan_select(qcx, select, order_by, &[])?;
            (body.rel, body.names, body.types, body.order_by)
        }
        body => {
            let branch = setop::plan_set_expr(qcx, body, &[])?;
            let values = matches!(body, SetExpr::Values(_));
            let (rel, order) =
                setop::plan_set_order_by(qcx, branch.rel, &branch.names, &branch.types, order_by, values)?;
            (rel, branch.names, branch.types, order)
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

/// `(query) ORDER BY … LIMIT …`: PostgreSQL's grammar makes the options
/// the parenthesized query's own. `None` if the outer query has none.
fn merge_parenthesized(query: &ast::Query, inner: &ast::Query) -> Result<Option<ast::Query>, PlanError> {
    if query.order_by.is_none() && query.limit_clause.is_none() {
        return Ok(None);
    }
    let multiple = |what: &str| PlanError::Parse {
        message: format!("multiple {what} clauses not allowed"),
        detail: None,
        position: None,
    };
    let mut merged = inner.clone();
    if query.order_by.is_some() {
        if inner.order_by.is_some() {
            return Err(multiple("ORDER BY"));
        }
        merged.order_by.clone_from(&query.order_by);
    }
    merged.limit_clause = match (&inner.limit_clause, &query.limit_clause) {
        (None, outer) => outer.clone(),
        (inner, None) => inner.clone(),
        (
            Some(LimitClause::LimitOffset {
                limit: l1,
                offset: o1,
                limit_by: b1,
            }),
            Some(LimitClause::LimitOffset {
                limit: l2,
                offset: o2,
                limit_by: b2,
            }),
        ) if b1.is_empty() && b2.is_empty() => {
            if l1.is_some() && l2.is_some() {
                return Err(multiple("LIMIT"));
            }
            if o1.is_some() && o2.is_some() {
                return Err(multiple("OFFSET"));
            }
            Some(LimitClause::LimitOffset {
                limit: l1.clone().or_else(|| l2.clone()),
                offset: o1.clone().or_else(|| o2.clone()),
                limit_by: vec![],
            })
        }
        _ => {
            return Err(PlanError::Unsupported(
                "LIMIT of a parenthesized query with a LIMIT".into(),
            ));
        }
    };
    Ok(Some(merged))
}

/// The output column an `ORDER BY` item names: by position or by name.
/// `None` if it is some other expression. A name several output columns
/// have is ambiguous unless `same` says they are the same expression.
pub(crate) fn output_column(
    names: &[String],
    same: impl Fn(usize, usize) -> bool,
    expr: &Expr,
) -> Result<Option<usize>, PlanError> {
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
            [] => Ok(None),
            [first, rest @ ..] if rest.iter().all(|c| same(*first, *c)) => Ok(Some(*first)),
            _ => Err(PlanError::AmbiguousOutputName {
                clause: "ORDER BY",
                name,
            }),
        };
    }
    Ok(None)
}

fn plan_limit(qcx: &QueryContext<'_>, clause: Option<&LimitClause>) -> Result<(Option<u64>, u64), PlanError> {
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
        Some(e) => constant_count(qcx, e)?
            .map(|n| u64::try_from(n).map_err(|_| PlanError::NegativeLimit))
            .transpose()?,
    };
    let offset = match offset {
        None => 0,
        Some(e) => {
            constant_count(qcx, e)?.map_or(Ok(0), |n| u64::try_from(n).map_err(|_| PlanError::NegativeOffset))?
        }
    };
    Ok((limit, offset))
}

/// Evaluates the constant time of `AS OF`: a non-negative integer.
pub(crate) fn constant_time(catalog: &dyn CatalogReader, e: &Expr) -> Result<freshet_repr::Timestamp, PlanError> {
    match constant_count(&QueryContext::new(catalog), e)? {
        Some(t) => freshet_repr::Timestamp::try_from(t)
            .map_err(|_| PlanError::InvalidParameter(format!("AS OF time {t} is negative"))),
        None => Err(PlanError::InvalidParameter("AS OF needs a time, not NULL".into())),
    }
}

/// Evaluates a constant `LIMIT`/`OFFSET` expression; `NULL` means none.
fn constant_count(outer: &QueryContext<'_>, e: &Expr) -> Result<Option<i64>, PlanError> {
    let scope = Scope::empty();
    let qcx = QueryContext::with_params(outer.catalog, outer.params.as_ref());
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

/// The name of a column computed by a cast to `typ`: the type's internal
/// name (an array's element type's).
fn cast_column_name(typ: freshet_repr::ScalarType) -> String {
    match typ {
        freshet_repr::ScalarType::Array(element) => element.scalar_type().internal_name().to_owned(),
        other => other.internal_name().to_owned(),
    }
}

/// `e` without the parentheses around it.
fn strip_nested(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => strip_nested(inner),
        other => other,
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
        // A name from a cast inside is weaker than this cast's, as in
        // PostgreSQL (`x::regclass::text` is `text`).
        Expr::Cast { expr, data_type, .. } => match (column_name(expr).as_str(), strip_nested(expr)) {
            ("?column?", _) | (_, Expr::Cast { .. } | Expr::TypedString(_)) => {
                super::types::scalar_type_from_sql(data_type).map_or("?column?".into(), cast_column_name)
            }
            (name, _) => name.to_owned(),
        },
        Expr::TypedString(t) => {
            super::types::scalar_type_from_sql(&t.data_type).map_or("?column?".into(), cast_column_name)
        }
        Expr::Array(_) => "array".into(),
        Expr::CompoundFieldAccess { root, .. } => column_name(root),
        Expr::Case { .. } => "case".into(),
        Expr::Exists { .. } => "exists".into(),
        Expr::Subquery(query) => first_column_name(query),
        Expr::Value(v) if matches!(v.value, Value::Boolean(_)) => "bool".into(),
        _ => "?column?".into(),
    }
}

/// The name of a query's first output column, which PostgreSQL gives a
/// scalar subquery's column.
fn first_column_name(query: &ast::Query) -> String {
    let mut body = &*query.body;
    loop {
        body = match body {
            SetExpr::Query(inner) => &inner.body,
            SetExpr::SetOperation { left, .. } => left,
            SetExpr::Values(_) => return "column1".into(),
            SetExpr::Select(select) => {
                return match select.projection.first() {
                    Some(ast::SelectItem::UnnamedExpr(e)) => column_name(e),
                    Some(ast::SelectItem::ExprWithAlias { alias, .. }) => normalize_ident(alias),
                    _ => "?column?".into(),
                };
            }
            _ => return "?column?".into(),
        };
    }
}
