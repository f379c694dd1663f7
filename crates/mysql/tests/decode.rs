//! The value decoder against a real MySQL 9.7 started with `bin/mysql`:
//! every type at its edges reads the same from the snapshot's binary
//! protocol and from the binlog, and values the mapped types cannot hold
//! fail the same way on both paths.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use common::{MySql, decoder, texts};
use freshet_mysql::{
    ColumnRef, MySqlConnection, MySqlError, SourceRequest, TableDecoder, TableSelection, connect, purify,
};
use freshet_repr::{Datum, Row, UpstreamTable};
use futures::StreamExt;
use mysql_async::BinlogStreamRequest;
use mysql_async::binlog::events::{EventData, RowsEventData};
use mysql_async::prelude::Queryable;

const SCHEMA: &str = "dec_test";

/// Every type of the catalog's mapping at its edges, an invisible column,
/// and the types `TEXT COLUMNS` takes (the `_t` columns).
const CREATE: &str = "
CREATE DATABASE dec_test;
CREATE TABLE dec_test.types (
  id int PRIMARY KEY,
  ti tinyint, tiu tinyint unsigned, si smallint, siu smallint unsigned,
  mi mediumint, miu mediumint unsigned, i int, iu int unsigned, bi bigint, biu bigint unsigned,
  f float, d double, dec65 decimal(65,30), dec2 decimal(10,2),
  dt date, dtm datetime(6), ts timestamp(3) NULL, tm time,
  ch char(5), vc varchar(20), tx text, l1 varchar(10) CHARACTER SET latin1,
  bn binary(4), vb varbinary(8), bl blob,
  j json, b1 bit(1), b64 bit(64),
  inv int INVISIBLE,
  e_t enum('a','b''c','d\\\\e'), s_t set('x','y','z'), y_t year, j_t json,
  d_t date, dtm_t datetime(6), ts_t timestamp(3) NULL, tm_t time(2)
);
SET SESSION sql_generate_invisible_primary_key = ON;
CREATE TABLE dec_test.gipk (v varchar(10));
SET SESSION sql_generate_invisible_primary_key = OFF;
CREATE TABLE dec_test.bad (id int PRIMARY KEY, t time, d date, dtm datetime);
CREATE TABLE dec_test.pj (id int PRIMARY KEY, j json);
";

const JSON: &str = r#"{"b": {"c": [1, 2.5, "x\\"y\\\\z\\n", true, false, null]}, "a": null, "s": "tab\\t☃", "ff": 1.5e10, "tiny": 1e-16, "big": 123456789012345678901, "neg": -0.0, "u": 18446744073709551615}"#;

/// A JSON array of MySQL's scalars that JSON text cannot make: decimals,
/// dates, times, an opaque binary string.
const ARRAY: &str = "JSON_ARRAY(1.5, 'a', CAST(1.50 AS DECIMAL(5,2)), -0.005, CAST('2024-01-02' AS DATE),
  CAST('-12:00:01.5' AS TIME(1)), CAST('2024-01-02 03:04:05.5' AS DATETIME(1)), CAST(x'6162' AS BINARY),
  123456789012.123456789, 'é', 1e-16, CAST(2.5 AS FLOAT), CAST(-1 AS SIGNED), 0.0, -0.5, 1000000000.000000001,
  CAST('838:59:59' AS TIME))";

