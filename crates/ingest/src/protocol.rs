//! The commands the adapter sends ingestion, and what ingestion reports.

use freshet_mysql::MySqlConnection;
use freshet_repr::{GlobalId, UpstreamTable};

/// Everything ingestion needs to run one source.
#[derive(Debug, Clone)]
pub struct SourceDescription {
    /// The source.
    pub id: GlobalId,
    /// Its name, for logs.
    pub name: String,
    /// The MySQL server, secrets resolved.
    pub connection: MySqlConnection,
    /// The server id of the source's binlog client.
    pub server_id: u32,
    /// The tables it copies, each into its subsource's collection.
    pub subsources: Vec<SubsourceDescription>,
    /// The progress subsource, whose collection also keeps the source's
    /// GTID set (its resume point).
    pub progress: GlobalId,
}

/// One subsource: an upstream table and the collection it is copied into.
#[derive(Debug, Clone)]
pub struct SubsourceDescription {
    /// The subsource (and its collection).
    pub id: GlobalId,
    /// The upstream table, every column in ordinal order.
    pub table: UpstreamTable,
}

/// What the adapter tells ingestion.
#[derive(Debug)]
pub enum IngestCommand {
    /// Starts ingesting a source whose collections exist (a subsource's
    /// created held, so it becomes readable with its snapshot). Must be
    /// sent once per source at `CREATE SOURCE` or at boot, and again after
    /// each `Stop` that restarts it with other subsources (`ADD SUBSOURCE`,
    /// a subsource dropped); never twice without a `Stop` between.
    /// Ingestion resumes from the GTID set stored with the progress
    /// collection, or snapshots every table if there is none; a subsource
    /// whose collection is still held is snapshotted on its own while the
    /// others replicate.
    Run(Box<SourceDescription>),
    /// Stops a source. Its task may finish the step it is in (and queue
    /// one more commit); [`crate::IngestController::stopped`] resolves
    /// once it is gone, and a `Run` of the same source waits for that and
    /// for its last commit before resuming. Its collections can be dropped
    /// at once (a late commit to them is refused). A `Stop` of a source
    /// that is not running does nothing.
    Stop(GlobalId),
}

/// A status, as `mz_internal.mz_source_statuses` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceStatus {
    /// Connecting and, the first time, snapshotting.
    Starting,
    /// Replicating.
    Running,
    /// Waiting to retry after a transient error (network, lock wait).
    Stalled,
    /// Stopped by a definite error, which stays until the source or
    /// subsource is re-created.
    Failed,
}

impl SourceStatus {
    /// Its name in `mz_source_statuses.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceStatus::Starting => "starting",
            SourceStatus::Running => "running",
            SourceStatus::Stalled => "stalled",
            SourceStatus::Failed => "failed",
        }
    }
}

/// A source's or subsource's new status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The source or subsource.
    pub id: GlobalId,
    /// Its status.
    pub status: SourceStatus,
    /// Why, when stalled or failed.
    pub error: Option<String>,
    /// How to fix it, where a hint helps.
    pub hint: Option<String>,
    /// Whether this is a subsource taking the status its source took in
    /// the update just before (so what tells the source's change tells
    /// this one), rather than a change of its own.
    pub with_source: bool,
}

/// Counters and gauges of one source or subsource since ingestion
/// started in this process, as `mz_internal.mz_source_statistics` shows
/// them: the source's row has the stream's counters and offsets, each
/// subsource's row its updates and snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceStatistics {
    /// Binlog events received.
    pub messages_received: u64,
    /// Bytes of binlog events received.
    pub bytes_received: u64,
    /// Row updates read and written unpublished.
    pub updates_staged: u64,
    /// Row updates committed.
    pub updates_committed: u64,
    /// Rows the snapshot reads, once known.
    pub snapshot_records_known: Option<u64>,
    /// Rows the snapshot has read.
    pub snapshot_records_staged: Option<u64>,
    /// Whether the snapshot is complete and durable.
    pub snapshot_committed: bool,
    /// Transactions MySQL has committed (source only).
    pub offset_known: Option<u64>,
    /// Transactions ingested (source only); never decreases.
    pub offset_committed: Option<u64>,
    /// How long the source took, from the start of its ingestion in this
    /// process, to commit everything MySQL had committed when it first
    /// connected (source only; `None` until then).
    pub rehydration_latency: Option<std::time::Duration>,
}

impl SourceStatistics {
    /// Counts a subsource's snapshot of `rows` rows, read and staged.
    pub(crate) fn snapshot_read(&mut self, rows: u64) {
        self.snapshot_records_known = Some(rows);
        self.snapshot_records_staged = Some(rows);
        self.updates_staged += rows;
    }
}

/// What ingestion reports to the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestResponse {
    /// A source's or subsource's status changed. Sent for each subsource
    /// as well as the source; a failed subsource keeps its status while
    /// the others change.
    Status(StatusUpdate),
    /// A source's or subsource's statistics, sent at most about once a
    /// second while they change, and at once when the snapshot commits.
    Statistics {
        /// The source or subsource.
        id: GlobalId,
        /// Its statistics.
        statistics: SourceStatistics,
    },
}
