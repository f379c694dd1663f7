//! The rows of the `pg_catalog` relations, derived from the catalog.

use std::collections::{BTreeMap, BTreeSet};

use freshet_catalog::pg_catalog::{
    PG_AM, PG_ATTRDEF, PG_ATTRIBUTE, PG_CLASS, PG_COLLATION, PG_DATABASE, PG_INDEX, PG_INDEXES, PG_MATVIEWS,
    PG_NAMESPACE, PG_ROLES, PG_TABLES, PG_TYPE, PG_VIEWS,
};
use freshet_catalog::{Catalog, Item, ItemKind, Schema};
use freshet_repr::{BASE_TYPES, Datum, ElementType, GlobalId, RowArena, ScalarType};
use freshet_sql::{IndexKey, quote_ident};

use super::Rows;

/// The OID of the role that owns every object (PostgreSQL's bootstrap
/// superuser's).
pub(super) const OWNER_OID: u32 = 10;
/// The owner's name.
pub(super) const OWNER_NAME: &str = "materialize";
/// The OID of the `arrangement` access method, Freshet's one kind of index.
const ARRANGEMENT_AM_OID: u32 = 16_500;
/// The OID of the default collation.
const DEFAULT_COLLATION_OID: u32 = 100;

/// `pg_class.relkind` of an item, or `None` for what is not a relation.
pub(super) fn relkind(kind: ItemKind) -> Option<&'static str> {
    match kind {
        ItemKind::Table | ItemKind::Source | ItemKind::Subsource | ItemKind::ProgressSubsource => Some("r"),
        ItemKind::View => Some("v"),
        ItemKind::MaterializedView => Some("m"),
        ItemKind::Index => Some("i"),
        ItemKind::Secret | ItemKind::Connection => None,
    }
}

/// An index's keys and the relation it indexes.
pub(super) struct IndexInfo<'a> {
    pub(super) on: &'a Item,
    pub(super) keys: Vec<IndexKey>,
}

/// The indexes of the catalog, by id.
pub(super) fn indexes(catalog: &Catalog) -> BTreeMap<GlobalId, IndexInfo<'_>> {
    catalog
        .items()
        .filter(|item| item.kind == ItemKind::Index)
        .filter_map(|item| {
            let on = catalog.item(*item.uses.first()?)?;
            let keys = freshet_sql::index_keys(&item.create_sql)?;
            Some((item.id, IndexInfo { on, keys }))
        })
        .collect()
}

/// `CREATE INDEX name ON schema.relation USING arrangement (keys)`, as
/// `pg_get_indexdef` and `pg_indexes` print it.
pub(super) fn index_definition(catalog: &Catalog, index: &Item, info: &IndexInfo<'_>) -> String {
    let schema = catalog.schema(info.on.schema).map_or("", |s| s.name.as_str());
    let keys: Vec<String> = info.keys.iter().map(IndexKey::sql).collect();
    format!(
        "CREATE INDEX {} ON {}.{} USING arrangement ({})",
        quote_ident(&index.name),
        quote_ident(schema),
        quote_ident(&info.on.name),
        keys.join(", ")
    )
}

/// The `DEFAULT` expression of each column of a table, in column order.
/// A definition without the word `DEFAULT` has none, and is not parsed
/// (the system relations are derived again on every catalog change).
pub(super) fn column_defaults(item: &Item) -> Vec<Option<String>> {
    let sql = item.create_sql.as_bytes();
    if sql.windows(7).any(|w| w.eq_ignore_ascii_case(b"default")) {
        freshet_sql::column_defaults(&item.create_sql)
    } else {
        Vec::new()
    }
}

/// `pg_type.typcategory`.
fn type_category(typ: &ScalarType) -> &'static str {
    match typ {
        ScalarType::Bool => "B",
        ScalarType::Array(_) => "A",
        t if t.is_numeric() || t.is_oid() => "N",
        t if t.is_string() => "S",
        ScalarType::Date | ScalarType::Time | ScalarType::Timestamp | ScalarType::TimestampTz => "D",
        ScalarType::Interval => "T",
        _ => "U",
    }
}

/// The collation of a type's values: the default one for strings.
fn collation(typ: &ScalarType) -> u32 {
    if typ.is_string() { DEFAULT_COLLATION_OID } else { 0 }
}

