//! A MySQL source's data against a real MySQL 9.7: transactions that move
//! value between two tables never show half done, the copy equals MySQL's
//! tables, the progress subsource shows MySQL's GTID frontier exactly, and
//! ingestion resumes from its stored GTID set after a restart.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::time::Duration;

use common::TestServer;
use common::mysql::MySql;
use mysql_async::prelude::Queryable;
use tokio_postgres::Client;

/// How long Freshet may take to catch up with MySQL.
const DEADLINE: Duration = Duration::from_secs(60);
/// Rows in each table; each starts with `10`.
const ROWS: i32 = 50;

/// Polls `sql` until its first column equals `expected`.
async fn wait_for(client: &Client, sql: &str, expected: &[String]) -> anyhow::Result<()> {
    common::wait_for(client, sql, expected, DEADLINE).await
}

/// Both tables as MySQL has them, one `table id value` line per row.
async fn mysql_rows(conn: &mut mysql_async::Conn) -> anyhow::Result<Vec<String>> {
    Ok(conn
        .query("SELECT CONCAT('a ', id, ' ', v) FROM bank.a UNION ALL SELECT CONCAT('b ', id, ' ', v) FROM bank.b ORDER BY 1")
        .await?)
}

/// The same lines from Freshet's subsources.
const FRESHET_ROWS: &str =
    "SELECT 'a ' || id || ' ' || v FROM a UNION ALL SELECT 'b ' || id || ' ' || v FROM b ORDER BY 1";

/// The total over both tables, which every transfer preserves.
const TOTAL: &str = "SELECT sa.s + sb.s FROM (SELECT sum(v) AS s FROM a) sa, (SELECT sum(v) AS s FROM b) sb";

/// Moves value between the tables in one transaction of two statements
/// (one per table) for each number of `transfers`.
async fn transfers(pool: mysql_async::Pool, transfers: std::ops::Range<i32>) -> anyhow::Result<()> {
    let mut conn = pool.get_conn().await?;
    for i in transfers {
        let (from, to, amount) = (i % ROWS, (i * 7) % ROWS, 1 + i % 5);
        conn.query_drop(format!(
            "START TRANSACTION; UPDATE bank.a SET v = v - {amount} WHERE id = {from}; \
             UPDATE bank.b SET v = v + {amount} WHERE id = {to}; COMMIT"
        ))
        .await?;
    }
    Ok(())
}

#[tokio::test]
async fn transactions_arrive_whole_and_progress_is_exact() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 121, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    let values: Vec<String> = (0..ROWS).map(|id| format!("({id}, 10)")).collect();
    mysql.root(
        "upstream",
        &format!(
            "CREATE DATABASE bank; CREATE TABLE bank.a (id int PRIMARY KEY, v int NOT NULL);
             CREATE TABLE bank.b (id int PRIMARY KEY, v int NOT NULL);
             INSERT INTO bank.a VALUES {values}; INSERT INTO bank.b VALUES {values};",
            values = values.join(", ")
        ),
    )?;
    let pool = mysql_async::Pool::new(format!("mysql://root@127.0.0.1:{port}").as_str());
    let mut check = pool.get_conn().await?;

    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &port, "FOR SCHEMAS (bank)").await?;
    let total = (2 * ROWS * 10).to_string();
    wait_for(&client, TOTAL, std::slice::from_ref(&total)).await?;

    // While MySQL moves value between the tables, every read sees the same
    // total. 300 transfers in 30 rounds: each round reads at least once
    // while its transfers run, however the machine schedules the two.
    let mut reads = 0;
    for round in 0..30 {
        let writer = tokio::spawn(transfers(pool.clone(), round * 10..(round + 1) * 10));
        loop {
            assert_eq!(
                common::column(&client, TOTAL).await?,
                vec![total.clone()],
                "a transfer showed half done"
            );
            reads += 1;
            if writer.is_finished() {
                break;
            }
        }
        writer.await??;
    }
    assert!(reads > 10, "only {reads} reads ran during the transfers");

    wait_for(&client, FRESHET_ROWS, &mysql_rows(&mut check).await?).await?;
    let (uuid, next) = common::mysql::next_gno(&mut check).await?;
    let progress = format!("SELECT transaction_id FROM src_progress WHERE source_id_lower = '{uuid}'");
    wait_for(&client, &progress, &[next.to_string()]).await?;
    // The ranges around the one server UUID have no transaction id.
    assert_eq!(
        common::column(
            &client,
            "SELECT count(*) FROM src_progress WHERE transaction_id IS NULL"
        )
        .await?,
        vec!["2"]
    );

    // After a restart, ingestion resumes where it stopped.
    drop(client);
    server.kill()?;
    transfers(pool.clone(), 300..320).await?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    transfers(pool.clone(), 320..340).await?;
    wait_for(&client, FRESHET_ROWS, &mysql_rows(&mut check).await?).await?;
    let (_, next) = common::mysql::next_gno(&mut check).await?;
    wait_for(&client, &progress, &[next.to_string()]).await?;
    assert_eq!(common::column(&client, TOTAL).await?, vec![total]);
    drop(check);
    pool.disconnect().await?;
    Ok(())
}

/// Indexes and materialized views created in the same breath as their
/// source, before its snapshot is committed, wait for the snapshot instead
/// of failing ("timestamp … is not valid … its history starts at …"), and
/// then follow the binlog.
#[tokio::test]
async fn dataflows_created_with_their_source_wait_for_its_snapshot() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 122, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        "SET SESSION cte_max_recursion_depth = 20001;
         CREATE DATABASE shop; CREATE TABLE shop.items (id int PRIMARY KEY, price int NOT NULL);
         INSERT INTO shop.items WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 20000)
         SELECT n, n % 7 FROM seq;",
    )?;
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    // One batch: each statement runs while the snapshot is still being read.
    common::mysql::create_source(
        &client,
        &port,
        "FOR TABLES (shop.items);
         CREATE INDEX items_id ON items (id);
         CREATE VIEW totals AS SELECT count(*) AS n, sum(price) AS total FROM items;
         CREATE INDEX totals_n ON totals (n);
         CREATE MATERIALIZED VIEW dear AS SELECT id FROM items WHERE price = 6",
    )
    .await?;
    let (n, total) = (20000, (1..=20000).map(|n| n % 7).sum::<i64>());
    wait_for(
        &client,
        "SELECT n::text || ' ' || total::text FROM totals",
        &[format!("{n} {total}")],
    )
    .await?;
    wait_for(
        &client,
        "SELECT price FROM items WHERE id = 20000",
        &[(20000 % 7).to_string()],
    )
    .await?;
    wait_for(
        &client,
        "SELECT count(*) FROM dear",
        &[(1..=20000).filter(|n| n % 7 == 6).count().to_string()],
    )
    .await?;
    mysql.root("upstream", "INSERT INTO shop.items VALUES (20001, 6)")?;
    wait_for(
        &client,
        "SELECT n::text || ' ' || total::text FROM totals",
        &[format!("{} {}", n + 1, total + 6)],
    )
    .await?;
    wait_for(&client, "SELECT price FROM items WHERE id = 20001", &["6".to_owned()]).await?;
    wait_for(&client, "SELECT count(*) FROM dear WHERE id = 20001", &["1".to_owned()]).await?;
    Ok(())
}
