//! The one committer: the task that stamps and commits every write.
//!
//! Writers hand it whole units (one transaction's batches, for any number of
//! collections). Each tick takes every unit that arrived while the previous
//! tick was being synced (group commit), stamps them all with
//! `ts = max(now_ms, previous ts + 1)`, and publishes them together with the
//! advance of every collection's upper to `ts + 1`, idle ones included, in
//! one synced write. A unit is acknowledged only once that write is durable.
//!
//! While a committer runs, it alone creates and drops collections, so every
//! change to the set of collections is ordered with the writes.
//!
//! No timestamp is ever reused, even after a crash and a clock step back: the
//! committer keeps a durable bound ahead of every timestamp it hands out and,
//! at start, raises every upper to the stored bound.
//!
//! A compactor task beside it merges the batches of collections that have
//! many, after ticks: no commit waits for a compaction.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use freshet_repr::{GlobalId, Timestamp};
use tokio::sync::{mpsc, oneshot, watch};

use crate::{Batch, Publish, StorageError, Store};

/// A collection is compacted once it has this many batches.
const COMPACT_AT_BATCHES: usize = 16;

/// How much history compaction keeps behind the latest tick.
const RETAIN_MS: Timestamp = 1_000;

/// How far ahead of the timestamps handed out the durable bound is kept.
const BOUND_AHEAD_MS: Timestamp = 1_000;

/// The wall clock in milliseconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| Timestamp::try_from(d.as_millis()).unwrap_or(Timestamp::MAX))
    })
}

/// Where a request's answer goes.
type Reply = oneshot::Sender<Result<Timestamp, StorageError>>;

/// A request to the committer task.
enum Request {
    /// Publishes one unit at one timestamp; answered exactly once, with the
    /// timestamp once durable, or the error that prevented it.
    /// `offsets` are new resume points of collections, published with the
    /// writes (see [`Store::offset`]).
    Commit {
        writes: Vec<(GlobalId, Batch)>,
        offsets: Vec<(GlobalId, String)>,
        tx: Reply,
    },
    /// Creates an empty collection that the next tick makes readable (or,
    /// if `held`, that its first write makes readable); answered exactly
    /// once, with the tick's timestamp.
    Create {
        id: GlobalId,
        kind: NewCollection,
        tx: Reply,
    },
    /// Publishes a collection's own writer's batches, each at its own time,
    /// and moves its upper from `expected_upper` to `new_upper` (see
    /// [`Committer::append`]); answered exactly once.
    Append {
        id: GlobalId,
        batches: Vec<(Batch, Timestamp)>,
        expected_upper: Timestamp,
        new_upper: Timestamp,
        tx: Reply,
    },
    /// Drops a collection and its data in the next tick; answered exactly
    /// once, with that tick's timestamp. Units after it in the same tick
    /// that write to it are refused.
    Drop { id: GlobalId, tx: Reply },
}

/// The kinds of collection [`Request::Create`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewCollection {
    /// Readable from the tick that creates it; ticks advance it.
    Ticked,
    /// Held until its first write; ticks then advance it.
    Held,
    /// Held until its first write; only its writer advances it.
    TimedByWriter,
}

/// The handle writers hold. Cheap to clone.
#[derive(Clone)]
pub struct Committer {
    tx: mpsc::UnboundedSender<Request>,
    last: watch::Receiver<Timestamp>,
}

impl std::fmt::Debug for Committer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Committer").field("last", &*self.last.borrow()).finish()
    }
}

impl Committer {
    /// Raises every upper to the stored timestamp bound and starts the
    /// committer task, which ticks at least every `interval`.
    pub fn start(store: Store, clock: Clock, interval: Duration) -> Result<Committer, StorageError> {
        let bound = store.timestamp_bound()?.unwrap_or(0);
        let mut publishes = Vec::new();
        let mut last = bound.saturating_sub(1);
        for id in store.collections()? {
            let upper = store.upper(id)?;
            last = last.max(upper.saturating_sub(1));
            if upper < bound && !store.is_held(id)? && !store.is_timed_by_writer(id)? {
                publishes.push(Publish {
                    collection: id,
                    batches: vec![],
                    new_upper: bound,
                    offset: None,
                });
            }
        }
        store.publish(publishes)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (last_tx, last_rx) = watch::channel(last);
        // Compaction runs beside the committer, never inside a tick: folding
        // a large collection takes seconds that no commit should wait for.
        tokio::spawn(compactor(store.clone(), last_rx.clone()));
        let task = Task {
            store,
            clock,
            last,
            bound,
            rx,
            last_tx,
        };
        tokio::spawn(task.run(interval));
        Ok(Committer { tx, last: last_rx })
    }

