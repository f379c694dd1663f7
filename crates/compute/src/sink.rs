//! Materialized views: a dataflow over live inputs whose output is written
//! to the view's own durable collection, at the times of its inputs.
//!
//! The sink corrects itself: when it starts (at boot, or when its dataflow
//! is rebuilt) it reads what the collection holds at its upper and writes
//! the difference to what the view should hold there, then each time's
//! changes. So a restart never doubles a row or loses one. Its writes go
//! through the committer with the upper it expects ([`Committer::append`]);
//! if another writer moved the upper meanwhile, it reads again and corrects.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use freshet_expr::{EvalError, RelExpr};
use freshet_repr::{Diff, GlobalId, Row, Timestamp};
use freshet_storage::{Batch, Committer, ReadHold, StorageError, Store};
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::builder_rc::OperatorBuilder;
use timely::worker::Worker;

use crate::ComputeError;
use crate::render::source::{AbortOnDrop, Failure};
use crate::render::{self, Errors, Rows};
use crate::worker::Context;

/// What the controller asks every worker to run for a materialized view.
#[derive(Debug, Clone)]
pub struct SinkSpec {
    /// The view, and the collection its output goes to.
    pub id: GlobalId,
    /// What it computes (optimized), over durable collections.
    pub plan: RelExpr,
    /// The time its dataflow starts at: at or after every input's since,
    /// and at most the collection's upper (minus one, if it has been
    /// written).
    pub as_of: Timestamp,
    /// Keeps the plan's inputs readable at `as_of` until every worker has
    /// taken its own hold.
    pub hold: Arc<ReadHold>,
    /// Writes the output.
    pub committer: Committer,
}

/// The errors that stopped materialized views, by view: shared by the
/// workers and the controller, which answers readers with them.
pub(crate) type SinkFailures = Arc<Mutex<BTreeMap<GlobalId, ComputeError>>>;

/// The outcome of an append, filled in by the task that made it.
type AppendSlot = Arc<Mutex<Option<Result<(), StorageError>>>>;

/// An append on its way through the committer.
struct InFlight {
    /// The view's changes it writes (without the correction).
    changes: Vec<(Row, Timestamp, Diff)>,
    /// The upper it moves the collection to.
    new_upper: Timestamp,
    /// Where its outcome lands.
    outcome: AppendSlot,
}

/// The sink's state, on the one worker that writes.
struct Writer {
    id: GlobalId,
    store: Store,
    committer: Committer,
    runtime: tokio::runtime::Handle,
    /// The collection's upper, as far as the sink knows.
    upper: Timestamp,
    /// Whether the collection is known to hold `contents` at `upper - 1`.
    synced: bool,
    /// What the view holds at `upper - 1`.
    contents: BTreeMap<Row, Diff>,
    /// Changes of the view not written yet.
    pending: Vec<(Row, Timestamp, Diff)>,
    /// Evaluation errors met computing it, not yet at a written time.
    errors: Vec<(EvalError, Timestamp, Diff)>,
    /// Where the sink reports the error that stopped it, for readers.
    failures: SinkFailures,
    in_flight: Option<InFlight>,
    /// Stopped for good: the collection is gone.
    stopped: bool,
}

/// Builds the dataflow of `spec` on `worker` and returns its index.
pub(crate) fn install(worker: &mut Worker, spec: &SinkSpec, context: &Context) -> Result<usize, ComputeError> {
    let upper = context.store.upper(spec.id)?;
    let name = format!("sink-{}", spec.id);
    let (dataflow, ()) = render::build_live(worker, context, &name, &spec.plan, spec.as_of, |live| {
        let writer = Writer {
            id: spec.id,
            store: context.store.clone(),
            committer: spec.committer.clone(),
            runtime: context.runtime.clone(),
            upper,
            synced: false,
            contents: BTreeMap::new(),
            pending: Vec::new(),
            errors: Vec::new(),
            failures: Arc::clone(&context.sink_failures),
            in_flight: None,
            stopped: false,
        };
        render_sink(live.oks, live.errs, writer, live.worker == 0, live.failure);
        Ok(())
    })?;
    Ok(dataflow)
}

