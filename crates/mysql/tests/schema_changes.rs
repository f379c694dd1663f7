//! Upstream schema changes against a real MySQL 9.7 started with
//! `bin/mysql`: each DDL step checked as replication checks it, against
//! information_schema (`check_schema`) and against the binlog's TABLE_MAP
//! (`check_table_map`) with FULL and MINIMAL row metadata; compatible
//! changes keep rows decoding.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{MySql, decoder, texts};
use freshet_mysql::{
    ColumnRef, MySqlError, SourceRequest, TableSelection, check_schema, connect, current_columns, purify,
};
use freshet_repr::Row;
use futures::StreamExt;
use mysql_async::BinlogStreamRequest;
use mysql_async::binlog::events::{EventData, RowsEventData};
use mysql_async::binlog::value::BinlogValue;

/// A step of [`schema_changes_are_tolerated_or_caught`]: a DDL, then a row
/// inserted with id `id`, and what each check says of the table then
/// (`None`: compatible; else the error's detail).
struct Step {
    ddl: &'static str,
    insert: &'static str,
    id: i64,
    /// `check_schema` against `information_schema`.
    schema: Option<&'static str>,
    /// `check_table_map` with `binlog_row_metadata = FULL`.
    full: Option<&'static str>,
    /// `check_table_map` with `binlog_row_metadata = MINIMAL`.
    minimal: Option<&'static str>,
}