    /// Sends a request built around its reply channel and awaits the reply.
    async fn request(&self, request: impl FnOnce(Reply) -> Request) -> Result<Timestamp, StorageError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(request(tx)).map_err(|_| StorageError::CommitterStopped)?;
        rx.await.map_err(|_| StorageError::CommitterStopped)?
    }

    /// Commits `writes` atomically at one timestamp and returns it once the
    /// writes are durable and visible.
    pub async fn commit(&self, writes: Vec<(GlobalId, Batch)>) -> Result<Timestamp, StorageError> {
        self.commit_with_offsets(writes, Vec::new()).await
    }

    /// As [`Committer::commit`], and records each collection's new resume
    /// point in `offsets` in the same write: the data and where its writer
    /// resumes are always durable together.
    pub async fn commit_with_offsets(
        &self,
        writes: Vec<(GlobalId, Batch)>,
        offsets: Vec<(GlobalId, String)>,
    ) -> Result<Timestamp, StorageError> {
        self.request(|tx| Request::Commit { writes, offsets, tx }).await
    }

    /// As [`Committer::commit_with_offsets`], except that the unit is
    /// queued before this returns, so units queued one after another commit
    /// in that order; the future answers once it is durable.
    pub fn enqueue(
        &self,
        writes: Vec<(GlobalId, Batch)>,
        offsets: Vec<(GlobalId, String)>,
    ) -> impl Future<Output = Result<Timestamp, StorageError>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let sent = self.tx.send(Request::Commit { writes, offsets, tx });
        async move {
            sent.map_err(|_| StorageError::CommitterStopped)?;
            rx.await.map_err(|_| StorageError::CommitterStopped)?
        }
    }

    /// Waits until everything queued before this call is durable (or was
    /// refused): a writer taking over from one that stopped reads the
    /// resume point its predecessor's last commit left. Returns the
    /// timestamp of the tick that answered.
    pub async fn sync(&self) -> Result<Timestamp, StorageError> {
        self.commit_with_offsets(Vec::new(), Vec::new()).await
    }

    /// Creates an empty collection and returns the first time it can be
    /// read at, once it can.
    pub async fn create_collection(&self, id: GlobalId) -> Result<Timestamp, StorageError> {
        self.request(|tx| Request::Create {
            id,
            kind: NewCollection::Ticked,
            tx,
        })
        .await
    }

    /// Creates an empty *held* collection (see
    /// [`Store::create_held_collection`]): readable only once a commit
    /// writes to it. Returns the tick it was created in.
    pub async fn create_held_collection(&self, id: GlobalId) -> Result<Timestamp, StorageError> {
        self.request(|tx| Request::Create {
            id,
            kind: NewCollection::Held,
            tx,
        })
        .await
    }

    /// Creates an empty held collection whose upper only its writer moves,
    /// with [`Committer::append`] (see
    /// [`Store::create_writer_timed_collection`]). Returns the tick it was
    /// created in, which is its upper until the first append.
    pub async fn create_writer_timed_collection(&self, id: GlobalId) -> Result<Timestamp, StorageError> {
        self.request(|tx| Request::Create {
            id,
            kind: NewCollection::TimedByWriter,
            tx,
        })
        .await
    }

    /// Publishes `batches` (each at its own time, at or above
    /// `expected_upper` and below `new_upper`) to a collection its writer
    /// times, and moves its upper to `new_upper`, in the next tick; fails
    /// with [`StorageError::UpperMismatch`], writing nothing, unless the
    /// collection's upper is `expected_upper` then. `new_upper` must not be
    /// above the latest tick + 1: no time past the committer's is complete.
    pub async fn append(
        &self,
        id: GlobalId,
        batches: Vec<(Batch, Timestamp)>,
        expected_upper: Timestamp,
        new_upper: Timestamp,
    ) -> Result<Timestamp, StorageError> {
        self.request(|tx| Request::Append {
            id,
            batches,
            expected_upper,
            new_upper,
            tx,
        })
        .await
    }

    /// A channel announcing each tick's timestamp once it is committed.
    pub fn ticks(&self) -> watch::Receiver<Timestamp> {
        self.last.clone()
    }

    /// Drops a collection and all its data.
    pub async fn drop_collection(&self, id: GlobalId) -> Result<Timestamp, StorageError> {
        self.request(|tx| Request::Drop { id, tx }).await
    }

    /// The latest timestamp committed.
    pub fn last(&self) -> Timestamp {
        *self.last.borrow()
    }
}