/// The operator: every change goes to worker 0, which writes them once its
/// frontier passes their times (and, when the dataflow is complete for all
/// times, keeps the collection's upper moving with the committer's ticks).
fn render_sink(oks: Rows<'_>, errs: Errors<'_>, writer: Writer, writes: bool, failure: Failure) {
    let scope = oks.inner.scope();
    let results = oks.map(Ok).concat(errs.map(Err));
    let mut builder = OperatorBuilder::new(format!("sink-{}", writer.id), scope);
    let info = builder.operator_info();
    let mut input = builder.new_input(
        results.inner,
        Exchange::new(|_: &(Result<Row, EvalError>, Timestamp, Diff)| 0u64),
    );
    let activator = Arc::new(scope.worker().sync_activator_for(info.address.to_vec()));
    let writer = Rc::new(RefCell::new(writer));
    // Each tick wakes the writer: a complete dataflow's upper follows them.
    let ticker = writes.then(|| {
        let mut ticks = writer.borrow().committer.ticks();
        let activator = Arc::clone(&activator);
        AbortOnDrop(writer.borrow().runtime.spawn(async move {
            while ticks.changed().await.is_ok() {
                if activator.activate().is_err() {
                    return;
                }
            }
        }))
    });
    // An output nobody reads, whose capability the operator keeps: a
    // dataflow complete for all times (a constant view) would otherwise be
    // retired, and its upper would stop following the ticks.
    let (_output, _stream) = builder.new_output::<Vec<()>>();
    builder.build(move |capabilities| {
        move |frontiers| {
            let _keep_alive = &capabilities;
            let _ticker = &ticker;
            let mut writer = writer.borrow_mut();
            input.for_each(|_capability, data| {
                for (result, time, diff) in data.drain(..) {
                    match result {
                        Ok(row) => writer.pending.push((row, time, diff)),
                        Err(e) => writer.errors.push((e, time, diff)),
                    }
                }
            });
            if !writes || writer.stopped {
                return;
            }
            if let Some(e) = failure.borrow().as_ref() {
                writer.fail(ComputeError::Storage(e.clone()));
                return;
            }
            let frontier = frontiers[0].frontier().first().copied();
            writer.step(frontier, &activator);
        }
    });
}

impl Writer {
    /// Takes the outcome of the append in flight, if it is back; then, if
    /// none is in flight, writes every change below `frontier` (`None`: the
    /// dataflow is complete, and the upper follows the latest tick).
    fn step(&mut self, frontier: Option<Timestamp>, activator: &Arc<timely::scheduling::SyncActivator>) {
        if let Some(in_flight) = self.in_flight.take() {
            let outcome = in_flight.outcome.lock().ok().and_then(|mut slot| slot.take());
            match outcome {
                None => {
                    self.in_flight = Some(in_flight);
                    return;
                }
                Some(Ok(())) => {
                    for (row, _, diff) in in_flight.changes {
                        add(&mut self.contents, row, diff);
                    }
                    self.upper = in_flight.new_upper;
                    self.synced = true;
                }
                Some(Err(e)) => {
                    self.pending.extend(in_flight.changes);
                    self.synced = false;
                    match e {
                        StorageError::UpperMismatch { actual, .. } => self.upper = actual,
                        StorageError::UnknownCollection(_) => {
                            tracing::debug!(view = %self.id, "a materialized view's collection was dropped");
                            self.stopped = true;
                            return;
                        }
                        e => {
                            tracing::warn!(view = %self.id, error = %e, "a materialized view's write failed; retrying")
                        }
                    }
                }
            }
        }
        let new_upper = frontier.unwrap_or_else(|| *self.committer.ticks().borrow() + 1);
        if new_upper <= self.upper {
            return;
        }
        // An error in the output stops the view: it never holds a result
        // computed without the rows that failed.
        differential_dataflow::consolidation::consolidate_updates(&mut self.errors);
        if let Some((e, _, _)) = self.errors.iter().filter(|(_, time, _)| *time < new_upper).min() {
            let e = ComputeError::Eval(e.clone());
            self.fail(e);
            return;
        }
        match self.write(new_upper, activator) {
            Ok(()) => {}
            Err(StorageError::UnknownCollection(_)) => self.stopped = true,
            Err(e) => tracing::warn!(view = %self.id, error = %e, "a materialized view cannot write"),
        }
    }

