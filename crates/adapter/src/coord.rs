//! The coordinator: one task that owns the catalog, the sessions and the
//! compute controller, and sequences every statement.
//!
//! Statements are dispatched by family to the files under `coord/`. Work
//! that waits (a peek on compute) runs in a spawned task that reports back
//! with an internal message, so the coordinator never blocks.

mod builtin;
pub(crate) mod cancel;
mod cluster;
mod connection;
mod cursor;
mod ddl;
mod describe;
mod index;
mod instances;
mod materialized_view;
mod peek;
mod real_time_recency;
mod role;
mod session_vars;
mod source;
mod source_statistics;
mod source_status;
mod subscribe;
mod transaction;
mod write;

pub(crate) use write::{TableWrite, compute_error};

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use std::time::Duration;

use freshet_catalog::Catalog;
use freshet_repr::{GlobalId, Timestamp};
use freshet_sql::{Plan, Statement};
use freshet_storage::{Clock, Committer, Store};
use tokio::sync::{mpsc, oneshot};

use crate::AdapterError;
use crate::catalog_reader::SessionCatalog;
use crate::client::{
    Client, ConnectionId, ExecuteOutcome, ExecuteResponse, Notice, StartupParams, StatementOutcome, TransactionStatus,
};
use crate::command::Command;
use crate::session::Session;

/// What the coordinator is started with.
pub struct Config {
    /// The durable catalog, already opened.
    pub catalog: Catalog,
    /// The durable store the catalog and every collection live in.
    pub store: Store,
    /// The clock the committer stamps writes with.
    pub clock: Clock,
    /// How often the committer advances idle collections.
    pub tick_interval: Duration,
    /// How often a running snapshot logs its progress.
    pub snapshot_progress_interval: Duration,
    /// The users that log in with a password, by name: each password's
    /// SCRAM-SHA-256 verifier in PostgreSQL's text form.
    pub passwords: BTreeMap<String, String>,
}

/// Messages the coordinator sends itself when spawned work finishes.
enum Internal {
    /// A statement's asynchronous part finished; continue the query string.
    StatementDone {
        ctx: ExecuteContext,
        result: Result<ExecuteResponse, AdapterError>,
    },
    /// A statement's asynchronous part finished; its last part runs in the
    /// coordinator (e.g. the catalog change after a validation).
    Continue { ctx: ExecuteContext, then: Continuation },
}

/// The part of a statement that runs in the coordinator after its spawned
/// part succeeded.
type Continuation = Box<dyn FnOnce(&mut Coordinator, ExecuteContext) -> Sequenced + Send>;

impl std::fmt::Debug for Internal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Internal::StatementDone { ctx, result } => f
                .debug_struct("StatementDone")
                .field("ctx", ctx)
                .field("result", result)
                .finish(),
            Internal::Continue { ctx, .. } => f.debug_struct("Continue").field("ctx", ctx).finish(),
        }
    }
}

/// A query string being executed: what is left, and what happened so far.
#[derive(Debug)]
pub(crate) struct ExecuteContext {
    conn_id: ConnectionId,
    remaining: VecDeque<Statement>,
    outcomes: Vec<StatementOutcome>,
    notices: Vec<Notice>,
    tx: oneshot::Sender<ExecuteOutcome>,
    /// For a prepared statement: its parameters' values and the result it
    /// was described with.
    prepared: Option<Box<describe::Prepared>>,
}

impl ExecuteContext {
    /// A query string's context: `statements` to run, or the error that
    /// kept it from having any.
    fn new(
        conn_id: ConnectionId,
        statements: Result<Vec<Statement>, AdapterError>,
        prepared: Option<Box<describe::Prepared>>,
        tx: oneshot::Sender<ExecuteOutcome>,
    ) -> ExecuteContext {
        let mut ctx = ExecuteContext {
            conn_id,
            remaining: VecDeque::new(),
            outcomes: Vec::new(),
            notices: Vec::new(),
            tx,
            prepared,
        };
        match statements {
            Ok(statements) => ctx.remaining = statements.into(),
            Err(e) => ctx.outcomes.push(StatementOutcome {
                notices: vec![],
                result: Err(e),
            }),
        }
        ctx
    }

