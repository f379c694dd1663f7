//! The errors of the durable store.

use freshet_repr::SqlState;

/// An error reading or writing durable state.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StorageError {
    /// The data directory could not be opened.
    #[error("cannot open data directory {path}: {message}")]
    Open {
        /// The directory.
        path: String,
        /// RocksDB's explanation.
        message: String,
    },
    /// A read or write failed.
    #[error("storage I/O failed: {0}")]
    Io(String),
}

impl StorageError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            StorageError::Open { .. } | StorageError::Io(_) => SqlState::IoError,
        }
    }
}

impl From<rocksdb::Error> for StorageError {
    fn from(e: rocksdb::Error) -> Self {
        StorageError::Io(e.into_string())
    }
}
