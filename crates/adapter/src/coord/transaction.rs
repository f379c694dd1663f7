//! Sequencing `BEGIN`, `COMMIT`, `ROLLBACK`, and what a transaction allows.

use freshet_sql::Plan;

use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::{ConnectionId, ExecuteResponse, TransactionStatus};
use crate::session::TransactionOps;

impl Coordinator {
    /// Refuses what the session's transaction does not allow: anything but
    /// `ROLLBACK`/`COMMIT` after a failure, and DDL inside a transaction block.
    pub(crate) fn check_transaction(&self, conn_id: ConnectionId, plan: &Plan) -> Result<(), AdapterError> {
        let status = self
            .sessions
            .get(&conn_id)
            .map_or(TransactionStatus::Idle, |s| s.transaction);
        match (status, plan) {
            (TransactionStatus::Failed, Plan::Commit | Plan::Rollback) => Ok(()),
            (TransactionStatus::Failed, _) => Err(AdapterError::TransactionAborted),
            (TransactionStatus::InTransaction, plan) => match plan {
                Plan::CreateDatabase { .. } => Err(AdapterError::InTransactionBlock("CREATE DATABASE")),
                Plan::CreateSchema { .. } => Err(AdapterError::InTransactionBlock("CREATE SCHEMA")),
                Plan::CreateTable { .. } => Err(AdapterError::InTransactionBlock("CREATE TABLE")),
                Plan::CreateView { .. } => Err(AdapterError::InTransactionBlock("CREATE VIEW")),
                Plan::CreateMaterializedView { .. } => {
                    Err(AdapterError::InTransactionBlock("CREATE MATERIALIZED VIEW"))
                }
                Plan::CreateSecret { .. } => Err(AdapterError::InTransactionBlock("CREATE SECRET")),
                Plan::CreateCluster { .. } => Err(AdapterError::InTransactionBlock("CREATE CLUSTER")),
                Plan::AlterCluster { .. } => Err(AdapterError::InTransactionBlock("ALTER CLUSTER")),
                Plan::DropClusters { .. } => Err(AdapterError::InTransactionBlock("DROP CLUSTER")),
                Plan::CreateConnection { .. } => Err(AdapterError::InTransactionBlock("CREATE CONNECTION")),
                Plan::PurifySource(_) => Err(AdapterError::InTransactionBlock("CREATE SOURCE")),
                Plan::PurifyAddSubsources(_) | Plan::AlterMissingSource { .. } => {
                    Err(AdapterError::InTransactionBlock("ALTER SOURCE"))
                }
                Plan::AlterConnection { .. } => Err(AdapterError::InTransactionBlock("ALTER CONNECTION")),
                Plan::ValidateConnection { .. } => Err(AdapterError::InTransactionBlock("VALIDATE CONNECTION")),
                Plan::AlterSecret { .. } => Err(AdapterError::InTransactionBlock("ALTER SECRET")),
                Plan::DropDatabase { .. } => Err(AdapterError::InTransactionBlock("DROP DATABASE")),
                Plan::DropSchema { .. } => Err(AdapterError::InTransactionBlock("DROP SCHEMA")),
                Plan::DropItems { .. } => Err(AdapterError::InTransactionBlock("DROP")),
                Plan::RenameItem { kind, .. } => Err(AdapterError::InTransactionBlock(super::ddl::alter_tag(*kind))),
                Plan::CreateRole { .. } => Err(AdapterError::InTransactionBlock("CREATE ROLE")),
                Plan::AlterRole { .. } => Err(AdapterError::InTransactionBlock("ALTER ROLE")),
                Plan::DropRoles { .. } => Err(AdapterError::InTransactionBlock("DROP ROLE")),
                Plan::Update(_) | Plan::Delete(_) => Err(AdapterError::TransactionMode(
                    "UPDATE and DELETE read before they write, and cannot run inside a transaction block",
                )),
                _ => Ok(()),
            },
            (TransactionStatus::Idle, _) => Ok(()),
        }
    }

    /// Starts or ends the session's explicit transaction; `COMMIT` of a
    /// transaction that wrote checks the unique keys of the tables it wrote
    /// and commits all its writes as one unit (or, on a violation, none).
    pub(crate) fn sequence_transaction(&mut self, mut ctx: ExecuteContext, plan: Plan) -> Sequenced {
        let Some(session) = self.sessions.get_mut(&ctx.conn_id) else {
            return Sequenced::Done(ctx, Err(AdapterError::Internal("session not found".into())));
        };
        let status = session.transaction;
        match plan {
            Plan::StartTransaction => {
                if status != TransactionStatus::Idle {
                    ctx.notice("there is already a transaction in progress");
                }
                session.transaction = TransactionStatus::InTransaction;
                Sequenced::Done(ctx, Ok(ExecuteResponse::TransactionStarted))
            }
            Plan::Commit | Plan::Rollback => {
                if status == TransactionStatus::Idle {
                    ctx.notice("there is no transaction in progress");
                }
                session.transaction = TransactionStatus::Idle;
                // Its cursors end with it, stopping their subscriptions.
                session.cursors.clear();
                let ops = std::mem::take(&mut session.ops);
                let committing = matches!(plan, Plan::Commit) && status == TransactionStatus::InTransaction;
                let tag = if committing { "COMMIT" } else { "ROLLBACK" };
                let writes = match ops {
                    TransactionOps::Writes(writes) if committing => writes,
                    _ => return Sequenced::Done(ctx, Ok(ExecuteResponse::TransactionEnded { tag: tag.into() })),
                };
                let writer = self.writer(ctx.conn_id);
                self.spawn_statement(ctx, |mut signal| async move {
                    let _write = writer.lock(&mut signal).await?;
                    writer.check_and_commit(&mut signal, writes).await?;
                    Ok(ExecuteResponse::TransactionEnded { tag: "COMMIT".into() })
                });
                Sequenced::Pending
            }
            other => Sequenced::Done(
                ctx,
                Err(AdapterError::Internal(format!("not a transaction plan: {other:?}"))),
            ),
        }
    }
}
