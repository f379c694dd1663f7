//! The catalog in memory, and its changes.

use std::collections::BTreeMap;

use freshet_repr::{DatabaseId, GlobalId, RelationDesc, SchemaId};
use freshet_storage::{KvOp, Store};
use serde::{Deserialize, Serialize};

use crate::CatalogError;
use crate::builtin::{BUILTIN_RELATIONS, BUILTIN_SCHEMAS, DEFAULT_DATABASE, DEFAULT_SCHEMA};
use crate::clusters::{self, Cluster, DEFAULT_CLUSTER, DEFAULT_CLUSTER_SIZE};
use crate::durable::{
    DatabaseRecord, FORMAT_VERSION, ItemRecord, NEXT_IDS_KEY, NextIds, SchemaRecord, SecretRecord, VERSION_KEY,
    database_key, decode, item_key, put, schema_key,
};
use crate::roles::{self, Role};

/// A database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    /// Its id.
    pub id: DatabaseId,
    /// Its name.
    pub name: String,
    /// Its PostgreSQL OID.
    pub oid: u32,
}

/// A schema: in a database, or builtin (outside any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Its id.
    pub id: SchemaId,
    /// Its database; `None` for builtin schemas.
    pub database: Option<DatabaseId>,
    /// Its name.
    pub name: String,
    /// Its PostgreSQL OID.
    pub oid: u32,
}

/// The kind of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ItemKind {
    /// A table.
    Table,
    /// A view: a named query, planned anew wherever it is used.
    View,
    /// A materialized view: a named query whose output a dataflow keeps
    /// in a durable collection of its own.
    MaterializedView,
    /// An index: a table or view kept arranged in memory (rebuilt at boot).
    Index,
    /// A secret: a value connections name instead of holding it.
    Secret,
    /// A connection: how to reach an upstream MySQL server.
    Connection,
    /// A MySQL source: one binlog stream feeding its subsources.
    Source,
    /// A subsource: one upstream table's copy, part of its source.
    Subsource,
    /// A source's progress subsource: the frontier of its GTIDs.
    ProgressSubsource,
}

impl ItemKind {
    /// The kind's name in messages (`table`, `view`); every part of a
    /// source is a `source`, as `DROP SOURCE` names them.
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Table => "table",
            ItemKind::View => "view",
            ItemKind::MaterializedView => "materialized view",
            ItemKind::Index => "index",
            ItemKind::Secret => "secret",
            ItemKind::Connection => "connection",
            ItemKind::Source | ItemKind::Subsource | ItemKind::ProgressSubsource => "source",
        }
    }

    /// Whether an item of this kind is part of the item it uses, and goes
    /// with it when it is dropped (an index with its relation, a subsource
    /// with its source) rather than keeping it from being dropped.
    pub fn is_part(self) -> bool {
        match self {
            ItemKind::Index | ItemKind::Subsource | ItemKind::ProgressSubsource => true,
            ItemKind::Table
            | ItemKind::View
            | ItemKind::MaterializedView
            | ItemKind::Secret
            | ItemKind::Connection
            | ItemKind::Source => false,
        }
    }

    /// Whether it is a subsource or progress subsource: a part of a source,
    /// whose first `uses` is that source.
    pub fn is_subsource(self) -> bool {
        matches!(self, ItemKind::Subsource | ItemKind::ProgressSubsource)
    }

    /// Whether it has a durable collection of its own (a table, a
    /// materialized view, or a subsource once created).
    pub fn has_collection(self) -> bool {
        matches!(self, ItemKind::Table | ItemKind::MaterializedView) || self.is_subsource()
    }
}

/// A catalog item: a table, and later views, sources, indexes, …
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Its id.
    pub id: GlobalId,
    /// Its schema.
    pub schema: SchemaId,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: ItemKind,
    /// Its PostgreSQL OID.
    pub oid: u32,
    /// The statement that defines it, names fully qualified.
    pub create_sql: String,
    /// Its columns, once the adapter has planned `create_sql`.
    pub desc: Option<RelationDesc>,
    /// The items its definition names; it cannot outlive them.
    pub uses: Vec<GlobalId>,
}

/// The durable catalog of one data directory.
#[derive(Debug)]
pub struct Catalog {
    store: Store,
    state: State,
    generation: u64,
}

/// Everything the catalog holds in memory; cloned to apply a transaction
/// before its write is durable.
#[derive(Debug, Clone, Default)]
struct State {
    databases: BTreeMap<DatabaseId, Database>,
    schemas: BTreeMap<SchemaId, Schema>,
    items: BTreeMap<GlobalId, Item>,
    roles: BTreeMap<String, Role>,
    clusters: BTreeMap<String, Cluster>,
    secrets: BTreeMap<GlobalId, String>,
    next: NextIds,
}

