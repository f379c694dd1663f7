//! The compute instances: one [`ComputeController`] per cluster, running
//! as many timely worker threads as the cluster's size names. (Which
//! cluster an index or materialized view runs in is recorded with it, in
//! the coordinator's `indexes` and `materialized_views`.)

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use freshet_compute::{ComputeController, ComputeError};
use freshet_repr::GlobalId;
use freshet_sql::PlanError;
use freshet_storage::Store;

use crate::AdapterError;

/// The running compute instances by cluster name, shared with the
/// statements' spawned tasks (see [`ClusterHandle`]).
type Clusters = Arc<RwLock<BTreeMap<String, ComputeController>>>;

/// The running compute instances, by cluster name.
pub(crate) struct Instances {
    store: Store,
    clusters: Clusters,
}

/// The worker threads of a cluster of size `size` as the catalog stores
/// it. A size no longer known (stored by an earlier version) runs on one
/// worker, with a warning.
pub(crate) fn workers_of(cluster: &str, size: &str) -> usize {
    freshet_sql::cluster_workers(size).unwrap_or_else(|| {
        tracing::warn!(cluster, size, "unknown cluster size; running the cluster on one worker");
        1
    })
}

impl Instances {
    /// No instance yet; they read collections from `store`.
    pub(crate) fn new(store: Store) -> Instances {
        Instances {
            store,
            clusters: Clusters::default(),
        }
    }

    /// The map of running instances. The coordinator alone writes it; a
    /// panic while it held the lock left nothing half-changed.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, ComputeController>> {
        self.clusters.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, ComputeController>> {
        self.clusters.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts cluster `name`'s instance with `workers` threads. Returns
    /// the instance it replaces, if one was running: the caller shuts it
    /// down once the new one runs the cluster's dataflows.
    pub(crate) fn start(&mut self, name: &str, workers: usize) -> Result<Option<ComputeController>, AdapterError> {
        let controller = ComputeController::start(workers, self.store.clone()).map_err(super::compute_error)?;
        tracing::info!(cluster = name, workers, "started a cluster's compute instance");
        Ok(self.write().insert(name.to_owned(), controller))
    }

    /// Takes cluster `name`'s instance out, for the caller to shut down.
    pub(crate) fn remove(&mut self, name: &str) -> Option<ComputeController> {
        self.write().remove(name)
    }

    /// Cluster `name`'s instance.
    pub(crate) fn cluster(&self, name: &str) -> Result<ComputeController, AdapterError> {
        self.read().get(name).cloned().ok_or_else(|| unknown_cluster(name))
    }

    /// A handle on cluster `name`, for a spawned task: it finds the
    /// cluster's instance when used, so a task that lost its instance to a
    /// resize can run again on the new one.
    pub(crate) fn handle(&self, name: &str) -> ClusterHandle {
        ClusterHandle {
            name: name.to_owned(),
            clusters: Arc::clone(&self.clusters),
        }
    }

    /// Takes every instance out, for the caller to shut down.
    pub(crate) fn remove_all(&mut self) -> Vec<ComputeController> {
        std::mem::take(&mut *self.write()).into_values().collect()
    }
}

/// The error for a cluster that does not exist (any more).
fn unknown_cluster(name: &str) -> AdapterError {
    AdapterError::Plan(PlanError::UnknownCluster(name.to_owned()))
}

/// A cluster as a spawned task sees it: whatever instance runs it now.
#[derive(Clone)]
pub(crate) struct ClusterHandle {
    name: String,
    clusters: Clusters,
}

impl ClusterHandle {
    /// How many times a read starts again on a resized cluster.
    const RETRIES: usize = 3;

    /// The cluster's instance now; an error if the cluster does not exist.
    pub(crate) fn current(&self) -> Result<ComputeController, AdapterError> {
        self.clusters
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&self.name)
            .cloned()
            .ok_or_else(|| unknown_cluster(&self.name))
    }

    /// Runs `read` on the cluster's instance; if that instance is shut
    /// down meanwhile (the cluster was resized), runs it again on the
    /// new one, a few times at most. A read has no effect, so running it
    /// again is safe; it reads at the time it was given.
    pub(crate) async fn run<T, F, Fut>(&self, mut read: F) -> Result<T, AdapterError>
    where
        F: FnMut(ComputeController) -> Fut,
        Fut: std::future::Future<Output = Result<T, ComputeError>>,
    {
        let mut attempts = 0;
        loop {
            let compute = self.current()?;
            match read(compute).await {
                Err(ComputeError::Stopped) if attempts < Self::RETRIES => {
                    attempts += 1;
                    tracing::debug!(cluster = %self.name, attempts, "reading again on a restarted cluster");
                }
                result => return result.map_err(super::compute_error),
            }
        }
    }
}

/// The instances of some materialized views, to ask whether one failed
/// from outside the coordinator.
#[derive(Clone, Default)]
pub(crate) struct FailureWatch {
    /// Each view watched, with the instance that runs it.
    pub(crate) views: Vec<(GlobalId, ComputeController)>,
}

impl FailureWatch {
    /// The error that stopped view `id`, if it is watched and one did.
    pub(crate) fn failure(&self, id: GlobalId) -> Option<ComputeError> {
        self.views
            .iter()
            .find(|(view, _)| *view == id)
            .and_then(|(_, compute)| compute.sink_failure(id))
    }
}

/// Shuts `instances` down off the coordinator's task: joining worker
/// threads blocks.
pub(crate) fn shut_down(instances: Vec<ComputeController>) {
    if instances.is_empty() {
        return;
    }
    tokio::task::spawn_blocking(move || {
        for instance in instances {
            instance.shutdown();
        }
    });
}
