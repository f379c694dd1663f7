//! `CREATE CONNECTION … TO MYSQL` and `CREATE SOURCE` against real MySQL
//! 9.7 servers started with `bin/mysql`: what validation accepts, each
//! problem it names, and sources kept across restarts.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::time::Duration;

use common::TestServer;
use common::mysql::MySql;
use tokio_postgres::Client;

/// The SQLSTATE, message and hint of the error `sql` fails with.
async fn error(client: &Client, sql: &str) -> anyhow::Result<(String, String, String)> {
    let db = common::db_error(client, sql).await?;
    Ok((
        db.code().code().to_owned(),
        db.message().to_owned(),
        db.hint().unwrap_or_default().to_owned(),
    ))
}

#[tokio::test]
async fn connections_are_validated_against_real_mysql() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let good = mysql.start("good", 101, &["--tls"])?;
    let off = mysql.start("off", 102, &["--gtid", "off"])?;
    mysql.root(
        "good",
        "CREATE USER 'weak'@'%' IDENTIFIED BY 'weakpw'; GRANT SELECT ON *.* TO 'weak'@'%';",
    )?;
    let (port, off_port) = (&good["MYSQL_PORT"], &off["MYSQL_PORT"]);
    let ca = std::fs::read_to_string(&good["MYSQL_CA"])?;

    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    client
        .batch_execute(&format!(
            "CREATE SECRET pw AS 'freshet'; CREATE SECRET wrong AS 'nope'; CREATE SECRET weakpw AS 'weakpw';
             CREATE SECRET ca AS '{ca}';"
        ))
        .await?;
    let create = |name: &str, port: &str, options: &str| {
        format!("CREATE CONNECTION {name} TO MYSQL (HOST '127.0.0.1', PORT {port}, {options})")
    };

    // Everything right: with and without TLS.
    client
        .batch_execute(&create("plain", port, "USER 'freshet', PASSWORD SECRET pw"))
        .await?;
    client.batch_execute("VALIDATE CONNECTION plain").await?;
    client
        .batch_execute(&create(
            "required",
            port,
            "USER 'freshet', PASSWORD SECRET pw, SSL MODE REQUIRED",
        ))
        .await?;
    client
        .batch_execute(&create(
            "verified",
            port,
            "USER 'freshet', PASSWORD SECRET pw, SSL MODE VERIFY_IDENTITY, SSL CERTIFICATE AUTHORITY SECRET ca",
        ))
        .await?;

    // Each problem, named.
    let (code, message, hint) = error(&client, &create("c", port, "USER 'freshet', PASSWORD SECRET wrong")).await?;
    assert_eq!(code, "28P01");
    assert!(message.contains("Access denied for user 'freshet'"), "{message}");
    assert!(hint.contains("PASSWORD"), "{hint}");

    let (code, message, hint) = error(&client, &create("c", port, "USER 'weak', PASSWORD SECRET weakpw")).await?;
    assert_eq!(code, "42501");
    assert_eq!(
        message,
        "MySQL user 'weak'@'%' lacks privileges a source needs: REPLICATION SLAVE, REPLICATION CLIENT"
    );
    assert_eq!(
        hint,
        "Run GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'weak'@'%'; on MySQL."
    );

    let (code, message, hint) = error(&client, &create("c", off_port, "USER 'freshet', PASSWORD SECRET pw")).await?;
    assert_eq!(code, "55000");
    assert_eq!(message, "MySQL setting gtid_mode is OFF, but a source needs ON");
    assert!(hint.starts_with("Set gtid_mode = ON"), "{hint}");

    // A certificate from another authority (the TLS-less server's own), or
    // no authority to check against: refused.
    let (code, message, _) = error(
        &client,
        &create(
            "c",
            off_port,
            "USER 'freshet', PASSWORD SECRET pw, SSL MODE VERIFY_CA, SSL CERTIFICATE AUTHORITY SECRET ca",
        ),
    )
    .await?;
    assert_eq!(code, "08001");
    assert!(message.starts_with("TLS with MySQL failed"), "{message}");
    let (code, _, _) = error(
        &client,
        &create("c", port, "USER 'freshet', PASSWORD SECRET pw, SSL MODE VERIFY_CA"),
    )
    .await?;
    assert_eq!(code, "08001");

    // A replica that may commit out of its source's order.
    let replica = mysql.start("replica", 103, &["--replica-preserve-commit-order=OFF"])?;
    mysql.root(
        "replica",
        &format!(
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT={port}, SOURCE_USER='freshet', \
             SOURCE_PASSWORD='freshet', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1; START REPLICA;"
        ),
    )?;
    let (code, message, hint) = error(
        &client,
        &create("c", &replica["MYSQL_PORT"], "USER 'freshet', PASSWORD SECRET pw"),
    )
    .await?;
    assert_eq!(code, "55000");
    assert_eq!(
        message,
        "MySQL setting replica_preserve_commit_order is OFF, but a source needs ON"
    );
    assert!(hint.starts_with("Set replica_preserve_commit_order = ON"), "{hint}");
    mysql.root(
        "replica",
        "STOP REPLICA; SET GLOBAL replica_preserve_commit_order = ON; START REPLICA;",
    )?;
    client
        .batch_execute(&create(
            "from_replica",
            &replica["MYSQL_PORT"],
            "USER 'freshet', PASSWORD SECRET pw",
        ))
        .await?;

    // A connection that stopped validating (the password changed upstream).
    mysql.root("good", "ALTER USER 'freshet'@'%' IDENTIFIED BY 'changed';")?;
    let (code, _, _) = error(&client, "VALIDATE CONNECTION plain").await?;
    assert_eq!(code, "28P01");
    // Pointing it at the new password: validated before it changes.
    client.batch_execute("CREATE SECRET changed AS 'changed'").await?;
    let (code, _, _) = error(&client, "ALTER CONNECTION plain SET (PASSWORD = SECRET wrong)").await?;
    assert_eq!(code, "28P01");
    client
        .batch_execute("ALTER CONNECTION plain SET (PASSWORD = SECRET changed); VALIDATE CONNECTION plain")
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_server_that_never_answers_stalls_only_its_own_statement() -> anyhow::Result<()> {
    // Accepts connections and says nothing, as a MySQL behind a dead link would.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = silent.local_addr()?.port();

    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let waiting = server.connect().await?;
    let other = server.connect().await?;
    let token = waiting.cancel_token();
    let create = tokio::spawn(async move {
        waiting
            .batch_execute(&format!(
                "CREATE CONNECTION c TO MYSQL (HOST '127.0.0.1', PORT {port}, USER 'freshet')"
            ))
            .await
    });
    // Wait until Freshet's connection attempt arrives.
    let _accepted = tokio::time::timeout(Duration::from_secs(60), silent.accept()).await??;
    // Other sessions are served meanwhile, DDL included.
    other
        .batch_execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1)")
        .await?;
    assert!(!create.is_finished(), "the validation ended before the server answered");
    // The waiting statement can be canceled.
    token.cancel_query(tokio_postgres::NoTls).await?;
    let err = create.await?.expect_err("canceled");
    assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::QUERY_CANCELED));
    assert_eq!(common::column(&other, "SHOW CONNECTIONS").await?, Vec::<String>::new());
    Ok(())
}

