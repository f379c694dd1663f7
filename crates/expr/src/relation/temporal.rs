//! `mz_now()` in relations: bound to a time in one-off queries, and
//! temporal filters in maintained ones.
//!
//! A one-off query reads at one time, so [`RelExpr::bind_now`] replaces
//! every call of `mz_now()` by that time before it runs. A maintained
//! dataflow (an index, a subscription) has no single time: there, a filter
//! conjunct `mz_now() <op> expr` (`op` one of `=`, `<`, `<=`, `>`, `>=`, on
//! either side; `BETWEEN` is two of them) says from when until when each row
//! is present. [`TemporalFilter`] splits a filter's predicates into those
//! bounds and the ordinary predicates, and evaluates them on a row; compute
//! then presents the row from its lower bound and retracts it at its upper
//! one. [`RelExpr::check_temporal`] refuses every other use of `mz_now()`
//! in a plan that is to be maintained.

use freshet_repr::{Datum, RowArena, Timestamp};

use crate::{BinaryFunc, EvalError, RelExpr, ScalarExpr, UnmaterializableFunc, VariadicFunc};

/// What every error about a misplaced `mz_now()` suggests.
pub const TEMPORAL_FILTER_HINT: &str = "In an indexed view or a SUBSCRIBE, mz_now() may appear only in WHERE or \
     HAVING, compared with =, <, <=, >, >= or BETWEEN to an expression that does not call mz_now(), in a \
     conjunction (AND) of such comparisons.";

/// One bound a temporal conjunct puts on the times a row is present.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Bound {
    /// `mz_now() >= expr`.
    AtLeast(ScalarExpr),
    /// `mz_now() > expr`.
    After(ScalarExpr),
    /// `mz_now() <= expr`.
    AtMost(ScalarExpr),
    /// `mz_now() < expr`.
    Before(ScalarExpr),
}

/// A filter's predicates as a temporal filter: the ordinary predicates, and
/// the bounds of the conjuncts that compare `mz_now()`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemporalFilter {
    /// The conjuncts that do not call `mz_now()`.
    pub predicates: Vec<ScalarExpr>,
    bounds: Vec<Bound>,
}

/// When a row is present: from `lower` (inclusive) until `upper`
/// (exclusive; `None` is forever).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// The first time the row is present.
    pub lower: Timestamp,
    /// The first time it no longer is, if any.
    pub upper: Option<Timestamp>,
}

impl TemporalFilter {
    /// Splits `predicates` (conjunctions split into their parts): `None`
    /// if none calls `mz_now()`, an error if one calls it other than as a
    /// temporal bound.
    pub fn extract(predicates: &[ScalarExpr]) -> Result<Option<TemporalFilter>, EvalError> {
        if !predicates.iter().any(ScalarExpr::contains_unmaterializable) {
            return Ok(None);
        }
        let mut filter = TemporalFilter {
            predicates: Vec::new(),
            bounds: Vec::new(),
        };
        let mut conjuncts = Vec::new();
        for p in predicates {
            split_conjuncts(p, &mut conjuncts);
        }
        for conjunct in conjuncts {
            if !conjunct.contains_unmaterializable() {
                filter.predicates.push(conjunct.clone());
                continue;
            }
            let bound =
                bound_of(conjunct).ok_or_else(|| EvalError::UnsupportedTemporalPredicate(conjunct.to_string()))?;
            match bound {
                // `mz_now() = e` is present exactly at `e`.
                (BinaryFunc::Eq, e) => filter.bounds.extend([Bound::AtLeast(e.clone()), Bound::AtMost(e)]),
                (BinaryFunc::Gte, e) => filter.bounds.push(Bound::AtLeast(e)),
                (BinaryFunc::Gt, e) => filter.bounds.push(Bound::After(e)),
                (BinaryFunc::Lte, e) => filter.bounds.push(Bound::AtMost(e)),
                (BinaryFunc::Lt, e) => filter.bounds.push(Bound::Before(e)),
                _ => return Err(EvalError::UnsupportedTemporalPredicate(conjunct.to_string())),
            }
        }
        Ok(Some(filter))
    }