    /// Adds a notice to the statement being executed.
    pub(crate) fn notice(&mut self, message: impl Into<String>) {
        self.notices.push(Notice {
            message: message.into(),
            hint: None,
        });
    }
}

/// What sequencing one statement produced.
pub(crate) enum Sequenced {
    /// The statement finished; the context comes back with its result.
    Done(ExecuteContext, Result<ExecuteResponse, AdapterError>),
    /// The statement continues in a spawned task, which sends
    /// [`Internal::StatementDone`] with the context when it finishes.
    Pending,
}

/// The coordinator's state.
pub(crate) struct Coordinator {
    pub(crate) catalog: Catalog,
    pub(crate) store: Store,
    pub(crate) committer: Committer,
    /// One compute instance per cluster.
    pub(crate) instances: instances::Instances,
    pub(crate) sessions: HashMap<ConnectionId, Session>,
    /// The indexes maintained on compute.
    pub(crate) indexes: BTreeMap<GlobalId, index::IndexInfo>,
    /// What each materialized view computes, to start it again.
    pub(crate) materialized_views: BTreeMap<GlobalId, materialized_view::ViewInfo>,
    /// Password verifiers by user name (see [`Config::passwords`]).
    passwords: BTreeMap<String, String>,
    /// For each session running a spawned statement, what cancels it.
    pub(crate) cancels: HashMap<ConnectionId, tokio::sync::watch::Sender<Option<crate::CancelReason>>>,
    /// Held by statements that read and then write, for their duration.
    pub(crate) write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// What each source and subsource was planned as.
    pub(crate) sources: BTreeMap<GlobalId, source::SourceInfo>,
    /// The latest status of each source and subsource.
    pub(crate) source_statuses: BTreeMap<GlobalId, source_status::SourceStatus>,
    /// Every status each source, subsource and progress subsource took.
    pub(crate) status_history: source_status::StatusHistory,
    /// The time of the latest status change.
    pub(crate) last_status_at: Timestamp,
    /// The latest statistics of each source and subsource.
    pub(crate) source_statistics: BTreeMap<GlobalId, freshet_ingest::SourceStatistics>,
    /// What earlier processes counted for each source and subsource.
    pub(crate) statistics_baseline: source_statistics::StatisticsBaseline,
    /// A status or statistic changed since the system relations were last
    /// written.
    pub(crate) ingest_changed: bool,
    /// Runs the sources' ingestion.
    pub(crate) ingest: freshet_ingest::IngestController,
    /// What the system relations' collections hold.
    pub(crate) builtins: builtin::BuiltinContents,
    /// The catalog generation the system relations were written for.
    pub(crate) builtins_generation: u64,
    /// How many writes of the system relations were queued.
    pub(crate) builtins_enqueued: u64,
    /// How many of them are durable (or failed).
    pub(crate) builtins_durable: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
    internal_tx: mpsc::UnboundedSender<Internal>,
}

/// What re-planning the stored definitions found.
struct Rehydrated {
    /// The indexes, to rebuild.
    indexes: Vec<(GlobalId, index::IndexInfo)>,
    /// The materialized views, to restart: what each computes, where.
    materialized_views: Vec<(GlobalId, materialized_view::ViewInfo)>,
    /// The sources and subsources.
    sources: BTreeMap<GlobalId, source::SourceInfo>,
}

