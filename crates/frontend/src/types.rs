//! Result sets on the wire: column descriptions (type OIDs, sizes,
//! modifiers) and rows encoded in the text or binary format, per column.

use std::sync::{Arc, LazyLock};

#[cfg(test)]
use freshet_repr::BASE_TYPES;
use freshet_repr::{ColumnType, ElementType, RelationDesc, Row, ScalarType, format_datum};
use futures::StreamExt;
use pgwire::api::Type;
use pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo, QueryResponse};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult, SEVERITY_ERROR};
use pgwire::messages::data::DataRow;
use pgwire::types::format::FormatOptions;

use crate::binary;

/// The OID Materialize gives `uint2` (`TYPE_UINT2_OID` in Materialize's
/// `src/pgrepr-consts/src/oid.rs`).
pub(crate) const UINT2_OID: u32 = 16_460;
/// The OID Materialize gives `uint4` (`TYPE_UINT4_OID`).
pub(crate) const UINT4_OID: u32 = 16_462;
/// The OID Materialize gives `uint8` (`TYPE_UINT8_OID`).
pub(crate) const UINT8_OID: u32 = 16_464;

/// The schema Materialize's unsigned integer types live in.
const UINT_SCHEMA: &str = "mz_catalog";

static UINT2: LazyLock<Type> = LazyLock::new(|| uint_type("uint2", UINT2_OID));
static UINT4: LazyLock<Type> = LazyLock::new(|| uint_type("uint4", UINT4_OID));
static UINT8: LazyLock<Type> = LazyLock::new(|| uint_type("uint8", UINT8_OID));

/// A non-builtin base type. pgwire does not re-export `postgres_types::Kind`,
/// so the "simple type" kind is borrowed from a builtin base type.
fn uint_type(name: &str, oid: u32) -> Type {
    Type::new(name.to_owned(), oid, Type::INT8.kind().clone(), UINT_SCHEMA.to_owned())
}

/// The PostgreSQL type (and so the OID) clients see for a column of `typ`.
pub(crate) fn pg_type(typ: &ScalarType) -> Type {
    match typ {
        ScalarType::Bool => Type::BOOL,
        ScalarType::Int16 => Type::INT2,
        ScalarType::Int32 => Type::INT4,
        ScalarType::Int64 => Type::INT8,
        ScalarType::UInt16 => UINT2.clone(),
        ScalarType::UInt32 => UINT4.clone(),
        ScalarType::UInt64 => UINT8.clone(),
        ScalarType::Float32 => Type::FLOAT4,
        ScalarType::Float64 => Type::FLOAT8,
        ScalarType::Numeric { .. } => Type::NUMERIC,
        ScalarType::Text => Type::TEXT,
        ScalarType::VarChar { .. } => Type::VARCHAR,
        ScalarType::Char { .. } => Type::BPCHAR,
        ScalarType::Bytes => Type::BYTEA,
        ScalarType::Date => Type::DATE,
        ScalarType::Time => Type::TIME,
        ScalarType::Timestamp => Type::TIMESTAMP,
        ScalarType::TimestampTz => Type::TIMESTAMPTZ,
        ScalarType::Interval => Type::INTERVAL,
        ScalarType::Jsonb => Type::JSONB,
        ScalarType::Uuid => Type::UUID,
        ScalarType::Oid => Type::OID,
        ScalarType::RegClass => Type::REGCLASS,
        ScalarType::RegType => Type::REGTYPE,
        ScalarType::Array(element) => match element {
            ElementType::Bool => Type::BOOL_ARRAY,
            ElementType::Int16 => Type::INT2_ARRAY,
            ElementType::Int32 => Type::INT4_ARRAY,
            ElementType::Int64 => Type::INT8_ARRAY,
            ElementType::Oid => Type::OID_ARRAY,
            ElementType::Text => Type::TEXT_ARRAY,
        },
    }
}

/// The type an OID names (the inverse of [`pg_type`]), without modifiers.
pub(crate) fn scalar_type_of_oid(oid: u32) -> Option<ScalarType> {
    ScalarType::from_oid(oid).map(|t| t.without_modifiers())
}