    /// Stops writing for good, and tells readers why.
    fn fail(&mut self, e: ComputeError) {
        tracing::warn!(view = %self.id, error = %e, "a materialized view stopped");
        self.stopped = true;
        if let Ok(mut failures) = self.failures.lock() {
            failures.insert(self.id, e);
        }
    }

    /// Starts the append of every change below `new_upper` (the
    /// correction first, if the sink is not known to be in sync).
    fn write(
        &mut self,
        new_upper: Timestamp,
        activator: &Arc<timely::scheduling::SyncActivator>,
    ) -> Result<(), StorageError> {
        let upper = self.upper;
        let (mut changes, later): (Vec<_>, Vec<_>) = self.pending.drain(..).partition(|(_, time, _)| *time < new_upper);
        self.pending = later;
        // Changes at times the collection has passed land at its upper.
        for (_, time, _) in &mut changes {
            *time = (*time).max(upper);
        }
        differential_dataflow::consolidation::consolidate_updates(&mut changes);
        let mut writes: Vec<(Row, Timestamp, Diff)> = changes.clone();
        if !self.synced {
            writes.extend(self.correction()?.into_iter().map(|(row, diff)| (row, upper, diff)));
            differential_dataflow::consolidation::consolidate_updates(&mut writes);
        }
        let batches = self.batches(&writes, upper)?;
        let outcome: AppendSlot = Arc::default();
        let (committer, id, slot, activator) = (
            self.committer.clone(),
            self.id,
            Arc::clone(&outcome),
            Arc::clone(activator),
        );
        self.runtime.spawn(async move {
            let result = committer.append(id, batches, upper, new_upper).await.map(|_| ());
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(result);
            }
            let _ = activator.activate();
        });
        self.in_flight = Some(InFlight {
            changes,
            new_upper,
            outcome,
        });
        Ok(())
    }

    /// What turns the collection's contents at `upper - 1` into
    /// `contents`: `contents` minus what it holds.
    fn correction(&self) -> Result<Vec<(Row, Diff)>, StorageError> {
        let stored = if self.store.is_held(self.id)? || self.upper == 0 {
            Vec::new()
        } else {
            self.store.snapshot(self.id, self.upper - 1)?
        };
        let mut difference = self.contents.clone();
        for (row, diff) in stored {
            add(&mut difference, row, -diff);
        }
        if !difference.is_empty() {
            tracing::info!(view = %self.id, rows = difference.len(), "a materialized view corrects its stored contents");
        }
        Ok(difference.into_iter().collect())
    }

    /// One batch per time (at least one, so a held collection's first
    /// write makes it readable).
    fn batches(
        &self,
        writes: &[(Row, Timestamp, Diff)],
        upper: Timestamp,
    ) -> Result<Vec<(Batch, Timestamp)>, StorageError> {
        let mut by_time: BTreeMap<Timestamp, Vec<(&Row, Diff)>> = BTreeMap::new();
        for (row, time, diff) in writes {
            by_time.entry(*time).or_default().push((row, *diff));
        }
        by_time.entry(upper).or_default();
        by_time
            .into_iter()
            .map(|(time, rows)| {
                let mut builder = self.store.batch_builder()?;
                for (row, diff) in rows {
                    builder.push(row, diff)?;
                }
                Ok((builder.finish()?, time))
            })
            .collect()
    }
}

/// Adds `diff` to `row`'s multiplicity in `contents`.
fn add(contents: &mut BTreeMap<Row, Diff>, row: Row, diff: Diff) {
    let entry = contents.entry(row.clone()).or_insert(0);
    *entry += diff;
    if *entry == 0 {
        contents.remove(&row);
    }
}
