//! The schemas and defaults every installation has.

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
