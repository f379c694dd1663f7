//! A source's consistent snapshot (DESIGN.md §5): every table read at one
//! GTID point, each into an unpublished batch, published together once
//! with that point as the source's GTID set.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use freshet_mysql::{GtidSet, MySqlError, TableDecoder, connect};
use freshet_repr::{GlobalId, Row, UpstreamTable};
use freshet_storage::{Batch, Store};
use futures::StreamExt;
use mysql_async::prelude::Queryable;

use crate::source::SourceTask;
use crate::{IngestError, SourceStatus};

mod progress_log;

pub(crate) use progress_log::ProgressLog;

/// How long `LOCK TABLES` waits for writers before the attempt is retried.
const LOCK_WAIT_SECONDS: u32 = 10;
/// At most this many tables are read at once, each on its own connection.
const MAX_READERS: usize = 4;

/// How often a running snapshot's progress is reported.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// One table to read: its subsource's index, the table, its decoder, and
/// how far its read is.
struct Job {
    index: usize,
    table: UpstreamTable,
    decoder: TableDecoder,
    progress: Arc<TableProgress>,
}

/// How far the read of one table is, as its reader counts it.
#[derive(Debug)]
pub(crate) struct TableProgress {
    /// The rows the table holds at the snapshot point, once counted
    /// ([`UNKNOWN`] before).
    known: AtomicU64,
    /// The rows read so far.
    staged: AtomicU64,
}

/// [`TableProgress::known`] before the count.
const UNKNOWN: u64 = u64::MAX;

impl TableProgress {
    fn new() -> TableProgress {
        TableProgress {
            known: AtomicU64::new(UNKNOWN),
            staged: AtomicU64::new(0),
        }
    }

    /// The rows the table holds, once counted, and the rows read so far.
    pub(crate) fn get(&self) -> (Option<u64>, u64) {
        let known = self.known.load(Ordering::Relaxed);
        ((known != UNKNOWN).then_some(known), self.staged.load(Ordering::Relaxed))
    }
}

/// What reading one table gave: its subsource's index and its batch, or
/// the definite error that fails the subsource.
pub(crate) type Read = (usize, Result<Batch, MySqlError>);

/// A snapshot point: a GTID set, and connections each inside a consistent
/// snapshot of the tables at exactly that set, ready to read them.
pub(crate) struct Point {
    /// The transactions the tables' contents hold.
    pub(crate) gtids: GtidSet,
    jobs: Vec<Job>,
    readers: Vec<mysql_async::Conn>,
    /// One more connection in the same snapshot, which counts each table's
    /// rows while the readers read them.
    counter: Option<mysql_async::Conn>,
}

impl Point {
    /// Each table's subsource index and decoder.
    pub(crate) fn decoders(&self) -> impl Iterator<Item = (usize, &TableDecoder)> {
        self.jobs.iter().map(|job| (job.index, &job.decoder))
    }

    /// Each table's subsource index and its read's progress.
    pub(crate) fn progress(&self) -> Vec<(usize, Arc<TableProgress>)> {
        self.jobs
            .iter()
            .map(|job| (job.index, Arc::clone(&job.progress)))
            .collect()
    }

    /// Reads every table into an unpublished batch, in parallel.
    pub(crate) async fn read(self, store: Store) -> Result<Vec<Read>, IngestError> {
        // The counts only report progress: the read does not wait for them,
        // and they stop when it ends.
        let tables: Vec<(UpstreamTable, Arc<TableProgress>)> = self
            .jobs
            .iter()
            .map(|job| (job.table.clone(), Arc::clone(&job.progress)))
            .collect();
        let counting = self.counter.map(|conn| tokio::spawn(count_tables(conn, tables)));
        let reads = read_tables(store, self.jobs, self.readers).await;
        if let Some(counting) = counting {
            counting.abort();
        }
        reads
    }
}

