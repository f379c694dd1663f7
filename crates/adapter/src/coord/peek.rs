//! Sequencing queries: optimize, compute once, finish.

use freshet_compute::ComputeError;
use freshet_expr::optimize;
use freshet_repr::{ColumnName, Datum, RelationDesc, Row, ScalarType};
use freshet_sql::SelectPlan;

use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::ExecuteResponse;

impl Coordinator {
    /// Runs a query on compute in a spawned task.
    pub(crate) fn sequence_peek(&mut self, ctx: ExecuteContext, select: SelectPlan) -> Sequenced {
        let SelectPlan { expr, finishing, desc } = select;
        let expr = optimize(expr);
        let compute = self.compute.clone();
        self.spawn_statement(ctx, async move {
            let rows = compute.peek(expr).await.map_err(|e| match e {
                ComputeError::Eval(e) => AdapterError::Eval(e),
                other => AdapterError::Internal(other.to_string()),
            })?;
            let rows = finishing
                .finish(rows)
                .map_err(|negative| AdapterError::NegativeMultiplicity { diff: negative.diff })?;
            Ok(ExecuteResponse::Rows { desc, rows })
        });
        Sequenced::Pending
    }
}

/// `EXPLAIN`: the optimized plan's text form, as one row.
pub(crate) fn explain(select: SelectPlan) -> ExecuteResponse {
    let text = optimize(select.expr).to_string();
    let desc = RelationDesc::new([(ColumnName("Optimized Plan".into()), ScalarType::Text.nullable(false))]);
    ExecuteResponse::Rows {
        desc,
        rows: vec![Row::pack([Datum::String(text.trim_end())])],
    }
}
