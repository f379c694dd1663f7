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
}

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
        }
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
