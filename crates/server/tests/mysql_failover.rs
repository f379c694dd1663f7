//! Moving a MySQL source to another server (a failover), against real
//! MySQL 9.7 servers: a primary and a replica of it (GTID auto-position,
//! `replica_preserve_commit_order` on). The source reads from the replica.
//! The replica is promoted and written (transactions the old primary
//! lacks); `ALTER CONNECTION` to the old primary is refused while it lacks
//! them, and the source keeps running; `WITH (VALIDATE = false)` moves it
//! anyway and ingestion fails it, until it is moved back. Once the old
//! primary has caught up by replicating from the replica (and commits in
//! order), `ALTER CONNECTION` moves the source there without a new
//! snapshot; the move survives a kill -9, and every table ends as MySQL
//! has it.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::time::{Duration, Instant};

use common::TestServer;
use common::mysql::MySql;
use mysql_async::Pool;
use mysql_async::prelude::Queryable;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// How long Freshet or a replica may take to catch up.
const DEADLINE: Duration = Duration::from_secs(120);

/// Each table the source copies: a MySQL query and a Freshet query that
/// print its rows alike, in the same order.
const TABLES: &[(&str, &str)] = &[
    (
        "SELECT CONCAT(id, '|', amount, '|', COALESCE(note, 'NULL')) FROM shop.orders ORDER BY id",
        "SELECT id || '|' || amount || '|' || coalesce(note, 'NULL') FROM orders ORDER BY id",
    ),
    (
        "SELECT CONCAT(id, '|', name, '|', qty) FROM shop.items ORDER BY id",
        "SELECT id || '|' || name || '|' || qty FROM items ORDER BY id",
    ),
    (
        "SELECT CONCAT(id, '|', v) FROM shop.marker ORDER BY id",
        "SELECT id || '|' || v FROM marker ORDER BY id",
    ),
];

/// The progress subsource's rows that name a server, as `uuid next`.
const PROGRESS: &str = "SELECT source_id_lower::text || ' ' || transaction_id FROM src_progress WHERE transaction_id IS NOT NULL ORDER BY 1";

/// The source's status and error, as one line.
const STATUS: &str =
    "SELECT status || ' ' || coalesce(error, '') FROM mz_internal.mz_source_statuses WHERE name = 'src'";

/// How many subsources have statistics, and how many of them read a
/// snapshot since the source last started.
const SNAPSHOTS_READ: &str = "SELECT count(*) || ' ' || count(st.snapshot_records_staged)
    FROM mz_internal.mz_source_statistics st JOIN mz_catalog.mz_sources s ON s.id = st.id
    WHERE s.type = 'subsource'";

/// Polls `sql` until its first column equals `expected`.
async fn wait_for(client: &Client, sql: &str, expected: &[&str]) -> anyhow::Result<()> {
    common::wait_for(client, sql, expected, DEADLINE).await
}

/// A pool of root connections to the MySQL on `port`.
fn pool(port: &str) -> Pool {
    Pool::new(format!("mysql://root@127.0.0.1:{port}").as_str())
}

/// Runs `sql` (statements separated by `;`) on MySQL.
async fn exec(pool: &Pool, sql: &str) -> anyhow::Result<()> {
    pool.get_conn().await?.query_drop(sql).await?;
    Ok(())
}

/// The first column of every row `sql` returns on MySQL.
async fn mysql_rows(pool: &Pool, sql: &str) -> anyhow::Result<Vec<String>> {
    Ok(pool.get_conn().await?.query(sql).await?)
}

/// One value MySQL computes.
async fn mysql_value(pool: &Pool, sql: &str) -> anyhow::Result<String> {
    mysql_rows(pool, sql)
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("{sql} returned no row"))
}

/// Waits until MySQL behind `to` has executed every transaction MySQL
/// behind `from` has.
async fn wait_replicated(from: &Pool, to: &Pool) -> anyhow::Result<()> {
    let executed = mysql_value(from, "SELECT @@GLOBAL.gtid_executed").await?;
    let sql = format!(
        "SELECT CAST(WAIT_FOR_EXECUTED_GTID_SET('{executed}', {}) AS CHAR)",
        DEADLINE.as_secs()
    );
    anyhow::ensure!(mysql_value(to, &sql).await? == "0", "replication did not catch up");
    Ok(())
}

/// Waits until every table in Freshet holds exactly the rows it has on
/// MySQL behind `pool`.
async fn wait_equal(client: &Client, pool: &Pool) -> anyhow::Result<()> {
    for (mysql, freshet) in TABLES {
        let want = mysql_rows(pool, mysql).await?;
        common::wait_for(client, freshet, &want, DEADLINE).await?;
    }
    Ok(())
}

