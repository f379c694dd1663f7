//! Real-time recency (`SET real_time_recency = on`, DESIGN.md §3).
//!
//! Before a `SELECT` or `SUBSCRIBE` picks its time, a spawned task asks
//! the MySQL server of every source the query reads (through views,
//! materialized views and indexes too) for its `@@GLOBAL.gtid_executed`,
//! then waits until each source has committed every one of those
//! transactions. The query then reads no earlier than the time at which
//! the last of them was committed, so it sees every transaction MySQL had
//! committed when it began. Waiting is bounded by
//! `real_time_recency_timeout`; a query reading no MySQL source, or whose
//! time is already fixed (`AS OF`, a transaction's later reads), does not
//! wait.

use std::collections::BTreeSet;
use std::time::Duration;

use freshet_catalog::ItemKind;
use freshet_mysql::{GtidSet, MySqlConnection, ServerGtids};
use freshet_repr::{GlobalId, Timestamp};
use freshet_sql::{SelectPlan, SubscribePlan};
use freshet_storage::Store;
use tokio::time::Instant;

use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::TransactionStatus;
use crate::session::TransactionOps;

/// One source a query waits for.
#[derive(Debug)]
struct RecencySource {
    /// Its name, for errors.
    name: String,
    /// Its MySQL server, secrets resolved.
    connection: MySqlConnection,
    /// Its progress subsource, whose collection's offset is the source's
    /// committed GTID set.
    progress: GlobalId,
}

/// What a query with real-time recency waits for before it picks its time.
#[derive(Debug)]
pub(crate) struct RecencyWait {
    sources: Vec<RecencySource>,
    /// How long it may wait, `None` for no limit.
    timeout: Option<Duration>,
    /// The timeout as the session shows it, for the error.
    timeout_text: String,
    store: Store,
}

impl Coordinator {
    /// `SELECT`: with real-time recency, first waits for the sources it
    /// reads (in a spawned task), then reads no earlier than that.
    pub(crate) fn sequence_select(&mut self, ctx: ExecuteContext, select: SelectPlan) -> Sequenced {
        let wait = if select.as_of.is_some() {
            Ok(None)
        } else {
            self.recency_wait(&ctx, &select.expr.depends_on())
        };
        match wait {
            Ok(None) => self.sequence_peek(ctx, select, None),
            Ok(Some(wait)) => {
                self.spawn_then(
                    ctx,
                    |mut signal| async move { signal.run(wait.run()).await },
                    move |coord: &mut Coordinator, ctx, not_before| coord.sequence_peek(ctx, select, Some(not_before)),
                );
                Sequenced::Pending
            }
            Err(e) => Sequenced::Done(ctx, Err(e)),
        }
    }

    /// `SUBSCRIBE`, and `DECLARE … CURSOR FOR SUBSCRIBE` when `cursor`
    /// names one: with real-time recency, its snapshot is taken no earlier
    /// than the time its sources caught up.
    pub(crate) fn sequence_subscribe_recent(
        &mut self,
        ctx: ExecuteContext,
        plan: SubscribePlan,
        cursor: Option<String>,
    ) -> Sequenced {
        let wait = if plan.as_of.is_some() {
            Ok(None)
        } else {
            self.recency_wait(&ctx, &plan.expr.depends_on())
        };
        let start = move |coord: &mut Coordinator, ctx, not_before| match cursor {
            Some(name) => coord.sequence_declare(ctx, name, plan, not_before),
            None => coord.sequence_subscribe(ctx, plan, not_before),
        };
        match wait {
            Ok(None) => start(self, ctx, None),
            Ok(Some(wait)) => {
                self.spawn_then(
                    ctx,
                    |mut signal| async move { signal.run(wait.run()).await },
                    move |coord: &mut Coordinator, ctx, not_before| start(coord, ctx, Some(not_before)),
                );
                Sequenced::Pending
            }
            Err(e) => Sequenced::Done(ctx, Err(e)),
        }
    }

    /// What a query reading `inputs` waits for: `None` unless the session
    /// has real-time recency on, the query's time is not fixed yet by its
    /// transaction, and it reads a MySQL source.
    fn recency_wait(&self, ctx: &ExecuteContext, inputs: &[GlobalId]) -> Result<Option<RecencyWait>, AdapterError> {
        let Some(session) = self.sessions.get(&ctx.conn_id) else {
            return Ok(None);
        };
        let time_fixed =
            session.transaction == TransactionStatus::InTransaction && matches!(session.ops, TransactionOps::Reads(..));
        if !session.vars.real_time_recency() || time_fixed {
            return Ok(None);
        }
        // A failed or not yet readable source fails the query at once.
        self.check_readable(inputs)?;
        let mut sources = Vec::new();
        for id in self.sources_read_by(inputs) {
            let desc = self.source_description(id)?;
            sources.push(RecencySource {
                name: desc.name,
                connection: desc.connection,
                progress: desc.progress,
            });
        }
        if sources.is_empty() {
            return Ok(None);
        }
        Ok(Some(RecencyWait {
            sources,
            timeout: session.vars.real_time_recency_timeout(),
            timeout_text: session.vars.get("real_time_recency_timeout")?,
            store: self.store.clone(),
        }))
    }

