//! Sequencing `CREATE [OR REPLACE] MATERIALIZED VIEW`, and starting materialized views'
//! dataflows (at creation and at boot): one catalog transaction, the
//! view's collection (timed by its sink, held until the first write), then
//! its sink on compute. The statement completes once the view is readable.

use std::time::Duration;

use freshet_catalog::{ItemKind, NewItem, OpResult};
use freshet_expr::{RelExpr, optimize};
use freshet_repr::{GlobalId, SchemaId, Timestamp};
use freshet_sql::{FullItemName, ViewPlan};
use freshet_storage::Store;

use super::ddl::created;
use super::instances::FailureWatch;
use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::ExecuteResponse;

/// A materialized view as its dataflow needs it.
#[derive(Debug, Clone)]
pub(crate) struct ViewInfo {
    /// The cluster that maintains it.
    pub(crate) cluster: String,
    /// What it computes, unoptimized.
    pub(crate) expr: RelExpr,
}

/// How often the creation checks whether the view failed while it waits
/// for its first write.
const FAILURE_POLL: Duration = Duration::from_millis(100);

/// A planned `CREATE [OR REPLACE] MATERIALIZED VIEW`.
pub(crate) struct NewMaterializedView {
    /// The schema it goes in.
    pub(crate) schema: SchemaId,
    /// Its name.
    pub(crate) name: FullItemName,
    /// Its definition.
    pub(crate) view: ViewPlan,
    /// What it computes, and where.
    pub(crate) info: ViewInfo,
    /// Succeed with a notice if it exists.
    pub(crate) if_not_exists: bool,
    /// The materialized view it replaces, if any.
    pub(crate) replace: Option<GlobalId>,
}

impl Coordinator {
    /// `CREATE [OR REPLACE] MATERIALIZED VIEW`. Replacing drops the old
    /// view (its sink stops, its collection goes) and creates the new one
    /// under a new id, in one catalog transaction; the new view is built
    /// from scratch, so no row of the old one carries over.
    pub(crate) fn sequence_create_materialized_view(
        &mut self,
        mut ctx: ExecuteContext,
        create: NewMaterializedView,
    ) -> Sequenced {
        let NewMaterializedView {
            schema,
            name,
            view,
            info,
            if_not_exists,
            replace,
        } = create;
        if let Err(e) = self
            .check_not_failed(&info.expr.depends_on())
            .and_then(|()| self.instances.cluster(&info.cluster).map(drop))
        {
            return Sequenced::Done(ctx, Err(e));
        }
        let new = NewItem {
            schema,
            name: name.item.clone(),
            kind: ItemKind::MaterializedView,
            create_sql: view.create_sql,
            desc: view.desc,
            uses: view.uses,
        };
        let op = new.create_or_replace(replace);
        let result = self.catalog.transact(vec![op]);
        let id = match created(&mut ctx, result, if_not_exists, "relation", &name.item) {
            Ok(Some(results)) => results.iter().find_map(|r| match r {
                OpResult::CreatedItem(id) | OpResult::Replaced { new: id, .. } => Some(*id),
                _ => None,
            }),
            Ok(None) => return Sequenced::Done(ctx, Ok(ExecuteResponse::command("CREATE MATERIALIZED VIEW"))),
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        let Some(id) = id else {
            return Sequenced::Done(
                ctx,
                Err(AdapterError::Internal("no materialized view was created".into())),
            );
        };
        // The old view's sink stops before its collection goes.
        if let Some(old) = replace {
            self.drop_materialized_views(&[old]);
        }
        let committer = self.committer.clone();
        self.spawn_then(
            ctx,
            move |_| async move {
                if let Some(old) = replace {
                    committer.drop_collection(old).await?;
                }
                Ok(committer.create_writer_timed_collection(id).await?)
            },
            move |coord, ctx, _created| match coord.start_materialized_view(id, info) {
                Ok(as_of) => {
                    let (store, watch) = (coord.store.clone(), coord.failure_watch(&[id]));
                    coord.spawn_statement(ctx, move |_| async move {
                        wait_until_readable(&store, &watch, id, as_of).await?;
                        Ok(ExecuteResponse::command("CREATE MATERIALIZED VIEW"))
                    });
                    Sequenced::Pending
                }
                Err(e) => Sequenced::Done(ctx, Err(e)),
            },
        );
        Sequenced::Pending
    }

    /// Starts view `id`'s sink in its cluster, and returns the time its
    /// dataflow starts at: for a view never written, the latest time its
    /// inputs are complete (at least its collection's upper); otherwise
    /// just below its collection's upper, so that the sink corrects what
    /// is stored there (or later, if its inputs no longer hold that time).
    /// A view already running elsewhere goes on there until that instance
    /// is shut down; the two sinks' compare-and-append keeps the collection
    /// right.
    pub(crate) fn start_materialized_view(&mut self, id: GlobalId, view: ViewInfo) -> Result<Timestamp, AdapterError> {
        let plan = optimize(view.expr.clone());
        let inputs = plan.depends_on();
        let upper = self.store.upper(id)?;
        let as_of = if self.store.is_held(id)? {
            self.choose_as_of(&inputs)?.max(upper)
        } else {
            upper.saturating_sub(1)
        };
        let as_of = super::peek::at_least_since(&self.store, &inputs, as_of)?;
        self.instances
            .cluster(&view.cluster)?
            .create_sink(id, plan, as_of, self.committer.clone())
            .map_err(super::compute_error)?;
        self.materialized_views.insert(id, view);
        Ok(as_of)
    }

    /// Stops the sinks of the materialized views among `items`.
    pub(crate) fn drop_materialized_views(&mut self, items: &[GlobalId]) {
        for id in items {
            if let Some(view) = self.materialized_views.remove(id)
                && let Ok(compute) = self.instances.cluster(&view.cluster)
                && let Err(e) = compute.drop_sink(*id)
            {
                tracing::warn!(view = %id, error = %e, "cannot stop a materialized view");
            }
        }
    }
}

/// Waits until view `id` holds its output at `as_of` (its first write), or
/// fails with the error that stopped it.
async fn wait_until_readable(
    store: &Store,
    watch: &FailureWatch,
    id: GlobalId,
    as_of: Timestamp,
) -> Result<(), AdapterError> {
    let mut upper = store.watch_upper(id)?;
    loop {
        if *upper.borrow_and_update() > as_of && !store.is_held(id)? {
            return Ok(());
        }
        if let Some(e) = watch.failure(id) {
            return Err(super::compute_error(e));
        }
        // The upper's channel wakes the wait; a failure has no channel.
        if let Ok(changed) = tokio::time::timeout(FAILURE_POLL, upper.changed()).await {
            changed.map_err(|_| AdapterError::Shutdown)?;
        }
    }
}
