//! What stops ingestion, and whether retrying can help.

use freshet_mysql::MySqlError;
use freshet_repr::SqlState;
use freshet_storage::StorageError;

/// A failure while ingesting.
#[derive(Debug, Clone, thiserror::Error)]
pub enum IngestError {
    /// Talking to MySQL failed, or what MySQL sent cannot be ingested.
    #[error(transparent)]
    MySql(#[from] MySqlError),
    /// Storing failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A task reading the snapshot ended without an answer (it panicked).
    #[error("a snapshot reader ended abruptly: {0}")]
    ReaderFailed(String),
    /// No event arrived from MySQL for too long (heartbeats included).
    #[error("no data from MySQL for {seconds} s")]
    Silent {
        /// How long it waited.
        seconds: u64,
    },
}

impl IngestError {
    /// The SQLSTATE reported to the client.
    pub fn code(&self) -> SqlState {
        match self {
            IngestError::MySql(e) => e.code(),
            IngestError::Storage(e) => e.code(),
            IngestError::Silent { .. } => SqlState::ConnectionException,
            IngestError::ReaderFailed(_) => SqlState::InternalError,
        }
    }

    /// How to fix it, where a hint helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            IngestError::MySql(MySqlError::Server { code: 1205, .. }) => Some(
                "A transaction on MySQL holds a lock on a source table; the snapshot retries until it can lock the tables briefly.".into(),
            ),
            // A source retries by itself; it can also be moved.
            IngestError::MySql(MySqlError::ConnectionRefused { .. } | MySqlError::Timeout { .. } | MySqlError::Network { .. }) => {
                Some(
                    "Check that MySQL is running and reachable from Freshet's host, or point the source at another server with ALTER CONNECTION … SET (HOST = …, PORT = …).".into(),
                )
            }
            IngestError::MySql(e) => e.hint(),
            IngestError::Storage(_) | IngestError::ReaderFailed(_) => None,
            IngestError::Silent { .. } => Some("Check the network between Freshet and MySQL.".into()),
        }
    }

    /// Whether retrying may succeed; otherwise the error is definite and
    /// stays until the source is re-created.
    pub fn is_transient(&self) -> bool {
        match self {
            IngestError::MySql(e) => e.is_transient(),
            IngestError::Storage(_) | IngestError::Silent { .. } | IngestError::ReaderFailed(_) => true,
        }
    }

    /// Whether the source's collections are gone or the store stopped:
    /// ingestion must end quietly.
    pub fn is_shutdown(&self) -> bool {
        matches!(
            self,
            IngestError::Storage(StorageError::CommitterStopped | StorageError::UnknownCollection(_))
        )
    }
}