/// The schema a type lives in: Materialize's unsigned integers are in
/// `mz_catalog`, the others in `pg_catalog`.
fn type_schema(typ: &ScalarType) -> &'static str {
    match typ {
        ScalarType::UInt16 | ScalarType::UInt32 | ScalarType::UInt64 => "mz_catalog",
        _ => "pg_catalog",
    }
}

/// Adds the rows of every `pg_catalog` relation.
pub(super) fn add_rows(catalog: &Catalog, rows: &mut Rows) {
    let schemas: Vec<&Schema> = catalog
        .schemas(None)
        .chain(catalog.databases().flat_map(|d| catalog.schemas(Some(d.id))))
        .collect();
    let schema_oid = |name: &str| {
        schemas
            .iter()
            .find(|s| s.database.is_none() && s.name == name)
            .map_or(0, |s| s.oid)
    };
    for schema in &schemas {
        rows.add(
            &PG_NAMESPACE,
            &[
                Datum::UInt32(schema.oid),
                Datum::String(&schema.name),
                Datum::UInt32(OWNER_OID),
                Datum::Null,
            ],
        );
    }
    for database in catalog.databases() {
        rows.add(
            &PG_DATABASE,
            &[
                Datum::UInt32(database.oid),
                Datum::String(&database.name),
                Datum::UInt32(OWNER_OID),
                Datum::Int32(6),
                Datum::String("C"),
                Datum::String("C"),
                Datum::False,
                Datum::True,
                Datum::Int32(-1),
                Datum::Null,
            ],
        );
    }
    let mut roles: BTreeSet<(u32, &str, bool)> = catalog.roles().map(|r| (r.oid, r.name.as_str(), r.login)).collect();
    if !roles.iter().any(|(_, name, _)| *name == OWNER_NAME) {
        roles.insert((OWNER_OID, OWNER_NAME, true));
    }
    for (oid, name, login) in roles {
        let superuser = oid == OWNER_OID;
        rows.add(
            &PG_ROLES,
            &[
                Datum::String(name),
                Datum::from(superuser),
                Datum::True,
                Datum::from(superuser),
                Datum::from(superuser),
                Datum::from(login),
                Datum::False,
                Datum::Int32(-1),
                Datum::String("********"),
                Datum::Null,
                Datum::False,
                Datum::Null,
                Datum::UInt32(oid),
            ],
        );
    }
    rows.add(
        &PG_AM,
        &[
            Datum::UInt32(ARRANGEMENT_AM_OID),
            Datum::String("arrangement"),
            Datum::String("arrangement_handler"),
            Datum::String("i"),
        ],
    );
    rows.add(
        &PG_COLLATION,
        &[
            Datum::UInt32(DEFAULT_COLLATION_OID),
            Datum::String("default"),
            Datum::UInt32(schema_oid("pg_catalog")),
            Datum::UInt32(OWNER_OID),
            Datum::String("d"),
            Datum::True,
            Datum::Int32(-1),
            Datum::Null,
            Datum::Null,
        ],
    );
    for typ in &BASE_TYPES {
        add_type(typ, schema_oid(type_schema(typ)), rows);
    }
    let indexes = indexes(catalog);
    let indexed: BTreeSet<GlobalId> = indexes.values().map(|info| info.on.id).collect();
    for item in catalog.items() {
        let Some(kind) = relkind(item.kind) else { continue };
        let Some(schema) = catalog.schema(item.schema) else {
            continue;
        };
        let columns: Vec<(String, ScalarType, bool)> = match indexes.get(&item.id) {
            Some(info) => index_columns(info),
            None => item
                .desc
                .iter()
                .flat_map(|desc| desc.iter())
                .map(|(name, typ)| (name.as_str().to_owned(), typ.scalar_type, typ.nullable))
                .collect(),
        };
        let natts = i16::try_from(columns.len()).unwrap_or(i16::MAX);
        let am = if kind == "i" { ARRANGEMENT_AM_OID } else { 0 };
        rows.add(
            &PG_CLASS,
            &[
                Datum::UInt32(item.oid),
                Datum::String(&item.name),
                Datum::UInt32(schema.oid),
                Datum::UInt32(0),
                Datum::UInt32(0),
                Datum::UInt32(OWNER_OID),
                Datum::UInt32(am),
                Datum::UInt32(0),
                Datum::UInt32(0),
                Datum::Int32(0),
                Datum::Float32(-1.0),
                Datum::Int32(0),
                Datum::UInt32(0),
                Datum::from(indexed.contains(&item.id)),
                Datum::False,
                Datum::String("p"),
                Datum::String(kind),
                Datum::Int16(natts),
                Datum::Int16(0),
                Datum::False,
                Datum::False,
                Datum::False,
                Datum::False,
                Datum::False,
                Datum::False,
                Datum::True,
                Datum::String("d"),
                Datum::False,
                Datum::Null,
                Datum::Null,
            ],
        );
        let defaults = if item.kind == ItemKind::Table {
            column_defaults(item)
        } else {
            Vec::new()
        };
        for (i, (name, typ, nullable)) in columns.iter().enumerate() {
            let attnum = i16::try_from(i + 1).unwrap_or(i16::MAX);
            let default = defaults.get(i).and_then(Option::as_ref);
            add_attribute(item.oid, name, typ, *nullable, attnum, default.is_some(), rows);
            if let Some(default) = default {
                rows.add(
                    &PG_ATTRDEF,
                    &[
                        Datum::UInt32(
                            item.oid
                                .wrapping_mul(1000)
                                .wrapping_add(u32::from(attnum.unsigned_abs())),
                        ),
                        Datum::UInt32(item.oid),
                        Datum::Int16(attnum),
                        Datum::String(default),
                    ],
                );
            }
        }
        let owner = Datum::String(OWNER_NAME);
        let schema_name = Datum::String(&schema.name);
        match item.kind {
            ItemKind::View | ItemKind::MaterializedView => {
                let definition = freshet_sql::view_definition(&item.create_sql).unwrap_or_default();
                if item.kind == ItemKind::View {
                    rows.add(
                        &PG_VIEWS,
                        &[
                            schema_name,
                            Datum::String(&item.name),
                            owner,
                            Datum::String(&definition),
                        ],
                    );
                } else {
                    rows.add(
                        &PG_MATVIEWS,
                        &[
                            schema_name,
                            Datum::String(&item.name),
                            owner,
                            Datum::Null,
                            Datum::from(indexed.contains(&item.id)),
                            Datum::True,
                            Datum::String(&definition),
                        ],
                    );
                }
            }
            ItemKind::Index => {
                if let Some(info) = indexes.get(&item.id) {
                    add_index(catalog, item, info, schema, rows);
                }
            }
            _ => rows.add(
                &PG_TABLES,
                &[
                    schema_name,
                    Datum::String(&item.name),
                    owner,
                    Datum::Null,
                    Datum::from(indexed.contains(&item.id)),
                    Datum::False,
                    Datum::False,
                    Datum::False,
                ],
            ),
        }
    }
}

