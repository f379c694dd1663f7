//! Planning SQL expressions into typed [`ScalarExpr`]s.

use freshet_expr::{ArithOp, ArithType, BinaryFunc, ScalarExpr, UnaryFunc, VariadicFunc, fold_scalar};
use freshet_repr::{ColumnType, Datum, RowArena, ScalarType, parse_datum};
use sqlparser::ast::{self, BinaryOperator, CastKind, Expr, UnaryOperator, Value};

use super::scope::Scope;
use super::typeconv::{CastContext, plan_cast, unify};
use super::types::scalar_type_from_sql;
use crate::PlanError;
use crate::names::normalize_ident;

/// What an expression is planned against.
pub(crate) struct ExprContext<'a> {
    /// The columns in scope.
    pub(crate) scope: &'a Scope,
}

/// A planned expression: typed, or a literal whose type the context decides
/// (a quoted string or `NULL`, PostgreSQL's `unknown`).
#[derive(Debug, Clone)]
pub(crate) enum Typed {
    /// An expression of a known type.
    Expr(ScalarExpr, ColumnType),
    /// A string literal (`Some`) or `NULL` (`None`) not yet given a type.
    Unknown(Option<String>),
}

impl Typed {
    /// The expression, with an unknown literal taken as `text`.
    pub(crate) fn into_default(self) -> (ScalarExpr, ColumnType) {
        match self {
            Typed::Expr(e, t) => (e, t),
            Typed::Unknown(value) => {
                let typ = ScalarType::Text.nullable(value.is_none());
                let datum = value.as_deref().map_or(Datum::Null, Datum::String);
                (ScalarExpr::literal(datum, ScalarType::Text), typ)
            }
        }
    }

    /// The type's name in messages (`unknown` for an untyped literal).
    pub(crate) fn type_name(&self) -> String {
        match self {
            Typed::Expr(_, t) => t.scalar_type.name().to_owned(),
            Typed::Unknown(_) => "unknown".to_owned(),
        }
    }
}

/// Converts `typed` to `target` as `context` allows; an unknown literal is
/// parsed as `target` now.
pub(crate) fn coerce(typed: Typed, target: &ScalarType, context: CastContext) -> Result<ScalarExpr, PlanError> {
    match typed {
        Typed::Expr(e, t) => plan_cast(e, &t.scalar_type, target, context),
        Typed::Unknown(None) => Ok(ScalarExpr::null(*target)),
        Typed::Unknown(Some(text)) => {
            let arena = RowArena::new();
            let parsed =
                parse_datum(&target.without_modifiers(), &text, &arena).map_err(freshet_expr::EvalError::from)?;
            let literal = ScalarExpr::literal(parsed, target.without_modifiers());
            let mut expr = plan_cast(literal, &target.without_modifiers(), target, context)?;
            fold_scalar(&mut expr);
            if let ScalarExpr::Literal(Err(e), _) = expr {
                return Err(PlanError::Eval(e));
            }
            Ok(expr)
        }
    }
}

/// Plans an expression that must be boolean (`WHERE`, `CASE WHEN`, `AND`).
pub(crate) fn plan_bool(ecx: &ExprContext<'_>, e: &Expr, clause: &str) -> Result<ScalarExpr, PlanError> {
    match plan_expr(ecx, e)? {
        Typed::Expr(e, t) if t.scalar_type == ScalarType::Bool => Ok(e),
        Typed::Unknown(value) => coerce(Typed::Unknown(value), &ScalarType::Bool, CastContext::Implicit),
        Typed::Expr(_, t) => Err(PlanError::DatatypeMismatch(format!(
            "argument of {clause} must be type boolean, not type {}",
            t.scalar_type.name()
        ))),
    }
}

