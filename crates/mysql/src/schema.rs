//! The columns a source's tables have on MySQL now, and whether they are
//! still the ones the source copies: checked under the snapshot's lock and
//! whenever ingestion (re)connects.

use std::collections::BTreeMap;

use freshet_repr::{ColumnIngest, UpstreamTable};
use mysql_async::prelude::Queryable;

use crate::MySqlError;
use crate::decode::{appends_labels, same_type};
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
/// copied, and may be dropped again), and so is a column that became
/// nullable or not nullable while the source copies it as nullable, and an
/// `enum(…)` or `set(…)` column copied as text (`TEXT COLUMNS`) with values
/// appended to its list (the old values keep their places). Any other
/// change is incompatible, a NOT NULL column becoming nullable included.
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
        let appended = stored.ingest == ColumnIngest::Text && appends_labels(&stored.upstream_type, &now.upstream_type);
        if !same_type(&stored.upstream_type, &now.upstream_type) && !appended {
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
    use freshet_repr::{ScalarType, UpstreamColumn};

    use super::*;

    /// `id int NOT NULL, qty int NULL, e enum('a','b') NULL` (as text),
    /// `s set('x','y') NOT NULL` (as text), `x enum('a','b')` (excluded).
    fn table() -> UpstreamTable {
        let column = |name: &str, upstream_type: &str, nullable, ingest| UpstreamColumn {
            name: name.into(),
            upstream_type: upstream_type.into(),
            nullable,
            invisible: false,
            ingest,
        };
        let int = ColumnIngest::Typed(ScalarType::Int32);
        UpstreamTable {
            schema: "shop".into(),
            name: "orders".into(),
            columns: vec![
                column("id", "int", false, int),
                column("qty", "int", true, int),
                column("e", "enum('a','b')", true, ColumnIngest::Text),
                column("s", "set('x','y')", false, ColumnIngest::Text),
                column("x", "enum('a','b')", true, ColumnIngest::Excluded),
            ],
        }
    }

    /// The columns as they were at creation, with `change` applied to the
    /// one named `name` (type, nullable).
    fn now_with(changes: &[(&str, &str, bool)]) -> Vec<CurrentColumn> {
        table()
            .columns
            .iter()
            .map(|c| {
                let change = changes.iter().find(|(name, _, _)| *name == c.name);
                CurrentColumn {
                    name: c.name.clone(),
                    upstream_type: change.map_or_else(|| c.upstream_type.clone(), |(_, t, _)| (*t).to_owned()),
                    nullable: change.map_or(c.nullable, |(_, _, n)| *n),
                    charset: None,
                }
            })
            .collect()
    }

    fn check(current: &[CurrentColumn]) -> Result<(), String> {
        check_schema(&table(), Some(current)).map_err(|e| e.to_string())
    }

    fn column(name: &str, upstream_type: &str, nullable: bool) -> CurrentColumn {
        CurrentColumn {
            name: name.into(),
            upstream_type: upstream_type.into(),
            nullable,
            charset: None,
        }
    }

    #[test]
    fn an_unchanged_table_passes() {
        assert_eq!(check(&now_with(&[])), Ok(()));
        // Types compare without regard to case.
        assert_eq!(check(&now_with(&[("id", "INT", false)])), Ok(()));
    }

    #[test]
    fn columns_added_at_the_end_pass_and_may_be_dropped_again() {
        let mut added = now_with(&[]);
        added.push(column("note", "text", true));
        added.push(column("n", "int", false));
        assert_eq!(check(&added), Ok(()));
        // Dropping them again leaves the table as it was.
        added.truncate(table().columns.len());
        assert_eq!(check(&added), Ok(()));
    }

    #[test]
    fn dropping_a_column_the_source_has_is_incompatible() {
        let mut dropped = now_with(&[]);
        dropped.remove(1);
        assert_eq!(
            check(&dropped),
            Err("incompatible schema change in shop.orders: it has 4 columns, the source copies 5".into())
        );
        let mut last = now_with(&[]);
        last.pop();
        assert!(
            check(&last).is_err_and(|e| e.contains("it has 4 columns")),
            "excluded columns count too"
        );
    }

    #[test]
    fn not_null_comes_and_goes_on_columns_nullable_at_creation() {
        assert_eq!(check(&now_with(&[("qty", "int", false)])), Ok(()));
        assert_eq!(check(&now_with(&[("qty", "int", true)])), Ok(()));
        assert_eq!(check(&now_with(&[("e", "enum('a','b')", false)])), Ok(()));
    }

    #[test]
    fn a_not_null_column_becoming_nullable_is_incompatible() {
        assert_eq!(
            check(&now_with(&[("id", "int", true)])),
            Err("incompatible schema change in shop.orders: column \"id\" now allows NULL".into())
        );
        assert!(check(&now_with(&[("s", "set('x','y')", true)])).is_err_and(|e| e.contains("\"s\" now allows NULL")));
    }

    #[test]
    fn values_appended_to_text_enum_and_set_columns_pass() {
        assert_eq!(check(&now_with(&[("e", "enum('a','b','c')", true)])), Ok(()));
        assert_eq!(check(&now_with(&[("e", "enum('a','b','c','d''e')", false)])), Ok(()));
        assert_eq!(check(&now_with(&[("s", "set('x','y','z')", false)])), Ok(()));
        // Twice: still the stored values first.
        let twice = now_with(&[
            ("e", "enum('a','b','c','d')", true),
            ("s", "set('x','y','z','w')", false),
        ]);
        assert_eq!(check(&twice), Ok(()));
    }

    #[test]
    fn other_enum_and_set_changes_are_incompatible() {
        let type_change = |name: &str, upstream_type: &str| {
            let nullable = table()
                .columns
                .iter()
                .find(|c| c.name == name)
                .is_some_and(|c| c.nullable);
            check(&now_with(&[(name, upstream_type, nullable)]))
        };
        assert_eq!(
            type_change("e", "enum('b','a','c')"),
            Err(
                "incompatible schema change in shop.orders: column \"e\" is now of type enum('b','a','c'), it was enum('a','b')"
                    .into()
            )
        );
        assert!(type_change("e", "enum('a','c','b')").is_err(), "inserted");
        assert!(type_change("e", "enum('a')").is_err(), "removed");
        assert!(type_change("e", "enum('a','B')").is_err(), "renamed");
        assert!(type_change("e", "set('a','b','c')").is_err(), "enum to set");
        assert!(type_change("e", "varchar(10)").is_err());
        assert!(type_change("s", "set('y','x','z')").is_err());
        // An excluded column is not copied as text: appending is a change.
        assert!(type_change("x", "enum('a','b','c')").is_err_and(|e| e.contains("column \"x\"")));
    }

    #[test]
    fn other_changes_name_what_changed() {
        assert_eq!(
            check_schema(&table(), None).map_err(|e| e.to_string()),
            Err("table shop.orders was dropped".into())
        );
        assert_eq!(
            check(&now_with(&[("id", "bigint", false)])),
            Err("incompatible schema change in shop.orders: column \"id\" is now of type bigint, it was int".into())
        );
        assert!(check(&now_with(&[("id", "int unsigned", false)])).is_err_and(|e| e.contains("type int unsigned")));
        let mut inserted = now_with(&[]);
        inserted.insert(1, column("x", "int", true));
        assert_eq!(
            check(&inserted),
            Err("incompatible schema change in shop.orders: column 2 is now \"x\", it was \"qty\"".into())
        );
        let mut renamed = now_with(&[]);
        renamed[1].name = "quantity".into();
        assert!(check(&renamed).is_err_and(|e| e.contains("column 2 is now \"quantity\", it was \"qty\"")));
    }
}
