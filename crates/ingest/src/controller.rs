//! The adapter's handle on ingestion: one task per running source.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use freshet_repr::GlobalId;
use freshet_storage::{Committer, Store};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::source::SourceTask;
use crate::{IngestCommand, IngestResponse};

/// A source's task, and what tells when it is gone.
#[derive(Debug)]
struct Running {
    handle: JoinHandle<()>,
    /// Closed once the task has ended or, aborted, been dropped.
    gone: watch::Receiver<()>,
}

/// Runs sources as the adapter commands. Dropping it stops them all.
#[derive(Debug)]
pub struct IngestController {
    store: Store,
    committer: Committer,
    sources: BTreeMap<GlobalId, Running>,
    /// Tasks of stopped sources that may not be gone yet: an aborted task
    /// running on another thread finishes its current step first, and that
    /// step may queue a commit.
    stopping: BTreeMap<GlobalId, Vec<watch::Receiver<()>>>,
    responses: mpsc::UnboundedSender<IngestResponse>,
    /// How often a running snapshot logs its progress.
    progress_log_every: Duration,
}

impl IngestController {
    /// A controller committing through `committer`, whose snapshots log
    /// their progress every `progress_log_every`, and the channel its
    /// responses arrive on.
    pub fn new(
        store: Store,
        committer: Committer,
        progress_log_every: Duration,
    ) -> (IngestController, mpsc::UnboundedReceiver<IngestResponse>) {
        let (responses, rx) = mpsc::unbounded_channel();
        let controller = IngestController {
            store,
            committer,
            sources: BTreeMap::new(),
            stopping: BTreeMap::new(),
            responses,
            progress_log_every,
        };
        (controller, rx)
    }

    /// Carries out one command (see [`IngestCommand`] for the contract).
    pub fn send(&mut self, command: IngestCommand) {
        match command {
            IngestCommand::Run(desc) => {
                let id = desc.id;
                let task = SourceTask::new(
                    *desc,
                    self.store.clone(),
                    self.committer.clone(),
                    self.responses.clone(),
                    self.progress_log_every,
                );
                // A task this one replaces must be gone before it reads
                // where to resume (it then waits for that task's last
                // commit too).
                let before = self.stopping.remove(&id).unwrap_or_default();
                let (gone_tx, gone) = watch::channel(());
                let handle = tokio::spawn(async move {
                    let _gone = gone_tx;
                    for previous in before {
                        wait_gone(previous).await;
                    }
                    task.run().await;
                });
                if let Some(previous) = self.sources.insert(id, Running { handle, gone }) {
                    tracing::error!(source = %id, "a source was started twice; stopping the first");
                    previous.handle.abort();
                }
            }
            IngestCommand::Stop(id) => {
                if let Some(task) = self.sources.remove(&id) {
                    task.handle.abort();
                    let stopping = self.stopping.entry(id).or_default();
                    stopping.retain(|gone| gone.has_changed().is_ok());
                    stopping.push(task.gone);
                }
            }
        }
    }

    /// Resolves once every task of source `id` that was stopped is gone:
    /// after that, a commit one of them queued is ahead of any new request
    /// to the committer.
    pub fn stopped(&self, id: GlobalId) -> impl Future<Output = ()> + Send + 'static {
        let tasks = self.stopping.get(&id).cloned().unwrap_or_default();
        async move {
            for gone in tasks {
                wait_gone(gone).await;
            }
        }
    }
}

/// Waits until the task behind `gone` has ended or been dropped.
async fn wait_gone(mut gone: watch::Receiver<()>) {
    // Nothing is ever sent: `changed` fails once the sender is dropped.
    while gone.changed().await.is_ok() {}
}

impl Drop for IngestController {
    fn drop(&mut self) {
        for task in self.sources.values() {
            task.handle.abort();
        }
    }
}
