//! SQLSTATE codes, as PostgreSQL defines them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A SQLSTATE error code sent to clients with every error and notice.
///
/// Each library crate maps its error type onto these codes in one exhaustive
/// `code()` method; the frontend only ever sends [`SqlState::code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SqlState {
    /// `00000`
    SuccessfulCompletion,
    /// `01000`
    Warning,
    /// `08000`
    ConnectionException,
    /// `08001`
    SqlclientUnableToEstablishSqlconnection,
    /// `08P01`
    ProtocolViolation,
    /// `0A000`
    FeatureNotSupported,
    /// `21000`
    CardinalityViolation,
    /// `22000`
    DataException,
    /// `22001`
    StringDataRightTruncation,
    /// `22003`
    NumericValueOutOfRange,
    /// `22004`
    NullValueNotAllowed,
    /// `22007`
    InvalidDatetimeFormat,
    /// `22008`
    DatetimeFieldOverflow,
    /// `22009`
    InvalidTimeZoneDisplacementValue,
    /// `22011`
    SubstringError,
    /// `22012`
    DivisionByZero,
    /// `22014`
    InvalidArgumentForNtileFunction,
    /// `22015`
    IntervalFieldOverflow,
    /// `22016`
    InvalidArgumentForNthValueFunction,
    /// `22018`
    InvalidCharacterValueForCast,
    /// `22021`
    CharacterNotInRepertoire,
    /// `22023`
    InvalidParameterValue,
    /// `22025`
    InvalidEscapeSequence,
    /// `2201B`
    InvalidRegularExpression,
    /// `2201E`
    InvalidArgumentForLogarithm,
    /// `2201F`
    InvalidArgumentForPowerFunction,
    /// `2201W`
    InvalidRowCountInLimitClause,
    /// `2201X`
    InvalidRowCountInResultOffsetClause,
    /// `22P02`
    InvalidTextRepresentation,
    /// `22P03`
    InvalidBinaryRepresentation,
    /// `22P05`
    UntranslatableCharacter,
    /// `23502`
    NotNullViolation,
    /// `23505`
    UniqueViolation,
    /// `25000`
    InvalidTransactionState,
    /// `25001`
    ActiveSqlTransaction,
    /// `25P01`
    NoActiveSqlTransaction,
    /// `25P02`
    InFailedSqlTransaction,
    /// `28000`
    InvalidAuthorizationSpecification,
    /// `28P01`
    InvalidPassword,
    /// `2BP01`
    DependentObjectsStillExist,
    /// `34000`
    InvalidCursorName,
    /// `3D000`
    InvalidCatalogName,
    /// `3F000`
    InvalidSchemaName,
    /// `42501`
    InsufficientPrivilege,
    /// `42601`
    SyntaxError,
    /// `42602`
    InvalidName,
    /// `42622`
    NameTooLong,
    /// `42701`
    DuplicateColumn,
    /// `42702`
    AmbiguousColumn,
    /// `42703`
    UndefinedColumn,
    /// `42704`
    UndefinedObject,
    /// `42710`
    DuplicateObject,
    /// `42712`
    DuplicateAlias,
    /// `42725`
    AmbiguousFunction,
    /// `42803`
    GroupingError,
    /// `42804`
    DatatypeMismatch,
    /// `42809`
    WrongObjectType,
    /// `42846`
    CannotCoerce,
    /// `42883`
    UndefinedFunction,
    /// `42P01`
    UndefinedTable,
    /// `42P02`
    UndefinedParameter,
    /// `42P03`
    DuplicateCursor,
    /// `42P04`
    DuplicateDatabase,
    /// `42P06`
    DuplicateSchema,
    /// `42P07`
    DuplicateTable,
    /// `42P08`
    AmbiguousParameter,
    /// `42P10`
    InvalidColumnReference,
    /// `42P16`
    InvalidTableDefinition,
    /// `42P17`
    InvalidObjectDefinition,
    /// `42P18`
    IndeterminateDatatype,
    /// `42P20`
    WindowingError,
    /// `54000`
    ProgramLimitExceeded,
    /// `54001`
    StatementTooComplex,
    /// `55000`
    ObjectNotInPrerequisiteState,
    /// `57014`
    QueryCanceled,
    /// `57P01`
    AdminShutdown,
    /// `58030`
    IoError,
    /// `XX000`
    InternalError,
    /// `XX001`
    DataCorrupted,
}

