//! Planning: a parsed [`Statement`] and a [`CatalogReader`] in, a [`Plan`] out.
//! Pure and synchronous: no I/O, no mutation.

mod catalog_scope;
mod cluster;
mod connection;
mod cursor;
mod ddl;
mod expr;
mod from;
mod func;
mod grouping;
mod hir;
mod index;
mod insert;
mod lowering;
mod materialized_view;
mod mutate;
mod params;
mod query;
mod rename;
mod role;
mod scope;
mod secret;
mod select;
mod session;
mod session_dependence;
mod show;
mod source;
mod subquery;
mod subscribe;
mod temporal;
#[cfg(test)]
mod test_catalog;
mod typeconv;
mod types;
mod view;
mod window;

use freshet_expr::{RelExpr, RowSetFinishing, ScalarExpr};
use freshet_repr::{DatabaseId, GlobalId, RelationDesc, SchemaId};
use sqlparser::ast;

use crate::PlanError;
use crate::catalog::{CatalogReader, FullItemName, ItemKind};
use crate::parse::Statement;

pub use params::{DescribedPlan, Params, describe, plan_bound};
pub use types::scalar_type_from_sql;

pub use cluster::{CLUSTER_SIZES, MAX_CLUSTER_WORKERS, cluster_workers};
pub use connection::{ConnectionChange, ConnectionPlan, TextOrSecret, stored_connection};
use params::ParamState;
pub use source::{
    PurifyAddSubsourcesPlan, PurifySourcePlan, SourcePlan, SubsourcePlan, UpstreamSelection, plan_added_subsources,
    plan_purified_source, progress_desc,
};
use std::rc::Rc;
pub use subscribe::SubscribePlan;

