//! The ordered aggregates over packed records: order, `NULL`s,
//! multiplicities, empty groups and the text form.

use freshet_repr::{Datum, Diff, Row, RowArena, SqlState};

use super::*;
use crate::VariadicFunc;

/// A record as `VariadicFunc::Record` packs it.
fn record(datums: &[Datum<'_>]) -> Row {
    Row::pack([Datum::Bytes(Row::pack_slice(datums).as_bytes())])
}

fn asc(column: usize) -> ColumnOrder {
    ColumnOrder {
        column,
        desc: false,
        nulls_last: true,
    }
}

fn desc(column: usize) -> ColumnOrder {
    ColumnOrder {
        column,
        desc: true,
        nulls_last: false,
    }
}

/// Aggregates records, each with its multiplicity, and renders the result.
fn run(func: &AggregateFunc, records: &[(Row, Diff)]) -> String {
    let arena = RowArena::new();
    match func.eval(records.iter().map(|(row, diff)| (row.unpack_first(), *diff)), &arena) {
        Ok(Datum::Null) => "NULL".into(),
        Ok(Datum::String(s) | Datum::Jsonb(s)) => s.into(),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("error {}", e.code()),
    }
}

fn text_records() -> Vec<(Row, Diff)> {
    vec![
        (record(&[Datum::String("x"), Datum::String(","), Datum::Int32(3)]), 1),
        (record(&[Datum::String("y"), Datum::String(","), Datum::Int32(1)]), 1),
        (record(&[Datum::Null, Datum::String(","), Datum::Int32(2)]), 1),
        (record(&[Datum::String("z"), Datum::String(","), Datum::Null]), 1),
    ]
}

#[test]
fn string_agg_orders_and_skips_nulls() {
    let by = |order_by| AggregateFunc::StringAgg { order_by };
    assert_eq!(run(&by(vec![asc(2)]), &text_records()), "y,x,z");
    assert_eq!(run(&by(vec![desc(2)]), &text_records()), "z,x,y");
    let nulls_first = ColumnOrder {
        nulls_last: false,
        ..asc(2)
    };
    assert_eq!(run(&by(vec![nulls_first]), &text_records()), "z,y,x");
    // Without keys the records' own order, which is deterministic.
    assert_eq!(run(&by(vec![]), &text_records()), "x,y,z");
}

#[test]
fn string_agg_uses_each_values_own_separator() {
    let records = vec![
        (record(&[Datum::String("a"), Datum::String("!"), Datum::Int32(1)]), 1),
        (record(&[Datum::String("b"), Datum::Null, Datum::Int32(2)]), 1),
        (record(&[Datum::String("c"), Datum::String("+"), Datum::Int32(3)]), 1),
        (record(&[Datum::String(""), Datum::String("-"), Datum::Int32(4)]), 1),
    ];
    let func = AggregateFunc::StringAgg { order_by: vec![asc(2)] };
    assert_eq!(run(&func, &records), "ab+c-");
}

#[test]
fn multiplicities_repeat_values() {
    let records = vec![
        (record(&[Datum::String("a"), Datum::String(","), Datum::Int32(2)]), 3),
        (record(&[Datum::String("b"), Datum::String(","), Datum::Int32(1)]), 2),
        (record(&[Datum::String("c"), Datum::String(","), Datum::Int32(0)]), 0),
    ];
    let func = AggregateFunc::StringAgg { order_by: vec![asc(2)] };
    assert_eq!(run(&func, &records), "b,b,a,a,a");
}

#[test]
fn empty_and_all_null_groups() {
    let string_agg = AggregateFunc::StringAgg { order_by: vec![] };
    let jsonb_agg = AggregateFunc::JsonbAgg { order_by: vec![] };
    let object_agg = AggregateFunc::JsonbObjectAgg { order_by: vec![] };
    for func in [&string_agg, &jsonb_agg, &object_agg] {
        assert_eq!(run(func, &[]), "NULL");
        assert_eq!(func.default_value(), Datum::Null);
    }
    let nulls = vec![(record(&[Datum::Null, Datum::String(",")]), 2)];
    assert_eq!(run(&string_agg, &nulls), "NULL");
    // jsonb_agg keeps NULLs, as JSON nulls.
    assert_eq!(run(&jsonb_agg, &[(record(&[Datum::Null]), 2)]), "[null, null]");
}

#[test]
fn jsonb_agg_orders_elements() {
    let records = vec![
        (record(&[Datum::Jsonb(r#"{"a": 1}"#), Datum::Int64(-5)]), 1),
        (record(&[Datum::Jsonb("2.50"), Datum::Int64(i64::MAX)]), 1),
        (record(&[Datum::Jsonb(r#""s""#), Datum::Int64(i64::MIN)]), 1),
    ];
    assert_eq!(
        run(&AggregateFunc::JsonbAgg { order_by: vec![asc(1)] }, &records),
        r#"["s", {"a": 1}, 2.50]"#
    );
    assert_eq!(
        run(
            &AggregateFunc::JsonbAgg {
                order_by: vec![desc(1)]
            },
            &records
        ),
        r#"[2.50, {"a": 1}, "s"]"#
    );
}

#[test]
fn jsonb_object_agg_keeps_the_last_value_of_a_key() {
    let records = vec![
        (record(&[Datum::String("k"), Datum::Jsonb("1"), Datum::Int32(1)]), 1),
        (record(&[Datum::String("bb"), Datum::Null, Datum::Int32(2)]), 1),
        (record(&[Datum::String("k"), Datum::Jsonb("3"), Datum::Int32(3)]), 1),
    ];
    assert_eq!(
        run(&AggregateFunc::JsonbObjectAgg { order_by: vec![asc(2)] }, &records),
        r#"{"k": 3, "bb": null}"#
    );
    assert_eq!(
        run(
            &AggregateFunc::JsonbObjectAgg {
                order_by: vec![desc(2)]
            },
            &records
        ),
        r#"{"k": 1, "bb": null}"#
    );
    let null_key = vec![(record(&[Datum::Null, Datum::Jsonb("1")]), 1)];
    let func = AggregateFunc::JsonbObjectAgg { order_by: vec![] };
    assert_eq!(run(&func, &null_key), "error 22004");
}

#[test]
fn negative_multiplicities_are_an_error() {
    let records = vec![(record(&[Datum::String("a"), Datum::String(",")]), -1)];
    assert_eq!(
        run(&AggregateFunc::StringAgg { order_by: vec![] }, &records),
        "error XX000"
    );
}

#[test]
fn values_that_are_not_records_are_refused() {
    let arena = RowArena::new();
    let func = AggregateFunc::StringAgg { order_by: vec![] };
    let err = func.eval([(Datum::String("x"), 1)], &arena).expect_err("not a record");
    assert_eq!(err.code(), SqlState::InvalidParameterValue);
}

#[test]
fn the_record_function_packs_nulls_too() {
    let arena = RowArena::new();
    let packed = VariadicFunc::Record
        .eval(&[Datum::Null, Datum::String("a"), Datum::Int32(7)], &arena)
        .expect("packs");
    let Datum::Bytes(bytes) = packed else {
        panic!("expected bytes, found {packed:?}");
    };
    let row = Row::from_bytes(bytes.to_vec());
    assert_eq!(row.unpack(), vec![Datum::Null, Datum::String("a"), Datum::Int32(7)]);
}

#[test]
fn the_text_form_shows_the_order() {
    let agg = AggregateExpr {
        func: AggregateFunc::StringAgg {
            order_by: vec![desc(2), asc(3)],
        },
        expr: crate::ScalarExpr::Column(4),
        distinct: true,
    };
    assert_eq!(agg.to_string(), "string_agg[order_by=(#2 desc, #3)](distinct #4)");
    let plain = AggregateExpr {
        func: AggregateFunc::JsonbAgg { order_by: vec![] },
        expr: crate::ScalarExpr::Column(0),
        distinct: false,
    };
    assert_eq!(plain.to_string(), "jsonb_agg(#0)");
}
