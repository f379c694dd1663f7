//! One source's task: snapshot once, then replicate, retrying transient
//! failures with backoff and stopping at definite ones.

use std::time::{Duration, Instant};

use freshet_mysql::{CurrentColumn, GtidSet, MySqlError, TableDecoder, check_schema, current_columns};
use freshet_repr::{GlobalId, Row, UpstreamTable};
use freshet_storage::{Committer, Store};
use tokio::sync::mpsc;

use crate::progress::{difference, progress_rows};
use crate::{IngestError, IngestResponse, SourceDescription, SourceStatistics, SourceStatus, StatusUpdate};

/// The first wait before retrying after a transient error.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The longest wait between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How often statistics are reported while they change.
const STATISTICS_EVERY: Duration = Duration::from_secs(1);

/// A running source and what it has committed.
pub(crate) struct SourceTask {
    pub(crate) desc: SourceDescription,
    pub(crate) store: Store,
    pub(crate) committer: Committer,
    responses: mpsc::UnboundedSender<IngestResponse>,
    /// Each subsource's definite error, once it has one: it is no longer
    /// written. Kept as the subsource collection's offset, so it survives
    /// restarts.
    pub(crate) failed: Vec<Option<String>>,
    /// Which subsources were added to the running source and wait for
    /// their snapshot ([`crate::added`]): their collections are still held.
    pub(crate) snapshotting: Vec<bool>,
    /// The progress subsource's rows as last committed.
    pub(crate) progress: Vec<Row>,
    /// Whether the current attempt has committed anything.
    pub(crate) progressed: bool,
    /// The last status reported for the source.
    status: Option<(SourceStatus, Option<String>)>,
    /// The source's statistics.
    pub(crate) stats: SourceStatistics,
    /// Each subsource's statistics.
    pub(crate) subsource_stats: Vec<SourceStatistics>,
    /// What was last reported for the source and each subsource, and when.
    reported: (Vec<SourceStatistics>, Option<Instant>),
    /// When this task started.
    started: Instant,
    /// The transactions MySQL had committed when the source first
    /// connected: rehydration ends once they are all committed here.
    rehydrate_until: Option<u64>,
    /// How often a running snapshot logs its progress.
    pub(crate) progress_log_every: Duration,
}

impl SourceTask {
    pub(crate) fn new(
        desc: SourceDescription,
        store: Store,
        committer: Committer,
        responses: mpsc::UnboundedSender<IngestResponse>,
        progress_log_every: Duration,
    ) -> SourceTask {
        let failed = vec![None; desc.subsources.len()];
        let snapshotting = vec![false; desc.subsources.len()];
        let subsource_stats = vec![SourceStatistics::default(); desc.subsources.len()];
        SourceTask {
            stats: SourceStatistics::default(),
            subsource_stats,
            reported: (Vec::new(), None),
            started: Instant::now(),
            rehydrate_until: None,
            progress_log_every,
            desc,
            store,
            committer,
            responses,
            failed,
            snapshotting,
            progress: Vec::new(),
            progressed: false,
            status: None,
        }
    }

