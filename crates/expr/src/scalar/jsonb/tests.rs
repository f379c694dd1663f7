//! `jsonb` operators and constructors, with PostgreSQL's results.

use chrono::{NaiveDate, TimeZone, Utc};
use freshet_repr::{Datum, RowArena, SqlState};

use super::*;

/// Renders a result: `NULL`, the text of a datum, or the error's code.
fn show(r: Result<Datum<'_>, EvalError>) -> String {
    match r {
        Ok(Datum::Null) => "NULL".into(),
        Ok(Datum::Jsonb(j) | Datum::String(j)) => j.into(),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("error {}", e.code()),
    }
}

fn key(j: &str, k: &str, text: bool) -> String {
    let arena = RowArena::new();
    show(get_key(j, k, text, &arena))
}

fn index(j: &str, i: i32, text: bool) -> String {
    let arena = RowArena::new();
    show(get_index(j, i, text, &arena))
}

fn path(j: &str, p: &str, text: bool) -> String {
    let arena = RowArena::new();
    show(get_path(j, p, text, &arena))
}

#[test]
fn arrow_reads_fields_and_elements() {
    let doc = r#"{"a": 1, "b": {"c": [10, 20]}, "s": "x\"y", "n": null}"#;
    assert_eq!(key(doc, "a", false), "1");
    assert_eq!(key(doc, "b", false), r#"{"c": [10, 20]}"#);
    assert_eq!(key(doc, "s", false), r#""x\"y""#);
    assert_eq!(key(doc, "s", true), r#"x"y"#);
    // JSON null is jsonb `null` through `->`, SQL NULL through `->>`.
    assert_eq!(key(doc, "n", false), "null");
    assert_eq!(key(doc, "n", true), "NULL");
    assert_eq!(key(doc, "missing", false), "NULL");
    assert_eq!(key("[1, 2]", "a", false), "NULL");
    assert_eq!(key(r#""scalar""#, "a", true), "NULL");
    // Keys are exact: no case folding, and the empty key is a key.
    assert_eq!(key(r#"{"A": 1, "": 2}"#, "a", false), "NULL");
    assert_eq!(key(r#"{"A": 1, "": 2}"#, "", false), "2");
}

#[test]
fn arrow_indexes_arrays_from_either_end() {
    let arr = r#"[1, "two", [3], {"four": 4}]"#;
    assert_eq!(index(arr, 0, false), "1");
    assert_eq!(index(arr, 1, true), "two");
    assert_eq!(index(arr, -1, false), r#"{"four": 4}"#);
    assert_eq!(index(arr, -4, false), "1");
    assert_eq!(index(arr, -5, false), "NULL");
    assert_eq!(index(arr, 4, false), "NULL");
    assert_eq!(index(arr, i32::MIN, false), "NULL");
    assert_eq!(index(arr, i32::MAX, false), "NULL");
    assert_eq!(index(r#"{"0": 1}"#, 0, false), "NULL");
    assert_eq!(index("[]", 0, false), "NULL");
}

#[test]
fn paths_mix_keys_and_indexes() {
    let doc = r#"{"a": {"b": [1, {"c": "deep"}, null]}, "x y": 1}"#;
    assert_eq!(path(doc, "{a,b,1,c}", true), "deep");
    assert_eq!(path(doc, "{a,b,-2,c}", false), r#""deep""#);
    assert_eq!(path(doc, " { a , b , 0 } ", false), "1");
    assert_eq!(path(doc, r#"{"x y"}"#, false), "1");
    assert_eq!(path(doc, "{a,b,2}", false), "null");
    assert_eq!(path(doc, "{a,b,2}", true), "NULL");
    assert_eq!(path(doc, "{a,b,nope}", false), "NULL");
    assert_eq!(path(doc, "{a,b,1,c,d}", false), "NULL");
    assert_eq!(path(doc, "{a,NULL}", false), "NULL");
    // The empty path is the whole document; a scalar's text is unquoted.
    assert_eq!(path(doc, "{}", false), doc);
    assert_eq!(path(r#""s""#, "{}", true), "s");
}

#[test]
fn malformed_paths_are_errors() {
    for bad in ["{a", "a,b", "{a,}", "{,a}", "{a}x", r#"{"a"b}"#, ""] {
        assert_eq!(path("{}", bad, false), "error 22P02", "{bad}");
    }
    assert_eq!(path("{}", "{{a}}", false), "error 0A000");
    assert_eq!(path("{}", "[1:1]={a}", false), "error 0A000");
    let err = parse_text_array("{a").expect_err("malformed");
    assert_eq!(err.to_string(), "malformed array literal: \"{a\"");
    assert_eq!(err.detail().as_deref(), Some("Unexpected end of input."));
}

#[test]
fn text_arrays_parse_like_postgres() {
    let parsed = parse_text_array(r#"{a, "b c" ,\,d,"e\"f",NULL,"NULL",x\ }"#).expect("valid");
    let expected: Vec<Option<String>> = vec![
        Some("a".into()),
        Some("b c".into()),
        Some(",d".into()),
        Some("e\"f".into()),
        None,
        Some("NULL".into()),
        Some("x ".into()),
    ];
    assert_eq!(parsed, expected);
    assert_eq!(parse_text_array("{}").expect("empty"), Vec::<Option<String>>::new());
    assert_eq!(
        parse_text_array(r#"{""}"#).expect("empty string"),
        vec![Some(String::new())]
    );
}

fn contains_text(a: &str, b: &str) -> String {
    match contains(a, b) {
        Ok(v) => v.to_string(),
        Err(e) => format!("error {}", e.code()),
    }
}

#[test]
fn containment_follows_postgres() {
    let doc = r#"{"a": 1, "b": {"c": [1, 2, [3, 4]]}, "s": "x"}"#;
    assert_eq!(contains_text(doc, r#"{"a": 1}"#), "true");
    assert_eq!(contains_text(doc, r#"{"a": 1.0}"#), "true");
    assert_eq!(contains_text(doc, r#"{"a": "1"}"#), "false");
    assert_eq!(contains_text(doc, r#"{"b": {"c": [2, 1, 2]}}"#), "true");
    assert_eq!(contains_text(doc, r#"{"b": {"c": [[4]]}}"#), "true");
    assert_eq!(contains_text(doc, r#"{"b": {"c": [4]}}"#), "false");
    assert_eq!(contains_text(doc, r#"{"b": {}}"#), "true");
    assert_eq!(contains_text(doc, r#"{"b": []}"#), "false");
    assert_eq!(contains_text(doc, "{}"), "true");
    assert_eq!(contains_text(doc, r#""x""#), "false");
    assert_eq!(contains_text(doc, "[]"), "false");
    // Arrays contain their scalar elements at the top level only.
    assert_eq!(contains_text(r#"[1, "a", null]"#, r#""a""#), "true");
    assert_eq!(contains_text(r#"[1, "a", null]"#, "null"), "true");
    assert_eq!(contains_text(r#"[1, "a"]"#, "2"), "false");
    assert_eq!(contains_text(r#"[[1]]"#, "[1]"), "false");
    assert_eq!(contains_text("[]", "[]"), "true");
    assert_eq!(contains_text("1", "[1]"), "false");
    assert_eq!(contains_text("1", "1.00"), "true");
    assert_eq!(contains_text("null", "null"), "true");
    assert_eq!(contains_text("true", "false"), "false");
    assert_eq!(contains_text(r#"{"a": [1]}"#, r#"{"a": 1}"#), "false");
}

#[test]
fn containment_of_deep_documents_is_bounded() {
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    assert_eq!(contains_text(&deep, &deep), "error 54001");
    let shallow = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(contains_text(&shallow, &shallow), "true");
}

#[test]
fn typeof_names_every_kind() {
    let kinds: Vec<&str> = ["{}", "[]", r#""s""#, "1.5", "true", "null"]
        .into_iter()
        .map(|j| type_of(j).expect("valid"))
        .collect();
    assert_eq!(kinds, ["object", "array", "string", "number", "boolean", "null"]);
}

fn jsonb_of(d: Datum<'_>) -> String {
    to_jsonb_text(d).unwrap_or_else(|e| format!("error {}", e.code()))
}

#[test]
fn sql_values_become_json() {
    let arena = RowArena::new();
    let numeric = parse_datum(&ScalarType::numeric(), "-12.50", &arena).expect("numeric");
    assert_eq!(jsonb_of(Datum::Null), "null");
    assert_eq!(jsonb_of(Datum::True), "true");
    assert_eq!(jsonb_of(Datum::Int64(i64::MIN)), "-9223372036854775808");
    assert_eq!(jsonb_of(Datum::UInt64(u64::MAX)), "18446744073709551615");
    assert_eq!(jsonb_of(numeric), "-12.50");
    assert_eq!(jsonb_of(Datum::Float64(1.5)), "1.5");
    assert_eq!(jsonb_of(Datum::Float64(-0.0)), "0");
    assert_eq!(jsonb_of(Datum::Float64(1e20)), "100000000000000000000");
    assert_eq!(jsonb_of(Datum::Float64(f64::NAN)), r#""NaN""#);
    assert_eq!(jsonb_of(Datum::Float32(f32::NEG_INFINITY)), r#""-Infinity""#);
    assert_eq!(jsonb_of(Datum::String("a\"b\n")), r#""a\"b\n""#);
    assert_eq!(jsonb_of(Datum::Jsonb(r#"{"a": 1}"#)), r#"{"a": 1}"#);
    assert_eq!(jsonb_of(Datum::Bytes(b"\x00\xff")), r#""\\x00ff""#);
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
    let ts = date.and_hms_micro_opt(1, 2, 3, 450_000).expect("timestamp");
    assert_eq!(jsonb_of(Datum::Date(date)), r#""2024-02-29""#);
    assert_eq!(jsonb_of(Datum::Timestamp(ts)), r#""2024-02-29T01:02:03.45""#);
    assert_eq!(
        jsonb_of(Datum::TimestampTz(Utc.from_utc_datetime(&ts))),
        r#""2024-02-29T01:02:03.45+00:00""#
    );
}

#[test]
fn build_object_sorts_keys_and_keeps_the_last() {
    let arena = RowArena::new();
    let args = [
        Datum::String("bb"),
        Datum::Int32(1),
        Datum::Int32(7),
        Datum::Null,
        Datum::True,
        Datum::String("x"),
        Datum::String("bb"),
        Datum::Jsonb("[1, 2]"),
    ];
    assert_eq!(
        show(build_object(&args, &arena)),
        r#"{"7": null, "bb": [1, 2], "true": "x"}"#
    );
    assert_eq!(show(build_object(&[], &arena)), "{}");
    assert_eq!(show(build_array(&[], &arena)), "[]");
    assert_eq!(
        show(build_array(
            &[Datum::Null, Datum::String("a"), Datum::Jsonb("{}")],
            &arena
        )),
        r#"[null, "a", {}]"#
    );
}

#[test]
fn build_object_rejects_bad_keys() {
    let arena = RowArena::new();
    let err = build_object(&[Datum::Null, Datum::Int32(1)], &arena).expect_err("null key");
    assert_eq!(err.to_string(), "argument 1: key must not be null");
    assert_eq!(err.code(), SqlState::NullValueNotAllowed);
    let err = build_object(
        &[Datum::String("a"), Datum::Int32(1), Datum::Null, Datum::Int32(2)],
        &arena,
    )
    .expect_err("null key");
    assert_eq!(err.to_string(), "argument 3: key must not be null");
    let err = build_object(&[Datum::Jsonb("{}"), Datum::Int32(1)], &arena).expect_err("jsonb key");
    assert_eq!(err.code(), SqlState::InvalidParameterValue);
    let err = build_object(&[Datum::String("a")], &arena).expect_err("odd");
    assert_eq!(err.code(), SqlState::InvalidParameterValue);
    assert!(err.hint().is_some());
}
