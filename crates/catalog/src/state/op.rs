//! The changes a catalog transaction is made of ([`Op`]), and what each
//! did ([`OpResult`]).

use freshet_repr::{DatabaseId, GlobalId, RelationDesc, SchemaId};

use super::ItemKind;
use crate::roles::RoleAttributes;

/// An item to create, in [`Op::CreateSource`].
#[derive(Debug, Clone)]
pub struct NewItem {
    /// The schema.
    pub schema: SchemaId,
    /// The name.
    pub name: String,
    /// The kind.
    pub kind: ItemKind,
    /// The defining statement.
    pub create_sql: String,
    /// Its columns.
    pub desc: RelationDesc,
    /// The items its definition names.
    pub uses: Vec<GlobalId>,
}

impl NewItem {
    /// The change that creates this item, or with `replace`, that replaces
    /// item `replace` with it (`CREATE OR REPLACE`).
    pub fn create_or_replace(self, replace: Option<GlobalId>) -> Op {
        match replace {
            Some(old) => Op::ReplaceItem { old, new: self },
            None => Op::CreateItem {
                schema: self.schema,
                name: self.name,
                kind: self.kind,
                create_sql: self.create_sql,
                desc: self.desc,
                uses: self.uses,
            },
        }
    }
}

/// One change in a catalog transaction.
#[derive(Debug, Clone)]
pub enum Op {
    /// Creates a database and its `public` schema.
    CreateDatabase {
        /// The name.
        name: String,
    },
    /// Creates a schema in a database.
    CreateSchema {
        /// The database.
        database: DatabaseId,
        /// The name.
        name: String,
    },
    /// Creates an item.
    CreateItem {
        /// The schema.
        schema: SchemaId,
        /// The name.
        name: String,
        /// The kind.
        kind: ItemKind,
        /// The defining statement.
        create_sql: String,
        /// Its columns.
        desc: RelationDesc,
        /// The items its definition names.
        uses: Vec<GlobalId>,
    },
    /// Creates a source and its subsources, each of which uses the source
    /// (besides the items in its own `uses`).
    CreateSource {
        /// The source.
        source: NewItem,
        /// Its subsources and progress subsource.
        subsources: Vec<NewItem>,
    },
    /// Drops a database with everything in it (`restrict`: only if it has
    /// no schemas).
    DropDatabase {
        /// The database.
        id: DatabaseId,
        /// Refuse if it contains schemas.
        restrict: bool,
    },
    /// Drops a schema (`cascade`: with its items).
    DropSchema {
        /// The schema.
        id: SchemaId,
        /// Drop its items too.
        cascade: bool,
    },
    /// Drops items (`cascade`: with the items that use them, and the
    /// items that use those; otherwise such items make it fail).
    DropItems {
        /// The items.
        ids: Vec<GlobalId>,
        /// Drop what uses them too.
        cascade: bool,
    },
    /// Creates a secret: an item whose value is kept apart from its
    /// (redacted) definition.
    CreateSecret {
        /// The schema.
        schema: SchemaId,
        /// The name.
        name: String,
        /// The defining statement, with the value redacted.
        create_sql: String,
        /// The value.
        value: String,
    },
    /// Replaces an item's definition and what it uses (`ALTER CONNECTION`).
    AlterItem {
        /// The item.
        id: GlobalId,
        /// Its new definition.
        create_sql: String,
        /// The items the new definition names.
        uses: Vec<GlobalId>,
    },
    /// Replaces item `old` (which nothing may use) by a new item, with a
    /// new id: `CREATE OR REPLACE`.
    ReplaceItem {
        /// The item replaced.
        old: GlobalId,
        /// What replaces it.
        new: NewItem,
    },
    /// Renames an item within its schema, and sets the definitions that
    /// name it (its own among them) to their rewritten forms.
    RenameItem {
        /// The item.
        id: GlobalId,
        /// Its new name.
        name: String,
        /// Each item whose definition names it, with its new definition.
        rewrites: Vec<(GlobalId, String)>,
    },
    /// Replaces a secret's value.
    AlterSecret {
        /// The secret.
        id: GlobalId,
        /// The new value.
        value: String,
    },
    /// Creates a cluster.
    CreateCluster {
        /// The name.
        name: String,
        /// Its size.
        size: String,
        /// How many replicas it has.
        replication_factor: u32,
    },
    /// Changes a cluster's size or replication factor.
    AlterCluster {
        /// The cluster.
        name: String,
        /// Its new size, if it changes.
        size: Option<String>,
        /// Its new replication factor, if it changes.
        replication_factor: Option<u32>,
    },
    /// Drops a cluster (its indexes must be dropped in the same transaction, first).
    DropCluster {
        /// The cluster.
        name: String,
    },
    /// Creates a role.
    CreateRole {
        /// The name.
        name: String,
        /// Its attributes (unset ones take their defaults: no login, no password).
        attributes: RoleAttributes,
    },
    /// Changes the attributes of a role that `attributes` sets.
    AlterRole {
        /// The role.
        name: String,
        /// What changes.
        attributes: RoleAttributes,
    },
    /// Drops a role.
    DropRole {
        /// The role.
        name: String,
    },
}

/// What one [`Op`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// A database was created.
    CreatedDatabase(DatabaseId),
    /// A schema was created.
    CreatedSchema(SchemaId),
    /// An item was created.
    CreatedItem(GlobalId),
    /// A source was created with these subsources.
    CreatedSource {
        /// The source.
        source: GlobalId,
        /// Its subsources, in the order given.
        subsources: Vec<GlobalId>,
    },
    /// An item was changed.
    Altered(GlobalId),
    /// An item was replaced by a new one.
    Replaced {
        /// The item that no longer exists.
        old: GlobalId,
        /// The one that took its place.
        new: GlobalId,
    },
    /// A role was created, changed or dropped.
    Role,
    /// A cluster was created or dropped.
    Cluster,
    /// Objects were dropped; these items among them.
    Dropped {
        /// Every item that no longer exists.
        items: Vec<GlobalId>,
    },
}
