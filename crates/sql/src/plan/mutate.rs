//! Planning `UPDATE` and `DELETE`: the rows to change, and their new values.

use freshet_expr::ScalarExpr;
use sqlparser::ast::{self, AssignmentTarget, FromTable};

use super::ddl::table_definition;
use super::expr::{ExprContext, plan_bool, plan_expr, scalar_only};
use super::from::plan_table;
use super::insert::{coerce_to_column, column_position};
use super::lowering::lower;
use super::params::ParamState;
use super::query::QueryContext;
use super::{MutationPlan, Plan};
use crate::PlanError;
use crate::catalog::CatalogReader;
use std::rc::Rc;

/// Plans the table and `WHERE` clause shared by `UPDATE` and `DELETE`,
/// and the assignments of `UPDATE` (`update`), which alone checks the
/// table's unique keys.
fn plan_target(
    catalog: &dyn CatalogReader,
    params: Option<&Rc<ParamState>>,
    table: &ast::TableWithJoins,
    selection: Option<&ast::Expr>,
    assignments: &[ast::Assignment],
    update: bool,
) -> Result<MutationPlan, PlanError> {
    let (item, get, scope) = plan_table(catalog, table)?;
    if item.name.database.is_none() {
        return Err(PlanError::SystemSchema(item.name.schema));
    }
    let unique_keys = if update {
        table_definition(catalog, &item)?.unique_keys
    } else {
        Vec::new()
    };
    let qcx = QueryContext::with_params(catalog, params);
    let ecx = ExprContext::new(&qcx, &scope, "WHERE");
    let predicates = selection
        .map(|s| plan_bool(&ecx, s, "WHERE"))
        .transpose()?
        .into_iter()
        .collect();
    let selection = lower(&get.filter(predicates));
    let ecx = ExprContext::new(&qcx, &scope, "UPDATE");
    let mut row: Vec<ScalarExpr> = (0..item.desc.arity()).map(ScalarExpr::Column).collect();
    let mut assigned = vec![false; row.len()];
    for assignment in assignments {
        let AssignmentTarget::ColumnName(column) = &assignment.target else {
            return Err(PlanError::Unsupported("assigning to a tuple of columns".into()));
        };
        let (position, column) = column_position(&item, column)?;
        if std::mem::replace(&mut assigned[position], true) {
            return Err(PlanError::Parse {
                message: format!("multiple assignments to same column \"{column}\""),
                detail: None,
                position: None,
            });
        }
        let value = coerce_to_column(plan_expr(&ecx, &assignment.value)?, &item.desc, position)?;
        row[position] = scalar_only(value, "UPDATE … SET")?;
    }
    Ok(MutationPlan {
        id: item.id,
        table: item.name.item,
        selection,
        row,
        desc: item.desc,
        unique_keys,
    })
}

/// `UPDATE t SET c = e, … [WHERE p]`.
pub(crate) fn plan_update(
    catalog: &dyn CatalogReader,
    params: Option<&Rc<ParamState>>,
    update: &ast::Update,
) -> Result<Plan, PlanError> {
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
    let plan = plan_target(
        catalog,
        params,
        &update.table,
        update.selection.as_ref(),
        &update.assignments,
        true,
    )?;
    Ok(Plan::Update(plan))
}

/// `DELETE FROM t [WHERE p]`.
pub(crate) fn plan_delete(
    catalog: &dyn CatalogReader,
    params: Option<&Rc<ParamState>>,
    delete: &ast::Delete,
) -> Result<Plan, PlanError> {
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
    let plan = plan_target(catalog, params, table, delete.selection.as_ref(), &[], false)?;
    Ok(Plan::Delete(plan))
}
