//! The handle the adapter holds: starts the workers, sends them commands,
//! and gathers their responses.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::Thread;

use crossbeam_channel::{Receiver, Sender};
use differential_dataflow::consolidation::consolidate;
use freshet_expr::RelExpr;
use freshet_expr::ScalarExpr;
use freshet_repr::{Diff, GlobalId, Row, Timestamp};
use freshet_storage::Store;
use timely::{Config, WorkerConfig};
use tokio::sync::{mpsc, oneshot};

use crate::index::IndexSpec;
use crate::protocol::{ComputeCommand, ComputeResponse, PeekId, PeekTarget};
use crate::render::{self, Inputs};
use crate::sink::{SinkFailures, SinkSpec};
use crate::subscribe::merge::Outcome;
use crate::subscribe::{Merge, SubscribeId, SubscribeSpec, Subscription};
use crate::{ComputeError, worker};

/// The result of a peek.
type PeekResult = Result<Vec<(Row, Diff)>, ComputeError>;

/// A peek waiting for its workers.
struct PendingPeek {
    remaining: usize,
    rows: Vec<(Row, Diff)>,
    error: Option<ComputeError>,
    tx: oneshot::Sender<PeekResult>,
}

/// Controls the timely workers of one cluster. Cheap to clone.
#[derive(Clone)]
pub struct ComputeController {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    /// One channel per worker. Sent to only under [`Inner::send_order`]:
    /// every worker must see the commands in the same order, as timely
    /// needs every worker to build the same dataflows in the same order.
    commands: Vec<Sender<ComputeCommand>>,
    /// Held while a command goes to every worker.
    send_order: Mutex<()>,
    threads: Vec<Thread>,
    pending: Arc<Mutex<HashMap<PeekId, PendingPeek>>>,
    /// Running subscriptions, merging their workers' changes.
    subscribes: Arc<Mutex<HashMap<SubscribeId, Merge>>>,
    /// The next peek or subscription id.
    next_peek: AtomicU64,
    /// The errors that stopped materialized views.
    sink_failures: SinkFailures,
    /// Set once a worker has panicked: no peek can finish any more.
    broken: Arc<AtomicBool>,
    /// Set by [`ComputeController::shutdown`]: requests fail with
    /// [`ComputeError::Stopped`].
    stopped: Arc<AtomicBool>,
    /// Joins the worker threads; taken by [`ComputeController::shutdown`].
    guards: Mutex<Option<timely::communication::WorkerGuards<()>>>,
}

impl Drop for Inner {
    /// Without a [`ComputeController::shutdown`], the workers end when they
    /// see their command channels close, after this; joining them here
    /// would wait forever, and timely's guards would join on drop.
    fn drop(&mut self) {
        if let Some(guards) = self.guards.get_mut().ok().and_then(Option::take) {
            std::mem::forget(guards);
        }
    }
}

impl std::fmt::Debug for ComputeController {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComputeController")
            .field("workers", &self.inner.threads.len())
            .finish()
    }
}

