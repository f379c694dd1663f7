//! Durable collections of `(Row, Timestamp, Diff)`: a small "persist".
//!
//! A collection is a base (its consolidated rows at `since`) and a log of
//! published batches, each at one timestamp below the collection's `upper`.
//! A batch is written unpublished, in chunks of any total size, without
//! syncing; it becomes part of its collection through one small synced
//! *publish* that records the batch, its timestamp and the new upper. After a
//! crash, batches never published are deleted when the store opens. Readers
//! take a snapshot at a time at or after `since` and below `upper`; the upper
//! is announced on a watch channel so readers pull new batches at their pace.

mod batch;
mod encoding;
mod meta;

use std::collections::BTreeMap;

use freshet_repr::{Diff, GlobalId, Row, Timestamp};
use rocksdb::{DB, IteratorMode, WriteBatch};
use tokio::sync::watch;

pub use batch::{Batch, BatchBuilder};
pub use encoding::BatchId;

use crate::store::{DATA_CF, META_CF, synced};
use crate::{StorageError, Store};
use encoding::{batch_keys, batch_of_key, decode_chunk};
use meta::{CollectionMeta, meta_key};

/// One collection's change in a [`Store::publish`].
#[derive(Debug)]
pub struct Publish {
    /// The collection.
    pub collection: GlobalId,
    /// Batches to add, each at a time at or above the current upper and
    /// below `new_upper`.
    pub batches: Vec<(Batch, Timestamp)>,
    /// The collection's new upper: every update below it is now known.
    pub new_upper: Timestamp,
    /// The writer's new resume point, if it changes (see [`Store::offset`]).
    pub offset: Option<String>,
}

/// A collection in memory: its durable metadata and its upper's watch.
#[derive(Debug)]
struct Collection {
    meta: CollectionMeta,
    upper: watch::Sender<Timestamp>,
}

/// Every collection's metadata, and the next batch id.
#[derive(Debug)]
pub(crate) struct PersistState {
    collections: BTreeMap<GlobalId, Collection>,
    /// Read holds: per collection, how many readers hold each time.
    holds: BTreeMap<GlobalId, BTreeMap<Timestamp, usize>>,
    next_batch: BatchId,
    /// No timestamp at or above this has been handed out (see [`crate::Committer`]).
    timestamp_bound: Option<Timestamp>,
}

/// The key of the durable timestamp bound in the meta column family.
const TIMESTAMP_BOUND_KEY: &[u8] = b"timestamp_bound";

impl PersistState {
    /// Loads every collection's metadata and deletes the chunks of batches
    /// no collection references (written before a crash, never published).
    pub(crate) fn load(db: &DB) -> Result<PersistState, StorageError> {
        let missing = |name: &str| StorageError::Io(format!("column family {name} is missing"));
        let meta_cf = db.cf_handle(META_CF).ok_or_else(|| missing(META_CF))?;
        let data_cf = db.cf_handle(DATA_CF).ok_or_else(|| missing(DATA_CF))?;
        let mut collections = BTreeMap::new();
        let mut timestamp_bound = None;
        for entry in db.iterator_cf(meta_cf, IteratorMode::Start) {
            let (key, value) = entry?;
            if key.as_ref() == TIMESTAMP_BOUND_KEY {
                let bytes: [u8; 8] = value
                    .as_ref()
                    .try_into()
                    .map_err(|_| StorageError::Corrupt("the timestamp bound is not 8 bytes".into()))?;
                timestamp_bound = Some(Timestamp::from_le_bytes(bytes));
                continue;
            }
            let (id, meta) = CollectionMeta::decode(&key, &value)?;
            let (upper, _) = watch::channel(meta.upper);
            collections.insert(id, Collection { meta, upper });
        }
        let referenced: std::collections::BTreeSet<BatchId> =
            collections.values().flat_map(|c| c.meta.batch_ids()).collect();
        let mut next_batch = 1;
        let mut orphans = std::collections::BTreeSet::new();
        for entry in db.iterator_cf(data_cf, IteratorMode::Start) {
            let (key, _) = entry?;
            let batch = batch_of_key(&key).ok_or_else(|| StorageError::Corrupt("a batch key is too short".into()))?;
            next_batch = next_batch.max(batch + 1);
            if !referenced.contains(&batch) {
                orphans.insert(batch);
            }
        }
        for batch in referenced {
            next_batch = next_batch.max(batch + 1);
        }
        if !orphans.is_empty() {
            let mut write = WriteBatch::default();
            for batch in &orphans {
                let (start, end) = batch_keys(*batch);
                write.delete_range_cf(data_cf, start, end);
            }
            db.write_opt(write, &synced())?;
            tracing::info!(batches = orphans.len(), "deleted batches a crash left unpublished");
        }
        Ok(PersistState {
            collections,
            holds: BTreeMap::new(),
            next_batch,
            timestamp_bound,
        })
    }

