//! Sequencing `CREATE CONNECTION`, `ALTER CONNECTION` and `VALIDATE CONNECTION`: reaching MySQL
//! runs in a spawned task (a host that times out never stalls other
//! sessions); the catalog changes in the coordinator afterwards.
//!
//! `ALTER CONNECTION` of a connection that sources use moves them to the
//! server it now names (a failover), without a new snapshot: each source
//! resumes there from the GTID set it has ingested. So the new server must
//! have executed every transaction of that set and still hold the binlog
//! after it, and have the tables the sources copy. That is checked twice in
//! spawned tasks: first while the sources keep running (a server that
//! cannot take them over refuses the statement without touching them),
//! then with the sources stopped, against the GTID sets they stopped at;
//! only then does the catalog change, and the sources start again with the
//! connection as it then is. `WITH (VALIDATE = false)` skips the checks:
//! ingestion then fails a source the server cannot feed.

use freshet_catalog::{ItemKind, Op};
use freshet_ingest::SubsourceDescription;
use freshet_mysql::{GtidSet, MySqlConnection, MySqlError, ServerGtids, SslMode, check_tables, connect, validate};
use freshet_repr::GlobalId;
use freshet_sql::{ConnectionChange, ConnectionPlan, Plan, TextOrSecret};
use freshet_storage::Store;

use super::ddl::created;
use super::source::SourceInfo;
use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::ExecuteResponse;

/// A source `ALTER CONNECTION` moves, as checking the new server needs it.
#[derive(Debug, Clone)]
struct MovingSource {
    /// Its name, for errors.
    name: String,
    /// Its progress subsource, whose collection's offset is the GTID set
    /// it has ingested (none before its snapshot).
    progress: GlobalId,
    /// Its subsources and the tables they copy (one that failed for good is
    /// skipped: its collection's offset holds its error).
    tables: Vec<SubsourceDescription>,
}

impl Coordinator {
    /// `CREATE CONNECTION` or `ALTER CONNECTION` (validated first unless
    /// `VALIDATE = false`), or `VALIDATE CONNECTION`.
    pub(crate) fn sequence_connection(&mut self, ctx: ExecuteContext, plan: Plan) -> Sequenced {
        match plan {
            Plan::CreateConnection {
                schema,
                name,
                connection,
                validate: check,
                if_not_exists,
                create_sql,
                uses,
            } => {
                let create = move |coord: &mut Coordinator, mut ctx: ExecuteContext, (): ()| {
                    let op = Op::CreateItem {
                        schema,
                        name: name.item.clone(),
                        kind: ItemKind::Connection,
                        create_sql,
                        desc: freshet_repr::RelationDesc::empty(),
                        uses,
                    };
                    let result = coord.catalog.transact(vec![op]);
                    let result = created(&mut ctx, result, if_not_exists, "connection", &name.item)
                        .map(|_| ExecuteResponse::command("CREATE CONNECTION"));
                    Sequenced::Done(ctx, result)
                };
                self.after_validation(ctx, check.then_some(&connection), create)
            }
            Plan::AlterConnection { id, name, change } => {
                let (Some(id), Some(change)) = (id, change) else {
                    let mut ctx = ctx;
                    ctx.notice(format!("connection \"{name}\" does not exist, skipping"));
                    return Sequenced::Done(ctx, Ok(ExecuteResponse::command("ALTER CONNECTION")));
                };
                let sources = self.sources_using(id);
                if !sources.is_empty() {
                    return self.move_sources(ctx, id, name, change, sources);
                }
                let connection = change.validate.then(|| change.connection.clone());
                let alter = move |coord: &mut Coordinator, ctx: ExecuteContext, (): ()| {
                    let op = Op::AlterItem {
                        id,
                        create_sql: change.create_sql,
                        uses: change.uses,
                    };
                    let result = coord
                        .catalog
                        .transact(vec![op])
                        .map(|_| ExecuteResponse::command("ALTER CONNECTION"))
                        .map_err(AdapterError::from);
                    Sequenced::Done(ctx, result)
                };
                self.after_validation(ctx, connection.as_ref(), alter)
            }
            Plan::ValidateConnection { connection, .. } => {
                let options = match self.mysql_options(&connection) {
                    Ok(options) => options,
                    Err(e) => return Sequenced::Done(ctx, Err(e)),
                };
                self.spawn_statement(ctx, |mut signal| async move {
                    signal.run(async { Ok(validate(&options).await?) }).await?;
                    Ok(ExecuteResponse::command("VALIDATE CONNECTION"))
                });
                Sequenced::Pending
            }
            other => Sequenced::Done(
                ctx,
                Err(AdapterError::Internal(format!("not a connection plan: {other:?}"))),
            ),
        }
    }

