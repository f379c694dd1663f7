//! Planning SQL expressions into typed [`ScalarExpr`]s.

use freshet_expr::{ArithOp, ArithType, BinaryFunc, ScalarExpr, UnaryFunc, VariadicFunc, fold_scalar};
use freshet_repr::{ColumnType, Datum, RowArena, ScalarType, parse_datum};
use sqlparser::ast::{self, BinaryOperator, CastKind, Expr, UnaryOperator, Value};

pub(crate) mod pg;
mod syntax;

use super::grouping::Grouping;
use super::hir::{ColumnRef, HirScalar};
use super::params::{Param, plan_param};
use super::query::QueryContext;
use super::scope::Scope;
use super::subquery;
use super::typeconv::{CastContext, plan_cast, unify};
use super::types::scalar_type_from_sql;
use super::window::{Windows, plan_window_call};
use crate::PlanError;
use crate::names::normalize_ident;

/// What an expression is planned against.
#[derive(Clone, Copy)]
pub(crate) struct ExprContext<'a> {
    /// The query it belongs to: the catalog, enclosing queries' scopes.
    pub(crate) qcx: &'a QueryContext<'a>,
    /// The columns in scope.
    pub(crate) scope: &'a Scope,
    /// Where aggregates are computed, the groups' keys and aggregates;
    /// `None` where aggregates are not allowed.
    pub(crate) grouping: Option<&'a Grouping>,
    /// The clause being planned, for messages (`WHERE`, `DEFAULT`).
    pub(crate) clause: &'static str,
    /// The query's window function calls, where they may be read (the
    /// select list and `ORDER BY`); `None` elsewhere.
    pub(crate) windows: Option<&'a Windows>,
    /// Inside the arguments of an aggregate call.
    pub(crate) in_aggregate: bool,
    /// Columns of enclosing queries resolve to their `FROM` columns, even
    /// where those queries are grouped: only to learn which query an
    /// aggregate call belongs to, from the columns its arguments read.
    pub(crate) ungrouped_outer: bool,
}

impl<'a> ExprContext<'a> {
    /// A context over `scope` without aggregates.
    pub(crate) fn new(qcx: &'a QueryContext<'a>, scope: &'a Scope, clause: &'static str) -> ExprContext<'a> {
        ExprContext {
            qcx,
            scope,
            grouping: None,
            clause,
            windows: None,
            in_aggregate: false,
            ungrouped_outer: false,
        }
    }
}

/// The expression as a [`ScalarExpr`]; `what` names the clause in the error
/// when it has a subquery or reads an enclosing query.
pub(crate) fn scalar_only(expr: HirScalar, what: &str) -> Result<ScalarExpr, PlanError> {
    expr.to_expr()
        .ok_or_else(|| PlanError::Unsupported(format!("subqueries in {what}")))
}

/// A planned expression: typed, or a literal whose type the context decides
/// (a quoted string or `NULL`, PostgreSQL's `unknown`).
#[derive(Debug, Clone)]
pub(crate) enum Typed {
    /// An expression of a known type.
    Expr(HirScalar, ColumnType),
    /// A string literal (`Some`) or `NULL` (`None`) not yet given a type.
    Unknown(Option<String>),
    /// A parameter (`$n`) not yet given a type: the context decides it, as
    /// for an untyped literal.
    Param(Param),
}

impl Typed {
    /// The expression, with an unknown literal taken as `text`.
    ///
    /// # Errors
    ///
    /// Never for a literal; for a parameter already given another type.
    pub(crate) fn try_into_default(self) -> Result<(HirScalar, ColumnType), PlanError> {
        match self {
            Typed::Param(param) => {
                let (expr, typ) = param.fix(&ScalarType::Text)?;
                Ok((expr, typ.nullable(true)))
            }
            other => Ok(other.into_default()),
        }
    }

    /// The expression, with an unknown literal or parameter taken as `text`.
    /// A parameter that already has another type keeps it.
    pub(crate) fn into_default(self) -> (HirScalar, ColumnType) {
        match self {
            Typed::Expr(e, t) => (e, t),
            Typed::Param(param) => match param.fix(&ScalarType::Text) {
                Ok((expr, typ)) => (expr, typ.nullable(true)),
                Err(_) => {
                    let (expr, typ) = param.current();
                    (expr, typ.nullable(true))
                }
            },
            Typed::Unknown(value) => {
                let typ = ScalarType::Text.nullable(value.is_none());
                let datum = value.as_deref().map_or(Datum::Null, Datum::String);
                (HirScalar::literal(datum, ScalarType::Text), typ)
            }
        }
    }