/// Runs with the server's default time zone at +05:30, in sessions that
/// allow zero dates.
fn inserts() -> String {
    "SET SESSION sql_mode = '';
INSERT INTO dec_test.types (id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, f, d, dec65, dec2, dt, dtm, ts, tm,
  ch, vc, tx, l1, bn, vb, bl, j, b1, b64, inv, e_t, s_t, y_t, j_t, d_t, dtm_t, ts_t, tm_t) VALUES
(1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807,
  18446744073709551615, 0.1, 1.7976931348623157e308,
  '99999999999999999999999999999999999.999999999999999999999999999999', 10.5,
  '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 08:44:07.999', '23:59:59',
  'ab', 'emoji 😀', 'a\\ttext', 'café', x'01020000', x'00ff', x'00', '{json}', b'1',
  b'1111111111111111111111111111111111111111111111111111111111111111', 42,
  'b''c', 'x,z', 2155, '{json}', '2024-01-02', '2024-01-02 03:04:05.000006', '2024-01-02 08:34:05.12', '-838:59:59'),
(2, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, -1.5, -0.0,
  '-99999999999999999999999999999999999.999999999999999999999999999999', -0.01,
  '1000-01-01', '1000-01-01 00:00:00', '1970-01-01 05:30:01', '00:00:00',
  '', '', '', 'é€', x'00000000', x'', x'', '[]', b'0', b'0', -1,
  'zzz', '', 0, '{}', '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '12:00:00.5'),
(3, -1, 1, -1, 1, -1, 8388608, -1, 2147483648, -1, 9223372036854775808, 3.25, 2.5,
  '0.000000000000000000000000000001', 0, '2024-02-29', '2024-02-29 12:00:00.5', '2024-02-29 12:00:00', '12:34:56',
  'abcde', 'x', 'y', 'z', x'ff', x'01', x'0102', {array}, NULL, b'101', NULL,
  'd\\\\e', 'y', 1901, {array}, '2024-02-29', '2024-02-29 00:00:00', '2024-02-29 05:30:00', '00:00:00.01'),
(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO dec_test.gipk (v) VALUES ('one'), ('two');
INSERT INTO dec_test.bad VALUES (1, '25:00:00', '2024-01-01', '2024-01-01 00:00:00'),
  (2, '-00:00:01', '2024-01-01', '2024-01-01 00:00:00'), (3, '00:00:00', '0000-00-00', '2024-01-01 00:00:00'),
  (4, '00:00:00', '2024-00-10', '2024-01-01 00:00:00'), (5, '00:00:00', '2024-01-01', '0000-00-00 00:00:00');
INSERT INTO dec_test.pj VALUES (1, '{\"a\": 1, \"b\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}');"
        .replace("{json}", &JSON.replace('\'', "''"))
        .replace("{array}", ARRAY)
}

fn text_columns() -> Vec<ColumnRef> {
    ["e_t", "s_t", "y_t", "j_t", "d_t", "dtm_t", "ts_t", "tm_t"]
        .into_iter()
        .map(|column| ColumnRef {
            schema: SCHEMA.into(),
            table: "types".into(),
            column: column.into(),
        })
        .collect()
}

/// The snapshot of `table`: its rows read through the binary protocol,
/// each decoded (or the error).
async fn snapshot(
    conn: &mut mysql_async::Conn,
    table: &UpstreamTable,
    decoder: &TableDecoder,
) -> anyhow::Result<Vec<Result<Row, MySqlError>>> {
    conn.query_drop("SET NAMES utf8mb4, time_zone = '+00:00'").await?;
    let rows: Vec<mysql_async::Row> = conn
        .exec(
            format!(
                "SELECT {} FROM `{}`.`{}` ORDER BY 1",
                decoder.select_list(),
                table.schema,
                table.name
            ),
            (),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut out = Row::default();
            decoder.decode_snapshot(row.unwrap(), &mut out).map(|()| out)
        })
        .collect())
}

/// One decoded binlog row change: the event and its images.
#[derive(Debug)]
struct Change {
    event: &'static str,
    before: Option<Result<Row, MySqlError>>,
    after: Option<Result<Row, MySqlError>>,
}

