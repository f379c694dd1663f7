//! Sequencing `CREATE`, `ALTER … RENAME` and `DROP`: one catalog transaction each, then the
//! storage collections of the tables created or dropped, via the committer,
//! and the dataflows of the indexes dropped (`CREATE INDEX` is in `index.rs`).

use std::collections::BTreeSet;

use freshet_catalog::{CatalogError, ItemKind, NewItem, Op, OpResult};
use freshet_repr::GlobalId;
use freshet_sql::Plan;

use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::ExecuteResponse;

/// The items a catalog transaction dropped.
fn dropped_items(results: &[OpResult]) -> Vec<GlobalId> {
    results
        .iter()
        .flat_map(|r| match r {
            OpResult::Dropped { items } => items.clone(),
            _ => Vec::new(),
        })
        .collect()
}

impl Coordinator {
    /// Applies a DDL plan to the catalog, then to storage.
    pub(crate) fn sequence_ddl(&mut self, mut ctx: ExecuteContext, plan: Plan) -> Sequenced {
        let result = match plan {
            Plan::CreateDatabase { name, if_not_exists } => {
                let result = self.catalog.transact(vec![Op::CreateDatabase { name: name.clone() }]);
                created(&mut ctx, result, if_not_exists, "database", &name)
                    .map(|_| ExecuteResponse::command("CREATE DATABASE"))
            }
            Plan::CreateSchema {
                database,
                name,
                if_not_exists,
            } => {
                let result = self.catalog.transact(vec![Op::CreateSchema {
                    database,
                    name: name.clone(),
                }]);
                created(&mut ctx, result, if_not_exists, "schema", &name)
                    .map(|_| ExecuteResponse::command("CREATE SCHEMA"))
            }
            Plan::CreateTable {
                schema,
                name,
                table,
                if_not_exists,
            } => {
                let op = Op::CreateItem {
                    schema,
                    name: name.item.clone(),
                    kind: ItemKind::Table,
                    create_sql: table.create_sql,
                    desc: table.desc,
                    uses: vec![],
                };
                let result = self.catalog.transact(vec![op]);
                match created(&mut ctx, result, if_not_exists, "relation", &name.item) {
                    Ok(Some(results)) => {
                        let ids: Vec<GlobalId> = results
                            .iter()
                            .filter_map(|r| match r {
                                OpResult::CreatedItem(id) => Some(*id),
                                _ => None,
                            })
                            .collect();
                        let committer = self.committer.clone();
                        // The statement completes once the table is readable.
                        self.spawn_statement(ctx, |_| async move {
                            for id in ids {
                                committer.create_collection(id).await?;
                            }
                            Ok(ExecuteResponse::command("CREATE TABLE"))
                        });
                        return Sequenced::Pending;
                    }
                    Ok(None) => Ok(ExecuteResponse::command("CREATE TABLE")),
                    Err(e) => Err(e),
                }
            }
            Plan::CreateView {
                schema,
                name,
                view,
                if_not_exists,
                replace,
            } => {
                let new = NewItem {
                    schema,
                    name: name.item.clone(),
                    kind: ItemKind::View,
                    create_sql: view.create_sql,
                    desc: view.desc,
                    uses: view.uses,
                };
                let op = new.create_or_replace(replace);
                let result = self.catalog.transact(vec![op]);
                created(&mut ctx, result, if_not_exists, "relation", &name.item)
                    .map(|_| ExecuteResponse::command("CREATE VIEW"))
            }
            Plan::RenameItem {
                id,
                kind,
                name,
                new_name,
                rewrites,
            } => {
                let tag = alter_tag(kind);
                match id {
                    Some(id) => self
                        .catalog
                        .transact(vec![Op::RenameItem {
                            id,
                            name: new_name,
                            rewrites,
                        }])
                        .map(|_| {
                            self.renamed(id);
                            ExecuteResponse::command(tag)
                        })
                        .map_err(AdapterError::from),
                    None => {
                        ctx.notice(format!("{} \"{name}\" does not exist, skipping", kind.name()));
                        Ok(ExecuteResponse::command(tag))
                    }
                }
            }
            Plan::CreateSecret {
                schema,
                name,
                create_sql,
                value,
                if_not_exists,
            } => {
                let op = Op::CreateSecret {
                    schema,
                    name: name.item.clone(),
                    create_sql,
                    value,
                };
                let result = self.catalog.transact(vec![op]);
                created(&mut ctx, result, if_not_exists, "secret", &name.item)
                    .map(|_| ExecuteResponse::command("CREATE SECRET"))
            }
            Plan::AlterSecret { id, name, value } => match id {
                Some(id) => self
                    .catalog
                    .transact(vec![Op::AlterSecret { id, value }])
                    .map(|_| ExecuteResponse::command("ALTER SECRET"))
                    .map_err(AdapterError::from),
                None => {
                    ctx.notice(format!("secret \"{name}\" does not exist, skipping"));
                    Ok(ExecuteResponse::command("ALTER SECRET"))
                }
            },
            Plan::DropDatabase { id, name, restrict } => match id {
                Some(id) => return self.drop(ctx, vec![Op::DropDatabase { id, restrict }], "DROP DATABASE"),
                None => {
                    ctx.notice(format!("database \"{name}\" does not exist, skipping"));
                    Ok(ExecuteResponse::command("DROP DATABASE"))
                }
            },
            Plan::DropSchema { id, name, cascade } => match id {
                Some(id) => return self.drop(ctx, vec![Op::DropSchema { id, cascade }], "DROP SCHEMA"),
                None => {
                    ctx.notice(format!("schema \"{name}\" does not exist, skipping"));
                    Ok(ExecuteResponse::command("DROP SCHEMA"))
                }
            },
            Plan::DropItems {
                kind,
                ids,
                missing,
                cascade,
            } => {
                for name in missing {
                    ctx.notice(format!("{} \"{name}\" does not exist, skipping", kind.name()));
                }
                let tag = format!("DROP {}", kind.name().to_uppercase());
                if !ids.is_empty() {
                    return self.drop(ctx, vec![Op::DropItems { ids, cascade }], &tag);
                }
                Ok(ExecuteResponse::command(&tag))
            }
            other => Err(AdapterError::Internal(format!("not a DDL plan: {other:?}"))),
        };
        Sequenced::Done(ctx, result)
    }

