//! What the planner needs to know about the catalog, as a trait the adapter
//! implements over the durable catalog and the session.

use std::fmt;

use freshet_repr::{DatabaseId, GlobalId, RelationDesc, SchemaId};

/// The kind of a catalog item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    /// A table written with `INSERT`, `UPDATE`, `DELETE`.
    Table,
    /// A view: a named query.
    View,
    /// A materialized view: a named query whose output is kept in storage.
    MaterializedView,
    /// An index: a table or view kept arranged in memory by a key.
    Index,
    /// A secret: a value connections use without showing it.
    Secret,
    /// A connection: how to reach an upstream MySQL server.
    Connection,
    /// A MySQL source.
    Source,
    /// A subsource: one upstream table's copy.
    Subsource,
    /// A source's progress subsource.
    ProgressSubsource,
}

impl ItemKind {
    /// The kind's name with its article, for messages (`an index`).
    pub fn with_article(self) -> &'static str {
        match self {
            ItemKind::Table => "a table",
            ItemKind::View => "a view",
            ItemKind::MaterializedView => "a materialized view",
            ItemKind::Index => "an index",
            ItemKind::Secret => "a secret",
            ItemKind::Connection => "a connection",
            ItemKind::Source | ItemKind::Subsource | ItemKind::ProgressSubsource => "a source",
        }
    }

    /// The kind's name in messages (`table`).
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

    /// Whether it is a source or a part of one (what `DROP SOURCE` and
    /// `SHOW SOURCES` name).
    pub fn is_source(self) -> bool {
        matches!(
            self,
            ItemKind::Source | ItemKind::Subsource | ItemKind::ProgressSubsource
        )
    }

    /// Whether a statement about objects of this kind (`DROP SOURCE`) can
    /// name an item of kind `item`: one of the same kind, or for sources,
    /// any part of one.
    pub fn accepts(self, item: ItemKind) -> bool {
        self == item || (self == ItemKind::Source && item.is_source())
    }

    /// The `type` `SHOW SOURCES` and `mz_sources` print for a source kind.
    pub fn source_type(self) -> Option<&'static str> {
        match self {
            ItemKind::Source => Some("mysql"),
            ItemKind::Subsource => Some("subsource"),
            ItemKind::ProgressSubsource => Some("progress"),
            ItemKind::Table
            | ItemKind::View
            | ItemKind::MaterializedView
            | ItemKind::Index
            | ItemKind::Secret
            | ItemKind::Connection => None,
        }
    }
}

/// The fully qualified name of an item, for messages and stored SQL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FullItemName {
    /// The database, or `None` for builtin schemas outside any database.
    pub database: Option<String>,
    /// The schema.
    pub schema: String,
    /// The item.
    pub item: String,
}

impl fmt::Display for FullItemName {
    /// Dotted, with each part quoted only where PostgreSQL would need it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(db) = &self.database {
            write!(f, "{}.", quote_ident(db))?;
        }
        write!(f, "{}.{}", quote_ident(&self.schema), quote_ident(&self.item))
    }
}

/// Quotes an identifier when it is not a plain lower-case name.
pub fn quote_ident(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// An item as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogItem {
    /// Its id.
    pub id: GlobalId,
    /// Its name.
    pub name: FullItemName,
    /// Its kind.
    pub kind: ItemKind,
    /// Its PostgreSQL OID (`pg_class.oid`).
    pub oid: u32,
    /// Its columns.
    pub desc: RelationDesc,
    /// The statement that defines it (for what `desc` does not carry, such
    /// as column defaults).
    pub create_sql: String,
}

/// A schema as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaInfo {
    /// Its id.
    pub id: SchemaId,
    /// Its database, `None` for builtin schemas outside any database.
    pub database: Option<DatabaseId>,
    /// Its name.
    pub name: String,
    /// Its PostgreSQL OID (`pg_namespace.oid`).
    pub oid: u32,
}

/// Read access to the catalog, seen from one session (its database and
/// search path). Implemented by the adapter; planning is pure given this.
pub trait CatalogReader {
    /// The session's database (which need not exist).
    fn active_database(&self) -> &str;
    /// The session's search path, as set (entries need not exist).
    fn search_path(&self) -> &[String];
    /// The user the session logged in as (`session_user`).
    fn session_user(&self) -> &str;
    /// The database with this name.
    fn resolve_database(&self, name: &str) -> Option<DatabaseId>;
    /// The schema with this name: in `database`, or a builtin schema
    /// outside any database when `database` is `None`.
    fn resolve_schema(&self, database: Option<DatabaseId>, name: &str) -> Option<SchemaInfo>;
    /// The name of a database.
    fn database_name(&self, id: DatabaseId) -> Option<String>;
    /// The item with this name in a schema.
    fn resolve_item(&self, schema: SchemaId, name: &str) -> Option<CatalogItem>;
    /// Every database's name, sorted.
    fn database_names(&self) -> Vec<String>;
    /// The schemas of a database (or the builtin ones for `None`).
    fn schemas(&self, database: Option<DatabaseId>) -> Vec<SchemaInfo>;
    /// The items of a schema.
    fn items(&self, schema: SchemaId) -> Vec<CatalogItem>;
    /// The session's cluster (`SET cluster`), which need not exist.
    fn active_cluster(&self) -> &str;
    /// The cluster with this name.
    fn cluster(&self, name: &str) -> Option<ClusterInfo>;
    /// Every cluster, sorted by name.
    fn clusters(&self) -> Vec<ClusterInfo>;
    /// Whether the statements planned are the catalog's stored definitions
    /// (at boot), which may use forms users cannot write (`CREATE
    /// SUBSOURCE`, a purified `CREATE SOURCE`).
    fn stored_definitions(&self) -> bool {
        false
    }
}

/// What planning needs to know of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// Its name.
    pub name: String,
    /// Its size.
    pub size: String,
    /// How many replicas it has.
    pub replication_factor: u32,
}
