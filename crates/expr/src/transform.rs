//! Optimizer passes over [`RelExpr`], one per file.

mod fold_constants;

use crate::RelExpr;

pub use fold_constants::{fold_relation, fold_scalar};

/// Runs every pass, in order, and returns the optimized expression.
pub fn optimize(mut expr: RelExpr) -> RelExpr {
    fold_constants::fold_relation(&mut expr);
    expr
}
