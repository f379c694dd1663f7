//! `SHOW DATABASES`, `SHOW SCHEMAS`, `SHOW TABLES`, `SHOW VIEWS`,
//! `SHOW MATERIALIZED VIEWS`, `SHOW INDEXES`, `SHOW SOURCES`, `SHOW
//! SUBSOURCES`, `SHOW COLUMNS`, `SHOW CREATE …`: answered from the catalog
//! as constant relations, each with Materialize's columns and an optional
//! `LIKE` or `WHERE` filter.

use freshet_expr::{ColumnOrder, RelExpr, RowSetFinishing};
use freshet_repr::{ColumnName, Datum, RelationDesc, Row, ScalarType};

use super::expr::{ExprContext, plan_bool};
use super::hir::HirRel;
use super::lowering::lower;
use super::query::QueryContext;
use super::scope::{Scope, ScopeItem};
use super::{Plan, SelectPlan};
use crate::PlanError;
use sqlparser::ast;

use super::source::{cluster_of, source_of};
use crate::catalog::{CatalogItem, CatalogReader, ItemKind, SchemaInfo};
use crate::names::{name_parts, normalize_ident, resolve_item, resolve_schema, schema_of};
use crate::parse::{ShowFilter, ShowObjects, Statement};

/// Plans a `SHOW` of a kind of object as a sorted two-column relation
/// (`name`, `comment`), as Materialize prints it.
pub(crate) fn plan_show_objects(catalog: &dyn CatalogReader, show: &ShowObjects) -> Result<Plan, PlanError> {
    match show {
        ShowObjects::Clusters { filter } => plan_show_clusters(catalog, filter.as_ref()),
        ShowObjects::ClusterReplicas { filter } => plan_show_cluster_replicas(catalog, filter.as_ref()),
        ShowObjects::Indexes {
            from,
            on,
            cluster,
            filter,
        } => plan_show_indexes(catalog, from.as_ref(), on.as_ref(), cluster.as_ref(), filter.as_ref()),
        ShowObjects::Sources { from, filter } => plan_show_sources(catalog, from.as_ref(), filter.as_ref()),
        ShowObjects::Subsources { from, on, filter } => {
            plan_show_subsources(catalog, from.as_ref(), on.as_ref(), filter.as_ref())
        }
        ShowObjects::Columns { of, filter } => plan_show_columns(catalog, of, filter.as_ref()),
        ShowObjects::Databases { filter } => {
            let names = catalog.database_names();
            let rows = names.iter().map(|name| vec![Some(name.as_str()), None]).collect();
            filtered_text_rows(catalog, &[("name", false), ("comment", true)], rows, filter.as_ref())
        }
        ShowObjects::Schemas { from, filter } => {
            let database = match from {
                Some(name) => name_parts(name)?.join("."),
                None => catalog.active_database().to_owned(),
            };
            let id = catalog
                .resolve_database(&database)
                .ok_or(PlanError::UnknownDatabase(database))?;
            let names: Vec<String> = catalog
                .schemas(None)
                .into_iter()
                .chain(catalog.schemas(Some(id)))
                .map(|s| s.name)
                .collect();
            let rows = names.iter().map(|name| vec![Some(name.as_str()), None]).collect();
            filtered_text_rows(catalog, &[("name", false), ("comment", true)], rows, filter.as_ref())
        }
        ShowObjects::Items { kind, from, filter } => {
            let schema = shown_schema(catalog, from.as_ref())?;
            let names: Vec<String> = catalog
                .items(schema.id)
                .into_iter()
                .filter(|item| item.kind == *kind)
                .map(|item| item.name.item)
                .collect();
            let rows = names.iter().map(|name| vec![Some(name.as_str()), None]).collect();
            filtered_text_rows(catalog, &[("name", false), ("comment", true)], rows, filter.as_ref())
        }
        ShowObjects::MaterializedViews { from, cluster, filter } => {
            plan_show_materialized_views(catalog, from.as_ref(), cluster.as_ref(), filter.as_ref())
        }
    }
}

