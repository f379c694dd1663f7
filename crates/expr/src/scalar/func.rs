//! The functions and operators scalar expressions call: what each takes and
//! returns, and the dispatch to the modules that implement them.

use std::fmt;

use freshet_repr::{ColumnType, Datum, ElementType, Row, RowArena, ScalarType};
use serde::{Deserialize, Serialize};

use super::arith::{self, ArithOp, ArithType};
use super::cast::CastFunc;
use super::datetime::{self, DateTimeOp};
use super::jsonb;
use super::like::like;
use super::math;
use super::mz_timestamp;
use super::pg;
use super::regexp::is_match;
use super::regexp::regexp_match_element;
use super::string::{self, TrimSide};
use super::to_char::to_char;
use crate::EvalError;

/// A function of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum UnaryFunc {
    /// Boolean `NOT`.
    Not,
    /// `IS NULL`.
    IsNull,
    /// `IS TRUE`.
    IsTrue,
    /// `IS FALSE`.
    IsFalse,
    /// Arithmetic negation.
    Neg(ArithType),
    /// A type conversion.
    Cast(CastFunc),
    /// `-interval`.
    NegInterval,
    /// `length(text)` (also `char_length`, `character_length`): characters.
    CharLength,
    /// `octet_length(text)`: bytes.
    OctetLength,
    /// `lower(text)`.
    Lower,
    /// `upper(text)`.
    Upper,
    /// `initcap(text)`.
    Initcap,
    /// `reverse(text)`.
    Reverse,
    /// `ascii(text)`: the first character's code point.
    Ascii,
    /// `chr(integer)`: the character with that code point.
    Chr,
    /// `btrim`/`ltrim`/`rtrim(text)`: removes spaces.
    Trim(TrimSide),
    /// `abs(x)`.
    Abs(ArithType),
    /// `sign(x)`.
    Sign(ArithType),
    /// `ceil(x)` (also `ceiling`).
    Ceil(ArithType),
    /// `floor(x)`.
    Floor(ArithType),
    /// `round(x)`.
    Round(ArithType),
    /// `trunc(x)`.
    Trunc(ArithType),
    /// `sqrt(x)`.
    Sqrt(ArithType),
    /// `exp(x)`.
    Exp(ArithType),
    /// `ln(x)`.
    Ln(ArithType),
    /// `log10(x)` (also `log(x)`).
    Log10(ArithType),
    /// `to_jsonb(x)`: the value as `jsonb`.
    ToJsonb,
    /// `jsonb_typeof(jsonb)`.
    JsonbTypeof,
    /// A number (milliseconds since the epoch), date or timestamp as an
    /// `mz_timestamp`, the type `mz_now()` is compared in.
    ToMzTimestamp,
    /// An `mz_timestamp` as a `timestamp`.
    MzTimestampToTimestamp,
    /// An `mz_timestamp` as a `timestamp with time zone`.
    MzTimestampToTimestampTz,
}

impl UnaryFunc {
    /// Whether a `NULL` argument yields `NULL` without evaluating.
    pub fn propagates_nulls(&self) -> bool {
        !matches!(self, UnaryFunc::IsNull | UnaryFunc::IsTrue | UnaryFunc::IsFalse)
    }

