//! Indexes: arrangements kept current as their durable inputs change, read
//! by peeks at a chosen time without building a dataflow.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use common::{INDEX, TABLE, TestResult, index_of, publish, row, table};

use std::time::{Duration, Instant};

use freshet_compute::{ComputeController, ComputeError};
use freshet_expr::{AggregateExpr, AggregateFunc, BinaryFunc, ColumnOrder, ScalarExpr, WindowFunc};
use freshet_repr::{Datum, Diff, Row, ScalarType};
use freshet_storage::Store;

fn start(workers: usize) -> Result<(ComputeController, Store, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    store.create_collection(TABLE, 1)?;
    let rows: Vec<(Row, Diff)> = (0..100).map(|k| (row(k, "a"), 1)).collect();
    publish(&store, &rows, 1, 2)?;
    Ok((ComputeController::start(workers, store.clone())?, store, dir))
}

fn sorted(mut rows: Vec<(Row, Diff)>) -> Vec<(Row, Diff)> {
    rows.sort();
    rows
}

#[tokio::test]
async fn an_index_follows_its_input_and_answers_lookups() -> TestResult {
    let (compute, store, _dir) = start(3)?;
    compute.create_index(INDEX, table(), vec![ScalarExpr::Column(0)], 1)?;
    let all = compute.peek_index(INDEX, index_of(&table()), None, 1).await?;
    assert_eq!(sorted(all), (0..100).map(|k| (row(k, "a"), 1)).collect::<Vec<_>>());

    // A lookup reads one key, and the peek's filter still applies.
    let seven = index_of(&table()).filter(vec![
        ScalarExpr::Column(0).call_binary(ScalarExpr::literal(Datum::Int32(7), ScalarType::Int32), BinaryFunc::Eq),
    ]);
    let lookup = Some(Row::pack([Datum::Int32(7)]));
    assert_eq!(
        compute.peek_index(INDEX, seven.clone(), lookup.clone(), 1).await?,
        vec![(row(7, "a"), 1)]
    );
    assert_eq!(
        compute
            .peek_index(INDEX, seven.clone(), Some(Row::pack([Datum::Int32(700)])), 1)
            .await?,
        vec![]
    );

    // A peek ahead of the index waits for it; the input's new batch wakes
    // the index, which catches up and answers.
    let waiting = tokio::spawn({
        let compute = compute.clone();
        let seven = seven.clone();
        let lookup = lookup.clone();
        async move { compute.peek_index(INDEX, seven, lookup, 5).await }
    });
    tokio::task::yield_now().await;
    publish(&store, &[(row(7, "a"), -1), (row(7, "b"), 1)], 5, 6)?;
    assert_eq!(waiting.await??, vec![(row(7, "b"), 1)]);
    // History is still there for a while.
    assert_eq!(
        compute.peek_index(INDEX, seven, lookup, 4).await?,
        vec![(row(7, "a"), 1)]
    );
    compute.shutdown();
    Ok(())
}

#[tokio::test]
async fn an_index_of_an_aggregate_is_maintained_and_forgets_old_history() -> TestResult {
    let (compute, store, _dir) = start(2)?;
    // SELECT v, count(*) FROM t GROUP BY v, indexed by v.
    let counts = table().reduce(
        vec![1],
        vec![AggregateExpr {
            func: AggregateFunc::CountAll,
            expr: ScalarExpr::literal(Datum::True, ScalarType::Bool),
            distinct: false,
        }],
    );
    compute.create_index(INDEX, counts.clone(), vec![ScalarExpr::Column(0)], 1)?;
    let count_of = |v: &str, n: i64| (Row::pack([Datum::String(v), Datum::Int64(n)]), 1);
    assert_eq!(
        compute.peek_index(INDEX, index_of(&counts), None, 1).await?,
        vec![count_of("a", 100)]
    );

    let moved: Vec<(Row, Diff)> = (0..30).flat_map(|k| [(row(k, "a"), -1), (row(k, "b"), 1)]).collect();
    publish(&store, &moved, 3000, 3001)?;
    assert_eq!(
        sorted(compute.peek_index(INDEX, index_of(&counts), None, 3000).await?),
        vec![count_of("a", 70), count_of("b", 30)]
    );

    // Once the index has moved on, a read far in the past is refused (the
    // adapter then reads storage), never answered from compacted state.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match compute.peek_index(INDEX, index_of(&counts), None, 1).await {
            Err(ComputeError::IndexCompacted { as_of: 1, since }) => {
                assert!(since > 1);
                break;
            }
            Ok(rows) => assert_eq!(rows, vec![count_of("a", 100)]),
            Err(e) => return Err(e.into()),
        }
        // Each peek wakes the workers, which compact after answering it.
        assert!(Instant::now() < deadline, "the index never compacted");
    }

    compute.drop_index(INDEX)?;
    assert_eq!(
        compute.peek_index(INDEX, index_of(&counts), None, 3000).await,
        Err(ComputeError::UnknownIndex(INDEX))
    );
    compute.shutdown();
    Ok(())
}

