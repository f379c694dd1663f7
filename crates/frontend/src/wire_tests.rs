//! End-to-end tests of the wire protocol: the real server loop and pgwire,
//! a scripted backend, and clients speaking raw protocol or tokio-postgres.

mod extended;
mod fake;
mod raw;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use freshet_adapter::StartupParams;
use tokio::net::TcpListener;

use crate::auth::{AuthMethod, ServerConfig};
use crate::server::serve_backend;
use fake::FakeBackend;
use raw::RawClient;

/// A running server and what its backend observed.
struct Server {
    addr: SocketAddr,
    live_sessions: Arc<AtomicUsize>,
    startups: Arc<Mutex<Vec<StartupParams>>>,
    sleeping: Arc<AtomicBool>,
    overlapped: Arc<AtomicBool>,
    canceled: Arc<Mutex<Vec<u32>>>,
}

impl Server {
    async fn start() -> Server {
        Server::start_with(ServerConfig::default()).await
    }

    async fn start_with(config: ServerConfig) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("bound");
        let backend = FakeBackend::default();
        let server = Server {
            addr,
            live_sessions: Arc::clone(&backend.live),
            startups: Arc::clone(&backend.startups),
            sleeping: Arc::clone(&backend.sleeping),
            overlapped: Arc::clone(&backend.overlapped),
            canceled: Arc::clone(&backend.canceled),
        };
        tokio::spawn(serve_backend(listener, backend, config));
        server
    }

    /// A client that has completed startup as `user`, and the messages it
    /// received during startup.
    async fn login(&self, user: &str) -> (RawClient, Vec<String>) {
        let params = [("user", user), ("application_name", "psql")];
        let mut client = RawClient::connect(self.addr, &params).await;
        let startup = client.until_ready().await;
        (client, startup)
    }

    /// Waits until exactly `n` sessions are open.
    async fn wait_for_sessions(&self, n: usize) {
        let open = || self.live_sessions.load(Ordering::SeqCst);
        poll_until(|| open() == n).await;
    }
}

