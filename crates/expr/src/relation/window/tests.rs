//! Window functions over small partitions, checked against PostgreSQL's
//! answers.

use freshet_repr::{Datum, Diff, Row, ScalarType};

use super::*;

fn int(i: i32) -> ScalarExpr {
    ScalarExpr::literal(Datum::Int32(i), ScalarType::Int32)
}

/// Rows of (name, value), `None` for `NULL`, each with a multiplicity.
fn rows(rows: &[(&str, Option<i32>, Diff)]) -> Vec<(Row, Diff)> {
    let mut rows: Vec<(Row, Diff)> = rows
        .iter()
        .map(|(name, value, diff)| {
            (
                Row::pack([Datum::String(name), value.map_or(Datum::Null, Datum::Int32)]),
                *diff,
            )
        })
        .collect();
    rows.sort();
    rows
}

fn by_value() -> Vec<ColumnOrder> {
    vec![ColumnOrder {
        column: 1,
        desc: false,
        nulls_last: true,
    }]
}

/// Each output row as text, sorted; a row repeated `n` times is listed `n`
/// times.
fn eval(input: &[(Row, Diff)], order_by: &[ColumnOrder], functions: &[WindowFunc]) -> Vec<String> {
    let refs: Vec<(&Row, Diff)> = input.iter().map(|(row, diff)| (row, *diff)).collect();
    let out = eval_window_partition(&refs, order_by, functions).expect("evaluates");
    let mut lines: Vec<(Vec<String>, Diff)> = out
        .iter()
        .map(|(row, diff)| {
            let datums: Vec<String> = row
                .iter()
                .map(|d| match d {
                    Datum::Null => "NULL".to_owned(),
                    Datum::String(s) => s.to_owned(),
                    Datum::Int32(i) => i.to_string(),
                    Datum::Int64(i) => i.to_string(),
                    Datum::Float64(f) => f.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            (datums, *diff)
        })
        .collect();
    lines.sort();
    lines
        .into_iter()
        .flat_map(|(datums, diff)| std::iter::repeat_n(datums.join(" "), usize::try_from(diff).unwrap_or(0)))
        .collect()
}

#[test]
fn ranks_leave_gaps_after_ties_and_dense_ranks_do_not() {
    let input = rows(&[
        ("a", Some(10), 1),
        ("b", Some(20), 2),
        ("c", None, 1),
        ("d", Some(30), 1),
    ]);
    let out = eval(
        &input,
        &by_value(),
        &[
            WindowFunc::RowNumber,
            WindowFunc::Rank,
            WindowFunc::DenseRank,
            WindowFunc::PercentRank,
            WindowFunc::CumeDist,
        ],
    );
    assert_eq!(
        out,
        vec![
            "a 10 1 1 1 0 0.2",
            "b 20 2 2 2 0.25 0.6",
            "b 20 3 2 2 0.25 0.6",
            "c NULL 5 5 4 1 1",
            "d 30 4 4 3 0.75 0.8",
        ]
    );
}

#[test]
fn without_an_order_every_row_is_a_peer() {
    let input = rows(&[("a", Some(1), 1), ("b", Some(2), 1)]);
    let sum = WindowFunc::Aggregate {
        func: AggregateFunc::SumInt,
        expr: ScalarExpr::Column(1),
    };
    let last = WindowFunc::LastValue {
        value: ScalarExpr::Column(0),
    };
    let out = eval(&input, &[], &[WindowFunc::Rank, sum, last]);
    assert_eq!(out, vec!["a 1 1 3 b", "b 2 1 3 b"]);
}

#[test]
fn running_aggregates_include_the_current_rows_peers() {
    let input = rows(&[
        ("a", Some(1), 1),
        ("b", Some(2), 1),
        ("c", Some(2), 1),
        ("d", None, 1),
        ("e", Some(5), 1),
    ]);
    let agg = |func| WindowFunc::Aggregate {
        func,
        expr: ScalarExpr::Column(1),
    };
    let out = eval(
        &input,
        &by_value(),
        &[
            agg(AggregateFunc::SumInt),
            agg(AggregateFunc::Count),
            WindowFunc::Aggregate {
                func: AggregateFunc::CountAll,
                expr: ScalarExpr::literal_bool(true),
            },
            agg(AggregateFunc::Max),
        ],
    );
    assert_eq!(
        out,
        vec![
            "a 1 1 1 1 1",
            "b 2 5 3 3 2",
            "c 2 5 3 3 2",
            "d NULL 10 4 5 5",
            "e 5 10 4 4 5"
        ]
    );
}

#[test]
fn lag_and_lead_read_other_rows_or_the_default() {
    let input = rows(&[("a", Some(1), 1), ("b", Some(2), 2), ("c", Some(3), 1)]);
    let lag = WindowFunc::Lag {
        value: ScalarExpr::Column(1),
        offset: int(1),
        default: ScalarExpr::null(ScalarType::Int32),
    };
    let lead = WindowFunc::Lead {
        value: ScalarExpr::Column(1),
        offset: int(2),
        default: int(-1),
    };
    let back = WindowFunc::Lag {
        value: ScalarExpr::Column(1),
        offset: int(-1),
        default: int(0),
    };
    let out = eval(&input, &by_value(), &[lag, lead, back]);
    assert_eq!(out, vec!["a 1 NULL 2 2", "b 2 1 3 2", "b 2 2 -1 3", "c 3 2 -1 0"]);
}

#[test]
fn ntile_divides_rows_into_buckets_of_nearly_equal_size() {
    let input = rows(&[
        ("a", Some(1), 1),
        ("b", Some(2), 1),
        ("c", Some(3), 1),
        ("d", Some(4), 1),
        ("e", Some(5), 1),
    ]);
    let out = eval(&input, &by_value(), &[WindowFunc::Ntile { buckets: int(3) }]);
    let buckets: Vec<&str> = out.iter().map(|l| l.rsplit(' ').next().unwrap_or_default()).collect();
    assert_eq!(buckets, vec!["1", "1", "2", "2", "3"]);
    let refs: Vec<(&Row, Diff)> = input.iter().map(|(row, diff)| (row, *diff)).collect();
    assert_eq!(
        eval_window_partition(&refs, &[], &[WindowFunc::Ntile { buckets: int(0) }]),
        Err(EvalError::InvalidNtileArgument)
    );
}

#[test]
fn nth_value_is_null_beyond_the_frame() {
    let input = rows(&[
        ("a", Some(1), 1),
        ("b", Some(2), 1),
        ("c", Some(2), 1),
        ("d", Some(3), 1),
    ]);
    let nth = WindowFunc::NthValue {
        value: ScalarExpr::Column(0),
        n: int(3),
    };
    let out = eval(&input, &by_value(), &[nth]);
    assert_eq!(out, vec!["a 1 NULL", "b 2 c", "c 2 c", "d 3 c"]);
}

#[test]
fn negative_multiplicities_are_an_error() {
    let input = rows(&[("a", Some(1), 1), ("b", Some(2), -1)]);
    let refs: Vec<(&Row, Diff)> = input.iter().map(|(row, diff)| (row, *diff)).collect();
    assert_eq!(
        eval_window_partition(&refs, &by_value(), &[WindowFunc::RowNumber]),
        Err(EvalError::NegativeMultiplicity)
    );
}

#[test]
fn text_form_names_functions_and_arguments() {
    let lag = WindowFunc::Lag {
        value: ScalarExpr::Column(2),
        offset: int(1),
        default: ScalarExpr::null(ScalarType::Int32),
    };
    let count = WindowFunc::Aggregate {
        func: AggregateFunc::CountAll,
        expr: ScalarExpr::literal_bool(true),
    };
    assert_eq!(lag.to_string(), "lag(#2, 1, null)");
    assert_eq!(count.to_string(), "count(*)");
    assert_eq!(WindowFunc::DenseRank.to_string(), "dense_rank()");
}
