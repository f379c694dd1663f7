//! Subsources added to a running source (DESIGN.md §5, `ADD SUBSOURCE`).
//!
//! Their tables are snapshotted at a later point G_s than the source's own
//! GTID set, while the stream goes on replicating the other subsources.
//! Until publication, the stream skips the new tables' changes in
//! transactions of G_s (the snapshot holds them) and gathers the others'
//! into an unpublished batch per table. A table is published once its
//! snapshot is read and the stream holds all of G_s: snapshot and gathered
//! changes together, in the tick of whole transactions the stream has
//! reached, so no transaction is ever seen half applied across old and new
//! tables.

use std::collections::BTreeMap;

use freshet_mysql::{Gtid, GtidSet, TableDecoder};
use freshet_repr::{Diff, GlobalId, Row};
use freshet_storage::{Batch, BatchBuilder, StorageError, Store};
use tokio::task::JoinSet;

use crate::IngestError;
use crate::snapshot::{ProgressLog, Read, take_point};
use crate::source::SourceTask;

#[cfg(test)]
mod tests;

/// The added subsources of one stream that are not published yet.
pub(crate) struct Added {
    store: Store,
    /// The point their snapshot is taken at (G_s).
    point: GtidSet,
    /// Each waiting subsource, by index.
    tables: BTreeMap<usize, Waiting>,
    /// Reading the tables at `point`, until it is done.
    reads: JoinSet<Result<Vec<Read>, IngestError>>,
    /// The log of the read's progress, until the stream takes it.
    log: Option<ProgressLog>,
}

/// One added subsource waiting for publication.
#[derive(Default)]
struct Waiting {
    /// The snapshot, once read (`None` after a TRUNCATE past the point).
    snapshot: Option<Batch>,
    /// Whether the snapshot has been read.
    read: bool,
    /// The changes of transactions outside the point.
    changes: Option<BatchBuilder>,
    /// A TRUNCATE past the point emptied the table: the snapshot is void.
    truncated: bool,
}

/// An added subsource ready to publish: its batches, and how many updates
/// they hold.
pub(crate) struct Publication {
    /// The subsource's index.
    pub(crate) index: usize,
    /// Its snapshot and gathered changes (at least one batch, possibly
    /// empty, so its collection is published).
    pub(crate) batches: Vec<Batch>,
}

impl Added {
    /// Nothing added.
    pub(crate) fn none(store: Store) -> Added {
        Added {
            store,
            point: GtidSet::default(),
            tables: BTreeMap::new(),
            reads: JoinSet::new(),
            log: None,
        }
    }

    /// Takes the snapshot point of subsources `indexes` and starts reading
    /// their tables in the background. Returns the waiting subsources with
    /// the decoder of each, and the offsets recording subsources whose
    /// tables no longer fit.
    #[allow(clippy::type_complexity, reason = "a triple, documented above")]
    pub(crate) async fn start(
        task: &mut SourceTask,
        indexes: &[usize],
    ) -> Result<(Added, Vec<(usize, TableDecoder)>, Vec<(GlobalId, String)>), IngestError> {
        let mut added = Added::none(task.store.clone());
        if indexes.is_empty() {
            return Ok((added, Vec::new(), Vec::new()));
        }
        let (point, failed) = take_point(task, indexes).await?;
        let decoders: Vec<(usize, TableDecoder)> = point.decoders().map(|(i, d)| (i, d.clone())).collect();
        added.point = point.gtids.clone();
        added.tables = decoders.iter().map(|(i, _)| (*i, Waiting::default())).collect();
        added.log = Some(ProgressLog::new(
            format!("the subsources added to source {}", task.desc.name),
            point.progress().into_iter().map(|(_, table)| table).collect(),
            task.progress_log_every,
        ));
        added.reads.spawn(point.read(task.store.clone()));
        Ok((added, decoders, failed))
    }

    /// The log of the tables' read, once: the stream logs it until the
    /// tables are read.
    pub(crate) fn take_log(&mut self) -> Option<ProgressLog> {
        self.log.take()
    }

    /// Whether subsource `index` waits for publication.
    pub(crate) fn is_waiting(&self, index: usize) -> bool {
        self.tables.contains_key(&index)
    }

