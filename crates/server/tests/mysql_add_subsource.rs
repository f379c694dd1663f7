//! `ALTER SOURCE … ADD SUBSOURCE` on a running source, against a real
//! MySQL 9.7: a table added while transactions write it together with a
//! table the source already copies is published whole, at a point where
//! both agree (no read ever sees a transaction on one and not the other);
//! an added table whose snapshot is cut short by a crash, then truncated
//! while it is taken again, ends up exactly as MySQL has it.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::TestServer;
use common::mysql::MySql;
use mysql_async::prelude::Queryable;
use tokio_postgres::Client;

/// How long Freshet may take to catch up with MySQL.
const DEADLINE: Duration = Duration::from_secs(120);

/// Polls `sql` until its first column equals `expected`.
async fn wait_for(client: &Client, sql: &str, expected: &[&str]) -> anyhow::Result<()> {
    common::wait_for(client, sql, expected, DEADLINE).await
}

/// One value MySQL computes.
async fn mysql_value(pool: &mysql_async::Pool, sql: &str) -> anyhow::Result<String> {
    let mut conn = pool.get_conn().await?;
    let value: Option<String> = conn.query_first(sql).await?;
    value.ok_or_else(|| anyhow::anyhow!("{sql} returned no row"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_table_is_published_whole_under_writes() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let dir = tempfile::tempdir()?;
    let upstream = mysql.start("upstream", 141, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    // Every transaction writes `a` and `b` alike: on MySQL they always
    // hold as many rows with the same sum.
    mysql.root(
        "upstream",
        "SET SESSION cte_max_recursion_depth = 20001;
         CREATE DATABASE shop; CREATE TABLE shop.a (id int PRIMARY KEY, v int); CREATE TABLE shop.b (id int PRIMARY KEY, v int);
         START TRANSACTION;
         INSERT INTO shop.a WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 20000) SELECT n, n FROM seq;
         INSERT INTO shop.b SELECT * FROM shop.a;
         COMMIT;",
    )?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &port, "FOR TABLES (shop.a)").await?;
    wait_for(&client, "SELECT count(*) FROM a", &["20000"]).await?;

    let pool = mysql_async::Pool::new(format!("mysql://root@127.0.0.1:{port}").as_str());
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (pool, stop) = (pool.clone(), stop.clone());
        tokio::spawn(async move {
            let mut conn = pool.get_conn().await?;
            let mut id = 20_000;
            while !stop.load(Ordering::SeqCst) {
                id += 1;
                let k = id % 20_000 + 1;
                conn.query_drop(format!(
                    "START TRANSACTION; INSERT INTO shop.a VALUES ({id}, 1); INSERT INTO shop.b VALUES ({id}, 1);
                     UPDATE shop.a SET v = v + 7 WHERE id = {k}; UPDATE shop.b SET v = v + 7 WHERE id = {k};
                     DELETE FROM shop.a WHERE id = {d}; DELETE FROM shop.b WHERE id = {d}; COMMIT",
                    d = id - 10_000
                ))
                .await?;
            }
            anyhow::Ok(id)
        })
    };
    tokio::time::timeout(DEADLINE, async {
        while mysql_value(&pool, "SELECT CAST(max(id) AS CHAR) FROM shop.b").await? == "20000" {
            tokio::task::yield_now().await;
        }
        anyhow::Ok(())
    })
    .await??;
    client.batch_execute("ALTER SOURCE src ADD SUBSOURCE shop.b").await?;

    // Reads of both tables at one time agree from the moment `b` is
    // readable, while the writer goes on.
    let sql = "SELECT (SELECT count(*) FROM a) - (SELECT count(*) FROM b) || ' ' || \
               ((SELECT sum(v) FROM a) - (SELECT sum(v) FROM b))";
    let start = Instant::now();
    let mut every = tokio::time::interval(Duration::from_millis(100));
    let mut agreed = 0;
    while agreed < 5 {
        anyhow::ensure!(start.elapsed() < DEADLINE, "b never became readable");
        match client.simple_query(sql).await {
            Ok(messages) => {
                let answer: Vec<&str> = messages
                    .iter()
                    .filter_map(|m| match m {
                        tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0),
                        _ => None,
                    })
                    .collect();
                anyhow::ensure!(answer == ["0 0"], "a and b disagree at one time: {answer:?}");
                agreed += 1;
            }
            Err(e) => {
                // Not readable until its snapshot is published: poll again.
                let message = e.as_db_error().map(|e| e.message().to_owned()).unwrap_or_default();
                anyhow::ensure!(message.contains("has no data yet"), "reading b failed: {e}: {message}");
                every.tick().await;
            }
        }
    }
    stop.store(true, Ordering::SeqCst);
    writer.await??;

    // Then `b` is exactly MySQL's, keeps replicating, and says so.
    let count = mysql_value(&pool, "SELECT CAST(count(*) AS CHAR) FROM shop.b").await?;
    let sum = mysql_value(&pool, "SELECT CAST(sum(v) AS CHAR) FROM shop.b").await?;
    wait_for(
        &client,
        "SELECT count(*) || ' ' || sum(v) FROM b",
        &[&format!("{count} {sum}")],
    )
    .await?;
    let status = "SELECT s.status || ' ' || t.snapshot_committed FROM mz_internal.mz_source_statuses s \
                  JOIN mz_internal.mz_source_statistics t USING (id) WHERE s.name = 'b'";
    wait_for(&client, status, &["running true"]).await?;
    drop(client);
    server.kill()?;
    mysql.root(
        "upstream",
        "UPDATE shop.b SET v = 0; INSERT INTO shop.a VALUES (-1, 0);",
    )?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    wait_for(
        &client,
        "SELECT count(*) || ' ' || sum(v) FROM b",
        &[&format!("{count} 0")],
    )
    .await?;
    wait_for(&client, "SELECT count(*) FROM a WHERE id = -1", &["1"]).await?;
    drop(client);
    drop(server);
    pool.disconnect().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_table_survives_a_crash_and_a_truncate_during_its_snapshot() -> anyhow::Result<()> {
    const ROWS: u32 = 200_000;
    let mut mysql = MySql::new()?;
    let dir = tempfile::tempdir()?;
    let upstream = mysql.start("upstream", 142, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        &format!(
            "SET SESSION cte_max_recursion_depth = {limit};
             CREATE DATABASE shop; CREATE TABLE shop.small (id int PRIMARY KEY);
             CREATE TABLE shop.big (id int PRIMARY KEY, v varchar(20));
             INSERT INTO shop.big WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {ROWS})
             SELECT n, CONCAT('row ', n) FROM seq;",
            limit = ROWS + 1
        ),
    )?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &port, "FOR TABLES (shop.small)").await?;
    wait_for(&client, "SELECT count(*) FROM small", &["0"]).await?;

    // The server dies while it may still be reading the added table.
    client.batch_execute("ALTER SOURCE src ADD SUBSOURCE shop.big").await?;
    drop(client);
    server.kill()?;
    mysql.root("upstream", "INSERT INTO shop.big VALUES (0, 'while down');")?;

    // At restart it takes the snapshot again, while MySQL truncates the
    // table and writes it anew.
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    mysql.root(
        "upstream",
        "TRUNCATE TABLE shop.big; INSERT INTO shop.big VALUES (1, 'new'), (2, 'new'); INSERT INTO shop.small VALUES (1);",
    )?;
    wait_for(&client, "SELECT count(*) FROM small", &["1"]).await?;
    wait_for(
        &client,
        "SELECT id || ' ' || v FROM big ORDER BY id",
        &["1 new", "2 new"],
    )
    .await?;
    let status = "SELECT status FROM mz_internal.mz_source_statuses WHERE name = 'big'";
    wait_for(&client, status, &["running"]).await?;
    drop(client);
    drop(server);
    Ok(())
}
