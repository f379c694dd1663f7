//! The pgwire session: one tokio-postgres connection to a Freshet server (or any
//! PostgreSQL-compatible server), driven through the simple query protocol.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType};
use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use super::value_format::{Rendering, render_postgres, render_sqlite};

/// How long establishing a pgwire connection may take before it fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and as whom a [`PgSession`] connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PgTarget {
    /// Host name or IP address of the server.
    pub(crate) host: String,
    /// TCP port of the server.
    pub(crate) port: u16,
    /// Role to log in as.
    pub(crate) user: String,
    /// Database to connect to.
    pub(crate) dbname: String,
}

impl PgTarget {
    /// The target for a Freshet server at `host:port`, logging in as `materialize` into
    /// the `materialize` database (no TLS, no password).
    pub(crate) fn freshet(host: impl Into<String>, port: u16) -> Self {
        PgTarget {
            host: host.into(),
            port,
            user: "materialize".to_owned(),
            dbname: "materialize".to_owned(),
        }
    }
}

impl fmt::Display for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// An error from the pgwire session.
///
/// `Display` is exactly the server's message text when the server sent an
/// `ErrorResponse` (so `statement error <regex>` matches against what the server said),
/// and tokio-postgres' own description otherwise (connection closed, I/O error, ...).
#[derive(Debug)]
pub(crate) enum PgError {
    /// An error reported by tokio-postgres, from the server or from the connection.
    Postgres(tokio_postgres::Error),
    /// The session was used after [`AsyncDB::shutdown`].
    Closed,
}

impl PgError {
    /// The five-character SQLSTATE the server reported, if the error came from the server.
    pub(crate) fn sql_state(&self) -> Option<String> {
        match self {
            PgError::Postgres(error) => error.code().map(|state| state.code().to_owned()),
            PgError::Closed => None,
        }
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgError::Postgres(error) => match error.as_db_error() {
                Some(db_error) => f.write_str(db_error.message()),
                None => {
                    // tokio-postgres' own Display omits the cause ("error connecting to
                    // server"); append the chain so the reason is visible.
                    write!(f, "{error}")?;
                    let mut source = std::error::Error::source(error);
                    while let Some(cause) = source {
                        write!(f, ": {cause}")?;
                        source = cause.source();
                    }
                    Ok(())
                }
            },
            PgError::Closed => f.write_str("the pgwire session was already shut down"),
        }
    }
}

impl std::error::Error for PgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PgError::Postgres(error) => Some(error),
            PgError::Closed => None,
        }
    }
}

impl From<tokio_postgres::Error> for PgError {
    fn from(error: tokio_postgres::Error) -> Self {
        PgError::Postgres(error)
    }
}

/// The rows of one result, as a session rendered them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResultRows {
    /// How many columns the result has (its row description's, even with no rows).
    pub(crate) width: usize,
    /// The rows, one rendered value per column.
    pub(crate) rows: Vec<Vec<String>>,
}

/// A cell in which a session leaves the rows of the last result it returned.
pub(crate) type LastRows = Arc<Mutex<Option<ResultRows>>>;

/// One open pgwire connection.
pub(crate) struct PgSession {
    /// The client half of the connection; `None` once shut down.
    client: Option<Client>,
    /// The task driving the connection's socket; ends when `client` is dropped.
    connection_task: Option<JoinHandle<()>>,
    /// How result values are rendered.
    rendering: Rendering,
    /// Where the rows of each result are left, if anywhere.
    last_rows: Option<LastRows>,
}

impl PgSession {
    /// Opens a connection to `target` (no TLS) whose results are rendered by `rendering`.
    pub(crate) async fn connect(target: &PgTarget, rendering: Rendering) -> Result<Self, PgError> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(target.host.as_str())
            .port(target.port)
            .user(target.user.as_str())
            .dbname(target.dbname.as_str())
            .connect_timeout(CONNECT_TIMEOUT);
        let (client, connection) = config.connect(NoTls).await?;
        let connection_task = tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "pgwire connection ended with an error");
            }
        });
        Ok(PgSession {
            client: Some(client),
            connection_task: Some(connection_task),
            rendering,
            last_rows: None,
        })
    }

    /// The session, leaving a copy of the rows of every result it returns in
    /// `last_rows` (statements without a result leave the cell as it is).
    pub(crate) fn leaving_rows_in(mut self, last_rows: LastRows) -> Self {
        self.last_rows = Some(last_rows);
        self
    }
}

