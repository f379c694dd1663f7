//! Temporal filters: a filter whose predicates compare `mz_now()` with
//! expressions of the row presents each row only while `mz_now()` satisfies
//! them.
//!
//! A row changing at time `t` whose bounds give the times `[lower, upper)`
//! changes at `max(t, lower)` instead, and the change is undone at `upper`
//! (if finite and later): the insertion of a row shows once the dataflow's
//! time reaches its lower bound, and its retraction once the time reaches
//! its upper bound, i.e. once every input's upper has passed it. A row whose
//! window is empty, or whose ordinary predicates fail, never shows; a row
//! whose predicates or bounds raise an error shows the error at `t`.

use differential_dataflow::AsCollection;
use freshet_expr::{EvalError, ScalarExpr, TemporalFilter, Validity};
use freshet_repr::{Diff, Row, RowArena, Timestamp};
use timely::dataflow::operators::vec::Map;

use super::{Errors, Rows, split};

/// Renders the filter `predicates` (which call `mz_now()`) over `input`.
/// Predicates that use `mz_now()` other than as bounds (which planning
/// refuses) fail every row with the reason.
pub(crate) fn render<'scope>(
    (oks, errs): (Rows<'scope>, Errors<'scope>),
    predicates: &[ScalarExpr],
) -> (Rows<'scope>, Errors<'scope>) {
    let filter = match TemporalFilter::extract(predicates) {
        Ok(Some(filter)) => filter,
        Ok(None) => {
            let mut filter = TemporalFilter::default();
            filter.predicates = predicates.to_vec();
            filter
        }
        Err(e) => {
            let results = oks.map(move |_| Err::<Row, EvalError>(e.clone()));
            return split(results, errs);
        }
    };
    let results = oks
        .inner
        .flat_map(move |(row, time, diff)| present(&filter, row, time, diff))
        .as_collection();
    split(results, errs)
}

/// The changes that present `row`, changed by `diff` at `time`, while the
/// filter's bounds hold.
fn present(
    filter: &TemporalFilter,
    row: Row,
    time: Timestamp,
    diff: Diff,
) -> Vec<(Result<Row, EvalError>, Timestamp, Diff)> {
    let validity = {
        let arena = RowArena::new();
        let datums = row.unpack();
        filter.eval(&datums, &arena)
    };
    match validity {
        Err(e) => vec![(Err(e), time, diff)],
        Ok(None) => vec![],
        Ok(Some(Validity { lower, upper })) => {
            let from = time.max(lower);
            match upper {
                Some(upper) if upper <= from => vec![],
                Some(upper) => vec![(Ok(row.clone()), from, diff), (Ok(row), upper, -diff)],
                None => vec![(Ok(row), from, diff)],
            }
        }
    }
}
