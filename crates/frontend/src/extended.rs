//! The extended query protocol: `Parse` describes a statement through the
//! adapter (its parameter types, inferred where the client gave none, and
//! its result columns), `Bind` checks and decodes parameter values (text or
//! binary), `Describe` answers from the description, and `Execute` runs the
//! statement with its values bound, rows in the formats `Bind` asked for,
//! at most the requested number at a time (`PortalSuspended` between).
//!
//! An error makes pgwire skip the client's messages up to `Sync`; `Sync`
//! then reports the adapter's transaction state, failing an explicit
//! transaction first if an error the adapter did not see (a parameter that
//! did not decode) ended the batch.

use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use freshet_adapter::{ExecuteResponse, StatementDesc, StatementOutcome};
use freshet_repr::RelationDesc;
use futures::{Sink, SinkExt};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, send_ready_for_query};
use pgwire::api::results::{DescribePortalResponse, DescribeStatementResponse, FieldInfo, Response, Tag};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore, DEFAULT_NAME, Type};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::data::{NoData, ParameterDescription, RowDescription};
use pgwire::messages::extendedquery::{
    Bind, BindComplete, Describe, Parse, ParseComplete, Sync as PgSync, TARGET_TYPE_BYTE_PORTAL,
    TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::TransactionStatus;
use tracing::debug;

use crate::backend::{Backend, Session};
use crate::bind::{check_formats, declared_type, decode_params, result_formats};
use crate::copy::{send_subscribe, subscribe_tag};
use crate::error::{fatal, notice_message, statement_error};
use crate::query::{session, transaction_status};
use crate::types::{field_infos_in, pg_type, query_response_in};

/// A prepared statement: its text and its description.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The statement's text, planned again at each `Execute`.
    sql: String,
    /// Its parameter types and result columns.
    desc: StatementDesc,
}

/// Answers the extended query protocol's messages in the connection's
/// session.
pub(crate) struct FreshetExtendedQueryHandler<B> {
    backend: PhantomData<fn() -> B>,
}

impl<B> FreshetExtendedQueryHandler<B> {
    /// A handler for connections whose sessions come from a `B`.
    pub(crate) fn new() -> Self {
        FreshetExtendedQueryHandler { backend: PhantomData }
    }
}

/// pgwire's query parser, which this handler does not call: statements
/// are described by the adapter in [`ExtendedQueryHandler::on_parse`].
pub(crate) struct DescribedParser;

#[async_trait]
impl QueryParser for DescribedParser {
    type Statement = Prepared;

    async fn parse_sql<C>(&self, _client: &C, _sql: &str, _types: &[Option<Type>]) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        Err(internal("the query parser is not used"))
    }

    fn get_parameter_types(&self, stmt: &Prepared) -> PgWireResult<Vec<Type>> {
        Ok(stmt.desc.param_types.iter().map(pg_type).collect())
    }

    fn get_result_schema(&self, stmt: &Prepared, format: Option<&Format>) -> PgWireResult<Vec<FieldInfo>> {
        let Some(desc) = &stmt.desc.result else {
            return Ok(vec![]);
        };
        let formats = format.map(|f| result_formats(f, desc.arity())).unwrap_or_default();
        Ok(field_infos_in(desc, &formats))
    }
}

/// An internal error, as pgwire's error type.
fn internal(message: &str) -> PgWireError {
    tracing::error!(message, "extended query protocol invariant violated");
    PgWireError::UserError(Box::new(crate::error::frontend_error(
        freshet_repr::SqlState::InternalError,
        &format!("internal error: {message}"),
    )))
}

/// The name of a statement or portal on the wire.
fn name_of(name: Option<&String>) -> &str {
    name.map_or(DEFAULT_NAME, String::as_str)
}

