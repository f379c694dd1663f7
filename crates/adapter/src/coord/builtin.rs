//! The system relations (DESIGN.md §7): their rows derived from the
//! catalog and the sources' statuses, kept in their collections by writing
//! the difference whenever the catalog changes, and at boot against what
//! is stored (their contents are never a source of truth).

use std::collections::BTreeMap;
use std::future::Future;

mod information_schema;
mod pg_catalog;

use freshet_catalog::{
    ItemKind, MZ_MYSQL_SOURCE_TABLES, MZ_OBJECT_DEPENDENCIES, MZ_SOURCE_STATISTICS, MZ_SOURCE_STATUSES, MZ_SOURCES,
};
use freshet_repr::{Datum, Diff, GlobalId, Row};
use freshet_sql::quote_ident;
use freshet_storage::{Batch, Committer, Store};

use super::Coordinator;
use super::source::SourceInfo;
use crate::AdapterError;
use crate::catalog_reader::planner_kind;

/// The contents of each system relation, as multisets of rows.
pub(crate) type BuiltinContents = BTreeMap<GlobalId, BTreeMap<Row, Diff>>;

impl Coordinator {
    /// What the system relations should hold now: derived from the catalog,
    /// the sources' plans and their statuses.
    pub(crate) fn builtin_contents(&self) -> BuiltinContents {
        let mut contents: BuiltinContents = BTreeMap::new();
        let mut add = |relation: GlobalId, datums: &[Datum<'_>]| {
            *contents
                .entry(relation)
                .or_default()
                .entry(Row::pack_slice(datums))
                .or_default() += 1;
        };
        let catalog = &self.catalog;
        for item in catalog.items().filter(|item| matches!(item.id, GlobalId::User(_))) {
            let id = item.id.to_string();
            let source_type = planner_kind(item.kind).source_type();
            // Dependencies: what the item names; a subsource is instead named
            // by its source, as Materialize lists them.
            for used in &item.uses {
                let used = used.to_string();
                let (object, referenced) = match item.kind {
                    ItemKind::Subsource | ItemKind::ProgressSubsource => (used.as_str(), id.as_str()),
                    _ => (id.as_str(), used.as_str()),
                };
                add(
                    MZ_OBJECT_DEPENDENCIES.id,
                    &[Datum::String(object), Datum::String(referenced)],
                );
            }
            let Some(source_type) = source_type else { continue };
            let schema_id = item.schema.to_string();
            let cluster_id = self
                .source_cluster(item)
                .and_then(|name| catalog.cluster(name))
                .map(|cluster| cluster.id());
            let connection_id = match item.kind {
                ItemKind::Source => item.uses.first().map(ToString::to_string),
                _ => None,
            };
            add(
                MZ_SOURCES.id,
                &[
                    Datum::String(&id),
                    Datum::UInt32(item.oid),
                    Datum::String(&schema_id),
                    Datum::String(&item.name),
                    Datum::String(source_type),
                    connection_id.as_deref().map_or(Datum::Null, Datum::String),
                    Datum::Null,
                    Datum::Null,
                    Datum::Null,
                    Datum::Null,
                    cluster_id.as_deref().map_or(Datum::Null, Datum::String),
                    Datum::String(OWNER_ID),
                    Datum::String("{}"),
                    Datum::String(&item.create_sql),
                    Datum::String(&item.create_sql),
                ],
            );
            if let Some(SourceInfo::Subsource { table: Some(table) }) = self.sources.get(&item.id) {
                add(
                    MZ_MYSQL_SOURCE_TABLES.id,
                    &[
                        Datum::String(&id),
                        Datum::String(&quote_ident(&table.schema)),
                        Datum::String(&quote_ident(&table.name)),
                    ],
                );
            }
            let status = self.source_statuses.get(&item.id);
            let at = status
                .and_then(|s| chrono::DateTime::from_timestamp_millis(i64::try_from(s.at).unwrap_or(i64::MAX)))
                .map_or(Datum::Null, Datum::TimestampTz);
            add(
                MZ_SOURCE_STATUSES.id,
                &[
                    Datum::String(&id),
                    Datum::String(&item.name),
                    Datum::String(source_type),
                    at,
                    Datum::String(status.map_or("created", |s| s.status)),
                    status
                        .and_then(|s| s.error.as_deref())
                        .map_or(Datum::Null, Datum::String),
                    Datum::Null,
                ],
            );
            if matches!(item.kind, ItemKind::Source | ItemKind::Subsource) {
                let stats = self.source_statistics.get(&item.id).cloned().unwrap_or_default();
                let optional = |value: Option<u64>| value.map_or(Datum::Null, Datum::UInt64);
                add(
                    MZ_SOURCE_STATISTICS.id,
                    &[
                        Datum::String(&id),
                        Datum::Null,
                        Datum::UInt64(stats.messages_received),
                        Datum::UInt64(stats.bytes_received),
                        Datum::UInt64(stats.updates_staged),
                        Datum::UInt64(stats.updates_committed),
                        Datum::UInt64(0),
                        Datum::UInt64(0),
                        Datum::Null,
                        optional(stats.snapshot_records_known),
                        optional(stats.snapshot_records_staged),
                        Datum::from(stats.snapshot_committed),
                        optional(stats.offset_known),
                        optional(stats.offset_committed),
                    ],
                );
            }
        }
        pg_catalog::add_rows(catalog, &mut add);
        information_schema::add_rows(catalog, &mut add);
        contents
    }

