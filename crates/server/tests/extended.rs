//! The extended query protocol against the real server, through
//! tokio-postgres (which prepares every statement, sends parameters in
//! binary and asks for every result column in binary).

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::error::Error;

use common::TestServer;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// A value's bytes exactly as the server sent them, whatever its type.
#[derive(Debug, PartialEq)]
struct Raw(Vec<u8>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Raw, Box<dyn Error + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

/// A parameter sent as these bytes, whatever its type.
#[derive(Debug)]
struct Bytes(Vec<u8>);

impl ToSql for Bytes {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// The SQLSTATE of an error.
fn code(err: &tokio_postgres::Error) -> String {
    err.code()
        .map_or_else(|| format!("not a server error: {err}"), |c| c.code().to_owned())
}

#[tokio::test]
async fn every_type_comes_back_in_binary() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let row = client
        .query_one(
            "SELECT 1::int2, 2::int4, 3::int8, 1.5::float4, 2.5::float8, 'x'::text, true, '\\x01ff'::bytea,
                    1234.5::numeric, '2000-01-02'::date, '00:00:01'::time, '2000-01-01 00:00:02'::timestamp,
                    '2000-01-01 00:00:03+00'::timestamptz, '1 mon 2 days 00:00:04'::interval,
                    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '{\"a\": 1}'::jsonb",
            &[],
        )
        .await?;
    let oids: Vec<u32> = row.columns().iter().map(|c| c.type_().oid()).collect();
    assert_eq!(
        oids,
        [
            21, 23, 20, 700, 701, 25, 16, 17, 1700, 1082, 1083, 1114, 1184, 1186, 2950, 3802
        ]
    );
    assert_eq!(row.get::<_, i16>(0), 1);
    assert_eq!(row.get::<_, i32>(1), 2);
    assert_eq!(row.get::<_, i64>(2), 3);
    assert_eq!(row.get::<_, f32>(3), 1.5);
    assert_eq!(row.get::<_, f64>(4), 2.5);
    assert_eq!(row.get::<_, &str>(5), "x");
    assert!(row.get::<_, bool>(6));
    assert_eq!(row.get::<_, Vec<u8>>(7), [1, 255]);
    // The other types as PostgreSQL's send functions write them.
    let expected: [(usize, Vec<u8>); 8] = [
        (8, vec![0, 2, 0, 0, 0, 0, 0, 1, 0x04, 0xd2, 0x13, 0x88]),
        (9, 1i32.to_be_bytes().to_vec()),
        (10, 1_000_000i64.to_be_bytes().to_vec()),
        (11, 2_000_000i64.to_be_bytes().to_vec()),
        (12, 3_000_000i64.to_be_bytes().to_vec()),
        (
            13,
            [
                4_000_000i64.to_be_bytes().as_slice(),
                &2i32.to_be_bytes(),
                &1i32.to_be_bytes(),
            ]
            .concat(),
        ),
        (
            14,
            vec![
                0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11,
            ],
        ),
        (15, [&[1u8][..], b"{\"a\": 1}"].concat()),
    ];
    for (column, bytes) in expected {
        assert_eq!(row.get::<_, Raw>(column), Raw(bytes), "column {column}");
    }
    Ok(())
}

#[tokio::test]
async fn parameters_are_typed_inferred_and_bound() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;

    // Typed parameters of several types.
    let row = client
        .query_one(
            "SELECT $1::int8 + 1, $2::text || '!', $3::float8 * 2, NOT $4::bool, $5::bytea",
            &[&41i64, &"hi", &1.25f64, &true, &vec![7u8]],
        )
        .await?;
    assert_eq!(row.get::<_, i64>(0), 42);
    assert_eq!(row.get::<_, &str>(1), "hi!");
    assert_eq!(row.get::<_, f64>(2), 2.5);
    assert!(!row.get::<_, bool>(3));
    assert_eq!(row.get::<_, Vec<u8>>(4), [7]);

    // Types inferred from the context; an INSERT with parameters.
    client
        .batch_execute("CREATE TABLE t (a int NOT NULL, b text, c numeric(10,2))")
        .await?;
    let insert = client.prepare("INSERT INTO t VALUES ($1, $2, $3)").await?;
    assert_eq!(insert.params(), [Type::INT4, Type::TEXT, Type::NUMERIC]);
    assert!(insert.columns().is_empty());
    let numeric_12_5 = Bytes(vec![0, 2, 0, 0, 0, 0, 0, 1, 0, 12, 0x13, 0x88]);
    assert_eq!(client.execute(&insert, &[&1i32, &"one", &numeric_12_5]).await?, 1);
    assert_eq!(
        client.execute(&insert, &[&2i32, &None::<&str>, &None::<Bytes>]).await?,
        1
    );

    // Describe matches execution: the statement's columns are the row's.
    let select = client
        .prepare("SELECT a, b, c, a + $2 AS d FROM t WHERE a = $1")
        .await?;
    assert_eq!(select.params(), [Type::INT4, Type::INT4]);
    let described: Vec<(String, Type)> = select
        .columns()
        .iter()
        .map(|c| (c.name().to_owned(), c.type_().clone()))
        .collect();
    let expected = [
        ("a", Type::INT4),
        ("b", Type::TEXT),
        ("c", Type::NUMERIC),
        ("d", Type::INT4),
    ];
    assert_eq!(described.len(), expected.len());
    for ((name, typ), (want_name, want_type)) in described.iter().zip(expected) {
        assert_eq!((name.as_str(), typ), (want_name, &want_type));
    }
    let row = client.query_one(&select, &[&1i32, &10i32]).await?;
    assert_eq!(row.get::<_, i32>(0), 1);
    assert_eq!(row.get::<_, &str>(1), "one");
    assert_eq!(
        row.get::<_, Raw>(2),
        Raw(vec![0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x13, 0x88])
    );
    assert_eq!(row.get::<_, i32>(3), 11);
    let row = client.query_one(&select, &[&2i32, &0i32]).await?;
    assert_eq!(row.get::<_, Option<&str>>(1), None);

    // The same statement text through the simple protocol agrees.
    let rows = client.simple_query("SELECT c FROM t WHERE a = 1").await?;
    let text = rows.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
        _ => None,
    });
    assert_eq!(text.as_deref(), Some("12.50"));
    Ok(())
}

