//! The accept loop: one task per connection, each running pgwire's message
//! loop with Freshet's handlers.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use freshet_adapter::Client;
use pgwire::api::auth::StartupHandler;
use pgwire::api::cancel::CancelHandler;
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::{ClientInfo, ErrorHandler, PgWireServerHandlers};
use pgwire::error::PgWireError;
use pgwire::tokio::process_socket;
use tokio::net::TcpListener;
use tracing::{Instrument, debug, info, warn};

use crate::auth::ServerConfig;
use crate::backend::Backend;
use crate::cancel::{CancelKeys, FreshetCancelHandler};
use crate::extended::FreshetExtendedQueryHandler;
use crate::query::FreshetQueryHandler;
use crate::startup::FreshetStartupHandler;

/// How long to pause accepting when the process is out of file descriptors
/// or memory, so that finishing connections can release some.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves PostgreSQL clients on `listener` until the listener fails; each
/// connection gets its own task and session.
///
/// A connection that misbehaves or vanishes ends only its own task; its
/// session ends with it.
pub async fn serve(listener: TcpListener, client: Client, config: ServerConfig) -> io::Result<()> {
    serve_backend(listener, client, config).await
}

/// [`serve`], with sessions from any [`Backend`].
pub(crate) async fn serve_backend<B: Backend>(
    listener: TcpListener,
    backend: B,
    config: ServerConfig,
) -> io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        info!(%addr, tls = config.tls.is_some(), auth = ?config.auth_method, "serving PostgreSQL clients");
    }
    let tls = config.tls.clone();
    let handlers = Arc::new(Handlers::new(backend, config));
    loop {
        let (socket, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) if is_out_of_resources(&err) => {
                warn!(error = %err, "cannot accept connections for now");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
            Err(err) if is_connection_error(&err) => {
                debug!(error = %err, "a connection failed before it was accepted");
                continue;
            }
            Err(err) => return Err(err),
        };
        let span = tracing::info_span!("pgwire", %peer, conn_id = tracing::field::Empty);
        let (handlers, tls) = (Arc::clone(&handlers), tls.clone());
        tokio::spawn(
            async move {
                debug!("connection accepted");
                match process_socket(socket, tls, handlers).await {
                    Ok(()) => debug!("connection closed"),
                    Err(err) => debug!(error = %err, "connection closed by an I/O error"),
                }
            }
            .instrument(span),
        );
    }
}

/// Errors of one incoming connection, not of the listener.
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
    )
}

/// Running out of file descriptors (`EMFILE`, `ENFILE`) or memory: accepting
/// can succeed again once other connections close.
fn is_out_of_resources(err: &io::Error) -> bool {
    /// `ENFILE` and `EMFILE` on Linux and the BSDs.
    const ENFILE: i32 = 23;
    const EMFILE: i32 = 24;
    err.kind() == io::ErrorKind::OutOfMemory || matches!(err.raw_os_error(), Some(ENFILE | EMFILE))
}

/// The handlers of every connection, shared by all of them.
struct Handlers<B> {
    startup: Arc<FreshetStartupHandler<B>>,
    query: Arc<FreshetQueryHandler<B>>,
    extended: Arc<FreshetExtendedQueryHandler<B>>,
    cancel: Arc<FreshetCancelHandler<B>>,
    errors: Arc<LogErrors>,
}

impl<B: Backend> Handlers<B> {
    fn new(backend: B, config: ServerConfig) -> Self {
        let backend = Arc::new(backend);
        let cancel_keys = Arc::new(CancelKeys::default());
        Handlers {
            startup: Arc::new(FreshetStartupHandler::new(
                Arc::clone(&backend),
                config,
                Arc::clone(&cancel_keys),
            )),
            query: Arc::new(FreshetQueryHandler::new()),
            extended: Arc::new(FreshetExtendedQueryHandler::new()),
            cancel: Arc::new(FreshetCancelHandler::new(backend, cancel_keys)),
            errors: Arc::new(LogErrors),
        }
    }
}

impl<B: Backend> PgWireServerHandlers for Handlers<B> {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        Arc::clone(&self.query)
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        Arc::clone(&self.extended)
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::clone(&self.startup)
    }

    fn error_handler(&self) -> Arc<impl ErrorHandler> {
        Arc::clone(&self.errors)
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        Arc::clone(&self.cancel)
    }
}

/// Logs the errors pgwire is about to send to a client.
struct LogErrors;

impl ErrorHandler for LogErrors {
    fn on_error<C>(&self, _client: &C, error: &mut PgWireError)
    where
        C: ClientInfo,
    {
        match error {
            PgWireError::IoError(err) => debug!(error = %err, "connection I/O failed"),
            // Errors Freshet reports itself (SQL errors, refused sessions).
            PgWireError::UserError(info) => {
                debug!(severity = %info.severity, code = %info.code, message = %info.message, "error sent");
            }
            other => warn!(code = other.code(), error = %other, "protocol error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_errors_are_classified() {
        let reset = io::Error::from(io::ErrorKind::ConnectionAborted);
        assert!(is_connection_error(&reset));
        assert!(!is_out_of_resources(&reset));
        let emfile = io::Error::from_raw_os_error(24);
        assert!(is_out_of_resources(&emfile));
        let other = io::Error::from(io::ErrorKind::InvalidInput);
        assert!(!is_connection_error(&other) && !is_out_of_resources(&other));
    }
}
