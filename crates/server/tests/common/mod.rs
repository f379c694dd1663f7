//! Starts real `freshet` processes (and MySQL servers) for integration tests.

pub(crate) mod mysql;
pub(crate) mod proxy;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a server may take to start listening.
const STARTUP_DEADLINE: Duration = Duration::from_secs(60);

/// A running `freshet` process, killed when dropped.
pub(crate) struct TestServer {
    child: Child,
    /// Where it accepts PostgreSQL connections.
    pub(crate) addr: SocketAddr,
}

impl TestServer {
    /// Starts a server on a free port with its data in `data_dir`, and waits
    /// until it accepts connections.
    pub(crate) fn start(data_dir: &Path) -> anyhow::Result<TestServer> {
        TestServer::start_with(data_dir, &[])
    }

    /// [`TestServer::start`], with more flags.
    pub(crate) fn start_with(data_dir: &Path, flags: &[&str]) -> anyhow::Result<TestServer> {
        // FRESHET_TEST_LOG (e.g. `info`) shows more while debugging a test.
        let filter = std::env::var("FRESHET_TEST_LOG").unwrap_or_else(|_| "warn".into());
        TestServer::spawn(data_dir, flags, &filter, Stdio::inherit())
    }

    /// [`TestServer::start`], its log (at `filter`) appended to `log`: a
    /// test can read what each run did, in order.
    pub(crate) fn start_logging(data_dir: &Path, filter: &str, log: &Path) -> anyhow::Result<TestServer> {
        TestServer::start_logging_with(data_dir, filter, log, &[])
    }

    /// [`TestServer::start_logging`], with more flags.
    pub(crate) fn start_logging_with(
        data_dir: &Path,
        filter: &str,
        log: &Path,
        flags: &[&str],
    ) -> anyhow::Result<TestServer> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
        TestServer::spawn(data_dir, flags, filter, Stdio::from(file))
    }

    fn spawn(data_dir: &Path, flags: &[&str], filter: &str, stderr: Stdio) -> anyhow::Result<TestServer> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_freshet"))
            .args(["--listen-addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(flags)
            .env("FRESHET_LOG", filter)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let addr = match rx.recv_timeout(STARTUP_DEADLINE) {
            Ok(addr) => addr.parse()?,
            Err(_) => {
                let _ = child.kill();
                anyhow::bail!("freshet did not start listening within {STARTUP_DEADLINE:?}");
            }
        };
        Ok(TestServer { child, addr })
    }

    /// Connects as `materialize` to database `materialize`.
    pub(crate) async fn connect(&self) -> anyhow::Result<tokio_postgres::Client> {
        Ok(self.connect_with_task().await?.0)
    }

    /// Connects as [`TestServer::connect`] does, and returns the task that
    /// drives the connection: aborting it closes the socket at once, as a
    /// client that dies would.
    pub(crate) async fn connect_with_task(
        &self,
    ) -> anyhow::Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>)> {
        let config = format!(
            "host={} port={} user=materialize dbname=materialize",
            self.addr.ip(),
            self.addr.port()
        );
        let (client, connection) = tokio_postgres::connect(&config, tokio_postgres::NoTls).await?;
        let task = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok((client, task))
    }

    /// Whether the process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// How many sockets the process holds open: its listener and one per
    /// connection it has not released (Linux only: read from `/proc`).
    pub(crate) fn open_sockets(&self) -> anyhow::Result<usize> {
        let mut sockets = 0;
        for entry in std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))? {
            // A descriptor closed while listing is not counted.
            if let Ok(target) = std::fs::read_link(entry?.path())
                && target.to_string_lossy().starts_with("socket:")
            {
                sockets += 1;
            }
        }
        Ok(sockets)
    }

    /// Kills the process with SIGKILL, as a crash would, and waits for it.
    pub(crate) fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every row a simple query returns, its fields joined by commas (`NULL`
/// for a null), sorted.
pub(crate) async fn rows(client: &tokio_postgres::Client, sql: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for message in client.simple_query(sql).await? {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
            let fields: Vec<&str> = (0..row.len()).map(|i| row.get(i).unwrap_or("NULL")).collect();
            out.push(fields.join(","));
        }
    }
    out.sort();
    Ok(out)
}

/// The first column of every row a simple query returns.
pub(crate) async fn column(client: &tokio_postgres::Client, sql: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for message in client.simple_query(sql).await? {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
            out.push(row.get(0).unwrap_or("NULL").to_owned());
        }
    }
    Ok(out)
}

/// Polls `sql` (at most every 50 ms) until its first column equals
/// `expected`, or fails after `deadline` with the last answer.
pub(crate) async fn wait_for(
    client: &tokio_postgres::Client,
    sql: &str,
    expected: &[impl AsRef<str> + std::fmt::Debug],
    deadline: std::time::Duration,
) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let mut every = tokio::time::interval(std::time::Duration::from_millis(50));
    loop {
        every.tick().await;
        let answer = column(client, sql).await;
        match &answer {
            Ok(rows) if rows.iter().map(String::as_str).eq(expected.iter().map(AsRef::as_ref)) => return Ok(()),
            _ if start.elapsed() > deadline => {
                anyhow::bail!("{sql}: wanted {expected:?}, last answer {answer:?}")
            }
            _ => {}
        }
    }
}

/// The error the server answers `sql` with; fails if `sql` succeeds or the
/// error is not the server's.
pub(crate) async fn db_error(
    client: &tokio_postgres::Client,
    sql: &str,
) -> anyhow::Result<tokio_postgres::error::DbError> {
    let err = client
        .batch_execute(sql)
        .await
        .err()
        .ok_or_else(|| anyhow::anyhow!("{sql} succeeded"))?;
    err.as_db_error()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("not a server error: {err}"))
}
