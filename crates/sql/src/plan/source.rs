//! `CREATE SOURCE`: before purification, what to look up on MySQL
//! ([`PurifySourcePlan`]); after it, the source, its subsources and its
//! progress subsource as the catalog stores them ([`SourcePlan`]); and the
//! stored forms re-planned at boot. `ALTER SOURCE … ADD SUBSOURCE` likewise
//! ([`PurifyAddSubsourcesPlan`], then [`plan_added_subsources`]), its new
//! subsources named and stored as `CREATE SOURCE` names and stores them.

use freshet_repr::{ColumnIngest, GlobalId, RelationDesc, ScalarType, SchemaId, UpstreamColumn, UpstreamTable};
use sqlparser::ast::{self, Ident, ObjectName};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::Plan;
use super::connection::stored_connection;
use super::types::scalar_type_from_sql;
use crate::PlanError;
use crate::catalog::{CatalogItem, CatalogReader, FullItemName, ItemKind};
use crate::error::NameClause;
use crate::names::{
    name_for_create, name_parts, normalize_ident, qualified_name, resolve_item, resolve_item_of_kind, schema_of,
};
use crate::parse::{
    AlterSourceAddSubsources, CreateSource, CreateSubsource, SourceTables, Statement, SubsourceColumn, SubsourceOf,
};
use crate::plan::ConnectionPlan;

/// The upstream tables a source names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamSelection {
    /// `FOR ALL TABLES`
    All,
    /// `FOR SCHEMAS (…)`
    Schemas(Vec<String>),
    /// `FOR TABLES (…)`: `(schema, table)` each.
    Tables(Vec<(String, String)>),
}

/// A `CREATE SOURCE` whose names are resolved, waiting for purification:
/// the adapter looks its tables up on MySQL, then plans it with
/// [`plan_purified_source`].
#[derive(Debug, Clone, PartialEq)]
pub struct PurifySourcePlan {
    /// The statement as written.
    pub statement: CreateSource,
    /// The schema the source goes in.
    pub schema: SchemaId,
    /// The source's name, fully qualified.
    pub name: FullItemName,
    /// Succeed with a notice if it exists.
    pub if_not_exists: bool,
    /// The cluster it runs in.
    pub cluster: String,
    /// Its connection.
    pub connection_id: GlobalId,
    /// The connection's name, fully qualified.
    pub connection_name: FullItemName,
    /// The connection's options.
    pub connection: ConnectionPlan,
    /// The tables to look up.
    pub tables: UpstreamSelection,
    /// `FOR TABLES … AS name`: the subsource names given, by upstream
    /// `(schema, table)`.
    pub aliases: Vec<((String, String), ObjectName)>,
    /// `TEXT COLUMNS`: `[schema, table, column]` each.
    pub text_columns: Vec<[String; 3]>,
    /// `EXCLUDE COLUMNS`: `[schema, table, column]` each.
    pub exclude_columns: Vec<[String; 3]>,
}

/// An `ALTER SOURCE … ADD SUBSOURCE` whose names are resolved, waiting for
/// purification: the adapter looks its tables up on MySQL, then plans the
/// new subsources with [`plan_added_subsources`].
#[derive(Debug, Clone, PartialEq)]
pub struct PurifyAddSubsourcesPlan {
    /// The source.
    pub source_id: GlobalId,
    /// Its name, fully qualified.
    pub source_name: FullItemName,
    /// Its schema, where new subsources go unless named elsewhere.
    pub schema: SchemaId,
    /// Its connection.
    pub connection_id: GlobalId,
    /// The connection's options.
    pub connection: ConnectionPlan,
    /// The upstream tables to add, `(schema, table)` each, in the
    /// statement's order.
    pub tables: Vec<(String, String)>,
    /// `AS name`: the subsource names given, by upstream `(schema, table)`.
    pub aliases: Vec<((String, String), ObjectName)>,
    /// `TEXT COLUMNS`: `[schema, table, column]` each.
    pub text_columns: Vec<[String; 3]>,
    /// `EXCLUDE COLUMNS`: `[schema, table, column]` each.
    pub exclude_columns: Vec<[String; 3]>,
}

/// A source as the catalog stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcePlan {
    /// The schema it goes in.
    pub schema: SchemaId,
    /// Its name, fully qualified.
    pub name: FullItemName,
    /// Its stored definition (purified: no table list).
    pub create_sql: String,
    /// The cluster it runs in.
    pub cluster: String,
    /// Its connection.
    pub connection: GlobalId,
    /// The server id its binlog client uses.
    pub server_id: u32,
    /// Its subsources and progress subsource (empty when re-planning a
    /// stored source: each subsource is an item of its own).
    pub subsources: Vec<SubsourcePlan>,
}

