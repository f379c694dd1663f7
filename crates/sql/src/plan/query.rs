//! Planning queries: `SELECT` and `VALUES`, with `ORDER BY`, `LIMIT`, `OFFSET`.

use freshet_expr::{ColumnOrder, RelExpr, RowSetFinishing, ScalarExpr, fold_scalar};
use freshet_repr::{ColumnType, Datum, RelationDesc, Row, RowArena, ScalarType};
use sqlparser::ast::{self, Expr, LimitClause, OrderByKind, SelectItem, SetExpr, Value};

use super::SelectPlan;
use super::expr::{ExprContext, Typed, coerce, plan_bool, plan_expr, plan_homogeneous};
use super::scope::{Scope, ScopeItem};
use super::typeconv::CastContext;
use crate::PlanError;
use crate::catalog::{CatalogItem, CatalogReader, ItemKind};
use crate::names::{normalize_ident, resolve_item};

/// A query body planned, before `ORDER BY` and limits.
struct Body {
    /// Computes the body's columns, then any columns only `ORDER BY` needs.
    expr: RelExpr,
    /// The scope `ORDER BY` expressions are planned in (the body's input).
    scope: Scope,
    /// The output columns: positions in `expr`, names, types.
    outputs: Vec<(usize, String, ColumnType)>,
    /// Scalar expressions over `scope` for the output columns, so that
    /// `ORDER BY` can recognize them; `None` where not applicable.
    output_exprs: Vec<Option<Expr>>,
}

/// Plans a query.
pub(crate) fn plan_query(catalog: &dyn CatalogReader, query: &ast::Query) -> Result<SelectPlan, PlanError> {
    if query.with.is_some() {
        return Err(PlanError::Unsupported("WITH".into()));
    }
    if query.fetch.is_some() || !query.locks.is_empty() || query.for_clause.is_some() {
        return Err(PlanError::Unsupported(
            "FETCH, FOR UPDATE or FOR clauses in queries".into(),
        ));
    }
    let mut body = match &*query.body {
        SetExpr::Select(select) => plan_select(catalog, select)?,
        SetExpr::Values(values) => plan_values(values)?,
        SetExpr::Query(inner) if query.order_by.is_none() && query.limit_clause.is_none() => {
            return plan_query(catalog, inner);
        }
        SetExpr::SetOperation { op, .. } => return Err(PlanError::Unsupported(op.to_string())),
        other => return Err(PlanError::Unsupported(format!("query {other}"))),
    };
    let mut order_by = Vec::new();
    if let Some(ob) = &query.order_by {
        let exprs = match &ob.kind {
            OrderByKind::Expressions(exprs) => exprs,
            OrderByKind::All(_) => return Err(PlanError::Unsupported("ORDER BY ALL".into())),
        };
        for item in exprs {
            let column = order_column(&mut body, &item.expr)?;
            let desc = matches!(item.options.sort, Some(ast::OrderBySort::Desc));
            if matches!(item.options.sort, Some(ast::OrderBySort::Using(_))) {
                return Err(PlanError::Unsupported("ORDER BY USING".into()));
            }
            // PostgreSQL: NULLs sort as if larger than every value.
            let nulls_last = item.options.nulls_first.map_or(!desc, |first| !first);
            order_by.push(ColumnOrder {
                column,
                desc,
                nulls_last,
            });
        }
    }
    let (limit, offset) = plan_limit(query.limit_clause.as_ref())?;
    // Ship only the columns the finishing needs.
    let mut keep: Vec<usize> = body.outputs.iter().map(|(c, _, _)| *c).collect();
    for o in &order_by {
        if !keep.contains(&o.column) {
            keep.push(o.column);
        }
    }
    let position = |c: usize| keep.iter().position(|k| *k == c).unwrap_or(0);
    let finishing = RowSetFinishing {
        order_by: order_by
            .iter()
            .map(|o| ColumnOrder {
                column: position(o.column),
                ..*o
            })
            .collect(),
        limit,
        offset,
        project: body.outputs.iter().map(|(c, _, _)| position(*c)).collect(),
    };
    let desc = RelationDesc::new(
        body.outputs
            .iter()
            .map(|(_, name, typ)| (freshet_repr::ColumnName(name.clone()), *typ)),
    );
    Ok(SelectPlan {
        expr: body.expr.project(keep),
        finishing,
        desc,
        as_of: None,
    })
}

