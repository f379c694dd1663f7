//! Expressions with a syntax of their own rather than a function call's:
//! `IS [NOT] DISTINCT FROM`, `BETWEEN`, `IN (list)`, `LIKE`, `ILIKE`,
//! `SUBSTRING`, `TRIM`, `INTERVAL '…'`, `CEIL`, `FLOOR`, `POSITION` and
//! `EXTRACT`.

use freshet_expr::{BinaryFunc, UnaryFunc, VariadicFunc};
use freshet_repr::{Datum, ScalarType};
use sqlparser::ast::{self, BinaryOperator, Expr, Value};

use super::{
    ExprContext, Typed, coerce, plan_call, plan_call_typed, plan_comparison, plan_expr, plan_homogeneous, plan_value,
    string_value,
};
use crate::PlanError;
use crate::plan::hir::HirScalar;
use crate::plan::typeconv::CastContext;

/// Plans an expression of special syntax; other expressions are not
/// supported.
pub(crate) fn plan_special(ecx: &ExprContext<'_>, e: &Expr) -> Result<Typed, PlanError> {
    match e {
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            let items = vec![plan_expr(ecx, a)?, plan_expr(ecx, b)?];
            let (exprs, _) = plan_homogeneous(items, "IS DISTINCT FROM")?;
            let [a, b]: [HirScalar; 2] = exprs
                .try_into()
                .map_err(|_| PlanError::Unsupported("IS DISTINCT FROM".into()))?;
            let both_null = HirScalar::CallVariadic {
                func: VariadicFunc::And,
                exprs: vec![
                    a.clone().call_unary(UnaryFunc::IsNull),
                    b.clone().call_unary(UnaryFunc::IsNull),
                ],
            };
            let equal = a.call_binary(b, BinaryFunc::Eq).call_unary(UnaryFunc::IsTrue);
            let not_distinct = HirScalar::CallVariadic {
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
            let mut out = HirScalar::CallVariadic {
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
            let mut out = HirScalar::CallVariadic {
                func: VariadicFunc::Or,
                exprs: equalities,
            };
            if *negated {
                out = out.call_unary(UnaryFunc::Not);
            }
            Ok(Typed::Expr(out, ScalarType::Bool.nullable(nullable)))
        }
        Expr::Like {
            negated,
            any: false,
            expr,
            pattern,
            escape_char,
        }
        | Expr::ILike {
            negated,
            any: false,
            expr,
            pattern,
            escape_char,
        } => {
            let name = if matches!(e, Expr::Like { .. }) {
                "like"
            } else {
                "ilike"
            };
            let mut args = vec![&**expr, &**pattern];
            args.extend(escape_char.as_deref());
            let matched = plan_call(ecx, name, &args)?;
            Ok(if *negated { negate(matched) } else { matched })
        }
        Expr::Substring {
            expr,
            substring_from,
            substring_for,
            shorthand,
            ..
        } => {
            // `substr(…)` and `substring(…)` resolve separately: only the
            // latter has the regular-expression overload.
            let name = if *shorthand { "substr" } else { "substring" };
            let mut args = vec![plan_expr(ecx, expr)?];
            match (substring_from.as_deref(), substring_for.as_deref()) {
                (Some(from), count) => {
                    args.push(plan_expr(ecx, from)?);
                    if let Some(count) = count {
                        args.push(plan_expr(ecx, count)?);
                    }
                }
                (None, Some(count)) => {
                    args.push(plan_value(&Value::Number("1".into(), false), false)?);
                    args.push(plan_expr(ecx, count)?);
                }
                (None, None) => {}
            }
            plan_call_typed(ecx, name, args)
        }
        Expr::Trim {
            trim_where,
            trim_what,
            expr,
            trim_characters: None,
        } => {
            let name = match trim_where {
                Some(ast::TrimWhereField::Leading) => "ltrim",
                Some(ast::TrimWhereField::Trailing) => "rtrim",
                Some(ast::TrimWhereField::Both) | None => "btrim",
            };
            let mut args = vec![&**expr];
            args.extend(trim_what.as_deref());
            plan_call(ecx, name, &args)
        }
        Expr::Interval(ast::Interval {
            value,
            leading_field: None,
            leading_precision: None,
            last_field: None,
            fractional_seconds_precision: None,
        }) => match &**value {
            Expr::Value(v) if string_value(&v.value).is_some() => {
                let text = string_value(&v.value);
                let expr = coerce(Typed::Unknown(text), &ScalarType::Interval, CastContext::Explicit)?;
                Ok(Typed::Expr(expr, ScalarType::Interval.nullable(false)))
            }
            _ => Err(PlanError::Unsupported(format!("expression {e}"))),
        },
        Expr::Ceil {
            expr,
            field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime),
        } => plan_call(ecx, "ceil", &[&**expr]),
        Expr::Floor {
            expr,
            field: ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime),
        } => plan_call(ecx, "floor", &[&**expr]),
        Expr::Position { expr, r#in } => plan_call(ecx, "position", &[&**expr, &**r#in]),
        Expr::Extract { field, expr, .. } => {
            let field = Typed::Unknown(Some(field.to_string().to_lowercase()));
            plan_call_typed(ecx, "extract", vec![field, plan_expr(ecx, expr)?])
        }
        Expr::CompoundFieldAccess { root, access_chain } => {
            let mut root = &**root;
            while let Expr::Nested(inner) = root {
                root = inner;
            }
            match (root, access_chain.as_slice()) {
                (Expr::Function(func), [ast::AccessExpr::Subscript(ast::Subscript::Index { index })])
                    if func.name.to_string().eq_ignore_ascii_case("regexp_match") =>
                {
                    plan_regexp_match_element(ecx, func, index)
                }
                (_, [ast::AccessExpr::Subscript(ast::Subscript::Index { index })]) => {
                    super::pg::plan_subscript(ecx, root, index)
                }
                _ => Err(PlanError::Unsupported(format!(
                    "expression {e} (only one subscript of a one-dimensional array)"
                ))),
            }
        }
        other => Err(PlanError::Unsupported(format!("expression {other}"))),
    }
}

