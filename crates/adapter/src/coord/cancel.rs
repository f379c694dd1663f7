//! Stopping a statement before it finishes: a client's cancel request, or
//! the session's `statement_timeout` running out.
//!
//! Only the spawned part of a statement can be stopped (what runs in the
//! coordinator's task is quick). That part runs the steps that may stop
//! through [`CancelSignal::run`]: waits and reads, never the commit of a
//! write, so a canceled statement has had no effect.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::Coordinator;
use crate::client::ConnectionId;
use crate::error::{AdapterError, CancelReason};

/// What a spawned statement checks to learn that it must stop.
#[derive(Debug)]
pub(crate) struct CancelSignal {
    requested: watch::Receiver<Option<CancelReason>>,
    /// When the statement times out, if the session set a timeout.
    deadline: Option<Instant>,
}

impl CancelSignal {
    /// Runs `step` to its end, unless the statement is canceled or times out
    /// first: `step` is then dropped where it is waiting, and the statement
    /// fails with [`AdapterError::Canceled`]. `step` must have no effect
    /// that outlives it being dropped.
    pub(crate) async fn run<T>(
        &mut self,
        step: impl Future<Output = Result<T, AdapterError>>,
    ) -> Result<T, AdapterError> {
        let deadline = self.deadline;
        let timeout = async move {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        let requested = async {
            let requested = self
                .requested
                .wait_for(Option::is_some)
                .await
                .ok()
                .map(|reason| *reason);
            match requested {
                Some(reason) => reason.unwrap_or(CancelReason::UserRequest),
                // The statement finished as far as the coordinator knows.
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            result = step => result,
            reason = requested => Err(AdapterError::Canceled(reason)),
            () = timeout => Err(AdapterError::Canceled(CancelReason::StatementTimeout)),
        }
    }
}

impl Coordinator {
    /// A signal for the statement `conn_id` is about to spawn, which
    /// [`Coordinator::cancel`] fires; it times out after `timeout`.
    pub(crate) fn cancel_signal(&mut self, conn_id: ConnectionId, timeout: Option<Duration>) -> CancelSignal {
        let (tx, requested) = watch::channel(None);
        self.cancels.insert(conn_id, tx);
        CancelSignal {
            requested,
            deadline: timeout.map(|timeout| Instant::now() + timeout),
        }
    }

    /// Cancels the statement `conn_id` is running, if it still runs.
    pub(crate) fn cancel(&mut self, conn_id: ConnectionId, reason: CancelReason) {
        if let Some(tx) = self.cancels.remove(&conn_id) {
            tracing::info!(conn_id, %reason, "canceling a statement");
            let _ = tx.send(Some(reason));
        }
    }
}
