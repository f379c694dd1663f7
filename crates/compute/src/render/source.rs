//! A durable collection as a live dataflow input: its snapshot at the
//! dataflow's `as_of`, then every batch published after it, at its time.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use differential_dataflow::AsCollection;
use freshet_repr::{Diff, GlobalId, Row, Timestamp};
use freshet_storage::{ReadHold, StorageError, Store};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::Scope;
use timely::dataflow::operators::Capability;
use timely::dataflow::operators::generic::OutputBuilderSession;
use timely::dataflow::operators::generic::operator::source;

use super::Rows;
use crate::worker::Context;

/// Where a source records the storage error that stopped it. A stopped
/// source keeps its capability, so its dataflow never claims to be
/// complete past the last time it read; readers fail with the error.
pub(crate) type Failure = Rc<RefCell<Option<StorageError>>>;

/// Aborts a task that wakes an operator (a source when its collection's
/// upper moves, a sink at each tick) once the operator, and so its
/// dataflow, is gone.
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The operator's output: updates of the collection.
type Output<'a> = OutputBuilderSession<'a, Timestamp, CapacityContainerBuilder<Vec<(Row, Timestamp, Diff)>>>;

/// What a source has read so far.
struct Progress {
    /// Holds back every time not yet read; `None` once stopped.
    capability: Option<Capability<Timestamp>>,
    /// The next time to read from (the snapshot is at `as_of`, read first).
    next: Option<Timestamp>,
    /// Keeps the collection readable from `next` on: held at `next - 1` (or
    /// at `as_of` until the snapshot is read).
    hold: ReadHold,
}

impl Progress {
    /// Reads what is new: the snapshot at `as_of` first, then every batch
    /// published since the last read, each at its time (worker `index` of
    /// `peers` the rows [`owner`] gives it); then holds the collection from
    /// its new upper on.
    fn read(
        &mut self,
        store: &Store,
        id: GlobalId,
        as_of: Timestamp,
        index: usize,
        peers: usize,
        output: &mut Output<'_>,
    ) -> Result<(), StorageError> {
        let Some(capability) = self.capability.as_mut() else {
            return Ok(());
        };
        let next = match self.next {
            Some(next) => next,
            // A start time ahead of the collection waits for it.
            None if store.upper(id)? <= as_of => return Ok(()),
            None => {
                let rows = store.snapshot(id, as_of)?;
                let mut session = output.session(capability);
                for (row, diff) in rows {
                    if owner(&row, peers) == index {
                        session.give((row, as_of, diff));
                    }
                }
                drop(session);
                capability.downgrade(&(as_of + 1));
                as_of + 1
            }
        };
        self.next = Some(next);
        let upper = store.upper(id)?;
        if upper <= next {
            return Ok(());
        }
        // Updates come in time order: one session per time.
        let mut mine = store
            .updates(id, next, upper)?
            .into_iter()
            .filter(|(row, _, _)| owner(row, peers) == index)
            .peekable();
        while let Some((_, time, _)) = mine.peek() {
            let time = *time;
            let delayed = capability.delayed(&time);
            let mut session = output.session(&delayed);
            while let Some(update) = mine.next_if(|(_, t, _)| *t == time) {
                session.give(update);
            }
        }
        capability.downgrade(&upper);
        // Held just below what is read next: compaction may merge every
        // batch up to the hold into one batch at the hold's time, and one
        // at `upper` would hand this reader updates it has already read.
        self.hold = store.hold(&[id], upper - 1)?;
        self.next = Some(upper);
        Ok(())
    }
}

/// The worker of `peers` that introduces `row`: chosen by the row's
/// contents, so that the workers agree however each splits the published
/// batches into reads. (They read at their own pace, each up to the upper
/// it sees; a split by position would give an update to two workers, or to
/// none, once two workers' reads end at different uppers.)
fn owner(row: &Row, peers: usize) -> usize {
    if peers <= 1 {
        return 0;
    }
    let mut hasher = std::hash::DefaultHasher::new();
    row.hash(&mut hasher);
    let peers = u64::try_from(peers).unwrap_or(u64::MAX);
    usize::try_from(hasher.finish() % peers).unwrap_or(0)
}

/// Reads collection `id` of the context's store into `scope`: the snapshot
/// at `as_of` at time `as_of`, then each published batch at its own time,
/// as the collection's upper advances. Worker `index` of `peers` introduces
/// the rows [`owner`] gives it. The caller must keep `id` readable at `as_of`
/// until this returns; a task on the context's runtime wakes the operator
/// whenever the upper moves.
pub(crate) fn render<'scope>(
    scope: Scope<'scope, Timestamp>,
    context: &Context,
    id: GlobalId,
    as_of: Timestamp,
    index: usize,
    peers: usize,
    failure: &Failure,
) -> Result<Rows<'scope>, StorageError> {
    let store = context.store.clone();
    let runtime = context.runtime.clone();
    let hold = store.hold(&[id], as_of)?;
    let mut upper = store.watch_upper(id)?;
    let failure = Rc::clone(failure);
    let stream = source(scope, &format!("storage-{id}"), move |capability, info| {
        let activator = scope.worker().sync_activator_for(info.address.to_vec());
        let watcher = AbortOnDrop(runtime.spawn(async move {
            while upper.changed().await.is_ok() {
                if activator.activate().is_err() {
                    return;
                }
            }
            // The collection was dropped: one last read finds that out.
            let _ = activator.activate();
        }));
        let mut progress = Progress {
            capability: Some(capability),
            next: None,
            hold,
        };
        move |output| {
            let _watcher = &watcher;
            if let Err(e) = progress.read(&store, id, as_of, index, peers, output) {
                // A dropped collection stops its index's source only when the
                // index is being dropped with it.
                if matches!(e, StorageError::UnknownCollection(_)) {
                    tracing::debug!(collection = %id, "an index input was dropped");
                } else {
                    tracing::error!(collection = %id, error = %e, "an index stopped reading its input");
                }
                *failure.borrow_mut() = Some(e);
                progress.capability = None;
            }
        }
    });
    Ok(stream.as_collection())
}

#[cfg(test)]
mod tests {
    use freshet_repr::Datum;

    use super::*;

    /// The updates worker `index` introduces when it reads `updates` in
    /// reads ending at each of `bounds` in turn.
    fn introduced(
        updates: &[(Row, Timestamp, Diff)],
        bounds: &[Timestamp],
        index: usize,
    ) -> Vec<(Row, Timestamp, Diff)> {
        let mut out = Vec::new();
        let mut lower = 0;
        for &upper in bounds {
            let read = updates.iter().filter(|(_, t, _)| lower <= *t && *t < upper);
            out.extend(read.filter(|(row, _, _)| owner(row, 2) == index).cloned());
            lower = upper;
        }
        out
    }

    #[test]
    fn workers_reading_to_different_uppers_introduce_each_update_once() {
        let updates: Vec<(Row, Timestamp, Diff)> = (0..200_u64)
            .map(|i| (Row::pack([Datum::UInt64(i)]), 10 + i % 20, 1))
            .collect();
        // Worker 0 reads up to 15 then 30; worker 1 up to 22 then 30.
        let mut all = introduced(&updates, &[15, 30], 0);
        all.extend(introduced(&updates, &[22, 30], 1));
        all.sort();
        let mut expected = updates.clone();
        expected.sort();
        assert_eq!(all, expected);
    }
}