    /// Applies the function.
    pub fn eval<'a>(&self, d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        if d.is_null() && self.propagates_nulls() {
            return Ok(Datum::Null);
        }
        let text = |s: String| Datum::String(arena.push_string(&s));
        Ok(match self {
            UnaryFunc::Not => Datum::from_bool(!d.unwrap_bool()),
            UnaryFunc::IsNull => Datum::from_bool(d.is_null()),
            UnaryFunc::IsTrue => Datum::from_bool(matches!(d, Datum::True)),
            UnaryFunc::IsFalse => Datum::from_bool(matches!(d, Datum::False)),
            UnaryFunc::Neg(typ) => return arith::neg(*typ, d, arena),
            UnaryFunc::Cast(cast) => return cast.eval(d, arena),
            UnaryFunc::NegInterval => match d {
                Datum::Interval(iv) => Datum::Interval(datetime::interval_neg(iv)?),
                other => panic!("interval negation applied to {other:?}"),
            },
            UnaryFunc::CharLength => Datum::Int32(string::char_length(d.unwrap_str())),
            UnaryFunc::OctetLength => Datum::Int32(string::octet_length(d.unwrap_str())),
            UnaryFunc::Lower => text(string::lower(d.unwrap_str())),
            UnaryFunc::Upper => text(string::upper(d.unwrap_str())),
            UnaryFunc::Initcap => text(string::initcap(d.unwrap_str())),
            UnaryFunc::Reverse => text(string::reverse(d.unwrap_str())),
            UnaryFunc::Ascii => Datum::Int32(string::ascii(d.unwrap_str())),
            UnaryFunc::Chr => match d {
                Datum::Int32(n) => text(string::chr(n)?.to_string()),
                other => panic!("chr applied to {other:?}"),
            },
            UnaryFunc::Trim(side) => Datum::String(string::trim(d.unwrap_str(), " ", *side)),
            UnaryFunc::Abs(typ) => return math::abs(*typ, d, arena),
            UnaryFunc::Sign(_) => return math::sign(d, arena),
            UnaryFunc::Ceil(_) => return math::ceil(d, arena),
            UnaryFunc::Floor(_) => return math::floor(d, arena),
            UnaryFunc::Round(_) => return math::round(d, arena),
            UnaryFunc::Trunc(_) => return math::trunc(d, arena),
            UnaryFunc::Sqrt(_) => return math::sqrt(d, arena),
            UnaryFunc::Exp(_) => return math::exp(d, arena),
            UnaryFunc::Ln(_) => return math::ln(d, arena),
            UnaryFunc::Log10(_) => return math::log10(d, arena),
            UnaryFunc::ToJsonb => Datum::Jsonb(arena.push_string(&jsonb::to_jsonb_text(d)?)),
            UnaryFunc::JsonbTypeof => match d {
                Datum::Jsonb(j) => Datum::String(jsonb::type_of(j)?),
                other => panic!("jsonb_typeof applied to {other:?}"),
            },
            UnaryFunc::ToMzTimestamp => return mz_timestamp::to_mz_timestamp(d, arena),
            UnaryFunc::MzTimestampToTimestamp => return mz_timestamp::to_timestamp(d),
            UnaryFunc::MzTimestampToTimestampTz => return mz_timestamp::to_timestamp_tz(d),
        })
    }

    /// The type of the result, given the argument's.
    pub fn output_type(&self, input: ColumnType) -> ColumnType {
        let typ = match self {
            UnaryFunc::IsNull | UnaryFunc::IsTrue | UnaryFunc::IsFalse => return ScalarType::Bool.nullable(false),
            UnaryFunc::Not => ScalarType::Bool,
            UnaryFunc::Neg(typ)
            | UnaryFunc::Abs(typ)
            | UnaryFunc::Sign(typ)
            | UnaryFunc::Ceil(typ)
            | UnaryFunc::Floor(typ)
            | UnaryFunc::Round(typ)
            | UnaryFunc::Trunc(typ)
            | UnaryFunc::Sqrt(typ)
            | UnaryFunc::Exp(typ)
            | UnaryFunc::Ln(typ)
            | UnaryFunc::Log10(typ) => typ.scalar_type(),
            UnaryFunc::Cast(cast) => cast.to,
            UnaryFunc::NegInterval => ScalarType::Interval,
            UnaryFunc::CharLength | UnaryFunc::OctetLength | UnaryFunc::Ascii => ScalarType::Int32,
            UnaryFunc::Lower
            | UnaryFunc::Upper
            | UnaryFunc::Initcap
            | UnaryFunc::Reverse
            | UnaryFunc::Chr
            | UnaryFunc::Trim(_)
            | UnaryFunc::JsonbTypeof => ScalarType::Text,
            UnaryFunc::ToJsonb => ScalarType::Jsonb,
            UnaryFunc::ToMzTimestamp => ScalarType::UInt64,
            UnaryFunc::MzTimestampToTimestamp => ScalarType::Timestamp,
            UnaryFunc::MzTimestampToTimestampTz => ScalarType::TimestampTz,
        };
        typ.nullable(input.nullable)
    }

    /// The function's name in the text form, for those written as calls
    /// (`None` for operators, tests and casts).
    pub fn name(&self) -> Option<&'static str> {
        Some(match self {
            UnaryFunc::Not
            | UnaryFunc::IsNull
            | UnaryFunc::IsTrue
            | UnaryFunc::IsFalse
            | UnaryFunc::Neg(_)
            | UnaryFunc::Cast(_)
            | UnaryFunc::NegInterval
            | UnaryFunc::ToMzTimestamp
            | UnaryFunc::MzTimestampToTimestamp
            | UnaryFunc::MzTimestampToTimestampTz => return None,
            UnaryFunc::CharLength => "length",
            UnaryFunc::OctetLength => "octet_length",
            UnaryFunc::Lower => "lower",
            UnaryFunc::Upper => "upper",
            UnaryFunc::Initcap => "initcap",
            UnaryFunc::Reverse => "reverse",
            UnaryFunc::Ascii => "ascii",
            UnaryFunc::Chr => "chr",
            UnaryFunc::Trim(side) => side.function_name(),
            UnaryFunc::Abs(_) => "abs",
            UnaryFunc::Sign(_) => "sign",
            UnaryFunc::Ceil(_) => "ceil",
            UnaryFunc::Floor(_) => "floor",
            UnaryFunc::Round(_) => "round",
            UnaryFunc::Trunc(_) => "trunc",
            UnaryFunc::Sqrt(_) => "sqrt",
            UnaryFunc::Exp(_) => "exp",
            UnaryFunc::Ln(_) => "ln",
            UnaryFunc::Log10(_) => "log10",
            UnaryFunc::ToJsonb => "to_jsonb",
            UnaryFunc::JsonbTypeof => "jsonb_typeof",
        })
    }
}