    /// The number of collections.
    pub(crate) fn len(&self) -> usize {
        self.collections.len()
    }

    fn get(&self, id: GlobalId) -> Result<&Collection, StorageError> {
        self.collections.get(&id).ok_or(StorageError::UnknownCollection(id))
    }

    /// The earliest time a reader holds collection `id` at, if any.
    fn earliest_hold(&self, id: GlobalId) -> Option<Timestamp> {
        self.holds.get(&id).and_then(|h| h.keys().next().copied())
    }
}

impl Store {
    /// Creates an empty collection, complete (and readable) from `upper` on.
    pub fn create_collection(&self, id: GlobalId, upper: Timestamp) -> Result<(), StorageError> {
        self.create(id, upper, false, false)
    }

    /// Creates an empty held collection whose upper only its writer moves
    /// (see [`crate::Committer::append`]): a materialized view's output,
    /// written at its inputs' times.
    pub fn create_writer_timed_collection(&self, id: GlobalId, upper: Timestamp) -> Result<(), StorageError> {
        self.create(id, upper, true, true)
    }

    /// Whether only the collection's writer moves its upper (see
    /// [`Store::create_writer_timed_collection`]).
    pub fn is_timed_by_writer(&self, id: GlobalId) -> Result<bool, StorageError> {
        Ok(self.state()?.get(id)?.meta.timed_by_writer)
    }

    /// Creates an empty collection that is *held*: not readable, and its
    /// upper left at `upper` by [`crate::Committer`]'s ticks, until a
    /// publish adds its first batch (a subsource before its snapshot).
    pub fn create_held_collection(&self, id: GlobalId, upper: Timestamp) -> Result<(), StorageError> {
        self.create(id, upper, true, false)
    }

    fn create(&self, id: GlobalId, upper: Timestamp, held: bool, timed_by_writer: bool) -> Result<(), StorageError> {
        let mut state = self.state()?;
        if state.collections.contains_key(&id) {
            return Err(StorageError::CollectionExists(id));
        }
        let meta = CollectionMeta {
            upper,
            since: upper,
            base: None,
            batches: Vec::new(),
            merges: 0,
            held,
            timed_by_writer,
            offset: None,
        };
        self.db
            .put_cf_opt(self.cf(META_CF)?, meta_key(id), meta.encode(), &synced())?;
        let (tx, _) = watch::channel(upper);
        state.collections.insert(id, Collection { meta, upper: tx });
        Ok(())
    }

    /// Drops a collection and all of its data.
    pub fn drop_collection(&self, id: GlobalId) -> Result<(), StorageError> {
        let mut state = self.state()?;
        let collection = state
            .collections
            .remove(&id)
            .ok_or(StorageError::UnknownCollection(id))?;
        let mut write = WriteBatch::default();
        write.delete_cf(self.cf(META_CF)?, meta_key(id));
        let data_cf = self.cf(DATA_CF)?;
        for batch in collection.meta.batch_ids() {
            let (start, end) = batch_keys(batch);
            write.delete_range_cf(data_cf, start, end);
        }
        self.db.write_opt(write, &synced())?;
        Ok(())
    }

    /// Starts a batch of updates, written in chunks as it grows.
    pub fn batch_builder(&self) -> Result<BatchBuilder, StorageError> {
        let mut state = self.state()?;
        let id = state.next_batch;
        state.next_batch += 1;
        Ok(BatchBuilder::new(self.clone(), id))
    }

    /// Deletes an unpublished batch that will never be published (the
    /// data it was built for was superseded). Not synced: a crash before
    /// the delete is durable leaves the batch to the cleanup at open.
    pub fn discard(&self, batch: Batch) -> Result<(), StorageError> {
        let (start, end) = batch_keys(batch.id);
        self.db.delete_range_cf(self.cf(DATA_CF)?, start, end)?;
        Ok(())
    }

