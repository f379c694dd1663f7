//! Checking that a MySQL server can feed a source: the binlog settings a
//! GTID-based, row-based replica needs, the user's privileges, and on a
//! server that is itself a replica, commits in its source's order.

use mysql_async::prelude::Queryable;

use crate::{MySqlConnection, MySqlError, connect};

/// Each setting a source needs, and its value.
const SETTINGS: &[(&str, &str)] = &[
    ("log_bin", "ON"),
    ("binlog_format", "ROW"),
    ("binlog_row_image", "FULL"),
    ("gtid_mode", "ON"),
    ("enforce_gtid_consistency", "ON"),
];

/// The global privileges a source needs (`SELECT` and `LOCK TABLES` are
/// checked per table when a source is created).
const PRIVILEGES: &[&str] = &["REPLICATION SLAVE", "REPLICATION CLIENT"];

/// Connects with `options` and checks the server's settings and the user's
/// privileges; the first problem found is the error.
pub async fn validate(options: &MySqlConnection) -> Result<(), MySqlError> {
    let mut conn = connect(options).await?;
    let result = check(&mut conn).await;
    // The checks' answer stands whether or not the goodbye is heard.
    let _ = conn.disconnect().await;
    result
}

pub(crate) async fn check(conn: &mut mysql_async::Conn) -> Result<(), MySqlError> {
    for (name, expected) in SETTINGS {
        let found: Option<String> = conn
            .query_first(format!("SELECT CAST(@@GLOBAL.{name} AS CHAR)"))
            .await
            .map_err(server_error)?;
        let found = found.unwrap_or_default();
        // `log_bin` reads 1 for ON.
        let normalized = match found.as_str() {
            "1" => "ON".to_owned(),
            "0" => "OFF".to_owned(),
            other => other.to_ascii_uppercase(),
        };
        if normalized != *expected {
            return Err(MySqlError::Setting { name, found, expected });
        }
    }
    check_privileges(conn).await?;
    check_replica(conn).await
}

/// A replica (a server with a replication channel) must commit its
/// transactions in its source's order, or a reader of its binlog would see
/// GTIDs out of order.
async fn check_replica(conn: &mut mysql_async::Conn) -> Result<(), MySqlError> {
    // Needs REPLICATION CLIENT, which the privilege check made sure of.
    let channels: Vec<mysql_async::Row> = conn.query("SHOW REPLICA STATUS").await.map_err(server_error)?;
    if channels.is_empty() {
        return Ok(());
    }
    let order: Option<String> = conn
        .query_first("SELECT CAST(@@GLOBAL.replica_preserve_commit_order AS CHAR)")
        .await
        .map_err(server_error)?;
    let order = order.unwrap_or_default();
    if !matches!(order.as_str(), "1" | "ON") {
        return Err(MySqlError::Setting {
            name: "replica_preserve_commit_order",
            found: if order == "0" { "OFF".into() } else { order },
            expected: "ON",
        });
    }
    Ok(())
}

/// The grantees whose privileges the session has, as information_schema
/// names them (`'freshet'@'%'`): the user first, then its active roles.
pub(crate) async fn current_grantees(conn: &mut mysql_async::Conn) -> Result<Vec<String>, MySqlError> {
    let (user, roles): (Option<String>, Option<String>) = conn
        .query_first("SELECT CURRENT_USER(), CURRENT_ROLE()")
        .await
        .map_err(server_error)?
        .unwrap_or_default();
    let user = user.unwrap_or_default();
    let mut grantees = vec![match user.rsplit_once('@') {
        Some((name, host)) => format!("'{name}'@'{host}'"),
        None => format!("'{user}'"),
    }];
    // CURRENT_ROLE() lists `role`@`host`, comma-separated, or NONE.
    for role in roles.unwrap_or_default().split(',') {
        let role = role.trim();
        if role.is_empty() || role == "NONE" {
            continue;
        }
        grantees.push(role.replace('`', "'"));
    }
    Ok(grantees)
}

/// `n` query parameters for an `IN (…)` list: `?, ?, ?`.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The global privileges `grantees` hold, each once per grantee.
pub(crate) async fn global_privileges(
    conn: &mut mysql_async::Conn,
    grantees: &[String],
) -> Result<Vec<String>, MySqlError> {
    let placeholders = placeholders(grantees.len());
    conn.exec(
        format!("SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE IN ({placeholders})"),
        grantees.to_vec(),
    )
    .await
    .map_err(server_error)
}

/// The user (or an active role) has the global privileges a source needs.
async fn check_privileges(conn: &mut mysql_async::Conn) -> Result<(), MySqlError> {
    let mut grantees = current_grantees(conn).await?;
    let granted = global_privileges(conn, &grantees).await?;
    let missing: Vec<&str> = PRIVILEGES
        .iter()
        .filter(|p| !granted.iter().any(|g| g == *p))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(MySqlError::MissingPrivileges {
            user: grantees.swap_remove(0),
            missing: missing.join(", "),
        });
    }
    Ok(())
}

pub(crate) fn server_error(err: mysql_async::Error) -> MySqlError {
    match err {
        mysql_async::Error::Server(e) => MySqlError::Server {
            code: e.code,
            message: e.message,
        },
        mysql_async::Error::Io(mysql_async::IoError::Io(e)) => MySqlError::ConnectionLost { reason: e.to_string() },
        other => MySqlError::Server {
            code: 0,
            message: other.to_string(),
        },
    }
}
