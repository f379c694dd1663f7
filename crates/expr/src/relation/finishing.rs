//! What happens to a query's rows after the dataflow: order, offset, limit.

use std::cmp::Ordering;

use freshet_repr::{Datum, Diff, Row};
use serde::{Deserialize, Serialize};

/// One key of an `ORDER BY`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnOrder {
    /// The column sorted on.
    pub column: usize,
    /// Descending order.
    pub desc: bool,
    /// Whether NULLs come after non-null values.
    pub nulls_last: bool,
}

/// Sorting, `OFFSET`, `LIMIT` and a final projection, applied to the
/// consolidated result of a one-off query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RowSetFinishing {
    /// The sort keys, most significant first.
    pub order_by: Vec<ColumnOrder>,
    /// At most this many rows.
    pub limit: Option<u64>,
    /// Skip this many rows first.
    pub offset: u64,
    /// The columns returned, after sorting.
    pub project: Vec<usize>,
}

/// A consolidated result held a row a negative number of times: the inputs
/// are corrupt, and the query must fail rather than guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegativeMultiplicity {
    /// The row.
    pub row: Row,
    /// Its multiplicity.
    pub diff: Diff,
}

impl std::fmt::Display for ColumnOrder {
    /// `#1 desc nulls_first`; the defaults (ascending, and NULLs last when
    /// ascending, first when descending) are not printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.column)?;
        if self.desc {
            f.write_str(" desc")?;
        }
        match (self.desc, self.nulls_last) {
            (false, false) => f.write_str(" nulls_first"),
            (true, true) => f.write_str(" nulls_last"),
            _ => Ok(()),
        }
    }
}

impl RowSetFinishing {
    /// A finishing that only projects.
    pub fn project_only(project: Vec<usize>) -> RowSetFinishing {
        RowSetFinishing {
            project,
            ..Default::default()
        }
    }

    /// Compares two rows by the sort keys.
    pub fn compare(&self, a: &[Datum<'_>], b: &[Datum<'_>]) -> Ordering {
        compare_rows(&self.order_by, a, b)
    }

    /// Expands consolidated `(row, count)` pairs into the final rows.
    pub fn finish(&self, rows: Vec<(Row, Diff)>) -> Result<Vec<Row>, NegativeMultiplicity> {
        let mut counted = Vec::with_capacity(rows.len());
        for (row, diff) in rows {
            if diff < 0 {
                return Err(NegativeMultiplicity { row, diff });
            }
            if diff > 0 {
                counted.push((row, diff));
            }
        }
        if !self.order_by.is_empty() {
            let mut keyed: Vec<(Vec<Datum<'_>>, usize)> = counted
                .iter()
                .enumerate()
                .map(|(i, (row, _))| (row.unpack(), i))
                .collect();
            keyed.sort_by(|a, b| self.compare(&a.0, &b.0));
            let order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
            let mut slots: Vec<Option<(Row, Diff)>> = counted.into_iter().map(Some).collect();
            counted = order.into_iter().filter_map(|i| slots[i].take()).collect();
        }
        let skip = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let take = self
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        let expanded = counted
            .into_iter()
            .flat_map(|(row, diff)| std::iter::repeat_n(row, usize::try_from(diff).unwrap_or(usize::MAX)))
            .skip(skip)
            .take(take);
        let identity = self.project.iter().enumerate().all(|(i, c)| i == *c);
        Ok(expanded
            .map(|row| {
                if identity && row.iter().count() == self.project.len() {
                    row
                } else {
                    let datums = row.unpack();
                    Row::pack(self.project.iter().map(|c| datums[*c]))
                }
            })
            .collect())
    }
}

/// Compares two rows by sort keys, PostgreSQL's way (NULLs as the keys say).
pub fn compare_rows(order_by: &[ColumnOrder], a: &[Datum<'_>], b: &[Datum<'_>]) -> Ordering {
    for key in order_by {
        let (x, y) = (a[key.column], b[key.column]);
        let ord = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if key.nulls_last {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, true) => {
                if key.nulls_last {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, false) => {
                let o = x.cmp(&y);
                if key.desc { o.reverse() } else { o }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(a: Option<i32>, b: &str) -> Row {
        Row::pack([a.map_or(Datum::Null, Datum::Int32), Datum::String(b)])
    }

    #[test]
    fn sorts_offsets_limits_and_projects() {
        let finishing = RowSetFinishing {
            order_by: vec![ColumnOrder {
                column: 0,
                desc: true,
                nulls_last: false,
            }],
            limit: Some(3),
            offset: 1,
            project: vec![1],
        };
        let rows = vec![
            (row(Some(1), "a"), 2),
            (row(None, "n"), 1),
            (row(Some(3), "c"), 1),
            (row(Some(2), "z"), 0),
        ];
        let out = finishing.finish(rows).expect("no negative multiplicity");
        let texts: Vec<String> = out.iter().map(|r| r.unpack_first().unwrap_str().to_owned()).collect();
        // DESC puts NULLs first (PostgreSQL's default), then 3, 1, 1; the offset skips the NULL.
        assert_eq!(texts, vec!["c", "a", "a"]);
    }

    #[test]
    fn negative_multiplicity_is_an_error() {
        let finishing = RowSetFinishing::project_only(vec![0, 1]);
        assert!(finishing.finish(vec![(row(Some(1), "a"), -1)]).is_err());
    }
}
