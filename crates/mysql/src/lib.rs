//! Freshet's side of MySQL.
//!
//! Owns how Freshet reaches a MySQL server: the options of a `CONNECTION …
//! TO MYSQL` ([`MySqlConnection`], TLS included), opening a connection with
//! them, and validating that the server can feed a source (reachable,
//! credentials, the binlog settings, the privileges), each failure a
//! [`MySqlError`] naming the problem and its fix; and purification
//! ([`purify`]): the tables a source names, with their columns in ordinal
//! order and the type each is copied as ([`mapped_type`]); and whether a
//! server can feed a source that has already ingested transactions
//! ([`ServerGtids::check_resume`], [`check_tables`]), as a failover needs.
//!
//! Its boundary types are [`MySqlConnection`] in and [`MySqlError`] out. It
//! must not depend on the catalog, the planner or the adapter: callers
//! resolve secrets into the options before calling, and run these calls
//! outside the coordinator's task (they wait on the network).

mod connect;
mod ddl;
mod decode;
mod error;
mod gtid;
mod purify;
mod resume;
mod schema;
mod types;
mod validate;

pub use connect::{MySqlConnection, SslMode, connect};
pub use ddl::{DdlEffect, ddl_effects};
pub use decode::{TableDecoder, ValueProblem};
pub use error::MySqlError;
pub use gtid::{Gtid, GtidSet, ProgressRow};
pub use purify::{ColumnRef, PurifiedSource, SourceRequest, TableSelection, purify};
pub use resume::{ServerGtids, check_tables};
pub use schema::{CurrentColumn, check_schema, current_columns};
pub use types::{mapped_type, text_allowed};
pub use validate::validate;