    /// Whether subsource `index` waits and its snapshot already holds the
    /// effects of transaction `gtid` on its table.
    pub(crate) fn holds(&self, index: usize, gtid: Option<&Gtid>) -> bool {
        self.is_waiting(index) && gtid.is_some_and(|gtid| self.point.contains(gtid))
    }

    /// Gathers one change of waiting subsource `index`.
    pub(crate) fn push(&mut self, index: usize, row: &Row, diff: Diff) -> Result<(), StorageError> {
        let Some(waiting) = self.tables.get_mut(&index) else {
            return Ok(());
        };
        let changes = match &mut waiting.changes {
            Some(changes) => changes,
            None => waiting.changes.insert(self.store.batch_builder()?),
        };
        changes.push(row, diff)
    }

    /// A TRUNCATE of waiting subsource `index`'s table past the point:
    /// everything before it, snapshot included, is void.
    pub(crate) fn truncate(&mut self, index: usize) -> Result<(), StorageError> {
        if let Some(waiting) = self.tables.get_mut(&index) {
            let old = std::mem::take(waiting);
            *waiting = Waiting {
                read: old.read,
                truncated: true,
                ..Waiting::default()
            };
            discard(&self.store, old)?;
        }
        Ok(())
    }

    /// Forgets subsource `index` (it failed), deleting what it gathered.
    pub(crate) fn remove(&mut self, index: usize) -> Result<(), StorageError> {
        match self.tables.remove(&index) {
            Some(waiting) => discard(&self.store, waiting),
            None => Ok(()),
        }
    }

    /// Waits until the tables are read, or forever if they are (or none
    /// was added). Returns each table's read.
    pub(crate) async fn reads(&mut self) -> Result<Vec<Read>, IngestError> {
        match self.reads.join_next().await {
            Some(reads) => reads.map_err(|e| IngestError::ReaderFailed(e.to_string()))?,
            None => std::future::pending().await,
        }
    }

    /// Takes the read snapshot of subsource `index`, as of the point
    /// (a TRUNCATE past the point voids it). Returns its row count.
    pub(crate) fn snapshot_read(&mut self, index: usize, batch: Batch) -> Result<Option<u64>, StorageError> {
        let Some(waiting) = self.tables.get_mut(&index) else {
            // Failed meanwhile.
            self.store.discard(batch)?;
            return Ok(None);
        };
        waiting.read = true;
        let rows = batch.len() as u64;
        if waiting.truncated {
            self.store.discard(batch)?;
        } else {
            waiting.snapshot = Some(batch);
        }
        Ok(Some(rows))
    }

    /// The subsources ready to publish once the stream holds `gtids`
    /// (whole transactions only): read, with every transaction of the
    /// point in `gtids`. They no longer wait.
    pub(crate) fn ready(&mut self, gtids: &GtidSet) -> Result<Vec<Publication>, StorageError> {
        if !self.tables.values().any(|w| w.read) || !self.point.is_subset(gtids) {
            return Ok(Vec::new());
        }
        let indexes: Vec<usize> = self.tables.iter().filter(|(_, w)| w.read).map(|(i, _)| *i).collect();
        let mut ready = Vec::new();
        for index in indexes {
            let Some(waiting) = self.tables.remove(&index) else {
                continue;
            };
            let mut batches = Vec::new();
            if let Some(changes) = waiting.changes {
                batches.push(changes.finish()?);
            }
            match waiting.snapshot {
                Some(snapshot) => batches.push(snapshot),
                None if batches.is_empty() => batches.push(self.store.batch_builder()?.finish()?),
                None => {}
            }
            ready.push(Publication { index, batches });
        }
        Ok(ready)
    }
}

impl Drop for Added {
    /// A stream that ends before publishing (an error, the source
    /// stopping) deletes what it gathered; the next one starts afresh.
    fn drop(&mut self) {
        for (_, waiting) in std::mem::take(&mut self.tables) {
            if let Err(e) = discard(&self.store, waiting) {
                // The store deletes unpublished batches when it next opens.
                tracing::warn!(error = %e, "cannot delete an added subsource's unpublished batches");
            }
        }
    }
}

/// Deletes what a waiting subsource gathered.
fn discard(store: &Store, waiting: Waiting) -> Result<(), StorageError> {
    if let Some(snapshot) = waiting.snapshot {
        store.discard(snapshot)?;
    }
    if let Some(changes) = waiting.changes {
        store.discard(changes.finish()?)?;
    }
    Ok(())
}
