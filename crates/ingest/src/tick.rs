//! A tick being gathered: the updates of whole transactions not yet
//! committed, written as they arrive into one batch per subsource.

use freshet_repr::{Diff, GlobalId, Row};
use freshet_storage::{Batch, BatchBuilder, StorageError, Store};

/// Updates gathered since the last commit, one unpublished batch per
/// subsource, so a tick of any size uses bounded memory.
pub(crate) struct Tick {
    store: Store,
    builders: Vec<Option<BatchBuilder>>,
    /// Finished batches added whole ([`Tick::add_batch`]), with their subsource.
    batches: Vec<(usize, Batch)>,
    /// Transactions ended in this tick.
    transactions: usize,
    /// Row updates in this tick.
    updates: usize,
    /// Row updates per subsource.
    counts: Vec<u64>,
}

impl Tick {
    /// An empty tick for a source with `subsources` subsources.
    pub(crate) fn new(store: Store, subsources: usize) -> Tick {
        Tick {
            store,
            builders: (0..subsources).map(|_| None).collect(),
            batches: Vec::new(),
            transactions: 0,
            updates: 0,
            counts: vec![0; subsources],
        }
    }

    /// Adds one update of subsource `index`.
    pub(crate) fn push(&mut self, index: usize, row: &Row, diff: Diff) -> Result<(), StorageError> {
        let slot = &mut self.builders[index];
        let builder = match slot {
            Some(builder) => builder,
            None => slot.insert(self.store.batch_builder()?),
        };
        builder.push(row, diff)?;
        self.updates += 1;
        self.counts[index] += 1;
        Ok(())
    }

    /// Adds a finished batch of subsource `index`, committed with the tick.
    pub(crate) fn add_batch(&mut self, index: usize, batch: Batch) {
        self.updates += batch.len();
        self.counts[index] += batch.len() as u64;
        self.batches.push((index, batch));
    }

    /// Marks the end of a transaction: everything pushed so far may be
    /// committed.
    pub(crate) fn end_transaction(&mut self) {
        self.transactions += 1;
    }

    /// Whether the tick holds nothing to commit: no transaction ended in
    /// it and no batch was added between transactions.
    pub(crate) fn is_empty(&self) -> bool {
        self.transactions == 0 && self.batches.is_empty()
    }

    /// How many transactions ended in this tick.
    pub(crate) fn transactions(&self) -> usize {
        self.transactions
    }

    /// How many row updates the tick holds.
    pub(crate) fn updates(&self) -> usize {
        self.updates
    }

    /// Finishes the tick's batches, for the subsources `ids` names (in
    /// index order) whose `keep` is true; the others' updates are deleted.
    /// Returns them with each subsource's number of updates.
    #[allow(clippy::type_complexity, reason = "a pair, documented above")]
    pub(crate) fn finish(
        self,
        ids: &[GlobalId],
        keep: impl Fn(usize) -> bool,
    ) -> Result<(Vec<(GlobalId, Batch)>, Vec<u64>), StorageError> {
        let mut writes = Vec::new();
        let mut counts = self.counts;
        for (index, builder) in self.builders.into_iter().enumerate() {
            let Some(builder) = builder else { continue };
            if keep(index) {
                writes.push((ids[index], builder.finish()?));
            } else {
                counts[index] = 0;
                self.store.discard(builder.finish()?)?;
            }
        }
        for (index, batch) in self.batches {
            if keep(index) {
                writes.push((ids[index], batch));
            } else {
                counts[index] = 0;
                self.store.discard(batch)?;
            }
        }
        Ok((writes, counts))
    }
}