    /// The type, `None` for an untyped literal.
    pub(crate) fn scalar_type(&self) -> Option<ScalarType> {
        match self {
            Typed::Expr(_, t) => Some(t.scalar_type),
            Typed::Unknown(_) | Typed::Param(_) => None,
        }
    }

    /// The type's name in messages (`unknown` for an untyped literal).
    pub(crate) fn type_name(&self) -> String {
        match self {
            Typed::Expr(_, t) => t.scalar_type.name().to_owned(),
            Typed::Unknown(_) | Typed::Param(_) => "unknown".to_owned(),
        }
    }

    /// Whether the type is yet to be decided (an unknown literal or parameter).
    pub(crate) fn is_untyped(&self) -> bool {
        matches!(self, Typed::Unknown(_) | Typed::Param(_))
    }
}

/// Converts `typed` to `target` as `context` allows; an unknown literal is
/// parsed as `target` now.
pub(crate) fn coerce(typed: Typed, target: &ScalarType, context: CastContext) -> Result<HirScalar, PlanError> {
    match typed {
        Typed::Expr(e, t) => plan_cast(e, &t.scalar_type, target, context),
        Typed::Param(param) => {
            let (expr, typ) = param.fix(target)?;
            plan_cast(expr, &typ, target, context)
        }
        Typed::Unknown(None) => Ok(HirScalar::null(*target)),
        Typed::Unknown(Some(text)) => {
            let arena = RowArena::new();
            let parsed =
                parse_datum(&target.without_modifiers(), &text, &arena).map_err(freshet_expr::EvalError::from)?;
            let literal = HirScalar::literal(parsed, target.without_modifiers());
            let cast = plan_cast(literal, &target.without_modifiers(), target, context)?;
            let mut expr = scalar_only(cast, "a literal")?;
            fold_scalar(&mut expr);
            if let ScalarExpr::Literal(Err(e), _) = expr {
                return Err(PlanError::Eval(e));
            }
            Ok(HirScalar::from_expr(expr))
        }
    }
}

/// Plans an expression that must be boolean (`WHERE`, `CASE WHEN`, `AND`).
pub(crate) fn plan_bool(ecx: &ExprContext<'_>, e: &Expr, clause: &str) -> Result<HirScalar, PlanError> {
    match plan_expr(ecx, e)? {
        Typed::Expr(e, t) if t.scalar_type == ScalarType::Bool => Ok(e),
        untyped @ (Typed::Unknown(_) | Typed::Param(_)) => coerce(untyped, &ScalarType::Bool, CastContext::Implicit),
        Typed::Expr(_, t) => Err(PlanError::DatatypeMismatch(format!(
            "argument of {clause} must be type boolean, not type {}",
            t.scalar_type.name()
        ))),
    }
}

/// Brings several expressions to their common type (operands of `=`,
/// branches of `CASE`, arguments of `COALESCE`).
pub(crate) fn plan_homogeneous(items: Vec<Typed>, what: &str) -> Result<(Vec<HirScalar>, ScalarType), PlanError> {
    let mut common: Option<ScalarType> = None;
    for item in &items {
        if let Typed::Expr(_, t) = item {
            common = Some(match common {
                None => t.scalar_type,
                Some(c) => unify(&c, &t.scalar_type).ok_or_else(|| {
                    PlanError::DatatypeMismatch(format!(
                        "{what} types {} and {} cannot be matched",
                        c.name(),
                        t.scalar_type.name()
                    ))
                })?,
            });
        }
    }
    let common = common.unwrap_or(ScalarType::Text);
    let exprs = items
        .into_iter()
        .map(|item| coerce(item, &common, CastContext::Implicit))
        .collect::<Result<_, _>>()?;
    Ok((exprs, common))
}