/// What a statement does, with every name resolved and every expression typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// `CREATE DATABASE`
    CreateDatabase {
        /// The new database's name.
        name: String,
        /// Succeed with a notice if it exists.
        if_not_exists: bool,
    },
    /// `CREATE SCHEMA`
    CreateSchema {
        /// The database it goes in.
        database: DatabaseId,
        /// The new schema's name.
        name: String,
        /// Succeed with a notice if it exists.
        if_not_exists: bool,
    },
    /// `CREATE TABLE`
    CreateTable {
        /// The schema it goes in.
        schema: SchemaId,
        /// The new table's name, fully qualified.
        name: FullItemName,
        /// Its definition.
        table: TablePlan,
        /// Succeed with a notice if it exists.
        if_not_exists: bool,
    },
    /// `CREATE VIEW`
    CreateView {
        /// The schema it goes in.
        schema: SchemaId,
        /// The new view's name, fully qualified.
        name: FullItemName,
        /// Its definition.
        view: ViewPlan,
        /// Succeed with a notice if it exists.
        if_not_exists: bool,
        /// `OR REPLACE`: the view of that name it replaces, if any.
        replace: Option<GlobalId>,
    },
    /// `CREATE MATERIALIZED VIEW`
    CreateMaterializedView {
        /// The schema it goes in.
        schema: SchemaId,
        /// The new view's name, fully qualified.
        name: FullItemName,
        /// Its definition.
        view: ViewPlan,
        /// What it computes (unoptimized), in its output columns.
        expr: RelExpr,
        /// The cluster that maintains it.
        cluster: String,
        /// Succeed with a notice if it exists.
        if_not_exists: bool,
        /// `OR REPLACE`: the materialized view of that name it replaces, if any.
        replace: Option<GlobalId>,
    },
    /// `CREATE INDEX`
    CreateIndex {
        /// The schema it goes in: that of the object it indexes.
        schema: SchemaId,
        /// The new index's name, fully qualified.
        name: FullItemName,
        /// Its definition.
        index: IndexPlan,
        /// Succeed with a notice if it exists.
        if_not_exists: bool,
    },
    /// `DROP DATABASE`
    DropDatabase {
        /// The database, or `None` if it does not exist and `IF EXISTS` was given.
        id: Option<DatabaseId>,
        /// Its name, for notices.
        name: String,
        /// `RESTRICT`: refuse if it contains schemas.
        restrict: bool,
    },
    /// `DROP SCHEMA`
    DropSchema {
        /// The schema, or `None` if it does not exist and `IF EXISTS` was given.
        id: Option<SchemaId>,
        /// Its name, for notices.
        name: String,
        /// `CASCADE`: drop what it contains too.
        cascade: bool,
    },
    /// `DROP TABLE` (and later other items).
    DropItems {
        /// The kind of items the statement names.
        kind: ItemKind,
        /// The items that exist.
        ids: Vec<GlobalId>,
        /// Names given with `IF EXISTS` that do not exist.
        missing: Vec<String>,
        /// `CASCADE`: drop dependents too.
        cascade: bool,
    },
    /// `ALTER … RENAME TO`
    RenameItem {
        /// The item, or `None` if it does not exist and `IF EXISTS` was given.
        id: Option<GlobalId>,
        /// The kind the statement names.
        kind: ItemKind,
        /// Its name, for notices.
        name: String,
        /// Its new name, in the same schema.
        new_name: String,
        /// Each item whose definition names it (its own among them), with
        /// its definition rewritten to the new name.
        rewrites: Vec<(GlobalId, String)>,
    },
    /// `CREATE CLUSTER`
    CreateCluster {
        /// The new cluster's name.
        name: String,
        /// Its size.
        size: String,
        /// How many replicas it has.
        replication_factor: u32,
    },
    /// `ALTER CLUSTER … SET (…)`
    AlterCluster {
        /// The cluster.
        name: String,
        /// It does not exist and `IF EXISTS` was given: skip with a notice.
        missing: bool,
        /// The new size, canonical, if one was given.
        size: Option<String>,
        /// The new replication factor, if one was given.
        replication_factor: Option<u32>,
    },
    /// `DROP CLUSTER`
    DropClusters {
        /// The clusters that exist.
        names: Vec<String>,
        /// Names given with `IF EXISTS` that do not exist.
        missing: Vec<String>,
        /// `CASCADE`: drop the indexes in them too.
        cascade: bool,
    },
    /// `CREATE CONNECTION … TO MYSQL`
    CreateConnection {
        /// The schema it goes in.
        schema: SchemaId,
        /// The new connection's name, fully qualified.
        name: FullItemName,
        /// Its options.
        connection: ConnectionPlan,
        /// Connect and check the server before creating it.
        validate: bool,
        /// Succeed with a notice if it exists.
        if_not_exists: bool,
        /// The statement as stored.
        create_sql: String,
        /// The secrets it names.
        uses: Vec<GlobalId>,
    },
    /// `ALTER CONNECTION`
    AlterConnection {
        /// The connection, or `None` if it does not exist and `IF EXISTS` was given.
        id: Option<GlobalId>,
        /// Its name, for notices.
        name: String,
        /// What it becomes (`None` with `id`).
        change: Option<ConnectionChange>,
    },
    /// `VALIDATE CONNECTION`
    ValidateConnection {
        /// The connection.
        id: GlobalId,
        /// Its options.
        connection: ConnectionPlan,
    },
    /// `CREATE SOURCE` as written: its tables must be looked up on MySQL
    /// (purified) before it can be planned with [`plan_purified_source`].
    PurifySource(Box<PurifySourcePlan>),
    /// `CREATE SOURCE`, purified (or stored, re-planned at boot).
    CreateSource(Box<SourcePlan>),
    /// A stored subsource, re-planned at boot.
    CreateSubsource(Box<SubsourcePlan>),
    /// `ALTER SOURCE … ADD SUBSOURCE`: its tables must be looked up on
    /// MySQL (purified) before its subsources can be planned with
    /// [`plan_added_subsources`].
    PurifyAddSubsources(Box<PurifyAddSubsourcesPlan>),
    /// `ALTER SOURCE IF EXISTS` of a source that does not exist: answered
    /// with a notice.
    AlterMissingSource {
        /// The source's name, as given.
        name: String,
    },
    /// `CREATE SECRET`
    CreateSecret {
        /// The schema it goes in.
        schema: SchemaId,
        /// The new secret's name, fully qualified.
        name: FullItemName,
        /// The statement as stored, its value redacted.
        create_sql: String,
        /// The value.
        value: String,
        /// Succeed with a notice if it exists.
        if_not_exists: bool,
    },
    /// `ALTER SECRET`
    AlterSecret {
        /// The secret, or `None` if it does not exist and `IF EXISTS` was given.
        id: Option<GlobalId>,
        /// Its name, for notices.
        name: String,
        /// The new value.
        value: String,
    },
    /// `CREATE ROLE`
    CreateRole {
        /// The new role's name.
        name: String,
        /// Its attributes.
        options: RoleOptions,
    },
    /// `ALTER ROLE`
    AlterRole {
        /// The role.
        name: String,
        /// What changes.
        options: RoleOptions,
    },
    /// `DROP ROLE`
    DropRoles {
        /// The roles.
        names: Vec<String>,
        /// Skip, with a notice, names of no role.
        if_exists: bool,
    },
    /// A query.
    Select(SelectPlan),
    /// `INSERT`.
    Insert(InsertPlan),
    /// `UPDATE`.
    Update(MutationPlan),
    /// `DELETE`.
    Delete(MutationPlan),
    /// `SUBSCRIBE`: streams a relation's changes.
    Subscribe(Box<SubscribePlan>),
    /// `DECLARE name CURSOR FOR SUBSCRIBE …`
    Declare {
        /// The cursor's name.
        name: String,
        /// The subscription it reads.
        subscribe: Box<SubscribePlan>,
    },
    /// `FETCH`
    Fetch {
        /// The cursor.
        name: String,
        /// At most this many rows; `None` for `ALL`.
        count: Option<u64>,
        /// How long to wait for a first row; `None` waits until one comes.
        timeout: Option<std::time::Duration>,
    },
    /// `CLOSE name`, or `CLOSE ALL` (`None`).
    Close {
        /// The cursor.
        name: Option<String>,
    },
    /// `EXPLAIN` of a query: prints its optimized plan.
    Explain(SelectPlan),
    /// `EXPLAIN MATERIALIZED VIEW | INDEX name`
    ExplainItem {
        /// The materialized view or index.
        id: GlobalId,
        /// Its full name.
        name: String,
    },
    /// `SET name = value`.
    SetVariable {
        /// The variable, lower-cased.
        name: String,
        /// The new value.
        value: SetValue,
    },
    /// `RESET name`.
    ResetVariable {
        /// The variable, lower-cased.
        name: String,
    },
    /// `SHOW name`.
    ShowVariable {
        /// The variable, lower-cased, or `all`.
        name: String,
    },
    /// `BEGIN` / `START TRANSACTION`.
    StartTransaction,
    /// `COMMIT`.
    Commit,
    /// `ROLLBACK`.
    Rollback,
}

