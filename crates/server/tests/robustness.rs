//! Malformed protocol messages and abrupt disconnects against the real
//! server, over raw TCP with hand-written frames. Whatever a client sends, or
//! however it leaves, only its own connection ends: after every case the
//! process is still running, a fresh client's `SELECT 1` is answered, and
//! the connections are released (the process's sockets go back to what they
//! were).

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

/// How long the server may take to answer, or to close a connection.
const WAIT: Duration = Duration::from_secs(20);
/// Protocol 3.0.
const PROTOCOL_3_0: i32 = 196_608;
/// The code of a `CancelRequest`.
const CANCEL_REQUEST: i32 = 80_877_102;
/// A timestamp no table reaches: `AS OF` it waits forever.
const NEVER: u64 = 9_999_999_999_999;

/// One backend message.
#[derive(Debug)]
struct Message {
    tag: u8,
    body: Vec<u8>,
}

impl Message {
    /// The fields of an `ErrorResponse` or `NoticeResponse`: (code, value).
    fn fields(&self) -> Vec<(u8, String)> {
        self.body
            .split(|b| *b == 0)
            .filter(|field| !field.is_empty())
            .map(|field| (field[0], String::from_utf8_lossy(&field[1..]).into_owned()))
            .collect()
    }

    fn field(&self, code: u8) -> Option<String> {
        self.fields().into_iter().find(|(c, _)| *c == code).map(|(_, v)| v)
    }

    /// One line: `E ERROR 26000 message`, `Z I`, `C SELECT 1`, `D 1`, `T`, ...
    fn line(&self) -> String {
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim_end_matches('\0').to_owned();
        match self.tag {
            b'E' | b'N' => format!(
                "{} {} {} {}",
                self.tag as char,
                self.field(b'S').unwrap_or_default(),
                self.field(b'C').unwrap_or_default(),
                self.field(b'M').unwrap_or_default()
            ),
            b'Z' | b'C' => format!("{} {}", self.tag as char, text(&self.body)),
            // A one-column row: its value.
            b'D' if self.body.len() > 6 && self.body[..2] == [0, 1] => format!("D {}", text(&self.body[6..])),
            tag => (tag as char).to_string(),
        }
    }

    /// Whether this is a FATAL error whose SQLSTATE is in `class`.
    fn is_fatal_in_class(&self, class: &str) -> bool {
        self.tag == b'E'
            && self.field(b'S').as_deref() == Some("FATAL")
            && self
                .field(b'C')
                .is_some_and(|code| code.len() == 5 && code.starts_with(class))
    }
}

/// A hand-driven client connection.
struct Raw {
    stream: TcpStream,
}

impl Raw {
    async fn connect(addr: SocketAddr) -> anyhow::Result<Raw> {
        Ok(Raw {
            stream: TcpStream::connect(addr).await?,
        })
    }

    /// Connects, logs in as `materialize` and reads up to `ReadyForQuery`.
    async fn login(addr: SocketAddr) -> anyhow::Result<Raw> {
        let mut raw = Raw::connect(addr).await?;
        raw.send_bytes(&startup_packet(&[("user", "materialize"), ("database", "materialize")]))
            .await?;
        let messages = raw.until_ready().await?;
        anyhow::ensure!(
            messages.iter().any(|m| m.tag == b'R') && messages.iter().any(|m| m.tag == b'K'),
            "unexpected login: {:?}",
            lines(&messages)
        );
        Ok(raw)
    }

    async fn send_bytes(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.stream.write_all(bytes).await?;
        Ok(())
    }

    async fn send(&mut self, tag: u8, body: &[u8]) -> anyhow::Result<()> {
        self.send_bytes(&frame(tag, body)).await
    }

    /// Closes the sending side: the server reads end of stream.
    async fn shutdown(&mut self) -> anyhow::Result<()> {
        self.stream.shutdown().await?;
        Ok(())
    }

    /// The next message, or `None` once the server closed the connection.
    async fn recv(&mut self) -> anyhow::Result<Option<Message>> {
        timeout(WAIT, self.recv_inner())
            .await
            .map_err(|_| anyhow::anyhow!("the server neither answered nor closed within {WAIT:?}"))?
    }

