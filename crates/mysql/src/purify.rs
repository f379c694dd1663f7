//! Purification: finding on MySQL the tables a `CREATE SOURCE` names, with
//! every column in ordinal order and the type each is copied as, and
//! checking that the user may snapshot them.

use std::collections::{BTreeMap, BTreeSet};

use freshet_repr::{ColumnIngest, UpstreamColumn, UpstreamTable};
use mysql_async::prelude::Queryable;

use crate::types::{mapped_type, text_allowed};
use crate::validate::{check, current_grantees, global_privileges, placeholders, server_error};
use crate::{MySqlConnection, MySqlError, connect};

/// Schemas that hold MySQL's own tables, never part of `FOR ALL TABLES`.
const SYSTEM_SCHEMAS: &[&str] = &["information_schema", "performance_schema", "mysql", "sys"];

/// The tables a source copies, as `CREATE SOURCE` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableSelection {
    /// `FOR ALL TABLES`: every base table outside MySQL's own schemas.
    All,
    /// `FOR SCHEMAS (…)`: every base table of these schemas.
    Schemas(Vec<String>),
    /// `FOR TABLES (…)`: these tables, as `(schema, table)`.
    Tables(Vec<(String, String)>),
}

/// A column named in `TEXT COLUMNS` or `EXCLUDE COLUMNS`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnRef {
    /// The table's schema.
    pub schema: String,
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
}

impl std::fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.schema, self.table, self.column)
    }
}

/// What to purify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRequest {
    /// The tables.
    pub selection: TableSelection,
    /// Columns copied as text.
    pub text_columns: Vec<ColumnRef>,
    /// Columns left out.
    pub exclude_columns: Vec<ColumnRef>,
}

/// What purification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurifiedSource {
    /// The upstream server's own `server_id` (a source's binlog client must
    /// use another).
    pub server_id: u32,
    /// The tables, sorted by schema and name.
    pub tables: Vec<UpstreamTable>,
}

/// Connects with `options`, validates the server as [`crate::validate`]
/// does, and finds the tables of `request` with their columns.
pub async fn purify(options: &MySqlConnection, request: &SourceRequest) -> Result<PurifiedSource, MySqlError> {
    let mut conn = connect(options).await?;
    let result = purify_on(&mut conn, request).await;
    let _ = conn.disconnect().await;
    result
}

async fn purify_on(conn: &mut mysql_async::Conn, request: &SourceRequest) -> Result<PurifiedSource, MySqlError> {
    check(conn).await?;
    // Generated invisible primary keys (`my_row_id`) are in the binlog;
    // information_schema hides them unless asked. Older servers lack the
    // setting, and have no such keys.
    let _ = conn
        .query_drop("SET SESSION show_gipk_in_create_table_and_information_schema = ON")
        .await;
    let server_id: Option<u32> = conn.query_first("SELECT @@server_id").await.map_err(server_error)?;
    let names = select_tables(conn, &request.selection).await?;
    let mut tables = read_columns(conn, &names).await?;
    apply_column_options(&mut tables, request)?;
    check_types(&tables, &request.exclude_columns)?;
    check_table_privileges(conn, &tables).await?;
    Ok(PurifiedSource {
        server_id: server_id.unwrap_or(0),
        tables,
    })
}

/// The `(schema, table)` of every base table the selection names.
async fn select_tables(
    conn: &mut mysql_async::Conn,
    selection: &TableSelection,
) -> Result<BTreeSet<(String, String)>, MySqlError> {
    let base_tables: Vec<(String, String)> = conn
        .query(
            "SELECT CAST(TABLE_SCHEMA AS CHAR), CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
             WHERE TABLE_TYPE = 'BASE TABLE'",
        )
        .await
        .map_err(server_error)?;
    let base_tables: BTreeSet<(String, String)> = base_tables
        .into_iter()
        .filter(|(schema, _)| !SYSTEM_SCHEMAS.contains(&schema.as_str()))
        .collect();
    match selection {
        TableSelection::All => {
            if base_tables.is_empty() {
                return Err(MySqlError::NoTables {
                    what: "FOR ALL TABLES".into(),
                });
            }
            Ok(base_tables)
        }
        TableSelection::Schemas(schemas) => {
            let empty: Vec<&String> = schemas
                .iter()
                .filter(|schema| !base_tables.iter().any(|(s, _)| s == *schema))
                .collect();
            if !empty.is_empty() {
                let names: Vec<String> = empty.iter().map(|s| s.to_string()).collect();
                return Err(MySqlError::NoTables {
                    what: format!("schema {}", names.join(", ")),
                });
            }
            Ok(base_tables
                .into_iter()
                .filter(|(schema, _)| schemas.contains(schema))
                .collect())
        }
        TableSelection::Tables(tables) => {
            let missing: Vec<String> = tables
                .iter()
                .filter(|table| !base_tables.contains(*table))
                .map(|(schema, table)| format!("{schema}.{table}"))
                .collect();
            if !missing.is_empty() {
                return Err(MySqlError::TablesNotFound(missing));
            }
            Ok(tables.iter().cloned().collect())
        }
    }
}

