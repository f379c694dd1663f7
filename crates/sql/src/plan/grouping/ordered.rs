//! The aggregates whose result depends on the order of their input, and
//! that take an `ORDER BY` inside the call: `string_agg`, `jsonb_agg`,
//! `jsonb_object_agg`, `array_agg`.
//!
//! Each reads one record per row (its arguments, then its order keys),
//! packed by [`VariadicFunc::Record`]; the aggregate sorts a group's
//! records by the keys before combining them.

use freshet_expr::{AggregateFunc, ColumnOrder, UnaryFunc, VariadicFunc};
use freshet_repr::{ElementType, ScalarType};
use sqlparser::ast::{self, Expr};

use super::PlannedAggregate;
use crate::PlanError;
use crate::plan::expr::{ExprContext, Typed, coerce, plan_expr};
use crate::plan::hir::HirScalar;
use crate::plan::typeconv::CastContext;

/// Plans `name(args [ORDER BY order_by])` in `ecx` (the aggregate's
/// argument context).
pub(super) fn plan_ordered_aggregate(
    ecx: &ExprContext<'_>,
    name: &str,
    args: &[ast::FunctionArg],
    distinct: bool,
    order_by: &[ast::OrderByExpr],
) -> Result<PlannedAggregate, PlanError> {
    let exprs = args
        .iter()
        .map(|arg| match arg {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
            other => Err(PlanError::Unsupported(format!("function argument {other}"))),
        })
        .collect::<Result<Vec<&Expr>, _>>()?;
    let planned = exprs.iter().map(|e| plan_expr(ecx, e)).collect::<Result<Vec<_>, _>>()?;
    let unknown = || PlanError::UnknownFunction {
        name: name.to_owned(),
        args: planned.iter().map(Typed::type_name).collect::<Vec<_>>().join(", "),
    };
    // Coerces to text as a `text` parameter does, or reports no such function.
    let text = |t: &Typed| match coerce(t.clone(), &ScalarType::Text, CastContext::Implicit) {
        Ok(e) => Ok(e),
        Err(PlanError::InvalidCast { .. }) => Err(unknown()),
        Err(other) => Err(other),
    };
    let (fields, out): (Vec<HirScalar>, ScalarType) = match (name, planned.as_slice()) {
        ("string_agg", [value, separator]) => (vec![text(value)?, text(separator)?], ScalarType::Text),
        ("jsonb_agg", [value]) => (vec![to_jsonb(value, distinct, name)?], ScalarType::Jsonb),
        ("array_agg", [value]) => {
            let (expr, typ) = value.clone().try_into_default()?;
            let element = ElementType::of(&typ.scalar_type)
                .ok_or_else(|| PlanError::Unsupported(format!("arrays of type {}", typ.scalar_type.name())))?;
            let expr = coerce(Typed::Expr(expr, typ), &element.scalar_type(), CastContext::Implicit)?;
            (vec![expr], ScalarType::Array(element))
        }
        ("jsonb_object_agg", [key, value]) => {
            let key = match key.scalar_type() {
                None => text(key)?,
                // A `char(n)` key keeps its padding, as its output does.
                Some(ScalarType::Char { .. }) => key.clone().try_into_default()?.0,
                Some(t) if t.is_string() => text(key)?,
                // Integers and numerics print as the keys PostgreSQL makes of them.
                Some(
                    ScalarType::Int16
                    | ScalarType::Int32
                    | ScalarType::Int64
                    | ScalarType::UInt16
                    | ScalarType::UInt32
                    | ScalarType::UInt64
                    | ScalarType::Numeric { .. },
                ) => coerce(key.clone(), &ScalarType::Text, CastContext::Explicit)?,
                Some(t) => {
                    return Err(PlanError::Unsupported(format!(
                        "jsonb_object_agg with keys of type {}",
                        t.name()
                    )));
                }
            };
            (vec![key, to_jsonb(value, distinct, name)?], ScalarType::Jsonb)
        }
        _ => return Err(unknown()),
    };
    let mut fields = fields;
    let mut keys = Vec::with_capacity(order_by.len());
    for key in order_by {
        if key.with_fill.is_some() {
            return Err(PlanError::Unsupported("ORDER BY … WITH FILL".into()));
        }
        let desc = match &key.options.sort {
            None | Some(ast::OrderBySort::Asc) => false,
            Some(ast::OrderBySort::Desc) => true,
            Some(ast::OrderBySort::Using(_)) => return Err(PlanError::Unsupported("ORDER BY … USING".into())),
        };
        if distinct && !exprs.iter().any(|e| **e == key.expr) {
            return Err(PlanError::InvalidColumnReference(
                "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list".into(),
            ));
        }
        let (expr, typ) = plan_expr(ecx, &key.expr)?.try_into_default()?;
        if typ.scalar_type == ScalarType::Jsonb {
            return Err(PlanError::Unsupported(format!(
                "ordering {name}'s input by a jsonb value"
            )));
        }
        keys.push(ColumnOrder {
            column: fields.len(),
            desc,
            nulls_last: key.options.nulls_first.map_or(!desc, |first| !first),
        });
        fields.push(expr);
    }
    let func = match name {
        "string_agg" => AggregateFunc::StringAgg { order_by: keys },
        "jsonb_agg" => AggregateFunc::JsonbAgg { order_by: keys },
        "array_agg" => match out {
            ScalarType::Array(element) => AggregateFunc::ArrayAgg {
                element,
                order_by: keys,
            },
            _ => return Err(unknown()),
        },
        _ => AggregateFunc::JsonbObjectAgg { order_by: keys },
    };
    Ok(PlannedAggregate {
        arg: HirScalar::call_variadic(VariadicFunc::Record, fields),
        funcs: vec![(func, distinct)],
        typ: out.nullable(true),
        avg_of: None,
    })
}

/// A value as `jsonb` (`NULL` stays `NULL`; the aggregate reads it as
/// JSON `null`). With `DISTINCT`, duplicates are found on the `jsonb` text,
/// which is only right for types whose equal values print alike.
fn to_jsonb(value: &Typed, distinct: bool, name: &str) -> Result<HirScalar, PlanError> {
    let (expr, typ) = value.clone().try_into_default()?;
    let t = typ.scalar_type;
    if distinct
        && matches!(
            t,
            ScalarType::Numeric { .. }
                | ScalarType::Float32
                | ScalarType::Float64
                | ScalarType::Interval
                | ScalarType::Jsonb
        )
    {
        return Err(PlanError::Unsupported(format!(
            "{name}(DISTINCT …) of type {}",
            t.name()
        )));
    }
    Ok(expr.call_unary(UnaryFunc::ToJsonb))
}
