//! Planning `CREATE` and `DROP` of databases, schemas and tables.

mod keys;

use std::collections::BTreeSet;

use freshet_expr::ScalarExpr;
use freshet_repr::{ColumnName, RelationDesc};
use sqlparser::ast::{self, ColumnOption, ObjectType, SchemaName};

use super::expr::{ExprContext, coerce, plan_expr, scalar_only};
use super::query::QueryContext;
use super::scope::Scope;
use super::typeconv::CastContext;
use super::types::scalar_type_from_sql;
use super::{Plan, TablePlan};
use crate::PlanError;
use crate::catalog::{CatalogItem, CatalogReader, ItemKind};
use crate::names::{name_for_create, name_parts, normalize_ident, qualified_name, resolve_item, resolve_schema};
use crate::parse::{Statement, parse};
use keys::{KeySpec, plan_keys};

/// `CREATE DATABASE [IF NOT EXISTS] name`.
pub(crate) fn plan_create_database(stmt: &ast::Statement) -> Result<Plan, PlanError> {
    let ast::Statement::CreateDatabase {
        db_name,
        if_not_exists,
        or_replace,
        location,
        managed_location,
        clone,
        ..
    } = stmt
    else {
        return Err(PlanError::Unsupported("CREATE DATABASE".into()));
    };
    if *or_replace || location.is_some() || managed_location.is_some() || clone.is_some() {
        return Err(PlanError::Unsupported("CREATE DATABASE options".into()));
    }
    let name = match name_parts(db_name)?.as_slice() {
        [name] => name.clone(),
        _ => return Err(PlanError::InvalidParameter(format!("invalid database name: {db_name}"))),
    };
    Ok(Plan::CreateDatabase {
        name,
        if_not_exists: *if_not_exists,
    })
}

/// `CREATE SCHEMA [IF NOT EXISTS] [database.]name`.
pub(crate) fn plan_create_schema(catalog: &dyn CatalogReader, stmt: &ast::Statement) -> Result<Plan, PlanError> {
    let ast::Statement::CreateSchema {
        schema_name,
        if_not_exists,
        or_replace,
        with,
        options,
        default_collate_spec,
        clone,
    } = stmt
    else {
        return Err(PlanError::Unsupported("CREATE SCHEMA".into()));
    };
    if *or_replace || with.is_some() || options.is_some() || default_collate_spec.is_some() || clone.is_some() {
        return Err(PlanError::Unsupported("CREATE SCHEMA options".into()));
    }
    let SchemaName::Simple(name) = schema_name else {
        return Err(PlanError::Unsupported("CREATE SCHEMA AUTHORIZATION".into()));
    };
    let parts = name_parts(name)?;
    let (database, schema) = match parts.as_slice() {
        [schema] => (catalog.active_database().to_owned(), schema.clone()),
        [database, schema] => (database.clone(), schema.clone()),
        _ => return Err(PlanError::InvalidParameter(format!("invalid schema name: {name}"))),
    };
    if catalog.resolve_schema(None, &schema).is_some() {
        return Err(PlanError::SystemSchema(schema));
    }
    let database = catalog
        .resolve_database(&database)
        .ok_or(PlanError::UnknownDatabase(database))?;
    Ok(Plan::CreateSchema {
        database,
        name: schema,
        if_not_exists: *if_not_exists,
    })
}

/// The definition of table `item`, planned again from its stored
/// `CREATE TABLE` (for what its `desc` does not carry: column defaults and
/// unique keys).
pub(crate) fn table_definition(catalog: &dyn CatalogReader, item: &CatalogItem) -> Result<TablePlan, PlanError> {
    let not_a_table = || PlanError::Unsupported(format!("writing to {}", item.name));
    let statements = parse(&item.create_sql)?;
    match statements.as_slice() {
        [statement @ Statement::Sql(_)] => match super::plan(catalog, statement)? {
            Plan::CreateTable { table, .. } => Ok(table),
            _ => Err(not_a_table()),
        },
        _ => Err(not_a_table()),
    }
}

