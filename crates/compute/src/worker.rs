//! The loop each timely worker runs: take commands, build and step
//! dataflows, maintain indexes, answer peeks.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use differential_dataflow::consolidation::consolidate;
use freshet_expr::{EvalError, RelExpr};
use freshet_repr::{Diff, GlobalId, Row, Timestamp};
use freshet_storage::Store;
use timely::dataflow::ProbeHandle;
use timely::worker::Worker;

use crate::ComputeError;
use crate::index::{Indexes, InstalledIndex};
use crate::protocol::{ComputeCommand, ComputeResponse, PeekId, PeekTarget};
use crate::render::{self, Inputs};
use crate::sink;
use crate::subscribe::{self, SubscribeId};

/// A peek whose dataflow is running on this worker.
struct DataflowPeek {
    id: PeekId,
    dataflow: usize,
    probe: ProbeHandle<Timestamp>,
    rows: Rc<RefCell<Vec<(Row, Diff)>>>,
    errors: Rc<RefCell<Vec<(EvalError, Diff)>>>,
}

/// A peek of an index, waiting for the index to be complete through its time.
struct IndexPeek {
    id: PeekId,
    index: GlobalId,
    plan: RelExpr,
    lookup: Option<Row>,
    as_of: Timestamp,
}

/// What a worker needs besides its commands.
pub(crate) struct Context {
    /// Where index inputs are read from.
    pub(crate) store: Store,
    /// Runs the tasks that wake index inputs when their collections advance.
    pub(crate) runtime: tokio::runtime::Handle,
    /// The errors that stopped materialized views.
    pub(crate) sink_failures: crate::sink::SinkFailures,
}

