//! Connection startup: protocol negotiation, trust authentication, opening
//! the adapter session, the server parameters, and registration for cancel
//! requests.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use freshet_adapter::StartupParams;
use freshet_repr::SqlState;
use futures::{Sink, SinkExt};
use pgwire::api::auth::{
    ServerParameterProvider, StartupHandler, protocol_negotiation, save_startup_parameters_to_metadata,
};
use pgwire::api::{
    ClientInfo, METADATA_APPLICATION_NAME, METADATA_DATABASE, METADATA_USER, PgWireConnectionState,
    PidSecretKeyGenerator, RandomPidSecretKeyGenerator,
};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::{ReadyForQuery, TransactionStatus};
use pgwire::messages::startup::{Authentication, BackendKeyData, ParameterStatus};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use tracing::info;

use crate::auth::{self, AuthMethod, PasswordExchange, ServerConfig, Step};
use crate::backend::{Backend, Session};
use crate::cancel::{CancelKeys, Registration};
use crate::error::{fatal, frontend_fatal, notice_message};

/// The version reported to clients: Materialize's, which keeps `psql`'s
/// backslash commands on queries Freshet can answer.
const SERVER_VERSION: &str = "9.5.0";

/// Accepts a client's startup message and opens its session.
pub(crate) struct FreshetStartupHandler<B> {
    backend: Arc<B>,
    config: ServerConfig,
    cancel_keys: Arc<CancelKeys>,
    keys: RandomPidSecretKeyGenerator,
}

impl<B: Backend> FreshetStartupHandler<B> {
    /// A handler authenticating clients as `config` says, opening sessions
    /// on `backend`, and registering connections in `cancel_keys` so cancel
    /// requests can find them.
    pub(crate) fn new(backend: Arc<B>, config: ServerConfig, cancel_keys: Arc<CancelKeys>) -> Self {
        FreshetStartupHandler {
            backend,
            config,
            cancel_keys,
            keys: RandomPidSecretKeyGenerator::default(),
        }
    }
}

#[async_trait]
impl<B: Backend> StartupHandler for FreshetStartupHandler<B> {
    async fn on_startup<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match message {
            PgWireFrontendMessage::Startup(startup) => {
                protocol_negotiation(client, &startup).await?;
                save_startup_parameters_to_metadata(client, &startup);
                if self.config.tls.is_some() && !client.is_secure() {
                    return Err(frontend_fatal(
                        SqlState::InvalidAuthorizationSpecification,
                        "this server accepts only TLS connections",
                    ));
                }
                let params = startup_params(client.metadata())?;
                match self.config.auth_method {
                    AuthMethod::Trust => self.open_session(client, params).await,
                    AuthMethod::Password => {
                        let verifier = self
                            .backend
                            .password_verifier(&params.user)
                            .await
                            .map_err(|e| fatal(&e))?;
                        let (request, exchange) = auth::begin(verifier);
                        self.continue_exchange(client, request, exchange).await
                    }
                }
            }
            PgWireFrontendMessage::PasswordMessageFamily(message) => {
                let exchange = client
                    .session_extensions()
                    .get::<Mutex<Option<PasswordExchange>>>()
                    .and_then(|slot| slot.lock().ok()?.take())
                    .ok_or_else(|| frontend_fatal(SqlState::ProtocolViolation, "unexpected password message"))?;
                let params = startup_params(client.metadata())?;
                match auth::advance(exchange, message, &params.user) {
                    Ok(Step::Continue(request, exchange)) => self.continue_exchange(client, request, exchange).await,
                    Ok(Step::Done(last)) => {
                        client.feed(PgWireBackendMessage::Authentication(last)).await?;
                        self.open_session(client, params).await
                    }
                    Err(err) => {
                        info!(user = %params.user, "password authentication failed");
                        Err(err)
                    }
                }
            }
            _ => Err(frontend_fatal(
                SqlState::ProtocolViolation,
                "unexpected message before startup completed",
            )),
        }
    }
}

impl<B: Backend> FreshetStartupHandler<B> {
    /// Sends the next message of a password exchange and keeps its state
    /// with the connection until the client answers.
    async fn continue_exchange<C>(
        &self,
        client: &mut C,
        request: Authentication,
        exchange: PasswordExchange,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let slot = client
            .session_extensions()
            .get_or_insert_with(|| Mutex::new(None::<PasswordExchange>));
        if let Ok(mut slot) = slot.lock() {
            *slot = Some(exchange);
        }
        client.set_state(PgWireConnectionState::AuthenticationInProgress);
        client.send(PgWireBackendMessage::Authentication(request)).await?;
        Ok(())
    }

    /// Opens the adapter session of an authenticated client and completes
    /// startup: server parameters, the cancel key, startup notices and
    /// `ReadyForQuery`.
    async fn open_session<C>(&self, client: &mut C, params: StartupParams) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let (user, database) = (params.user.clone(), params.database.clone());
        let session = match self.backend.startup(params).await {
            Ok(session) => session,
            Err(err) => {
                info!(%user, ?database, error = %err, "session refused");
                return Err(fatal(&err));
            }
        };
        let conn_id = session.conn_id();
        tracing::Span::current().record("conn_id", conn_id);
        info!(%user, ?database, "session started");

