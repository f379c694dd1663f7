//! Temporal filters: a filter comparing `mz_now()` with a row's columns
//! presents each row from its lower bound until its upper bound, in indexes
//! and subscriptions alike; a one-off read at a time agrees with binding
//! `mz_now()` to that time.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use common::{INDEX, TABLE, TestResult, index_of, next, publish};

use freshet_compute::{ComputeController, SubscribeEvent, Subscription};
use freshet_expr::{BinaryFunc, EvalError, RelExpr, ScalarExpr, UnmaterializableFunc, VariadicFunc};
use freshet_repr::{Datum, Diff, Row, ScalarType, Timestamp};
use freshet_storage::Store;

/// A row `(id, valid_from, valid_until)`; `valid_until` may be NULL.
fn row(id: i32, from: u64, until: Option<u64>) -> Row {
    Row::pack([
        Datum::Int32(id),
        Datum::UInt64(from),
        until.map_or(Datum::Null, Datum::UInt64),
    ])
}

fn table() -> RelExpr {
    RelExpr::Get {
        id: TABLE,
        typ: vec![
            ScalarType::Int32.nullable(false),
            ScalarType::UInt64.nullable(false),
            ScalarType::UInt64.nullable(true),
        ],
    }
}

fn now() -> ScalarExpr {
    ScalarExpr::CallUnmaterializable(UnmaterializableFunc::MzNow)
}

/// `WHERE mz_now() >= valid_from AND mz_now() < valid_until`.
fn windowed() -> RelExpr {
    table().filter(vec![ScalarExpr::CallVariadic {
        func: VariadicFunc::And,
        exprs: vec![
            now().call_binary(ScalarExpr::Column(1), BinaryFunc::Gte),
            now().call_binary(ScalarExpr::Column(2), BinaryFunc::Lt),
        ],
    }])
}

/// Rows 1 (present in [0, 10)), 2 ([5, 20)), 3 ([0, forever)), 4 (an
/// empty window) and 5 (a NULL bound: never) at time 1.
fn start(workers: usize) -> Result<(ComputeController, Store, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    store.create_collection(TABLE, 1)?;
    let rows = [
        (row(1, 0, Some(10)), 1),
        (row(2, 5, Some(20)), 1),
        (row(3, 0, Some(u64::MAX)), 1),
        (row(4, 8, Some(8)), 1),
        (row(5, 0, None), 1),
    ];
    publish(&store, &rows, 1, 2)?;
    Ok((ComputeController::start(workers, store.clone())?, store, dir))
}

