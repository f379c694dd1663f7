//! `CREATE SECRET` and `ALTER SECRET`: values that connections name, kept
//! apart from every definition that is shown.

use sqlparser::ast::{self, Expr, Value};

use super::Plan;
use crate::PlanError;
use crate::catalog::{CatalogReader, ItemKind};
use crate::names::{name_for_create, qualified_name, resolve_item_of_kind};

/// `CREATE SECRET [IF NOT EXISTS] name AS 'value'`.
pub(crate) fn plan_create_secret(
    catalog: &dyn CatalogReader,
    name: &ast::ObjectName,
    if_not_exists: bool,
    value: &Expr,
) -> Result<Plan, PlanError> {
    let (schema, name) = name_for_create(catalog, name, "secret")?;
    let create_sql = format!("CREATE SECRET {} AS '********'", qualified_name(&name));
    Ok(Plan::CreateSecret {
        schema: schema.id,
        name,
        create_sql,
        value: secret_value(value)?,
        if_not_exists,
    })
}

/// `ALTER SECRET [IF EXISTS] name AS 'value'`.
pub(crate) fn plan_alter_secret(
    catalog: &dyn CatalogReader,
    name: &ast::ObjectName,
    if_exists: bool,
    value: &Expr,
) -> Result<Plan, PlanError> {
    let value = secret_value(value)?;
    match resolve_item_of_kind(catalog, name, ItemKind::Secret) {
        Ok(item) => Ok(Plan::AlterSecret {
            id: Some(item.id),
            name: item.name.to_string(),
            value,
        }),
        Err(PlanError::UnknownItem { name, .. }) if if_exists => Ok(Plan::AlterSecret { id: None, name, value }),
        Err(e) => Err(e),
    }
}

/// A secret's value: a string literal.
fn secret_value(value: &Expr) -> Result<String, PlanError> {
    match value {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(text)
            | Value::EscapedStringLiteral(text)
            | Value::DollarQuotedString(ast::DollarQuotedString { value: text, .. }) => Ok(text.clone()),
            _ => Err(PlanError::InvalidParameter(
                "a secret's value must be a string literal".into(),
            )),
        },
        _ => Err(PlanError::InvalidParameter(
            "a secret's value must be a string literal".into(),
        )),
    }
}
