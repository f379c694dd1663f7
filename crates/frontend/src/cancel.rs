//! Cancel requests: a client opens a new connection and sends the process id
//! and secret key it was given at startup; if they match a live connection,
//! the adapter cancels the statement that connection's session is running.
//!
//! The statement then fails in its own connection with `57014`, through the
//! ordinary result path, so nothing here writes to that connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use pgwire::api::cancel::CancelHandler;
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::startup::SecretKey;
use tracing::{debug, info};

use crate::backend::Backend;

/// The live connections cancel requests may name: process id to secret key
/// and the adapter's connection id.
#[derive(Debug, Default)]
pub(crate) struct CancelKeys {
    live: Mutex<HashMap<i32, (Vec<u8>, u32)>>,
}

impl CancelKeys {
    /// Registers connection `conn_id` under `pid` and `secret_key` until the
    /// returned guard drops (with the connection).
    pub(crate) fn register(self: &Arc<Self>, pid: i32, secret_key: &SecretKey, conn_id: u32) -> Registration {
        if let Ok(mut live) = self.live.lock() {
            live.insert(pid, (secret_key.to_bytes().to_vec(), conn_id));
        }
        Registration {
            keys: Arc::clone(self),
            pid,
        }
    }

    /// The connection `pid` names, if `secret_key` is its key.
    fn find(&self, pid: i32, secret_key: &SecretKey) -> Option<u32> {
        let live = self.live.lock().ok()?;
        let (key, conn_id) = live.get(&pid)?;
        constant_time_eq(key, &secret_key.to_bytes()).then_some(*conn_id)
    }
}

/// Whether `a` equals `b`, in a time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Keeps a connection's cancel key registered while it lives.
#[derive(Debug)]
pub(crate) struct Registration {
    keys: Arc<CancelKeys>,
    pid: i32,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut live) = self.keys.live.lock() {
            live.remove(&self.pid);
        }
    }
}

/// Answers cancel requests by asking the adapter to cancel.
pub(crate) struct FreshetCancelHandler<B> {
    backend: Arc<B>,
    keys: Arc<CancelKeys>,
}

impl<B> FreshetCancelHandler<B> {
    /// A handler canceling, on `backend`, statements of the connections in `keys`.
    pub(crate) fn new(backend: Arc<B>, keys: Arc<CancelKeys>) -> Self {
        FreshetCancelHandler { backend, keys }
    }
}

#[async_trait]
impl<B: Backend> CancelHandler for FreshetCancelHandler<B> {
    async fn on_cancel_request(&self, request: CancelRequest) {
        // As in PostgreSQL, a request naming no live connection, or with the
        // wrong key, is dropped without an answer.
        match self.keys.find(request.pid, &request.secret_key) {
            Some(conn_id) => {
                info!(conn_id, "cancel requested");
                self.backend.cancel(conn_id);
            }
            None => debug!(pid = request.pid, "ignoring a cancel request for no live connection"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_only_while_registered() {
        let keys = Arc::new(CancelKeys::default());
        let key = SecretKey::I32(42);
        let registration = keys.register(7, &key, 3);
        assert_eq!(keys.find(7, &key), Some(3));
        assert_eq!(keys.find(7, &SecretKey::I32(41)), None);
        assert_eq!(keys.find(8, &key), None);
        drop(registration);
        assert_eq!(keys.find(7, &key), None);
    }
}
