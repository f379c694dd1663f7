//! Freshet's compute layer.
//!
//! Owns the timely workers of a cluster and what runs on them: relational
//! plans ([`RelExpr`](freshet_expr::RelExpr)) rendered as
//! differential dataflows, indexes (arrangements kept current as their
//! inputs change), peeks (one-off queries, or direct reads of an index)
//! subscriptions (a dataflow whose changes stream to a reader) and
//! materialized views' sinks (a dataflow whose output is written to storage). Clients talk to it through
//! [`ComputeController`] with [`ComputeCommand`]s and get
//! [`ComputeResponse`]s back.
//!
//! Dataflow inputs read durable collections from `storage`: a peek its
//! inputs' snapshots, an index a snapshot and then each published batch.
//! The only crate that names timely or differential types; only `Row`,
//! `Datum`, `RelationDesc` and the `expr` IR cross its boundary. It knows
//! nothing of pgwire or MySQL.

mod controller;
mod error;
mod index;
mod protocol;
mod render;
mod sink;
mod subscribe;
mod worker;

pub use controller::ComputeController;
pub use error::ComputeError;
pub use index::IndexSpec;
pub use protocol::{ComputeCommand, ComputeResponse, PeekId, PeekTarget};
pub use sink::SinkSpec;
pub use subscribe::{SubscribeEvent, SubscribeId, SubscribeSpec, Subscription};
