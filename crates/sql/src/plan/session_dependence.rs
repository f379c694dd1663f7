//! Whether a query's result depends on the session that plans it: the
//! functions and catalog relations that read the session's database,
//! search path or user (`current_database()`, `current_user`,
//! `pg_table_is_visible`, `pg_class` kept to one database) answer
//! differently in another session, and at boot, where stored definitions
//! are planned without a session. A
//! maintained relation (a materialized view, an index on a view) cannot
//! use them: it would change meaning across restarts.

use std::cell::Cell;

use freshet_repr::{DatabaseId, SchemaId};

use crate::PlanError;
use crate::catalog::{CatalogItem, CatalogReader, ClusterInfo, SchemaInfo};

/// A catalog that notes whether the session's database, search path or
/// user was read.
pub(crate) struct Recording<'a> {
    inner: &'a dyn CatalogReader,
    read_session: Cell<bool>,
}

impl<'a> Recording<'a> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: &'a dyn CatalogReader) -> Recording<'a> {
        Recording {
            inner,
            read_session: Cell::new(false),
        }
    }

    /// Fails if planning `what` read the session's database, search path
    /// or user (stored definitions name everything fully, so only what
    /// depends on the session reads them).
    pub(crate) fn check(&self, what: &str) -> Result<(), PlanError> {
        if self.read_session.get() {
            return Err(PlanError::Unsupported(format!(
                "{what} over a query that depends on the session's database, search path or user \
                 (such as current_database(), current_user, pg_table_is_visible() or the pg_catalog relations)"
            )));
        }
        Ok(())
    }
}

impl CatalogReader for Recording<'_> {
    fn active_database(&self) -> &str {
        self.read_session.set(true);
        self.inner.active_database()
    }

    fn search_path(&self) -> &[String] {
        self.read_session.set(true);
        self.inner.search_path()
    }

    fn session_user(&self) -> &str {
        self.read_session.set(true);
        self.inner.session_user()
    }

    fn resolve_database(&self, name: &str) -> Option<DatabaseId> {
        self.inner.resolve_database(name)
    }

    fn resolve_schema(&self, database: Option<DatabaseId>, name: &str) -> Option<SchemaInfo> {
        self.inner.resolve_schema(database, name)
    }

    fn database_name(&self, id: DatabaseId) -> Option<String> {
        self.inner.database_name(id)
    }

    fn resolve_item(&self, schema: SchemaId, name: &str) -> Option<CatalogItem> {
        self.inner.resolve_item(schema, name)
    }

    fn database_names(&self) -> Vec<String> {
        self.inner.database_names()
    }

    fn schemas(&self, database: Option<DatabaseId>) -> Vec<SchemaInfo> {
        self.inner.schemas(database)
    }

    fn items(&self, schema: SchemaId) -> Vec<CatalogItem> {
        self.inner.items(schema)
    }

    fn active_cluster(&self) -> &str {
        self.inner.active_cluster()
    }

    fn cluster(&self, name: &str) -> Option<ClusterInfo> {
        self.inner.cluster(name)
    }

    fn clusters(&self) -> Vec<ClusterInfo> {
        self.inner.clusters()
    }

    fn stored_definitions(&self) -> bool {
        self.inner.stored_definitions()
    }
}
