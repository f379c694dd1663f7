//! What happens to a MySQL source when its upstream tables change, against
//! a real MySQL 9.7: a TRUNCATE of a large table under concurrent writes is
//! one step (no read sees it half applied) and replication goes on; a
//! subsource's definite error survives a restart; compatible changes under
//! a steady write load keep the copy exact; a purged binlog and a
//! server missing ingested transactions fail the source with what to do.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::time::Duration;

use common::TestServer;
use common::mysql::MySql;
use mysql_async::prelude::Queryable;
use tokio_postgres::Client;

/// How long Freshet may take to catch up with MySQL.
const DEADLINE: Duration = Duration::from_secs(120);
/// Rows in the table that is truncated.
const ROWS: u32 = 200_000;

/// Polls `sql` until its first column equals `expected`.
async fn wait_for(client: &Client, sql: &str, expected: &[&str]) -> anyhow::Result<()> {
    common::wait_for(client, sql, expected, DEADLINE).await
}

/// Starts MySQL with database `shop` (a large table `big`, and `other`,
/// `widen` and `grow`) and Freshet with a source over it.
async fn setup(mysql: &mut MySql, dir: &std::path::Path) -> anyhow::Result<(String, TestServer, Client)> {
    let upstream = mysql.start("upstream", 131, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        &format!(
            "SET SESSION cte_max_recursion_depth = {limit};
             CREATE DATABASE shop; CREATE TABLE shop.big (id int PRIMARY KEY, v varchar(20));
             CREATE TABLE shop.other (id int PRIMARY KEY); CREATE TABLE shop.widen (id int PRIMARY KEY, v int);
             CREATE TABLE shop.grow (id int PRIMARY KEY, v int);
             INSERT INTO shop.big WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {ROWS})
             SELECT n, CONCAT('row ', n) FROM seq;
             INSERT INTO shop.widen VALUES (1, 1);",
            limit = ROWS + 1
        ),
    )?;
    let server = TestServer::start(dir)?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &port, "FOR SCHEMAS (shop)").await?;
    wait_for(&client, "SELECT count(*) FROM big", &[&ROWS.to_string()]).await?;
    Ok((port, server, client))
}

