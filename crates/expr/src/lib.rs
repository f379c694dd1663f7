//! Freshet's intermediate representations and what is done with them.
//!
//! Owns the relational IR ([`RelExpr`]) and the scalar IR ([`ScalarExpr`]),
//! their evaluation ([`EvalError`] when it fails), the optimizer passes
//! ([`optimize`]), the post-processing of one-off results
//! ([`RowSetFinishing`]) and a stable text form (`Display`, which `EXPLAIN`
//! prints and golden tests compare).
//!
//! Depends only on `freshet-repr`. Knows nothing of SQL text (the `sql` crate
//! plans into this IR) or of dataflow (the `compute` crate renders it).

mod error;
mod relation;
mod scalar;
mod transform;

pub use error::EvalError;
pub use relation::{
    AggregateExpr, AggregateFunc, ColumnOrder, NegativeMultiplicity, RelExpr, RowSetFinishing, TEMPORAL_FILTER_HINT,
    TemporalFilter, Validity, WindowFunc, compare_rows, eval_window_partition,
};
pub use scalar::{
    ArithOp, ArithType, BinaryFunc, CastFunc, DateTimeOp, ScalarExpr, TrimSide, UnaryFunc, UnmaterializableFunc,
    VariadicFunc, parse_text_array,
};
pub use transform::{fold_relation, fold_scalar, optimize};
