//! A start that fails says why in one line on stderr, with the fix, and
//! exits with status 1: a port taken (before the data directory is
//! touched), a data directory another server has open, one written by a
//! newer Freshet, and a directory that is not a data directory.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::TestServer;

/// How long a failing start may take to exit.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `freshet --data-dir DATA_DIR FLAGS` logging at `filter` (with
/// backtraces asked for, which a failed start must not print) until it
/// exits; returns its exit code and its stderr's lines.
fn run_to_exit(data_dir: &Path, flags: &[&str], filter: &str) -> anyhow::Result<(Option<i32>, Vec<String>)> {
    let child = Command::new(env!("CARGO_BIN_EXE_freshet"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(flags)
        .env("FRESHET_LOG", filter)
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    // The exit is awaited on a thread of its own, so that the deadline
    // needs no polling.
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(DEADLINE) {
        Ok(output) => output?,
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            anyhow::bail!("freshet did not exit within {DEADLINE:?}");
        }
    };
    let lines = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect();
    Ok((output.status.code(), lines))
}

/// The one line a failed start printed, checked to be one line and the
/// only one, after a `freshet:` prefix.
fn one_line(code: Option<i32>, lines: &[String]) -> anyhow::Result<&str> {
    anyhow::ensure!(code == Some(1), "exit code {code:?}, stderr {lines:#?}");
    let [line] = lines else {
        anyhow::bail!("not one line: {lines:#?}");
    };
    line.strip_prefix("freshet: ")
        .ok_or_else(|| anyhow::anyhow!("no freshet: prefix: {line}"))
}

#[test]
fn a_port_taken_is_one_line_and_touches_no_data_directory() -> anyhow::Result<()> {
    let taken = TcpListener::bind("127.0.0.1:0")?;
    let addr = taken.local_addr()?.to_string();
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    // At `info`: nothing else is logged before the failure.
    let (code, lines) = run_to_exit(&data, &["--listen-addr", &addr], "info")?;
    let line = one_line(code, &lines)?;
    assert!(
        line.contains(&addr) && line.contains("address already in use"),
        "{line}"
    );
    assert!(line.contains("--listen-addr"), "{line}");
    assert!(!data.exists(), "the data directory was created");
    Ok(())
}

#[test]
fn a_data_directory_in_use_is_one_line() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let _first = TestServer::start(&data)?;
    let (code, lines) = run_to_exit(&data, &["--listen-addr", "127.0.0.1:0"], "info")?;
    let line = one_line(code, &lines)?;
    assert!(line.contains("in use by another Freshet server"), "{line}");
    assert!(line.contains("--data-dir"), "{line}");
    Ok(())
}

#[tokio::test]
async fn a_data_directory_of_a_newer_freshet_is_one_line_naming_both_versions() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let server = TestServer::start(&data)?;
    server.connect().await?.batch_execute("CREATE TABLE t (a int)").await?;
    server.kill()?;
    // A newer Freshet would have written a greater format version.
    let newer = freshet_catalog::FORMAT_VERSION + 1;
    {
        let store = freshet_storage::Store::open(&data)?;
        store.catalog_write(vec![freshet_storage::KvOp::Put(
            b"meta/format_version".to_vec(),
            newer.to_string().into_bytes(),
        )])?;
    }
    // At `warn`: opening the directory, before the catalog is read, is
    // logged at `info`.
    let (code, lines) = run_to_exit(&data, &["--listen-addr", "127.0.0.1:0"], "warn")?;
    let line = one_line(code, &lines)?;
    assert!(line.contains("written by a newer version of Freshet"), "{line}");
    assert!(
        line.contains(&format!("version {newer}")) && line.contains(&format!("version {}", newer - 1)),
        "{line}"
    );
    assert!(line.contains("run the newer Freshet"), "{line}");
    Ok(())
}

#[test]
fn a_directory_of_other_files_is_one_line_and_left_alone() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "mine")?;
    let (code, lines) = run_to_exit(dir.path(), &["--listen-addr", "127.0.0.1:0"], "info")?;
    let line = one_line(code, &lines)?;
    assert!(line.contains("is not a Freshet data directory"), "{line}");
    assert!(line.contains("--data-dir"), "{line}");
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "files were added");
    Ok(())
}
