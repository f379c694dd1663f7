//! The schemas, defaults and system relations every installation has.

mod mz_catalog;
mod mz_internal;

use freshet_repr::{ColumnName, GlobalId, RelationDesc, ScalarType};

pub mod information_schema;
pub mod pg_catalog;

use information_schema::*;
use pg_catalog::*;

pub use mz_catalog::{
    MZ_CLUSTER_REPLICAS, MZ_CLUSTERS, MZ_COLUMNS, MZ_CONNECTIONS, MZ_DATABASES, MZ_INDEXES, MZ_MATERIALIZED_VIEWS,
    MZ_OBJECTS, MZ_SCHEMAS, MZ_SECRETS, MZ_SOURCES, MZ_TABLES, MZ_VIEWS,
};
pub use mz_internal::{
    MZ_MYSQL_SOURCE_TABLES, MZ_OBJECT_DEPENDENCIES, MZ_SOURCE_STATISTICS, MZ_SOURCE_STATUS_HISTORY, MZ_SOURCE_STATUSES,
    STATUS_HISTORY_KEPT,
};

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
    pub(crate) columns: &'static [(&'static str, ScalarType, bool)],
}

impl BuiltinRelation {
    /// Its OID: fixed by its id, below every user object's.
    pub fn oid(&self) -> u32 {
        match self.id {
            GlobalId::System(n) => 17_000 + u32::try_from(n).unwrap_or(0),
            GlobalId::User(_) | GlobalId::Transient(_) => unreachable!("a builtin relation has a system id"),
        }
    }

    /// How many columns it has.
    pub fn arity(&self) -> usize {
        self.columns.len()
    }

    /// Its columns.
    pub fn desc(&self) -> RelationDesc {
        RelationDesc::new(
            self.columns
                .iter()
                .map(|(name, typ, nullable)| (ColumnName::from(*name), typ.nullable(*nullable))),
        )
    }
}

/// Text columns.
const TEXT: ScalarType = ScalarType::Text;
/// Boolean columns.
const BOOL: ScalarType = ScalarType::Bool;
/// Object identifier columns (`oid`).
const OID: ScalarType = ScalarType::Oid;

/// Every system relation.
pub const BUILTIN_RELATIONS: &[BuiltinRelation] = &[
    MZ_SOURCES,
    MZ_TABLES,
    MZ_VIEWS,
    MZ_MATERIALIZED_VIEWS,
    MZ_INDEXES,
    MZ_CONNECTIONS,
    MZ_SECRETS,
    MZ_CLUSTERS,
    MZ_CLUSTER_REPLICAS,
    MZ_OBJECTS,
    MZ_SCHEMAS,
    MZ_DATABASES,
    MZ_COLUMNS,
    MZ_OBJECT_DEPENDENCIES,
    MZ_MYSQL_SOURCE_TABLES,
    MZ_SOURCE_STATUSES,
    MZ_SOURCE_STATUS_HISTORY,
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
    PG_AUTH_MEMBERS,
    PG_EXTENSION,
    SCHEMATA,
    TABLES,
    COLUMNS,
    VIEWS,
];
