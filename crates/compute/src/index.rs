//! Indexes on a worker: a maintained dataflow whose output is arranged by
//! key, its errors beside it, read by peeks at a time of their choosing.

use std::collections::BTreeMap;

use differential_dataflow::consolidation::consolidate;
use differential_dataflow::operators::arrange::TraceAgent;
use differential_dataflow::trace::TraceReader;
use differential_dataflow::trace::cursor::{Cursor, cursor_list};
use differential_dataflow::trace::implementations::{KeySpine, ValSpine};
use freshet_expr::{EvalError, RelExpr, ScalarExpr};
use freshet_repr::{Datum, Diff, GlobalId, Row, RowArena, Timestamp};
use freshet_storage::ReadHold;
use timely::dataflow::ProbeHandle;
use timely::dataflow::operators::Probe;
use timely::progress::Antichain;
use timely::worker::Worker;

use crate::ComputeError;
use crate::render::key::normalize;
use crate::render::source::Failure;
use crate::render::{self, Rows};
use crate::worker::Context;

/// How far behind its upper an index keeps history: reads at times older
/// than this (an old `AS OF`, a long read-only transaction) are answered
/// from storage instead.
const HISTORY_MS: Timestamp = 1000;

/// What the controller asks a worker to maintain.
#[derive(Debug, Clone)]
pub struct IndexSpec {
    /// The index.
    pub id: GlobalId,
    /// The relation it arranges (optimized), over durable collections.
    pub plan: RelExpr,
    /// Its key: expressions over the relation's columns.
    pub key: Vec<ScalarExpr>,
    /// The time its contents start at: readable at `as_of` and later.
    pub as_of: Timestamp,
    /// Keeps the plan's inputs readable at `as_of` until every worker has
    /// taken its own hold.
    pub hold: std::sync::Arc<ReadHold>,
}

/// Rows arranged by their key.
type RowTrace = TraceAgent<ValSpine<Row, Row, Timestamp, Diff>>;
/// Errors arranged by themselves.
type ErrorTrace = TraceAgent<KeySpine<EvalError, Timestamp, Diff>>;

/// An index maintained on this worker: its share of the keys.
pub(crate) struct InstalledIndex {
    /// The dataflow maintaining it.
    pub(crate) dataflow: usize,
    oks: RowTrace,
    errs: ErrorTrace,
    probe: ProbeHandle<Timestamp>,
    failure: Failure,
    /// The earliest time it can be read at.
    since: Timestamp,
}

impl InstalledIndex {
    /// Builds the dataflow maintaining `spec` on `worker`.
    pub(crate) fn install(
        worker: &mut Worker,
        spec: &IndexSpec,
        context: &Context,
    ) -> Result<InstalledIndex, ComputeError> {
        let name = format!("index-{}", spec.id);
        let (dataflow, (oks, errs, probe, failure)) =
            render::build_live(worker, context, &name, &spec.plan, spec.as_of, |live| {
                let (keyed, errs) = render::split(keyed(live.oks, spec.key.clone()), live.errs);
                let probe = ProbeHandle::new();
                let oks = keyed.arrange_by_key_named(&name);
                let errs = errs.arrange_by_self_named(&format!("{name}-errors"));
                oks.stream.clone().probe_with(&probe);
                errs.stream.clone().probe_with(&probe);
                Ok((oks.trace, errs.trace, probe, live.failure))
            })?;
        Ok(InstalledIndex {
            dataflow,
            oks,
            errs,
            probe,
            failure,
            since: spec.as_of,
        })
    }

    /// The earliest time the index can be read at.
    pub(crate) fn since(&self) -> Timestamp {
        self.since
    }

    /// Whether the index is complete through `as_of` (or has failed, which
    /// a read reports).
    pub(crate) fn readable_at(&self, as_of: Timestamp) -> bool {
        self.failure.borrow().is_some() || !self.probe.less_equal(&as_of)
    }

    /// Lets the index forget history before `HISTORY_MS` behind its upper,
    /// but never past `keep` (the earliest time a waiting read needs).
    pub(crate) fn compact(&mut self, keep: Option<Timestamp>) {
        let upper = self.probe.with_frontier(|f| f.first().copied());
        let Some(upper) = upper else { return };
        let mut since = upper.saturating_sub(HISTORY_MS);
        if let Some(keep) = keep {
            since = since.min(keep);
        }
        if since > self.since {
            self.since = since;
            let frontier = Antichain::from_elem(since);
            self.oks.set_logical_compaction(frontier.borrow());
            self.oks.set_physical_compaction(frontier.borrow());
            self.errs.set_logical_compaction(frontier.borrow());
            self.errs.set_physical_compaction(frontier.borrow());
        }
    }