/// Brings several expressions to their common type (operands of `=`,
/// branches of `CASE`, arguments of `COALESCE`).
pub(crate) fn plan_homogeneous(items: Vec<Typed>, what: &str) -> Result<(Vec<ScalarExpr>, ScalarType), PlanError> {
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
    match e {
        Expr::Value(v) => plan_value(&v.value, false),
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
            let input = match plan_expr(ecx, expr)? {
                Typed::Unknown(value) => Typed::Unknown(value).into_default(),
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
            let (arg, _) = plan_expr(ecx, inner)?.into_default();
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
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            let items = vec![plan_expr(ecx, a)?, plan_expr(ecx, b)?];
            let (exprs, _) = plan_homogeneous(items, "IS DISTINCT FROM")?;
            let [a, b]: [ScalarExpr; 2] = exprs
                .try_into()
                .map_err(|_| PlanError::Unsupported("IS DISTINCT FROM".into()))?;
            let both_null = ScalarExpr::CallVariadic {
                func: VariadicFunc::And,
                exprs: vec![
                    a.clone().call_unary(UnaryFunc::IsNull),
                    b.clone().call_unary(UnaryFunc::IsNull),
                ],
            };
            let equal = a.call_binary(b, BinaryFunc::Eq).call_unary(UnaryFunc::IsTrue);
            let not_distinct = ScalarExpr::CallVariadic {
                func: VariadicFunc::Or,
                exprs: vec![both_null, equal],
            };
            let expr = if matches!(e, Expr::IsNotDistinctFrom(..)) {
                not_distinct
            } else {
                not_distinct.call_unary(UnaryFunc::Not)
            };
            Ok(Typed::Expr(expr, ScalarType::Bool.nullable(false)))
        }
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let lower = plan_comparison(ecx, expr, &BinaryOperator::GtEq, low)?;
            let upper = plan_comparison(ecx, expr, &BinaryOperator::LtEq, high)?;
            let nullable = lower.1 || upper.1;
            let mut out = ScalarExpr::CallVariadic {
                func: VariadicFunc::And,
                exprs: vec![lower.0, upper.0],
            };
            if *negated {
                out = out.call_unary(UnaryFunc::Not);
            }
            Ok(Typed::Expr(out, ScalarType::Bool.nullable(nullable)))
        }
        Expr::InList { expr, list, negated } => {
            let mut items = vec![plan_expr(ecx, expr)?];
            for item in list {
                items.push(plan_expr(ecx, item)?);
            }
            let (mut exprs, _) = plan_homogeneous(items, "IN")?;
            let needle = exprs.remove(0);
            let nullable = true;
            let equalities = exprs
                .into_iter()
                .map(|e| needle.clone().call_binary(e, BinaryFunc::Eq))
                .collect();
            let mut out = ScalarExpr::CallVariadic {
                func: VariadicFunc::Or,
                exprs: equalities,
            };
            if *negated {
                out = out.call_unary(UnaryFunc::Not);
            }
            Ok(Typed::Expr(out, ScalarType::Bool.nullable(nullable)))
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => plan_case(ecx, operand.as_deref(), conditions, else_result.as_deref()),
        Expr::Function(func) => plan_function(ecx, func),
        Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => {
            Err(PlanError::Unsupported("subqueries".into()))
        }
        Expr::Like { .. } | Expr::ILike { .. } => Err(PlanError::Unsupported("LIKE".into())),
        other => Err(PlanError::Unsupported(format!("expression {other}"))),
    }
}

fn string_value(v: &Value) -> Option<String> {
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
fn plan_value(v: &Value, negate: bool) -> Result<Typed, PlanError> {
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
            Ok(Typed::Expr(ScalarExpr::literal(datum, typ), typ.nullable(false)))
        }
        Value::Boolean(b) => Ok(Typed::Expr(
            ScalarExpr::literal_bool(*b),
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

fn plan_column(ecx: &ExprContext<'_>, table: Option<&str>, column: &str) -> Result<Typed, PlanError> {
    let (index, typ) = ecx.scope.resolve(table, column)?;
    Ok(Typed::Expr(ScalarExpr::Column(index), typ))
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
                Typed::Unknown(_) => Err(PlanError::UnknownOperator(format!("{symbol} unknown"))),
            }
        }
        other => Err(PlanError::Unsupported(format!("operator {other}"))),
    }
}

