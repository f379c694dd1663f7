//! A secret's value stays secret: a planted value (a real MySQL
//! password, used by a running source) appears in no system relation, no
//! `SHOW`, no `EXPLAIN`, no error and no line of the server's debug log.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::time::Duration;

use common::TestServer;
use common::mysql::MySql;
use tokio_postgres::Client;

const DEADLINE: Duration = Duration::from_secs(60);

/// The password planted, and the wrong one set for a while.
const PLANTED: &str = "Pl4nted-s3cret-9f27";
const WRONG: &str = "Wr0ng-s3cret-41c8";

/// Every field of every row `sql` returns, and the message, detail and
/// hint if it fails instead.
async fn everything_shown(client: &Client, sql: &str) -> String {
    match client.simple_query(sql).await {
        Ok(messages) => messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).unwrap_or(""))
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => match e.as_db_error() {
            Some(db) => format!(
                "{} {} {}",
                db.message(),
                db.detail().unwrap_or_default(),
                db.hint().unwrap_or_default()
            ),
            None => e.to_string(),
        },
    }
}

fn assert_secret(shown: &str, what: &str) {
    assert!(
        !shown.contains(PLANTED) && !shown.contains(WRONG),
        "{what} shows a secret: {shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_value_is_shown_nowhere() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 311, &[])?;
    let port = &upstream["MYSQL_PORT"];
    mysql.root(
        "upstream",
        &format!(
            "CREATE USER 'spy'@'%' IDENTIFIED BY '{PLANTED}';
             GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'spy'@'%';
             CREATE DATABASE vault; CREATE TABLE vault.t (id int PRIMARY KEY, note text); INSERT INTO vault.t VALUES (1, 'x');"
        ),
    )?;
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("freshet.log");
    let data = dir.path().join("data");
    let server = TestServer::start_logging(&data, "debug", &log)?;
    let client = server.connect().await?;
    client
        .batch_execute(&format!(
            "CREATE SECRET pw AS '{PLANTED}';
             CREATE CONNECTION c TO MYSQL (HOST '127.0.0.1', PORT {port}, USER 'spy', PASSWORD SECRET pw);
             CREATE SOURCE src FROM MYSQL CONNECTION c FOR ALL TABLES;"
        ))
        .await?;
    common::wait_for(&client, "SELECT note FROM t", &["x"], DEADLINE).await?;

    // Statements that carry the value and fail.
    let mut shown = Vec::new();
    for sql in [
        format!("CREATE SECRET pw AS '{PLANTED}'"),
        format!("ALTER SECRET nosuch AS '{PLANTED}'"),
        format!("CREATE SECRET mz_catalog.s AS '{PLANTED}'"),
        format!("CREATE SECRET bad AS '{PLANTED}' || 1"),
        format!("CREATE SECRET bad AS '{PLANTED}' garbage"),
        format!("CREATE SECRET bad AS decode('{PLANTED}', 'nosuch')"),
    ] {
        shown.push((sql.clone(), everything_shown(&client, &sql).await));
    }
    // The wrong password: validation and the source's status name the
    // problem, never the value.
    client.batch_execute(&format!("ALTER SECRET pw AS '{WRONG}'")).await?;
    shown.push((
        "VALIDATE".into(),
        everything_shown(&client, "VALIDATE CONNECTION c").await,
    ));
    let status = "SELECT status, error, details FROM mz_internal.mz_source_statuses";
    shown.push((
        "CREATE CONNECTION".into(),
        everything_shown(
            &client,
            &format!("CREATE CONNECTION c2 TO MYSQL (HOST '127.0.0.1', PORT {port}, USER 'spy', PASSWORD SECRET pw)"),
        )
        .await,
    ));
    client.batch_execute(&format!("ALTER SECRET pw AS '{PLANTED}'")).await?;
    mysql.root("upstream", "INSERT INTO vault.t VALUES (2, 'y');")?;
    common::wait_for(&client, "SELECT count(*) FROM t", &["2"], DEADLINE).await?;

    // Every system relation, whole.
    let relations = common::rows(
        &client,
        "SELECT s.name || '.' || o.name FROM mz_objects o JOIN mz_schemas s ON s.id = o.schema_id WHERE o.id LIKE 's%'",
    )
    .await?;
    assert!(relations.len() >= 15, "{relations:?}");
    for relation in &relations {
        let sql = format!("SELECT * FROM {relation}");
        shown.push((sql.clone(), everything_shown(&client, &sql).await));
    }
    // SHOW, SHOW CREATE, EXPLAIN.
    for sql in [
        "SHOW SECRETS",
        "SHOW CONNECTIONS",
        "SHOW SOURCES",
        "SHOW CREATE SECRET pw",
        "SHOW CREATE CONNECTION c",
        "SHOW CREATE SOURCE src",
        "EXPLAIN SELECT * FROM mz_connections",
        "EXPLAIN SELECT * FROM t",
        status,
    ] {
        shown.push((sql.to_owned(), everything_shown(&client, sql).await));
    }
    for (sql, text) in &shown {
        assert_secret(text, sql);
    }
    // The checks above see real output: the connection's definition is
    // there, its redacted form without the host.
    let definitions = common::rows(&client, "SELECT create_sql, redacted_create_sql FROM mz_connections").await?;
    assert!(
        definitions.len() == 1 && definitions[0].contains("127.0.0.1") && definitions[0].contains("<REDACTED>"),
        "{definitions:?}"
    );
    let (_, redacted) = definitions[0].split_once(",CREATE").unwrap_or_default();
    assert!(!redacted.contains("127.0.0.1"), "{redacted}");

    drop(client);
    drop(server);
    let log = std::fs::read_to_string(&log)?;
    assert!(log.contains("replicating"), "the log is not the server's debug log");
    assert!(log.contains("DEBUG"), "the log has no debug lines");
    for (n, line) in log.lines().enumerate() {
        assert_secret(line, &format!("log line {}", n + 1));
    }
    Ok(())
}