    /// The sources that use connection `id`.
    fn sources_using(&self, id: GlobalId) -> Vec<GlobalId> {
        self.catalog
            .items()
            .filter(|item| item.kind == ItemKind::Source && item.uses.first() == Some(&id))
            .filter(|item| matches!(self.sources.get(&item.id), Some(SourceInfo::Source { .. })))
            .map(|item| item.id)
            .collect()
    }

    /// What checking a new server for `sources` needs of each.
    fn moving_sources(&self, sources: &[GlobalId]) -> Result<Vec<MovingSource>, AdapterError> {
        sources
            .iter()
            .map(|id| {
                let item = self
                    .catalog
                    .item(*id)
                    .ok_or_else(|| AdapterError::Internal(format!("source {id} has no catalog entry")))?;
                let (tables, progress) = self.source_subsources(*id)?;
                Ok(MovingSource {
                    name: item.name.clone(),
                    progress,
                    tables,
                })
            })
            .collect()
    }

    /// `ALTER CONNECTION` of connection `id`, which `sources` use: checks
    /// the server it would name while they run (unless `VALIDATE = false`),
    /// then [`Coordinator::stop_and_move`] them.
    fn move_sources(
        &mut self,
        ctx: ExecuteContext,
        id: GlobalId,
        name: String,
        change: ConnectionChange,
        sources: Vec<GlobalId>,
    ) -> Sequenced {
        if !change.validate {
            let result = self.alter_connection(id, &change).map(|()| {
                for source in &sources {
                    self.restart_source(*source);
                }
                tracing::info!(connection = %name, sources = sources.len(), "moved sources without checking the server");
                ExecuteResponse::command("ALTER CONNECTION")
            });
            return Sequenced::Done(ctx, result);
        }
        let (options, moving) = match self.mysql_options(&change.connection).and_then(|options| {
            let moving = self.moving_sources(&sources)?;
            Ok((options, moving))
        }) {
            Ok(prepared) => prepared,
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        let store = self.store.clone();
        self.spawn_then(
            ctx,
            |mut signal| async move {
                signal
                    .run(async {
                        validate(&options).await?;
                        check_move(&options, &store, &moving).await
                    })
                    .await
            },
            move |coord: &mut Coordinator, ctx: ExecuteContext, ()| coord.stop_and_move(ctx, id, name, change),
        );
        Sequenced::Pending
    }

    /// The second half of [`Coordinator::move_sources`]: stops the sources
    /// that use connection `id` now, checks the new server again against
    /// the GTID sets they stopped at, and if it can feed them changes the
    /// connection; either way the sources start again, with the connection
    /// as it then is.
    fn stop_and_move(
        &mut self,
        ctx: ExecuteContext,
        id: GlobalId,
        name: String,
        change: ConnectionChange,
    ) -> Sequenced {
        if self.catalog.item(id).is_none() {
            let error = freshet_sql::PlanError::UnknownItem {
                kind: "connection",
                name,
            };
            return Sequenced::Done(ctx, Err(error.into()));
        }
        // Sources may have come or gone while the server was checked.
        let sources = self.sources_using(id);
        let prepared = self.mysql_options(&change.connection).and_then(|options| {
            let moving = self.moving_sources(&sources)?;
            Ok((options, moving))
        });
        let (options, moving) = match prepared {
            Ok(prepared) => prepared,
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        self.stop_sources(&sources);
        let stopped: Vec<_> = sources.iter().map(|id| self.ingest.stopped(*id)).collect();
        let (store, committer) = (self.store.clone(), self.committer.clone());
        self.spawn_then(
            ctx,
            |mut signal| async move {
                // The statement ends in the coordinator whatever the check
                // finds: the sources must start again.
                let checked = signal
                    .run(async {
                        // The stopped sources' tasks are gone, and a commit
                        // one of them queued lands first.
                        for stopped in stopped {
                            stopped.await;
                        }
                        committer.sync().await?;
                        check_move(&options, &store, &moving).await
                    })
                    .await;
                Ok(checked)
            },
            move |coord: &mut Coordinator, ctx: ExecuteContext, checked: Result<(), AdapterError>| {
                let result = checked.and_then(|()| coord.alter_connection(id, &change));
                for source in &sources {
                    coord.restart_source(*source);
                }
                match &result {
                    Ok(()) => tracing::info!(connection = %name, sources = sources.len(), "moved sources"),
                    Err(e) => tracing::info!(connection = %name, error = %e, "sources not moved"),
                }
                Sequenced::Done(ctx, result.map(|()| ExecuteResponse::command("ALTER CONNECTION")))
            },
        );
        Sequenced::Pending
    }

    /// Stores connection `id`'s changed definition.
    fn alter_connection(&mut self, id: GlobalId, change: &ConnectionChange) -> Result<(), AdapterError> {
        let op = Op::AlterItem {
            id,
            create_sql: change.create_sql.clone(),
            uses: change.uses.clone(),
        };
        self.catalog.transact(vec![op])?;
        Ok(())
    }

    /// Runs `then` in the coordinator: at once without a `connection` to
    /// check, otherwise once a spawned task has validated it.
    fn after_validation<Then>(
        &mut self,
        ctx: ExecuteContext,
        connection: Option<&ConnectionPlan>,
        then: Then,
    ) -> Sequenced
    where
        Then: FnOnce(&mut Coordinator, ExecuteContext, ()) -> Sequenced + Send + 'static,
    {
        let Some(connection) = connection else {
            return then(self, ctx, ());
        };
        let options = match self.mysql_options(connection) {
            Ok(options) => options,
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        self.spawn_then(
            ctx,
            |mut signal| async move { signal.run(async { Ok(validate(&options).await?) }).await },
            then,
        );
        Sequenced::Pending
    }

    /// The options of `plan` with its secrets' values filled in.
    pub(crate) fn mysql_options(&self, plan: &ConnectionPlan) -> Result<MySqlConnection, AdapterError> {
        let secret = |id| {
            self.catalog
                .secret(id)
                .map(str::to_owned)
                .ok_or_else(|| AdapterError::Internal(format!("secret {id} has no value")))
        };
        let value = |value: &Option<TextOrSecret>| match value {
            None => Ok(None),
            Some(TextOrSecret::Text(text)) => Ok(Some(text.clone())),
            Some(TextOrSecret::Secret(id)) => secret(*id).map(Some),
        };
        Ok(MySqlConnection {
            host: plan.host.clone(),
            port: plan.port,
            user: plan.user.clone(),
            password: plan.password.map(secret).transpose()?,
            ssl_mode: SslMode::parse(&plan.ssl_mode)
                .ok_or_else(|| AdapterError::Internal(format!("unknown SSL MODE {}", plan.ssl_mode)))?,
            ssl_ca: value(&plan.ssl_ca)?,
            ssl_cert: value(&plan.ssl_cert)?,
            ssl_key: plan.ssl_key.map(secret).transpose()?,
        })
    }
}

/// Checks that the MySQL server `options` reach can feed each of `sources`
/// from where it is (see the module's comment); an error names the first
/// source it cannot feed.
async fn check_move(options: &MySqlConnection, store: &Store, sources: &[MovingSource]) -> Result<(), AdapterError> {
    let server = format!("{}:{}", options.host, options.port);
    let mut conn = connect(options).await?;
    let result = async {
        let gtids = ServerGtids::read(&mut conn).await?;
        for source in sources {
            let cannot_move = |reason: MySqlError| MySqlError::SourceCannotMove {
                name: source.name.clone(),
                server: server.clone(),
                reason: Box::new(reason),
            };
            if let Some(text) = store.offset(source.progress)? {
                let ingested = GtidSet::parse(&text)?;
                gtids.check_resume(&ingested).map_err(cannot_move)?;
            }
            let mut live = Vec::new();
            for subsource in &source.tables {
                if store.offset(subsource.id)?.is_none() {
                    live.push(&subsource.table);
                }
            }
            check_tables(&mut conn, &live).await.map_err(cannot_move)?;
        }
        Ok(())
    }
    .await;
    // The check's answer stands whether or not the goodbye is heard.
    let _ = conn.disconnect().await;
    result
}
