//! Renaming a MySQL source, its subsources and the connection and secret
//! it uses, against a real MySQL 9.7: replication goes on under the new
//! names, the views over the subsource keep reading it, and all of it
//! survives a restart (the stored definitions name each other by their new
//! names).

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::time::Duration;

use common::mysql::MySql;
use common::{TestServer, column};
use tokio_postgres::Client;

/// How long Freshet may take to catch up with MySQL.
const DEADLINE: Duration = Duration::from_secs(120);

/// Polls `sql` until its first column equals `expected`.
async fn wait_for(client: &Client, sql: &str, expected: &[&str]) -> anyhow::Result<()> {
    common::wait_for(client, sql, expected, DEADLINE).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renamed_source_keeps_replicating_across_a_restart() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let dir = tempfile::tempdir()?;
    let upstream = mysql.start("upstream", 171, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        "CREATE DATABASE shop; CREATE TABLE shop.t (id int PRIMARY KEY, v int);
         INSERT INTO shop.t VALUES (1, 10), (2, 20);",
    )?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &port, "FOR TABLES (shop.t)").await?;
    wait_for(&client, "SELECT count(*) FROM t", &["2"]).await?;
    client
        .batch_execute(
            "CREATE VIEW tv AS SELECT sum(t.v) AS s FROM t;
             CREATE MATERIALIZED VIEW tm AS SELECT count(*) AS n FROM t;
             ALTER SOURCE src RENAME TO src2;
             ALTER SOURCE t RENAME TO items;
             ALTER SOURCE src_progress RENAME TO progress;
             ALTER SECRET pw RENAME TO pw2;
             ALTER CONNECTION c RENAME TO c2;",
        )
        .await?;
    assert_eq!(column(&client, "SHOW SOURCES").await?, ["items", "progress", "src2"]);
    assert_eq!(column(&client, "SHOW SUBSOURCES ON src2").await?, ["items", "progress"]);
    mysql.root("upstream", "INSERT INTO shop.t VALUES (3, 30)")?;
    wait_for(&client, "SELECT s FROM tv", &["60"]).await?;
    wait_for(&client, "SELECT n FROM tm", &["3"]).await?;
    server.kill()?;

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    assert_eq!(column(&client, "SHOW SOURCES").await?, ["items", "progress", "src2"]);
    mysql.root(
        "upstream",
        "INSERT INTO shop.t VALUES (4, 40); DELETE FROM shop.t WHERE id = 1",
    )?;
    wait_for(&client, "SELECT s FROM tv", &["90"]).await?;
    wait_for(&client, "SELECT n FROM tm", &["3"]).await?;
    wait_for(&client, "SELECT id FROM items ORDER BY id", &["2", "3", "4"]).await?;
    // Dropping the source by its new name takes its subsources and the
    // views over them along.
    client.batch_execute("DROP SOURCE src2 CASCADE").await?;
    assert_eq!(column(&client, "SHOW SOURCES").await?, Vec::<String>::new());
    Ok(())
}
