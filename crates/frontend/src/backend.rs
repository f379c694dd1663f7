//! What the protocol handlers need from the adapter, as two small traits.
//!
//! The server runs on [`freshet_adapter::Client`]; the traits exist so the
//! wire protocol can be tested against a scripted backend without booting a
//! coordinator.

use std::future::Future;

use freshet_adapter::{
    AdapterError, Client, ExecuteOutcome, Notice, SessionClient, StartupParams, StatementDesc, TransactionStatus,
};
use freshet_repr::{Row, ScalarType};

/// Opens sessions: the server-wide half of the adapter's client API.
pub(crate) trait Backend: Send + Sync + 'static {
    /// One connection's session; dropping it ends the session.
    type Session: Session;

    /// Opens a session for a client that has just connected.
    fn startup(&self, params: StartupParams) -> impl Future<Output = Result<Self::Session, AdapterError>> + Send;

    /// Cancels the statement session `conn_id` is running, if any; it then
    /// fails with `57014` in its own connection.
    fn cancel(&self, conn_id: u32);

    /// The SCRAM-SHA-256 verifier of `user`'s password, in PostgreSQL's
    /// text form; `None` if the user has none (or does not exist).
    fn password_verifier(&self, user: &str) -> impl Future<Output = Result<Option<String>, AdapterError>> + Send;
}

/// One connection's session: the per-connection half of the adapter's API.
pub(crate) trait Session: Send + Sync + 'static {
    /// The adapter's id for the connection.
    fn conn_id(&self) -> u32;

    /// Notices to send once the connection is ready for queries.
    fn startup_notices(&self) -> &[Notice];

    /// Executes a query string with the simple query protocol's semantics.
    fn execute(&self, sql: &str) -> impl Future<Output = Result<ExecuteOutcome, AdapterError>> + Send;

    /// Describes the one statement of `sql` (`Parse`), with the parameter
    /// types the client gave (`None` for the server to infer).
    fn describe(
        &self,
        sql: &str,
        param_types: Vec<Option<ScalarType>>,
    ) -> impl Future<Output = Result<StatementDesc, AdapterError>> + Send;

    /// Executes a described statement with `values` bound to its parameters.
    fn execute_prepared(
        &self,
        sql: &str,
        desc: &StatementDesc,
        values: Row,
    ) -> impl Future<Output = Result<ExecuteOutcome, AdapterError>> + Send;

    /// The transaction state, after failing the transaction if `fail`.
    fn transaction_status(&self, fail: bool) -> impl Future<Output = Result<TransactionStatus, AdapterError>> + Send;
}

impl Backend for Client {
    type Session = SessionClient;

    fn startup(&self, params: StartupParams) -> impl Future<Output = Result<SessionClient, AdapterError>> + Send {
        Client::startup(self, params)
    }

    fn cancel(&self, conn_id: u32) {
        Client::cancel(self, conn_id);
    }

    fn password_verifier(&self, user: &str) -> impl Future<Output = Result<Option<String>, AdapterError>> + Send {
        Client::password_verifier(self, user)
    }
}

impl Session for SessionClient {
    fn conn_id(&self) -> u32 {
        SessionClient::conn_id(self)
    }

    fn startup_notices(&self) -> &[Notice] {
        SessionClient::startup_notices(self)
    }

    fn execute(&self, sql: &str) -> impl Future<Output = Result<ExecuteOutcome, AdapterError>> + Send {
        SessionClient::execute(self, sql)
    }

    fn describe(
        &self,
        sql: &str,
        param_types: Vec<Option<ScalarType>>,
    ) -> impl Future<Output = Result<StatementDesc, AdapterError>> + Send {
        SessionClient::describe(self, sql, param_types)
    }

    fn execute_prepared(
        &self,
        sql: &str,
        desc: &StatementDesc,
        values: Row,
    ) -> impl Future<Output = Result<ExecuteOutcome, AdapterError>> + Send {
        SessionClient::execute_prepared(self, sql, desc, values)
    }

    fn transaction_status(&self, fail: bool) -> impl Future<Output = Result<TransactionStatus, AdapterError>> + Send {
        SessionClient::transaction_status(self, fail)
    }
}