/// A function whose value depends on when a query runs rather than on its
/// arguments. A one-off query replaces the call by its value at the query's
/// time; a maintained dataflow cannot, and keeps `mz_now()` only in
/// temporal filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum UnmaterializableFunc {
    /// `mz_now()`: the logical time of the query, an `mz_timestamp`
    /// (milliseconds since the epoch, held as a `uint8`).
    MzNow,
}

impl UnmaterializableFunc {
    /// The function's name.
    pub fn name(&self) -> &'static str {
        match self {
            UnmaterializableFunc::MzNow => "mz_now",
        }
    }

    /// The type of the result.
    pub fn output_type(&self) -> ColumnType {
        match self {
            UnmaterializableFunc::MzNow => ScalarType::UInt64.nullable(false),
        }
    }
}

impl fmt::Display for UnmaterializableFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}()", self.name())
    }
}

/// A function of two arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BinaryFunc {
    /// An arithmetic operator on one numeric type.
    Arith(ArithOp, ArithType),
    /// `=`
    Eq,
    /// `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `||` on strings.
    TextConcat,
    /// An operator on dates, times, timestamps and intervals.
    DateTime(DateTimeOp),
    /// `substr(text, start)`.
    Substr,
    /// `position(substring IN string)`, arguments in that order.
    Position,
    /// `strpos(string, substring)`.
    Strpos,
    /// `repeat(text, n)`.
    Repeat,
    /// `left(text, n)`.
    Left,
    /// `right(text, n)`.
    Right,
    /// `lpad(text, length)`: fills with spaces.
    Lpad,
    /// `rpad(text, length)`: fills with spaces.
    Rpad,
    /// `starts_with(text, prefix)`.
    StartsWith,
    /// `btrim`/`ltrim`/`rtrim(text, characters)`.
    TrimChars(TrimSide),
    /// `text LIKE pattern`, with backslash as the escape character.
    Like,
    /// `text ILIKE pattern`, with backslash as the escape character.
    ILike,
    /// `round(numeric, integer)`.
    RoundScale,
    /// `trunc(numeric, integer)`.
    TruncScale,
    /// `power(x, y)` (also `pow`).
    Power(ArithType),
    /// `log(base, x)` of numerics.
    Log,
    /// `date_trunc(text, timestamp | timestamptz | interval)`: the same type.
    DateTrunc,
    /// `extract(text FROM date | time | timestamp | timestamptz | interval)`: a `numeric`.
    Extract,
    /// `date_part(text, time | timestamp | timestamptz | interval)`: a `double precision`.
    DatePart,
    /// `jsonb -> text` (`->>` if `text`): an object's field.
    JsonbGetKey {
        /// Whether the result is `text` (`->>`) rather than `jsonb` (`->`).
        text: bool,
    },
    /// `jsonb -> integer` (`->>` if `text`): an array's element.
    JsonbGetIndex {
        /// Whether the result is `text` (`->>`) rather than `jsonb` (`->`).
        text: bool,
    },
    /// `jsonb #> text[]` (`#>>` if `text`), the path an array literal.
    JsonbGetPath {
        /// Whether the result is `text` (`#>>`) rather than `jsonb` (`#>`).
        text: bool,
    },
    /// `jsonb @> jsonb`.
    JsonbContains,
    /// `jsonb <@ jsonb`.
    JsonbContainedBy,
    /// `to_char(timestamp | timestamptz, text)`.
    ToChar,
    /// `text ~ pattern` (`~*` if case-insensitive): a regular expression
    /// matches somewhere in the text.
    RegexMatch {
        /// Whether letters match either case (`~*`).
        case_insensitive: bool,
    },
    /// `array_to_string(array, separator)`.
    ArrayToString,
    /// `value = ANY (array)`.
    ArrayAnyEq,
    /// `format_type(type_oid, typmod)`: a type's name with its modifiers.
    FormatType,
    /// `array[index]`: an element (from 1), `NULL` outside the array.
    ArrayIndex,
}