/// `SHOW MATERIALIZED VIEWS`: each materialized view's name and the
/// cluster that maintains it (as its stored definition names it).
fn plan_show_materialized_views(
    catalog: &dyn CatalogReader,
    from: Option<&ast::ObjectName>,
    cluster: Option<&ast::Ident>,
    filter: Option<&ShowFilter>,
) -> Result<Plan, PlanError> {
    let schema = shown_schema(catalog, from)?;
    let cluster = cluster.map(normalize_ident);
    if let Some(cluster) = &cluster
        && catalog.cluster(cluster).is_none()
    {
        return Err(PlanError::UnknownCluster(cluster.clone()));
    }
    let mut views: Vec<(String, Option<String>)> = Vec::new();
    for view in catalog
        .items(schema.id)
        .into_iter()
        .filter(|i| i.kind == ItemKind::MaterializedView)
    {
        let view_cluster = match crate::parse(&view.create_sql)?.first() {
            Some(Statement::CreateMaterializedView(create)) => create.cluster.as_ref().map(normalize_ident),
            _ => None,
        };
        if cluster.is_some() && view_cluster != cluster {
            continue;
        }
        views.push((view.name.item, view_cluster));
    }
    let rows = views
        .iter()
        .map(|(name, cluster)| vec![Some(name.as_str()), cluster.as_deref(), None])
        .collect();
    filtered_text_rows(
        catalog,
        &[("name", false), ("cluster", true), ("comment", true)],
        rows,
        filter,
    )
}

/// The schema a `SHOW … [FROM schema]` lists: the named one, or the first
/// existing schema of the search path.
fn shown_schema(catalog: &dyn CatalogReader, from: Option<&ast::ObjectName>) -> Result<SchemaInfo, PlanError> {
    match from {
        Some(name) => resolve_schema(catalog, &name_parts(name)?),
        None => catalog
            .search_path()
            .iter()
            .find_map(|s| resolve_schema(catalog, std::slice::from_ref(s)).ok())
            .ok_or(PlanError::NoSchemaSelected),
    }
}

/// `SHOW INDEXES`: each index's name, the object it indexes, its cluster
/// and key (`{a,b}`), read back from its stored definition; sorted by name.
fn plan_show_indexes(
    catalog: &dyn CatalogReader,
    from: Option<&ast::ObjectName>,
    on: Option<&ast::ObjectName>,
    cluster: Option<&ast::Ident>,
    filter: Option<&ShowFilter>,
) -> Result<Plan, PlanError> {
    let (schema, on) = match on {
        Some(name) => {
            let item = resolve_item(catalog, name)?;
            (schema_of(catalog, &item.name)?, Some(item.name.item))
        }
        None => (shown_schema(catalog, from)?, None),
    };
    let cluster = cluster.map(normalize_ident);
    let mut rows = Vec::new();
    for index in catalog
        .items(schema.id)
        .into_iter()
        .filter(|i| i.kind == ItemKind::Index)
    {
        let Ok(statements) = crate::parse(&index.create_sql) else {
            continue;
        };
        let Some(Statement::CreateIndex(create)) = statements.first() else {
            continue;
        };
        let indexed = name_parts(&create.on)?.pop().unwrap_or_default();
        let index_cluster = create.cluster.as_ref().map(normalize_ident).unwrap_or_default();
        if on.as_ref().is_some_and(|on| *on != indexed) || cluster.as_ref().is_some_and(|c| *c != index_cluster) {
            continue;
        }
        let key: Vec<String> = create
            .key
            .iter()
            .flatten()
            .map(|expr| match expr {
                ast::Expr::Identifier(column) => normalize_ident(column),
                other => other.to_string(),
            })
            .collect();
        rows.push([
            index.name.item,
            indexed,
            index_cluster,
            format!("{{{}}}", key.join(",")),
        ]);
    }
    let rows = rows
        .iter()
        .map(|row| row.iter().map(|v| Some(v.as_str())).chain([None]).collect())
        .collect();
    filtered_text_rows(
        catalog,
        &[
            ("name", false),
            ("on", false),
            ("cluster", false),
            ("key", false),
            ("comment", true),
        ],
        rows,
        filter,
    )
}

/// `SHOW SOURCES [FROM schema]`: each source, subsource and progress
/// subsource of the schema with its type and cluster (a progress subsource
/// runs in none).
fn plan_show_sources(
    catalog: &dyn CatalogReader,
    from: Option<&ast::ObjectName>,
    filter: Option<&ShowFilter>,
) -> Result<Plan, PlanError> {
    let schema = shown_schema(catalog, from)?;
    let rows: Vec<(String, &str, Option<String>)> = catalog
        .items(schema.id)
        .into_iter()
        .filter_map(|item| {
            let typ = item.kind.source_type()?;
            let cluster = match item.kind {
                ItemKind::Source => cluster_of(&item),
                ItemKind::Subsource => source_of(catalog, &item).and_then(|source| cluster_of(&source)),
                _ => None,
            };
            Some((item.name.item, typ, cluster))
        })
        .collect();
    filtered_text_rows(
        catalog,
        &[("name", false), ("type", false), ("cluster", true)],
        rows.iter()
            .map(|(name, typ, cluster)| vec![Some(name.as_str()), Some(*typ), cluster.as_deref()])
            .collect(),
        filter,
    )
}

