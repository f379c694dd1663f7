//! Rendering a [`RelExpr`] as a differential dataflow.
//!
//! Every node becomes a pair of collections: the rows (`oks`) and the
//! evaluation errors met computing them (`errs`). A query that ends with
//! any error fails with the least of them, so results never depend on which
//! worker met which error first.

use std::collections::BTreeMap;
use std::sync::Arc;

use differential_dataflow::{AsCollection, VecCollection};
use freshet_expr::{EvalError, RelExpr, ScalarExpr};
use freshet_repr::{Datum, Diff, GlobalId, Row, RowArena, Timestamp};
use freshet_storage::Store;
use timely::dataflow::Scope;
use timely::dataflow::operators::vec::ToStream;

use crate::ComputeError;

mod join;
pub(crate) mod key;
mod reduce;
pub(crate) mod source;
mod temporal;
mod threshold;
mod top_k;
mod window;

/// A collection of rows.
pub(crate) type Rows<'scope> = VecCollection<'scope, Timestamp, Row, Diff>;
/// A collection of evaluation errors.
pub(crate) type Errors<'scope> = VecCollection<'scope, Timestamp, EvalError, Diff>;

/// The contents of the collections a plan reads, at its `as_of`.
pub(crate) type Inputs = BTreeMap<GlobalId, Arc<Vec<(Row, Diff)>>>;

/// The collections a dataflow's `Get`s read, by id, already in its scope:
/// a peek's snapshots at time 0, or an index's live storage inputs.
pub(crate) type Gets<'scope> = BTreeMap<GlobalId, Rows<'scope>>;

/// Reads the snapshot at `as_of` of every collection `plan` reads.
pub(crate) fn read_inputs(store: &Store, plan: &RelExpr, as_of: Timestamp) -> Result<Inputs, ComputeError> {
    plan.depends_on()
        .into_iter()
        .map(|id| Ok((id, Arc::new(store.snapshot(id, as_of)?))))
        .collect()
}

/// A maintained dataflow's plan, rendered over live inputs, for the
/// operators that end the dataflow.
pub(crate) struct Live<'scope> {
    /// The plan's rows.
    pub(crate) oks: Rows<'scope>,
    /// The evaluation errors met computing them.
    pub(crate) errs: Errors<'scope>,
    /// Where the storage error that stops an input lands.
    pub(crate) failure: source::Failure,
    /// The worker building it.
    pub(crate) worker: usize,
}

/// Builds dataflow `name` on `worker`: `plan` over every collection it
/// reads, each read live (its snapshot at `as_of`, then its changes as they
/// are published; see [`source::render`]), ended by `finish`. A dataflow
/// that fails to build is dropped. Returns its index and what `finish`
/// returned.
pub(crate) fn build_live<T>(
    worker: &mut timely::worker::Worker,
    context: &crate::worker::Context,
    name: &str,
    plan: &RelExpr,
    as_of: Timestamp,
    finish: impl FnOnce(Live<'_>) -> Result<T, ComputeError>,
) -> Result<(usize, T), ComputeError> {
    let dataflow = worker.next_dataflow_index();
    let (index, peers) = (worker.index(), worker.peers());
    let built = worker.dataflow_named::<Timestamp, _, _>(name, |scope| {
        let failure = source::Failure::default();
        let gets: Gets<'_> = plan
            .depends_on()
            .into_iter()
            .map(|id| Ok((id, source::render(scope, context, id, as_of, index, peers, &failure)?)))
            .collect::<Result<_, ComputeError>>()?;
        let (oks, errs) = render(scope, plan, &gets, index, peers);
        finish(Live {
            oks,
            errs,
            failure,
            worker: index,
        })
    });
    match built {
        Ok(output) => Ok((dataflow, output)),
        Err(e) => {
            worker.drop_dataflow(dataflow);
            Err(e)
        }
    }
}

/// Introduces each of `inputs` into `scope` at time 0, each worker its share.
pub(crate) fn static_gets<'scope>(
    scope: Scope<'scope, Timestamp>,
    inputs: &Inputs,
    index: usize,
    peers: usize,
) -> Gets<'scope> {
    inputs
        .iter()
        .map(|(id, rows)| (*id, render_rows(scope, rows, index, peers).0))
        .collect()
}

