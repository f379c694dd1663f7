//! Writing to tables: `INSERT`, `UPDATE` and `DELETE` share how a row is
//! converted and checked and how updates become a committed batch.
//!
//! Every write holds the coordinator's write lock from its read (if any)
//! through its commit, so a statement that reads and then writes never
//! writes on the basis of a read another write has made stale; the same
//! lock makes the unique key checks (`write/unique.rs`) see the table as
//! the write will find it.

mod unique;

use std::sync::Arc;

use freshet_compute::ComputeError;
use freshet_expr::{RelExpr, ScalarExpr, optimize};
use freshet_repr::{Datum, Diff, GlobalId, RelationDesc, Row, RowArena};
use freshet_sql::{InsertPlan, MutationPlan, UniqueKey};
use freshet_storage::{Committer, Store};

use super::cancel::CancelSignal;
use super::instances::ClusterHandle;
use super::peek::{constant_rows, latest_complete_time};
use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::{ExecuteResponse, TransactionStatus};
use crate::session::TransactionOps;

/// The adapter's error for a compute failure.
pub(crate) fn compute_error(e: ComputeError) -> AdapterError {
    match e {
        ComputeError::Eval(e) => AdapterError::Eval(e),
        ComputeError::Storage(e) => AdapterError::Storage(e),
        ComputeError::IndexCompacted { .. }
        | ComputeError::UnknownIndex(_)
        | ComputeError::Internal(_)
        | ComputeError::WorkersStopped => AdapterError::Internal(e.to_string()),
        ComputeError::Stopped => AdapterError::ClusterStopped,
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

/// Changes to one table, with what checking them needs.
#[derive(Debug)]
pub(crate) struct TableWrite {
    /// The table.
    pub(crate) id: GlobalId,
    /// Its columns (names and types, for messages).
    pub(crate) desc: RelationDesc,
    /// The unique keys the changes must keep unique: the table's, less
    /// any the changes cannot affect.
    pub(crate) unique_keys: Vec<UniqueKey>,
    /// The rows added (positive) and removed (negative), in statement order.
    pub(crate) updates: Vec<(Row, Diff)>,
}

/// What a write statement needs once it leaves the coordinator's task:
/// the store and committer it reads and writes through, the session's
/// cluster for its reads (which need not exist: an error only for a read
/// that needs compute), and the write lock.
#[derive(Clone)]
pub(crate) struct Writer {
    store: Store,
    committer: Committer,
    cluster: ClusterHandle,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl Coordinator {
    /// The handles a spawned write statement of session `conn_id` works
    /// with.
    pub(crate) fn writer(&self, conn_id: crate::client::ConnectionId) -> Writer {
        let cluster = self.session_cluster(conn_id);
        Writer {
            store: self.store.clone(),
            committer: self.committer.clone(),
            cluster: self.instances.handle(&cluster),
            lock: Arc::clone(&self.write_lock),
        }
    }
}

impl Writer {
    /// Computes `expr` over its inputs at the latest time they are all
    /// complete. Called under the write lock, so it sees every write
    /// acknowledged before; the inputs are held at that time while it runs.
    pub(crate) async fn read_latest(&self, expr: RelExpr) -> Result<Vec<(Row, Diff)>, AdapterError> {
        // `INSERT … VALUES` needs no cluster.
        if let Some(rows) = constant_rows(&expr) {
            return rows;
        }
        self.cluster.current()?;
        let inputs = expr.depends_on();
        let as_of = latest_complete_time(&self.store, &self.committer, &inputs)?;
        let _hold = self.store.hold(&inputs, as_of)?;
        self.cluster
            .run(|compute| {
                let expr = expr.clone();
                async move { compute.peek(expr, as_of).await }
            })
            .await
    }

    /// Waits for the write lock, unless the statement is canceled first.
    pub(crate) async fn lock(
        &self,
        signal: &mut CancelSignal,
    ) -> Result<tokio::sync::OwnedMutexGuard<()>, AdapterError> {
        signal
            .run(async { Ok(Arc::clone(&self.lock).lock_owned().await) })
            .await
    }

    /// Checks each table's changes against its unique keys, then writes
    /// them as a batch per table and commits them all as one unit at one
    /// timestamp; returns once durable. Must run under the write lock. Can
    /// be canceled until the checks are done, not after.
    pub(crate) async fn check_and_commit(
        &self,
        signal: &mut CancelSignal,
        writes: Vec<TableWrite>,
    ) -> Result<(), AdapterError> {
        signal
            .run(async {
                for write in &writes {
                    unique::check_unique_keys(self, write).await?;
                }
                Ok(())
            })
            .await?;
        let store = self.store.clone();
        let batches = tokio::task::spawn_blocking(move || {
            writes
                .into_iter()
                .map(|write| {
                    let mut builder = store.batch_builder()?;
                    for (row, diff) in &write.updates {
                        builder.push(row, *diff)?;
                    }
                    Ok((write.id, builder.finish()?))
                })
                .collect::<Result<Vec<_>, freshet_storage::StorageError>>()
        })
        .await
        .map_err(|e| AdapterError::Internal(e.to_string()))??;
        self.committer.commit(batches).await?;
        Ok(())
    }
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
            unique_keys,
        } = plan;
        let expr = optimize(source.expr);
        if let Some(session) = self.sessions.get_mut(&ctx.conn_id)
            && session.transaction == TransactionStatus::InTransaction
        {
            let result = buffer_insert(
                &mut session.ops,
                TableWrite {
                    id,
                    desc,
                    unique_keys,
                    updates: Vec::new(),
                },
                &table,
                expr,
                &source.finishing,
                &row,
            );
            return Sequenced::Done(ctx, result);
        }
        let writer = self.writer(ctx.conn_id);
        self.spawn_statement(ctx, |mut signal| async move {
            let _write = writer.lock(&mut signal).await?;
            let rows = signal.run(writer.read_latest(expr)).await?;
            let rows = source
                .finishing
                .finish(rows)
                .map_err(|negative| AdapterError::NegativeMultiplicity { diff: negative.diff })?;
            let updates = rows
                .iter()
                .map(|source| convert(&row, &desc, &table, source).map(|r| (r, 1)))
                .collect::<Result<Vec<_>, _>>()?;
            let count = updates.len();
            let write = TableWrite {
                id,
                desc,
                unique_keys,
                updates,
            };
            writer.check_and_commit(&mut signal, vec![write]).await?;
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
            unique_keys,
        } = plan;
        let expr = optimize(selection);
        let writer = self.writer(ctx.conn_id);
        self.spawn_statement(ctx, |mut signal| async move {
            let _write = writer.lock(&mut signal).await?;
            let old = signal.run(writer.read_latest(expr)).await?;
            let mut updates = Vec::with_capacity(old.len() * 2);
            let mut count: i64 = 0;
            // The keys some updated row changes; the others stay unique.
            let mut changed_keys = vec![false; unique_keys.len()];
            for (old_row, multiplicity) in old {
                if multiplicity < 0 {
                    return Err(AdapterError::NegativeMultiplicity { diff: multiplicity });
                }
                count += multiplicity;
                if update {
                    let new_row = convert(&row, &desc, &table, &old_row)?;
                    let (new, old) = (new_row.unpack(), old_row.unpack());
                    for (changed, key) in changed_keys.iter_mut().zip(&unique_keys) {
                        *changed |= key.columns.iter().any(|c| new[*c] != old[*c]);
                    }
                    updates.push((new_row, multiplicity));
                }
                updates.push((old_row, -multiplicity));
            }
            let unique_keys = unique_keys
                .into_iter()
                .zip(changed_keys)
                .filter_map(|(key, changed)| changed.then_some(key))
                .collect();
            let write = TableWrite {
                id,
                desc,
                unique_keys,
                updates,
            };
            writer.check_and_commit(&mut signal, vec![write]).await?;
            let verb = if update { "UPDATE" } else { "DELETE" };
            Ok(ExecuteResponse::Command {
                tag: format!("{verb} {count}"),
            })
        });
        Sequenced::Pending
    }
}

/// Buffers an `INSERT` of constant rows into `write`'s table in a
/// write-only transaction. Its unique keys are checked at `COMMIT`, against
/// the table and every row the transaction writes to it.
fn buffer_insert(
    ops: &mut TransactionOps,
    mut write: TableWrite,
    table: &str,
    expr: freshet_expr::RelExpr,
    finishing: &freshet_expr::RowSetFinishing,
    row: &[ScalarExpr],
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
    write.updates = rows
        .iter()
        .map(|source| convert(row, &write.desc, table, source).map(|r| (r, 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let count = write.updates.len();
    if let TransactionOps::None = ops {
        *ops = TransactionOps::Writes(Vec::new());
    }
    if let TransactionOps::Writes(writes) = ops {
        match writes.iter_mut().find(|w| w.id == write.id) {
            Some(existing) => existing.updates.extend(write.updates),
            None => writes.push(write),
        }
    }
    Ok(ExecuteResponse::Command {
        tag: format!("INSERT 0 {count}"),
    })
}