/// Takes a snapshot point for the tables of subsources `indexes`: locks
/// them against writers, checks each against the columns MySQL has now,
/// reads `gtid_executed`, and opens the readers' consistent snapshots
/// before unlocking. A subsource whose table no longer has the columns it
/// copies fails; the errors come back as offsets to commit.
pub(crate) async fn take_point(
    task: &mut SourceTask,
    indexes: &[usize],
) -> Result<(Point, Vec<(GlobalId, String)>), IngestError> {
    let options = task.desc.connection.clone();
    let mut lock = connect(&options).await?;
    lock.query_drop(format!("SET SESSION lock_wait_timeout = {LOCK_WAIT_SECONDS}"))
        .await
        .map_err(MySqlError::from)?;
    if !indexes.is_empty() {
        let names: Vec<String> = indexes
            .iter()
            .map(|i| format!("{} READ", quoted(&task.desc.subsources[*i].table)))
            .collect();
        lock.query_drop(format!("LOCK TABLES {}", names.join(", ")))
            .await
            .map_err(MySqlError::from)?;
    }
    // Under the lock, no table can change: check them all.
    let (decoders, offsets) = task.check_tables(&mut lock, indexes).await?;
    let jobs: Vec<Job> = decoders
        .into_iter()
        .enumerate()
        .filter_map(|(index, decoder)| {
            Some(Job {
                index,
                table: task.desc.subsources[index].table.clone(),
                decoder: decoder?,
                progress: Arc::new(TableProgress::new()),
            })
        })
        .collect();
    let text: Option<String> = lock
        .query_first("SELECT @@GLOBAL.gtid_executed")
        .await
        .map_err(MySqlError::from)?;
    let gtids = GtidSet::parse(&text.unwrap_or_default())?;
    let mut readers = Vec::new();
    for _ in 0..jobs.len().min(MAX_READERS) {
        readers.push(open_reader(&options).await?);
    }
    let counter = if jobs.is_empty() {
        None
    } else {
        Some(open_reader(&options).await?)
    };
    if !indexes.is_empty() {
        lock.query_drop("UNLOCK TABLES").await.map_err(MySqlError::from)?;
    }
    // Best effort: the server ends the session anyway when it closes.
    let _ = lock.disconnect().await;
    tracing::info!(source = %task.desc.name, gtids = %gtids, tables = jobs.len(), "snapshot point taken");
    Ok((
        Point {
            gtids,
            jobs,
            readers,
            counter,
        },
        offsets,
    ))
}

/// Takes the snapshot of every live subsource and commits it with the
/// progress subsource's rows and the snapshot's GTID set; returns the set.
pub(crate) async fn snapshot(task: &mut SourceTask) -> Result<GtidSet, IngestError> {
    let live: Vec<usize> = (0..task.desc.subsources.len()).filter(|i| task.is_live(*i)).collect();
    let (point, mut offsets) = take_point(task, &live).await?;
    // Connected and at a point: a source stalled before is starting again.
    task.report_source(SourceStatus::Starting, None);
    let gtids = point.gtids.clone();
    let progress = point.progress();
    let read = point.read(task.store.clone());
    tokio::pin!(read);
    // Progress is reported as the tables are read, every second, and
    // logged less often.
    let mut every = tokio::time::interval(PROGRESS_EVERY);
    let mut log = ProgressLog::new(
        format!("source {}", task.desc.name),
        progress.iter().map(|(_, table)| Arc::clone(table)).collect(),
        task.progress_log_every,
    );
    let reads = loop {
        tokio::select! {
            reads = &mut read => break reads?,
            () = log.tick() => {}
            _ = every.tick() => {
                for (index, table) in &progress {
                    let (known, staged) = table.get();
                    let stats = &mut task.subsource_stats[*index];
                    stats.snapshot_records_known = known;
                    stats.snapshot_records_staged = Some(staged);
                }
                task.report_statistics(true);
            }
        }
    };
    let mut writes: Vec<(GlobalId, Batch)> = Vec::new();
    let mut rows = 0;
    let mut counts = Vec::new();
    for (index, read) in reads {
        match read {
            Ok(batch) => {
                rows += batch.len();
                let count = batch.len() as u64;
                task.subsource_stats[index].snapshot_read(count);
                counts.push((index, count));
                writes.push((task.desc.subsources[index].id, batch));
            }
            Err(e) => offsets.push(task.fail_subsource(index, &e)),
        }
    }
    let (progress, offset) = task.progress_update(&gtids);
    let mut builder = task.store.batch_builder()?;
    for (row, diff) in &progress {
        builder.push(row, *diff)?;
    }
    writes.push((task.desc.progress, builder.finish()?));
    offsets.push(offset);
    let ts = task.committer.commit_with_offsets(writes, offsets).await?;
    task.progressed = true;
    tracing::info!(source = %task.desc.name, rows, ts, "snapshot committed");
    for (index, count) in counts {
        task.subsource_stats[index].updates_committed += count;
        task.subsource_stats[index].snapshot_committed = true;
    }
    task.stats.snapshot_committed = true;
    task.stats.offset_committed = Some(gtids.transaction_count());
    task.stats.offset_known = Some(gtids.transaction_count());
    task.report_statistics(true);
    for index in 0..task.desc.subsources.len() {
        if task.is_live(index) {
            task.report_subsource(index, SourceStatus::Running);
        }
    }
    Ok(gtids)
}

