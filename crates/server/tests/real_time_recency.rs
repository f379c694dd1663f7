//! Real-time recency (`SET real_time_recency = on`, DESIGN.md §3) against
//! a real MySQL 9.7: a query reads every transaction MySQL committed before
//! it began, through subsources, views, indexes, materialized views and
//! `SUBSCRIBE`; a source that cannot catch up in time fails the query with
//! a timeout; queries that read no MySQL source do not wait.
//!
//! `FRESHET_LONG_TESTS=1` (`bin/test --long`) runs more rounds.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::pin::Pin;
use std::time::{Duration, Instant};

use common::proxy::Proxy;
use common::{TestServer, column, db_error, wait_for};
use futures::StreamExt;
use mysql_async::prelude::Queryable;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, CopyOutStream};

/// How long a test waits for the server to react.
const DEADLINE: Duration = Duration::from_secs(60);

/// Starts MySQL with database `rtr` (tables `t` and `u`), Freshet, and
/// source `src` over it through a proxy; waits for the snapshot. Returns
/// them with a MySQL connection as root.
async fn setup(
    mysql: &mut common::mysql::MySql,
    server_id: u32,
    dir: &std::path::Path,
) -> anyhow::Result<(TestServer, Client, Proxy, mysql_async::Conn)> {
    let upstream = mysql.start("upstream", server_id, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        "CREATE DATABASE rtr;
         CREATE TABLE rtr.t (id int PRIMARY KEY, v int NOT NULL);
         CREATE TABLE rtr.u (id int PRIMARY KEY);",
    )?;
    let proxy = Proxy::start(port.parse()?).await?;
    let server = TestServer::start(dir)?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &proxy.port().to_string(), "FOR SCHEMAS (rtr)").await?;
    wait_for(&client, "SELECT count(*) FROM t", &["0"], DEADLINE).await?;
    let pool = mysql_async::Pool::new(format!("mysql://root@127.0.0.1:{port}").as_str());
    let conn = pool.get_conn().await?;
    Ok((server, client, proxy, conn))
}

/// A subscription read line by line from `COPY … TO STDOUT`.
struct Lines {
    stream: Pin<Box<CopyOutStream>>,
}

impl Lines {
    async fn start(client: &Client, sql: &str) -> anyhow::Result<Lines> {
        Ok(Lines {
            stream: Box::pin(client.copy_out(sql).await?),
        })
    }

