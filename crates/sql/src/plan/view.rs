//! Views: planning `CREATE [OR REPLACE] VIEW`, and planning a view's query wherever a
//! query names the view.
//!
//! A view stores its defining statement with every relation it reads
//! fully qualified, so that the statement means the same thing whatever
//! the search path of the session that uses it (or of the server, which
//! re-plans it at boot with none). Its query is planned anew, as a derived
//! table, in every query that reads it.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use freshet_repr::{ColumnName, ColumnType, DatabaseId, GlobalId, RelationDesc, SchemaId};
use sqlparser::ast::{self, Visit, VisitMut, Visitor, VisitorMut};

use super::hir::HirRel;
use super::query::{QueryContext, plan_nested_query};
use super::{Plan, ViewPlan};
use crate::PlanError;
use crate::catalog::{CatalogItem, CatalogReader, ClusterInfo, FullItemName, ItemKind, SchemaInfo};
use crate::names::{name_for_create, name_parts, normalize_ident, qualified_name, resolve_item};
use crate::parse::{Statement, parse};

/// `CREATE [OR REPLACE] VIEW [IF NOT EXISTS] name [(columns)] AS query`.
pub(crate) fn plan_create_view(catalog: &dyn CatalogReader, create: &ast::CreateView) -> Result<Plan, PlanError> {
    if create.materialized {
        return Err(PlanError::Unsupported("CREATE MATERIALIZED VIEW".into()));
    }
    if create.or_alter {
        return Err(PlanError::Unsupported("CREATE OR ALTER VIEW".into()));
    }
    if create.or_replace && create.if_not_exists {
        return Err(PlanError::Parse {
            message: "cannot specify both OR REPLACE and IF NOT EXISTS".into(),
            detail: None,
            position: None,
        });
    }
    if create.temporary {
        return Err(PlanError::Unsupported("CREATE TEMPORARY VIEW".into()));
    }
    if create.secure
        || create.to.is_some()
        || create.params.is_some()
        || create.comment.is_some()
        || !create.cluster_by.is_empty()
        || create.with_no_schema_binding
        || create.copy_grants
        || !matches!(create.options, ast::CreateTableOptions::None)
    {
        return Err(PlanError::Unsupported("CREATE VIEW options".into()));
    }
    if create
        .columns
        .iter()
        .any(|c| c.data_type.is_some() || c.options.is_some())
    {
        return Err(PlanError::Unsupported(
            "types or options in a view's column list".into(),
        ));
    }
    let (schema, name) = name_for_create(catalog, &create.name, "view")?;
    let columns: Vec<String> = create.columns.iter().map(|c| normalize_ident(&c.name)).collect();
    let desc = view_desc(catalog, &create.query, &columns)?;

    // Store the statement with the view's name and every relation its
    // query reads fully qualified.
    let mut query = (*create.query).clone();
    let uses = qualify_relations(catalog, &mut query)?;
    let replace = if create.or_replace {
        replaced_item(catalog, &schema, &name, ItemKind::View, &uses)?
    } else {
        None
    };
    let mut stored = create.clone();
    stored.if_not_exists = false;
    stored.or_replace = false;
    stored.name = qualified_name(&name);
    stored.query = Box::new(query);
    let create_sql = ast::Statement::CreateView(stored).to_string();
    check_stands_alone(catalog, &create_sql, &desc)?;
    Ok(Plan::CreateView {
        schema: schema.id,
        name,
        view: ViewPlan { desc, create_sql, uses },
        if_not_exists: create.if_not_exists,
        replace,
    })
}

/// The item `CREATE OR REPLACE` of a `kind` named `name` (in `schema`)
/// replaces: the item of that name, which must be of `kind` and not read
/// by the new definition (whose direct inputs are `uses`); `None` when the
/// name is free.
pub(crate) fn replaced_item(
    catalog: &dyn CatalogReader,
    schema: &SchemaInfo,
    name: &FullItemName,
    kind: ItemKind,
    uses: &[GlobalId],
) -> Result<Option<GlobalId>, PlanError> {
    let Some(existing) = catalog.resolve_item(schema.id, &name.item) else {
        return Ok(None);
    };
    if existing.kind != kind {
        return Err(PlanError::WrongObjectType {
            name: existing.name.item,
            expected: kind.with_article(),
        });
    }
    if uses.contains(&existing.id) {
        return Err(PlanError::ReplaceSelfDependent {
            kind: kind.name(),
            name: existing.name.to_string(),
        });
    }
    Ok(Some(existing.id))
}

/// The `CREATE VIEW` statement stored as `create_sql`.
fn stored_view(create_sql: &str) -> Result<ast::CreateView, PlanError> {
    let statements = parse(create_sql)?;
    match statements.as_slice() {
        [Statement::Sql(statement)] => match &**statement {
            ast::Statement::CreateView(create) => Ok(create.clone()),
            _ => Err(PlanError::Unsupported(format!("a view defined as {create_sql}"))),
        },
        _ => Err(PlanError::Unsupported(format!("a view defined as {create_sql}"))),
    }
}

/// The rows of view `item`, planned from its stored definition, as a
/// relation with the view's column types.
pub(crate) fn plan_view(catalog: &dyn CatalogReader, item: &CatalogItem) -> Result<HirRel, PlanError> {
    let create = stored_view(&item.create_sql)?;
    let planned = plan_nested_query(&QueryContext::new(catalog), &create.query)?;
    let expected: Vec<ColumnType> = item.desc.types().copied().collect();
    if planned.types != expected {
        return Err(PlanError::Unsupported(format!(
            "view {} whose query no longer plans to its columns",
            item.name
        )));
    }
    Ok(planned.rel)
}