/// Re-plans every item's stored definition, in creation order, so the
/// catalog knows each item's columns; fails if one no longer plans.
fn rehydrate(catalog: &mut Catalog) -> Result<Rehydrated, AdapterError> {
    let mut rehydrated = Rehydrated {
        indexes: Vec::new(),
        materialized_views: Vec::new(),
        sources: BTreeMap::new(),
    };
    let items: Vec<(GlobalId, String)> = catalog
        .items()
        .filter(|i| matches!(i.id, GlobalId::User(_)))
        .map(|i| (i.id, i.create_sql.clone()))
        .collect();
    for (id, create_sql) in items {
        let statements = freshet_sql::parse(&create_sql)?;
        let reader = SessionCatalog::at_boot(catalog);
        let plan = match statements.as_slice() {
            [statement] => freshet_sql::plan(&reader, statement)?,
            _ => {
                return Err(AdapterError::Internal(format!(
                    "stored definition of {id} is not one statement"
                )));
            }
        };
        match plan {
            Plan::CreateTable { table, .. } => catalog.set_item_desc(id, table.desc),
            Plan::CreateView { view, .. } => catalog.set_item_desc(id, view.desc),
            Plan::CreateMaterializedView {
                view, expr, cluster, ..
            } => {
                catalog.set_item_desc(id, view.desc);
                rehydrated
                    .materialized_views
                    .push((id, materialized_view::ViewInfo { cluster, expr }));
            }
            // Secrets and connections have no columns.
            Plan::CreateSecret { .. } | Plan::CreateConnection { .. } => {}
            Plan::CreateIndex { name, index, .. } => {
                catalog.set_item_desc(id, index.desc.clone());
                rehydrated
                    .indexes
                    .push((id, index::IndexInfo::new(name.to_string(), index)));
            }
            Plan::CreateSource(source) => {
                let info = source::SourceInfo::Source {
                    cluster: source.cluster,
                    server_id: source.server_id,
                };
                rehydrated.sources.insert(id, info);
            }
            Plan::CreateSubsource(subsource) => {
                catalog.set_item_desc(id, subsource.desc);
                let info = source::SourceInfo::Subsource { table: subsource.table };
                rehydrated.sources.insert(id, info);
            }
            other => {
                return Err(AdapterError::Internal(format!(
                    "stored definition of {id} plans to {other:?}"
                )));
            }
        }
    }
    Ok(rehydrated)
}

/// Makes the store's collections match the catalog's tables and
/// subsources: a crash between an item's catalog entry and its collection
/// leaves one without the other. Runs before the committer starts.
fn reconcile_collections(catalog: &Catalog, store: &Store) -> Result<(), AdapterError> {
    let subsources: BTreeSet<GlobalId> = catalog
        .items()
        .filter(|i| i.kind.is_subsource())
        .map(|i| i.id)
        .collect();
    let tables: BTreeSet<GlobalId> = catalog
        .items()
        .filter(|i| i.kind.has_collection())
        .map(|i| i.id)
        .collect();
    let views: BTreeSet<GlobalId> = catalog
        .items()
        .filter(|i| i.kind == freshet_catalog::ItemKind::MaterializedView)
        .map(|i| i.id)
        .collect();
    let collections: BTreeSet<GlobalId> = store.collections()?.into_iter().collect();
    let start = store.timestamp_bound()?.unwrap_or(0);
    for id in tables.difference(&collections) {
        if views.contains(id) {
            // Readable once its sink has written it.
            tracing::info!(%id, "creating the collection of a materialized view a crash left without one");
            store.create_writer_timed_collection(*id, start)?;
            continue;
        }
        if subsources.contains(id) {
            // Readable once its source has taken the snapshot.
            tracing::info!(%id, "creating the collection of a subsource a crash left without one");
            store.create_held_collection(*id, start)?;
            continue;
        }
        if matches!(id, GlobalId::System(_)) {
            tracing::debug!(%id, "creating the collection of a system relation");
        } else {
            tracing::info!(%id, "creating the collection of a table a crash left without one");
        }
        store.create_collection(*id, start)?;
    }
    for id in collections.difference(&tables) {
        tracing::info!(%id, "dropping the collection of a table a crash left dropped");
        store.drop_collection(*id)?;
    }
    Ok(())
}

