//! The catalog survives a crash: objects created before a SIGKILL are all
//! there after a restart, with their constraints, and nothing dropped comes
//! back.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use common::{TestServer, column};

#[tokio::test]
async fn catalog_survives_kill_9() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    client
        .batch_execute(
            "CREATE DATABASE shop;
             CREATE SCHEMA shop.sales;
             CREATE TABLE shop.sales.orders (id bigint NOT NULL, amount numeric(12,2), note text DEFAULT 'none');
             CREATE SCHEMA scratch;
             CREATE TABLE scratch.gone (a int);
             CREATE TABLE public.kept (a int);
             DROP TABLE scratch.gone;
             CREATE DATABASE temporary;
             DROP DATABASE temporary;",
        )
        .await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    assert_eq!(column(&client, "SHOW DATABASES").await?, ["materialize", "shop"]);
    assert!(
        column(&client, "SHOW SCHEMAS FROM shop")
            .await?
            .contains(&"sales".to_owned())
    );
    assert_eq!(column(&client, "SHOW TABLES FROM shop.sales").await?, ["orders"]);
    assert_eq!(column(&client, "SHOW TABLES FROM scratch").await?, Vec::<String>::new());
    assert_eq!(column(&client, "SHOW TABLES").await?, ["kept"]);
    // The tables' collections survived too: they read (empty) at once.
    assert_eq!(
        column(&client, "SELECT id FROM shop.sales.orders WHERE amount > 0").await?,
        Vec::<String>::new()
    );
    // The restarted catalog knows the table's columns: creating it again
    // conflicts, and dropping it works.
    let err = client
        .batch_execute("CREATE TABLE shop.sales.orders (x int)")
        .await
        .err()
        .and_then(|e| e.as_db_error().map(|d| d.code().code().to_owned()));
    assert_eq!(err.as_deref(), Some("42P07"));
    client.batch_execute("DROP TABLE shop.sales.orders").await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    assert_eq!(
        column(&client, "SHOW TABLES FROM shop.sales").await?,
        Vec::<String>::new()
    );
    Ok(())
}

/// The server's error for `sql`, as (SQLSTATE, message, detail).
async fn db_error(client: &tokio_postgres::Client, sql: &str) -> anyhow::Result<(String, String, Option<String>)> {
    let db = common::db_error(client, sql).await?;
    Ok((
        db.code().code().to_owned(),
        db.message().to_owned(),
        db.detail().map(str::to_owned),
    ))
}

/// Unique keys live in the table's stored definition: a restarted server
/// enforces them, with PostgreSQL's error, detail included.
#[tokio::test]
async fn unique_keys_are_enforced_after_a_restart() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    server
        .connect()
        .await?
        .batch_execute(
            "CREATE TABLE t1 (a1 int PRIMARY KEY, b numeric, c text, UNIQUE (b, c));
             INSERT INTO t1 VALUES (1, 1.0, 'x');",
        )
        .await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    assert_eq!(
        db_error(&client, "INSERT INTO t1 VALUES (1, 2, 'y')").await?,
        (
            "23505".to_owned(),
            "duplicate key value violates unique constraint \"t1_pkey\"".to_owned(),
            Some("Key (a1)=(1) already exists.".to_owned())
        )
    );
    // The key written is the one reported, as PostgreSQL reports the row it
    // failed to insert.
    assert_eq!(
        db_error(&client, "INSERT INTO t1 VALUES (2, 1.00, 'x')").await?,
        (
            "23505".to_owned(),
            "duplicate key value violates unique constraint \"t1_b_c_key\"".to_owned(),
            Some("Key (b, c)=(1.00, x) already exists.".to_owned())
        )
    );
    let (code, ..) = db_error(&client, "INSERT INTO t1 VALUES (NULL, 3, 'z')").await?;
    assert_eq!(code, "23502");
    assert_eq!(column(&client, "SELECT a1 FROM t1").await?, ["1"]);
    Ok(())
}

#[tokio::test]
async fn a_second_server_cannot_open_the_same_data_directory() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let _server = TestServer::start(dir.path())?;
    assert!(TestServer::start(dir.path()).is_err());
    Ok(())
}