    /// Publishes batches and advances uppers, for all collections at once,
    /// with one synced write: when this returns, all of it is durable and
    /// visible; on error, none of it is.
    pub fn publish(&self, publishes: Vec<Publish>) -> Result<(), StorageError> {
        let mut state = self.state()?;
        let mut updated = Vec::with_capacity(publishes.len());
        for publish in &publishes {
            let collection = state.get(publish.collection)?;
            let invalid = |message: String| StorageError::InvalidPublish {
                collection: publish.collection,
                message,
            };
            let mut meta = updated
                .iter()
                .rev()
                .find(|(id, _)| *id == publish.collection)
                .map_or_else(
                    || collection.meta.clone(),
                    |(_, m): &(GlobalId, CollectionMeta)| m.clone(),
                );
            if publish.new_upper < meta.upper {
                return Err(invalid(format!(
                    "upper would move back from {} to {}",
                    meta.upper, publish.new_upper
                )));
            }
            for (batch, ts) in &publish.batches {
                if *ts < meta.upper || *ts >= publish.new_upper {
                    return Err(invalid(format!(
                        "batch at {ts} is outside [{}, {})",
                        meta.upper, publish.new_upper
                    )));
                }
                if batch.updates > 0 {
                    meta.batches.push((batch.id, *ts));
                }
                meta.held = false;
            }
            meta.upper = publish.new_upper;
            if let Some(offset) = &publish.offset {
                meta.offset = Some(offset.clone());
            }
            updated.push((publish.collection, meta));
        }
        let meta_cf = self.cf(META_CF)?;
        let mut write = WriteBatch::default();
        for (id, meta) in &updated {
            write.put_cf(meta_cf, meta_key(*id), meta.encode());
        }
        self.db.write_opt(write, &synced())?;
        for (id, meta) in updated {
            if let Some(collection) = state.collections.get_mut(&id) {
                let upper = meta.upper;
                collection.meta = meta;
                collection.upper.send_replace(upper);
            }
        }
        Ok(())
    }

    /// The durable timestamp bound: no timestamp at or above it was ever
    /// handed out. `None` in a new data directory.
    pub fn timestamp_bound(&self) -> Result<Option<Timestamp>, StorageError> {
        Ok(self.state()?.timestamp_bound)
    }

    /// Durably raises the timestamp bound.
    pub fn set_timestamp_bound(&self, bound: Timestamp) -> Result<(), StorageError> {
        let mut state = self.state()?;
        if let Some(current) = state.timestamp_bound.filter(|current| *current > bound) {
            return Err(StorageError::TimestampBoundBackwards {
                current,
                requested: bound,
            });
        }
        self.db
            .put_cf_opt(self.cf(META_CF)?, TIMESTAMP_BOUND_KEY, bound.to_le_bytes(), &synced())?;
        state.timestamp_bound = Some(bound);
        Ok(())
    }

    /// Every collection's id.
    pub fn collections(&self) -> Result<Vec<GlobalId>, StorageError> {
        Ok(self.state()?.collections.keys().copied().collect())
    }

    /// The collection's upper: every update below it is known.
    pub fn upper(&self, id: GlobalId) -> Result<Timestamp, StorageError> {
        Ok(self.state()?.get(id)?.meta.upper)
    }

    /// Whether the collection is held: created, and not yet given its first
    /// batch (see [`Store::create_held_collection`]).
    pub fn is_held(&self, id: GlobalId) -> Result<bool, StorageError> {
        Ok(self.state()?.get(id)?.meta.held)
    }

    /// The resume point last published with the collection's data, if any.
    pub fn offset(&self, id: GlobalId) -> Result<Option<String>, StorageError> {
        Ok(self.state()?.get(id)?.meta.offset.clone())
    }

    /// The collection's since: the earliest time it can be read at.
    pub fn since(&self, id: GlobalId) -> Result<Timestamp, StorageError> {
        Ok(self.state()?.get(id)?.meta.since)
    }

    /// A channel announcing the collection's upper whenever it advances.
    pub fn watch_upper(&self, id: GlobalId) -> Result<watch::Receiver<Timestamp>, StorageError> {
        Ok(self.state()?.get(id)?.upper.subscribe())
    }

