use super::*;
use crate::SqlState;

fn canon(s: &str) -> String {
    parse_jsonb(s).unwrap_or_else(|e| format!("error: {e}: {}", e.detail().unwrap_or("")))
}

#[test]
fn prints_scalars_like_postgres() {
    assert_eq!(canon("1"), "1");
    assert_eq!(canon(" -0 "), "0");
    assert_eq!(canon("-0.0"), "0.0");
    assert_eq!(canon("1e2"), "100");
    assert_eq!(canon("1.50"), "1.50");
    assert_eq!(canon("1E-2"), "0.01");
    assert_eq!(canon("12345678901234567890.5"), "12345678901234567890.5");
    assert_eq!(canon("true"), "true");
    assert_eq!(canon("false"), "false");
    assert_eq!(canon("null"), "null");
    assert_eq!(canon(r#""abc""#), r#""abc""#);
}

#[test]
fn canonicalizes_objects() {
    assert_eq!(canon(r#"{"bb": [1,2], "a":1}"#), r#"{"a": 1, "bb": [1, 2]}"#);
    assert_eq!(canon(r#"{"a":1,"a":2}"#), r#"{"a": 2}"#);
    assert_eq!(
        canon(r#"{"b":1,"aa":2,"a":3,"ab":4,"a":5}"#),
        r#"{"a": 5, "b": 1, "aa": 2, "ab": 4}"#
    );
    assert_eq!(canon("{}"), "{}");
    assert_eq!(canon("[]"), "[]");
    assert_eq!(canon(" [ [ ] , { } ] "), "[[], {}]");
    assert_eq!(
        canon(r#"{"x": {"z": 1, "y": [true, null]}}"#),
        r#"{"x": {"y": [true, null], "z": 1}}"#
    );
    // Key order compares bytes, so non-ASCII keys sort after ASCII ones of the
    // same length.
    assert_eq!(canon(r#"{"é": 1, "ab": 2, "b": 3}"#), r#"{"b": 3, "ab": 2, "é": 1}"#);
}

#[test]
fn re_escapes_strings() {
    assert_eq!(canon(r#""a\"b\\c\/d""#), r#""a\"b\\c/d""#);
    assert_eq!(canon(r#""\b\f\n\r\t""#), r#""\b\f\n\r\t""#);
    assert_eq!(canon(r#""\u0001\u001F""#), r#""\u0001\u001f""#);
    assert_eq!(canon(r#""\u00e9\u20AC""#), "\"é€\"");
    assert_eq!(canon(r#""\ud83d\ude00""#), "\"😀\"");
    assert_eq!(canon("\"naïve 😀\""), "\"naïve 😀\"");
    assert_eq!(canon("\"\u{7f}\""), "\"\u{7f}\"");
}

#[test]
fn rejects_invalid_json_with_postgres_details() {
    let cases = [
        ("", "The input string ended unexpectedly."),
        ("{", "The input string ended unexpectedly."),
        ("[1,", "The input string ended unexpectedly."),
        ("[1,]", "Expected JSON value, but found \"]\"."),
        ("[1 2]", "Expected \",\" or \"]\", but found \"2\"."),
        ("{\"a\" 1}", "Expected \":\", but found \"1\"."),
        ("{\"a\": 1,}", "Expected string, but found \"}\"."),
        ("{1: 2}", "Expected string or \"}\", but found \"1\"."),
        ("{\"a\": 1 \"b\"}", "Expected \",\" or \"}\", but found \"\"b\"\"."),
        ("1 2", "Expected end of input, but found \"2\"."),
        ("tru", "Token \"tru\" is invalid."),
        ("nul1", "Token \"nul1\" is invalid."),
        ("01", "Token \"01\" is invalid."),
        ("1.", "Token \"1.\" is invalid."),
        (".5", "Token \".\" is invalid."),
        ("+1", "Token \"+\" is invalid."),
        ("-", "Token \"-\" is invalid."),
        ("1e", "Token \"1e\" is invalid."),
        ("1x", "Token \"1x\" is invalid."),
        ("'a'", "Token \"'\" is invalid."),
        ("\"abc", "Token \"\"abc\" is invalid."),
        ("\"a\nb\"", "Character with value 0x0a must be escaped."),
        (r#""\a""#, "Escape sequence \"\\a\" is invalid."),
        (r#""\u12""#, "\"\\u\" must be followed by four hexadecimal digits."),
        (r#""\ud83d""#, "Unicode low surrogate must follow a high surrogate."),
        (r#""\ude00""#, "Unicode low surrogate must follow a high surrogate."),
        (
            r#""\ud83d\ud83d""#,
            "Unicode high surrogate must not follow a high surrogate.",
        ),
        (r#""\ud83dx""#, "Unicode low surrogate must follow a high surrogate."),
    ];
    for (input, detail) in cases {
        let err = parse_jsonb(input).expect_err(input);
        assert_eq!(err.to_string(), "invalid input syntax for type json", "{input}");
        assert_eq!(err.detail(), Some(detail), "{input}");
        assert_eq!(err.code(), SqlState::InvalidTextRepresentation);
    }
}

#[test]
fn rejects_nul_escapes() {
    let err = parse_jsonb(r#"{"a": "\u0000"}"#).expect_err("nul");
    assert_eq!(err.to_string(), "unsupported Unicode escape sequence");
    assert_eq!(err.detail(), Some("\\u0000 cannot be converted to text."));
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 200_000;
    let doc = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(canon(&doc), doc);
    let doc = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    let want = format!("{}1{}", "{\"a\": ".repeat(depth), "}".repeat(depth));
    assert_eq!(canon(&doc), want);
    assert!(parse_jsonb(&"[".repeat(depth)).is_err());
}

#[test]
fn canonical_text_is_a_fixed_point() {
    for doc in [r#"{"b": [1, {"d": 2, "c": "x"}], "a": -1.5e1}"#, "[1, \"\\u0007\", {}]"] {
        let once = canon(doc);
        assert_eq!(canon(&once), once);
    }
}

#[test]
fn documents_find_keys_in_jsonb_order() {
    let doc = JsonbDoc::parse(r#"{"bb": 1, "a": [true, null], "é": "x", "ab": {}}"#).expect("valid");
    let root = doc.root();
    assert_eq!(root.value(), JsonbValue::Object(4));
    for (key, text) in [("a", "[true, null]"), ("ab", "{}"), ("bb", "1"), ("é", r#""x""#)] {
        assert_eq!(root.get(key).map(|v| v.to_text()).as_deref(), Some(text), "{key}");
    }
    assert!(root.get("b").is_none());
    let keys: Vec<&str> = root.members().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a", "ab", "bb", "é"]);
    let array = root.get("a").expect("array");
    assert_eq!(array.element(-1).map(|v| v.value()), Some(JsonbValue::Null));
    assert_eq!(array.element(0).map(|v| v.value()), Some(JsonbValue::Bool(true)));
    assert!(array.element(2).is_none() && array.element(-3).is_none());
    assert_eq!(array.elements().count(), 2);
    assert_eq!(root.elements().count(), 0);
}

#[test]
fn objects_are_built_canonical() {
    let pairs = vec![
        ("b".to_owned(), "1".to_owned()),
        ("a\"".to_owned(), "[]".to_owned()),
        ("b".to_owned(), "2".to_owned()),
    ];
    assert_eq!(jsonb_object_text(pairs), r#"{"b": 2, "a\"": []}"#);
    assert_eq!(jsonb_object_text(vec![]), "{}");
    let mut quoted = String::new();
    push_jsonb_string("tab\there", &mut quoted);
    assert_eq!(quoted, r#""tab\there""#);
}
