//! What a grouped query's select list, `HAVING` and `ORDER BY` may read:
//! the `GROUP BY` keys and the aggregates, computed by a `Reduce` below.

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::rc::Rc;

use freshet_expr::{AggregateFunc, ArithOp, ArithType, BinaryFunc};
use freshet_repr::{ColumnType, ScalarType};
use sqlparser::ast::{self, Expr, Query, Visit, Visitor};

use super::expr::{ExprContext, Typed, plan_expr};
use super::hir::HirScalar;
use super::query::{OuterQuery, QueryContext, plan_nested_query};
use super::scope::{Scope, ScopeItem};
use super::typeconv::{CastContext, plan_cast};
use crate::PlanError;

mod ordered;

/// A column's name in messages, qualified by its table when it has one.
fn qualified_name(item: &ScopeItem) -> String {
    match &item.table {
        Some(t) => format!("{t}.{}", item.column),
        None => item.column.clone(),
    }
}

/// The columns of a grouped query: keys first, then aggregates.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grouping {
    /// Each `GROUP BY` expression, as written, and its type; key `i` is
    /// column `i` of the grouped relation.
    pub(crate) keys: Vec<(Expr, ColumnType)>,
    /// For keys that are plain columns of the `FROM` clause: (column in
    /// `FROM`'s scope, key position).
    pub(crate) key_columns: Vec<(usize, usize)>,
    /// Each aggregate call, as written, with the expression over the
    /// grouped relation computing it and its type. Aggregates of this query
    /// written in its subqueries are among them.
    pub(crate) aggregates: Vec<(Expr, HirScalar, ColumnType)>,
}

impl Grouping {
    /// The key position of the `FROM` column at `index`, if it is a key.
    fn key_of(&self, index: usize) -> Option<usize> {
        self.key_columns.iter().find(|(c, _)| *c == index).map(|(_, key)| *key)
    }

    /// What a grouped query reads for the `FROM` column `item` at `index`:
    /// its key, or an error if it is not grouped.
    pub(crate) fn column(&self, index: usize, item: &ScopeItem) -> Result<Typed, PlanError> {
        match self.key_of(index) {
            Some(key) => Ok(Typed::Expr(HirScalar::column(key), self.keys[key].1)),
            None => Err(PlanError::Grouping(format!(
                "column \"{}\" must appear in the GROUP BY clause or be used in an aggregate function",
                qualified_name(item)
            ))),
        }
    }

    /// What a subquery reads for this query's `FROM` column `item` at
    /// `index`: the grouped relation's column and its type, or an error if
    /// it is not grouped.
    pub(crate) fn outer_column(&self, index: usize, item: &ScopeItem) -> Result<(usize, ColumnType), PlanError> {
        match self.key_of(index) {
            Some(key) => Ok((key, self.keys[key].1)),
            None => Err(PlanError::Grouping(format!(
                "subquery uses ungrouped column \"{}\" from outer query",
                qualified_name(item)
            ))),
        }
    }

    /// The aggregate written exactly as `e`, if this query computes it.
    fn aggregate(&self, e: &Expr) -> Option<(HirScalar, ColumnType)> {
        self.aggregates
            .iter()
            .find(|(a, _, _)| a == e)
            .map(|(_, expr, typ)| (expr.clone(), *typ))
    }

    /// A key or aggregate written exactly as `e`, if any.
    pub(crate) fn lookup(&self, e: &Expr) -> Option<Typed> {
        if let Some(i) = self.keys.iter().position(|(k, _)| k == e) {
            return Some(Typed::Expr(HirScalar::column(i), self.keys[i].1));
        }
        self.aggregates
            .iter()
            .find(|(a, _, _)| a == e)
            .map(|(_, expr, typ)| Typed::Expr(expr.clone(), *typ))
    }
}

/// Whether `name` is an aggregate function.
pub(crate) fn is_aggregate(name: &str) -> bool {
    matches!(
        name,
        "count"
            | "sum"
            | "min"
            | "max"
            | "avg"
            | "bool_and"
            | "bool_or"
            | "every"
            | "string_agg"
            | "jsonb_agg"
            | "jsonb_object_agg"
            | "array_agg"
    )
}