/// Every row change of the binlog so far, decoded, by table name.
async fn binlog(
    options: &MySqlConnection,
    decoders: &BTreeMap<String, TableDecoder>,
) -> anyhow::Result<BTreeMap<String, Vec<Change>>> {
    let conn = connect(options).await?;
    let mut stream = conn
        .get_binlog_stream(BinlogStreamRequest::new(9191).with_gtid().with_non_blocking())
        .await?;
    let mut changes: BTreeMap<String, Vec<Change>> = BTreeMap::new();
    let decode = |decoder: &TableDecoder, image| {
        let mut row = Row::default();
        decoder.decode_binlog(image, &mut row).map(|()| row)
    };
    while let Some(event) = tokio::time::timeout(Duration::from_secs(30), stream.next()).await? {
        let event = event?;
        let Some(EventData::RowsEvent(rows)) = event.read_data()? else {
            continue;
        };
        let kind = match rows {
            RowsEventData::WriteRowsEvent(_) => "write",
            RowsEventData::UpdateRowsEvent(_) => "update",
            RowsEventData::PartialUpdateRowsEvent(_) => "partial update",
            RowsEventData::DeleteRowsEvent(_) => "delete",
            _ => "v1",
        };
        let tme = stream
            .get_tme(rows.table_id())
            .ok_or_else(|| anyhow::anyhow!("no TABLE_MAP"))?;
        if tme.database_name() != SCHEMA {
            continue;
        }
        let table = tme.table_name().into_owned();
        let decoder = decoders
            .get(&table)
            .ok_or_else(|| anyhow::anyhow!("no decoder for {table}"))?;
        // Every type passes the TABLE_MAP check of the table it was read from.
        decoder
            .check_table_map(tme)
            .map_err(|e| anyhow::anyhow!("TABLE_MAP of {table}: {e}"))?;
        for images in rows.rows(tme) {
            let (before, after) = images?;
            changes.entry(table.clone()).or_default().push(Change {
                event: kind,
                before: before.map(|image| decode(decoder, image)),
                after: after.map(|image| decode(decoder, image)),
            });
        }
    }
    Ok(changes)
}

/// The `id` of a row whose first column is an `int`.
fn got_id(row: &Row) -> String {
    format!("{:?}", row.iter().next())
}

fn ok_rows(rows: &[Result<Row, MySqlError>]) -> anyhow::Result<Vec<Row>> {
    rows.iter()
        .map(|r| r.clone().map_err(|e| anyhow::anyhow!("{e}")))
        .collect()
}