impl Catalog {
    /// Loads the catalog from `store`, initializing a new data directory
    /// with the `materialize` database and its `public` schema.
    pub fn open(store: Store) -> Result<Catalog, CatalogError> {
        let entries = store.catalog_scan()?;
        let mut state = State::default();
        for (n, name) in BUILTIN_SCHEMAS {
            let id = SchemaId::System(*n);
            let oid = 16_000 + u32::try_from(*n).unwrap_or(0);
            state.schemas.insert(
                id,
                Schema {
                    id,
                    database: None,
                    name: (*name).to_owned(),
                    oid,
                },
            );
        }
        for relation in BUILTIN_RELATIONS {
            let schema = state
                .schemas
                .values()
                .find(|s| s.name == relation.schema)
                .map(|s| s.id)
                .expect("every builtin relation is in a builtin schema");
            state.items.insert(
                relation.id,
                Item {
                    id: relation.id,
                    schema,
                    name: relation.name.to_owned(),
                    kind: ItemKind::Table,
                    oid: relation.oid(),
                    create_sql: String::new(),
                    desc: Some(relation.desc()),
                    uses: vec![],
                },
            );
        }
        let mut catalog = Catalog {
            store,
            state,
            generation: 0,
        };
        if entries.is_empty() {
            catalog
                .store
                .catalog_write(vec![put(VERSION_KEY.as_bytes().to_vec(), &FORMAT_VERSION)])?;
            catalog.transact(vec![Op::CreateDatabase {
                name: DEFAULT_DATABASE.to_owned(),
            }])?;
            catalog.ensure_default_cluster()?;
            tracing::info!(version = FORMAT_VERSION, "initialized a new catalog");
            return Ok(catalog);
        }
        // The version first: a newer format's entries may not decode here.
        let version = entries
            .iter()
            .find(|(key, _)| key.as_slice() == VERSION_KEY.as_bytes())
            .map(|(key, value)| decode::<u32>(key, value))
            .transpose()?;
        match version {
            Some(FORMAT_VERSION) => {}
            Some(found) => {
                return Err(CatalogError::UnsupportedFormat {
                    found,
                    supported: FORMAT_VERSION,
                });
            }
            None => {
                return Err(CatalogError::Corrupt {
                    key: VERSION_KEY.into(),
                    message: "missing".into(),
                });
            }
        }
        for (key, value) in &entries {
            let text = String::from_utf8_lossy(key);
            match text.split_once('/').map(|(kind, _)| kind) {
                _ if text == VERSION_KEY => {}
                _ if text == NEXT_IDS_KEY => catalog.state.next = decode(key, value)?,
                Some("database") => {
                    let r: DatabaseRecord = decode(key, value)?;
                    catalog.state.databases.insert(r.id, r.into());
                }
                Some("schema") => {
                    let r: SchemaRecord = decode(key, value)?;
                    catalog.state.schemas.insert(r.id, r.into());
                }
                Some("item") => {
                    let r: ItemRecord = decode(key, value)?;
                    catalog.state.items.insert(r.id, r.into_item(None));
                }
                Some("secret") => {
                    let r: SecretRecord = decode(key, value)?;
                    catalog.state.secrets.insert(r.id, r.value);
                }
                Some("cluster") => {
                    let cluster: Cluster = decode(key, value)?;
                    catalog.state.clusters.insert(cluster.name.clone(), cluster);
                }
                Some("role") => {
                    let role: Role = decode(key, value)?;
                    catalog.state.roles.insert(role.name.clone(), role);
                }
                _ => {
                    return Err(CatalogError::Corrupt {
                        key: text.into_owned(),
                        message: "unknown key".into(),
                    });
                }
            }
        }
        // Data directories from before clusters existed get `quickstart` now.
        catalog.ensure_default_cluster()?;
        tracing::info!(
            databases = catalog.state.databases.len(),
            schemas = catalog.state.schemas.len(),
            items = catalog.state.items.len(),
            "loaded catalog"
        );
        Ok(catalog)
    }

