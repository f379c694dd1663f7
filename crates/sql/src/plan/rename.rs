//! `ALTER … RENAME TO`: an item's new name, and the definitions that name
//! it rewritten to the new name.
//!
//! Stored definitions name every item they use by its fully qualified,
//! quoted name (`"db"."schema"."item"`), so a rename finds each reference
//! to the item as that sequence of tokens, in any kind of definition
//! (views, materialized views, indexes, connections, sources, subsources
//! and the item's own), and replaces its last part. Nothing else of the
//! text changes.
//!
//! A query that qualifies columns with the item's name (`t.a`) would lose
//! its meaning if the name in its `FROM` clause changed alone: as
//! PostgreSQL does when it prints a view over a renamed table, each
//! reference there keeps the old name as its alias (`FROM "db"."s"."u" AS
//! "t"`). Every rewritten query definition is then planned again with the
//! rename applied, and must give the same columns; if one does not, the
//! rename is refused and nothing changes.

mod rewrite;

use std::collections::BTreeMap;

use freshet_repr::{DatabaseId, GlobalId, SchemaId};
use sqlparser::ast;

use super::Plan;
use crate::PlanError;
use crate::catalog::{CatalogItem, CatalogReader, ClusterInfo, ItemKind, SchemaInfo};
use crate::names::{normalize_ident, resolve_item_of_kind, schema_of};
use crate::parse::parse;

/// `ALTER kind [IF EXISTS] name RENAME TO new_name`.
pub(crate) fn plan_alter_rename(
    catalog: &dyn CatalogReader,
    kind: ItemKind,
    name: &ast::ObjectName,
    if_exists: bool,
    to: &ast::Ident,
) -> Result<Plan, PlanError> {
    let new_name = normalize_ident(to);
    let item = match resolve_item_of_kind(catalog, name, kind) {
        Ok(item) => item,
        Err(PlanError::UnknownItem { name, .. }) if if_exists => {
            return Ok(Plan::RenameItem {
                id: None,
                kind,
                name,
                new_name,
                rewrites: Vec::new(),
            });
        }
        Err(e) => return Err(e),
    };
    if item.name.database.is_none() {
        return Err(PlanError::SystemSchema(item.name.schema));
    }
    let schema = schema_of(catalog, &item.name)?;
    if catalog.resolve_item(schema.id, &new_name).is_some() {
        return Err(PlanError::ItemExists(new_name));
    }
    let mut rewrites = BTreeMap::new();
    for user in user_items(catalog) {
        let query = matches!(user.kind, ItemKind::View | ItemKind::MaterializedView);
        if let Some(sql) = rewrite::rename_references(&user.create_sql, &item.name, &new_name, query)? {
            rewrites.insert(user.id, (user, sql));
        }
    }
    // An index's own name is not qualified: its definition is rewritten
    // as a statement.
    if item.kind == ItemKind::Index {
        let create_sql = rewrites
            .get(&item.id)
            .map_or(item.create_sql.as_str(), |(_, sql)| sql.as_str());
        let sql = rewrite::rename_index(create_sql, &new_name)?;
        rewrites.insert(item.id, (item.clone(), sql));
    }
    let renamed = Renamed {
        inner: catalog,
        id: item.id,
        schema: schema.id,
        old: item.name.item.clone(),
        new: new_name.clone(),
        rewrites: rewrites.iter().map(|(id, (_, sql))| (*id, sql.clone())).collect(),
    };
    for (user, sql) in rewrites.values() {
        check_replans(&renamed, &item, user, sql)?;
    }
    Ok(Plan::RenameItem {
        id: Some(item.id),
        kind,
        name: item.name.to_string(),
        new_name,
        rewrites: rewrites.into_iter().map(|(id, (_, sql))| (id, sql)).collect(),
    })
}

/// Every item of every database.
fn user_items(catalog: &dyn CatalogReader) -> Vec<CatalogItem> {
    catalog
        .database_names()
        .iter()
        .filter_map(|name| catalog.resolve_database(name))
        .flat_map(|database| catalog.schemas(Some(database)))
        .flat_map(|schema| catalog.items(schema.id))
        .collect()
}

/// Fails unless `user`'s rewritten definition `sql` (a view's, a
/// materialized view's or an index's) plans, with the rename applied, to
/// the columns it has now.
fn check_replans(renamed: &Renamed<'_>, item: &CatalogItem, user: &CatalogItem, sql: &str) -> Result<(), PlanError> {
    if !matches!(user.kind, ItemKind::View | ItemKind::MaterializedView | ItemKind::Index) {
        return Ok(());
    }
    let broken = |reason: String| PlanError::RenameBreaksDefinition {
        name: item.name.to_string(),
        kind: user.kind.name(),
        user: user.name.to_string(),
        reason,
    };
    let statements = parse(sql).map_err(|e| broken(e.to_string()))?;
    let [statement] = statements.as_slice() else {
        return Err(broken("it is not one statement".into()));
    };
    let desc = match super::plan(renamed, statement).map_err(|e| broken(e.to_string()))? {
        Plan::CreateView { view, .. } | Plan::CreateMaterializedView { view, .. } => view.desc,
        Plan::CreateIndex { index, .. } => index.desc,
        other => return Err(broken(format!("it plans to {other:?}"))),
    };
    if desc != user.desc {
        return Err(broken("its columns would change".into()));
    }
    Ok(())
}

/// The catalog as it is once item `id` is renamed from `old` to `new` and
/// the definitions in `rewrites` are rewritten, seen with no active
/// database and no search path (as stored definitions are planned).
struct Renamed<'a> {
    inner: &'a dyn CatalogReader,
    id: GlobalId,
    schema: SchemaId,
    old: String,
    new: String,
    rewrites: BTreeMap<GlobalId, String>,
}

impl Renamed<'_> {
    /// `item` with its name and definition as they will be.
    fn apply(&self, mut item: CatalogItem) -> CatalogItem {
        if item.id == self.id {
            item.name.item = self.new.clone();
        }
        if let Some(sql) = self.rewrites.get(&item.id) {
            item.create_sql = sql.clone();
        }
        item
    }
}

impl CatalogReader for Renamed<'_> {
    fn active_database(&self) -> &str {
        ""
    }
    fn search_path(&self) -> &[String] {
        &[]
    }
    fn session_user(&self) -> &str {
        ""
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
        let item = if schema != self.schema {
            self.inner.resolve_item(schema, name)
        } else if name == self.new {
            self.inner.resolve_item(schema, &self.old)
        } else if name == self.old {
            None
        } else {
            self.inner.resolve_item(schema, name)
        };
        item.map(|item| self.apply(item))
    }
    fn database_names(&self) -> Vec<String> {
        self.inner.database_names()
    }
    fn schemas(&self, database: Option<DatabaseId>) -> Vec<SchemaInfo> {
        self.inner.schemas(database)
    }
    fn items(&self, schema: SchemaId) -> Vec<CatalogItem> {
        self.inner
            .items(schema)
            .into_iter()
            .map(|item| self.apply(item))
            .collect()
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
        true
    }
}