/// Turns the messages of one simple-query exchange into the runner's output.
///
/// With `expected_types` `None`, values are PostgreSQL's text
/// ([`ValueFormat::Postgres`](super::value_format::ValueFormat::Postgres)), and a row
/// whose only value spans several lines becomes one result line per line of text, so
/// `EXPLAIN` plans are written naturally in `.slt` files. With `Some(types)`, each value
/// is converted to the type declared for its column (`Any` past the declared ones;
/// [`ValueFormat::Sqlite`](super::value_format::ValueFormat::Sqlite)).
///
/// If any statement in the SQL text returned a row description, the output is the
/// rows of the last such result set (a query that returns no rows still yields
/// `Rows` with zero rows). Otherwise it is `StatementComplete` with the row count
/// of the last command tag (0 when the tag carries no count, e.g. `CREATE TABLE`).
pub(crate) fn to_output(
    messages: Vec<SimpleQueryMessage>,
    expected_types: Option<&[DefaultColumnType]>,
) -> DBOutput<DefaultColumnType> {
    let mut result_set: Option<(usize, Vec<Vec<String>>)> = None;
    let mut affected = 0;
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(columns) => {
                result_set = Some((columns.len(), Vec::new()));
            }
            SimpleQueryMessage::Row(row) => {
                let lines: Vec<Vec<String>> = match expected_types {
                    None => {
                        let values: Vec<String> = (0..row.len()).map(|i| render_postgres(row.get(i))).collect();
                        // A single multi-line value (an EXPLAIN plan) reads best one
                        // line per result line.
                        match values.as_slice() {
                            [text] if text.contains('\n') => text.lines().map(|line| vec![line.to_owned()]).collect(),
                            _ => vec![values],
                        }
                    }
                    Some(types) => vec![
                        (0..row.len())
                            .map(|i| render_sqlite(row.get(i), types.get(i).unwrap_or(&DefaultColumnType::Any)))
                            .collect(),
                    ],
                };
                let (_, rows) = result_set.get_or_insert_with(|| (lines[0].len(), Vec::new()));
                rows.extend(lines);
            }
            SimpleQueryMessage::CommandComplete(count) => affected = count,
            _ => {}
        }
    }
    match result_set {
        Some((width, rows)) => DBOutput::Rows {
            types: vec![DefaultColumnType::Any; width],
            rows,
        },
        None => DBOutput::StatementComplete(affected),
    }
}

#[async_trait]
impl AsyncDB for PgSession {
    type Error = PgError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, PgError> {
        let client = self.client.as_ref().ok_or(PgError::Closed)?;
        let messages = client.simple_query(sql).await?;
        let output = to_output(messages, self.rendering.expected_types().as_deref());
        if let (Some(cell), DBOutput::Rows { types, rows }) = (&self.last_rows, &output) {
            let rows = ResultRows {
                width: types.len(),
                rows: rows.clone(),
            };
            *cell.lock().unwrap_or_else(PoisonError::into_inner) = Some(rows);
        }
        Ok(output)
    }

    async fn shutdown(&mut self) {
        // Dropping the client makes the connection task send `Terminate` and end.
        self.client = None;
        if let Some(task) = self.connection_task.take() {
            // The task only logs; a join error (it panicked) has nothing left to clean up.
            let _ = task.await;
        }
    }

    fn engine_name(&self) -> &str {
        "postgresql"
    }

    async fn sleep(dur: Duration) {
        tokio::time::sleep(dur).await;
    }

    async fn run_command(command: std::process::Command) -> std::io::Result<std::process::Output> {
        tokio::process::Command::from(command).output().await
    }

    fn error_sql_state(error: &PgError) -> Option<String> {
        error.sql_state()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_messages_is_statement_complete() {
        assert!(matches!(to_output(Vec::new(), None), DBOutput::StatementComplete(0)));
        assert!(matches!(
            to_output(Vec::new(), Some(&[DefaultColumnType::Integer])),
            DBOutput::StatementComplete(0)
        ));
    }

    #[test]
    fn target_display_brackets_ipv6() {
        assert_eq!(PgTarget::freshet("::1", 6875).to_string(), "[::1]:6875");
        assert_eq!(PgTarget::freshet("127.0.0.1", 6875).to_string(), "127.0.0.1:6875");
    }
}
