//! Optimizer passes over [`RelExpr`], one per file.

mod fold_constants;
mod join_order;
mod predicate_pushdown;
mod projection_pushdown;

use crate::RelExpr;

pub use fold_constants::{fold_relation, fold_scalar};
pub(crate) use predicate_pushdown::pushdown_predicates;
pub(crate) use projection_pushdown::pushdown_projections;

/// Runs every pass, in order, and returns the optimized expression:
/// constant folding, predicate pushdown (which turns equalities across
/// joins into join keys), join ordering (so that inputs join on keys
/// rather than as cross products), projection pushdown, and folding again
/// for what the moves made constant.
pub fn optimize(mut expr: RelExpr) -> RelExpr {
    fold_constants::fold_relation(&mut expr);
    let expr = join_order::order_joins(pushdown_predicates(expr));
    let mut expr = pushdown_projections(expr);
    fold_constants::fold_relation(&mut expr);
    expr
}
