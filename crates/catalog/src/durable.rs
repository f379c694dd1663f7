//! The on-disk format of the catalog: keys, records and the format version.
//!
//! Every record is JSON under a key that names its kind and id, so the
//! catalog column family reads as a plain, versioned document store.

use freshet_repr::{DatabaseId, GlobalId, RelationDesc, SchemaId};
use freshet_storage::KvOp;
use serde::{Deserialize, Serialize};

use crate::CatalogError;
use crate::state::{Database, Item, ItemKind, Schema};

/// The version of the format this build reads and writes. A data
/// directory of another version is refused at boot (a migration from each
/// older version is added here when the format changes).
pub const FORMAT_VERSION: u32 = 1;

pub(crate) const VERSION_KEY: &str = "meta/format_version";
pub(crate) const NEXT_IDS_KEY: &str = "meta/next_ids";

/// The next id of each kind. Persisted with every allocation, so ids are
/// never reused, even for objects that were dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NextIds {
    pub(crate) database: u64,
    pub(crate) schema: u64,
    pub(crate) item: u64,
    pub(crate) oid: u32,
}

impl Default for NextIds {
    fn default() -> Self {
        // User OIDs start where Materialize's do, above every builtin one.
        NextIds {
            database: 1,
            schema: 1,
            item: 1,
            oid: 20_000,
        }
    }
}

/// A database as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DatabaseRecord {
    pub(crate) id: DatabaseId,
    pub(crate) name: String,
    pub(crate) oid: u32,
}

/// A schema as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SchemaRecord {
    pub(crate) id: SchemaId,
    pub(crate) database: DatabaseId,
    pub(crate) name: String,
    pub(crate) oid: u32,
}

/// An item as stored: its definition is its SQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ItemRecord {
    pub(crate) id: GlobalId,
    pub(crate) schema: SchemaId,
    pub(crate) name: String,
    pub(crate) kind: ItemKind,
    pub(crate) oid: u32,
    pub(crate) create_sql: String,
    /// The items its definition names (a view's tables and views).
    #[serde(default)]
    pub(crate) uses: Vec<GlobalId>,
}

impl From<DatabaseRecord> for Database {
    fn from(r: DatabaseRecord) -> Database {
        Database {
            id: r.id,
            name: r.name,
            oid: r.oid,
        }
    }
}

impl From<SchemaRecord> for Schema {
    fn from(r: SchemaRecord) -> Schema {
        Schema {
            id: r.id,
            database: Some(r.database),
            name: r.name,
            oid: r.oid,
        }
    }
}

impl ItemRecord {
    /// The record of `item` as it is in memory.
    pub(crate) fn of(item: &Item) -> ItemRecord {
        ItemRecord {
            id: item.id,
            schema: item.schema,
            name: item.name.clone(),
            kind: item.kind,
            oid: item.oid,
            create_sql: item.create_sql.clone(),
            uses: item.uses.clone(),
        }
    }

    /// The item in memory, with its columns if they are known (at boot they
    /// are not until the adapter re-plans `create_sql`).
    pub(crate) fn into_item(self, desc: Option<RelationDesc>) -> Item {
        Item {
            id: self.id,
            schema: self.schema,
            name: self.name,
            kind: self.kind,
            oid: self.oid,
            create_sql: self.create_sql,
            desc,
            uses: self.uses,
        }
    }
}

/// A secret's value, kept apart from its item (whose `create_sql` shows
/// no value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SecretRecord {
    pub(crate) id: GlobalId,
    pub(crate) value: String,
}

pub(crate) fn secret_key(id: GlobalId) -> Vec<u8> {
    format!("secret/{id}").into_bytes()
}

pub(crate) fn database_key(id: DatabaseId) -> Vec<u8> {
    format!("database/{id}").into_bytes()
}

pub(crate) fn schema_key(id: SchemaId) -> Vec<u8> {
    format!("schema/{id}").into_bytes()
}

pub(crate) fn item_key(id: GlobalId) -> Vec<u8> {
    format!("item/{id}").into_bytes()
}

/// A put of `value` as JSON under `key`.
pub(crate) fn put<T: Serialize>(key: Vec<u8>, value: &T) -> KvOp {
    KvOp::Put(
        key,
        serde_json::to_vec(value).expect("catalog records are plain data and always serialize"),
    )
}

/// Decodes a JSON value, naming the key if it is damaged.
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(key: &[u8], value: &[u8]) -> Result<T, CatalogError> {
    serde_json::from_slice(value).map_err(|e| CatalogError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        message: e.to_string(),
    })
}