/// The column of `body.expr` an `ORDER BY` item sorts on: an output
/// position, an output name, or a new expression over the input.
fn order_column(body: &mut Body, expr: &Expr) -> Result<usize, PlanError> {
    if let Expr::Value(v) = expr
        && let Value::Number(n, _) = &v.value
    {
        let position: i64 = n.parse().map_err(|_| PlanError::Unsupported(format!("ORDER BY {n}")))?;
        return usize::try_from(position)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .and_then(|p| body.outputs.get(p))
            .map(|(c, _, _)| *c)
            .ok_or(PlanError::OrderByPosition(position));
    }
    if let Expr::Identifier(ident) = expr {
        let name = normalize_ident(ident);
        let matching: Vec<usize> = body
            .outputs
            .iter()
            .filter(|(_, n, _)| *n == name)
            .map(|(c, _, _)| *c)
            .collect();
        match matching.as_slice() {
            [c] => return Ok(*c),
            [first, rest @ ..] if rest.iter().all(|c| c == first) => return Ok(*first),
            [_, _, ..] => return Err(PlanError::AmbiguousColumn(name)),
            [] => {}
        }
    }
    if let Some(i) = body.output_exprs.iter().position(|e| e.as_ref() == Some(expr)) {
        return Ok(body.outputs[i].0);
    }
    let ecx = ExprContext { scope: &body.scope };
    let (scalar, _) = plan_expr(&ecx, expr)?.into_default();
    let expr = std::mem::replace(&mut body.expr, RelExpr::constant_unit());
    let column = expr.arity();
    body.expr = expr.map(vec![scalar]);
    Ok(column)
}

fn plan_limit(clause: Option<&LimitClause>) -> Result<(Option<u64>, u64), PlanError> {
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
        Some(e) => constant_count(e)?
            .map(|n| u64::try_from(n).map_err(|_| PlanError::NegativeLimit))
            .transpose()?,
    };
    let offset = match offset {
        None => 0,
        Some(e) => constant_count(e)?.map_or(Ok(0), |n| u64::try_from(n).map_err(|_| PlanError::NegativeOffset))?,
    };
    Ok((limit, offset))
}

/// Evaluates the constant time of `AS OF`: a non-negative integer.
pub(crate) fn constant_time(e: &Expr) -> Result<freshet_repr::Timestamp, PlanError> {
    match constant_count(e)? {
        Some(t) => freshet_repr::Timestamp::try_from(t)
            .map_err(|_| PlanError::InvalidParameter(format!("AS OF time {t} is negative"))),
        None => Err(PlanError::InvalidParameter("AS OF needs a time, not NULL".into())),
    }
}

/// Evaluates a constant `LIMIT`/`OFFSET` expression; `NULL` means none.
fn constant_count(e: &Expr) -> Result<Option<i64>, PlanError> {
    let scope = Scope::empty();
    let ecx = ExprContext { scope: &scope };
    let mut expr = coerce(plan_expr(&ecx, e)?, &ScalarType::Int64, CastContext::Assignment)?;
    fold_scalar(&mut expr);
    match expr {
        ScalarExpr::Literal(Ok(row), _) => match row.unpack_first() {
            Datum::Int64(n) => Ok(Some(n)),
            _ => Ok(None),
        },
        ScalarExpr::Literal(Err(e), _) => Err(PlanError::Eval(e)),
        _ => Err(PlanError::Unsupported("LIMIT or OFFSET that is not a constant".into())),
    }
}

/// The relation a `FROM` clause reads and the columns it brings into
/// scope: nothing (one row of no columns), or one table.
pub(crate) fn plan_from(
    catalog: &dyn CatalogReader,
    from: &[ast::TableWithJoins],
) -> Result<(RelExpr, Scope), PlanError> {
    match from {
        [] => Ok((RelExpr::constant_unit(), Scope::empty())),
        [table] if table.joins.is_empty() => plan_table(catalog, table).map(|(_, get, scope)| (get, scope)),
        _ => Err(PlanError::Unsupported("joins".into())),
    }
}

/// One table of a `FROM` (or of `UPDATE`/`DELETE`): the item, the relation
/// that reads it, and its columns in scope under its name or alias.
pub(crate) fn plan_table(
    catalog: &dyn CatalogReader,
    table: &ast::TableWithJoins,
) -> Result<(CatalogItem, RelExpr, Scope), PlanError> {
    if !table.joins.is_empty() {
        return Err(PlanError::Unsupported("joins".into()));
    }
    let ast::TableFactor::Table {
        name,
        alias,
        args: None,
        with_hints,
        version: None,
        partitions,
        ..
    } = &table.relation
    else {
        return Err(PlanError::Unsupported(format!("FROM {}", table.relation)));
    };
    if !with_hints.is_empty() || !partitions.is_empty() {
        return Err(PlanError::Unsupported(format!("FROM {}", table.relation)));
    }
    let item = resolve_item(catalog, name)?;
    match item.kind {
        ItemKind::Table => {}
    }
    let table_name = match alias {
        Some(alias) if !alias.columns.is_empty() => {
            return Err(PlanError::Unsupported("column aliases in FROM".into()));
        }
        Some(alias) => normalize_ident(&alias.name),
        None => item.name.item.clone(),
    };
    let items = item
        .desc
        .iter()
        .map(|(name, typ)| ScopeItem {
            table: Some(table_name.clone()),
            column: name.0.clone(),
            typ: *typ,
        })
        .collect();
    let get = RelExpr::Get {
        id: item.id,
        typ: item.desc.types().copied().collect(),
    };
    Ok((item, get, Scope { items }))
}

