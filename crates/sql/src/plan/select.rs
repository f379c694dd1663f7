//! Planning one `SELECT`: `FROM`, `WHERE`, `GROUP BY`, `HAVING`, window
//! functions, the select list, `DISTINCT`, and the expressions its
//! `ORDER BY` sorts on.

use freshet_expr::{AggregateExpr, ColumnOrder, ScalarExpr};
use freshet_repr::{ColumnType, ScalarType};
use sqlparser::ast::{self, Expr, SelectItem, Value};

use super::expr::{ExprContext, Typed, coerce, plan_bool, plan_expr};
use super::from::plan_from;
use super::grouping::{
    Grouping, aggregate_result, collect_aggregates, discover_outer_aggregates, own_aggregates, plan_aggregate,
};
use super::hir::{ColumnRef, HirRel, HirScalar};
use super::query::{QueryContext, column_name, column_order, output_column};
use super::scope::Scope;
use super::typeconv::CastContext;
use super::window::{collect_windows, plan_windows};
use crate::PlanError;
use crate::names::normalize_ident;

/// A planned `SELECT`.
pub(crate) struct SelectBody {
    /// The output columns, then the columns only `ORDER BY` reads.
    pub(crate) rel: HirRel,
    /// The output columns' names.
    pub(crate) names: Vec<String>,
    /// The output columns' types.
    pub(crate) types: Vec<ColumnType>,
    /// The sort order over `rel`'s columns.
    pub(crate) order_by: Vec<ColumnOrder>,
    /// Per output column: whether it is an untyped literal (a quoted string
    /// or `NULL`) planned as `text` for want of a type.
    pub(crate) untyped: Vec<bool>,
}

/// One output column being planned.
struct Output {
    name: String,
    expr: HirScalar,
    typ: ColumnType,
    /// The select item as written, so `ORDER BY` can recognize it.
    source: Option<Expr>,
    /// An untyped literal planned as `text`.
    untyped: bool,
}