    /// If the catalog changed since the system relations were last
    /// written, sends the difference to the committer and returns what
    /// finishes once it is durable: a statement that changed the catalog
    /// answers only then, so its session's next read sees the change.
    pub(crate) fn write_builtins(&mut self) -> Option<std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'static>>> {
        if self.builtins_generation == self.catalog.generation() && !self.ingest_changed {
            return self.builtins_in_flight();
        }
        self.builtins_generation = self.catalog.generation();
        self.ingest_changed = false;
        let contents = self.builtin_contents();
        let updates = difference(&self.builtins, &contents);
        self.builtins = contents;
        if updates.is_empty() {
            return self.builtins_in_flight();
        }
        // Queued now, so differences commit in the order they were taken.
        let commit = batches(&self.store, updates).map(|writes| self.committer.enqueue(writes, Vec::new()));
        self.builtins_enqueued += 1;
        let (number, durable) = (self.builtins_enqueued, self.builtins_durable.clone());
        Some(Box::pin(async move {
            let result = match commit {
                Ok(commit) => commit.await.map_err(AdapterError::from),
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "the system relations could not be written; they are stale until the next restart");
            }
            durable.send_modify(|d| *d = (*d).max(number));
        }))
    }

    /// Waits for the system relations' writes already queued (one taken
    /// for an ingestion report may hold a statement's catalog change), or
    /// `None` when they are all durable.
    fn builtins_in_flight(&self) -> Option<std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'static>>> {
        let number = self.builtins_enqueued;
        if *self.builtins_durable.borrow() >= number {
            return None;
        }
        let mut durable = self.builtins_durable.subscribe();
        Some(Box::pin(async move {
            let _ = durable.wait_for(|d| *d >= number).await;
        }))
    }
}

/// The owner of every object: the first user role, as in Materialize.
const OWNER_ID: &str = "u1";

/// The updates that turn `from` into `to`, per relation.
fn difference(from: &BuiltinContents, to: &BuiltinContents) -> BTreeMap<GlobalId, Vec<(Row, Diff)>> {
    let mut updates: BTreeMap<GlobalId, BTreeMap<Row, Diff>> = BTreeMap::new();
    for (id, rows) in to {
        for (row, diff) in rows {
            *updates.entry(*id).or_default().entry(row.clone()).or_default() += diff;
        }
    }
    for (id, rows) in from {
        for (row, diff) in rows {
            *updates.entry(*id).or_default().entry(row.clone()).or_default() -= diff;
        }
    }
    updates
        .into_iter()
        .map(|(id, rows)| (id, rows.into_iter().filter(|(_, diff)| *diff != 0).collect::<Vec<_>>()))
        .filter(|(_, rows)| !rows.is_empty())
        .collect()
}

/// Writes `updates` into one unpublished batch per relation.
fn batches(
    store: &Store,
    updates: BTreeMap<GlobalId, Vec<(Row, Diff)>>,
) -> Result<Vec<(GlobalId, Batch)>, AdapterError> {
    let mut writes: Vec<(GlobalId, Batch)> = Vec::new();
    for (id, rows) in updates {
        let mut builder = store.batch_builder()?;
        for (row, diff) in &rows {
            builder.push(row, *diff)?;
        }
        writes.push((id, builder.finish()?));
    }
    Ok(writes)
}

/// At boot: makes each system relation's collection hold what the catalog
/// says, whatever an earlier version or a crash left in it.
pub(crate) async fn resync(
    store: &Store,
    committer: &Committer,
    contents: &BuiltinContents,
) -> Result<(), AdapterError> {
    let mut stored: BuiltinContents = BTreeMap::new();
    for relation in freshet_catalog::BUILTIN_RELATIONS {
        let upper = store.upper(relation.id)?;
        let rows = stored.entry(relation.id).or_default();
        // A collection never written to has nothing readable yet.
        if upper == 0 {
            continue;
        }
        for (row, diff) in store.snapshot(relation.id, upper - 1)? {
            *rows.entry(row).or_default() += diff;
        }
    }
    let updates = difference(&stored, contents);
    if !updates.is_empty() {
        committer.commit(batches(store, updates)?).await?;
    }
    Ok(())
}