/// The ids of `rows`, sorted, each once per multiplicity.
fn ids(rows: &[(Row, Diff)]) -> Vec<i32> {
    let mut ids: Vec<i32> = rows
        .iter()
        .flat_map(|(row, diff)| {
            let id = match row.unpack_first() {
                Datum::Int32(id) => id,
                _ => -1,
            };
            std::iter::repeat_n(id, usize::try_from(*diff).unwrap_or(usize::MAX))
        })
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn an_index_presents_each_row_within_its_window() -> TestResult {
    for workers in [1, 3] {
        let (compute, store, _dir) = start(workers)?;
        compute.create_index(INDEX, windowed(), vec![ScalarExpr::Column(0)], 1)?;
        let at = |t: Timestamp| {
            let compute = compute.clone();
            async move { compute.peek_index(INDEX, index_of(&windowed()), None, t).await }
        };
        assert_eq!(ids(&at(1).await?), vec![1, 3], "{workers} workers");

        // The inputs move on: reads at every earlier time see exactly the
        // rows whose windows hold it, retractions at later times unseen.
        publish(&store, &[], 2, 30)?;
        let expected: [(Timestamp, Vec<i32>); 7] = [
            (4, vec![1, 3]),
            (5, vec![1, 2, 3]),
            (8, vec![1, 2, 3]),
            (9, vec![1, 2, 3]),
            (10, vec![2, 3]),
            (19, vec![2, 3]),
            (20, vec![3]),
        ];
        for (t, rows) in expected {
            assert_eq!(ids(&at(t).await?), rows, "at {t}, {workers} workers");
            // A one-off dataflow reading at `t` with mz_now() bound agrees.
            let bound = compute.peek(windowed().bind_now(t), t).await?;
            assert_eq!(ids(&bound), rows, "bound at {t}, {workers} workers");
        }

        // A row arriving inside its window shows at once; one arriving
        // after its window never does; both leave on time.
        publish(
            &store,
            &[
                (row(6, 0, Some(40)), 1),
                (row(7, 0, Some(31)), 1),
                (row(8, 0, Some(25)), 1),
            ],
            35,
            36,
        )?;
        assert_eq!(ids(&at(35).await?), vec![3, 6], "{workers} workers");
        publish(&store, &[], 36, 41)?;
        assert_eq!(ids(&at(39).await?), vec![3, 6], "{workers} workers");
        assert_eq!(ids(&at(40).await?), vec![3], "{workers} workers");
        compute.shutdown();
    }
    Ok(())
}

/// Changes read until the frontier reaches `upper`, by row id.
async fn changes_through(
    subscription: &mut Subscription,
    upper: Timestamp,
) -> Result<Vec<(i32, Timestamp, Diff)>, Box<dyn std::error::Error>> {
    Ok(common::changes_through(subscription, upper)
        .await?
        .into_iter()
        .map(|(row, time, diff)| (ids(&[(row, 1)]).first().copied().unwrap_or(-1), time, diff))
        .collect())
}

#[tokio::test]
async fn a_subscription_shows_rows_entering_and_leaving_at_their_bounds() -> TestResult {
    let (compute, store, _dir) = start(2)?;
    let mut subscription = compute.subscribe(windowed(), 1)?;
    let mut snapshot = changes_through(&mut subscription, 2).await?;
    snapshot.sort();
    assert_eq!(snapshot, vec![(1, 1, 1), (3, 1, 1)]);

    // Nothing changes in storage; only time passes.
    publish(&store, &[], 2, 12)?;
    assert_eq!(
        changes_through(&mut subscription, 12).await?,
        vec![(2, 5, 1), (1, 10, -1)]
    );
    publish(&store, &[], 12, 25)?;
    assert_eq!(changes_through(&mut subscription, 25).await?, vec![(2, 20, -1)]);

    // A deletion before the bound retracts once, at its own time.
    publish(&store, &[(row(6, 0, Some(50)), 1)], 25, 26)?;
    assert_eq!(changes_through(&mut subscription, 26).await?, vec![(6, 25, 1)]);
    publish(&store, &[(row(6, 0, Some(50)), -1)], 30, 60)?;
    assert_eq!(changes_through(&mut subscription, 60).await?, vec![(6, 30, -1)]);
    drop(subscription);
    compute.shutdown();
    Ok(())
}

#[tokio::test]
async fn a_bound_that_fails_is_an_error_and_misplaced_calls_fail_every_row() -> TestResult {
    let (compute, _store, _dir) = start(1)?;
    // valid_from / 0: every row's bound fails.
    let failing = table().filter(vec![now().call_binary(
        ScalarExpr::Column(1).call_binary(
            ScalarExpr::literal(Datum::UInt64(0), ScalarType::UInt64),
            BinaryFunc::Arith(freshet_expr::ArithOp::Div, freshet_expr::ArithType::UInt64),
        ),
        BinaryFunc::Gte,
    )]);
    compute.create_index(INDEX, failing.clone(), vec![ScalarExpr::Column(0)], 1)?;
    let read = compute.peek_index(INDEX, index_of(&failing), None, 1).await;
    assert!(
        matches!(
            read,
            Err(freshet_compute::ComputeError::Eval(EvalError::DivisionByZero))
        ),
        "{read:?}"
    );
    // Planning refuses `mz_now() <> x`; a plan built by hand still never
    // answers rows.
    let not_equal = table().filter(vec![now().call_binary(ScalarExpr::Column(1), BinaryFunc::NotEq)]);
    let mut subscription = compute.subscribe(not_equal, 1)?;
    let event = next(&mut subscription).await?;
    assert!(
        matches!(
            event,
            SubscribeEvent::Error(freshet_compute::ComputeError::Eval(
                EvalError::UnsupportedTemporalPredicate(_)
            ))
        ),
        "{event:?}"
    );
    compute.shutdown();
    Ok(())
}
