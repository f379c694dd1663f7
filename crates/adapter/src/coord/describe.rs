//! The extended query protocol's side of the coordinator: describing a
//! prepared statement (planned, not executed), executing it with values
//! bound to its parameters, and the transaction state reported at `Sync`.

use freshet_repr::{ColumnName, RelationDesc, Row, ScalarType};
use freshet_sql::{Params, Plan, Statement};
use tokio::sync::oneshot;

use super::Coordinator;
use crate::AdapterError;
use crate::catalog_reader::SessionCatalog;
use crate::client::{ConnectionId, ExecuteOutcome, StatementDesc, TransactionStatus};
use crate::session::SessionVars;

/// What executing a prepared statement adds to executing its text.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The values bound to its parameters.
    params: Params,
    /// The result it was described with, which execution must match.
    result: Option<RelationDesc>,
}

/// The columns `plan` returns when executed, `None` if it returns no rows.
/// Execution builds the same columns (see the tests).
pub(crate) fn result_desc(plan: &Plan, vars: &SessionVars) -> Result<Option<RelationDesc>, AdapterError> {
    let text = ScalarType::Text.nullable(false);
    Ok(match plan {
        Plan::Select(select) => Some(select.desc.clone()),
        Plan::Explain(_) | Plan::ExplainItem { .. } => {
            Some(RelationDesc::new([(ColumnName("Optimized Plan".into()), text)]))
        }
        Plan::ShowVariable { name } if name == "all" => Some(RelationDesc::new([
            (ColumnName("name".into()), text),
            (ColumnName("setting".into()), text),
            (ColumnName("description".into()), text),
        ])),
        Plan::ShowVariable { name } => {
            // An unknown variable fails here, as in PostgreSQL.
            vars.get(name)?;
            Some(RelationDesc::new([(ColumnName(name.clone()), text)]))
        }
        Plan::CreateDatabase { .. }
        | Plan::CreateSchema { .. }
        | Plan::CreateTable { .. }
        | Plan::CreateView { .. }
        | Plan::CreateMaterializedView { .. }
        | Plan::CreateIndex { .. }
        | Plan::DropDatabase { .. }
        | Plan::DropSchema { .. }
        | Plan::DropItems { .. }
        | Plan::RenameItem { .. }
        | Plan::CreateCluster { .. }
        | Plan::AlterCluster { .. }
        | Plan::DropClusters { .. }
        | Plan::CreateConnection { .. }
        | Plan::AlterConnection { .. }
        | Plan::ValidateConnection { .. }
        // Its rows go out as a COPY, which has no row description.
        | Plan::Subscribe(_)
        | Plan::Declare { .. }
        | Plan::Close { .. }
        // Described from the session's cursor (see `Coordinator::describe`).
        | Plan::Fetch { .. }
        | Plan::PurifySource(_)
        | Plan::CreateSource(_)
        | Plan::CreateSubsource(_)
        | Plan::PurifyAddSubsources(_)
        | Plan::AlterMissingSource { .. }
        | Plan::CreateSecret { .. }
        | Plan::AlterSecret { .. }
        | Plan::CreateRole { .. }
        | Plan::AlterRole { .. }
        | Plan::DropRoles { .. }
        | Plan::Insert(_)
        | Plan::Update(_)
        | Plan::Delete(_)
        | Plan::SetVariable { .. }
        | Plan::ResetVariable { .. }
        | Plan::StartTransaction
        | Plan::Commit
        | Plan::Rollback => None,
    })
}

/// Whether two results look the same to a client: the same column names
/// and types. (Nullability is not described on the wire, and differs
/// between a `NULL` placeholder at `Describe` and a bound value.)
fn same_columns(a: &RelationDesc, b: &RelationDesc) -> bool {
    a.arity() == b.arity()
        && a.iter()
            .zip(b.iter())
            .all(|((an, at), (bn, bt))| an == bn && at.scalar_type == bt.scalar_type)
}

/// Plans a statement to execute: a prepared one with its parameters'
/// values, checked to return what it was described to.
pub(crate) fn plan_statement(
    reader: &SessionCatalog<'_>,
    vars: &SessionVars,
    statement: &Statement,
    prepared: Option<&Prepared>,
) -> Result<Plan, AdapterError> {
    let Some(prepared) = prepared else {
        return Ok(freshet_sql::plan(reader, statement)?);
    };
    let plan = freshet_sql::plan_bound(reader, statement, &prepared.params)?;
    // A cursor's columns were described from the session; they do not change.
    if matches!(plan, Plan::Fetch { .. }) {
        return Ok(plan);
    }
    let unchanged = match (result_desc(&plan, vars)?, &prepared.result) {
        (Some(now), Some(described)) => same_columns(&now, described),
        (None, None) => true,
        (Some(_), None) | (None, Some(_)) => false,
    };
    if unchanged {
        Ok(plan)
    } else {
        Err(AdapterError::ResultTypeChanged)
    }
}

