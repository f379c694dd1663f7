//! GTID binlog replication (DESIGN.md §5): one binlog stream per source
//! from its stored GTID set; each transaction decoded with its own
//! TABLE_MAP and committed whole, many to a tick, with the new GTID set.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use freshet_mysql::{
    DdlEffect, Gtid, GtidSet, MySqlError, ServerGtids, TableDecoder, connect, current_columns, ddl_effects,
};
use freshet_repr::{Diff, GlobalId, Row, Timestamp};
use freshet_storage::StorageError;
use futures::StreamExt;
use mysql_async::BinlogStreamRequest;
use mysql_async::binlog::events::{EventData, RowsEventData};
use mysql_async::prelude::Queryable;

use crate::added::Added;
use crate::snapshot::{ProgressLog, Read};
use crate::source::SourceTask;
use crate::tick::Tick;
use crate::{IngestError, SourceStatus};

/// How often an idle server sends a heartbeat.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long the stream may stay silent before the connection counts as dead.
const SILENCE: Duration = Duration::from_secs(10);

/// The transaction being read.
struct Transaction {
    gtid: Gtid,
    /// The subsources it wrote.
    touched: BTreeSet<usize>,
}

/// A commit sent to the committer, answered once durable.
type InFlight = Pin<Box<dyn Future<Output = Result<Timestamp, StorageError>> + Send>>;

/// Replicates from `gtids` until an error; a commit still in flight then
/// finishes first, so the GTID set stored is the one the next attempt
/// resumes from.
pub(crate) async fn replicate(task: &mut SourceTask, gtids: GtidSet) -> Result<Infallible, IngestError> {
    let mut stream = Stream::new(task, gtids);
    let error = match stream.run().await {
        Ok(never) => match never {},
        Err(e) => e,
    };
    if let Some(commit) = stream.in_flight.take() {
        let _ = commit.await;
    }
    Err(error)
}

/// One binlog stream's state between events.
struct Stream<'a> {
    task: &'a mut SourceTask,
    /// Every transaction ingested, those of `tick` included.
    gtids: GtidSet,
    /// Each subsource's collection id, by index.
    ids: Vec<GlobalId>,
    /// Each subsource's index, by upstream schema and table name.
    by_name: HashMap<(String, String), usize>,
    /// Each live subsource's decoder; `None` once it failed.
    decoders: Vec<Option<TableDecoder>>,
    /// Table ids whose TABLE_MAP passed [`TableDecoder::check_table_map`].
    checked: HashSet<u64>,
    /// Whole transactions not yet sent to the committer.
    tick: Tick,
    /// Subsources added to the running source, until they are published.
    added: Added,
    /// The progress log of the added subsources' snapshot, while it reads.
    added_log: Option<ProgressLog>,
    /// Added subsources published in `tick`.
    publishing: Vec<usize>,
    /// The transaction being read, if any.
    transaction: Option<Transaction>,
    /// Subsources failed since the last commit, with their errors.
    failures: Vec<(GlobalId, String)>,
    /// The commit not yet durable.
    in_flight: Option<InFlight>,
    /// What the commit in flight adds: updates per subsource, the number
    /// of transactions ingested once it is durable, and the added
    /// subsources it publishes.
    committing: (Vec<u64>, u64, Vec<usize>),
    /// A connection beside the binlog stream, for information_schema after
    /// a DDL; opened when first needed.
    side: Option<mysql_async::Conn>,
}

