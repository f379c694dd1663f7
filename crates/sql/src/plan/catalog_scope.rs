//! PostgreSQL's catalogs describe one database: a `pg_catalog` or
//! `information_schema` relation read by a session shows the builtin
//! schemas and those of the session's database, not every database's.
//! The system relations hold rows for all databases; reading one of
//! these filters it to the session's.

use freshet_expr::{BinaryFunc, UnaryFunc, VariadicFunc};
use freshet_repr::{Datum, ScalarType};

use super::hir::{HirRel, HirScalar};
use crate::catalog::{CatalogItem, CatalogReader};

/// How a system relation's rows tell their database.
enum Scoping {
    /// By a schema OID column: kept if the schema is builtin or the
    /// session database's.
    SchemaOid(&'static str),
    /// By a database name column: kept if it is the session's database, or
    /// `NULL` (a builtin schema's).
    DatabaseName(&'static str),
}

/// The relations that describe one database, and how.
const SCOPED: &[(&str, &str, Scoping)] = &[
    ("pg_catalog", "pg_namespace", Scoping::SchemaOid("oid")),
    ("pg_catalog", "pg_class", Scoping::SchemaOid("relnamespace")),
    ("information_schema", "schemata", Scoping::DatabaseName("catalog_name")),
    ("information_schema", "tables", Scoping::DatabaseName("table_catalog")),
    ("information_schema", "columns", Scoping::DatabaseName("table_catalog")),
    ("information_schema", "views", Scoping::DatabaseName("table_catalog")),
];

/// `rel`, reading `item`, kept to the session's database if `item` is a
/// catalog relation that describes one database.
pub(crate) fn scoped_to_database(catalog: &dyn CatalogReader, item: &CatalogItem, rel: HirRel) -> HirRel {
    if item.name.database.is_some() {
        return rel;
    }
    let Some((_, _, scoping)) = SCOPED
        .iter()
        .find(|(schema, name, _)| *schema == item.name.schema && *name == item.name.item)
    else {
        return rel;
    };
    let position = |column: &str| item.desc.names().position(|n| n.as_str() == column);
    let predicate = match scoping {
        Scoping::SchemaOid(column) => {
            let Some(column) = position(column) else { return rel };
            let database = catalog.resolve_database(catalog.active_database());
            let oids = catalog
                .schemas(None)
                .into_iter()
                .chain(database.map(|d| catalog.schemas(Some(d))).unwrap_or_default())
                .map(|schema| {
                    HirScalar::column(column).call_binary(
                        HirScalar::literal(Datum::UInt32(schema.oid), ScalarType::Oid),
                        BinaryFunc::Eq,
                    )
                })
                .collect();
            HirScalar::call_variadic(VariadicFunc::Or, oids)
        }
        Scoping::DatabaseName(column) => {
            let Some(column) = position(column) else { return rel };
            let current = HirScalar::literal(Datum::String(catalog.active_database()), ScalarType::Text);
            HirScalar::call_variadic(
                VariadicFunc::Or,
                vec![
                    HirScalar::column(column).call_unary(UnaryFunc::IsNull),
                    HirScalar::column(column).call_binary(current, BinaryFunc::Eq),
                ],
            )
        }
    };
    rel.filter(vec![predicate])
}