/// The aggregate calls in `exprs`, outside subqueries and other
/// aggregates' arguments, each once, in order of appearance.
pub(crate) fn collect_aggregates<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Vec<Expr> {
    fn aggregate_call(e: &Expr) -> bool {
        matches!(e, Expr::Function(f) if f.over.is_none() && is_aggregate(&super::expr::pg::function_name(&f.name)))
    }
    collect_outermost_calls(exprs, aggregate_call)
}

/// The expressions in `exprs` that `is_call` picks, outside subqueries
/// (which have their own) and other picked calls' arguments, each once, in
/// order of appearance.
pub(crate) fn collect_outermost_calls<'a>(
    exprs: impl IntoIterator<Item = &'a Expr>,
    is_call: fn(&Expr) -> bool,
) -> Vec<Expr> {
    struct Collector {
        is_call: fn(&Expr) -> bool,
        queries: usize,
        inside: usize,
        found: Vec<Expr>,
    }
    impl Visitor for Collector {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.queries += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.queries -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if self.queries == 0 && (self.is_call)(e) {
                if self.inside == 0 && !self.found.contains(e) {
                    self.found.push(e.clone());
                }
                self.inside += 1;
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if self.queries == 0 && (self.is_call)(e) {
                self.inside -= 1;
            }
            ControlFlow::Continue(())
        }
    }
    let mut collector = Collector {
        is_call,
        queries: 0,
        inside: 0,
        found: vec![],
    };
    for e in exprs {
        let _ = e.visit(&mut collector);
    }
    collector.found
}

/// An aggregate call planned over the `FROM` clause's rows: the value each
/// row contributes, and how the result is computed from the `Reduce`'s
/// aggregates.
pub(crate) struct PlannedAggregate {
    /// The argument, over the `FROM` scope.
    pub(crate) arg: HirScalar,
    /// The aggregates the `Reduce` computes over `arg` (two for `avg`).
    pub(crate) funcs: Vec<(AggregateFunc, bool)>,
    /// The result's type.
    pub(crate) typ: ColumnType,
    /// For `avg`: the sum's type, divided by the count.
    pub(crate) avg_of: Option<ScalarType>,
}