    /// The collection's contents at `as_of`: consolidated rows with their
    /// (positive) multiplicities.
    pub fn snapshot(&self, id: GlobalId, as_of: Timestamp) -> Result<Vec<(Row, Diff)>, StorageError> {
        let state = self.state()?;
        let meta = &state.get(id)?.meta;
        if as_of < meta.since {
            return Err(StorageError::SinceViolation {
                collection: id,
                as_of,
                since: meta.since,
            });
        }
        if as_of >= meta.upper {
            return Err(StorageError::NotYetReadable {
                collection: id,
                as_of,
                upper: meta.upper,
            });
        }
        let batches: Vec<BatchId> = meta
            .base
            .into_iter()
            .chain(meta.batches.iter().filter(|(_, ts)| *ts <= as_of).map(|(b, _)| *b))
            .collect();
        // A RocksDB snapshot taken under the lock keeps these batches
        // readable even if compaction deletes them meanwhile.
        let snapshot = self.db.snapshot();
        drop(state);
        let mut updates = Vec::new();
        let data_cf = self.cf(DATA_CF)?;
        for batch in batches {
            read_batch(&snapshot, data_cf, batch, &mut updates)?;
        }
        consolidate(&mut updates);
        if let Some((_, diff)) = updates.iter().find(|(_, diff)| *diff < 0) {
            return Err(StorageError::NegativeMultiplicity {
                collection: id,
                diff: *diff,
            });
        }
        Ok(updates)
    }

    /// The updates of the collection at times in `[lower, upper)`, in time
    /// order: what a listener that has read everything below `lower` pulls
    /// once the upper has reached `upper`.
    pub fn updates(
        &self,
        id: GlobalId,
        lower: Timestamp,
        upper: Timestamp,
    ) -> Result<Vec<(Row, Timestamp, Diff)>, StorageError> {
        let state = self.state()?;
        let meta = &state.get(id)?.meta;
        if lower < meta.since {
            return Err(StorageError::SinceViolation {
                collection: id,
                as_of: lower,
                since: meta.since,
            });
        }
        if upper > meta.upper {
            return Err(StorageError::NotYetReadable {
                collection: id,
                as_of: upper,
                upper: meta.upper,
            });
        }
        let mut batches: Vec<(BatchId, Timestamp)> = meta
            .batches
            .iter()
            .filter(|(_, ts)| lower <= *ts && *ts < upper)
            .copied()
            .collect();
        batches.sort_by_key(|(_, ts)| *ts);
        let snapshot = self.db.snapshot();
        drop(state);
        let data_cf = self.cf(DATA_CF)?;
        let mut out = Vec::new();
        for (batch, ts) in batches {
            let mut updates = Vec::new();
            read_batch(&snapshot, data_cf, batch, &mut updates)?;
            out.extend(updates.into_iter().map(|(row, diff)| (row, ts, diff)));
        }
        Ok(out)
    }

    /// An unpublished batch that empties the collection when published
    /// after everything published so far: every stored update with its
    /// diff negated. Read chunk by chunk from one consistent view, so memory
    /// stays bounded however large the collection is. The caller must be
    /// the collection's only writer until it publishes the batch.
    pub fn retract_all(&self, id: GlobalId) -> Result<Batch, StorageError> {
        let state = self.state()?;
        let batches: Vec<BatchId> = state.get(id)?.meta.batch_ids().collect();
        // Taken under the lock: compaction may delete these batches meanwhile.
        let snapshot = self.db.snapshot();
        drop(state);
        let data_cf = self.cf(DATA_CF)?;
        let mut builder = self.batch_builder()?;
        let mut chunk = Vec::new();
        for batch in batches {
            for_each_chunk(&snapshot, data_cf, batch, |bytes| {
                chunk.clear();
                decode_chunk(bytes, &mut chunk)?;
                chunk.iter().try_for_each(|(row, diff)| builder.push(row, -diff))
            })?;
        }
        builder.finish()
    }

