//! The errors of this crate.

use crate::SqlState;

/// An error converting values to or from their representations.
///
/// Messages follow PostgreSQL's wording: lowercase, no trailing period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReprError {
    /// Text that is not a valid value of the type.
    #[error("invalid input syntax for type {type_name}: \"{input}\"")]
    InvalidTextRepresentation {
        /// The type's name, as PostgreSQL prints it.
        type_name: &'static str,
        /// The text that did not parse.
        input: String,
    },
    /// A value outside the type's range.
    #[error("value \"{input}\" is out of range for type {type_name}")]
    OutOfRange {
        /// The type's name, as PostgreSQL prints it.
        type_name: &'static str,
        /// The text of the value.
        input: String,
    },
    /// A date or time field outside its range (`2024-13-01`).
    #[error("date/time field value out of range: \"{input}\"")]
    DatetimeFieldOverflow {
        /// The text of the value.
        input: String,
    },
    /// Text that is not a valid [`crate::GlobalId`].
    #[error("invalid id: \"{0}\"")]
    InvalidId(String),
    /// Text that is not a valid date, time, timestamp or interval (SQLSTATE
    /// `22007`, unlike the other types' `22P02`).
    #[error("invalid input syntax for type {type_name}: \"{input}\"")]
    InvalidDatetimeFormat {
        /// The type's name as PostgreSQL's input function names it (`date`,
        /// `time`, `timestamp`, `timestamp with time zone`, `interval`).
        type_name: &'static str,
        /// The text that did not parse.
        input: String,
    },
    /// A well-formed date or timestamp outside the representable range
    /// (`date out of range: "300000-01-01"`).
    #[error("{type_name} out of range: \"{input}\"")]
    DatetimeValueOutOfRange {
        /// `date` or `timestamp`.
        type_name: &'static str,
        /// The text of the value.
        input: String,
    },
    /// An interval field too large for its type (`'2147483648 days'`).
    #[error("interval field value out of range: \"{input}\"")]
    IntervalFieldOverflow {
        /// The text of the value.
        input: String,
    },
    /// An interval whose total months overflow.
    #[error("interval out of range")]
    IntervalOutOfRange,
    /// A numeric time zone offset beyond ±15 hours.
    #[error("time zone displacement out of range: \"{input}\"")]
    TimeZoneDisplacementOutOfRange {
        /// The text of the value.
        input: String,
    },
    /// A named time zone (`Europe/Paris`), which Freshet cannot resolve yet.
    #[error("time zone \"{zone}\" is not supported")]
    UnsupportedTimeZone {
        /// The zone as written (lowercased, as PostgreSQL reports it).
        zone: String,
    },
    /// A special value PostgreSQL accepts but Freshet cannot represent
    /// (`numeric 'NaN'`, `date 'infinity'`, `timestamp 'now'`).
    #[error("{type_name} value \"{value}\" is not supported")]
    UnsupportedValue {
        /// The type's name.
        type_name: &'static str,
        /// The special value.
        value: String,
    },
    /// A float literal that overflows (or underflows to zero in) its type.
    #[error("\"{input}\" is out of range for type {type_name}")]
    FloatOutOfRange {
        /// `real` or `double precision`.
        type_name: &'static str,
        /// The number as written, without surrounding whitespace.
        input: String,
    },
    /// A numeric with more than 131072 integer digits or 16383 fractional
    /// digits.
    #[error("value overflows numeric format")]
    NumericOverflow,
    /// Malformed `bytea` escape-format input.
    #[error("invalid input syntax for type bytea")]
    InvalidByteaSyntax,
    /// A non-hexadecimal character in `bytea` hex-format input.
    #[error("invalid hexadecimal digit: \"{digit}\"")]
    InvalidHexDigit {
        /// The offending character.
        digit: String,
    },
    /// `bytea` hex-format input with an odd number of digits.
    #[error("invalid hexadecimal data: odd number of digits")]
    OddHexDigits,
    /// Text that is not valid JSON.
    #[error("invalid input syntax for type json")]
    InvalidJson {
        /// What is wrong, as PostgreSQL's error detail says it.
        detail: String,
    },
    /// A JSON `\u0000` escape, which `jsonb` cannot store.
    #[error("unsupported Unicode escape sequence")]
    UnsupportedJsonEscape {
        /// What is wrong, as PostgreSQL's error detail says it.
        detail: String,
    },
    /// A NUL character in text input, which PostgreSQL strings cannot hold.
    #[error("invalid byte sequence for encoding \"UTF8\": 0x00")]
    NulCharacter,
}

impl ReprError {
    /// The SQLSTATE sent to clients for this error.
    pub fn code(&self) -> SqlState {
        match self {
            ReprError::InvalidTextRepresentation { .. } => SqlState::InvalidTextRepresentation,
            ReprError::OutOfRange { .. } => SqlState::NumericValueOutOfRange,
            ReprError::DatetimeFieldOverflow { .. } => SqlState::DatetimeFieldOverflow,
            ReprError::InvalidId(_) => SqlState::InternalError,
            ReprError::InvalidDatetimeFormat { .. } => SqlState::InvalidDatetimeFormat,
            ReprError::DatetimeValueOutOfRange { .. } => SqlState::DatetimeFieldOverflow,
            ReprError::IntervalFieldOverflow { .. } => SqlState::IntervalFieldOverflow,
            ReprError::IntervalOutOfRange => SqlState::DatetimeFieldOverflow,
            ReprError::TimeZoneDisplacementOutOfRange { .. } => SqlState::InvalidTimeZoneDisplacementValue,
            ReprError::UnsupportedTimeZone { .. } => SqlState::FeatureNotSupported,
            ReprError::UnsupportedValue { .. } => SqlState::FeatureNotSupported,
            ReprError::FloatOutOfRange { .. } => SqlState::NumericValueOutOfRange,
            ReprError::NumericOverflow => SqlState::NumericValueOutOfRange,
            ReprError::InvalidByteaSyntax => SqlState::InvalidTextRepresentation,
            ReprError::InvalidHexDigit { .. } => SqlState::InvalidParameterValue,
            ReprError::OddHexDigits => SqlState::InvalidParameterValue,
            ReprError::InvalidJson { .. } => SqlState::InvalidTextRepresentation,
            ReprError::UnsupportedJsonEscape { .. } => SqlState::UntranslatableCharacter,
            ReprError::NulCharacter => SqlState::CharacterNotInRepertoire,
        }
    }

    /// The error's detail line, for the errors where PostgreSQL sends one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            ReprError::InvalidJson { detail } | ReprError::UnsupportedJsonEscape { detail } => Some(detail),
            ReprError::InvalidTextRepresentation { .. }
            | ReprError::OutOfRange { .. }
            | ReprError::DatetimeFieldOverflow { .. }
            | ReprError::InvalidId(_)
            | ReprError::InvalidDatetimeFormat { .. }
            | ReprError::DatetimeValueOutOfRange { .. }
            | ReprError::IntervalFieldOverflow { .. }
            | ReprError::IntervalOutOfRange
            | ReprError::TimeZoneDisplacementOutOfRange { .. }
            | ReprError::UnsupportedTimeZone { .. }
            | ReprError::UnsupportedValue { .. }
            | ReprError::FloatOutOfRange { .. }
            | ReprError::NumericOverflow
            | ReprError::InvalidByteaSyntax
            | ReprError::InvalidHexDigit { .. }
            | ReprError::OddHexDigits
            | ReprError::NulCharacter => None,
        }
    }
}
