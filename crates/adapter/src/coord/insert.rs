//! Sequencing `INSERT`: compute the rows, convert and check them, write a
//! batch, and commit it through the committer; acknowledged once durable.

use freshet_compute::ComputeError;
use freshet_expr::optimize;
use freshet_repr::{Datum, Row, RowArena};
use freshet_sql::InsertPlan;

use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::ExecuteResponse;

impl Coordinator {
    /// Inserts rows into a table.
    pub(crate) fn sequence_insert(&mut self, ctx: ExecuteContext, plan: InsertPlan) -> Sequenced {
        let InsertPlan {
            id,
            table,
            source,
            row,
            desc,
        } = plan;
        let expr = optimize(source.expr);
        let reads = expr.depends_on();
        let as_of = match self.choose_as_of(&reads) {
            Ok(as_of) => as_of,
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        let (compute, committer, store) = (self.compute.clone(), self.committer.clone(), self.store.clone());
        // Statements that read and then write run one at a time, so none
        // writes on the basis of a read another has made stale.
        let write_lock = (!reads.is_empty()).then(|| self.write_lock.clone());
        self.spawn_statement(ctx, async move {
            let _serialized = match &write_lock {
                Some(lock) => Some(lock.lock().await),
                None => None,
            };
            let rows = compute.peek(expr, as_of).await.map_err(|e| match e {
                ComputeError::Eval(e) => AdapterError::Eval(e),
                ComputeError::Storage(e) => AdapterError::Storage(e),
                ComputeError::WorkersStopped => AdapterError::Internal(e.to_string()),
            })?;
            let rows = source
                .finishing
                .finish(rows)
                .map_err(|negative| AdapterError::NegativeMultiplicity { diff: negative.diff })?;
            let mut table_rows = Vec::with_capacity(rows.len());
            for source_row in &rows {
                let arena = RowArena::new();
                let datums = source_row.unpack();
                let mut out = Vec::with_capacity(row.len());
                for (i, expr) in row.iter().enumerate() {
                    let datum = expr.eval(&datums, &arena)?;
                    if datum == Datum::Null && !desc.column_type(i).nullable {
                        return Err(AdapterError::NotNullViolation {
                            column: desc.column_name(i).to_string(),
                            table: table.clone(),
                        });
                    }
                    out.push(datum);
                }
                table_rows.push(Row::pack_slice(&out));
            }
            let count = table_rows.len();
            let batch = tokio::task::spawn_blocking(move || {
                let mut builder = store.batch_builder()?;
                for row in &table_rows {
                    builder.push(row, 1)?;
                }
                builder.finish()
            })
            .await
            .map_err(|e| AdapterError::Internal(e.to_string()))??;
            committer.commit(vec![(id, batch)]).await?;
            Ok(ExecuteResponse::Command {
                tag: format!("INSERT 0 {count}"),
            })
        });
        Sequenced::Pending
    }
}