    async fn recv_inner(&mut self) -> anyhow::Result<Option<Message>> {
        let mut head = [0; 5];
        match self.stream.read_exact(&mut head).await {
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
                ) =>
            {
                return Ok(None);
            }
            Err(err) => return Err(err.into()),
        }
        let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        anyhow::ensure!(
            (4..=(1 << 30)).contains(&len),
            "a backend message '{}' with length {len}",
            head[0] as char
        );
        let mut body = vec![0; usize::try_from(len - 4)?];
        self.stream.read_exact(&mut body).await?;
        anyhow::ensure!(
            b"RSKEZNTDCIt123nsvAGHWdc".contains(&head[0]),
            "an unknown backend message '{}'",
            head[0] as char
        );
        Ok(Some(Message { tag: head[0], body }))
    }

    /// The next message; fails if the server closed the connection.
    async fn recv_some(&mut self) -> anyhow::Result<Message> {
        self.recv()
            .await?
            .ok_or_else(|| anyhow::anyhow!("the server closed the connection"))
    }

    /// The messages up to and including the next `ReadyForQuery`.
    async fn until_ready(&mut self) -> anyhow::Result<Vec<Message>> {
        let mut out = Vec::new();
        loop {
            let Some(message) = self.recv().await? else {
                anyhow::bail!("the server closed the connection after {:?}", lines(&out));
            };
            let ready = message.tag == b'Z';
            out.push(message);
            if ready {
                return Ok(out);
            }
        }
    }

    /// Every message until the server closes the connection; fails if it
    /// keeps it open.
    async fn until_closed(&mut self) -> anyhow::Result<Vec<Message>> {
        let mut out = Vec::new();
        while let Some(message) = self.recv().await? {
            out.push(message);
        }
        Ok(out)
    }

    /// A simple query, and the messages up to `ReadyForQuery`.
    async fn simple(&mut self, sql: &str) -> anyhow::Result<Vec<String>> {
        self.send(b'Q', &cstr(sql)).await?;
        Ok(lines(&self.until_ready().await?))
    }
}

fn lines(messages: &[Message]) -> Vec<String> {
    messages.iter().map(Message::line).collect()
}

/// `s` as a NUL-terminated string.
fn cstr(s: &str) -> Vec<u8> {
    let mut out = s.as_bytes().to_vec();
    out.push(0);
    out
}

/// A message with a tag and its correct length.
fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&i32::try_from(body.len() + 4).expect("small").to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A startup packet of protocol 3.0 with `params`.
fn startup_packet(params: &[(&str, &str)]) -> Vec<u8> {
    let mut body = PROTOCOL_3_0.to_be_bytes().to_vec();
    for (name, value) in params {
        body.extend(cstr(name));
        body.extend(cstr(value));
    }
    body.push(0);
    let mut out = i32::try_from(body.len() + 4).expect("small").to_be_bytes().to_vec();
    out.extend(body);
    out
}

/// A `Parse` of `sql` as statement `name`, with no declared types.
fn parse(name: &str, sql: &str) -> Vec<u8> {
    let mut body = cstr(name);
    body.extend(cstr(sql));
    body.extend_from_slice(&0i16.to_be_bytes());
    frame(b'P', &body)
}

/// A `Bind` of statement `statement` to portal `portal`, with no parameters
/// and text results.
fn bind(portal: &str, statement: &str) -> Vec<u8> {
    let mut body = cstr(portal);
    body.extend(cstr(statement));
    body.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    frame(b'B', &body)
}

/// An `Execute` of `portal`, all rows.
fn execute(portal: &str) -> Vec<u8> {
    let mut body = cstr(portal);
    body.extend_from_slice(&0i32.to_be_bytes());
    frame(b'E', &body)
}

/// A `Describe` of portal `portal`.
fn describe_portal(portal: &str) -> Vec<u8> {
    let mut body = vec![b'P'];
    body.extend(cstr(portal));
    frame(b'D', &body)
}

