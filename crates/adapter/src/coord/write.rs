//! Writing to tables: `INSERT`, `UPDATE` and `DELETE` share how a row is
//! converted and checked and how updates become a committed batch.
//!
//! Every write holds the coordinator's write lock from its read (if any)
//! through its commit, so a statement that reads and then writes never
//! writes on the basis of a read another write has made stale.

use freshet_compute::{ComputeController, ComputeError};
use freshet_expr::{ScalarExpr, optimize};
use freshet_repr::{Datum, Diff, GlobalId, RelationDesc, Row, RowArena};
use freshet_sql::{InsertPlan, MutationPlan};
use freshet_storage::{Committer, Store};

use super::peek::latest_complete_time;
use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::{ExecuteResponse, TransactionStatus};
use crate::session::TransactionOps;

/// The adapter's error for a compute failure.
pub(crate) fn compute_error(e: ComputeError) -> AdapterError {
    match e {
        ComputeError::Eval(e) => AdapterError::Eval(e),
        ComputeError::Storage(e) => AdapterError::Storage(e),
        ComputeError::WorkersStopped => AdapterError::Internal(e.to_string()),
    }
}

/// Computes a table row from `source` with one expression per column, and
/// checks `NOT NULL`.
fn convert(row: &[ScalarExpr], desc: &RelationDesc, table: &str, source: &Row) -> Result<Row, AdapterError> {
    let arena = RowArena::new();
    let datums = source.unpack();
    let mut out = Vec::with_capacity(row.len());
    for (i, expr) in row.iter().enumerate() {
        let datum = expr.eval(&datums, &arena)?;
        if datum == Datum::Null && !desc.column_type(i).nullable {
            return Err(AdapterError::NotNullViolation {
                column: desc.column_name(i).to_string(),
                table: table.to_owned(),
            });
        }
        out.push(datum);
    }
    Ok(Row::pack_slice(&out))
}

/// Writes `updates` as one batch and commits it; returns once durable.
async fn commit(
    store: Store,
    committer: Committer,
    id: GlobalId,
    updates: Vec<(Row, Diff)>,
) -> Result<(), AdapterError> {
    commit_unit(store, committer, vec![(id, updates)]).await
}

/// Writes each table's updates as a batch and commits them all as one unit
/// at one timestamp; returns once durable.
pub(crate) async fn commit_unit(
    store: Store,
    committer: Committer,
    writes: Vec<(GlobalId, Vec<(Row, Diff)>)>,
) -> Result<(), AdapterError> {
    let batches = tokio::task::spawn_blocking(move || {
        writes
            .into_iter()
            .map(|(id, updates)| {
                let mut builder = store.batch_builder()?;
                for (row, diff) in &updates {
                    builder.push(row, *diff)?;
                }
                Ok((id, builder.finish()?))
            })
            .collect::<Result<Vec<_>, freshet_storage::StorageError>>()
    })
    .await
    .map_err(|e| AdapterError::Internal(e.to_string()))??;
    committer.commit(batches).await?;
    Ok(())
}

impl Coordinator {
    /// `INSERT`: compute the source rows, convert them, commit them. Inside
    /// an explicit transaction, the rows (which may not read any table) are
    /// buffered until `COMMIT`.
    pub(crate) fn sequence_insert(&mut self, ctx: ExecuteContext, plan: InsertPlan) -> Sequenced {
        let InsertPlan {
            id,
            table,
            source,
            row,
            desc,
        } = plan;
        let expr = optimize(source.expr);
        if let Some(session) = self.sessions.get_mut(&ctx.conn_id)
            && session.transaction == TransactionStatus::InTransaction
        {
            let result = buffer_insert(&mut session.ops, id, &table, expr, &source.finishing, &row, &desc);
            return Sequenced::Done(ctx, result);
        }
        let (compute, committer, store, lock) = (
            self.compute.clone(),
            self.committer.clone(),
            self.store.clone(),
            self.write_lock.clone(),
        );
        self.spawn_statement(ctx, async move {
            let _write = lock.lock().await;
            let rows = read_latest(&store, &committer, &compute, expr).await?;
            let rows = source
                .finishing
                .finish(rows)
                .map_err(|negative| AdapterError::NegativeMultiplicity { diff: negative.diff })?;
            let updates = rows
                .iter()
                .map(|source| convert(&row, &desc, &table, source).map(|r| (r, 1)))
                .collect::<Result<Vec<_>, _>>()?;
            let count = updates.len();
            commit(store, committer, id, updates).await?;
            Ok(ExecuteResponse::Command {
                tag: format!("INSERT 0 {count}"),
            })
        });
        Sequenced::Pending
    }

