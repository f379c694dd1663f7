//! SQL type names to [`ScalarType`]s.

use freshet_repr::{ElementType, NUMERIC_MAX_PRECISION, ScalarType};
use sqlparser::ast::{self, CharacterLength, DataType, ExactNumberInfo, TimezoneInfo};

use crate::PlanError;
use crate::names::name_parts;

/// The type a SQL type name denotes, modifiers included.
pub fn scalar_type_from_sql(data_type: &DataType) -> Result<ScalarType, PlanError> {
    use DataType as D;
    Ok(match data_type {
        D::Bool | D::Boolean => ScalarType::Bool,
        D::SmallInt(None) | D::Int2(None) => ScalarType::Int16,
        D::Int(None) | D::Integer(None) | D::Int4(None) => ScalarType::Int32,
        D::BigInt(None) | D::Int8(None) => ScalarType::Int64,
        D::UInt16 => ScalarType::UInt16,
        D::UInt32 => ScalarType::UInt32,
        D::UInt64 | D::UInt8 => ScalarType::UInt64,
        D::Real | D::Float4 => ScalarType::Float32,
        D::DoublePrecision | D::Float8 | D::Double(ExactNumberInfo::None) => ScalarType::Float64,
        D::Float(info) => match info {
            ExactNumberInfo::None => ScalarType::Float64,
            ExactNumberInfo::Precision(1..=24) => ScalarType::Float32,
            ExactNumberInfo::Precision(25..=53) => ScalarType::Float64,
            ExactNumberInfo::Precision(p) => {
                return Err(PlanError::InvalidParameter(format!(
                    "precision for type float must be between 1 and 53, not {p}"
                )));
            }
            ExactNumberInfo::PrecisionAndScale(..) => return Err(PlanError::UnknownType(data_type.to_string())),
        },
        D::Numeric(info) | D::Decimal(info) | D::Dec(info) => numeric(info)?,
        D::Text => ScalarType::Text,
        D::Varchar(len) | D::CharacterVarying(len) | D::CharVarying(len) => ScalarType::VarChar {
            max_length: len.as_ref().map(char_length).transpose()?,
        },
        D::Char(len) | D::Character(len) => ScalarType::Char {
            length: len.as_ref().map(char_length).transpose()?.unwrap_or(1),
        },
        D::Bytea => ScalarType::Bytes,
        D::Date => ScalarType::Date,
        D::Time(precision, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => {
            check_precision(*precision)?;
            ScalarType::Time
        }
        D::Timestamp(precision, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => {
            check_precision(*precision)?;
            ScalarType::Timestamp
        }
        D::Timestamp(precision, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) => {
            check_precision(*precision)?;
            ScalarType::TimestampTz
        }
        D::Interval { .. } => ScalarType::Interval,
        D::JSONB => ScalarType::Jsonb,
        D::Uuid => ScalarType::Uuid,
        D::Regclass => ScalarType::RegClass,
        D::Array(ast::ArrayElemTypeDef::SquareBracket(inner, _) | ast::ArrayElemTypeDef::AngleBracket(inner)) => {
            let element = scalar_type_from_sql(inner)?;
            let element = ElementType::of(&element)
                .ok_or_else(|| PlanError::Unsupported(format!("arrays of type {}", element.name())))?;
            ScalarType::Array(element)
        }
        D::Custom(name, modifiers) if modifiers.is_empty() => {
            let parts = name_parts(name)?;
            let unqualified = match parts.as_slice() {
                [name] | [_, name] => name.as_str(),
                _ => return Err(PlanError::UnknownType(name.to_string())),
            };
            match unqualified {
                "uint2" => ScalarType::UInt16,
                "uint4" => ScalarType::UInt32,
                "uint8" => ScalarType::UInt64,
                "int2" => ScalarType::Int16,
                "int4" => ScalarType::Int32,
                "int8" => ScalarType::Int64,
                "float4" => ScalarType::Float32,
                "float8" => ScalarType::Float64,
                "bool" => ScalarType::Bool,
                "string" => ScalarType::Text,
                "bpchar" => ScalarType::Char { length: 1 },
                "timestamptz" => ScalarType::TimestampTz,
                "jsonb" => ScalarType::Jsonb,
                "text" => ScalarType::Text,
                // PostgreSQL's single-byte `"char"` (`pg_class.relkind`) and
                // identifier type `name` are read as text.
                "char" | "name" => ScalarType::Text,
                "oid" => ScalarType::Oid,
                "regclass" => ScalarType::RegClass,
                "regtype" => ScalarType::RegType,
                "int2vector" => ScalarType::Array(ElementType::Int16),
                "oidvector" => ScalarType::Array(ElementType::Oid),
                "json" => return Err(PlanError::Unsupported("type json (use jsonb)".into())),
                other => return Err(PlanError::UnknownType(other.to_owned())),
            }
        }
        D::JSON => return Err(PlanError::Unsupported("type json (use jsonb)".into())),
        other => return Err(PlanError::UnknownType(other.to_string().to_lowercase())),
    })
}

fn numeric(info: &ExactNumberInfo) -> Result<ScalarType, PlanError> {
    let (precision, scale) = match info {
        ExactNumberInfo::None => return Ok(ScalarType::numeric()),
        ExactNumberInfo::Precision(p) => (*p, 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => (*p, *s),
    };
    if precision < 1 || precision > u64::from(NUMERIC_MAX_PRECISION) {
        return Err(PlanError::InvalidParameter(format!(
            "NUMERIC precision {precision} must be between 1 and {NUMERIC_MAX_PRECISION}"
        )));
    }
    if scale < 0 || scale > precision as i64 {
        return Err(PlanError::InvalidParameter(format!(
            "NUMERIC scale {scale} must be between 0 and precision {precision}"
        )));
    }
    Ok(ScalarType::Numeric {
        precision: u8::try_from(precision).ok(),
        scale: u8::try_from(scale).ok(),
    })
}

fn char_length(len: &CharacterLength) -> Result<u32, PlanError> {
    match len {
        CharacterLength::IntegerLength { length, .. } if (1..=10_485_760).contains(length) => {
            Ok(u32::try_from(*length).unwrap_or(u32::MAX))
        }
        CharacterLength::IntegerLength { length, .. } => Err(PlanError::InvalidParameter(format!(
            "length for type varchar must be between 1 and 10485760, not {length}"
        ))),
        CharacterLength::Max => Err(PlanError::UnknownType("varchar(max)".into())),
    }
}

/// Time types keep microseconds; a precision above 6 is refused, lower
/// ones are accepted (values keep microseconds).
fn check_precision(precision: Option<u64>) -> Result<(), PlanError> {
    match precision {
        Some(p) if p > 6 => Err(PlanError::InvalidParameter(format!(
            "precision {p} is out of range: the maximum is 6"
        ))),
        _ => Ok(()),
    }
}