/// A subsource (or progress subsource) as the catalog stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubsourcePlan {
    /// The schema it goes in.
    pub schema: SchemaId,
    /// Its name, fully qualified.
    pub name: FullItemName,
    /// [`ItemKind::Subsource`] or [`ItemKind::ProgressSubsource`].
    pub kind: ItemKind,
    /// Its columns.
    pub desc: RelationDesc,
    /// Its stored definition.
    pub create_sql: String,
    /// The upstream table it copies (`None` for the progress subsource).
    pub table: Option<UpstreamTable>,
}

/// The columns of every progress subsource.
pub fn progress_desc() -> RelationDesc {
    RelationDesc::empty()
        .with_column("source_id_lower", ScalarType::Uuid.nullable(false))
        .with_column("source_id_upper", ScalarType::Uuid.nullable(false))
        .with_column("transaction_id", ScalarType::UInt64.nullable(true))
}

/// `CREATE SOURCE` as a user writes it: resolves its names and returns what
/// purification must look up; a stored (purified) one at boot.
pub(crate) fn plan_create_source(catalog: &dyn CatalogReader, create: &CreateSource) -> Result<Plan, PlanError> {
    let Some(tables) = &create.tables else {
        if catalog.stored_definitions() {
            return plan_stored_source(catalog, create);
        }
        return Err(PlanError::InvalidParameter(
            "CREATE SOURCE needs FOR ALL TABLES, FOR SCHEMAS (…) or FOR TABLES (…)".into(),
        ));
    };
    let (schema, name) = name_for_create(catalog, &create.name, "source")?;
    let cluster = match &create.cluster {
        Some(cluster) => normalize_ident(cluster),
        None => catalog.active_cluster().to_owned(),
    };
    if catalog.cluster(&cluster).is_none() {
        return Err(PlanError::UnknownCluster(cluster));
    }
    let connection_item = resolve_item_of_kind(catalog, &create.connection, ItemKind::Connection)?;
    let connection = stored_connection(catalog, &connection_item.create_sql)?;
    let mut aliases = Vec::new();
    let tables = match tables {
        SourceTables::All => UpstreamSelection::All,
        SourceTables::Schemas(schemas) => UpstreamSelection::Schemas(schemas.iter().map(upstream_ident).collect()),
        SourceTables::Tables(tables) => {
            let upstream;
            (upstream, aliases) = upstream_tables("FOR TABLES", tables)?;
            UpstreamSelection::Tables(upstream)
        }
    };
    Ok(Plan::PurifySource(Box::new(PurifySourcePlan {
        statement: create.clone(),
        schema: schema.id,
        name,
        if_not_exists: create.if_not_exists,
        cluster,
        connection_id: connection_item.id,
        connection_name: connection_item.name,
        connection,
        tables,
        aliases,
        text_columns: column_refs("TEXT COLUMNS", &create.text_columns)?,
        exclude_columns: column_refs("EXCLUDE COLUMNS", &create.exclude_columns)?,
    })))
}

/// `ALTER SOURCE … ADD SUBSOURCE` as a user writes it: resolves the source
/// and its connection, and returns what purification must look up.
pub(crate) fn plan_alter_source_add_subsources(
    catalog: &dyn CatalogReader,
    alter: &AlterSourceAddSubsources,
) -> Result<Plan, PlanError> {
    let source =
        match resolve_item(catalog, &alter.source) {
            Ok(item) if item.kind == ItemKind::Source => item,
            Ok(item) => {
                return Err(PlanError::WrongObjectType {
                    name: item.name.item,
                    expected: ItemKind::Source.with_article(),
                });
            }
            Err(
                PlanError::UnknownRelation(name) | PlanError::UnknownSchema(name) | PlanError::UnknownDatabase(name),
            ) if alter.if_exists => return Ok(Plan::AlterMissingSource { name }),
            Err(PlanError::UnknownRelation(name)) => {
                return Err(PlanError::UnknownItem {
                    kind: ItemKind::Source.name(),
                    name,
                });
            }
            Err(e) => return Err(e),
        };
    let connection = connection_of(&source).ok_or_else(|| {
        PlanError::InvalidParameter(format!(
            "the stored definition of source {} names no connection",
            source.name
        ))
    })?;
    let connection_item = resolve_item_of_kind(catalog, &connection, ItemKind::Connection)?;
    let connection = stored_connection(catalog, &connection_item.create_sql)?;
    let (tables, aliases) = upstream_tables("ADD SUBSOURCE", &alter.tables)?;
    for (i, table) in tables.iter().enumerate() {
        if tables[..i].contains(table) {
            return Err(PlanError::DuplicateUpstreamTable(format!("{}.{}", table.0, table.1)));
        }
    }
    Ok(Plan::PurifyAddSubsources(Box::new(PurifyAddSubsourcesPlan {
        source_id: source.id,
        schema: schema_of(catalog, &source.name)?.id,
        source_name: source.name,
        connection_id: connection_item.id,
        connection,
        tables,
        aliases,
        text_columns: column_refs("TEXT COLUMNS", &alter.text_columns)?,
        exclude_columns: column_refs("EXCLUDE COLUMNS", &alter.exclude_columns)?,
    })))
}