    /// Applies `ops` in order, all or nothing, with one synced write.
    pub fn transact(&mut self, ops: Vec<Op>) -> Result<Vec<OpResult>, CatalogError> {
        let mut state = self.state.clone();
        let mut writes = Vec::new();
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            results.push(state.apply(op, &mut writes)?);
        }
        writes.push(put(NEXT_IDS_KEY.as_bytes().to_vec(), &state.next));
        self.store.catalog_write(writes)?;
        self.state = state;
        self.generation += 1;
        Ok(results)
    }

    /// How many transactions have changed the catalog since it was opened:
    /// what derives from it is current while this stays the same.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Records the columns the adapter planned for an item at boot.
    pub fn set_item_desc(&mut self, id: GlobalId, desc: RelationDesc) {
        if let Some(item) = self.state.items.get_mut(&id) {
            item.desc = Some(desc);
        }
    }

    /// The database with this name.
    pub fn database_by_name(&self, name: &str) -> Option<&Database> {
        self.state.databases.values().find(|d| d.name == name)
    }

    /// The database with this id.
    pub fn database(&self, id: DatabaseId) -> Option<&Database> {
        self.state.databases.get(&id)
    }

    /// Every database.
    pub fn databases(&self) -> impl Iterator<Item = &Database> {
        self.state.databases.values()
    }

    /// The schema with this name in `database` (builtin ones for `None`).
    pub fn schema_by_name(&self, database: Option<DatabaseId>, name: &str) -> Option<&Schema> {
        self.state
            .schemas
            .values()
            .find(|s| s.database == database && s.name == name)
    }

    /// The schema with this id.
    pub fn schema(&self, id: SchemaId) -> Option<&Schema> {
        self.state.schemas.get(&id)
    }

    /// The schemas of `database` (builtin ones for `None`).
    pub fn schemas(&self, database: Option<DatabaseId>) -> impl Iterator<Item = &Schema> {
        self.state.schemas.values().filter(move |s| s.database == database)
    }

    /// The item with this name in a schema.
    pub fn item_by_name(&self, schema: SchemaId, name: &str) -> Option<&Item> {
        self.state.items.values().find(|i| i.schema == schema && i.name == name)
    }

    /// The item with this id.
    pub fn item(&self, id: GlobalId) -> Option<&Item> {
        self.state.items.get(&id)
    }

    /// Item `id`'s name, qualified by its database and schema (its id if
    /// there is no such item).
    pub fn full_name(&self, id: GlobalId) -> String {
        self.state.full_name(id)
    }

    /// Every item, in id order (the order they were created in).
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.state.items.values()
    }

    /// The value of secret `id`.
    pub fn secret(&self, id: GlobalId) -> Option<&str> {
        self.state.secrets.get(&id).map(String::as_str)
    }

    /// The cluster with this name.
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.state.clusters.get(name)
    }

    /// Every cluster, by name.
    pub fn clusters(&self) -> impl Iterator<Item = &Cluster> {
        self.state.clusters.values()
    }

    /// Creates [`DEFAULT_CLUSTER`] if the catalog has no cluster at all.
    fn ensure_default_cluster(&mut self) -> Result<(), CatalogError> {
        if self.state.clusters.is_empty() {
            self.transact(vec![Op::CreateCluster {
                name: DEFAULT_CLUSTER.to_owned(),
                size: DEFAULT_CLUSTER_SIZE.to_owned(),
                replication_factor: 1,
            }])?;
        }
        Ok(())
    }

    /// The role with this name.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.state.roles.get(name)
    }

    /// Every role, by name.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.state.roles.values()
    }
}

impl State {
    fn allocate_oid(&mut self) -> u32 {
        let oid = self.next.oid;
        self.next.oid += 1;
        oid
    }

