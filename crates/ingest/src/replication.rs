//! GTID binlog replication (DESIGN.md §5): one binlog stream per source
//! from its stored GTID set; each transaction decoded with its own
//! TABLE_MAP and committed whole, many to a tick, with the new GTID set.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use freshet_mysql::{Gtid, GtidSet, MySqlError, TableDecoder, connect};
use freshet_repr::{GlobalId, Row, Timestamp};
use freshet_storage::StorageError;
use futures::StreamExt;
use mysql_async::BinlogStreamRequest;
use mysql_async::binlog::events::{EventData, RowsEventData};
use mysql_async::prelude::Queryable;

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
    let mut in_flight: Option<InFlight> = None;
    let error = match stream(task, gtids, &mut in_flight).await {
        Ok(never) => match never {},
        Err(e) => e,
    };
    if let Some(commit) = in_flight {
        let _ = commit.await;
    }
    Err(error)
}

/// The replication loop: `in_flight` holds the commit not yet durable.
async fn stream(
    task: &mut SourceTask,
    mut gtids: GtidSet,
    in_flight: &mut Option<InFlight>,
) -> Result<Infallible, IngestError> {
    let options = task.desc.connection.clone();
    let mut conn = connect(&options).await?;
    let known = check_gtids(&mut conn, &gtids).await?;
    task.stats.offset_known = Some(known.max(task.stats.offset_known.unwrap_or(0)));
    let (mut decoders, failed) = task.check_tables(&mut conn).await?;
    if !failed.is_empty() {
        task.committer.commit_with_offsets(Vec::new(), failed).await?;
    }
    for statement in [
        format!("SET @source_heartbeat_period = {}", HEARTBEAT.as_nanos()),
        format!("SET @master_heartbeat_period = {}", HEARTBEAT.as_nanos()),
    ] {
        conn.query_drop(statement).await.map_err(MySqlError::from)?;
    }
    let request = BinlogStreamRequest::new(task.desc.server_id)
        .with_gtid()
        .with_gtid_set(gtids.to_sids());
    let mut stream = conn.get_binlog_stream(request).await.map_err(MySqlError::from)?;
    task.report_source(SourceStatus::Running, None);
    tracing::info!(source = %task.desc.name, gtids = %gtids, "replicating");

    let ids: Vec<GlobalId> = task.desc.subsources.iter().map(|s| s.id).collect();
    let by_name: HashMap<(String, String), usize> = task
        .desc
        .subsources
        .iter()
        .enumerate()
        .map(|(index, s)| ((s.table.schema.clone(), s.table.name.clone()), index))
        .collect();
    let mut tick = Tick::new(task.store.clone(), ids.len());
    let mut transaction: Option<Transaction> = None;
    let mut failures: Vec<(GlobalId, String)> = Vec::new();
    // What the commit in flight adds: updates per subsource, and the
    // number of transactions ingested once it is durable.
    let mut committing: (Vec<u64>, u64) = (Vec::new(), 0);
    let mut row = Row::default();
    loop {
        // Commit whole transactions whenever the previous commit is done.
        if in_flight.is_none() && transaction.is_none() && (!tick.is_empty() || !failures.is_empty()) {
            let done = std::mem::replace(&mut tick, Tick::new(task.store.clone(), ids.len()));
            tracing::debug!(source = %task.desc.name, transactions = done.transactions(), updates = done.updates(), "committing a tick");
            let (mut writes, counts) = done.finish(&ids, |i| task.is_live(i))?;
            committing = (counts, gtids.transaction_count());
            let (progress, offset) = task.progress_update(&gtids);
            let mut builder = task.store.batch_builder()?;
            for (row, diff) in &progress {
                builder.push(row, *diff)?;
            }
            writes.push((task.desc.progress, builder.finish()?));
            let mut offsets = std::mem::take(&mut failures);
            offsets.push(offset);
            // Queued at once: a commit the source sent always lands before
            // anything the coordinator asks of the committer afterwards.
            *in_flight = Some(Box::pin(task.committer.enqueue(writes, offsets)));
        }
        let next = tokio::select! {
            committed = wait(in_flight) => Next::Committed(committed),
            event = tokio::time::timeout(SILENCE, stream.next()) => Next::Event(event),
        };
        let event = match next {
            Next::Committed(committed) => {
                *in_flight = None;
                committed?;
                let (counts, offset) = std::mem::take(&mut committing);
                for (stats, count) in task.subsource_stats.iter_mut().zip(counts) {
                    stats.updates_committed += count;
                }
                task.stats.offset_committed = Some(offset);
                task.report_statistics(false);
                continue;
            }
            Next::Event(Err(_)) => {
                return Err(IngestError::Silent {
                    seconds: SILENCE.as_secs(),
                });
            }
            Next::Event(Ok(None)) => {
                return Err(MySqlError::Server {
                    code: 0,
                    message: "the binlog stream ended".into(),
                }
                .into());
            }
            Next::Event(Ok(Some(event))) => event.map_err(MySqlError::from)?,
        };
        task.stats.messages_received += 1;
        task.stats.bytes_received += u64::from(event.header().event_size());
        let data = event.read_data().map_err(|e| MySqlError::Server {
            code: 0,
            message: format!("cannot read a binlog event: {e}"),
        })?;
        let Some(data) = data else { continue };
        match data {
            EventData::GtidEvent(event) => {
                let gtid = Gtid::of_event(&event);
                let frontier = gtids.frontier(gtid.uuid, gtid.tag.as_deref());
                if gtid.gno < frontier && !gtids.contains(&gtid) {
                    return Err(MySqlError::GtidOutOfOrder {
                        gtid: gtid.to_string(),
                        frontier,
                    }
                    .into());
                }
                transaction = Some(Transaction {
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
                // BEGIN opens a transaction; XA START and XA END are inside one.
                if !(word("BEGIN") || word("XA START") || word("XA END")) {
                    // COMMIT ends a non-transactional one; anything else
                    // (DDL, XA COMMIT, XA ROLLBACK) is its own transaction.
                    end_transaction(&mut transaction, &mut gtids, &mut tick);
                }
            }
            EventData::RowsEvent(rows) => {
                let table_id = rows.table_id();
                let Some(tme) = stream.get_tme(table_id) else {
                    return Err(MySqlError::Server {
                        code: 0,
                        message: format!("rows event for table id {table_id} without its TABLE_MAP"),
                    }
                    .into());
                };
                let key = (tme.database_name().into_owned(), tme.table_name().into_owned());
                let Some(&index) = by_name.get(&key) else { continue };
                let Some(decoder) = decoders[index].as_ref() else {
                    continue;
                };
                if let Some(transaction) = &mut transaction {
                    transaction.touched.insert(index);
                }
                match apply_rows(&rows, tme, decoder, index, &mut tick, &mut row)? {
                    Ok(updates) => task.subsource_stats[index].updates_staged += updates,
                    Err(e) => {
                        failures.push(task.fail_subsource(index, &e));
                        decoders[index] = None;
                    }
                }
            }
            EventData::XidEvent(_) => end_transaction(&mut transaction, &mut gtids, &mut tick),
            EventData::XaPrepareLogEvent(_) => {
                if let Some(t) = &transaction {
                    for index in t.touched.clone() {
                        if decoders[index].is_some() {
                            let error = MySqlError::XaTransaction {
                                gtid: t.gtid.to_string(),
                            };
                            failures.push(task.fail_subsource(index, &error));
                            decoders[index] = None;
                        }
                    }
                }
                end_transaction(&mut transaction, &mut gtids, &mut tick);
            }
            _ => {}
        }
        let seen = gtids.transaction_count();
        task.stats.offset_known = Some(seen.max(task.stats.offset_known.unwrap_or(0)));
        task.report_statistics(false);
    }
}

/// What woke the replication loop.
enum Next<C, E> {
    Committed(C),
    Event(E),
}

/// Waits for the commit in flight, or forever if there is none.
async fn wait(in_flight: &mut Option<InFlight>) -> Result<Timestamp, StorageError> {
    match in_flight {
        Some(commit) => commit.await,
        None => std::future::pending().await,
    }
}

/// Ends the current transaction: its GTID joins the set and its updates
/// may be committed.
fn end_transaction(transaction: &mut Option<Transaction>, gtids: &mut GtidSet, tick: &mut Tick) {
    if let Some(transaction) = transaction.take() {
        gtids.insert(&transaction.gtid);
        tick.end_transaction();
    }
}

/// Adds a rows event's updates to the tick: each before image retracted,
/// each after image inserted. A row the decoder refuses is the subsource's
/// definite error (the inner result); otherwise returns how many updates
/// it added.
fn apply_rows(
    rows: &RowsEventData<'_>,
    tme: &mysql_async::binlog::events::TableMapEvent<'_>,
    decoder: &TableDecoder,
    index: usize,
    tick: &mut Tick,
    row: &mut Row,
) -> Result<Result<u64, MySqlError>, IngestError> {
    let mut updates = 0;
    for pair in rows.rows(tme) {
        let (before, after) = pair.map_err(|e| MySqlError::Server {
            code: 0,
            message: format!("cannot decode a rows event: {e}"),
        })?;
        for (image, diff) in [(before, -1), (after, 1)] {
            let Some(image) = image else { continue };
            if let Err(e) = decoder.decode_binlog(image, row) {
                return Ok(Err(e));
            }
            tick.push(index, row, diff)?;
            updates += 1;
        }
    }
    Ok(Ok(updates))
}

/// The server still has every transaction the source ingested, and the
/// binlog from there on. Returns how many transactions it has executed.
async fn check_gtids(conn: &mut mysql_async::Conn, ours: &GtidSet) -> Result<u64, IngestError> {
    let (executed, purged): (String, String) = conn
        .query_first("SELECT @@GLOBAL.gtid_executed, @@GLOBAL.gtid_purged")
        .await
        .map_err(MySqlError::from)?
        .unwrap_or_default();
    let (executed, purged) = (GtidSet::parse(&executed)?, GtidSet::parse(&purged)?);
    let missing = ours.difference(&executed);
    if !missing.is_empty() {
        return Err(MySqlError::TransactionsMissing {
            missing: missing.to_string(),
        }
        .into());
    }
    let gone = purged.difference(ours);
    if !gone.is_empty() {
        return Err(MySqlError::BinlogPurged {
            missing: gone.to_string(),
        }
        .into());
    }
    Ok(executed.transaction_count())
}