    /// Keeps `ids` readable at `ts` while the returned hold lives:
    /// compaction does not move their since past `ts`.
    pub fn hold(&self, ids: &[GlobalId], ts: Timestamp) -> Result<ReadHold, StorageError> {
        let mut state = self.state()?;
        for id in ids {
            let since = state.get(*id)?.meta.since;
            if ts < since {
                return Err(StorageError::SinceViolation {
                    collection: *id,
                    as_of: ts,
                    since,
                });
            }
        }
        for id in ids {
            *state.holds.entry(*id).or_default().entry(ts).or_default() += 1;
        }
        Ok(ReadHold {
            store: self.clone(),
            ids: ids.to_vec(),
            ts,
        })
    }

    /// The number of published batches of a collection: how much a
    /// compaction would merge.
    pub fn batch_count(&self, id: GlobalId) -> Result<usize, StorageError> {
        Ok(self.state()?.get(id)?.meta.batches.len())
    }

    /// Moves the collection's since to `since` (or the earliest read hold,
    /// if lower), merging the batches at or below it: usually into one
    /// batch at `since`, and every [`FOLD_EVERY`]th time into the base.
    /// History before the new since can no longer be read.
    pub fn compact(&self, id: GlobalId, since: Timestamp) -> Result<(), StorageError> {
        let old = {
            let state = self.state()?;
            let meta = state.get(id)?.meta.clone();
            let since = state.earliest_hold(id).map_or(since, |h| since.min(h));
            if since <= meta.since {
                return Ok(());
            }
            if since >= meta.upper {
                return Err(StorageError::InvalidPublish {
                    collection: id,
                    message: format!("cannot compact to {since}, at or above the upper {}", meta.upper),
                });
            }
            (meta, since)
        };
        let (old, since) = old;
        let merged: Vec<BatchId> = old
            .batches
            .iter()
            .filter(|(_, ts)| *ts <= since)
            .map(|(b, _)| *b)
            .collect();
        let fold = old.merges + 1 >= FOLD_EVERY;
        // The new contents: the whole collection at `since` (a fold), or just
        // the merged batches' updates (a merge).
        let (new_batch, removed) = if merged.is_empty() {
            (None, Vec::new())
        } else {
            let updates = if fold {
                self.snapshot(id, since)?
            } else {
                let snapshot = self.db.snapshot();
                let data_cf = self.cf(DATA_CF)?;
                let mut updates = Vec::new();
                for batch in &merged {
                    read_batch(&snapshot, data_cf, *batch, &mut updates)?;
                }
                consolidate(&mut updates);
                updates
            };
            let mut builder = self.batch_builder()?;
            for (row, diff) in &updates {
                builder.push(row, *diff)?;
            }
            let removed: Vec<BatchId> = if fold {
                old.base.into_iter().chain(merged).collect()
            } else {
                merged
            };
            (Some(builder.finish()?), removed)
        };
        let mut state = self.state()?;
        // A read hold taken while the merge ran, below the new since: this
        // compaction would take the reader's history away; a later one
        // goes no further than the hold.
        if state.earliest_hold(id).is_some_and(|h| h < since) {
            drop(state);
            if let Some(batch) = new_batch {
                self.discard(batch)?;
            }
            return Ok(());
        }
        let Some(collection) = state.collections.get_mut(&id) else {
            // Dropped meanwhile (compaction runs beside the committer): the
            // merged batch is nobody's.
            if let Some(batch) = new_batch {
                self.discard(batch)?;
            }
            return Err(StorageError::UnknownCollection(id));
        };
        let mut meta = collection.meta.clone();
        meta.batches.retain(|(b, _)| !removed.contains(b));
        match new_batch {
            Some(batch) if fold => {
                meta.base = (!batch.is_empty()).then_some(batch.id);
                meta.merges = 0;
            }
            Some(batch) => {
                if !batch.is_empty() {
                    meta.batches.push((batch.id, since));
                }
                meta.merges += 1;
            }
            None => {}
        }
        meta.since = since;
        let data_cf = self.cf(DATA_CF)?;
        let mut write = WriteBatch::default();
        write.put_cf(self.cf(META_CF)?, meta_key(id), meta.encode());
        for batch in &removed {
            let (start, end) = batch_keys(*batch);
            write.delete_range_cf(data_cf, start, end);
        }
        self.db.write_opt(write, &synced())?;
        collection.meta = meta;
        Ok(())
    }
}

/// How many merging compactions happen between two folds into the base:
/// folding rewrites the whole collection, merging only recent batches.
pub const FOLD_EVERY: u32 = 16;

