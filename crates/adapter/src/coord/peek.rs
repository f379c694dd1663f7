//! Sequencing queries: optimize, compute once, finish.

use freshet_expr::RelExpr;
use freshet_expr::optimize;
use freshet_repr::{ColumnName, Datum, Diff, GlobalId, RelationDesc, Row, ScalarType, Timestamp};
use freshet_sql::{QueryAsOf, SelectPlan};

use freshet_storage::{Committer, ReadHold, Store};

use super::index::IndexPeek;
use super::instances::{ClusterHandle, FailureWatch};
use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::{ConnectionId, ExecuteResponse};
use crate::session::TransactionOps;
use freshet_compute::ComputeError;

impl Coordinator {
    /// The time a query reads at, held readable until the read is done:
    /// inside an explicit transaction, the time of its first read, held
    /// until the transaction ends (a transaction that wrote cannot read).
    /// A first read is at `not_before` or later (real-time recency).
    fn transaction_read_time(
        &mut self,
        ctx: &ExecuteContext,
        inputs: &[GlobalId],
        not_before: Option<Timestamp>,
    ) -> Result<(Timestamp, Option<ReadHold>), AdapterError> {
        let mut fresh = self.choose_as_of(inputs)?.max(not_before.unwrap_or(0));
        // Strict serializable: not before anything committed so far, even
        // when an input (a materialized view) lags the latest tick; the
        // read then waits for it.
        if self
            .sessions
            .get(&ctx.conn_id)
            .is_none_or(|session| session.vars.strict_serializable())
        {
            fresh = fresh.max(self.committer.last());
        }
        let store = self.store.clone();
        let Some(session) = self.sessions.get_mut(&ctx.conn_id) else {
            return Ok((fresh, Some(store.hold(inputs, fresh)?)));
        };
        if session.transaction != crate::client::TransactionStatus::InTransaction || inputs.is_empty() {
            return Ok((fresh, Some(store.hold(inputs, fresh)?)));
        }
        match &mut session.ops {
            TransactionOps::Writes(_) => Err(AdapterError::TransactionMode("transaction in write-only mode")),
            TransactionOps::Reads(ts, holds) => {
                let ts = *ts;
                holds.push(store.hold(inputs, ts)?);
                Ok((ts, None))
            }
            TransactionOps::None => {
                session.ops = TransactionOps::Reads(fresh, vec![store.hold(inputs, fresh)?]);
                Ok((fresh, None))
            }
        }
    }

