//! The `freshet` binary: reads its flags, binds the pgwire listener, opens
//! the data directory, starts the coordinator (which starts each cluster's
//! compute workers), serves, and stops on SIGINT or SIGTERM.
//!
//! Wiring only: everything it starts is owned by the library crates. A
//! start that fails says why in one line on stderr, with the fix
//! ([`startup`]), and exits with status 1.

mod startup;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use freshet_frontend::{AuthMethod, ServerConfig};
use startup::{StartupError, io_reason};
use tokio::net::TcpListener;

/// A streaming SQL database that keeps live copies of MySQL tables and
/// serves them over the PostgreSQL wire protocol.
#[derive(Debug, Parser)]
#[command(name = "freshet", version)]
struct Args {
    /// The address to accept PostgreSQL connections on.
    #[arg(long, env = "FRESHET_LISTEN_ADDR", default_value = "127.0.0.1:6875", value_parser = parse_listen_addr)]
    listen_addr: SocketAddr,
    /// The directory holding the catalog and all data.
    #[arg(long, env = "FRESHET_DATA_DIR", default_value = "freshet-data")]
    data_dir: PathBuf,
    /// How clients prove who they are: `trust` (whoever connects is the
    /// user they name) or `password` (SCRAM-SHA-256, against the users in
    /// --users-file).
    #[arg(long, env = "FRESHET_AUTH", value_enum, default_value_t = Auth::Trust)]
    auth: Auth,
    /// A file of users that log in with a password: one `name:password` per
    /// line, where the password may be given as a SCRAM-SHA-256 verifier in
    /// PostgreSQL's form (`SCRAM-SHA-256$4096:...`); `#` starts a comment.
    #[arg(long, env = "FRESHET_USERS_FILE")]
    users_file: Option<PathBuf>,
    /// The server's TLS certificate chain (PEM). With --tls-key, every
    /// connection must use TLS.
    #[arg(long, env = "FRESHET_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "FRESHET_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// How often a running snapshot logs its progress (`10s`, `500ms`).
    #[arg(
        long,
        env = "FRESHET_SNAPSHOT_PROGRESS_INTERVAL",
        default_value = "10s",
        value_parser = parse_duration,
        hide = true
    )]
    snapshot_progress_interval: Duration,
}

/// An IP address and a port.
fn parse_listen_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| "expected an IP address and a port, such as 127.0.0.1:6875 or [::1]:6875".to_owned())
}

/// A duration written as a whole number and a unit: `500ms`, `10s`, `2m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("expected a whole number with a unit (ms, s or m), such as 10s or 500ms, not {text:?}");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(invalid)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let duration = match unit {
        "ms" => Duration::from_millis(number),
        "s" => Duration::from_secs(number),
        "m" => Duration::from_secs(number.saturating_mul(60)),
        _ => return Err(invalid()),
    };
    if duration.is_zero() {
        return Err("the interval must be longer than zero".into());
    }
    Ok(duration)
}

/// How clients prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Auth {
    /// Whoever connects is the user they name.
    Trust,
    /// A password, checked with SCRAM-SHA-256.
    Password,
}

/// Reads the users file: `name:password` lines, passwords in clear or as
/// SCRAM-SHA-256 verifiers; returns each user's verifier.
fn read_users(path: &std::path::Path) -> Result<BTreeMap<String, String>, StartupError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        StartupError::new(
            format!("cannot read users file {}: {}", path.display(), io_reason(&e)),
            "create it, or point --users-file at a file Freshet can read",
        )
    })?;
    let mut users = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{}:{}", path.display(), number + 1);
        let Some((name, password)) = line
            .split_once(':')
            .filter(|(name, pw)| !name.is_empty() && !pw.is_empty())
        else {
            return Err(StartupError::new(
                format!("{at}: expected name:password"),
                "write one name:password line per user",
            ));
        };
        let verifier = if freshet_adapter::is_scram_verifier(password) {
            password.to_owned()
        } else {
            freshet_adapter::scram_verifier(password)
        };
        if users.insert(name.to_owned(), verifier).is_some() {
            return Err(StartupError::new(
                format!("{at}: user {name} appears twice"),
                "keep one line per user",
            ));
        }
    }
    Ok(users)
}