/// Plans one expression.
pub(crate) fn plan_expr(ecx: &ExprContext<'_>, e: &Expr) -> Result<Typed, PlanError> {
    if let Some(grouping) = ecx.grouping
        && let Some(found) = grouping.lookup(e)
    {
        return Ok(found);
    }
    match e {
        Expr::Value(v) => match &v.value {
            Value::Placeholder(p) => match &ecx.qcx.macro_args {
                Some(args) => pg::macro_arg(ecx, args, p),
                None => plan_param(ecx.qcx, p),
            },
            other => plan_value(other, false),
        },
        Expr::Identifier(ident) => plan_column(ecx, None, &normalize_ident(ident)),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [table, column] => plan_column(ecx, Some(&normalize_ident(table)), &normalize_ident(column)),
            _ => Err(PlanError::Unsupported(
                "column references with more than two parts".into(),
            )),
        },
        Expr::Nested(inner) => plan_expr(ecx, inner),
        Expr::UnaryOp { op, expr } => plan_unary(ecx, *op, expr),
        Expr::BinaryOp { left, op, right } => plan_binary(ecx, left, op, right),
        Expr::Cast {
            kind,
            expr,
            data_type,
            format,
        } => {
            if format.is_some() || !matches!(kind, CastKind::Cast | CastKind::DoubleColon) {
                return Err(PlanError::Unsupported(format!("{kind:?} casts").to_uppercase()));
            }
            let target = scalar_type_from_sql(data_type)?;
            let input = plan_expr(ecx, expr)?;
            if let Some(typed) = pg::plan_reg_literal(ecx, &input, &target)? {
                return Ok(typed);
            }
            if let Some(typed) = pg::plan_reg_text(ecx, &input, &target)? {
                return Ok(typed);
            }
            if super::temporal::is_mz_now(&input)
                && let Some(cast) = super::temporal::cast_mz_now(&target)
            {
                return Ok(Typed::Expr(cast, target.nullable(false)));
            }
            let input = match input {
                Typed::Unknown(value) => Typed::Unknown(value).into_default(),
                // `$1::int` makes `$1` an `int`, as in PostgreSQL.
                Typed::Param(param) => {
                    let (e, t) = param.fix(&target)?;
                    (e, t.nullable(true))
                }
                Typed::Expr(e, t) => (e, t),
            };
            let nullable = input.1.nullable;
            let expr = coerce(Typed::Expr(input.0, input.1), &target, CastContext::Explicit)?;
            Ok(Typed::Expr(expr, target.nullable(nullable)))
        }
        Expr::TypedString(typed) => {
            let target = scalar_type_from_sql(&typed.data_type)?;
            let text = string_value(&typed.value.value)
                .ok_or_else(|| PlanError::Unsupported(format!("typed literal {typed}")))?;
            let expr = coerce(Typed::Unknown(Some(text)), &target, CastContext::Explicit)?;
            Ok(Typed::Expr(expr, target.nullable(false)))
        }
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
            let (arg, _) = plan_expr(ecx, inner)?.try_into_default()?;
            let is_null = arg.call_unary(UnaryFunc::IsNull);
            let expr = if matches!(e, Expr::IsNull(_)) {
                is_null
            } else {
                is_null.call_unary(UnaryFunc::Not)
            };
            Ok(Typed::Expr(expr, ScalarType::Bool.nullable(false)))
        }
        Expr::IsTrue(inner)
        | Expr::IsNotTrue(inner)
        | Expr::IsFalse(inner)
        | Expr::IsNotFalse(inner)
        | Expr::IsUnknown(inner)
        | Expr::IsNotUnknown(inner) => {
            let arg = plan_bool(ecx, inner, "IS")?;
            let (func, negate) = match e {
                Expr::IsTrue(_) => (UnaryFunc::IsTrue, false),
                Expr::IsNotTrue(_) => (UnaryFunc::IsTrue, true),
                Expr::IsFalse(_) => (UnaryFunc::IsFalse, false),
                Expr::IsNotFalse(_) => (UnaryFunc::IsFalse, true),
                Expr::IsUnknown(_) => (UnaryFunc::IsNull, false),
                _ => (UnaryFunc::IsNull, true),
            };
            let mut expr = arg.call_unary(func);
            if negate {
                expr = expr.call_unary(UnaryFunc::Not);
            }
            Ok(Typed::Expr(expr, ScalarType::Bool.nullable(false)))
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => plan_case(ecx, operand.as_deref(), conditions, else_result.as_deref()),
        Expr::Function(func) if func.over.is_some() => plan_window_call(ecx, e),
        Expr::Function(func) => {
            let name = pg::function_name(&func.name);
            if let Some(typed) = pg::plan_pg_function(ecx, func, &name)? {
                return Ok(typed);
            }
            if super::grouping::is_aggregate(&name) {
                return super::grouping::plan_aggregate_call(ecx, e);
            }
            plan_function(ecx, func)
        }
        Expr::Subquery(query) => subquery::plan_scalar_subquery(ecx, query),
        Expr::Exists { subquery, negated } => subquery::plan_exists(ecx, subquery, *negated),
        Expr::InSubquery {
            expr,
            subquery,
            negated,
        } => subquery::plan_in_subquery(ecx, expr, subquery, *negated),
        Expr::AnyOp {
            left,
            compare_op,
            right,
            ..
        } if !is_subquery(right) => pg::plan_any_array(ecx, left, compare_op, right, false),
        Expr::AllOp {
            left,
            compare_op,
            right,
        } if !is_subquery(right) => pg::plan_any_array(ecx, left, compare_op, right, true),
        Expr::AnyOp {
            left,
            compare_op,
            right,
            ..
        } => subquery::plan_quantified(ecx, left, compare_op, right, false),
        Expr::AllOp {
            left,
            compare_op,
            right,
        } => subquery::plan_quantified(ecx, left, compare_op, right, true),
        Expr::Collate { expr, collation } => pg::plan_collate(ecx, expr, collation),
        Expr::Array(array) => pg::plan_array(ecx, array),
        other => syntax::plan_special(ecx, other),
    }
}