/// Keeps some collections readable at a time; released when dropped.
#[derive(Debug)]
pub struct ReadHold {
    store: Store,
    ids: Vec<GlobalId>,
    ts: Timestamp,
}

impl ReadHold {
    /// The time held.
    pub fn time(&self) -> Timestamp {
        self.ts
    }
}

impl Drop for ReadHold {
    fn drop(&mut self) {
        if let Ok(mut state) = self.store.state() {
            for id in &self.ids {
                if let Some(holds) = state.holds.get_mut(id) {
                    if let Some(count) = holds.get_mut(&self.ts) {
                        *count -= 1;
                        if *count == 0 {
                            holds.remove(&self.ts);
                        }
                    }
                    if holds.is_empty() {
                        state.holds.remove(id);
                    }
                }
            }
        }
    }
}

/// Appends every update of `batch`, as `snapshot` sees it, to `out`.
fn read_batch(
    snapshot: &rocksdb::SnapshotWithThreadMode<'_, DB>,
    data_cf: &rocksdb::ColumnFamily,
    batch: BatchId,
    out: &mut Vec<(Row, Diff)>,
) -> Result<(), StorageError> {
    for_each_chunk(snapshot, data_cf, batch, |chunk| decode_chunk(chunk, out))
}

/// Calls `f` with each stored chunk of `batch`, in order, as `snapshot`
/// sees it.
fn for_each_chunk(
    snapshot: &rocksdb::SnapshotWithThreadMode<'_, DB>,
    data_cf: &rocksdb::ColumnFamily,
    batch: BatchId,
    mut f: impl FnMut(&[u8]) -> Result<(), StorageError>,
) -> Result<(), StorageError> {
    let (start, end) = batch_keys(batch);
    for entry in snapshot.iterator_cf(data_cf, IteratorMode::From(&start, rocksdb::Direction::Forward)) {
        let (key, value) = entry?;
        if key.as_ref() >= end.as_slice() {
            break;
        }
        f(&value)?;
    }
    Ok(())
}

/// Sums the diffs of equal rows and drops rows whose diffs sum to zero.
fn consolidate(updates: &mut Vec<(Row, Diff)>) {
    updates.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(Row, Diff)> = Vec::with_capacity(updates.len());
    for (row, diff) in updates.drain(..) {
        match out.last_mut() {
            Some((last, sum)) if *last == row => *sum += diff,
            _ => out.push((row, diff)),
        }
    }
    out.retain(|(_, diff)| *diff != 0);
    *updates = out;
}

#[cfg(test)]
mod tests {
    use freshet_repr::Datum;

    use super::*;

    /// The batch ids that have chunks in the data column family.
    fn stored_batches(store: &Store) -> Result<std::collections::BTreeSet<BatchId>, StorageError> {
        let mut ids = std::collections::BTreeSet::new();
        for entry in store.db.iterator_cf(store.cf(DATA_CF)?, IteratorMode::Start) {
            let (key, _) = entry?;
            ids.extend(batch_of_key(&key));
        }
        Ok(ids)
    }

    #[test]
    fn boot_deletes_exactly_the_unpublished_chunks() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let id = GlobalId::User(1);
        let (published, unpublished) = {
            let store = Store::open(dir.path())?;
            store.create_collection(id, 0)?;
            let mut builder = store.batch_builder()?;
            builder.push(&Row::pack([Datum::Int32(1)]), 1)?;
            let batch = builder.finish()?;
            let published = batch.id;
            store.publish(vec![Publish {
                collection: id,
                batches: vec![(batch, 0)],
                new_upper: 1,
                offset: None,
            }])?;
            let mut builder = store.batch_builder()?;
            for i in 0..100_000 {
                builder.push(&Row::pack([Datum::Int32(i), Datum::String("a row of some length")]), 1)?;
            }
            let unpublished = builder.finish()?.id;
            assert_eq!(stored_batches(&store)?, [published, unpublished].into());
            (published, unpublished)
        };
        let store = Store::open(dir.path())?;
        assert_eq!(stored_batches(&store)?, [published].into());
        assert!(
            store.batch_builder()?.finish()?.id > unpublished,
            "a batch id was reused"
        );
        Ok(())
    }
}
