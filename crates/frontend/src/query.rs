//! The simple query protocol: a query string in, each statement's notices
//! and result out, then `ReadyForQuery` with the session's transaction state
//! as the adapter reports it.

use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use freshet_adapter::{AdapterError, ExecuteOutcome, ExecuteResponse, StatementOutcome, TransactionStatus};
use freshet_repr::SqlState;
use futures::{Sink, SinkExt};
use pgwire::api::query::{SimpleQueryHandler, send_execution_response, send_query_response, send_ready_for_query};
use pgwire::api::results::{Response, Tag};
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::response::{self as wire, EmptyQueryResponse};
use pgwire::messages::simplequery::Query;
use tracing::debug;

use crate::backend::{Backend, Session};
use crate::copy::{send_subscribe, subscribe_tag};
use crate::error::{fatal, frontend_error, notice_message, statement_error};
use crate::types::query_response;

/// Answers `Query` messages by executing them in the connection's session.
pub(crate) struct FreshetQueryHandler<B> {
    backend: PhantomData<fn() -> B>,
}

impl<B> FreshetQueryHandler<B> {
    /// A handler for connections whose sessions come from a `B`.
    pub(crate) fn new() -> Self {
        FreshetQueryHandler { backend: PhantomData }
    }
}

#[async_trait]
impl<B: Backend> SimpleQueryHandler for FreshetQueryHandler<B> {
    /// Replaces pgwire's default so that `ReadyForQuery` carries the
    /// transaction state the adapter reports (pgwire would derive it from
    /// the responses alone) and each statement's notices go out just before
    /// its result.
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        let session = session::<B>(client)?;
        // A cancel request fails the statement in the adapter, which
        // reports it here like any other error.
        match session.execute(&query.query).await {
            Ok(outcome) => {
                let status = send_outcome(client, outcome).await?;
                ready_for_query(client, status).await
            }
            // The adapter can no longer serve this session.
            Err(err) => Err(fatal(&err)),
        }
    }

    /// Not called by [`Self::on_query`]; kept for pgwire's default flow:
    /// notices are sent first, then the responses.
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = session::<B>(client)?;
        let outcome = session.execute(query).await.map_err(|err| fatal(&err))?;
        let mut responses = Vec::with_capacity(outcome.statements.len());
        for StatementOutcome { notices, result } in outcome.statements {
            for notice in &notices {
                client.send(notice_message(notice)).await?;
            }
            responses.push(statement_response(result));
        }
        if responses.is_empty() {
            responses.push(Response::EmptyQuery);
        }
        Ok(responses)
    }
}

/// The connection's session, put there at startup.
pub(crate) fn session<B: Backend>(client: &impl ClientInfo) -> PgWireResult<Arc<B::Session>> {
    client.session_extensions().get::<B::Session>().ok_or_else(|| {
        tracing::error!("a connection ready for queries has no session");
        PgWireError::UserError(Box::new(frontend_error(
            SqlState::InternalError,
            "internal error: the connection has no session",
        )))
    })
}

/// Reports the end of a query string: `ReadyForQuery` with `status`, the
/// session's transaction state.
async fn ready_for_query<C>(client: &mut C, status: wire::TransactionStatus) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    client.set_state(PgWireConnectionState::ReadyForQuery);
    client.set_transaction_status(status);
    send_ready_for_query(client, status).await
}

/// Writes each statement's notices and result. The adapter stops at the
/// first error, so at most the last statement failed.
async fn send_outcome<C>(client: &mut C, outcome: ExecuteOutcome) -> PgWireResult<wire::TransactionStatus>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let status = transaction_status(outcome.status);
    if outcome.statements.is_empty() {
        client
            .feed(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new()))
            .await?;
        return Ok(status);
    }
    for StatementOutcome { notices, result } in outcome.statements {
        for notice in &notices {
            client.feed(notice_message(notice)).await?;
        }
        if let Ok(ExecuteResponse::Subscribing(stream)) = result {
            match send_subscribe(client, *stream).await? {
                Ok(count) => send_execution_response(client, subscribe_tag(count)).await?,
                Err(info) => {
                    client.feed(PgWireBackendMessage::ErrorResponse(info.into())).await?;
                    break;
                }
            }
            continue;
        }
        if let Err(info) = send_response(client, statement_response(result)).await? {
            debug!(code = %info.code, "result could not be sent");
            client.feed(PgWireBackendMessage::ErrorResponse(info.into())).await?;
            break;
        }
    }
    Ok(status)
}

/// Writes one statement's response. `Ok(Err(..))` is an error to report in
/// place of the rest of the response (a row that could not be encoded).
async fn send_response<C>(client: &mut C, response: Response) -> PgWireResult<Result<(), ErrorInfo>>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    match response {
        Response::Query(rows) => match send_query_response(client, rows, true).await {
            Ok(()) => {}
            Err(PgWireError::UserError(info)) => return Ok(Err(*info)),
            Err(err) => return Err(err),
        },
        Response::Execution(tag) | Response::TransactionStart(tag) | Response::TransactionEnd(tag) => {
            send_execution_response(client, tag).await?;
        }
        Response::Error(info) => {
            client.feed(PgWireBackendMessage::ErrorResponse((*info).into())).await?;
        }
        Response::EmptyQuery => {
            client
                .feed(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new()))
                .await?;
        }
        Response::CopyIn(_) | Response::CopyOut(_) | Response::CopyBoth(_) => {
            tracing::error!("a statement produced a COPY response");
            return Ok(Err(frontend_error(
                SqlState::InternalError,
                "internal error: unexpected COPY response",
            )));
        }
    }
    Ok(Ok(()))
}

