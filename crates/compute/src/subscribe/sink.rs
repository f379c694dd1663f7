//! The operator that ends a subscription's dataflow on each worker: it
//! gathers the worker's changes and, whenever its input frontier advances,
//! sends those below the new frontier to the controller.

use crossbeam_channel::Sender;
use differential_dataflow::consolidation::consolidate_updates;
use freshet_expr::EvalError;
use freshet_repr::{Diff, Row, Timestamp};
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::worker::Worker;

use super::SubscribeSpec;
use crate::ComputeError;
use crate::protocol::ComputeResponse;
use crate::render::source::Failure;
use crate::render::{self, Errors, Rows};
use crate::worker::Context;

/// Builds the dataflow of `spec` on `worker` and returns its index.
pub(crate) fn install(
    worker: &mut Worker,
    spec: &SubscribeSpec,
    context: &Context,
    responses: &Sender<ComputeResponse>,
) -> Result<usize, ComputeError> {
    let name = format!("subscribe-{}", spec.id);
    let (dataflow, ()) = render::build_live(worker, context, &name, &spec.plan, spec.as_of, |live| {
        render_sink(live.oks, live.errs, spec, live.worker, responses.clone(), live.failure);
        Ok(())
    })?;
    Ok(dataflow)
}

/// The sink: changes below each new frontier go to the controller, with
/// the frontier; the least evaluation error present there instead, or the
/// storage error that stopped an input.
fn render_sink(
    oks: Rows<'_>,
    errs: Errors<'_>,
    spec: &SubscribeSpec,
    worker: usize,
    responses: Sender<ComputeResponse>,
    failure: Failure,
) {
    let (id, as_of) = (spec.id, spec.as_of);
    let results = oks.map(Ok).concat(errs.map(Err));
    let mut rows: Vec<(Row, Timestamp, Diff)> = Vec::new();
    let mut errors: Vec<(EvalError, Timestamp, Diff)> = Vec::new();
    // The frontier last reported: nothing is sent until it moves.
    let mut reported = Some(as_of);
    let mut done = false;
    results
        .inner
        .sink(Pipeline, &format!("subscribe-{id}-sink"), move |(input, frontier)| {
            input.for_each(|_capability, data| {
                for (result, time, diff) in data.drain(..) {
                    // Constant inputs are at time 0: they hold at `as_of`.
                    let time = time.max(as_of);
                    match result {
                        Ok(row) => rows.push((row, time, diff)),
                        Err(e) => errors.push((e, time, diff)),
                    }
                }
            });
            if done {
                return;
            }
            let upper = frontier.frontier().first().copied();
            // Before the inputs have read their snapshots the frontier can
            // be below `as_of`; only an advance past the last report counts.
            let advanced = match (upper, reported) {
                (None, reported) => reported.is_some(),
                (Some(upper), Some(reported)) => upper > reported,
                (Some(_), None) => false,
            };
            if !advanced {
                return;
            }
            reported = upper;
            let below = |time: &Timestamp| upper.is_none_or(|upper| *time < upper);
            let result = match failure.borrow().as_ref() {
                Some(e) => Err(ComputeError::Storage(e.clone())),
                None => ready(&mut rows, &mut errors, below),
            };
            done = result.is_err() || upper.is_none();
            let response = ComputeResponse::SubscribeBatch {
                id,
                worker,
                upper,
                updates: result,
            };
            // The controller may have dropped the subscription already.
            let _ = responses.send(response);
        });
}

/// Takes the changes at times `below` accepts out of `rows`, consolidated;
/// or the least error present at one of those times.
fn ready(
    rows: &mut Vec<(Row, Timestamp, Diff)>,
    errors: &mut Vec<(EvalError, Timestamp, Diff)>,
    below: impl Fn(&Timestamp) -> bool,
) -> Result<Vec<(Row, Timestamp, Diff)>, ComputeError> {
    consolidate_updates(errors);
    if let Some((e, _, _)) = errors.iter().filter(|(_, time, _)| below(time)).min() {
        return Err(ComputeError::Eval(e.clone()));
    }
    let (mut out, kept): (Vec<_>, Vec<_>) = rows.drain(..).partition(|(_, time, _)| below(time));
    *rows = kept;
    consolidate_updates(&mut out);
    Ok(out)
}
