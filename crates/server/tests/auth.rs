//! Who may connect: password authentication with users from a file, TLS
//! from a certificate and key, and the refusal to listen beyond loopback
//! without either.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::path::Path;
use std::process::Command;

use common::TestServer;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

/// Connects to `server` as `user` with `password` and runs `SELECT 1`.
async fn login(server: &TestServer, user: &str, password: &str) -> Result<(), tokio_postgres::Error> {
    let config = format!(
        "host=127.0.0.1 port={} user={user} password={password} dbname=materialize",
        server.addr.port()
    );
    let (client, connection) = tokio_postgres::connect(&config, NoTls).await?;
    tokio::spawn(connection);
    client.simple_query("SELECT 1").await.map(drop)
}

/// Runs `freshet` with `flags` and no listener in the way; returns its
/// exit status and what it printed on stderr, once it exits.
fn run_to_exit(data_dir: &Path, flags: &[&str]) -> anyhow::Result<(bool, String)> {
    let output = Command::new(env!("CARGO_BIN_EXE_freshet"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(flags)
        .env("FRESHET_LOG", "warn")
        .output()?;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

#[tokio::test]
async fn users_from_a_file_log_in_with_their_passwords() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let users = dir.path().join("users");
    // One password in clear, one as a verifier (made by the server's own
    // code, as an operator would paste one from PostgreSQL).
    let verifier = freshet_adapter::scram_verifier("s3cret");
    std::fs::write(&users, format!("# operators\nalice:wonderland\n\nbob:{verifier}\n"))?;
    let users = users.to_string_lossy().into_owned();
    let server = TestServer::start_with(
        &dir.path().join("data"),
        &["--auth", "password", "--users-file", &users],
    )?;

    login(&server, "alice", "wonderland").await?;
    login(&server, "bob", "s3cret").await?;
    for (user, password) in [("alice", "s3cret"), ("bob", "wonderland"), ("mallory", "wonderland")] {
        let err = login(&server, user, password).await.expect_err("refused");
        assert_eq!(err.code(), Some(&SqlState::INVALID_PASSWORD), "{user}");
    }
    Ok(())
}

#[tokio::test]
async fn bad_auth_configurations_are_refused_at_startup() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");

    let (ok, stderr) = run_to_exit(&data, &["--listen-addr", "0.0.0.0:0"])?;
    assert!(!ok);
    assert!(stderr.contains("refusing to listen on 0.0.0.0:0"), "{stderr}");

    let (ok, stderr) = run_to_exit(&data, &["--auth", "password"])?;
    assert!(!ok);
    assert!(stderr.contains("--auth password needs users"), "{stderr}");

    let users = dir.path().join("users");
    std::fs::write(&users, "alice\n")?;
    let (ok, stderr) = run_to_exit(&data, &["--users-file", &users.to_string_lossy()])?;
    assert!(!ok);
    assert!(stderr.contains("users:1: expected name:password"), "{stderr}");

    let missing = dir.path().join("missing.pem");
    let missing = missing.to_string_lossy();
    let (ok, stderr) = run_to_exit(&data, &["--tls-cert", &missing, "--tls-key", &missing])?;
    assert!(!ok);
    assert!(stderr.contains("cannot read certificate"), "{stderr}");
    Ok(())
}

/// Makes a self-signed certificate for `localhost` with `openssl`; returns
/// the certificate and key files.
fn self_signed(dir: &Path) -> anyhow::Result<(String, String)> {
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()?;
    anyhow::ensure!(
        status.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    Ok((cert.to_string_lossy().into_owned(), key.to_string_lossy().into_owned()))
}

/// Runs psql against `server` with `sslmode` and a password; returns
/// whether it succeeded, and stdout and stderr.
fn psql(server: &TestServer, sslmode: &str, password: &str, sql: &str) -> anyhow::Result<(bool, String, String)> {
    let output = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=alice dbname=materialize sslmode={sslmode}",
            server.addr.port()
        ))
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .env("PGPASSWORD", password)
        .output()?;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

#[tokio::test]
async fn with_tls_every_connection_is_encrypted() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (cert, key) = self_signed(dir.path())?;
    let users = dir.path().join("users");
    std::fs::write(&users, "alice:wonderland\n")?;
    let users = users.to_string_lossy().into_owned();
    let flags = [
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--auth",
        "password",
        "--users-file",
        &users,
    ];
    let server = TestServer::start_with(&dir.path().join("data"), &flags)?;

    let (ok, out, err) = psql(&server, "require", "wonderland", "SELECT 'over tls'")?;
    assert!(ok, "psql failed: {err}");
    assert_eq!(out, "over tls");
    let (ok, _, err) = psql(&server, "require", "wrong", "SELECT 1")?;
    assert!(!ok);
    assert!(
        err.contains("password authentication failed for user \"alice\""),
        "{err}"
    );
    let (ok, _, err) = psql(&server, "disable", "wonderland", "SELECT 1")?;
    assert!(!ok);
    assert!(err.contains("this server accepts only TLS connections"), "{err}");

    // The same flags are enough to listen beyond loopback.
    let data = dir.path().join("data2");
    let mut child = Command::new(env!("CARGO_BIN_EXE_freshet"))
        .arg("--data-dir")
        .arg(&data)
        .args(["--listen-addr", "0.0.0.0:0", "--tls-cert", &cert, "--tls-key", &key])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first)?;
    child.kill()?;
    child.wait()?;
    assert!(first.starts_with("listening on 0.0.0.0:"), "{first}");
    Ok(())
}

