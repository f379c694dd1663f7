//! The server speaks PostgreSQL's protocol to real clients: psql and
//! tokio-postgres.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::process::Command;

use common::TestServer;
use tokio_postgres::SimpleQueryMessage;

/// Runs psql against `server` as `materialize` with `args`.
fn psql(server: &TestServer, args: &[&str]) -> anyhow::Result<std::process::Output> {
    let port = server.addr.port().to_string();
    Ok(Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port, "-U", "materialize", "materialize", "-X"])
        .args(["-v", "ON_ERROR_STOP=1"])
        .args(args)
        .output()?)
}

#[tokio::test]
async fn psql_connects_and_queries() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let output = psql(&server, &["-A", "-t", "-c", "SELECT 1 + 1, 'x' || 'y'"])?;
    assert!(
        output.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "2|xy");

    let output = psql(&server, &["-c", "SELECT 1/0"])?;
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("division by zero"));
    Ok(())
}

/// A statement skipped with `IF EXISTS` answers with its command tag and a
/// notice, which psql prints.
#[tokio::test]
async fn if_exists_of_nothing_is_a_notice() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let output = psql(&server, &["-c", "ALTER SOURCE IF EXISTS nope ADD SUBSOURCE shop.t"])?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "psql failed: {stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ALTER SOURCE");
    assert_eq!(stderr.trim(), r#"NOTICE:  source "nope" does not exist, skipping"#);
    let output = psql(
        &server,
        &["-c", "ALTER MATERIALIZED VIEW IF EXISTS nope RENAME TO other"],
    )?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "psql failed: {stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "ALTER MATERIALIZED VIEW"
    );
    assert_eq!(
        stderr.trim(),
        r#"NOTICE:  materialized view "nope" does not exist, skipping"#
    );
    Ok(())
}

#[tokio::test]
async fn columns_are_named_like_postgres() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let messages = client
        .simple_query("SELECT 1, 1 AS one, 1::int, CASE WHEN true THEN 1 END, true, 'a'::text, coalesce(1, 2)")
        .await?;
    let names: Vec<String> = messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::RowDescription(columns) => Some(columns.iter().map(|c| c.name().to_owned()).collect()),
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("no row description"))?;
    assert_eq!(names, ["?column?", "one", "int4", "case", "bool", "text", "coalesce"]);
    Ok(())
}

#[tokio::test]
async fn errors_carry_sqlstate_and_position() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let err = client
        .simple_query("SELECT 1;\nSELEC 2")
        .await
        .err()
        .ok_or_else(|| anyhow::anyhow!("no error"))?;
    let db = err
        .as_db_error()
        .ok_or_else(|| anyhow::anyhow!("not a server error: {err}"))?;
    assert_eq!(db.code().code(), "42601");
    assert_eq!(db.message(), "syntax error at or near \"SELEC\"");
    assert_eq!(db.position(), Some(&tokio_postgres::error::ErrorPosition::Original(11)));
    // The connection survives the error.
    let rows = client.simple_query("SELECT 'still here'").await?;
    assert!(
        rows.iter()
            .any(|m| matches!(m, SimpleQueryMessage::Row(r) if r.get(0) == Some("still here")))
    );
    Ok(())
}
