//! The benchmark's MySQL server: SQL over mysql_async, and MySQL's own
//! command-line tools (`mysql --quick`, `mysqlbinlog`) through `bin/mysql`,
//! timed as the limits Freshet is compared with.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Pool};
use tokio::process::Command;

/// The MySQL server `bin/mysql` started for the benchmark.
pub(crate) struct MySql {
    pool: Pool,
    /// The command line of MySQL's client, `mysql`.
    client: Vec<String>,
    /// The command line of `mysqlbinlog`.
    mysqlbinlog: Vec<String>,
    /// Its port on 127.0.0.1.
    pub(crate) port: u16,
}

impl MySql {
    /// Connects as root to the server on `port`; `script` is `bin/mysql`,
    /// which says how to run MySQL's tools.
    pub(crate) async fn connect(script: &Path, port: u16) -> anyhow::Result<MySql> {
        let pool = Pool::new(MySql::opts(port));
        let mut conn = pool.get_conn().await.context("connecting to the benchmark's MySQL")?;
        conn.ping().await?;
        drop(conn);
        Ok(MySql {
            pool,
            client: argv(script, "mysql").await?,
            mysqlbinlog: argv(script, "mysqlbinlog").await?,
            port,
        })
    }

    fn opts(port: u16) -> Opts {
        OptsBuilder::default()
            .ip_or_hostname("127.0.0.1")
            .tcp_port(port)
            .user(Some("root"))
            .prefer_socket(false)
            .into()
    }

    /// A connection of its own (each load-generator writer has one).
    pub(crate) async fn conn(&self) -> anyhow::Result<Conn> {
        Ok(self.pool.get_conn().await?)
    }

    /// A connection outside the pool, for a writer that must not wait for
    /// a pooled one.
    pub(crate) async fn new_conn(&self) -> anyhow::Result<Conn> {
        Ok(Conn::new(MySql::opts(self.port)).await?)
    }

    /// Runs statements as root.
    pub(crate) async fn execute(&self, sql: &str) -> anyhow::Result<()> {
        let mut conn = self.conn().await?;
        conn.query_drop(sql)
            .await
            .with_context(|| format!("running on MySQL: {sql}"))
    }