/// Starts the coordinator task on the current tokio runtime, once the
/// system relations hold what the catalog says.
pub async fn start(config: Config) -> Result<Client, AdapterError> {
    let Config {
        mut catalog,
        store,
        clock,
        tick_interval,
        snapshot_progress_interval,
        passwords,
    } = config;
    let Rehydrated {
        indexes,
        materialized_views,
        sources,
    } = rehydrate(&mut catalog)?;
    reconcile_collections(&catalog, &store)?;
    let status_history = source_status::load_status_history(&store)?;
    let statistics_baseline = source_statistics::load_statistics(&store)?;
    let committer = Committer::start(store.clone(), clock, tick_interval)?;
    // One tick before serving, so the first query that reads no collection
    // reads at a current time rather than at zero.
    committer.sync().await?;
    let (ingest, ingest_rx) =
        freshet_ingest::IngestController::new(store.clone(), committer.clone(), snapshot_progress_interval);
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (internal_tx, internal_rx) = mpsc::unbounded_channel();
    let instances = instances::Instances::new(store.clone());
    let mut coord = Coordinator {
        catalog,
        store,
        committer,
        instances,
        sessions: HashMap::new(),
        indexes: BTreeMap::new(),
        materialized_views: BTreeMap::new(),
        passwords,
        cancels: HashMap::new(),
        write_lock: std::sync::Arc::default(),
        sources: BTreeMap::new(),
        source_statuses: BTreeMap::new(),
        last_status_at: status_history
            .values()
            .filter_map(|entries| entries.back().map(|entry| entry.at))
            .max()
            .unwrap_or(0),
        status_history,
        source_statistics: BTreeMap::new(),
        statistics_baseline,
        ingest_changed: false,
        ingest,
        builtins: BTreeMap::new(),
        builtins_generation: 0,
        builtins_enqueued: 0,
        builtins_durable: std::sync::Arc::new(tokio::sync::watch::channel(0).0),
        internal_tx,
    };
    // Every source starts over as `created` until ingestion reports on it.
    for (id, info) in sources {
        coord.add_source(id, info, false);
    }
    coord.builtins = coord.builtin_contents();
    coord.builtins_generation = coord.catalog.generation();
    builtin::resync(&coord.store, &coord.committer, &coord.builtins).await?;
    let clusters: Vec<(String, String)> = coord
        .catalog
        .clusters()
        .map(|c| (c.name.clone(), c.size.clone()))
        .collect();
    for (name, size) in clusters {
        coord.instances.start(&name, instances::workers_of(&name, &size))?;
    }
    // Materialized views pick up where their collections' uppers are.
    for (id, view) in materialized_views {
        coord.start_materialized_view(id, view)?;
    }
    // Indexes are in-memory arrangements: rebuilt from their inputs at boot.
    for (id, index) in indexes {
        coord.install_index(id, index)?;
    }
    coord.run_sources();
    tokio::spawn(coord.run(cmd_rx, internal_rx, ingest_rx));
    Ok(Client::new(cmd_tx))
}