/// The `RowDescription` field for a column, in `format`.
fn field_info(name: &str, typ: &ColumnType, format: FieldFormat) -> FieldInfo {
    let scalar = &typ.scalar_type;
    FieldInfo::new(name.to_owned(), None, None, pg_type(scalar), format)
        .with_type_size(scalar.typlen())
        .with_type_modifier(scalar.typmod())
}

/// The `RowDescription` fields for a relation's columns, column `i` in
/// `formats[i]` (the text format where `formats` is too short).
pub(crate) fn field_infos_in(desc: &RelationDesc, formats: &[FieldFormat]) -> Vec<FieldInfo> {
    desc.iter()
        .enumerate()
        .map(|(i, (name, typ))| {
            let format = formats.get(i).copied().unwrap_or(FieldFormat::Text);
            field_info(name.as_str(), typ, format)
        })
        .collect()
}

/// A result set as pgwire's `QueryResponse`: its column descriptions and its
/// rows, encoded lazily as the response is written.
///
/// Its command tag is pgwire's default `SELECT`, to which pgwire appends the
/// number of rows sent, giving `SELECT <n>`.
pub(crate) fn query_response(desc: &RelationDesc, rows: Vec<Row>) -> QueryResponse {
    query_response_in(desc, rows, &[])
}

/// [`query_response`] with column `i` in `formats[i]` (text where
/// `formats` is too short).
pub(crate) fn query_response_in(desc: &RelationDesc, rows: Vec<Row>, formats: &[FieldFormat]) -> QueryResponse {
    let fields = Arc::new(field_infos_in(desc, formats));
    let types: Vec<ScalarType> = desc.types().map(|typ| typ.scalar_type).collect();
    let formats: Vec<FieldFormat> = fields.iter().map(FieldInfo::format).collect();
    let mut encoder = DataRowEncoder::new(Arc::clone(&fields));
    let mut text = String::new();
    let rows = futures::stream::iter(rows).map(move |row| encode_row(&mut encoder, &types, &formats, &row, &mut text));
    QueryResponse::new(fields, rows)
}

/// Encodes one row: each value in its column's format (the encoder's
/// fields say which), in the text format as its type's output function
/// prints it, in binary as its `send` function writes it; `NULL` as a null
/// field.
///
/// `encoder` must have been made for `types` in `formats` (missing formats
/// are text); `text` is scratch space.
pub(crate) fn encode_row(
    encoder: &mut DataRowEncoder,
    types: &[ScalarType],
    formats: &[FieldFormat],
    row: &Row,
    text: &mut String,
) -> PgWireResult<DataRow> {
    let mut datums = row.iter();
    for (i, typ) in types.iter().enumerate() {
        let Some(datum) = datums.next() else {
            return Err(arity_mismatch(types.len(), row));
        };
        if datum.is_null() {
            encoder.encode_field(&None::<&str>)?;
        } else if formats.get(i) == Some(&FieldFormat::Binary) {
            let mut bytes = Vec::new();
            binary::encode(datum, typ, &mut bytes);
            encoder.encode_field_with_type_and_format(
                &Some(bytes.as_slice()),
                &Type::BYTEA,
                FieldFormat::Binary,
                &FormatOptions::default(),
            )?;
        } else {
            text.clear();
            format_datum(datum, typ, text);
            // Written as the output function's text, whatever the column's
            // type (pgwire would quote an array's text as an element).
            encoder.encode_field_with_type_and_format(
                &Some(text.as_str()),
                &Type::TEXT,
                FieldFormat::Text,
                &FormatOptions::default(),
            )?;
        }
    }
    if datums.next().is_some() {
        return Err(arity_mismatch(types.len(), row));
    }
    Ok(encoder.take_row())
}

/// A row whose width differs from its description's: a bug upstream, so it
/// is logged as an invariant violation and reported as an internal error.
fn arity_mismatch(columns: usize, row: &Row) -> PgWireError {
    let width = row.iter().count();
    tracing::error!(columns, width, "result row does not match its description");
    let message = format!("internal error: a result row has {width} values for {columns} columns");
    PgWireError::UserError(Box::new(ErrorInfo::new(
        SEVERITY_ERROR.to_owned(),
        freshet_repr::SqlState::InternalError.code().to_owned(),
        message,
    )))
}