    /// Runs a query on compute in a spawned task, reading at `not_before`
    /// or later unless its time is fixed (see [`Coordinator::sequence_select`]).
    pub(crate) fn sequence_peek(
        &mut self,
        ctx: ExecuteContext,
        select: SelectPlan,
        not_before: Option<Timestamp>,
    ) -> Sequenced {
        let SelectPlan {
            expr,
            finishing,
            desc,
            as_of: requested,
        } = select;
        // An index peek falls back to a dataflow when the index no longer
        // holds the time: hold what either needs (the optimizer only removes
        // inputs). The dataflow's plan is optimized only if it is run.
        let cluster = self.session_cluster(ctx.conn_id);
        let index_peek = self.index_peek(&expr, &cluster);
        let inputs = expr.depends_on();
        if let Err(e) = self.check_readable(&inputs) {
            return Sequenced::Done(ctx, Err(e));
        }
        let read = match requested {
            Some(requested) => self.requested_read_time(&inputs, requested),
            None => self.transaction_read_time(&ctx, &inputs, not_before),
        };
        let (as_of, hold) = match read {
            Ok(read) => read,
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        // `mz_now()` is the time the query reads at.
        let expr = expr.bind_now(as_of);
        let index_peek = index_peek.map(|peek| IndexPeek {
            plan: peek.plan.bind_now(as_of),
            ..peek
        });
        let reader = Reader {
            cluster: self.instances.handle(&cluster),
            watch: self.failure_watch(&inputs),
            store: self.store.clone(),
        };
        self.spawn_statement(ctx, |mut signal| async move {
            let rows = signal.run(reader.read_rows(inputs, as_of, index_peek, expr)).await?;
            drop(hold);
            let rows = finishing
                .finish(rows)
                .map_err(|negative| AdapterError::NegativeMultiplicity { diff: negative.diff })?;
            Ok(ExecuteResponse::Rows { desc, rows })
        });
        Sequenced::Pending
    }

    /// The time of `AS OF`: exactly it, or with `AT LEAST` the later of it
    /// and the latest complete time; held readable until the read is done.
    fn requested_read_time(
        &self,
        inputs: &[GlobalId],
        requested: QueryAsOf,
    ) -> Result<(Timestamp, Option<ReadHold>), AdapterError> {
        let time = if requested.at_least {
            requested.time.max(self.choose_as_of(inputs)?)
        } else {
            requested.time
        };
        Ok((time, Some(self.store.hold(inputs, time)?)))
    }

    /// Every input is readable: a subsource only once its source has taken
    /// the snapshot, and not once it has failed.
    pub(crate) fn check_readable(&self, inputs: &[GlobalId]) -> Result<(), AdapterError> {
        self.check_not_failed(inputs)?;
        for id in inputs {
            if let Some(item) = self.catalog.item(*id)
                && item.kind.is_subsource()
                && self.store.is_held(*id).unwrap_or(true)
            {
                return Err(AdapterError::SourceNotReadable(item.name.clone()));
            }
        }
        Ok(())
    }

    /// No input has failed: no subsource and no materialized view. A
    /// dataflow may start over a subsource whose snapshot is still being
    /// taken; it waits for it.
    pub(crate) fn check_not_failed(&self, inputs: &[GlobalId]) -> Result<(), AdapterError> {
        for id in inputs {
            let Some(item) = self.catalog.item(*id) else { continue };
            if item.kind == freshet_catalog::ItemKind::MaterializedView
                && let Some(e) = self.sink_failure(*id)
            {
                return Err(super::compute_error(e));
            }
            if item.kind.is_subsource()
                && let Some(status) = self.source_statuses.get(id)
                && status.status == "failed"
            {
                let error = status.error.clone().unwrap_or_default();
                let failure = (item.name.clone(), error, status.hint.clone());
                return Err(AdapterError::SourceFailed(Box::new(failure)));
            }
        }
        Ok(())
    }

    /// The latest time at which every input is complete.
    pub(crate) fn choose_as_of(&self, inputs: &[GlobalId]) -> Result<Timestamp, AdapterError> {
        latest_complete_time(&self.store, &self.committer, inputs)
    }
}

/// How often a read waiting for a materialized view checks whether the
/// view failed (which moves no upper to wake the wait).
const SINK_FAILURE_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// The rows of a constant plan, which need no cluster to compute.
pub(crate) fn constant_rows(plan: &RelExpr) -> Option<Result<Vec<(Row, Diff)>, AdapterError>> {
    match plan {
        RelExpr::Constant { rows, .. } => Some(rows.clone().map_err(|e| super::write::compute_error(e.into()))),
        _ => None,
    }
}

/// What a spawned read works with.
pub(crate) struct Reader {
    /// The session's cluster, which need not exist (an error only for a
    /// query that needs compute).
    pub(crate) cluster: ClusterHandle,
    /// The instances of the materialized views read, to notice a failure.
    pub(crate) watch: FailureWatch,
    /// The store the inputs live in.
    pub(crate) store: Store,
}

impl Reader {
    /// Reads a query's rows at `as_of`: a constant's directly; from the
    /// index `index_peek` names, if any, and it still holds the time;
    /// otherwise with a dataflow computing `expr`. Waits first for the
    /// inputs to be complete through `as_of`. A read cut short by a resize
    /// of its cluster runs again on the new workers.
    pub(crate) async fn read_rows(
        &self,
        inputs: Vec<GlobalId>,
        as_of: Timestamp,
        index_peek: Option<IndexPeek>,
        expr: RelExpr,
    ) -> Result<Vec<(Row, Diff)>, AdapterError> {
        let plan = optimize(expr);
        if index_peek.is_none()
            && let Some(rows) = constant_rows(&plan)
        {
            return rows;
        }
        self.cluster.current()?;
        // A time chosen with AS OF may be ahead of the inputs: wait for them.
        for id in &inputs {
            let mut upper = self.store.watch_upper(*id)?;
            while *upper.borrow_and_update() <= as_of {
                // A materialized view that failed never gets there: the read
                // fails with its error instead.
                if let Some(e) = self.watch.failure(*id) {
                    return Err(super::write::compute_error(e));
                }
                if let Ok(changed) = tokio::time::timeout(SINK_FAILURE_POLL, upper.changed()).await {
                    changed.map_err(|_| AdapterError::Shutdown)?;
                }
            }
        }
        self.cluster
            .run(|compute| {
                let (index_peek, plan) = (index_peek.clone(), plan.clone());
                async move {
                    let indexed = match index_peek {
                        Some(IndexPeek { index, plan, lookup }) => {
                            Some(compute.peek_index(index, plan, lookup, as_of).await)
                        }
                        None => None,
                    };
                    match indexed {
                        // No index, one too old for the time (a resized
                        // cluster's index starts later), or one dropped.
                        None | Some(Err(ComputeError::IndexCompacted { .. } | ComputeError::UnknownIndex(_))) => {
                            compute.peek(plan, as_of).await
                        }
                        Some(answer) => answer,
                    }
                }
            })
            .await
    }
}

/// `as_of`, raised to every input's `since`: a dataflow that starts there
/// can read each input's history. An input not readable yet (a subsource
/// whose snapshot is not committed has `since == upper`) makes the
/// dataflow wait for it, instead of failing.
pub(crate) fn at_least_since(store: &Store, inputs: &[GlobalId], as_of: Timestamp) -> Result<Timestamp, AdapterError> {
    inputs
        .iter()
        .try_fold(as_of, |as_of, input| Ok(as_of.max(store.since(*input)?)))
}

/// The time a query reads at: the latest at which every input is complete
/// (the least upper, minus one), or the latest tick for a query that reads
/// no collection. Uppers only advance, so a later query never reads at an
/// earlier time than an earlier one.
pub(crate) fn latest_complete_time(
    store: &Store,
    committer: &Committer,
    inputs: &[GlobalId],
) -> Result<Timestamp, AdapterError> {
    let mut uppers = inputs.iter().map(|id| store.upper(*id));
    let Some(first) = uppers.next() else {
        return Ok(committer.last());
    };
    uppers.try_fold(first?.saturating_sub(1), |least, upper| {
        Ok(least.min(upper?.saturating_sub(1)))
    })
}

impl Coordinator {
    /// `EXPLAIN`: the optimized plan's text form, as one row; for a query
    /// an index answers, the index (and whether it looks up one key) and
    /// what is computed over its rows.
    pub(crate) fn explain(&self, conn_id: ConnectionId, select: SelectPlan) -> ExecuteResponse {
        let text = match self.index_peek(&select.expr, &self.session_cluster(conn_id)) {
            Some(peek) => format!(
                "Read from index {} ({})\n{}",
                self.index_name(peek.index),
                if peek.lookup.is_some() { "lookup" } else { "full scan" },
                peek.plan
            ),
            None => optimize(select.expr).to_string(),
        };
        explain_text(&text)
    }
}

impl Coordinator {
    /// `EXPLAIN MATERIALIZED VIEW | INDEX`: the cluster the object runs
    /// in, an index's key, and the optimized plan its dataflow computes.
    pub(crate) fn explain_item(&self, id: GlobalId, name: &str) -> Result<ExecuteResponse, AdapterError> {
        let text = if let Some(view) = self.materialized_views.get(&id) {
            format!(
                "Materialized view {name} in cluster {}\n{}",
                view.cluster,
                optimize(view.expr.clone())
            )
        } else if let Some(index) = self.indexes.get(&id) {
            let key: Vec<String> = index.key.iter().map(ToString::to_string).collect();
            format!(
                "Index {name} in cluster {}, arranged by ({})\n{}",
                index.cluster,
                key.join(", "),
                optimize(index.relation.clone())
            )
        } else {
            return Err(AdapterError::Internal(format!("{name} has no dataflow")));
        };
        Ok(explain_text(&text))
    }
}

/// One row holding a plan's text.
pub(crate) fn explain_text(text: &str) -> ExecuteResponse {
    let desc = RelationDesc::new([(ColumnName("Optimized Plan".into()), ScalarType::Text.nullable(false))]);
    ExecuteResponse::Rows {
        desc,
        rows: vec![Row::pack([Datum::String(text.trim_end())])],
    }
}
