//! How a session renders result values: PostgreSQL's text as the server sent it, or
//! converted to the column types a query record declares (SQLite's sqllogictest
//! contract).
//!
//! In the classic sqllogictest contract the engine converts each value to the type the
//! `query` record declares (`I` integer, `R` float, `T` text) before results are
//! compared or hashed. The simple query protocol reports no column types and the
//! `sqllogictest` crate hashes what the database returns, so the conversion happens
//! here, in the session's output: before each record runs, the
//! [`ConnectionSelector`](super::ConnectionSelector) stores the record's declared types
//! in the [`ExpectedTypes`] cell the session reads.
//!
//! The conversion follows the reference implementation's (`slt_sqlite.c`, which uses
//! `sqlite3_column_int` and `printf("%.3f")`), applied to PostgreSQL's text output:
//! - `I`: an integer stays as it is; a decimal or float is truncated toward zero;
//!   a boolean (`t`/`f`) becomes `1`/`0`, as SQLite's comparisons yield integers.
//! - `R`: any number is printed with exactly three decimals (`printf("%.3f")`,
//!   negative zero keeps its sign); a boolean becomes `1.000`/`0.000`.
//! - `T` (and any other letter): the text as it is.
//!
//! A value that does not convert (text in an `I` column, say) is rendered as text, so
//! the mismatch shows what the server returned. Everywhere, NULL is `NULL` and the empty
//! string `(empty)`.

use std::sync::{Arc, Mutex, PoisonError};

use sqllogictest::DefaultColumnType;

/// The column types of the query record about to run (empty for any other record),
/// shared between a [`ConnectionSelector`](super::ConnectionSelector) and the sessions
/// its factory opens.
pub(crate) type ExpectedTypes = Arc<Mutex<Vec<DefaultColumnType>>>;

/// How a session renders the values it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueFormat {
    /// PostgreSQL's text format as the server sent it (this project's `.slt` files);
    /// a single multi-line value (an `EXPLAIN` plan) becomes one result line per line.
    Postgres,
    /// Each value converted to the column type the `query` record declares (SQLite's
    /// sqllogictest corpus).
    Sqlite,
}

/// What a session needs to render values: the format, and for [`ValueFormat::Sqlite`]
/// the cell holding the running record's declared types.
#[derive(Debug, Clone)]
pub(crate) enum Rendering {
    /// [`ValueFormat::Postgres`].
    Postgres,
    /// [`ValueFormat::Sqlite`], reading the declared types from this cell.
    Sqlite(ExpectedTypes),
}

impl Rendering {
    /// The declared types to convert the next result to, or `None` when values are
    /// rendered as PostgreSQL text.
    pub(crate) fn expected_types(&self) -> Option<Vec<DefaultColumnType>> {
        match self {
            Rendering::Postgres => None,
            Rendering::Sqlite(cell) => Some(cell.lock().unwrap_or_else(PoisonError::into_inner).clone()),
        }
    }
}

/// Renders one text-format value as PostgreSQL sent it, the way `.slt` files spell it.
pub(crate) fn render_postgres(value: Option<&str>) -> String {
    match value {
        None => "NULL".to_owned(),
        Some("") => "(empty)".to_owned(),
        Some(text) => text.to_owned(),
    }
}

/// Renders one text-format value converted to the declared column type `ty`
/// ([`ValueFormat::Sqlite`]).
pub(crate) fn render_sqlite(value: Option<&str>, ty: &DefaultColumnType) -> String {
    let converted = match (value, ty) {
        (Some(text), DefaultColumnType::Integer) => as_integer(text),
        (Some(text), DefaultColumnType::FloatingPoint) => as_float(text),
        (Some(_), DefaultColumnType::Text | DefaultColumnType::Any) | (None, _) => None,
    };
    converted.unwrap_or_else(|| render_postgres(value))
}

/// `text` as an integer (`sqlite3_column_int`): integers unchanged, decimals and
/// floats truncated toward zero, booleans as 1/0. `None` if it is not a number.
fn as_integer(text: &str) -> Option<String> {
    if let Some(value) = as_boolean(text) {
        return Some(u8::from(value).to_string());
    }
    let (negative, unsigned) = split_sign(text);
    if is_digits(unsigned) {
        return Some(text.to_owned());
    }
    // A plain decimal (what PostgreSQL prints for numeric) is cut at its point, exactly,
    // however many digits it has.
    if let Some((whole, fraction)) = unsigned.split_once('.')
        && (is_digits(whole) || whole.is_empty())
        && (is_digits(fraction) || fraction.is_empty())
        && !(whole.is_empty() && fraction.is_empty())
    {
        let whole = whole.trim_start_matches('0');
        return Some(match (whole.is_empty(), negative) {
            (true, _) => "0".to_owned(),
            (false, true) => format!("-{whole}"),
            (false, false) => whole.to_owned(),
        });
    }
    // Anything else numeric (`1.5e+10`, a float's text) goes through f64.
    let number = parse_number(text)?;
    let truncated = number.trunc();
    if !truncated.is_finite() {
        return None;
    }
    // `i64` holds every integer SQLite's columns can; beyond it, print the f64's digits.
    const I64_RANGE: std::ops::Range<f64> = -9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0;
    Some(if truncated == 0.0 {
        // Also -0.0, which SQLite's integers cannot be.
        "0".to_owned()
    } else if I64_RANGE.contains(&truncated) {
        // Exact: `truncated` is integral and within range.
        (truncated as i64).to_string()
    } else {
        format!("{truncated:.0}")
    })
}