/// A source is stored purified: after a restart with MySQL gone, its
/// subsources, their columns and the system relations are as before.
#[tokio::test]
async fn sources_are_rebuilt_from_the_catalog_without_mysql() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 111, &[])?;
    mysql.root(
        "upstream",
        "CREATE DATABASE shop; CREATE TABLE shop.orders (id int PRIMARY KEY, amount decimal(65,30), at datetime(6));
         CREATE TABLE shop.tags (id int, label enum('a','b'), spot point);",
    )?;
    let port = &upstream["MYSQL_PORT"];
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    common::mysql::create_source(
        &client,
        port,
        "(TEXT COLUMNS (shop.tags.label), EXCLUDE COLUMNS (shop.tags.spot)) FOR SCHEMAS (shop);
         CREATE VIEW big AS SELECT id, amount FROM orders WHERE amount > 100;",
    )
    .await?;
    let catalog_queries = [
        "SELECT id || ' ' || name || ' ' || type || ' ' || create_sql FROM mz_catalog.mz_sources ORDER BY id",
        "SELECT object_id || ' ' || referenced_object_id FROM mz_internal.mz_object_dependencies ORDER BY 1",
        "SELECT id || ' ' || schema_name || '.' || table_name FROM mz_internal.mz_mysql_source_tables ORDER BY 1",
        // Statuses follow ingestion (running before, stalled without MySQL).
        "SELECT id FROM mz_internal.mz_source_statuses ORDER BY 1",
    ];
    let mut before = Vec::new();
    for query in &catalog_queries {
        before.push(common::column(&client, query).await?);
    }
    assert_eq!(
        before[0].len(),
        4,
        "a source, two subsources, a progress subsource: {before:?}"
    );
    assert!(
        before[0]
            .iter()
            .any(|row| row.contains("\"at\" TIMESTAMP WITHOUT TIME ZONE") && row.contains("UPSTREAM 'datetime(6)'"))
    );
    drop(client);
    server.kill()?;
    drop(mysql);

    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let mut after = Vec::new();
    for query in &catalog_queries {
        after.push(common::column(&client, query).await?);
    }
    assert_eq!(before, after);
    // The view over a subsource still plans, and the source still drops.
    client.batch_execute("DROP VIEW big; DROP SOURCE src").await?;
    assert_eq!(
        common::column(&client, "SELECT count(*) FROM mz_sources").await?,
        vec!["0"]
    );
    Ok(())
}
