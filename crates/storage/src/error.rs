//! The errors of the durable store.

use freshet_repr::{GlobalId, SqlState, Timestamp};

/// Why a data directory cannot be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenFailure {
    /// Another process (or another store in this one) has it open: its
    /// lock is taken.
    Locked,
    /// The process may not create, read or write it.
    PermissionDenied,
    /// The path is not a data directory: a file, or a directory holding
    /// other files.
    NotADataDirectory,
    /// Anything else; the message says what.
    Other,
}

/// An error reading or writing durable state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The data directory could not be opened.
    #[error("cannot open data directory {path}: {message}")]
    Open {
        /// The directory.
        path: String,
        /// What went wrong: RocksDB's or the system's explanation.
        message: String,
        /// Which kind of failure it is, for whoever tells the user how to
        /// fix it.
        failure: OpenFailure,
    },
    /// A read or write failed.
    #[error("storage I/O failed: {0}")]
    Io(String),
    /// Stored bytes that do not decode: the data directory is damaged.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A collection that does not exist.
    #[error("collection {0} does not exist")]
    UnknownCollection(GlobalId),
    /// A collection created twice.
    #[error("collection {0} already exists")]
    CollectionExists(GlobalId),
    /// A read at a time whose history has been compacted away.
    #[error("timestamp {as_of} is not valid for collection {collection}: its history starts at {since}")]
    SinceViolation {
        /// The collection.
        collection: GlobalId,
        /// The time asked for.
        as_of: Timestamp,
        /// The earliest time still readable.
        since: Timestamp,
    },
    /// A read at a time the collection is not complete for yet.
    #[error("collection {collection} is not readable at {as_of} yet: it is complete up to {upper}")]
    NotYetReadable {
        /// The collection.
        collection: GlobalId,
        /// The time asked for.
        as_of: Timestamp,
        /// The collection's upper (exclusive).
        upper: Timestamp,
    },
    /// An append by a collection's own writer (a materialized view's sink)
    /// expected another upper: something else wrote to the collection
    /// since the writer last looked. Nothing was written.
    #[error("collection {collection} has upper {actual}, not {expected} as its writer expected")]
    UpperMismatch {
        /// The collection.
        collection: GlobalId,
        /// The upper the writer expected.
        expected: freshet_repr::Timestamp,
        /// The collection's upper.
        actual: freshet_repr::Timestamp,
    },
    /// A publish that would move time backwards or write below the upper:
    /// a bug in the caller, refused before anything is written.
    #[error("invalid publish to collection {collection}: {message}")]
    InvalidPublish {
        /// The collection.
        collection: GlobalId,
        /// What is wrong.
        message: String,
    },
    /// An attempt to lower the durable timestamp bound: a bug in the caller.
    #[error("the timestamp bound cannot move back from {current} to {requested}")]
    TimestampBoundBackwards {
        /// The stored bound.
        current: Timestamp,
        /// The lower bound asked for.
        requested: Timestamp,
    },
    /// The committer task has stopped.
    #[error("the committer has stopped")]
    CommitterStopped,
    /// A row whose multiplicity sums to a negative number: the collection's
    /// data is corrupt, and reads of it fail rather than guess.
    #[error("collection {collection} holds a row {diff} times")]
    NegativeMultiplicity {
        /// The collection.
        collection: GlobalId,
        /// The negative multiplicity.
        diff: i64,
    },
}

impl StorageError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            StorageError::Open { .. } | StorageError::Io(_) => SqlState::IoError,
            StorageError::Corrupt(_) | StorageError::NegativeMultiplicity { .. } => SqlState::DataCorrupted,
            StorageError::SinceViolation { .. } => SqlState::InvalidParameterValue,
            StorageError::UnknownCollection(_)
            | StorageError::CollectionExists(_)
            | StorageError::NotYetReadable { .. }
            | StorageError::InvalidPublish { .. }
            | StorageError::UpperMismatch { .. }
            | StorageError::TimestampBoundBackwards { .. }
            | StorageError::CommitterStopped => SqlState::InternalError,
        }
    }

    /// A sentence suggesting a fix, where one helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            StorageError::SinceViolation { .. } => {
                Some("Read at a later time, or keep more history with RETAIN HISTORY.".into())
            }
            _ => None,
        }
    }
}

impl From<rocksdb::Error> for StorageError {
    fn from(e: rocksdb::Error) -> Self {
        StorageError::Io(e.into_string())
    }
}
