//! Freshet's adapter: the coordinator and its clients.
//!
//! Owns sessions (their variables and transaction state), the sequencing
//! of every statement (parse → plan → catalog transaction or compute
//! command → response) and the choice of what each statement sees. One
//! task, the coordinator, owns all of this state; clients reach it through
//! [`Client`] and [`SessionClient`] with a command/response protocol.
//!
//! Its boundary types are SQL text in and [`ExecuteResponse`]s (rows as
//! `Row` with a `RelationDesc`) out. It must not know wire-protocol details
//! (that is the frontend) nor name timely or RocksDB types (compute and
//! storage own those). Network I/O never runs inside the coordinator task.

mod catalog_reader;
mod client;
mod command;
mod coord;
mod error;
mod password;
mod session;
mod subscribe;

pub use client::{
    Client, ConnectionId, ExecuteOutcome, ExecuteResponse, Notice, SessionClient, StartupParams, StatementDesc,
    StatementOutcome, TransactionStatus,
};
pub use coord::{Config, start};
pub use error::{AdapterError, CancelReason};
pub use password::{is_scram_verifier, scram_verifier};
pub use subscribe::SubscribeStream;
