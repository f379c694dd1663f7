//! Window function calls (`rank() OVER (PARTITION BY g ORDER BY x)`).
//!
//! As in PostgreSQL, they are computed after `WHERE`, `GROUP BY` and
//! `HAVING`, and before `DISTINCT`, `ORDER BY` and `LIMIT`: the calls of the
//! select list and `ORDER BY` become `Window` nodes over the grouped
//! relation (so they may read its keys and aggregates), one per distinct
//! window, and the expressions that wrote them read their columns.

use freshet_expr::{ColumnOrder, ScalarExpr, WindowFunc};
use freshet_repr::{ColumnType, ScalarType};
use sqlparser::ast::{self, Expr};

use super::expr::{ExprContext, Typed, coerce, plan_expr, plan_homogeneous};
use super::grouping::{aggregate_result, is_aggregate, plan_aggregate};
use super::hir::{ColumnRef, HirRel, HirScalar};
use super::query::column_order;
use super::typeconv::CastContext;
use crate::PlanError;

/// The window function calls of one query and what computes each.
#[derive(Debug, Clone, Default)]
pub(crate) struct Windows {
    /// Each call, as written, with the expression over the windowed
    /// relation that reads its value, and its type.
    calls: Vec<(Expr, HirScalar, ColumnType)>,
}

impl Windows {
    /// The value of the call written exactly as `e`, if planned.
    fn lookup(&self, e: &Expr) -> Option<Typed> {
        self.calls
            .iter()
            .find(|(call, _, _)| call == e)
            .map(|(_, expr, typ)| Typed::Expr(expr.clone(), *typ))
    }
}

/// The clause name the arguments of window calls are planned in.
const WINDOW_ARGUMENTS: &str = "window function calls";

/// Whether `e` is a window function call.
fn is_window_call(e: &Expr) -> bool {
    matches!(e, Expr::Function(f) if f.over.is_some())
}

/// The window function calls in `exprs`, outside subqueries (which have
/// their own) and other calls' arguments, each once, in order of appearance.
pub(crate) fn collect_windows<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Vec<Expr> {
    super::grouping::collect_outermost_calls(exprs, is_window_call)
}

/// Plans a window function call met in an expression: the value planned
/// for it, or an error where window functions are not allowed.
pub(crate) fn plan_window_call(ecx: &ExprContext<'_>, e: &Expr) -> Result<Typed, PlanError> {
    if let Some(found) = ecx.windows.and_then(|w| w.lookup(e)) {
        return Ok(found);
    }
    Err(if ecx.in_aggregate {
        PlanError::Grouping("aggregate function calls cannot contain window function calls".into())
    } else if ecx.clause == WINDOW_ARGUMENTS {
        PlanError::Windowing("window function calls cannot be nested".into())
    } else {
        PlanError::Windowing(format!("window functions are not allowed in {}", ecx.clause))
    })
}

/// The columns a window reads, appended to the relation by one `Map`:
/// expressions that are not already columns of the relation.
struct Mapped {
    /// The relation's arity.
    base: usize,
    /// The appended expressions.
    scalars: Vec<HirScalar>,
}

impl Mapped {
    /// The column holding `expr`.
    fn column(&mut self, expr: HirScalar) -> usize {
        match expr {
            HirScalar::Column(ColumnRef { level: 0, column }) => column,
            other => {
                self.scalars.push(other);
                self.base + self.scalars.len() - 1
            }
        }
    }

    /// `expr` as an argument of a window function: itself if it reads only
    /// the relation's columns and has no subquery, else a column holding it.
    fn arg(&mut self, expr: HirScalar) -> ScalarExpr {
        match expr.to_expr() {
            Some(e) => e,
            None => ScalarExpr::Column(self.column(expr)),
        }
    }
}

/// One window: its partition and order, and the calls over it.
struct Window<'a> {
    /// The window as written; calls with the same partition and order share it.
    spec: &'a ast::WindowSpec,
    /// The partition columns.
    partition_by: Vec<usize>,
    /// The order over the columns.
    order_by: Vec<ColumnOrder>,
    /// Each call: its index in the calls planned, and the functions computed.
    calls: Vec<(usize, Vec<WindowFunc>)>,
}

/// A call planned: how its value is read from its functions' columns.
struct PlannedCall {
    /// The functions the window computes for it (two for `avg`).
    funcs: Vec<WindowFunc>,
    /// Its type.
    typ: ColumnType,
    /// For an aggregate: how its result reads the functions' columns.
    aggregate: Option<super::grouping::PlannedAggregate>,
}

