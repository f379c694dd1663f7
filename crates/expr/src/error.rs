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
    /// A scalar subquery returned more than one row.
    #[error("more than one row returned by a subquery used as an expression")]
    MultipleRowsFromSubquery,
    /// A collection held a row a negative number of times where an
    /// operator needs whole rows (an aggregate, `DISTINCT`): the input is
    /// corrupt and the query must fail rather than guess.
    #[error("invalid input: a row occurs a negative number of times")]
    NegativeMultiplicity,
    /// `ntile` of a number of buckets below one.
    #[error("argument of ntile must be greater than zero")]
    InvalidNtileArgument,
    /// `nth_value` of a position below one.
    #[error("argument of nth_value must be greater than zero")]
    InvalidNthValueArgument,
    /// `substr` with a negative length.
    #[error("negative substring length not allowed")]
    NegativeSubstringLength,
    /// A `LIKE` pattern that ends with its escape character where the
    /// match needs the escaped character.
    #[error("LIKE pattern must not end with escape character")]
    LikePatternEndsWithEscape,
    /// A `LIKE ... ESCAPE` string of more than one character.
    #[error("invalid escape string")]
    InvalidEscapeString,
    /// A string function asked to build a result beyond the size limit.
    #[error("requested length too large")]
    LengthTooLarge,
    /// `chr` of a negative number.
    #[error("character number must be positive")]
    NegativeCharacterNumber,
    /// `chr` of a number that is no character (`null character not permitted`).
    #[error("{0}")]
    InvalidCharacterNumber(String),
    /// `split_part` with field position zero.
    #[error("field position must not be zero")]
    ZeroFieldPosition,
    /// The square root of a negative number.
    #[error("cannot take square root of a negative number")]
    SqrtOfNegative,
    /// The logarithm of zero.
    #[error("cannot take logarithm of zero")]
    LogOfZero,
    /// The logarithm of a negative number.
    #[error("cannot take logarithm of a negative number")]
    LogOfNegative,
    /// Zero raised to a negative power.
    #[error("zero raised to a negative power is undefined")]
    ZeroToNegativePower,
    /// A negative number raised to a non-integer power.
    #[error("a negative number raised to a non-integer power yields a complex result")]
    ComplexPower,
    /// A date/time result outside its type's range (`timestamp out of range`).
    #[error("{0} out of range")]
    DatetimeOutOfRange(String),
    /// A unit `extract`, `date_part` or `date_trunc` does not know.
    #[error("unit \"{unit}\" not recognized for type {type_name}")]
    UnitNotRecognized {
        /// The unit as given, lowercased.
        unit: String,
        /// The type's name (`timestamp without time zone`).
        type_name: String,
    },
    /// A known unit that does not apply to the type (`hour` of a `date`).
    #[error("unit \"{unit}\" not supported for type {type_name}")]
    UnitNotSupported {
        /// The unit as given, lowercased.
        unit: String,
        /// The type's name (`timestamp without time zone`).
        type_name: String,
    },
    /// Something Freshet cannot compute the way PostgreSQL does, refused
    /// rather than answered differently.
    #[error("feature not supported: {0}")]
    Unsupported(String),
    /// A regular expression that does not compile.
    #[error("invalid regular expression: {0}")]
    InvalidRegex(String),
    /// A regular expression flag PostgreSQL does not know.
    #[error("invalid regular expression option: \"{0}\"")]
    InvalidRegexOption(String),
    /// `regexp_match` with the `g` flag.
    #[error("regexp_match() does not support the \"global\" option")]
    RegexpMatchGlobal,
    /// A `jsonb` document nested too deeply to compare.
    #[error("jsonb value is nested too deeply")]
    JsonbTooDeep,
    /// A `NULL` key in `jsonb_build_object` (`position` counts arguments from 1).
    #[error("argument {position}: key must not be null")]
    NullJsonbKey {
        /// The key's argument position, from 1.
        position: usize,
    },
    /// A `jsonb` value as a `jsonb_build_object` key.
    #[error("key value must be scalar, not array, composite, or json")]
    NonScalarJsonbKey,
    /// `jsonb_build_object` with an odd number of arguments.
    #[error("argument list must have even number of elements")]
    OddJsonbBuildObjectArguments,
    /// A `NULL` key in `jsonb_object_agg`.
    #[error("field name must not be null")]
    NullJsonbFieldName,
    /// Text that is not a valid array literal.
    #[error("malformed array literal: \"{input}\"")]
    MalformedArrayLiteral {
        /// The literal.
        input: String,
        /// What is wrong with it, as a sentence.
        detail: String,
    },
    /// A call of `mz_now()` where it has no value: outside a temporal
    /// filter in an indexed view or a subscription, or in a plan nobody
    /// gave a time.
    #[error("cannot materialize call to {0}")]
    Unmaterializable(crate::UnmaterializableFunc),
    /// A predicate using `mz_now()` that is not a temporal filter's bound
    /// (the predicate, in the plan's text form).
    #[error("unsupported temporal predicate: {0}")]
    UnsupportedTemporalPredicate(String),
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
            EvalError::MultipleRowsFromSubquery => SqlState::CardinalityViolation,
            EvalError::NegativeMultiplicity => SqlState::InternalError,
            EvalError::InvalidNtileArgument => SqlState::InvalidArgumentForNtileFunction,
            EvalError::InvalidNthValueArgument => SqlState::InvalidArgumentForNthValueFunction,
            EvalError::NegativeSubstringLength => SqlState::SubstringError,
            EvalError::LikePatternEndsWithEscape | EvalError::InvalidEscapeString => SqlState::InvalidEscapeSequence,
            EvalError::LengthTooLarge | EvalError::InvalidCharacterNumber(_) => SqlState::ProgramLimitExceeded,
            EvalError::ZeroFieldPosition | EvalError::UnitNotRecognized { .. } | EvalError::NegativeCharacterNumber => {
                SqlState::InvalidParameterValue
            }
            EvalError::SqrtOfNegative | EvalError::ZeroToNegativePower | EvalError::ComplexPower => {
                SqlState::InvalidArgumentForPowerFunction
            }
            EvalError::LogOfZero | EvalError::LogOfNegative => SqlState::InvalidArgumentForLogarithm,
            EvalError::DatetimeOutOfRange(_) => SqlState::DatetimeFieldOverflow,
            EvalError::UnitNotSupported { .. } => SqlState::FeatureNotSupported,
            EvalError::Unsupported(_) | EvalError::Unmaterializable(_) | EvalError::UnsupportedTemporalPredicate(_) => {
                SqlState::FeatureNotSupported
            }
            EvalError::InvalidRegex(_) => SqlState::InvalidRegularExpression,
            EvalError::InvalidRegexOption(_)
            | EvalError::RegexpMatchGlobal
            | EvalError::NonScalarJsonbKey
            | EvalError::OddJsonbBuildObjectArguments => SqlState::InvalidParameterValue,
            EvalError::JsonbTooDeep => SqlState::StatementTooComplex,
            EvalError::NullJsonbKey { .. } | EvalError::NullJsonbFieldName => SqlState::NullValueNotAllowed,
            EvalError::MalformedArrayLiteral { .. } => SqlState::InvalidTextRepresentation,
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
            EvalError::MalformedArrayLiteral { detail, .. } => Some(detail.clone()),
            _ => None,
        }
    }

    /// A sentence suggesting a fix, where PostgreSQL gives one.
    pub fn hint(&self) -> Option<String> {
        match self {
            EvalError::InvalidEscapeString => Some("Escape string must be empty or one character.".into()),
            EvalError::Unmaterializable(_) | EvalError::UnsupportedTemporalPredicate(_) => {
                Some(crate::TEMPORAL_FILTER_HINT.into())
            }
            EvalError::RegexpMatchGlobal => Some("Use the regexp_matches function instead.".into()),
            EvalError::OddJsonbBuildObjectArguments => {
                Some("The arguments of jsonb_build_object() must consist of alternating keys and values.".into())
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