#[cfg(test)]
mod tests {
    use freshet_repr::Datum;

    use super::*;

    /// Every scalar type, with and without modifiers.
    fn all_types() -> Vec<ScalarType> {
        BASE_TYPES
            .into_iter()
            .chain([
                ScalarType::Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
                ScalarType::VarChar { max_length: Some(20) },
                ScalarType::Char { length: 3 },
            ])
            .collect()
    }

    /// What a client reads in a result's description is what `pg_type` and
    /// `pg_attribute` say of the same type.
    #[test]
    fn wire_types_agree_with_the_catalog() {
        for typ in all_types() {
            assert_eq!(pg_type(&typ).oid(), typ.oid(), "{typ}");
            assert_eq!(scalar_type_of_oid(typ.oid()).map(|t| t.oid()), Some(typ.oid()), "{typ}");
        }
    }

    #[test]
    fn builtin_types_use_postgres_oids() {
        let cases: &[(ScalarType, u32)] = &[
            (ScalarType::Bool, 16),
            (ScalarType::Int16, 21),
            (ScalarType::Int32, 23),
            (ScalarType::Int64, 20),
            (ScalarType::Float32, 700),
            (ScalarType::Float64, 701),
            (ScalarType::numeric(), 1700),
            (ScalarType::Text, 25),
            (ScalarType::VarChar { max_length: None }, 1043),
            (ScalarType::Char { length: 1 }, 1042),
            (ScalarType::Bytes, 17),
            (ScalarType::Date, 1082),
            (ScalarType::Time, 1083),
            (ScalarType::Timestamp, 1114),
            (ScalarType::TimestampTz, 1184),
            (ScalarType::Interval, 1186),
            (ScalarType::Jsonb, 3802),
            (ScalarType::Uuid, 2950),
        ];
        for (typ, oid) in cases {
            assert_eq!(pg_type(typ).oid(), *oid, "{typ}");
        }
    }

    #[test]
    fn pg_type_names_match_internal_names() {
        for typ in all_types() {
            assert_eq!(pg_type(&typ).name(), typ.internal_name(), "{typ}");
        }
    }

    #[test]
    fn unsigned_types_use_materialize_oids() {
        let cases = [
            (ScalarType::UInt16, 16_460, "uint2"),
            (ScalarType::UInt32, 16_462, "uint4"),
            (ScalarType::UInt64, 16_464, "uint8"),
        ];
        for (typ, oid, name) in cases {
            let pg = pg_type(&typ);
            assert_eq!((pg.oid(), pg.name(), pg.schema()), (oid, name, "mz_catalog"));
            assert_eq!(pg.kind(), Type::INT8.kind());
        }
    }

    #[test]
    fn type_sizes() {
        assert_eq!(ScalarType::typlen(&ScalarType::Bool), 1);
        assert_eq!(ScalarType::typlen(&ScalarType::UInt16), 2);
        assert_eq!(ScalarType::typlen(&ScalarType::Date), 4);
        assert_eq!(ScalarType::typlen(&ScalarType::TimestampTz), 8);
        assert_eq!(ScalarType::typlen(&ScalarType::Interval), 16);
        assert_eq!(ScalarType::typlen(&ScalarType::Uuid), 16);
        assert_eq!(ScalarType::typlen(&ScalarType::numeric()), -1);
        assert_eq!(ScalarType::typlen(&ScalarType::Char { length: 4 }), -1);
    }