/// The pgwire listener's configuration from the flags; refuses a listener
/// beyond loopback that neither asks for passwords nor uses TLS.
fn server_config(args: &Args) -> Result<(ServerConfig, BTreeMap<String, String>), StartupError> {
    let passwords = match &args.users_file {
        Some(path) => read_users(path)?,
        None => BTreeMap::new(),
    };
    let auth_method = match args.auth {
        Auth::Trust => AuthMethod::Trust,
        Auth::Password if passwords.is_empty() => {
            return Err(StartupError::new(
                "--auth password needs users",
                "list them, one name:password per line, in a file given with --users-file",
            ));
        }
        Auth::Password => AuthMethod::Password,
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(freshet_frontend::tls_acceptor(cert, key).map_err(|e| StartupError::tls(&e))?),
        _ => None,
    };
    if !args.listen_addr.ip().is_loopback() && auth_method == AuthMethod::Trust && tls.is_none() {
        return Err(StartupError::new(
            format!(
                "refusing to listen on {} without passwords or TLS: anyone on the network could connect as any user",
                args.listen_addr
            ),
            "start Freshet with --auth password and --users-file, or with --tls-cert and --tls-key, \
             or listen on 127.0.0.1",
        ));
    }
    Ok((ServerConfig { tls, auth_method }, passwords))
}

/// Log targets that print statement text (which may hold a secret's
/// value) below `info`: held at `info` whatever `FRESHET_LOG` asks for.
const QUIET_TARGETS: &[&str] = &["sqlparser=info"];

/// The log filter: `FRESHET_LOG` (default `info`), with [`QUIET_TARGETS`].
fn log_filter() -> tracing_subscriber::EnvFilter {
    let asked = std::env::var("FRESHET_LOG").unwrap_or_else(|_| "info".into());
    let directives = std::iter::once(asked.as_str())
        .chain(QUIET_TARGETS.iter().copied())
        .filter(|d| !d.is_empty())
        .collect::<Vec<_>>()
        .join(",");
    tracing_subscriber::EnvFilter::try_new(&directives).unwrap_or_else(|e| {
        eprintln!("ignoring FRESHET_LOG={asked:?}: {e}");
        tracing_subscriber::EnvFilter::new(
            ["info"]
                .into_iter()
                .chain(QUIET_TARGETS.iter().copied())
                .collect::<Vec<_>>()
                .join(","),
        )
    })
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => return usage_error(&e),
    };
    tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| StartupError::unexplained(format!("cannot start the async runtime: {}", io_reason(&e))))
        .and_then(|runtime| runtime.block_on(run(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("freshet: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Says what is wrong with the flags in one line, and exits with status 2
/// (help and the version are printed as clap prints them).
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    // clap's message is its first paragraph: `error: …`, perhaps with the
    // arguments it names on the lines below.
    let text = e.render().to_string();
    let message = text
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    eprintln!("freshet: {message}; run freshet --help to see the flags");
    ExitCode::from(2)
}

/// Starts and serves until a signal; any failure to start comes back as
/// its one line.
async fn run(args: Args) -> Result<(), StartupError> {
    let (server_config, passwords) = server_config(&args)?;
    // The port first: a clash changes nothing on disk.
    let listener = TcpListener::bind(args.listen_addr)
        .await
        .map_err(|e| StartupError::listen(args.listen_addr, &e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartupError::listen(args.listen_addr, &e))?;
    let data_dir = &args.data_dir;
    let store = freshet_storage::Store::open(data_dir).map_err(|e| StartupError::storage(data_dir, &e))?;
    let catalog = freshet_catalog::Catalog::open(store.clone()).map_err(|e| StartupError::catalog(data_dir, &e))?;
    let client = freshet_adapter::start(freshet_adapter::Config {
        catalog,
        store,
        clock: freshet_storage::system_clock(),
        tick_interval: Duration::from_secs(1),
        snapshot_progress_interval: args.snapshot_progress_interval,
        passwords,
    })
    .await
    .map_err(|e| StartupError::coordinator(data_dir, &e))?;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| StartupError::unexplained(format!("cannot listen for SIGTERM: {}", io_reason(&e))))?;
    tracing::info!(%addr, data_dir = %data_dir.display(), "freshet is ready");
    // Test harnesses read this line to learn the port.
    println!("listening on {addr}");

    tokio::select! {
        result = freshet_frontend::serve(listener, client, server_config) => {
            result.map_err(|e| StartupError::unexplained(format!("stopped serving connections: {}", io_reason(&e))))?;
        }
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted, shutting down"),
        _ = terminate.recv() => tracing::info!("terminated, shutting down"),
    }
    Ok(())
}
