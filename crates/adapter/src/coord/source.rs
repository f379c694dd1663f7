//! Sequencing `CREATE SOURCE` and `ALTER SOURCE … ADD SUBSOURCE`:
//! purification (reaching MySQL) runs in a spawned task; the purified
//! source, its subsources and its progress subsource (or the added
//! subsources) are then planned and created in the coordinator, in one
//! catalog transaction.

use std::collections::BTreeMap;

use freshet_catalog::{ItemKind, NewItem, Op, OpResult};
use freshet_ingest::{IngestCommand, IngestResponse, SourceDescription, SubsourceDescription};
use freshet_mysql::{ColumnRef, PurifiedSource, SourceRequest, TableSelection, purify};
use freshet_repr::{GlobalId, RelationDesc, UpstreamTable};
use freshet_sql::{
    PurifyAddSubsourcesPlan, PurifySourcePlan, SourcePlan, UpstreamSelection, plan_added_subsources,
    plan_purified_source, quote_ident, stored_connection,
};

use super::source_status::SourceStatus;
use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::catalog_reader::SessionCatalog;
use crate::client::ExecuteResponse;

/// What the coordinator keeps of a source or subsource's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SourceInfo {
    /// A source (a subsource runs where its source does).
    Source {
        /// The cluster it runs in.
        cluster: String,
        /// The server id of its binlog client.
        server_id: u32,
    },
    /// A subsource or progress subsource.
    Subsource {
        /// The upstream table it copies (`None` for a progress subsource).
        table: Option<UpstreamTable>,
    },
}