    #[test]
    fn type_modifiers_follow_postgres() {
        let numeric_10_2 = ScalarType::Numeric {
            precision: Some(10),
            scale: Some(2),
        };
        assert_eq!(ScalarType::typmod(&numeric_10_2), (10 << 16 | 2) + 4);
        let numeric_65 = ScalarType::Numeric {
            precision: Some(65),
            scale: None,
        };
        assert_eq!(ScalarType::typmod(&numeric_65), (65 << 16) + 4);
        assert_eq!(ScalarType::typmod(&ScalarType::numeric()), -1);
        let varchar_20 = ScalarType::VarChar { max_length: Some(20) };
        assert_eq!(ScalarType::typmod(&varchar_20), 24);
        assert_eq!(ScalarType::typmod(&ScalarType::VarChar { max_length: None }), -1);
        assert_eq!(ScalarType::typmod(&ScalarType::Char { length: 3 }), 7);
        let huge = ScalarType::Char { length: u32::MAX };
        assert_eq!(ScalarType::typmod(&huge), -1);
        assert_eq!(ScalarType::typmod(&ScalarType::Int32), -1);
    }

    #[test]
    fn field_infos_describe_columns() {
        let desc = RelationDesc::empty()
            .with_column("id", ScalarType::UInt64.nullable(false))
            .with_column("name", ScalarType::Char { length: 3 }.nullable(true));
        let fields = field_infos_in(&desc, &[]);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].name(), "id");
        assert_eq!(fields[0].datatype().oid(), UINT8_OID);
        assert_eq!(fields[0].format(), FieldFormat::Text);
        assert_eq!(fields[0].type_size(), 8);
        assert_eq!(fields[1].name(), "name");
        assert_eq!(fields[1].datatype(), &Type::BPCHAR);
        assert_eq!(fields[1].type_modifier(), 7);
    }

    /// Splits a text-format `DataRow` into its fields.
    fn fields_of(row: &DataRow) -> Vec<Option<String>> {
        let mut data = &row.data[..];
        let mut out = Vec::new();
        for _ in 0..row.field_count {
            let (len, rest) = data.split_at(4);
            let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
            if len < 0 {
                out.push(None);
                data = rest;
            } else {
                let (value, rest) = rest.split_at(len as usize);
                out.push(Some(String::from_utf8(value.to_vec()).expect("utf-8")));
                data = rest;
            }
        }
        assert!(data.is_empty());
        out
    }

    #[test]
    fn rows_encode_as_text_with_nulls() {
        let desc = RelationDesc::empty()
            .with_column("a", ScalarType::Int32.nullable(true))
            .with_column("b", ScalarType::Text.nullable(true))
            .with_column("c", ScalarType::Bool.nullable(true))
            .with_column("d", ScalarType::UInt64.nullable(false));
        let types: Vec<_> = desc.types().map(|t| t.scalar_type).collect();
        let mut encoder = DataRowEncoder::new(Arc::new(field_infos_in(&desc, &[])));
        let mut text = String::new();

        let row = Row::pack([
            Datum::Int32(-7),
            Datum::String(""),
            Datum::True,
            Datum::UInt64(u64::MAX),
        ]);
        let encoded = encode_row(&mut encoder, &types, &[], &row, &mut text).expect("encodes");
        assert_eq!(
            fields_of(&encoded),
            [
                Some("-7".to_owned()),
                Some(String::new()),
                Some("t".to_owned()),
                Some("18446744073709551615".to_owned())
            ]
        );

        // The encoder is reused: the second row must not carry the first.
        let row = Row::pack([Datum::Null, Datum::Null, Datum::False, Datum::UInt64(0)]);
        let encoded = encode_row(&mut encoder, &types, &[], &row, &mut text).expect("encodes");
        assert_eq!(
            fields_of(&encoded),
            [None, None, Some("f".to_owned()), Some("0".to_owned())]
        );
    }

    #[test]
    fn rows_of_the_wrong_width_are_internal_errors() {
        let desc = RelationDesc::empty().with_column("a", ScalarType::Int32.nullable(true));
        let types: Vec<_> = desc.types().map(|t| t.scalar_type).collect();
        for row in [Row::default(), Row::pack([Datum::Int32(1), Datum::Int32(2)])] {
            let mut encoder = DataRowEncoder::new(Arc::new(field_infos_in(&desc, &[])));
            let err = encode_row(&mut encoder, &types, &[], &row, &mut String::new()).expect_err("width mismatch");
            assert_eq!(err.code(), "XX000");
        }
    }
}