impl ComputeController {
    /// Starts `workers` timely worker threads that read collections from
    /// `store`. Must be called within a tokio runtime, which runs the tasks
    /// that wake indexes when their inputs advance.
    pub fn start(workers: usize, store: Store) -> Result<ComputeController, ComputeError> {
        let workers = workers.max(1);
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| ComputeError::Internal("compute must start within a tokio runtime".into()))?;
        let sink_failures = SinkFailures::default();
        let context = Arc::new(worker::Context {
            store: store.clone(),
            runtime,
            sink_failures: Arc::clone(&sink_failures),
        });
        let (command_txs, command_rxs): (Vec<_>, Vec<_>) = (0..workers).map(|_| crossbeam_channel::unbounded()).unzip();
        let command_rxs: Arc<Mutex<Vec<Option<Receiver<ComputeCommand>>>>> =
            Arc::new(Mutex::new(command_rxs.into_iter().map(Some).collect()));
        let (response_tx, response_rx) = crossbeam_channel::unbounded::<ComputeResponse>();
        let (thread_tx, thread_rx) = crossbeam_channel::unbounded::<(usize, Thread)>();
        let config = Config {
            communication: timely::CommunicationConfig::Process(workers),
            worker: WorkerConfig::default(),
        };
        let guards = timely::execute(config, move |worker| {
            let index = worker.index();
            let commands = command_rxs
                .lock()
                .ok()
                .and_then(|mut rxs| rxs.get_mut(index).and_then(Option::take));
            let Some(commands) = commands else {
                tracing::error!(worker = index, "compute worker started twice");
                return;
            };
            let _ = thread_tx.send((index, std::thread::current()));
            let _notice = PanicNotice {
                worker: index,
                responses: response_tx.clone(),
            };
            worker::run(worker, &commands, &response_tx, &context);
        })
        .map_err(|e| {
            tracing::error!(error = %e, "cannot start compute workers");
            ComputeError::WorkersStopped
        })?;
        let mut threads: Vec<(usize, Thread)> = (0..workers)
            .map(|_| thread_rx.recv().map_err(|_| ComputeError::WorkersStopped))
            .collect::<Result<_, _>>()?;
        threads.sort_by_key(|(i, _)| *i);
        let pending = Arc::new(Mutex::new(HashMap::new()));
        let dispatcher_pending = Arc::clone(&pending);
        let subscribes = Arc::new(Mutex::new(HashMap::new()));
        let dispatcher_subscribes = Arc::clone(&subscribes);
        let broken = Arc::new(AtomicBool::new(false));
        let dispatcher_broken = Arc::clone(&broken);
        let stopped = Arc::new(AtomicBool::new(false));
        let dispatcher_stopped = Arc::clone(&stopped);
        std::thread::Builder::new()
            .name("compute-responses".into())
            .spawn(move || {
                dispatch_responses(
                    &response_rx,
                    &dispatcher_pending,
                    &dispatcher_subscribes,
                    &dispatcher_broken,
                );
                if dispatcher_stopped.load(Ordering::SeqCst) {
                    tracing::debug!("compute workers shut down");
                } else {
                    // Every worker is gone without a shutdown (a worker
                    // panic takes its peers down with it).
                    tracing::error!("compute workers stopped");
                }
            })
            .map_err(|_| ComputeError::WorkersStopped)?;
        tracing::debug!(workers, "started compute workers");
        Ok(ComputeController {
            inner: Arc::new(Inner {
                store,
                commands: command_txs,
                send_order: Mutex::new(()),
                threads: threads.into_iter().map(|(_, t)| t).collect(),
                pending,
                subscribes,
                next_peek: AtomicU64::new(1),
                broken,
                stopped,
                sink_failures,
                guards: Mutex::new(Some(guards)),
            }),
        })
    }

    /// Sends a command to every worker and wakes them. Commands broadcast
    /// from different tasks at once reach every worker in one order.
    fn broadcast(&self, command: ComputeCommand) -> Result<(), ComputeError> {
        // A panic while sending leaves nothing half-done that the lock guards.
        let _order = self
            .inner
            .send_order
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Every live worker gets the command even if one is gone (a worker
        // that panicked): a shutdown must still reach the others.
        let mut sent = Ok(());
        for (tx, thread) in self.inner.commands.iter().zip(&self.inner.threads) {
            if tx.send(command.clone()).is_err() {
                sent = Err(ComputeError::WorkersStopped);
            }
            thread.unpark();
        }
        sent
    }

    /// Computes `plan` once over the contents of its inputs at `as_of`, and
    /// returns its consolidated rows.
    pub async fn peek(&self, plan: RelExpr, as_of: Timestamp) -> PeekResult {
        self.check_running()?;
        // A one-off dataflow ignores update times: `mz_now()` must be the
        // peek's time before it runs, never a temporal filter.
        let plan = plan.bind_now(as_of);
        let inputs = if plan.depends_on().is_empty() {
            Inputs::new()
        } else {
            let store = self.inner.store.clone();
            let reading = plan.clone();
            tokio::task::spawn_blocking(move || render::read_inputs(&store, &reading, as_of))
                .await
                .map_err(|_| ComputeError::WorkersStopped)??
        };
        let inputs = Arc::new(inputs);
        self.submit(PeekTarget::Dataflow { plan, inputs }, as_of).await
    }

    /// Reads index `index` at `as_of` without building a dataflow: its rows
    /// (only those whose key equals `lookup`, if given), put through `plan`,
    /// the maps, filters and projections over `Get { id: index }`. Waits
    /// until the index is complete through `as_of`; fails with
    /// [`ComputeError::IndexCompacted`] if it no longer holds `as_of`.
    pub async fn peek_index(
        &self,
        index: GlobalId,
        plan: RelExpr,
        lookup: Option<Row>,
        as_of: Timestamp,
    ) -> PeekResult {
        let lookup = lookup.map(|key| crate::index::lookup_key(&key));
        self.submit(PeekTarget::Index { index, plan, lookup }, as_of).await
    }

    /// Sends a peek to every worker and gathers their answers.
    async fn submit(&self, target: PeekTarget, as_of: Timestamp) -> PeekResult {
        self.check_running()?;
        let id = self.inner.next_peek.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let peek = PendingPeek {
            remaining: self.inner.commands.len(),
            rows: Vec::new(),
            error: None,
            tx,
        };
        self.inner
            .pending
            .lock()
            .map_err(|_| ComputeError::WorkersStopped)?
            .insert(id, peek);
        // If this future is dropped unanswered (its reader gave up), the
        // guard cancels the peek so its dataflow stops using the workers.
        let _cancel = CancelOnDrop { controller: self, id };
        self.broadcast(ComputeCommand::Peek { id, target, as_of })?;
        match rx.await {
            Ok(result) => result,
            Err(_) => Err(self.check_running().err().unwrap_or(ComputeError::WorkersStopped)),
        }
    }

    /// Fails if the workers were shut down or one of them panicked.
    fn check_running(&self) -> Result<(), ComputeError> {
        if self.is_stopped() {
            Err(ComputeError::Stopped)
        } else if self.is_broken() {
            Err(ComputeError::WorkersStopped)
        } else {
            Ok(())
        }
    }

    /// Starts maintaining index `id`: `plan` (optimized, over durable
    /// collections) arranged by `key`, readable from `as_of` on. The inputs
    /// must be readable at `as_of` when this is called.
    pub fn create_index(
        &self,
        id: GlobalId,
        plan: RelExpr,
        key: Vec<ScalarExpr>,
        as_of: Timestamp,
    ) -> Result<(), ComputeError> {
        let hold = Arc::new(self.inner.store.hold(&plan.depends_on(), as_of)?);
        tracing::info!(index = %id, as_of, "creating an index");
        self.broadcast(ComputeCommand::CreateIndex(IndexSpec {
            id,
            plan,
            key,
            as_of,
            hold,
        }))
    }

    /// Stops maintaining index `id`.
    pub fn drop_index(&self, id: GlobalId) -> Result<(), ComputeError> {
        tracing::info!(index = %id, "dropping an index");
        self.broadcast(ComputeCommand::DropIndex { id })
    }

    /// Starts a subscription to `plan` (optimized, over durable
    /// collections): its contents at `as_of` as changes at `as_of`, then
    /// every later change at its time, as its inputs change. The inputs
    /// must be readable at `as_of` when this is called. Dropping the
    /// returned [`Subscription`] stops it.
    pub fn subscribe(&self, plan: RelExpr, as_of: Timestamp) -> Result<Subscription, ComputeError> {
        self.check_running()?;
        let hold = Arc::new(self.inner.store.hold(&plan.depends_on(), as_of)?);
        let id = self.inner.next_peek.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        self.inner
            .subscribes
            .lock()
            .map_err(|_| ComputeError::WorkersStopped)?
            .insert(id, Merge::new(self.inner.commands.len(), as_of, tx));
        // From here on, dropping the subscription stops its dataflow.
        let subscription = Subscription::new(id, rx, self.clone());
        tracing::debug!(subscribe = id, as_of, "starting a subscription");
        self.broadcast(ComputeCommand::CreateSubscribe(SubscribeSpec { id, plan, as_of, hold }))?;
        Ok(subscription)
    }

    /// Starts materialized view `id`: `plan` (optimized, over durable
    /// collections) computed from `as_of` on and written to the view's
    /// collection through `committer`, correcting what the collection
    /// holds. `as_of` must be at or after every input's since, at most
    /// the collection's upper, and below it once the collection has been
    /// written. Replaces the view's running dataflow, if any.
    pub fn create_sink(
        &self,
        id: GlobalId,
        plan: RelExpr,
        as_of: Timestamp,
        committer: freshet_storage::Committer,
    ) -> Result<(), ComputeError> {
        let hold = Arc::new(self.inner.store.hold(&plan.depends_on(), as_of)?);
        if let Ok(mut failures) = self.inner.sink_failures.lock() {
            failures.remove(&id);
        }
        tracing::info!(view = %id, as_of, "starting a materialized view");
        self.broadcast(ComputeCommand::CreateSink(SinkSpec {
            id,
            plan,
            as_of,
            hold,
            committer,
        }))
    }

    /// Stops materialized view `id`'s dataflow.
    pub fn drop_sink(&self, id: GlobalId) -> Result<(), ComputeError> {
        if let Ok(mut failures) = self.inner.sink_failures.lock() {
            failures.remove(&id);
        }
        self.broadcast(ComputeCommand::DropSink { id })
    }

    /// The error that stopped materialized view `id`, if one did.
    pub fn sink_failure(&self, id: GlobalId) -> Option<ComputeError> {
        self.inner
            .sink_failures
            .lock()
            .ok()
            .and_then(|failures| failures.get(&id).cloned())
    }

    /// Stops subscription `id` on every worker (its reader is gone).
    pub(crate) fn drop_subscribe(&self, id: SubscribeId) {
        if let Ok(mut subscribes) = self.inner.subscribes.lock() {
            subscribes.remove(&id);
        }
        // Workers that are gone have nothing left to stop.
        let _ = self.broadcast(ComputeCommand::DropSubscribe { id });
    }

    /// Whether a worker has panicked, so no dataflow can finish any more.
    pub(crate) fn is_broken(&self) -> bool {
        self.inner.broken.load(Ordering::SeqCst)
    }

    /// Whether [`ComputeController::shutdown`] was called.
    pub(crate) fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// The number of worker threads.
    pub fn workers(&self) -> usize {
        self.inner.threads.len()
    }

    /// Stops the workers and waits until their threads end, so nothing
    /// they hold (the store) outlives the shutdown.
    pub fn shutdown(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        let _ = self.broadcast(ComputeCommand::Shutdown);
        let guards = self.inner.guards.lock().ok().and_then(|mut guards| guards.take());
        if let Some(guards) = guards {
            for result in guards.join() {
                if let Err(e) = result {
                    tracing::warn!(error = %e, "a compute worker ended with a panic");
                }
            }
        }
        // Whoever still waits learns that the workers are gone: a peek's
        // reader sees its answer dropped, a subscription's its channel close.
        if let Ok(mut pending) = self.inner.pending.lock() {
            pending.clear();
        }
        if let Ok(mut subscribes) = self.inner.subscribes.lock() {
            subscribes.clear();
        }
    }
}

