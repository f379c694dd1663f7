//! MySQL's binary JSON, printed as MySQL's `SELECT` prints a JSON column
//! (`Json_wrapper::to_string`): `{"a": 1, "b": [1, 2]}` with `": "` and
//! `", "`, object keys in their stored order (by length, then bytes),
//! doubles as `my_gcvt` prints them (`1.5`, `100.0`, `1e300`), decimals
//! with their scale, dates and times as quoted strings, other opaque values
//! as `"base64:type15:…"`.

use std::fmt::Write;

use mysql_async::binlog::jsonb::{self, JsonDom, JsonNumber, JsonScalar};
use mysql_async::consts::ColumnType;

/// MySQL nests JSON documents at most this deep.
const MAX_DEPTH: usize = 100;

/// Why a binary JSON document could not be printed.
#[derive(Debug)]
pub(super) struct MalformedJson(pub(super) String);

/// Appends the MySQL text of `value` to `out`.
pub(super) fn print(value: &jsonb::Value<'_>, out: &mut String) -> Result<(), MalformedJson> {
    print_at(value, out, 0)
}

fn malformed(err: impl std::fmt::Display) -> MalformedJson {
    MalformedJson(err.to_string())
}

fn print_at(value: &jsonb::Value<'_>, out: &mut String, depth: usize) -> Result<(), MalformedJson> {
    if depth > MAX_DEPTH {
        return Err(MalformedJson("nested too deeply".into()));
    }
    match value {
        jsonb::Value::Null => out.push_str("null"),
        jsonb::Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        jsonb::Value::I16(v) => push_display(out, v),
        jsonb::Value::U16(v) => push_display(out, v),
        jsonb::Value::I32(v) => push_display(out, v),
        jsonb::Value::U32(v) => push_display(out, v),
        jsonb::Value::I64(v) => push_display(out, v),
        jsonb::Value::U64(v) => push_display(out, v),
        jsonb::Value::F64(v) => print_double(*v, out),
        jsonb::Value::String(s) => quote(std::str::from_utf8(s.str_raw()).map_err(malformed)?, out),
        jsonb::Value::SmallArray(array) => print_items(array.iter(), out, depth)?,
        jsonb::Value::LargeArray(array) => print_items(array.iter(), out, depth)?,
        jsonb::Value::SmallObject(object) => print_members(object.iter(), out, depth)?,
        jsonb::Value::LargeObject(object) => print_members(object.iter(), out, depth)?,
        jsonb::Value::Opaque(opaque) => print_opaque(opaque, out)?,
    }
    Ok(())
}

fn push_display(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

fn print_items<'a>(
    items: impl Iterator<Item = std::io::Result<jsonb::Value<'a>>>,
    out: &mut String,
    depth: usize,
) -> Result<(), MalformedJson> {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        print_at(&item.map_err(malformed)?, out, depth + 1)?;
    }
    out.push(']');
    Ok(())
}

fn print_members<'a>(
    members: impl Iterator<Item = std::io::Result<(jsonb::ObjectKey<'a>, jsonb::Value<'a>)>>,
    out: &mut String,
    depth: usize,
) -> Result<(), MalformedJson> {
    out.push('{');
    for (i, member) in members.enumerate() {
        let (key, value) = member.map_err(malformed)?;
        if i > 0 {
            out.push_str(", ");
        }
        quote(std::str::from_utf8(key.value_raw()).map_err(malformed)?, out);
        out.push_str(": ");
        print_at(&value, out, depth + 1)?;
    }
    out.push('}');
    Ok(())
}

/// Decimals, dates and times are opaque values MySQL knows how to print;
/// strings stored as opaque print as strings; anything else as base64.
fn print_opaque(opaque: &jsonb::OpaqueValue<'_>, out: &mut String) -> Result<(), MalformedJson> {
    match opaque.value_type() {
        ColumnType::MYSQL_TYPE_NEWDECIMAL
        | ColumnType::MYSQL_TYPE_DATE
        | ColumnType::MYSQL_TYPE_TIME
        | ColumnType::MYSQL_TYPE_DATETIME
        | ColumnType::MYSQL_TYPE_TIMESTAMP => {
            match jsonb::Value::Opaque(opaque.clone()).parse().map_err(malformed)? {
                JsonDom::Scalar(JsonScalar::Number(JsonNumber::Decimal(d))) => push_display(out, d),
                JsonDom::Scalar(JsonScalar::DateTime(t)) => {
                    out.push('"');
                    // Times and datetimes with six fractional digits; dates without.
                    let _ = write!(out, "{t:.6}");
                    out.push('"');
                }
                other => return Err(MalformedJson(format!("unexpected opaque value {other:?}"))),
            }
        }
        ColumnType::MYSQL_TYPE_VAR_STRING => quote(std::str::from_utf8(opaque.data_raw()).map_err(malformed)?, out),
        other => {
            let mut text = format!("base64:type{}:", other as u8);
            base64_mysql(opaque.data_raw(), &mut text);
            quote(&text, out);
        }
    }
    Ok(())
}

