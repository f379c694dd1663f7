//! Sequencing `CREATE CLUSTER`, `ALTER CLUSTER` and `DROP CLUSTER`: the
//! catalog change, then the cluster's compute instance (started, restarted
//! with its new size, or shut down).

use freshet_catalog::{ItemKind, Op};
use freshet_repr::GlobalId;
use freshet_sql::Plan;

use super::instances::{FailureWatch, shut_down, workers_of};
use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::{ConnectionId, ExecuteResponse};

impl Coordinator {
    /// Creates, alters or drops clusters (with `CASCADE`, the indexes and
    /// materialized views in them too; without, a cluster with any stays).
    pub(crate) fn sequence_cluster(&mut self, mut ctx: ExecuteContext, plan: Plan) -> Sequenced {
        match plan {
            Plan::CreateCluster {
                name,
                size,
                replication_factor,
            } => {
                let workers = workers_of(&name, &size);
                let result = self
                    .catalog
                    .transact(vec![Op::CreateCluster {
                        name: name.clone(),
                        size,
                        replication_factor,
                    }])
                    .map_err(AdapterError::from)
                    .and_then(|_| self.instances.start(&name, workers))
                    .map(|_| ExecuteResponse::command("CREATE CLUSTER"));
                Sequenced::Done(ctx, result)
            }
            Plan::AlterCluster {
                name,
                missing,
                size,
                replication_factor,
            } => {
                if missing {
                    ctx.notice(format!("cluster \"{name}\" does not exist, skipping"));
                    return Sequenced::Done(ctx, Ok(ExecuteResponse::command("ALTER CLUSTER")));
                }
                let result = self.alter_cluster(&name, size, replication_factor);
                Sequenced::Done(ctx, result.map(|()| ExecuteResponse::command("ALTER CLUSTER")))
            }
            Plan::DropClusters {
                names,
                missing,
                cascade,
            } => {
                for name in missing {
                    ctx.notice(format!("cluster \"{name}\" does not exist, skipping"));
                }
                let mut indexes = Vec::new();
                for name in &names {
                    let inside = self.items_in_cluster(name);
                    if !cascade && !inside.is_empty() {
                        let detail = inside
                            .iter()
                            .filter_map(|id| self.catalog.item(*id))
                            .map(|item| format!("{} {} depends on cluster {name}", item.kind.name(), item.name))
                            .collect::<Vec<_>>()
                            .join("\n");
                        return Sequenced::Done(
                            ctx,
                            Err(AdapterError::DependentObjects {
                                kind: "cluster",
                                name: name.clone(),
                                detail,
                            }),
                        );
                    }
                    indexes.extend(inside);
                }
                let mut ops = Vec::new();
                if !indexes.is_empty() {
                    ops.push(Op::DropItems {
                        ids: indexes,
                        cascade: true,
                    });
                }
                ops.extend(names.iter().map(|name| Op::DropCluster { name: name.clone() }));
                if ops.is_empty() {
                    return Sequenced::Done(ctx, Ok(ExecuteResponse::command("DROP CLUSTER")));
                }
                let sequenced = self.drop(ctx, ops, "DROP CLUSTER");
                // The dataflows in them are gone with their items; the
                // instances of the clusters the catalog dropped go now.
                let dropped = names
                    .iter()
                    .filter(|name| self.catalog.cluster(name).is_none())
                    .filter_map(|name| self.instances.remove(name))
                    .collect();
                shut_down(dropped);
                sequenced
            }
            other => Sequenced::Done(
                ctx,
                Err(AdapterError::Internal(format!("not a cluster plan: {other:?}"))),
            ),
        }
    }

    /// The indexes, materialized views and sources that run in cluster
    /// `name`.
    fn items_in_cluster(&self, name: &str) -> Vec<GlobalId> {
        let mut items = self.placed_in(name);
        items.extend(
            self.catalog
                .items()
                .filter(|item| item.kind == ItemKind::Source && self.source_cluster(item) == Some(name))
                .map(|item| item.id),
        );
        items.sort();
        items
    }

    /// `ALTER CLUSTER … SET`: the catalog change, then, when the number of
    /// workers changes, a new instance running every index and
    /// materialized view of the cluster. The old instance is shut down
    /// once the new one runs them: indexes are rebuilt from their inputs,
    /// and each view's sink corrects its collection from where it is, so
    /// no row is lost or doubled.
    fn alter_cluster(
        &mut self,
        name: &str,
        size: Option<String>,
        replication_factor: Option<u32>,
    ) -> Result<(), AdapterError> {
        let before = self.instances.cluster(name)?.workers();
        self.catalog.transact(vec![Op::AlterCluster {
            name: name.to_owned(),
            size,
            replication_factor,
        }])?;
        let size = self
            .catalog
            .cluster(name)
            .map(|cluster| cluster.size.clone())
            .unwrap_or_default();
        let workers = workers_of(name, &size);
        if workers == before {
            return Ok(());
        }
        tracing::info!(cluster = name, before, workers, "resizing a cluster");
        let old = self.instances.start(name, workers)?;
        // Oldest first: an index on a materialized view comes after it.
        for id in self.placed_in(name) {
            if let Some(view) = self.materialized_views.get(&id).cloned() {
                self.start_materialized_view(id, view)?;
            } else if let Some(index) = self.indexes.get(&id).cloned() {
                self.install_index(id, index)?;
            }
        }
        shut_down(old.into_iter().collect());
        Ok(())
    }

    /// The cluster index or materialized view `id` runs in.
    pub(crate) fn cluster_of(&self, id: GlobalId) -> Option<&str> {
        match self.indexes.get(&id) {
            Some(index) => Some(&index.cluster),
            None => self.materialized_views.get(&id).map(|view| view.cluster.as_str()),
        }
    }

    /// The indexes and materialized views running in `cluster`, oldest
    /// first.
    fn placed_in(&self, cluster: &str) -> Vec<GlobalId> {
        let mut ids: Vec<GlobalId> = self
            .indexes
            .iter()
            .filter(|(_, index)| index.cluster == cluster)
            .map(|(id, _)| *id)
            .chain(
                self.materialized_views
                    .iter()
                    .filter(|(_, view)| view.cluster == cluster)
                    .map(|(id, _)| *id),
            )
            .collect();
        ids.sort();
        ids
    }

    /// The error that stopped materialized view `id`, if one did.
    pub(crate) fn sink_failure(&self, id: GlobalId) -> Option<freshet_compute::ComputeError> {
        self.instances.cluster(self.cluster_of(id)?).ok()?.sink_failure(id)
    }

    /// What a spawned read needs to notice that one of `inputs` (the
    /// materialized views among them) failed.
    pub(crate) fn failure_watch(&self, inputs: &[GlobalId]) -> FailureWatch {
        FailureWatch {
            views: inputs
                .iter()
                .filter(|id| self.materialized_views.contains_key(id))
                .filter_map(|id| Some((*id, self.instances.cluster(self.cluster_of(*id)?).ok()?)))
                .collect(),
        }
    }

    /// The cluster session `conn_id` runs its queries in (`SET cluster`),
    /// which need not exist.
    pub(crate) fn session_cluster(&self, conn_id: ConnectionId) -> String {
        self.sessions
            .get(&conn_id)
            .and_then(|session| session.vars.get("cluster").ok())
            .unwrap_or_default()
    }
}