/// `t (id int PRIMARY KEY, qty int NOT NULL, n int, y year, u int unsigned,
/// e enum('a','b'))`, y and e copied as text, changed step by step (each
/// step's DDL undoing the previous incompatible change).
const STEPS: &[Step] = &[
    Step {
        ddl: "",
        insert: "INSERT INTO t VALUES (1, 10, NULL, 2001, 4000000000, 'a')",
        id: 1,
        schema: None,
        full: None,
        minimal: None,
    },
    Step {
        ddl: "ALTER TABLE t ADD COLUMN extra int",
        insert: "INSERT INTO t VALUES (2, 20, 2, 2002, 4000000000, 'b', 7)",
        id: 2,
        schema: None,
        full: None,
        minimal: None,
    },
    Step {
        ddl: "ALTER TABLE t MODIFY e enum('a','b','c')",
        insert: "INSERT INTO t VALUES (3, 30, NULL, 2003, 3, 'c', 7)",
        id: 3,
        schema: None,
        full: None,
        minimal: None,
    },
    Step {
        ddl: "ALTER TABLE t DROP COLUMN extra",
        insert: "INSERT INTO t VALUES (4, 40, NULL, 2004, 4, 'b')",
        id: 4,
        schema: None,
        full: None,
        minimal: None,
    },
    // n was nullable when the source was created: NOT NULL comes and goes.
    Step {
        ddl: "UPDATE t SET n = 0 WHERE n IS NULL; ALTER TABLE t MODIFY n int NOT NULL",
        insert: "INSERT INTO t VALUES (5, 50, 5, 2005, 5, 'a')",
        id: 5,
        schema: None,
        full: None,
        minimal: None,
    },
    Step {
        ddl: "ALTER TABLE t MODIFY n int NULL",
        insert: "INSERT INTO t VALUES (6, 60, NULL, 2006, 6, 'a')",
        id: 6,
        schema: None,
        full: None,
        minimal: None,
    },
    Step {
        ddl: "ALTER TABLE t MODIFY qty int NULL",
        insert: "INSERT INTO t VALUES (7, 70, NULL, 2007, 7, 'a')",
        id: 7,
        schema: Some("column \"qty\" now allows NULL"),
        full: Some("column \"qty\" now allows NULL"),
        minimal: Some("column \"qty\" now allows NULL"),
    },
    // Without column names the binlog shows an inserted column only where
    // the columns it pushes along change type (here y, now where n was);
    // had the columns after it all been int NOT NULL, only the check at
    // the DDL (`check_schema`) would see it.
    Step {
        ddl: "ALTER TABLE t MODIFY qty int NOT NULL, ADD COLUMN x int NOT NULL AFTER id",
        insert: "INSERT INTO t VALUES (8, 0, 80, NULL, 2008, 8, 'a')",
        id: 8,
        schema: Some("column 2 is now \"x\", it was \"qty\""),
        full: Some("column 2 is now \"x\", it was \"qty\""),
        minimal: Some("column \"y\" is now of binlog type LONG, it was year"),
    },
    Step {
        ddl: "ALTER TABLE t DROP COLUMN x, MODIFY qty bigint NOT NULL",
        insert: "INSERT INTO t VALUES (9, 90, NULL, 2009, 9, 'a')",
        id: 9,
        schema: Some("column \"qty\" is now of type bigint, it was int"),
        full: Some("column \"qty\" is now of binlog type LONGLONG, it was int"),
        minimal: Some("column \"qty\" is now of binlog type LONGLONG, it was int"),
    },
    Step {
        ddl: "UPDATE t SET u = 1 WHERE u > 2147483647; ALTER TABLE t MODIFY qty int NOT NULL, MODIFY u int",
        insert: "INSERT INTO t VALUES (10, 100, NULL, 2010, 10, 'a')",
        id: 10,
        schema: Some("column \"u\" is now of type int, it was int unsigned"),
        full: Some("column \"u\" is now signed, it was int unsigned"),
        minimal: Some("column \"u\" is now signed, it was int unsigned"),
    },
    // The binlog carries ENUM values and column names only with FULL
    // metadata.
    Step {
        ddl: "ALTER TABLE t MODIFY u int unsigned, MODIFY e enum('b','a','c')",
        insert: "INSERT INTO t VALUES (11, 110, NULL, 2011, 11, 'a')",
        id: 11,
        schema: Some("column \"e\" is now of type enum('b','a','c'), it was enum('a','b')"),
        full: Some("column \"e\" is now enum('b','a','c'), it was enum('a','b','c')"),
        minimal: None,
    },
    Step {
        ddl: "ALTER TABLE t MODIFY e enum('a','b','c'), RENAME COLUMN qty TO quantity",
        insert: "INSERT INTO t VALUES (12, 120, NULL, 2012, 12, 'a')",
        id: 12,
        schema: Some("column 2 is now \"quantity\", it was \"qty\""),
        full: Some("column 2 is now \"quantity\", it was \"qty\""),
        minimal: None,
    },
    Step {
        ddl: "ALTER TABLE t RENAME COLUMN quantity TO qty",
        insert: "INSERT INTO t VALUES (13, 130, 13, 2013, 13, 'c')",
        id: 13,
        schema: None,
        full: None,
        minimal: None,
    },
    Step {
        ddl: "ALTER TABLE t DROP COLUMN e",
        insert: "INSERT INTO t VALUES (14, 140, NULL, 2014, 14)",
        id: 14,
        schema: Some("it has 5 columns, the source copies 6"),
        full: Some("it has 5 columns, the source copies 6"),
        minimal: Some("it has 5 columns, the source copies 6"),
    },
];

/// The detail of an `IncompatibleSchema` error of `table`; `None` when `Ok`.
fn incompatible(result: &Result<(), MySqlError>, table: &str) -> anyhow::Result<Option<String>> {
    match result {
        Ok(()) => Ok(None),
        Err(MySqlError::IncompatibleSchema { table: t, detail }) if t == table => Ok(Some(detail.clone())),
        Err(other) => anyhow::bail!("not an incompatible schema: {other}"),
    }
}