    /// The MySQL sources whose subsources `inputs` read, directly or
    /// through the views, materialized views and indexes among them.
    fn sources_read_by(&self, inputs: &[GlobalId]) -> BTreeSet<GlobalId> {
        let mut sources = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut pending = inputs.to_vec();
        while let Some(id) = pending.pop() {
            if !seen.insert(id) {
                continue;
            }
            let Some(item) = self.catalog.item(id) else { continue };
            match item.kind {
                ItemKind::Source => {
                    sources.insert(id);
                }
                // A subsource names its source first.
                ItemKind::Subsource | ItemKind::ProgressSubsource => sources.extend(item.uses.first()),
                ItemKind::View | ItemKind::MaterializedView | ItemKind::Index => pending.extend(&item.uses),
                ItemKind::Table | ItemKind::Secret | ItemKind::Connection => {}
            }
        }
        sources
    }
}

impl RecencyWait {
    /// Learns every source's upstream GTID set, then waits until each
    /// source has committed all of it; returns the earliest time a read
    /// sees all of it at.
    async fn run(self) -> Result<Timestamp, AdapterError> {
        let started = Instant::now();
        let deadline = self.timeout.map(|timeout| started + timeout);
        let timed_out = |source: &RecencySource, detail: String| AdapterError::RealTimeRecencyTimeout {
            name: source.name.clone(),
            timeout: self.timeout_text.clone(),
            detail,
        };
        // Every upstream first, so that each is read as close as possible
        // to the query's start.
        let mut upstreams = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            let server = format!("{}:{}", source.connection.host, source.connection.port);
            match within(deadline, upstream_gtids(&source.connection)).await {
                Some(gtids) => upstreams.push(gtids?),
                None => {
                    return Err(timed_out(
                        source,
                        format!("MySQL at {server} did not report its executed transactions in time."),
                    ));
                }
            }
        }
        let mut not_before = 0;
        for (source, upstream) in self.sources.iter().zip(&upstreams) {
            match within(deadline, caught_up(&self.store, source, upstream)).await {
                Some(time) => not_before = not_before.max(time?),
                None => {
                    let ours = committed_gtids(&self.store, source.progress)?;
                    let missing = upstream.difference(&ours);
                    return Err(timed_out(
                        source,
                        format!("The source had not yet committed these transactions MySQL had executed: {missing}."),
                    ));
                }
            }
        }
        tracing::debug!(
            sources = self.sources.len(),
            not_before,
            waited_ms = started.elapsed().as_millis() as u64,
            "real-time recency: sources caught up"
        );
        Ok(not_before)
    }
}

/// Runs `step` until `deadline`, if there is one; `None` if it passed.
async fn within<T>(deadline: Option<Instant>, step: impl Future<Output = T>) -> Option<T> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, step).await.ok(),
        None => Some(step.await),
    }
}

/// The transactions the MySQL server `connection` reaches has executed.
async fn upstream_gtids(connection: &MySqlConnection) -> Result<GtidSet, AdapterError> {
    let mut conn = freshet_mysql::connect(connection).await?;
    let gtids = ServerGtids::read(&mut conn).await?;
    if let Err(e) = conn.disconnect().await {
        tracing::debug!(error = %e, "real-time recency: closing the MySQL connection failed");
    }
    Ok(gtids.executed)
}

/// The GTID set the source with progress subsource `progress` has
/// committed (empty before its snapshot).
fn committed_gtids(store: &Store, progress: GlobalId) -> Result<GtidSet, AdapterError> {
    match store.offset(progress)? {
        Some(text) => Ok(GtidSet::parse(&text)?),
        None => Ok(GtidSet::new()),
    }
}

/// Waits until `source` has committed every transaction of `upstream`;
/// returns a time at or after the commit that completed it.
async fn caught_up(store: &Store, source: &RecencySource, upstream: &GtidSet) -> Result<Timestamp, AdapterError> {
    let dropped = || AdapterError::RealTimeRecencySourceDropped(source.name.clone());
    let mut upper = store.watch_upper(source.progress).map_err(|_| dropped())?;
    loop {
        // The offset is published with the upper: marking the upper seen
        // before reading the offset misses no commit.
        upper.borrow_and_update();
        if upstream.is_subset(&committed_gtids(store, source.progress)?) {
            // The commit that completed it is below the upper read now.
            return Ok(store.upper(source.progress)?.saturating_sub(1));
        }
        upper.changed().await.map_err(|_| dropped())?;
    }
}
