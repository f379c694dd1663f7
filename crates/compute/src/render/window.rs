//! `Window`: window functions over the partitions of a collection.

use freshet_expr::{ColumnOrder, EvalError, WindowFunc, eval_window_partition};
use freshet_repr::{Diff, Row, ScalarType};

use super::key::KeyBuilder;
use super::{Errors, Rows, split};

/// Extends every row of `oks` with one value per function, computed over
/// the rows of its partition of `partition_by` in the order `order_by`.
///
/// The rows are grouped by their partition key (by SQL equality), and a
/// partition's output is recomputed whenever one of its rows changes, so
/// an index keeps it current: a row that joins or leaves a partition moves
/// the others' ranks. A negative multiplicity, or an error computing a
/// function, makes the partition an error instead of a wrong answer.
pub(crate) fn render<'scope>(
    (oks, errs): (Rows<'scope>, Errors<'scope>),
    types: &[ScalarType],
    partition_by: &[usize],
    order_by: &[ColumnOrder],
    functions: &[WindowFunc],
) -> (Rows<'scope>, Errors<'scope>) {
    let key = KeyBuilder::new(partition_by.to_vec(), types);
    let (order_by, functions) = (order_by.to_vec(), functions.to_vec());
    let keyed = oks.map(move |row| (key.key(&row.unpack()), row));
    let results = keyed
        .reduce(
            move |_key: &Row, rows: &[(&Row, Diff)], out: &mut Vec<(Result<Row, EvalError>, Diff)>| {
                match eval_window_partition(rows, &order_by, &functions) {
                    Ok(rows) => out.extend(rows.into_iter().map(|(row, diff)| (Ok(row), diff))),
                    Err(e) => out.push((Err(e), 1)),
                }
            },
        )
        .map(|(_key, row)| row);
    split(results, errs)
}