#[tokio::test]
async fn snapshot_and_binlog_decode_every_type_alike() -> anyhow::Result<()> {
    let mysql = MySql::start("dec", 191, &["--default-time-zone=+05:30"])?;
    mysql.root(CREATE)?;
    mysql.root(&inserts())?;
    let options = mysql.options();

    let request = SourceRequest {
        selection: TableSelection::Tables(
            ["types", "gipk", "bad", "pj"]
                .into_iter()
                .map(|t| (SCHEMA.to_owned(), t.to_owned()))
                .collect(),
        ),
        text_columns: text_columns(),
        exclude_columns: Vec::new(),
    };
    let purified = purify(&options, &request).await?;
    let tables: HashMap<String, UpstreamTable> = purified.tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut conn = connect(&options).await?;
    let mut decoders = BTreeMap::new();
    for (name, table) in &tables {
        decoders.insert(name.clone(), decoder(&mut conn, table).await?);
    }
    let types = &tables["types"];
    let desc = types.desc();
    assert_eq!(
        decoders["types"].select_list().split(", ").count(),
        desc.iter().count(),
        "every column selected"
    );
    assert!(decoders["types"].select_list().contains("`inv`"));
    assert!(decoders["gipk"].select_list().starts_with("`my_row_id`, `v`"));

    let snapshots: BTreeMap<&str, Vec<Result<Row, MySqlError>>> = {
        let mut snapshots = BTreeMap::new();
        for name in ["types", "gipk", "bad", "pj"] {
            snapshots.insert(name, snapshot(&mut conn, &tables[name], &decoders[name]).await?);
        }
        snapshots
    };
    let changes = binlog(&options, &decoders).await?;

    // Identical rows from both paths.
    for name in ["types", "gipk", "pj"] {
        let snapshot = ok_rows(&snapshots[name])?;
        let written: Vec<Row> = changes[name]
            .iter()
            .filter(|c| c.event == "write")
            .map(|c| {
                c.after
                    .clone()
                    .expect("after image")
                    .map_err(|e| anyhow::anyhow!("{e}"))
            })
            .collect::<anyhow::Result<_>>()?;
        assert_eq!(snapshot.len(), written.len(), "{name}");
        for (s, w) in snapshot.iter().zip(&written) {
            assert_eq!(
                texts(s, &tables[name].desc()),
                texts(w, &tables[name].desc()),
                "{name}: snapshot and binlog differ"
            );
            assert_eq!(s, w, "{name}: snapshot and binlog rows differ in bytes");
        }
    }

    let rows = ok_rows(&snapshots["types"])?;
    let expected: [&[&str]; 4] = [
        &[
            "1",
            "127",
            "255",
            "32767",
            "65535",
            "8388607",
            "16777215",
            "2147483647",
            "4294967295",
            "9223372036854775807",
            "18446744073709551615",
            "0.1",
            "1.7976931348623157e+308",
            "99999999999999999999999999999999999.999999999999999999999999999999",
            "10.50",
            "9999-12-31",
            "9999-12-31 23:59:59.999999",
            "2038-01-19 03:14:07.999",
            "23:59:59",
            "ab   ",
            "emoji 😀",
            "a\ttext",
            "café",
            "\\x01020000",
            "\\x00ff",
            "\\x00",
            r#"{"a": null, "b": {"c": [1, 2.5, "x\"y\\z\n", true, false, null]}, "s": "tab\t☃", "u": 18446744073709551615, "ff": 15000000000.0, "big": 123456789012345680000, "neg": 0.0, "tiny": 0.0000000000000001}"#,
            "1",
            "18446744073709551615",
            "42",
            "b'c",
            "x,z",
            "2155",
            r#"{"a": null, "b": {"c": [1, 2.5, "x\"y\\z\n", true, false, null]}, "s": "tab\t☃", "u": 18446744073709551615, "ff": 15000000000.0, "big": 1.2345678901234568e20, "neg": -0.0, "tiny": 1e-16}"#,
            "2024-01-02",
            "2024-01-02 03:04:05.000006",
            "2024-01-02 03:04:05.120",
            "-838:59:59.00",
        ],
        &[
            "2",
            "-128",
            "0",
            "-32768",
            "0",
            "-8388608",
            "0",
            "-2147483648",
            "0",
            "-9223372036854775808",
            "0",
            "-1.5",
            "0",
            "-99999999999999999999999999999999999.999999999999999999999999999999",
            "-0.01",
            "1000-01-01",
            "1000-01-01 00:00:00",
            "1970-01-01 00:00:01",
            "00:00:00",
            "     ",
            "",
            "",
            "é€",
            "\\x00000000",
            "\\x",
            "\\x",
            "[]",
            "0",
            "0",
            "-1",
            "",
            "",
            "0000",
            "{}",
            "0000-00-00",
            "0000-00-00 00:00:00.000000",
            "0000-00-00 00:00:00.000",
            "12:00:00.50",
        ],
        &[
            "3",
            "-1",
            "1",
            "-1",
            "1",
            "-1",
            "8388608",
            "-1",
            "2147483648",
            "-1",
            "9223372036854775808",
            "3.25",
            "2.5",
            "0.000000000000000000000000000001",
            "0.00",
            "2024-02-29",
            "2024-02-29 12:00:00.5",
            "2024-02-29 06:30:00",
            "12:34:56",
            "abcde",
            "x",
            "y",
            "z",
            "\\xff000000",
            "\\x01",
            "\\x0102",
            r#"[1.5, "a", 1.50, -0.005, "2024-01-02", "-12:00:01.500000", "2024-01-02 03:04:05.500000", "base64:type15:YWI=", 123456789012.123456789, "é", 0.0000000000000001, 2.5, -1, 0.0, -0.5, 1000000000.000000001, "838:59:59.000000"]"#,
            "NULL",
            "5",
            "NULL",
            "d\\e",
            "y",
            "1901",
            r#"[1.5, "a", 1.50, -0.005, "2024-01-02", "-12:00:01.500000", "2024-01-02 03:04:05.500000", "base64:type15:YWI=", 123456789012.123456789, "é", 1e-16, 2.5, -1, 0.0, -0.5, 1000000000.000000001, "838:59:59.000000"]"#,
            "2024-02-29",
            "2024-02-29 00:00:00.000000",
            "2024-02-29 00:00:00.000",
            "00:00:00.01",
        ],
        &[
            "4", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
            "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
            "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
        ],
    ];
    assert_eq!(rows.len(), expected.len());
    let names: Vec<&str> = desc.iter().map(|(name, _)| name.as_str()).collect();
    let mut wrong = Vec::new();
    for (row, expected) in rows.iter().zip(expected) {
        let got = texts(row, &desc);
        assert_eq!(got.len(), expected.len());
        for ((name, got), expected) in names.iter().zip(&got).zip(expected) {
            if got != expected {
                wrong.push(format!(
                    "row {}, column {name}: {got:?}, expected {expected:?}",
                    got_id(row)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // FLOAT keeps the f32 MySQL stored.
    assert_eq!(rows[0].iter().nth(11), Some(Datum::Float32(0.1)));

    // The GIPK table's hidden key comes along.
    let gipk = ok_rows(&snapshots["gipk"])?;
    assert_eq!(
        texts(&gipk[1], &tables["gipk"].desc()),
        vec!["2".to_owned(), "two".to_owned()]
    );

    // Values the types cannot hold fail alike on both paths.
    let bad_binlog: Vec<&Change> = changes["bad"].iter().filter(|c| c.event == "write").collect();
    let problems = [
        ("t", "'25:00:00'"),
        ("t", "'-00:00:01'"),
        ("d", "'0000-00-00'"),
        ("d", "'2024-00-10'"),
        ("dtm", "'0000-00-00 00:00:00'"),
    ];
    for ((snapshot, change), (column, value)) in snapshots["bad"].iter().zip(&bad_binlog).zip(problems) {
        let err = snapshot.as_ref().expect_err("snapshot value refused");
        let binlog_err = change
            .after
            .as_ref()
            .expect("after image")
            .as_ref()
            .expect_err("binlog value refused");
        assert_eq!(err, binlog_err);
        assert_eq!(err.code().code(), "22008", "{err}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("cannot copy value {value} of column dec_test.bad.{column}: ")),
            "{message}"
        );
        assert!(
            err.hint().is_some_and(|h| h.contains("TEXT COLUMNS")),
            "{:?}",
            err.hint()
        );
    }
    assert_eq!(bad_binlog.len(), problems.len());

    // An UPDATE's images; a MINIMAL image; a partial JSON update; with
    // column names, ENUM and SET values in the TABLE_MAPs from now on.
    mysql.root("SET GLOBAL binlog_row_metadata = FULL")?;
    mysql.root("UPDATE dec_test.types SET mi = -2, vc = 'changed' WHERE id = 3")?;
    mysql.root("SET SESSION binlog_row_image = MINIMAL; UPDATE dec_test.types SET vc = 'minimal' WHERE id = 3")?;
    mysql.root(
        "SET SESSION binlog_row_image = NOBLOB; SET SESSION binlog_row_value_options = PARTIAL_JSON;
         UPDATE dec_test.pj SET j = JSON_SET(j, '$.a', 2) WHERE id = 1",
    )?;
    let after_update = snapshot(&mut conn, types, &decoders["types"]).await?;
    let changes = binlog(&options, &decoders).await?;
    let updates: Vec<&Change> = changes["types"].iter().filter(|c| c.event == "update").collect();
    assert_eq!(updates.len(), 2, "{updates:?}");
    let before = updates[0].before.clone().expect("before image");
    let after = updates[0].after.clone().expect("after image");
    assert_eq!(
        before.as_ref().ok(),
        Some(&rows[2]),
        "before image is the snapshot's row"
    );
    let changed = texts(after.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?, &desc);
    assert_eq!((changed[5].as_str(), changed[20].as_str()), ("-2", "changed"));
    // The snapshot after the second update differs from its image only in vc.
    let mut expected_after = texts(after_update[2].as_ref().map_err(|e| anyhow::anyhow!("{e}"))?, &desc);
    expected_after[20] = "changed".into();
    assert_eq!(changed, expected_after);

    for image in [&updates[1].before, &updates[1].after] {
        let err = image.clone().expect("image").expect_err("MINIMAL image refused");
        assert!(matches!(err, MySqlError::IncompleteRowImage { .. }), "{err}");
        assert_eq!(err.code().code(), "55000");
        assert!(err.hint().is_some_and(|h| h.contains("binlog_row_image = FULL")));
    }
    let partial: Vec<&Change> = changes["pj"].iter().filter(|c| c.event != "write").collect();
    assert_eq!(partial.len(), 1, "{partial:?}");
    let err = partial[0]
        .after
        .clone()
        .expect("after image")
        .expect_err("partial JSON refused");
    assert!(
        matches!(err, MySqlError::PartialJson { ref column, .. } if column == "j"),
        "{err}"
    );
    assert!(err.hint().is_some_and(|h| h.contains("binlog_row_value_options")));
    Ok(())
}