/// Clients insert rows as fast as they can; the server is killed with
/// SIGKILL mid-stream. Afterwards every acknowledged row is there exactly
/// once, and at most the inserts in flight at the kill are there besides.
#[tokio::test]
async fn acknowledged_inserts_survive_kill_9_exactly_once() -> anyhow::Result<()> {
    const CLIENTS: i64 = 4;
    const ACKS_BEFORE_KILL: usize = 200;
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    server
        .connect()
        .await?
        .batch_execute("CREATE TABLE t (client int8 NOT NULL, seq int8 NOT NULL)")
        .await?;

    let (acks_tx, mut acks_rx) = tokio::sync::mpsc::unbounded_channel::<(i64, i64)>();
    let mut writers = Vec::new();
    for client_id in 0..CLIENTS {
        let client = server.connect().await?;
        let acks = acks_tx.clone();
        writers.push(tokio::spawn(async move {
            for seq in 0.. {
                let sql = format!("INSERT INTO t VALUES ({client_id}, {seq})");
                if client.batch_execute(&sql).await.is_err() {
                    break; // The server is gone.
                }
                if acks.send((client_id, seq)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(acks_tx);
    let mut acked = Vec::new();
    while acked.len() < ACKS_BEFORE_KILL {
        let ack = tokio::time::timeout(std::time::Duration::from_secs(60), acks_rx.recv())
            .await?
            .ok_or_else(|| anyhow::anyhow!("writers stopped early"))?;
        acked.push(ack);
    }
    server.kill()?;
    for writer in writers {
        writer.await?;
    }
    // Acknowledgements that raced with the kill still count.
    while let Ok(ack) = acks_rx.try_recv() {
        acked.push(ack);
    }

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let mut stored = std::collections::BTreeMap::<(i64, i64), usize>::new();
    for message in client.simple_query("SELECT client, seq FROM t").await? {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
            let key = (row.get(0).unwrap_or("").parse()?, row.get(1).unwrap_or("").parse()?);
            *stored.entry(key).or_default() += 1;
        }
    }
    for ack in &acked {
        assert_eq!(
            stored.get(ack),
            Some(&1),
            "acknowledged row {ack:?} is not there exactly once"
        );
    }
    assert!(stored.values().all(|n| *n == 1), "a row is doubled");
    let unacknowledged = stored.len() - acked.len();
    assert!(
        unacknowledged <= usize::try_from(CLIENTS)?,
        "{unacknowledged} rows beyond the acknowledged ones, but only {CLIENTS} inserts were in flight"
    );
    Ok(())
}

/// A view's stored definition names what it reads fully qualified: after a
/// restart (which re-plans it with no search path) it reads the same
/// tables, sees their current rows, and still protects them from DROP.
#[tokio::test]
async fn views_survive_a_restart_and_keep_their_dependencies() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    server
        .connect()
        .await?
        .batch_execute(
            "CREATE SCHEMA sales;
             SET search_path = sales;
             CREATE TABLE orders (id int, amount int);
             CREATE VIEW big (order_id) AS SELECT id FROM orders WHERE amount > 10;
             CREATE VIEW big_count AS SELECT count(*) AS n FROM big;
             INSERT INTO orders VALUES (1, 5), (2, 50);",
        )
        .await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    assert_eq!(column(&client, "SELECT order_id FROM sales.big").await?, ["2"]);
    client.batch_execute("INSERT INTO sales.orders VALUES (3, 70)").await?;
    assert_eq!(column(&client, "SELECT n FROM sales.big_count").await?, ["2"]);
    assert_eq!(column(&client, "SHOW VIEWS FROM sales").await?, ["big", "big_count"]);
    let (code, message, detail) = db_error(&client, "DROP TABLE sales.orders").await?;
    assert_eq!(code, "2BP01");
    assert_eq!(message, "cannot drop table orders because other objects depend on it");
    assert_eq!(
        detail.as_deref(),
        Some("view big depends on table orders\nview big_count depends on view big")
    );
    client.batch_execute("DROP TABLE sales.orders CASCADE").await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    assert_eq!(column(&client, "SHOW VIEWS FROM sales").await?, Vec::<String>::new());
    assert_eq!(column(&client, "SHOW TABLES FROM sales").await?, Vec::<String>::new());
    Ok(())
}

/// Indexes live in memory: a restarted server rebuilds each from its
/// stored definition and current inputs, serves reads from it, and drops
/// it with what it indexes.
#[tokio::test]
async fn indexes_are_rebuilt_after_a_restart() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    server
        .connect()
        .await?
        .batch_execute(
            "CREATE TABLE orders (id int, region text, amount int);
             CREATE VIEW totals AS SELECT region, sum(amount) AS total FROM orders GROUP BY region;
             CREATE INDEX totals_by_region ON totals (region);
             INSERT INTO orders VALUES (1, 'eu', 5), (2, 'us', 50), (3, 'eu', 7);",
        )
        .await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let explain = column(&client, "EXPLAIN SELECT total FROM totals WHERE region = 'eu'").await?;
    assert!(
        explain[0].starts_with("Read from index materialize.public.totals_by_region (lookup)"),
        "{explain:?}"
    );
    assert_eq!(
        column(&client, "SELECT total FROM totals WHERE region = 'eu'").await?,
        ["12"]
    );
    client.batch_execute("INSERT INTO orders VALUES (4, 'eu', 30)").await?;
    assert_eq!(
        column(&client, "SELECT total FROM totals WHERE region = 'eu'").await?,
        ["42"]
    );
    client.batch_execute("DROP VIEW totals").await?;
    let (code, message, _) = db_error(&client, "DROP INDEX totals_by_region").await?;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("42704", "index \"totals_by_region\" does not exist")
    );
    Ok(())
}

#[tokio::test]
async fn secrets_and_connections_survive_kill_9() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    client
        .batch_execute(
            "CREATE SCHEMA ingest;
             CREATE SECRET ingest.pw AS 'hunter2';
             CREATE CONNECTION ingest.mysql TO MYSQL (HOST '127.0.0.1', PORT 1, USER 'freshet', PASSWORD SECRET ingest.pw)
                 WITH (VALIDATE = false);",
        )
        .await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    assert_eq!(column(&client, "SHOW SECRETS FROM ingest").await?, ["pw"]);
    assert_eq!(column(&client, "SHOW CONNECTIONS FROM ingest").await?, ["mysql"]);
    // The connection still resolves its secret: validating it reaches for the server.
    let (code, message, _) = db_error(&client, "VALIDATE CONNECTION ingest.mysql").await?;
    assert_eq!(code, "08001");
    assert!(message.contains("Connection refused"), "{message}");
    // The secret's value is nowhere in what the catalog shows.
    let definition: Vec<String> = client
        .simple_query("SHOW CREATE CONNECTION ingest.mysql")
        .await?
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(1).map(str::to_owned),
            _ => None,
        })
        .collect();
    assert_eq!(definition.len(), 1);
    assert!(definition[0].contains("PASSWORD SECRET"), "{definition:?}");
    assert!(!definition[0].contains("hunter2"), "{definition:?}");
    Ok(())
}

