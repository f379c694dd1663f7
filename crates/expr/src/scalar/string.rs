//! PostgreSQL's string functions over UTF-8 text: lengths and positions
//! count characters, and case mapping works one character at a time (as
//! PostgreSQL's libc-based `lower`/`upper` do).

use serde::{Deserialize, Serialize};

use freshet_repr::{Datum, RowArena, ScalarType, format_datum};

use crate::EvalError;

/// The largest string PostgreSQL allocates (1 GB - 1 byte).
const MAX_ALLOC: i64 = 0x3fff_ffff;
/// The most bytes one character takes in UTF-8.
const MAX_CHAR_BYTES: i64 = 4;

/// Which ends `btrim`, `ltrim` and `rtrim` remove characters from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TrimSide {
    /// Both ends (`btrim`, `TRIM(BOTH ...)`).
    Both,
    /// The start (`ltrim`, `TRIM(LEADING ...)`).
    Leading,
    /// The end (`rtrim`, `TRIM(TRAILING ...)`).
    Trailing,
}

impl TrimSide {
    /// The PostgreSQL function that trims this side.
    pub fn function_name(self) -> &'static str {
        match self {
            TrimSide::Both => "btrim",
            TrimSide::Leading => "ltrim",
            TrimSide::Trailing => "rtrim",
        }
    }
}

/// The byte offset of character `n` (0-based) of `s`, or `s.len()` past the end.
fn byte_offset(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

/// A character count as PostgreSQL's `int4`.
fn count_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// `char_length(s)`: the number of characters.
pub(crate) fn char_length(s: &str) -> i32 {
    count_i32(s.chars().count())
}

/// `octet_length(s)`: the number of bytes.
pub(crate) fn octet_length(s: &str) -> i32 {
    count_i32(s.len())
}

/// One character mapped by a case mapping when it maps to exactly one
/// character (as `towlower`/`towupper` do); unchanged otherwise.
fn map_one(c: char, mut mapped: impl ExactSizeIterator<Item = char>) -> char {
    match (mapped.len(), mapped.next()) {
        (1, Some(m)) => m,
        _ => c,
    }
}

/// One character in lower case, as [`lower`] maps it.
pub(crate) fn lower_char(c: char) -> char {
    map_one(c, c.to_lowercase())
}

/// `lower(s)`.
pub(crate) fn lower(s: &str) -> String {
    s.chars().map(lower_char).collect()
}

/// `upper(s)`.
pub(crate) fn upper(s: &str) -> String {
    s.chars().map(|c| map_one(c, c.to_uppercase())).collect()
}

/// `initcap(s)`: the first letter of each run of letters and digits in
/// upper case, the rest in lower case.
pub(crate) fn initcap(s: &str) -> String {
    let mut in_word = false;
    s.chars()
        .map(|c| {
            let mapped = if in_word {
                lower_char(c)
            } else {
                map_one(c, c.to_uppercase())
            };
            in_word = mapped.is_alphanumeric();
            mapped
        })
        .collect()
}

/// `reverse(s)`, by characters.
pub(crate) fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

/// `ascii(s)`: the code point of the first character, 0 for `''`.
pub(crate) fn ascii(s: &str) -> i32 {
    s.chars()
        .next()
        .map_or(0, |c| i32::try_from(u32::from(c)).unwrap_or(i32::MAX))
}

/// `chr(n)`: the character with code point `n`.
pub(crate) fn chr(n: i32) -> Result<char, EvalError> {
    if n < 0 {
        return Err(EvalError::NegativeCharacterNumber);
    }
    if n == 0 {
        return Err(EvalError::InvalidCharacterNumber("null character not permitted".into()));
    }
    let code = n.unsigned_abs();
    if code > 0x10_ffff {
        return Err(EvalError::InvalidCharacterNumber(format!(
            "requested character too large for encoding: {code}"
        )));
    }
    char::from_u32(code)
        .ok_or_else(|| EvalError::InvalidCharacterNumber(format!("requested character not valid for encoding: {code}")))
}

/// `btrim`/`ltrim`/`rtrim(s, chars)`: removes the characters of `chars`
/// from the chosen ends.
pub(crate) fn trim<'a>(s: &'a str, chars: &str, side: TrimSide) -> &'a str {
    let in_set = |c: char| chars.contains(c);
    match side {
        TrimSide::Both => s.trim_matches(in_set),
        TrimSide::Leading => s.trim_start_matches(in_set),
        TrimSide::Trailing => s.trim_end_matches(in_set),
    }
}

