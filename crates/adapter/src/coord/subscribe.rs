//! Sequencing `SUBSCRIBE`: choose its start time, start its dataflow in
//! the session's cluster, and hand the client a stream of its changes.

use freshet_expr::optimize;
use freshet_repr::Timestamp;
use freshet_sql::{PlanError, SubscribePlan};

use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::ExecuteResponse;
use crate::subscribe::{Format, SubscribeStream, Upsert};

impl Coordinator {
    /// Starts a subscription. Its start time is chosen as a query's read
    /// time is (`AS OF`, or the latest time every input is complete); the
    /// client then reads its changes from the returned stream, which a
    /// cancel request ends. Without `AS OF` it starts at `not_before` or
    /// later (real-time recency).
    pub(crate) fn sequence_subscribe(
        &mut self,
        ctx: ExecuteContext,
        plan: SubscribePlan,
        not_before: Option<Timestamp>,
    ) -> Sequenced {
        if !ctx.remaining.is_empty() {
            return Sequenced::Done(
                ctx,
                Err(AdapterError::Unsupported(
                    "SUBSCRIBE followed by other statements in one query string",
                )),
            );
        }
        let result = self.start_subscribe(&ctx, plan, not_before);
        Sequenced::Done(ctx, result)
    }

    pub(crate) fn start_subscribe(
        &mut self,
        ctx: &ExecuteContext,
        plan: SubscribePlan,
        not_before: Option<Timestamp>,
    ) -> Result<ExecuteResponse, AdapterError> {
        let SubscribePlan {
            expr,
            output,
            snapshot,
            progress,
            as_of,
            up_to,
            upsert_key,
            ..
        } = plan;
        let inputs = expr.depends_on();
        self.check_readable(&inputs)?;
        let as_of = match as_of {
            Some(requested) if requested.at_least => requested.time.max(self.choose_as_of(&inputs)?),
            Some(requested) => requested.time,
            None => self.choose_as_of(&inputs)?.max(not_before.unwrap_or(0)),
        };
        if let Some(up_to) = up_to
            && up_to < as_of
        {
            return Err(AdapterError::Plan(PlanError::InvalidParameter(format!(
                "UP TO ({up_to}) is before AS OF ({as_of})"
            ))));
        }
        let subscription = self
            .instances
            .cluster(&self.session_cluster(ctx.conn_id))?
            .subscribe(optimize(expr), as_of)
            .map_err(super::compute_error)?;
        let signal = self.cancel_signal(ctx.conn_id, None);
        tracing::debug!(conn_id = ctx.conn_id, as_of, "subscription started");
        let format = Format {
            desc: output,
            as_of,
            snapshot,
            progress,
            up_to,
            upsert: upsert_key.map(|key| Upsert {
                key,
                ..Upsert::default()
            }),
        };
        Ok(ExecuteResponse::Subscribing(Box::new(SubscribeStream::new(
            subscription,
            signal,
            format,
        ))))
    }
}