impl BinaryFunc {
    /// Applies the function; `NULL` if either argument is.
    pub fn eval<'a>(&self, a: Datum<'a>, b: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        if a.is_null() || b.is_null() {
            return Ok(Datum::Null);
        }
        let text = |s: String| Datum::String(arena.push_string(&s));
        let int = |d: Datum<'_>| match d {
            Datum::Int32(n) => n,
            other => panic!("{self:?} applied to {other:?}"),
        };
        let jsonb_str = |d: Datum<'a>| match d {
            Datum::Jsonb(j) => j,
            other => panic!("{self:?} applied to {other:?}"),
        };
        Ok(match self {
            BinaryFunc::Arith(op, typ) => return arith::eval(*op, *typ, a, b, arena),
            BinaryFunc::Eq => Datum::from_bool(a == b),
            BinaryFunc::NotEq => Datum::from_bool(a != b),
            BinaryFunc::Lt => Datum::from_bool(a < b),
            BinaryFunc::Lte => Datum::from_bool(a <= b),
            BinaryFunc::Gt => Datum::from_bool(a > b),
            BinaryFunc::Gte => Datum::from_bool(a >= b),
            BinaryFunc::TextConcat => text(format!("{}{}", a.unwrap_str(), b.unwrap_str())),
            BinaryFunc::DateTime(op) => return op.eval(a, b),
            BinaryFunc::Substr => Datum::String(string::substr(a.unwrap_str(), int(b), None)?),
            BinaryFunc::Position => Datum::Int32(string::strpos(b.unwrap_str(), a.unwrap_str())),
            BinaryFunc::Strpos => Datum::Int32(string::strpos(a.unwrap_str(), b.unwrap_str())),
            BinaryFunc::Repeat => text(string::repeat(a.unwrap_str(), int(b))?),
            BinaryFunc::Left => Datum::String(string::left(a.unwrap_str(), int(b))),
            BinaryFunc::Right => Datum::String(string::right(a.unwrap_str(), int(b))),
            BinaryFunc::Lpad => text(string::pad(a.unwrap_str(), int(b), " ", true)?),
            BinaryFunc::Rpad => text(string::pad(a.unwrap_str(), int(b), " ", false)?),
            BinaryFunc::StartsWith => Datum::from_bool(a.unwrap_str().starts_with(b.unwrap_str())),
            BinaryFunc::TrimChars(side) => Datum::String(string::trim(a.unwrap_str(), b.unwrap_str(), *side)),
            BinaryFunc::Like => Datum::from_bool(like(a.unwrap_str(), b.unwrap_str(), None, false)?),
            BinaryFunc::ILike => Datum::from_bool(like(a.unwrap_str(), b.unwrap_str(), None, true)?),
            BinaryFunc::RoundScale => return math::round_scale(a, b, arena),
            BinaryFunc::TruncScale => return math::trunc_scale(a, b, arena),
            BinaryFunc::Power(_) => return math::power(a, b, arena),
            BinaryFunc::Log => return math::log(a, b, arena),
            BinaryFunc::DateTrunc => return datetime::date_trunc(a.unwrap_str(), b),
            BinaryFunc::Extract => return datetime::extract(a.unwrap_str(), b, arena),
            BinaryFunc::DatePart => return datetime::date_part(a.unwrap_str(), b),
            BinaryFunc::JsonbGetKey { text } => return jsonb::get_key(jsonb_str(a), b.unwrap_str(), *text, arena),
            BinaryFunc::JsonbGetIndex { text } => return jsonb::get_index(jsonb_str(a), int(b), *text, arena),
            BinaryFunc::JsonbGetPath { text } => return jsonb::get_path(jsonb_str(a), b.unwrap_str(), *text, arena),
            BinaryFunc::JsonbContains => Datum::from_bool(jsonb::contains(jsonb_str(a), jsonb_str(b))?),
            BinaryFunc::JsonbContainedBy => Datum::from_bool(jsonb::contains(jsonb_str(b), jsonb_str(a))?),
            BinaryFunc::ToChar => {
                let (at, with_zone) = match a {
                    Datum::Timestamp(ts) => (ts, false),
                    Datum::TimestampTz(ts) => (ts.naive_utc(), true),
                    other => panic!("to_char applied to {other:?}"),
                };
                text(to_char(at, with_zone, b.unwrap_str())?)
            }
            BinaryFunc::RegexMatch { case_insensitive } => {
                Datum::from_bool(is_match(a.unwrap_str(), b.unwrap_str(), *case_insensitive)?)
            }
            BinaryFunc::ArrayToString => match a {
                Datum::Array(array) => text(pg::array_to_string(array, b.unwrap_str())),
                other => panic!("array_to_string applied to {other:?}"),
            },
            BinaryFunc::ArrayAnyEq => match b {
                Datum::Array(array) => pg::any_eq(a, array),
                other => panic!("= ANY applied to {other:?}"),
            },
            BinaryFunc::ArrayIndex => match (a, b) {
                (Datum::Array(array), Datum::Int32(index)) => usize::try_from(index)
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| array.elements().nth(i))
                    .unwrap_or(Datum::Null),
                other => panic!("array subscript applied to {other:?}"),
            },
            BinaryFunc::FormatType => match (a, b) {
                (Datum::UInt32(oid), Datum::Int32(typmod)) => text(pg::format_type(oid, typmod)),
                other => panic!("format_type applied to {other:?}"),
            },
        })
    }

    /// The type of the result, given the arguments'.
    pub fn output_type(&self, a: ColumnType, b: ColumnType) -> ColumnType {
        let typ = match self {
            BinaryFunc::Arith(_, typ) | BinaryFunc::Power(typ) => typ.scalar_type(),
            BinaryFunc::Eq
            | BinaryFunc::NotEq
            | BinaryFunc::Lt
            | BinaryFunc::Lte
            | BinaryFunc::Gt
            | BinaryFunc::Gte
            | BinaryFunc::StartsWith
            | BinaryFunc::Like
            | BinaryFunc::ILike
            | BinaryFunc::JsonbContains
            | BinaryFunc::JsonbContainedBy
            | BinaryFunc::RegexMatch { .. } => ScalarType::Bool,
            // An element that is NULL makes a missing match NULL.
            BinaryFunc::ArrayAnyEq => return ScalarType::Bool.nullable(true),
            BinaryFunc::ArrayIndex => {
                let element = match a.scalar_type {
                    ScalarType::Array(element) => element.scalar_type(),
                    other => other,
                };
                return element.nullable(true);
            }
            BinaryFunc::ArrayToString | BinaryFunc::FormatType => ScalarType::Text,
            BinaryFunc::TextConcat
            | BinaryFunc::Substr
            | BinaryFunc::Repeat
            | BinaryFunc::Left
            | BinaryFunc::Right
            | BinaryFunc::Lpad
            | BinaryFunc::Rpad
            | BinaryFunc::TrimChars(_) => ScalarType::Text,
            BinaryFunc::DateTime(op) => op.output_type(),
            BinaryFunc::Position | BinaryFunc::Strpos => ScalarType::Int32,
            BinaryFunc::RoundScale | BinaryFunc::TruncScale | BinaryFunc::Log | BinaryFunc::Extract => {
                ScalarType::numeric()
            }
            BinaryFunc::DateTrunc => b.scalar_type.without_modifiers(),
            BinaryFunc::DatePart => ScalarType::Float64,
            BinaryFunc::ToChar => ScalarType::Text,
            BinaryFunc::JsonbGetKey { text }
            | BinaryFunc::JsonbGetIndex { text }
            | BinaryFunc::JsonbGetPath { text } => {
                // A missing field or element is NULL whatever the arguments.
                let typ = if *text { ScalarType::Text } else { ScalarType::Jsonb };
                return typ.nullable(true);
            }
        };
        typ.nullable(a.nullable || b.nullable)
    }

    /// Whether the text form writes the function between its arguments
    /// (`a + b`) rather than as a call (`substr(a, b)`).
    pub fn is_infix(&self) -> bool {
        matches!(
            self,
            BinaryFunc::Arith(..)
                | BinaryFunc::Eq
                | BinaryFunc::NotEq
                | BinaryFunc::Lt
                | BinaryFunc::Lte
                | BinaryFunc::Gt
                | BinaryFunc::Gte
                | BinaryFunc::TextConcat
                | BinaryFunc::DateTime(_)
                | BinaryFunc::JsonbGetKey { .. }
                | BinaryFunc::JsonbGetIndex { .. }
                | BinaryFunc::JsonbGetPath { .. }
                | BinaryFunc::JsonbContains
                | BinaryFunc::JsonbContainedBy
                | BinaryFunc::RegexMatch { .. }
        )
    }

    /// The operator's symbol, or the function's name, in the text form.
    pub fn symbol(&self) -> String {
        match self {
            BinaryFunc::Arith(op, _) => op.to_string(),
            BinaryFunc::Eq => "=".into(),
            BinaryFunc::NotEq => "<>".into(),
            BinaryFunc::Lt => "<".into(),
            BinaryFunc::Lte => "<=".into(),
            BinaryFunc::Gt => ">".into(),
            BinaryFunc::Gte => ">=".into(),
            BinaryFunc::TextConcat => "||".into(),
            BinaryFunc::DateTime(op) => op.symbol().into(),
            BinaryFunc::Substr => "substr".into(),
            BinaryFunc::Position => "position".into(),
            BinaryFunc::Strpos => "strpos".into(),
            BinaryFunc::Repeat => "repeat".into(),
            BinaryFunc::Left => "left".into(),
            BinaryFunc::Right => "right".into(),
            BinaryFunc::Lpad => "lpad".into(),
            BinaryFunc::Rpad => "rpad".into(),
            BinaryFunc::StartsWith => "starts_with".into(),
            BinaryFunc::TrimChars(side) => side.function_name().into(),
            BinaryFunc::Like => "like".into(),
            BinaryFunc::ILike => "ilike".into(),
            BinaryFunc::RoundScale => "round".into(),
            BinaryFunc::TruncScale => "trunc".into(),
            BinaryFunc::Power(_) => "power".into(),
            BinaryFunc::Log => "log".into(),
            BinaryFunc::DateTrunc => "date_trunc".into(),
            BinaryFunc::Extract => "extract".into(),
            BinaryFunc::DatePart => "date_part".into(),
            BinaryFunc::JsonbGetKey { text } | BinaryFunc::JsonbGetIndex { text } => {
                if *text { "->>" } else { "->" }.into()
            }
            BinaryFunc::JsonbGetPath { text } => if *text { "#>>" } else { "#>" }.into(),
            BinaryFunc::JsonbContains => "@>".into(),
            BinaryFunc::JsonbContainedBy => "<@".into(),
            BinaryFunc::ToChar => "to_char".into(),
            BinaryFunc::RegexMatch { case_insensitive } => if *case_insensitive { "~*" } else { "~" }.into(),
            BinaryFunc::ArrayToString => "array_to_string".into(),
            BinaryFunc::ArrayAnyEq => "= any".into(),
            BinaryFunc::FormatType => "format_type".into(),
            BinaryFunc::ArrayIndex => "array_element".into(),
        }
    }
}

