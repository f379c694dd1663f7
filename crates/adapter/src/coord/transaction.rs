//! Sequencing `BEGIN`, `COMMIT`, `ROLLBACK`, and what a transaction allows.

use freshet_sql::Plan;

use super::{Coordinator, ExecuteContext};
use crate::AdapterError;
use crate::client::{ConnectionId, ExecuteResponse, TransactionStatus};

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
                Plan::DropDatabase { .. } => Err(AdapterError::InTransactionBlock("DROP DATABASE")),
                Plan::DropSchema { .. } => Err(AdapterError::InTransactionBlock("DROP SCHEMA")),
                Plan::DropItems { .. } => Err(AdapterError::InTransactionBlock("DROP")),
                Plan::Insert(_) => Err(AdapterError::Unsupported("INSERT inside a transaction block")),
                Plan::Update(_) => Err(AdapterError::Unsupported("UPDATE inside a transaction block")),
                Plan::Delete(_) => Err(AdapterError::Unsupported("DELETE inside a transaction block")),
                _ => Ok(()),
            },
            (TransactionStatus::Idle, _) => Ok(()),
        }
    }

    /// Starts or ends the session's explicit transaction.
    pub(crate) fn sequence_transaction(
        &mut self,
        ctx: &mut ExecuteContext,
        plan: Plan,
    ) -> Result<ExecuteResponse, AdapterError> {
        let session = self
            .sessions
            .get_mut(&ctx.conn_id)
            .ok_or_else(|| AdapterError::Internal("session not found".into()))?;
        let status = session.transaction;
        match plan {
            Plan::StartTransaction => {
                if status != TransactionStatus::Idle {
                    ctx.notice("there is already a transaction in progress");
                }
                session.transaction = TransactionStatus::InTransaction;
                Ok(ExecuteResponse::TransactionStarted)
            }
            Plan::Commit | Plan::Rollback => {
                if status == TransactionStatus::Idle {
                    ctx.notice("there is no transaction in progress");
                }
                session.transaction = TransactionStatus::Idle;
                let tag = if matches!(plan, Plan::Commit) && status != TransactionStatus::Failed {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                };
                Ok(ExecuteResponse::TransactionEnded { tag: tag.into() })
            }
            other => Err(AdapterError::Internal(format!("not a transaction plan: {other:?}"))),
        }
    }
}
