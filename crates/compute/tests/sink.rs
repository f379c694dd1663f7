//! Materialized views' sinks: the view's output written to its own
//! collection at its inputs' times, corrected on every start so that a
//! restart never doubles or loses a row, and stopped by an evaluation error.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use common::{TABLE, TestResult, row, table};

use std::time::{Duration, Instant};

use freshet_compute::{ComputeController, ComputeError};
use freshet_expr::{AggregateExpr, AggregateFunc, ArithOp, ArithType, BinaryFunc, RelExpr, ScalarExpr};
use freshet_repr::{Datum, Diff, GlobalId, Row, ScalarType, Timestamp};
use freshet_storage::{Committer, StorageError, Store, system_clock};

const VIEW: GlobalId = GlobalId::User(2);

/// `SELECT v, count(*) FROM t GROUP BY v`.
fn counts() -> RelExpr {
    table().reduce(
        vec![1],
        vec![AggregateExpr {
            func: AggregateFunc::CountAll,
            expr: ScalarExpr::literal(Datum::True, ScalarType::Bool),
            distinct: false,
        }],
    )
}

fn count_of(v: &str, n: i64) -> (Row, Diff) {
    (Row::pack([Datum::String(v), Datum::Int64(n)]), 1)
}

/// Commits `updates` to the table in one tick.
async fn write(
    store: &Store,
    committer: &Committer,
    updates: &[(Row, Diff)],
) -> Result<Timestamp, Box<dyn std::error::Error>> {
    let mut builder = store.batch_builder()?;
    for (row, diff) in updates {
        builder.push(row, *diff)?;
    }
    Ok(committer.commit(vec![(TABLE, builder.finish()?)]).await?)
}

/// Polls until the view's collection is complete past `time` and holds
/// `expected` there; returns its upper.
async fn wait_for_view(
    store: &Store,
    time: Timestamp,
    expected: &[(Row, Diff)],
) -> Result<Timestamp, Box<dyn std::error::Error>> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut every = tokio::time::interval(Duration::from_millis(20));
    loop {
        every.tick().await;
        let upper = store.upper(VIEW)?;
        if upper > time && !store.is_held(VIEW)? {
            let mut rows = store.snapshot(VIEW, upper - 1)?;
            rows.sort();
            if rows == expected {
                return Ok(upper);
            }
            if Instant::now() > deadline {
                return Err(format!("the view holds {rows:?}, not {expected:?}").into());
            }
        }
        if Instant::now() > deadline {
            return Err("the view never caught up".into());
        }
    }
}

async fn start(
    workers: usize,
) -> Result<(ComputeController, Store, Committer, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let committer = Committer::start(store.clone(), system_clock(), Duration::from_millis(20))?;
    committer.create_collection(TABLE).await?;
    let rows: Vec<(Row, Diff)> = (0..10).map(|k| (row(k, if k < 4 { "a" } else { "b" }), 1)).collect();
    write(&store, &committer, &rows).await?;
    let compute = ComputeController::start(workers, store.clone())?;
    Ok((compute, store, committer, dir))
}

#[tokio::test]
async fn a_materialized_view_writes_its_output_at_its_inputs_times() -> TestResult {
    for workers in [1, 3] {
        let (compute, store, committer, _dir) = start(workers).await?;
        let created = committer.create_writer_timed_collection(VIEW).await?;
        let as_of = (store.upper(TABLE)? - 1).max(created);
        compute.create_sink(VIEW, counts(), as_of, committer.clone())?;
        wait_for_view(&store, as_of, &[count_of("a", 4), count_of("b", 6)]).await?;

        let written = write(&store, &committer, &[(row(20, "a"), 1), (row(5, "b"), -1)]).await?;
        wait_for_view(&store, written, &[count_of("a", 5), count_of("b", 5)]).await?;
        // The change is at the table write's own time.
        let mut before = store.snapshot(VIEW, written - 1)?;
        before.sort();
        assert_eq!(before, [count_of("a", 4), count_of("b", 6)], "{workers} workers");
        compute.drop_sink(VIEW)?;
        compute.shutdown();
    }
    Ok(())
}