/// A function of any number of arguments.
///
/// `AND`, `OR` and `COALESCE` are evaluated lazily by [`super::ScalarExpr::eval`];
/// the others see all their arguments evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum VariadicFunc {
    /// `AND` with SQL's three-valued logic.
    And,
    /// `OR` with SQL's three-valued logic.
    Or,
    /// `COALESCE`: the first non-null argument.
    Coalesce,
    /// `concat(any, ...)`: the text of the non-null arguments; never `NULL`.
    Concat,
    /// `concat_ws(separator, any, ...)`: `NULL` only if the separator is.
    ConcatWs,
    /// `substr(text, start, count)`.
    Substr,
    /// `split_part(text, delimiter, n)`.
    SplitPart,
    /// `lpad(text, length, fill)`.
    Lpad,
    /// `rpad(text, length, fill)`.
    Rpad,
    /// `replace(text, from, to)`.
    Replace,
    /// `text LIKE pattern ESCAPE escape`.
    LikeEscape,
    /// `text ILIKE pattern ESCAPE escape`.
    ILikeEscape,
    /// Packs its arguments, `NULL`s included, into one value: the input of
    /// an aggregate that reads several values per row (`string_agg`'s value
    /// and separator, the keys of its `ORDER BY`). The value is a `bytea`
    /// holding the arguments' row encoding; it never reaches a user.
    Record,
    /// `jsonb_build_object(key, value, ...)`.
    JsonbBuildObject,
    /// `jsonb_build_array(value, ...)`.
    JsonbBuildArray,
    /// `(regexp_match(text, pattern, flags))[index]`: one element of
    /// `regexp_match`'s `text[]`.
    RegexpMatch,
    /// `ARRAY[value, ...]`: an array of the arguments, `NULL`s included.
    ArrayCreate {
        /// The elements' type.
        element: ElementType,
    },
}

