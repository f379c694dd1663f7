//! An in-memory catalog for the planner's unit tests: the database
//! `materialize` with the schemas and items a test gives it, and the
//! active cluster `quickstart` (no other clusters).

use freshet_repr::{DatabaseId, GlobalId, RelationDesc, SchemaId};

use crate::catalog::{CatalogItem, CatalogReader, ClusterInfo, FullItemName, ItemKind, SchemaInfo};

/// The one database.
pub(crate) const DB: DatabaseId = DatabaseId::User(1);

/// A catalog of `schemas` holding `items`.
pub(crate) struct TestCatalog {
    /// Each schema's id and name.
    pub(crate) schemas: Vec<(SchemaId, &'static str)>,
    /// Each item, with its schema.
    pub(crate) items: Vec<(SchemaId, CatalogItem)>,
    /// The session's search path.
    pub(crate) search_path: Vec<String>,
    /// Whether stored definitions are being re-planned (boot).
    pub(crate) stored: bool,
}

impl TestCatalog {
    /// `schemas`, empty; the first is the search path.
    pub(crate) fn new(schemas: &[(SchemaId, &'static str)]) -> TestCatalog {
        TestCatalog {
            schemas: schemas.to_vec(),
            items: Vec::new(),
            search_path: schemas.iter().take(1).map(|(_, name)| (*name).to_owned()).collect(),
            stored: false,
        }
    }

    /// Adds item `u{id}` named `name` to `schema`.
    pub(crate) fn with_item(
        mut self,
        schema: SchemaId,
        id: u64,
        name: &str,
        kind: ItemKind,
        desc: RelationDesc,
        create_sql: &str,
    ) -> TestCatalog {
        let item = CatalogItem {
            id: GlobalId::User(id),
            name: FullItemName {
                database: Some("materialize".to_owned()),
                schema: self.schema_name(schema).to_owned(),
                item: name.to_owned(),
            },
            kind,
            oid: 20_000 + u32::try_from(id).unwrap_or(0),
            desc,
            create_sql: create_sql.to_owned(),
        };
        self.items.push((schema, item));
        self
    }

    fn schema_name(&self, id: SchemaId) -> &'static str {
        self.schemas.iter().find(|(s, _)| *s == id).map_or("", |(_, name)| name)
    }

    fn schema(&self, id: SchemaId) -> SchemaInfo {
        SchemaInfo {
            id,
            database: Some(DB),
            name: self.schema_name(id).to_owned(),
            oid: 16_000,
        }
    }
}

impl CatalogReader for TestCatalog {
    fn session_user(&self) -> &str {
        "materialize"
    }

    fn active_database(&self) -> &str {
        "materialize"
    }
    fn search_path(&self) -> &[String] {
        &self.search_path
    }
    fn resolve_database(&self, name: &str) -> Option<DatabaseId> {
        (name == "materialize").then_some(DB)
    }
    fn resolve_schema(&self, database: Option<DatabaseId>, name: &str) -> Option<SchemaInfo> {
        let (id, _) = self.schemas.iter().find(|(_, n)| *n == name)?;
        (database == Some(DB)).then(|| self.schema(*id))
    }
    fn database_name(&self, id: DatabaseId) -> Option<String> {
        (id == DB).then(|| "materialize".to_owned())
    }
    fn resolve_item(&self, schema: SchemaId, name: &str) -> Option<CatalogItem> {
        self.items
            .iter()
            .find(|(s, item)| *s == schema && item.name.item == name)
            .map(|(_, item)| item.clone())
    }
    fn database_names(&self) -> Vec<String> {
        vec!["materialize".to_owned()]
    }
    fn schemas(&self, database: Option<DatabaseId>) -> Vec<SchemaInfo> {
        if database == Some(DB) {
            self.schemas.iter().map(|(id, _)| self.schema(*id)).collect()
        } else {
            vec![]
        }
    }
    fn items(&self, schema: SchemaId) -> Vec<CatalogItem> {
        self.items
            .iter()
            .filter(|(s, _)| *s == schema)
            .map(|(_, item)| item.clone())
            .collect()
    }
    fn active_cluster(&self) -> &str {
        "quickstart"
    }
    fn cluster(&self, _name: &str) -> Option<ClusterInfo> {
        None
    }
    fn clusters(&self) -> Vec<ClusterInfo> {
        vec![]
    }
    fn stored_definitions(&self) -> bool {
        self.stored
    }
}