/// The `RowDescription` for a result, or `NoData` for none.
fn row_description(result: Option<&RelationDesc>, format: Option<&Format>) -> PgWireBackendMessage {
    match result {
        Some(desc) => {
            let formats = format.map(|f| result_formats(f, desc.arity())).unwrap_or_default();
            let fields = field_infos_in(desc, &formats);
            PgWireBackendMessage::RowDescription(RowDescription::new(fields.iter().map(Into::into).collect()))
        }
        None => PgWireBackendMessage::NoData(NoData::new()),
    }
}

#[async_trait]
impl<B: Backend> ExtendedQueryHandler for FreshetExtendedQueryHandler<B> {
    type Statement = Prepared;
    type QueryParser = DescribedParser;

    fn query_parser(&self) -> Arc<DescribedParser> {
        Arc::new(DescribedParser)
    }

    /// Describes the statement through the adapter and stores it; planning
    /// errors are reported here, as PostgreSQL reports them at `Parse`.
    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = name_of(message.name.as_ref()).to_owned();
        let given = message
            .type_oids
            .iter()
            .map(|oid| declared_type(*oid))
            .collect::<Result<Vec<_>, _>>()?;
        let session = session::<B>(client)?;
        let desc = match session.describe(&message.query, given).await {
            Ok(desc) => desc,
            Err(err @ freshet_adapter::AdapterError::Shutdown) => return Err(fatal(&err)),
            Err(err) => return Err(PgWireError::UserError(Box::new(statement_error(&err)))),
        };
        debug!(statement = %name, params = desc.param_types.len(), "statement prepared");
        let parameter_types = desc.param_types.iter().map(|t| Some(pg_type(t))).collect();
        let prepared = Prepared {
            sql: message.query,
            desc,
        };
        client
            .portal_store()
            .put_statement(Arc::new(StoredStatement::new(name, prepared, parameter_types)));
        client
            .send(PgWireBackendMessage::ParseComplete(ParseComplete::new()))
            .await?;
        Ok(())
    }

    /// Checks the parameter count, formats and values (decoding them, so
    /// that a bad value fails here as in PostgreSQL) before storing the portal.
    async fn on_bind<C>(&self, client: &mut C, message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let statement_name = name_of(message.statement_name.as_ref());
        let statement = match client.portal_store().get_statement(statement_name) {
            Some(Entry::Value(statement)) => statement,
            Some(Entry::Empty) | None => return Err(PgWireError::StatementNotFound(statement_name.to_owned())),
        };
        let desc = &statement.statement.desc;
        decode_params(
            statement_name,
            &desc.param_types,
            &message.parameter_format_codes,
            &message.parameters,
        )?;
        let columns = desc.result.as_ref().map_or(0, RelationDesc::arity);
        check_formats(&message.result_column_format_codes, columns, "result", "columns")?;
        let portal = Portal::try_new(&message, statement)?;
        client.portal_store().put_portal(Arc::new(portal));
        client
            .send(PgWireBackendMessage::BindComplete(BindComplete::new()))
            .await?;
        Ok(())
    }

    /// Sends `ParameterDescription` (for a statement) and `RowDescription`
    /// or `NoData`, from the description made at `Parse`.
    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = name_of(message.name.as_ref());
        match message.target_type {
            TARGET_TYPE_BYTE_STATEMENT => {
                let Some(Entry::Value(statement)) = client.portal_store().get_statement(name) else {
                    return Err(PgWireError::StatementNotFound(name.to_owned()));
                };
                let desc = &statement.statement.desc;
                let types = desc.param_types.iter().map(|t| pg_type(t).oid()).collect();
                client
                    .feed(PgWireBackendMessage::ParameterDescription(ParameterDescription::new(
                        types,
                    )))
                    .await?;
                client.send(row_description(desc.result.as_ref(), None)).await?;
            }
            TARGET_TYPE_BYTE_PORTAL => {
                let Some(Entry::Value(portal)) = client.portal_store().get_portal(name) else {
                    return Err(PgWireError::PortalNotFound(name.to_owned()));
                };
                let desc = &portal.statement.statement.desc;
                let message = row_description(desc.result.as_ref(), Some(&portal.result_column_format));
                client.send(message).await?;
            }
            other => return Err(PgWireError::InvalidTargetType(other)),
        }
        Ok(())
    }

    /// Unused: [`Self::on_describe`] answers from the stored description.
    async fn do_describe_statement<C>(
        &self,
        _client: &mut C,
        target: &StoredStatement<Prepared>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let parser = DescribedParser;
        Ok(DescribeStatementResponse::new(
            parser.get_parameter_types(&target.statement)?,
            parser.get_result_schema(&target.statement, None)?,
        ))
    }

    /// Unused: [`Self::on_describe`] answers from the stored description.
    async fn do_describe_portal<C>(
        &self,
        _client: &mut C,
        target: &Portal<Prepared>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let schema =
            DescribedParser.get_result_schema(&target.statement.statement, Some(&target.result_column_format))?;
        Ok(DescribePortalResponse::new(schema))
    }

    /// Executes the portal's statement with its values bound. pgwire keeps
    /// the rows in the portal and sends at most `max_rows` per `Execute`.
    async fn do_query<C>(&self, client: &mut C, portal: &Portal<Prepared>, _max_rows: usize) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let prepared = &portal.statement.statement;
        let formats: Vec<i16> = match &portal.parameter_format {
            Format::UnifiedText => vec![],
            Format::UnifiedBinary => vec![1],
            Format::Individual(codes) => codes.clone(),
        };
        let values = decode_params(
            &portal.statement.id,
            &prepared.desc.param_types,
            &formats,
            &portal.parameters,
        )?;
        let session = session::<B>(client)?;
        let outcome = session
            .execute_prepared(&prepared.sql, &prepared.desc, values)
            .await
            .map_err(|err| fatal(&err))?;
        client.set_transaction_status(transaction_status(outcome.status));
        let Some(StatementOutcome { notices, result }) = outcome.statements.into_iter().next() else {
            return Ok(Response::EmptyQuery);
        };
        for notice in &notices {
            client.feed(notice_message(notice)).await?;
        }
        match result {
            Ok(ExecuteResponse::Rows { desc, rows }) => {
                let formats = result_formats(&portal.result_column_format, desc.arity());
                Ok(Response::Query(query_response_in(&desc, rows, &formats)))
            }
            Ok(ExecuteResponse::Fetched { desc, rows }) => {
                let formats = result_formats(&portal.result_column_format, desc.arity());
                let mut response = query_response_in(&desc, rows, &formats);
                response.set_command_tag("FETCH");
                Ok(Response::Query(response))
            }
            Ok(ExecuteResponse::Command { tag }) => Ok(Response::Execution(Tag::new(&tag))),
            Ok(ExecuteResponse::TransactionStarted) => Ok(Response::TransactionStart(Tag::new("BEGIN"))),
            Ok(ExecuteResponse::TransactionEnded { tag }) => Ok(Response::TransactionEnd(Tag::new(&tag))),
            // Streamed here; pgwire then sends the completion.
            Ok(ExecuteResponse::Subscribing(stream)) => match send_subscribe(client, *stream).await? {
                Ok(count) => Ok(Response::Execution(subscribe_tag(count))),
                Err(info) => Err(PgWireError::UserError(Box::new(info))),
            },
            // An error: pgwire reports it and skips to `Sync`.
            Err(err) => Err(PgWireError::UserError(Box::new(statement_error(&err)))),
        }
    }

    /// Ends the batch with the adapter's transaction state. An error in
    /// the batch that the adapter did not see still fails its transaction.
    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.portal_store().rm_portal(DEFAULT_NAME);
        let failed = client.transaction_status() == TransactionStatus::Error;
        let session = session::<B>(client)?;
        let status = session.transaction_status(failed).await.map_err(|err| fatal(&err))?;
        let status = transaction_status(status);
        client.set_transaction_status(status);
        send_ready_for_query(client, status).await
    }
}