/// Whether `e` is a subquery (possibly in parentheses).
fn is_subquery(e: &Expr) -> bool {
    match e {
        Expr::Subquery(_) => true,
        Expr::Nested(inner) => is_subquery(inner),
        _ => false,
    }
}

/// Plans a call of the function `name` on expressions.
pub(crate) fn plan_call(ecx: &ExprContext<'_>, name: &str, args: &[&Expr]) -> Result<Typed, PlanError> {
    let planned = args.iter().map(|a| plan_expr(ecx, a)).collect::<Result<Vec<_>, _>>()?;
    plan_call_typed(ecx, name, planned)
}

/// Plans a call of the function `name` on planned arguments: resolves the
/// overload and converts the arguments to its parameter types.
pub(crate) fn plan_call_typed(_ecx: &ExprContext<'_>, name: &str, args: Vec<Typed>) -> Result<Typed, PlanError> {
    let types: Vec<Option<ScalarType>> = args.iter().map(Typed::scalar_type).collect();
    let resolved = super::func::resolve_function(name, &types)?;
    apply_resolved(resolved, args)
}

/// Applies a resolved function or operator to its arguments.
pub(crate) fn apply_resolved(resolved: super::func::Resolved, args: Vec<Typed>) -> Result<Typed, PlanError> {
    use super::func::FuncImpl;
    let any_nullable = args.iter().any(nullable);
    let mut exprs = Vec::with_capacity(args.len());
    for (arg, param) in args.into_iter().zip(&resolved.params) {
        exprs.push(coerce(arg, param, CastContext::Implicit)?);
    }
    let expr = match (resolved.func, exprs.as_slice()) {
        (FuncImpl::Unary(func), [a]) => a.clone().call_unary(func),
        (FuncImpl::Binary(func), [a, b]) => a.clone().call_binary(b.clone(), func),
        (FuncImpl::Variadic(func), _) => HirScalar::call_variadic(func, exprs),
        _ => return Err(PlanError::Unsupported("a function with this many arguments".into())),
    };
    let nullable = !resolved.strict || any_nullable;
    Ok(Typed::Expr(expr, resolved.ret.nullable(nullable)))
}

pub(crate) fn string_value(v: &Value) -> Option<String> {
    match v {
        Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) | Value::NationalStringLiteral(s) => {
            Some(s.clone())
        }
        Value::DollarQuotedString(d) => Some(d.value.clone()),
        _ => None,
    }
}