    /// When the row `datums` is present: `None` if never (an ordinary
    /// predicate is false or `NULL`, a bound is `NULL`, or the bounds leave
    /// no time); an error if a predicate or bound fails.
    pub fn eval(&self, datums: &[Datum<'_>], arena: &RowArena) -> Result<Option<Validity>, EvalError> {
        for p in &self.predicates {
            if p.eval(datums, arena)? != Datum::True {
                return Ok(None);
            }
        }
        let mut lower: Timestamp = 0;
        let mut upper: Option<Timestamp> = None;
        for bound in &self.bounds {
            let (Bound::AtLeast(e) | Bound::After(e) | Bound::AtMost(e) | Bound::Before(e)) = bound;
            let Some(at) = eval_time(e, datums, arena)? else {
                return Ok(None);
            };
            match bound {
                Bound::AtLeast(_) => lower = lower.max(at),
                Bound::After(_) => match at.checked_add(1) {
                    Some(after) => lower = lower.max(after),
                    None => return Ok(None),
                },
                Bound::Before(_) => upper = Some(upper.map_or(at, |u| u.min(at))),
                // Present at `u64::MAX` is present forever.
                Bound::AtMost(_) => {
                    if let Some(end) = at.checked_add(1) {
                        upper = Some(upper.map_or(end, |u| u.min(end)));
                    }
                }
            }
        }
        if upper.is_some_and(|u| u <= lower) {
            return Ok(None);
        }
        Ok(Some(Validity { lower, upper }))
    }
}

/// `p` split at its `AND`s.
fn split_conjuncts<'a>(p: &'a ScalarExpr, out: &mut Vec<&'a ScalarExpr>) {
    match p {
        ScalarExpr::CallVariadic {
            func: VariadicFunc::And,
            exprs,
        } => exprs.iter().for_each(|e| split_conjuncts(e, out)),
        other => out.push(other),
    }
}

/// `(op, e)` for a conjunct `mz_now() op e` (or `e op mz_now()`, turned
/// around), where `e` does not call `mz_now()`.
fn bound_of(conjunct: &ScalarExpr) -> Option<(BinaryFunc, ScalarExpr)> {
    let ScalarExpr::CallBinary { func, expr1, expr2 } = conjunct else {
        return None;
    };
    let is_now = |e: &ScalarExpr| matches!(e, ScalarExpr::CallUnmaterializable(UnmaterializableFunc::MzNow));
    let (func, other) = if is_now(expr1) {
        (*func, &**expr2)
    } else if is_now(expr2) {
        let flipped = match func {
            BinaryFunc::Lt => BinaryFunc::Gt,
            BinaryFunc::Lte => BinaryFunc::Gte,
            BinaryFunc::Gt => BinaryFunc::Lt,
            BinaryFunc::Gte => BinaryFunc::Lte,
            other => *other,
        };
        (flipped, &**expr1)
    } else {
        return None;
    };
    let comparison = matches!(
        func,
        BinaryFunc::Eq | BinaryFunc::Lt | BinaryFunc::Lte | BinaryFunc::Gt | BinaryFunc::Gte
    );
    (comparison && !other.contains_unmaterializable()).then(|| (func, other.clone()))
}