/// What `CREATE ROLE` or `ALTER ROLE` sets; `None` leaves an attribute as
/// it is (or at its default).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RoleOptions {
    /// `LOGIN` or `NOLOGIN`.
    pub login: Option<bool>,
    /// `PASSWORD 'text'` (in clear: the adapter keeps only its verifier) or
    /// `PASSWORD NULL`.
    pub password: Option<Option<String>>,
}

impl std::fmt::Debug for RoleOptions {
    /// Never shows the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let password = self.password.as_ref().map(|p| p.as_ref().map(|_| "<redacted>"));
        f.debug_struct("RoleOptions")
            .field("login", &self.login)
            .field("password", &password)
            .finish()
    }
}

/// The new value of a session variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    /// `DEFAULT`
    Default,
    /// One or more values, as text.
    Values(Vec<String>),
}

/// A table's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct TablePlan {
    /// The columns.
    pub desc: RelationDesc,
    /// Each column's default (a `NULL` literal where none was given).
    pub defaults: Vec<ScalarExpr>,
    /// Its `PRIMARY KEY` (first, if any) and `UNIQUE` constraints.
    pub unique_keys: Vec<UniqueKey>,
    /// The statement with its name fully qualified, as stored in the catalog.
    pub create_sql: String,
}

/// A `PRIMARY KEY` or `UNIQUE` constraint: no two rows of the table may
/// hold equal values in all of its columns. A row with a `NULL` in any of
/// them conflicts with no other row (as in PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueKey {
    /// The constraint's name: as given, or as PostgreSQL derives it
    /// (`t_pkey`, `t_a_b_key`).
    pub name: String,
    /// The table columns it covers, in the constraint's order.
    pub columns: Vec<usize>,
    /// Whether it is the table's primary key (whose columns are `NOT NULL`).
    pub primary: bool,
}

/// A view's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewPlan {
    /// The columns.
    pub desc: RelationDesc,
    /// The statement with every name fully qualified, as stored in the catalog.
    pub create_sql: String,
    /// The tables and views its query reads.
    pub uses: Vec<GlobalId>,
}

