//! Subscriptions: a dataflow kept running over live inputs whose changes
//! stream to one reader, in time order, with the times through which they
//! are complete.
//!
//! Each worker sends its share of the changes each time its frontier
//! advances ([`ComputeResponse::SubscribeBatch`]); the controller merges
//! the shares and passes on, in one [`SubscribeEvent::Batch`], every
//! change below the least frontier of all workers.

use std::sync::Arc;

use freshet_expr::RelExpr;
use freshet_repr::{Diff, Row, Timestamp};
use freshet_storage::ReadHold;
use tokio::sync::mpsc;

use crate::{ComputeController, ComputeError};

pub(crate) mod merge;
mod sink;

pub(crate) use merge::Merge;
pub(crate) use sink::install;

/// Identifies one subscription for its lifetime.
pub type SubscribeId = u64;

/// What the controller asks every worker to run for a subscription.
#[derive(Debug, Clone)]
pub struct SubscribeSpec {
    /// The subscription.
    pub id: SubscribeId,
    /// What it computes (optimized), over durable collections.
    pub plan: RelExpr,
    /// The time its first changes are at: the contents at `as_of` come as
    /// changes at `as_of`, later changes at their own times.
    pub as_of: Timestamp,
    /// Keeps the plan's inputs readable at `as_of` until every worker has
    /// taken its own hold.
    pub hold: Arc<ReadHold>,
}

/// What a subscription's reader receives, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeEvent {
    /// Every change at times below `upper` not sent before, consolidated,
    /// sorted by time. `upper` is `None` once the subscription is complete
    /// for all times (its inputs can no longer change): no event follows.
    Batch {
        /// The changes: row, time, multiplicity change.
        updates: Vec<(Row, Timestamp, Diff)>,
        /// No change below this will come.
        upper: Option<Timestamp>,
    },
    /// The dataflow failed (an evaluation error in some row, an input that
    /// can no longer be read): no event follows.
    Error(ComputeError),
}

/// A running subscription. Dropping it stops its dataflow on every worker.
#[derive(Debug)]
pub struct Subscription {
    id: SubscribeId,
    events: mpsc::UnboundedReceiver<SubscribeEvent>,
    controller: ComputeController,
}

impl Subscription {
    pub(crate) fn new(
        id: SubscribeId,
        events: mpsc::UnboundedReceiver<SubscribeEvent>,
        controller: ComputeController,
    ) -> Subscription {
        Subscription { id, events, controller }
    }

    /// The next event; `None` after the last one. Workers that stopped
    /// before it are reported instead: [`ComputeError::Stopped`] after a
    /// shutdown, [`ComputeError::WorkersStopped`] after a panic.
    pub async fn next(&mut self) -> Option<SubscribeEvent> {
        match self.events.recv().await {
            Some(event) => Some(event),
            None if self.controller.is_stopped() => Some(SubscribeEvent::Error(ComputeError::Stopped)),
            None if self.controller.is_broken() => Some(SubscribeEvent::Error(ComputeError::WorkersStopped)),
            None => None,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.controller.drop_subscribe(self.id);
    }
}
