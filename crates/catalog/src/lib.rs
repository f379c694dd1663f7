//! Freshet's durable catalog.
//!
//! Owns the definitions of databases, schemas and items (each with its id,
//! name, `create_sql` and OID), the roles (with their password verifiers), the clusters, the allocation of ids that are never reused,
//! the builtin schemas and system relations ([`BUILTIN_RELATIONS`], items
//! with system ids that are never stored: the adapter fills their
//! collections), and the versioned on-disk format in the store's
//! catalog column family. Every change is one atomic, synced write
//! ([`Catalog::transact`]).
//!
//! It stores SQL text, not plans: it must not depend on the `sql` crate. The
//! adapter re-plans each item's `create_sql` at boot and hands the catalog
//! the resulting [`RelationDesc`](freshet_repr::RelationDesc).

mod builtin;
mod clusters;
mod durable;
mod error;
mod roles;
mod state;

pub use builtin::{
    BUILTIN_RELATIONS, BUILTIN_SCHEMAS, BuiltinRelation, DEFAULT_DATABASE, DEFAULT_SCHEMA, MZ_CLUSTER_REPLICAS,
    MZ_CLUSTERS, MZ_COLUMNS, MZ_CONNECTIONS, MZ_DATABASES, MZ_INDEXES, MZ_MATERIALIZED_VIEWS, MZ_MYSQL_SOURCE_TABLES,
    MZ_OBJECT_DEPENDENCIES, MZ_OBJECTS, MZ_SCHEMAS, MZ_SECRETS, MZ_SOURCE_STATISTICS, MZ_SOURCE_STATUS_HISTORY,
    MZ_SOURCE_STATUSES, MZ_SOURCES, MZ_TABLES, MZ_VIEWS, STATUS_HISTORY_KEPT,
};
pub use builtin::{information_schema, pg_catalog};
pub use clusters::{Cluster, DEFAULT_CLUSTER, DEFAULT_CLUSTER_SIZE};
pub use durable::FORMAT_VERSION;
pub use error::CatalogError;
pub use roles::{Role, RoleAttributes};
pub use state::{Catalog, Database, Item, ItemKind, NewItem, Op, OpResult, Schema};