/// The columns of an index: each key, named after its column (or by its
/// expression's text), typed as the column it reads (`text` for an
/// expression, whose type is not recorded).
fn index_columns(info: &IndexInfo<'_>) -> Vec<(String, ScalarType, bool)> {
    info.keys
        .iter()
        .map(|key| match key {
            IndexKey::Column(name) => {
                let typ = info
                    .on
                    .desc
                    .iter()
                    .flat_map(|desc| desc.iter())
                    .find(|(column, _)| column.as_str() == name)
                    .map_or(ScalarType::Text, |(_, typ)| typ.scalar_type);
                (name.clone(), typ, true)
            }
            IndexKey::Expression(text) => (text.clone(), ScalarType::Text, true),
        })
        .collect()
}

/// `pg_index` and `pg_indexes` rows of an index.
fn add_index(catalog: &Catalog, index: &Item, info: &IndexInfo<'_>, schema: &Schema, rows: &mut Rows) {
    let arena = RowArena::new();
    let positions: Vec<Datum<'_>> = info
        .keys
        .iter()
        .map(|key| {
            let position = match key {
                IndexKey::Column(name) => info
                    .on
                    .desc
                    .iter()
                    .flat_map(|desc| desc.iter())
                    .position(|(column, _)| column.as_str() == name)
                    .map_or(0, |p| p + 1),
                IndexKey::Expression(_) => 0,
            };
            Datum::Int16(i16::try_from(position).unwrap_or(0))
        })
        .collect();
    let zeros_oid: Vec<Datum<'_>> = positions.iter().map(|_| Datum::UInt32(0)).collect();
    let zeros_int2: Vec<Datum<'_>> = positions.iter().map(|_| Datum::Int16(0)).collect();
    let expressions: Vec<String> = info
        .keys
        .iter()
        .filter_map(|key| match key {
            IndexKey::Expression(text) => Some(text.clone()),
            IndexKey::Column(_) => None,
        })
        .collect();
    let natts = i16::try_from(info.keys.len()).unwrap_or(i16::MAX);
    let indexprs = expressions.join(", ");
    rows.add(
        &PG_INDEX,
        &[
            Datum::UInt32(index.oid),
            Datum::UInt32(info.on.oid),
            Datum::Int16(natts),
            Datum::Int16(natts),
            Datum::False,
            Datum::False,
            Datum::False,
            Datum::True,
            Datum::False,
            Datum::True,
            Datum::False,
            Datum::True,
            Datum::True,
            Datum::False,
            arena.push_array(positions.iter().copied()),
            arena.push_array(zeros_oid.iter().copied()),
            arena.push_array(zeros_oid.iter().copied()),
            arena.push_array(zeros_int2.iter().copied()),
            if expressions.is_empty() {
                Datum::Null
            } else {
                Datum::String(&indexprs)
            },
            Datum::Null,
        ],
    );
    let definition = index_definition(catalog, index, info);
    rows.add(
        &PG_INDEXES,
        &[
            Datum::String(&schema.name),
            Datum::String(&info.on.name),
            Datum::String(&index.name),
            Datum::Null,
            Datum::String(&definition),
        ],
    );
}