impl Coordinator {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut internal: mpsc::UnboundedReceiver<Internal>,
        mut ingest: mpsc::UnboundedReceiver<freshet_ingest::IngestResponse>,
    ) {
        loop {
            tokio::select! {
                Some(response) = ingest.recv() => self.handle_ingest(response),
                Some(message) = internal.recv() => match message {
                    Internal::StatementDone { ctx, result } => {
                        self.cancels.remove(&ctx.conn_id);
                        self.finish_statement(ctx, result);
                    }
                    Internal::Continue { ctx, then } => {
                        self.cancels.remove(&ctx.conn_id);
                        match then(&mut self, ctx) {
                            Sequenced::Done(ctx, result) => self.finish_statement(ctx, result),
                            Sequenced::Pending => {}
                        }
                    }
                },
                command = commands.recv() => match command {
                    Some(command) => self.handle_command(command),
                    None => break,
                },
            }
        }
        tracing::info!("coordinator stopped");
        for instance in self.instances.remove_all() {
            instance.shutdown();
        }
    }

    fn handle_command(&mut self, command: Command) {
        match command {
            Command::Startup { conn_id, params, tx } => {
                let notices = self.startup(conn_id, &params);
                let _ = tx.send(Ok(notices));
            }
            Command::Execute { conn_id, sql, tx } => self.execute(conn_id, &sql, tx),
            Command::Describe {
                conn_id,
                sql,
                param_types,
                tx,
            } => {
                let _ = tx.send(self.describe(conn_id, &sql, &param_types));
            }
            Command::ExecutePrepared {
                conn_id,
                sql,
                param_types,
                values,
                result,
                tx,
            } => self.execute_prepared(conn_id, &sql, param_types, values, result, tx),
            Command::TransactionStatus { conn_id, fail, tx } => {
                let _ = tx.send(self.transaction_status(conn_id, fail));
            }
            Command::PasswordVerifier { user, tx } => {
                let _ = tx.send(self.password_verifier(&user));
            }
            Command::Cancel { conn_id } => self.cancel(conn_id, crate::CancelReason::UserRequest),
            Command::Terminate { conn_id } => {
                // Nobody waits for the statement it was running any more.
                self.cancel(conn_id, crate::CancelReason::UserRequest);
                self.sessions.remove(&conn_id);
                tracing::debug!(conn_id, "session ended");
            }
        }
    }

    fn startup(&mut self, conn_id: ConnectionId, params: &StartupParams) -> Vec<Notice> {
        let session = Session::new(params);
        let database = session.vars.database();
        let mut notices = Vec::new();
        if self.catalog.database_by_name(&database).is_none() {
            notices.push(Notice {
                message: format!("session database \"{database}\" does not exist"),
                hint: Some("Create the database with CREATE DATABASE or pick an extant database with SET DATABASE = name. List available databases with SHOW DATABASES.".into()),
            });
        }
        tracing::debug!(conn_id, user = %params.user, database = %database, "session started");
        self.sessions.insert(conn_id, session);
        notices
    }

    fn execute(&mut self, conn_id: ConnectionId, sql: &str, tx: oneshot::Sender<ExecuteOutcome>) {
        let statements = freshet_sql::parse(sql).map_err(AdapterError::from);
        self.start_execution(conn_id, statements, None, tx);
    }

    /// Runs `statements`, or reports why there are none: a query string
    /// that does not parse fails the session's transaction, as any failed
    /// statement does.
    fn start_execution(
        &mut self,
        conn_id: ConnectionId,
        statements: Result<Vec<Statement>, AdapterError>,
        prepared: Option<Box<describe::Prepared>>,
        tx: oneshot::Sender<ExecuteOutcome>,
    ) {
        if statements.is_err() {
            self.fail_transaction(conn_id);
        }
        self.continue_execution(ExecuteContext::new(conn_id, statements, prepared, tx));
    }

    /// Records a statement's result, then continues with the next one.
    fn finish_statement(&mut self, ctx: ExecuteContext, result: Result<ExecuteResponse, AdapterError>) {
        let Some((mut ctx, result)) = self.after_builtins(ctx, result) else {
            return;
        };
        self.record(&mut ctx, result);
        self.continue_execution(ctx);
    }

    /// Gives a finished statement back at once, unless it changed what the
    /// system relations hold: then it finishes (through
    /// [`Internal::StatementDone`]) once their change is durable.
    fn after_builtins(
        &mut self,
        ctx: ExecuteContext,
        result: Result<ExecuteResponse, AdapterError>,
    ) -> Option<(ExecuteContext, Result<ExecuteResponse, AdapterError>)> {
        let Some(write) = self.write_builtins() else {
            return Some((ctx, result));
        };
        let internal = self.internal_tx.clone();
        tokio::spawn(async move {
            write.await;
            let _ = internal.send(Internal::StatementDone { ctx, result });
        });
        None
    }

    /// Runs statements until one is pending, one failed, or none are left.
    fn continue_execution(&mut self, mut ctx: ExecuteContext) {
        loop {
            let failed = ctx.outcomes.last().is_some_and(|o| o.result.is_err());
            let next = if failed { None } else { ctx.remaining.pop_front() };
            let Some(statement) = next else {
                let status = self
                    .sessions
                    .get(&ctx.conn_id)
                    .map_or(TransactionStatus::Idle, |s| s.transaction);
                let _ = ctx.tx.send(ExecuteOutcome {
                    statements: ctx.outcomes,
                    status,
                });
                return;
            };
            match self.sequence(ctx, &statement) {
                Sequenced::Done(done, result) => {
                    let Some((mut done, result)) = self.after_builtins(done, result) else {
                        return;
                    };
                    self.record(&mut done, result);
                    ctx = done;
                }
                Sequenced::Pending => return,
            }
        }
    }

    /// Adds a statement's outcome to the context; a failure inside an
    /// explicit transaction fails the transaction.
    fn record(&mut self, ctx: &mut ExecuteContext, result: Result<ExecuteResponse, AdapterError>) {
        if result.is_err() {
            self.fail_transaction(ctx.conn_id);
        }
        let notices = std::mem::take(&mut ctx.notices);
        ctx.outcomes.push(StatementOutcome { notices, result });
    }

    /// Fails the session's explicit transaction, if it has one.
    pub(crate) fn fail_transaction(&mut self, conn_id: ConnectionId) {
        if let Some(session) = self.sessions.get_mut(&conn_id)
            && session.transaction == TransactionStatus::InTransaction
        {
            session.transaction = TransactionStatus::Failed;
        }
    }

    /// Plans and executes one statement.
    fn sequence(&mut self, ctx: ExecuteContext, statement: &Statement) -> Sequenced {
        let Some(session) = self.sessions.get(&ctx.conn_id) else {
            return Sequenced::Done(ctx, Err(AdapterError::Internal("session not found".into())));
        };
        let reader = SessionCatalog::new(&self.catalog, &session.vars);
        let plan = match describe::plan_statement(&reader, &session.vars, statement, ctx.prepared.as_deref()) {
            Ok(plan) => plan,
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        if let Err(e) = self.check_transaction(ctx.conn_id, &plan) {
            return Sequenced::Done(ctx, Err(e));
        }
        let result = match plan {
            Plan::CreateDatabase { .. }
            | Plan::CreateSchema { .. }
            | Plan::CreateTable { .. }
            | Plan::CreateView { .. }
            | Plan::CreateSecret { .. }
            | Plan::AlterSecret { .. }
            | Plan::DropDatabase { .. }
            | Plan::DropSchema { .. }
            | Plan::DropItems { .. }
            | Plan::RenameItem { .. } => return self.sequence_ddl(ctx, plan),
            Plan::CreateIndex {
                schema,
                name,
                index,
                if_not_exists,
            } => return self.sequence_create_index(ctx, schema, name, index, if_not_exists),
            Plan::CreateMaterializedView {
                schema,
                name,
                view,
                expr,
                cluster,
                if_not_exists,
                replace,
            } => {
                let create = materialized_view::NewMaterializedView {
                    schema,
                    name,
                    view,
                    info: materialized_view::ViewInfo { cluster, expr },
                    if_not_exists,
                    replace,
                };
                return self.sequence_create_materialized_view(ctx, create);
            }
            Plan::Select(select) => return self.sequence_select(ctx, select),
            Plan::Insert(insert) => return self.sequence_insert(ctx, insert),
            Plan::Update(update) => return self.sequence_mutation(ctx, update, true),
            Plan::Delete(delete) => return self.sequence_mutation(ctx, delete, false),
            Plan::Explain(select) => Ok(self.explain(ctx.conn_id, select)),
            Plan::ExplainItem { id, name } => self.explain_item(id, &name),
            Plan::Subscribe(plan) => return self.sequence_subscribe_recent(ctx, *plan, None),
            Plan::Declare { name, subscribe } => return self.sequence_subscribe_recent(ctx, *subscribe, Some(name)),
            Plan::Fetch { name, count, timeout } => return self.sequence_fetch(ctx, name, count, timeout),
            Plan::Close { name } => return self.sequence_close(ctx, name),
            Plan::CreateCluster { .. } | Plan::AlterCluster { .. } | Plan::DropClusters { .. } => {
                return self.sequence_cluster(ctx, plan);
            }
            Plan::CreateConnection { .. } | Plan::AlterConnection { .. } | Plan::ValidateConnection { .. } => {
                return self.sequence_connection(ctx, plan);
            }
            Plan::PurifySource(plan) => return self.sequence_purify_source(ctx, *plan),
            Plan::PurifyAddSubsources(plan) => return self.sequence_purify_add_subsources(ctx, *plan),
            Plan::AlterMissingSource { name } => {
                let mut ctx = ctx;
                ctx.notice(format!("source \"{name}\" does not exist, skipping"));
                return Sequenced::Done(ctx, Ok(ExecuteResponse::command("ALTER SOURCE")));
            }
            Plan::CreateSource(_) | Plan::CreateSubsource(_) => Err(AdapterError::Internal(
                "a purified source definition outside the catalog".into(),
            )),
            Plan::CreateRole { .. } | Plan::AlterRole { .. } | Plan::DropRoles { .. } => {
                let mut ctx = ctx;
                let result = self.sequence_role(&mut ctx, plan);
                return Sequenced::Done(ctx, result);
            }
            Plan::SetVariable { .. } | Plan::ResetVariable { .. } | Plan::ShowVariable { .. } => {
                self.sequence_session_vars(ctx.conn_id, plan)
            }
            Plan::StartTransaction | Plan::Commit | Plan::Rollback => return self.sequence_transaction(ctx, plan),
        };
        Sequenced::Done(ctx, result)
    }

    /// Hands a statement's remaining work to a spawned task. The work gets
    /// the statement's [`CancelSignal`](cancel::CancelSignal), which a cancel
    /// request or the session's `statement_timeout` fires.
    pub(crate) fn spawn_statement<W, F>(&mut self, ctx: ExecuteContext, work: W)
    where
        W: FnOnce(cancel::CancelSignal) -> F,
        F: Future<Output = Result<ExecuteResponse, AdapterError>> + Send + 'static,
    {
        let work = work(self.statement_signal(&ctx));
        let internal = self.internal_tx.clone();
        tokio::spawn(async move {
            let result = work.await;
            let _ = internal.send(Internal::StatementDone { ctx, result });
        });
    }

    /// Like [`Coordinator::spawn_statement`], but the statement ends back in
    /// the coordinator: once `work` succeeds, `then` runs with its output.
    pub(crate) fn spawn_then<W, F, T, Then>(&mut self, ctx: ExecuteContext, work: W, then: Then)
    where
        W: FnOnce(cancel::CancelSignal) -> F,
        F: Future<Output = Result<T, AdapterError>> + Send + 'static,
        T: Send + 'static,
        Then: FnOnce(&mut Coordinator, ExecuteContext, T) -> Sequenced + Send + 'static,
    {
        let work = work(self.statement_signal(&ctx));
        let internal = self.internal_tx.clone();
        tokio::spawn(async move {
            let message = match work.await {
                Ok(output) => Internal::Continue {
                    ctx,
                    then: Box::new(move |coord, ctx| then(coord, ctx, output)),
                },
                Err(e) => Internal::StatementDone { ctx, result: Err(e) },
            };
            let _ = internal.send(message);
        });
    }

    /// The cancel signal of the statement `ctx` is running, with the
    /// session's `statement_timeout`.
    fn statement_signal(&mut self, ctx: &ExecuteContext) -> cancel::CancelSignal {
        let timeout = self
            .sessions
            .get(&ctx.conn_id)
            .and_then(|session| session.vars.statement_timeout());
        self.cancel_signal(ctx.conn_id, timeout)
    }
}
