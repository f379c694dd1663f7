//! The `freshet` binary: reads its flags, opens the data directory, starts
//! the compute workers, the coordinator and the pgwire listener, and stops
//! on SIGINT or SIGTERM.
//!
//! Wiring only: everything it starts is owned by the library crates.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Parser;
use tokio::net::TcpListener;

/// A streaming SQL database that keeps live copies of MySQL tables and
/// serves them over the PostgreSQL wire protocol.
#[derive(Debug, Parser)]
#[command(name = "freshet", version)]
struct Args {
    /// The address to accept PostgreSQL connections on.
    #[arg(long, env = "FRESHET_LISTEN_ADDR", default_value = "127.0.0.1:6875")]
    listen_addr: SocketAddr,
    /// The directory holding the catalog and all data.
    #[arg(long, env = "FRESHET_DATA_DIR", default_value = "freshet-data")]
    data_dir: PathBuf,
    /// The number of timely worker threads of the default cluster.
    #[arg(long, env = "FRESHET_WORKERS", default_value_t = 2)]
    workers: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("FRESHET_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    if !args.listen_addr.ip().is_loopback() {
        bail!(
            "refusing to listen on {}: connections from other hosts need password authentication or TLS, which this version does not offer yet; listen on 127.0.0.1",
            args.listen_addr
        );
    }
    let store = freshet_storage::Store::open(&args.data_dir)
        .with_context(|| format!("opening data directory {}", args.data_dir.display()))?;
    let catalog = freshet_catalog::Catalog::open(store.clone()).context("loading the catalog")?;
    let compute =
        freshet_compute::ComputeController::start(args.workers, store.clone()).context("starting compute workers")?;
    let client = freshet_adapter::start(freshet_adapter::Config {
        catalog,
        store,
        compute,
        clock: freshet_storage::system_clock(),
        tick_interval: std::time::Duration::from_secs(1),
    })
    .context("starting the coordinator")?;
    let listener = TcpListener::bind(args.listen_addr)
        .await
        .with_context(|| format!("listening on {}", args.listen_addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data_dir = %args.data_dir.display(), "freshet is ready");
    // Test harnesses read this line to learn the port.
    println!("listening on {addr}");

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = freshet_frontend::serve(listener, client) => result.context("serving connections")?,
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted, shutting down"),
        _ = terminate.recv() => tracing::info!("terminated, shutting down"),
    }
    Ok(())
}