/// An index's definition: a relation kept arranged by a key.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexPlan {
    /// The table or view it indexes.
    pub on: GlobalId,
    /// What a query reading the object reads (unoptimized, views expanded
    /// down to tables): the relation the index arranges.
    pub relation: RelExpr,
    /// The key: expressions over the relation's columns.
    pub key: Vec<ScalarExpr>,
    /// The indexed object's columns.
    pub desc: RelationDesc,
    /// The cluster that maintains it.
    pub cluster: String,
    /// The statement with its names fully qualified and its key explicit,
    /// as stored in the catalog.
    pub create_sql: String,
}

/// Rows to insert into a table: the rows of `source`, each turned into a
/// table row by `row`.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertPlan {
    /// The table.
    pub id: GlobalId,
    /// Its name, for messages.
    pub table: String,
    /// The rows to insert, before conversion.
    pub source: SelectPlan,
    /// One expression per table column over a source row: the value
    /// converted to the column's type, or the column's default.
    pub row: Vec<ScalarExpr>,
    /// The table's columns, whose nullability is checked.
    pub desc: RelationDesc,
    /// The table's unique keys, checked against its rows and the new ones.
    pub unique_keys: Vec<UniqueKey>,
}

/// The rows an `UPDATE` or `DELETE` changes, and (for `UPDATE`) their new
/// values.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationPlan {
    /// The table.
    pub id: GlobalId,
    /// Its name, for messages.
    pub table: String,
    /// The table's rows to change (full rows).
    pub selection: RelExpr,
    /// One expression per column over an old row: its new value (the
    /// column itself where not assigned). Unused by `DELETE`.
    pub row: Vec<ScalarExpr>,
    /// The table's columns, whose nullability is checked.
    pub desc: RelationDesc,
    /// The table's unique keys, checked against its rows once updated;
    /// empty for `DELETE`, which cannot violate them.
    pub unique_keys: Vec<UniqueKey>,
}

/// The time a query asked to read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryAsOf {
    /// The time, in milliseconds since the epoch.
    pub time: freshet_repr::Timestamp,
    /// `AT LEAST`: any later time will do.
    pub at_least: bool,
}

/// A one-off query.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectPlan {
    /// The relation to compute (unoptimized).
    pub expr: RelExpr,
    /// Sorting, limits and the final projection of its rows.
    pub finishing: RowSetFinishing,
    /// The names and types of the returned columns.
    pub desc: RelationDesc,
    /// `AS OF`: the time to read at, if the query chose one.
    pub as_of: Option<QueryAsOf>,
}

/// Plans one statement (which must not have parameters).
pub fn plan(catalog: &dyn CatalogReader, statement: &Statement) -> Result<Plan, PlanError> {
    plan_with_params(catalog, statement, None)
}

/// Plans one statement whose parameters (`$n`), if any, are `params`.
fn plan_with_params(
    catalog: &dyn CatalogReader,
    statement: &Statement,
    params: Option<&Rc<ParamState>>,
) -> Result<Plan, PlanError> {
    let plan = plan_statement(catalog, statement, params)?;
    temporal::check_plan(&plan)?;
    Ok(plan)
}

