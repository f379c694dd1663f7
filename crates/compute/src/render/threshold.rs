//! `Threshold`: keeps each row as many times as its multiplicity is
//! positive.

use freshet_repr::{Diff, Row, ScalarType};

use super::key::KeyBuilder;
use super::{Errors, Rows};

/// The rows of `oks` with a positive multiplicity, that many times.
///
/// Rows count as the same row when SQL equality says so (`1.0` and `1.00`,
/// `-0` and `0`), so that `EXCEPT` and `INTERSECT` cancel them. The rows
/// kept are ones with a positive multiplicity of their own, least first,
/// so the values printed are ones the positive side held.
pub(crate) fn render<'scope>(
    (oks, errs): (Rows<'scope>, Errors<'scope>),
    types: &[ScalarType],
) -> (Rows<'scope>, Errors<'scope>) {
    let key = KeyBuilder::new((0..types.len()).collect(), types);
    if !key.normalizes() {
        return (oks.threshold(|_row, diff: &Diff| (*diff).max(0)), errs);
    }
    let kept = oks
        .map(move |row| (key.key(&row.unpack()), row))
        .reduce(|_key: &Row, rows: &[(&Row, Diff)], out: &mut Vec<(Row, Diff)>| {
            let mut remaining: Diff = rows.iter().map(|(_, diff)| *diff).sum();
            for (row, diff) in rows {
                if remaining <= 0 {
                    break;
                }
                if *diff > 0 {
                    let take = (*diff).min(remaining);
                    out.push(((*row).clone(), take));
                    remaining -= take;
                }
            }
        })
        .map(|(_key, row)| row);
    (kept, errs)
}