/// Plans `select`, with the `ORDER BY` items of its query. Untyped literals
/// of the select list take the types `literal_types` gives their output
/// columns (`text` where it gives none), as a set operation decides them.
pub(crate) fn plan_select(
    qcx: &QueryContext<'_>,
    select: &ast::Select,
    order_by: &[ast::OrderByExpr],
    literal_types: &[Option<ScalarType>],
) -> Result<SelectBody, PlanError> {
    if select.into.is_some() || select.qualify.is_some() || !select.named_window.is_empty() {
        return Err(PlanError::Unsupported("SELECT INTO, QUALIFY or WINDOW".into()));
    }
    let distinct = match &select.distinct {
        None | Some(ast::Distinct::All) => false,
        Some(ast::Distinct::Distinct) => true,
        Some(ast::Distinct::On(_)) => return Err(PlanError::Unsupported("SELECT DISTINCT ON".into())),
    };
    let (mut rel, scope) = plan_from(qcx, &select.from)?;
    if let Some(selection) = &select.selection {
        let ecx = ExprContext::new(qcx, &scope, "WHERE");
        rel = rel.filter(vec![plan_bool(&ecx, selection, "WHERE")?]);
    }

    let group_by: &[Expr] = match &select.group_by {
        ast::GroupByExpr::Expressions(exprs, modifiers) if modifiers.is_empty() => exprs,
        _ => {
            return Err(PlanError::Unsupported(
                "GROUP BY ALL, ROLLUP, CUBE or GROUPING SETS".into(),
            ));
        }
    };
    let item_exprs: Vec<&Expr> = select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        })
        .collect();
    let clauses = || {
        item_exprs
            .iter()
            .copied()
            .chain(select.having.as_ref())
            .chain(order_by.iter().map(|o| &o.expr))
    };
    // This query's aggregates: the calls in its clauses that read its
    // columns (not only enclosing queries'), and those in its subqueries
    // that read only its columns and enclosing queries'.
    let from_ecx = ExprContext::new(qcx, &scope, "SELECT");
    let mut aggregates = own_aggregates(&from_ecx, collect_aggregates(clauses()))?;
    for found in discover_outer_aggregates(qcx, &scope, clauses()) {
        if !aggregates.contains(&found) {
            aggregates.push(found);
        }
    }
    let grouping = if group_by.is_empty() && aggregates.is_empty() && select.having.is_none() {
        None
    } else {
        let (grouped, grouping) = plan_grouping(qcx, rel, &scope, select, group_by, &aggregates)?;
        rel = grouped;
        Some(grouping)
    };
    let ecx = ExprContext {
        grouping: grouping.as_ref(),
        ..from_ecx
    };
    if let Some(having) = &select.having {
        let ecx = ExprContext {
            clause: "HAVING",
            ..ecx
        };
        rel = rel.filter(vec![plan_bool(&ecx, having, "HAVING")?]);
    }
    // Window functions see the rows after grouping and HAVING; the select
    // list and ORDER BY read their values.
    let window_calls = collect_windows(item_exprs.iter().copied().chain(order_by.iter().map(|o| &o.expr)));
    let windows = if window_calls.is_empty() {
        None
    } else {
        let (windowed, windows) = plan_windows(&ecx, rel, &window_calls)?;
        rel = windowed;
        Some(windows)
    };
    let ecx = ExprContext {
        windows: windows.as_ref(),
        ..ecx
    };

    let outputs = plan_outputs(&ecx, select, literal_types)?;
    let base = rel.arity();
    let mut scalars = Vec::new();
    let mut positions = Vec::with_capacity(outputs.len());
    for output in &outputs {
        match output.expr {
            HirScalar::Column(ColumnRef { level: 0, column }) => positions.push(column),
            ref e => {
                positions.push(base + scalars.len());
                scalars.push(e.clone());
            }
        }
    }
    let names: Vec<String> = outputs.iter().map(|o| o.name.clone()).collect();

    // ORDER BY: an output (by position, name or the same expression), or
    // a new expression over the input.
    let mut extra = Vec::new();
    let mut order = Vec::with_capacity(order_by.len());
    for item in order_by {
        let same = |a: usize, b: usize| same_output(&outputs[a], &outputs[b]);
        let output = match output_column(&names, same, &item.expr)? {
            Some(c) => Some(c),
            None => outputs.iter().position(|o| o.source.as_ref() == Some(&item.expr)),
        };
        let column = match output {
            Some(c) => c,
            None => {
                if distinct {
                    return Err(PlanError::InvalidColumnReference(
                        "for SELECT DISTINCT, ORDER BY expressions must appear in select list".into(),
                    ));
                }
                let ecx = ExprContext {
                    clause: "ORDER BY",
                    ..ecx
                };
                let (expr, _) = plan_expr(&ecx, &item.expr)?.into_default();
                let column = match expr {
                    HirScalar::Column(ColumnRef { level: 0, column }) => column,
                    e => {
                        scalars.push(e);
                        base + scalars.len() - 1
                    }
                };
                extra.push(column);
                outputs.len() + extra.len() - 1
            }
        };
        order.push(column_order(column, item));
    }
    let mut rel = rel.map(scalars);
    if distinct {
        rel = rel.project(positions).distinct();
    } else {
        rel = rel.project(positions.into_iter().chain(extra).collect());
    }
    Ok(SelectBody {
        rel,
        names,
        types: outputs.iter().map(|o| o.typ).collect(),
        order_by: order,
        untyped: outputs.iter().map(|o| o.untyped).collect(),
    })
}

/// Whether two output columns are the same expression (so `ORDER BY` of
/// their common name is not ambiguous).
fn same_output(a: &Output, b: &Output) -> bool {
    match (&a.expr, &b.expr) {
        (HirScalar::Column(x), HirScalar::Column(y)) => x == y,
        _ => a.source.is_some() && a.source == b.source,
    }
}

/// Plans the select list.
fn plan_outputs(
    ecx: &ExprContext<'_>,
    select: &ast::Select,
    literal_types: &[Option<ScalarType>],
) -> Result<Vec<Output>, PlanError> {
    let mut outputs = Vec::new();
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
            SelectItem::ExprWithAliases { .. } => {
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
                if ecx.scope.items.is_empty() {
                    return Err(PlanError::Parse {
                        message: "SELECT * with no tables specified is not valid".into(),
                        detail: None,
                        position: None,
                    });
                }
                let mut matched = false;
                for (i, column) in ecx.scope.items.iter().enumerate() {
                    let wanted = match &qualifier {
                        Some(q) => column.table.as_deref() == Some(q.as_str()),
                        None => column.in_wildcard,
                    };
                    if !wanted {
                        continue;
                    }
                    matched = true;
                    let (expr, typ) = match ecx.grouping {
                        Some(grouping) => grouping.column(i, column)?.into_default(),
                        None => (HirScalar::column(i), column.typ),
                    };
                    outputs.push(Output {
                        name: column.column.clone(),
                        expr,
                        typ,
                        source: None,
                        untyped: false,
                    });
                }
                if !matched {
                    return Err(PlanError::MissingFromEntry(qualifier.unwrap_or_default()));
                }
                continue;
            }
        };
        let planned = plan_expr(ecx, e)?;
        let untyped = planned.is_untyped();
        let (expr, typ) = match (planned, literal_types.get(outputs.len())) {
            (planned @ (Typed::Unknown(_) | Typed::Param(_)), Some(Some(target))) => {
                let nullable = super::expr::nullable(&planned);
                let expr = coerce(planned, target, CastContext::Implicit)?;
                (expr, target.nullable(nullable))
            }
            (planned, _) => planned.try_into_default()?,
        };
        outputs.push(Output {
            name,
            expr,
            typ,
            source: Some(e.clone()),
            untyped,
        });
    }
    Ok(outputs)
}

