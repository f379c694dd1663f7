//! `mz_now()`: how it is compared and converted, and the statements that
//! may not use it.
//!
//! `mz_now()` is the logical time of the query, an `mz_timestamp`:
//! milliseconds since the Unix epoch, held as a `uint8`. It compares with
//! numbers (milliseconds), dates and timestamps, which are converted to
//! `mz_timestamp` first, as Materialize allows implicitly. A one-off query
//! may use it anywhere (the adapter binds it to the read time); an index or
//! a subscription keeps it only as a temporal filter's bound; a write never.

use freshet_expr::{BinaryFunc, EvalError, RelExpr, ScalarExpr, UnaryFunc, UnmaterializableFunc};
use freshet_repr::{Datum, RowArena, ScalarType, parse_datum};

use super::Plan;
use super::expr::Typed;
use super::hir::HirScalar;
use crate::PlanError;

/// Whether `name` (lowercase, possibly qualified) calls `mz_now`.
pub(crate) fn is_mz_now_name(name: &str) -> bool {
    matches!(name, "mz_now" | "mz_catalog.mz_now")
}

/// The call `mz_now()`.
pub(crate) fn mz_now() -> Typed {
    Typed::Expr(
        HirScalar::CallUnmaterializable(UnmaterializableFunc::MzNow),
        UnmaterializableFunc::MzNow.output_type(),
    )
}

/// Whether `t` is a call of `mz_now()`.
pub(crate) fn is_mz_now(t: &Typed) -> bool {
    matches!(
        t,
        Typed::Expr(HirScalar::CallUnmaterializable(UnmaterializableFunc::MzNow), _)
    )
}

/// `mz_now()` cast to `target`, where Materialize allows more than a
/// `uint8` does: to `timestamp` and `timestamptz`.
pub(crate) fn cast_mz_now(target: &ScalarType) -> Option<HirScalar> {
    let func = match target {
        ScalarType::Timestamp => UnaryFunc::MzTimestampToTimestamp,
        ScalarType::TimestampTz => UnaryFunc::MzTimestampToTimestampTz,
        _ => return None,
    };
    Some(HirScalar::CallUnmaterializable(UnmaterializableFunc::MzNow).call_unary(func))
}

/// `l func r` where one side is `mz_now()`: the other side converted to
/// `mz_timestamp`; returns the comparison and whether it may be `NULL`.
pub(crate) fn plan_comparison(
    l: Typed,
    r: Typed,
    func: BinaryFunc,
    symbol: &str,
) -> Result<(HirScalar, bool), PlanError> {
    let names = format!("{} {symbol} {}", type_name(&l), type_name(&r));
    let nullable = super::expr::nullable(&l) || super::expr::nullable(&r);
    let l = to_mz_timestamp(l).ok_or_else(|| PlanError::UnknownOperator(names.clone()))??;
    let r = to_mz_timestamp(r).ok_or(PlanError::UnknownOperator(names))??;
    Ok((l.call_binary(r, func), nullable))
}

/// The type name in messages, `mz_timestamp` for `mz_now()`.
fn type_name(t: &Typed) -> String {
    if is_mz_now(t) {
        "mz_timestamp".into()
    } else {
        t.type_name()
    }
}

/// `t` as an `mz_timestamp`; `None` if its type does not convert.
fn to_mz_timestamp(t: Typed) -> Option<Result<HirScalar, PlanError>> {
    match t {
        Typed::Expr(e, typ) => match typ.scalar_type {
            ScalarType::UInt64 => Some(Ok(e)),
            ScalarType::Int16
            | ScalarType::Int32
            | ScalarType::Int64
            | ScalarType::UInt16
            | ScalarType::UInt32
            | ScalarType::Numeric { .. }
            | ScalarType::Date
            | ScalarType::Timestamp
            | ScalarType::TimestampTz => Some(Ok(e.call_unary(UnaryFunc::ToMzTimestamp))),
            _ => None,
        },
        Typed::Param(param) => Some(param.fix(&ScalarType::UInt64).map(|(e, _)| e)),
        Typed::Unknown(None) => Some(Ok(HirScalar::null(ScalarType::UInt64))),
        Typed::Unknown(Some(text)) => {
            Some(parse_mz_timestamp(&text).map(|ms| HirScalar::literal(Datum::UInt64(ms), ScalarType::UInt64)))
        }
    }
}

/// A literal `mz_timestamp`: milliseconds since the epoch, or a
/// `timestamptz` as text.
fn parse_mz_timestamp(text: &str) -> Result<u64, PlanError> {
    if let Ok(ms) = text.trim().parse::<u64>() {
        return Ok(ms);
    }
    let arena = RowArena::new();
    let ts = parse_datum(&ScalarType::TimestampTz, text, &arena).map_err(EvalError::from)?;
    let mut expr = ScalarExpr::literal(ts, ScalarType::TimestampTz).call_unary(UnaryFunc::ToMzTimestamp);
    freshet_expr::fold_scalar(&mut expr);
    match expr {
        ScalarExpr::Literal(Ok(row), _) => match row.unpack_first() {
            Datum::UInt64(ms) => Ok(ms),
            _ => Err(PlanError::Eval(EvalError::DatetimeOutOfRange("mz_timestamp".into()))),
        },
        ScalarExpr::Literal(Err(e), _) => Err(PlanError::Eval(e)),
        _ => Err(PlanError::Eval(EvalError::DatetimeOutOfRange("mz_timestamp".into()))),
    }
}

/// Refuses `mz_now()` where it has no meaning: anywhere in a write, and
/// other than as a temporal filter's bound in an index or a subscription
/// (both maintained as time passes).
pub(crate) fn check_plan(plan: &Plan) -> Result<(), PlanError> {
    let unmaterializable = || PlanError::Eval(EvalError::Unmaterializable(UnmaterializableFunc::MzNow));
    match plan {
        Plan::CreateIndex { index, .. } => {
            index.relation.check_temporal()?;
            if index.key.iter().any(ScalarExpr::contains_unmaterializable) {
                return Err(unmaterializable());
            }
            Ok(())
        }
        Plan::Subscribe(subscribe) => Ok(subscribe.expr.check_temporal()?),
        Plan::Insert(insert) => refuse_in_write(&insert.source.expr, &insert.row),
        Plan::Update(mutation) | Plan::Delete(mutation) => refuse_in_write(&mutation.selection, &mutation.row),
        _ => Ok(()),
    }
}

/// Refuses a write whose rows or values call `mz_now()`.
fn refuse_in_write(rows: &RelExpr, values: &[ScalarExpr]) -> Result<(), PlanError> {
    if rows.contains_unmaterializable() || values.iter().any(ScalarExpr::contains_unmaterializable) {
        return Err(PlanError::Unsupported("calls to mz_now() in write statements".into()));
    }
    Ok(())
}
