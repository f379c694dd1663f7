//! The columns a source's tables have on MySQL now, and whether they are
//! still the ones the source copies: checked under the snapshot's lock and
//! whenever ingestion (re)connects.

use std::collections::BTreeMap;

use freshet_repr::UpstreamTable;
use mysql_async::prelude::Queryable;

use crate::MySqlError;
use crate::validate::{placeholders, server_error};

/// One column of a table as MySQL describes it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentColumn {
    /// Its name.
    pub name: String,
    /// Its type as MySQL prints it (`COLUMN_TYPE`).
    pub upstream_type: String,
    /// Whether it may hold NULL.
    pub nullable: bool,
    /// Its character set (`utf8mb4`, `latin1`, `binary`), for string columns.
    pub charset: Option<String>,
}

/// The current columns of each of `tables` (keyed by schema and name), in
/// ordinal order, invisible ones included. A table MySQL no longer has is
/// missing from the answer.
pub async fn current_columns(
    conn: &mut mysql_async::Conn,
    tables: &[&UpstreamTable],
) -> Result<BTreeMap<(String, String), Vec<CurrentColumn>>, MySqlError> {
    let mut current = BTreeMap::new();
    if tables.is_empty() {
        return Ok(current);
    }
    conn.query_drop("SET SESSION show_gipk_in_create_table_and_information_schema = ON")
        .await
        .map_err(server_error)?;
    let mut schemas: Vec<String> = tables.iter().map(|t| t.schema.clone()).collect();
    schemas.sort();
    schemas.dedup();
    let rows: Vec<(String, String, String, String, String, Option<String>)> = conn
        .exec(
            format!(
                "SELECT CAST(TABLE_SCHEMA AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
             CAST(COLUMN_TYPE AS CHAR), CAST(IS_NULLABLE AS CHAR), CAST(CHARACTER_SET_NAME AS CHAR) \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ({}) \
             ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION",
                placeholders(schemas.len())
            ),
            schemas,
        )
        .await
        .map_err(server_error)?;
    for (schema, table, name, upstream_type, nullable, charset) in rows {
        if !tables.iter().any(|t| t.schema == schema && t.name == table) {
            continue;
        }
        current
            .entry((schema, table))
            .or_insert_with(Vec::new)
            .push(CurrentColumn {
                name,
                upstream_type,
                nullable: nullable == "YES",
                charset,
            });
    }
    Ok(current)
}

/// Checks that `current` (the table's columns now, `None` if it is gone)
/// still holds every column the source copies, in the same place, with the
/// same type: columns added after the last one are compatible (they are not
/// copied), and so is a column that became nullable or not nullable while
/// the source copies it as nullable.
pub fn check_schema(table: &UpstreamTable, current: Option<&[CurrentColumn]>) -> Result<(), MySqlError> {
    let name = format!("{}.{}", table.schema, table.name);
    let Some(current) = current else {
        return Err(MySqlError::TableDropped { table: name });
    };
    let incompatible = |detail: String| MySqlError::IncompatibleSchema {
        table: name.clone(),
        detail,
    };
    if current.len() < table.columns.len() {
        return Err(incompatible(format!(
            "it has {} columns, the source copies {}",
            current.len(),
            table.columns.len()
        )));
    }
    for (position, (stored, now)) in table.columns.iter().zip(current).enumerate() {
        if stored.name != now.name {
            return Err(incompatible(format!(
                "column {} is now \"{}\", it was \"{}\"",
                position + 1,
                now.name,
                stored.name
            )));
        }
        if !stored.upstream_type.eq_ignore_ascii_case(&now.upstream_type) {
            return Err(incompatible(format!(
                "column \"{}\" is now of type {}, it was {}",
                now.name, now.upstream_type, stored.upstream_type
            )));
        }
        if now.nullable && !stored.nullable {
            return Err(incompatible(format!("column \"{}\" now allows NULL", now.name)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use freshet_repr::{ColumnIngest, ScalarType, UpstreamColumn};

    use super::*;

    fn table() -> UpstreamTable {
        let column = |name: &str, upstream_type: &str, nullable| UpstreamColumn {
            name: name.into(),
            upstream_type: upstream_type.into(),
            nullable,
            invisible: false,
            ingest: ColumnIngest::Typed(ScalarType::Int32),
        };
        UpstreamTable {
            schema: "shop".into(),
            name: "orders".into(),
            columns: vec![column("id", "int", false), column("qty", "int", true)],
        }
    }

    fn now(columns: &[(&str, &str, bool)]) -> Vec<CurrentColumn> {
        columns
            .iter()
            .map(|(name, upstream_type, nullable)| CurrentColumn {
                name: (*name).into(),
                upstream_type: (*upstream_type).into(),
                nullable: *nullable,
                charset: None,
            })
            .collect()
    }

    #[test]
    fn compatible_changes_pass() {
        let t = table();
        assert!(check_schema(&t, Some(&now(&[("id", "int", false), ("qty", "int", true)]))).is_ok());
        assert!(check_schema(&t, Some(&now(&[("id", "int", false), ("qty", "int", false)]))).is_ok());
        let added = now(&[("id", "int", false), ("qty", "int", true), ("note", "text", true)]);
        assert!(check_schema(&t, Some(&added)).is_ok());
    }

    #[test]
    fn incompatible_changes_name_what_changed() {
        let t = table();
        let message = |columns: Option<&[CurrentColumn]>| {
            check_schema(&t, columns)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(message(None), "table shop.orders was dropped");
        assert!(message(Some(&now(&[("id", "int", false)]))).contains("it has 1 columns"));
        assert!(message(Some(&now(&[("id", "bigint", false), ("qty", "int", true)]))).contains("type bigint"));
        assert!(message(Some(&now(&[("id", "int", true), ("qty", "int", true)]))).contains("now allows NULL"));
        let inserted = now(&[("id", "int", false), ("x", "int", true), ("qty", "int", true)]);
        assert!(message(Some(&inserted)).contains("column 2 is now \"x\""));
    }
}