/// pgwire's response for one statement's result.
///
/// A command tag goes out verbatim: pgwire appends nothing to a `Tag`
/// without rows, so `INSERT 0 1` stays `INSERT 0 1`. Rows get `SELECT <n>`.
pub(crate) fn statement_response(result: Result<ExecuteResponse, AdapterError>) -> Response {
    match result {
        Ok(ExecuteResponse::Rows { desc, rows }) => Response::Query(query_response(&desc, rows)),
        Ok(ExecuteResponse::Fetched { desc, rows }) => {
            let mut response = query_response(&desc, rows);
            response.set_command_tag("FETCH");
            Response::Query(response)
        }
        Ok(ExecuteResponse::Command { tag }) => Response::Execution(Tag::new(&tag)),
        Ok(ExecuteResponse::TransactionStarted) => Response::TransactionStart(Tag::new("BEGIN")),
        Ok(ExecuteResponse::TransactionEnded { tag }) => Response::TransactionEnd(Tag::new(&tag)),
        // Streamed by the caller; a path that cannot stream refuses it.
        Ok(ExecuteResponse::Subscribing(_)) => Response::Error(Box::new(frontend_error(
            SqlState::FeatureNotSupported,
            "SUBSCRIBE cannot run here: use COPY (SUBSCRIBE …) TO STDOUT or a cursor",
        ))),
        Err(err) => Response::Error(Box::new(statement_error(&err))),
    }
}

/// The `ReadyForQuery` indicator for the adapter's transaction state.
pub(crate) fn transaction_status(status: TransactionStatus) -> wire::TransactionStatus {
    match status {
        TransactionStatus::Idle => wire::TransactionStatus::Idle,
        TransactionStatus::InTransaction => wire::TransactionStatus::Transaction,
        TransactionStatus::Failed => wire::TransactionStatus::Error,
    }
}

#[cfg(test)]
mod tests {
    use freshet_repr::{Datum, RelationDesc, Row, ScalarType};
    use futures::StreamExt;
    use pgwire::messages::response::CommandComplete;

    use super::*;

    /// The `CommandComplete` text pgwire sends for a tag.
    fn complete(tag: Tag) -> String {
        CommandComplete::from(tag).tag
    }

    #[test]
    fn command_tags_go_out_verbatim() {
        for tag in ["INSERT 0 1", "UPDATE 3", "DELETE 0", "CREATE TABLE", "SET"] {
            let response = statement_response(Ok(ExecuteResponse::Command { tag: tag.to_owned() }));
            let Response::Execution(t) = response else {
                panic!("not an execution response");
            };
            assert_eq!(complete(t), tag);
        }
    }

    #[test]
    fn transactions_map_to_transaction_responses() {
        let Response::TransactionStart(t) = statement_response(Ok(ExecuteResponse::TransactionStarted)) else {
            panic!("not a transaction start");
        };
        assert_eq!(complete(t), "BEGIN");
        let ended = ExecuteResponse::TransactionEnded {
            tag: "ROLLBACK".to_owned(),
        };
        let Response::TransactionEnd(t) = statement_response(Ok(ended)) else {
            panic!("not a transaction end");
        };
        assert_eq!(complete(t), "ROLLBACK");
    }

    #[tokio::test]
    async fn rows_become_a_select_response() {
        let desc = RelationDesc::empty().with_column("n", ScalarType::Int64.nullable(true));
        let rows = vec![Row::pack([Datum::Int64(1)]), Row::pack([Datum::Null])];
        let Response::Query(mut response) = statement_response(Ok(ExecuteResponse::Rows { desc, rows })) else {
            panic!("not a query response");
        };
        // pgwire appends the number of rows sent to this tag.
        assert_eq!(response.command_tag(), "SELECT");
        assert_eq!(complete(Tag::new(response.command_tag()).with_rows(2)), "SELECT 2");
        assert_eq!(response.row_schema().len(), 1);
        let mut count = 0;
        while let Some(row) = response.data_rows().next().await {
            assert_eq!(row.expect("encodes").field_count, 1);
            count += 1;
        }
        assert_eq!(count, 2);
    }

    #[test]
    fn errors_become_error_responses() {
        let Response::Error(info) = statement_response(Err(AdapterError::TransactionAborted)) else {
            panic!("not an error");
        };
        assert_eq!((info.severity.as_str(), info.code.as_str()), ("ERROR", "25P02"));
    }

    #[test]
    fn transaction_status_maps_to_ready_for_query() {
        assert_eq!(
            transaction_status(TransactionStatus::Idle),
            wire::TransactionStatus::Idle
        );
        assert_eq!(
            transaction_status(TransactionStatus::InTransaction),
            wire::TransactionStatus::Transaction
        );
        assert_eq!(
            transaction_status(TransactionStatus::Failed),
            wire::TransactionStatus::Error
        );
    }
}