/// `SELECT status, error` of one object in `mz_source_statuses`, as one line.
fn status_of(name: &str) -> String {
    format!(
        "SELECT status || ' ' || coalesce(error, '') || coalesce(' (hint: ' || (details -> 'hints' ->> 0) || ')', '') \
         FROM mz_internal.mz_source_statuses WHERE name = '{name}'"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncate_is_one_step_and_subsource_errors_survive_restarts() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let dir = tempfile::tempdir()?;
    let (port, server, client) = setup(&mut mysql, dir.path()).await?;
    let pool = mysql_async::Pool::new(format!("mysql://root@127.0.0.1:{port}").as_str());

    // Rows inserted just before the TRUNCATE, the TRUNCATE, rows after it,
    // while another table is written in many small transactions.
    let writer = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut conn = pool.get_conn().await?;
            for id in 0..300 {
                conn.query_drop(format!("INSERT INTO shop.other VALUES ({id})")).await?;
            }
            anyhow::Ok(())
        })
    };
    let truncate = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut conn = pool.get_conn().await?;
            conn.query_drop(format!("INSERT INTO shop.big VALUES ({}, 'late')", ROWS + 1))
                .await?;
            conn.query_drop("TRUNCATE TABLE shop.big").await?;
            for id in 1..=3 {
                conn.query_drop(format!("INSERT INTO shop.big VALUES ({id}, 'new')"))
                    .await?;
            }
            anyhow::Ok(())
        })
    };
    // Every read sees the table before the TRUNCATE or after it, never a
    // part of its retraction.
    let allowed: Vec<String> = [ROWS, ROWS + 1, 0, 1, 2, 3].iter().map(ToString::to_string).collect();
    // Reads go on until Freshet has the TRUNCATE and the rows after it.
    let start = std::time::Instant::now();
    loop {
        let count = common::column(&client, "SELECT count(*) FROM big").await?;
        anyhow::ensure!(
            count.len() == 1 && allowed.contains(&count[0]),
            "a read saw {count:?} rows in big, which no MySQL transaction left"
        );
        if writer.is_finished() && truncate.is_finished() && count[0] == "3" {
            break;
        }
        anyhow::ensure!(start.elapsed() < DEADLINE, "big still has {count:?} rows");
    }
    writer.await??;
    truncate.await??;
    wait_for(
        &client,
        "SELECT id || ' ' || v FROM big ORDER BY id",
        &["1 new", "2 new", "3 new"],
    )
    .await?;
    wait_for(&client, "SELECT count(*) FROM other", &["300"]).await?;
    wait_for(&client, &status_of("big"), &["running "]).await?;

    // An incompatible change fails its subsource; the error is stored and
    // outlives a restart, while the rest of the source keeps replicating.
    mysql.root(
        "upstream",
        "ALTER TABLE shop.widen MODIFY v bigint; INSERT INTO shop.widen VALUES (2, 5000000000);",
    )?;
    let failed = "failed incompatible schema change in shop.widen: column \"v\" is now of type bigint, it was int (hint: Drop the subsource with DROP SOURCE and add the table again with ALTER SOURCE … ADD SUBSOURCE.)";
    wait_for(&client, &status_of("widen"), &[failed]).await?;
    drop(client);
    server.kill()?;
    mysql.root("upstream", "INSERT INTO shop.big VALUES (4, 'restart');")?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    wait_for(&client, "SELECT count(*) FROM big", &["4"]).await?;
    wait_for(&client, &status_of("widen"), &[failed]).await?;
    wait_for(&client, &status_of("src"), &["running "]).await?;
    let error = common::db_error(&client, "SELECT * FROM widen").await?;
    assert!(
        error.message().contains("incompatible schema change in shop.widen"),
        "{}",
        error.message()
    );
    drop(client);
    drop(server);
    pool.disconnect().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purged_binlog_and_missing_transactions_fail_the_source() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let dir = tempfile::tempdir()?;
    let (_port, server, client) = setup(&mut mysql, dir.path()).await?;
    drop(client);
    server.kill()?;

    // While Freshet is down, MySQL purges binlog Freshet has not read.
    mysql.root(
        "upstream",
        "FLUSH BINARY LOGS; INSERT INTO shop.other VALUES (1); FLUSH BINARY LOGS;
         PURGE BINARY LOGS BEFORE NOW() + INTERVAL 1 DAY;",
    )?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let sql = "SELECT status || ' ' || (error LIKE 'MySQL has purged binlog the source still needs: transactions %') FROM mz_internal.mz_source_statuses WHERE name = 'src'";
    wait_for(&client, sql, &["failed true"]).await?;
    // The source failed for good, and reading a subsource says why.
    let error = common::db_error(&client, "SELECT count(*) FROM big").await?;
    assert!(error.message().contains("purged binlog"), "{}", error.message());
    drop(client);
    server.kill()?;

    // A server that lacks transactions Freshet ingested (here: its GTID
    // history reset) is refused.
    mysql.root("upstream", "RESET BINARY LOGS AND GTIDS;")?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let sql = "SELECT status || ' ' || (error LIKE 'MySQL lacks transactions the source has already ingested: %') FROM mz_internal.mz_source_statuses WHERE name = 'src'";
    wait_for(&client, sql, &["failed true"]).await?;
    drop(client);
    drop(server);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compatible_changes_keep_replicating_under_writes() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let dir = tempfile::tempdir()?;
    let (port, _server, client) = setup(&mut mysql, dir.path()).await?;
    let pool = mysql_async::Pool::new(format!("mysql://root@127.0.0.1:{port}").as_str());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Inserts and updates go on while the table changes under them.
    let writer = {
        let (pool, stop) = (pool.clone(), stop.clone());
        tokio::spawn(async move {
            let mut conn = pool.get_conn().await?;
            let mut id = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) || id < 100 {
                id += 1;
                conn.query_drop(format!(
                    "INSERT INTO shop.grow (id, v) VALUES ({id}, {id}); UPDATE shop.grow SET v = v + 1 WHERE id = {}",
                    id / 2 + 1
                ))
                .await?;
            }
            anyhow::Ok(id)
        })
    };
    let mut conn = pool.get_conn().await?;
    for ddl in [
        "ALTER TABLE shop.grow ADD COLUMN extra int DEFAULT 7",
        "ALTER TABLE shop.grow ADD COLUMN more varchar(10)",
        "ALTER TABLE shop.grow DROP COLUMN extra",
        "ALTER TABLE shop.grow DROP COLUMN more",
        "ALTER TABLE shop.grow MODIFY v int NOT NULL",
        "ALTER TABLE shop.grow MODIFY v int NULL",
    ] {
        conn.query_drop(ddl).await?;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let rows = writer.await??;
    assert!(rows >= 100, "{rows}");
    let want: Vec<String> = conn
        .query("SELECT CONCAT(id, ' ', v) FROM shop.grow ORDER BY id")
        .await?;
    wait_for(
        &client,
        "SELECT id || ' ' || v FROM grow ORDER BY id",
        &want.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await?;
    wait_for(&client, &status_of("grow"), &["running "]).await?;
    drop(conn);
    pool.disconnect().await?;
    Ok(())
}
