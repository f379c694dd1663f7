//! SQL types.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The type of a single SQL value.
///
/// Names and output follow PostgreSQL, plus Materialize's unsigned integer
/// types (`uint2`, `uint4`, `uint8`) that MySQL's unsigned columns map onto.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ScalarType {
    /// `boolean`
    Bool,
    /// `smallint` (`int2`)
    Int16,
    /// `integer` (`int4`)
    Int32,
    /// `bigint` (`int8`)
    Int64,
    /// `uint2`
    UInt16,
    /// `uint4`
    UInt32,
    /// `uint8`
    UInt64,
    /// `real` (`float4`)
    Float32,
    /// `double precision` (`float8`)
    Float64,
    /// `numeric`, optionally `numeric(precision, scale)`.
    Numeric {
        /// Total number of significant digits allowed, if constrained.
        precision: Option<u8>,
        /// Number of digits after the decimal point, if constrained.
        scale: Option<u8>,
    },
    /// `text`
    Text,
    /// `character varying`, optionally with a maximum length in characters.
    VarChar {
        /// The maximum length in characters, if constrained.
        max_length: Option<u32>,
    },
    /// `character(n)`: blank-padded to exactly `length` characters.
    Char {
        /// The length in characters.
        length: u32,
    },
    /// `bytea`
    Bytes,
    /// `date`
    Date,
    /// `time` (without time zone), microsecond precision.
    Time,
    /// `timestamp` (without time zone), microsecond precision.
    Timestamp,
    /// `timestamp with time zone`, microsecond precision, stored in UTC.
    TimestampTz,
    /// `interval`
    Interval,
    /// `jsonb`
    Jsonb,
    /// `uuid`
    Uuid,
    /// `oid`: a PostgreSQL object identifier (an unsigned 32-bit number).
    Oid,
    /// `regclass`: the OID of a relation, read and written as its name.
    RegClass,
    /// `regtype`: the OID of a type, read and written as its name.
    RegType,
    /// A one-dimensional array of an element type (`oid[]`, `text[]`).
    Array(ElementType),
}

/// The types an array's elements may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ElementType {
    /// `boolean`
    Bool,
    /// `smallint`
    Int16,
    /// `integer`
    Int32,
    /// `bigint`
    Int64,
    /// `oid`
    Oid,
    /// `text`
    Text,
}

impl ElementType {
    /// The element type as a scalar type.
    pub fn scalar_type(self) -> ScalarType {
        match self {
            ElementType::Bool => ScalarType::Bool,
            ElementType::Int16 => ScalarType::Int16,
            ElementType::Int32 => ScalarType::Int32,
            ElementType::Int64 => ScalarType::Int64,
            ElementType::Oid => ScalarType::Oid,
            ElementType::Text => ScalarType::Text,
        }
    }

    /// The element type of arrays of `typ`, if arrays of it exist (string
    /// types make `text[]`).
    pub fn of(typ: &ScalarType) -> Option<ElementType> {
        Some(match typ {
            ScalarType::Bool => ElementType::Bool,
            ScalarType::Int16 => ElementType::Int16,
            ScalarType::Int32 => ElementType::Int32,
            ScalarType::Int64 => ElementType::Int64,
            ScalarType::Oid | ScalarType::RegClass | ScalarType::RegType => ElementType::Oid,
            ScalarType::Text | ScalarType::VarChar { .. } | ScalarType::Char { .. } => ElementType::Text,
            _ => return None,
        })
    }
}

/// PostgreSQL's `VARHDRSZ`, which `numeric`, `varchar` and `bpchar` add to
/// their type modifiers.
const VARHDRSZ: i32 = 4;

/// Every type without modifiers, once: what a type OID names.
pub const BASE_TYPES: [ScalarType; 30] = [
    ScalarType::Bool,
    ScalarType::Int16,
    ScalarType::Int32,
    ScalarType::Int64,
    ScalarType::UInt16,
    ScalarType::UInt32,
    ScalarType::UInt64,
    ScalarType::Float32,
    ScalarType::Float64,
    ScalarType::numeric(),
    ScalarType::Text,
    ScalarType::VarChar { max_length: None },
    ScalarType::Char { length: 1 },
    ScalarType::Bytes,
    ScalarType::Date,
    ScalarType::Time,
    ScalarType::Timestamp,
    ScalarType::TimestampTz,
    ScalarType::Interval,
    ScalarType::Jsonb,
    ScalarType::Uuid,
    ScalarType::Oid,
    ScalarType::RegClass,
    ScalarType::RegType,
    ScalarType::Array(ElementType::Bool),
    ScalarType::Array(ElementType::Int16),
    ScalarType::Array(ElementType::Int32),
    ScalarType::Array(ElementType::Int64),
    ScalarType::Array(ElementType::Oid),
    ScalarType::Array(ElementType::Text),
];

/// The maximum precision of `numeric(p, s)`: MySQL's `DECIMAL` allows 65 digits.
pub const NUMERIC_MAX_PRECISION: u8 = 65;