/// A bound's value as a time; `None` for `NULL`.
fn eval_time(e: &ScalarExpr, datums: &[Datum<'_>], arena: &RowArena) -> Result<Option<Timestamp>, EvalError> {
    // Bounds are planned as `mz_timestamp`s; other numbers, dates and
    // timestamps are converted as the planner would have.
    let value = e.eval(datums, arena)?;
    let converted = match value {
        Datum::Null => return Ok(None),
        Datum::UInt64(t) => return Ok(Some(t)),
        Datum::Int16(_)
        | Datum::Int32(_)
        | Datum::Int64(_)
        | Datum::UInt16(_)
        | Datum::UInt32(_)
        | Datum::Numeric(_)
        | Datum::Date(_)
        | Datum::Timestamp(_)
        | Datum::TimestampTz(_) => crate::scalar::to_mz_timestamp(value, arena)?,
        _ => return Err(EvalError::UnsupportedTemporalPredicate(e.to_string())),
    };
    match converted {
        Datum::UInt64(t) => Ok(Some(t)),
        _ => Err(EvalError::UnsupportedTemporalPredicate(e.to_string())),
    }
}

impl RelExpr {
    /// The expression with every call of `mz_now()` replaced by `now`: what
    /// a one-off query reading at `now` computes.
    pub fn bind_now(mut self, now: Timestamp) -> RelExpr {
        self.visit_mut_post(&mut |e| {
            for scalar in e.scalars_mut() {
                if scalar.contains_unmaterializable() {
                    let taken = std::mem::replace(scalar, ScalarExpr::literal_bool(true));
                    *scalar = taken.bind_now(now);
                }
            }
        });
        self
    }

    /// Whether a call of `mz_now()` is anywhere inside.
    pub fn contains_unmaterializable(&self) -> bool {
        let mut found = false;
        self.clone().visit_mut_post(&mut |e| {
            found |= e.scalars_mut().iter().any(|s| s.contains_unmaterializable());
        });
        found
    }

    /// Checks that the expression can be maintained as time passes: every
    /// call of `mz_now()` is a bound of a temporal filter. Otherwise the
    /// error names the first misplaced call.
    pub fn check_temporal(&self) -> Result<(), EvalError> {
        let mut result = Ok(());
        self.clone().visit_mut_post(&mut |e| {
            if result.is_err() {
                return;
            }
            result = match e {
                RelExpr::Filter { predicates, .. } => TemporalFilter::extract(predicates).map(|_| ()),
                other => match other.scalars_mut().into_iter().find(|s| s.contains_unmaterializable()) {
                    Some(_) => Err(EvalError::Unmaterializable(UnmaterializableFunc::MzNow)),
                    None => Ok(()),
                },
            };
        });
        result
    }
}

#[cfg(test)]
mod tests {
    use freshet_repr::{GlobalId, ScalarType};

    use super::*;

    fn now() -> ScalarExpr {
        ScalarExpr::CallUnmaterializable(UnmaterializableFunc::MzNow)
    }

    fn col(c: usize) -> ScalarExpr {
        ScalarExpr::Column(c)
    }

    fn window(predicates: &[ScalarExpr], row: &[Datum<'_>]) -> Result<Option<Validity>, EvalError> {
        let filter = TemporalFilter::extract(predicates)?.ok_or(EvalError::LengthTooLarge)?;
        filter.eval(row, &RowArena::new())
    }

    #[test]
    fn bounds_give_the_times_a_row_is_present() {
        let row = [Datum::UInt64(10), Datum::UInt64(20)];
        let between = now()
            .call_binary(col(0), BinaryFunc::Gte)
            .call_binary(now().call_binary(col(1), BinaryFunc::Lt), BinaryFunc::Eq);
        // Not a conjunction: `(mz_now() >= #0) = (...)`.
        assert!(matches!(
            TemporalFilter::extract(&[between]),
            Err(EvalError::UnsupportedTemporalPredicate(_))
        ));
        let both = ScalarExpr::CallVariadic {
            func: VariadicFunc::And,
            exprs: vec![
                now().call_binary(col(0), BinaryFunc::Gte),
                now().call_binary(col(1), BinaryFunc::Lt),
            ],
        };
        let expected = Validity {
            lower: 10,
            upper: Some(20),
        };
        assert_eq!(window(&[both], &row), Ok(Some(expected)));
        // The other way around, inclusive and strict.
        let flipped = [
            col(0).call_binary(now(), BinaryFunc::Lt),
            col(1).call_binary(now(), BinaryFunc::Gte),
        ];
        let expected = Validity {
            lower: 11,
            upper: Some(21),
        };
        assert_eq!(window(&flipped, &row), Ok(Some(expected)));
        let exactly = [now().call_binary(col(0), BinaryFunc::Eq)];
        let expected = Validity {
            lower: 10,
            upper: Some(11),
        };
        assert_eq!(window(&exactly, &row), Ok(Some(expected)));
        // An empty window, and a NULL bound, keep the row out.
        let empty = [
            now().call_binary(col(1), BinaryFunc::Gte),
            now().call_binary(col(0), BinaryFunc::Lt),
        ];
        assert_eq!(window(&empty, &row), Ok(None));
        assert_eq!(window(&exactly, &[Datum::Null]), Ok(None));
        // Through the end of time is forever.
        let forever = [now().call_binary(col(0), BinaryFunc::Lte)];
        let expected = Validity { lower: 0, upper: None };
        assert_eq!(window(&forever, &[Datum::UInt64(u64::MAX)]), Ok(Some(expected)));
    }

    #[test]
    fn ordinary_predicates_still_apply() {
        let predicates = [
            now().call_binary(col(0), BinaryFunc::Lt),
            col(1).call_unary(crate::UnaryFunc::Not),
        ];
        assert_eq!(window(&predicates, &[Datum::UInt64(5), Datum::True]), Ok(None));
        let expected = Validity {
            lower: 0,
            upper: Some(5),
        };
        assert_eq!(
            window(&predicates, &[Datum::UInt64(5), Datum::False]),
            Ok(Some(expected))
        );
    }

    #[test]
    fn the_optimizer_keeps_temporal_predicates_until_they_are_bound() {
        let constant = RelExpr::Constant {
            rows: Ok(vec![(freshet_repr::Row::pack([Datum::UInt64(5)]), 1)]),
            typ: vec![ScalarType::UInt64.nullable(false)],
        };
        let two = ScalarExpr::literal(Datum::UInt64(2), ScalarType::UInt64);
        // Neither `mz_now() < #0` over a constant nor `mz_now() > 2`
        // (which reads no column) is evaluated in advance.
        let plan = constant
            .filter(vec![
                now().call_binary(col(0), BinaryFunc::Lt),
                now().call_binary(two, BinaryFunc::Gt),
            ])
            .map(vec![now()]);
        let optimized = crate::optimize(plan.clone());
        assert_eq!(
            optimized.to_string(),
            "Map (mz_now())\n  Filter (mz_now() < #0) AND (mz_now() > 2)\n    Constant\n      - (5)\n"
        );
        assert_eq!(
            optimized.check_temporal(),
            Err(EvalError::Unmaterializable(UnmaterializableFunc::MzNow))
        );
        // Bound, the same plan folds to its value at that time.
        assert_eq!(
            crate::optimize(plan.clone().bind_now(4)).to_string(),
            "Constant\n  - (5, 4)\n"
        );
        assert_eq!(crate::optimize(plan.bind_now(6)).to_string(), "Constant <empty>\n");
        let get = RelExpr::Get {
            id: GlobalId::User(1),
            typ: vec![ScalarType::UInt64.nullable(false); 2],
        };
        // A temporal predicate on one side of a join moves to that side.
        let joined = get
            .clone()
            .join(get, vec![])
            .filter(vec![now().call_binary(col(3), BinaryFunc::Lt)]);
        assert_eq!(
            crate::optimize(joined).to_string(),
            "CrossJoin\n  Get u1\n  Filter (mz_now() < #1)\n    Get u1\n"
        );
    }

    #[test]
    fn misplaced_calls_are_refused_and_one_off_queries_bind_them() {
        let get = RelExpr::Get {
            id: GlobalId::User(1),
            typ: vec![ScalarType::UInt64.nullable(false)],
        };
        let filtered = get.clone().filter(vec![now().call_binary(col(0), BinaryFunc::Lt)]);
        assert_eq!(filtered.check_temporal(), Ok(()));
        let not_equal = get.clone().filter(vec![now().call_binary(col(0), BinaryFunc::NotEq)]);
        assert_eq!(
            not_equal.check_temporal(),
            Err(EvalError::UnsupportedTemporalPredicate("(mz_now() <> #0)".into()))
        );
        let or = get.clone().filter(vec![ScalarExpr::CallVariadic {
            func: VariadicFunc::Or,
            exprs: vec![
                now().call_binary(col(0), BinaryFunc::Lt),
                col(0).call_unary(crate::UnaryFunc::IsNull),
            ],
        }]);
        assert!(or.check_temporal().is_err());
        let mapped = get.map(vec![now()]);
        assert_eq!(
            mapped.check_temporal(),
            Err(EvalError::Unmaterializable(UnmaterializableFunc::MzNow))
        );
        assert!(mapped.contains_unmaterializable());
        let bound = mapped.bind_now(42);
        assert!(!bound.contains_unmaterializable());
        assert_eq!(bound.to_string(), "Map (42)\n  Get u1\n");
        assert_eq!(filtered.to_string(), "Filter (mz_now() < #0)\n  Get u1\n");
    }
}
