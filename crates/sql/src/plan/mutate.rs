//! Planning `UPDATE` and `DELETE`: the rows to change, and their new values.

use freshet_expr::ScalarExpr;
use sqlparser::ast::{self, AssignmentTarget, FromTable};

use super::expr::{ExprContext, coerce, plan_bool, plan_expr};
use super::query::plan_from;
use super::typeconv::CastContext;
use super::{MutationPlan, Plan};
use crate::PlanError;
use crate::catalog::CatalogReader;
use crate::names::name_parts;

/// Plans the table and `WHERE` clause shared by `UPDATE` and `DELETE`.
fn plan_target(
    catalog: &dyn CatalogReader,
    table: &ast::TableWithJoins,
    selection: Option<&ast::Expr>,
    assignments: &[ast::Assignment],
) -> Result<MutationPlan, PlanError> {
    let (get, scope) = plan_from(catalog, std::slice::from_ref(table))?;
    let freshet_expr::RelExpr::Get { id, .. } = &get else {
        return Err(PlanError::Unsupported("changing something other than a table".into()));
    };
    let id = *id;
    let ast::TableFactor::Table { name, .. } = &table.relation else {
        return Err(PlanError::Unsupported("changing something other than a table".into()));
    };
    let item = crate::names::resolve_item(catalog, name)?;
    if item.name.database.is_none() {
        return Err(PlanError::SystemSchema(item.name.schema));
    }
    let ecx = ExprContext { scope: &scope };
    let predicates = selection
        .map(|s| plan_bool(&ecx, s, "WHERE"))
        .transpose()?
        .into_iter()
        .collect();
    let selection = get.filter(predicates);
    let mut row: Vec<ScalarExpr> = (0..item.desc.arity()).map(ScalarExpr::Column).collect();
    let mut assigned = vec![false; row.len()];
    for assignment in assignments {
        let AssignmentTarget::ColumnName(column) = &assignment.target else {
            return Err(PlanError::Unsupported("assigning to a tuple of columns".into()));
        };
        let column = name_parts(column)?.join(".");
        let position = item
            .desc
            .names()
            .position(|n| n.as_str() == column)
            .ok_or_else(|| PlanError::UnknownColumn(format!("{column}\" of relation \"{}", item.name.item)))?;
        if std::mem::replace(&mut assigned[position], true) {
            return Err(PlanError::Parse {
                message: format!("multiple assignments to same column \"{column}\""),
                detail: None,
                position: None,
            });
        }
        let typ = item.desc.column_type(position).scalar_type;
        row[position] =
            coerce(plan_expr(&ecx, &assignment.value)?, &typ, CastContext::Assignment).map_err(|e| match e {
                PlanError::InvalidCast { from, .. } => PlanError::DatatypeMismatch(format!(
                    "column \"{column}\" is of type {} but expression is of type {from}",
                    typ.name()
                )),
                other => other,
            })?;
    }
    Ok(MutationPlan {
        id,
        table: item.name.item,
        selection,
        row,
        desc: item.desc,
    })
}

/// `UPDATE t SET c = e, … [WHERE p]`.
pub(crate) fn plan_update(catalog: &dyn CatalogReader, update: &ast::Update) -> Result<Plan, PlanError> {
    if update.from.is_some()
        || update.returning.is_some()
        || update.or.is_some()
        || !update.order_by.is_empty()
        || update.limit.is_some()
    {
        return Err(PlanError::Unsupported(
            "UPDATE with FROM, RETURNING, ORDER BY or LIMIT".into(),
        ));
    }
    let plan = plan_target(catalog, &update.table, update.selection.as_ref(), &update.assignments)?;
    Ok(Plan::Update(plan))
}

/// `DELETE FROM t [WHERE p]`.
pub(crate) fn plan_delete(catalog: &dyn CatalogReader, delete: &ast::Delete) -> Result<Plan, PlanError> {
    if !delete.tables.is_empty()
        || delete.using.is_some()
        || delete.returning.is_some()
        || !delete.order_by.is_empty()
        || delete.limit.is_some()
    {
        return Err(PlanError::Unsupported(
            "DELETE with USING, RETURNING, ORDER BY or LIMIT".into(),
        ));
    }
    let (FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables)) = &delete.from;
    let [table] = tables.as_slice() else {
        return Err(PlanError::Unsupported("deleting from several tables".into()));
    };
    let plan = plan_target(catalog, table, delete.selection.as_ref(), &[])?;
    Ok(Plan::Delete(plan))
}
