//! Text input and output of every type, as PostgreSQL's type input and
//! output functions do it (DateStyle `ISO`, IntervalStyle `postgres`,
//! TimeZone `UTC`, extra_float_digits `1`).
//!
//! Each type family lives in its own submodule; this module only dispatches
//! on the [`ScalarType`].

mod array;
mod bytea;
mod datetime;
mod float;
mod interval;
mod jsonb;
mod misc;
mod number;
mod numeric;
mod scan;

pub use jsonb::{JsonbDoc, JsonbRef, JsonbValue, jsonb_object_text, push_jsonb_string};

use crate::{Datum, ReprError, RowArena, ScalarType};

/// Parses `s` as a value of type `typ` (PostgreSQL's input function for the
/// type).
///
/// Type modifiers are not applied here (`varchar(3)` accepts any length,
/// `numeric(5,2)` any precision): casts do that. Datums that own bytes
/// (strings, `bytea`, `numeric`, `jsonb`) are allocated in `arena`.
pub fn parse_datum<'a>(typ: &ScalarType, s: &str, arena: &'a RowArena) -> Result<Datum<'a>, ReprError> {
    match typ {
        ScalarType::Bool => misc::parse_bool(s).map(Datum::from_bool),
        ScalarType::Int16 => number::parse_int16(s).map(Datum::Int16),
        ScalarType::Int32 => number::parse_int32(s).map(Datum::Int32),
        ScalarType::Int64 => number::parse_int64(s).map(Datum::Int64),
        ScalarType::UInt16 => number::parse_uint16(s).map(Datum::UInt16),
        ScalarType::UInt32 => number::parse_uint32(s).map(Datum::UInt32),
        ScalarType::UInt64 => number::parse_uint64(s).map(Datum::UInt64),
        ScalarType::Float32 => float::parse_float32(s).map(Datum::Float32),
        ScalarType::Float64 => float::parse_float64(s).map(Datum::Float64),
        ScalarType::Numeric { .. } => numeric::parse_numeric(s).map(|n| arena.push_numeric(&n)),
        ScalarType::Text | ScalarType::VarChar { .. } | ScalarType::Char { .. } => {
            misc::check_text(s)?;
            Ok(Datum::String(arena.push_string(s)))
        }
        ScalarType::Bytes => bytea::parse_bytea(s).map(|b| Datum::Bytes(arena.push_bytes(&b))),
        ScalarType::Date => datetime::parse_date(s).map(Datum::Date),
        ScalarType::Time => datetime::parse_time(s).map(Datum::Time),
        ScalarType::Timestamp => datetime::parse_timestamp(s).map(Datum::Timestamp),
        ScalarType::TimestampTz => datetime::parse_timestamptz(s).map(Datum::TimestampTz),
        ScalarType::Interval => interval::parse_interval(s).map(Datum::Interval),
        ScalarType::Jsonb => jsonb::parse_jsonb(s).map(|j| Datum::Jsonb(arena.push_string(&j))),
        ScalarType::Uuid => misc::parse_uuid(s).map(Datum::Uuid),
        ScalarType::Oid => number::parse_oid(s).map(Datum::UInt32),
        // A name is resolved when planning; at run time only the number is read.
        ScalarType::RegClass | ScalarType::RegType => number::parse_oid(s).map(Datum::UInt32),
        ScalarType::Array(element) => array::parse_array(&element.scalar_type(), s, arena),
    }
}