fn sync() -> Vec<u8> {
    frame(b'S', &[])
}

/// Milliseconds since the epoch, the server's timestamps.
fn now_ms() -> anyhow::Result<u64> {
    Ok(u64::try_from(
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis(),
    )?)
}

/// The process runs, and a fresh tokio-postgres client gets `SELECT 1`.
async fn assert_serving(server: &mut TestServer) -> anyhow::Result<()> {
    anyhow::ensure!(server.is_running(), "freshet exited");
    let client = timeout(WAIT, server.connect()).await??;
    let row = timeout(WAIT, client.query_one("SELECT 1", &[])).await??;
    anyhow::ensure!(row.get::<_, i32>(0) == 1, "SELECT 1 answered {:?}", row);
    Ok(())
}

/// Waits until the server holds no more sockets than `baseline`: every
/// connection that ended was released.
async fn assert_sockets_back_to(server: &TestServer, baseline: usize, deadline: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + deadline;
    // Nothing announces a released socket: look every 20 ms until the deadline.
    let mut every = tokio::time::interval(Duration::from_millis(20));
    loop {
        every.tick().await;
        let open = server.open_sockets()?;
        if open <= baseline {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "freshet still holds {open} sockets, {baseline} before: connections were not released"
        );
    }
}

/// Starts a server and returns it with its socket count once idle.
async fn start(dir: &tempfile::TempDir) -> anyhow::Result<(TestServer, usize)> {
    let mut server = TestServer::start(dir.path())?;
    // Before any client connected.
    let baseline = server.open_sockets()?;
    assert_serving(&mut server).await?;
    Ok((server, baseline))
}

#[tokio::test]
async fn malformed_startup_packets_end_only_their_connection() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut server, baseline) = start(&dir).await?;

    let huge = [i32::MAX.to_be_bytes(), PROTOCOL_3_0.to_be_bytes()].concat();
    let negative = [(-5i32).to_be_bytes(), PROTOCOL_3_0.to_be_bytes()].concat();
    let too_short = [4i32.to_be_bytes(), PROTOCOL_3_0.to_be_bytes()].concat();
    let no_parameters = [8i32.to_be_bytes(), PROTOCOL_3_0.to_be_bytes()].concat();
    let protocol_9 = [8i32.to_be_bytes(), (9i32 << 16).to_be_bytes()].concat();
    let unknown_cancel = [16, CANCEL_REQUEST, 12_345, 67_890]
        .iter()
        .flat_map(|n: &i32| n.to_be_bytes())
        .collect::<Vec<u8>>();
    let short_cancel = [8i32.to_be_bytes(), CANCEL_REQUEST.to_be_bytes()].concat();
    let cases: [(&str, &[u8]); 8] = [
        ("an HTTP request", b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        ("a huge length", &huge),
        ("a negative length", &negative),
        ("a length shorter than the header", &too_short),
        ("no parameters at all", &no_parameters),
        ("protocol 9.0", &protocol_9),
        ("a cancel request for no connection", &unknown_cancel),
        ("a cancel request without a key", &short_cancel),
    ];
    for (name, bytes) in cases {
        let mut raw = Raw::connect(server.addr).await?;
        raw.send_bytes(bytes).await?;
        // The server hangs up by itself; PostgreSQL would first send a FATAL
        // protocol_violation, which is accepted here too.
        let messages = raw.until_closed().await?;
        assert!(
            messages.iter().all(|m| m.is_fatal_in_class("08")),
            "{name}: {:?}",
            lines(&messages)
        );
        assert_serving(&mut server).await?;
    }

    // A startup packet without a user is refused with its SQLSTATE.
    let mut raw = Raw::connect(server.addr).await?;
    raw.send_bytes(&startup_packet(&[("database", "materialize")])).await?;
    let messages = raw.until_closed().await?;
    assert_eq!(
        messages.first().map(Message::line).as_deref(),
        Some("E FATAL 28000 no PostgreSQL user name specified in startup packet")
    );
    assert_serving(&mut server).await?;

    // A startup packet cut short, then the client leaves.
    let packet = startup_packet(&[("user", "materialize")]);
    let mut raw = Raw::connect(server.addr).await?;
    raw.send_bytes(&packet[..packet.len() / 2]).await?;
    raw.shutdown().await?;
    assert_eq!(lines(&raw.until_closed().await?), Vec::<String>::new());
    assert_serving(&mut server).await?;
    assert_sockets_back_to(&server, baseline, WAIT).await
}