/// Cancels a peek, when dropped, if it is still unanswered.
struct CancelOnDrop<'a> {
    controller: &'a ComputeController,
    id: PeekId,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        let removed = self
            .controller
            .inner
            .pending
            .lock()
            .ok()
            .and_then(|mut pending| pending.remove(&self.id));
        if removed.is_some() {
            tracing::debug!(peek = self.id, "canceling a peek nobody waits for");
            // Workers that are gone have nothing left to cancel.
            let _ = self.controller.broadcast(ComputeCommand::CancelPeek { id: self.id });
        }
    }
}

/// Tells the controller, as a worker's thread unwinds from a panic, that
/// the worker is gone.
struct PanicNotice {
    worker: usize,
    responses: Sender<ComputeResponse>,
}

impl Drop for PanicNotice {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = self
                .responses
                .send(ComputeResponse::WorkerPanicked { worker: self.worker });
        }
    }
}

/// Merges the workers' answers and completes each peek when all have
/// answered. Once a worker has panicked, fails every peek in flight and
/// every later one: the surviving workers' dataflows wait for it forever.
fn dispatch_responses(
    responses: &Receiver<ComputeResponse>,
    pending: &Mutex<HashMap<PeekId, PendingPeek>>,
    subscribes: &Mutex<HashMap<SubscribeId, Merge>>,
    broken: &AtomicBool,
) {
    while let Ok(response) = responses.recv() {
        let (id, worker, result) = match response {
            ComputeResponse::PeekResponse { id, worker, result } => (id, worker, result),
            ComputeResponse::SubscribeBatch {
                id,
                worker,
                upper,
                updates,
            } => {
                let Ok(mut subscribes) = subscribes.lock() else { return };
                // A subscription dropped meanwhile has no merge any more.
                if let Some(merge) = subscribes.get_mut(&id)
                    && merge.report(worker, upper, updates) == Outcome::Finished
                {
                    subscribes.remove(&id);
                }
                continue;
            }
            ComputeResponse::WorkerPanicked { worker } => {
                tracing::error!(
                    worker,
                    "a compute worker panicked; peeks fail until the server restarts"
                );
                broken.store(true, Ordering::SeqCst);
                if let Ok(mut pending) = pending.lock() {
                    pending.clear();
                }
                // Their readers see the channel close, then the breakage.
                if let Ok(mut subscribes) = subscribes.lock() {
                    subscribes.clear();
                }
                continue;
            }
        };
        let Ok(mut pending) = pending.lock() else { return };
        if broken.load(Ordering::SeqCst) {
            pending.clear();
            continue;
        }
        let Some(peek) = pending.get_mut(&id) else {
            // A worker answered before it saw the peek's cancellation.
            tracing::debug!(peek = id, worker, "response for a canceled peek");
            continue;
        };
        match result {
            Ok(rows) => peek.rows.extend(rows),
            Err(e) => {
                if peek
                    .error
                    .as_ref()
                    .is_none_or(|current| error_key(&e) < error_key(current))
                {
                    peek.error = Some(e);
                }
            }
        }
        peek.remaining -= 1;
        if peek.remaining == 0
            && let Some(mut peek) = pending.remove(&id)
        {
            let result = match peek.error {
                Some(e) => Err(e),
                None => {
                    consolidate(&mut peek.rows);
                    Ok(peek.rows)
                }
            };
            let _ = peek.tx.send(result);
        }
    }
    // Every worker is gone: the peeks waiting for them fail rather than
    // wait forever, and later peeks fail when their command cannot be sent.
    if let Ok(mut pending) = pending.lock() {
        pending.clear();
    }
    if let Ok(mut subscribes) = subscribes.lock() {
        subscribes.clear();
    }
}

/// Orders errors so that the least one is reported, whichever worker met it.
fn error_key(e: &ComputeError) -> String {
    format!("{e:?}")
}
