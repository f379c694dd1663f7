//! The rows of the `information_schema` relations, derived from the catalog.

use freshet_catalog::information_schema::{COLUMNS, SCHEMATA, TABLES, VIEWS};
use freshet_catalog::{Catalog, ItemKind};
use freshet_repr::{Datum, ScalarType};

use super::Rows;
use super::pg_catalog::OWNER_NAME;

/// `information_schema.tables.table_type` of an item, as Materialize
/// names it, or `None` for what is not a relation.
fn table_type(kind: ItemKind) -> Option<&'static str> {
    match kind {
        ItemKind::Table => Some("BASE TABLE"),
        ItemKind::View => Some("VIEW"),
        ItemKind::MaterializedView => Some("MATERIALIZED VIEW"),
        ItemKind::Source | ItemKind::Subsource | ItemKind::ProgressSubsource => Some("SOURCE"),
        ItemKind::Index | ItemKind::Secret | ItemKind::Connection => None,
    }
}

/// `columns.data_type`: the SQL standard's name (`ARRAY` for arrays).
fn data_type(typ: &ScalarType) -> &'static str {
    match typ {
        ScalarType::Array(_) => "ARRAY",
        other => other.name(),
    }
}

/// `numeric_precision`, `numeric_precision_radix`, `numeric_scale`.
fn numeric_facts(typ: &ScalarType) -> [Option<i32>; 3] {
    match typ {
        ScalarType::Int16 => [Some(16), Some(2), Some(0)],
        ScalarType::Int32 => [Some(32), Some(2), Some(0)],
        ScalarType::Int64 => [Some(64), Some(2), Some(0)],
        ScalarType::Float32 => [Some(24), Some(2), None],
        ScalarType::Float64 => [Some(53), Some(2), None],
        ScalarType::Numeric { precision, scale } => [
            precision.map(i32::from),
            Some(10),
            precision.map(|_| i32::from(scale.unwrap_or(0))),
        ],
        _ => [None, None, None],
    }
}

/// `character_maximum_length` and `character_octet_length`.
fn character_lengths(typ: &ScalarType) -> [Option<i32>; 2] {
    let length = match typ {
        ScalarType::VarChar { max_length } => *max_length,
        ScalarType::Char { length } => Some(*length),
        ScalarType::Text => None,
        _ => return [None, None],
    };
    match length.and_then(|n| i32::try_from(n).ok()) {
        Some(n) => [Some(n), Some(n.saturating_mul(4))],
        None => [None, Some(1_073_741_824)],
    }
}

/// Adds the rows of every `information_schema` relation.
pub(super) fn add_rows(catalog: &Catalog, rows: &mut Rows) {
    let int = |v: Option<i32>| v.map_or(Datum::Null, Datum::Int32);
    for database in std::iter::once(None).chain(catalog.databases().map(|d| Some(d.id))) {
        let catalog_name = database.and_then(|d| catalog.database(d)).map(|d| d.name.clone());
        let catalog_datum = catalog_name.as_deref().map_or(Datum::Null, Datum::String);
        for schema in catalog.schemas(database) {
            rows.add(
                &SCHEMATA,
                &[
                    catalog_datum,
                    Datum::String(&schema.name),
                    Datum::String(OWNER_NAME),
                    Datum::Null,
                    Datum::Null,
                    Datum::Null,
                    Datum::Null,
                ],
            );
        }
    }
    for item in catalog.items() {
        let Some(table_type) = table_type(item.kind) else {
            continue;
        };
        let Some(schema) = catalog.schema(item.schema) else {
            continue;
        };
        let catalog_name = schema
            .database
            .and_then(|d| catalog.database(d))
            .map(|d| d.name.clone());
        let catalog_datum = catalog_name.as_deref().map_or(Datum::Null, Datum::String);
        let writable = if item.kind == ItemKind::Table && schema.database.is_some() {
            "YES"
        } else {
            "NO"
        };
        rows.add(
            &TABLES,
            &[
                catalog_datum,
                Datum::String(&schema.name),
                Datum::String(&item.name),
                Datum::String(table_type),
                Datum::Null,
                Datum::Null,
                Datum::Null,
                Datum::Null,
                Datum::Null,
                Datum::String(writable),
                Datum::String("NO"),
                Datum::Null,
            ],
        );
        if matches!(item.kind, ItemKind::View | ItemKind::MaterializedView) {
            let definition = freshet_sql::view_definition(&item.create_sql).unwrap_or_default();
            rows.add(
                &VIEWS,
                &[
                    catalog_datum,
                    Datum::String(&schema.name),
                    Datum::String(&item.name),
                    Datum::String(&definition),
                    Datum::String("NONE"),
                    Datum::String("NO"),
                    Datum::String("NO"),
                    Datum::String("NO"),
                    Datum::String("NO"),
                    Datum::String("NO"),
                ],
            );
        }
        let defaults = if item.kind == ItemKind::Table {
            super::pg_catalog::column_defaults(item)
        } else {
            Vec::new()
        };
        for (i, (name, typ)) in item.desc.iter().flat_map(|d| d.iter()).enumerate() {
            let scalar = &typ.scalar_type;
            let [max_length, octet_length] = character_lengths(scalar);
            let [precision, radix, scale] = numeric_facts(scalar);
            let datetime_precision = match scalar {
                ScalarType::Date => Some(0),
                ScalarType::Time | ScalarType::Timestamp | ScalarType::TimestampTz | ScalarType::Interval => Some(6),
                _ => None,
            };
            let default = defaults.get(i).and_then(Option::as_ref);
            let udt_schema = match scalar {
                ScalarType::UInt16 | ScalarType::UInt32 | ScalarType::UInt64 => "mz_catalog",
                _ => "pg_catalog",
            };
            rows.add(
                &COLUMNS,
                &[
                    catalog_datum,
                    Datum::String(&schema.name),
                    Datum::String(&item.name),
                    Datum::String(name.as_str()),
                    Datum::Int32(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                    default.map_or(Datum::Null, |d| Datum::String(d)),
                    Datum::String(if typ.nullable { "YES" } else { "NO" }),
                    Datum::String(data_type(scalar)),
                    int(max_length),
                    int(octet_length),
                    int(precision),
                    int(radix),
                    int(scale),
                    int(datetime_precision),
                    Datum::Null,
                    catalog_datum,
                    Datum::String(udt_schema),
                    Datum::String(scalar.internal_name()),
                    Datum::String("NO"),
                    Datum::String("NEVER"),
                    Datum::String(writable),
                ],
            );
        }
    }
}