    /// Brings what the coordinator keeps under item `id`'s name up to date
    /// after a rename: an index's name, as `EXPLAIN` prints it.
    fn renamed(&mut self, id: GlobalId) {
        let Some(item) = self.catalog.item(id) else {
            return;
        };
        let Some(schema) = self.catalog.schema(item.schema) else {
            return;
        };
        let name = freshet_sql::FullItemName {
            database: schema
                .database
                .and_then(|d| self.catalog.database(d))
                .map(|d| d.name.clone()),
            schema: schema.name.clone(),
            item: item.name.clone(),
        };
        if let Some(index) = self.indexes.get_mut(&id) {
            index.name = name.to_string();
        }
    }

    /// Drops from the catalog, then the dropped tables' and subsources'
    /// collections.
    pub(crate) fn drop(&mut self, ctx: ExecuteContext, ops: Vec<Op>, tag: &str) -> Sequenced {
        let tables: BTreeSet<GlobalId> = self
            .catalog
            .items()
            .filter(|item| item.kind.has_collection())
            .map(|item| item.id)
            .collect();
        let parents = self.subsource_parents();
        let subjects = self.status_subjects();
        let results = match self.catalog.transact(ops) {
            Ok(results) => results,
            Err(e) => return Sequenced::Done(ctx, Err(e.into())),
        };
        let mut items = dropped_items(&results);
        self.drop_indexes(&items);
        self.drop_materialized_views(&items);
        // Ingestion stops before its collections go; a source that lost
        // a subsource alone goes on without it.
        let mut restart: Vec<GlobalId> = items
            .iter()
            .filter_map(|id| parents.get(id))
            .filter(|source| !items.contains(source))
            .copied()
            .collect();
        restart.sort();
        restart.dedup();
        self.stop_sources(&items);
        self.sources.retain(|id, _| !items.contains(id));
        self.forget_statuses(&items, &subjects);
        self.source_statistics.retain(|id, _| !items.contains(id));
        self.statistics_baseline.retain(|id, _| !items.contains(id));
        for source in restart {
            self.restart_source(source);
        }
        items.retain(|id| tables.contains(id));
        let committer = self.committer.clone();
        let tag = tag.to_owned();
        self.spawn_statement(ctx, |_| async move {
            for id in items {
                committer.drop_collection(id).await?;
            }
            Ok(ExecuteResponse::command(&tag))
        });
        Sequenced::Pending
    }
}

/// The command tag of `ALTER` of an item of `kind`, as the statement
/// names the kind.
pub(crate) fn alter_tag(kind: freshet_sql::ItemKind) -> &'static str {
    use freshet_sql::ItemKind as K;
    match kind {
        K::Table => "ALTER TABLE",
        K::View => "ALTER VIEW",
        K::MaterializedView => "ALTER MATERIALIZED VIEW",
        K::Index => "ALTER INDEX",
        K::Secret => "ALTER SECRET",
        K::Connection => "ALTER CONNECTION",
        K::Source | K::Subsource | K::ProgressSubsource => "ALTER SOURCE",
    }
}

/// The results of a creation, or `None` (with a notice) when the object
/// exists and `IF NOT EXISTS` was given.
pub(crate) fn created(
    ctx: &mut ExecuteContext,
    result: Result<Vec<OpResult>, CatalogError>,
    if_not_exists: bool,
    kind: &str,
    name: &str,
) -> Result<Option<Vec<OpResult>>, AdapterError> {
    match result {
        Ok(results) => Ok(Some(results)),
        Err(e) if if_not_exists && e.is_already_exists() => {
            ctx.notice(format!("{kind} \"{name}\" already exists, skipping"));
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