/// One `pg_attribute` row.
fn add_attribute(
    relation: u32,
    name: &str,
    typ: &ScalarType,
    nullable: bool,
    attnum: i16,
    has_default: bool,
    rows: &mut Rows,
) {
    let len = typ.typlen();
    rows.add(
        &PG_ATTRIBUTE,
        &[
            Datum::UInt32(relation),
            Datum::String(name),
            Datum::UInt32(typ.oid()),
            Datum::Int32(-1),
            Datum::Int16(len),
            Datum::Int16(attnum),
            Datum::Int32(i32::from(matches!(typ, ScalarType::Array(_)))),
            Datum::Int32(-1),
            Datum::Int32(typ.typmod()),
            Datum::from((1..=8).contains(&len)),
            Datum::String(if len < 0 { "x" } else { "p" }),
            Datum::String(if len == 8 || len < 0 { "d" } else { "i" }),
            Datum::from(!nullable),
            Datum::from(has_default),
            Datum::String(""),
            Datum::String(""),
            Datum::False,
            Datum::True,
            Datum::Int32(0),
            Datum::UInt32(collation(typ)),
            Datum::Null,
            Datum::Null,
        ],
    );
}

/// One `pg_type` row.
fn add_type(typ: &ScalarType, namespace: u32, rows: &mut Rows) {
    let len = typ.typlen();
    let element = match typ {
        ScalarType::Array(element) => element.scalar_type().oid(),
        _ => 0,
    };
    let array = ElementType::of(typ)
        .filter(|e| e.scalar_type() == *typ)
        .map_or(0, |e| ScalarType::Array(e).oid());
    let name = typ.internal_name();
    let io = |suffix: &str| {
        if element != 0 {
            format!("array_{suffix}")
        } else {
            format!("{name}{suffix}")
        }
    };
    let preferred = matches!(
        typ,
        ScalarType::Bool
            | ScalarType::Float64
            | ScalarType::Text
            | ScalarType::TimestampTz
            | ScalarType::Interval
            | ScalarType::Oid
    );
    rows.add(
        &PG_TYPE,
        &[
            Datum::UInt32(typ.oid()),
            Datum::String(name),
            Datum::UInt32(namespace),
            Datum::UInt32(OWNER_OID),
            Datum::Int16(len),
            Datum::from((1..=8).contains(&len)),
            Datum::String("b"),
            Datum::String(type_category(typ)),
            Datum::from(preferred),
            Datum::True,
            Datum::String(","),
            Datum::UInt32(0),
            Datum::UInt32(element),
            Datum::UInt32(array),
            Datum::String(&io("in")),
            Datum::String(&io("out")),
            Datum::String(&io("recv")),
            Datum::String(&io("send")),
            Datum::False,
            Datum::UInt32(0),
            Datum::Int32(-1),
            Datum::Int32(0),
            Datum::UInt32(collation(typ)),
            Datum::Null,
        ],
    );
}
