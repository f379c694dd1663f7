//! `SHOW DATABASES`, `SHOW SCHEMAS`, `SHOW TABLES`, `SHOW VIEWS`: answered from the
//! catalog as constant relations.

use freshet_expr::{ColumnOrder, RelExpr, RowSetFinishing};
use freshet_repr::{ColumnName, Datum, RelationDesc, Row, ScalarType};

use super::{Plan, SelectPlan};
use crate::PlanError;
use crate::catalog::{CatalogReader, ItemKind};
use crate::names::{name_parts, resolve_schema};
use crate::parse::ShowObjects;

/// Plans a `SHOW` of a kind of object as a sorted two-column relation
/// (`name`, `comment`), as Materialize prints it.
pub(crate) fn plan_show_objects(catalog: &dyn CatalogReader, show: &ShowObjects) -> Result<Plan, PlanError> {
    let names: Vec<String> = match show {
        ShowObjects::Databases => catalog.database_names(),
        ShowObjects::Schemas { from } => {
            let database = match from {
                Some(name) => name_parts(name)?.join("."),
                None => catalog.active_database().to_owned(),
            };
            let id = catalog
                .resolve_database(&database)
                .ok_or(PlanError::UnknownDatabase(database))?;
            catalog
                .schemas(None)
                .into_iter()
                .chain(catalog.schemas(Some(id)))
                .map(|s| s.name)
                .collect()
        }
        ShowObjects::Tables { from } | ShowObjects::Views { from } => {
            let kind = match show {
                ShowObjects::Views { .. } => ItemKind::View,
                _ => ItemKind::Table,
            };
            let schema = match from {
                Some(name) => resolve_schema(catalog, &name_parts(name)?)?,
                None => catalog
                    .search_path()
                    .iter()
                    .find_map(|s| resolve_schema(catalog, std::slice::from_ref(s)).ok())
                    .ok_or(PlanError::NoSchemaSelected)?,
            };
            catalog
                .items(schema.id)
                .into_iter()
                .filter(|item| item.kind == kind)
                .map(|item| item.name.item)
                .collect()
        }
    };
    let text = ScalarType::Text;
    let rows = names
        .iter()
        .map(|name| (Row::pack([Datum::String(name), Datum::Null]), 1))
        .collect();
    let desc = RelationDesc::new([
        (ColumnName("name".into()), text.nullable(false)),
        (ColumnName("comment".into()), text.nullable(true)),
    ]);
    Ok(Plan::Select(SelectPlan {
        expr: RelExpr::Constant {
            rows: Ok(rows),
            typ: desc.types().copied().collect(),
        },
        finishing: RowSetFinishing {
            order_by: vec![ColumnOrder {
                column: 0,
                desc: false,
                nulls_last: true,
            }],
            ..RowSetFinishing::project_only(vec![0, 1])
        },
        desc,
        as_of: None,
    }))
}
