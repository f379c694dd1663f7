//! Freshet's compute layer.
//!
//! Owns the timely workers of a cluster and what runs on them: relational
//! plans ([`RelExpr`](freshet_expr::RelExpr)) rendered as
//! differential dataflows, peeks (one-off queries) and, later, indexes,
//! subscriptions and materialized-view sinks. Clients talk to it through
//! [`ComputeController`] with [`ComputeCommand`]s and get
//! [`ComputeResponse`]s back.
//!
//! Dataflow inputs read snapshots of durable collections from `storage`.
//! The only crate that names timely or differential types; only `Row`,
//! `Datum`, `RelationDesc` and the `expr` IR cross its boundary. It knows
//! nothing of pgwire or MySQL.

mod controller;
mod error;
mod protocol;
mod render;
mod worker;

pub use controller::ComputeController;
pub use error::ComputeError;
pub use protocol::{ComputeCommand, ComputeResponse, PeekId};
