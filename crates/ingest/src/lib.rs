//! Freshet's MySQL ingestion (DESIGN.md §5).
//!
//! Owns what keeps a source's subsources equal to their MySQL tables: the
//! consistent snapshot of every table at one GTID point, published once,
//! then GTID binlog replication from that point, each MySQL transaction
//! committed whole at one timestamp together with the source's new GTID
//! set, tables added later snapshotted at a point of their own while the
//! others replicate, and the source's status. Driven by the adapter through
//! [`IngestController`] with [`IngestCommand`]s; reports through
//! [`IngestResponse`]s.
//!
//! Its boundary types are [`SourceDescription`] in (tables as
//! `UpstreamTable`, connection options with secrets resolved) and `Row`
//! batches committed to `freshet-storage` out. It must not depend on the
//! catalog, the planner, the adapter or compute: it never sees SQL.

mod added;
mod controller;
mod error;
mod progress;
mod protocol;
mod replication;
mod snapshot;
mod source;
mod tick;

pub use controller::IngestController;
pub use error::IngestError;
pub use protocol::{
    IngestCommand, IngestResponse, SourceDescription, SourceStatistics, SourceStatus, StatusUpdate,
    SubsourceDescription,
};
