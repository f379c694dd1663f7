//! MySQL 9.7 servers for integration tests, started with `bin/mysql`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

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

    /// Runs SQL as root on server `name`.
    pub(crate) fn root(&self, name: &str, sql: &str) -> anyhow::Result<()> {
        let output = self.command().args(["client", name, "-e", sql]).output()?;
        anyhow::ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        Ok(())
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
