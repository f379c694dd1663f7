//! The errors the adapter reports to clients.

use freshet_catalog::CatalogError;
use freshet_expr::EvalError;
use freshet_repr::SqlState;
use freshet_sql::PlanError;
use freshet_storage::StorageError;

/// An error executing a statement, as the client sees it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AdapterError {
    /// The statement did not parse or plan.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The catalog refused the change.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Durable storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Evaluating the query failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A `NULL` for a column declared `NOT NULL`.
    #[error("null value in column \"{column}\" of relation \"{table}\" violates not-null constraint")]
    NotNullViolation {
        /// The column.
        column: String,
        /// The table.
        table: String,
    },
    /// A write that would leave two rows with equal values in the columns
    /// of a `PRIMARY KEY` or `UNIQUE` constraint.
    #[error("duplicate key value violates unique constraint \"{constraint}\"")]
    UniqueViolation {
        /// The constraint's name.
        constraint: String,
        /// The conflicting key, as a sentence (`Key (a)=(1) already exists.`).
        detail: String,
    },
    /// A statement the transaction's mode does not allow: a transaction
    /// either reads or writes.
    #[error("{0}")]
    TransactionMode(&'static str),
    /// A feature Freshet does not offer yet.
    #[error("feature not supported: {0}")]
    Unsupported(&'static str),
    /// A session variable that does not exist.
    #[error("unrecognized configuration parameter \"{0}\"")]
    UnknownParameter(String),
    /// A value a session variable does not accept.
    #[error("invalid value for parameter \"{name}\": \"{value}\"")]
    InvalidParameterValue {
        /// The variable.
        name: String,
        /// The value given.
        value: String,
        /// What the variable accepts, as a sentence.
        hint: Option<String>,
    },
    /// A session variable that cannot be changed.
    #[error("parameter \"{0}\" cannot be changed")]
    ReadOnlyParameter(String),
    /// A statement that cannot run inside a transaction block.
    #[error("{0} cannot run inside a transaction block")]
    InTransactionBlock(&'static str),
    /// The session's transaction failed earlier.
    #[error("current transaction is aborted, commands ignored until end of transaction block")]
    TransactionAborted,
    /// A result held a row a negative number of times: the data is corrupt.
    #[error("internal error: a row has negative multiplicity {diff} in a query result")]
    NegativeMultiplicity {
        /// The multiplicity.
        diff: i64,
    },
    /// The compute layer failed to answer.
    #[error("internal error: {0}")]
    Internal(String),
    /// More than one statement in the text of a prepared statement.
    #[error("cannot insert multiple commands into a prepared statement")]
    MultipleStatements,
    /// A prepared statement whose result columns changed since it was
    /// described (a table it reads was dropped and created anew).
    #[error("cached plan must not change result type")]
    ResultTypeChanged,
    /// An object other objects depend on, dropped without `CASCADE`.
    #[error("cannot drop {kind} \"{name}\" because other objects depend on it")]
    DependentObjects {
        /// The object's kind (`cluster`).
        kind: &'static str,
        /// Its name.
        name: String,
        /// One line per dependent object.
        detail: String,
    },
    /// Reaching or validating an upstream MySQL server failed.
    #[error(transparent)]
    MySql(Box<freshet_mysql::MySqlError>),
    /// The statement was stopped before it finished; it had no effect.
    #[error("canceling statement due to {0}")]
    Canceled(CancelReason),
    /// The server is shutting down.
    #[error("the server is shutting down")]
    Shutdown,
    /// The cluster running the statement was dropped or resized while it
    /// ran.
    #[error("the cluster running this statement was dropped or resized")]
    ClusterStopped,
    /// `ALTER SOURCE … ADD SUBSOURCE` of a table a subsource of the
    /// source already copies.
    #[error("table \"{table}\" is already copied by subsource \"{subsource}\"")]
    TableAlreadyCopied {
        /// The upstream table, `schema.table`.
        table: String,
        /// The subsource's name.
        subsource: String,
        /// The subsource's name, schema-qualified and quoted where needed.
        qualified: String,
    },
    /// A statement that needs an explicit transaction ran outside one.
    #[error("{0} can only be used in transaction blocks")]
    NoTransactionBlock(&'static str),
    /// `DECLARE` of a cursor name the session already uses.
    #[error("cursor \"{0}\" already exists")]
    DuplicateCursor(String),
    /// `FETCH` or `CLOSE` of a cursor the session does not have.
    #[error("cursor \"{0}\" does not exist")]
    UnknownCursor(String),
    /// A query reads a subsource whose source has no data for it yet.
    #[error("source \"{0}\" has no data yet: its snapshot of MySQL is not committed")]
    SourceNotReadable(String),
    /// A query reads a subsource that stopped with a definite error: its
    /// name, the error and its hint, as `mz_source_statuses` shows them.
    #[error("source \"{}\" failed: {}", .0.0, .0.1)]
    SourceFailed(Box<(String, String, Option<String>)>),
    /// With `real_time_recency`, a source the query reads did not catch
    /// up with its MySQL server within `real_time_recency_timeout`.
    #[error(
        "timed out after {timeout} waiting for source \"{name}\" to ingest what MySQL had committed when the query began"
    )]
    RealTimeRecencyTimeout {
        /// The source's name.
        name: String,
        /// The timeout, as `SHOW real_time_recency_timeout` prints it.
        timeout: String,
        /// What it was still waiting for, as a sentence.
        detail: String,
    },
    /// With `real_time_recency`, a source the query waited for was
    /// dropped (or the server stopped) before it caught up.
    #[error("source \"{0}\" was dropped while the query waited for it to catch up with MySQL")]
    RealTimeRecencySourceDropped(String),
}

/// Why a statement was canceled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// The client sent a cancel request.
    UserRequest,
    /// It ran longer than the session's `statement_timeout`.
    StatementTimeout,
}

