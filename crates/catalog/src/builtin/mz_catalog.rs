//! `mz_catalog`: Materialize's own description of every object, with the
//! columns of its documentation (reference/catalog.md).

use freshet_repr::{GlobalId, ScalarType};

use super::{BOOL, BuiltinRelation, OID, TEXT};

/// `mz_catalog.mz_sources`: one row per source, subsource and progress subsource.
pub const MZ_SOURCES: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(101),
    schema: "mz_catalog",
    name: "mz_sources",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
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

/// `mz_catalog.mz_tables`: one row per table.
pub const MZ_TABLES: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(110),
    schema: "mz_catalog",
    name: "mz_tables",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
        ("schema_id", TEXT, false),
        ("name", TEXT, false),
        ("owner_id", TEXT, false),
        ("privileges", TEXT, false),
        ("create_sql", TEXT, true),
        ("redacted_create_sql", TEXT, true),
        ("source_id", TEXT, true),
    ],
};

/// `mz_catalog.mz_views`: one row per view.
pub const MZ_VIEWS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(111),
    schema: "mz_catalog",
    name: "mz_views",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
        ("schema_id", TEXT, false),
        ("name", TEXT, false),
        ("definition", TEXT, false),
        ("owner_id", TEXT, false),
        ("privileges", TEXT, false),
        ("create_sql", TEXT, false),
        ("redacted_create_sql", TEXT, false),
    ],
};

/// `mz_catalog.mz_materialized_views`: one row per materialized view.
pub const MZ_MATERIALIZED_VIEWS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(112),
    schema: "mz_catalog",
    name: "mz_materialized_views",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
        ("schema_id", TEXT, false),
        ("name", TEXT, false),
        ("cluster_id", TEXT, true),
        ("definition", TEXT, false),
        ("owner_id", TEXT, false),
        ("privileges", TEXT, false),
        ("create_sql", TEXT, false),
        ("redacted_create_sql", TEXT, false),
    ],
};

/// `mz_catalog.mz_indexes`: one row per index.
pub const MZ_INDEXES: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(113),
    schema: "mz_catalog",
    name: "mz_indexes",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
        ("name", TEXT, false),
        ("on_id", TEXT, false),
        ("cluster_id", TEXT, true),
        ("owner_id", TEXT, false),
        ("create_sql", TEXT, false),
        ("redacted_create_sql", TEXT, false),
    ],
};

/// `mz_catalog.mz_connections`: one row per connection.
pub const MZ_CONNECTIONS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(114),
    schema: "mz_catalog",
    name: "mz_connections",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
        ("schema_id", TEXT, false),
        ("name", TEXT, false),
        ("type", TEXT, false),
        ("owner_id", TEXT, false),
        ("privileges", TEXT, false),
        ("create_sql", TEXT, false),
        ("redacted_create_sql", TEXT, false),
    ],
};

/// `mz_catalog.mz_secrets`: one row per secret; never its value.
pub const MZ_SECRETS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(115),
    schema: "mz_catalog",
    name: "mz_secrets",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
        ("schema_id", TEXT, false),
        ("name", TEXT, false),
        ("owner_id", TEXT, false),
        ("privileges", TEXT, false),
    ],
};

/// `mz_catalog.mz_clusters`: one row per cluster.
pub const MZ_CLUSTERS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(116),
    schema: "mz_catalog",
    name: "mz_clusters",
    columns: &[
        ("id", TEXT, false),
        ("name", TEXT, false),
        ("owner_id", TEXT, false),
        ("privileges", TEXT, false),
        ("managed", BOOL, false),
        ("size", TEXT, true),
        ("replication_factor", ScalarType::UInt32, true),
        ("disk", BOOL, true),
        ("availability_zones", TEXT, true),
        ("introspection_debugging", BOOL, false),
        ("introspection_interval", ScalarType::Interval, true),
    ],
};

/// `mz_catalog.mz_cluster_replicas`: one row per replica a cluster's
/// replication factor records.
pub const MZ_CLUSTER_REPLICAS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(117),
    schema: "mz_catalog",
    name: "mz_cluster_replicas",
    columns: &[
        ("id", TEXT, false),
        ("name", TEXT, false),
        ("cluster_id", TEXT, false),
        ("size", TEXT, true),
        ("availability_zone", TEXT, true),
        ("owner_id", TEXT, false),
        ("disk", BOOL, true),
    ],
};

/// `mz_catalog.mz_objects`: one row per table, source, view, materialized
/// view, index, connection and secret, and per system relation.
pub const MZ_OBJECTS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(118),
    schema: "mz_catalog",
    name: "mz_objects",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
        ("schema_id", TEXT, false),
        ("name", TEXT, false),
        ("type", TEXT, false),
        ("owner_id", TEXT, false),
        ("cluster_id", TEXT, true),
        ("privileges", TEXT, false),
    ],
};

/// `mz_catalog.mz_schemas`: one row per schema, builtin schemas included.
pub const MZ_SCHEMAS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(119),
    schema: "mz_catalog",
    name: "mz_schemas",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
        ("database_id", TEXT, true),
        ("name", TEXT, false),
        ("owner_id", TEXT, false),
        ("privileges", TEXT, false),
    ],
};

/// `mz_catalog.mz_databases`: one row per database.
pub const MZ_DATABASES: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(120),
    schema: "mz_catalog",
    name: "mz_databases",
    columns: &[
        ("id", TEXT, false),
        ("oid", OID, false),
        ("name", TEXT, false),
        ("owner_id", TEXT, false),
        ("privileges", TEXT, false),
    ],
};

/// `mz_catalog.mz_columns`: one row per column of every relation.
pub const MZ_COLUMNS: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(121),
    schema: "mz_catalog",
    name: "mz_columns",
    columns: &[
        ("id", TEXT, false),
        ("name", TEXT, false),
        ("position", ScalarType::UInt64, false),
        ("nullable", BOOL, false),
        ("type", TEXT, false),
        ("default", TEXT, true),
        ("type_oid", OID, false),
        ("type_mod", ScalarType::Int32, false),
    ],
};