/// Polls `done` until it holds, failing the test after ten seconds.
async fn poll_until(done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The pid and secret key of a `K` (`BackendKeyData`) line.
fn backend_key(startup: &[String]) -> (i32, i32) {
    let line = startup.iter().find(|m| m.starts_with("K ")).expect("key data");
    let mut parts = line.split(' ').skip(1).map(|n| n.parse().expect("number"));
    (parts.next().expect("pid"), parts.next().expect("key"))
}

#[tokio::test]
async fn startup_reports_parameters_and_notices() {
    let server = Server::start().await;
    let (_client, startup) = server.login("alice").await;
    assert_eq!(startup[0], "R 0");
    for param in [
        "S server_version=9.5.0",
        "S server_encoding=UTF8",
        "S client_encoding=UTF8",
        "S DateStyle=ISO, MDY",
        "S TimeZone=UTC",
        "S integer_datetimes=on",
        "S standard_conforming_strings=on",
        "S IntervalStyle=postgres",
        "S is_superuser=off",
        "S application_name=psql",
        "S session_authorization=alice",
    ] {
        assert!(startup.iter().any(|m| m == param), "{param} in {startup:?}");
    }
    let n = startup.len();
    assert!(startup[n - 3].starts_with("K 1 "), "{startup:?}");
    assert_eq!(startup[n - 2..], ["N NOTICE 00000 welcome", "Z I"]);

    let params = server.startups.lock().expect("not poisoned").clone();
    assert_eq!(params.len(), 1);
    assert_eq!(params[0].user, "alice");
    assert_eq!(params[0].database.as_deref(), Some("alice"));
    assert_eq!(params[0].application_name.as_deref(), Some("psql"));
}

#[tokio::test]
async fn simple_queries_return_rows_tags_and_empty_responses() {
    let server = Server::start().await;
    let (mut client, _) = server.login("alice").await;
    let rows = [
        "T a:23,b:25,u:16464",
        "D 1|x|18446744073709551615",
        "D NULL|NULL|0",
        "C SELECT 2",
    ];
    assert_eq!(client.simple("select").await, [&rows[..], &["Z I"]].concat());
    assert_eq!(client.simple("insert").await, ["C INSERT 0 1", "Z I"]);
    assert_eq!(client.simple("").await, ["I", "Z I"]);
    assert_eq!(client.simple(" ; ").await, ["I", "Z I"]);
    assert_eq!(
        client.simple("insert; select").await,
        [&["C INSERT 0 1"], &rows[..], &["Z I"]].concat()
    );
}

#[tokio::test]
async fn errors_notices_and_transaction_status() {
    let server = Server::start().await;
    let (mut client, _) = server.login("alice").await;
    let failed = [
        "N NOTICE 00000 careful",
        "E ERROR 42704 unrecognized configuration parameter \"nope\"",
    ];
    assert_eq!(client.simple("fail").await, [&failed[..], &["Z I"]].concat());
    assert_eq!(client.simple("begin").await, ["C BEGIN", "Z T"]);
    assert_eq!(client.simple("insert").await, ["C INSERT 0 1", "Z T"]);
    assert_eq!(client.simple("fail").await, [&failed[..], &["Z E"]].concat());
    assert_eq!(
        client.simple("select").await,
        [
            "E ERROR 25P02 current transaction is aborted, commands ignored until end of transaction block",
            "Z E"
        ]
    );
    assert_eq!(client.simple("commit").await, ["C ROLLBACK", "Z I"]);
    assert_eq!(
        client.simple("begin; insert; commit").await,
        ["C BEGIN", "C INSERT 0 1", "C COMMIT", "Z I"]
    );
    // Execution stops at the first error.
    assert_eq!(
        client.simple("insert; fail; insert").await,
        [&["C INSERT 0 1"], &failed[..], &["Z I"]].concat()
    );
}

#[tokio::test]
async fn refused_sessions_get_a_fatal_error_and_are_closed() {
    let server = Server::start().await;
    for (user, error) in [
        ("refused", "E FATAL XX000 internal error: refused"),
        ("", "E FATAL 28000 no PostgreSQL user name specified in startup packet"),
    ] {
        let mut client = RawClient::connect(server.addr, &[("user", user)]).await;
        assert_eq!(client.recv().await.as_deref(), Some(error));
        // pgwire follows a FATAL error with ReadyForQuery, then closes.
        while let Some(msg) = client.recv().await {
            assert!(msg.starts_with('Z'), "unexpected {msg}");
        }
    }
    server.wait_for_sessions(0).await;
}

#[tokio::test]
async fn sessions_end_with_their_connections() {
    let server = Server::start().await;

    let (client, _) = server.login("alice").await;
    server.wait_for_sessions(1).await;
    drop(client); // no Terminate message
    server.wait_for_sessions(0).await;

    let (mut client, _) = server.login("alice").await;
    client.send(b'X', &[]).await;
    assert_eq!(client.recv().await, None);
    server.wait_for_sessions(0).await;

    // A message type that does not exist.
    let (mut client, _) = server.login("alice").await;
    client.send(b'?', b"junk").await;
    assert_eq!(client.recv().await, None);
    server.wait_for_sessions(0).await;

    // A negative length.
    let (mut client, _) = server.login("alice").await;
    client.send_bytes(&[b'Q', 0xff, 0xff, 0xff, 0xfe]).await;
    assert_eq!(client.recv().await, None);
    server.wait_for_sessions(0).await;

    // The server still serves.
    let (mut client, _) = server.login("bob").await;
    assert_eq!(client.simple("insert").await, ["C INSERT 0 1", "Z I"]);
}

#[tokio::test]
async fn cancel_requests_interrupt_the_running_query() {
    let server = Server::start().await;
    let (mut client, startup) = server.login("alice").await;
    let (pid, key) = backend_key(&startup);
    client.query("sleep").await;
    // A cancel request arriving before the query started would be ignored.
    poll_until(|| server.sleeping.load(Ordering::SeqCst)).await;
    // A wrong key, or a process id of no connection, cancels nothing.
    RawClient::cancel(server.addr, pid, key.wrapping_add(1)).await;
    RawClient::cancel(server.addr, pid.wrapping_add(1000), key).await;
    RawClient::cancel(server.addr, pid, key).await;
    assert_eq!(
        client.until_ready().await,
        ["E ERROR 57014 canceling statement due to user request", "Z I"]
    );
    let canceled = server.canceled.lock().expect("not poisoned").clone();
    assert_eq!(canceled, [u32::try_from(pid).expect("a connection id")]);
    // The statement stopped: the next query runs at once.
    assert_eq!(client.simple("insert").await, ["C INSERT 0 1", "Z I"]);
    assert!(!server.overlapped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn tokio_postgres_can_use_the_server() {
    use tokio_postgres::SimpleQueryMessage;
    use tokio_postgres::error::SqlState;

    let server = Server::start().await;
    let config = format!("host=127.0.0.1 port={} user=alice", server.addr.port());
    let (client, connection) = tokio_postgres::connect(&config, tokio_postgres::NoTls)
        .await
        .expect("connects");
    tokio::spawn(connection);

    let messages = client.simple_query("select").await.expect("runs");
    let rows: Vec<Vec<Option<String>>> = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some((0..row.len()).map(|i| row.get(i).map(str::to_owned)).collect()),
            _ => None,
        })
        .collect();
    let text = |s: &str| Some(s.to_owned());
    assert_eq!(
        rows,
        [
            vec![text("1"), text("x"), text("18446744073709551615")],
            vec![None, None, text("0")],
        ]
    );
    assert!(matches!(messages.last(), Some(SimpleQueryMessage::CommandComplete(2))));

    let err = client.simple_query("fail").await.expect_err("fails");
    assert_eq!(err.code(), Some(&SqlState::UNDEFINED_OBJECT));
    // The extended protocol: a binary parameter in, a binary value out.
    let row = client.query_one("param", &[&7i32]).await.expect("runs");
    assert_eq!(row.get::<_, i32>(0), 7);
    let row = client.query_one("param", &[&None::<i32>]).await.expect("runs");
    assert_eq!(row.get::<_, Option<i32>>(0), None);
    let messages = client.simple_query("insert").await.expect("runs");
    assert!(matches!(messages.last(), Some(SimpleQueryMessage::CommandComplete(1))));
}

#[tokio::test]
async fn passwords_are_checked_with_scram() {
    use tokio_postgres::error::SqlState;

    let server = Server::start_with(ServerConfig {
        tls: None,
        auth_method: AuthMethod::Password,
    })
    .await;
    let connect = |user: &str, password: &str| {
        let config = format!(
            "host=127.0.0.1 port={} user={user} password={password}",
            server.addr.port()
        );
        async move { tokio_postgres::connect(&config, tokio_postgres::NoTls).await }
    };
    let (client, connection) = connect("alice", "wonderland").await.expect("the right password");
    tokio::spawn(connection);
    let messages = client.simple_query("insert").await.expect("runs");
    assert!(matches!(
        messages.last(),
        Some(tokio_postgres::SimpleQueryMessage::CommandComplete(1))
    ));

    // A wrong password and an unknown user fail alike, before any session opens.
    for (user, password) in [("alice", "looking-glass"), ("bob", "wonderland")] {
        let err = connect(user, password).await.err().expect("refused");
        assert_eq!(err.code(), Some(&SqlState::INVALID_PASSWORD), "{user}");
        let message = err.as_db_error().map(|e| e.message().to_owned());
        assert_eq!(
            message,
            Some(format!("password authentication failed for user \"{user}\""))
        );
    }
    assert_eq!(server.startups.lock().expect("not poisoned").len(), 1);

    // A client that sends no password at all is refused too.
    let config = format!("host=127.0.0.1 port={} user=alice", server.addr.port());
    let err = tokio_postgres::connect(&config, tokio_postgres::NoTls)
        .await
        .err()
        .expect("refused");
    assert!(err.as_db_error().is_none(), "the client gives up: {err}");
}