#[tokio::test]
async fn malformed_messages_after_startup_end_only_their_connection() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut server, baseline) = start(&dir).await?;

    // Frames the server refuses as soon as it reads them: it hangs up.
    let cases: [(&str, Vec<u8>); 6] = [
        ("an unknown message type", frame(b'!', b"abc")),
        ("a negative length", vec![b'Q', 0xff, 0xff, 0xff, 0xfe]),
        (
            "a length past the limit",
            [&[b'Q'][..], &0x4000_0000i32.to_be_bytes()].concat(),
        ),
        // Bodies shorter than their fields (pgwire's decoder panics on these,
        // which ends the connection's task).
        ("a Parse without its parameter count", frame(b'P', b"a\0")),
        ("a Bind without its format counts", frame(b'B', b"\0\0")),
        ("an Execute without its row limit", frame(b'E', b"\0")),
    ];
    for (name, bytes) in cases {
        let mut raw = Raw::login(server.addr).await?;
        raw.send_bytes(&bytes).await?;
        let messages = raw.until_closed().await?;
        assert!(
            messages.iter().all(|m| m.is_fatal_in_class("08")),
            "{name}: {:?}",
            lines(&messages)
        );
        assert_serving(&mut server).await?;
    }

    // A Describe of an unknown kind: a FATAL protocol violation.
    let mut raw = Raw::login(server.addr).await?;
    raw.send_bytes(&[frame(b'D', b"Xname\0"), sync()].concat()).await?;
    let messages = raw.until_closed().await?;
    assert_eq!(messages.len(), 1, "{:?}", lines(&messages));
    assert!(messages[0].is_fatal_in_class("08P01"), "{:?}", lines(&messages));
    assert_serving(&mut server).await?;

    // Incomplete frames: the server waits for the rest, and lets go when
    // the client leaves without sending it.
    let query = frame(b'Q', &cstr("SELECT 1"));
    let cases: [(&str, Vec<u8>); 3] = [
        ("half a Query", query[..query.len() / 2].to_vec()),
        (
            "a length beyond the bytes sent",
            [&[b'Q', 0, 0, 0, 64][..], b"SELECT 1\0"].concat(),
        ),
        ("a tag alone", vec![b'Q']),
    ];
    for (name, bytes) in cases {
        let mut raw = Raw::login(server.addr).await?;
        raw.send_bytes(&bytes).await?;
        raw.shutdown().await?;
        let messages = raw.until_closed().await?;
        assert!(messages.is_empty(), "{name}: {:?}", lines(&messages));
        assert_serving(&mut server).await?;
    }
    assert_sockets_back_to(&server, baseline, WAIT).await
}

