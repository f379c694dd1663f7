//! MySQL 9.7 servers for integration tests, started with `bin/mysql`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use mysql_async::prelude::Queryable;

/// `bin/mysql`, from this crate's folder: the one `cargo test` names at
/// run time (a test binary may have been built by another checkout
/// sharing the target directory), else the one it was built from.
fn bin_mysql() -> PathBuf {
    let crate_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from);
    crate_dir.join("../../bin/mysql")
}

/// MySQL servers started for one test, in a folder of its own; stopped
/// when dropped.
pub(crate) struct MySql {
    run: tempfile::TempDir,
    names: Vec<String>,
}

impl MySql {
    pub(crate) fn new() -> anyhow::Result<MySql> {
        Ok(MySql {
            run: tempfile::tempdir()?,
            names: Vec::new(),
        })
    }

    fn command(&self) -> Command {
        let mut command = Command::new(bin_mysql());
        command.env("FRESHET_MYSQL_RUN", self.run.path());
        command
    }

    /// Starts server `name` with `flags`; returns the `export` values it prints.
    pub(crate) fn start(
        &mut self,
        name: &str,
        server_id: u32,
        flags: &[&str],
    ) -> anyhow::Result<HashMap<String, String>> {
        let port = free_port()?.to_string();
        let output = self
            .command()
            .args(["start", name, "--port", &port, "--server-id", &server_id.to_string()])
            .args(flags)
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "bin/mysql start {name} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.names.push(name.to_owned());
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("export "))
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.trim_matches('\'').to_owned()))
            .collect())
    }

    /// Stops server `name` and starts it again on the same port with the
    /// same data, as a MySQL restart does.
    pub(crate) fn restart(&self, name: &str, port: &str, server_id: u32) -> anyhow::Result<()> {
        self.run(&["stop", name])?;
        self.run(&["start", name, "--port", port, "--server-id", &server_id.to_string()])
    }

    /// Runs SQL as root on server `name`.
    pub(crate) fn root(&self, name: &str, sql: &str) -> anyhow::Result<()> {
        self.run(&["client", name, "-e", sql])
    }

    /// Runs `bin/mysql ARGS` on this test's servers.
    fn run(&self, args: &[&str]) -> anyhow::Result<()> {
        let output = self.command().args(args).output()?;
        anyhow::ensure!(
            output.status.success(),
            "bin/mysql {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(())
    }

    /// Makes server `name` replicate from server `from` (by GTID
    /// auto-position, replacing any replication it had), and waits until it
    /// has every transaction `from` has now.
    pub(crate) fn replicate(&self, name: &str, from: &str) -> anyhow::Result<()> {
        self.run(&["replicate", name, from, "--wait"])
    }

    /// Makes server `name` stop replicating: a primary.
    pub(crate) fn promote(&self, name: &str) -> anyhow::Result<()> {
        self.run(&["promote", name])
    }

    /// Stops server `name` (gracefully).
    pub(crate) fn stop(&self, name: &str) -> anyhow::Result<()> {
        self.run(&["stop", name])
    }
}

impl Drop for MySql {
    fn drop(&mut self) {
        let _ = self.command().arg("stop").args(&self.names).output();
    }
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Creates secret `pw`, connection `c` to the `freshet` user `bin/mysql`
/// creates on the MySQL at `port`, and source `src` over it; `rest` is the
/// rest of `CREATE SOURCE src FROM MYSQL CONNECTION c`: its options and
/// `FOR …`, then any further statements.
pub(crate) async fn create_source(client: &tokio_postgres::Client, port: &str, rest: &str) -> anyhow::Result<()> {
    client
        .batch_execute(&format!(
            "CREATE SECRET pw AS 'freshet';
             CREATE CONNECTION c TO MYSQL (HOST '127.0.0.1', PORT {port}, USER 'freshet', PASSWORD SECRET pw);
             CREATE SOURCE src FROM MYSQL CONNECTION c {rest}"
        ))
        .await?;
    Ok(())
}

/// The server's UUID and the next transaction number it will give its
/// own transactions.
pub(crate) async fn next_gno(conn: &mut mysql_async::Conn) -> anyhow::Result<(String, u64)> {
    let (uuid, executed): (String, String) = conn
        .query_first("SELECT @@server_uuid, @@GLOBAL.gtid_executed")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no answer"))?;
    let member = executed
        .replace('\n', "")
        .split(',')
        .find(|m| m.starts_with(&uuid))
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("{uuid} not in {executed}"))?;
    let last = member.rsplit([':', '-']).next().unwrap_or_default().parse::<u64>()?;
    Ok((uuid, last + 1))
}

/// Checks that `table` has the same rows on MySQL (`mysql_sql`) and on
/// Freshet (`freshet_sql`), each query giving one text column in one order.
pub(crate) async fn same_rows(
    conn: &mut mysql_async::Conn,
    client: &tokio_postgres::Client,
    table: &str,
    mysql_sql: &str,
    freshet_sql: &str,
) -> anyhow::Result<()> {
    let theirs: Vec<String> = conn.query(mysql_sql).await?;
    let ours = super::column(client, freshet_sql).await?;
    anyhow::ensure!(
        ours == theirs,
        "{table} differs from MySQL's: {} rows against {}; first difference at row {:?}",
        ours.len(),
        theirs.len(),
        ours.iter().zip(&theirs).position(|(a, b)| a != b)
    );
    Ok(())
}

/// Waits until Freshet's source `src` has ingested every transaction MySQL
/// (`conn`) has committed: its progress subsource, committed with the
/// data, is past MySQL's last own transaction.
pub(crate) async fn caught_up(
    conn: &mut mysql_async::Conn,
    client: &tokio_postgres::Client,
    deadline: std::time::Duration,
) -> anyhow::Result<()> {
    let (uuid, next) = next_gno(conn).await?;
    let progress = format!("SELECT transaction_id FROM src_progress WHERE source_id_lower = '{uuid}'");
    super::wait_for(client, &progress, &[next.to_string()], deadline).await
}

/// Polls MySQL (`conn`, every 5 ms) until a snapshot query of Freshet's
/// reads `schema.table` on a connection not in `seen`, and returns its
/// connection id; `None` once `too_late` holds or `deadline` passes.
pub(crate) async fn snapshot_reading(
    conn: &mut mysql_async::Conn,
    schema: &str,
    table: &str,
    seen: &[u64],
    mut too_late: impl FnMut() -> bool,
    deadline: std::time::Duration,
) -> anyhow::Result<Option<u64>> {
    let sql = format!(
        "SELECT id FROM information_schema.processlist \
         WHERE user = 'freshet' AND info LIKE 'SELECT % FROM `{schema}`.`{table}`'"
    );
    let start = std::time::Instant::now();
    let mut poll = tokio::time::interval(std::time::Duration::from_millis(5));
    while start.elapsed() < deadline && !too_late() {
        poll.tick().await;
        let readers: Vec<u64> = conn.query(&sql).await?;
        if let Some(id) = readers.into_iter().find(|id| !seen.contains(id)) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}
