//! A running `SUBSCRIBE` as its client reads it: compute's changes turned
//! into output rows (`mz_timestamp`, `mz_progressed`, `mz_diff`, the
//! relation's columns; or the upsert envelope's `mz_state`, key and value),
//! in time order.

use std::collections::BTreeMap;

use freshet_compute::{SubscribeEvent, Subscription};
use freshet_repr::{Datum, Diff, Numeric, RelationDesc, Row, RowArena, Timestamp};

use crate::AdapterError;
use crate::coord::cancel::CancelSignal;

/// A running subscription. Dropping it stops its dataflow.
#[derive(Debug)]
pub struct SubscribeStream {
    subscription: Subscription,
    signal: CancelSignal,
    format: Format,
    /// Whether the first progress row (at `as_of`) went out.
    started: bool,
    /// Whether the last rows went out.
    finished: bool,
}

/// What decides the output rows.
#[derive(Debug)]
pub(crate) struct Format {
    /// The output columns.
    pub(crate) desc: RelationDesc,
    /// The time the subscription starts at.
    pub(crate) as_of: Timestamp,
    /// Whether the contents at `as_of` are sent.
    pub(crate) snapshot: bool,
    /// Whether progress rows are sent.
    pub(crate) progress: bool,
    /// The time it ends at (exclusive).
    pub(crate) up_to: Option<Timestamp>,
    /// `ENVELOPE UPSERT`: the key columns and every key's current rows.
    pub(crate) upsert: Option<Upsert>,
}

/// The upsert envelope's state: each key's rows (with multiplicities).
#[derive(Debug, Default)]
pub(crate) struct Upsert {
    /// The key columns, in the key's order.
    pub(crate) key: Vec<usize>,
    /// The current rows of every key that has some.
    pub(crate) rows: BTreeMap<Row, BTreeMap<Row, Diff>>,
}

impl SubscribeStream {
    pub(crate) fn new(subscription: Subscription, signal: CancelSignal, format: Format) -> SubscribeStream {
        SubscribeStream {
            subscription,
            signal,
            format,
            started: false,
            finished: false,
        }
    }

    /// The output columns.
    pub fn desc(&self) -> &RelationDesc {
        &self.format.desc
    }

    /// The next output rows, in time order, as soon as some are complete;
    /// `Ok(None)` once the subscription has ended (it reached `UP TO`, or
    /// its inputs can no longer change). Fails if the dataflow fails or the
    /// statement is canceled.
    pub async fn next(&mut self) -> Result<Option<Vec<Row>>, AdapterError> {
        if self.finished {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            if self.format.progress {
                return Ok(Some(vec![self.format.progress_row(self.format.as_of)]));
            }
        }
        loop {
            let subscription = &mut self.subscription;
            let event = self.signal.run(async { Ok(subscription.next().await) }).await?;
            let (updates, upper) = match event {
                None => {
                    self.finished = true;
                    return Ok(None);
                }
                Some(SubscribeEvent::Error(e)) => {
                    self.finished = true;
                    return Err(crate::coord::compute_error(e));
                }
                Some(SubscribeEvent::Batch { updates, upper }) => (updates, upper),
            };
            let mut rows = self.format.rows(updates);
            let up_to = self.format.up_to;
            let ended = match (upper, up_to) {
                (None, _) => true,
                (Some(upper), Some(up_to)) => upper >= up_to,
                (Some(_), None) => false,
            };
            if ended {
                self.finished = true;
            } else if let Some(upper) = upper
                && self.format.progress
            {
                rows.push(self.format.progress_row(upper));
            }
            if !rows.is_empty() || ended {
                return Ok(Some(rows));
            }
        }
    }
}

