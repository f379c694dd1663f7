//! A TCP proxy between Freshet and MySQL that a test can cut or stall, to
//! play network faults against real servers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What every connection through the proxy does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Control {
    /// Connections opened before the latest cut are closed (with a reset).
    cuts: u64,
    /// No byte passes either way, and nothing is closed.
    stalled: bool,
    /// Connections numbered below this are stalled as with `stalled`
    /// (see [`Proxy::stall_open`]).
    stalled_below: u64,
}

/// A proxy on a free local port, forwarding to `127.0.0.1:upstream`.
/// Stops (closing every connection) when dropped.
pub(crate) struct Proxy {
    port: u16,
    control: watch::Sender<Control>,
    task: JoinHandle<()>,
    /// How many connections were accepted: each one's number.
    accepted: Arc<AtomicU64>,
}

impl Proxy {
    /// Starts forwarding to `upstream`.
    pub(crate) async fn start(upstream: u16) -> anyhow::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let (control, watcher) = watch::channel(Control {
            cuts: 0,
            stalled: false,
            stalled_below: 0,
        });
        let accepted = Arc::new(AtomicU64::new(0));
        let counter = accepted.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let number = counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(forward(client, upstream, number, watcher.clone()));
            }
        });
        Ok(Proxy {
            port,
            control,
            task,
            accepted,
        })
    }

    /// The port to connect to instead of the upstream's.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Resets every open connection, as a broken network does; new ones
    /// are accepted.
    pub(crate) fn cut(&self) {
        self.control.send_modify(|c| c.cuts += 1);
    }

    /// Stops every byte, on open and new connections alike, without
    /// closing anything, as a network that silently drops packets does.
    pub(crate) fn stall(&self) {
        self.control.send_modify(|c| c.stalled = true);
    }

    /// Stops every byte on the connections open now, without closing
    /// them; connections opened later pass, as when one path between the
    /// hosts breaks.
    pub(crate) fn stall_open(&self) {
        let next = self.accepted.load(Ordering::SeqCst);
        self.control.send_modify(|c| c.stalled_below = next);
    }

    /// Lets bytes pass again after [`Proxy::stall`] or [`Proxy::stall_open`].
    pub(crate) fn resume(&self) {
        self.control.send_modify(|c| {
            c.stalled = false;
            c.stalled_below = 0;
        });
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

/// Forwards one connection both ways until either side closes, a cut, or
/// the proxy stops.
async fn forward(client: TcpStream, upstream: u16, number: u64, mut control: watch::Receiver<Control>) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    let born = control.borrow().cuts;
    // A cut resets the connection rather than closing it in order.
    let _ = client.set_zero_linger();
    let _ = server.set_zero_linger();
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let mut up = vec![0_u8; 64 * 1024];
    let mut down = vec![0_u8; 64 * 1024];
    loop {
        let now = *control.borrow_and_update();
        if now.cuts != born {
            return;
        }
        if now.stalled || number < now.stalled_below {
            if control.changed().await.is_err() {
                return;
            }
            continue;
        }
        tokio::select! {
            changed = control.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            read = client_read.read(&mut up) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if server_write.write_all(&up[..n]).await.is_err() {
                        return;
                    }
                }
            },
            read = server_read.read(&mut down) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if client_write.write_all(&down[..n]).await.is_err() {
                        return;
                    }
                }
            },
        }
    }
}