#[tokio::test]
async fn a_restarted_sink_corrects_what_the_collection_holds() -> TestResult {
    let (compute, store, committer, _dir) = start(2).await?;
    let created = committer.create_writer_timed_collection(VIEW).await?;
    let as_of = (store.upper(TABLE)? - 1).max(created);
    compute.create_sink(VIEW, counts(), as_of, committer.clone())?;
    wait_for_view(&store, as_of, &[count_of("a", 4), count_of("b", 6)]).await?;
    compute.drop_sink(VIEW)?;
    // While it is stopped: the table changes, and something else writes a
    // wrong row into the view's collection. An append of the stopped sink
    // may still be on its way: retry at the upper found until it goes in.
    let written = write(&store, &committer, &[(row(30, "c"), 1)]).await?;
    let mut attempts = 0;
    loop {
        let upper = store.upper(VIEW)?;
        let mut builder = store.batch_builder()?;
        builder.push(&count_of("bogus", 1).0, 1)?;
        match committer
            .append(VIEW, vec![(builder.finish()?, upper)], upper, upper + 1)
            .await
        {
            Ok(_) => break,
            Err(StorageError::UpperMismatch { .. }) if attempts < 100 => attempts += 1,
            Err(e) => return Err(e.into()),
        }
    }

    // Restarted from its upper, it writes only the difference.
    let restart = store.upper(VIEW)? - 1;
    compute.create_sink(VIEW, counts(), restart.max(store.since(TABLE)?), committer.clone())?;
    let expected = [count_of("a", 4), count_of("b", 6), count_of("c", 1)];
    wait_for_view(&store, written, &expected).await?;
    // Once more, with nothing to correct: still each row once.
    compute.create_sink(VIEW, counts(), store.upper(VIEW)? - 1, committer.clone())?;
    let later = write(&store, &committer, &[]).await?;
    wait_for_view(&store, later, &expected).await?;
    compute.shutdown();
    Ok(())
}

#[tokio::test]
async fn an_evaluation_error_stops_the_view_and_is_reported() -> TestResult {
    let (compute, store, committer, _dir) = start(2).await?;
    // SELECT 100 / (k - 50) FROM t: fine until k = 50 arrives.
    let divided = table().map(vec![
        ScalarExpr::literal(Datum::Int32(100), ScalarType::Int32).call_binary(
            ScalarExpr::Column(0).call_binary(
                ScalarExpr::literal(Datum::Int32(50), ScalarType::Int32),
                BinaryFunc::Arith(ArithOp::Sub, ArithType::Int32),
            ),
            BinaryFunc::Arith(ArithOp::Div, ArithType::Int32),
        ),
    ]);
    let created = committer.create_writer_timed_collection(VIEW).await?;
    let as_of = (store.upper(TABLE)? - 1).max(created);
    compute.create_sink(VIEW, divided, as_of, committer.clone())?;
    assert_eq!(compute.sink_failure(VIEW), None);
    write(&store, &committer, &[(row(50, "z"), 1)]).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut every = tokio::time::interval(Duration::from_millis(20));
    loop {
        every.tick().await;
        if let Some(e) = compute.sink_failure(VIEW) {
            assert!(matches!(e, ComputeError::Eval(_)), "{e:?}");
            break;
        }
        assert!(Instant::now() < deadline, "the error was never reported");
    }
    let stopped_at = store.upper(VIEW)?;
    // The view's upper no longer moves: no result without the failed row.
    write(&store, &committer, &[(row(51, "y"), 1)]).await?;
    assert_eq!(store.upper(VIEW)?, stopped_at);
    compute.shutdown();
    Ok(())
}