/// Plans the window function calls `calls` over `rel` (after grouping and
/// `HAVING`, planned in `ecx`): the relation with their values appended,
/// and where each is.
pub(crate) fn plan_windows(ecx: &ExprContext<'_>, rel: HirRel, calls: &[Expr]) -> Result<(HirRel, Windows), PlanError> {
    let ecx = ExprContext {
        clause: WINDOW_ARGUMENTS,
        windows: None,
        ..*ecx
    };
    let mut mapped = Mapped {
        base: rel.arity(),
        scalars: Vec::new(),
    };
    let mut windows: Vec<Window<'_>> = Vec::new();
    let mut planned = Vec::with_capacity(calls.len());
    for (i, call) in calls.iter().enumerate() {
        let Expr::Function(func) = call else {
            return Err(PlanError::Unsupported(format!("window function call {call}")));
        };
        let spec = window_spec(func)?;
        let w = match windows
            .iter()
            .position(|w| w.spec.partition_by == spec.partition_by && w.spec.order_by == spec.order_by)
        {
            Some(w) => w,
            None => {
                windows.push(plan_window(&ecx, spec, &mut mapped)?);
                windows.len() - 1
            }
        };
        let call = plan_call(&ecx, func, &mut mapped)?;
        windows[w].calls.push((i, call.funcs.clone()));
        planned.push(call);
    }
    let mut rel = rel.map(mapped.scalars);
    let mut found: Vec<Option<(HirScalar, ColumnType)>> = vec![None; calls.len()];
    for window in windows {
        let mut next = rel.arity();
        let mut functions = Vec::new();
        for (i, funcs) in window.calls {
            let call = &planned[i];
            let value = match &call.aggregate {
                Some(aggregate) => aggregate_result(aggregate, next)?,
                None => HirScalar::column(next),
            };
            found[i] = Some((value, call.typ));
            next += funcs.len();
            functions.extend(funcs);
        }
        rel = HirRel::Window {
            input: Box::new(rel),
            partition_by: window.partition_by,
            order_by: window.order_by,
            functions,
        };
    }
    let calls = calls
        .iter()
        .zip(found)
        .filter_map(|(call, found)| found.map(|(expr, typ)| (call.clone(), expr, typ)))
        .collect();
    Ok((rel, Windows { calls }))
}

/// The window of a call, if Freshet supports its form: an inline window
/// with the default frame.
fn window_spec(func: &ast::Function) -> Result<&ast::WindowSpec, PlanError> {
    match &func.over {
        Some(ast::WindowType::WindowSpec(spec)) => {
            if spec.window_name.is_some() {
                return Err(PlanError::Unsupported("named windows".into()));
            }
            if spec.window_frame.is_some() {
                return Err(PlanError::Unsupported("window frame clauses".into()));
            }
            if spec
                .order_by
                .iter()
                .any(|o| matches!(o.options.sort, Some(ast::OrderBySort::Using(_))) || o.with_fill.is_some())
            {
                return Err(PlanError::Unsupported("ORDER BY USING in a window".into()));
            }
            Ok(spec)
        }
        Some(ast::WindowType::NamedWindow(_)) => Err(PlanError::Unsupported("named windows".into())),
        None => Err(PlanError::Unsupported(format!("window function call {func}"))),
    }
}

/// Plans a window's partition and order into columns.
fn plan_window<'a>(
    ecx: &ExprContext<'_>,
    spec: &'a ast::WindowSpec,
    mapped: &mut Mapped,
) -> Result<Window<'a>, PlanError> {
    let mut partition_by = Vec::with_capacity(spec.partition_by.len());
    for e in &spec.partition_by {
        let (expr, _) = plan_expr(ecx, e)?.try_into_default()?;
        partition_by.push(mapped.column(expr));
    }
    let mut order_by = Vec::with_capacity(spec.order_by.len());
    for item in &spec.order_by {
        let (expr, _) = plan_expr(ecx, &item.expr)?.try_into_default()?;
        order_by.push(column_order(mapped.column(expr), item));
    }
    Ok(Window {
        spec,
        partition_by,
        order_by,
        calls: Vec::new(),
    })
}