/// `substr(s, start[, count])` with SQL's rules: positions count from 1,
/// a start before 1 still counts towards `count`, and a negative `count`
/// is an error.
pub(crate) fn substr(s: &str, start: i32, count: Option<i32>) -> Result<&str, EvalError> {
    let first = i64::from(start).max(1);
    let end = match count {
        None => None,
        Some(n) if n < 0 => return Err(EvalError::NegativeSubstringLength),
        Some(n) => Some(i64::from(start) + i64::from(n)),
    };
    if let Some(end) = end
        && end <= first
    {
        return Ok("");
    }
    let from = byte_offset(s, usize::try_from(first - 1).unwrap_or(usize::MAX));
    let rest = &s[from..];
    Ok(match end {
        None => rest,
        Some(end) => &rest[..byte_offset(rest, usize::try_from(end - first).unwrap_or(usize::MAX))],
    })
}

/// `strpos(haystack, needle)`: the 1-based character position of the first
/// occurrence, 0 if there is none, 1 for an empty needle.
pub(crate) fn strpos(haystack: &str, needle: &str) -> i32 {
    match haystack.find(needle) {
        Some(at) => count_i32(haystack[..at].chars().count() + 1),
        None => 0,
    }
}

/// `repeat(s, n)`: `''` for `n <= 0`.
pub(crate) fn repeat(s: &str, n: i32) -> Result<String, EvalError> {
    if n <= 0 {
        return Ok(String::new());
    }
    let bytes = i64::try_from(s.len()).unwrap_or(i64::MAX).saturating_mul(i64::from(n));
    if bytes > i64::from(i32::MAX) || bytes + 4 > MAX_ALLOC {
        return Err(EvalError::LengthTooLarge);
    }
    Ok(s.repeat(usize::try_from(n).unwrap_or(0)))
}

/// `left(s, n)`: the first `n` characters, or all but the last `-n`.
pub(crate) fn left(s: &str, n: i32) -> &str {
    let keep = if n >= 0 {
        i64::from(n)
    } else {
        i64::try_from(s.chars().count()).unwrap_or(i64::MAX) + i64::from(n)
    };
    if keep <= 0 {
        return "";
    }
    &s[..byte_offset(s, usize::try_from(keep).unwrap_or(usize::MAX))]
}

/// `right(s, n)`: the last `n` characters, or all but the first `-n`.
pub(crate) fn right(s: &str, n: i32) -> &str {
    // PostgreSQL negates `n` in 32 bits: the smallest integer stays
    // negative, and skips nothing.
    let skip = if n == i32::MIN {
        0
    } else if n >= 0 {
        (i64::try_from(s.chars().count()).unwrap_or(i64::MAX) - i64::from(n)).max(0)
    } else {
        -i64::from(n)
    };
    &s[byte_offset(s, usize::try_from(skip).unwrap_or(usize::MAX))..]
}

/// `lpad`/`rpad(s, length, fill)`: `s` cut or filled to `length`
/// characters, filling with repetitions of `fill` on the left or right.
pub(crate) fn pad(s: &str, length: i32, fill: &str, on_left: bool) -> Result<String, EvalError> {
    let length = i64::from(length.max(0));
    if length * MAX_CHAR_BYTES + 4 > MAX_ALLOC {
        return Err(EvalError::LengthTooLarge);
    }
    let target = usize::try_from(length).unwrap_or(0);
    let chars = s.chars().count();
    if chars >= target || fill.is_empty() {
        return Ok(s[..byte_offset(s, target)].to_owned());
    }
    let filler: String = fill.chars().cycle().take(target - chars).collect();
    Ok(if on_left { filler + s } else { format!("{s}{filler}") })
}

