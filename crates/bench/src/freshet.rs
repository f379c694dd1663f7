//! A `freshet` server process: started, queried over pgwire, measured
//! (RSS from `/proc`), stopped or killed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

/// How long a server may take to listen, and a condition to come true.
pub(crate) const DEADLINE: Duration = Duration::from_secs(1800);

/// How often a condition is checked: often enough for the measured times to
/// be exact to ~20 ms, seldom enough to take little of the CPU measured.
const POLL_EVERY: Duration = Duration::from_millis(20);

/// A running `freshet`, killed when dropped.
pub(crate) struct Freshet {
    child: Child,
    /// Where it accepts PostgreSQL connections.
    addr: SocketAddr,
    /// When the process was spawned.
    pub(crate) spawned: Instant,
    /// The wall clock when it was spawned (statuses are timed by it).
    pub(crate) spawned_at: SystemTime,
    /// From spawning to accepting connections.
    pub(crate) listening_after: Duration,
    /// Its data directory.
    pub(crate) data_dir: PathBuf,
    /// A connection for the driver's own queries.
    pub(crate) client: Client,
}

impl Freshet {
    /// Starts `bin` on a free port with its data in `data_dir` (its log
    /// appended to `data_dir`'s sibling `<name>.log`), and connects once it
    /// listens.
    pub(crate) async fn start(bin: &Path, data_dir: &Path) -> anyhow::Result<Freshet> {
        let log_path = data_dir.with_extension("log");
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path)?;
        let spawned_at = SystemTime::now();
        let spawned = Instant::now();
        let mut child = Command::new(bin)
            .args(["--listen-addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("FRESHET_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(Duration::from_secs(120), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    return Ok(addr.trim().parse::<SocketAddr>()?);
                }
            }
            bail!("freshet exited before listening; see {}", log_path.display())
        })
        .await
        .with_context(|| format!("freshet did not listen; see {}", log_path.display()))??;
        let listening_after = spawned.elapsed();
        // Keeps reading stdout, so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let client = connect(addr).await?;
        Ok(Freshet {
            child,
            addr,
            spawned,
            spawned_at,
            listening_after,
            data_dir: data_dir.to_owned(),
            client,
        })
    }

    /// Another connection, for a concurrent reader or subscriber.
    pub(crate) async fn connect(&self) -> anyhow::Result<Client> {
        connect(self.addr).await
    }

    /// Kills the process at once (SIGKILL, as `kill -9` does) and waits for
    /// it to be gone.
    pub(crate) async fn kill9(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// Kills the process (SIGKILL) and deletes its data directory.
    pub(crate) async fn destroy(self) -> anyhow::Result<()> {
        let data_dir = self.data_dir.clone();
        self.kill9().await?;
        std::fs::remove_dir_all(&data_dir)?;
        Ok(())
    }

    /// Its resident memory now and at its peak, from `/proc`.
    pub(crate) fn memory(&self) -> anyhow::Result<Memory> {
        let pid = self.child.id().context("the server has exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .with_context(|| format!("no {name} in /proc/{pid}/status"))?;
            let kb: u64 = line.split_whitespace().nth(1).context("no value")?.parse()?;
            Ok(kb * 1024)
        };
        Ok(Memory {
            rss: field("VmRSS:")?,
            peak: field("VmHWM:")?,
        })
    }

    /// Runs statements, failing on the first error.
    pub(crate) async fn execute(&self, sql: &str) -> anyhow::Result<()> {
        self.client
            .batch_execute(sql)
            .await
            .with_context(|| format!("running {sql}"))
    }

    /// The first column of the first row `sql` returns, as text (`None`
    /// for no row or NULL).
    pub(crate) async fn value(&self, sql: &str) -> anyhow::Result<Option<String>> {
        Ok(self.row(sql).await?.and_then(|row| row.into_iter().next().flatten()))
    }

    /// The first row `sql` returns, as text.
    pub(crate) async fn row(&self, sql: &str) -> anyhow::Result<Option<Vec<Option<String>>>> {
        Ok(rows(&self.client, sql).await?.into_iter().next())
    }

    /// Waits until `sql` returns `want` as its first value; returns when.
    pub(crate) async fn wait_for(&self, sql: &str, want: &str) -> anyhow::Result<Instant> {
        poll(sql, async || {
            Ok(match self.value(sql).await {
                Ok(Some(got)) if got == want => Some(Instant::now()),
                _ => None,
            })
        })
        .await
    }

    /// Waits until every subsource in `names` has committed its snapshot,
    /// by `mz_internal.mz_source_statistics`; returns when.
    pub(crate) async fn wait_snapshot_committed(&self, names: &[&str]) -> anyhow::Result<Instant> {
        let list = names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT count(*) FROM mz_internal.mz_source_statistics st JOIN mz_sources s ON s.id = st.id \
             WHERE s.name IN ({list}) AND st.snapshot_committed"
        );
        self.wait_for(&sql, &names.len().to_string()).await
    }

    /// Creates the secret and connection `bench_mysql` to the benchmark's
    /// MySQL on `port`, as user `freshet`.
    pub(crate) async fn connect_to_mysql(&self, port: u16) -> anyhow::Result<()> {
        self.execute(&format!(
            "CREATE SECRET bench_password AS 'freshet';
             CREATE CONNECTION bench_mysql TO MYSQL (HOST '127.0.0.1', PORT {port}, USER 'freshet', PASSWORD SECRET bench_password)"
        ))
        .await
    }

    /// The size on disk of the data directory.
    pub(crate) fn disk_bytes(&self) -> anyhow::Result<u64> {
        dir_size(&self.data_dir)
    }
}

/// Resident memory of a process, in bytes.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub(crate) struct Memory {
    /// `VmRSS`: resident now.
    pub(crate) rss: u64,
    /// `VmHWM`: the most it has been resident.
    pub(crate) peak: u64,
}

async fn connect(addr: SocketAddr) -> anyhow::Result<Client> {
    let config = format!(
        "host={} port={} user=materialize dbname=materialize",
        addr.ip(),
        addr.port()
    );
    let (client, connection) = tokio_postgres::connect(&config, NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Every row `sql` returns on `client`, as text.
pub(crate) async fn rows(client: &Client, sql: &str) -> anyhow::Result<Vec<Vec<Option<String>>>> {
    let messages = client
        .simple_query(sql)
        .await
        .with_context(|| format!("Freshet: {sql}"))?;
    Ok(messages
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some((0..row.len()).map(|i| row.get(i).map(str::to_owned)).collect()),
            _ => None,
        })
        .collect())
}

/// Calls `check` every [`POLL_EVERY`] until it returns a value, for at most
/// [`DEADLINE`]; `what` names the condition in the error.
pub(crate) async fn poll<T>(
    what: &str,
    mut check: impl AsyncFnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    let start = Instant::now();
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if start.elapsed() > DEADLINE {
            bail!("gave up after {DEADLINE:?} waiting for: {what}");
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// The bytes of every file under `dir`.
pub(crate) fn dir_size(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