    /// `UPDATE` (`update` true) or `DELETE`: read the rows to change at the
    /// latest time, then retract them (and insert their new values).
    pub(crate) fn sequence_mutation(&mut self, ctx: ExecuteContext, plan: MutationPlan, update: bool) -> Sequenced {
        let MutationPlan {
            id,
            table,
            selection,
            row,
            desc,
        } = plan;
        let expr = optimize(selection);
        let (compute, committer, store, lock) = (
            self.compute.clone(),
            self.committer.clone(),
            self.store.clone(),
            self.write_lock.clone(),
        );
        self.spawn_statement(ctx, async move {
            let _write = lock.lock().await;
            let old = read_latest(&store, &committer, &compute, expr).await?;
            let mut updates = Vec::with_capacity(old.len() * 2);
            let mut count: i64 = 0;
            for (old_row, multiplicity) in old {
                if multiplicity < 0 {
                    return Err(AdapterError::NegativeMultiplicity { diff: multiplicity });
                }
                count += multiplicity;
                if update {
                    let new_row = convert(&row, &desc, &table, &old_row)?;
                    updates.push((new_row, multiplicity));
                }
                updates.push((old_row, -multiplicity));
            }
            commit(store, committer, id, updates).await?;
            let verb = if update { "UPDATE" } else { "DELETE" };
            Ok(ExecuteResponse::Command {
                tag: format!("{verb} {count}"),
            })
        });
        Sequenced::Pending
    }
}

/// Computes `expr` over its inputs at the latest time they are all
/// complete. Called under the write lock, so it sees every write
/// acknowledged before; the inputs are held at that time while it runs.
async fn read_latest(
    store: &Store,
    committer: &Committer,
    compute: &ComputeController,
    expr: freshet_expr::RelExpr,
) -> Result<Vec<(Row, Diff)>, AdapterError> {
    let inputs = expr.depends_on();
    let as_of = latest_complete_time(store, committer, &inputs)?;
    let _hold = store.hold(&inputs, as_of)?;
    compute.peek(expr, as_of).await.map_err(compute_error)
}

/// Buffers an `INSERT` of constant rows in a write-only transaction.
fn buffer_insert(
    ops: &mut TransactionOps,
    id: GlobalId,
    table: &str,
    expr: freshet_expr::RelExpr,
    finishing: &freshet_expr::RowSetFinishing,
    row: &[ScalarExpr],
    desc: &RelationDesc,
) -> Result<ExecuteResponse, AdapterError> {
    if matches!(ops, TransactionOps::Reads(..)) {
        return Err(AdapterError::TransactionMode("transaction in read-only mode"));
    }
    let freshet_expr::RelExpr::Constant { rows, .. } = expr else {
        return Err(AdapterError::TransactionMode(
            "INSERT ... SELECT reads before it writes, and cannot run inside a transaction block",
        ));
    };
    let rows = finishing
        .finish(rows?)
        .map_err(|negative| AdapterError::NegativeMultiplicity { diff: negative.diff })?;
    let updates = rows
        .iter()
        .map(|source| convert(row, desc, table, source).map(|r| (r, 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let count = updates.len();
    if let TransactionOps::None = ops {
        *ops = TransactionOps::Writes(Vec::new());
    }
    if let TransactionOps::Writes(writes) = ops {
        match writes.iter_mut().find(|(t, _)| *t == id) {
            Some((_, existing)) => existing.extend(updates),
            None => writes.push((id, updates)),
        }
    }
    Ok(ExecuteResponse::Command {
        tag: format!("INSERT 0 {count}"),
    })
}
