//! Freshet's durable store.
//!
//! Owns the RocksDB instance of a data directory and everything written to
//! it: the catalog's column family ([`Store::catalog_scan`],
//! [`Store::catalog_write`]) and the durable collections of
//! `(Row, Timestamp, Diff)` (DESIGN.md §4): batches written unpublished in
//! chunks ([`BatchBuilder`]) and made part of their collections by one small
//! synced [`Store::publish`], snapshots and listens for readers, and
//! compaction into a base; and the one [`Committer`] that stamps every
//! write, group-commits, advances idle collections and keeps a durable
//! timestamp bound (DESIGN.md §3).
//!
//! The only crate that names RocksDB. Depends on `freshet-repr` alone and
//! knows nothing of SQL or MySQL.

mod committer;
mod error;
mod persist;
mod store;

pub use committer::{Clock, Committer, system_clock};
pub use error::{OpenFailure, StorageError};
pub use persist::{Batch, BatchBuilder, BatchId, FOLD_EVERY, Publish, ReadHold};
pub use store::{KeyValue, KvOp, Store};