/// Plans a literal; `negate` folds a leading minus into a number, as
/// PostgreSQL's grammar does (so `-2147483648` is an `integer`).
pub(crate) fn plan_value(v: &Value, negate: bool) -> Result<Typed, PlanError> {
    let arena = RowArena::new();
    match v {
        Value::Number(text, _) => {
            let text = if negate { format!("-{text}") } else { text.clone() };
            let is_integer = text.trim_start_matches('-').chars().all(|c| c.is_ascii_digit());
            let (datum, typ) = if let (true, Ok(i)) = (is_integer, text.parse::<i32>()) {
                (Datum::Int32(i), ScalarType::Int32)
            } else if let (true, Ok(i)) = (is_integer, text.parse::<i64>()) {
                (Datum::Int64(i), ScalarType::Int64)
            } else {
                let typ = ScalarType::numeric();
                let d = parse_datum(&typ, &text, &arena).map_err(freshet_expr::EvalError::from)?;
                (d, typ)
            };
            Ok(Typed::Expr(HirScalar::literal(datum, typ), typ.nullable(false)))
        }
        Value::Boolean(b) => Ok(Typed::Expr(
            HirScalar::literal_bool(*b),
            ScalarType::Bool.nullable(false),
        )),
        Value::Null => Ok(Typed::Unknown(None)),
        Value::Placeholder(p) => Err(PlanError::Unsupported(format!("parameter {p}"))),
        other => match string_value(other) {
            Some(s) => Ok(Typed::Unknown(Some(s))),
            None => Err(PlanError::Unsupported(format!("literal {other}"))),
        },
    }
}

/// Resolves a column in the innermost scope that has it: the current
/// query's, then the enclosing queries' outward.
fn plan_column(ecx: &ExprContext<'_>, table: Option<&str>, column: &str) -> Result<Typed, PlanError> {
    let first = match ecx.scope.resolve(table, column) {
        Ok((index, typ)) => {
            if let Some(grouping) = ecx.grouping {
                return grouping.column(index, &ecx.scope.items[index]);
            }
            return Ok(Typed::Expr(HirScalar::column(index), typ));
        }
        Err(e @ (PlanError::UnknownColumn(_) | PlanError::MissingFromEntry(_))) => e,
        Err(e) => return Err(e),
    };
    for (distance, outer) in ecx.qcx.outer.iter().rev().enumerate() {
        match outer.scope.resolve(table, column) {
            Ok((index, typ)) => {
                let (column, typ) = match &outer.grouping {
                    Some(grouping) if !ecx.ungrouped_outer => {
                        grouping.outer_column(index, &outer.scope.items[index])?
                    }
                    _ => (index, typ),
                };
                let level = distance + 1;
                return Ok(Typed::Expr(HirScalar::Column(ColumnRef { level, column }), typ));
            }
            Err(PlanError::UnknownColumn(_) | PlanError::MissingFromEntry(_)) => {}
            Err(e) => return Err(e),
        }
    }
    match first {
        PlanError::MissingFromEntry(t) if ecx.qcx.hidden.contains(&t) => Err(PlanError::InvisibleFromEntry(t)),
        other => Err(other),
    }
}

fn plan_unary(ecx: &ExprContext<'_>, op: UnaryOperator, expr: &Expr) -> Result<Typed, PlanError> {
    match op {
        UnaryOperator::Not => {
            let arg = plan_bool(ecx, expr, "NOT")?;
            let nullable = true;
            Ok(Typed::Expr(
                arg.call_unary(UnaryFunc::Not),
                ScalarType::Bool.nullable(nullable),
            ))
        }
        UnaryOperator::Minus | UnaryOperator::Plus => {
            if let (UnaryOperator::Minus, Expr::Value(v)) = (op, expr)
                && let Value::Number(..) = v.value
            {
                return plan_value(&v.value, true);
            }
            let symbol = if op == UnaryOperator::Minus { "-" } else { "+" };
            match plan_expr(ecx, expr)? {
                Typed::Expr(e, t)
                    if op == UnaryOperator::Minus
                        && super::func::resolve_datetime_negation(&t.scalar_type).is_some() =>
                {
                    match super::func::resolve_datetime_negation(&t.scalar_type) {
                        Some(resolved) => apply_resolved(resolved, vec![Typed::Expr(e, t)]),
                        None => Err(PlanError::UnknownOperator(format!("{symbol} {}", t.scalar_type.name()))),
                    }
                }
                Typed::Expr(e, t) => {
                    let arith = ArithType::of(&t.scalar_type)
                        .filter(|a| {
                            op == UnaryOperator::Plus
                                || !matches!(a, ArithType::UInt16 | ArithType::UInt32 | ArithType::UInt64)
                        })
                        .ok_or_else(|| PlanError::UnknownOperator(format!("{symbol} {}", t.scalar_type.name())))?;
                    let expr = if op == UnaryOperator::Minus {
                        e.call_unary(UnaryFunc::Neg(arith))
                    } else {
                        e
                    };
                    Ok(Typed::Expr(expr, arith.scalar_type().nullable(t.nullable)))
                }
                Typed::Unknown(_) | Typed::Param(_) => Err(PlanError::UnknownOperator(format!("{symbol} unknown"))),
            }
        }
        other => Err(PlanError::Unsupported(format!("operator {other}"))),
    }
}

