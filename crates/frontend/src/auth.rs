//! How clients connect: TLS, and how they prove who they are (trust, or a
//! SCRAM-SHA-256 password exchange against the verifier the adapter keeps
//! for the user).

use std::path::Path;
use std::sync::Arc;

use freshet_repr::SqlState;
use pgwire::api::auth::sasl::SCRAM_SHA_256_METHOD;
use pgwire::api::auth::sasl::scram::{ScramServerAuth, ScramServerAuthWaitingForClientFinal};
use pgwire::error::PgWireError;
use pgwire::messages::startup::{Authentication, PasswordMessageFamily};
use pgwire::tokio::TlsAcceptor;
use pgwire::tokio::tokio_rustls::rustls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::frontend_fatal;
use crate::scram::{parse_verifier, unmatchable_verifier};

/// How the server accepts connections.
#[derive(Clone, Default)]
pub struct ServerConfig {
    /// TLS, if configured; every connection must then use it.
    pub tls: Option<TlsAcceptor>,
    /// How clients prove who they are.
    pub auth_method: AuthMethod,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("tls", &self.tls.is_some())
            .field("auth_method", &self.auth_method)
            .finish()
    }
}

/// How clients prove who they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthMethod {
    /// Whoever connects is the user they name.
    #[default]
    Trust,
    /// A password, checked with SCRAM-SHA-256 (the password never crosses
    /// the wire) against the user's verifier.
    Password,
}

/// The server's TLS configuration can't be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A certificate or key file can't be read or holds no usable PEM.
    #[error("cannot read {what} from {path}: {reason}")]
    Pem {
        /// `certificate` or `private key`.
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The certificate and key don't make a TLS configuration.
    #[error("invalid TLS configuration: {0}")]
    Tls(String),
}

/// A TLS acceptor serving the certificate chain in `cert` with the private
/// key in `key` (both PEM files).
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, ConfigError> {
    let pem_error = |what: &'static str, path: &Path, reason: String| ConfigError::Pem {
        what,
        path: path.display().to_string(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| pem_error("certificate", cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(pem_error("certificate", cert, "no certificate in the file".into()));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error("private key", key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| ConfigError::Tls(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Where a connection's password exchange stands, kept with the connection
/// between its messages.
pub(crate) enum PasswordExchange {
    /// `AuthenticationSASL` was sent; the client's first message comes next.
    AwaitingClientFirst {
        /// The user's verifier, if the user exists.
        verifier: Option<String>,
    },
    /// The server's first message was sent; the client's proof comes next.
    AwaitingClientFinal(Box<ScramServerAuthWaitingForClientFinal>),
}

/// What to do after a message of the exchange.
pub(crate) enum Step {
    /// Send this and wait for the client's next message.
    Continue(Authentication, PasswordExchange),
    /// The client proved the password: send this, then finish startup.
    Done(Authentication),
}

/// The first message of a password exchange: the mechanisms offered.
pub(crate) fn begin(verifier: Option<String>) -> (Authentication, PasswordExchange) {
    (
        Authentication::SASL(vec![SCRAM_SHA_256_METHOD.to_owned()]),
        PasswordExchange::AwaitingClientFirst { verifier },
    )
}

/// Advances `exchange` with the client's `message`; fails with 28P01 if
/// `user` did not prove the password (or does not exist: the two look the
/// same to the client).
pub(crate) fn advance(
    exchange: PasswordExchange,
    message: PasswordMessageFamily,
    user: &str,
) -> Result<Step, PgWireError> {
    match exchange {
        PasswordExchange::AwaitingClientFirst { verifier } => {
            let initial = message.into_sasl_initial_response()?;
            if initial.auth_method != SCRAM_SHA_256_METHOD {
                return Err(frontend_fatal(
                    SqlState::ProtocolViolation,
                    format!("unsupported SASL mechanism {}", initial.auth_method),
                ));
            }
            let data = initial
                .data
                .ok_or_else(|| frontend_fatal(SqlState::ProtocolViolation, "empty SCRAM client-first message"))?;
            let secret = verifier
                .as_deref()
                .and_then(parse_verifier)
                .unwrap_or_else(unmatchable_verifier);
            let (server_first, waiting) = ScramServerAuth::new()
                .on_client_first_message_with_secret(&data, secret)
                .map_err(|e| frontend_fatal(SqlState::ProtocolViolation, e.to_string()))?;
            Ok(Step::Continue(
                Authentication::SASLContinue(server_first.into()),
                PasswordExchange::AwaitingClientFinal(Box::new(waiting)),
            ))
        }
        PasswordExchange::AwaitingClientFinal(waiting) => {
            let response = message.into_sasl_response()?;
            match waiting.on_client_final_message(&response.data) {
                Ok(server_final) => Ok(Step::Done(Authentication::SASLFinal(server_final.into()))),
                Err(_) => Err(frontend_fatal(
                    SqlState::InvalidPassword,
                    format!("password authentication failed for user \"{user}\""),
                )),
            }
        }
    }
}