/// Runs commands until told to shut down or the controller goes away.
pub(crate) fn run(
    worker: &mut Worker,
    commands: &Receiver<ComputeCommand>,
    responses: &Sender<ComputeResponse>,
    context: &Context,
) {
    let mut peeks: Vec<DataflowPeek> = Vec::new();
    let mut index_peeks: Vec<IndexPeek> = Vec::new();
    let mut indexes = Indexes::new();
    // Each running subscription's dataflow.
    let mut subscribes: BTreeMap<SubscribeId, usize> = BTreeMap::new();
    // Each materialized view's dataflow.
    let mut sinks: BTreeMap<GlobalId, usize> = BTreeMap::new();
    let respond = |id: PeekId, worker: usize, result: Result<Vec<(Row, Diff)>, ComputeError>| {
        // The controller may have given up on the peek; nothing to do then.
        let _ = responses.send(ComputeResponse::PeekResponse { id, worker, result });
    };
    loop {
        loop {
            match commands.try_recv() {
                Ok(ComputeCommand::Peek { id, target, as_of }) => match target {
                    PeekTarget::Dataflow { plan, inputs } => peeks.push(install_peek(worker, id, &plan, &inputs)),
                    PeekTarget::Index { index, plan, lookup } => index_peeks.push(IndexPeek {
                        id,
                        index,
                        plan,
                        lookup,
                        as_of,
                    }),
                },
                Ok(ComputeCommand::CreateIndex(spec)) => match InstalledIndex::install(worker, &spec, context) {
                    Ok(index) => {
                        indexes.insert(spec.id, index);
                    }
                    Err(e) => tracing::error!(index = %spec.id, error = %e, "cannot build an index"),
                },
                Ok(ComputeCommand::CreateSubscribe(spec)) => {
                    match subscribe::install(worker, &spec, context, responses) {
                        Ok(dataflow) => {
                            subscribes.insert(spec.id, dataflow);
                        }
                        Err(e) => {
                            let _ = responses.send(ComputeResponse::SubscribeBatch {
                                id: spec.id,
                                worker: worker.index(),
                                upper: None,
                                updates: Err(e),
                            });
                        }
                    }
                }
                Ok(ComputeCommand::CreateSink(spec)) => match sink::install(worker, &spec, context) {
                    Ok(dataflow) => {
                        if let Some(old) = sinks.insert(spec.id, dataflow) {
                            worker.drop_dataflow(old);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(view = %spec.id, error = %e, "cannot build a materialized view");
                        if let Ok(mut failures) = context.sink_failures.lock() {
                            failures.insert(spec.id, e);
                        }
                    }
                },
                Ok(ComputeCommand::DropSink { id }) => {
                    if let Some(dataflow) = sinks.remove(&id) {
                        worker.drop_dataflow(dataflow);
                    }
                }
                Ok(ComputeCommand::DropSubscribe { id }) => {
                    if let Some(dataflow) = subscribes.remove(&id) {
                        worker.drop_dataflow(dataflow);
                        tracing::debug!(subscribe = id, worker = worker.index(), "subscription dropped");
                    }
                }
                Ok(ComputeCommand::DropIndex { id }) => {
                    if let Some(index) = indexes.remove(&id) {
                        worker.drop_dataflow(index.dataflow);
                    }
                }
                Ok(ComputeCommand::CancelPeek { id }) => {
                    if let Some(i) = peeks.iter().position(|peek| peek.id == id) {
                        let peek = peeks.swap_remove(i);
                        worker.drop_dataflow(peek.dataflow);
                        tracing::debug!(peek = id, worker = worker.index(), "peek canceled");
                    }
                    index_peeks.retain(|peek| peek.id != id);
                }
                Ok(ComputeCommand::Shutdown) | Err(TryRecvError::Disconnected) => {
                    // Timely steps a worker until its dataflows finish
                    // before the thread ends; indexes never finish.
                    for dataflow in worker.installed_dataflows() {
                        worker.drop_dataflow(dataflow);
                    }
                    return;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        let mut i = 0;
        while i < peeks.len() {
            if peeks[i].probe.done() {
                let peek = peeks.swap_remove(i);
                worker.drop_dataflow(peek.dataflow);
                tracing::debug!(peek = peek.id, worker = worker.index(), "peek finished");
                respond(peek.id, worker.index(), peek_result(&peek));
            } else {
                i += 1;
            }
        }
        index_peeks.retain(|peek| {
            let result = match indexes.get_mut(&peek.index) {
                None => Err(ComputeError::UnknownIndex(peek.index)),
                // A read the index no longer holds fails at once.
                Some(index) if index.readable_at(peek.as_of) || peek.as_of < index.since() => index
                    .read(peek.as_of, peek.lookup.as_ref())
                    .and_then(|rows| apply(&peek.plan, rows)),
                Some(_) => return true,
            };
            respond(peek.id, worker.index(), result);
            false
        });
        for (id, index) in &mut indexes {
            let keep = index_peeks.iter().filter(|p| p.index == *id).map(|p| p.as_of).min();
            index.compact(keep);
        }
        // With peeks in flight, wake up regularly so progress that needs no
        // activation is noticed; otherwise park until a command or an
        // index input's activation arrives.
        let park = if peeks.is_empty() && index_peeks.is_empty() {
            None
        } else {
            Some(Duration::from_millis(1))
        };
        worker.step_or_park(park);
    }
}

/// Applies the maps, filters and projections of an index peek's `plan`
/// (over a `Get` of the index) to the rows read, and consolidates them; or
/// fails with the least error any row met, as a dataflow would.
fn apply(plan: &RelExpr, rows: Vec<(Row, Diff)>) -> Result<Vec<(Row, Diff)>, ComputeError> {
    let mut errors = Vec::new();
    let mut out = apply_rows(plan, rows, &mut errors)?;
    if let Some(least) = errors.into_iter().min() {
        return Err(least.into());
    }
    consolidate(&mut out);
    Ok(out)
}

fn apply_rows(
    plan: &RelExpr,
    rows: Vec<(Row, Diff)>,
    errors: &mut Vec<EvalError>,
) -> Result<Vec<(Row, Diff)>, ComputeError> {
    Ok(match plan {
        RelExpr::Get { .. } => rows,
        RelExpr::Map { input, scalars } => apply_rows(input, rows, errors)?
            .into_iter()
            .filter_map(|(row, diff)| kept(render::map_row(&row, scalars), diff, errors))
            .collect(),
        RelExpr::Filter { input, predicates } => apply_rows(input, rows, errors)?
            .into_iter()
            .filter_map(|(row, diff)| kept(render::filter_row(row, predicates)?, diff, errors))
            .collect(),
        RelExpr::Project { input, outputs } => apply_rows(input, rows, errors)?
            .into_iter()
            .map(|(row, diff)| (render::project_row(&row, outputs), diff))
            .collect(),
        other => {
            return Err(ComputeError::Internal(format!(
                "an index peek cannot compute {}",
                other.to_string().lines().next().unwrap_or_default()
            )));
        }
    })
}

/// The row, or `None` with its error noted.
fn kept(result: Result<Row, EvalError>, diff: Diff, errors: &mut Vec<EvalError>) -> Option<(Row, Diff)> {
    result.map(|row| (row, diff)).map_err(|e| errors.push(e)).ok()
}

fn install_peek(worker: &mut Worker, id: PeekId, plan: &RelExpr, inputs: &Inputs) -> DataflowPeek {
    let dataflow = worker.next_dataflow_index();
    let (index, peers) = (worker.index(), worker.peers());
    let rows = Rc::new(RefCell::new(Vec::new()));
    let errors = Rc::new(RefCell::new(Vec::new()));
    let (row_sink, error_sink) = (Rc::clone(&rows), Rc::clone(&errors));
    let probe = worker.dataflow_named::<Timestamp, _, _>(&format!("peek-{id}"), move |scope| {
        let gets = render::static_gets(scope, inputs, index, peers);
        let (oks, errs) = render::render(scope, plan, &gets, index, peers);
        let probe = ProbeHandle::new();
        oks.inspect(move |(row, _time, diff)| row_sink.borrow_mut().push((row.clone(), *diff)))
            .probe_with(&probe);
        errs.inspect(move |(err, _time, diff)| error_sink.borrow_mut().push((err.clone(), *diff)))
            .probe_with(&probe);
        probe
    });
    DataflowPeek {
        id,
        dataflow,
        probe,
        rows,
        errors,
    }
}

/// The worker's share: consolidated rows, or the least error that is
/// still present after consolidation.
fn peek_result(peek: &DataflowPeek) -> Result<Vec<(Row, Diff)>, ComputeError> {
    let mut errors = peek.errors.take();
    consolidate(&mut errors);
    if let Some((error, _)) = errors.into_iter().find(|(_, diff)| *diff != 0) {
        return Err(error.into());
    }
    let mut rows = peek.rows.take();
    consolidate(&mut rows);
    Ok(rows)
}