/// The committer task's state.
struct Task {
    store: Store,
    clock: Clock,
    /// The latest timestamp handed out.
    last: Timestamp,
    /// The durable bound: every timestamp handed out is below it.
    bound: Timestamp,
    rx: mpsc::UnboundedReceiver<Request>,
    last_tx: watch::Sender<Timestamp>,
}

impl Task {
    async fn run(mut self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let mut requests = Vec::new();
            tokio::select! {
                request = self.rx.recv() => match request {
                    Some(request) => requests.push(request),
                    None => return,
                },
                _ = ticker.tick() => {}
            }
            while let Ok(request) = self.rx.try_recv() {
                requests.push(request);
            }
            self.tick(requests).await;
        }
    }

    /// Stamps and publishes one tick.
    async fn tick(&mut self, requests: Vec<Request>) {
        let ts = (self.clock)().max(self.last + 1);
        let store = self.store.clone();
        let bound = self.bound;
        // The write waits on fsync: it runs off the async runtime.
        let outcome = tokio::task::spawn_blocking(move || write_tick(&store, ts, bound, requests)).await;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(join) => {
                tracing::error!(error = %join, ts, "the committer's write panicked");
                return;
            }
        };
        // A failed tick may still have used `ts`; never hand it out again.
        self.last = ts;
        // The bound may have been raised even if the publish then failed.
        self.bound = outcome.bound;
        match &outcome.written {
            Ok(()) => {
                self.last_tx.send_replace(ts);
            }
            Err(e) => tracing::warn!(error = %e, ts, "a tick failed to commit"),
        }
        let written = outcome.written.map(|()| ts);
        for tx in outcome.accepted {
            let _ = tx.send(written.clone());
        }
        for (tx, result) in outcome.answered {
            let _ = tx.send(result);
        }
    }
}

/// A tick's writes, and who to tell.
struct TickOutcome {
    /// The durable timestamp bound after the tick.
    bound: Timestamp,
    /// Whether the tick is durable, or why it is not.
    written: Result<(), StorageError>,
    /// Units committed by the tick's write: they get its result.
    accepted: Vec<Reply>,
    /// Requests answered on their own (refused units, created collections).
    answered: Vec<(Reply, Result<Timestamp, StorageError>)>,
}

