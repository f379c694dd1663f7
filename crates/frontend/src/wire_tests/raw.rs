//! A bare-bones PostgreSQL client that shows every backend message as one
//! line of text, so tests can compare whole conversations.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for any one message.
const WAIT: Duration = Duration::from_secs(10);

/// Protocol 3.0.
const PROTOCOL_3_0: i32 = 196_608;
/// The code of a `CancelRequest`.
const CANCEL_REQUEST: i32 = 80_877_102;

pub(super) struct RawClient {
    stream: TcpStream,
}

impl RawClient {
    /// Connects and sends a startup message with `params`.
    pub(super) async fn connect(addr: SocketAddr, params: &[(&str, &str)]) -> RawClient {
        let stream = TcpStream::connect(addr).await.expect("connects");
        let mut client = RawClient { stream };
        let mut body = PROTOCOL_3_0.to_be_bytes().to_vec();
        for (name, value) in params {
            body.extend_from_slice(name.as_bytes());
            body.push(0);
            body.extend_from_slice(value.as_bytes());
            body.push(0);
        }
        body.push(0);
        client.write_untagged(&body).await;
        client
    }

    /// Sends a `CancelRequest` on a new connection.
    pub(super) async fn cancel(addr: SocketAddr, pid: i32, key: i32) {
        let mut client = RawClient {
            stream: TcpStream::connect(addr).await.expect("connects"),
        };
        let mut body = CANCEL_REQUEST.to_be_bytes().to_vec();
        body.extend_from_slice(&pid.to_be_bytes());
        body.extend_from_slice(&key.to_be_bytes());
        client.write_untagged(&body).await;
        assert_eq!(client.recv().await, None, "the server closes a cancel connection");
    }

    async fn write_untagged(&mut self, body: &[u8]) {
        let len = i32::try_from(body.len() + 4).expect("small");
        self.stream.write_all(&len.to_be_bytes()).await.expect("writes");
        self.stream.write_all(body).await.expect("writes");
    }

    /// Sends one message.
    pub(super) async fn send(&mut self, tag: u8, body: &[u8]) {
        self.stream.write_all(&[tag]).await.expect("writes");
        self.write_untagged(body).await;
    }

    /// Sends raw bytes, well-formed or not.
    pub(super) async fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("writes");
    }

    /// Sends a simple `Query`.
    pub(super) async fn query(&mut self, sql: &str) {
        self.send(b'Q', &cstr(sql)).await;
    }

    /// Sends a simple query and returns the messages up to `ReadyForQuery`.
    pub(super) async fn simple(&mut self, sql: &str) -> Vec<String> {
        self.query(sql).await;
        self.until_ready().await
    }

    /// The messages up to and including the next `ReadyForQuery`.
    pub(super) async fn until_ready(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let msg = self.recv().await.expect("the connection stays open");
            let done = msg.starts_with('Z');
            out.push(msg);
            if done {
                return out;
            }
        }
    }

    /// The next message as text, or `None` once the server closed the
    /// connection.
    pub(super) async fn recv(&mut self) -> Option<String> {
        tokio::time::timeout(WAIT, self.recv_raw())
            .await
            .expect("the server answers in time")
            .map(|(tag, body)| describe(tag, &body))
    }

    async fn recv_raw(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut head = [0; 5];
        self.stream.read_exact(&mut head).await.ok()?;
        let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        let mut body = vec![0; usize::try_from(len - 4).expect("valid length")];
        self.stream.read_exact(&mut body).await.ok()?;
        Some((head[0], body))
    }
}

/// `s` as a NUL-terminated string.
pub(super) fn cstr(s: &str) -> Vec<u8> {
    let mut out = s.as_bytes().to_vec();
    out.push(0);
    out
}

/// A reader over a message body.
struct Body<'a>(&'a [u8]);

impl Body<'_> {
    fn i16(&mut self) -> i16 {
        let (head, rest) = self.0.split_at(2);
        self.0 = rest;
        i16::from_be_bytes([head[0], head[1]])
    }

    fn i32(&mut self) -> i32 {
        let (head, rest) = self.0.split_at(4);
        self.0 = rest;
        i32::from_be_bytes([head[0], head[1], head[2], head[3]])
    }

    fn bytes(&mut self, n: usize) -> String {
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8_lossy(head).into_owned()
    }

    fn cstr(&mut self) -> String {
        let end = self.0.iter().position(|b| *b == 0).expect("terminated");
        let s = self.bytes(end);
        self.0 = &self.0[1..];
        s
    }
}

/// One line per message: `E ERROR 42704 message`, `D 1|NULL`, `Z I`, ...
fn describe(tag: u8, body: &[u8]) -> String {
    let mut body = Body(body);
    match tag {
        b'R' => format!("R {}", body.i32()),
        b'S' => format!("S {}={}", body.cstr(), body.cstr()),
        b'K' => format!("K {} {}", body.i32(), body.i32()),
        b'E' | b'N' => {
            let mut fields = std::collections::BTreeMap::new();
            while body.0.first().is_some_and(|b| *b != 0) {
                let code = body.bytes(1);
                fields.insert(code, body.cstr());
            }
            let field = |c: &str| fields.get(c).cloned().unwrap_or_default();
            format!("{} {} {} {}", tag as char, field("S"), field("C"), field("M"))
        }
        b'T' => {
            let columns: Vec<String> = (0..body.i16())
                .map(|_| {
                    let name = body.cstr();
                    let (_table, _column) = (body.i32(), body.i16());
                    let (oid, _size, _typmod, format) = (body.i32(), body.i16(), body.i32(), body.i16());
                    if format == 1 {
                        format!("{name}:{oid}:binary")
                    } else {
                        format!("{name}:{oid}")
                    }
                })
                .collect();
            format!("T {}", columns.join(","))
        }
        b'D' => {
            let values: Vec<String> = (0..body.i16())
                .map(|_| match body.i32() {
                    -1 => "NULL".to_owned(),
                    len => body.bytes(usize::try_from(len).expect("length")),
                })
                .collect();
            format!("D {}", values.join("|"))
        }
        b'C' => format!("C {}", body.cstr()),
        b't' => {
            let oids: Vec<String> = (0..body.i16()).map(|_| body.i32().to_string()).collect();
            format!("t {}", oids.join(","))
        }
        b'Z' => format!("Z {}", body.bytes(1)),
        other => (other as char).to_string(),
    }
}
