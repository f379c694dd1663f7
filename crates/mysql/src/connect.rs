//! A connection's options and opening a connection with them.

use std::fmt;
use std::io;
use std::time::Duration;

use mysql_async::{ClientIdentity, Conn, OptsBuilder, SslOpts};

use crate::MySqlError;

/// How long connecting may take before it fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How a connection uses TLS (`SSL MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// No TLS.
    #[default]
    Disabled,
    /// TLS, without checking the server's certificate.
    Required,
    /// TLS, with a server certificate signed by the connection's CA.
    VerifyCa,
    /// As `VerifyCa`, and the certificate must name the host connected to.
    VerifyIdentity,
}

impl SslMode {
    /// The mode `text` names (any case, `-` or `_` between words).
    pub fn parse(text: &str) -> Option<SslMode> {
        match text.to_ascii_lowercase().replace('-', "_").as_str() {
            "disabled" => Some(SslMode::Disabled),
            "required" => Some(SslMode::Required),
            "verify_ca" => Some(SslMode::VerifyCa),
            "verify_identity" => Some(SslMode::VerifyIdentity),
            _ => None,
        }
    }

    /// Its name in `SSL MODE`.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disabled => "disabled",
            SslMode::Required => "required",
            SslMode::VerifyCa => "verify_ca",
            SslMode::VerifyIdentity => "verify_identity",
        }
    }
}

/// Everything needed to reach one MySQL server, secrets resolved.
#[derive(Clone, PartialEq, Eq)]
pub struct MySqlConnection {
    /// The host name or address.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The user.
    pub user: String,
    /// The password, if the user has one.
    pub password: Option<String>,
    /// How TLS is used.
    pub ssl_mode: SslMode,
    /// The CA certificate (PEM) the server's certificate must be signed by.
    pub ssl_ca: Option<String>,
    /// A client certificate (PEM), with `ssl_key`.
    pub ssl_cert: Option<String>,
    /// The client certificate's private key (PEM).
    pub ssl_key: Option<String>,
}

impl fmt::Debug for MySqlConnection {
    /// Never shows the password or the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MySqlConnection")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_ca", &self.ssl_ca.is_some())
            .field("ssl_cert", &self.ssl_cert.is_some())
            .field("ssl_key", &self.ssl_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl MySqlConnection {
    /// The TLS options `ssl_mode` asks for, or `None` without TLS.
    fn ssl_opts(&self) -> Result<Option<SslOpts>, MySqlError> {
        // Verified modes trust the connection's CA alone, or without one the
        // public roots.
        let verified = || match &self.ssl_ca {
            Some(ca) => SslOpts::default()
                .with_root_certs(vec![ca.clone().into_bytes().into()])
                .with_disable_built_in_roots(true),
            None => SslOpts::default(),
        };
        let opts = match self.ssl_mode {
            SslMode::Disabled => return Ok(None),
            SslMode::Required => SslOpts::default()
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
            SslMode::VerifyCa => verified().with_danger_skip_domain_validation(true),
            SslMode::VerifyIdentity => verified(),
        };
        let identity = match (&self.ssl_cert, &self.ssl_key) {
            (Some(cert), Some(key)) => Some(ClientIdentity::new(
                cert.clone().into_bytes().into(),
                key.clone().into_bytes().into(),
            )),
            (None, None) => None,
            _ => {
                return Err(MySqlError::InvalidOptions(
                    "SSL CERTIFICATE and SSL KEY must be given together".into(),
                ));
            }
        };
        Ok(Some(opts.with_client_identity(identity)))
    }

    /// The error for a failed connection attempt.
    fn connect_error(&self, err: mysql_async::Error) -> MySqlError {
        let (host, port) = (self.host.clone(), self.port);
        match err {
            mysql_async::Error::Server(e) if matches!(e.code, 1045 | 1044 | 1698) => {
                MySqlError::AccessDenied(e.message)
            }
            mysql_async::Error::Server(e) => MySqlError::Server {
                code: e.code,
                message: e.message,
            },
            mysql_async::Error::Io(mysql_async::IoError::Tls(e)) => MySqlError::Tls(e.to_string()),
            mysql_async::Error::Io(mysql_async::IoError::Io(e)) => io_error(host, port, &e),
            mysql_async::Error::Driver(e @ mysql_async::DriverError::NoClientSslFlagFromServer) => {
                MySqlError::Tls(e.to_string())
            }
            other => MySqlError::Network {
                host,
                port,
                reason: other.to_string(),
            },
        }
    }
}

/// The error for an I/O failure while connecting to `host:port`.
fn io_error(host: String, port: u16, err: &io::Error) -> MySqlError {
    let text = err.to_string();
    match err.kind() {
        io::ErrorKind::ConnectionRefused => MySqlError::ConnectionRefused { host, port },
        // rustls reports certificate problems as invalid data.
        io::ErrorKind::InvalidData => MySqlError::Tls(text),
        _ if text.contains("failed to lookup address") || text.contains("Name or service not known") => {
            MySqlError::UnknownHost {
                host,
                reason: "Name or service not known".into(),
            }
        }
        _ => MySqlError::Network {
            host,
            port,
            reason: text,
        },
    }
}

/// Opens a connection with `options`, failing after 10 s.
pub async fn connect(options: &MySqlConnection) -> Result<Conn, MySqlError> {
    let opts = OptsBuilder::default()
        .ip_or_hostname(options.host.clone())
        .tcp_port(options.port)
        .user(Some(options.user.clone()))
        .pass(options.password.clone())
        .prefer_socket(false)
        .ssl_opts(options.ssl_opts()?);
    match tokio::time::timeout(CONNECT_TIMEOUT, Conn::new(opts)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(options.connect_error(err)),
        Err(_) => Err(MySqlError::Timeout {
            host: options.host.clone(),
            port: options.port,
            seconds: CONNECT_TIMEOUT.as_secs(),
        }),
    }
}
