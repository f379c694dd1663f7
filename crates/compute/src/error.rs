//! The errors of the compute layer.

use freshet_expr::EvalError;
use freshet_repr::SqlState;
use freshet_storage::StorageError;

/// An error answering a compute request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComputeError {
    /// The dataflow met an evaluation error in some row.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// Reading an input collection failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The workers have stopped.
    #[error("the compute workers have stopped")]
    WorkersStopped,
}

impl ComputeError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            ComputeError::Eval(e) => e.code(),
            ComputeError::Storage(e) => e.code(),
            ComputeError::WorkersStopped => SqlState::InternalError,
        }
    }
}