/// Renders `plan` in `scope` on worker `index` of `peers`, reading
/// collections from `inputs`.
pub(crate) fn render<'scope>(
    scope: Scope<'scope, Timestamp>,
    plan: &RelExpr,
    inputs: &Gets<'scope>,
    index: usize,
    peers: usize,
) -> (Rows<'scope>, Errors<'scope>) {
    match plan {
        RelExpr::Constant { rows, .. } => render_constant(scope, rows, index, peers),
        RelExpr::Get { id, .. } => {
            // Every collection the plan names was introduced into the scope.
            let rows = inputs.get(id).cloned().unwrap_or_else(|| empty(scope));
            (rows, empty(scope))
        }
        RelExpr::Map { input, scalars } => {
            let (oks, errs) = render(scope, input, inputs, index, peers);
            let scalars = scalars.clone();
            let results = oks.map(move |row| map_row(&row, &scalars));
            split(results, errs)
        }
        // A filter comparing `mz_now()` is a temporal filter.
        RelExpr::Filter { input, predicates } if predicates.iter().any(ScalarExpr::contains_unmaterializable) => {
            temporal::render(render(scope, input, inputs, index, peers), predicates)
        }
        RelExpr::Filter { input, predicates } => {
            let (oks, errs) = render(scope, input, inputs, index, peers);
            let predicates = predicates.clone();
            let results = oks.flat_map(move |row| filter_row(row, &predicates));
            split(results, errs)
        }
        RelExpr::Project { input, outputs } => {
            let (oks, errs) = render(scope, input, inputs, index, peers);
            let outputs = outputs.clone();
            (oks.map(move |row| project_row(&row, &outputs)), errs)
        }
        RelExpr::Join { left, right, keys } => join::render(
            render(scope, left, inputs, index, peers),
            render(scope, right, inputs, index, peers),
            keys,
            &scalar_types(left),
            &scalar_types(right),
        ),
        RelExpr::Reduce {
            input,
            group_key,
            aggregates,
        } => reduce::render(
            render(scope, input, inputs, index, peers),
            &scalar_types(input),
            group_key,
            aggregates,
        ),
        RelExpr::TopK {
            input,
            group_key,
            order_by,
            limit,
            offset,
        } => top_k::render(
            render(scope, input, inputs, index, peers),
            &scalar_types(input),
            group_key,
            order_by,
            *limit,
            *offset,
        ),
        RelExpr::Window {
            input,
            partition_by,
            order_by,
            functions,
        } => window::render(
            render(scope, input, inputs, index, peers),
            &scalar_types(input),
            partition_by,
            order_by,
            functions,
        ),
        RelExpr::Union { inputs: branches } => {
            let (mut oks, mut errs) = (empty(scope), empty(scope));
            for branch in branches {
                let (o, e) = render(scope, branch, inputs, index, peers);
                oks = oks.concat(o);
                errs = errs.concat(e);
            }
            (oks, errs)
        }
        // Errors stay positive: a negated error must still fail the query.
        RelExpr::Negate { input } => {
            let (oks, errs) = render(scope, input, inputs, index, peers);
            (oks.negate(), errs)
        }
        RelExpr::Threshold { input } => {
            threshold::render(render(scope, input, inputs, index, peers), &scalar_types(input))
        }
    }
}

fn scalar_types(plan: &RelExpr) -> Vec<freshet_repr::ScalarType> {
    plan.typ().into_iter().map(|t| t.scalar_type).collect()
}

pub(crate) fn empty<'scope, D: timely::ExchangeData + Ord + std::fmt::Debug>(
    scope: Scope<'scope, Timestamp>,
) -> VecCollection<'scope, Timestamp, D, Diff> {
    Vec::<(D, Timestamp, Diff)>::new().to_stream(scope).as_collection()
}

/// Each worker introduces its share of the rows.
fn render_rows<'scope>(
    scope: Scope<'scope, Timestamp>,
    rows: &[(Row, Diff)],
    index: usize,
    peers: usize,
) -> (Rows<'scope>, Errors<'scope>) {
    let mine: Vec<(Row, Timestamp, Diff)> = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| i % peers == index)
        .map(|(_, (row, diff))| (row.clone(), 0, *diff))
        .collect();
    (mine.to_stream(scope).as_collection(), empty(scope))
}

/// Each worker introduces its share of the constant's rows; worker 0
/// introduces its error.
fn render_constant<'scope>(
    scope: Scope<'scope, Timestamp>,
    rows: &Result<Vec<(Row, Diff)>, EvalError>,
    index: usize,
    peers: usize,
) -> (Rows<'scope>, Errors<'scope>) {
    match rows {
        Ok(rows) => render_rows(scope, rows, index, peers),
        Err(e) => {
            let errs: Vec<(EvalError, Timestamp, Diff)> = if index == 0 { vec![(e.clone(), 0, 1)] } else { vec![] };
            (empty(scope), errs.to_stream(scope).as_collection())
        }
    }
}

/// Splits results into rows and errors, adding the errors to `errs`.
pub(crate) fn split<'scope, D: Clone + 'static>(
    results: VecCollection<'scope, Timestamp, Result<D, EvalError>, Diff>,
    errs: Errors<'scope>,
) -> (VecCollection<'scope, Timestamp, D, Diff>, Errors<'scope>) {
    let oks = results.clone().flat_map(Result::ok);
    let new_errs = results.flat_map(Result::err);
    (oks, errs.concat(new_errs))
}

/// The row's columns at `outputs`, in that order.
pub(crate) fn project_row(row: &Row, outputs: &[usize]) -> Row {
    let datums = row.unpack();
    Row::pack(outputs.iter().map(|c| datums[*c]))
}

pub(crate) fn map_row(row: &Row, scalars: &[ScalarExpr]) -> Result<Row, EvalError> {
    let arena = RowArena::new();
    let mut datums = row.unpack();
    for scalar in scalars {
        let datum = scalar.eval(&datums, &arena)?;
        datums.push(datum);
    }
    Ok(Row::pack_slice(&datums))
}

pub(crate) fn filter_row(row: Row, predicates: &[ScalarExpr]) -> Option<Result<Row, EvalError>> {
    let arena = RowArena::new();
    let datums = row.unpack();
    for predicate in predicates {
        match predicate.eval(&datums, &arena) {
            Ok(Datum::True) => {}
            Ok(_) => return None,
            Err(e) => return Some(Err(e)),
        }
    }
    drop(datums);
    Some(Ok(row))
}