pub(crate) fn comparison_func(op: &BinaryOperator) -> Option<BinaryFunc> {
    Some(match op {
        BinaryOperator::Eq => BinaryFunc::Eq,
        BinaryOperator::NotEq => BinaryFunc::NotEq,
        BinaryOperator::Lt => BinaryFunc::Lt,
        BinaryOperator::LtEq => BinaryFunc::Lte,
        BinaryOperator::Gt => BinaryFunc::Gt,
        BinaryOperator::GtEq => BinaryFunc::Gte,
        _ => return None,
    })
}

fn arith_op(op: &BinaryOperator) -> Option<ArithOp> {
    Some(match op {
        BinaryOperator::Plus => ArithOp::Add,
        BinaryOperator::Minus => ArithOp::Sub,
        BinaryOperator::Multiply => ArithOp::Mul,
        BinaryOperator::Divide => ArithOp::Div,
        BinaryOperator::Modulo => ArithOp::Mod,
        _ => return None,
    })
}

/// Plans `left op right` for a comparison; returns the expression and
/// whether it may be NULL.
pub(crate) fn plan_comparison(
    ecx: &ExprContext<'_>,
    left: &Expr,
    op: &BinaryOperator,
    right: &Expr,
) -> Result<(HirScalar, bool), PlanError> {
    let func = comparison_func(op).ok_or_else(|| PlanError::Unsupported(format!("operator {op}")))?;
    let (l, r) = (plan_expr(ecx, left)?, plan_expr(ecx, right)?);
    if super::temporal::is_mz_now(&l) || super::temporal::is_mz_now(&r) {
        return super::temporal::plan_comparison(l, r, func, &op.to_string());
    }
    let nullable = nullable(&l) || nullable(&r);
    let (mut exprs, _) = operands(l, r, &op.to_string())?;
    let r = exprs.pop();
    let l = exprs.pop();
    match (l, r) {
        (Some(l), Some(r)) => Ok((l.call_binary(r, func), nullable)),
        _ => Err(PlanError::Unsupported(format!("operator {op}"))),
    }
}

pub(crate) fn nullable(t: &Typed) -> bool {
    match t {
        Typed::Expr(_, t) => t.nullable,
        Typed::Unknown(v) => v.is_none(),
        Typed::Param(_) => true,
    }
}

/// The two operands of a binary operator at their common type.
pub(crate) fn operands(l: Typed, r: Typed, symbol: &str) -> Result<(Vec<HirScalar>, ScalarType), PlanError> {
    let names = format!("{} {symbol} {}", l.type_name(), r.type_name());
    plan_homogeneous(vec![l, r], symbol).map_err(|e| match e {
        PlanError::DatatypeMismatch(_) | PlanError::InvalidCast { .. } => PlanError::UnknownOperator(names),
        other => other,
    })
}

