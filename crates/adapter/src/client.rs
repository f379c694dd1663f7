//! The adapter's client side: what the frontend holds per server and per
//! connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use freshet_repr::{RelationDesc, Row, ScalarType};
use tokio::sync::{mpsc, oneshot};

use crate::AdapterError;
use crate::command::Command;

/// Identifies one client connection for its lifetime.
pub type ConnectionId = u32;

/// The handle the frontend uses to open sessions. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    tx: mpsc::UnboundedSender<Command>,
    next_conn_id: Arc<AtomicU32>,
}

/// What a client says when it connects.
#[derive(Debug, Clone, Default)]
pub struct StartupParams {
    /// The user name.
    pub user: String,
    /// The database asked for (the session's `database` variable).
    pub database: Option<String>,
    /// The `application_name`, if given.
    pub application_name: Option<String>,
}

/// A message to the client that is not an error: a NOTICE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The message, PostgreSQL style.
    pub message: String,
    /// A hint, if one helps.
    pub hint: Option<String>,
}

/// The state of the session's transaction after a statement, for the
/// `ReadyForQuery` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    /// Not in an explicit transaction.
    Idle,
    /// In an explicit transaction.
    InTransaction,
    /// In an explicit transaction that failed: only `ROLLBACK` is accepted.
    Failed,
}

/// The result of one statement.
#[derive(Debug)]
pub enum ExecuteResponse {
    /// Rows to send: `SELECT`, `SHOW`, `EXPLAIN`.
    Rows {
        /// The names and types of the columns.
        desc: RelationDesc,
        /// The rows, in order.
        rows: Vec<Row>,
    },
    /// A command that returns no rows, with its completion tag
    /// (`CREATE TABLE`, `SET`).
    Command {
        /// The tag.
        tag: String,
    },
    /// `FETCH`: rows read from a cursor.
    Fetched {
        /// The names and types of the columns.
        desc: RelationDesc,
        /// The rows, in order.
        rows: Vec<Row>,
    },
    /// `SUBSCRIBE`: a stream of output rows the client reads until it
    /// ends (or the client goes away, which drops it and stops its dataflow).
    Subscribing(Box<crate::SubscribeStream>),
    /// `BEGIN`: the tag, and the session is now in a transaction.
    TransactionStarted,
    /// `COMMIT`/`ROLLBACK`: the tag, and the session is no longer in a transaction.
    TransactionEnded {
        /// `COMMIT` or `ROLLBACK`.
        tag: String,
    },
}

impl ExecuteResponse {
    /// The response of a command that returns no rows, tagged `tag`.
    pub(crate) fn command(tag: &str) -> ExecuteResponse {
        ExecuteResponse::Command { tag: tag.to_owned() }
    }
}

/// What describing a prepared statement tells: what its parameters are and
/// what it returns.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementDesc {
    /// Each parameter's type (`$1` first).
    pub param_types: Vec<ScalarType>,
    /// The result's columns, `None` for a statement that returns no rows.
    pub result: Option<RelationDesc>,
}

/// One statement's outcome: its notices, then its response or error.
#[derive(Debug)]
pub struct StatementOutcome {
    /// Notices raised while executing it, in order.
    pub notices: Vec<Notice>,
    /// What it returned.
    pub result: Result<ExecuteResponse, AdapterError>,
}

/// The outcome of a query string: one entry per statement executed, in
/// order; execution stops after the first error.
#[derive(Debug)]
pub struct ExecuteOutcome {
    /// The statements' outcomes. Empty for a string with no statements.
    pub statements: Vec<StatementOutcome>,
    /// The transaction state afterwards.
    pub status: TransactionStatus,
}

impl Client {
    pub(crate) fn new(tx: mpsc::UnboundedSender<Command>) -> Client {
        Client {
            tx,
            next_conn_id: Arc::new(AtomicU32::new(1)),
        }
    }