/// The one statement of a prepared statement's text, `None` if it has none.
fn single_statement(sql: &str) -> Result<Option<Statement>, AdapterError> {
    let mut statements = freshet_sql::parse(sql)?;
    match statements.len() {
        0 => Ok(None),
        1 => Ok(statements.pop()),
        _ => Err(AdapterError::MultipleStatements),
    }
}

impl Coordinator {
    /// Describes the one statement of `sql`: plans it, without executing it.
    pub(crate) fn describe(
        &self,
        conn_id: ConnectionId,
        sql: &str,
        given: &[Option<ScalarType>],
    ) -> Result<StatementDesc, AdapterError> {
        let session = self
            .sessions
            .get(&conn_id)
            .ok_or_else(|| AdapterError::Internal("session not found".into()))?;
        let Some(statement) = single_statement(sql)? else {
            let param_types = given.iter().map(|t| t.unwrap_or(ScalarType::Text)).collect();
            return Ok(StatementDesc {
                param_types,
                result: None,
            });
        };
        let reader = SessionCatalog::new(&self.catalog, &session.vars);
        let described = freshet_sql::describe(&reader, &statement, given)?;
        if session.transaction == TransactionStatus::Failed && !matches!(described.plan, Plan::Commit | Plan::Rollback)
        {
            return Err(AdapterError::TransactionAborted);
        }
        let result = match &described.plan {
            Plan::Fetch { name, .. } => session.cursors.get(name).map(|cursor| cursor.stream.desc().clone()),
            plan => result_desc(plan, &session.vars)?,
        };
        Ok(StatementDesc {
            result,
            param_types: described.param_types,
        })
    }

    /// Executes the one statement of `sql` with `values` bound to its
    /// parameters, as the simple query protocol executes a statement.
    pub(crate) fn execute_prepared(
        &mut self,
        conn_id: ConnectionId,
        sql: &str,
        types: Vec<ScalarType>,
        values: Row,
        result: Option<RelationDesc>,
        tx: oneshot::Sender<ExecuteOutcome>,
    ) {
        let statements = single_statement(sql).map(|statement| statement.into_iter().collect());
        let prepared = Box::new(Prepared {
            params: Params { types, values },
            result,
        });
        self.start_execution(conn_id, statements, Some(prepared), tx);
    }

    /// The session's transaction state, after failing its transaction
    /// block first if `fail`.
    pub(crate) fn transaction_status(&mut self, conn_id: ConnectionId, fail: bool) -> TransactionStatus {
        if fail {
            self.fail_transaction(conn_id);
        }
        self.sessions
            .get(&conn_id)
            .map_or(TransactionStatus::Idle, |s| s.transaction)
    }
}

#[cfg(test)]
mod tests {
    use freshet_expr::{RelExpr, RowSetFinishing};
    use freshet_sql::SelectPlan;

    use super::*;
    use crate::client::ExecuteResponse;
    use crate::coord::peek;

    /// The columns of a response with rows.
    fn columns(response: ExecuteResponse) -> RelationDesc {
        match response {
            ExecuteResponse::Rows { desc, .. } => desc,
            other => panic!("no rows: {other:?}"),
        }
    }

    #[test]
    fn explain_is_described_as_executed() {
        let select = SelectPlan {
            expr: RelExpr::Constant {
                rows: Ok(vec![]),
                typ: vec![],
            },
            finishing: RowSetFinishing::project_only(vec![]),
            desc: RelationDesc::empty(),
            as_of: None,
        };
        let described = result_desc(&Plan::Explain(select.clone()), &SessionVars::default()).expect("describes");
        // Every EXPLAIN answers through `explain_text`, index reads included.
        assert_eq!(described, Some(columns(peek::explain_text("Constant"))));
    }

    #[test]
    fn same_columns_ignores_nullability_only() {
        let a = RelationDesc::empty().with_column("x", ScalarType::Int32.nullable(true));
        let b = RelationDesc::empty().with_column("x", ScalarType::Int32.nullable(false));
        let c = RelationDesc::empty().with_column("x", ScalarType::Int64.nullable(true));
        let d = RelationDesc::empty().with_column("y", ScalarType::Int32.nullable(true));
        assert!(same_columns(&a, &b));
        assert!(!same_columns(&a, &c));
        assert!(!same_columns(&a, &d));
        assert!(!same_columns(&a, &RelationDesc::empty()));
    }
}