/// Plans the function of a window call and its arguments.
fn plan_call(ecx: &ExprContext<'_>, func: &ast::Function, mapped: &mut Mapped) -> Result<PlannedCall, PlanError> {
    let name = func.name.to_string().to_lowercase();
    if func.filter.is_some() {
        return Err(PlanError::Unsupported("FILTER in window function calls".into()));
    }
    if func.null_treatment.is_some() || !func.within_group.is_empty() {
        return Err(PlanError::Unsupported(format!(
            "{name} with IGNORE NULLS or WITHIN GROUP"
        )));
    }
    let args: &[ast::FunctionArg] = match &func.args {
        ast::FunctionArguments::None => &[],
        ast::FunctionArguments::Subquery(_) => return Err(PlanError::Unsupported("subqueries as arguments".into())),
        ast::FunctionArguments::List(list) => {
            if matches!(list.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct)) {
                return Err(PlanError::Unsupported("DISTINCT in window function calls".into()));
            }
            if !list.clauses.is_empty() {
                return Err(PlanError::Unsupported(
                    "ORDER BY or other clauses in window function arguments".into(),
                ));
            }
            &list.args
        }
    };
    if is_aggregate(&name) {
        return plan_aggregate_call(ecx, func, &name, mapped);
    }
    let exprs = args
        .iter()
        .map(|arg| match arg {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
            other => Err(PlanError::Unsupported(format!("function argument {other}"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let typed = exprs.iter().map(|e| plan_expr(ecx, e)).collect::<Result<Vec<_>, _>>()?;
    let unknown = || PlanError::UnknownFunction {
        name: name.clone(),
        args: typed.iter().map(Typed::type_name).collect::<Vec<_>>().join(", "),
    };
    let integer = |t: &Typed, mapped: &mut Mapped| -> Result<ScalarExpr, PlanError> {
        let expr = coerce(t.clone(), &ScalarType::Int32, CastContext::Implicit).map_err(|_| unknown())?;
        Ok(mapped.arg(expr))
    };
    let ranking = |func: WindowFunc| PlannedCall {
        typ: func.output_type(&[]),
        funcs: vec![func],
        aggregate: None,
    };
    let call = match (name.as_str(), typed.as_slice()) {
        ("row_number", []) => ranking(WindowFunc::RowNumber),
        ("rank", []) => ranking(WindowFunc::Rank),
        ("dense_rank", []) => ranking(WindowFunc::DenseRank),
        ("percent_rank", []) => ranking(WindowFunc::PercentRank),
        ("cume_dist", []) => ranking(WindowFunc::CumeDist),
        ("ntile", [buckets]) => {
            let buckets = integer(buckets, mapped)?;
            PlannedCall {
                funcs: vec![WindowFunc::Ntile { buckets }],
                typ: ScalarType::Int32.nullable(true),
                aggregate: None,
            }
        }
        ("lag" | "lead", [value, rest @ ..]) if rest.len() <= 2 => {
            let offset = match rest.first() {
                Some(offset) => integer(offset, mapped)?,
                None => ScalarExpr::literal(freshet_repr::Datum::Int32(1), ScalarType::Int32),
            };
            let (value, default, typ) = match rest.get(1) {
                Some(default) => {
                    let (mut exprs, typ) =
                        plan_homogeneous(vec![value.clone(), default.clone()], &name).map_err(|_| unknown())?;
                    let default = exprs.pop().unwrap_or_else(|| HirScalar::null(typ));
                    let value = exprs.pop().unwrap_or_else(|| HirScalar::null(typ));
                    (value, mapped.arg(default), typ)
                }
                None => {
                    let (value, typ) = value.clone().try_into_default()?;
                    (value, ScalarExpr::null(typ.scalar_type), typ.scalar_type)
                }
            };
            let value = mapped.arg(value);
            let func = if name == "lag" {
                WindowFunc::Lag { value, offset, default }
            } else {
                WindowFunc::Lead { value, offset, default }
            };
            PlannedCall {
                funcs: vec![func],
                typ: typ.nullable(true),
                aggregate: None,
            }
        }
        ("first_value" | "last_value", [value]) => {
            let (value, typ) = value.clone().try_into_default()?;
            let value = mapped.arg(value);
            let func = if name == "first_value" {
                WindowFunc::FirstValue { value }
            } else {
                WindowFunc::LastValue { value }
            };
            PlannedCall {
                funcs: vec![func],
                typ: typ.scalar_type.nullable(true),
                aggregate: None,
            }
        }
        ("nth_value", [value, n]) => {
            let (value, typ) = value.clone().try_into_default()?;
            let value = mapped.arg(value);
            let n = integer(n, mapped)?;
            PlannedCall {
                funcs: vec![WindowFunc::NthValue { value, n }],
                typ: typ.scalar_type.nullable(true),
                aggregate: None,
            }
        }
        (
            "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" | "ntile" | "lag" | "lead"
            | "first_value" | "last_value" | "nth_value",
            _,
        ) => return Err(unknown()),
        _ => return Err(PlanError::NotWindowFunction(name)),
    };
    Ok(call)
}

/// Plans an aggregate used as a window function (`sum(x) OVER (…)`): the
/// aggregates whose partial results combine (counts, sums, `avg`, extremes
/// and the boolean ones).
fn plan_aggregate_call(
    ecx: &ExprContext<'_>,
    func: &ast::Function,
    name: &str,
    mapped: &mut Mapped,
) -> Result<PlannedCall, PlanError> {
    if !matches!(
        name,
        "count" | "sum" | "avg" | "min" | "max" | "bool_and" | "bool_or" | "every"
    ) {
        return Err(PlanError::Unsupported(format!("{name} as a window function")));
    }
    let mut plain = func.clone();
    plain.over = None;
    // Planned as an aggregate, a window call in the arguments would be
    // refused as one in an aggregate's.
    if !collect_windows([&Expr::Function(plain.clone())]).is_empty() {
        return Err(PlanError::Windowing("window function calls cannot be nested".into()));
    }
    let planned = plan_aggregate(ecx, &Expr::Function(plain))?;
    let expr = mapped.arg(planned.arg.clone());
    let funcs = planned
        .funcs
        .iter()
        .map(|(func, _)| WindowFunc::Aggregate {
            func: func.clone(),
            expr: expr.clone(),
        })
        .collect();
    Ok(PlannedCall {
        funcs,
        typ: planned.typ,
        aggregate: Some(planned),
    })
}

#[cfg(test)]
mod tests;
