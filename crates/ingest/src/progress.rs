//! The progress subsource's rows: the source's GTID frontier.

use freshet_mysql::GtidSet;
use freshet_repr::{Datum, Diff, Row};

/// The progress subsource's contents for `gtids`: `(source_id_lower,
/// source_id_upper, transaction_id)` rows, as the seed blog post shows.
pub(crate) fn progress_rows(gtids: &GtidSet) -> Vec<Row> {
    gtids
        .progress_rows()
        .into_iter()
        .map(|row| {
            Row::pack([
                Datum::Uuid(row.lower),
                Datum::Uuid(row.upper),
                row.next.map_or(Datum::Null, Datum::UInt64),
            ])
        })
        .collect()
}

/// The updates that turn rows `old` into rows `new`.
pub(crate) fn difference(old: &[Row], new: &[Row]) -> Vec<(Row, Diff)> {
    let retract = old.iter().filter(|r| !new.contains(r)).map(|r| (r.clone(), -1));
    let insert = new.iter().filter(|r| !old.contains(r)).map(|r| (r.clone(), 1));
    retract.chain(insert).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_transaction_replaces_one_row() -> Result<(), freshet_mysql::MySqlError> {
        let uuid = "474ac6f9-8a6e-11ee-b703-0242ac110002";
        let old = progress_rows(&GtidSet::parse(&format!("{uuid}:1-101"))?);
        let new = progress_rows(&GtidSet::parse(&format!("{uuid}:1-102"))?);
        let diff = difference(&old, &new);
        assert_eq!(diff.len(), 2);
        assert_eq!(diff.iter().map(|(_, d)| d).sum::<Diff>(), 0);
        assert!(difference(&new, &new).is_empty());
        Ok(())
    }
}