    /// The next line's fields; fails if the subscription ends or nothing
    /// comes before the deadline.
    async fn next(&mut self) -> anyhow::Result<Vec<String>> {
        let data = tokio::time::timeout(DEADLINE, self.stream.next())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the subscription ended"))??;
        let text = std::str::from_utf8(&data)?;
        Ok(text.trim_end_matches('\n').split('\t').map(str::to_owned).collect())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_committed_before_the_query_is_read() -> anyhow::Result<()> {
    let rounds = if std::env::var_os("FRESHET_LONG_TESTS").is_some() {
        2_000
    } else {
        300
    };
    let mut mysql = common::mysql::MySql::new()?;
    let dir = tempfile::tempdir()?;
    let (server, client, _proxy, mut conn) = setup(&mut mysql, 181, dir.path()).await?;
    client
        .batch_execute(
            "CREATE VIEW tv AS SELECT id, v FROM t;
             CREATE VIEW iv AS SELECT id, v FROM t WHERE v >= 0;
             CREATE INDEX iv_by_id ON iv (id);
             CREATE MATERIALIZED VIEW mv AS SELECT max(id) AS highest, count(*) AS n FROM t;",
        )
        .await?;
    wait_for(&client, "SELECT n FROM mv", &["0"], DEADLINE).await?;
    assert_eq!(column(&client, "SHOW real_time_recency").await?, ["off"]);
    assert_eq!(column(&client, "SHOW real_time_recency_timeout").await?, ["10s"]);
    client.batch_execute("SET real_time_recency = on").await?;
    assert_eq!(column(&client, "SHOW real_time_recency").await?, ["on"]);

    // Each round writes one row to MySQL and reads it back at once, in
    // turn through the subsource, a view, an indexed view (a lookup), a
    // materialized view, a join of two subsources, and a subscription.
    let started = Instant::now();
    for id in 1..=rounds {
        conn.query_drop(format!("INSERT INTO rtr.t VALUES ({id}, {id})"))
            .await?;
        if id % 7 == 3 {
            conn.query_drop(format!("INSERT INTO rtr.u VALUES ({id})")).await?;
        }
        let (sql, expected) = match id % 6 {
            0 => (format!("SELECT v FROM t WHERE id = {id}"), id.to_string()),
            1 => (format!("SELECT count(*) FROM tv WHERE id <= {id}"), id.to_string()),
            2 => (format!("SELECT v FROM iv WHERE id = {id}"), id.to_string()),
            3 => ("SELECT highest FROM mv".to_owned(), id.to_string()),
            4 => (
                "SELECT count(*) FROM t JOIN u USING (id)".to_owned(),
                ((id + 4) / 7).to_string(),
            ),
            _ => {
                // The subscription's snapshot, at its first progress time,
                // already holds the row. A subscription never ends: each
                // has a connection of its own, closed after.
                let (subscriber, task) = server.connect_with_task().await?;
                subscriber.batch_execute("SET real_time_recency = on").await?;
                let sql = format!("COPY (SUBSCRIBE (SELECT id FROM t WHERE id = {id}) WITH (PROGRESS)) TO STDOUT");
                let mut lines = Lines::start(&subscriber, &sql).await?;
                let start = lines.next().await?;
                anyhow::ensure!(
                    start.get(1).map(String::as_str) == Some("t"),
                    "not a progress row: {start:?}"
                );
                let first = lines.next().await?;
                anyhow::ensure!(
                    first.first() == start.first() && first.get(1).map(String::as_str) == Some("f"),
                    "round {id}: the subscription's snapshot at {:?} lacks row {id}; first change {first:?}",
                    start.first()
                );
                anyhow::ensure!(first.get(3) == Some(&id.to_string()), "round {id}: {first:?}");
                task.abort();
                continue;
            }
        };
        let got = column(&client, &sql).await?;
        anyhow::ensure!(
            got == [expected.clone()],
            "round {id}: {sql} gave {got:?}, not {expected}"
        );
    }
    eprintln!(
        "{rounds} rounds of a write then a real-time recent read in {:?}",
        started.elapsed()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_cannot_catch_up_times_the_query_out() -> anyhow::Result<()> {
    let mut mysql = common::mysql::MySql::new()?;
    let dir = tempfile::tempdir()?;
    let (_server, client, proxy, mut conn) = setup(&mut mysql, 182, dir.path()).await?;
    client
        .batch_execute(
            "CREATE TABLE plain (x int);
             INSERT INTO plain VALUES (1);
             SET real_time_recency = on;
             SET real_time_recency_timeout = '1500ms'",
        )
        .await?;
    conn.query_drop("INSERT INTO rtr.t VALUES (1, 1)").await?;
    assert_eq!(column(&client, "SELECT count(*) FROM t").await?, ["1"]);

    // The binlog stream stops passing bytes; new connections still reach
    // MySQL, so the query learns what MySQL committed but the source
    // cannot ingest it.
    proxy.stall_open();
    conn.query_drop("INSERT INTO rtr.t VALUES (2, 2)").await?;
    let started = Instant::now();
    let error = db_error(&client, "SELECT count(*) FROM t").await?;
    let waited = started.elapsed();
    assert_eq!(error.code(), &SqlState::QUERY_CANCELED, "{error:?}");
    assert!(error.message().contains("source \"src\""), "{error:?}");
    assert!(
        error.detail().is_some_and(|d| d.contains("not yet committed")),
        "{error:?}"
    );
    assert!(
        error.hint().is_some_and(|h| h.contains("real_time_recency_timeout")),
        "{error:?}"
    );
    assert!(waited >= Duration::from_millis(1500), "gave up after {waited:?}");
    // Without real-time recency the query answers from what was ingested.
    client.batch_execute("SET real_time_recency = off").await?;
    assert_eq!(column(&client, "SELECT count(*) FROM t").await?, ["1"]);

    // A server that does not answer at all times out the same way.
    client.batch_execute("SET real_time_recency = on").await?;
    proxy.stall();
    let error = db_error(&client, "SELECT count(*) FROM t").await?;
    assert_eq!(error.code(), &SqlState::QUERY_CANCELED, "{error:?}");
    assert!(
        error.detail().is_some_and(|d| d.contains("did not report")),
        "{error:?}"
    );
    // Meanwhile a query that reads no MySQL source does not ask MySQL, nor
    // does one whose time AS OF fixes.
    assert_eq!(column(&client, "SELECT count(*) FROM plain").await?, ["1"]);
    let now = column(&client, "SELECT mz_now()").await?;
    let sql = format!("SELECT count(*) FROM t AS OF AT LEAST {}", now[0]);
    assert_eq!(column(&client, &sql).await?, ["1"]);

    // Once bytes pass again, the source catches up and the query sees the
    // second row.
    proxy.resume();
    client.batch_execute("SET real_time_recency_timeout = '60s'").await?;
    assert_eq!(column(&client, "SELECT count(*) FROM t").await?, ["2"]);
    Ok(())
}
