//! Why Freshet cannot start, in one line: the reason, lowercase, and the
//! fix, as an imperative (`cannot listen on 127.0.0.1:6875: address
//! already in use; stop the server using that port or …`).
//!
//! The library crates' errors are typed; this module turns the ones a
//! start can meet into what the person starting Freshet must do.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::Path;

use freshet_adapter::AdapterError;
use freshet_catalog::CatalogError;
use freshet_frontend::ConfigError;
use freshet_storage::{OpenFailure, StorageError};

/// A start that failed: what went wrong and, where one is known, what to
/// do about it.
#[derive(Debug)]
pub(crate) struct StartupError {
    reason: String,
    fix: Option<String>,
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.fix {
            Some(fix) => write!(f, "{}; {fix}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl StartupError {
    /// A failure with `reason` and `fix`.
    pub(crate) fn new(reason: impl Into<String>, fix: impl Into<String>) -> StartupError {
        StartupError {
            reason: reason.into(),
            fix: Some(fix.into()),
        }
    }

    /// A failure no fix is known for.
    pub(crate) fn unexplained(reason: impl Into<String>) -> StartupError {
        StartupError {
            reason: reason.into(),
            fix: None,
        }
    }

    /// The listener cannot be bound to `addr`.
    pub(crate) fn listen(addr: SocketAddr, e: &io::Error) -> StartupError {
        let ip = addr.ip();
        let reason = format!("cannot listen on {addr}: {}", io_reason(e));
        match e.kind() {
            io::ErrorKind::AddrInUse => StartupError::new(
                reason,
                format!("stop the server using that port or start Freshet with --listen-addr {ip}:<another port>"),
            ),
            io::ErrorKind::PermissionDenied if addr.port() < 1024 => StartupError::new(
                reason,
                format!(
                    "ports below 1024 need privileges: start Freshet with --listen-addr {ip}:<a port above 1023>, \
                     or give it the CAP_NET_BIND_SERVICE capability"
                ),
            ),
            io::ErrorKind::PermissionDenied => StartupError::new(
                reason,
                format!(
                    "check what forbids it (a security policy), or start Freshet with --listen-addr {ip}:<another port>"
                ),
            ),
            io::ErrorKind::AddrNotAvailable => StartupError::new(
                reason,
                format!(
                    "start Freshet with --listen-addr set to an address of this host, such as 127.0.0.1:{}",
                    addr.port()
                ),
            ),
            _ => StartupError::new(reason, "check --listen-addr"),
        }
    }

    /// The data directory at `path` cannot be opened or read.
    pub(crate) fn storage(path: &Path, e: &StorageError) -> StartupError {
        let dir = path.display();
        let elsewhere = "or start Freshet with --data-dir <another directory>";
        match e {
            StorageError::Open { failure, message, .. } => match failure {
                OpenFailure::Locked => StartupError::new(
                    format!("data directory {dir} is in use by another Freshet server"),
                    format!("stop that server, {elsewhere}"),
                ),
                OpenFailure::PermissionDenied => StartupError::new(
                    format!("cannot open data directory {dir}: permission denied"),
                    format!("run Freshet as a user that may write the directory, {elsewhere}"),
                ),
                OpenFailure::NotADataDirectory => StartupError::new(
                    format!("{dir} is not a Freshet data directory: {message}"),
                    "start Freshet with --data-dir set to a new or empty directory, or to an existing data directory",
                ),
                OpenFailure::Other => StartupError::new(
                    format!("cannot open data directory {dir}: {message}"),
                    format!("check the directory and the file system it is on, {elsewhere}"),
                ),
            },
            StorageError::Corrupt(_) | StorageError::NegativeMultiplicity { .. } => StartupError::new(
                format!("data directory {dir} is damaged: {e}"),
                format!("restore it from a backup, {elsewhere}"),
            ),
            _ => StartupError::new(
                format!("cannot read data directory {dir}: {e}"),
                format!("check the directory and the file system it is on, {elsewhere}"),
            ),
        }
    }

    /// The catalog in the data directory at `path` cannot be loaded.
    pub(crate) fn catalog(path: &Path, e: &CatalogError) -> StartupError {
        let dir = path.display();
        match e {
            CatalogError::UnsupportedFormat { found, supported } if found > supported => StartupError::new(
                format!(
                    "data directory {dir} was written by a newer version of Freshet \
                     (catalog format version {found}; this version reads version {supported})"
                ),
                "run the newer Freshet on it, or start this one with --data-dir <another directory>",
            ),
            CatalogError::UnsupportedFormat { found, supported } => StartupError::new(
                format!(
                    "data directory {dir} was written by an older version of Freshet that this one cannot upgrade \
                     (catalog format version {found}; this version reads version {supported})"
                ),
                "run the version that wrote it, or start this one with --data-dir <another directory>",
            ),
            CatalogError::Corrupt { .. } => StartupError::new(
                format!("data directory {dir} is damaged: {e}"),
                "restore it from a backup, or start Freshet with --data-dir <another directory>",
            ),
            CatalogError::Storage(e) => StartupError::storage(path, e),
            _ => StartupError::unexplained(format!("cannot load the catalog of data directory {dir}: {e}")),
        }
    }

    /// The coordinator cannot start on the data directory at `path`.
    pub(crate) fn coordinator(path: &Path, e: &AdapterError) -> StartupError {
        match e {
            AdapterError::Catalog(e) => StartupError::catalog(path, e),
            AdapterError::Storage(e) => StartupError::storage(path, e),
            _ => StartupError::unexplained(format!("cannot start on data directory {}: {e}", path.display())),
        }
    }

    /// The TLS certificate or key cannot be used.
    pub(crate) fn tls(e: &ConfigError) -> StartupError {
        match e {
            ConfigError::Pem { what, path, .. } => {
                // A file that cannot be opened says so in the system's words.
                let reason = match std::fs::File::open(path) {
                    Err(io) => format!("cannot read {what} from {path}: {}", io_reason(&io)),
                    Ok(_) => e.to_string(),
                };
                StartupError::new(reason, "point --tls-cert and --tls-key at PEM files Freshet can read")
            }
            ConfigError::Tls(_) => StartupError::new(
                e.to_string(),
                "check that --tls-key is the private key of the certificate in --tls-cert",
            ),
        }
    }
}

/// An I/O error's reason, lowercase, without the OS error number.
pub(crate) fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::AddrInUse => "address already in use".into(),
        io::ErrorKind::AddrNotAvailable => "the address is not one of this host's".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => {
            let text = e.to_string();
            let text = match text.find(" (os error ") {
                Some(at) => &text[..at],
                None => &text,
            };
            let mut chars = text.chars();
            chars
                .next()
                .map(|first| first.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_in_use_names_the_port_and_the_flag() -> anyhow::Result<()> {
        let addr: SocketAddr = "127.0.0.1:6875".parse()?;
        let e = io::Error::from(io::ErrorKind::AddrInUse);
        assert_eq!(
            StartupError::listen(addr, &e).to_string(),
            "cannot listen on 127.0.0.1:6875: address already in use; \
             stop the server using that port or start Freshet with --listen-addr 127.0.0.1:<another port>"
        );
        Ok(())
    }

    #[test]
    fn io_reasons_are_lowercase_without_error_numbers() {
        assert_eq!(io_reason(&io::Error::from_raw_os_error(28)), "no space left on device");
        assert_eq!(io_reason(&io::Error::other("Odd")), "odd");
    }

    #[test]
    fn a_newer_catalog_names_both_versions() {
        let e = CatalogError::UnsupportedFormat { found: 7, supported: 1 };
        let line = StartupError::catalog(Path::new("data"), &e).to_string();
        assert!(
            line.starts_with("data directory data was written by a newer version of Freshet"),
            "{line}"
        );
        assert!(line.contains("version 7") && line.contains("version 1"), "{line}");
    }
}
