//! The protocol between the controller and the timely workers.

use freshet_expr::RelExpr;
use std::sync::Arc;

use freshet_repr::{Diff, GlobalId, Row, Timestamp};

use crate::ComputeError;
use crate::index::IndexSpec;
use crate::render::Inputs;
use crate::sink::SinkSpec;
use crate::subscribe::{SubscribeId, SubscribeSpec};

/// Identifies one peek for its lifetime.
pub type PeekId = u64;

/// What a peek reads.
#[derive(Debug, Clone)]
pub enum PeekTarget {
    /// A one-off dataflow computing `plan` over snapshots of its inputs.
    Dataflow {
        /// What to compute.
        plan: RelExpr,
        /// The contents of every collection `plan` reads, at the peek's time.
        inputs: Arc<Inputs>,
    },
    /// An index, read directly: no dataflow is built.
    Index {
        /// The index.
        index: GlobalId,
        /// Maps, filters and projections over `Get { id: index }`: applied to
        /// each row read.
        plan: RelExpr,
        /// Only the rows whose key equals this (already normalized), if given.
        lookup: Option<Row>,
    },
}

/// A request broadcast to every worker of a cluster.
#[derive(Debug, Clone)]
pub enum ComputeCommand {
    /// Starts maintaining an index. Sent exactly once per index, before any
    /// peek of it; every worker builds its share. Never answered: failures
    /// show in the peeks that read it.
    CreateIndex(IndexSpec),
    /// Stops maintaining an index and frees its memory. Sent at most once
    /// per index, after its `CreateIndex`; peeks of it still waiting fail.
    DropIndex {
        /// The index.
        id: GlobalId,
    },
    /// Answers a query once. Every worker must answer with exactly one
    /// [`ComputeResponse::PeekResponse`] for `id` (its share of the rows,
    /// or the error it met): a dataflow peek once its dataflow is done (then
    /// dropped), an index peek once the index is complete through `as_of`.
    Peek {
        /// The peek.
        id: PeekId,
        /// What it reads.
        target: PeekTarget,
        /// The time it reads at.
        as_of: Timestamp,
    },
    /// Gives up on a peek: its reader stopped waiting (the statement was
    /// canceled or timed out). Sent at most once per peek, after its `Peek`;
    /// a worker that has not answered it yet drops its dataflow (or stops
    /// waiting for the index) and never answers it; one that has ignores this.
    CancelPeek {
        /// The peek.
        id: PeekId,
    },
    /// Starts a subscription's dataflow. Sent exactly once per
    /// subscription; every worker answers with
    /// [`ComputeResponse::SubscribeBatch`]es, one each time its frontier
    /// advances, until its frontier is empty or it met an error.
    CreateSubscribe(SubscribeSpec),
    /// Stops a subscription's dataflow: its reader is gone. Sent at most
    /// once per subscription, after its `CreateSubscribe`; no worker
    /// answers for it after seeing this.
    DropSubscribe {
        /// The subscription.
        id: SubscribeId,
    },
    /// Starts (or restarts, replacing its running dataflow) a materialized
    /// view's dataflow, which writes the view's collection. Sent once per
    /// start of the view; never answered: a failure is recorded for
    /// readers ([`crate::ComputeController::sink_failure`]).
    CreateSink(SinkSpec),
    /// Stops a materialized view's dataflow. Sent at most once per
    /// `CreateSink`, after it.
    DropSink {
        /// The view.
        id: GlobalId,
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
    /// One worker's changes of a subscription at times below `upper`, not
    /// sent before, and its new frontier; or the error that stopped it.
    /// Sent each time the worker's frontier advances; the last one has
    /// `upper` `None` (the dataflow is complete) or an error.
    SubscribeBatch {
        /// The subscription.
        id: SubscribeId,
        /// The worker that answers.
        worker: usize,
        /// The worker's new frontier: it sends no change below it later.
        upper: Option<Timestamp>,
        /// Its changes (row, time, multiplicity change) or its error.
        updates: Result<Vec<(Row, Timestamp, Diff)>, ComputeError>,
    },
    /// A worker panicked and its thread is gone. Sent at most once per
    /// worker, as its thread unwinds; the cluster's dataflows can no longer
    /// finish, so every peek in flight fails and later ones are refused.
    WorkerPanicked {
        /// The worker.
        worker: usize,
    },
}
