//! Operating a MySQL source through SQL, as the seeds do: the self-hosted
//! MySQL walkthrough run as written, every status change in
//! `mz_source_statuses` and its history (streamed by `SUBSCRIBE`), and
//! `mz_source_statistics` checked against workloads of known size.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::time::{Duration, Instant};

use common::TestServer;
use common::mysql::MySql;
use tokio_postgres::Client;

const DEADLINE: Duration = Duration::from_secs(60);

async fn wait_for(client: &Client, sql: &str, expected: &[&str]) -> anyhow::Result<()> {
    common::wait_for(client, sql, expected, DEADLINE).await
}

/// Polls `sql` until `done` holds for its rows (as [`common::rows`] gives
/// them); returns those rows.
async fn poll_rows(client: &Client, sql: &str, done: impl Fn(&[String]) -> bool) -> anyhow::Result<Vec<String>> {
    let start = Instant::now();
    let mut every = tokio::time::interval(Duration::from_millis(50));
    loop {
        every.tick().await;
        let rows = common::rows(client, sql).await?;
        if done(&rows) {
            return Ok(rows);
        }
        anyhow::ensure!(start.elapsed() < DEADLINE, "{sql}: last answer {rows:?}");
    }
}

/// The column names of `sql`'s result.
async fn columns(client: &Client, sql: &str) -> anyhow::Result<Vec<String>> {
    let statement = client.prepare(sql).await?;
    Ok(statement.columns().iter().map(|c| c.name().to_owned()).collect())
}

/// "Monitor the ingestion status", query 1, exactly as the seed writes it.
const SEED_STATUS_QUERY: &str = "WITH
  source_ids AS
  (SELECT id FROM mz_sources WHERE name = 'mz_source')
SELECT *
FROM
  mz_internal.mz_source_statuses
    JOIN
      (
        SELECT referenced_object_id
        FROM mz_internal.mz_object_dependencies
        WHERE
          object_id IN (SELECT id FROM source_ids)
        UNION SELECT id FROM source_ids
      )
      AS sources
    ON mz_source_statuses.id = sources.referenced_object_id;";

/// "Monitor the ingestion status", query 2, exactly as the seed writes it.
const SEED_SNAPSHOT_QUERY: &str = "WITH
  source_ids AS
  (SELECT id FROM mz_sources WHERE name = 'mz_source')
SELECT sources.referenced_object_id AS id, mz_sources.name, snapshot_committed
FROM
  mz_internal.mz_source_statistics
    JOIN
      (
        SELECT object_id, referenced_object_id
        FROM mz_internal.mz_object_dependencies
        WHERE
          object_id IN (SELECT id FROM source_ids)
        UNION SELECT id, id FROM source_ids
      )
      AS sources
    ON mz_source_statistics.id = sources.referenced_object_id
    JOIN mz_sources ON mz_sources.id = sources.referenced_object_id;";