impl<'a> Stream<'a> {
    fn new(task: &'a mut SourceTask, gtids: GtidSet) -> Stream<'a> {
        let ids: Vec<GlobalId> = task.desc.subsources.iter().map(|s| s.id).collect();
        let by_name = task
            .desc
            .subsources
            .iter()
            .enumerate()
            .map(|(index, s)| ((s.table.schema.clone(), s.table.name.clone()), index))
            .collect();
        let tick = Tick::new(task.store.clone(), ids.len());
        let added = Added::none(task.store.clone());
        Stream {
            task,
            gtids,
            decoders: (0..ids.len()).map(|_| None).collect(),
            ids,
            by_name,
            checked: HashSet::new(),
            tick,
            added,
            added_log: None,
            publishing: Vec::new(),
            transaction: None,
            failures: Vec::new(),
            in_flight: None,
            committing: (Vec::new(), 0, Vec::new()),
            side: None,
        }
    }

    /// Connects, checks the server and the tables, and replicates until an
    /// error.
    async fn run(&mut self) -> Result<Infallible, IngestError> {
        let options = self.task.desc.connection.clone();
        let mut conn = connect(&options).await?;
        let known = check_gtids(&mut conn, &self.gtids).await?;
        self.task.connected(known);
        let count = self.ids.len();
        let (established, waiting): (Vec<usize>, Vec<usize>) = (0..count)
            .filter(|i| self.task.is_live(*i))
            .partition(|i| !self.task.snapshotting[*i]);
        let (decoders, mut failed) = self.task.check_tables(&mut conn, &established).await?;
        self.decoders = decoders;
        // Added subsources are snapshotted at a point of their own, read
        // while the stream goes on.
        let (mut added, decoders, more) = Added::start(self.task, &waiting).await?;
        self.added_log = added.take_log();
        self.added = added;
        for (index, decoder) in decoders {
            self.decoders[index] = Some(decoder);
        }
        failed.extend(more);
        if !failed.is_empty() {
            self.task.committer.commit_with_offsets(Vec::new(), failed).await?;
        }
        for statement in [
            format!("SET @source_heartbeat_period = {}", HEARTBEAT.as_nanos()),
            format!("SET @master_heartbeat_period = {}", HEARTBEAT.as_nanos()),
        ] {
            conn.query_drop(statement).await.map_err(MySqlError::from)?;
        }
        let request = BinlogStreamRequest::new(self.task.desc.server_id)
            .with_gtid()
            .with_gtid_set(self.gtids.to_sids());
        let mut stream = conn.get_binlog_stream(request).await.map_err(MySqlError::from)?;
        self.task.report_source(SourceStatus::Running, None);
        tracing::info!(source = %self.task.desc.name, gtids = %self.gtids, "replicating");

        let mut row = Row::default();
        loop {
            // Between transactions, publish the added subsources that are
            // ready, and commit whenever the previous commit is done.
            if self.transaction.is_none() {
                self.publish_added()?;
                if self.in_flight.is_none() {
                    self.start_commit()?;
                }
            }
            let next = tokio::select! {
                committed = wait(&mut self.in_flight) => Next::Committed(committed),
                reads = self.added.reads() => Next::Read(reads),
                () = log_progress(&mut self.added_log) => continue,
                event = tokio::time::timeout(SILENCE, stream.next()) => Next::Event(event),
            };
            let event = match next {
                Next::Committed(committed) => {
                    self.in_flight = None;
                    self.committed(committed)?;
                    continue;
                }
                Next::Read(reads) => {
                    self.added_log = None;
                    self.snapshots_read(reads?)?;
                    continue;
                }
                Next::Event(Err(_)) => {
                    return Err(IngestError::Silent {
                        seconds: SILENCE.as_secs(),
                    });
                }
                Next::Event(Ok(None)) => {
                    return Err(MySqlError::ConnectionLost {
                        reason: "MySQL ended the binlog stream".into(),
                    }
                    .into());
                }
                Next::Event(Ok(Some(event))) => event.map_err(MySqlError::from)?,
            };
            self.task.stats.messages_received += 1;
            self.task.stats.bytes_received += u64::from(event.header().event_size());
            let data = event
                .read_data()
                .map_err(|e| MySqlError::UnreadableBinlog(format!("an event: {e}")))?;
            let Some(data) = data else { continue };
            match data {
                EventData::GtidEvent(event) => {
                    let gtid = Gtid::of_event(&event);
                    let frontier = self.gtids.frontier(gtid.uuid, gtid.tag.as_deref());
                    if gtid.gno < frontier && !self.gtids.contains(&gtid) {
                        return Err(MySqlError::GtidOutOfOrder {
                            gtid: gtid.to_string(),
                            frontier,
                        }
                        .into());
                    }
                    self.transaction = Some(Transaction {
                        gtid,
                        touched: BTreeSet::new(),
                    });
                }
                EventData::QueryEvent(event) => {
                    let query = event.query();
                    let word = |w: &str| {
                        query
                            .trim_start()
                            .get(..w.len())
                            .is_some_and(|head| head.eq_ignore_ascii_case(w))
                    };
                    // BEGIN opens a transaction; XA START, XA END and
                    // savepoints are inside one.
                    let inside = [
                        "BEGIN",
                        "XA START",
                        "XA END",
                        "SAVEPOINT",
                        "ROLLBACK TO",
                        "RELEASE SAVEPOINT",
                    ];
                    if !inside.iter().any(|w| word(w)) {
                        // A DDL acts at its own position in the stream.
                        self.apply_ddl(&event.schema(), &query).await?;
                        // COMMIT ends a non-transactional one; anything else
                        // (DDL, XA COMMIT, XA ROLLBACK) is its own transaction.
                        self.end_transaction();
                    }
                }
                EventData::RowsEvent(rows) => {
                    let table_id = rows.table_id();
                    let Some(tme) = stream.get_tme(table_id) else {
                        return Err(MySqlError::UnreadableBinlog(format!(
                            "a rows event of table id {table_id} without its TABLE_MAP"
                        ))
                        .into());
                    };
                    let key = (tme.database_name().into_owned(), tme.table_name().into_owned());
                    let Some(&index) = self.by_name.get(&key) else { continue };
                    let Some(decoder) = self.decoders[index].as_ref() else {
                        continue;
                    };
                    if self.added.holds(index, self.transaction.as_ref().map(|t| &t.gtid)) {
                        continue;
                    }
                    if let Some(transaction) = &mut self.transaction {
                        transaction.touched.insert(index);
                    }
                    // A new table id comes with each new table definition.
                    let result = if self.checked.contains(&table_id) {
                        Ok(())
                    } else {
                        decoder.check_table_map(tme)
                    };
                    let result = match result {
                        Ok(()) => {
                            self.checked.insert(table_id);
                            let (added, tick) = (&mut self.added, &mut self.tick);
                            let waiting = added.is_waiting(index);
                            let mut push = |row: &Row, diff: Diff| {
                                if waiting {
                                    added.push(index, row, diff)
                                } else {
                                    tick.push(index, row, diff)
                                }
                            };
                            apply_rows(&rows, tme, decoder, &mut row, &mut push)?
                        }
                        Err(e) => Err(e),
                    };
                    match result {
                        Ok(updates) => self.task.subsource_stats[index].updates_staged += updates,
                        Err(e) => self.fail(index, &e),
                    }
                }
                EventData::XidEvent(_) => self.end_transaction(),
                EventData::XaPrepareLogEvent(_) => {
                    if let Some(t) = &self.transaction {
                        let error = MySqlError::XaTransaction {
                            gtid: t.gtid.to_string(),
                        };
                        for index in t.touched.clone() {
                            if self.decoders[index].is_some() {
                                self.fail(index, &error);
                            }
                        }
                    }
                    self.end_transaction();
                }
                _ => {}
            }
            let seen = self.gtids.transaction_count();
            self.task.stats.offset_known = Some(seen.max(self.task.stats.offset_known.unwrap_or(0)));
            self.task.report_statistics(false);
        }
    }

    /// Takes the tables read at the added subsources' point: a snapshot
    /// waits for publication, a table that could not be read fails its
    /// subsource.
    fn snapshots_read(&mut self, reads: Vec<Read>) -> Result<(), IngestError> {
        for (index, read) in reads {
            match read {
                Ok(batch) => {
                    if let Some(rows) = self.added.snapshot_read(index, batch)? {
                        tracing::info!(source = %self.task.desc.name, subsource = %self.ids[index], rows, "added subsource's snapshot read");
                        self.task.subsource_stats[index].snapshot_read(rows);
                    }
                }
                Err(e) => self.fail(index, &e),
            }
        }
        self.task.report_statistics(true);
        Ok(())
    }

    /// Adds to the tick the added subsources ready to publish (between
    /// transactions only): their snapshots and the changes gathered since.
    fn publish_added(&mut self) -> Result<(), IngestError> {
        for publication in self.added.ready(&self.gtids)? {
            let index = publication.index;
            for batch in publication.batches {
                self.tick.add_batch(index, batch);
            }
            tracing::info!(source = %self.task.desc.name, subsource = %self.ids[index], gtids = %self.gtids, "publishing an added subsource");
            self.publishing.push(index);
        }
        Ok(())
    }

    /// Sends the tick's whole transactions to the committer, with the new
    /// GTID set and any subsource failures, if there is anything to send.
    fn start_commit(&mut self) -> Result<(), IngestError> {
        if self.tick.is_empty() && self.failures.is_empty() {
            return Ok(());
        }
        let done = std::mem::replace(&mut self.tick, Tick::new(self.task.store.clone(), self.ids.len()));
        tracing::debug!(source = %self.task.desc.name, transactions = done.transactions(), updates = done.updates(), "committing a tick");
        let task = &mut *self.task;
        let (mut writes, counts) = done.finish(&self.ids, |i| task.is_live(i))?;
        let published = std::mem::take(&mut self.publishing);
        self.committing = (counts, self.gtids.transaction_count(), published);
        let (progress, offset) = task.progress_update(&self.gtids);
        let mut builder = task.store.batch_builder()?;
        for (row, diff) in &progress {
            builder.push(row, *diff)?;
        }
        writes.push((task.desc.progress, builder.finish()?));
        let mut offsets = std::mem::take(&mut self.failures);
        offsets.push(offset);
        // Queued at once: a commit the source sent always lands before
        // anything the coordinator asks of the committer afterwards.
        self.in_flight = Some(Box::pin(task.committer.enqueue(writes, offsets)));
        Ok(())
    }

    /// Accounts for a commit that finished.
    fn committed(&mut self, result: Result<Timestamp, StorageError>) -> Result<(), IngestError> {
        result?;
        self.task.progressed = true;
        let (counts, offset, published) = std::mem::take(&mut self.committing);
        for (stats, count) in self.task.subsource_stats.iter_mut().zip(counts) {
            stats.updates_committed += count;
        }
        self.task.stats.offset_committed = Some(offset);
        for index in &published {
            self.task.snapshotting[*index] = false;
            self.task.subsource_stats[*index].snapshot_committed = true;
            if self.task.is_live(*index) {
                self.task.report_subsource(*index, SourceStatus::Running);
            }
        }
        self.task.report_statistics(!published.is_empty());
        self.task.check_rehydrated();
        Ok(())
    }

    /// Commits every whole transaction read so far and waits until it is
    /// durable.
    async fn flush(&mut self) -> Result<(), IngestError> {
        if let Some(commit) = self.in_flight.take() {
            self.committed(commit.await)?;
        }
        self.start_commit()?;
        if let Some(commit) = self.in_flight.take() {
            self.committed(commit.await)?;
        }
        Ok(())
    }

    /// Fails subsource `index` for good: its error is committed with the
    /// next tick, and its events are skipped from here on.
    fn fail(&mut self, index: usize, error: &MySqlError) {
        let failure = self.task.fail_subsource(index, error);
        self.failures.push(failure);
        self.decoders[index] = None;
        if let Err(e) = self.added.remove(index) {
            // The store deletes unpublished batches when it next opens.
            tracing::warn!(source = %self.task.desc.name, error = %e, "cannot delete a failed subsource's unpublished batches");
        }
    }

    /// Ends the current transaction: its GTID joins the set and its updates
    /// may be committed.
    fn end_transaction(&mut self) {
        if let Some(transaction) = self.transaction.take() {
            self.gtids.insert(&transaction.gtid);
            self.tick.end_transaction();
        }
    }

    /// Acts on what a statement of a QUERY event does to the source's tables
    /// (DESIGN.md §5): a TRUNCATE empties the subsource at the statement's
    /// position; a dropped or renamed table, partition maintenance, or an
    /// ALTER that leaves columns the source cannot copy fails the subsource.
    async fn apply_ddl(&mut self, default_schema: &str, query: &str) -> Result<(), IngestError> {
        for effect in ddl_effects(default_schema, query) {
            let (schema, table) = match &effect {
                DdlEffect::Truncate { schema, table }
                | DdlEffect::PartitionChanged { schema, table }
                | DdlEffect::Dropped { schema, table }
                | DdlEffect::Altered { schema, table } => (schema.as_str(), Some(table.as_str())),
                DdlEffect::DatabaseDropped { schema } => (schema.as_str(), None),
            };
            let gtid = self.transaction.as_ref().map(|t| &t.gtid);
            let indexes: Vec<usize> = self
                .by_name
                .iter()
                .filter(|((s, t), index)| {
                    s == schema
                        && table.is_none_or(|table| t == table)
                        && self.decoders[**index].is_some()
                        // An added subsource's snapshot holds what came before it.
                        && !self.added.holds(**index, gtid)
                })
                .map(|(_, index)| *index)
                .collect();
            for index in indexes {
                let name = {
                    let table = &self.task.desc.subsources[index].table;
                    format!("{}.{}", table.schema, table.name)
                };
                match &effect {
                    DdlEffect::Truncate { .. } if self.added.is_waiting(index) => self.added.truncate(index)?,
                    DdlEffect::Truncate { .. } => self.truncate(index).await?,
                    DdlEffect::PartitionChanged { .. } => self.fail(
                        index,
                        &MySqlError::PartitionChanged {
                            table: name,
                            statement: query.trim().to_string(),
                        },
                    ),
                    DdlEffect::Dropped { .. } | DdlEffect::DatabaseDropped { .. } => {
                        self.fail(index, &MySqlError::TableDropped { table: name });
                    }
                    DdlEffect::Altered { .. } => self.check_altered(index).await?,
                }
            }
        }
        Ok(())
    }

    /// TRUNCATE of subsource `index`'s table: every transaction before it is
    /// committed, then the subsource's whole stored contents are retracted
    /// in the TRUNCATE's own tick (built off the async runtime: it may be
    /// millions of rows).
    async fn truncate(&mut self, index: usize) -> Result<(), IngestError> {
        self.flush().await?;
        let store = self.task.store.clone();
        let id = self.ids[index];
        let batch = tokio::task::spawn_blocking(move || store.retract_all(id))
            .await
            .map_err(|e| StorageError::Io(format!("the retraction of a truncated table failed: {e}")))??;
        tracing::info!(source = %self.task.desc.name, subsource = %id, rows = batch.len(), "table truncated");
        self.task.subsource_stats[index].updates_staged += batch.len() as u64;
        self.tick.add_batch(index, batch);
        Ok(())
    }

    /// After an ALTER of subsource `index`'s table: the columns MySQL has
    /// now must still hold the ones the source copies; the subsource's
    /// decoder is then made afresh from them, as at a reconnect (ENUM and
    /// SET values appended to text columns become decodable).
    async fn check_altered(&mut self, index: usize) -> Result<(), IngestError> {
        let conn = match &mut self.side {
            Some(conn) => conn,
            None => self.side.insert(connect(&self.task.desc.connection).await?),
        };
        let table = &self.task.desc.subsources[index].table;
        let current = current_columns(conn, &[table]).await?;
        let columns = current.get(&(table.schema.clone(), table.name.clone()));
        match self.task.decoder(index, columns.map(Vec::as_slice)) {
            Ok(decoder) => self.decoders[index] = Some(decoder),
            Err(e) => self.fail(index, &e),
        }
        Ok(())
    }
}

/// What woke the replication loop.
enum Next<C, R, E> {
    Committed(C),
    Read(R),
    Event(E),
}

/// Waits until `log` is due and logs it, or forever if there is none.
async fn log_progress(log: &mut Option<ProgressLog>) {
    match log {
        Some(log) => log.tick().await,
        None => std::future::pending().await,
    }
}

/// Waits for the commit in flight, or forever if there is none.
async fn wait(in_flight: &mut Option<InFlight>) -> Result<Timestamp, StorageError> {
    match in_flight {
        Some(commit) => commit.await,
        None => std::future::pending().await,
    }
}

/// Passes a rows event's updates to `push`: each before image retracted,
/// each after image inserted. A row the decoder refuses is the subsource's
/// definite error (the inner result); otherwise returns how many updates
/// it pushed.
fn apply_rows(
    rows: &RowsEventData<'_>,
    tme: &mysql_async::binlog::events::TableMapEvent<'_>,
    decoder: &TableDecoder,
    row: &mut Row,
    push: &mut dyn FnMut(&Row, Diff) -> Result<(), StorageError>,
) -> Result<Result<u64, MySqlError>, IngestError> {
    let mut updates = 0;
    for pair in rows.rows(tme) {
        let (before, after) = pair.map_err(|e| MySqlError::UnreadableBinlog(format!("a rows event: {e}")))?;
        for (image, diff) in [(before, -1), (after, 1)] {
            let Some(image) = image else { continue };
            if let Err(e) = decoder.decode_binlog(image, row) {
                return Ok(Err(e));
            }
            push(row, diff)?;
            updates += 1;
        }
    }
    Ok(Ok(updates))
}

/// The server still has every transaction the source ingested, and the
/// binlog from there on. Returns how many transactions it has executed.
async fn check_gtids(conn: &mut mysql_async::Conn, ours: &GtidSet) -> Result<u64, IngestError> {
    let server = ServerGtids::read(conn).await?;
    server.check_resume(ours)?;
    Ok(server.executed.transaction_count())
}