/// `split_part(s, delimiter, n)`: the `n`th field (counting from the end if
/// negative), `''` if there is no such field.
pub(crate) fn split_part<'a>(s: &'a str, delimiter: &str, n: i32) -> Result<&'a str, EvalError> {
    if n == 0 {
        return Err(EvalError::ZeroFieldPosition);
    }
    if s.is_empty() {
        return Ok("");
    }
    if delimiter.is_empty() {
        return Ok(if n == 1 || n == -1 { s } else { "" });
    }
    let fields: Vec<&str> = s.split(delimiter).collect();
    let index = if n > 0 {
        usize::try_from(n - 1).ok()
    } else {
        fields
            .len()
            .checked_sub(usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX))
    };
    Ok(index.and_then(|i| fields.get(i)).copied().unwrap_or(""))
}

/// `replace(s, from, to)`: `s` unchanged for an empty `from`.
pub(crate) fn replace(s: &str, from: &str, to: &str) -> String {
    if from.is_empty() {
        s.to_owned()
    } else {
        s.replace(from, to)
    }
}

/// The output text of any non-null datum (what `concat` joins: `t` for
/// true, not `true`).
fn output_text(d: Datum<'_>, buf: &mut String) {
    let typ = match d {
        Datum::Null | Datum::False | Datum::True => ScalarType::Bool,
        Datum::Int16(_) => ScalarType::Int16,
        Datum::Int32(_) => ScalarType::Int32,
        Datum::Int64(_) => ScalarType::Int64,
        Datum::UInt16(_) => ScalarType::UInt16,
        Datum::UInt32(_) => ScalarType::UInt32,
        Datum::UInt64(_) => ScalarType::UInt64,
        Datum::Float32(_) => ScalarType::Float32,
        Datum::Float64(_) => ScalarType::Float64,
        Datum::Numeric(_) => ScalarType::numeric(),
        Datum::String(_) => ScalarType::Text,
        Datum::Bytes(_) => ScalarType::Bytes,
        Datum::Date(_) => ScalarType::Date,
        Datum::Time(_) => ScalarType::Time,
        Datum::Timestamp(_) => ScalarType::Timestamp,
        Datum::TimestampTz(_) => ScalarType::TimestampTz,
        Datum::Interval(_) => ScalarType::Interval,
        Datum::Jsonb(_) => ScalarType::Jsonb,
        Datum::Uuid(_) => ScalarType::Uuid,
        Datum::Array(_) => ScalarType::Array(freshet_repr::ElementType::Text),
    };
    format_datum(d, &typ, buf);
}

/// `concat(args...)`: the output text of every non-null argument.
pub(crate) fn concat<'a>(args: &[Datum<'a>], arena: &'a RowArena) -> Datum<'a> {
    let mut out = String::new();
    for d in args.iter().filter(|d| !d.is_null()) {
        output_text(*d, &mut out);
    }
    Datum::String(arena.push_string(&out))
}