/// Plans one aggregate call in `ecx` (the `FROM` scope, no grouping).
pub(crate) fn plan_aggregate(ecx: &ExprContext<'_>, e: &Expr) -> Result<PlannedAggregate, PlanError> {
    let Expr::Function(func) = e else {
        return Err(PlanError::Unsupported(format!("aggregate {e}")));
    };
    let name = super::expr::pg::function_name(&func.name);
    if func.filter.is_some() || func.over.is_some() || !func.within_group.is_empty() {
        return Err(PlanError::Unsupported(format!(
            "{name} with FILTER, OVER or WITHIN GROUP"
        )));
    }
    let (args, distinct, order_by) = match &func.args {
        ast::FunctionArguments::List(list) => {
            let mut order_by: &[ast::OrderByExpr] = &[];
            for clause in &list.clauses {
                match clause {
                    ast::FunctionArgumentClause::OrderBy(keys) => order_by = keys,
                    other => return Err(PlanError::Unsupported(format!("{name} with {other}"))),
                }
            }
            let distinct = matches!(list.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct));
            (list.args.as_slice(), distinct, order_by)
        }
        ast::FunctionArguments::None => (&[][..], false, &[][..]),
        ast::FunctionArguments::Subquery(_) => return Err(PlanError::Unsupported("subqueries as arguments".into())),
    };
    let inner = ExprContext {
        clause: "aggregate function calls",
        in_aggregate: true,
        ..*ecx
    };
    match name.as_str() {
        "string_agg" | "jsonb_agg" | "jsonb_object_agg" | "array_agg" => {
            return ordered::plan_ordered_aggregate(&inner, &name, args, distinct, order_by);
        }
        _ if !order_by.is_empty() => return Err(PlanError::Unsupported(format!("{name} with ORDER BY"))),
        _ => {}
    }
    let arg = match args {
        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)] | []
            if name == "count" && (!distinct || args.is_empty()) =>
        {
            return Ok(PlannedAggregate {
                arg: HirScalar::literal_bool(true),
                funcs: vec![(AggregateFunc::CountAll, false)],
                typ: ScalarType::Int64.nullable(false),
                avg_of: None,
            });
        }
        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))] => plan_expr(&inner, arg)?,
        _ => {
            return Err(PlanError::UnknownFunction {
                name,
                args: format!("{} arguments", args.len()),
            });
        }
    };
    let arg_type = arg.scalar_type();
    let unknown = || PlanError::UnknownFunction {
        name: name.clone(),
        args: arg_type.map_or("unknown".to_owned(), |t| t.name().to_owned()),
    };
    let (arg, typ) = match arg {
        Typed::Unknown(_) | Typed::Param(_) if name == "count" => arg.try_into_default()?,
        Typed::Unknown(_) | Typed::Param(_) => return Err(unknown()),
        Typed::Expr(e, t) => (e, t),
    };
    let t = typ.scalar_type;
    let (funcs, out, avg_of, arg) = match name.as_str() {
        "count" => (vec![AggregateFunc::Count], ScalarType::Int64, None, arg),
        "sum" | "avg" => {
            let (sum, sum_type) = match t {
                ScalarType::Int16 | ScalarType::Int32 => (AggregateFunc::SumInt, ScalarType::Int64),
                ScalarType::Int64 | ScalarType::UInt16 | ScalarType::UInt32 | ScalarType::UInt64 => {
                    (AggregateFunc::SumNumeric, ScalarType::numeric())
                }
                ScalarType::Numeric { .. } => (AggregateFunc::SumNumeric, ScalarType::numeric()),
                ScalarType::Float32 if name == "sum" => (AggregateFunc::SumFloat32, ScalarType::Float32),
                ScalarType::Float32 => (AggregateFunc::SumFloat64, ScalarType::Float64),
                ScalarType::Float64 => (AggregateFunc::SumFloat64, ScalarType::Float64),
                _ => return Err(unknown()),
            };
            // avg of a real is computed in double precision.
            let arg = if name == "avg" && t == ScalarType::Float32 {
                plan_cast(arg, &t, &ScalarType::Float64, CastContext::Implicit)?
            } else {
                arg
            };
            if name == "sum" {
                (vec![sum], sum_type, None, arg)
            } else {
                let out = if sum_type == ScalarType::Float64 {
                    ScalarType::Float64
                } else {
                    ScalarType::numeric()
                };
                (vec![sum, AggregateFunc::Count], out, Some(sum_type), arg)
            }
        }
        "min" | "max" => {
            // PostgreSQL has no min or max of these types.
            if matches!(
                t,
                ScalarType::Bool | ScalarType::Bytes | ScalarType::Jsonb | ScalarType::Uuid
            ) {
                return Err(unknown());
            }
            let f = if name == "min" {
                AggregateFunc::Min
            } else {
                AggregateFunc::Max
            };
            (vec![f], t, None, arg)
        }
        "bool_and" | "every" | "bool_or" => {
            if t != ScalarType::Bool {
                return Err(unknown());
            }
            let f = if name == "bool_or" {
                AggregateFunc::Any
            } else {
                AggregateFunc::All
            };
            (vec![f], ScalarType::Bool, None, arg)
        }
        _ => return Err(unknown()),
    };
    let nullable = !matches!(funcs.first(), Some(AggregateFunc::Count | AggregateFunc::CountAll));
    Ok(PlannedAggregate {
        arg,
        funcs: funcs.into_iter().map(|f| (f, distinct)).collect(),
        typ: out.nullable(nullable),
        avg_of,
    })
}

/// The expression computing an aggregate's result from the `Reduce`'s
/// columns `first..` (one, or the sum and the count for `avg`).
pub(crate) fn aggregate_result(planned: &PlannedAggregate, first: usize) -> Result<HirScalar, PlanError> {
    match planned.avg_of {
        None => Ok(HirScalar::column(first)),
        Some(sum_type) => {
            let out = planned.typ.scalar_type;
            let sum = plan_cast(HirScalar::column(first), &sum_type, &out, CastContext::Implicit)?;
            let count = plan_cast(
                HirScalar::column(first + 1),
                &ScalarType::Int64,
                &out,
                CastContext::Implicit,
            )?;
            let arith = ArithType::of(&out).ok_or_else(|| PlanError::Unsupported("avg".into()))?;
            Ok(sum.call_binary(count, BinaryFunc::Arith(ArithOp::Div, arith)))
        }
    }
}

