//! The guarantees of durable collections: atomic publishes, snapshot and
//! listen without gaps or doubles under a concurrent writer, compaction that
//! changes no answer, and cleanup of batches a crash left unpublished.

use std::collections::BTreeMap;

use freshet_repr::{Datum, Diff, GlobalId, Row, Timestamp};
use freshet_storage::{Publish, StorageError, Store};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn row(i: i64) -> Row {
    Row::pack([Datum::Int64(i), Datum::String("payload")])
}

/// Publishes `updates` to `id` at `ts` and moves its upper to `ts + 1`.
fn write(store: &Store, id: GlobalId, ts: Timestamp, updates: &[(i64, Diff)]) -> Result<(), StorageError> {
    let mut builder = store.batch_builder()?;
    for (i, diff) in updates {
        builder.push(&row(*i), *diff)?;
    }
    let batch = builder.finish()?;
    store.publish(vec![Publish {
        collection: id,
        batches: vec![(batch, ts)],
        new_upper: ts + 1,
        offset: None,
    }])
}

fn as_map(rows: Vec<(Row, Diff)>) -> BTreeMap<Row, Diff> {
    rows.into_iter().collect()
}

#[test]
fn publish_is_atomic_across_collections_and_survives_reopen() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (a, b) = (GlobalId::User(1), GlobalId::User(2));
    {
        let store = Store::open(dir.path())?;
        store.create_collection(a, 10)?;
        store.create_collection(b, 10)?;
        let mut batch_a = store.batch_builder()?;
        batch_a.push(&row(1), 1)?;
        let mut batch_b = store.batch_builder()?;
        batch_b.push(&row(2), 1)?;
        store.publish(vec![
            Publish {
                collection: a,
                batches: vec![(batch_a.finish()?, 10)],
                new_upper: 11,
                offset: None,
            },
            Publish {
                collection: b,
                batches: vec![(batch_b.finish()?, 10)],
                new_upper: 11,
                offset: None,
            },
        ])?;
        // A publish with one invalid part changes nothing at all.
        let mut late = store.batch_builder()?;
        late.push(&row(3), 1)?;
        let err = store.publish(vec![
            Publish {
                collection: a,
                batches: vec![],
                new_upper: 20,
                offset: None,
            },
            Publish {
                collection: b,
                batches: vec![(late.finish()?, 5)],
                new_upper: 20,
                offset: None,
            },
        ]);
        assert!(matches!(err, Err(StorageError::InvalidPublish { .. })));
        assert_eq!(store.upper(a)?, 11);
    }
    let store = Store::open(dir.path())?;
    assert_eq!(store.upper(a)?, 11);
    assert_eq!(store.upper(b)?, 11);
    assert_eq!(store.snapshot(a, 10)?, vec![(row(1), 1)]);
    assert_eq!(store.snapshot(b, 10)?, vec![(row(2), 1)]);
    Ok(())
}

#[test]
fn unpublished_batches_are_removed_at_boot() -> TestResult {
    let dir = tempfile::tempdir()?;
    let id = GlobalId::User(1);
    {
        let store = Store::open(dir.path())?;
        store.create_collection(id, 0)?;
        write(&store, id, 0, &[(1, 1)])?;
        // A large batch written in many chunks, then a "crash" before publish.
        let mut builder = store.batch_builder()?;
        for i in 0..50_000 {
            builder.push(&row(i), 1)?;
        }
        let _unpublished = builder.finish()?;
    }
    let dir_size_before = dir_size(dir.path());
    let store = Store::open(dir.path())?;
    assert_eq!(store.snapshot(id, 0)?, vec![(row(1), 1)]);
    // New batches get fresh ids and the collection stays exact.
    write(&store, id, 1, &[(2, 1)])?;
    assert_eq!(as_map(store.snapshot(id, 1)?), as_map(vec![(row(1), 1), (row(2), 1)]));
    drop(store);
    let store = Store::open(dir.path())?;
    assert_eq!(store.snapshot(id, 1)?.len(), 2);
    assert!(dir_size_before > 0);
    Ok(())
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn reads_outside_since_and_upper_are_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let id = GlobalId::User(7);
    store.create_collection(id, 100)?;
    assert!(matches!(
        store.snapshot(id, 100),
        Err(StorageError::NotYetReadable { .. })
    ));
    write(&store, id, 100, &[(1, 1)])?;
    write(&store, id, 101, &[(1, -1), (2, 1)])?;
    store.compact(id, 101)?;
    assert!(matches!(
        store.snapshot(id, 100),
        Err(StorageError::SinceViolation { since: 101, .. })
    ));
    assert_eq!(store.snapshot(id, 101)?, vec![(row(2), 1)]);
    // A retraction of a row that is not there is corruption, never clamped.
    write(&store, id, 102, &[(3, -1)])?;
    assert!(matches!(
        store.snapshot(id, 102),
        Err(StorageError::NegativeMultiplicity { diff: -1, .. })
    ));
    Ok(())
}

