//! The errors of catalog changes.

use freshet_repr::SqlState;
use freshet_storage::StorageError;

/// A catalog change that cannot be made, or a catalog that cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CatalogError {
    /// A database with the name exists.
    #[error("database \"{0}\" already exists")]
    DatabaseExists(String),
    /// A schema with the name exists in the database.
    #[error("schema \"{0}\" already exists")]
    SchemaExists(String),
    /// An item with the name exists in the schema.
    #[error("{kind} \"{name}\" already exists")]
    ItemExists {
        /// `relation` (PostgreSQL's word for any table-like item).
        kind: &'static str,
        /// The item's name.
        name: String,
    },
    /// A database that does not exist (dropped concurrently).
    #[error("database \"{0}\" does not exist")]
    UnknownDatabase(String),
    /// A schema that does not exist (dropped concurrently).
    #[error("schema \"{0}\" does not exist")]
    UnknownSchema(String),
    /// An item that does not exist (dropped concurrently).
    #[error("catalog item \"{0}\" does not exist")]
    UnknownItem(String),
    /// A cluster with the name exists.
    #[error("cluster \"{0}\" already exists")]
    ClusterExists(String),
    /// A cluster that does not exist.
    #[error("unknown cluster '{0}'")]
    UnknownCluster(String),
    /// A role with the name exists.
    #[error("role \"{0}\" already exists")]
    RoleExists(String),
    /// A role that does not exist.
    #[error("role \"{0}\" does not exist")]
    UnknownRole(String),
    /// A container that is not empty, dropped without `CASCADE`.
    #[error("{kind} \"{name}\" cannot be dropped without CASCADE while it contains objects")]
    NotEmpty {
        /// `database` or `schema`.
        kind: &'static str,
        /// Its name.
        name: String,
    },
    /// An item that other items use, dropped without `CASCADE`.
    #[error("cannot drop {kind} {name} because other objects depend on it")]
    DependentObjects {
        /// The dropped item's kind (`table`, `view`).
        kind: &'static str,
        /// Its name.
        name: String,
        /// One line per dependency (`view v depends on table t`).
        detail: String,
    },
    /// An item replaced (`CREATE OR REPLACE`) while other items use it.
    #[error("cannot drop {name}: still depended upon by {} '{}'", users[0].0, users[0].1)]
    StillDependedUpon {
        /// The replaced item's kind (`view`).
        kind: &'static str,
        /// Its qualified name.
        name: String,
        /// Each item that uses it: its kind and qualified name.
        users: Vec<(&'static str, String)>,
    },
    /// The data directory was written by a version of Freshet this one does
    /// not understand.
    #[error("catalog format version {found} is not supported (this version of Freshet reads version {supported})")]
    UnsupportedFormat {
        /// The version on disk.
        found: u32,
        /// The version this build writes.
        supported: u32,
    },
    /// Catalog bytes that do not decode: the data directory is damaged.
    #[error("catalog entry {key} is corrupt: {message}")]
    Corrupt {
        /// The key of the entry.
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// The durable store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl CatalogError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            CatalogError::DatabaseExists(_) => SqlState::DuplicateDatabase,
            CatalogError::SchemaExists(_) => SqlState::DuplicateSchema,
            CatalogError::ItemExists { .. } => SqlState::DuplicateTable,
            CatalogError::UnknownDatabase(_) => SqlState::InvalidCatalogName,
            CatalogError::RoleExists(_) | CatalogError::ClusterExists(_) => SqlState::DuplicateObject,
            CatalogError::UnknownCluster(_) => SqlState::UndefinedObject,
            CatalogError::UnknownRole(_) => SqlState::UndefinedObject,
            CatalogError::UnknownSchema(_) => SqlState::InvalidSchemaName,
            CatalogError::UnknownItem(_) => SqlState::UndefinedObject,
            CatalogError::NotEmpty { .. }
            | CatalogError::DependentObjects { .. }
            | CatalogError::StillDependedUpon { .. } => SqlState::DependentObjectsStillExist,
            CatalogError::UnsupportedFormat { .. } | CatalogError::Corrupt { .. } => SqlState::DataCorrupted,
            CatalogError::Storage(e) => e.code(),
        }
    }

    /// A sentence of detail, where one helps.
    pub fn detail(&self) -> Option<String> {
        match self {
            CatalogError::DependentObjects { detail, .. } => Some(detail.clone()),
            CatalogError::StillDependedUpon { kind, users, .. } => Some(
                users
                    .iter()
                    .map(|(user_kind, user)| {
                        format!("Replacing the {kind} drops its old definition, which {user_kind} {user} depends on.")
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => None,
        }
    }

    /// A sentence suggesting a fix, where one helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            CatalogError::NotEmpty { kind, .. } => Some(format!(
                "Use DROP {} ... CASCADE to drop the objects too.",
                kind.to_uppercase()
            )),
            CatalogError::DependentObjects { .. } => {
                Some("Use DROP ... CASCADE to drop the dependent objects too.".into())
            }
            CatalogError::StillDependedUpon { kind, .. } => Some(format!(
                "Drop the dependent objects first, or create the new {kind} under another name."
            )),
            CatalogError::UnsupportedFormat { .. } => {
                Some("Run the version of Freshet that wrote this data directory.".into())
            }
            _ => None,
        }
    }

    /// Whether this is a name conflict (which `IF NOT EXISTS` turns into a notice).
    pub fn is_already_exists(&self) -> bool {
        matches!(
            self,
            CatalogError::DatabaseExists(_)
                | CatalogError::SchemaExists(_)
                | CatalogError::ItemExists { .. }
                | CatalogError::ClusterExists(_)
        )
    }
}