/// Plans `GROUP BY` and the aggregates: a `Reduce` over the `FROM`
/// relation, and what the rest of the query may read of it.
fn plan_grouping(
    qcx: &QueryContext<'_>,
    rel: HirRel,
    scope: &Scope,
    select: &ast::Select,
    group_by: &[Expr],
    aggregates: &[Expr],
) -> Result<(HirRel, Grouping), PlanError> {
    let ecx = ExprContext::new(qcx, scope, "GROUP BY");
    let mut keys: Vec<(Expr, HirScalar, ColumnType)> = Vec::with_capacity(group_by.len());
    for e in group_by {
        let written = group_key_expr(scope, select, e)?;
        if !super::grouping::collect_aggregates([&written]).is_empty() {
            return Err(PlanError::Grouping(
                "aggregate functions are not allowed in GROUP BY".into(),
            ));
        }
        let (expr, typ) = plan_expr(&ecx, &written)?.into_default();
        keys.push((written, expr, typ));
    }
    let planned = aggregates
        .iter()
        .map(|a| plan_aggregate(&ecx, a))
        .collect::<Result<Vec<_>, _>>()?;

    let width = rel.arity();
    let mut scalars: Vec<HirScalar> = keys.iter().map(|(_, e, _)| e.clone()).collect();
    scalars.extend(planned.iter().map(|p| p.arg.clone()));
    let group_key: Vec<usize> = (width..width + keys.len()).collect();
    let mut reduce_aggs = Vec::new();
    let mut results = Vec::with_capacity(planned.len());
    for (i, p) in planned.iter().enumerate() {
        let column = width + keys.len() + i;
        results.push(aggregate_result(p, keys.len() + reduce_aggs.len())?);
        for (func, distinct) in &p.funcs {
            reduce_aggs.push(AggregateExpr {
                func: func.clone(),
                expr: ScalarExpr::Column(column),
                distinct: *distinct,
            });
        }
    }
    let reduced = HirRel::Reduce {
        input: Box::new(rel.map(scalars)),
        group_key,
        aggregates: reduce_aggs,
    };

    let mut grouping = Grouping::default();
    for (i, (written, expr, typ)) in keys.into_iter().enumerate() {
        if let HirScalar::Column(ColumnRef { level: 0, column }) = expr {
            grouping.key_columns.push((column, i));
        }
        grouping.keys.push((written, typ));
    }
    for ((written, p), result) in aggregates.iter().zip(&planned).zip(results) {
        grouping.aggregates.push((written.clone(), result, p.typ));
    }
    Ok((reduced, grouping))
}

/// The expression a `GROUP BY` item stands for: a select list position, an
/// output name that is not an input column, or itself.
fn group_key_expr(scope: &Scope, select: &ast::Select, e: &Expr) -> Result<Expr, PlanError> {
    let item_expr = |i: usize| -> Option<Expr> {
        match select.projection.get(i)? {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e.clone()),
            _ => None,
        }
    };
    if let Expr::Value(v) = e
        && let Value::Number(n, _) = &v.value
    {
        let position: i64 = n.parse().map_err(|_| PlanError::Unsupported(format!("GROUP BY {n}")))?;
        return usize::try_from(position)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .and_then(item_expr)
            .ok_or_else(|| {
                PlanError::InvalidColumnReference(format!("GROUP BY position {position} is not in select list"))
            });
    }
    if let Expr::Identifier(ident) = e {
        let name = normalize_ident(ident);
        if scope.resolve(None, &name).is_err() {
            for (i, item) in select.projection.iter().enumerate() {
                if let SelectItem::ExprWithAlias { alias, .. } = item
                    && normalize_ident(alias) == name
                {
                    return item_expr(i).ok_or_else(|| PlanError::UnknownColumn(name.clone()));
                }
            }
        }
    }
    Ok(e.clone())
}