/// Publishes every accepted unit at `ts` and advances every upper to
/// `ts + 1` in one synced write, raising the durable bound first if needed.
fn write_tick(store: &Store, ts: Timestamp, bound: Timestamp, requests: Vec<Request>) -> TickOutcome {
    let mut outcome = TickOutcome {
        bound,
        written: Ok(()),
        accepted: Vec::new(),
        answered: Vec::new(),
    };
    if ts >= bound {
        let new_bound = ts + BOUND_AHEAD_MS;
        match store.set_timestamp_bound(new_bound) {
            Ok(()) => outcome.bound = new_bound,
            Err(e) => outcome.written = Err(e),
        }
    }
    let mut by_collection: BTreeMap<GlobalId, Vec<(Batch, Timestamp)>> = BTreeMap::new();
    let mut offsets: BTreeMap<GlobalId, String> = BTreeMap::new();
    let mut appended: BTreeMap<GlobalId, (Vec<(Batch, Timestamp)>, Timestamp)> = BTreeMap::new();
    for request in requests {
        match request {
            Request::Create { id, kind, tx } => {
                let result = match &outcome.written {
                    Ok(_) => match kind {
                        NewCollection::Ticked => store.create_collection(id, ts),
                        NewCollection::Held => store.create_held_collection(id, ts),
                        NewCollection::TimedByWriter => store.create_writer_timed_collection(id, ts),
                    }
                    .map(|()| ts),
                    Err(e) => Err(e.clone()),
                };
                outcome.answered.push((tx, result));
            }
            Request::Append {
                id,
                batches,
                expected_upper,
                new_upper,
                tx,
            } => match store.upper(id) {
                Ok(actual) if actual == expected_upper && !appended.contains_key(&id) => {
                    appended.insert(id, (batches, new_upper));
                    outcome.accepted.push(tx);
                }
                Ok(actual) => outcome.answered.push((
                    tx,
                    Err(StorageError::UpperMismatch {
                        collection: id,
                        expected: expected_upper,
                        actual,
                    }),
                )),
                Err(e) => outcome.answered.push((tx, Err(e))),
            },
            Request::Drop { id, tx } => {
                let result = match &outcome.written {
                    Ok(_) => store.drop_collection(id).map(|()| ts),
                    Err(e) => Err(e.clone()),
                };
                outcome.answered.push((tx, result));
            }
            Request::Commit {
                writes,
                offsets: new_offsets,
                tx,
            } => {
                let unknown = writes
                    .iter()
                    .map(|(id, _)| id)
                    .chain(new_offsets.iter().map(|(id, _)| id))
                    .find(|id| store.upper(**id).is_err())
                    .copied();
                if let Some(id) = unknown {
                    outcome.answered.push((tx, Err(StorageError::UnknownCollection(id))));
                    continue;
                }
                for (id, batch) in writes {
                    by_collection.entry(id).or_default().push((batch, ts));
                }
                // Later units of the tick come later in the stream.
                offsets.extend(new_offsets);
                outcome.accepted.push(tx);
            }
        }
    }
    if outcome.written.is_err() {
        return outcome;
    }
    let publishes = store.collections().and_then(|ids| {
        let mut publishes = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some((batches, new_upper)) = appended.remove(&id) {
                publishes.push(Publish {
                    collection: id,
                    batches,
                    new_upper,
                    offset: None,
                });
                continue;
            }
            // Only its writer moves such a collection's upper.
            if store.is_timed_by_writer(id)? {
                continue;
            }
            let batches = by_collection.remove(&id).unwrap_or_default();
            let offset = offsets.remove(&id);
            // A held collection's upper waits for its first batch.
            let new_upper = if batches.is_empty() && store.is_held(id)? {
                if offset.is_none() {
                    continue;
                }
                store.upper(id)?
            } else {
                ts + 1
            };
            publishes.push(Publish {
                collection: id,
                batches,
                new_upper,
                offset,
            });
        }
        Ok(publishes)
    });
    let started = std::time::Instant::now();
    if let Err(e) = publishes.and_then(|publishes| store.publish(publishes)) {
        outcome.written = Err(e);
        return outcome;
    }
    tracing::debug!(
        ts,
        units = outcome.accepted.len(),
        publish_us = started.elapsed().as_micros(),
        "tick written"
    );
    outcome
}

/// The compactor task: after each tick (the latest one, when several
/// passed during a compaction), compacts the collections that have many
/// batches. Ends with the committer.
async fn compactor(store: Store, mut ticks: watch::Receiver<Timestamp>) {
    while ticks.changed().await.is_ok() {
        let ts = *ticks.borrow_and_update();
        let store = store.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || compact(&store, ts)).await {
            tracing::error!(error = %e, "compaction panicked; collections are no longer compacted");
            return;
        }
    }
}

/// Compacts collections with many batches to `RETAIN_MS` behind `ts` (or
/// their earliest read hold). A failure leaves the collection as it was.
fn compact(store: &Store, ts: Timestamp) {
    let Ok(ids) = store.collections() else { return };
    for id in ids {
        if store.batch_count(id).is_ok_and(|n| n >= COMPACT_AT_BATCHES) {
            let started = std::time::Instant::now();
            // A collection its writer times may lag the ticks.
            let upper = store.upper(id).unwrap_or(0);
            match store.compact(id, ts.saturating_sub(RETAIN_MS).min(upper.saturating_sub(1))) {
                Ok(()) => tracing::debug!(%id, elapsed_us = started.elapsed().as_micros(), "compacted"),
                // Dropped since the list was read.
                Err(StorageError::UnknownCollection(_)) => {}
                Err(e) => tracing::warn!(%id, error = %e, "compaction failed"),
            }
        }
    }
}
