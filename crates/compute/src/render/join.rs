//! `Join`: rows of two inputs paired on equal key columns.

use freshet_repr::{Row, ScalarType};

use super::key::KeyBuilder;
use super::{Errors, Rows};

/// Joins `left` and `right` on `keys` (pairs of left and right columns);
/// no keys is a cross join. Output rows are the left columns, then the right.
pub(crate) fn render<'scope>(
    (left, left_errs): (Rows<'scope>, Errors<'scope>),
    (right, right_errs): (Rows<'scope>, Errors<'scope>),
    keys: &[(usize, usize)],
    left_types: &[ScalarType],
    right_types: &[ScalarType],
) -> (Rows<'scope>, Errors<'scope>) {
    // Keys of mixed types compare as their common type: normalize both
    // sides if either needs it.
    let normalize = keys.iter().any(|(l, r)| {
        left_types.get(*l).is_some_and(super::key::needs_normalizing)
            || right_types.get(*r).is_some_and(super::key::needs_normalizing)
    });
    let left_key = KeyBuilder::with_normalize(keys.iter().map(|(l, _)| *l).collect(), normalize);
    let right_key = KeyBuilder::with_normalize(keys.iter().map(|(_, r)| *r).collect(), normalize);
    let left = left.map(move |row| (left_key.key(&row.unpack()), row));
    let right = right.map(move |row| (right_key.key(&row.unpack()), row));
    let joined = left
        .join(right)
        .map(|(_key, (l, r))| Row::pack(l.iter().chain(r.iter())));
    (joined, left_errs.concat(right_errs))
}