/// An upstream table's `(schema, table)`.
type TableName = (String, String);

/// The subsource names given by `AS`, by upstream table.
type Aliases = Vec<(TableName, ObjectName)>;

/// The `(schema, table)` of each `schema.table [AS name]` of a table list
/// (`clause`: `FOR TABLES`, `ADD SUBSOURCE`), and the names given by `AS`.
fn upstream_tables(
    clause: &str,
    tables: &[(ObjectName, Option<ObjectName>)],
) -> Result<(Vec<TableName>, Aliases), PlanError> {
    let mut upstream = Vec::new();
    let mut aliases = Vec::new();
    for (table, alias) in tables {
        let [schema, table] = upstream_parts(table)?
            .try_into()
            .map_err(|_| PlanError::InvalidParameter(format!("{clause} names schema.table, not {table}")))?;
        if let Some(alias) = alias {
            aliases.push(((schema.clone(), table.clone()), alias.clone()));
        }
        upstream.push((schema, table));
    }
    Ok((upstream, aliases))
}

/// An upstream name as MySQL spells it: exactly as written, quoted or not
/// (MySQL table names are case-sensitive).
fn upstream_ident(ident: &Ident) -> String {
    ident.value.clone()
}

fn upstream_parts(name: &ObjectName) -> Result<Vec<String>, PlanError> {
    name.0
        .iter()
        .map(|part| {
            part.as_ident()
                .map(upstream_ident)
                .ok_or_else(|| PlanError::InvalidParameter(format!("invalid upstream name {name}")))
        })
        .collect()
}

fn column_refs(option: &str, columns: &[ObjectName]) -> Result<Vec<[String; 3]>, PlanError> {
    columns
        .iter()
        .map(|column| match upstream_parts(column)?.as_slice() {
            [schema, table, column] => Ok([schema.clone(), table.clone(), column.clone()]),
            _ => Err(PlanError::InvalidParameter(format!(
                "{option} names schema.table.column, not {column}"
            ))),
        })
        .collect()
}

/// The source purification found `tables` for, with its subsources named
/// and its definitions purified. `server_id` is its binlog client's.
pub fn plan_purified_source(
    catalog: &dyn CatalogReader,
    purify: &PurifySourcePlan,
    tables: Vec<UpstreamTable>,
    server_id: u32,
) -> Result<SourcePlan, PlanError> {
    let create = &purify.statement;
    let source_name = qualified_name(&purify.name);
    let in_source_schema = |item: &str| FullItemName {
        item: item.to_owned(),
        ..purify.name.clone()
    };
    let mut subsources = tables
        .into_iter()
        .map(|table| table_subsource(catalog, purify.schema, &purify.name, &purify.aliases, table))
        .collect::<Result<Vec<_>, _>>()?;
    let (progress_schema, progress_name) = match &create.progress {
        Some(name) => {
            let (schema, name) = name_for_create(catalog, name, "subsource")?;
            (schema.id, name)
        }
        None => (
            purify.schema,
            in_source_schema(&format!("{}_progress", purify.name.item)),
        ),
    };
    let progress = CreateSubsource {
        name: qualified_name(&progress_name),
        source: source_name.clone(),
        of: SubsourceOf::Progress,
    };
    subsources.push(SubsourcePlan {
        schema: progress_schema,
        name: progress_name,
        kind: ItemKind::ProgressSubsource,
        desc: progress_desc(),
        create_sql: progress.to_string(),
        table: None,
    });
    check_names(catalog, &purify.name, &subsources, NameClause::ForTables)?;
    let stored = CreateSource {
        name: source_name,
        if_not_exists: false,
        cluster: Some(Ident::with_quote('"', &purify.cluster)),
        connection: qualified_name(&purify.connection_name),
        text_columns: Vec::new(),
        exclude_columns: Vec::new(),
        server_id: Some(server_id),
        tables: None,
        progress: Some(qualified_name(&subsources[subsources.len() - 1].name)),
    };
    Ok(SourcePlan {
        schema: purify.schema,
        name: purify.name.clone(),
        create_sql: stored.to_string(),
        cluster: purify.cluster.clone(),
        connection: purify.connection_id,
        server_id,
        subsources,
    })
}