/// `text` as a float printed with three decimals (`printf("%.3f")`); booleans as
/// 1.000/0.000. `None` if it is not a number.
fn as_float(text: &str) -> Option<String> {
    let number = match as_boolean(text) {
        Some(value) => f64::from(u8::from(value)),
        None => parse_number(text)?,
    };
    Some(format!("{number:.3}"))
}

/// PostgreSQL's boolean text output (`t`/`f`) as a bool.
fn as_boolean(text: &str) -> Option<bool> {
    match text {
        "t" => Some(true),
        "f" => Some(false),
        _ => None,
    }
}

/// Parses a number (integer, decimal, or float syntax, including `Infinity`/`NaN`).
fn parse_number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok()
}

/// Splits an optional leading sign off `text`: (is it negative, the rest).
fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// Whether `text` is one or more ASCII digits.
fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    use DefaultColumnType::{Any, FloatingPoint, Integer, Text};

    #[test]
    fn postgres_renders_null_and_empty() {
        assert_eq!(render_postgres(None), "NULL");
        assert_eq!(render_postgres(Some("")), "(empty)");
        assert_eq!(render_postgres(Some("a b")), "a b");
    }

    #[test]
    fn null_and_empty_in_every_type() {
        for ty in [Text, Integer, FloatingPoint, Any] {
            assert_eq!(render_sqlite(None, &ty), "NULL", "{ty:?}");
            assert_eq!(render_sqlite(Some(""), &ty), "(empty)", "{ty:?}");
        }
    }

    #[test]
    fn floats_print_three_decimals() {
        let cases = [
            ("1", "1.000"),
            ("-7", "-7.000"),
            ("2.5", "2.500"),
            ("12.3333333333333333", "12.333"),
            ("0.0005", "0.001"),
            ("-0.0001", "-0.000"),
            ("-0", "-0.000"),
            ("1.5e3", "1500.000"),
            ("123456789012345678", "123456789012345680.000"),
            ("t", "1.000"),
            ("f", "0.000"),
        ];
        for (text, expected) in cases {
            assert_eq!(render_sqlite(Some(text), &FloatingPoint), expected, "{text}");
        }
    }

    #[test]
    fn float_rounding_is_printfs() {
        // printf("%.3f") rounds the exact binary value, ties to even.
        assert_eq!(render_sqlite(Some("0.0625"), &FloatingPoint), "0.062");
        assert_eq!(render_sqlite(Some("0.1875"), &FloatingPoint), "0.188");
        assert_eq!(render_sqlite(Some("2.0005"), &FloatingPoint), "2.001");
    }

    #[test]
    fn integers_truncate_toward_zero() {
        let cases = [
            ("42", "42"),
            ("-42", "-42"),
            ("123456789012345678901234567890", "123456789012345678901234567890"),
            ("12.7", "12"),
            ("-12.7", "-12"),
            ("-0.5", "0"),
            ("0.999", "0"),
            (".5", "0"),
            ("7.", "7"),
            ("100.000", "100"),
            ("98765432109876543210.5", "98765432109876543210"),
            ("1.5e3", "1500"),
            ("-2.5e0", "-2"),
            ("-1e-3", "0"),
            ("1e20", "100000000000000000000"),
            ("t", "1"),
            ("f", "0"),
        ];
        for (text, expected) in cases {
            assert_eq!(render_sqlite(Some(text), &Integer), expected, "{text}");
        }
    }

    #[test]
    fn values_that_do_not_convert_stay_text() {
        assert_eq!(render_sqlite(Some("abc"), &Integer), "abc");
        assert_eq!(render_sqlite(Some("NaN"), &Integer), "NaN");
        assert_eq!(render_sqlite(Some("1.2.3"), &Integer), "1.2.3");
        assert_eq!(render_sqlite(Some("-"), &Integer), "-");
        assert_eq!(render_sqlite(Some("."), &Integer), ".");
        assert_eq!(render_sqlite(Some("x y"), &FloatingPoint), "x y");
    }

    #[test]
    fn text_is_unchanged() {
        for text in ["12.5", "t", "table tn7 row 51", " padded "] {
            assert_eq!(render_sqlite(Some(text), &Text), text);
            assert_eq!(render_sqlite(Some(text), &Any), text);
        }
    }

    #[test]
    fn rendering_reads_the_cell() {
        let cell = ExpectedTypes::default();
        let rendering = Rendering::Sqlite(cell.clone());
        assert_eq!(rendering.expected_types(), Some(vec![]));
        *cell.lock().unwrap_or_else(PoisonError::into_inner) = vec![Integer, Text];
        assert_eq!(rendering.expected_types(), Some(vec![Integer, Text]));
        assert_eq!(Rendering::Postgres.expected_types(), None);
    }
}