/// Appends the text form of `d`, a value of type `typ`, to `buf`
/// (PostgreSQL's output function for the type).
///
/// `Datum::Null` appends nothing: callers handle `NULL`. The datum's variant
/// decides the form; `typ` only matters where one variant serves several
/// types.
pub fn format_datum(d: Datum<'_>, typ: &ScalarType, buf: &mut String) {
    let _ = typ;
    match d {
        Datum::Null => {}
        Datum::False => buf.push('f'),
        Datum::True => buf.push('t'),
        Datum::Int16(v) => number::format_int(v, buf),
        Datum::Int32(v) => number::format_int(v, buf),
        Datum::Int64(v) => number::format_int(v, buf),
        Datum::UInt16(v) => number::format_int(v, buf),
        Datum::UInt32(v) => number::format_int(v, buf),
        Datum::UInt64(v) => number::format_int(v, buf),
        Datum::Float32(v) => float::format_float32(v, buf),
        Datum::Float64(v) => float::format_float64(v, buf),
        Datum::Numeric(n) => numeric::format_numeric(n, buf),
        Datum::String(s) | Datum::Jsonb(s) => buf.push_str(s),
        Datum::Bytes(b) => bytea::format_bytea(b, buf),
        Datum::Date(d) => datetime::format_date(d, buf),
        Datum::Time(t) => datetime::format_time(t, buf),
        Datum::Timestamp(ts) => datetime::format_timestamp(ts, buf),
        Datum::TimestampTz(ts) => datetime::format_timestamptz(ts, buf),
        Datum::Interval(iv) => interval::format_interval(iv, buf),
        Datum::Uuid(u) => misc::format_uuid(u, buf),
        Datum::Array(a) => array::format_array(a, buf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses and formats `input` as `typ`.
    pub(super) fn round(typ: ScalarType, input: &str) -> Result<String, ReprError> {
        let arena = RowArena::new();
        let d = parse_datum(&typ, input, &arena)?;
        let mut out = String::new();
        format_datum(d, &typ, &mut out);
        Ok(out)
    }

    #[test]
    fn null_formats_as_nothing() {
        let mut out = String::new();
        format_datum(Datum::Null, &ScalarType::Int32, &mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn every_type_round_trips_its_canonical_text() {
        let cases: &[(ScalarType, &str)] = &[
            (ScalarType::Bool, "t"),
            (ScalarType::Int16, "-32768"),
            (ScalarType::Int32, "2147483647"),
            (ScalarType::Int64, "-9223372036854775808"),
            (ScalarType::UInt16, "65535"),
            (ScalarType::UInt32, "4294967295"),
            (ScalarType::UInt64, "18446744073709551615"),
            (ScalarType::Float32, "1.5e-05"),
            (ScalarType::Float64, "1.2345678901234568e+20"),
            (ScalarType::numeric(), "-10.50"),
            (ScalarType::Text, "héllo"),
            (ScalarType::VarChar { max_length: Some(3) }, "abcdef"),
            (ScalarType::Char { length: 5 }, "ab   "),
            (ScalarType::Bytes, "\\x00ff"),
            (ScalarType::Date, "0044-03-15 BC"),
            (ScalarType::Time, "23:59:59.999999"),
            (ScalarType::Timestamp, "10000-01-01 00:00:00"),
            (ScalarType::TimestampTz, "2024-02-29 12:00:00.5+00"),
            (ScalarType::Interval, "-1 years -2 mons +3 days -04:05:06.7"),
            (ScalarType::Jsonb, r#"{"a": [1, 2.50, null], "bb": {"c": "\n"}}"#),
            (ScalarType::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            (ScalarType::Oid, "4294967295"),
            (ScalarType::Array(crate::ElementType::Oid), "{0,26,NULL}"),
            (
                ScalarType::Array(crate::ElementType::Text),
                r#"{a,"b c","NULL","x\"y",""}"#,
            ),
            (ScalarType::Array(crate::ElementType::Int16), "{}"),
        ];
        for (typ, text) in cases {
            assert_eq!(round(*typ, text).as_deref(), Ok(*text), "{typ}");
        }
    }

    #[test]
    fn errors_carry_postgres_sqlstates() {
        let cases: &[(ScalarType, &str, &str)] = &[
            (ScalarType::Int32, "abc", "22P02"),
            (ScalarType::Int16, "99999", "22003"),
            (ScalarType::Float64, "1e999", "22003"),
            (ScalarType::numeric(), "NaN", "0A000"),
            (ScalarType::Date, "2024-13-01", "22008"),
            (ScalarType::Timestamp, "x", "22007"),
            (ScalarType::Bytes, "\\xzz", "22023"),
            (ScalarType::Jsonb, "{", "22P02"),
            (ScalarType::Text, "a\0b", "22021"),
        ];
        for (typ, text, code) in cases {
            let err = round(*typ, text).expect_err(text);
            assert_eq!(err.code().code(), *code, "{typ} {text:?}: {err}");
        }
    }
}
