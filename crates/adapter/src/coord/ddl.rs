//! Sequencing `CREATE` and `DROP`: one catalog transaction each.

use freshet_catalog::{CatalogError, ItemKind, Op};
use freshet_sql::Plan;

use super::{Coordinator, ExecuteContext};
use crate::AdapterError;
use crate::client::ExecuteResponse;

fn command(tag: &str) -> Result<ExecuteResponse, AdapterError> {
    Ok(ExecuteResponse::Command { tag: tag.to_owned() })
}

impl Coordinator {
    /// Applies a DDL plan to the catalog.
    pub(crate) fn sequence_ddl(
        &mut self,
        ctx: &mut ExecuteContext,
        plan: Plan,
    ) -> Result<ExecuteResponse, AdapterError> {
        match plan {
            Plan::CreateDatabase { name, if_not_exists } => {
                let result = self.catalog.transact(vec![Op::CreateDatabase { name: name.clone() }]);
                self.created(ctx, result, if_not_exists, "database", &name)?;
                command("CREATE DATABASE")
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
                self.created(ctx, result, if_not_exists, "schema", &name)?;
                command("CREATE SCHEMA")
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
                };
                let result = self.catalog.transact(vec![op]);
                self.created(ctx, result, if_not_exists, "relation", &name.item)?;
                command("CREATE TABLE")
            }
            Plan::DropDatabase { id, name, restrict } => {
                match id {
                    Some(id) => {
                        self.catalog.transact(vec![Op::DropDatabase { id, restrict }])?;
                    }
                    None => ctx.notice(format!("database \"{name}\" does not exist, skipping")),
                }
                command("DROP DATABASE")
            }
            Plan::DropSchema { id, name, cascade } => {
                match id {
                    Some(id) => {
                        self.catalog.transact(vec![Op::DropSchema { id, cascade }])?;
                    }
                    None => ctx.notice(format!("schema \"{name}\" does not exist, skipping")),
                }
                command("DROP SCHEMA")
            }
            Plan::DropItems {
                kind,
                ids,
                missing,
                cascade: _,
            } => {
                for name in missing {
                    ctx.notice(format!("{} \"{name}\" does not exist, skipping", kind.name()));
                }
                if !ids.is_empty() {
                    self.catalog.transact(vec![Op::DropItems(ids)])?;
                }
                command(&format!("DROP {}", kind.name().to_uppercase()))
            }
            other => Err(AdapterError::Internal(format!("not a DDL plan: {other:?}"))),
        }
    }

    /// Turns "already exists" into a notice when `IF NOT EXISTS` was given.
    fn created<T>(
        &self,
        ctx: &mut ExecuteContext,
        result: Result<T, CatalogError>,
        if_not_exists: bool,
        kind: &str,
        name: &str,
    ) -> Result<(), AdapterError> {
        match result {
            Ok(_) => Ok(()),
            Err(e) if if_not_exists && e.is_already_exists() => {
                ctx.notice(format!("{kind} \"{name}\" already exists, skipping"));
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}