#[tokio::test]
async fn extended_protocol_errors_keep_the_connection_usable() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut server, _) = start(&dir).await?;
    let mut raw = Raw::login(server.addr).await?;
    let select_1 = ["T", "D 1", "C SELECT 1", "Z I"];

    // Each error is reported once; the messages after it are skipped up to
    // Sync, and the connection then serves again.
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "a Bind of a statement that does not exist",
            [bind("", "nope"), execute(""), sync()].concat(),
            "E ERROR 26000 Statement not found for name: nope",
        ),
        (
            "a Parse of invalid SQL",
            [parse("", "SELEC 1"), bind("", ""), execute(""), sync()].concat(),
            "E ERROR 42601 syntax error at or near \"SELEC\"",
        ),
        (
            // PostgreSQL says 34000 (invalid_cursor_name); pgwire says 26000.
            "an Execute of a portal that does not exist",
            [execute("nope"), sync()].concat(),
            "E ERROR 26000 Portal not found for name: nope",
        ),
        (
            "a Parse of a table that does not exist",
            [parse("s", "SELECT * FROM nope"), describe_portal(""), sync()].concat(),
            "E ERROR 42P01 relation \"nope\" does not exist",
        ),
    ];
    for (name, bytes, error) in cases {
        raw.send_bytes(&bytes).await?;
        assert_eq!(lines(&raw.until_ready().await?), [error, "Z I"], "{name}");
        assert_eq!(raw.simple("SELECT 1").await?, select_1, "after {name}");
    }

    // A statement that works after one that failed, in one pipeline.
    raw.send_bytes(
        &[
            bind("", "nope"),
            sync(),
            parse("", "SELECT 1"),
            bind("", ""),
            execute(""),
            sync(),
        ]
        .concat(),
    )
    .await?;
    let first = lines(&raw.until_ready().await?);
    assert_eq!(first, ["E ERROR 26000 Statement not found for name: nope", "Z I"]);
    assert_eq!(lines(&raw.until_ready().await?), ["1", "2", "D 1", "C SELECT 1", "Z I"]);

    // In a transaction, the error fails the transaction until ROLLBACK.
    assert_eq!(raw.simple("BEGIN").await?, ["C BEGIN", "Z T"]);
    raw.send_bytes(&[bind("", "nope"), sync()].concat()).await?;
    assert_eq!(
        lines(&raw.until_ready().await?),
        ["E ERROR 26000 Statement not found for name: nope", "Z E"]
    );
    let refused = raw.simple("SELECT 1").await?;
    assert!(
        refused.first().is_some_and(|m| m.starts_with("E ERROR 25P02 ")),
        "{refused:?}"
    );
    assert_eq!(raw.simple("ROLLBACK").await?, ["C ROLLBACK", "Z I"]);
    assert_eq!(raw.simple("SELECT 1").await?, select_1);
    assert_serving(&mut server).await
}

#[tokio::test]
async fn abrupt_disconnects_release_their_connections() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut server, baseline) = start(&dir).await?;
    let client = server.connect().await?;
    client.batch_execute("CREATE TABLE t (a int)").await?;
    drop(client);

    let mut dropped = Vec::new();
    // Connections that leave before, during and after startup.
    for _ in 0..20 {
        dropped.push(Raw::connect(server.addr).await?);
    }
    let packet = startup_packet(&[("user", "materialize"), ("database", "materialize")]);
    for _ in 0..20 {
        let mut raw = Raw::connect(server.addr).await?;
        raw.send_bytes(&packet[..10]).await?;
        dropped.push(raw);
    }
    for _ in 0..50 {
        dropped.push(Raw::login(server.addr).await?);
    }
    // Connections that leave inside a transaction that wrote: the write is
    // never committed.
    for i in 0..10 {
        let mut raw = Raw::login(server.addr).await?;
        assert_eq!(raw.simple("BEGIN").await?, ["C BEGIN", "Z T"]);
        assert_eq!(
            raw.simple(&format!("INSERT INTO t VALUES ({i})")).await?,
            ["C INSERT 0 1", "Z T"]
        );
        dropped.push(raw);
    }
    // Connections that leave in the middle of a pipeline, before Sync.
    for _ in 0..10 {
        let mut raw = Raw::login(server.addr).await?;
        raw.send_bytes(
            &[
                parse("a", "SELECT a FROM t"),
                bind("", "a"),
                describe_portal(""),
                execute(""),
                parse("b", "INSERT INTO t VALUES (100)"),
                bind("p", "b"),
            ]
            .concat(),
        )
        .await?;
        dropped.push(raw);
    }
    // Connections that leave while their query runs: each waits until a
    // timestamp 1.5 s ahead, then finds its client gone.
    let until = now_ms()? + 1500;
    for protocol in ["simple", "extended"] {
        for _ in 0..5 {
            let mut raw = Raw::login(server.addr).await?;
            let sql = format!("SELECT a FROM t AS OF {until}");
            if protocol == "simple" {
                raw.send(b'Q', &cstr(&sql)).await?;
            } else {
                raw.send_bytes(&[parse("", &sql), bind("", ""), execute(""), sync()].concat())
                    .await?;
                // ParseComplete and BindComplete: the Execute is next.
                assert_eq!(lines(&[raw.recv_some().await?, raw.recv_some().await?]), ["1", "2"]);
            }
            dropped.push(raw);
        }
    }
    drop(dropped);

    assert_serving(&mut server).await?;
    assert_sockets_back_to(&server, baseline, WAIT).await?;
    // Neither the open transactions nor the unsynced pipelines committed.
    let client = server.connect().await?;
    let rows = client.query("SELECT count(*) FROM t", &[]).await?;
    assert_eq!(rows[0].get::<_, i64>(0), 0);
    Ok(())
}

