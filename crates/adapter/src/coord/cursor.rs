//! Sequencing cursors over subscriptions: `DECLARE c CURSOR FOR SUBSCRIBE
//! …` starts the subscription and keeps it in the session's transaction;
//! `FETCH` reads some of its rows, waiting for the first one (up to its
//! timeout); `CLOSE`, `COMMIT` and `ROLLBACK` stop it.

use std::collections::VecDeque;
use std::time::Duration;

use freshet_repr::{Row, Timestamp};
use freshet_sql::SubscribePlan;

use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::{ExecuteResponse, TransactionStatus};
use crate::session::Cursor;

impl Coordinator {
    /// `DECLARE`: only inside a transaction block, under a name the
    /// session's cursors do not use yet. Without `AS OF` its subscription
    /// starts at `not_before` or later (real-time recency).
    pub(crate) fn sequence_declare(
        &mut self,
        ctx: ExecuteContext,
        name: String,
        plan: SubscribePlan,
        not_before: Option<Timestamp>,
    ) -> Sequenced {
        let result = self.declare(&ctx, name, plan, not_before);
        Sequenced::Done(ctx, result)
    }

    fn declare(
        &mut self,
        ctx: &ExecuteContext,
        name: String,
        plan: SubscribePlan,
        not_before: Option<Timestamp>,
    ) -> Result<ExecuteResponse, AdapterError> {
        let session = self
            .sessions
            .get(&ctx.conn_id)
            .ok_or_else(|| AdapterError::Internal("session not found".into()))?;
        if session.transaction != TransactionStatus::InTransaction {
            return Err(AdapterError::NoTransactionBlock("DECLARE CURSOR"));
        }
        if session.cursors.contains_key(&name) {
            return Err(AdapterError::DuplicateCursor(name));
        }
        let ExecuteResponse::Subscribing(stream) = self.start_subscribe(ctx, plan, not_before)? else {
            return Err(AdapterError::Internal("a subscription did not start a stream".into()));
        };
        if let Some(session) = self.sessions.get_mut(&ctx.conn_id) {
            session.cursors.insert(
                name,
                Cursor {
                    stream,
                    buffered: VecDeque::new(),
                    finished: false,
                },
            );
        }
        Ok(ExecuteResponse::command("DECLARE CURSOR"))
    }

    /// `FETCH`: the cursor leaves the session while a spawned task waits
    /// for its rows, and comes back with them. A fetch that fails (or is
    /// canceled) loses the cursor, and its transaction fails.
    pub(crate) fn sequence_fetch(
        &mut self,
        ctx: ExecuteContext,
        name: String,
        count: Option<u64>,
        timeout: Option<Duration>,
    ) -> Sequenced {
        let cursor = self
            .sessions
            .get_mut(&ctx.conn_id)
            .and_then(|session| session.cursors.remove(&name));
        let Some(mut cursor) = cursor else {
            return Sequenced::Done(ctx, Err(AdapterError::UnknownCursor(name)));
        };
        self.spawn_then(
            ctx,
            move |mut signal| async move {
                let rows = signal.run(fetch(&mut cursor, count, timeout)).await?;
                Ok((name, cursor, rows))
            },
            |coord, ctx, (name, cursor, rows)| {
                let desc = cursor.stream.desc().clone();
                if let Some(session) = coord.sessions.get_mut(&ctx.conn_id) {
                    session.cursors.insert(name, cursor);
                }
                Sequenced::Done(ctx, Ok(ExecuteResponse::Fetched { desc, rows }))
            },
        );
        Sequenced::Pending
    }

    /// `CLOSE name` or `CLOSE ALL`.
    pub(crate) fn sequence_close(&mut self, ctx: ExecuteContext, name: Option<String>) -> Sequenced {
        let Some(session) = self.sessions.get_mut(&ctx.conn_id) else {
            return Sequenced::Done(ctx, Err(AdapterError::Internal("session not found".into())));
        };
        let result = match name {
            None => {
                session.cursors.clear();
                Ok(ExecuteResponse::command("CLOSE CURSOR ALL"))
            }
            Some(name) => match session.cursors.remove(&name) {
                Some(_) => Ok(ExecuteResponse::command("CLOSE CURSOR")),
                None => Err(AdapterError::UnknownCursor(name)),
            },
        };
        Sequenced::Done(ctx, result)
    }
}

/// Up to `count` rows (all available with `None`): those already
/// received, or else the next ones, waiting for them at most `timeout` (no
/// rows when it runs out).
async fn fetch(cursor: &mut Cursor, count: Option<u64>, timeout: Option<Duration>) -> Result<Vec<Row>, AdapterError> {
    let want = count.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    if want > 0 && cursor.buffered.is_empty() && !cursor.finished {
        let next = cursor.stream.next();
        let received = match timeout {
            Some(timeout) => tokio::time::timeout(timeout, next).await.ok(),
            None => Some(next.await),
        };
        match received.transpose()? {
            Some(Some(rows)) => cursor.buffered.extend(rows),
            Some(None) => cursor.finished = true,
            None => {}
        }
    }
    let n = want.min(cursor.buffered.len());
    Ok(cursor.buffered.drain(..n).collect())
}