/// Every column of `names`, in ordinal order; each is copied as its
/// mapped type until [`apply_column_options`] says otherwise.
async fn read_columns(
    conn: &mut mysql_async::Conn,
    names: &BTreeSet<(String, String)>,
) -> Result<Vec<UpstreamTable>, MySqlError> {
    let schemas: BTreeSet<&String> = names.iter().map(|(schema, _)| schema).collect();
    let placeholders = placeholders(schemas.len());
    let rows: Vec<(String, String, String, String, String, String)> = conn
        .exec(
            format!(
                "SELECT CAST(TABLE_SCHEMA AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
                 CAST(COLUMN_TYPE AS CHAR), CAST(IS_NULLABLE AS CHAR), CAST(EXTRA AS CHAR) \
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ({placeholders}) \
                 ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
            ),
            schemas.into_iter().cloned().collect::<Vec<_>>(),
        )
        .await
        .map_err(server_error)?;
    let mut tables: BTreeMap<(String, String), UpstreamTable> = names
        .iter()
        .map(|(schema, name)| {
            let table = UpstreamTable {
                schema: schema.clone(),
                name: name.clone(),
                columns: Vec::new(),
            };
            ((schema.clone(), name.clone()), table)
        })
        .collect();
    for (schema, table, column, column_type, nullable, extra) in rows {
        let Some(table) = tables.get_mut(&(schema, table)) else {
            continue;
        };
        let ingest = match mapped_type(&column_type) {
            Some(typ) => ColumnIngest::Typed(typ),
            // Refused by `check_types` unless a column option covers it.
            None => ColumnIngest::Excluded,
        };
        table.columns.push(UpstreamColumn {
            name: column,
            upstream_type: column_type,
            nullable: nullable == "YES",
            invisible: extra.to_ascii_uppercase().split_whitespace().any(|w| w == "INVISIBLE"),
            ingest,
        });
    }
    Ok(tables.into_values().collect())
}

/// Applies `TEXT COLUMNS` and `EXCLUDE COLUMNS`, each of whose columns must
/// exist in a table of the source, be named once, and (for text) be of a
/// type text can hold.
fn apply_column_options(tables: &mut [UpstreamTable], request: &SourceRequest) -> Result<(), MySqlError> {
    let both: Vec<String> = request
        .text_columns
        .iter()
        .filter(|c| request.exclude_columns.contains(c))
        .map(ToString::to_string)
        .collect();
    if !both.is_empty() {
        return Err(MySqlError::ColumnOption(format!(
            "{} in both TEXT COLUMNS and EXCLUDE COLUMNS",
            plural_columns(&both)
        )));
    }
    for (option, columns, text) in [
        ("TEXT COLUMNS", &request.text_columns, true),
        ("EXCLUDE COLUMNS", &request.exclude_columns, false),
    ] {
        for column_ref in columns {
            let table = tables
                .iter_mut()
                .find(|t| t.schema == column_ref.schema && t.name == column_ref.table)
                .ok_or_else(|| {
                    MySqlError::ColumnOption(format!(
                        "{option} names {column_ref}, but the source has no table {}.{}",
                        column_ref.schema, column_ref.table
                    ))
                })?;
            let column = table
                .columns
                .iter_mut()
                .find(|c| c.name == column_ref.column)
                .ok_or_else(|| {
                    MySqlError::ColumnOption(format!("{option} names {column_ref}, but there is no such column"))
                })?;
            if text && !text_allowed(&column.upstream_type) {
                return Err(MySqlError::TextColumnType {
                    column: column_ref.to_string(),
                    upstream_type: column.upstream_type.clone(),
                });
            }
            column.ingest = if text {
                ColumnIngest::Text
            } else {
                ColumnIngest::Excluded
            };
        }
    }
    Ok(())
}

fn plural_columns(columns: &[String]) -> String {
    match columns {
        [one] => format!("column {one} is"),
        many => format!("columns {} are", many.join(", ")),
    }
}