impl ScalarType {
    /// The name PostgreSQL's `pg_typeof` prints for this type (no modifiers).
    pub fn name(&self) -> &'static str {
        match self {
            ScalarType::Bool => "boolean",
            ScalarType::Int16 => "smallint",
            ScalarType::Int32 => "integer",
            ScalarType::Int64 => "bigint",
            ScalarType::UInt16 => "uint2",
            ScalarType::UInt32 => "uint4",
            ScalarType::UInt64 => "uint8",
            ScalarType::Float32 => "real",
            ScalarType::Float64 => "double precision",
            ScalarType::Numeric { .. } => "numeric",
            ScalarType::Text => "text",
            ScalarType::VarChar { .. } => "character varying",
            ScalarType::Char { .. } => "character",
            ScalarType::Bytes => "bytea",
            ScalarType::Date => "date",
            ScalarType::Time => "time without time zone",
            ScalarType::Timestamp => "timestamp without time zone",
            ScalarType::TimestampTz => "timestamp with time zone",
            ScalarType::Interval => "interval",
            ScalarType::Jsonb => "jsonb",
            ScalarType::Uuid => "uuid",
            ScalarType::Oid => "oid",
            ScalarType::RegClass => "regclass",
            ScalarType::RegType => "regtype",
            ScalarType::Array(element) => match element {
                ElementType::Bool => "boolean[]",
                ElementType::Int16 => "smallint[]",
                ElementType::Int32 => "integer[]",
                ElementType::Int64 => "bigint[]",
                ElementType::Oid => "oid[]",
                ElementType::Text => "text[]",
            },
        }
    }

    /// The type's internal name in `pg_type` (`int4`, `bpchar`), which is
    /// also what PostgreSQL names a result column computed by a cast.
    pub fn internal_name(&self) -> &'static str {
        match self {
            ScalarType::Bool => "bool",
            ScalarType::Int16 => "int2",
            ScalarType::Int32 => "int4",
            ScalarType::Int64 => "int8",
            ScalarType::UInt16 => "uint2",
            ScalarType::UInt32 => "uint4",
            ScalarType::UInt64 => "uint8",
            ScalarType::Float32 => "float4",
            ScalarType::Float64 => "float8",
            ScalarType::Numeric { .. } => "numeric",
            ScalarType::Text => "text",
            ScalarType::VarChar { .. } => "varchar",
            ScalarType::Char { .. } => "bpchar",
            ScalarType::Bytes => "bytea",
            ScalarType::Date => "date",
            ScalarType::Time => "time",
            ScalarType::Timestamp => "timestamp",
            ScalarType::TimestampTz => "timestamptz",
            ScalarType::Interval => "interval",
            ScalarType::Jsonb => "jsonb",
            ScalarType::Uuid => "uuid",
            ScalarType::Oid => "oid",
            ScalarType::RegClass => "regclass",
            ScalarType::RegType => "regtype",
            ScalarType::Array(element) => match element {
                ElementType::Bool => "_bool",
                ElementType::Int16 => "_int2",
                ElementType::Int32 => "_int4",
                ElementType::Int64 => "_int8",
                ElementType::Oid => "_oid",
                ElementType::Text => "_text",
            },
        }
    }

    /// The type's OID in `pg_type` (PostgreSQL's, and Materialize's for the
    /// unsigned integers).
    pub fn oid(&self) -> u32 {
        match self {
            ScalarType::Bool => 16,
            ScalarType::Bytes => 17,
            ScalarType::Int64 => 20,
            ScalarType::Int16 => 21,
            ScalarType::Int32 => 23,
            ScalarType::Text => 25,
            ScalarType::Oid => 26,
            ScalarType::Float32 => 700,
            ScalarType::Float64 => 701,
            ScalarType::Char { .. } => 1042,
            ScalarType::VarChar { .. } => 1043,
            ScalarType::Date => 1082,
            ScalarType::Time => 1083,
            ScalarType::Timestamp => 1114,
            ScalarType::TimestampTz => 1184,
            ScalarType::Interval => 1186,
            ScalarType::Numeric { .. } => 1700,
            ScalarType::RegClass => 2205,
            ScalarType::RegType => 2206,
            ScalarType::Uuid => 2950,
            ScalarType::Jsonb => 3802,
            ScalarType::UInt16 => 16_460,
            ScalarType::UInt32 => 16_462,
            ScalarType::UInt64 => 16_464,
            ScalarType::Array(element) => match element {
                ElementType::Bool => 1000,
                ElementType::Int16 => 1005,
                ElementType::Int32 => 1007,
                ElementType::Text => 1009,
                ElementType::Int64 => 1016,
                ElementType::Oid => 1028,
            },
        }
    }

    /// The type an OID names, without modifiers.
    pub fn from_oid(oid: u32) -> Option<ScalarType> {
        BASE_TYPES.iter().find(|t| t.oid() == oid).copied()
    }

    /// `pg_attribute.atttypmod` as PostgreSQL encodes it: `numeric(p,s)` is
    /// `(p << 16 | s) + 4`, `varchar(n)` and `char(n)` are `n + 4`, and -1
    /// means no modifier.
    pub fn typmod(&self) -> i32 {
        match *self {
            ScalarType::Numeric {
                precision: Some(precision),
                scale,
            } => ((i32::from(precision) << 16) | i32::from(scale.unwrap_or(0))) + VARHDRSZ,
            ScalarType::VarChar {
                max_length: Some(length),
            }
            | ScalarType::Char { length } => i32::try_from(length)
                .ok()
                .and_then(|length| length.checked_add(VARHDRSZ))
                .unwrap_or(-1),
            _ => -1,
        }
    }

    /// `pg_type.typlen`: the width of a value in bytes, or -1 if it varies.
    pub fn typlen(&self) -> i16 {
        match self {
            ScalarType::Bool => 1,
            ScalarType::Int16 | ScalarType::UInt16 => 2,
            ScalarType::Int32
            | ScalarType::UInt32
            | ScalarType::Float32
            | ScalarType::Date
            | ScalarType::Oid
            | ScalarType::RegClass
            | ScalarType::RegType => 4,
            ScalarType::Int64
            | ScalarType::UInt64
            | ScalarType::Float64
            | ScalarType::Time
            | ScalarType::Timestamp
            | ScalarType::TimestampTz => 8,
            ScalarType::Interval | ScalarType::Uuid => 16,
            ScalarType::Numeric { .. }
            | ScalarType::Text
            | ScalarType::VarChar { .. }
            | ScalarType::Char { .. }
            | ScalarType::Bytes
            | ScalarType::Jsonb
            | ScalarType::Array(_) => -1,
        }
    }

    /// This type with the modifier `typmod` (as [`ScalarType::typmod`]
    /// encodes it) applied; a type without modifiers ignores it.
    pub fn with_typmod(&self, typmod: i32) -> ScalarType {
        let length = u32::try_from(typmod - VARHDRSZ).ok();
        match self {
            ScalarType::Numeric { .. } if typmod >= VARHDRSZ => {
                let bits = typmod - VARHDRSZ;
                ScalarType::Numeric {
                    precision: u8::try_from((bits >> 16) & 0xffff).ok(),
                    scale: u8::try_from(bits & 0xffff).ok(),
                }
            }
            ScalarType::VarChar { .. } if length.is_some() => ScalarType::VarChar { max_length: length },
            ScalarType::Char { .. } => ScalarType::Char {
                length: length.unwrap_or(1),
            },
            other => *other,
        }
    }

    /// Whether values of this type are object identifiers (`oid`,
    /// `regclass`, `regtype`), which share one representation.
    pub fn is_oid(&self) -> bool {
        matches!(self, ScalarType::Oid | ScalarType::RegClass | ScalarType::RegType)
    }

    /// The type without its modifiers (`numeric(10,2)` → `numeric`), which is
    /// what functions and operators are resolved on.
    pub fn without_modifiers(&self) -> ScalarType {
        match self {
            ScalarType::Numeric { .. } => ScalarType::Numeric {
                precision: None,
                scale: None,
            },
            ScalarType::VarChar { .. } => ScalarType::VarChar { max_length: None },
            other => *other,
        }
    }

    /// The unconstrained `numeric` type.
    pub const fn numeric() -> ScalarType {
        ScalarType::Numeric {
            precision: None,
            scale: None,
        }
    }

    /// Whether values of this type are numbers.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            ScalarType::Int16
                | ScalarType::Int32
                | ScalarType::Int64
                | ScalarType::UInt16
                | ScalarType::UInt32
                | ScalarType::UInt64
                | ScalarType::Float32
                | ScalarType::Float64
                | ScalarType::Numeric { .. }
        )
    }

    /// Whether values of this type are character strings.
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            ScalarType::Text | ScalarType::VarChar { .. } | ScalarType::Char { .. }
        )
    }
}

impl fmt::Display for ScalarType {
    /// The type as `format_type` prints it, modifiers included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScalarType::Numeric {
                precision: Some(p),
                scale,
            } => write!(f, "numeric({},{})", p, scale.unwrap_or(0)),
            ScalarType::VarChar { max_length: Some(n) } => write!(f, "character varying({n})"),
            ScalarType::Char { length } => write!(f, "character({length})"),
            other => f.write_str(other.name()),
        }
    }
}

/// The type of a column: its scalar type and whether it may hold `NULL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnType {
    /// The type of the column's non-null values.
    pub scalar_type: ScalarType,
    /// Whether the column may hold `NULL`.
    pub nullable: bool,
}

impl ScalarType {
    /// This type as a column type with the given nullability.
    pub fn nullable(self, nullable: bool) -> ColumnType {
        ColumnType {
            scalar_type: self,
            nullable,
        }
    }
}