    /// This worker's rows at `as_of` (with the key `lookup` only, if given),
    /// consolidated; or the least error present at `as_of`; or
    /// [`ComputeError::IndexCompacted`] if `as_of` is before the index's
    /// since. Only call once [`readable_at`](Self::readable_at) holds or
    /// `as_of` is before the since.
    pub(crate) fn read(&mut self, as_of: Timestamp, lookup: Option<&Row>) -> Result<Vec<(Row, Diff)>, ComputeError> {
        if let Some(e) = self.failure.borrow().as_ref() {
            return Err(e.clone().into());
        }
        if as_of < self.since {
            return Err(ComputeError::IndexCompacted {
                as_of,
                since: self.since,
            });
        }
        let mut errors = read_errors(&mut self.errs, as_of);
        consolidate(&mut errors);
        if let Some((e, _)) = errors.into_iter().find(|(_, diff)| *diff != 0) {
            return Err(e.into());
        }
        let mut rows = read_rows(&mut self.oks, as_of, lookup);
        consolidate(&mut rows);
        Ok(rows)
    }
}

/// The batches of a trace holding every update up to its upper.
fn batches<Tr: TraceReader<Time = Timestamp>>(trace: &mut Tr) -> Vec<Tr::Batch> {
    let mut upper = Antichain::new();
    trace.read_upper(&mut upper);
    trace.batches_through(upper.borrow()).unwrap_or_default()
}

fn read_rows(trace: &mut RowTrace, as_of: Timestamp, lookup: Option<&Row>) -> Vec<(Row, Diff)> {
    let (mut cursor, storage) = cursor_list(batches(trace));
    let mut out = Vec::new();
    if let Some(key) = lookup {
        cursor.seek_key(&storage, key);
        if cursor.get_key(&storage) != Some(key) {
            return out;
        }
        read_vals(&mut cursor, &storage, as_of, &mut out);
        return out;
    }
    while cursor.key_valid(&storage) {
        read_vals(&mut cursor, &storage, as_of, &mut out);
        cursor.step_key(&storage);
    }
    out
}

/// Appends the values of the cursor's key with their multiplicities at `as_of`.
fn read_vals<C>(cursor: &mut C, storage: &C::Storage, as_of: Timestamp, out: &mut Vec<(Row, Diff)>)
where
    C: for<'a> Cursor<Val<'a> = &'a Row, TimeGat<'a> = &'a Timestamp, DiffGat<'a> = &'a Diff>,
{
    while let Some(val) = cursor.get_val(storage) {
        let diff = accumulate(cursor, storage, as_of);
        if diff != 0 {
            out.push((val.clone(), diff));
        }
        cursor.step_val(storage);
    }
}

/// The multiplicity at `as_of` of the cursor's current value.
fn accumulate<C>(cursor: &mut C, storage: &C::Storage, as_of: Timestamp) -> Diff
where
    C: for<'a> Cursor<TimeGat<'a> = &'a Timestamp, DiffGat<'a> = &'a Diff>,
{
    let mut diff = 0;
    cursor.map_times(storage, |time, d| {
        if *time <= as_of {
            diff += *d;
        }
    });
    diff
}

fn read_errors(trace: &mut ErrorTrace, as_of: Timestamp) -> Vec<(EvalError, Diff)> {
    let (mut cursor, storage) = cursor_list(batches(trace));
    let mut out = Vec::new();
    while let Some(error) = cursor.get_key(&storage) {
        let diff = accumulate(&mut cursor, &storage, as_of);
        if diff != 0 {
            out.push((error.clone(), diff));
        }
        cursor.step_key(&storage);
    }
    out
}

/// Pairs each row with its key (normalized, so that equal numbers of
/// different scales meet), or the error evaluating the key.
fn keyed<'scope>(
    rows: Rows<'scope>,
    key: Vec<ScalarExpr>,
) -> differential_dataflow::VecCollection<'scope, Timestamp, Result<(Row, Row), EvalError>, Diff> {
    rows.map(move |row| {
        let arena = RowArena::new();
        let datums = row.unpack();
        let key: Result<Vec<Datum<'_>>, EvalError> = key
            .iter()
            .map(|k| k.eval(&datums, &arena).map(|d| normalize(d, &arena)))
            .collect();
        let key = Row::pack(key?);
        drop(datums);
        Ok((key, row))
    })
}

/// The key a lookup seeks: the same normalization the index applies.
pub(crate) fn lookup_key(values: &Row) -> Row {
    let arena = RowArena::new();
    Row::pack(values.unpack().into_iter().map(|d| normalize(d, &arena)))
}

/// Indexes by id, on one worker.
pub(crate) type Indexes = BTreeMap<GlobalId, InstalledIndex>;
