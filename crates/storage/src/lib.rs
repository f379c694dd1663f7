//! Freshet's durable store.
//!
//! Owns the RocksDB instance of a data directory and everything written to
//! it. Today that is the catalog's column family ([`Store::catalog_scan`],
//! [`Store::catalog_write`]); the durable collections of
//! `(Row, Timestamp, Diff)` and their one committer come next (DESIGN.md §3–4).
//!
//! The only crate that names RocksDB. Depends on `freshet-repr` alone and
//! knows nothing of SQL or MySQL.

mod error;
mod store;

pub use error::StorageError;
pub use store::{KeyValue, KvOp, Store};
