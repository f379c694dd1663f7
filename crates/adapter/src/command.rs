//! The protocol between clients and the coordinator task.

use tokio::sync::oneshot;

use crate::AdapterError;
use crate::client::{ConnectionId, ExecuteOutcome, Notice, StartupParams};

/// A request to the coordinator.
#[derive(Debug)]
pub(crate) enum Command {
    /// Opens a session for `conn_id`. Must be sent exactly once per
    /// connection, before any `Execute` for it; answered exactly once with
    /// the startup notices or the reason the session was refused.
    Startup {
        conn_id: ConnectionId,
        params: StartupParams,
        tx: oneshot::Sender<Result<Vec<Notice>, AdapterError>>,
    },
    /// Executes a query string in the session of `conn_id`. Answered
    /// exactly once, when every statement has finished or one failed.
    Execute {
        conn_id: ConnectionId,
        sql: String,
        tx: oneshot::Sender<ExecuteOutcome>,
    },
    /// Ends the session of `conn_id`. Sent exactly once, when the
    /// connection closes; never answered.
    Terminate { conn_id: ConnectionId },
}
