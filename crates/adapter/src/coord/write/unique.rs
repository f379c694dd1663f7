//! Enforcing `PRIMARY KEY` and `UNIQUE` constraints on writes.
//!
//! A write is checked against the state the table would have after it:
//! its current contents (read under the write lock) plus the write's own
//! changes. The check is a dataflow run through the same read path as any
//! query: per key, the union of the table and the changes, keys with a
//! `NULL` dropped, grouped by the key columns and counted, groups of more
//! than one row kept and joined back to the rows the write adds so the
//! violation can be reported with the written key. Grouping and joining in
//! compute compare by SQL equality, so `1.0` and `1.00` collide.
//!
//! This reads the whole table on every checked write; indexes on the keys
//! will replace the scan later.
//!
//! Checking the final state is a deliberate difference from PostgreSQL,
//! whose non-deferrable constraints are checked row by row: there
//! `UPDATE t SET id = id + 1` fails as soon as one row takes a key another
//! row still holds, here it succeeds because the keys are unique once the
//! statement is done (as in PostgreSQL with `DEFERRABLE` constraints).
//! Writes buffered in an explicit transaction are likewise checked together
//! at `COMMIT`, not statement by statement.

use std::collections::BTreeMap;

use freshet_expr::{AggregateExpr, AggregateFunc, BinaryFunc, RelExpr, ScalarExpr, UnaryFunc};
use freshet_repr::{ColumnType, Datum, Diff, GlobalId, RelationDesc, Row, ScalarType, format_datum};
use freshet_sql::{UniqueKey, quote_ident};

use super::{TableWrite, Writer};
use crate::AdapterError;

/// Fails with [`AdapterError::UniqueViolation`] if, once its updates
/// apply, `write`'s table would hold two rows with equal, non-null values
/// in the columns of one of `write.unique_keys`.
///
/// Where several rows conflict, the one reported is the first row of the
/// write (in the write's order) that conflicts with an earlier row, checked
/// against the keys in order, as PostgreSQL reports the first row it fails
/// to insert.
pub(crate) async fn check_unique_keys(writer: &Writer, write: &TableWrite) -> Result<(), AdapterError> {
    let mut first: Option<(i64, &UniqueKey, Row)> = None;
    for key in &write.unique_keys {
        let Some(expr) = duplicates(write.id, &write.desc, key, &write.updates) else {
            continue;
        };
        let found = writer.read_latest(expr).await?;
        if let Some((ordinal, row)) = conflicting_row(&found, key.columns.len())?
            && first.as_ref().is_none_or(|(earliest, ..)| ordinal < *earliest)
        {
            first = Some((ordinal, key, row));
        }
    }
    match first {
        None => Ok(()),
        Some((_, key, row)) => Err(AdapterError::UniqueViolation {
            constraint: key.name.clone(),
            detail: format!("Key {} already exists.", describe_key(&write.desc, key, &row)),
        }),
    }
}