impl Format {
    /// The output rows of a batch of changes (sorted by time).
    fn rows(&mut self, updates: Vec<(Row, Timestamp, Diff)>) -> Vec<Row> {
        let (as_of, snapshot, up_to) = (self.as_of, self.snapshot, self.up_to);
        let shown = move |time: Timestamp| (snapshot || time > as_of) && up_to.is_none_or(|up_to| time < up_to);
        match self.upsert.take() {
            None => updates
                .into_iter()
                .filter(|(_, time, _)| shown(*time))
                .map(|(row, time, diff)| self.change_row(&row, time, diff))
                .collect(),
            Some(mut upsert) => {
                let mut out = Vec::new();
                let mut i = 0;
                while i < updates.len() {
                    let time = updates[i].1;
                    let end = updates[i..]
                        .iter()
                        .position(|(_, t, _)| *t != time)
                        .map_or(updates.len(), |n| i + n);
                    let changed = upsert.apply(&updates[i..end]);
                    if shown(time) {
                        out.extend(changed.iter().map(|key| self.upsert_row(&upsert, key, time)));
                    }
                    i = end;
                }
                self.upsert = Some(upsert);
                out
            }
        }
    }

    /// The leading columns of an output row: `mz_timestamp`, then
    /// `mz_progressed` if progress rows are sent.
    fn leading<'a>(&self, arena: &'a RowArena, time: Timestamp, progressed: bool) -> Vec<Datum<'a>> {
        let mut datums = vec![arena.push_numeric(&Numeric::from(time))];
        if self.progress {
            datums.push(if progressed { Datum::True } else { Datum::False });
        }
        datums
    }

    /// A progress row: no change below `time` will come.
    fn progress_row(&self, time: Timestamp) -> Row {
        let arena = RowArena::new();
        let mut datums = self.leading(&arena, time, true);
        datums.resize(self.desc.arity(), Datum::Null);
        Row::pack_slice(&datums)
    }

    /// A change: the row's multiplicity changed by `diff` at `time`.
    fn change_row(&self, row: &Row, time: Timestamp, diff: Diff) -> Row {
        let arena = RowArena::new();
        let mut datums = self.leading(&arena, time, false);
        datums.push(Datum::Int64(diff));
        datums.extend(row.iter());
        Row::pack_slice(&datums)
    }

    /// The upsert envelope's row for `key` after its changes at `time`.
    fn upsert_row(&self, upsert: &Upsert, key: &Row, time: Timestamp) -> Row {
        let arena = RowArena::new();
        let mut datums = self.leading(&arena, time, false);
        let rows = upsert.rows.get(key);
        let count: Diff = rows.map_or(0, |rows| rows.values().sum());
        let (state, value) = match (count, rows.and_then(|rows| rows.keys().next())) {
            (1, Some(row)) => ("upsert", Some(row)),
            (0, _) | (_, None) => ("delete", None),
            _ => ("key_violation", None),
        };
        datums.push(Datum::String(state));
        datums.extend(key.iter());
        let value_columns = self.desc.arity() - datums.len();
        match value {
            Some(row) => {
                let row = row.unpack();
                datums.extend((0..row.len()).filter(|i| !upsert.key.contains(i)).map(|i| row[i]));
            }
            None => datums.extend(std::iter::repeat_n(Datum::Null, value_columns)),
        }
        Row::pack_slice(&datums)
    }
}

impl Upsert {
    /// Applies one time's changes; returns the keys they touched, sorted.
    fn apply(&mut self, updates: &[(Row, Timestamp, Diff)]) -> Vec<Row> {
        let mut touched = Vec::new();
        for (row, _, diff) in updates {
            let datums = row.unpack();
            let key = Row::pack(self.key.iter().map(|c| datums[*c]));
            let rows = self.rows.entry(key.clone()).or_default();
            let count = rows.entry(row.clone()).or_insert(0);
            *count += diff;
            if *count == 0 {
                rows.remove(row);
            }
            if rows.is_empty() {
                self.rows.remove(&key);
            }
            touched.push(key);
        }
        touched.sort();
        touched.dedup();
        touched
    }
}