/// `CREATE TABLE [IF NOT EXISTS] name (column type [NOT NULL] [DEFAULT e]
/// [PRIMARY KEY | UNIQUE], …, [[CONSTRAINT name] PRIMARY KEY | UNIQUE (column, …)], …)`.
pub(crate) fn plan_create_table(catalog: &dyn CatalogReader, create: &ast::CreateTable) -> Result<Plan, PlanError> {
    if create.or_replace
        || create.temporary
        || create.external
        || create.query.is_some()
        || create.like.is_some()
        || create.clone.is_some()
        || create.partition_of.is_some()
        || create.inherits.is_some()
    {
        return Err(PlanError::Unsupported(
            "CREATE TABLE with OR REPLACE, TEMPORARY, AS, LIKE, CLONE, INHERITS or PARTITION OF".into(),
        ));
    }
    let (schema, name) = name_for_create(catalog, &create.name, "table")?;

    let mut seen = BTreeSet::new();
    let mut columns = Vec::with_capacity(create.columns.len());
    let mut defaults = Vec::with_capacity(create.columns.len());
    let empty = Scope::empty();
    let qcx = QueryContext::new(catalog);
    let ecx = ExprContext::new(&qcx, &empty, "DEFAULT expressions");
    let mut key_specs = Vec::new();
    for column in &create.columns {
        let column_name = normalize_ident(&column.name);
        if !seen.insert(column_name.clone()) {
            return Err(PlanError::DuplicateColumn(column_name));
        }
        let typ = scalar_type_from_sql(&column.data_type)?;
        let mut nullable = true;
        let mut default = ScalarExpr::null(typ);
        for option in &column.options {
            if let Some(key) = KeySpec::from_column_option(&column_name, option)? {
                key_specs.push(key);
                continue;
            }
            match &option.option {
                ColumnOption::Null => nullable = true,
                ColumnOption::NotNull => nullable = false,
                ColumnOption::Default(e) => {
                    let value = coerce(plan_expr(&ecx, e)?, &typ, CastContext::Assignment)?;
                    default = scalar_only(value, "DEFAULT")?;
                }
                other => return Err(PlanError::Unsupported(format!("column option {other}"))),
            }
        }
        columns.push((ColumnName(column_name), typ.nullable(nullable)));
        defaults.push(default);
    }
    for constraint in &create.constraints {
        key_specs.push(KeySpec::from_table_constraint(constraint)?);
    }
    let column_names: Vec<String> = columns.iter().map(|(name, _)| name.0.clone()).collect();
    let unique_keys = plan_keys(&name.item, &column_names, key_specs)?;
    // A primary key's columns are NOT NULL, whatever their declaration says
    // (as in PostgreSQL 16).
    for key in unique_keys.iter().filter(|k| k.primary) {
        for c in &key.columns {
            columns[*c].1.nullable = false;
        }
    }

    // Store the statement with its name fully qualified, so re-planning it
    // at boot does not depend on any session's search path.
    let mut stored = create.clone();
    stored.if_not_exists = false;
    stored.name = qualified_name(&name);
    Ok(Plan::CreateTable {
        schema: schema.id,
        name,
        table: TablePlan {
            desc: RelationDesc::new(columns),
            defaults,
            unique_keys,
            create_sql: ast::Statement::CreateTable(stored).to_string(),
        },
        if_not_exists: create.if_not_exists,
    })
}

/// `DROP DATABASE | SCHEMA | TABLE [IF EXISTS] name, … [CASCADE | RESTRICT]`.
pub(crate) fn plan_drop(catalog: &dyn CatalogReader, stmt: &ast::Statement) -> Result<Plan, PlanError> {
    let ast::Statement::Drop {
        object_type,
        if_exists,
        names,
        cascade,
        restrict,
        purge,
        temporary,
        table,
    } = stmt
    else {
        return Err(PlanError::Unsupported("DROP".into()));
    };
    if *purge || *temporary || table.is_some() {
        return Err(PlanError::Unsupported("DROP with PURGE, TEMPORARY or ON".into()));
    }
    match object_type {
        ObjectType::Database => {
            let [name] = names.as_slice() else {
                return Err(PlanError::Unsupported("dropping several databases at once".into()));
            };
            let name = match name_parts(name)?.as_slice() {
                [name] => name.clone(),
                _ => return Err(PlanError::InvalidParameter(format!("invalid database name: {name}"))),
            };
            let id = catalog.resolve_database(&name);
            if id.is_none() && !*if_exists {
                return Err(PlanError::UnknownDatabase(name));
            }
            // Materialize's default for databases is CASCADE.
            Ok(Plan::DropDatabase {
                id,
                name,
                restrict: *restrict,
            })
        }
        ObjectType::Schema => {
            let [name] = names.as_slice() else {
                return Err(PlanError::Unsupported("dropping several schemas at once".into()));
            };
            let parts = name_parts(name)?;
            let display = parts.join(".");
            match resolve_schema(catalog, &parts) {
                Ok(schema) if schema.database.is_none() => Err(PlanError::SystemSchema(schema.name)),
                Ok(schema) => Ok(Plan::DropSchema {
                    id: Some(schema.id),
                    name: display,
                    cascade: *cascade,
                }),
                Err(PlanError::UnknownSchema(_) | PlanError::UnknownDatabase(_)) if *if_exists => {
                    Ok(Plan::DropSchema {
                        id: None,
                        name: display,
                        cascade: *cascade,
                    })
                }
                Err(e) => Err(e),
            }
        }
        ObjectType::Table | ObjectType::View | ObjectType::Index => {
            let kind = match object_type {
                ObjectType::Table => ItemKind::Table,
                ObjectType::View => ItemKind::View,
                _ => ItemKind::Index,
            };
            plan_drop_items(catalog, kind, names, *if_exists, *cascade)
        }
        other => Err(PlanError::Unsupported(format!("DROP {other}"))),
    }
}

/// `DROP TABLE|VIEW|INDEX|SECRET`: the items named, which must be of `kind`;
/// with `if_exists`, names of nothing are kept for notices.
pub(crate) fn plan_drop_items(
    catalog: &dyn CatalogReader,
    kind: ItemKind,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Plan, PlanError> {
    let mut ids = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match resolve_item(catalog, name) {
            Ok(item) if kind.accepts(item.kind) => {
                if item.name.database.is_none() {
                    return Err(PlanError::SystemSchema(item.name.schema));
                }
                if item.kind == ItemKind::ProgressSubsource {
                    let source = super::source::source_of(catalog, &item);
                    return Err(PlanError::ProgressSubsourceDrop {
                        name: item.name.item,
                        source_name: source.map_or_else(|| "its source".into(), |s| s.name.to_string()),
                    });
                }
                ids.push(item.id);
            }
            Ok(item) => {
                return Err(PlanError::WrongObjectType {
                    name: item.name.item,
                    expected: kind.with_article(),
                });
            }
            Err(
                PlanError::UnknownRelation(name) | PlanError::UnknownSchema(name) | PlanError::UnknownDatabase(name),
            ) if if_exists => {
                missing.push(name);
            }
            Err(PlanError::UnknownRelation(name)) => {
                return Err(PlanError::UnknownItem {
                    kind: kind.name(),
                    name,
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Plan::DropItems {
        kind,
        ids,
        missing,
        cascade,
    })
}
