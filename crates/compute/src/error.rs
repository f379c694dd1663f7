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
    /// An index can no longer be read at this time: it keeps only recent
    /// history. The reader answers from storage instead.
    #[error("index cannot be read at {as_of}: it holds times from {since} on")]
    IndexCompacted {
        /// The time asked for.
        as_of: freshet_repr::Timestamp,
        /// The earliest time it holds.
        since: freshet_repr::Timestamp,
    },
    /// The index does not exist (any more).
    #[error("unknown index {0}")]
    UnknownIndex(freshet_repr::GlobalId),
    /// A request the workers cannot carry out: a bug in the caller.
    #[error("internal error: {0}")]
    Internal(String),
    /// The workers have stopped.
    #[error("the compute workers have stopped")]
    WorkersStopped,
    /// The workers were shut down while the request ran: their cluster was
    /// dropped or resized.
    #[error("the cluster running this query was dropped or resized")]
    Stopped,
}

impl ComputeError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            ComputeError::Eval(e) => e.code(),
            ComputeError::Storage(e) => e.code(),
            ComputeError::IndexCompacted { .. }
            | ComputeError::UnknownIndex(_)
            | ComputeError::Internal(_)
            | ComputeError::WorkersStopped => SqlState::InternalError,
            ComputeError::Stopped => SqlState::QueryCanceled,
        }
    }
}
