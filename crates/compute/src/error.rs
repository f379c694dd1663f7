//! The errors of the compute layer.

use freshet_expr::EvalError;
use freshet_repr::SqlState;

/// An error answering a compute request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComputeError {
    /// The dataflow met an evaluation error in some row.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The plan reads a collection this cluster cannot read.
    #[error("collection {0} is not available to compute")]
    UnknownCollection(String),
    /// The workers have stopped.
    #[error("the compute workers have stopped")]
    WorkersStopped,
}

impl ComputeError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            ComputeError::Eval(e) => e.code(),
            ComputeError::UnknownCollection(_) | ComputeError::WorkersStopped => SqlState::InternalError,
        }
    }
}