/// The dataflow finding the duplicates of `key` once `updates` apply to
/// table `id`, or `None` if the updates add no row with a non-null key (so
/// they cannot create a duplicate).
///
/// Its rows are one per added row whose key value occurs more than once:
/// the group's key (as compute prints it), the group's row count, the added
/// row's key values, and the added row's position in `updates`; each with
/// the added row's multiplicity.
fn duplicates(id: GlobalId, desc: &RelationDesc, key: &UniqueKey, updates: &[(Row, Diff)]) -> Option<RelExpr> {
    let width = key.columns.len();
    let key_of = |row: &Row| {
        let datums = row.unpack();
        Row::pack(key.columns.iter().map(|c| datums[*c]))
    };
    let mut added = Vec::new();
    for (ordinal, (row, diff)) in updates.iter().enumerate() {
        if *diff <= 0 {
            continue;
        }
        let datums = row.unpack();
        let values: Vec<Datum<'_>> = key.columns.iter().map(|c| datums[*c]).collect();
        if values.iter().any(Datum::is_null) {
            continue;
        }
        let ordinal = i64::try_from(ordinal).unwrap_or(i64::MAX);
        added.push((Row::pack(values.into_iter().chain([Datum::Int64(ordinal)])), *diff));
    }
    if added.is_empty() {
        return None;
    }

    let table_types: Vec<ColumnType> = desc.types().copied().collect();
    let key_types: Vec<ColumnType> = key.columns.iter().map(|c| table_types[*c]).collect();
    let changes: Vec<(Row, Diff)> = updates.iter().map(|(row, diff)| (key_of(row), *diff)).collect();
    let not_null = (0..width)
        .map(|i| {
            ScalarExpr::Column(i)
                .call_unary(UnaryFunc::IsNull)
                .call_unary(UnaryFunc::Not)
        })
        .collect();
    let count = AggregateExpr {
        func: AggregateFunc::CountAll,
        expr: ScalarExpr::literal_bool(true),
        distinct: false,
    };
    let more_than_one =
        ScalarExpr::Column(width).call_binary(ScalarExpr::literal(Datum::Int64(1), ScalarType::Int64), BinaryFunc::Gt);
    let groups = RelExpr::Get { id, typ: table_types }
        .project(key.columns.clone())
        .union(RelExpr::Constant {
            rows: Ok(changes),
            typ: key_types.clone(),
        })
        .filter(not_null)
        .reduce((0..width).collect(), vec![count])
        .filter(vec![more_than_one]);
    let mut added_types = key_types;
    added_types.push(ScalarType::Int64.nullable(false));
    let added = RelExpr::Constant {
        rows: Ok(added),
        typ: added_types,
    };
    Some(groups.join(added, (0..width).map(|i| (i, i)).collect()))
}

/// One added row in a group of duplicates.
struct Member {
    ordinal: i64,
    multiplicity: Diff,
    key: Row,
}

/// From the rows of [`duplicates`] for a key of `width` columns: the added
/// row PostgreSQL would report, as (its position in the write, its key
/// values), or `None` if the key has no duplicates.
///
/// In each group of equal keys that is the first added row if a row of the
/// table keeps the key, else the second added row (the first conflicts
/// with nothing before it); across groups, the earliest of those.
fn conflicting_row(found: &[(Row, Diff)], width: usize) -> Result<Option<(i64, Row)>, AdapterError> {
    let malformed = || AdapterError::Internal("malformed result of a unique key check".into());
    let mut groups: BTreeMap<Row, (i64, Vec<Member>)> = BTreeMap::new();
    for (row, diff) in found {
        if *diff < 0 {
            return Err(AdapterError::NegativeMultiplicity { diff: *diff });
        }
        let datums = row.unpack();
        let (Some(Datum::Int64(count)), Some(Datum::Int64(ordinal))) = (datums.get(width), datums.get(2 * width + 1))
        else {
            return Err(malformed());
        };
        let member = Member {
            ordinal: *ordinal,
            multiplicity: *diff,
            key: Row::pack_slice(&datums[width + 1..=2 * width]),
        };
        groups
            .entry(Row::pack_slice(&datums[..width]))
            .or_insert_with(|| (*count, Vec::new()))
            .1
            .push(member);
    }
    let mut first: Option<Member> = None;
    for (count, mut members) in groups.into_values() {
        members.sort_by_key(|m| m.ordinal);
        let added: Diff = members.iter().map(|m| m.multiplicity).sum();
        let kept_by_table = count > added;
        let conflicting = if kept_by_table || members[0].multiplicity > 1 || members.len() == 1 {
            members.swap_remove(0)
        } else {
            members.swap_remove(1)
        };
        if first.as_ref().is_none_or(|f| conflicting.ordinal < f.ordinal) {
            first = Some(conflicting);
        }
    }
    Ok(first.map(|m| (m.ordinal, m.key)))
}

/// PostgreSQL's description of a key value: `(a, b)=(1, x)`, with the
/// column names quoted where needed and the values in their text form.
fn describe_key(desc: &RelationDesc, key: &UniqueKey, values: &Row) -> String {
    let columns: Vec<String> = key
        .columns
        .iter()
        .map(|c| quote_ident(desc.column_name(*c).as_str()))
        .collect();
    let values: Vec<String> = values
        .iter()
        .zip(&key.columns)
        .map(|(datum, c)| {
            let mut text = String::new();
            if datum.is_null() {
                text.push_str("null");
            } else {
                format_datum(datum, &desc.column_type(*c).scalar_type, &mut text);
            }
            text
        })
        .collect();
    format!("({})=({})", columns.join(", "), values.join(", "))
}