fn plan_select(catalog: &dyn CatalogReader, select: &ast::Select) -> Result<Body, PlanError> {
    if select.distinct.is_some() {
        return Err(PlanError::Unsupported("SELECT DISTINCT".into()));
    }
    if select.having.is_some()
        || !matches!(&select.group_by, ast::GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty())
    {
        return Err(PlanError::Unsupported("GROUP BY and HAVING".into()));
    }
    if select.into.is_some() || select.qualify.is_some() || !select.named_window.is_empty() {
        return Err(PlanError::Unsupported("SELECT INTO, QUALIFY or WINDOW".into()));
    }
    let (mut expr, scope) = plan_from(catalog, &select.from)?;
    let ecx = ExprContext { scope: &scope };
    if let Some(selection) = &select.selection {
        expr = expr.filter(vec![plan_bool(&ecx, selection, "WHERE")?]);
    }
    let base = expr.arity();
    let mut scalars = Vec::new();
    let mut outputs = Vec::new();
    let mut output_exprs = Vec::new();
    for item in &select.projection {
        let (e, name) = match item {
            SelectItem::UnnamedExpr(e) => (e, column_name(e)),
            SelectItem::ExprWithAlias { expr, alias } => (expr, normalize_ident(alias)),
            SelectItem::Wildcard(options) | SelectItem::QualifiedWildcard(_, options)
                if options.opt_exclude.is_some()
                    || options.opt_except.is_some()
                    || options.opt_replace.is_some()
                    || options.opt_rename.is_some()
                    || options.opt_ilike.is_some() =>
            {
                return Err(PlanError::Unsupported(format!("select item {item}")));
            }
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                let qualifier = match item {
                    SelectItem::QualifiedWildcard(ast::SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                        Some(crate::names::name_parts(name)?.join("."))
                    }
                    SelectItem::QualifiedWildcard(..) => {
                        return Err(PlanError::Unsupported(format!("select item {item}")));
                    }
                    _ => None,
                };
                if scope.items.is_empty() {
                    return Err(PlanError::Parse {
                        message: "SELECT * with no tables specified is not valid".into(),
                        detail: None,
                        position: None,
                    });
                }
                let mut matched = false;
                for (i, column) in scope.items.iter().enumerate() {
                    if qualifier.is_some() && column.table != qualifier {
                        continue;
                    }
                    matched = true;
                    outputs.push((i, column.column.clone(), column.typ));
                    output_exprs.push(None);
                }
                if !matched {
                    return Err(PlanError::UnknownRelation(qualifier.unwrap_or_default()));
                }
                continue;
            }
            other => return Err(PlanError::Unsupported(format!("select item {other}"))),
        };
        let (scalar, typ) = plan_expr(&ecx, e)?.into_default();
        output_exprs.push(Some(e.clone()));
        // A plain column needs no computed copy.
        if let ScalarExpr::Column(column) = scalar {
            outputs.push((column, name, typ));
            continue;
        }
        outputs.push((base + scalars.len(), name, typ));
        scalars.push(scalar);
    }
    Ok(Body {
        expr: expr.map(scalars),
        scope,
        outputs,
        output_exprs,
    })
}

/// `VALUES (…), (…)`: every row's expressions are constants, evaluated now.
fn plan_values(values: &ast::Values) -> Result<Body, PlanError> {
    let scope = Scope::empty();
    let ecx = ExprContext { scope: &scope };
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
    let mut planned: Vec<(Vec<ScalarExpr>, ColumnType)> = Vec::with_capacity(arity);
    for column in columns {
        let nullable = column.iter().any(|t| match t {
            Typed::Expr(_, t) => t.nullable,
            Typed::Unknown(v) => v.is_none(),
        });
        let (exprs, typ) = plan_homogeneous(column, "VALUES")?;
        planned.push((exprs, typ.nullable(nullable)));
    }
    let typ: Vec<ColumnType> = planned.iter().map(|(_, t)| *t).collect();
    let arena = RowArena::new();
    let mut rows = Ok(Vec::with_capacity(values.rows.len()));
    for r in 0..values.rows.len() {
        let mut datums = Vec::with_capacity(arity);
        for (exprs, _) in &planned {
            match exprs[r].eval(&[], &arena) {
                Ok(d) => datums.push(d),
                Err(e) => {
                    rows = Err(e);
                    break;
                }
            }
        }
        if let Ok(rows) = &mut rows {
            rows.push((Row::pack_slice(&datums), 1));
        } else {
            break;
        }
    }
    let outputs = (0..arity).map(|i| (i, format!("column{}", i + 1), typ[i])).collect();
    Ok(Body {
        expr: RelExpr::Constant { rows, typ },
        scope,
        outputs,
        output_exprs: vec![None; arity],
    })
}

/// The name PostgreSQL gives an unnamed output column.
fn column_name(e: &Expr) -> String {
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
