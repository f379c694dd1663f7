//! The committer: group commit at one timestamp per tick, idle collections
//! advancing, timestamps that never repeat across restarts and clock steps.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use freshet_repr::{Datum, GlobalId, Row, Timestamp};
use freshet_storage::{Batch, Clock, Committer, StorageError, Store};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A clock tests move by hand.
fn manual_clock(start: Timestamp) -> (Clock, Arc<AtomicU64>) {
    let now = Arc::new(AtomicU64::new(start));
    let reader = Arc::clone(&now);
    (Arc::new(move || reader.load(Ordering::SeqCst)), now)
}

fn batch(store: &Store, values: &[i64]) -> Result<Batch, StorageError> {
    let mut builder = store.batch_builder()?;
    for v in values {
        builder.push(&Row::pack([Datum::Int64(*v)]), 1)?;
    }
    builder.finish()
}

/// A long interval: ticks in these tests come from requests.
const INTERVAL: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn units_commit_atomically_and_idle_collections_advance() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let (clock, _) = manual_clock(1_000);
    let committer = Committer::start(store.clone(), clock, INTERVAL)?;
    let (a, b, idle) = (GlobalId::User(1), GlobalId::User(2), GlobalId::User(3));
    for id in [a, b, idle] {
        committer.create_collection(id).await?;
    }
    // One unit writing two collections lands at one timestamp in both.
    let ts = committer
        .commit(vec![(a, batch(&store, &[1, 2])?), (b, batch(&store, &[3])?)])
        .await?;
    assert_eq!(store.snapshot(a, ts)?.len(), 2);
    assert_eq!(store.snapshot(b, ts)?.len(), 1);
    assert_eq!(store.snapshot(a, ts - 1)?.len(), 0);
    // Every collection, written or not, is complete through the tick.
    for id in [a, b, idle] {
        assert_eq!(store.upper(id)?, ts + 1);
    }
    // Many concurrent units: each acknowledged at a timestamp where it is
    // visible; timestamps never go back.
    let mut pending = Vec::new();
    for i in 0..50 {
        let committer = committer.clone();
        let unit = vec![(a, batch(&store, &[100 + i])?)];
        pending.push(tokio::spawn(async move { committer.commit(unit).await }));
    }
    let mut stamps = Vec::new();
    for p in pending {
        stamps.push(p.await??);
    }
    assert!(stamps.iter().all(|t| *t > ts));
    let last = *stamps.iter().max().ok_or("no stamps")?;
    assert_eq!(store.snapshot(a, last)?.len(), 52);
    // A unit naming a collection that does not exist is refused alone.
    let refused = committer.commit(vec![(GlobalId::User(99), batch(&store, &[1])?)]).await;
    assert!(matches!(refused, Err(StorageError::UnknownCollection(_))));
    committer.drop_collection(b).await?;
    assert!(store.upper(b).is_err());
    Ok(())
}

#[tokio::test]
async fn timestamps_never_repeat_across_a_restart_with_the_clock_stepped_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let id = GlobalId::User(1);
    let first = {
        let store = Store::open(dir.path())?;
        let (clock, _) = manual_clock(5_000_000);
        let committer = Committer::start(store.clone(), clock, INTERVAL)?;
        committer.create_collection(id).await?;
        committer.commit(vec![(id, batch(&store, &[1])?)]).await?
    };
    // The committer task ends once its handle is gone and releases the
    // directory; it is reopened as after a crash, with a clock an hour behind.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let store = loop {
        match Store::open(dir.path()) {
            Ok(store) => break store,
            Err(StorageError::Open { .. }) if std::time::Instant::now() < deadline => {
                tokio::task::yield_now().await;
            }
            Err(e) => return Err(e.into()),
        }
    };
    let (clock, now) = manual_clock(5_000_000 - 3_600_000);
    let committer = Committer::start(store.clone(), clock, INTERVAL)?;
    assert!(store.upper(id)? > first);
    let second = committer.commit(vec![(id, batch(&store, &[2])?)]).await?;
    assert!(second > first, "{second} <= {first}");
    // When the clock moves ahead, timestamps follow it.
    now.store(6_000_000, Ordering::SeqCst);
    let third = committer.commit(vec![(id, batch(&store, &[3])?)]).await?;
    assert_eq!(third, 6_000_000);
    assert_eq!(store.snapshot(id, third)?.len(), 3);
    Ok(())
}

#[tokio::test]
async fn the_committer_compacts_collections_with_many_batches() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let (clock, now) = manual_clock(10_000);
    let committer = Committer::start(store.clone(), clock, INTERVAL)?;
    let id = GlobalId::User(1);
    committer.create_collection(id).await?;
    let mut last = 0;
    for i in 0..100 {
        // Two seconds pass between writes, so history a second old is compacted.
        now.fetch_add(2_000, Ordering::SeqCst);
        last = committer.commit(vec![(id, batch(&store, &[i])?)]).await?;
    }
    // Compaction runs beside the committer: it catches up soon after.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut poll = tokio::time::interval(std::time::Duration::from_millis(10));
    while store.batch_count(id)? >= 20 && std::time::Instant::now() < deadline {
        poll.tick().await;
    }
    assert!(
        store.batch_count(id)? < 20,
        "{} batches after 100 writes",
        store.batch_count(id)?
    );
    assert!(store.since(id)? > 10_000);
    assert_eq!(store.snapshot(id, last)?.len(), 100);
    Ok(())
}