    /// Runs until a definite error on the source, or until the store stops
    /// or the source's collections are dropped.
    pub(crate) async fn run(mut self) {
        // A task this one replaces (the source restarted with other
        // subsources) is gone, but may have left a commit queued: resume
        // after it.
        if let Err(e) = self.committer.sync().await {
            tracing::info!(source = %self.desc.name, error = %e, "ingestion stopped before it started");
            return;
        }
        if let Err(e) = self.load_failures() {
            tracing::warn!(source = %self.desc.name, error = %e, "cannot read the source's stored state");
        }
        let mut backoff = FIRST_BACKOFF;
        loop {
            // A stalled source stays stalled while its retries fail the
            // same way: it is starting again once it gets further (a
            // snapshot point taken, the stream open).
            if !matches!(self.status, Some((SourceStatus::Stalled, _))) {
                self.report_source(SourceStatus::Starting, None);
            }
            self.progressed = false;
            let attempt = Instant::now();
            let error = match self.run_once().await {
                Ok(never) => match never {},
                Err(e) => e,
            };
            if error.is_shutdown() {
                tracing::debug!(source = %self.desc.name, "ingestion stopped: the source is gone");
                return;
            }
            if !error.is_transient() {
                // The coordinator logs the status change.
                tracing::debug!(source = %self.desc.name, error = %error, "source failed");
                self.report_source(SourceStatus::Failed, Some(&error));
                return;
            }
            // A failure after the source got going is a new one: retry soon.
            // Only failures one after another wait longer and longer.
            if self.progressed || attempt.elapsed() >= MAX_BACKOFF {
                backoff = FIRST_BACKOFF;
            }
            // The coordinator logs the status change, once; each retry is
            // a detail.
            tracing::debug!(source = %self.desc.name, error = %error, retry_in = ?backoff, "source stalled");
            self.report_source(SourceStatus::Stalled, Some(&error));
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Snapshots if the source has no stored GTID set yet, then replicates
    /// from it; returns only with an error.
    async fn run_once(&mut self) -> Result<std::convert::Infallible, IngestError> {
        let gtids = match self.store.offset(self.desc.progress)? {
            Some(text) => {
                let gtids = GtidSet::parse(&text)?;
                self.progress = progress_rows(&gtids);
                self.stats.snapshot_committed = true;
                self.stats.offset_committed = Some(gtids.transaction_count());
                // A subsource whose collection is still held was added
                // after the source's snapshot and has not published its own.
                for index in 0..self.desc.subsources.len() {
                    let held = self.store.is_held(self.desc.subsources[index].id)?;
                    self.snapshotting[index] = held && self.is_live(index);
                    self.subsource_stats[index].snapshot_committed = !self.snapshotting[index];
                }
                gtids
            }
            None => {
                // The progress collection is empty until the snapshot commits.
                self.progress = Vec::new();
                crate::snapshot::snapshot(self).await?
            }
        };
        crate::replication::replicate(self, gtids).await
    }

    /// Reads the subsources' stored definite errors.
    fn load_failures(&mut self) -> Result<(), IngestError> {
        for index in 0..self.desc.subsources.len() {
            let id = self.desc.subsources[index].id;
            if let Some(stored) = self.store.offset(id)? {
                let failure = StoredFailure::decode(&stored);
                self.failed[index] = Some(failure.error.clone());
                self.send_status(id, SourceStatus::Failed, Some(failure.error), failure.hint, false);
            }
        }
        Ok(())
    }

    /// Checks the tables of subsources `indexes` against the columns MySQL
    /// has now (under a snapshot's lock, or as replication connects): a
    /// decoder (by subsource index) for each that still has the columns it
    /// copies; the others fail, and their errors come back as offsets to
    /// commit.
    #[allow(clippy::type_complexity, reason = "a pair, documented above")]
    pub(crate) async fn check_tables(
        &mut self,
        conn: &mut mysql_async::Conn,
        indexes: &[usize],
    ) -> Result<(Vec<Option<TableDecoder>>, Vec<(GlobalId, String)>), IngestError> {
        let live: Vec<usize> = indexes.iter().copied().filter(|i| self.is_live(*i)).collect();
        let tables: Vec<&UpstreamTable> = live.iter().map(|i| &self.desc.subsources[*i].table).collect();
        let current = current_columns(conn, &tables).await?;
        let mut decoders: Vec<Option<TableDecoder>> = (0..self.desc.subsources.len()).map(|_| None).collect();
        let mut failed = Vec::new();
        for index in live {
            let table = &self.desc.subsources[index].table;
            let columns = current.get(&(table.schema.clone(), table.name.clone()));
            match self.decoder(index, columns.map(Vec::as_slice)) {
                Ok(decoder) => decoders[index] = Some(decoder),
                Err(e) => failed.push(self.fail_subsource(index, &e)),
            }
        }
        Ok((decoders, failed))
    }

    /// The decoder of subsource `index`, given `columns`, its table's
    /// columns on MySQL now (`None` if it is gone); or why the source can no
    /// longer copy the table ([`check_schema`]). ENUM and SET values
    /// appended to text columns are decodable.
    pub(crate) fn decoder(&self, index: usize, columns: Option<&[CurrentColumn]>) -> Result<TableDecoder, MySqlError> {
        let table = &self.desc.subsources[index].table;
        check_schema(table, columns)?;
        // The columns it copies come first (`check_schema`).
        let charsets: Vec<Option<String>> = columns
            .into_iter()
            .flatten()
            .take(table.columns.len())
            .map(|c| c.charset.clone())
            .collect();
        let mut decoder = TableDecoder::new(table, &charsets);
        if let Some(columns) = columns {
            decoder.extend_labels(columns);
        }
        Ok(decoder)
    }

    /// Whether subsource `index` is still written.
    pub(crate) fn is_live(&self, index: usize) -> bool {
        self.failed[index].is_none()
    }

    /// Fails subsource `index` for good with `error`: reports it now and
    /// returns the offset that records it, to commit with the next tick.
    pub(crate) fn fail_subsource(&mut self, index: usize, error: &MySqlError) -> (GlobalId, String) {
        let subsource = &self.desc.subsources[index];
        // The coordinator logs the status change.
        tracing::debug!(source = %self.desc.name, table = %subsource.table.name, error = %error, "subsource failed");
        let failure = StoredFailure {
            error: error.to_string(),
            hint: error.hint(),
        };
        self.failed[index] = Some(failure.error.clone());
        self.send_status(
            subsource.id,
            SourceStatus::Failed,
            Some(failure.error.clone()),
            failure.hint.clone(),
            false,
        );
        (subsource.id, failure.encode())
    }

    /// The progress subsource's updates for `gtids`, and the offset
    /// recording it; remembers the new rows.
    pub(crate) fn progress_update(&mut self, gtids: &GtidSet) -> (Vec<(Row, freshet_repr::Diff)>, (GlobalId, String)) {
        let rows = progress_rows(gtids);
        let updates = difference(&self.progress, &rows);
        self.progress = rows;
        (updates, (self.desc.progress, gtids.to_string()))
    }

    /// Reports the source's status, and the same for each live subsource
    /// (one still snapshotting stays starting while the source runs).
    pub(crate) fn report_source(&mut self, status: SourceStatus, error: Option<&IngestError>) {
        let message = error.map(ToString::to_string);
        if self.status.as_ref() == Some(&(status, message.clone())) {
            return;
        }
        self.status = Some((status, message.clone()));
        let hint = error.and_then(IngestError::hint);
        self.send_status(self.desc.id, status, message.clone(), hint.clone(), false);
        self.send_status(self.desc.progress, status, message.clone(), hint.clone(), true);
        for index in 0..self.desc.subsources.len() {
            if self.is_live(index) {
                let (status, with_source) = match status {
                    SourceStatus::Running if self.snapshotting[index] => (SourceStatus::Starting, false),
                    status => (status, true),
                };
                let id = self.desc.subsources[index].id;
                self.send_status(id, status, message.clone(), hint.clone(), with_source);
            }
        }
    }

    /// Takes the transactions MySQL has committed, as read when connecting:
    /// the first reading is what the source must ingest to be rehydrated.
    pub(crate) fn connected(&mut self, known: u64) {
        self.stats.offset_known = Some(known.max(self.stats.offset_known.unwrap_or(0)));
        self.rehydrate_until.get_or_insert(known);
        self.check_rehydrated();
    }

    /// Records the rehydration latency the first time the source has
    /// committed its snapshot and what MySQL had committed when it first
    /// connected.
    pub(crate) fn check_rehydrated(&mut self) {
        if self.stats.rehydration_latency.is_some() || !self.stats.snapshot_committed {
            return;
        }
        let (Some(target), Some(committed)) = (self.rehydrate_until, self.stats.offset_committed) else {
            return;
        };
        if committed >= target {
            let latency = self.started.elapsed();
            tracing::info!(source = %self.desc.name, ?latency, "source rehydrated");
            self.stats.rehydration_latency = Some(latency);
            self.report_statistics(true);
        }
    }

    /// Reports the statistics that changed since the last report, if that
    /// was long enough ago (or `now`).
    pub(crate) fn report_statistics(&mut self, now: bool) {
        if !now && self.reported.1.is_some_and(|at| at.elapsed() < STATISTICS_EVERY) {
            return;
        }
        let current: Vec<SourceStatistics> = std::iter::once(self.stats.clone())
            .chain(self.subsource_stats.iter().cloned())
            .collect();
        let ids = std::iter::once(self.desc.id).chain(self.desc.subsources.iter().map(|s| s.id));
        for (index, (id, statistics)) in ids.zip(&current).enumerate() {
            if self.reported.0.get(index) != Some(statistics) {
                let response = IngestResponse::Statistics {
                    id,
                    statistics: statistics.clone(),
                };
                let _ = self.responses.send(response);
            }
        }
        self.reported = (current, Some(Instant::now()));
    }

    /// Reports a live subsource's status.
    pub(crate) fn report_subsource(&self, index: usize, status: SourceStatus) {
        self.send_status(self.desc.subsources[index].id, status, None, None, false);
    }

    fn send_status(
        &self,
        id: GlobalId,
        status: SourceStatus,
        error: Option<String>,
        hint: Option<String>,
        with_source: bool,
    ) {
        let update = StatusUpdate {
            id,
            status,
            error,
            hint,
            with_source,
        };
        // The adapter gone means shutting down: nobody to tell.
        let _ = self.responses.send(IngestResponse::Status(update));
    }
}

/// A subsource's definite error as stored: its collection's offset.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredFailure {
    error: String,
    hint: Option<String>,
}

impl StoredFailure {
    /// The stored form.
    fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.error.clone())
    }

    /// Reads the stored form; text that is not one is the error alone.
    fn decode(stored: &str) -> StoredFailure {
        serde_json::from_str(stored).unwrap_or_else(|_| StoredFailure {
            error: stored.to_owned(),
            hint: None,
        })
    }
}