/// `SHOW SUBSOURCES [FROM schema | ON source]`: subsources and progress
/// subsources with their type; `ON` lists one source's, wherever they are.
fn plan_show_subsources(
    catalog: &dyn CatalogReader,
    from: Option<&ast::ObjectName>,
    on: Option<&ast::ObjectName>,
    filter: Option<&ShowFilter>,
) -> Result<Plan, PlanError> {
    let items: Vec<CatalogItem> = match on {
        Some(name) => {
            let source = resolve_item(catalog, name)?;
            if source.kind != ItemKind::Source {
                return Err(PlanError::WrongObjectType {
                    name: source.name.item,
                    expected: "a source",
                });
            }
            let databases = catalog.database_names();
            databases
                .iter()
                .filter_map(|db| catalog.resolve_database(db))
                .flat_map(|db| catalog.schemas(Some(db)))
                .flat_map(|schema| catalog.items(schema.id))
                .filter(|item| source_of(catalog, item).is_some_and(|s| s.id == source.id))
                .collect()
        }
        None => catalog.items(shown_schema(catalog, from)?.id),
    };
    let rows: Vec<(String, &str)> = items
        .into_iter()
        .filter(|item| matches!(item.kind, ItemKind::Subsource | ItemKind::ProgressSubsource))
        .filter_map(|item| Some((item.name.item, item.kind.source_type()?)))
        .collect();
    filtered_text_rows(
        catalog,
        &[("name", false), ("type", false)],
        rows.iter()
            .map(|(name, typ)| vec![Some(name.as_str()), Some(*typ)])
            .collect(),
        filter,
    )
}

/// `SHOW COLUMNS FROM relation`: each column's name, whether it may be
/// `NULL`, its type (modifiers included) and a comment, in the
/// relation's order.
fn plan_show_columns(
    catalog: &dyn CatalogReader,
    of: &ast::ObjectName,
    filter: Option<&ShowFilter>,
) -> Result<Plan, PlanError> {
    let item = resolve_item(catalog, of)?;
    if matches!(item.kind, ItemKind::Index | ItemKind::Secret | ItemKind::Connection) {
        return Err(PlanError::WrongObjectType {
            name: item.name.item,
            expected: "a relation",
        });
    }
    let desc = RelationDesc::new([
        (ColumnName("name".into()), ScalarType::Text.nullable(false)),
        (ColumnName("nullable".into()), ScalarType::Bool.nullable(false)),
        (ColumnName("type".into()), ScalarType::Text.nullable(false)),
        (ColumnName("comment".into()), ScalarType::Text.nullable(true)),
    ]);
    let arity = desc.arity();
    // Each row ends with the column's position, which orders the rows and
    // is not shown.
    let rows: Vec<Row> = item
        .desc
        .iter()
        .enumerate()
        .map(|(i, (name, typ))| {
            let type_name = typ.scalar_type.to_string();
            Row::pack([
                Datum::String(name.as_str()),
                Datum::from(typ.nullable),
                Datum::String(&type_name),
                Datum::Null,
                Datum::Int32(i32::try_from(i).unwrap_or(i32::MAX)),
            ])
        })
        .collect();
    let mut typ: Vec<_> = desc.types().copied().collect();
    typ.push(ScalarType::Int32.nullable(false));
    let mut rel = HirRel::Constant { rows, typ };
    if let Some(filter) = filter {
        rel = rel.filter(vec![show_filter_predicate(catalog, &desc, filter)?]);
    }
    Ok(Plan::Select(SelectPlan {
        expr: lower(&rel),
        finishing: RowSetFinishing {
            order_by: vec![ColumnOrder {
                column: arity,
                desc: false,
                nulls_last: true,
            }],
            ..RowSetFinishing::project_only((0..arity).collect())
        },
        desc,
        as_of: None,
    }))
}

