//! Merging the workers' shares of a subscription's changes: a change is
//! passed on once every worker's frontier is past its time, so the reader
//! sees each time's changes complete and in time order.

use differential_dataflow::consolidation::consolidate_updates;
use freshet_repr::{Diff, Row, Timestamp};
use tokio::sync::mpsc;

use super::SubscribeEvent;
use crate::ComputeError;

/// One subscription's state in the controller.
#[derive(Debug)]
pub(crate) struct Merge {
    /// Each worker's frontier as last reported (`None`: complete).
    uppers: Vec<Option<Timestamp>>,
    /// The frontier passed on last.
    sent: Option<Timestamp>,
    /// Changes reported by some worker, not yet passed on.
    pending: Vec<(Row, Timestamp, Diff)>,
    tx: mpsc::UnboundedSender<SubscribeEvent>,
}

/// Whether a subscription goes on after a worker's report.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// More events may follow.
    Running,
    /// The last event was sent (or the reader is gone): forget it.
    Finished,
}

impl Merge {
    /// A subscription of `workers` workers, all at `as_of`, whose events go
    /// to `tx`.
    pub(crate) fn new(workers: usize, as_of: Timestamp, tx: mpsc::UnboundedSender<SubscribeEvent>) -> Merge {
        Merge {
            uppers: vec![Some(as_of); workers],
            sent: Some(as_of),
            pending: Vec::new(),
            tx,
        }
    }

    /// Takes one worker's report: its changes below `upper`, or its error.
    pub(crate) fn report(
        &mut self,
        worker: usize,
        upper: Option<Timestamp>,
        updates: Result<Vec<(Row, Timestamp, Diff)>, ComputeError>,
    ) -> Outcome {
        let updates = match updates {
            Ok(updates) => updates,
            Err(e) => {
                let _ = self.tx.send(SubscribeEvent::Error(e));
                return Outcome::Finished;
            }
        };
        self.pending.extend(updates);
        if let Some(slot) = self.uppers.get_mut(worker) {
            *slot = upper;
        }
        // Workers that are complete (`None`) hold nothing back.
        let merged = self.uppers.iter().flatten().min().copied();
        let advanced = match (merged, self.sent) {
            (None, sent) => sent.is_some(),
            (Some(merged), Some(sent)) => merged > sent,
            (Some(_), None) => false,
        };
        if !advanced {
            return Outcome::Running;
        }
        self.sent = merged;
        let below = |time: &Timestamp| merged.is_none_or(|upper| *time < upper);
        let (mut ready, kept): (Vec<_>, Vec<_>) = self.pending.drain(..).partition(|(_, time, _)| below(time));
        self.pending = kept;
        consolidate_updates(&mut ready);
        ready.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        let event = SubscribeEvent::Batch {
            updates: ready,
            upper: merged,
        };
        if self.tx.send(event).is_err() || merged.is_none() {
            Outcome::Finished
        } else {
            Outcome::Running
        }
    }
}

#[cfg(test)]
mod tests {
    use freshet_repr::Datum;

    use super::*;

    fn row(n: i64) -> Row {
        Row::pack([Datum::Int64(n)])
    }

    fn batch(rx: &mut mpsc::UnboundedReceiver<SubscribeEvent>) -> Option<SubscribeEvent> {
        rx.try_recv().ok()
    }

    #[test]
    fn changes_wait_for_every_worker() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut merge = Merge::new(2, 10, tx);
        assert_eq!(
            merge.report(0, Some(12), Ok(vec![(row(1), 10, 1), (row(2), 11, 1)])),
            Outcome::Running
        );
        assert_eq!(batch(&mut rx), None, "worker 1 is still at 10");
        merge.report(1, Some(11), Ok(vec![(row(3), 10, 1)]));
        assert_eq!(
            batch(&mut rx),
            Some(SubscribeEvent::Batch {
                updates: vec![(row(1), 10, 1), (row(3), 10, 1)],
                upper: Some(11),
            })
        );
        merge.report(1, Some(13), Ok(vec![(row(2), 11, -1), (row(4), 12, 1)]));
        assert_eq!(
            batch(&mut rx),
            Some(SubscribeEvent::Batch {
                updates: vec![],
                upper: Some(12),
            }),
            "the two workers' changes at 11 cancel out"
        );
        assert_eq!(merge.report(0, None, Ok(vec![])), Outcome::Running);
        assert_eq!(
            batch(&mut rx),
            Some(SubscribeEvent::Batch {
                updates: vec![(row(4), 12, 1)],
                upper: Some(13),
            })
        );
        assert_eq!(merge.report(1, None, Ok(vec![])), Outcome::Finished);
        assert_eq!(
            batch(&mut rx),
            Some(SubscribeEvent::Batch {
                updates: vec![],
                upper: None,
            })
        );
    }

    #[test]
    fn a_frontier_below_the_last_one_passed_on_is_ignored() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut merge = Merge::new(2, 10, tx);
        assert_eq!(merge.report(0, Some(0), Ok(vec![])), Outcome::Running);
        assert_eq!(merge.report(1, Some(11), Ok(vec![])), Outcome::Running);
        assert_eq!(batch(&mut rx), None, "nothing is complete beyond 10 yet");
    }

    #[test]
    fn an_error_ends_the_subscription() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut merge = Merge::new(1, 5, tx);
        let outcome = merge.report(
            0,
            Some(6),
            Err(ComputeError::Eval(freshet_expr::EvalError::DivisionByZero)),
        );
        assert_eq!(outcome, Outcome::Finished);
        assert!(matches!(batch(&mut rx), Some(SubscribeEvent::Error(_))));
    }
}
