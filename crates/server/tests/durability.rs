//! The catalog survives a crash: objects created before a SIGKILL are all
//! there after a restart, and nothing dropped comes back.

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

#[tokio::test]
async fn a_second_server_cannot_open_the_same_data_directory() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let _server = TestServer::start(dir.path())?;
    assert!(TestServer::start(dir.path()).is_err());
    Ok(())
}
