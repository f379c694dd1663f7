//! Sequencing `SET`, `RESET` and `SHOW` of session variables.

use freshet_repr::{ColumnName, Datum, RelationDesc, Row, ScalarType};
use freshet_sql::{Plan, SetValue};

use super::Coordinator;
use crate::AdapterError;
use crate::client::{ConnectionId, ExecuteResponse};

impl Coordinator {
    /// Reads or changes the session's variables.
    pub(crate) fn sequence_session_vars(
        &mut self,
        conn_id: ConnectionId,
        plan: Plan,
    ) -> Result<ExecuteResponse, AdapterError> {
        let session = self
            .sessions
            .get_mut(&conn_id)
            .ok_or_else(|| AdapterError::Internal("session not found".into()))?;
        match plan {
            Plan::SetVariable { name, value } => {
                let values = match &value {
                    SetValue::Default => None,
                    SetValue::Values(values) => Some(values.as_slice()),
                };
                session.vars.set(&name, values)?;
                Ok(ExecuteResponse::Command { tag: "SET".into() })
            }
            Plan::ResetVariable { name } if name == "all" => {
                session.vars.reset_all();
                Ok(ExecuteResponse::Command { tag: "RESET".into() })
            }
            Plan::ResetVariable { name } => {
                session.vars.set(&name, None)?;
                Ok(ExecuteResponse::Command { tag: "RESET".into() })
            }
            Plan::ShowVariable { name } if name == "all" => {
                let text = ScalarType::Text.nullable(false);
                let desc = RelationDesc::new([
                    (ColumnName("name".into()), text),
                    (ColumnName("setting".into()), text),
                    (ColumnName("description".into()), text),
                ]);
                let rows = session
                    .vars
                    .all()
                    .into_iter()
                    .map(|(name, value, description)| {
                        Row::pack([Datum::String(name), Datum::String(&value), Datum::String(description)])
                    })
                    .collect();
                Ok(ExecuteResponse::Rows { desc, rows })
            }
            Plan::ShowVariable { name } => {
                let value = session.vars.get(&name)?;
                let desc = RelationDesc::new([(ColumnName(name), ScalarType::Text.nullable(false))]);
                Ok(ExecuteResponse::Rows {
                    desc,
                    rows: vec![Row::pack([Datum::String(&value)])],
                })
            }
            other => Err(AdapterError::Internal(format!(
                "not a session variable plan: {other:?}"
            ))),
        }
    }
}