    fn apply(&mut self, op: Op, writes: &mut Vec<KvOp>) -> Result<OpResult, CatalogError> {
        match op {
            Op::CreateSecret {
                schema,
                name,
                create_sql,
                value,
            } => {
                let created = self.apply(
                    Op::CreateItem {
                        schema,
                        name,
                        kind: ItemKind::Secret,
                        create_sql,
                        desc: RelationDesc::empty(),
                        uses: vec![],
                    },
                    writes,
                )?;
                if let OpResult::CreatedItem(id) = created {
                    self.set_secret(id, value, writes);
                }
                Ok(created)
            }
            Op::CreateSource { source, subsources } => {
                let source = self.create_item(source, writes)?;
                let mut created = Vec::new();
                for mut subsource in subsources {
                    subsource.uses.insert(0, source);
                    created.push(self.create_item(subsource, writes)?);
                }
                Ok(OpResult::CreatedSource {
                    source,
                    subsources: created,
                })
            }
            Op::AlterItem { id, create_sql, uses } => {
                let item = self
                    .items
                    .get_mut(&id)
                    .ok_or_else(|| CatalogError::UnknownItem(id.to_string()))?;
                item.create_sql = create_sql;
                item.uses = uses;
                writes.push(put(item_key(id), &ItemRecord::of(item)));
                Ok(OpResult::Altered(id))
            }
            Op::ReplaceItem { old, new } => {
                let new = self.replace_item(old, new, writes)?;
                Ok(OpResult::Replaced { old, new })
            }
            Op::RenameItem { id, name, rewrites } => {
                self.rename_item(id, name, rewrites, writes)?;
                Ok(OpResult::Altered(id))
            }
            Op::AlterSecret { id, value } => {
                if self.items.get(&id).is_none_or(|item| item.kind != ItemKind::Secret) {
                    return Err(CatalogError::UnknownItem(id.to_string()));
                }
                self.set_secret(id, value, writes);
                Ok(OpResult::Altered(id))
            }
            Op::CreateCluster {
                name,
                size,
                replication_factor,
            } => {
                let oid = self.allocate_oid();
                let cluster = Cluster {
                    name,
                    oid,
                    size,
                    replication_factor,
                };
                clusters::create(&mut self.clusters, cluster, writes)?;
                Ok(OpResult::Cluster)
            }
            Op::AlterCluster {
                name,
                size,
                replication_factor,
            } => {
                clusters::alter(&mut self.clusters, &name, size, replication_factor, writes)?;
                Ok(OpResult::Cluster)
            }
            Op::DropCluster { name } => {
                clusters::drop(&mut self.clusters, &name, writes)?;
                Ok(OpResult::Cluster)
            }
            Op::CreateRole { name, attributes } => {
                let oid = self.allocate_oid();
                roles::create(&mut self.roles, name, attributes, oid, writes)?;
                Ok(OpResult::Role)
            }
            Op::AlterRole { name, attributes } => {
                roles::alter(&mut self.roles, &name, attributes, writes)?;
                Ok(OpResult::Role)
            }
            Op::DropRole { name } => {
                roles::drop(&mut self.roles, &name, writes)?;
                Ok(OpResult::Role)
            }
            Op::CreateDatabase { name } => {
                if self.databases.values().any(|d| d.name == name) {
                    return Err(CatalogError::DatabaseExists(name));
                }
                let id = DatabaseId::User(self.next.database);
                self.next.database += 1;
                let oid = self.allocate_oid();
                let record = DatabaseRecord { id, name, oid };
                writes.push(put(database_key(id), &record));
                self.databases.insert(id, record.into());
                self.apply(
                    Op::CreateSchema {
                        database: id,
                        name: DEFAULT_SCHEMA.to_owned(),
                    },
                    writes,
                )?;
                Ok(OpResult::CreatedDatabase(id))
            }
            Op::CreateSchema { database, name } => {
                if !self.databases.contains_key(&database) {
                    return Err(CatalogError::UnknownDatabase(database.to_string()));
                }
                if self
                    .schemas
                    .values()
                    .any(|s| s.database == Some(database) && s.name == name)
                {
                    return Err(CatalogError::SchemaExists(name));
                }
                let id = SchemaId::User(self.next.schema);
                self.next.schema += 1;
                let oid = self.allocate_oid();
                let record = SchemaRecord {
                    id,
                    database,
                    name,
                    oid,
                };
                writes.push(put(schema_key(id), &record));
                self.schemas.insert(id, record.into());
                Ok(OpResult::CreatedSchema(id))
            }
            Op::CreateItem {
                schema,
                name,
                kind,
                create_sql,
                desc,
                uses,
            } => {
                let item = NewItem {
                    schema,
                    name,
                    kind,
                    create_sql,
                    desc,
                    uses,
                };
                Ok(OpResult::CreatedItem(self.create_item(item, writes)?))
            }
            Op::DropDatabase { id, restrict } => {
                let database = self
                    .databases
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| CatalogError::UnknownDatabase(id.to_string()))?;
                let schemas: Vec<SchemaId> = self
                    .schemas
                    .values()
                    .filter(|s| s.database == Some(id))
                    .map(|s| s.id)
                    .collect();
                if restrict && !schemas.is_empty() {
                    return Err(CatalogError::NotEmpty {
                        kind: "database",
                        name: database.name,
                    });
                }
                let mut items = Vec::new();
                for schema in schemas {
                    items.extend(self.drop_schema(schema, true, writes)?);
                }
                self.databases.remove(&id);
                writes.push(KvOp::Delete(database_key(id)));
                Ok(OpResult::Dropped { items })
            }
            Op::DropSchema { id, cascade } => Ok(OpResult::Dropped {
                items: self.drop_schema(id, cascade, writes)?,
            }),
            Op::DropItems { ids, cascade } => {
                for id in &ids {
                    if !self.items.contains_key(id) {
                        return Err(CatalogError::UnknownItem(id.to_string()));
                    }
                }
                let items = self.with_dependents(&ids, cascade)?;
                self.remove_items(&items, writes);
                Ok(OpResult::Dropped { items })
            }
        }
    }
}

mod items;
mod op;

pub use op::{NewItem, Op, OpResult};
#[cfg(test)]
mod tests;
