//! `TopK`: the first rows of each group by some order.

use freshet_expr::{ColumnOrder, EvalError, compare_rows};
use freshet_repr::{Datum, Diff, Row, ScalarType};

use super::key::KeyBuilder;
use super::{Errors, Rows, split};

/// Keeps, per group of `group_key`, the rows ranked `offset..offset+limit`
/// by `order_by`; ties are broken by the whole row, so the result does not
/// depend on how rows reached the workers.
pub(crate) fn render<'scope>(
    (oks, errs): (Rows<'scope>, Errors<'scope>),
    types: &[ScalarType],
    group_key: &[usize],
    order_by: &[ColumnOrder],
    limit: Option<u64>,
    offset: u64,
) -> (Rows<'scope>, Errors<'scope>) {
    let key = KeyBuilder::new(group_key.to_vec(), types);
    let order_by = order_by.to_vec();
    let keyed = oks.map(move |row| (key.key(&row.unpack()), row));
    let results = keyed
        .reduce(
            move |_key: &Row, rows: &[(&Row, Diff)], out: &mut Vec<(Result<Row, EvalError>, Diff)>| {
                if rows.iter().any(|(_, diff)| *diff < 0) {
                    out.push((Err(EvalError::NegativeMultiplicity), 1));
                    return;
                }
                let mut sorted: Vec<(Vec<Datum<'_>>, &Row, Diff)> =
                    rows.iter().map(|(row, diff)| (row.unpack(), *row, *diff)).collect();
                sorted.sort_by(|a, b| compare_rows(&order_by, &a.0, &b.0).then_with(|| a.0.cmp(&b.0)));
                let mut skip = offset;
                let mut left = limit.unwrap_or(u64::MAX);
                for (_, row, diff) in sorted {
                    let mut count = u64::try_from(diff).unwrap_or(0);
                    let skipped = count.min(skip);
                    skip -= skipped;
                    count -= skipped;
                    let taken = count.min(left);
                    left -= taken;
                    if taken > 0 {
                        out.push((Ok(row.clone()), Diff::try_from(taken).unwrap_or(Diff::MAX)));
                    }
                    if left == 0 {
                        break;
                    }
                }
            },
        )
        .map(|(_key, row)| row);
    split(results, errs)
}