/// Plans an aggregate call that is not one of the current query's own
/// grouped aggregates. PostgreSQL gives an aggregate to the nearest query
/// whose columns its arguments read: if that is an enclosing query, the
/// call reads that query's result (`SELECT (SELECT sum(t.x)) FROM t` sums
/// over `t`); otherwise the aggregate is misplaced (in `WHERE`, or nested
/// in another aggregate).
pub(crate) fn plan_aggregate_call(ecx: &ExprContext<'_>, e: &Expr) -> Result<Typed, PlanError> {
    let (level, typ) = aggregate_level(ecx, e)?;
    if level == 0 {
        return Err(PlanError::Grouping(if ecx.in_aggregate {
            "aggregate function calls cannot be nested".into()
        } else {
            format!("aggregate functions are not allowed in {}", ecx.clause)
        }));
    }
    let outer: &OuterQuery = &ecx.qcx.outer[ecx.qcx.outer.len() - level];
    // Only the aggregates' existence matters while they are being found.
    let placeholder = || Ok(Typed::Expr(HirScalar::null(typ.scalar_type), typ));
    if let Some(found) = &outer.found {
        let mut found = found.borrow_mut();
        if !found.contains(e) {
            found.push(e.clone());
        }
        return placeholder();
    }
    match outer.grouping.as_ref().and_then(|g| g.aggregate(e)) {
        Some((mut expr, typ)) => {
            expr.shift_outer(0, level);
            Ok(Typed::Expr(expr, typ))
        }
        None if ecx.qcx.discovering => placeholder(),
        None => Err(PlanError::Grouping(format!(
            "aggregate functions are not allowed in {}",
            outer.clause
        ))),
    }
}

/// How many queries out the aggregate call `e` belongs to (0: the query
/// `ecx` plans), and its result type.
fn aggregate_level(ecx: &ExprContext<'_>, e: &Expr) -> Result<(usize, ColumnType), PlanError> {
    let probe = ExprContext {
        grouping: None,
        ungrouped_outer: true,
        ..*ecx
    };
    let planned = plan_aggregate(&probe, e)?;
    Ok((planned.arg.min_level().unwrap_or(0), planned.typ))
}

/// The aggregate calls of `candidates` (from [`collect_aggregates`]) that
/// belong to the query `ecx` plans (over its `FROM` scope, no grouping),
/// not to an enclosing one.
pub(crate) fn own_aggregates(ecx: &ExprContext<'_>, candidates: Vec<Expr>) -> Result<Vec<Expr>, PlanError> {
    let mut own = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        if aggregate_level(ecx, &candidate)?.0 == 0 {
            own.push(candidate);
        }
    }
    Ok(own)
}

/// The aggregate calls in the subqueries of `exprs` that belong to the
/// query whose `FROM` columns are `scope` (written over its columns only,
/// like `sum(t.x)` in `SELECT (SELECT sum(t.x)) FROM t`). Finding them
/// means planning those subqueries once more before the query's grouping is
/// known; only subqueries that have an aggregate call are planned. Errors
/// are left to the planning of the query proper.
pub(crate) fn discover_outer_aggregates<'a>(
    qcx: &QueryContext<'_>,
    scope: &Scope,
    exprs: impl IntoIterator<Item = &'a Expr>,
) -> Vec<Expr> {
    if qcx.discovering {
        return vec![];
    }
    let subqueries = subqueries_with_aggregates(exprs);
    if subqueries.is_empty() {
        return vec![];
    }
    let found = Rc::new(RefCell::new(Vec::new()));
    let mut dcx = qcx.nested(OuterQuery {
        scope: scope.clone(),
        grouping: None,
        clause: "SELECT",
        found: Some(Rc::clone(&found)),
    });
    dcx.discovering = true;
    for query in &subqueries {
        let _ = plan_nested_query(&dcx, query);
    }
    found.take()
}

/// The subqueries directly in `exprs` (not inside other subqueries) that
/// contain an aggregate call somewhere.
fn subqueries_with_aggregates<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Vec<Query> {
    struct Finder {
        depth: usize,
        found: Vec<Query>,
    }
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            if self.depth == 0 && has_aggregate_call(query) {
                self.found.push(query.clone());
            }
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
    }
    let mut finder = Finder {
        depth: 0,
        found: vec![],
    };
    for e in exprs {
        let _ = e.visit(&mut finder);
    }
    finder.found
}

/// Whether `query` has an aggregate call anywhere.
fn has_aggregate_call(query: &Query) -> bool {
    struct Finder;
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Function(f) if f.over.is_none() && is_aggregate(&f.name.to_string().to_lowercase()) => {
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        }
    }
    query.visit(&mut Finder).is_break()
}