fn comparison_func(op: &BinaryOperator) -> Option<BinaryFunc> {
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
fn plan_comparison(
    ecx: &ExprContext<'_>,
    left: &Expr,
    op: &BinaryOperator,
    right: &Expr,
) -> Result<(ScalarExpr, bool), PlanError> {
    let func = comparison_func(op).ok_or_else(|| PlanError::Unsupported(format!("operator {op}")))?;
    let (l, r) = (plan_expr(ecx, left)?, plan_expr(ecx, right)?);
    let nullable = nullable(&l) || nullable(&r);
    let (mut exprs, _) = operands(l, r, &op.to_string())?;
    let r = exprs.pop();
    let l = exprs.pop();
    match (l, r) {
        (Some(l), Some(r)) => Ok((l.call_binary(r, func), nullable)),
        _ => Err(PlanError::Unsupported(format!("operator {op}"))),
    }
}

fn nullable(t: &Typed) -> bool {
    match t {
        Typed::Expr(_, t) => t.nullable,
        Typed::Unknown(v) => v.is_none(),
    }
}

/// The two operands of a binary operator at their common type.
fn operands(l: Typed, r: Typed, symbol: &str) -> Result<(Vec<ScalarExpr>, ScalarType), PlanError> {
    let names = format!("{} {symbol} {}", l.type_name(), r.type_name());
    plan_homogeneous(vec![l, r], symbol).map_err(|e| match e {
        PlanError::DatatypeMismatch(_) | PlanError::InvalidCast { .. } => PlanError::UnknownOperator(names),
        other => other,
    })
}

fn plan_binary(ecx: &ExprContext<'_>, left: &Expr, op: &BinaryOperator, right: &Expr) -> Result<Typed, PlanError> {
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
                    ScalarExpr::CallVariadic {
                        func: inner,
                        exprs: nested,
                    } if inner == func => exprs.extend(nested),
                    other => exprs.push(other),
                }
            }
            Ok(Typed::Expr(
                ScalarExpr::CallVariadic { func, exprs },
                ScalarType::Bool.nullable(true),
            ))
        }
        BinaryOperator::StringConcat => {
            let (l, r) = (plan_expr(ecx, left)?, plan_expr(ecx, right)?);
            let nullable = nullable(&l) || nullable(&r);
            let is_string = |t: &Typed| match t {
                Typed::Expr(_, t) => t.scalar_type.is_string(),
                Typed::Unknown(_) => true,
            };
            if !is_string(&l) && !is_string(&r) {
                return Err(PlanError::UnknownOperator(format!(
                    "{} || {}",
                    l.type_name(),
                    r.type_name()
                )));
            }
            let to_text = |t: Typed| -> Result<ScalarExpr, PlanError> {
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
        op => {
            let arith = arith_op(op).ok_or_else(|| PlanError::Unsupported(format!("operator {op}")))?;
            let (l, r) = (plan_expr(ecx, left)?, plan_expr(ecx, right)?);
            let nullable = nullable(&l) || nullable(&r);
            let names = format!("{} {op} {}", l.type_name(), r.type_name());
            if matches!((&l, &r), (Typed::Unknown(_), Typed::Unknown(_))) {
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
    let mut expr = results.pop().unwrap_or_else(|| ScalarExpr::null(typ));
    for (cond, then) in conds.into_iter().zip(results).rev() {
        expr = ScalarExpr::If {
            cond: Box::new(cond),
            then: Box::new(then),
            els: Box::new(expr),
        };
    }
    Ok(Typed::Expr(expr, typ.nullable(nullable)))
}

fn function_args(func: &ast::Function) -> Result<Vec<&Expr>, PlanError> {
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
    let name = func.name.to_string().to_lowercase();
    let args = function_args(func)?;
    let planned: Vec<Typed> = args.iter().map(|a| plan_expr(ecx, a)).collect::<Result<_, _>>()?;
    match (name.as_str(), planned.len()) {
        ("coalesce", n) if n > 0 => {
            let nullable = planned.iter().all(nullable);
            let (exprs, typ) = plan_homogeneous(planned, "COALESCE")?;
            Ok(Typed::Expr(
                ScalarExpr::CallVariadic {
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
                    ScalarExpr::If {
                        cond: Box::new(a.clone().call_binary(b, BinaryFunc::Eq)),
                        then: Box::new(ScalarExpr::null(typ)),
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
                Typed::Unknown(_) => "unknown",
            };
            Ok(Typed::Expr(
                ScalarExpr::literal(Datum::String(name), ScalarType::Text),
                ScalarType::Text.nullable(false),
            ))
        }
        _ => Err(PlanError::UnknownFunction {
            name,
            args: planned.iter().map(Typed::type_name).collect::<Vec<_>>().join(", "),
        }),
    }
}