/// The view's columns: its query's, renamed by the column list.
pub(crate) fn view_desc(
    catalog: &dyn CatalogReader,
    query: &ast::Query,
    columns: &[String],
) -> Result<RelationDesc, PlanError> {
    let planned = plan_nested_query(&QueryContext::new(catalog), query)?;
    if columns.len() > planned.names.len() {
        return Err(PlanError::Parse {
            message: "CREATE VIEW specifies more column names than columns".into(),
            detail: None,
            position: None,
        });
    }
    let names: Vec<String> = planned
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| columns.get(i).cloned().unwrap_or_else(|| name.clone()))
        .collect();
    let mut seen = BTreeSet::new();
    for name in &names {
        if !seen.insert(name) {
            return Err(PlanError::DuplicateColumn(name.clone()));
        }
    }
    Ok(RelationDesc::new(
        names.into_iter().map(ColumnName).zip(planned.types.iter().copied()),
    ))
}

/// Rewrites every relation `query` reads from the catalog to its fully
/// qualified name, and returns the items it reads. Names of `WITH` queries
/// stay as they are, and so do table functions (not catalog items).
pub(crate) fn qualify_relations(
    catalog: &dyn CatalogReader,
    query: &mut ast::Query,
) -> Result<Vec<GlobalId>, PlanError> {
    struct Qualify<'a> {
        catalog: &'a dyn CatalogReader,
        ctes: BTreeSet<String>,
        uses: BTreeSet<GlobalId>,
    }
    impl VisitorMut for Qualify<'_> {
        type Break = PlanError;
        fn pre_visit_table_factor(&mut self, factor: &mut ast::TableFactor) -> ControlFlow<PlanError> {
            let ast::TableFactor::Table { name, args: None, .. } = factor else {
                return ControlFlow::Continue(());
            };
            let is_cte = matches!(name_parts(name).as_deref(), Ok([single]) if self.ctes.contains(single));
            if is_cte {
                return ControlFlow::Continue(());
            }
            match resolve_item(self.catalog, name) {
                Ok(item) => {
                    self.uses.insert(item.id);
                    *name = qualified_name(&item.name);
                    ControlFlow::Continue(())
                }
                Err(e) => ControlFlow::Break(e),
            }
        }
    }
    let mut qualify = Qualify {
        catalog,
        ctes: cte_names(query),
        uses: BTreeSet::new(),
    };
    match query.visit(&mut qualify) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(qualify.uses.into_iter().collect()),
    }
}

/// The names of every `WITH` query defined anywhere in `query`.
fn cte_names(query: &ast::Query) -> BTreeSet<String> {
    struct Ctes(BTreeSet<String>);
    impl Visitor for Ctes {
        type Break = ();
        fn pre_visit_query(&mut self, query: &ast::Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                for cte in &with.cte_tables {
                    self.0.insert(normalize_ident(&cte.alias.name));
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut ctes = Ctes(BTreeSet::new());
    let _ = query.visit(&mut ctes);
    ctes.0
}

/// Fails unless the stored definition plans, with no search path, to the
/// same columns: a `WITH` query named like a table, read outside the
/// `WITH`, would otherwise stay unqualified and mean something else later.
fn check_stands_alone(catalog: &dyn CatalogReader, create_sql: &str, desc: &RelationDesc) -> Result<(), PlanError> {
    let create = stored_view(create_sql)?;
    let columns: Vec<String> = create.columns.iter().map(|c| normalize_ident(&c.name)).collect();
    check_query_stands_alone(catalog, &create.query, &columns, desc)
}

/// Whether a stored query (with its column names) plans to `desc` without
/// the session's search path, as the server re-plans it at boot.
pub(crate) fn check_query_stands_alone(
    catalog: &dyn CatalogReader,
    query: &ast::Query,
    columns: &[String],
    desc: &RelationDesc,
) -> Result<(), PlanError> {
    let unrooted = WithoutSearchPath(catalog);
    match view_desc(&unrooted, query, columns) {
        Ok(stored) if stored == *desc => Ok(()),
        _ => Err(PlanError::Unsupported(
            "a view that reads a WITH query's name outside the WITH clause that defines it".into(),
        )),
    }
}

/// A catalog seen with no active database and an empty search path, as
/// the server sees it when it re-plans stored definitions.
struct WithoutSearchPath<'a>(&'a dyn CatalogReader);

impl CatalogReader for WithoutSearchPath<'_> {
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
        self.0.resolve_database(name)
    }
    fn resolve_schema(&self, database: Option<DatabaseId>, name: &str) -> Option<SchemaInfo> {
        self.0.resolve_schema(database, name)
    }
    fn database_name(&self, id: DatabaseId) -> Option<String> {
        self.0.database_name(id)
    }
    fn resolve_item(&self, schema: SchemaId, name: &str) -> Option<CatalogItem> {
        self.0.resolve_item(schema, name)
    }
    fn database_names(&self) -> Vec<String> {
        self.0.database_names()
    }
    fn schemas(&self, database: Option<DatabaseId>) -> Vec<SchemaInfo> {
        self.0.schemas(database)
    }
    fn items(&self, schema: SchemaId) -> Vec<CatalogItem> {
        self.0.items(schema)
    }
    fn active_cluster(&self) -> &str {
        self.0.active_cluster()
    }
    fn cluster(&self, name: &str) -> Option<ClusterInfo> {
        self.0.cluster(name)
    }
    fn clusters(&self) -> Vec<ClusterInfo> {
        self.0.clusters()
    }
}