#[test]
fn compaction_changes_no_answer() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let id = GlobalId::User(3);
    store.create_collection(id, 0)?;
    for t in 0..40i64 {
        let updates: Vec<(i64, Diff)> = (0..20)
            .map(|i| ((t * 7 + i) % 50, if (t + i) % 3 == 0 { -1 } else { 1 }))
            .collect();
        // Keep multiplicities non-negative: only retract what exists.
        let before = as_map(
            store
                .snapshot(id, u64::try_from(t)?.saturating_sub(1))
                .unwrap_or_default(),
        );
        let valid: Vec<(i64, Diff)> = updates
            .into_iter()
            .filter(|(i, d)| *d > 0 || before.get(&row(*i)).copied().unwrap_or(0) > 0)
            .collect();
        write(&store, id, u64::try_from(t)?, &valid)?;
    }
    let answers: Vec<BTreeMap<Row, Diff>> = (20..40)
        .map(|t| store.snapshot(id, t).map(as_map))
        .collect::<Result<_, _>>()?;
    store.compact(id, 25)?;
    store.compact(id, 30)?;
    for (t, expected) in (20..40).zip(answers) {
        if t < 30 {
            assert!(store.snapshot(id, t).is_err());
        } else {
            assert_eq!(as_map(store.snapshot(id, t)?), expected, "at {t}");
        }
    }
    drop(store);
    let store = Store::open(dir.path())?;
    assert_eq!(store.since(id)?, 30);
    Ok(())
}

#[tokio::test]
async fn snapshot_then_listen_misses_and_doubles_nothing_under_a_concurrent_writer() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let id = GlobalId::User(9);
    store.create_collection(id, 0)?;
    const TICKS: u64 = 300;
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || -> Result<(), StorageError> {
            for t in 0..TICKS {
                let i = i64::try_from(t).unwrap_or(0);
                write(&store, id, t, &[(i, 1), (i + 1_000, 1)])?;
            }
            Ok(())
        })
    };
    let mut uppers = store.watch_upper(id)?;
    // Wait for announcements (never a sleep) until some data exists.
    let first = loop {
        let upper = *uppers.borrow_and_update();
        if upper > 10 {
            break upper - 1;
        }
        uppers.changed().await?;
    };
    let mut state = as_map(store.snapshot(id, first)?);
    let mut read_to = first + 1;
    loop {
        let upper = *uppers.borrow_and_update();
        for (row, _, diff) in store.updates(id, read_to, upper)? {
            *state.entry(row).or_default() += diff;
        }
        read_to = upper;
        if read_to == TICKS {
            break;
        }
        // The writer announces every publish; the deadline only bounds a bug.
        tokio::time::timeout(std::time::Duration::from_secs(30), uppers.changed()).await??;
    }
    writer.join().map_err(|_| "writer panicked")??;
    state.retain(|_, d| *d != 0);
    assert_eq!(state, as_map(store.snapshot(id, 299)?));
    assert_eq!(state.len(), 600);
    assert!(state.values().all(|d| *d == 1));
    Ok(())
}

#[test]
fn merges_and_folds_change_no_answer_and_holds_stop_compaction() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let id = GlobalId::User(4);
    store.create_collection(id, 0)?;
    let mut expected = BTreeMap::new();
    // Enough compactions to merge many times and fold into the base twice.
    for t in 0..(3 * u64::from(freshet_storage::FOLD_EVERY) + 5) {
        let i = i64::try_from(t)?;
        let mut updates = vec![(i, 1)];
        if i >= 3 {
            updates.push((i - 3, -1));
        }
        write(&store, id, t, &updates)?;
        for (v, d) in updates {
            *expected.entry(row(v)).or_insert(0) += d;
        }
        expected.retain(|_, d| *d != 0);
        store.compact(id, t)?;
        assert_eq!(as_map(store.snapshot(id, t)?), expected, "at {t}");
        assert!(
            store.batch_count(id)? <= 2,
            "compaction left {} batches",
            store.batch_count(id)?
        );
    }
    // A read hold keeps its time readable; released, compaction moves on.
    let upper = store.upper(id)?;
    let before = as_map(store.snapshot(id, upper - 1)?);
    let hold = store.hold(&[id], upper - 1)?;
    write(&store, id, upper, &[(1_000, 1)])?;
    store.compact(id, upper)?;
    assert_eq!(store.since(id)?, upper - 1);
    assert_eq!(as_map(store.snapshot(id, upper - 1)?), before);
    drop(hold);
    store.compact(id, upper)?;
    assert_eq!(store.since(id)?, upper);
    assert!(store.hold(&[id], upper - 1).is_err());
    Ok(())
}
