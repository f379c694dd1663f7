//! The adapter's handle on ingestion: one task per running source.

use std::collections::BTreeMap;

use freshet_repr::GlobalId;
use freshet_storage::{Committer, Store};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::source::SourceTask;
use crate::{IngestCommand, IngestResponse};

/// Runs sources as the adapter commands. Dropping it stops them all.
#[derive(Debug)]
pub struct IngestController {
    store: Store,
    committer: Committer,
    sources: BTreeMap<GlobalId, JoinHandle<()>>,
    responses: mpsc::UnboundedSender<IngestResponse>,
}

impl IngestController {
    /// A controller committing through `committer`, and the channel its
    /// responses arrive on.
    pub fn new(store: Store, committer: Committer) -> (IngestController, mpsc::UnboundedReceiver<IngestResponse>) {
        let (responses, rx) = mpsc::unbounded_channel();
        let controller = IngestController {
            store,
            committer,
            sources: BTreeMap::new(),
            responses,
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
                );
                if let Some(previous) = self.sources.insert(id, tokio::spawn(task.run())) {
                    tracing::error!(source = %id, "a source was started twice; stopping the first");
                    previous.abort();
                }
            }
            IngestCommand::Stop(id) => {
                // A commit it sent before is ordered before any later
                // request to the committer, such as dropping its collections.
                if let Some(task) = self.sources.remove(&id) {
                    task.abort();
                }
            }
        }
    }
}

impl Drop for IngestController {
    fn drop(&mut self) {
        for task in self.sources.values() {
            task.abort();
        }
    }
}
