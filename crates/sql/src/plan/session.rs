//! Planning `SET`, `RESET` and `SHOW` of session variables. Which variables
//! exist and what values they accept is the adapter's session's business.

use sqlparser::ast::{self, Expr, Reset, ResetStatement, Set, Value};

use super::{Plan, SetValue};
use crate::PlanError;
use crate::names::{name_parts, normalize_ident};

/// `SET [SESSION] name { = | TO } value, …` and `SET TIME ZONE value`.
pub(crate) fn plan_set(set: &Set) -> Result<Plan, PlanError> {
    match set {
        Set::SingleAssignment {
            scope,
            hivevar: false,
            variable,
            values,
        } => {
            if let Some(ast::ContextModifier::Local) = scope {
                return Err(PlanError::Unsupported("SET LOCAL".into()));
            }
            let name = name_parts(variable)?.join(".");
            Ok(Plan::SetVariable {
                name,
                value: set_value(values)?,
            })
        }
        Set::SetTimeZone { local: false, value } => Ok(Plan::SetVariable {
            name: "timezone".into(),
            value: set_value(std::slice::from_ref(value))?,
        }),
        other => Err(PlanError::Unsupported(format!("{other}"))),
    }
}

/// The values of a `SET`: literals and bare words as text; `DEFAULT` alone
/// restores the default.
fn set_value(values: &[Expr]) -> Result<SetValue, PlanError> {
    if let [Expr::Identifier(ident)] = values
        && ident.quote_style.is_none()
        && ident.value.eq_ignore_ascii_case("default")
    {
        return Ok(SetValue::Default);
    }
    values
        .iter()
        .map(|e| match e {
            Expr::Identifier(ident) => Ok(normalize_ident(ident)),
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Ok(s.clone()),
                Value::Number(n, _) => Ok(n.clone()),
                Value::Boolean(b) => Ok(if *b { "on".into() } else { "off".into() }),
                other => Err(PlanError::InvalidParameter(format!(
                    "invalid value for a parameter: {other}"
                ))),
            },
            Expr::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => match &**expr {
                Expr::Value(v) => match &v.value {
                    Value::Number(n, _) => Ok(format!("-{n}")),
                    other => Err(PlanError::InvalidParameter(format!(
                        "invalid value for a parameter: -{other}"
                    ))),
                },
                other => Err(PlanError::InvalidParameter(format!(
                    "invalid value for a parameter: -{other}"
                ))),
            },
            other => Err(PlanError::InvalidParameter(format!(
                "invalid value for a parameter: {other}"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(SetValue::Values)
}

/// `RESET name` and `RESET ALL`.
pub(crate) fn plan_reset(reset: &ResetStatement) -> Result<Plan, PlanError> {
    match &reset.reset {
        Reset::ALL => Ok(Plan::ResetVariable { name: "all".into() }),
        Reset::ConfigurationParameter(name) => Ok(Plan::ResetVariable {
            name: name_parts(name)?.join("."),
        }),
        Reset::SessionAuthorization => Err(PlanError::Unsupported("RESET SESSION AUTHORIZATION".into())),
    }
}

/// `SHOW name` and `SHOW ALL`.
pub(crate) fn plan_show_variable(variable: &[ast::Ident]) -> Result<Plan, PlanError> {
    let name = variable.iter().map(normalize_ident).collect::<Vec<_>>().join(" ");
    let name = match name.as_str() {
        "time zone" => "timezone".to_owned(),
        "transaction isolation level" => "transaction_isolation".to_owned(),
        _ => name,
    };
    Ok(Plan::ShowVariable { name })
}