/// The item `name` names, which must be of `kind` (42809 otherwise).
pub(crate) fn resolve_of_kind(
    catalog: &dyn CatalogReader,
    kind: ItemKind,
    name: &ast::ObjectName,
) -> Result<CatalogItem, PlanError> {
    let item = match resolve_item(catalog, name) {
        Err(PlanError::UnknownRelation(name))
            if matches!(kind, ItemKind::Index | ItemKind::Connection | ItemKind::Source) =>
        {
            return Err(PlanError::UnknownItem {
                kind: kind.name(),
                name,
            });
        }
        other => other?,
    };
    if !kind.accepts(item.kind) {
        return Err(PlanError::WrongObjectType {
            name: item.name.item,
            expected: kind.with_article(),
        });
    }
    Ok(item)
}

/// `SHOW CREATE TABLE|VIEW|MATERIALIZED VIEW|INDEX|SOURCE|CONNECTION|SECRET
/// name`: the object's full name and its stored definition, names fully
/// qualified (a secret's never holds its value).
pub(crate) fn plan_show_create(
    catalog: &dyn CatalogReader,
    kind: ItemKind,
    name: &ast::ObjectName,
) -> Result<Plan, PlanError> {
    let item = resolve_of_kind(catalog, kind, name)?;
    let full_name = item.name.to_string();
    Ok(text_rows(
        &[("name", false), ("create_sql", false)],
        vec![vec![Some(full_name.as_str()), Some(item.create_sql.as_str())]],
    ))
}

/// `SHOW CREATE CLUSTER name`: the cluster's name and a `CREATE CLUSTER`
/// that makes it as it is (its size and replication factor).
pub(crate) fn plan_show_create_cluster(catalog: &dyn CatalogReader, name: &ast::Ident) -> Result<Plan, PlanError> {
    let name = normalize_ident(name);
    let cluster = catalog.cluster(&name).ok_or(PlanError::UnknownCluster(name))?;
    let create_sql = format!(
        "CREATE CLUSTER {} (SIZE = {}, REPLICATION FACTOR = {})",
        ast::Ident::with_quote('"', &cluster.name),
        ast::Value::SingleQuotedString(cluster.size.clone()),
        cluster.replication_factor
    );
    let shown_name = crate::quote_ident(&cluster.name);
    Ok(text_rows(
        &[("name", false), ("create_sql", false)],
        vec![vec![Some(shown_name.as_str()), Some(create_sql.as_str())]],
    ))
}

/// [`text_rows`], keeping only the rows `filter` keeps: `LIKE` matches the
/// first column (the name), `WHERE` sees every column by its name.
fn filtered_text_rows(
    catalog: &dyn CatalogReader,
    columns: &[(&str, bool)],
    rows: Vec<Vec<Option<&str>>>,
    filter: Option<&ShowFilter>,
) -> Result<Plan, PlanError> {
    let Some(filter) = filter else {
        return Ok(text_rows(columns, rows));
    };
    filtered_rows(
        catalog,
        text_desc(columns),
        rows.into_iter().map(text_row).collect(),
        filter,
    )
}

/// `rows` (of columns `desc`, the first text), keeping only the rows
/// `filter` keeps: `LIKE` matches the first column, `WHERE` sees every
/// column by its name. Sorted as [`sorted_by_first`] sorts.
fn filtered_rows(
    catalog: &dyn CatalogReader,
    desc: RelationDesc,
    rows: Vec<Row>,
    filter: &ShowFilter,
) -> Result<Plan, PlanError> {
    let typ: Vec<_> = desc.types().copied().collect();
    let predicate = show_filter_predicate(catalog, &desc, filter)?;
    let rel = HirRel::Constant { rows, typ }.filter(vec![predicate]);
    Ok(sorted_by_first(lower(&rel), desc))
}

/// The predicate of a `SHOW`'s filter over its columns `desc`: `LIKE`
/// matches the first column, `WHERE` sees every column by its name.
fn show_filter_predicate(
    catalog: &dyn CatalogReader,
    desc: &RelationDesc,
    filter: &ShowFilter,
) -> Result<super::hir::HirScalar, PlanError> {
    let typ: Vec<_> = desc.types().copied().collect();
    let scope = Scope {
        items: desc
            .names()
            .zip(&typ)
            .map(|(name, typ)| ScopeItem::new(None, name.as_str().to_owned(), *typ))
            .collect(),
        from_names: Vec::new(),
    };
    let first = desc.names().next().map_or_else(String::new, |n| n.as_str().to_owned());
    let predicate = match filter {
        ShowFilter::Like(pattern) => ast::Expr::Like {
            negated: false,
            any: false,
            expr: Box::new(ast::Expr::Identifier(ast::Ident::new(first))),
            pattern: Box::new(ast::Expr::value(ast::Value::SingleQuotedString(pattern.clone()))),
            escape_char: None,
        },
        ShowFilter::Where(expr) => (**expr).clone(),
    };
    let qcx = QueryContext::new(catalog);
    let ecx = ExprContext::new(&qcx, &scope, "WHERE");
    plan_bool(&ecx, &predicate, "WHERE")
}