/// A connection inside a consistent-snapshot transaction, reading in UTC
/// with UTF-8 results.
async fn open_reader(options: &freshet_mysql::MySqlConnection) -> Result<mysql_async::Conn, IngestError> {
    let mut conn = connect(options).await?;
    for statement in [
        "SET NAMES utf8mb4",
        "SET time_zone = '+00:00'",
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
    ] {
        conn.query_drop(statement).await.map_err(MySqlError::from)?;
    }
    Ok(conn)
}

/// Reads the tables of `jobs`, in parallel over `readers`.
async fn read_tables(store: Store, jobs: Vec<Job>, readers: Vec<mysql_async::Conn>) -> Result<Vec<Read>, IngestError> {
    let queue = Arc::new(Mutex::new(jobs.into_iter().collect::<VecDeque<Job>>()));
    // Dropping the set (the source stopped) aborts the readers.
    let mut workers = tokio::task::JoinSet::new();
    for conn in readers {
        workers.spawn(read_worker(conn, Arc::clone(&queue), store.clone()));
    }
    let mut reads = Vec::new();
    while let Some(worker) = workers.join_next().await {
        let worker = worker.map_err(|e| IngestError::ReaderFailed(e.to_string()))?;
        reads.extend(worker?);
    }
    Ok(reads)
}

/// Takes tables from the queue until it is empty, reading each whole.
async fn read_worker(
    mut conn: mysql_async::Conn,
    queue: Arc<Mutex<VecDeque<Job>>>,
    store: Store,
) -> Result<Vec<Read>, IngestError> {
    let mut reads = Vec::new();
    loop {
        let job = match queue.lock() {
            Ok(mut queue) => queue.pop_front(),
            Err(_) => None,
        };
        let Some(job) = job else { break };
        let read = read_table(&mut conn, &store, &job).await?;
        reads.push((job.index, read));
    }
    // The snapshot transaction only read.
    let _ = conn.disconnect().await;
    Ok(reads)
}

/// Counts the rows of each table, in a connection inside the same
/// consistent snapshot as the readers' (exactly what they read), into its
/// progress. Best effort: a failed count leaves the total unknown until
/// the table is read.
async fn count_tables(mut conn: mysql_async::Conn, tables: Vec<(UpstreamTable, Arc<TableProgress>)>) {
    for (table, progress) in tables {
        match conn
            .query_first::<u64, _>(format!("SELECT COUNT(*) FROM {}", quoted(&table)))
            .await
        {
            Ok(count) => progress.known.store(count.unwrap_or(0), Ordering::Relaxed),
            Err(e) => {
                tracing::debug!(table = %quoted(&table), error = %e, "cannot count a snapshot table");
                return;
            }
        }
    }
    let _ = conn.disconnect().await;
}

/// Streams one table into an unpublished batch. A value the subsource
/// cannot hold is the table's definite error; the network failing is the
/// snapshot's transient one.
async fn read_table(
    conn: &mut mysql_async::Conn,
    store: &Store,
    job: &Job,
) -> Result<Result<Batch, MySqlError>, IngestError> {
    let query = format!("SELECT {} FROM {}", job.decoder.select_list(), quoted(&job.table));
    let mut builder = store.batch_builder()?;
    let mut row = Row::default();
    let mut stream = conn
        .exec_stream::<mysql_async::Row, _, _>(query, ())
        .await
        .map_err(MySqlError::from)?;
    let mut failure = None;
    while let Some(values) = stream.next().await {
        let values = values.map_err(MySqlError::from)?;
        if failure.is_some() {
            continue;
        }
        match job.decoder.decode_snapshot(values.unwrap(), &mut row) {
            Ok(()) => {
                builder.push(&row, 1)?;
                job.progress.staged.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => failure = Some(e),
        }
    }
    match failure {
        Some(e) => Ok(Err(e)),
        None => Ok(Ok(builder.finish()?)),
    }
}

/// A table's name as MySQL reads it: `` `schema`.`name` ``.
pub(crate) fn quoted(table: &UpstreamTable) -> String {
    let quote = |name: &str| format!("`{}`", name.replace('`', "``"));
    format!("{}.{}", quote(&table.schema), quote(&table.name))
}
