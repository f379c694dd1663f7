//! The system relations (DESIGN.md §7): their rows derived from the
//! catalog and the sources' statuses, kept in their collections by writing
//! the difference whenever the catalog changes, and at boot against what
//! is stored (their contents are never a source of truth, except for the
//! status history, which is loaded from its collection at boot).

mod information_schema;
mod mz_catalog;
mod mz_internal;
mod pg_catalog;

use std::collections::BTreeMap;
use std::future::Future;

use freshet_catalog::BuiltinRelation;
use freshet_repr::{Datum, Diff, GlobalId, Row};
use freshet_storage::{Batch, Committer, Store};

use super::Coordinator;
use crate::AdapterError;

/// The contents of each system relation, as multisets of rows.
pub(crate) type BuiltinContents = BTreeMap<GlobalId, BTreeMap<Row, Diff>>;

/// The owner of every object: the first user role, as in Materialize.
const OWNER_ID: &str = "u1";

/// The privileges of every object, as Materialize prints an empty
/// `mz_aclitem` array.
const PRIVILEGES: &str = "{}";

/// The rows of the system relations, as they are derived.
#[derive(Default)]
struct Rows {
    contents: BuiltinContents,
}

impl Rows {
    /// Adds a row to `relation`.
    fn add(&mut self, relation: &BuiltinRelation, datums: &[Datum<'_>]) {
        debug_assert_eq!(datums.len(), relation.arity(), "a row of {}", relation.name);
        *self
            .contents
            .entry(relation.id)
            .or_default()
            .entry(Row::pack_slice(datums))
            .or_default() += 1;
    }
}

/// `text`, or NULL.
fn optional_text(text: Option<&str>) -> Datum<'_> {
    text.map_or(Datum::Null, Datum::String)
}

impl Coordinator {
    /// What the system relations should hold now: derived from the catalog,
    /// the sources' plans, statuses and statistics, and the status history.
    pub(crate) fn builtin_contents(&self) -> BuiltinContents {
        let mut rows = Rows::default();
        self.mz_catalog_rows(&mut rows);
        self.dependency_rows(&mut rows);
        self.source_state_rows(&mut rows);
        pg_catalog::add_rows(&self.catalog, &mut rows);
        information_schema::add_rows(&self.catalog, &mut rows);
        rows.contents
    }

    /// The id of cluster `name`, as the system relations print it.
    fn cluster_id(&self, name: &str) -> Option<String> {
        self.catalog.cluster(name).map(freshet_catalog::Cluster::id)
    }

    /// If the catalog changed since the system relations were last
    /// written, sends the difference to the committer and returns what
    /// finishes once it is durable: a statement that changed the catalog
    /// answers only then, so its session's next read sees the change.
    pub(crate) fn write_builtins(&mut self) -> Option<std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'static>>> {
        if self.builtins_generation == self.catalog.generation() && !self.ingest_changed {
            return self.builtins_in_flight();
        }
        let updates = if self.builtins_generation == self.catalog.generation() {
            // Only ingestion reported: only the relations it feeds change,
            // and the rest (which grows with the catalog) is not rebuilt.
            let mut rows = Rows::default();
            self.source_state_rows(&mut rows);
            let mut before = BuiltinContents::new();
            for id in mz_internal::SOURCE_STATE_RELATIONS {
                if let Some(current) = self.builtins.remove(&id) {
                    before.insert(id, current);
                }
            }
            let updates = difference(&before, &rows.contents);
            self.builtins.extend(rows.contents);
            updates
        } else {
            let contents = self.builtin_contents();
            let updates = difference(&self.builtins, &contents);
            self.builtins = contents;
            updates
        };
        self.builtins_generation = self.catalog.generation();
        self.ingest_changed = false;
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
