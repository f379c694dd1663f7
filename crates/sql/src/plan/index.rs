//! Planning `CREATE INDEX`: the relation an index arranges and its key.
//!
//! An index lives in the schema of the table or view it indexes. Its
//! relation is planned exactly as a query reading the object plans it, so
//! that the adapter can recognize queries the index answers.

use freshet_expr::ScalarExpr;
use freshet_repr::RelationDesc;
use sqlparser::ast;

use super::expr::{ExprContext, plan_expr, scalar_only};
use super::from::plan_item;
use super::lowering::lower;
use super::query::QueryContext;
use super::{IndexPlan, Plan};
use crate::PlanError;
use crate::catalog::{CatalogReader, FullItemName};
use crate::names::{normalize_ident, qualified_name, schema_of};
use crate::parse::CreateIndex;

/// An identifier, always quoted (as stored definitions write names).
fn quoted(name: &str) -> String {
    ast::Ident::with_quote('"', name).to_string()
}

/// `CREATE [DEFAULT] INDEX [IF NOT EXISTS] [name] [IN CLUSTER c] ON obj [(key, …)]`.
pub(crate) fn plan_create_index(catalog: &dyn CatalogReader, create: &CreateIndex) -> Result<Plan, PlanError> {
    let cluster = super::cluster::cluster_for(catalog, create.cluster.as_ref())?;
    let (item, rel, scope) = plan_item(catalog, &create.on, None)?;
    if item.name.database.is_none() {
        return Err(PlanError::SystemSchema(item.name.schema));
    }
    if item.kind == crate::catalog::ItemKind::View {
        let recording = super::session_dependence::Recording::new(catalog);
        super::view::plan_view(&recording, &item)?;
        recording.check("an index")?;
    }
    let schema = schema_of(catalog, &item.name)?;
    let (key, key_sql, name_parts) = match &create.key {
        None => {
            let columns: Vec<String> = item.desc.names().map(|n| n.as_str().to_owned()).collect();
            let key = (0..columns.len()).map(ScalarExpr::Column).collect();
            let sql: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
            (key, sql, vec!["primary".to_owned()])
        }
        Some(exprs) => {
            let qcx = QueryContext::new(catalog);
            let ecx = ExprContext::new(&qcx, &scope, "CREATE INDEX");
            let mut key = Vec::with_capacity(exprs.len());
            let mut names = Vec::with_capacity(exprs.len());
            for expr in exprs {
                let (planned, _) = plan_expr(&ecx, expr)?.into_default();
                key.push(scalar_only(planned, "index keys")?);
                names.push(match expr {
                    ast::Expr::Identifier(ident) => normalize_ident(ident),
                    _ => "expr".to_owned(),
                });
            }
            let sql = exprs.iter().map(ToString::to_string).collect();
            (key, sql, names)
        }
    };
    if key.is_empty() {
        return Err(PlanError::InvalidParameter(
            "an index needs at least one key column".into(),
        ));
    }
    let index_name = match &create.name {
        Some(name) => normalize_ident(name),
        None => format!("{}_{}_idx", item.name.item, name_parts.join("_")),
    };
    let name = FullItemName {
        database: item.name.database.clone(),
        schema: item.name.schema.clone(),
        item: index_name,
    };
    let create_sql = format!(
        "CREATE INDEX {} IN CLUSTER {} ON {} ({})",
        quoted(&name.item),
        quoted(&cluster),
        qualified_name(&item.name),
        key_sql.join(", ")
    );
    Ok(Plan::CreateIndex {
        schema: schema.id,
        name,
        index: IndexPlan {
            on: item.id,
            relation: lower(&rel),
            key,
            desc: RelationDesc::clone(&item.desc),
            create_sql,
            cluster,
        },
        if_not_exists: create.if_not_exists,
    })
}
