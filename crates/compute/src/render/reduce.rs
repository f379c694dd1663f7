//! `Reduce`: groups rows by key columns and aggregates each group.

use freshet_expr::{AggregateExpr, EvalError};
use freshet_repr::{Datum, Diff, Row, RowArena, ScalarType};

use super::key::KeyBuilder;
use super::{Errors, Rows, split};

/// Groups `oks` by `group_key` and computes `aggregates` per group: one
/// row per group holding the key columns, then the aggregates.
///
/// Keys group by SQL equality (`1.0` and `1.00` together); the key printed
/// is the least original encoding of the group. A row with a negative
/// multiplicity makes the group an error instead of a wrong answer.
pub(crate) fn render<'scope>(
    (oks, errs): (Rows<'scope>, Errors<'scope>),
    types: &[ScalarType],
    group_key: &[usize],
    aggregates: &[AggregateExpr],
) -> (Rows<'scope>, Errors<'scope>) {
    let key = KeyBuilder::new(group_key.to_vec(), types);
    // With a normalized key the values carry the original key columns first.
    let carried = if key.normalizes() { group_key.len() } else { 0 };
    let (key_columns, exprs) = (group_key.to_vec(), aggregates.to_vec());
    let keyed = oks.map(move |row| {
        let arena = RowArena::new();
        let datums = row.unpack();
        let mut value: Vec<Datum<'_>> = key_columns.iter().take(carried).map(|c| datums[*c]).collect();
        for agg in &exprs {
            value.push(agg.expr.eval(&datums, &arena)?);
        }
        Ok((key.key(&datums), Row::pack_slice(&value)))
    });
    let (keyed, errs) = split(keyed, errs);
    let aggregates = aggregates.to_vec();
    let results = keyed
        .reduce(
            move |key: &Row, values: &[(&Row, Diff)], out: &mut Vec<(Result<Row, EvalError>, Diff)>| {
                out.push((aggregate_group(key, values, carried, &aggregates), 1));
            },
        )
        .map(|(_key, result)| result);
    split(results, errs)
}

/// One group's output row.
fn aggregate_group(
    key: &Row,
    values: &[(&Row, Diff)],
    carried: usize,
    aggregates: &[AggregateExpr],
) -> Result<Row, EvalError> {
    if values.iter().any(|(_, diff)| *diff < 0) {
        return Err(EvalError::NegativeMultiplicity);
    }
    let unpacked: Vec<(Vec<Datum<'_>>, Diff)> = values.iter().map(|(row, diff)| (row.unpack(), *diff)).collect();
    let mut out: Vec<Datum<'_>> = match unpacked.first() {
        Some((first, _)) if carried > 0 => first[..carried].to_vec(),
        _ => key.iter().collect(),
    };
    let arena = RowArena::new();
    for (i, agg) in aggregates.iter().enumerate() {
        let column = carried + i;
        let datum = if agg.distinct {
            let mut distinct: Vec<Datum<'_>> = unpacked.iter().map(|(datums, _)| datums[column]).collect();
            distinct.sort();
            distinct.dedup();
            agg.func.eval(distinct.into_iter().map(|d| (d, 1)), &arena)?
        } else {
            agg.func
                .eval(unpacked.iter().map(|(datums, diff)| (datums[column], *diff)), &arena)?
        };
        out.push(datum);
    }
    Ok(Row::pack_slice(&out))
}