    /// Opens a session. The session ends when the returned handle is dropped.
    pub async fn startup(&self, params: StartupParams) -> Result<SessionClient, AdapterError> {
        let conn_id = self.next_conn_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::Startup { conn_id, params, tx })
            .map_err(|_| AdapterError::Shutdown)?;
        let notices = rx.await.map_err(|_| AdapterError::Shutdown)??;
        Ok(SessionClient {
            conn_id,
            tx: self.tx.clone(),
            startup_notices: notices,
        })
    }

    /// The SCRAM-SHA-256 verifier of `user`'s password, in PostgreSQL's text
    /// form; `None` if the user has no password (or does not exist).
    pub async fn password_verifier(&self, user: &str) -> Result<Option<String>, AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::PasswordVerifier {
                user: user.to_owned(),
                tx,
            })
            .map_err(|_| AdapterError::Shutdown)?;
        rx.await.map_err(|_| AdapterError::Shutdown)
    }

    /// Cancels the statement connection `conn_id` is running, if any. The
    /// caller must have checked that the request comes from that
    /// connection's client (its secret key).
    pub fn cancel(&self, conn_id: ConnectionId) {
        // The coordinator may already be gone at shutdown; nothing to cancel then.
        let _ = self.tx.send(Command::Cancel { conn_id });
    }
}

/// One connection's session. Dropping it ends the session.
#[derive(Debug)]
pub struct SessionClient {
    conn_id: ConnectionId,
    tx: mpsc::UnboundedSender<Command>,
    startup_notices: Vec<Notice>,
}

impl SessionClient {
    /// The connection's id.
    pub fn conn_id(&self) -> ConnectionId {
        self.conn_id
    }

    /// Notices to send right after startup (e.g. the database does not exist).
    pub fn startup_notices(&self) -> &[Notice] {
        &self.startup_notices
    }

    /// Executes the statements of a query string (the simple query
    /// protocol), in order, stopping at the first error.
    pub async fn execute(&self, sql: &str) -> Result<ExecuteOutcome, AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::Execute {
                conn_id: self.conn_id,
                sql: sql.to_owned(),
                tx,
            })
            .map_err(|_| AdapterError::Shutdown)?;
        rx.await.map_err(|_| AdapterError::Shutdown)
    }

    /// Describes the one statement of `sql` without executing it (the
    /// extended query protocol's `Parse`): `param_types` are the types the
    /// client gave its parameters, `None` where the server is to infer one.
    pub async fn describe(
        &self,
        sql: &str,
        param_types: Vec<Option<ScalarType>>,
    ) -> Result<StatementDesc, AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::Describe {
                conn_id: self.conn_id,
                sql: sql.to_owned(),
                param_types,
                tx,
            })
            .map_err(|_| AdapterError::Shutdown)?;
        rx.await.map_err(|_| AdapterError::Shutdown)?
    }

    /// Executes the one statement of `sql`, described as `desc`, with
    /// `values` (one datum per parameter, each of its described type) bound
    /// to its parameters. Fails with "cached plan must not change result
    /// type" if its result no longer matches `desc`.
    pub async fn execute_prepared(
        &self,
        sql: &str,
        desc: &StatementDesc,
        values: Row,
    ) -> Result<ExecuteOutcome, AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::ExecutePrepared {
                conn_id: self.conn_id,
                sql: sql.to_owned(),
                param_types: desc.param_types.clone(),
                values,
                result: desc.result.clone(),
                tx,
            })
            .map_err(|_| AdapterError::Shutdown)?;
        rx.await.map_err(|_| AdapterError::Shutdown)
    }

    /// The session's transaction state. With `fail`, an explicit
    /// transaction fails first, as an error in it does (for errors the
    /// frontend finds itself, such as a parameter value that does not parse).
    pub async fn transaction_status(&self, fail: bool) -> Result<TransactionStatus, AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::TransactionStatus {
                conn_id: self.conn_id,
                fail,
                tx,
            })
            .map_err(|_| AdapterError::Shutdown)?;
        rx.await.map_err(|_| AdapterError::Shutdown)
    }
}

impl Drop for SessionClient {
    fn drop(&mut self) {
        // The coordinator may already be gone at shutdown; nothing to do then.
        let _ = self.tx.send(Command::Terminate { conn_id: self.conn_id });
    }
}