/// `(regexp_match(string, pattern [, flags]))[index]`: one element of the
/// `text[]` that `regexp_match` returns, planned as one call that returns
/// the element.
fn plan_regexp_match_element(ecx: &ExprContext<'_>, func: &ast::Function, index: &Expr) -> Result<Typed, PlanError> {
    let args = super::function_args(func)?;
    let planned = args.iter().map(|a| plan_expr(ecx, a)).collect::<Result<Vec<_>, _>>()?;
    let unknown = || PlanError::UnknownFunction {
        name: "regexp_match".into(),
        args: planned.iter().map(Typed::type_name).collect::<Vec<_>>().join(", "),
    };
    if !(2..=3).contains(&planned.len()) {
        return Err(unknown());
    }
    let mut exprs = Vec::with_capacity(4);
    for arg in &planned {
        match coerce(arg.clone(), &ScalarType::Text, CastContext::Implicit) {
            Ok(e) => exprs.push(e),
            Err(PlanError::InvalidCast { .. }) => return Err(unknown()),
            Err(other) => return Err(other),
        }
    }
    if exprs.len() == 2 {
        exprs.push(HirScalar::literal(Datum::String(""), ScalarType::Text));
    }
    let index = super::pg::plan_subscript_index(ecx, index)?;
    exprs.push(index);
    Ok(Typed::Expr(
        HirScalar::call_variadic(VariadicFunc::RegexpMatch, exprs),
        ScalarType::Text.nullable(true),
    ))
}

/// `NOT` of a boolean expression.
fn negate(t: Typed) -> Typed {
    match t {
        Typed::Expr(e, typ) => Typed::Expr(e.call_unary(UnaryFunc::Not), typ),
        unknown => unknown,
    }
}