/// `concat_ws(separator, args...)`: the non-null arguments' text joined by
/// `separator`; `NULL` if the separator is.
pub(crate) fn concat_ws<'a>(args: &[Datum<'a>], arena: &'a RowArena) -> Datum<'a> {
    let Some((Datum::String(separator), values)) = args.split_first() else {
        return Datum::Null;
    };
    let mut out = String::new();
    for (i, d) in values.iter().filter(|d| !d.is_null()).enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        output_text(*d, &mut out);
    }
    Datum::String(arena.push_string(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters() {
        assert_eq!(char_length("héllo"), 5);
        assert_eq!(octet_length("héllo"), 6);
        assert_eq!(char_length(""), 0);
    }

    #[test]
    fn case_mapping_is_per_character() {
        assert_eq!(lower("HÉLLO Wörld"), "héllo wörld");
        assert_eq!(upper("straße"), "STRAßE");
        assert_eq!(initcap("hi THOMAS foo-bar_baz 3rd"), "Hi Thomas Foo-Bar_Baz 3rd");
    }

    #[test]
    fn substr_follows_sql_positions() {
        assert_eq!(substr("hello", 2, Some(3)), Ok("ell"));
        assert_eq!(substr("hello", 0, Some(2)), Ok("h"));
        assert_eq!(substr("hello", -1, Some(2)), Ok(""));
        assert_eq!(substr("hello", 3, None), Ok("llo"));
        assert_eq!(substr("hello", -5, None), Ok("hello"));
        assert_eq!(substr("hello", 10, Some(2)), Ok(""));
        assert_eq!(substr("héllo", 2, Some(i32::MAX)), Ok("éllo"));
        assert_eq!(substr("hello", 1, Some(-1)), Err(EvalError::NegativeSubstringLength));
    }

    #[test]
    fn positions_are_one_based() {
        assert_eq!(strpos("héllo", "l"), 3);
        assert_eq!(strpos("hello", "z"), 0);
        assert_eq!(strpos("hello", ""), 1);
    }

    #[test]
    fn trimming_padding_and_parts() {
        assert_eq!(trim("  a b  ", " ", TrimSide::Both), "a b");
        assert_eq!(trim("xxaxx", "x", TrimSide::Leading), "axx");
        assert_eq!(trim("xxaxx", "x", TrimSide::Trailing), "xxa");
        assert_eq!(pad("hi", 5, "xy", true).as_deref(), Ok("xyxhi"));
        assert_eq!(pad("hi", 5, "xy", false).as_deref(), Ok("hixyx"));
        assert_eq!(pad("hello", 2, " ", true).as_deref(), Ok("he"));
        assert_eq!(pad("hi", 5, "", true).as_deref(), Ok("hi"));
        assert_eq!(pad("hi", -1, " ", true).as_deref(), Ok(""));
        assert_eq!(pad("hi", i32::MAX, " ", true), Err(EvalError::LengthTooLarge));
        assert_eq!(split_part("a,b,c", ",", 2), Ok("b"));
        assert_eq!(split_part("a,b,c", ",", -1), Ok("c"));
        assert_eq!(split_part("a,b,c", ",", 4), Ok(""));
        assert_eq!(split_part("a,b,c", ",", -4), Ok(""));
        assert_eq!(split_part("abc", "", 1), Ok("abc"));
        assert_eq!(split_part("", ",", 1), Ok(""));
        assert_eq!(split_part("a", ",", 0), Err(EvalError::ZeroFieldPosition));
    }

    #[test]
    fn left_right_repeat_replace() {
        assert_eq!(left("abcde", 2), "ab");
        assert_eq!(left("abcde", -2), "abc");
        assert_eq!(left("abcde", -9), "");
        assert_eq!(right("abcde", 2), "de");
        assert_eq!(right("abcde", -2), "cde");
        assert_eq!(right("abcde", 9), "abcde");
        assert_eq!(right("abcde", i32::MIN), "abcde");
        assert_eq!(repeat("ab", 3).as_deref(), Ok("ababab"));
        assert_eq!(repeat("ab", -1).as_deref(), Ok(""));
        assert_eq!(repeat("ab", i32::MAX), Err(EvalError::LengthTooLarge));
        assert_eq!(replace("abcabc", "b", "X"), "aXcaXc");
        assert_eq!(replace("abc", "", "X"), "abc");
        assert_eq!(reverse("héllo"), "olléh");
    }

    #[test]
    fn code_points() {
        assert_eq!(ascii("é"), 233);
        assert_eq!(ascii(""), 0);
        assert_eq!(chr(65), Ok('A'));
        assert_eq!(chr(0x1F600), Ok('😀'));
        assert_eq!(chr(0).map_err(|e| e.code().code()), Err("54000"));
        assert_eq!(chr(-1).map_err(|e| e.code().code()), Err("22023"));
        assert!(chr(0xD800).is_err());
        assert!(chr(0x110000).is_err());
    }

    #[test]
    fn concat_renders_output_text_and_skips_nulls() {
        let arena = RowArena::new();
        let args = [Datum::String("a"), Datum::Null, Datum::Int32(1), Datum::True];
        assert_eq!(concat(&args, &arena), Datum::String("a1t"));
        assert_eq!(concat(&[Datum::Null], &arena), Datum::String(""));
        let args = [Datum::String(","), Datum::String("a"), Datum::Null, Datum::Float64(1.5)];
        assert_eq!(concat_ws(&args, &arena), Datum::String("a,1.5"));
        assert_eq!(concat_ws(&[Datum::Null, Datum::String("a")], &arena), Datum::Null);
    }
}