/// Base64 as MySQL's `base64_encode` writes it: standard alphabet, padded,
/// a newline after every 76 characters.
fn base64_mysql(data: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push('\n');
        }
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (j, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if j <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

/// Appends `s` as a JSON string, escaped as MySQL's `double_quote`:
/// `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other controls as `\u00XX`.
pub(super) fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) <= 0x1f => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// MySQL's `DBL_DIG`: `my_gcvt` prefers the `f` format for decimal
/// exponents within it.
const MAX_DECPT_FOR_F_FORMAT: i32 = 15;

/// Appends a JSON double as MySQL prints it: `my_gcvt(d, MY_GCVT_ARG_DOUBLE,
/// MY_GCVT_MAX_FIELD_WIDTH)` (the shortest digits that read back as `d`,
/// in `f` or `e` format), then `.0` when that has neither a point nor an
/// exponent.
pub(super) fn print_double(d: f64, out: &mut String) {
    let start = out.len();
    // The shortest round-trip digits, as dtoa's mode 4 gives them with a
    // field this wide: `{:e}` prints `d.ddde±x`.
    let sci = format!("{:e}", d.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    // dtoa's `decpt`: the value is 0.DIGITS × 10^decpt.
    let decpt = exponent + 1;
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    // MY_GCVT_MAX_FIELD_WIDTH is DBL_DIG + 4 + max(5, MAX_DECPT_FOR_F_FORMAT);
    // a minus sign takes one of them.
    let width = if d < 0.0 { 33 } else { 34 };
    let exp_len = 1 + i32::from(decpt >= 101 || decpt <= -99) + i32::from(decpt >= 11 || decpt <= -9);
    let f_len = if decpt <= 0 {
        len - decpt + 2
    } else if decpt < len {
        len + 1
    } else {
        decpt
    };
    let have_space = f_len <= width;
    let force_e = decpt <= 0 && width <= 2 - decpt && width >= 3 + exp_len;
    // my_gcvt's own test has `decpt == -2 && (len > 1 || !force_e)` where
    // `!force_e` holds anyway.
    let f_format = (have_space || (decpt <= width && (decpt >= -1 || decpt == -2) && !force_e))
        && (!have_space || (decpt > -MAX_DECPT_FOR_F_FORMAT && (decpt <= MAX_DECPT_FOR_F_FORMAT || len > decpt)));
    if d.is_sign_negative() {
        out.push('-');
    }
    if f_format {
        if decpt <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', usize::try_from(-decpt).unwrap_or(0)));
            out.push_str(&digits);
        } else if decpt < len {
            let (int, frac) = digits.split_at(usize::try_from(decpt).unwrap_or(0));
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', usize::try_from(decpt - len).unwrap_or(0)));
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let _ = write!(out, "e{}", decpt - 1);
    }
    if !out[start..].contains(['.', 'e']) {
        out.push_str(".0");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(d: f64) -> String {
        let mut out = String::new();
        print_double(d, &mut out);
        out
    }

    #[test]
    fn doubles_print_as_mysql_prints_them() {
        // Each checked against MySQL 9.7's `SELECT CAST('[…]' AS JSON)`.
        let cases: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (100.0, "100.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e300, "1e300"),
            (0.1, "0.1"),
            (1e15, "1e15"),
            (1e16, "1e16"),
            (123456789012345.0, "123456789012345.0"),
            (12345678901234567e5, "1.2345678901234568e21"),
            (1.5e-7, "0.00000015"),
            (0.000123, "0.000123"),
            (1e-15, "0.000000000000001"),
            (1.5e-15, "0.0000000000000015"),
            (1e-16, "1e-16"),
            (-2.5e-300, "-2.5e-300"),
            (-1234.5678, "-1234.5678"),
            (f64::MAX, "1.7976931348623157e308"),
        ];
        for (d, text) in cases {
            assert_eq!(double(*d), *text, "{d:e}");
        }
    }

    #[test]
    fn strings_escape_as_mysql_does() {
        let mut out = String::new();
        quote("q\"\\\n\u{1}\u{7f}\u{1f}é", &mut out);
        assert_eq!(out, "\"q\\\"\\\\\\n\\u0001\u{7f}\\u001fé\"");
    }

    #[test]
    fn base64_breaks_lines_at_76() {
        let mut out = String::new();
        base64_mysql(b"ab", &mut out);
        assert_eq!(out, "YWI=");
        let mut out = String::new();
        base64_mysql(&[b'x'; 100], &mut out);
        assert_eq!(
            out,
            "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\neHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eA=="
        );
    }
}
