//! What the compute tests share: a key-value table, publishing to it at
//! chosen times, and reading a subscription with a deadline.

use std::time::Duration;

use freshet_compute::{SubscribeEvent, Subscription};
use freshet_expr::RelExpr;
use freshet_repr::{Datum, Diff, GlobalId, Row, ScalarType, Timestamp};
use freshet_storage::{Publish, Store};

/// A test's result.
pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The table the tests write.
pub(crate) const TABLE: GlobalId = GlobalId::User(1);
/// The index (or view) the tests build over it.
pub(crate) const INDEX: GlobalId = GlobalId::User(2);

/// A row `(k, v)` of the key-value table.
pub(crate) fn row(k: i32, v: &str) -> Row {
    Row::pack([Datum::Int32(k), Datum::String(v)])
}

/// The key-value table `(k int, v text)`.
pub(crate) fn table() -> RelExpr {
    RelExpr::Get {
        id: TABLE,
        typ: vec![ScalarType::Int32.nullable(false), ScalarType::Text.nullable(false)],
    }
}

/// `Get` of the index, typed as `plan`'s output: what index peeks read.
pub(crate) fn index_of(plan: &RelExpr) -> RelExpr {
    RelExpr::Get {
        id: INDEX,
        typ: plan.typ(),
    }
}

/// Publishes `updates` to the table at `ts` and moves its upper to `upper`.
pub(crate) fn publish(store: &Store, updates: &[(Row, Diff)], ts: Timestamp, upper: Timestamp) -> TestResult {
    let mut builder = store.batch_builder()?;
    for (row, diff) in updates {
        builder.push(row, *diff)?;
    }
    store.publish(vec![Publish {
        collection: TABLE,
        batches: vec![(builder.finish()?, ts)],
        new_upper: upper,
        offset: None,
    }])?;
    Ok(())
}

/// The next event, failing the test if none comes within a minute.
pub(crate) async fn next(subscription: &mut Subscription) -> Result<SubscribeEvent, Box<dyn std::error::Error>> {
    let event = tokio::time::timeout(Duration::from_secs(60), subscription.next()).await?;
    event.ok_or_else(|| "the subscription ended".into())
}

/// Reads events until the frontier reaches `upper`; returns their changes
/// and checks that times only grow and every change is below its batch's upper.
pub(crate) async fn changes_through(
    subscription: &mut Subscription,
    upper: Timestamp,
) -> Result<Vec<(Row, Timestamp, Diff)>, Box<dyn std::error::Error>> {
    let mut changes: Vec<(Row, Timestamp, Diff)> = Vec::new();
    loop {
        match next(subscription).await? {
            SubscribeEvent::Batch {
                updates,
                upper: Some(frontier),
            } => {
                for (_, time, _) in &updates {
                    assert!(*time < frontier, "a change at {time} came with frontier {frontier}");
                    assert!(
                        changes.last().is_none_or(|(_, last, _)| last <= time),
                        "times went back"
                    );
                }
                changes.extend(updates);
                if frontier >= upper {
                    return Ok(changes);
                }
            }
            other => return Err(format!("unexpected event {other:?}").into()),
        }
    }
}
