//! Peeks run as dataflows on several timely workers and come back whole.

use freshet_compute::{ComputeController, ComputeError};
use freshet_expr::{ArithOp, ArithType, BinaryFunc, EvalError, RelExpr, ScalarExpr};
use freshet_repr::{Datum, Row, ScalarType};

fn numbers(n: i32) -> RelExpr {
    RelExpr::Constant {
        rows: Ok((0..n).map(|i| (Row::pack([Datum::Int32(i)]), 1)).collect()),
        typ: vec![ScalarType::Int32.nullable(false)],
    }
}

fn int(i: i32) -> ScalarExpr {
    ScalarExpr::literal(Datum::Int32(i), ScalarType::Int32)
}

/// A controller over a fresh store, which the returned directory keeps.
fn start(workers: usize) -> Result<(ComputeController, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = freshet_storage::Store::open(dir.path())?;
    Ok((ComputeController::start(workers, store)?, dir))
}

#[tokio::test]
async fn map_filter_project_over_several_workers() -> Result<(), Box<dyn std::error::Error>> {
    let (compute, _dir) = start(3)?;
    // SELECT i * 2 FROM numbers(100) WHERE i % 10 = 0
    let plan = numbers(100)
        .filter(vec![
            ScalarExpr::Column(0)
                .call_binary(int(10), BinaryFunc::Arith(ArithOp::Mod, ArithType::Int32))
                .call_binary(int(0), BinaryFunc::Eq),
        ])
        .map(vec![
            ScalarExpr::Column(0).call_binary(int(2), BinaryFunc::Arith(ArithOp::Mul, ArithType::Int32)),
        ])
        .project(vec![1]);
    let mut rows = compute.peek(plan, 0).await?;
    rows.sort();
    let values: Vec<(i32, i64)> = rows
        .iter()
        .map(|(row, diff)| match row.unpack_first() {
            Datum::Int32(v) => (v, *diff),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(values, (0..10).map(|i| (i * 20, 1)).collect::<Vec<_>>());

    // Many peeks in flight at once each get their own answer.
    let peeks: Vec<_> = (1..20).map(|n| compute.peek(numbers(n), 0)).collect();
    for (n, peek) in (1..20).zip(peeks) {
        assert_eq!(peek.await?.len(), n as usize);
    }
    compute.shutdown();
    Ok(())
}

#[tokio::test]
async fn evaluation_errors_fail_the_peek() -> Result<(), Box<dyn std::error::Error>> {
    let (compute, _dir) = start(2)?;
    // SELECT 100 / (i - 5) FROM numbers(10): row 5 divides by zero.
    let plan = numbers(10).map(vec![int(100).call_binary(
        ScalarExpr::Column(0).call_binary(int(5), BinaryFunc::Arith(ArithOp::Sub, ArithType::Int32)),
        BinaryFunc::Arith(ArithOp::Div, ArithType::Int32),
    )]);
    assert_eq!(
        compute.peek(plan, 0).await,
        Err(ComputeError::Eval(EvalError::DivisionByZero))
    );
    let constant_error = RelExpr::Constant {
        rows: Err(EvalError::DivisionByZero),
        typ: vec![],
    };
    assert_eq!(
        compute.peek(constant_error, 0).await,
        Err(ComputeError::Eval(EvalError::DivisionByZero))
    );
    compute.shutdown();
    Ok(())
}

#[tokio::test]
async fn peeks_read_collections_at_their_as_of() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = freshet_storage::Store::open(dir.path())?;
    let id = freshet_repr::GlobalId::User(1);
    store.create_collection(id, 10)?;
    for (ts, values) in [(10, vec![1, 2, 3]), (11, vec![4])] {
        let mut builder = store.batch_builder()?;
        for v in values {
            builder.push(&Row::pack([Datum::Int32(v)]), 1)?;
        }
        let batch = builder.finish()?;
        store.publish(vec![freshet_storage::Publish {
            collection: id,
            batches: vec![(batch, ts)],
            new_upper: ts + 1,
            offset: None,
        }])?;
    }
    let compute = ComputeController::start(2, store.clone())?;
    let get = RelExpr::Get {
        id,
        typ: vec![ScalarType::Int32.nullable(false)],
    };
    // Every row of the collection at 10, none of 11's.
    assert_eq!(compute.peek(get.clone(), 10).await?.len(), 3);
    assert_eq!(compute.peek(get.clone(), 11).await?.len(), 4);
    // A time the collection is not complete for is an error, not a guess.
    assert!(matches!(compute.peek(get, 12).await, Err(ComputeError::Storage(_))));
    compute.shutdown();
    Ok(())
}

/// A worker that panics (here on an ill-typed plan, which the planner never
/// makes) fails the peek in flight and every later one, instead of leaving
/// them waiting for a worker that is gone.
#[tokio::test]
async fn a_worker_panic_fails_peeks_instead_of_hanging() -> Result<(), Box<dyn std::error::Error>> {
    let (compute, _dir) = start(2)?;
    // One row, so one worker evaluates it and the other waits for its peer.
    let ill_typed = RelExpr::Constant {
        rows: Ok(vec![(Row::pack([Datum::Int64(1)]), 1)]),
        typ: vec![ScalarType::Int64.nullable(false)],
    }
    .map(vec![
        ScalarExpr::Column(0).call_binary(int(1), BinaryFunc::Arith(ArithOp::Add, ArithType::Int32)),
    ]);
    let deadline = std::time::Duration::from_secs(60);
    let first = tokio::time::timeout(deadline, compute.peek(ill_typed, 0)).await?;
    assert!(matches!(first, Err(ComputeError::WorkersStopped)), "{first:?}");
    let later = tokio::time::timeout(deadline, compute.peek(numbers(3), 0)).await?;
    assert!(matches!(later, Err(ComputeError::WorkersStopped)), "{later:?}");
    // The surviving worker still holds the store: it must end, closing the
    // store, before the process exits (RocksDB aborts on an open database).
    let stopping = tokio::task::spawn_blocking(move || compute.shutdown());
    tokio::time::timeout(deadline, stopping).await??;
    Ok(())
}
