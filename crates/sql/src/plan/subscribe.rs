//! `SUBSCRIBE`: the relation whose changes stream, and the columns they
//! stream in.

use std::rc::Rc;

use freshet_expr::RelExpr;
use freshet_repr::{ColumnName, RelationDesc, ScalarType};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::params::ParamState;
use super::query::{self, constant_time};
use super::{Plan, QueryAsOf};
use crate::PlanError;
use crate::catalog::CatalogReader;
use crate::names::normalize_ident;
use crate::parse::{Subscribe, SubscribeRelation};

/// A planned `SUBSCRIBE`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscribePlan {
    /// The relation whose changes stream (unoptimized), its rows already
    /// in their output columns (a `LIMIT` is part of it).
    pub expr: RelExpr,
    /// The relation's columns.
    pub relation: RelationDesc,
    /// The columns each output row has.
    pub output: RelationDesc,
    /// Start with the contents at the start time (as changes at it).
    pub snapshot: bool,
    /// Add a row at each new time through which the output is complete.
    pub progress: bool,
    /// The time to start at, if the statement chose one.
    pub as_of: Option<QueryAsOf>,
    /// The time to end at (exclusive), if any.
    pub up_to: Option<freshet_repr::Timestamp>,
    /// `ENVELOPE UPSERT`: the key columns of the relation.
    pub upsert_key: Option<Vec<usize>>,
    /// Written as `COPY (SUBSCRIBE …) TO STDOUT`.
    pub copy: bool,
}

/// Plans a `SUBSCRIBE`.
pub(crate) fn plan_subscribe(
    catalog: &dyn CatalogReader,
    params: Option<&Rc<ParamState>>,
    subscribe: &Subscribe,
) -> Result<Plan, PlanError> {
    let select = match &subscribe.relation {
        SubscribeRelation::Query(query) => query::plan_query(catalog, params, query)?,
        SubscribeRelation::Name(name) => {
            let dialect = PostgreSqlDialect {};
            let query = Parser::new(&dialect)
                .try_with_sql(&format!("SELECT * FROM {name}"))
                .and_then(|mut parser| parser.parse_query())
                .map_err(|e| PlanError::InvalidParameter(format!("cannot subscribe to {name}: {e}")))?;
            query::plan_query(catalog, params, &query)?
        }
    };
    if select.as_of.is_some() {
        return Err(PlanError::InvalidParameter(
            "AS OF belongs after the subscribed query, not inside it".into(),
        ));
    }
    let desc = select.desc.clone();
    // Changes come in time order; only a limit changes which rows there are.
    let expr = super::materialized_view::maintained_relation(select);
    let progress = subscribe.progress.unwrap_or(false);
    let upsert_key = match &subscribe.upsert_key {
        None => None,
        Some(key) => Some(
            key.iter()
                .map(|ident| {
                    let name = normalize_ident(ident);
                    desc.iter()
                        .position(|(column, _)| column.as_str() == name)
                        .ok_or(PlanError::UnknownColumn(name))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let output = output_desc(&desc, progress, upsert_key.as_deref());
    let as_of = match &subscribe.as_of {
        Some(e) => Some(QueryAsOf {
            time: constant_time(catalog, e)?,
            at_least: subscribe.at_least,
        }),
        None => None,
    };
    let up_to = subscribe
        .up_to
        .as_ref()
        .map(|e| constant_time(catalog, e))
        .transpose()?;
    Ok(Plan::Subscribe(Box::new(SubscribePlan {
        expr,
        relation: desc,
        output,
        snapshot: subscribe.snapshot.unwrap_or(true),
        progress,
        as_of,
        up_to,
        upsert_key,
        copy: subscribe.copy,
    })))
}

/// The output columns: `mz_timestamp`, `mz_progressed` with `PROGRESS`,
/// then `mz_diff` and the relation's columns; or, with `ENVELOPE UPSERT`,
/// `mz_state`, the key columns and the other columns. Columns a progress
/// row or a deletion leaves empty are nullable.
fn output_desc(relation: &RelationDesc, progress: bool, upsert_key: Option<&[usize]>) -> RelationDesc {
    let mut columns = vec![(ColumnName("mz_timestamp".into()), ScalarType::numeric().nullable(false))];
    if progress {
        columns.push((ColumnName("mz_progressed".into()), ScalarType::Bool.nullable(false)));
    }
    let relation_columns: Vec<_> = relation.iter().map(|(n, t)| (n.clone(), *t)).collect();
    match upsert_key {
        None => {
            columns.push((ColumnName("mz_diff".into()), ScalarType::Int64.nullable(progress)));
            columns.extend(
                relation_columns
                    .into_iter()
                    .map(|(name, typ)| (name, typ.scalar_type.nullable(typ.nullable || progress))),
            );
        }
        Some(key) => {
            columns.push((ColumnName("mz_state".into()), ScalarType::Text.nullable(progress)));
            let (keys, values): (Vec<_>, Vec<_>) = relation_columns
                .into_iter()
                .enumerate()
                .partition(|(i, _)| key.contains(i));
            let mut keys: Vec<_> = keys;
            keys.sort_by_key(|(i, _)| key.iter().position(|k| k == i));
            columns.extend(
                keys.into_iter()
                    .map(|(_, (name, typ))| (name, typ.scalar_type.nullable(typ.nullable || progress))),
            );
            columns.extend(
                values
                    .into_iter()
                    .map(|(_, (name, typ))| (name, typ.scalar_type.nullable(true))),
            );
        }
    }
    RelationDesc::new(columns)
}
