//! Subscriptions: the contents at the start, then every change at its
//! time, complete per time whatever the number of workers.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use common::{TABLE, TestResult, changes_through, next, publish, row, table};

use freshet_compute::{ComputeController, ComputeError, SubscribeEvent};
use freshet_expr::{AggregateExpr, AggregateFunc, ArithOp, ArithType, BinaryFunc, EvalError, RelExpr, ScalarExpr};
use freshet_repr::{Datum, Diff, Row, ScalarType};
use freshet_storage::Store;

fn start(workers: usize) -> Result<(ComputeController, Store, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    store.create_collection(TABLE, 1)?;
    let rows: Vec<(Row, Diff)> = (0..10).map(|k| (row(k, "a"), 1)).collect();
    publish(&store, &rows, 1, 1 + 1)?;
    Ok((ComputeController::start(workers, store.clone())?, store, dir))
}

#[tokio::test]
async fn a_subscription_streams_the_snapshot_then_each_change_at_its_time() -> TestResult {
    for workers in [1, 2, 4] {
        let (compute, store, _dir) = start(workers)?;
        let mut subscription = compute.subscribe(table(), 1)?;
        let snapshot = changes_through(&mut subscription, 2).await?;
        let expected: Vec<_> = (0..10).map(|k| (row(k, "a"), 1, 1)).collect();
        assert_eq!(snapshot, expected, "{workers} workers");

        // One batch at one time: an update is a retraction and an insertion.
        publish(
            &store,
            &[(row(3, "a"), -1), (row(3, "b"), 1), (row(11, "c"), 1)],
            5,
            5 + 1,
        )?;
        let changes = changes_through(&mut subscription, 6).await?;
        assert_eq!(
            changes,
            vec![(row(3, "a"), 5, -1), (row(3, "b"), 5, 1), (row(11, "c"), 5, 1)],
            "{workers} workers"
        );
        drop(subscription);
        compute.shutdown();
    }
    Ok(())
}

#[tokio::test]
async fn an_aggregate_subscription_retracts_the_old_value() -> TestResult {
    let (compute, store, _dir) = start(3)?;
    let count = table().reduce(
        vec![],
        vec![AggregateExpr {
            func: AggregateFunc::CountAll,
            expr: ScalarExpr::literal(Datum::True, ScalarType::Bool),
            distinct: false,
        }],
    );
    let mut subscription = compute.subscribe(count, 1)?;
    let n = |n: i64| Row::pack([Datum::Int64(n)]);
    assert_eq!(changes_through(&mut subscription, 2).await?, vec![(n(10), 1, 1)]);
    publish(&store, &[(row(20, "x"), 1), (row(21, "x"), 1)], 3, 3 + 1)?;
    assert_eq!(
        changes_through(&mut subscription, 4).await?,
        vec![(n(10), 3, -1), (n(12), 3, 1)]
    );
    // A time at which nothing changed only moves the frontier.
    publish(&store, &[], 4, 4 + 1)?;
    assert_eq!(changes_through(&mut subscription, 5).await?, vec![]);
    compute.shutdown();
    Ok(())
}

#[tokio::test]
async fn an_evaluation_error_ends_the_subscription() -> TestResult {
    let (compute, store, _dir) = start(2)?;
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
    let mut subscription = compute.subscribe(divided, 1)?;
    assert_eq!(changes_through(&mut subscription, 2).await?.len(), 10);
    publish(&store, &[(row(50, "z"), 1)], 3, 3 + 1)?;
    match next(&mut subscription).await? {
        SubscribeEvent::Error(ComputeError::Eval(EvalError::DivisionByZero)) => {}
        other => return Err(format!("expected division by zero, got {other:?}").into()),
    }
    compute.shutdown();
    Ok(())
}

#[tokio::test]
async fn a_dropped_input_ends_the_subscription_with_an_error() -> TestResult {
    let (compute, store, _dir) = start(2)?;
    let mut subscription = compute.subscribe(table(), 1)?;
    changes_through(&mut subscription, 2).await?;
    store.drop_collection(TABLE)?;
    match next(&mut subscription).await? {
        SubscribeEvent::Error(ComputeError::Storage(_)) => {}
        other => return Err(format!("expected a storage error, got {other:?}").into()),
    }
    compute.shutdown();
    Ok(())
}

#[tokio::test]
async fn a_constant_subscription_completes() -> TestResult {
    let (compute, _store, _dir) = start(2)?;
    let constant = RelExpr::Constant {
        rows: Ok(vec![(Row::pack([Datum::Int32(7)]), 2)]),
        typ: vec![ScalarType::Int32.nullable(false)],
    };
    let mut subscription = compute.subscribe(constant, 9)?;
    let mut changes = Vec::new();
    loop {
        match next(&mut subscription).await? {
            SubscribeEvent::Batch { updates, upper: None } => {
                changes.extend(updates);
                break;
            }
            SubscribeEvent::Batch { updates, .. } => changes.extend(updates),
            SubscribeEvent::Error(e) => return Err(e.into()),
        }
    }
    assert_eq!(changes, vec![(Row::pack([Datum::Int32(7)]), 9, 2)]);
    assert_eq!(subscription.next().await, None);
    compute.shutdown();
    Ok(())
}