/// xorshift64: a fixed sequence of pseudo-random numbers.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).expect("small")).expect("small")
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

/// A random frame: a frontend message tag (or any byte), a length that is
/// right, off by a little, or anything, and a random body.
fn random_frame(rng: &mut XorShift) -> Vec<u8> {
    const TAGS: &[u8] = b"QPBEDCSHXdcfp";
    let tag = if rng.below(8) == 0 {
        rng.bytes(1)[0]
    } else {
        TAGS[rng.below(TAGS.len())]
    };
    let body_len = rng.below(48);
    let mut body = rng.bytes(body_len);
    // Bodies are often strings.
    if rng.below(2) == 0 {
        body.push(0);
    }
    let right = i32::try_from(body.len() + 4).expect("small");
    let len = match rng.below(4) {
        0 | 1 => right,
        2 => right + i32::try_from(rng.below(9)).expect("small") - 4,
        _ => i32::from_be_bytes(rng.bytes(4).try_into().expect("four bytes")),
    };
    [&[tag][..], &len.to_be_bytes(), &body].concat()
}

#[tokio::test]
async fn random_bytes_never_take_the_server_down() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut server, baseline) = start(&dir).await?;
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for iteration in 0..200 {
        let before_startup = rng.below(4) == 0;
        let mut raw = if before_startup {
            Raw::connect(server.addr).await?
        } else {
            Raw::login(server.addr).await?
        };
        let mut bytes = Vec::new();
        for _ in 0..=rng.below(3) {
            if rng.below(3) == 0 {
                let n = rng.below(64) + 1;
                bytes.extend(rng.bytes(n));
            } else {
                bytes.extend(random_frame(&mut rng));
            }
        }
        raw.send_bytes(&bytes).await?;
        raw.shutdown().await?;
        // Whatever came back is well-formed (`recv` checks), and the server
        // lets go of the connection once the client has left.
        raw.until_closed()
            .await
            .map_err(|err| anyhow::anyhow!("iteration {iteration}, sent {bytes:02x?}: {err}"))?;
        if iteration % 25 == 24 {
            assert_serving(&mut server).await?;
        }
    }
    assert_serving(&mut server).await?;
    assert_sockets_back_to(&server, baseline, WAIT).await
}

#[tokio::test]
#[ignore = "known limit: pgwire reads a connection's socket only between its messages, so a client that leaves \
            during a statement is noticed when the statement ends; statement_timeout bounds how long that is"]
async fn a_client_that_leaves_during_a_query_that_would_never_end_is_released() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut server, baseline) = start(&dir).await?;
    let client = server.connect().await?;
    client.batch_execute("CREATE TABLE t (a int)").await?;
    drop(client);
    let sql = format!("SELECT a FROM t AS OF {NEVER}");
    let mut simple = Raw::login(server.addr).await?;
    simple.send(b'Q', &cstr(&sql)).await?;
    let mut extended = Raw::login(server.addr).await?;
    extended
        .send_bytes(&[parse("", &sql), bind("", ""), execute(""), sync()].concat())
        .await?;
    // ParseComplete and BindComplete: the Execute is next.
    assert_eq!(
        lines(&[extended.recv_some().await?, extended.recv_some().await?]),
        ["1", "2"]
    );
    drop((simple, extended));
    assert_serving(&mut server).await?;
    assert_sockets_back_to(&server, baseline, WAIT).await
}