#[tokio::test]
async fn bad_parameters_and_errors_mid_batch() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;

    // A value that does not parse as its type.
    let err = client
        .query("SELECT $1::jsonb", &[&Bytes(b"\x01{".to_vec())])
        .await
        .expect_err("not json");
    assert_eq!(code(&err), "22P02");
    // A planning error at Parse, and an error at execution.
    let err = client.prepare("SELECT nope FROM nowhere").await.expect_err("no table");
    assert_eq!(code(&err), "42P01");
    let err = client
        .query("SELECT 1 / $1::int", &[&0i32])
        .await
        .expect_err("division");
    assert_eq!(code(&err), "22012");
    let row = client.query_one("SELECT 1 / $1::int", &[&1i32]).await?;
    assert_eq!(row.get::<_, i32>(0), 1);

    // Transactions through the extended protocol behave as in the simple one.
    client.batch_execute("CREATE TABLE t (a int)").await?;
    client.execute("BEGIN", &[]).await?;
    client.execute("INSERT INTO t VALUES ($1)", &[&1i32]).await?;
    let err = client.query("SELECT 1 / $1::int", &[&0i32]).await.expect_err("fails");
    assert_eq!(code(&err), "22012");
    let err = client.query("SELECT 1", &[]).await.expect_err("aborted");
    assert_eq!(code(&err), "25P02");
    client.execute("ROLLBACK", &[]).await?;
    client.execute("BEGIN", &[]).await?;
    client.execute("INSERT INTO t VALUES ($1)", &[&2i32]).await?;
    client.execute("COMMIT", &[]).await?;
    let rows = client.query("SELECT a FROM t", &[]).await?;
    let values: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(values, [2]);
    Ok(())
}

#[tokio::test]
async fn portals_return_rows_in_pieces() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let mut client = server.connect().await?;
    client.batch_execute("CREATE TABLE t (a int)").await?;
    client
        .batch_execute("INSERT INTO t VALUES (1), (2), (3), (4), (5)")
        .await?;
    let tx = client.transaction().await?;
    let statement = tx.prepare("SELECT a FROM t WHERE a > $1 ORDER BY a").await?;
    let portal = tx.bind(&statement, &[&0i32]).await?;
    let mut pieces = Vec::new();
    loop {
        let rows = tx.query_portal(&portal, 2).await?;
        if rows.is_empty() {
            break;
        }
        pieces.push(rows.iter().map(|r| r.get::<_, i32>(0)).collect::<Vec<_>>());
    }
    assert_eq!(pieces, [vec![1, 2], vec![3, 4], vec![5]]);
    tx.commit().await?;
    Ok(())
}
