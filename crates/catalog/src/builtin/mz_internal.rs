//! `mz_internal`: how sources are doing (statuses, their history,
//! statistics) and how objects depend on each other, with the columns of
//! Materialize's documentation (reference/catalog.md).

use freshet_repr::{GlobalId, ScalarType};

use super::{BOOL, BuiltinRelation, TEXT};

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
        ("snapshot_committed", BOOL, false),
        ("offset_known", ScalarType::UInt64, true),
        ("offset_committed", ScalarType::UInt64, true),
    ],
};

/// `mz_internal.mz_source_status_history`: every status each source,
/// subsource and progress subsource took, oldest first by `occurred_at`;
/// kept across restarts, the latest [`STATUS_HISTORY_KEPT`] per object.
pub const MZ_SOURCE_STATUS_HISTORY: BuiltinRelation = BuiltinRelation {
    id: GlobalId::System(106),
    schema: "mz_internal",
    name: "mz_source_status_history",
    columns: &[
        ("occurred_at", ScalarType::TimestampTz, false),
        ("source_id", TEXT, false),
        ("status", TEXT, false),
        ("error", TEXT, true),
        ("details", ScalarType::Jsonb, true),
        ("replica_id", TEXT, true),
    ],
};

/// How many entries of `mz_source_status_history` are kept per object.
pub const STATUS_HISTORY_KEPT: usize = 100;
