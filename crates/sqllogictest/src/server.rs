//! A throwaway Freshet server: a child process with a fresh data directory, started
//! for one test file and killed (its directory removed) when dropped.
//!
//! The contract with the `freshet` binary: it takes `--listen-addr 127.0.0.1:0` and
//! `--data-dir DIR`, prints exactly one line `listening on ADDR` to stdout once it
//! accepts connections, and logs to stderr.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, anyhow};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// How long the server may take to print its `listening on` line.
const STARTUP_DEADLINE: Duration = Duration::from_secs(60);

/// The prefix of the line the server prints once it accepts connections.
const LISTENING_PREFIX: &str = "listening on ";

/// How many lines of the server's stderr to show when something fails.
pub(crate) const STDERR_TAIL_LINES: usize = 40;

/// A running Freshet child process. Dropping it kills the process, waits for it, and
/// then removes its temporary directory (data dir and stderr log).
pub(crate) struct Server {
    /// The child process; `None` once it has been killed and reaped.
    child: Option<Child>,
    /// The address the server said it listens on.
    addr: SocketAddr,
    /// Where the child's stderr goes.
    stderr_path: PathBuf,
    /// Holds the data dir and the stderr log. Declared last so that it is removed
    /// after `Drop::drop` has killed the child.
    _dir: TempDir,
}

impl Server {
    /// Starts `bin` with a fresh data directory and waits (up to 60 s) until it prints
    /// its `listening on ADDR` line. On failure the error includes the tail of the
    /// server's stderr, and the child is killed.
    pub(crate) async fn start(bin: &Path) -> anyhow::Result<Server> {
        let dir = tempfile::Builder::new()
            .prefix("freshet-slt-")
            .tempdir()
            .context("creating a temporary directory for the server")?;
        let data_dir = dir.path().join("data");
        std::fs::create_dir(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
        let stderr_path = dir.path().join("server.stderr");
        let stderr = File::create(&stderr_path).with_context(|| format!("creating {}", stderr_path.display()))?;

        let mut child = Command::new(bin)
            .arg("--listen-addr")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take();
        // From here on the guard owns the child: any early return kills it.
        let mut server = Server {
            child: Some(child),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr_path,
            _dir: dir,
        };
        let stdout = stdout.ok_or_else(|| anyhow!("the server's stdout was not captured"))?;

        let (listening_tx, listening_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("freshet-stdout".to_owned())
            .spawn(move || drain_stdout(stdout, listening_tx))
            .context("spawning the server stdout reader")?;

        match tokio::time::timeout(STARTUP_DEADLINE, listening_rx).await {
            Ok(Ok(Ok(addr))) => {
                server.addr = addr;
                Ok(server)
            }
            Ok(Ok(Err(reason))) => Err(server.startup_failure(&reason)),
            Ok(Err(_)) => Err(server.startup_failure("its stdout reader stopped")),
            Err(_) => Err(server.startup_failure(&format!(
                "it did not print `{LISTENING_PREFIX}ADDR` within {} s",
                STARTUP_DEADLINE.as_secs()
            ))),
        }
    }

    /// The address the server listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The last `lines` lines the server wrote to stderr so far.
    pub(crate) fn stderr_tail(&self, lines: usize) -> String {
        match std::fs::read(&self.stderr_path) {
            Ok(bytes) => tail(&String::from_utf8_lossy(&bytes), lines),
            Err(error) => format!("(could not read {}: {error})", self.stderr_path.display()),
        }
    }

    /// The child's exit status if it has exited on its own (`None` while it runs, and
    /// after [`Server::stop`]).
    pub(crate) fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut().and_then(|child| child.try_wait().ok().flatten())
    }

    /// Kills the child (if still running) and reaps it.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `kill` fails only if the child already exited; `wait` reaps it either way.
            let _ = child.kill();
            if let Err(error) = child.wait() {
                tracing::warn!(%error, "waiting for the freshet server to exit");
            }
        }
    }

    /// Builds the startup error: why, the exit status if the child is gone, and the
    /// stderr tail. Kills the child.
    fn startup_failure(&mut self, reason: &str) -> anyhow::Error {
        let status = match self.child.as_mut().map(Child::try_wait) {
            Some(Ok(Some(status))) => format!(" (server exited: {status})"),
            _ => String::new(),
        };
        self.stop();
        anyhow!(
            "freshet server failed to start: {reason}{status}\n{}",
            format_stderr_tail(&self.stderr_tail(STDERR_TAIL_LINES))
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Reads the child's stdout line by line. Sends the address from the first
/// `listening on ADDR` line (or why none came), then keeps draining until EOF so the
/// server never blocks on a full pipe.
fn drain_stdout(stdout: ChildStdout, listening: oneshot::Sender<Result<SocketAddr, String>>) {
    let mut listening = Some(listening);
    let mut reader = BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                if let Some(tx) = listening.take() {
                    let _ = tx.send(Err(format!("reading its stdout failed: {error}")));
                }
                return;
            }
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        tracing::debug!(line = text, "freshet server stdout");
        if let Some(addr) = text.strip_prefix(LISTENING_PREFIX)
            && let Some(tx) = listening.take()
        {
            let parsed = addr
                .trim()
                .parse::<SocketAddr>()
                .map_err(|error| format!("bad address in {text:?}: {error}"));
            // The receiver is gone only if startup was abandoned; nothing to tell then.
            let _ = tx.send(parsed);
        }
    }
    if let Some(tx) = listening.take() {
        let _ = tx.send(Err(format!(
            "it closed its stdout without printing `{LISTENING_PREFIX}ADDR`"
        )));
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Frames a stderr tail for printing under a failure.
pub(crate) fn format_stderr_tail(tail: &str) -> String {
    if tail.trim().is_empty() {
        "--- server stderr: (empty) ---".to_owned()
    } else {
        format!("--- server stderr (last {STDERR_TAIL_LINES} lines) ---\n{tail}\n--- end of server stderr ---")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
        assert_eq!(tail("", 5), "");
    }
}
