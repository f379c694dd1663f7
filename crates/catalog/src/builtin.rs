//! The schemas, defaults and system relations every installation has.

use freshet_repr::{ColumnName, GlobalId, RelationDesc, ScalarType};

pub mod information_schema;
pub mod pg_catalog;

use information_schema::*;
use pg_catalog::*;

/// Builtin schemas, outside any database, with their system ids.
pub const BUILTIN_SCHEMAS: &[(u64, &str)] = &[
    (1, "mz_catalog"),
    (2, "pg_catalog"),
    (3, "mz_internal"),
    (4, "information_schema"),
];

/// The database created at the first boot.
pub const DEFAULT_DATABASE: &str = "materialize";

/// The schema created in every new database.
pub const DEFAULT_SCHEMA: &str = "public";

/// A system relation: a collection whose contents the adapter derives from
/// the catalog (and from what sources report), readable like a table and
/// never written by users. Its id is stable across versions: a relation
/// that goes away leaves its number unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinRelation {
    /// Its id, `s<n>`.
    pub id: GlobalId,
    /// Its schema, one of [`BUILTIN_SCHEMAS`].
    pub schema: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Its columns: name, type, whether it may be NULL.
    columns: &'static [(&'static str, ScalarType, bool)],
}

impl BuiltinRelation {
    /// Its columns.
    pub fn desc(&self) -> RelationDesc {
        RelationDesc::new(
            self.columns
                .iter()
                .map(|(name, typ, nullable)| (ColumnName::from(*name), typ.nullable(*nullable))),
        )
    }
}

const TEXT: ScalarType = ScalarType::Text;

/// `mz_catalog.mz_sources`: one row per source, subsource and progress subsource.
pub const MZ_SOURCES: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(101),
    schema: "mz_catalog",
    name: "mz_sources",
    columns: &[
        ("id", TEXT, false),
        ("oid", ScalarType::UInt32, false),
        ("schema_id", TEXT, false),
        ("name", TEXT, false),
        ("type", TEXT, false),
        ("connection_id", TEXT, true),
        ("size", TEXT, true),
        ("envelope_type", TEXT, true),
        ("key_format", TEXT, true),
        ("value_format", TEXT, true),
        ("cluster_id", TEXT, true),
        ("owner_id", TEXT, false),
        ("privileges", TEXT, false),
        ("create_sql", TEXT, true),
        ("redacted_create_sql", TEXT, true),
    ],
};

/// `mz_internal.mz_object_dependencies`: which objects an object
/// references (a view its inputs, a source its subsources and connection).
pub const MZ_OBJECT_DEPENDENCIES: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(102),
    schema: "mz_internal",
    name: "mz_object_dependencies",
    columns: &[("object_id", TEXT, false), ("referenced_object_id", TEXT, false)],
};

/// `mz_internal.mz_mysql_source_tables`: the upstream table of each subsource.
pub const MZ_MYSQL_SOURCE_TABLES: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(103),
    schema: "mz_internal",
    name: "mz_mysql_source_tables",
    columns: &[
        ("id", TEXT, false),
        ("schema_name", TEXT, false),
        ("table_name", TEXT, false),
    ],
};

/// `mz_internal.mz_source_statuses`: the current status of every source,
/// subsource and progress subsource.
pub const MZ_SOURCE_STATUSES: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(104),
    schema: "mz_internal",
    name: "mz_source_statuses",
    columns: &[
        ("id", TEXT, false),
        ("name", TEXT, false),
        ("type", TEXT, false),
        ("last_status_change_at", ScalarType::TimestampTz, true),
        ("status", TEXT, false),
        ("error", TEXT, true),
        ("details", ScalarType::Jsonb, true),
    ],
};

/// `mz_internal.mz_source_statistics`: counters and gauges of each source
/// and subsource's ingestion since the process started.
pub const MZ_SOURCE_STATISTICS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(105),
    schema: "mz_internal",
    name: "mz_source_statistics",
    columns: &[
        ("id", TEXT, false),
        ("replica_id", TEXT, true),
        ("messages_received", ScalarType::UInt64, false),
        ("bytes_received", ScalarType::UInt64, false),
        ("updates_staged", ScalarType::UInt64, false),
        ("updates_committed", ScalarType::UInt64, false),
        ("records_indexed", ScalarType::UInt64, false),
        ("bytes_indexed", ScalarType::UInt64, false),
        ("rehydration_latency", ScalarType::Interval, true),
        ("snapshot_records_known", ScalarType::UInt64, true),
        ("snapshot_records_staged", ScalarType::UInt64, true),
        ("snapshot_committed", ScalarType::Bool, false),
        ("offset_known", ScalarType::UInt64, true),
        ("offset_committed", ScalarType::UInt64, true),
    ],
};

/// Every system relation.
pub const BUILTIN_RELATIONS: &[BuiltinRelation] = &[
    MZ_SOURCES,
    MZ_OBJECT_DEPENDENCIES,
    MZ_MYSQL_SOURCE_TABLES,
    MZ_SOURCE_STATUSES,
    MZ_SOURCE_STATISTICS,
    PG_NAMESPACE,
    PG_CLASS,
    PG_ATTRIBUTE,
    PG_TYPE,
    PG_INDEX,
    PG_AM,
    PG_ATTRDEF,
    PG_COLLATION,
    PG_CONSTRAINT,
    PG_INHERITS,
    PG_POLICY,
    PG_ROLES,
    PG_DESCRIPTION,
    PG_DATABASE,
    PG_VIEWS,
    PG_MATVIEWS,
    PG_TABLES,
    PG_INDEXES,
    PG_TRIGGER,
    PG_REWRITE,
    SCHEMATA,
    TABLES,
    COLUMNS,
    VIEWS,
];
