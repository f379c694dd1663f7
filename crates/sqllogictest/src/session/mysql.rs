//! The MySQL session: what a `connection mysql` record runs on, so a test
//! file can change the upstream database it replicates from in the same
//! file. Statements run through MySQL's text protocol as root.

use std::fmt;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Value};
use sqllogictest::{DBOutput, DefaultColumnType};

/// Where a [`MySqlSession`] connects (as root, no password: a test server
/// started by `bin/mysql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MySqlTarget {
    /// Host name or IP address.
    pub(crate) host: String,
    /// TCP port.
    pub(crate) port: u16,
}

impl fmt::Display for MySqlTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// An error from a MySQL session: the server's message (so `statement error
/// <regex>` matches it), and its SQLSTATE when the server sent one.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct MySqlError {
    message: String,
    sql_state: Option<String>,
}

impl From<mysql_async::Error> for MySqlError {
    fn from(error: mysql_async::Error) -> Self {
        match error {
            mysql_async::Error::Server(e) => MySqlError {
                message: e.message,
                sql_state: Some(e.state),
            },
            other => MySqlError {
                message: other.to_string(),
                sql_state: None,
            },
        }
    }
}

impl MySqlError {
    /// The SQLSTATE the server reported, if any.
    pub(crate) fn sql_state(&self) -> Option<String> {
        self.sql_state.clone()
    }
}

/// One open MySQL connection.
pub(crate) struct MySqlSession {
    conn: Option<Conn>,
}

impl MySqlSession {
    /// Opens a connection to `target` as root.
    pub(crate) async fn connect(target: &MySqlTarget) -> Result<Self, MySqlError> {
        let opts = OptsBuilder::default()
            .ip_or_hostname(target.host.clone())
            .tcp_port(target.port)
            .user(Some("root"))
            .prefer_socket(false);
        Ok(MySqlSession {
            conn: Some(Conn::new(opts).await?),
        })
    }

    /// Runs `sql` (one or more statements); the rows of the last result set
    /// that has columns, or the affected rows of the last statement.
    pub(crate) async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, MySqlError> {
        let conn = self.conn.as_mut().ok_or_else(|| MySqlError {
            message: "the MySQL session was already shut down".into(),
            sql_state: None,
        })?;
        let mut result = conn.query_iter(sql).await?;
        let mut output = None;
        let mut affected = 0;
        while !result.is_empty() {
            let width = result.columns().map_or(0, |columns| columns.len());
            let rows: Vec<mysql_async::Row> = result.collect().await?;
            affected = result.affected_rows();
            if width > 0 {
                let rows = rows
                    .into_iter()
                    .map(|row| row.unwrap().into_iter().map(render).collect())
                    .collect();
                output = Some(DBOutput::Rows {
                    types: vec![DefaultColumnType::Any; width],
                    rows,
                });
            }
        }
        Ok(output.unwrap_or(DBOutput::StatementComplete(affected)))
    }

    /// Closes the connection.
    pub(crate) async fn shutdown(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.disconnect().await;
        }
    }
}

/// A value as the MySQL client prints it (`NULL` for null).
fn render(value: Value) -> String {
    match value {
        Value::NULL => "NULL".into(),
        Value::Bytes(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        other => other.as_sql(true).trim_matches('\'').to_owned(),
    }
}