fn plan_binary(ecx: &ExprContext<'_>, left: &Expr, op: &BinaryOperator, right: &Expr) -> Result<Typed, PlanError> {
    if let BinaryOperator::PGCustomBinaryOperator(parts) = op {
        let parts: Vec<String> = parts.iter().map(|p| p.to_lowercase()).collect();
        return plan_binary(ecx, left, &pg::custom_operator(&parts)?, right);
    }
    if let Some(typed) = pg::plan_regex(ecx, left, op, right)? {
        return Ok(typed);
    }
    match op {
        BinaryOperator::And | BinaryOperator::Or => {
            let clause = if *op == BinaryOperator::And { "AND" } else { "OR" };
            let func = if *op == BinaryOperator::And {
                VariadicFunc::And
            } else {
                VariadicFunc::Or
            };
            let mut exprs = Vec::new();
            for side in [left, right] {
                match plan_bool(ecx, side, clause)? {
                    HirScalar::CallVariadic {
                        func: inner,
                        exprs: nested,
                    } if inner == func => exprs.extend(nested),
                    other => exprs.push(other),
                }
            }
            Ok(Typed::Expr(
                HirScalar::CallVariadic { func, exprs },
                ScalarType::Bool.nullable(true),
            ))
        }
        BinaryOperator::StringConcat => {
            let (l, r) = (plan_expr(ecx, left)?, plan_expr(ecx, right)?);
            let nullable = nullable(&l) || nullable(&r);
            let is_string = |t: &Typed| match t {
                Typed::Expr(_, t) => t.scalar_type.is_string(),
                Typed::Unknown(_) | Typed::Param(_) => true,
            };
            if !is_string(&l) && !is_string(&r) {
                return Err(PlanError::UnknownOperator(format!(
                    "{} || {}",
                    l.type_name(),
                    r.type_name()
                )));
            }
            let to_text = |t: Typed| -> Result<HirScalar, PlanError> {
                match t {
                    Typed::Expr(e, typ) => plan_cast(e, &typ.scalar_type, &ScalarType::Text, CastContext::Explicit),
                    unknown => coerce(unknown, &ScalarType::Text, CastContext::Implicit),
                }
            };
            let expr = to_text(l)?.call_binary(to_text(r)?, BinaryFunc::TextConcat);
            Ok(Typed::Expr(expr, ScalarType::Text.nullable(nullable)))
        }
        op if comparison_func(op).is_some() => {
            let (expr, nullable) = plan_comparison(ecx, left, op, right)?;
            Ok(Typed::Expr(expr, ScalarType::Bool.nullable(nullable)))
        }
        op if super::func::is_jsonb_operator(op) => {
            let (l, r) = (plan_expr(ecx, left)?, plan_expr(ecx, right)?);
            let resolved = super::func::resolve_jsonb_operator(op, l.scalar_type(), r.scalar_type())?;
            // A path is checked now, as PostgreSQL reads its `text[]` literal.
            if matches!(op, BinaryOperator::HashArrow | BinaryOperator::HashLongArrow)
                && let Typed::Unknown(Some(path)) = &r
            {
                freshet_expr::parse_text_array(path)?;
            }
            apply_resolved(resolved, vec![l, r])
        }
        op => {
            let arith = arith_op(op).ok_or_else(|| PlanError::Unsupported(format!("operator {op}")))?;
            let (l, r) = (plan_expr(ecx, left)?, plan_expr(ecx, right)?);
            if let Some(resolved) =
                super::func::resolve_datetime_operator(&op.to_string(), l.scalar_type(), r.scalar_type())?
            {
                return apply_resolved(resolved, vec![l, r]);
            }
            let nullable = nullable(&l) || nullable(&r);
            let names = format!("{} {op} {}", l.type_name(), r.type_name());
            if l.is_untyped() && r.is_untyped() {
                return Err(PlanError::UnknownOperator(names));
            }
            let (mut exprs, typ) = operands(l, r, &op.to_string())?;
            let typ = ArithType::of(&typ).ok_or(PlanError::UnknownOperator(names))?;
            let r = exprs.pop();
            let l = exprs.pop();
            match (l, r) {
                (Some(l), Some(r)) => Ok(Typed::Expr(
                    l.call_binary(r, BinaryFunc::Arith(arith, typ)),
                    typ.scalar_type().nullable(nullable),
                )),
                _ => Err(PlanError::Unsupported(format!("operator {op}"))),
            }
        }
    }
}

