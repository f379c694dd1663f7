//! The protocol between clients and the coordinator task.

use tokio::sync::oneshot;

use crate::AdapterError;
use freshet_repr::{RelationDesc, Row, ScalarType};

use crate::client::{ConnectionId, ExecuteOutcome, Notice, StartupParams, StatementDesc, TransactionStatus};

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
    /// Plans the one statement of `sql` without executing it, to describe
    /// it: its parameters' types (`param_types` holds those the client
    /// gave) and its result columns. Answered exactly once.
    Describe {
        conn_id: ConnectionId,
        sql: String,
        param_types: Vec<Option<ScalarType>>,
        tx: oneshot::Sender<Result<StatementDesc, AdapterError>>,
    },
    /// Executes the one statement of `sql` with `values` bound to its
    /// parameters (of `param_types`), as described: `result` is the
    /// description its result must still match. Answered exactly once.
    ExecutePrepared {
        conn_id: ConnectionId,
        sql: String,
        param_types: Vec<ScalarType>,
        values: Row,
        result: Option<RelationDesc>,
        tx: oneshot::Sender<ExecuteOutcome>,
    },
    /// Reports the session's transaction state; with `fail`, first fails
    /// its transaction block, if any (an error outside the adapter, such
    /// as a parameter that did not decode, ended the client's batch).
    TransactionStatus {
        conn_id: ConnectionId,
        fail: bool,
        tx: oneshot::Sender<TransactionStatus>,
    },
    /// Looks up the password verifier of `user` (PostgreSQL's SCRAM text
    /// form), for a client authenticating before its session opens.
    /// Answered exactly once, with `None` for a user without one.
    PasswordVerifier {
        user: String,
        tx: oneshot::Sender<Option<String>>,
    },
    /// Cancels the statement the session of `conn_id` is running, if one
    /// is still running and can stop without effect: it then fails with
    /// [`AdapterError::Canceled`]. Sent by the frontend once it has checked
    /// the cancel request's secret key; never answered.
    Cancel { conn_id: ConnectionId },
    /// Ends the session of `conn_id`. Sent exactly once, when the
    /// connection closes; never answered.
    Terminate { conn_id: ConnectionId },
}
