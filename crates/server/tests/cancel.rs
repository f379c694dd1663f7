//! Stopping statements: cancel requests from a client, and the session's
//! `statement_timeout`. A query `AS OF` a time far ahead waits for its
//! inputs to reach that time, so it runs until it is stopped.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestServer, column};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

/// A query that waits until it is stopped (the far future, in milliseconds).
const WAITS_FOREVER: &str = "SELECT * FROM t AS OF 99999999999999";

/// How long a test waits for the server to react.
const DEADLINE: Duration = Duration::from_secs(60);

async fn server_with_table(dir: &std::path::Path) -> anyhow::Result<(TestServer, Client)> {
    let server = TestServer::start(dir)?;
    let client = server.connect().await?;
    client
        .batch_execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1)")
        .await?;
    Ok((server, client))
}

/// The protocol a query is sent with.
#[derive(Clone, Copy)]
enum Protocol {
    Simple,
    Extended,
}

/// Runs [`WAITS_FOREVER`] on `client` in a task, with `protocol`, and sends
/// cancel requests until it ends (a request that arrives before the query
/// starts is ignored, as in PostgreSQL); returns the error it ended with.
async fn cancel_until_done(client: &Arc<Client>, protocol: Protocol) -> anyhow::Result<tokio_postgres::Error> {
    let token = client.cancel_token();
    let running = Arc::clone(client);
    let mut running = tokio::spawn(async move {
        match protocol {
            Protocol::Simple => running.simple_query(WAITS_FOREVER).await.map(drop),
            Protocol::Extended => running.query(WAITS_FOREVER, &[]).await.map(drop),
        }
    });
    let start = Instant::now();
    loop {
        token.cancel_query(NoTls).await?;
        // Long enough for the request to arrive (tokio-postgres does not wait
        // for the server to act on it), so that no stray one cancels the next
        // statement.
        match tokio::time::timeout(Duration::from_secs(2), &mut running).await {
            Ok(result) => {
                return result?
                    .err()
                    .ok_or_else(|| anyhow::anyhow!("the query was not canceled"));
            }
            Err(_) if start.elapsed() < DEADLINE => continue,
            Err(_) => anyhow::bail!("the query did not stop within {DEADLINE:?} of cancel requests"),
        }
    }
}

/// `future`'s output, or an error if it takes longer than [`DEADLINE`].
async fn within_deadline<F: Future>(future: F) -> anyhow::Result<F::Output> {
    tokio::time::timeout(DEADLINE, future)
        .await
        .map_err(|_| anyhow::anyhow!("not stopped within {DEADLINE:?}"))
}

fn assert_canceled(err: &tokio_postgres::Error, reason: &str) {
    let db = err.as_db_error().unwrap_or_else(|| panic!("not a server error: {err}"));
    assert_eq!(db.code(), &SqlState::QUERY_CANCELED);
    assert_eq!(db.message(), format!("canceling statement due to {reason}"));
}

#[tokio::test]
async fn a_cancel_request_stops_the_running_query() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (server, client) = server_with_table(dir.path()).await?;
    let client = Arc::new(client);

    // The simple query protocol.
    let err = cancel_until_done(&client, Protocol::Simple).await?;
    assert_canceled(&err, "user request");
    assert_eq!(column(&client, "SELECT count(*) FROM t").await?, ["1"]);

    // The extended query protocol.
    let err = cancel_until_done(&client, Protocol::Extended).await?;
    assert_canceled(&err, "user request");
    let row = client.query_one("SELECT a FROM t WHERE a = $1", &[&1i32]).await?;
    assert_eq!(row.get::<_, i32>(0), 1);

    // A cancel request for another connection's key leaves this one alone.
    let other = server.connect().await?;
    other.cancel_token().cancel_query(NoTls).await?;
    assert_eq!(column(&client, "SELECT 'still here'").await?, ["still here"]);
    Ok(())
}

#[tokio::test]
async fn a_canceled_statement_fails_its_transaction() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, client) = server_with_table(dir.path()).await?;
    let client = Arc::new(client);
    client.batch_execute("BEGIN").await?;
    let err = cancel_until_done(&client, Protocol::Simple).await?;
    assert_canceled(&err, "user request");
    let err = client
        .simple_query("SELECT 1")
        .await
        .expect_err("the transaction failed");
    assert_eq!(err.code(), Some(&SqlState::IN_FAILED_SQL_TRANSACTION));
    client.batch_execute("ROLLBACK").await?;
    assert_eq!(column(&client, "SELECT count(*) FROM t").await?, ["1"]);
    Ok(())
}

#[tokio::test]
async fn statement_timeout_stops_statements_that_run_too_long() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, client) = server_with_table(dir.path()).await?;
    assert_eq!(column(&client, "SHOW statement_timeout").await?, ["0"]);

    client.batch_execute("SET statement_timeout = 200").await?;
    assert_eq!(column(&client, "SHOW statement_timeout").await?, ["200ms"]);
    let err = within_deadline(client.simple_query(WAITS_FOREVER))
        .await?
        .expect_err("times out");
    assert_canceled(&err, "statement timeout");
    // Statements that finish in time are not affected, reads or writes.
    client.batch_execute("INSERT INTO t VALUES (2)").await?;
    assert_eq!(column(&client, "SELECT count(*) FROM t").await?, ["2"]);
    let err = within_deadline(client.query(WAITS_FOREVER, &[]))
        .await?
        .expect_err("times out");
    assert_canceled(&err, "statement timeout");

    // A unit, and back to no limit.
    client.batch_execute("SET statement_timeout = '1s'").await?;
    assert_eq!(column(&client, "SHOW statement_timeout").await?, ["1s"]);
    let err = client
        .batch_execute("SET statement_timeout = '1 fortnight'")
        .await
        .expect_err("not a duration");
    assert_eq!(err.code(), Some(&SqlState::INVALID_PARAMETER_VALUE));
    client.batch_execute("RESET statement_timeout").await?;
    assert_eq!(column(&client, "SHOW statement_timeout").await?, ["0"]);
    Ok(())
}
