//! Errors raised while evaluating expressions.

use freshet_repr::{ReprError, SqlState};
use serde::{Deserialize, Serialize};

/// An error evaluating an expression on some row.
///
/// Errors are data: a dataflow carries them beside its rows and a query that
/// meets one fails with it, so they must be cloneable and comparable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, thiserror::Error)]
pub enum EvalError {
    /// Division or modulo by zero.
    #[error("division by zero")]
    DivisionByZero,
    /// An integer result outside its type (`smallint out of range`).
    #[error("{0} out of range")]
    IntegerOutOfRange(String),
    /// A float result that overflowed or underflowed.
    #[error("value out of range: {0}")]
    FloatOutOfRange(String),
    /// A numeric result too large to represent.
    #[error("value overflows numeric format")]
    NumericOverflow,
    /// A value that does not fit `numeric(p, s)`.
    #[error("numeric field overflow")]
    NumericFieldOverflow {
        /// The column's precision.
        precision: u8,
        /// The column's scale.
        scale: u8,
    },
    /// A string longer than `varchar(n)` or `char(n)` allows.
    #[error("value too long for type {type_name}({length})")]
    StringTooLong {
        /// `character varying` or `character`.
        type_name: String,
        /// The type's length.
        length: u32,
    },
    /// A value that cannot be converted to the target type.
    #[error("{message}")]
    InvalidCast {
        /// What went wrong, PostgreSQL style.
        message: String,
    },
    /// Text that does not parse as the target type.
    #[error("{message}")]
    Parse {
        /// The parser's message.
        message: String,
        /// The SQLSTATE the parser chose.
        code: SqlState,
    },
}

impl EvalError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            EvalError::DivisionByZero => SqlState::DivisionByZero,
            EvalError::IntegerOutOfRange(_)
            | EvalError::FloatOutOfRange(_)
            | EvalError::NumericOverflow
            | EvalError::NumericFieldOverflow { .. } => SqlState::NumericValueOutOfRange,
            EvalError::StringTooLong { .. } => SqlState::StringDataRightTruncation,
            EvalError::InvalidCast { .. } => SqlState::InvalidParameterValue,
            EvalError::Parse { code, .. } => *code,
        }
    }

    /// A sentence of detail, where PostgreSQL gives one.
    pub fn detail(&self) -> Option<String> {
        match self {
            EvalError::NumericFieldOverflow { precision, scale } => {
                let digits = i32::from(*precision) - i32::from(*scale);
                Some(if digits <= 0 {
                    format!(
                        "A field with precision {precision}, scale {scale} must round to an absolute value less than 1."
                    )
                } else {
                    format!(
                        "A field with precision {precision}, scale {scale} must round to an absolute value less than 10^{digits}."
                    )
                })
            }
            _ => None,
        }
    }
}

impl From<ReprError> for EvalError {
    fn from(e: ReprError) -> Self {
        EvalError::Parse {
            message: e.to_string(),
            code: e.code(),
        }
    }
}