/// The new subsources `ALTER SOURCE … ADD SUBSOURCE` adds for `tables`
/// (which purification found for `purify`), named and stored as
/// [`plan_purified_source`] names and stores a new source's.
pub fn plan_added_subsources(
    catalog: &dyn CatalogReader,
    purify: &PurifyAddSubsourcesPlan,
    tables: Vec<UpstreamTable>,
) -> Result<Vec<SubsourcePlan>, PlanError> {
    let subsources = tables
        .into_iter()
        .map(|table| table_subsource(catalog, purify.schema, &purify.source_name, &purify.aliases, table))
        .collect::<Result<Vec<_>, _>>()?;
    check_names(catalog, &purify.source_name, &subsources, NameClause::AddSubsource)?;
    Ok(subsources)
}

/// The subsource copying upstream `table` for the source `source` (in
/// schema `source_schema`): named as `aliases` gives it (an unqualified
/// name in the source's schema), or after the table in the source's schema.
fn table_subsource(
    catalog: &dyn CatalogReader,
    source_schema: SchemaId,
    source: &FullItemName,
    aliases: &[(TableName, ObjectName)],
    table: UpstreamTable,
) -> Result<SubsourcePlan, PlanError> {
    let in_source_schema = |item: &str| FullItemName {
        item: item.to_owned(),
        ..source.clone()
    };
    let alias = aliases
        .iter()
        .find(|((schema, name), _)| *schema == table.schema && *name == table.name);
    let (schema, name) = match alias {
        Some((_, alias)) => match name_parts(alias)?.as_slice() {
            [item] => (source_schema, in_source_schema(item)),
            _ => {
                let (schema, name) = name_for_create(catalog, alias, "subsource")?;
                (schema.id, name)
            }
        },
        None => (source_schema, in_source_schema(&table.name)),
    };
    let statement = CreateSubsource {
        name: qualified_name(&name),
        source: qualified_name(source),
        of: SubsourceOf::Table {
            schema: Ident::with_quote('"', &table.schema),
            table: Ident::with_quote('"', &table.name),
            columns: table.columns.iter().map(subsource_column).collect::<Result<_, _>>()?,
        },
    };
    Ok(SubsourcePlan {
        schema,
        name,
        kind: ItemKind::Subsource,
        desc: table.desc(),
        create_sql: statement.to_string(),
        table: Some(table),
    })
}

/// No two subsources share a name, none takes the source's, and none
/// takes an existing object's.
fn check_names(
    catalog: &dyn CatalogReader,
    source: &FullItemName,
    subsources: &[SubsourcePlan],
    clause: NameClause,
) -> Result<(), PlanError> {
    let upstream = |s: &SubsourcePlan| s.table.as_ref().map(|t| format!("{}.{}", t.schema, t.name));
    for (i, subsource) in subsources.iter().enumerate() {
        let clashes: Vec<&SubsourcePlan> = subsources[..i].iter().filter(|s| s.name == subsource.name).collect();
        if let Some(first) = clashes.first() {
            let mut tables: Vec<String> = vec![
                upstream(first).unwrap_or_else(|| "the progress subsource".into()),
                upstream(subsource).unwrap_or_else(|| "the progress subsource".into()),
            ];
            tables.sort();
            return Err(PlanError::SubsourceNameClash {
                name: subsource.name.item.clone(),
                tables,
                clause,
            });
        }
        let taken = subsource.name == *source
            || schema_of(catalog, &subsource.name)
                .is_ok_and(|schema| catalog.resolve_item(schema.id, &subsource.name.item).is_some());
        if taken {
            return Err(PlanError::SubsourceExists {
                name: subsource.name.item.clone(),
                table: upstream(subsource),
                clause,
            });
        }
    }
    Ok(())
}