impl SqlState {
    /// The five-character code sent on the wire.
    pub fn code(self) -> &'static str {
        match self {
            SqlState::SuccessfulCompletion => "00000",
            SqlState::Warning => "01000",
            SqlState::ConnectionException => "08000",
            SqlState::SqlclientUnableToEstablishSqlconnection => "08001",
            SqlState::ProtocolViolation => "08P01",
            SqlState::FeatureNotSupported => "0A000",
            SqlState::CardinalityViolation => "21000",
            SqlState::DataException => "22000",
            SqlState::StringDataRightTruncation => "22001",
            SqlState::NumericValueOutOfRange => "22003",
            SqlState::NullValueNotAllowed => "22004",
            SqlState::InvalidDatetimeFormat => "22007",
            SqlState::DatetimeFieldOverflow => "22008",
            SqlState::InvalidTimeZoneDisplacementValue => "22009",
            SqlState::SubstringError => "22011",
            SqlState::DivisionByZero => "22012",
            SqlState::InvalidArgumentForNtileFunction => "22014",
            SqlState::IntervalFieldOverflow => "22015",
            SqlState::InvalidArgumentForNthValueFunction => "22016",
            SqlState::InvalidCharacterValueForCast => "22018",
            SqlState::CharacterNotInRepertoire => "22021",
            SqlState::InvalidParameterValue => "22023",
            SqlState::InvalidEscapeSequence => "22025",
            SqlState::InvalidRegularExpression => "2201B",
            SqlState::InvalidArgumentForLogarithm => "2201E",
            SqlState::InvalidArgumentForPowerFunction => "2201F",
            SqlState::InvalidRowCountInLimitClause => "2201W",
            SqlState::InvalidRowCountInResultOffsetClause => "2201X",
            SqlState::InvalidTextRepresentation => "22P02",
            SqlState::InvalidBinaryRepresentation => "22P03",
            SqlState::UntranslatableCharacter => "22P05",
            SqlState::NotNullViolation => "23502",
            SqlState::UniqueViolation => "23505",
            SqlState::InvalidTransactionState => "25000",
            SqlState::ActiveSqlTransaction => "25001",
            SqlState::NoActiveSqlTransaction => "25P01",
            SqlState::InFailedSqlTransaction => "25P02",
            SqlState::InvalidAuthorizationSpecification => "28000",
            SqlState::InvalidPassword => "28P01",
            SqlState::DependentObjectsStillExist => "2BP01",
            SqlState::InvalidCursorName => "34000",
            SqlState::InvalidCatalogName => "3D000",
            SqlState::InvalidSchemaName => "3F000",
            SqlState::InsufficientPrivilege => "42501",
            SqlState::SyntaxError => "42601",
            SqlState::InvalidName => "42602",
            SqlState::NameTooLong => "42622",
            SqlState::DuplicateColumn => "42701",
            SqlState::AmbiguousColumn => "42702",
            SqlState::UndefinedColumn => "42703",
            SqlState::UndefinedObject => "42704",
            SqlState::DuplicateObject => "42710",
            SqlState::DuplicateAlias => "42712",
            SqlState::AmbiguousFunction => "42725",
            SqlState::GroupingError => "42803",
            SqlState::DatatypeMismatch => "42804",
            SqlState::WrongObjectType => "42809",
            SqlState::CannotCoerce => "42846",
            SqlState::UndefinedFunction => "42883",
            SqlState::UndefinedTable => "42P01",
            SqlState::UndefinedParameter => "42P02",
            SqlState::DuplicateCursor => "42P03",
            SqlState::DuplicateDatabase => "42P04",
            SqlState::DuplicateSchema => "42P06",
            SqlState::DuplicateTable => "42P07",
            SqlState::AmbiguousParameter => "42P08",
            SqlState::InvalidColumnReference => "42P10",
            SqlState::InvalidTableDefinition => "42P16",
            SqlState::InvalidObjectDefinition => "42P17",
            SqlState::IndeterminateDatatype => "42P18",
            SqlState::WindowingError => "42P20",
            SqlState::ProgramLimitExceeded => "54000",
            SqlState::StatementTooComplex => "54001",
            SqlState::ObjectNotInPrerequisiteState => "55000",
            SqlState::QueryCanceled => "57014",
            SqlState::AdminShutdown => "57P01",
            SqlState::IoError => "58030",
            SqlState::InternalError => "XX000",
            SqlState::DataCorrupted => "XX001",
        }
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
