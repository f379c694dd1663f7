//! `CREATE MATERIALIZED VIEW`: a view whose query a dataflow keeps
//! computed into a durable collection of its own, which queries then read
//! like a table's.

use freshet_expr::RelExpr;
use sqlparser::ast;

use super::query;
use super::view::{check_query_stands_alone, qualify_relations, replaced_item, view_desc};
use super::{Plan, SelectPlan, ViewPlan};
use crate::PlanError;
use crate::catalog::{CatalogReader, ItemKind};
use crate::names::{name_for_create, normalize_ident, qualified_name};
use crate::parse::CreateMaterializedView;

/// Plans `CREATE [OR REPLACE] MATERIALIZED VIEW`.
pub(crate) fn plan_create_materialized_view(
    catalog: &dyn CatalogReader,
    create: &CreateMaterializedView,
) -> Result<Plan, PlanError> {
    let (schema, name) = name_for_create(catalog, &create.name, "materialized view")?;
    let columns: Vec<String> = create.columns.iter().map(normalize_ident).collect();
    let desc = view_desc(catalog, &create.query, &columns)?;
    // Without IN CLUSTER, the session's cluster, written into the stored
    // definition so the view stays where it was created.
    let cluster = super::cluster::cluster_for(catalog, create.cluster.as_ref())?;
    // Store the statement with its name and every relation it reads fully
    // qualified, as a view's.
    let mut query = (*create.query).clone();
    let uses = qualify_relations(catalog, &mut query)?;
    let recording = super::session_dependence::Recording::new(catalog);
    let expr = maintained_relation(query::plan_query(&recording, None, &query)?);
    recording.check("a materialized view")?;
    expr.check_temporal()?;
    let replace = if create.or_replace {
        replaced_item(catalog, &schema, &name, ItemKind::MaterializedView, &uses)?
    } else {
        None
    };
    let stored = CreateMaterializedView {
        or_replace: false,
        name: qualified_name(&name),
        columns: create.columns.clone(),
        if_not_exists: false,
        cluster: Some(ast::Ident::with_quote('"', cluster.as_str())),
        query: Box::new(query),
    };
    check_query_stands_alone(catalog, &stored.query, &columns, &desc)?;
    Ok(Plan::CreateMaterializedView {
        schema: schema.id,
        name,
        view: ViewPlan {
            desc,
            create_sql: stored.to_string(),
            uses,
        },
        expr,
        cluster,
        if_not_exists: create.if_not_exists,
        replace,
    })
}

/// The relation a query keeps computing: its rows in their output columns.
/// Order does not exist in a maintained relation, so only a `LIMIT` or
/// `OFFSET` of the query's finishing stays, as a top-k.
pub(crate) fn maintained_relation(select: SelectPlan) -> RelExpr {
    let SelectPlan { expr, finishing, .. } = select;
    let expr = if finishing.limit.is_some() || finishing.offset > 0 {
        RelExpr::TopK {
            input: Box::new(expr),
            group_key: vec![],
            order_by: finishing.order_by.clone(),
            limit: finishing.limit,
            offset: finishing.offset,
        }
    } else {
        expr
    };
    expr.project(finishing.project)
}