#[tokio::test]
async fn an_index_of_window_functions_equals_computing_them_afresh() -> TestResult {
    let (compute, store, _dir) = start(3)?;
    // row_number, rank, lag and a running sum per v, by k descending.
    let order_by = vec![ColumnOrder {
        column: 0,
        desc: true,
        nulls_last: false,
    }];
    let windowed = table().window(
        vec![1],
        order_by,
        vec![
            WindowFunc::RowNumber,
            WindowFunc::Rank,
            WindowFunc::Lag {
                value: ScalarExpr::Column(0),
                offset: ScalarExpr::literal(Datum::Int32(1), ScalarType::Int32),
                default: ScalarExpr::null(ScalarType::Int32),
            },
            WindowFunc::Aggregate {
                func: AggregateFunc::SumInt,
                expr: ScalarExpr::Column(0),
            },
        ],
    );
    compute.create_index(INDEX, windowed.clone(), vec![ScalarExpr::Column(1)], 1)?;
    // The table's rows: (k, v) for k in 0..100, all v = "a" at first.
    let mut rows: Vec<(i32, &str)> = (0..100).map(|k| (k, "a")).collect();
    let mut seed: u64 = 7;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap_or(0) % n
    };
    let values = ["a", "b", "c"];
    for round in 0..15 {
        // Move, delete and add rows (some repeated, so ties and copies).
        let mut updates = Vec::new();
        for _ in 0..1 + next(8) {
            let i = next(rows.len());
            let (k, v) = rows[i];
            match next(3) {
                0 => {
                    rows.swap_remove(i);
                    updates.push((row(k, v), -1));
                }
                1 => {
                    let moved = values[next(3)];
                    rows[i] = (k, moved);
                    updates.extend([(row(k, v), -1), (row(k, moved), 1)]);
                }
                _ => {
                    let added = (i32::try_from(next(50)).unwrap_or(0), values[next(3)]);
                    rows.push(added);
                    updates.push((row(added.0, added.1), 1));
                }
            }
        }
        let ts = 10 + round * 10;
        publish(&store, &updates, ts, ts + 1)?;
        let maintained = sorted(compute.peek_index(INDEX, index_of(&windowed), None, ts).await?);
        let afresh = sorted(compute.peek(windowed.clone(), ts).await?);
        assert_eq!(maintained, afresh, "round {round}");
    }
    compute.shutdown();
    Ok(())
}

/// Compaction merges an input's batches up to its earliest read hold into
/// one batch at the hold's time. An index whose reader is behind holds its
/// input just below what it reads next, so such a merge never hands it
/// updates it has read already (before, it held at the next time to read,
/// and a reader a second behind the ticks got whole batches twice).
#[tokio::test]
async fn compaction_never_hands_an_index_an_update_twice() -> TestResult {
    let (compute, store, _dir) = start(2)?;
    compute.create_index(INDEX, table(), vec![ScalarExpr::Column(0)], 1)?;
    let mut expected: Vec<(Row, Diff)> = (0..100).map(|k| (row(k, "a"), 1)).collect();
    assert_eq!(
        sorted(compute.peek_index(INDEX, index_of(&table()), None, 1).await?),
        expected
    );
    for ts in 2..60 {
        let k = i32::try_from(ts)?;
        // A new row, and one of the first ones changed.
        let updates = [(row(1000 + k, "b"), 1), (row(k, "a"), -1), (row(k, "c"), 1)];
        publish(&store, &updates, ts, ts + 1)?;
        expected.retain(|(r, _)| *r != row(k, "a"));
        expected.extend([(row(1000 + k, "b"), 1), (row(k, "c"), 1)]);
        // As far as the read holds allow: the index's reader may not have
        // read the batch at `ts` yet.
        store.compact(TABLE, ts)?;
        let got = compute.peek_index(INDEX, index_of(&table()), None, ts).await?;
        assert_eq!(sorted(got), sorted(expected.clone()), "the index at {ts}");
    }
    Ok(())
}