/// The progress subsource's rows ([`PROGRESS`]) for a server whose
/// `@@gtid_executed` (without gaps) is `executed`: each server UUID with
/// the number after its last transaction.
fn progress_of(executed: &str) -> anyhow::Result<Vec<String>> {
    let mut rows = Vec::new();
    for member in executed.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        let (uuid, intervals) = member
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("not a GTID set member: {member}"))?;
        let last = intervals.rsplit(['-', ':']).next().unwrap_or_default();
        rows.push(format!("{uuid} {}", last.parse::<u64>()? + 1));
    }
    rows.sort();
    Ok(rows)
}

/// Waits until the progress subsource shows exactly the transactions of
/// MySQL behind `pool`, and returns its rows.
async fn wait_progress(client: &Client, pool: &Pool) -> anyhow::Result<Vec<String>> {
    let want = progress_of(&mysql_value(pool, "SELECT @@GLOBAL.gtid_executed").await?)?;
    common::wait_for(client, PROGRESS, &want, DEADLINE).await?;
    Ok(want)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_moves_to_another_server_without_a_new_snapshot() -> anyhow::Result<()> {
    let started = Instant::now();
    let mut mysql = MySql::new()?;
    let dir = tempfile::tempdir()?;
    let primary_port = mysql.start("primary", 151, &[])?["MYSQL_PORT"].clone();
    let replica_port = mysql.start("replica", 152, &["--replica-of", "primary"])?["MYSQL_PORT"].clone();
    let (primary, replica) = (pool(&primary_port), pool(&replica_port));
    let primary_uuid = mysql_value(&primary, "SELECT @@server_uuid").await?;
    let replica_uuid = mysql_value(&replica, "SELECT @@server_uuid").await?;
    assert_ne!(primary_uuid, replica_uuid);

    exec(
        &primary,
        "CREATE DATABASE shop;
         CREATE TABLE shop.orders (id int PRIMARY KEY, amount decimal(10,2) NOT NULL, note varchar(50));
         CREATE TABLE shop.items (id int PRIMARY KEY, name varchar(30) NOT NULL, qty int NOT NULL);
         CREATE TABLE shop.marker (id int PRIMARY KEY, v varchar(30) NOT NULL);
         SET SESSION cte_max_recursion_depth = 1001;
         INSERT INTO shop.orders WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1000)
             SELECT n, n * 1.25, IF(n % 3 = 0, NULL, CONCAT('order ', n)) FROM seq;
         INSERT INTO shop.items VALUES (1, 'bolt', 10), (2, 'nut', 20), (3, 'gear', 5);
         INSERT INTO shop.marker VALUES (1, 'logged');",
    )
    .await?;
    wait_replicated(&primary, &replica).await?;
    // A row only the primary has: written outside its binlog, it reaches
    // neither the replica nor a binlog stream. Only a snapshot taken on the
    // primary could copy it.
    exec(
        &primary,
        "SET SESSION sql_log_bin = 0; INSERT INTO shop.marker VALUES (999, 'primary only'); SET SESSION sql_log_bin = 1;",
    )
    .await?;

    // The source reads from the replica; writes on the primary reach it.
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &replica_port, "FOR SCHEMAS (shop)").await?;
    wait_equal(&client, &replica).await?;
    exec(
        &primary,
        "UPDATE shop.orders SET amount = amount + 1 WHERE id <= 10; DELETE FROM shop.orders WHERE id BETWEEN 500 AND 520;
         START TRANSACTION; INSERT INTO shop.items VALUES (10, 'washer', 100); UPDATE shop.orders SET note = 'washers' WHERE id = 1; COMMIT;",
    )
    .await?;
    wait_replicated(&primary, &replica).await?;
    wait_equal(&client, &replica).await?;
    let progress = wait_progress(&client, &replica).await?;
    assert_eq!(progress.len(), 1, "{progress:?}");
    assert!(progress[0].starts_with(&primary_uuid), "{progress:?}");

    // Failover: the replica becomes a primary and is written. The source
    // ingests transactions of both servers: its progress shows both UUIDs.
    mysql.promote("replica")?;
    exec(
        &replica,
        "INSERT INTO shop.orders VALUES (1001, 9.99, 'after failover');
         UPDATE shop.items SET qty = qty - 1 WHERE id = 2;
         DELETE FROM shop.orders WHERE id = 7;",
    )
    .await?;
    wait_equal(&client, &replica).await?;
    let progress = wait_progress(&client, &replica).await?;
    let uuids: Vec<&str> = progress.iter().filter_map(|row| row.split(' ').next()).collect();
    let mut both = vec![primary_uuid.as_str(), replica_uuid.as_str()];
    both.sort_unstable();
    assert_eq!(uuids, both);

    // The old primary lacks the replica's three transactions: moving the
    // source there is refused, saying which, and nothing changes.
    let alter_to_primary = format!("ALTER CONNECTION c SET (PORT = {primary_port})");
    let error = common::db_error(&client, &alter_to_primary).await?;
    assert_eq!(error.code(), &SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE);
    assert_eq!(
        error.message(),
        format!(
            "cannot move source \"src\" to MySQL at 127.0.0.1:{primary_port}: MySQL lacks transactions the source has already ingested: {replica_uuid}:1-3"
        )
    );
    let hint = error.hint().unwrap_or_default();
    assert!(hint.contains("catch up") && hint.contains("ALTER CONNECTION"), "{hint}");
    // The source still reads from the replica.
    exec(&replica, "INSERT INTO shop.items VALUES (4, 'spring', 40)").await?;
    wait_equal(&client, &replica).await?;
    wait_for(&client, STATUS, &["running "]).await?;

    // Without validation the source moves anyway, and ingestion fails it:
    // the server lacks transactions it ingested. Moving it back recovers it.
    client
        .batch_execute(&format!("{alter_to_primary} WITH (VALIDATE = false)"))
        .await?;
    wait_for(
        &client,
        &format!("SELECT status || ' ' || (error LIKE 'MySQL lacks transactions the source has already ingested: {replica_uuid}:1-4%') FROM mz_internal.mz_source_statuses WHERE name = 'src'"),
        &["failed true"],
    )
    .await?;
    client
        .batch_execute(&format!("ALTER CONNECTION c SET (PORT = {replica_port})"))
        .await?;
    wait_for(&client, STATUS, &["running "]).await?;
    exec(&replica, "UPDATE shop.items SET qty = 41 WHERE id = 4").await?;
    wait_equal(&client, &replica).await?;

    // The old primary catches up by replicating from the new one. It is a
    // replica then: it must commit in order, or the move is refused.
    mysql.replicate("primary", "replica")?;
    let order = |value: &str| {
        format!(
            "STOP REPLICA SQL_THREAD; SET GLOBAL replica_preserve_commit_order = {value}; START REPLICA SQL_THREAD;"
        )
    };
    exec(&primary, &order("OFF")).await?;
    let error = common::db_error(&client, &alter_to_primary).await?;
    assert_eq!(
        error.message(),
        "MySQL setting replica_preserve_commit_order is OFF, but a source needs ON"
    );
    exec(&primary, &order("ON")).await?;

    // Now the move succeeds. The old primary becomes the primary again,
    // and the replica follows it (a fail-back).
    client.batch_execute(&alter_to_primary).await?;
    mysql.promote("primary")?;
    mysql.replicate("replica", "primary")?;
    exec(
        &primary,
        "INSERT INTO shop.orders VALUES (1002, 0.50, 'after fail-back');
         UPDATE shop.items SET qty = qty * 2; DELETE FROM shop.orders WHERE id = 1001;",
    )
    .await?;
    wait_replicated(&primary, &replica).await?;
    // Freshet has the primary's new writes, and not the row only the
    // primary had: it resumed from its GTID set, no snapshot was taken.
    // (The replica has exactly those rows.)
    wait_equal(&client, &replica).await?;
    wait_for(&client, "SELECT id FROM marker ORDER BY id", &["1"]).await?;
    wait_for(&client, SNAPSHOTS_READ, &["3 0"]).await?;
    wait_for(&client, STATUS, &["running "]).await?;
    let progress = wait_progress(&client, &primary).await?;
    assert_eq!(progress.len(), 2, "{progress:?}");

    // The move survives a crash. With the replica down, only the primary
    // can feed the source.
    drop(client);
    server.kill()?;
    mysql.stop("replica")?;
    exec(
        &primary,
        "INSERT INTO shop.orders VALUES (1003, 3.00, 'while down'); UPDATE shop.items SET name = 'big gear' WHERE id = 3;",
    )
    .await?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    wait_progress(&client, &primary).await?;
    wait_for(&client, STATUS, &["running "]).await?;
    wait_for(&client, "SELECT id FROM marker ORDER BY id", &["1"]).await?;
    wait_for(&client, SNAPSHOTS_READ, &["3 0"]).await?;
    // Once the primary no longer has its unlogged row, every table is
    // exactly as MySQL has it.
    exec(
        &primary,
        "SET SESSION sql_log_bin = 0; DELETE FROM shop.marker WHERE id = 999; SET SESSION sql_log_bin = 1;
         INSERT INTO shop.marker VALUES (2, 'last');",
    )
    .await?;
    wait_equal(&client, &primary).await?;

    drop(client);
    drop(server);
    primary.disconnect().await?;
    replica.disconnect().await?;
    eprintln!("failover test took {:?}", started.elapsed());
    Ok(())
}
