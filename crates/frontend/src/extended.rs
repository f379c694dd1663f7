//! The extended query protocol, refused for now: `Parse` fails with
//! SQLSTATE `0A000`, and pgwire then skips the client's messages up to the
//! next `Sync`, which it answers with `ReadyForQuery`.
//!
//! pgwire's default handler would accept `Parse`, describe every statement
//! as returning no rows, and fail only at `Execute`: drivers would see a
//! description that does not match execution.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use freshet_repr::SqlState;
use futures::Sink;
use pgwire::api::portal::Portal;
use pgwire::api::query::ExtendedQueryHandler;
use pgwire::api::results::Response;
use pgwire::api::stmt::NoopQueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::extendedquery::Parse;

use crate::error::frontend_error;

/// The message clients get for any use of the extended query protocol.
pub(crate) const UNSUPPORTED: &str = "feature not supported: the extended query protocol";

/// Refuses the extended query protocol.
pub(crate) struct RefuseExtendedQuery;

/// The error sent in reply to `Parse`.
fn unsupported() -> PgWireError {
    PgWireError::UserError(Box::new(frontend_error(SqlState::FeatureNotSupported, UNSUPPORTED)))
}

#[async_trait]
impl ExtendedQueryHandler for RefuseExtendedQuery {
    type Statement = String;
    type QueryParser = NoopQueryParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        Arc::new(NoopQueryParser)
    }

    async fn on_parse<C>(&self, _client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        tracing::debug!(statement = ?message.name, "refusing the extended query protocol");
        Err(unsupported())
    }

    /// Unreachable: no statement is ever stored, so no portal can be bound.
    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(unsupported())
    }
}