fn plan_case(
    ecx: &ExprContext<'_>,
    operand: Option<&Expr>,
    conditions: &[ast::CaseWhen],
    else_result: Option<&Expr>,
) -> Result<Typed, PlanError> {
    let mut conds = Vec::with_capacity(conditions.len());
    let mut results = Vec::with_capacity(conditions.len() + 1);
    for when in conditions {
        let cond = match operand {
            Some(operand) => plan_comparison(ecx, operand, &BinaryOperator::Eq, &when.condition)?.0,
            None => plan_bool(ecx, &when.condition, "CASE/WHEN")?,
        };
        conds.push(cond);
        results.push(plan_expr(ecx, &when.result)?);
    }
    results.push(match else_result {
        Some(e) => plan_expr(ecx, e)?,
        None => Typed::Unknown(None),
    });
    let nullable = results.iter().any(nullable);
    let (mut results, typ) = plan_homogeneous(results, "CASE")?;
    let mut expr = results.pop().unwrap_or_else(|| HirScalar::null(typ));
    for (cond, then) in conds.into_iter().zip(results).rev() {
        expr = HirScalar::If {
            cond: Box::new(cond),
            then: Box::new(then),
            els: Box::new(expr),
        };
    }
    Ok(Typed::Expr(expr, typ.nullable(nullable)))
}

pub(crate) fn function_args(func: &ast::Function) -> Result<Vec<&Expr>, PlanError> {
    let name = func.name.to_string().to_lowercase();
    if func.filter.is_some() || func.over.is_some() || !func.within_group.is_empty() {
        return Err(PlanError::Unsupported(format!(
            "{name} with FILTER, OVER or WITHIN GROUP"
        )));
    }
    match &func.args {
        ast::FunctionArguments::None => Ok(vec![]),
        ast::FunctionArguments::Subquery(_) => Err(PlanError::Unsupported("subqueries".into())),
        ast::FunctionArguments::List(list) => {
            if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
                return Err(PlanError::Unsupported(format!("{name} with DISTINCT or ORDER BY")));
            }
            list.args
                .iter()
                .map(|arg| match arg {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
                    other => Err(PlanError::Unsupported(format!("function argument {other}"))),
                })
                .collect()
        }
    }
}

fn plan_function(ecx: &ExprContext<'_>, func: &ast::Function) -> Result<Typed, PlanError> {
    let name = pg::function_name(&func.name);
    let args = function_args(func)?;
    let planned: Vec<Typed> = args.iter().map(|a| plan_expr(ecx, a)).collect::<Result<_, _>>()?;
    match (name.as_str(), planned.len()) {
        (name, 0) if super::temporal::is_mz_now_name(name) => Ok(super::temporal::mz_now()),
        ("coalesce", n) if n > 0 => {
            let nullable = planned.iter().all(nullable);
            let (exprs, typ) = plan_homogeneous(planned, "COALESCE")?;
            Ok(Typed::Expr(
                HirScalar::CallVariadic {
                    func: VariadicFunc::Coalesce,
                    exprs,
                },
                typ.nullable(nullable),
            ))
        }
        ("nullif", 2) => {
            let (mut exprs, typ) = operands(planned[0].clone(), planned[1].clone(), "=")?;
            let (b, a) = (exprs.pop(), exprs.pop());
            match (a, b) {
                (Some(a), Some(b)) => Ok(Typed::Expr(
                    HirScalar::If {
                        cond: Box::new(a.clone().call_binary(b, BinaryFunc::Eq)),
                        then: Box::new(HirScalar::null(typ)),
                        els: Box::new(a),
                    },
                    typ.nullable(true),
                )),
                _ => Err(PlanError::Unsupported("nullif".into())),
            }
        }
        ("pg_typeof", 1) => {
            let name = match &planned[0] {
                Typed::Expr(_, t) => t.scalar_type.name(),
                Typed::Unknown(_) | Typed::Param(_) => "unknown",
            };
            Ok(Typed::Expr(
                HirScalar::literal(Datum::String(name), ScalarType::Text),
                ScalarType::Text.nullable(false),
            ))
        }
        // `position(string, substring)` as a plain call is `strpos`; the
        // resolver's "position" is the `POSITION(substring IN string)` syntax.
        ("position", _) => plan_call_typed(ecx, "strpos", planned),
        _ => plan_call_typed(ecx, &name, planned),
    }
}
