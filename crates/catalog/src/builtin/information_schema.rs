//! The `information_schema` views GUI clients and drivers read to list
//! schemas, tables and columns, with the SQL standard's columns.

use freshet_repr::{GlobalId, ScalarType};

use super::BuiltinRelation;

const TEXT: ScalarType = ScalarType::Text;
const INT4: ScalarType = ScalarType::Int32;

const fn is(n: u64, name: &'static str, columns: &'static [(&'static str, ScalarType, bool)]) -> BuiltinRelation {
    BuiltinRelation {
        id: GlobalId::System(n),
        schema: "information_schema",
        name,
        columns,
    }
}

/// `information_schema.schemata`: every schema of every database.
pub const SCHEMATA: BuiltinRelation = is(
    500,
    "schemata",
    &[
        ("catalog_name", TEXT, true),
        ("schema_name", TEXT, false),
        ("schema_owner", TEXT, false),
        ("default_character_set_catalog", TEXT, true),
        ("default_character_set_schema", TEXT, true),
        ("default_character_set_name", TEXT, true),
        ("sql_path", TEXT, true),
    ],
);

/// `information_schema.tables`: relations, with `table_type` `BASE TABLE`,
/// `VIEW`, `MATERIALIZED VIEW` or `SOURCE` (as Materialize lists them).
pub const TABLES: BuiltinRelation = is(
    501,
    "tables",
    &[
        ("table_catalog", TEXT, true),
        ("table_schema", TEXT, false),
        ("table_name", TEXT, false),
        ("table_type", TEXT, false),
        ("self_referencing_column_name", TEXT, true),
        ("reference_generation", TEXT, true),
        ("user_defined_type_catalog", TEXT, true),
        ("user_defined_type_schema", TEXT, true),
        ("user_defined_type_name", TEXT, true),
        ("is_insertable_into", TEXT, false),
        ("is_typed", TEXT, false),
        ("commit_action", TEXT, true),
    ],
);

/// `information_schema.columns`: the columns of every relation.
pub const COLUMNS: BuiltinRelation = is(
    502,
    "columns",
    &[
        ("table_catalog", TEXT, true),
        ("table_schema", TEXT, false),
        ("table_name", TEXT, false),
        ("column_name", TEXT, false),
        ("ordinal_position", INT4, false),
        ("column_default", TEXT, true),
        ("is_nullable", TEXT, false),
        ("data_type", TEXT, false),
        ("character_maximum_length", INT4, true),
        ("character_octet_length", INT4, true),
        ("numeric_precision", INT4, true),
        ("numeric_precision_radix", INT4, true),
        ("numeric_scale", INT4, true),
        ("datetime_precision", INT4, true),
        ("interval_type", TEXT, true),
        ("udt_catalog", TEXT, true),
        ("udt_schema", TEXT, false),
        ("udt_name", TEXT, false),
        ("is_identity", TEXT, false),
        ("is_generated", TEXT, false),
        ("is_updatable", TEXT, false),
    ],
);

/// `information_schema.views`: views (and materialized views) with their
/// defining queries.
pub const VIEWS: BuiltinRelation = is(
    503,
    "views",
    &[
        ("table_catalog", TEXT, true),
        ("table_schema", TEXT, false),
        ("table_name", TEXT, false),
        ("view_definition", TEXT, false),
        ("check_option", TEXT, false),
        ("is_updatable", TEXT, false),
        ("is_insertable_into", TEXT, false),
        ("is_trigger_updatable", TEXT, false),
        ("is_trigger_deletable", TEXT, false),
        ("is_trigger_insertable_into", TEXT, false),
    ],
);
