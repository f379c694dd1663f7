//! Indexes: creating and dropping their dataflows, and recognizing the
//! queries an index answers without building a dataflow.
//!
//! An index covers a query when the query (as planned, before
//! optimization) is maps, filters and projections over exactly the
//! relation the index arranges: `SELECT … FROM indexed_view WHERE …`. Such a
//! query reads the index directly; a filter that fixes every key column to
//! a literal becomes a lookup of that key.

use freshet_catalog::{ItemKind, Op, OpResult};
use freshet_expr::{BinaryFunc, RelExpr, ScalarExpr, optimize};
use freshet_repr::{GlobalId, Row};
use freshet_sql::{FullItemName, IndexPlan};

use super::peek::{at_least_since, latest_complete_time};
use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::ExecuteResponse;

/// An index the coordinator maintains on compute.
#[derive(Debug, Clone)]
pub(crate) struct IndexInfo {
    /// Its name, for `EXPLAIN`.
    pub(crate) name: String,
    /// The relation it arranges, unoptimized, as queries of its object plan it.
    pub(crate) relation: RelExpr,
    /// Its key: expressions over the relation's columns.
    pub(crate) key: Vec<ScalarExpr>,
    /// The cluster that maintains it; only queries in that cluster read it.
    pub(crate) cluster: String,
}

impl IndexInfo {
    /// The index of `plan`, named `name`.
    pub(crate) fn new(name: String, plan: IndexPlan) -> IndexInfo {
        IndexInfo {
            name,
            relation: plan.relation,
            key: plan.key,
            cluster: plan.cluster,
        }
    }
}

/// A query answered by reading an index.
#[derive(Debug, Clone)]
pub(crate) struct IndexPeek {
    /// The index.
    pub(crate) index: GlobalId,
    /// The query's maps, filters and projections over a `Get` of the index,
    /// optimized.
    pub(crate) plan: RelExpr,
    /// The key to look up, when the query fixes every key column.
    pub(crate) lookup: Option<Row>,
}

impl Coordinator {
    /// `CREATE INDEX`: the catalog item, then its dataflow, built from the
    /// latest time at which its inputs are complete.
    pub(crate) fn sequence_create_index(
        &mut self,
        mut ctx: ExecuteContext,
        schema: freshet_repr::SchemaId,
        name: FullItemName,
        index: IndexPlan,
        if_not_exists: bool,
    ) -> Sequenced {
        let op = Op::CreateItem {
            schema,
            name: name.item.clone(),
            kind: ItemKind::Index,
            create_sql: index.create_sql.clone(),
            desc: index.desc.clone(),
            uses: vec![index.on],
        };
        let result = match self.catalog.transact(vec![op]) {
            Ok(results) => results,
            Err(e) if if_not_exists && e.is_already_exists() => {
                ctx.notice(format!("relation \"{}\" already exists, skipping", name.item));
                return Sequenced::Done(ctx, Ok(ExecuteResponse::command("CREATE INDEX")));
            }
            Err(e) => return Sequenced::Done(ctx, Err(e.into())),
        };
        let created = result.iter().find_map(|r| match r {
            OpResult::CreatedItem(id) => Some(*id),
            _ => None,
        });
        let Some(id) = created else {
            return Sequenced::Done(ctx, Err(AdapterError::Internal("CREATE INDEX created no item".into())));
        };
        let info = IndexInfo::new(name.to_string(), index);
        let result = self
            .install_index(id, info)
            .map(|()| ExecuteResponse::command("CREATE INDEX"));
        Sequenced::Done(ctx, result)
    }

    /// Starts maintaining index `id` in its cluster, readable from the
    /// latest time its inputs are complete, and remembers it.
    pub(crate) fn install_index(&mut self, id: GlobalId, info: IndexInfo) -> Result<(), AdapterError> {
        let plan = optimize(info.relation.clone());
        let inputs = plan.depends_on();
        let as_of = at_least_since(
            &self.store,
            &inputs,
            latest_complete_time(&self.store, &self.committer, &inputs)?,
        )?;
        self.instances
            .cluster(&info.cluster)?
            .create_index(id, plan, info.key.clone(), as_of)
            .map_err(super::write::compute_error)?;
        self.indexes.insert(id, info);
        Ok(())
    }