/// `SHOW CLUSTERS`: each cluster's name, its replicas with their size
/// (`r1 (100cc), r2 (100cc)`), and a comment.
fn plan_show_clusters(catalog: &dyn CatalogReader, filter: Option<&ShowFilter>) -> Result<Plan, PlanError> {
    let clusters = catalog.clusters();
    let replicas: Vec<String> = clusters
        .iter()
        .map(|c| {
            (1..=c.replication_factor)
                .map(|r| format!("r{r} ({})", c.size))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    let rows = clusters
        .iter()
        .zip(&replicas)
        .map(|(c, replicas)| vec![Some(c.name.as_str()), Some(replicas.as_str()), None])
        .collect();
    filtered_text_rows(
        catalog,
        &[("name", false), ("replicas", false), ("comment", true)],
        rows,
        filter,
    )
}

/// `SHOW CLUSTER REPLICAS`: one row per replica of each cluster, with its
/// size and whether it is ready. Freshet runs one set of workers per
/// cluster whatever its replication factor, so each replica the catalog
/// records is the cluster's running instance, and ready.
fn plan_show_cluster_replicas(catalog: &dyn CatalogReader, filter: Option<&ShowFilter>) -> Result<Plan, PlanError> {
    let desc = RelationDesc::new([
        (ColumnName("cluster".into()), ScalarType::Text.nullable(false)),
        (ColumnName("replica".into()), ScalarType::Text.nullable(false)),
        (ColumnName("size".into()), ScalarType::Text.nullable(true)),
        (ColumnName("ready".into()), ScalarType::Bool.nullable(false)),
        (ColumnName("comment".into()), ScalarType::Text.nullable(true)),
    ]);
    let mut rows = Vec::new();
    for cluster in catalog.clusters() {
        for replica in 1..=cluster.replication_factor {
            let replica = format!("r{replica}");
            rows.push(Row::pack([
                Datum::String(&cluster.name),
                Datum::String(&replica),
                Datum::String(&cluster.size),
                Datum::True,
                Datum::Null,
            ]));
        }
    }
    match filter {
        Some(filter) => filtered_rows(catalog, desc, rows, filter),
        None => {
            let expr = RelExpr::Constant {
                rows: Ok(rows.into_iter().map(|row| (row, 1)).collect()),
                typ: desc.types().copied().collect(),
            };
            Ok(sorted_by_first(expr, desc))
        }
    }
}

/// The columns of [`text_rows`].
fn text_desc(columns: &[(&str, bool)]) -> RelationDesc {
    RelationDesc::new(
        columns
            .iter()
            .map(|(name, nullable)| (ColumnName((*name).into()), ScalarType::Text.nullable(*nullable))),
    )
}

/// One row of text values.
fn text_row(row: Vec<Option<&str>>) -> Row {
    Row::pack(row.into_iter().map(|v| v.map_or(Datum::Null, Datum::String)))
}

/// A relation of text columns (each named, and nullable or not), sorted by
/// the first.
fn text_rows(columns: &[(&str, bool)], rows: Vec<Vec<Option<&str>>>) -> Plan {
    let desc = text_desc(columns);
    let rows = rows.into_iter().map(|row| (text_row(row), 1)).collect();
    let expr = RelExpr::Constant {
        rows: Ok(rows),
        typ: desc.types().copied().collect(),
    };
    sorted_by_first(expr, desc)
}

/// A query of `expr`, whose columns are `desc`, sorted by its first
/// column, then by the others in order (so ties come out the same way
/// every time).
fn sorted_by_first(expr: RelExpr, desc: RelationDesc) -> Plan {
    let columns = desc.arity();
    Plan::Select(SelectPlan {
        expr,
        finishing: RowSetFinishing {
            order_by: (0..columns)
                .map(|column| ColumnOrder {
                    column,
                    desc: false,
                    nulls_last: true,
                })
                .collect(),
            ..RowSetFinishing::project_only((0..columns).collect())
        },
        desc,
        as_of: None,
    })
}