/// Every column has a type Freshet copies it as, or is named in `TEXT
/// COLUMNS` or `EXCLUDE COLUMNS`; and no table has all columns excluded.
fn check_types(tables: &[UpstreamTable], excluded: &[ColumnRef]) -> Result<(), MySqlError> {
    let named = |table: &UpstreamTable, column: &UpstreamColumn| {
        excluded
            .iter()
            .any(|r| r.schema == table.schema && r.table == table.name && r.column == column.name)
    };
    let unsupported: Vec<String> = tables
        .iter()
        .flat_map(|table| {
            table
                .columns
                .iter()
                .filter(|c| c.ingest == ColumnIngest::Excluded && !named(table, c))
                .map(|c| format!("{}.{}.{} ({})", table.schema, table.name, c.name, c.upstream_type))
        })
        .collect();
    if !unsupported.is_empty() {
        return Err(MySqlError::UnsupportedTypes(unsupported));
    }
    for table in tables {
        if table.columns.iter().all(|c| c.ingest == ColumnIngest::Excluded) {
            return Err(MySqlError::ColumnOption(format!(
                "every column of {}.{} is excluded",
                table.schema, table.name
            )));
        }
    }
    Ok(())
}

/// The user may `SELECT` each table and `LOCK TABLES` in its schema (the
/// snapshot locks the tables while its transactions open).
async fn check_table_privileges(conn: &mut mysql_async::Conn, tables: &[UpstreamTable]) -> Result<(), MySqlError> {
    let grantees = current_grantees(conn).await?;
    let global = global_privileges(conn, &grantees).await?;
    let placeholders = placeholders(grantees.len());
    let schema_level: Vec<(String, String)> = conn
        .exec(
            format!(
                "SELECT CAST(TABLE_SCHEMA AS CHAR), PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES \
                 WHERE GRANTEE IN ({placeholders})"
            ),
            grantees.clone(),
        )
        .await
        .map_err(server_error)?;
    let table_level: Vec<(String, String, String)> = conn
        .exec(
            format!(
                "SELECT CAST(TABLE_SCHEMA AS CHAR), CAST(TABLE_NAME AS CHAR), PRIVILEGE_TYPE \
                 FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE IN ({placeholders})"
            ),
            grantees.clone(),
        )
        .await
        .map_err(server_error)?;
    let has = |privilege: &str, schema: &str, table: Option<&str>| {
        global.iter().any(|p| p == privilege)
            || schema_level
                .iter()
                .any(|(pattern, p)| p == privilege && schema_matches(pattern, schema))
            || table.is_some_and(|table| {
                table_level
                    .iter()
                    .any(|(s, t, p)| p == privilege && s == schema && t == table)
            })
    };
    let mut missing = BTreeSet::new();
    for table in tables {
        if !has("SELECT", &table.schema, Some(&table.name)) {
            missing.insert(format!("SELECT ON {}.{}", table.schema, table.name));
        }
        if !has("LOCK TABLES", &table.schema, None) {
            missing.insert(format!("LOCK TABLES ON {}.*", table.schema));
        }
    }
    if !missing.is_empty() {
        return Err(MySqlError::MissingTablePrivileges {
            user: grantees.first().cloned().unwrap_or_default(),
            missing: missing.into_iter().collect(),
        });
    }
    Ok(())
}

/// Whether a schema privilege's `TABLE_SCHEMA` (a `LIKE` pattern, where
/// `\_` is a literal underscore) covers `schema`.
fn schema_matches(pattern: &str, schema: &str) -> bool {
    fn matches(p: &[char], s: &[char]) -> bool {
        match p {
            [] => s.is_empty(),
            ['%', rest @ ..] => (0..=s.len()).any(|i| matches(rest, &s[i..])),
            ['_', rest @ ..] => !s.is_empty() && matches(rest, &s[1..]),
            ['\\', c, rest @ ..] => s.first() == Some(c) && matches(rest, &s[1..]),
            [c, rest @ ..] => s.first() == Some(c) && matches(rest, &s[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = schema.chars().collect();
    matches(&p, &s)
}

#[cfg(test)]
mod tests {
    use super::schema_matches;

    #[test]
    fn schema_patterns_match_as_mysql_grants_do() {
        assert!(schema_matches("shop", "shop"));
        assert!(!schema_matches("shop", "shops"));
        assert!(schema_matches("shop\\_db", "shop_db"));
        assert!(!schema_matches("shop\\_db", "shopxdb"));
        assert!(schema_matches("shop_db", "shopxdb"));
        assert!(schema_matches("shop%", "shop_2024"));
    }
}