#[tokio::test]
async fn schema_changes_are_tolerated_or_caught() -> anyhow::Result<()> {
    let mysql = MySql::start("ddl", 192, &[])?;
    let options = mysql.options();
    for (schema, metadata) in [("sc_full", "FULL"), ("sc_minimal", "MINIMAL")] {
        mysql.root(&format!(
            "SET GLOBAL binlog_row_metadata = {metadata}; CREATE DATABASE {schema};
             CREATE TABLE {schema}.t (id int PRIMARY KEY, qty int NOT NULL, n int, y year, u int unsigned,
               e enum('a','b'))"
        ))?;
        let request = SourceRequest {
            selection: TableSelection::Tables(vec![(schema.to_owned(), "t".to_owned())]),
            text_columns: ["y", "e"]
                .into_iter()
                .map(|column| ColumnRef {
                    schema: schema.into(),
                    table: "t".into(),
                    column: column.into(),
                })
                .collect(),
            exclude_columns: Vec::new(),
        };
        let table = purify(&options, &request).await?.tables.remove(0);
        let mut conn = connect(&options).await?;
        let mut decoder = decoder(&mut conn, &table).await?;
        let name = format!("{schema}.t");

        // Each DDL checked against information_schema, as replication does
        // at a DDL event; a compatible one teaches the decoder appended
        // ENUM values.
        for step in STEPS {
            let step_failed = |e: anyhow::Error| anyhow::anyhow!("{metadata}, step {}: {e}", step.id);
            if !step.ddl.is_empty() {
                mysql
                    .root(&format!("USE {schema}; {}", step.ddl))
                    .map_err(step_failed)?;
            }
            mysql
                .root(&format!("USE {schema}; {}", step.insert))
                .map_err(step_failed)?;
            let current = current_columns(&mut conn, &[&table]).await?;
            let current = current.get(&(schema.to_owned(), "t".to_owned()));
            let checked = check_schema(&table, current.map(Vec::as_slice));
            assert_eq!(
                incompatible(&checked, &name)?.as_deref(),
                step.schema,
                "{metadata}, check_schema after step {}",
                step.id
            );
            if let (Ok(()), Some(current)) = (checked, current) {
                decoder.extend_labels(current);
            }
        }

        // Every row's TABLE_MAP checked, and its image decoded.
        let conn = connect(&options).await?;
        let mut stream = conn
            .get_binlog_stream(BinlogStreamRequest::new(9192).with_gtid().with_non_blocking())
            .await?;
        let mut seen = BTreeMap::new();
        while let Some(event) = tokio::time::timeout(Duration::from_secs(30), stream.next()).await? {
            let event = event?;
            let Some(EventData::RowsEvent(rows @ RowsEventData::WriteRowsEvent(_))) = event.read_data()? else {
                continue;
            };
            let tme = stream
                .get_tme(rows.table_id())
                .ok_or_else(|| anyhow::anyhow!("no TABLE_MAP"))?;
            if tme.database_name() != schema {
                continue;
            }
            let checked = decoder.check_table_map(tme);
            for images in rows.rows(tme) {
                let (_, after) = images?;
                let image = after.ok_or_else(|| anyhow::anyhow!("no after image"))?;
                let Some(BinlogValue::Value(mysql_async::Value::Int(id))) = image.as_ref(0).cloned() else {
                    anyhow::bail!("no id in {image:?}");
                };
                let mut row = Row::default();
                let decoded = decoder.decode_binlog(image, &mut row).map(|()| row);
                seen.insert(id, (checked.clone(), decoded));
            }
        }
        assert_eq!(seen.len(), STEPS.len(), "{metadata}: a row per step");
        let desc = table.desc();
        for step in STEPS {
            let (checked, decoded) = &seen[&step.id];
            let expected = if metadata == "FULL" { step.full } else { step.minimal };
            assert_eq!(
                incompatible(checked, &name)?.as_deref(),
                expected,
                "{metadata}, check_table_map of step {}",
                step.id
            );
            if step.schema.is_none() {
                let row = decoded.as_ref().map_err(|e| anyhow::anyhow!("step {}: {e}", step.id))?;
                let id = step.id.to_string();
                let values = texts(row, &desc);
                assert_eq!(values[0], id, "{metadata}");
                assert_eq!(values.len(), 6, "{metadata}: the stored columns only");
            }
        }
        let row = |id: i64| -> anyhow::Result<Vec<String>> {
            let row = seen[&id].1.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(texts(row, &desc))
        };
        assert_eq!(row(1)?, ["1", "10", "NULL", "2001", "4000000000", "a"], "{metadata}");
        assert_eq!(
            row(2)?,
            ["2", "20", "2", "2002", "4000000000", "b"],
            "{metadata}: extra not copied"
        );
        assert_eq!(
            row(3)?,
            ["3", "30", "NULL", "2003", "3", "c"],
            "{metadata}: an appended value"
        );
        assert_eq!(row(13)?, ["13", "130", "13", "2013", "13", "c"], "{metadata}");
    }
    Ok(())
}