/// The seed's self-hosted MySQL walkthrough, statement by statement as
/// written; only its placeholders (`<password>`, `<host>`) and MySQL's
/// port are filled in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_hosted_walkthrough_runs_as_written() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 301, &["--tls"])?;
    let port = &upstream["MYSQL_PORT"];
    mysql.root(
        "upstream",
        "CREATE DATABASE shop;
         CREATE TABLE shop.orders (id int PRIMARY KEY, amount decimal(10,2), placed datetime);
         CREATE TABLE shop.customers (id int PRIMARY KEY, name varchar(40));
         INSERT INTO shop.customers VALUES (1, 'ada'), (2, 'grace'), (3, 'edsger');
         INSERT INTO shop.orders WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
           SELECT i, i * 1.5, '2026-11-22 10:00:00' FROM n;",
    )?;
    // A. 2. Create a user for replication (as a superuser, on MySQL).
    mysql.root(
        "upstream",
        "CREATE USER 'materialize'@'%' IDENTIFIED BY 'walk-through-pw';
         ALTER USER 'materialize'@'%' REQUIRE SSL;
         GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'materialize'@'%';
         FLUSH PRIVILEGES;",
    )?;

    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    // C. 1. Create a cluster.
    client
        .batch_execute("CREATE CLUSTER ingest_mysql (SIZE = '200cc');\nSET CLUSTER = ingest_mysql;")
        .await?;
    // C. 2. Create a connection.
    client
        .batch_execute("CREATE SECRET mysqlpass AS 'walk-through-pw';")
        .await?;
    client
        .batch_execute(&format!(
            "CREATE CONNECTION mysql_connection TO MYSQL (
    HOST '127.0.0.1',
    PORT {port},
    USER 'materialize',
    PASSWORD SECRET mysqlpass,
    SSL MODE REQUIRED
);"
        ))
        .await?;
    // C. 3. Start ingesting data.
    client
        .batch_execute(
            "CREATE SOURCE mz_source
  FROM MYSQL CONNECTION mysql_connection
  FOR ALL TABLES;",
        )
        .await?;

    // C. 4. Monitor the ingestion status, query 1: one running row per
    // source, subsource and progress subsource.
    assert_eq!(
        columns(&client, SEED_STATUS_QUERY).await?,
        [
            "id",
            "name",
            "type",
            "last_status_change_at",
            "status",
            "error",
            "details",
            "referenced_object_id"
        ]
    );
    let status = "SELECT name, type, status, error IS NULL, last_status_change_at IS NOT NULL, id = referenced_object_id \
                  FROM (WITH source_ids AS (SELECT id FROM mz_sources WHERE name = 'mz_source') \
                  SELECT * FROM mz_internal.mz_source_statuses JOIN (SELECT referenced_object_id \
                  FROM mz_internal.mz_object_dependencies WHERE object_id IN (SELECT id FROM source_ids) \
                  UNION SELECT id FROM source_ids) AS sources \
                  ON mz_source_statuses.id = sources.referenced_object_id) AS q";
    let running = [
        "customers,subsource,running,t,t,t",
        "mz_source,mysql,running,t,t,t",
        "mz_source_progress,progress,running,t,t,t",
        "orders,subsource,running,t,t,t",
    ];
    poll_rows(&client, status, |rows| rows == running).await?;
    // The verbatim text gives the same rows.
    let verbatim = common::rows(&client, SEED_STATUS_QUERY).await?;
    assert_eq!(verbatim.len(), 4, "{verbatim:?}");
    assert!(verbatim.iter().all(|row| row.contains(",running,")), "{verbatim:?}");

    // Query 2: its own columns, one row per source and subsource, all `t`
    // once the snapshot is committed.
    assert_eq!(
        columns(&client, SEED_SNAPSHOT_QUERY).await?,
        ["id", "name", "snapshot_committed"]
    );
    let snapshot = poll_rows(&client, SEED_SNAPSHOT_QUERY, |rows| {
        rows.len() == 3 && rows.iter().all(|row| row.ends_with(",t"))
    })
    .await?;
    let names: Vec<&str> = snapshot.iter().map(|row| row.split(',').nth(1).unwrap_or("")).collect();
    let mut names = names;
    names.sort_unstable();
    assert_eq!(names, ["customers", "mz_source", "orders"]);
    let ids = common::column(&client, "SELECT id FROM mz_sources WHERE name <> 'mz_source_progress'").await?;
    assert!(
        snapshot
            .iter()
            .all(|row| ids.iter().any(|id| row.starts_with(&format!("{id},")))),
        "{snapshot:?} against {ids:?}"
    );

    // C. 5. Right-size the cluster.
    client
        .batch_execute("ALTER CLUSTER ingest_mysql SET (SIZE '100cc');")
        .await?;
    assert_eq!(
        common::rows(&client, "SHOW CLUSTER REPLICAS WHERE cluster = 'ingest_mysql';").await?,
        ["ingest_mysql,r1,100cc,t,NULL"]
    );
    assert_eq!(
        columns(&client, "SHOW CLUSTER REPLICAS WHERE cluster = 'ingest_mysql';").await?[..4],
        ["cluster", "replica", "size", "ready"]
    );

    // D. Explore your data.
    assert_eq!(
        common::rows(&client, "SHOW SOURCES;").await?,
        [
            "customers,subsource,ingest_mysql",
            "mz_source,mysql,ingest_mysql",
            "mz_source_progress,progress,NULL",
            "orders,subsource,ingest_mysql",
        ]
    );
    wait_for(&client, "SELECT count(*) FROM orders", &["250"]).await?;
    assert_eq!(
        common::rows(&client, "SELECT * FROM customers;").await?,
        ["1,ada", "2,grace", "3,edsger"]
    );
    // Still replicating after the resize.
    mysql.root("upstream", "INSERT INTO shop.customers VALUES (4, 'barbara');")?;
    wait_for(&client, "SELECT name FROM customers WHERE id = 4", &["barbara"]).await?;
    poll_rows(&client, status, |rows| rows == running).await?;
    Ok(())
}
