//! The database sessions a test file talks to, and the routing of `connection NAME`
//! records to them.
//!
//! The `sqllogictest` crate keys its connections by name but calls its connection
//! factory without telling it the name. [`SessionFactory`] closes that gap: before each
//! record runs, the caller announces the record through
//! [`ConnectionSelector::select_for`], and when the crate then asks for a new
//! connection, the factory builds the kind that name is routed to.
//!
//! The same announcement carries the column types a `query` record declares, which
//! sessions in [`ValueFormat::Sqlite`] convert their values to (see [`value_format`]),
//! and clears the [`ResultRows`] cell in which pgwire sessions leave the rows of the
//! last result they returned (the maintained-view check compares against them).
//!
//! `connection mysql` goes to the MySQL server given with `--mysql`.
//!
//! Adding a connection kind means: a module next to
//! [`postgres`] with a session type implementing `sqllogictest::AsyncDB` and an error
//! type, a variant in [`Session`] and in [`SessionError`], a field in [`Targets`], and
//! an arm in [`SessionFactory::make`] routing its connection name there.

pub(crate) mod mysql;
pub(crate) mod postgres;
pub(crate) mod value_format;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use sqllogictest::{AsyncDB, Connection, DBOutput, DefaultColumnType, MakeConnection, QueryExpect, Record};

use self::mysql::{MySqlError, MySqlSession, MySqlTarget};
use self::postgres::{LastRows, PgError, PgSession, PgTarget, ResultRows};
use self::value_format::{ExpectedTypes, Rendering, ValueFormat};

/// The servers a test file's connections go to.
#[derive(Debug, Clone)]
pub(crate) struct Targets {
    /// The pgwire server behind the default connection.
    pub(crate) postgres: PgTarget,
    /// The MySQL server behind `connection mysql`, if one was given.
    pub(crate) mysql: Option<MySqlTarget>,
}

/// One open connection of a test file, of whichever kind its name routes to.
pub(crate) enum Session {
    /// A pgwire connection (the default connection).
    Postgres(PgSession),
    /// A MySQL connection (`connection mysql`).
    MySql(MySqlSession),
}

