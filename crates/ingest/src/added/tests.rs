//! The gathering and publication rules of added subsources, on a real
//! store: what a waiting table skips, gathers, voids and publishes.

use std::collections::BTreeMap;
use std::error::Error;

use freshet_mysql::{Gtid, GtidSet};
use freshet_repr::{Datum, Diff, GlobalId, Row};
use freshet_storage::{Batch, Publish, Store};
use tokio::task::JoinSet;

use super::{Added, Publication, Waiting};

type Outcome<T = ()> = Result<T, Box<dyn Error>>;

const UUID: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

fn gtid(gno: u64) -> Outcome<Gtid> {
    Ok(Gtid {
        uuid: uuid::Uuid::parse_str(UUID)?,
        tag: None,
        gno,
    })
}

fn gtids(range: &str) -> Outcome<GtidSet> {
    Ok(GtidSet::parse(&format!("{UUID}:{range}"))?)
}

fn row(n: i32) -> Row {
    Row::pack([Datum::Int32(n)])
}

/// Subsources `indexes` waiting for a snapshot at `point`.
fn waiting_at(store: &Store, point: &str, indexes: &[usize]) -> Outcome<Added> {
    Ok(Added {
        store: store.clone(),
        point: gtids(point)?,
        tables: indexes.iter().map(|i| (*i, Waiting::default())).collect(),
        reads: JoinSet::new(),
        log: None,
    })
}

fn batch(store: &Store, rows: &[i32]) -> Outcome<Batch> {
    let mut builder = store.batch_builder()?;
    for n in rows {
        builder.push(&row(*n), 1)?;
    }
    Ok(builder.finish()?)
}

/// Publishes `batches` into a new held collection and reads it back.
fn contents(store: &Store, id: u64, batches: Vec<Batch>) -> Outcome<Vec<(Row, Diff)>> {
    let id = GlobalId::User(id);
    store.create_held_collection(id, 1)?;
    let publish = Publish {
        collection: id,
        batches: batches.into_iter().map(|b| (b, 1)).collect(),
        new_upper: 2,
        offset: None,
    };
    store.publish(vec![publish])?;
    assert!(!store.is_held(id)?, "a publication makes the collection readable");
    let mut rows: BTreeMap<Row, Diff> = BTreeMap::new();
    for (row, diff) in store.snapshot(id, 1)? {
        *rows.entry(row).or_default() += diff;
    }
    Ok(rows.into_iter().filter(|(_, d)| *d != 0).collect())
}

/// The publications of `added` once the stream holds `range`, by index.
fn ready(added: &mut Added, range: &str) -> Outcome<Vec<Publication>> {
    let mut ready = added.ready(&gtids(range)?)?;
    ready.sort_by_key(|p| p.index);
    Ok(ready)
}

#[test]
fn a_table_publishes_its_snapshot_and_later_changes_once_the_stream_holds_its_point() -> Outcome {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let mut added = waiting_at(&store, "1-5", &[0, 1])?;

    // Transactions of the point are in the snapshot; later ones are not,
    // and subsources that do not wait are never skipped.
    assert!(added.holds(0, Some(&gtid(3)?)));
    assert!(!added.holds(0, Some(&gtid(6)?)));
    assert!(!added.holds(2, Some(&gtid(3)?)));
    assert!(!added.holds(0, None));

    // Transaction 6 deletes row 2 and inserts row 9, before the snapshot
    // is read.
    added.push(0, &row(2), -1)?;
    added.push(0, &row(9), 1)?;
    assert!(ready(&mut added, "1-6")?.is_empty(), "nothing is read yet");
    assert_eq!(added.snapshot_read(0, batch(&store, &[1, 2])?)?, Some(2));
    assert!(
        ready(&mut added, "1-4")?.is_empty(),
        "the stream has not reached the point"
    );

    let ready = ready(&mut added, "1-6")?;
    let [publication] = <[Publication; 1]>::try_from(ready).map_err(|_| "only the table read is ready")?;
    assert_eq!(publication.index, 0);
    assert_eq!(
        contents(&store, 10, publication.batches)?,
        vec![(row(1), 1), (row(9), 1)]
    );
    assert!(!added.is_waiting(0));
    assert!(added.is_waiting(1));
    Ok(())
}

#[test]
fn a_truncate_past_the_point_voids_what_came_before_it() -> Outcome {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let mut added = waiting_at(&store, "1-5", &[0, 1])?;

    // Table 0 is truncated after the point, before its snapshot arrives.
    added.push(0, &row(7), 1)?;
    added.truncate(0)?;
    added.push(0, &row(8), 1)?;
    assert_eq!(added.snapshot_read(0, batch(&store, &[1, 2, 3])?)?, Some(3));
    // Table 1 is truncated after its snapshot arrived, with nothing after.
    added.snapshot_read(1, batch(&store, &[4])?)?;
    added.truncate(1)?;

    let ready = ready(&mut added, "1-9")?;
    let [first, second] = <[Publication; 2]>::try_from(ready).map_err(|_| "both tables are ready")?;
    assert_eq!(contents(&store, 10, first.batches)?, vec![(row(8), 1)]);
    // An empty table is still published, so it becomes readable.
    assert_eq!(second.batches.len(), 1);
    assert_eq!(contents(&store, 11, second.batches)?, vec![]);
    Ok(())
}

#[test]
fn a_failed_table_is_forgotten_and_its_late_snapshot_dropped() -> Outcome {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let mut added = waiting_at(&store, "1-5", &[0])?;
    added.push(0, &row(1), 1)?;
    added.remove(0)?;
    assert!(!added.is_waiting(0));
    assert_eq!(added.snapshot_read(0, batch(&store, &[1])?)?, None);
    assert!(ready(&mut added, "1-9")?.is_empty());
    Ok(())
}
