//! Type conversion rules: which casts apply where, and the common type of
//! operands (PostgreSQL's rules, with Materialize's unsigned types).

use freshet_expr::{CastFunc, UnaryFunc};

use super::hir::HirScalar;
use freshet_repr::ScalarType;

use crate::PlanError;

/// Where a conversion happens, from most to least permissive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum CastContext {
    /// Only implicit conversions: operands of operators and functions.
    Implicit,
    /// Also narrowing conversions: values stored into columns.
    Assignment,
    /// Every conversion: `CAST(x AS t)`, `x::t`.
    Explicit,
}

/// The position of a number type in the widening order; types later in
/// the order hold every value of earlier ones (approximately, for floats).
fn numeric_rank(t: &ScalarType) -> Option<u8> {
    Some(match t {
        ScalarType::Int16 => 0,
        ScalarType::Int32 => 1,
        ScalarType::Int64 => 2,
        ScalarType::Numeric { .. } => 3,
        ScalarType::Float32 => 4,
        ScalarType::Float64 => 5,
        _ => return None,
    })
}

/// Whether `from` converts to `to` without being asked.
fn implicit(from: &ScalarType, to: &ScalarType) -> bool {
    use ScalarType::*;
    if from.without_modifiers() == to.without_modifiers() {
        return true;
    }
    if let (Some(a), Some(b)) = (numeric_rank(from), numeric_rank(to)) {
        return a < b;
    }
    matches!(
        (from, to),
        (
            UInt16,
            UInt32 | UInt64 | Int32 | Int64 | Numeric { .. } | Float32 | Float64
        ) | (UInt32, UInt64 | Int64 | Numeric { .. } | Float32 | Float64)
            | (UInt64, Numeric { .. } | Float32 | Float64)
            | (VarChar { .. } | Char { .. }, Text)
            | (Text | Char { .. }, VarChar { .. })
            | (Date, Timestamp | TimestampTz)
            | (Timestamp, TimestampTz)
            | (Time, Interval)
            | (Int16 | Int32 | Int64 | UInt16 | UInt32, Oid | RegClass | RegType)
            | (Oid, RegClass | RegType)
            | (RegClass | RegType, Oid)
    )
}

/// Whether a cast from `from` to `to` is allowed in `context`.
pub(crate) fn cast_allowed(from: &ScalarType, to: &ScalarType, context: CastContext) -> bool {
    if CastFunc::new(*from, *to, context == CastContext::Explicit).is_none() {
        return false;
    }
    match context {
        CastContext::Explicit => true,
        CastContext::Implicit => implicit(from, to),
        CastContext::Assignment => {
            implicit(from, to)
                || (from.is_numeric() && to.is_numeric())
                || to.is_string()
                || matches!(
                    (from, to),
                    (
                        ScalarType::TimestampTz | ScalarType::Timestamp,
                        ScalarType::Date | ScalarType::Timestamp | ScalarType::Time
                    )
                )
        }
    }
}

fn is_unsigned(t: &ScalarType) -> bool {
    matches!(t, ScalarType::UInt16 | ScalarType::UInt32 | ScalarType::UInt64)
}

/// Converts `expr` of type `from` to `to`, as `context` allows.
pub(crate) fn plan_cast(
    expr: HirScalar,
    from: &ScalarType,
    to: &ScalarType,
    context: CastContext,
) -> Result<HirScalar, PlanError> {
    if from == to {
        return Ok(expr);
    }
    // Dropping a modifier (numeric(10,2) to numeric) changes nothing.
    if from.without_modifiers() == *to && to.without_modifiers() == *to {
        return Ok(expr);
    }
    if !cast_allowed(from, to, context) {
        return Err(PlanError::InvalidCast {
            from: from.to_string(),
            to: to.to_string(),
        });
    }
    let cast = CastFunc::new(*from, *to, context == CastContext::Explicit).ok_or_else(|| PlanError::InvalidCast {
        from: from.to_string(),
        to: to.to_string(),
    })?;
    Ok(expr.call_unary(UnaryFunc::Cast(cast)))
}

/// The type both `a` and `b` convert to implicitly, if any (PostgreSQL's
/// rule for operands and for the branches of `CASE`).
pub(crate) fn unify(a: &ScalarType, b: &ScalarType) -> Option<ScalarType> {
    if a == b {
        return Some(*a);
    }
    if a.without_modifiers() == b.without_modifiers() {
        return Some(a.without_modifiers());
    }
    // Between two string types the result is text.
    if a.is_string() && b.is_string() {
        return Some(ScalarType::Text);
    }
    // Signed and unsigned integers meet at the smallest signed type that
    // holds both (or numeric for uint8).
    if a.is_numeric() && b.is_numeric() && (is_unsigned(a) != is_unsigned(b)) {
        let widen = |t: &ScalarType| match t {
            ScalarType::UInt16 => ScalarType::Int32,
            ScalarType::UInt32 => ScalarType::Int64,
            ScalarType::UInt64 => ScalarType::numeric(),
            other => other.without_modifiers(),
        };
        return unify(&widen(a), &widen(b));
    }
    if implicit(a, b) {
        return Some(b.without_modifiers());
    }
    if implicit(b, a) {
        return Some(a.without_modifiers());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_types_follow_postgres() {
        assert_eq!(unify(&ScalarType::Int32, &ScalarType::Int64), Some(ScalarType::Int64));
        assert_eq!(
            unify(&ScalarType::Int32, &ScalarType::numeric()),
            Some(ScalarType::numeric())
        );
        assert_eq!(
            unify(&ScalarType::numeric(), &ScalarType::Float64),
            Some(ScalarType::Float64)
        );
        assert_eq!(unify(&ScalarType::UInt16, &ScalarType::Int16), Some(ScalarType::Int32));
        assert_eq!(
            unify(&ScalarType::UInt64, &ScalarType::Int64),
            Some(ScalarType::numeric())
        );
        assert_eq!(
            unify(&ScalarType::Date, &ScalarType::Timestamp),
            Some(ScalarType::Timestamp)
        );
        assert_eq!(unify(&ScalarType::Bool, &ScalarType::Int32), None);
        assert_eq!(
            unify(
                &ScalarType::VarChar { max_length: Some(3) },
                &ScalarType::Char { length: 2 }
            ),
            Some(ScalarType::Text)
        );
    }

    #[test]
    fn narrowing_needs_assignment_or_explicit() {
        assert!(!cast_allowed(
            &ScalarType::Int64,
            &ScalarType::Int32,
            CastContext::Implicit
        ));
        assert!(cast_allowed(
            &ScalarType::Int64,
            &ScalarType::Int32,
            CastContext::Assignment
        ));
        assert!(!cast_allowed(
            &ScalarType::Int32,
            &ScalarType::Bool,
            CastContext::Assignment
        ));
        assert!(cast_allowed(
            &ScalarType::Int32,
            &ScalarType::Bool,
            CastContext::Explicit
        ));
        assert!(!cast_allowed(
            &ScalarType::Bool,
            &ScalarType::Date,
            CastContext::Explicit
        ));
    }
}