    /// Stops maintaining the indexes among `dropped`.
    pub(crate) fn drop_indexes(&mut self, dropped: &[GlobalId]) {
        for id in dropped {
            if let Some(index) = self.indexes.remove(id)
                && let Ok(compute) = self.instances.cluster(&index.cluster)
                && let Err(e) = compute.drop_index(*id)
            {
                tracing::warn!(index = %id, error = %e, "cannot drop an index's dataflow");
            }
        }
    }

    /// The index of `cluster` that answers `expr` (unoptimized) directly,
    /// if any: preferring one whose key the query fixes (a lookup). As in
    /// Materialize, a query reads only the indexes of its own cluster.
    pub(crate) fn index_peek(&self, expr: &RelExpr, cluster: &str) -> Option<IndexPeek> {
        let mut found: Option<IndexPeek> = None;
        for (id, info) in self.indexes.iter().filter(|(_, info)| info.cluster == cluster) {
            let Some(plan) = over_index(expr, &info.relation, *id) else {
                continue;
            };
            let plan = optimize(plan);
            if !is_map_filter_project_of(&plan, *id) {
                continue;
            }
            let lookup = lookup_key(&plan, &info.key);
            let better = found.as_ref().is_none_or(|f| f.lookup.is_none() && lookup.is_some());
            if better {
                found = Some(IndexPeek {
                    index: *id,
                    plan,
                    lookup,
                });
            }
        }
        found
    }

    /// The name of an index, for `EXPLAIN`.
    pub(crate) fn index_name(&self, id: GlobalId) -> String {
        self.indexes.get(&id).map_or_else(|| id.to_string(), |i| i.name.clone())
    }
}

/// `expr` with `relation` replaced by a `Get` of `index`, if `expr` is
/// maps, filters and projections over exactly `relation`.
fn over_index(expr: &RelExpr, relation: &RelExpr, index: GlobalId) -> Option<RelExpr> {
    if expr == relation {
        return Some(RelExpr::Get {
            id: index,
            typ: relation.typ(),
        });
    }
    match expr {
        RelExpr::Map { input, scalars } => Some(over_index(input, relation, index)?.map(scalars.clone())),
        RelExpr::Filter { input, predicates } => Some(over_index(input, relation, index)?.filter(predicates.clone())),
        RelExpr::Project { input, outputs } => Some(over_index(input, relation, index)?.project(outputs.clone())),
        _ => None,
    }
}

/// Whether `plan` is maps, filters and projections over a `Get` of `index`:
/// what an index peek can compute.
fn is_map_filter_project_of(plan: &RelExpr, index: GlobalId) -> bool {
    match plan {
        RelExpr::Get { id, .. } => *id == index,
        RelExpr::Map { input, .. } | RelExpr::Filter { input, .. } | RelExpr::Project { input, .. } => {
            is_map_filter_project_of(input, index)
        }
        _ => false,
    }
}

/// The key to look up: when a filter directly over the index fixes every
/// key column (each key a plain column) to a literal.
fn lookup_key(plan: &RelExpr, key: &[ScalarExpr]) -> Option<Row> {
    let predicates = match plan {
        RelExpr::Filter { input, predicates } if matches!(**input, RelExpr::Get { .. }) => predicates,
        RelExpr::Map { input, .. } | RelExpr::Filter { input, .. } | RelExpr::Project { input, .. } => {
            return lookup_key(input, key);
        }
        _ => return None,
    };
    let fixed = |column: usize| {
        predicates.iter().find_map(|p| match p {
            ScalarExpr::CallBinary {
                func: BinaryFunc::Eq,
                expr1,
                expr2,
            } => match (&**expr1, &**expr2) {
                (ScalarExpr::Column(c), literal) | (literal, ScalarExpr::Column(c)) if *c == column => {
                    literal.as_literal().filter(|d| !d.is_null())
                }
                _ => None,
            },
            _ => None,
        })
    };
    let values = key
        .iter()
        .map(|k| match k {
            ScalarExpr::Column(c) => fixed(*c),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Row::pack(values))
}