        // The adapter's connection id doubles as the backend "process id".
        let (generated_pid, secret_key) = self.keys.generate(client);
        let pid = i32::try_from(conn_id).unwrap_or(generated_pid);
        client.set_pid_and_secret_key(pid, secret_key.clone());
        let registration = self.cancel_keys.register(pid, &secret_key, conn_id);

        let notices: Vec<_> = session.startup_notices().iter().map(notice_message).collect();
        // The connection's state owns the session, so it ends whenever the
        // connection does, however it ends.
        let extensions = client.session_extensions();
        extensions.insert::<Registration>(registration);
        extensions.insert::<B::Session>(session);

        client
            .feed(PgWireBackendMessage::Authentication(Authentication::Ok))
            .await?;
        for (name, value) in FreshetParameters.server_parameters(client).unwrap_or_default() {
            client
                .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(name, value)))
                .await?;
        }
        client
            .feed(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(
                pid, secret_key,
            )))
            .await?;
        for notice in notices {
            client.feed(notice).await?;
        }
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                TransactionStatus::Idle,
            )))
            .await?;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        Ok(())
    }
}

/// What the adapter is told about a new connection. A user name is required;
/// the database defaults to it, as in PostgreSQL.
pub(crate) fn startup_params(metadata: &HashMap<String, String>) -> PgWireResult<StartupParams> {
    let user = metadata
        .get(METADATA_USER)
        .filter(|user| !user.is_empty())
        .ok_or_else(no_user)?
        .clone();
    let database = metadata
        .get(METADATA_DATABASE)
        .filter(|database| !database.is_empty())
        .cloned()
        .unwrap_or_else(|| user.clone());
    Ok(StartupParams {
        user,
        database: Some(database),
        application_name: metadata.get(METADATA_APPLICATION_NAME).cloned(),
    })
}

/// The error for a startup message without a user name, as PostgreSQL
/// words it.
fn no_user() -> PgWireError {
    frontend_fatal(
        SqlState::InvalidAuthorizationSpecification,
        "no PostgreSQL user name specified in startup packet",
    )
}

/// The server parameters reported at startup (`ParameterStatus`).
pub(crate) struct FreshetParameters;

impl ServerParameterProvider for FreshetParameters {
    fn server_parameters<C>(&self, client: &C) -> Option<HashMap<String, String>>
    where
        C: ClientInfo,
    {
        let metadata = client.metadata();
        let user = metadata.get(METADATA_USER).map_or("", String::as_str);
        let application_name = metadata.get(METADATA_APPLICATION_NAME).map_or("", String::as_str);
        Some(server_parameters(user, application_name))
    }
}

/// The server parameters for a session of `user` running `application_name`.
fn server_parameters(user: &str, application_name: &str) -> HashMap<String, String> {
    [
        ("server_version", SERVER_VERSION),
        ("server_encoding", "UTF8"),
        ("client_encoding", "UTF8"),
        ("DateStyle", "ISO, MDY"),
        ("TimeZone", "UTC"),
        ("integer_datetimes", "on"),
        ("standard_conforming_strings", "on"),
        ("IntervalStyle", "postgres"),
        ("is_superuser", "off"),
        ("application_name", application_name),
        ("session_authorization", user),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn database_defaults_to_user() {
        let params = startup_params(&metadata(&[("user", "alice")])).expect("valid");
        assert_eq!(params.user, "alice");
        assert_eq!(params.database.as_deref(), Some("alice"));
        assert_eq!(params.application_name, None);
    }

    #[test]
    fn startup_params_are_passed_through() {
        let params = startup_params(&metadata(&[
            ("user", "materialize"),
            ("database", "shop"),
            ("application_name", "psql"),
            ("client_encoding", "UTF8"),
        ]))
        .expect("valid");
        assert_eq!(params.user, "materialize");
        assert_eq!(params.database.as_deref(), Some("shop"));
        assert_eq!(params.application_name.as_deref(), Some("psql"));
    }

    #[test]
    fn a_user_is_required() {
        for md in [metadata(&[]), metadata(&[("user", ""), ("database", "x")])] {
            let err = startup_params(&md).expect_err("no user");
            assert!(err.is_fatal());
            assert_eq!(err.code(), "28000");
        }
    }

    #[test]
    fn server_parameters_match_materialize() {
        let params = server_parameters("alice", "psql");
        let get = |name: &str| params.get(name).map(String::as_str);
        assert_eq!(get("server_version"), Some("9.5.0"));
        assert_eq!(get("server_encoding"), Some("UTF8"));
        assert_eq!(get("client_encoding"), Some("UTF8"));
        assert_eq!(get("DateStyle"), Some("ISO, MDY"));
        assert_eq!(get("TimeZone"), Some("UTC"));
        assert_eq!(get("integer_datetimes"), Some("on"));
        assert_eq!(get("standard_conforming_strings"), Some("on"));
        assert_eq!(get("IntervalStyle"), Some("postgres"));
        assert_eq!(get("is_superuser"), Some("off"));
        assert_eq!(get("application_name"), Some("psql"));
        assert_eq!(get("session_authorization"), Some("alice"));
        assert_eq!(params.len(), 11);
    }
}
