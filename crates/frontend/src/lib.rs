//! Freshet's PostgreSQL wire protocol server, built on the `pgwire` crate.
//!
//! Owns the protocol: startup (protocol negotiation, TLS, trust or
//! SCRAM-SHA-256 password authentication,
//! server parameters, cancel keys), the simple query protocol (row
//! descriptions, text-encoded rows, command tags, `ReadyForQuery` with the
//! session's transaction state), errors with their SQLSTATE, detail, hint
//! and position, and notices; and the extended query protocol (prepared
//! statements with parameters, portals with row limits, results in the text
//! or binary format).
//!
//! Its boundary: a [`tokio::net::TcpListener`] and a
//! [`freshet_adapter::Client`] come in through [`serve`]; every connection
//! opens one adapter session, which ends when the connection does. Values
//! are printed with [`freshet_repr::format_datum`].
//!
//! It must not depend on planning internals (`freshet-sql`), the catalog,
//! compute or storage: everything it knows about a statement comes from the
//! adapter's client API.

mod auth;
mod backend;
mod binary;
mod bind;
mod cancel;
mod copy;
mod error;
mod extended;
mod query;
mod scram;
mod server;
mod startup;
mod types;
#[cfg(test)]
mod wire_tests;

pub use auth::{AuthMethod, ConfigError, ServerConfig, tls_acceptor};
pub use server::serve;
