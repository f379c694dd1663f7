//! The protocol between the controller and the timely workers.

use freshet_expr::RelExpr;
use std::sync::Arc;

use freshet_repr::{Diff, Row};

use crate::render::Inputs;

use crate::ComputeError;

/// Identifies one peek for its lifetime.
pub type PeekId = u64;

/// A request broadcast to every worker of a cluster.
#[derive(Debug, Clone)]
pub enum ComputeCommand {
    /// Computes `plan` once. Every worker must answer with exactly one
    /// [`ComputeResponse::PeekResponse`] for `id` (its share of the rows,
    /// or the error it met), and then drop the dataflow.
    Peek {
        /// The peek.
        id: PeekId,
        /// What to compute.
        plan: RelExpr,
        /// The contents of every collection `plan` reads, at the peek's time.
        inputs: Arc<Inputs>,
    },
    /// Stops the workers. Sent exactly once, last; never answered.
    Shutdown,
}

/// A worker's answer.
#[derive(Debug, Clone)]
pub enum ComputeResponse {
    /// One worker's share of a peek's result: consolidated rows with their
    /// multiplicities, or the (least) error it met.
    PeekResponse {
        /// The peek.
        id: PeekId,
        /// The worker that answers.
        worker: usize,
        /// Its rows or its error.
        result: Result<Vec<(Row, Diff)>, ComputeError>,
    },
    /// A worker panicked and its thread is gone. Sent at most once per
    /// worker, as its thread unwinds; the cluster's dataflows can no longer
    /// finish, so every peek in flight fails and later ones are refused.
    WorkerPanicked {
        /// The worker.
        worker: usize,
    },
}
