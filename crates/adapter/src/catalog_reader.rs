//! The planner's view of the catalog from one session.

use freshet_catalog::{Catalog, Item};
use freshet_repr::{DatabaseId, RelationDesc, SchemaId};
use freshet_sql::{CatalogItem, CatalogReader, ClusterInfo, FullItemName, ItemKind, SchemaInfo};

use crate::session::SessionVars;

/// The catalog as seen by a session with a database, a search path and a
/// cluster.
pub(crate) struct SessionCatalog<'a> {
    catalog: &'a Catalog,
    /// Whether this plans the catalog's stored definitions, at boot.
    stored: bool,
    database: String,
    search_path: Vec<String>,
    /// The session's cluster (`SET cluster`).
    cluster: String,
    /// The user the session logged in as.
    user: String,
}

impl<'a> SessionCatalog<'a> {
    /// The catalog as the session with `vars` sees it.
    pub(crate) fn new(catalog: &'a Catalog, vars: &SessionVars) -> SessionCatalog<'a> {
        SessionCatalog {
            catalog,
            stored: false,
            database: vars.database(),
            search_path: vars.search_path(),
            cluster: vars.get("cluster").unwrap_or_default(),
            user: vars.user().to_owned(),
        }
    }

    /// The catalog as the server sees it when it re-plans stored
    /// definitions at boot: no database or search path (stored definitions
    /// name everything fully). Materialized views stored before their
    /// cluster was written into the definition ran in the default cluster.
    pub(crate) fn at_boot(catalog: &'a Catalog) -> SessionCatalog<'a> {
        SessionCatalog {
            catalog,
            stored: true,
            database: String::new(),
            search_path: Vec::new(),
            cluster: freshet_catalog::DEFAULT_CLUSTER.to_owned(),
            user: String::new(),
        }
    }
}

impl SessionCatalog<'_> {
    fn item(&self, item: &Item) -> Option<CatalogItem> {
        let schema = self.catalog.schema(item.schema)?;
        let database = schema
            .database
            .and_then(|d| self.catalog.database(d))
            .map(|d| d.name.clone());
        Some(CatalogItem {
            id: item.id,
            name: FullItemName {
                database,
                schema: schema.name.clone(),
                item: item.name.clone(),
            },
            kind: planner_kind(item.kind),
            oid: item.oid,
            desc: item.desc.clone().unwrap_or_else(RelationDesc::empty),
            create_sql: item.create_sql.clone(),
        })
    }
}

/// The planner's name for a catalog item kind.
pub(crate) fn planner_kind(kind: freshet_catalog::ItemKind) -> ItemKind {
    match kind {
        freshet_catalog::ItemKind::Table => ItemKind::Table,
        freshet_catalog::ItemKind::View => ItemKind::View,
        freshet_catalog::ItemKind::MaterializedView => ItemKind::MaterializedView,
        freshet_catalog::ItemKind::Index => ItemKind::Index,
        freshet_catalog::ItemKind::Secret => ItemKind::Secret,
        freshet_catalog::ItemKind::Connection => ItemKind::Connection,
        freshet_catalog::ItemKind::Source => ItemKind::Source,
        freshet_catalog::ItemKind::Subsource => ItemKind::Subsource,
        freshet_catalog::ItemKind::ProgressSubsource => ItemKind::ProgressSubsource,
    }
}

fn schema_info(schema: &freshet_catalog::Schema) -> SchemaInfo {
    SchemaInfo {
        id: schema.id,
        database: schema.database,
        name: schema.name.clone(),
        oid: schema.oid,
    }
}

impl CatalogReader for SessionCatalog<'_> {
    fn stored_definitions(&self) -> bool {
        self.stored
    }

    fn active_database(&self) -> &str {
        &self.database
    }

    fn session_user(&self) -> &str {
        &self.user
    }

    fn search_path(&self) -> &[String] {
        &self.search_path
    }

    fn resolve_database(&self, name: &str) -> Option<DatabaseId> {
        self.catalog.database_by_name(name).map(|d| d.id)
    }

    fn resolve_schema(&self, database: Option<DatabaseId>, name: &str) -> Option<SchemaInfo> {
        self.catalog.schema_by_name(database, name).map(schema_info)
    }

    fn database_name(&self, id: DatabaseId) -> Option<String> {
        self.catalog.database(id).map(|d| d.name.clone())
    }

    fn resolve_item(&self, schema: SchemaId, name: &str) -> Option<CatalogItem> {
        self.catalog.item_by_name(schema, name).and_then(|i| self.item(i))
    }

    fn database_names(&self) -> Vec<String> {
        self.catalog.databases().map(|d| d.name.clone()).collect()
    }

    fn schemas(&self, database: Option<DatabaseId>) -> Vec<SchemaInfo> {
        self.catalog.schemas(database).map(schema_info).collect()
    }

    fn items(&self, schema: SchemaId) -> Vec<CatalogItem> {
        self.catalog
            .items()
            .filter(|i| i.schema == schema)
            .filter_map(|i| self.item(i))
            .collect()
    }

    fn active_cluster(&self) -> &str {
        &self.cluster
    }

    fn cluster(&self, name: &str) -> Option<ClusterInfo> {
        self.catalog.cluster(name).map(cluster_info)
    }

    fn clusters(&self) -> Vec<ClusterInfo> {
        self.catalog.clusters().map(cluster_info).collect()
    }
}

fn cluster_info(cluster: &freshet_catalog::Cluster) -> ClusterInfo {
    ClusterInfo {
        name: cluster.name.clone(),
        size: cluster.size.clone(),
        replication_factor: cluster.replication_factor,
    }
}