/// An upstream column as a stored subsource lists it.
fn subsource_column(column: &UpstreamColumn) -> Result<SubsourceColumn, PlanError> {
    let data_type = match column.ingest {
        ColumnIngest::Typed(typ) => Some(data_type(typ)?),
        ColumnIngest::Text => Some(ast::DataType::Text),
        ColumnIngest::Excluded => None,
    };
    Ok(SubsourceColumn {
        name: Ident::with_quote('"', &column.name),
        data_type,
        text: column.ingest == ColumnIngest::Text,
        not_null: !column.nullable,
        invisible: column.invisible,
        upstream_type: column.upstream_type.clone(),
    })
}

/// The SQL type name of `typ`, as a stored definition spells it.
fn data_type(typ: ScalarType) -> Result<ast::DataType, PlanError> {
    let text = typ.to_string();
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&text)
        .and_then(|mut parser| parser.parse_data_type())
        .map_err(|e| PlanError::Unsupported(format!("type {text} in a subsource: {e}")))
}

/// A stored source, at boot.
fn plan_stored_source(catalog: &dyn CatalogReader, create: &CreateSource) -> Result<Plan, PlanError> {
    let (schema, name) = name_for_create(catalog, &create.name, "source")?;
    let connection = resolve_item_of_kind(catalog, &create.connection, ItemKind::Connection)?;
    Ok(Plan::CreateSource(Box::new(SourcePlan {
        schema: schema.id,
        name,
        create_sql: create.to_string(),
        cluster: create.cluster.as_ref().map(normalize_ident).unwrap_or_default(),
        connection: connection.id,
        server_id: create.server_id.unwrap_or_default(),
        subsources: Vec::new(),
    })))
}

/// A stored `CREATE SUBSOURCE`, at boot; users cannot write one.
pub(crate) fn plan_create_subsource(catalog: &dyn CatalogReader, create: &CreateSubsource) -> Result<Plan, PlanError> {
    if !catalog.stored_definitions() {
        return Err(PlanError::Unsupported(
            "CREATE SUBSOURCE (subsources are made by CREATE SOURCE)".into(),
        ));
    }
    let (schema, name) = name_for_create(catalog, &create.name, "subsource")?;
    let (kind, desc, table) = match &create.of {
        SubsourceOf::Progress => (ItemKind::ProgressSubsource, progress_desc(), None),
        SubsourceOf::Table { schema, table, columns } => {
            let table = UpstreamTable {
                schema: upstream_ident(schema),
                name: upstream_ident(table),
                columns: columns.iter().map(upstream_column).collect::<Result<_, _>>()?,
            };
            (ItemKind::Subsource, table.desc(), Some(table))
        }
    };
    Ok(Plan::CreateSubsource(Box::new(SubsourcePlan {
        schema: schema.id,
        name,
        kind,
        desc,
        create_sql: create.to_string(),
        table,
    })))
}

fn upstream_column(column: &SubsourceColumn) -> Result<UpstreamColumn, PlanError> {
    let ingest = match (&column.data_type, column.text) {
        (None, _) => ColumnIngest::Excluded,
        (Some(_), true) => ColumnIngest::Text,
        (Some(data_type), false) => ColumnIngest::Typed(scalar_type_from_sql(data_type)?),
    };
    Ok(UpstreamColumn {
        name: upstream_ident(&column.name),
        upstream_type: column.upstream_type.clone(),
        nullable: !column.not_null,
        invisible: column.invisible,
        ingest,
    })
}

/// The source a subsource or progress subsource belongs to, from its
/// stored definition.
pub(crate) fn source_of(catalog: &dyn CatalogReader, item: &CatalogItem) -> Option<CatalogItem> {
    match crate::parse(&item.create_sql).ok()?.as_slice() {
        [Statement::CreateSubsource(create)] => resolve_item(catalog, &create.source).ok(),
        _ => None,
    }
}

/// The connection a source's stored definition names.
fn connection_of(item: &CatalogItem) -> Option<ObjectName> {
    match crate::parse(&item.create_sql).ok()?.as_slice() {
        [Statement::CreateSource(create)] => Some(create.connection.clone()),
        _ => None,
    }
}

/// The cluster a source's stored definition names.
pub(crate) fn cluster_of(item: &CatalogItem) -> Option<String> {
    match crate::parse(&item.create_sql).ok()?.as_slice() {
        [Statement::CreateSource(create)] => create.cluster.as_ref().map(normalize_ident),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
