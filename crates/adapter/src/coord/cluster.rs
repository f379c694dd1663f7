//! Sequencing `CREATE CLUSTER` and `DROP CLUSTER`.

use freshet_catalog::{ItemKind, Op};
use freshet_repr::GlobalId;
use freshet_sql::{Plan, Statement};

use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::ExecuteResponse;

impl Coordinator {
    /// Creates a cluster, or drops clusters (with `CASCADE`, the indexes in
    /// them too; without, a cluster with indexes stays).
    pub(crate) fn sequence_cluster(&mut self, mut ctx: ExecuteContext, plan: Plan) -> Sequenced {
        match plan {
            Plan::CreateCluster {
                name,
                size,
                replication_factor,
            } => {
                let result = self
                    .catalog
                    .transact(vec![Op::CreateCluster {
                        name,
                        size,
                        replication_factor,
                    }])
                    .map(|_| ExecuteResponse::command("CREATE CLUSTER"))
                    .map_err(AdapterError::from);
                Sequenced::Done(ctx, result)
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
                ops.extend(names.into_iter().map(|name| Op::DropCluster { name }));
                if ops.is_empty() {
                    return Sequenced::Done(ctx, Ok(ExecuteResponse::command("DROP CLUSTER")));
                }
                self.drop(ctx, ops, "DROP CLUSTER")
            }
            other => Sequenced::Done(
                ctx,
                Err(AdapterError::Internal(format!("not a cluster plan: {other:?}"))),
            ),
        }
    }

    /// The indexes and sources whose stored definitions put them in
    /// cluster `name`.
    fn items_in_cluster(&self, name: &str) -> Vec<GlobalId> {
        self.catalog
            .items()
            .filter(|item| match item.kind {
                ItemKind::Index => match freshet_sql::parse(&item.create_sql).as_deref() {
                    Ok([Statement::CreateIndex(create)]) => create.cluster.as_ref().is_some_and(|c| c.value == name),
                    _ => false,
                },
                ItemKind::Source => self.source_cluster(item) == Some(name),
                _ => false,
            })
            .map(|item| item.id)
            .collect()
    }
}