impl std::fmt::Display for CancelReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CancelReason::UserRequest => "user request",
            CancelReason::StatementTimeout => "statement timeout",
        })
    }
}

impl From<freshet_mysql::MySqlError> for AdapterError {
    fn from(e: freshet_mysql::MySqlError) -> AdapterError {
        AdapterError::MySql(Box::new(e))
    }
}

impl AdapterError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            AdapterError::Plan(e) => e.code(),
            AdapterError::Catalog(e) => e.code(),
            AdapterError::Eval(e) => e.code(),
            AdapterError::Storage(e) => e.code(),
            AdapterError::NotNullViolation { .. } => SqlState::NotNullViolation,
            AdapterError::UniqueViolation { .. } => SqlState::UniqueViolation,
            AdapterError::Unsupported(_) => SqlState::FeatureNotSupported,
            AdapterError::TransactionMode(_) => SqlState::InvalidTransactionState,
            AdapterError::UnknownParameter(_) => SqlState::UndefinedObject,
            AdapterError::InvalidParameterValue { .. } => SqlState::InvalidParameterValue,
            AdapterError::ReadOnlyParameter(_) => SqlState::InvalidParameterValue,
            AdapterError::InTransactionBlock(_) => SqlState::ActiveSqlTransaction,
            AdapterError::NoTransactionBlock(_) => SqlState::NoActiveSqlTransaction,
            AdapterError::DuplicateCursor(_) => SqlState::DuplicateCursor,
            AdapterError::UnknownCursor(_) => SqlState::InvalidCursorName,
            AdapterError::TransactionAborted => SqlState::InFailedSqlTransaction,
            AdapterError::NegativeMultiplicity { .. } => SqlState::DataCorrupted,
            AdapterError::Internal(_) => SqlState::InternalError,
            AdapterError::MultipleStatements => SqlState::SyntaxError,
            AdapterError::ResultTypeChanged => SqlState::FeatureNotSupported,
            AdapterError::MySql(e) => e.code(),
            AdapterError::DependentObjects { .. } => SqlState::DependentObjectsStillExist,
            AdapterError::Canceled(_) => SqlState::QueryCanceled,
            AdapterError::Shutdown => SqlState::AdminShutdown,
            AdapterError::ClusterStopped => SqlState::QueryCanceled,
            AdapterError::TableAlreadyCopied { .. } => SqlState::DuplicateObject,
            AdapterError::SourceNotReadable(_) | AdapterError::SourceFailed(_) => {
                SqlState::ObjectNotInPrerequisiteState
            }
            AdapterError::RealTimeRecencyTimeout { .. } => SqlState::QueryCanceled,
            AdapterError::RealTimeRecencySourceDropped(_) => SqlState::UndefinedObject,
        }
    }

    /// A sentence of detail, where one helps.
    pub fn detail(&self) -> Option<String> {
        match self {
            AdapterError::Plan(e) => e.detail(),
            AdapterError::Catalog(e) => e.detail(),
            AdapterError::Eval(e) => e.detail(),
            AdapterError::UniqueViolation { detail, .. }
            | AdapterError::DependentObjects { detail, .. }
            | AdapterError::RealTimeRecencyTimeout { detail, .. } => Some(detail.clone()),
            _ => None,
        }
    }

    /// A sentence suggesting a fix, where one helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            AdapterError::Plan(e) => e.hint(),
            AdapterError::Catalog(e) => e.hint(),
            AdapterError::Storage(e) => e.hint(),
            AdapterError::InvalidParameterValue { hint, .. } => hint.clone(),
            AdapterError::MySql(e) => e.hint(),
            AdapterError::ClusterStopped => Some("Run it again: it runs on the cluster as it is now.".into()),
            AdapterError::SourceNotReadable(_) => Some(
                "Retry once the snapshot is committed; mz_internal.mz_source_statuses shows the source's progress."
                    .into(),
            ),
            AdapterError::SourceFailed(failure) => Some(failure.2.clone().unwrap_or_else(|| {
                "Drop the subsource with DROP SOURCE and add it again, or re-create the source, once the cause is fixed."
                    .into()
            })),
            AdapterError::DependentObjects { .. } => {
                Some("Use DROP ... CASCADE to drop the dependent objects too.".into())
            }
            AdapterError::TableAlreadyCopied { qualified, .. } => Some(format!(
                "A source copies a table into one subsource. If that subsource failed, drop it first with DROP SOURCE {qualified}, then add the table again."
            )),
            AdapterError::RealTimeRecencyTimeout { .. } => Some(
                "Check the source's status in mz_internal.mz_source_statuses, or allow more time with SET real_time_recency_timeout = '30s'."
                    .into(),
            ),
            AdapterError::TransactionMode(_) => {
                Some("A transaction either reads or writes; run reads and writes in separate transactions.".into())
            }
            _ => None,
        }
    }

    /// The 1-based character position in the query text the error points at.
    pub fn position(&self) -> Option<usize> {
        match self {
            AdapterError::Plan(e) => e.position(),
            _ => None,
        }
    }
}