impl VariadicFunc {
    /// Applies the function to evaluated arguments.
    pub fn eval<'a>(&self, args: &[Datum<'a>], arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        match self {
            VariadicFunc::And | VariadicFunc::Or => {
                let dominant = Datum::from_bool(*self == VariadicFunc::Or);
                if args.contains(&dominant) {
                    Ok(dominant)
                } else if args.iter().any(Datum::is_null) {
                    Ok(Datum::Null)
                } else {
                    Ok(Datum::from_bool(*self == VariadicFunc::And))
                }
            }
            VariadicFunc::Coalesce => Ok(args.iter().copied().find(|d| !d.is_null()).unwrap_or(Datum::Null)),
            VariadicFunc::Concat => Ok(string::concat(args, arena)),
            VariadicFunc::ConcatWs => Ok(string::concat_ws(args, arena)),
            VariadicFunc::Record => Ok(Datum::Bytes(arena.push_bytes(Row::pack_slice(args).as_bytes()))),
            VariadicFunc::JsonbBuildObject => jsonb::build_object(args, arena),
            VariadicFunc::JsonbBuildArray => jsonb::build_array(args, arena),
            VariadicFunc::ArrayCreate { .. } => Ok(arena.push_array(args.iter().copied())),
            _ if args.iter().any(Datum::is_null) => Ok(Datum::Null),
            _ => self.eval_strict(args, arena),
        }
    }

    /// The strict functions, on non-null arguments.
    fn eval_strict<'a>(&self, args: &[Datum<'a>], arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        let text = |s: String| Datum::String(arena.push_string(&s));
        Ok(match (self, args) {
            (VariadicFunc::Substr, [s, Datum::Int32(start), Datum::Int32(count)]) => {
                Datum::String(string::substr(s.unwrap_str(), *start, Some(*count))?)
            }
            (VariadicFunc::SplitPart, [s, delimiter, Datum::Int32(n)]) => {
                Datum::String(string::split_part(s.unwrap_str(), delimiter.unwrap_str(), *n)?)
            }
            (VariadicFunc::Lpad, [s, Datum::Int32(n), fill]) => {
                text(string::pad(s.unwrap_str(), *n, fill.unwrap_str(), true)?)
            }
            (VariadicFunc::Rpad, [s, Datum::Int32(n), fill]) => {
                text(string::pad(s.unwrap_str(), *n, fill.unwrap_str(), false)?)
            }
            (VariadicFunc::Replace, [s, from, to]) => {
                text(string::replace(s.unwrap_str(), from.unwrap_str(), to.unwrap_str()))
            }
            (VariadicFunc::LikeEscape | VariadicFunc::ILikeEscape, [s, pattern, escape]) => Datum::from_bool(like(
                s.unwrap_str(),
                pattern.unwrap_str(),
                Some(escape.unwrap_str()),
                *self == VariadicFunc::ILikeEscape,
            )?),
            (VariadicFunc::RegexpMatch, [s, pattern, flags, Datum::Int32(index)]) => {
                match regexp_match_element(s.unwrap_str(), pattern.unwrap_str(), flags.unwrap_str(), *index)? {
                    Some(found) => Datum::String(found),
                    None => Datum::Null,
                }
            }
            (func, args) => panic!("{func} applied to {args:?}"),
        })
    }

    /// The type of the result, given the arguments'.
    pub fn output_type(&self, inputs: &[ColumnType]) -> ColumnType {
        let any_nullable = inputs.iter().any(|t| t.nullable);
        match self {
            VariadicFunc::And | VariadicFunc::Or | VariadicFunc::LikeEscape | VariadicFunc::ILikeEscape => {
                ScalarType::Bool.nullable(any_nullable)
            }
            VariadicFunc::Coalesce => {
                let scalar = inputs.first().map_or(ScalarType::Text, |t| t.scalar_type);
                scalar.nullable(inputs.iter().all(|t| t.nullable))
            }
            VariadicFunc::Concat => ScalarType::Text.nullable(false),
            VariadicFunc::Record => ScalarType::Bytes.nullable(false),
            VariadicFunc::JsonbBuildObject | VariadicFunc::JsonbBuildArray => ScalarType::Jsonb.nullable(false),
            // No match, or no such group, is NULL.
            VariadicFunc::RegexpMatch => ScalarType::Text.nullable(true),
            VariadicFunc::ArrayCreate { element } => ScalarType::Array(*element).nullable(false),
            VariadicFunc::ConcatWs => ScalarType::Text.nullable(inputs.first().is_none_or(|t| t.nullable)),
            VariadicFunc::Substr
            | VariadicFunc::SplitPart
            | VariadicFunc::Lpad
            | VariadicFunc::Rpad
            | VariadicFunc::Replace => ScalarType::Text.nullable(any_nullable),
        }
    }
}

impl fmt::Display for VariadicFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VariadicFunc::And => "and",
            VariadicFunc::Or => "or",
            VariadicFunc::Coalesce => "coalesce",
            VariadicFunc::Concat => "concat",
            VariadicFunc::ConcatWs => "concat_ws",
            VariadicFunc::Substr => "substr",
            VariadicFunc::SplitPart => "split_part",
            VariadicFunc::Lpad => "lpad",
            VariadicFunc::Rpad => "rpad",
            VariadicFunc::Replace => "replace",
            VariadicFunc::LikeEscape => "like",
            VariadicFunc::ILikeEscape => "ilike",
            VariadicFunc::Record => "record",
            VariadicFunc::JsonbBuildObject => "jsonb_build_object",
            VariadicFunc::JsonbBuildArray => "jsonb_build_array",
            VariadicFunc::RegexpMatch => "regexp_match",
            VariadicFunc::ArrayCreate { .. } => "array",
        })
    }
}

#[cfg(test)]
mod tests;