/// An error from any kind of [`Session`], or from routing a connection name.
///
/// `Display` is the message the server sent, so `statement error <regex>` matches it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionError {
    /// An error on a pgwire connection.
    #[error(transparent)]
    Postgres(#[from] PgError),
    /// An error on a MySQL connection.
    #[error(transparent)]
    MySql(#[from] MySqlError),
    /// A record asked for a named connection that no target is configured for.
    #[error("connection {0} is not configured")]
    NotConfigured(String),
}

#[async_trait]
impl AsyncDB for Session {
    type Error = SessionError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SessionError> {
        match self {
            Session::Postgres(session) => Ok(session.run(sql).await?),
            Session::MySql(session) => Ok(session.run(sql).await?),
        }
    }

    async fn shutdown(&mut self) {
        match self {
            Session::Postgres(session) => session.shutdown().await,
            Session::MySql(session) => session.shutdown().await,
        }
    }

    fn engine_name(&self) -> &str {
        match self {
            Session::Postgres(session) => session.engine_name(),
            Session::MySql(_) => "mysql",
        }
    }

    async fn sleep(dur: Duration) {
        tokio::time::sleep(dur).await;
    }

    async fn run_command(command: std::process::Command) -> std::io::Result<std::process::Output> {
        tokio::process::Command::from(command).output().await
    }

    fn error_sql_state(error: &SessionError) -> Option<String> {
        match error {
            SessionError::Postgres(error) => PgSession::error_sql_state(error),
            SessionError::MySql(error) => error.sql_state(),
            SessionError::NotConfigured(_) => None,
        }
    }
}

/// The connection name the next connection request is for, shared between a
/// [`ConnectionSelector`] and its [`SessionFactory`].
type NextConnection = Arc<Mutex<Connection>>;

/// Tells a [`SessionFactory`] which connection the next record uses, and its sessions
/// which column types the next record declares.
pub(crate) struct ConnectionSelector {
    /// Shared with the factory.
    next: NextConnection,
    /// Shared with the sessions the factory opens.
    expected_types: ExpectedTypes,
    /// Where the pgwire sessions leave the rows of the last result they returned.
    last_rows: LastRows,
}

impl ConnectionSelector {
    /// Announces the connection `record` runs on and the column types it declares (none
    /// unless it is a `query` expecting results). Call it before handing the record to
    /// the runner.
    pub(crate) fn select_for(&self, record: &Record<DefaultColumnType>) {
        let connection = match record {
            Record::Statement { connection, .. }
            | Record::Query { connection, .. }
            | Record::Let { connection, .. } => connection.clone(),
            _ => Connection::Default,
        };
        let types = match record {
            Record::Query {
                expected: QueryExpect::Results { types, .. },
                ..
            } => types.clone(),
            _ => Vec::new(),
        };
        *self.next.lock().unwrap_or_else(PoisonError::into_inner) = connection;
        *self.expected_types.lock().unwrap_or_else(PoisonError::into_inner) = types;
        *self.last_rows.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The rows a pgwire session returned for the record announced last (rendered as
    /// that session renders them), if it returned rows; taking them empties the cell.
    pub(crate) fn take_last_rows(&self) -> Option<ResultRows> {
        self.last_rows.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The `sqllogictest` connection factory: opens a [`Session`] of the kind the
/// currently selected connection name routes to.
pub(crate) struct SessionFactory {
    /// Where each kind of connection goes.
    targets: Targets,
    /// Shared with the [`ConnectionSelector`].
    next: NextConnection,
    /// How the sessions render values (in [`ValueFormat::Sqlite`], reading the types
    /// the [`ConnectionSelector`] announces).
    rendering: Rendering,
    /// Shared with the [`ConnectionSelector`] and the pgwire sessions.
    last_rows: LastRows,
}

impl SessionFactory {
    /// A factory for `targets` whose sessions render values in `format`, and the
    /// selector that steers it.
    pub(crate) fn new(targets: Targets, format: ValueFormat) -> (SessionFactory, ConnectionSelector) {
        let next = NextConnection::default();
        let expected_types = ExpectedTypes::default();
        let last_rows = LastRows::default();
        let rendering = match format {
            ValueFormat::Postgres => Rendering::Postgres,
            ValueFormat::Sqlite => Rendering::Sqlite(expected_types.clone()),
        };
        let selector = ConnectionSelector {
            next: next.clone(),
            expected_types,
            last_rows: last_rows.clone(),
        };
        (
            SessionFactory {
                targets,
                next,
                rendering,
                last_rows,
            },
            selector,
        )
    }
}

impl MakeConnection for SessionFactory {
    type Conn = Session;
    type MakeFuture = Pin<Box<dyn Future<Output = Result<Session, SessionError>> + Send>>;

    fn make(&mut self) -> Self::MakeFuture {
        let connection = self.next.lock().unwrap_or_else(PoisonError::into_inner).clone();
        match connection {
            Connection::Default => {
                let target = self.targets.postgres.clone();
                let rendering = self.rendering.clone();
                let last_rows = self.last_rows.clone();
                Box::pin(async move {
                    let session = PgSession::connect(&target, rendering).await?;
                    Ok(Session::Postgres(session.leaving_rows_in(last_rows)))
                })
            }
            Connection::Named(name) => match (&self.targets.mysql, name.as_str()) {
                (Some(target), "mysql") => {
                    let target = target.clone();
                    Box::pin(async move { Ok(Session::MySql(MySqlSession::connect(&target).await?)) })
                }
                _ => Box::pin(async move { Err(SessionError::NotConfigured(name)) }),
            },
        }
    }
}