#[tokio::test]
async fn clusters_and_their_indexes_survive_kill_9() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    client
        .batch_execute(
            "CREATE CLUSTER analytics (SIZE = '100cc');
             CREATE TABLE t (a int);
             INSERT INTO t VALUES (1), (2);
             CREATE INDEX t_a IN CLUSTER analytics ON t (a);
             CREATE CLUSTER gone (SIZE = '25cc');
             DROP CLUSTER gone;",
        )
        .await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    assert_eq!(column(&client, "SHOW CLUSTERS").await?, ["analytics", "quickstart"]);
    assert_eq!(column(&client, "SHOW INDEXES IN CLUSTER analytics").await?, ["t_a"]);
    // The index was rebuilt at boot, in its cluster, and answers the
    // lookup there.
    client.batch_execute("SET cluster = analytics").await?;
    let plan = column(&client, "EXPLAIN SELECT a FROM t WHERE a = 2").await?.join("\n");
    assert!(
        plan.starts_with("Read from index materialize.public.t_a (lookup)"),
        "{plan}"
    );
    assert_eq!(column(&client, "SELECT a FROM t WHERE a = 2").await?, ["2"]);
    Ok(())
}

/// Renames rewrite the definitions that name the renamed item, and
/// `CREATE OR REPLACE MATERIALIZED VIEW` swaps in a new view: after a
/// kill -9 the server re-plans every stored definition and reads the same
/// rows, and the replaced view holds its new query's rows exactly once.
#[tokio::test]
async fn renames_and_replacements_survive_a_restart() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    client
        .batch_execute(
            "CREATE TABLE t (a int, b text);
             INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'y');
             CREATE VIEW v AS SELECT t.a, t.b FROM t WHERE t.a > 1;
             CREATE MATERIALIZED VIEW m AS SELECT b, count(*) AS n FROM t GROUP BY b;
             CREATE INDEX t_by_b ON t (b);
             CREATE MATERIALIZED VIEW r AS SELECT a FROM t WHERE a = 1;
             ALTER TABLE t RENAME TO t2;
             ALTER VIEW v RENAME TO v2;
             ALTER INDEX t_by_b RENAME TO t2_by_b;
             CREATE OR REPLACE MATERIALIZED VIEW r AS SELECT a * 10 AS a FROM t2 WHERE a >= 2;
             INSERT INTO t2 VALUES (4, 'x');",
        )
        .await?;
    let expect = |client: tokio_postgres::Client| async move {
        assert_eq!(column(&client, "SELECT a FROM v2 ORDER BY a").await?, ["2", "3", "4"]);
        assert_eq!(
            column(&client, "SELECT b || ':' || n FROM m ORDER BY b").await?,
            ["x:2", "y:2"]
        );
        assert_eq!(column(&client, "SELECT a FROM r ORDER BY a").await?, ["20", "30", "40"]);
        assert_eq!(column(&client, "SHOW INDEXES ON t2").await?, ["t2_by_b"]);
        let rows = client.simple_query("SHOW CREATE VIEW v2").await?;
        let create_sql = rows
            .iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(1).map(str::to_owned),
                _ => None,
            })
            .unwrap_or_default();
        assert_eq!(
            create_sql,
            r#"CREATE VIEW "materialize"."public"."v2" AS SELECT t.a, t.b FROM "materialize"."public"."t2" AS "t" WHERE t.a > 1"#
        );
        for old in ["t", "v"] {
            let error = common::db_error(&client, &format!("SELECT * FROM {old}")).await?;
            assert_eq!(error.code().code(), "42P01");
        }
        anyhow::Ok(())
    };
    expect(client).await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    expect(server.connect().await?).await?;
    // The renamed table keeps taking writes, which its dependents see.
    let client = server.connect().await?;
    client.batch_execute("DELETE FROM t2 WHERE a = 2").await?;
    assert_eq!(column(&client, "SELECT a FROM v2 ORDER BY a").await?, ["3", "4"]);
    assert_eq!(column(&client, "SELECT a FROM r ORDER BY a").await?, ["30", "40"]);
    Ok(())
}