/// Plans one statement, whatever the expressions it holds.
fn plan_statement(
    catalog: &dyn CatalogReader,
    statement: &Statement,
    params: Option<&Rc<ParamState>>,
) -> Result<Plan, PlanError> {
    match statement {
        Statement::NotYetSupported { feature } => Err(PlanError::Unsupported(feature.clone())),
        Statement::Subscribe(subscribe) => subscribe::plan_subscribe(catalog, params, subscribe),
        Statement::CreateMaterializedView(create) => materialized_view::plan_create_materialized_view(catalog, create),
        Statement::Declare(declare) => cursor::plan_declare(catalog, params, declare),
        Statement::Fetch(fetch) => cursor::plan_fetch(fetch),
        Statement::Show(show) => show::plan_show_objects(catalog, show),
        Statement::Sql(stmt) => plan_sql(catalog, stmt, params),
        Statement::CreateIndex(create) => index::plan_create_index(catalog, create),
        Statement::CreateSecret {
            name,
            if_not_exists,
            value,
        } => secret::plan_create_secret(catalog, name, *if_not_exists, value),
        Statement::AlterSecret { name, if_exists, value } => {
            secret::plan_alter_secret(catalog, name, *if_exists, value)
        }
        Statement::CreateCluster {
            name,
            size,
            replication_factor,
        } => cluster::plan_create_cluster(name, size.as_deref(), *replication_factor),
        Statement::AlterCluster(alter) => cluster::plan_alter_cluster(catalog, alter),
        Statement::DropClusters {
            names,
            if_exists,
            cascade,
        } => cluster::plan_drop_clusters(catalog, names, *if_exists, *cascade),
        Statement::CreateConnection(create) => connection::plan_create_connection(catalog, create),
        Statement::ValidateConnection { name } => connection::plan_validate_connection(catalog, name),
        Statement::AlterConnection(alter) => connection::plan_alter_connection(catalog, alter),
        Statement::CreateSource(create) => source::plan_create_source(catalog, create),
        Statement::CreateSubsource(create) => source::plan_create_subsource(catalog, create),
        Statement::AlterSourceAddSubsources(alter) => source::plan_alter_source_add_subsources(catalog, alter),
        Statement::DropObjects {
            kind,
            names,
            if_exists,
            cascade,
        } => ddl::plan_drop_items(catalog, *kind, names, *if_exists, *cascade),
        Statement::ShowCreate { kind, name } => show::plan_show_create(catalog, *kind, name),
        Statement::ShowCreateCluster { name } => show::plan_show_create_cluster(catalog, name),
        Statement::ExplainItem { kind, name } => {
            let item = show::resolve_of_kind(catalog, *kind, name)?;
            Ok(Plan::ExplainItem {
                id: item.id,
                name: item.name.to_string(),
            })
        }
        Statement::AlterRename {
            kind,
            name,
            if_exists,
            to,
        } => rename::plan_alter_rename(catalog, *kind, name, *if_exists, to),
        Statement::AsOf { query, as_of, at_least } => {
            let mut select = query::plan_query(catalog, params, query)?;
            select.as_of = Some(QueryAsOf {
                time: query::constant_time(catalog, as_of)?,
                at_least: *at_least,
            });
            Ok(Plan::Select(select))
        }
    }
}

fn plan_sql(
    catalog: &dyn CatalogReader,
    stmt: &ast::Statement,
    params: Option<&Rc<ParamState>>,
) -> Result<Plan, PlanError> {
    use ast::Statement as S;
    match stmt {
        S::Query(query) => Ok(Plan::Select(query::plan_query(catalog, params, query)?)),
        S::Explain { statement, .. } => match &**statement {
            S::Query(query) => Ok(Plan::Explain(query::plan_query(catalog, params, query)?)),
            other => Err(PlanError::Unsupported(format!("EXPLAIN {}", statement_kind(other)))),
        },
        S::Insert(insert) => insert::plan_insert(catalog, params, insert),
        S::Update(update) => mutate::plan_update(catalog, params, update),
        S::Delete(delete) => mutate::plan_delete(catalog, params, delete),
        S::CreateDatabase { .. } => ddl::plan_create_database(stmt),
        S::CreateSchema { .. } => ddl::plan_create_schema(catalog, stmt),
        S::CreateTable(create) => ddl::plan_create_table(catalog, create),
        S::CreateView(create) => view::plan_create_view(catalog, create),
        S::Drop {
            object_type: ast::ObjectType::Role,
            names,
            if_exists,
            cascade: false,
            purge: false,
            temporary: false,
            table: None,
            ..
        } => role::plan_drop_roles(names, *if_exists),
        S::Drop { .. } => ddl::plan_drop(catalog, stmt),
        S::CreateRole(create) => role::plan_create_role(create),
        S::AlterRole { name, operation } => role::plan_alter_role(name, operation),
        S::Set(set) => session::plan_set(set),
        S::Reset(reset) => session::plan_reset(reset),
        S::ShowVariable { variable } => session::plan_show_variable(variable),
        S::StartTransaction { .. } => Ok(Plan::StartTransaction),
        S::Commit { .. } => Ok(Plan::Commit),
        S::Close { cursor } => Ok(Plan::Close {
            name: match cursor {
                ast::CloseCursor::All => None,
                ast::CloseCursor::Specific { name } => Some(crate::names::normalize_ident(name)),
            },
        }),
        S::Rollback { savepoint: None, .. } => Ok(Plan::Rollback),
        other => Err(PlanError::Unsupported(statement_kind(other))),
    }
}

/// A statement's kind for messages: its leading keywords, up to the first
/// name or parenthesis (`CREATE TRIGGER`, `ALTER TABLE`).
fn statement_kind(stmt: &ast::Statement) -> String {
    let text = stmt.to_string();
    let keywords: Vec<&str> = text
        .split_whitespace()
        .take_while(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .take(3)
        .collect();
    if keywords.is_empty() {
        "this statement".into()
    } else {
        keywords.join(" ")
    }
}
