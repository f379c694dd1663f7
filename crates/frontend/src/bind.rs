//! What `Parse` and `Bind` carry: parameter type OIDs, parameter values in
//! the text or binary format, and format codes, checked and decoded as
//! PostgreSQL does.

use freshet_repr::{Datum, Row, RowArena, ScalarType, SqlState, parse_datum};
use pgwire::api::portal::Format;
use pgwire::api::results::FieldFormat;
use pgwire::error::{ErrorInfo, PgWireError};

use crate::binary::{self, DecodeError};
use crate::error::frontend_error;
use crate::types::scalar_type_of_oid;

/// PostgreSQL's `unknown` pseudo-type, which declares no type.
const UNKNOWN_OID: u32 = 705;

/// The type a parameter declared with `oid` in `Parse` has; `None` for 0
/// (or `unknown`), which leaves it to the server.
pub(crate) fn declared_type(oid: u32) -> Result<Option<ScalarType>, PgWireError> {
    if oid == 0 || oid == UNKNOWN_OID {
        return Ok(None);
    }
    scalar_type_of_oid(oid).map(Some).ok_or_else(|| {
        user(frontend_error(
            SqlState::UndefinedObject,
            &format!("type with OID {oid} does not exist"),
        ))
    })
}

/// An error to report to the client, as pgwire's error type.
fn user(info: ErrorInfo) -> PgWireError {
    PgWireError::UserError(Box::new(info))
}

/// A `ProtocolViolation` error.
fn protocol_violation(message: &str) -> PgWireError {
    user(frontend_error(SqlState::ProtocolViolation, message))
}

/// Checks a format code list for `n` values: none (all text), one (for
/// all), or one per value, each 0 or 1.
pub(crate) fn check_formats(codes: &[i16], n: usize, what: &str, of: &str) -> Result<(), PgWireError> {
    if codes.len() > 1 && codes.len() != n {
        return Err(protocol_violation(&format!(
            "bind message has {} {what} formats but {n} {of}",
            codes.len()
        )));
    }
    match codes.iter().find(|c| !matches!(c, 0 | 1)) {
        Some(code) => Err(protocol_violation(&format!("unsupported format code: {code}"))),
        None => Ok(()),
    }
}

/// The formats of `n` result columns, as `Bind` asked for them.
pub(crate) fn result_formats(format: &Format, n: usize) -> Vec<FieldFormat> {
    (0..n)
        .map(|i| match format {
            Format::Individual(codes) if codes.len() != n => FieldFormat::Text,
            format => format.format_for(i),
        })
        .collect()
}

/// Decodes the values `Bind` carries for parameters of `types`, each in
/// its format (`formats` as the protocol gives them: none, one, or one per
/// value), into one row.
pub(crate) fn decode_params(
    statement: &str,
    types: &[ScalarType],
    formats: &[i16],
    values: &[Option<impl AsRef<[u8]>>],
) -> Result<Row, PgWireError> {
    if values.len() != types.len() {
        return Err(protocol_violation(&format!(
            "bind message supplies {} parameters, but prepared statement \"{statement}\" requires {}",
            values.len(),
            types.len()
        )));
    }
    check_formats(formats, values.len(), "parameter", "parameters")?;
    let arena = RowArena::new();
    let mut datums = Vec::with_capacity(values.len());
    for (i, (typ, value)) in types.iter().zip(values).enumerate() {
        let Some(bytes) = value else {
            datums.push(Datum::Null);
            continue;
        };
        let bytes = bytes.as_ref();
        let binary = match formats {
            [] => false,
            [code] => *code == 1,
            codes => codes[i] == 1,
        };
        let datum = if binary {
            binary::decode(typ, bytes, &arena).map_err(|e| match e {
                DecodeError::Malformed => user(frontend_error(
                    SqlState::InvalidBinaryRepresentation,
                    &format!("incorrect binary data format in bind parameter {}", i + 1),
                )),
                DecodeError::Invalid(e) => user(frontend_error(e.code(), &e.to_string())),
                DecodeError::NotUtf8 => invalid_utf8(),
            })?
        } else {
            let text = std::str::from_utf8(bytes).map_err(|_| invalid_utf8())?;
            parse_datum(typ, text, &arena).map_err(|e| user(frontend_error(e.code(), &e.to_string())))?
        };
        datums.push(datum);
    }
    Ok(Row::pack_slice(&datums))
}

fn invalid_utf8() -> PgWireError {
    user(frontend_error(
        SqlState::CharacterNotInRepertoire,
        "invalid byte sequence for encoding \"UTF8\"",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::UINT8_OID;

    #[test]
    fn oids_declare_types() {
        assert_eq!(declared_type(0).ok(), Some(None));
        assert_eq!(declared_type(705).ok(), Some(None));
        assert_eq!(declared_type(23).ok(), Some(Some(ScalarType::Int32)));
        assert_eq!(declared_type(1700).ok(), Some(Some(ScalarType::numeric())));
        assert_eq!(declared_type(UINT8_OID).ok(), Some(Some(ScalarType::UInt64)));
        assert_eq!(
            declared_type(1043).ok(),
            Some(Some(ScalarType::VarChar { max_length: None }))
        );
        let err = ErrorInfo::from(declared_type(99_999).expect_err("no such type"));
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("42704", "type with OID 99999 does not exist")
        );
    }

    #[test]
    fn parameters_decode_in_their_formats() {
        let types = [ScalarType::Int32, ScalarType::Text, ScalarType::Int64];
        let values = [Some(b"7".to_vec()), None, Some(9i64.to_be_bytes().to_vec())];
        let row = decode_params("s", &types, &[0, 0, 1], &values).expect("decodes");
        assert_eq!(row, Row::pack([Datum::Int32(7), Datum::Null, Datum::Int64(9)]));
        let all_text = [Some(b"1".to_vec()), Some(b"x".to_vec()), Some(b"-2".to_vec())];
        let row = decode_params("s", &types, &[], &all_text).expect("decodes");
        assert_eq!(row, Row::pack([Datum::Int32(1), Datum::String("x"), Datum::Int64(-2)]));
    }

    #[test]
    fn bad_parameters_fail_as_in_postgres() {
        let types = [ScalarType::Int32];
        let err = ErrorInfo::from(decode_params("s", &types, &[], &[Some(b"abc".to_vec())]).expect_err("not an int"));
        assert_eq!(err.code, "22P02");
        assert_eq!(err.message, "invalid input syntax for type integer: \"abc\"");
        let err = ErrorInfo::from(decode_params("s", &types, &[], &[] as &[Option<Vec<u8>>]).expect_err("too few"));
        assert_eq!(err.code, "08P01");
        assert_eq!(
            err.message,
            "bind message supplies 0 parameters, but prepared statement \"s\" requires 1"
        );
        let err = ErrorInfo::from(decode_params("s", &types, &[1], &[Some(vec![1])]).expect_err("short"));
        assert_eq!(err.code, "22P03");
        let err = ErrorInfo::from(decode_params("s", &types, &[0, 0], &[Some(b"1".to_vec())]).expect_err("formats"));
        assert_eq!(err.code, "08P01");
    }

    #[test]
    fn result_formats_follow_the_protocol() {
        assert_eq!(result_formats(&Format::UnifiedText, 2), [FieldFormat::Text; 2]);
        assert_eq!(result_formats(&Format::UnifiedBinary, 2), [FieldFormat::Binary; 2]);
        assert_eq!(
            result_formats(&Format::Individual(vec![1, 0]), 2),
            [FieldFormat::Binary, FieldFormat::Text]
        );
    }
}