impl Coordinator {
    /// `CREATE SOURCE`: purifies in a spawned task, then creates.
    pub(crate) fn sequence_purify_source(&mut self, mut ctx: ExecuteContext, plan: PurifySourcePlan) -> Sequenced {
        let exists = self.catalog.item_by_name(plan.schema, &plan.name.item).is_some();
        if exists && plan.if_not_exists {
            ctx.notice(format!("source \"{}\" already exists, skipping", plan.name.item));
            return Sequenced::Done(ctx, Ok(ExecuteResponse::command("CREATE SOURCE")));
        }
        if exists {
            let error = freshet_catalog::CatalogError::ItemExists {
                kind: "relation",
                name: plan.name.item.clone(),
            };
            return Sequenced::Done(ctx, Err(error.into()));
        }
        let options = match self.mysql_options(&plan.connection) {
            Ok(options) => options,
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        let request = source_request(table_selection(&plan.tables), &plan.text_columns, &plan.exclude_columns);
        self.spawn_then(
            ctx,
            |mut signal| async move { signal.run(async { Ok(purify(&options, &request).await?) }).await },
            move |coord: &mut Coordinator, ctx: ExecuteContext, purified: PurifiedSource| match coord
                .create_source(&ctx, &plan, purified)
            {
                Ok(id) => {
                    let collections = coord.subsources_of(id);
                    coord.start_with_subsources(ctx, id, collections, "CREATE SOURCE")
                }
                Err(e) => Sequenced::Done(ctx, Err(e)),
            },
        );
        Sequenced::Pending
    }

    /// Plans the purified source and creates it with its subsources;
    /// returns its id.
    fn create_source(
        &mut self,
        ctx: &ExecuteContext,
        plan: &PurifySourcePlan,
        purified: PurifiedSource,
    ) -> Result<GlobalId, AdapterError> {
        let server_id = match plan.statement.server_id {
            Some(id) => id,
            None => self.choose_server_id(purified.server_id),
        };
        let session = self
            .sessions
            .get(&ctx.conn_id)
            .ok_or_else(|| AdapterError::Internal("session not found".into()))?;
        let reader = SessionCatalog::new(&self.catalog, &session.vars);
        let source = plan_purified_source(&reader, plan, purified.tables, server_id)?;
        let op = Op::CreateSource {
            source: NewItem {
                schema: source.schema,
                name: source.name.item.clone(),
                kind: ItemKind::Source,
                create_sql: source.create_sql.clone(),
                desc: RelationDesc::empty(),
                uses: vec![source.connection],
            },
            subsources: source
                .subsources
                .iter()
                .map(|subsource| NewItem {
                    schema: subsource.schema,
                    name: subsource.name.item.clone(),
                    kind: match subsource.kind {
                        freshet_sql::ItemKind::ProgressSubsource => ItemKind::ProgressSubsource,
                        _ => ItemKind::Subsource,
                    },
                    create_sql: subsource.create_sql.clone(),
                    desc: subsource.desc.clone(),
                    uses: vec![],
                })
                .collect(),
        };
        let results = self.catalog.transact(vec![op])?;
        let Some(OpResult::CreatedSource { source: id, subsources }) = results.first() else {
            return Err(AdapterError::Internal("creating a source created no source".into()));
        };
        self.register_source(*id, &source, subsources);
        tracing::debug!(source = %source.name, server_id, "created source");
        Ok(*id)
    }

    /// Creates the (held) collections of a source's new subsources, then
    /// starts the source's ingestion with them (a running source restarts);
    /// the statement completes with `tag` once ingestion has (re)started. A
    /// held collection becomes readable when ingestion publishes its
    /// snapshot.
    fn start_with_subsources(
        &mut self,
        ctx: ExecuteContext,
        source: GlobalId,
        collections: Vec<GlobalId>,
        tag: &'static str,
    ) -> Sequenced {
        let committer = self.committer.clone();
        self.spawn_then(
            ctx,
            move |_| async move {
                for id in collections {
                    committer.create_held_collection(id).await?;
                }
                Ok(())
            },
            move |coord: &mut Coordinator, ctx: ExecuteContext, ()| {
                coord.restart_source(source);
                Sequenced::Done(ctx, Ok(ExecuteResponse::command(tag)))
            },
        );
        Sequenced::Pending
    }

    /// `ALTER SOURCE … ADD SUBSOURCE`: purifies the new tables in a spawned
    /// task, creates their subsources, then restarts the source with them.
    pub(crate) fn sequence_purify_add_subsources(
        &mut self,
        ctx: ExecuteContext,
        plan: PurifyAddSubsourcesPlan,
    ) -> Sequenced {
        if let Err(e) = self.check_not_copied(plan.source_id, &plan.tables) {
            return Sequenced::Done(ctx, Err(e));
        }
        let options = match self.mysql_options(&plan.connection) {
            Ok(options) => options,
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        let request = source_request(
            TableSelection::Tables(plan.tables.clone()),
            &plan.text_columns,
            &plan.exclude_columns,
        );
        self.spawn_then(
            ctx,
            |mut signal| async move { signal.run(async { Ok(purify(&options, &request).await?) }).await },
            move |coord: &mut Coordinator, ctx: ExecuteContext, purified: PurifiedSource| match coord
                .add_subsources(&ctx, &plan, purified)
            {
                Ok(ids) => coord.start_with_subsources(ctx, plan.source_id, ids, "ALTER SOURCE"),
                Err(e) => Sequenced::Done(ctx, Err(e)),
            },
        );
        Sequenced::Pending
    }

    /// Refuses tables that a subsource of `source` already copies (one
    /// that failed included: it must be dropped first).
    fn check_not_copied(&self, source: GlobalId, tables: &[(String, String)]) -> Result<(), AdapterError> {
        for id in self.subsources_of(source) {
            let Some(SourceInfo::Subsource { table: Some(table) }) = self.sources.get(&id) else {
                continue;
            };
            if !tables
                .iter()
                .any(|(schema, name)| *schema == table.schema && *name == table.name)
            {
                continue;
            }
            let item = self
                .catalog
                .item(id)
                .ok_or_else(|| AdapterError::Internal(format!("subsource {id} has no catalog entry")))?;
            let schema = self.catalog.schema(item.schema).map_or("", |schema| &schema.name);
            return Err(AdapterError::TableAlreadyCopied {
                table: format!("{}.{}", table.schema, table.name),
                subsource: item.name.clone(),
                qualified: format!("{}.{}", quote_ident(schema), quote_ident(&item.name)),
            });
        }
        Ok(())
    }

    /// Plans the purified tables' subsources and creates them as
    /// subsources of the plan's source; returns their ids.
    fn add_subsources(
        &mut self,
        ctx: &ExecuteContext,
        plan: &PurifyAddSubsourcesPlan,
        purified: PurifiedSource,
    ) -> Result<Vec<GlobalId>, AdapterError> {
        // The source may have gone, or a table been added, while purifying.
        if !matches!(self.sources.get(&plan.source_id), Some(SourceInfo::Source { .. })) {
            return Err(freshet_sql::PlanError::UnknownItem {
                kind: "source",
                name: plan.source_name.to_string(),
            }
            .into());
        }
        self.check_not_copied(plan.source_id, &plan.tables)?;
        let session = self
            .sessions
            .get(&ctx.conn_id)
            .ok_or_else(|| AdapterError::Internal("session not found".into()))?;
        let reader = SessionCatalog::new(&self.catalog, &session.vars);
        let subsources = plan_added_subsources(&reader, plan, purified.tables)?;
        let ops = subsources
            .iter()
            .map(|subsource| Op::CreateItem {
                schema: subsource.schema,
                name: subsource.name.item.clone(),
                kind: ItemKind::Subsource,
                create_sql: subsource.create_sql.clone(),
                desc: subsource.desc.clone(),
                // The source first: that is how `subsources_of` finds it.
                uses: vec![plan.source_id],
            })
            .collect();
        let results = self.catalog.transact(ops)?;
        let ids: Vec<GlobalId> = results
            .iter()
            .filter_map(|result| match result {
                OpResult::CreatedItem(id) => Some(*id),
                _ => None,
            })
            .collect();
        for (subsource, id) in subsources.iter().zip(&ids) {
            let info = SourceInfo::Subsource {
                table: subsource.table.clone(),
            };
            self.add_source(*id, info, true);
            tracing::debug!(source = %plan.source_name, subsource = %subsource.name, "added subsource");
        }
        Ok(ids)
    }

    /// (Re)starts the ingestion of source `id`, if it still exists, with
    /// its current subsources: once created, or after one was dropped or
    /// added (stopping a source that is not running does nothing).
    pub(crate) fn restart_source(&mut self, id: GlobalId) {
        if matches!(self.sources.get(&id), Some(SourceInfo::Source { .. })) {
            self.ingest.send(IngestCommand::Stop(id));
            self.run_source(id);
        }
    }

    /// The subsources and progress subsource of source `id`.
    fn subsources_of(&self, id: GlobalId) -> Vec<GlobalId> {
        self.catalog
            .items()
            .filter(|item| item.kind.is_subsource() && item.uses.first() == Some(&id))
            .map(|item| item.id)
            .collect()
    }

    /// Starts ingesting every source (at boot).
    pub(crate) fn run_sources(&mut self) {
        let sources: Vec<GlobalId> = self
            .sources
            .iter()
            .filter(|(_, info)| matches!(info, SourceInfo::Source { .. }))
            .map(|(id, _)| *id)
            .collect();
        for id in sources {
            self.run_source(id);
        }
    }

    /// Starts ingesting source `id`; if it cannot be described (its
    /// connection no longer plans), it fails with the reason.
    pub(crate) fn run_source(&mut self, id: GlobalId) {
        match self.source_description(id) {
            Ok(desc) => self.ingest.send(IngestCommand::Run(Box::new(desc))),
            Err(e) => {
                // The status line says why.
                tracing::debug!(source = %id, error = %e, "cannot start the source");
                self.set_status(id, "failed", Some(e.to_string()), None, false);
            }
        }
    }

    /// What ingestion needs to run source `id`.
    pub(crate) fn source_description(&self, id: GlobalId) -> Result<SourceDescription, AdapterError> {
        let missing = |what: &str| AdapterError::Internal(format!("source {id} has no {what}"));
        let item = self.catalog.item(id).ok_or_else(|| missing("catalog entry"))?;
        let Some(SourceInfo::Source { server_id, .. }) = self.sources.get(&id) else {
            return Err(missing("plan"));
        };
        let connection = item
            .uses
            .first()
            .and_then(|c| self.catalog.item(*c))
            .ok_or_else(|| missing("connection"))?;
        let reader = SessionCatalog::at_boot(&self.catalog);
        let connection = stored_connection(&reader, &connection.create_sql)?;
        let (subsources, progress) = self.source_subsources(id)?;
        Ok(SourceDescription {
            id,
            name: item.name.clone(),
            connection: self.mysql_options(&connection)?,
            server_id: *server_id,
            subsources,
            progress,
        })
    }

    /// Source `id`'s subsources with the tables they copy, and its
    /// progress subsource.
    pub(crate) fn source_subsources(
        &self,
        id: GlobalId,
    ) -> Result<(Vec<SubsourceDescription>, GlobalId), AdapterError> {
        let missing = |what: &str| AdapterError::Internal(format!("source {id} has no {what}"));
        let mut subsources = Vec::new();
        let mut progress = None;
        for sub in self.subsources_of(id) {
            match self.sources.get(&sub) {
                Some(SourceInfo::Subsource { table: Some(table) }) => subsources.push(SubsourceDescription {
                    id: sub,
                    table: table.clone(),
                }),
                Some(SourceInfo::Subsource { table: None }) => progress = Some(sub),
                _ => return Err(missing("plan for a subsource")),
            }
        }
        Ok((subsources, progress.ok_or_else(|| missing("progress subsource"))?))
    }

    /// Stops the ingestion of the sources among `dropped`.
    pub(crate) fn stop_sources(&mut self, dropped: &[GlobalId]) {
        for id in dropped {
            if matches!(self.sources.get(id), Some(SourceInfo::Source { .. })) {
                self.ingest.send(IngestCommand::Stop(*id));
            }
        }
    }

    /// Each subsource's source.
    pub(crate) fn subsource_parents(&self) -> BTreeMap<GlobalId, GlobalId> {
        self.catalog
            .items()
            .filter(|item| item.kind.is_subsource())
            .filter_map(|item| Some((item.id, *item.uses.first()?)))
            .collect()
    }

    /// Takes a status ingestion reports.
    pub(crate) fn handle_ingest(&mut self, response: IngestResponse) {
        match response {
            IngestResponse::Status(update) => {
                self.set_status(
                    update.id,
                    update.status.as_str(),
                    update.error,
                    update.hint,
                    update.with_source,
                );
            }
            IngestResponse::Statistics { id, statistics } => {
                if self.sources.contains_key(&id) {
                    self.source_statistics.insert(id, statistics);
                    self.ingest_changed = true;
                }
            }
        }
        if let Some(write) = self.write_builtins() {
            tokio::spawn(write);
        }
    }

    /// Records what the coordinator keeps of a source and its subsources
    /// (`ids` in the order of the plan's subsources).
    fn register_source(&mut self, id: GlobalId, source: &SourcePlan, ids: &[GlobalId]) {
        let info = SourceInfo::Source {
            cluster: source.cluster.clone(),
            server_id: source.server_id,
        };
        self.add_source(id, info, true);
        for (subsource, id) in source.subsources.iter().zip(ids) {
            let info = SourceInfo::Subsource {
                table: subsource.table.clone(),
            };
            self.add_source(*id, info, true);
        }
    }

    /// Keeps `info` for source or subsource `id`, `created` now (or loaded
    /// at boot): it stays `created` until ingestion reports on it. Only a
    /// creation goes into the status history.
    pub(crate) fn add_source(&mut self, id: GlobalId, info: SourceInfo, created: bool) {
        self.sources.insert(id, info);
        let status = SourceStatus {
            status: "created",
            error: None,
            hint: None,
            at: self.status_time(),
        };
        if created {
            // A subsource created with its source is told by its line.
            let with_source = self
                .catalog
                .item(id)
                .filter(|item| item.kind.is_subsource())
                .and_then(|item| item.uses.first())
                .and_then(|source| self.source_statuses.get(source))
                .is_some_and(|source| source.status == "created");
            self.remember_status(id, status, with_source);
        } else {
            self.source_statuses.insert(id, status);
        }
    }

    /// A server id for a new source's binlog client: unused by the other
    /// sources and unlike the upstream server's own.
    fn choose_server_id(&self, upstream: u32) -> u32 {
        let taken: Vec<u32> = self
            .sources
            .values()
            .filter_map(|info| match info {
                SourceInfo::Source { server_id, .. } => Some(*server_id),
                SourceInfo::Subsource { .. } => None,
            })
            .collect();
        loop {
            // Far above the small ids people give their servers, below 2^31.
            let id = (rand::random::<u32>() & 0x3fff_ffff) | 0x4000_0000;
            if id != upstream && !taken.contains(&id) {
                return id;
            }
        }
    }

    /// The cluster a source, or a subsource's source, runs in (a progress
    /// subsource runs in none).
    pub(crate) fn source_cluster(&self, item: &freshet_catalog::Item) -> Option<&str> {
        let source = match item.kind {
            ItemKind::Source => item.id,
            ItemKind::Subsource => *item.uses.first()?,
            _ => return None,
        };
        match self.sources.get(&source)? {
            SourceInfo::Source { cluster, .. } => Some(cluster),
            SourceInfo::Subsource { .. } => None,
        }
    }
}

/// The tables purification looks up for a `CREATE SOURCE`.
fn table_selection(tables: &UpstreamSelection) -> TableSelection {
    match tables {
        UpstreamSelection::All => TableSelection::All,
        UpstreamSelection::Schemas(schemas) => TableSelection::Schemas(schemas.clone()),
        UpstreamSelection::Tables(tables) => TableSelection::Tables(tables.clone()),
    }
}

/// What purification looks up: the tables of `selection`, with a
/// statement's `TEXT COLUMNS` and `EXCLUDE COLUMNS` (`[schema, table,
/// column]` each).
fn source_request(
    selection: TableSelection,
    text_columns: &[[String; 3]],
    exclude_columns: &[[String; 3]],
) -> SourceRequest {
    let columns = |refs: &[[String; 3]]| {
        refs.iter()
            .map(|[schema, table, column]| ColumnRef {
                schema: schema.clone(),
                table: table.clone(),
                column: column.clone(),
            })
            .collect()
    };
    SourceRequest {
        selection,
        text_columns: columns(text_columns),
        exclude_columns: columns(exclude_columns),
    }
}
