//! Freshet's SQL front half: text in, [`Plan`] out.
//!
//! Owns parsing ([`parse`], a thin wrapper around the `sqlparser` crate that
//! adds Freshet's own statements), name resolution against a
//! [`CatalogReader`] (implemented by the adapter over the catalog and a
//! session), typing and coercion, and planning into [`Plan`]s whose queries
//! are `freshet-expr` IR.
//!
//! Pure and synchronous: it must not do network or disk I/O, and knows
//! nothing of storage, dataflow, MySQL or the wire protocol.

mod catalog;
mod definition;
mod describe;
mod error;
mod names;
mod parse;
mod plan;

pub use catalog::{CatalogItem, CatalogReader, ClusterInfo, FullItemName, ItemKind, SchemaInfo, quote_ident};
pub use definition::{column_defaults, redact_sql, view_definition};
pub use describe::{IndexKey, index_keys};
pub use error::{NameClause, PlanError};
pub use parse::{
    AlterCluster, AlterConnection, AlterSourceAddSubsources, ClusterOptions, ConnectionOption, CreateConnection,
    CreateIndex, CreateMaterializedView, CreateSource, CreateSubsource, Declare, Fetch, OptionValue, ShowFilter,
    ShowObjects, SourceTables, Statement, Subscribe, SubscribeRelation, SubsourceColumn, SubsourceOf, parse,
};
pub use plan::{
    CLUSTER_SIZES, ConnectionChange, ConnectionPlan, DescribedPlan, IndexPlan, InsertPlan, MAX_CLUSTER_WORKERS,
    MutationPlan, Params, Plan, PurifyAddSubsourcesPlan, PurifySourcePlan, QueryAsOf, RoleOptions, SelectPlan,
    SetValue, SourcePlan, SubscribePlan, SubsourcePlan, TablePlan, TextOrSecret, UniqueKey, UpstreamSelection,
    ViewPlan, cluster_workers, describe, plan, plan_added_subsources, plan_bound, plan_purified_source, progress_desc,
    scalar_type_from_sql, stored_connection,
};