#[tokio::test]
async fn roles_created_with_sql_log_in_and_outlive_a_restart() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let users = dir.path().join("users");
    std::fs::write(&users, "admin:root-pw\n")?;
    let users = users.to_string_lossy().into_owned();
    let data = dir.path().join("data");
    let flags = ["--auth", "password", "--users-file", users.as_str()];
    let server = TestServer::start_with(&data, &flags)?;

    let config = format!(
        "host=127.0.0.1 port={} user=admin password=root-pw dbname=materialize",
        server.addr.port()
    );
    let (admin, connection) = tokio_postgres::connect(&config, NoTls).await?;
    tokio::spawn(connection);
    admin
        .batch_execute("CREATE ROLE app WITH LOGIN PASSWORD 'first'; CREATE ROLE ghost WITH PASSWORD 'boo'")
        .await?;
    login(&server, "app", "first").await?;
    // A role without LOGIN cannot log in, whatever its password.
    let err = login(&server, "ghost", "boo").await.expect_err("no login");
    assert_eq!(err.code(), Some(&SqlState::INVALID_PASSWORD));

    admin.batch_execute("ALTER ROLE app WITH PASSWORD 'second'").await?;
    let err = login(&server, "app", "first").await.expect_err("old password");
    assert_eq!(err.code(), Some(&SqlState::INVALID_PASSWORD));
    login(&server, "app", "second").await?;

    // Roles are durable.
    drop(admin);
    server.kill()?;
    let server = TestServer::start_with(&data, &flags)?;
    login(&server, "app", "second").await?;

    let config = format!(
        "host=127.0.0.1 port={} user=app password=second dbname=materialize",
        server.addr.port()
    );
    let (app, connection) = tokio_postgres::connect(&config, NoTls).await?;
    tokio::spawn(connection);
    app.batch_execute("ALTER ROLE app NOLOGIN").await?;
    let err = login(&server, "app", "second").await.expect_err("no login any more");
    assert_eq!(err.code(), Some(&SqlState::INVALID_PASSWORD));
    app.batch_execute("DROP ROLE app, ghost").await?;
    let err = app.batch_execute("DROP ROLE app").await.expect_err("gone");
    assert_eq!(err.code(), Some(&SqlState::UNDEFINED_OBJECT));
    Ok(())
}