    /// The first row of `sql`, as one value, a tuple of its columns or a
    /// [`mysql_async::Row`].
    pub(crate) async fn first_row<T: mysql_async::prelude::FromRow + Send + 'static>(
        &self,
        sql: &str,
    ) -> anyhow::Result<Option<T>> {
        let mut conn = self.conn().await?;
        conn.query_first::<T, _>(sql)
            .await
            .with_context(|| format!("running on MySQL: {sql}"))
    }

    /// The number of the last transaction MySQL committed (its binlog holds
    /// one server UUID, so `@@gtid_executed` is `uuid:1-N`).
    pub(crate) async fn last_transaction(&self) -> anyhow::Result<u64> {
        let executed: String = self
            .first_row("SELECT @@GLOBAL.gtid_executed")
            .await?
            .unwrap_or_default();
        let executed = executed.replace('\n', "");
        ensure!(
            !executed.contains(','),
            "the benchmark needs a MySQL whose binlog has one server UUID; gtid_executed is {executed}"
        );
        let last = executed.rsplit(['-', ':']).next().context("gtid_executed is empty")?;
        Ok(last.parse()?)
    }

    /// Starts a new binlog file; returns its name.
    pub(crate) async fn rotate_binlog(&self) -> anyhow::Result<String> {
        self.execute("FLUSH BINARY LOGS").await?;
        let row: Option<mysql_async::Row> = self.first_row("SHOW BINARY LOG STATUS").await?;
        let file: String = row
            .and_then(|r| r.get(0))
            .context("SHOW BINARY LOG STATUS returned nothing")?;
        Ok(file)
    }

    /// Deletes every binlog file but a new current one (each run writes
    /// hundreds of megabytes of workload).
    pub(crate) async fn purge_binlogs(&self) -> anyhow::Result<()> {
        let current = self.rotate_binlog().await?;
        self.execute(&format!("PURGE BINARY LOGS TO '{current}'")).await
    }

    /// The bytes of the binlog files from `first` on.
    pub(crate) async fn binlog_bytes_from(&self, first: &str) -> anyhow::Result<u64> {
        let mut conn = self.conn().await?;
        let rows: Vec<mysql_async::Row> = conn.query("SHOW BINARY LOGS").await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some((r.get::<String, _>(0)?, r.get::<u64, _>(1)?)))
            .filter(|(name, _)| name.as_str() >= first)
            .map(|(_, size)| size)
            .sum())
    }

    /// Durable commits (`sync_binlog = 1`, `innodb_flush_log_at_trx_commit
    /// = 1`, MySQL's defaults) or not: generating a workload's binlog is not
    /// what is measured, so it runs without a flush per commit.
    pub(crate) async fn durable(&self, on: bool) -> anyhow::Result<()> {
        let (sync_binlog, flush_log) = if on { (1, 1) } else { (0, 2) };
        self.execute(&format!(
            "SET GLOBAL sync_binlog = {sync_binlog}; SET GLOBAL innodb_flush_log_at_trx_commit = {flush_log}"
        ))
        .await
    }

    /// MySQL's own client with `args`, as root over TCP (as Freshet
    /// connects).
    fn client(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.client[0]);
        command
            .args(&self.client[1..])
            .args(["--no-defaults", "--user=root", "--host=127.0.0.1", "--protocol=TCP"])
            .arg(format!("--port={}", self.port))
            .args(args);
        command
    }

    /// Times MySQL streaming every row of each of `tables` to its client at
    /// once (`mysql --quick -e 'SELECT * FROM t' > /dev/null`, one client
    /// per table), until the last one ends.
    pub(crate) async fn timed_read(&self, tables: &[String]) -> anyhow::Result<Duration> {
        let start = Instant::now();
        let mut children = Vec::new();
        for table in tables {
            let sql = format!("SELECT * FROM {table}");
            children.push(
                self.client(&["--quick", "-e", &sql])
                    .stdout(Stdio::null())
                    .spawn()
                    .context("running mysql --quick")?,
            );
        }
        for mut child in children {
            let status = child.wait().await?;
            ensure!(status.success(), "mysql --quick failed: {status}");
        }
        Ok(start.elapsed())
    }

    /// The bytes `mysql --quick` prints for every row of `table`: the size
    /// of its rows as text.
    pub(crate) async fn text_bytes(&self, table: &str) -> anyhow::Result<u64> {
        let sql = format!("SELECT * FROM {table}");
        let mut child = self
            .client(&["--quick", "-N", "-e", &sql])
            .stdout(Stdio::piped())
            .spawn()
            .context("running mysql --quick")?;
        let mut stdout = child.stdout.take().context("no stdout")?;
        let bytes = tokio::io::copy(&mut stdout, &mut tokio::io::sink()).await?;
        let status = child.wait().await?;
        ensure!(status.success(), "mysql --quick failed: {status}");
        Ok(bytes)
    }

    /// Times `mysqlbinlog --read-from-remote-server --raw` copying the
    /// binlog from file `first` to the last one into `into` (which it
    /// empties afterwards): how fast a replica can read the binlog.
    pub(crate) async fn timed_binlog_read(&self, first: &str, into: &Path) -> anyhow::Result<Duration> {
        std::fs::create_dir_all(into)?;
        let prefix = format!("{}/", into.display());
        let start = Instant::now();
        let status = Command::new(&self.mysqlbinlog[0])
            .args(&self.mysqlbinlog[1..])
            .args([
                "--no-defaults",
                "--read-from-remote-server",
                "--raw",
                "--host=127.0.0.1",
            ])
            .arg(format!("--port={}", self.port))
            .args(["--user=root", "--to-last-log"])
            .arg(format!("--result-file={prefix}"))
            .arg(first)
            .status()
            .await?;
        let elapsed = start.elapsed();
        ensure!(status.success(), "mysqlbinlog failed: {status}");
        std::fs::remove_dir_all(into)?;
        Ok(elapsed)
    }
}

/// The command line `bin/mysql argv PROGRAM` prints.
async fn argv(script: &Path, program: &str) -> anyhow::Result<Vec<String>> {
    let output = Command::new(script).args(["argv", program]).output().await?;
    ensure!(
        output.status.success(),
        "bin/mysql argv {program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let argv: Vec<String> = String::from_utf8(output.stdout)?.lines().map(str::to_owned).collect();
    ensure!(!argv.is_empty(), "bin/mysql argv {program} printed nothing");
    Ok(argv)
}
