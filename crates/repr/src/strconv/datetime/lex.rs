//! Splitting date/time text into fields, and the keyword tables: a port of
//! PostgreSQL's `ParseDateTime`, `datetktbl`, `deltatktbl` and the fixed
//! zone abbreviations of its `Default` set that Freshet knows.

use crate::strconv::scan::is_space;

/// Why date/time input was rejected (PostgreSQL's `DTERR_*` codes, plus the
/// cases Freshet cannot represent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DtErr {
    /// Malformed input.
    BadFormat,
    /// A field out of range.
    FieldOverflow,
    /// A month or day out of range (PostgreSQL adds a DateStyle hint).
    MdFieldOverflow,
    /// A numeric time zone beyond ±15:59:59.
    TzDispOverflow,
    /// A time zone name, which Freshet cannot resolve.
    BadTimezone(String),
    /// A special value Freshet cannot represent (`now`, `infinity`).
    Unsupported(&'static str),
}

/// The most fields PostgreSQL splits input into.
pub(crate) const MAXDATEFIELDS: usize = 25;
/// PostgreSQL's `MAXDATELEN`, which sizes its field buffers.
pub(crate) const MAXDATELEN: usize = 128;

/// What a field looks like (PostgreSQL's `DTK_NUMBER`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldType {
    /// Digits, maybe with a point.
    Number,
    /// Letters.
    String,
    /// Digits and two delimiters, or digits and text, or a zone name.
    Date,
    /// Digits with colons.
    Time,
    /// A sign then digits (a zone offset, or a signed number).
    Tz,
    /// A sign then letters (`-infinity`).
    Special,
}

/// One field, lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) ftype: FieldType,
    pub(crate) text: String,
}

/// Splits `s` into fields as `ParseDateTime` does; `buflen` is the size of
/// the caller's work buffer, which limits the total length.
pub(crate) fn parse_date_time(s: &str, buflen: usize) -> Result<Vec<Field>, DtErr> {
    let b = s.as_bytes();
    let mut fields = Vec::new();
    let mut used = 0;
    let mut i = 0;
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    while i < b.len() {
        if is_space(b[i]) {
            i += 1;
            continue;
        }
        if fields.len() >= MAXDATEFIELDS {
            return Err(DtErr::BadFormat);
        }
        let mut text = String::new();
        let mut append = |c: u8, text: &mut String| {
            if used + 1 >= buflen {
                return Err(DtErr::BadFormat);
            }
            used += 1;
            text.push(char::from(c.to_ascii_lowercase()));
            Ok(())
        };
        let ftype;
        let c = b[i];
        if c.is_ascii_digit() {
            while at(i).is_ascii_digit() {
                append(at(i), &mut text)?;
                i += 1;
            }
            if at(i) == b':' {
                ftype = FieldType::Time;
                append(b':', &mut text)?;
                i += 1;
                while at(i).is_ascii_digit() || at(i) == b':' || at(i) == b'.' {
                    append(at(i), &mut text)?;
                    i += 1;
                }
            } else if matches!(at(i), b'-' | b'/' | b'.') {
                let delim = at(i);
                append(delim, &mut text)?;
                i += 1;
                if at(i).is_ascii_digit() {
                    let mut t = if delim == b'.' {
                        FieldType::Number
                    } else {
                        FieldType::Date
                    };
                    while at(i).is_ascii_digit() {
                        append(at(i), &mut text)?;
                        i += 1;
                    }
                    if at(i) == delim {
                        t = FieldType::Date;
                        append(delim, &mut text)?;
                        i += 1;
                        while at(i).is_ascii_digit() || at(i) == delim {
                            append(at(i), &mut text)?;
                            i += 1;
                        }
                    }
                    ftype = t;
                } else {
                    ftype = FieldType::Date;
                    while at(i).is_ascii_alphanumeric() || at(i) == delim {
                        append(at(i), &mut text)?;
                        i += 1;
                    }
                }
            } else {
                ftype = FieldType::Number;
            }
        } else if c == b'.' {
            append(c, &mut text)?;
            i += 1;
            while at(i).is_ascii_digit() {
                append(at(i), &mut text)?;
                i += 1;
            }
            ftype = FieldType::Number;
        } else if c.is_ascii_alphabetic() {
            while at(i).is_ascii_alphabetic() {
                append(at(i), &mut text)?;
                i += 1;
            }
            // Dates may embed '-', '/' or '.'; zone names may embed more.
            // Before a digit or '+', a known keyword is not a zone name.
            let next = at(i);
            let is_date = matches!(next, b'-' | b'/' | b'.')
                || ((next == b'+' || next.is_ascii_digit()) && date_keyword(&text).is_none());
            if is_date {
                loop {
                    append(at(i), &mut text)?;
                    i += 1;
                    let n = at(i);
                    if !(matches!(n, b'+' | b'-' | b'/' | b'_' | b'.' | b':') || n.is_ascii_alphanumeric()) {
                        break;
                    }
                }
                ftype = FieldType::Date;
            } else {
                ftype = FieldType::String;
            }
        } else if c == b'+' || c == b'-' {
            append(c, &mut text)?;
            i += 1;
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            if at(i).is_ascii_digit() {
                ftype = FieldType::Tz;
                append(at(i), &mut text)?;
                i += 1;
                while at(i).is_ascii_digit() || matches!(at(i), b':' | b'.' | b'-') {
                    append(at(i), &mut text)?;
                    i += 1;
                }
            } else if at(i).is_ascii_alphabetic() {
                ftype = FieldType::Special;
                while at(i).is_ascii_alphabetic() {
                    append(at(i), &mut text)?;
                    i += 1;
                }
            } else {
                return Err(DtErr::BadFormat);
            }
        } else if c.is_ascii_punctuation() {
            i += 1;
            continue;
        } else {
            return Err(DtErr::BadFormat);
        }
        // The field's terminating NUL in PostgreSQL's buffer.
        used += 1;
        fields.push(Field { ftype, text });
    }
    Ok(fields)
}

/// A reserved word (`RESERV`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reserved {
    Early,
    Late,
    Epoch,
    Now,
    Today,
    Tomorrow,
    Yesterday,
    /// `allballs`: 00:00:00 UTC.
    Zulu,
}

impl Reserved {
    /// The word, for errors about values Freshet cannot represent.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Reserved::Early => "-infinity",
            Reserved::Late => "infinity",
            Reserved::Epoch => "epoch",
            Reserved::Now => "now",
            Reserved::Today => "today",
            Reserved::Tomorrow => "tomorrow",
            Reserved::Yesterday => "yesterday",
            Reserved::Zulu => "allballs",
        }
    }
}

/// A unit word of the date/time keyword table (`UNITS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateUnit {
    Julian,
    /// Units that only EXTRACT-style syntax uses; as a prefix they are errors.
    Other,
}

/// A date/time keyword, with PostgreSQL's token type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    Reserved(Reserved),
    Month(i32),
    /// `ad` (false) or `bc` (true).
    AdBc(bool),
    /// `am` (false) or `pm` (true).
    AmPm(bool),
    Units(DateUnit),
    Dow,
    /// `dst` after a zone abbreviation.
    DstModifier,
    /// Words that are skipped (`at`, `on`).
    Ignore,
    /// `t` between an ISO date and time.
    IsoTime,
    /// A fixed-offset zone abbreviation (seconds east of UTC).
    Tz(i32),
    /// A daylight-saving zone abbreviation (seconds east of UTC).
    Dtz(i32),
}

/// PostgreSQL's token type numbers, which index the field masks.
pub(crate) mod ty {
    pub(crate) const RESERV: u32 = 0;
    pub(crate) const MONTH: u32 = 1;
    pub(crate) const YEAR: u32 = 2;
    pub(crate) const DAY: u32 = 3;
    pub(crate) const TZ: u32 = 5;
    pub(crate) const DTZ: u32 = 6;
    pub(crate) const IGNORE_DTF: u32 = 8;
    pub(crate) const AMPM: u32 = 9;
    pub(crate) const HOUR: u32 = 10;
    pub(crate) const MINUTE: u32 = 11;
    pub(crate) const SECOND: u32 = 12;
    pub(crate) const MILLISECOND: u32 = 13;
    pub(crate) const MICROSECOND: u32 = 14;
    pub(crate) const DOY: u32 = 15;
    pub(crate) const DOW: u32 = 16;
    pub(crate) const UNITS: u32 = 17;
    pub(crate) const ADBC: u32 = 18;
    pub(crate) const ISOTIME: u32 = 23;
    pub(crate) const WEEK: u32 = 24;
    pub(crate) const DECADE: u32 = 25;
    pub(crate) const CENTURY: u32 = 26;
    pub(crate) const MILLENNIUM: u32 = 27;
    pub(crate) const DTZMOD: u32 = 28;
}

/// The mask bit of a token type (`DTK_M`).
pub(crate) const fn m(t: u32) -> u32 {
    1 << t
}
/// All date fields.
pub(crate) const DATE_M: u32 = m(ty::YEAR) | m(ty::MONTH) | m(ty::DAY);
/// All seconds fields.
pub(crate) const ALL_SECS_M: u32 = m(ty::SECOND) | m(ty::MILLISECOND) | m(ty::MICROSECOND);
/// All time fields.
pub(crate) const TIME_M: u32 = m(ty::HOUR) | m(ty::MINUTE) | ALL_SECS_M;

impl Keyword {
    /// The token type, whose mask bit marks the field as seen.
    pub(crate) fn type_code(self) -> u32 {
        match self {
            Keyword::Reserved(_) => ty::RESERV,
            Keyword::Month(_) => ty::MONTH,
            Keyword::AdBc(_) => ty::ADBC,
            Keyword::AmPm(_) => ty::AMPM,
            Keyword::Units(_) => ty::UNITS,
            Keyword::Dow => ty::DOW,
            Keyword::DstModifier => ty::DTZMOD,
            Keyword::Ignore => ty::IGNORE_DTF,
            Keyword::IsoTime => ty::ISOTIME,
            Keyword::Tz(_) => ty::TZ,
            Keyword::Dtz(_) => ty::DTZ,
        }
    }
}

/// `token` cut to PostgreSQL's `TOKMAXLEN` (10), as its lookups compare.
pub(crate) fn truncated(token: &str) -> &str {
    token.get(..10).unwrap_or(token)
}

/// Looks a lowercased word up in PostgreSQL's `datetktbl`.
pub(crate) fn date_keyword(token: &str) -> Option<Keyword> {
    use Keyword::*;
    Some(match truncated(token) {
        "-infinity" => Reserved(self::Reserved::Early),
        "+infinity" | "infinity" => Reserved(self::Reserved::Late),
        "epoch" => Reserved(self::Reserved::Epoch),
        "now" => Reserved(self::Reserved::Now),
        "today" => Reserved(self::Reserved::Today),
        "tomorrow" => Reserved(self::Reserved::Tomorrow),
        "yesterday" => Reserved(self::Reserved::Yesterday),
        "allballs" => Reserved(self::Reserved::Zulu),
        "ad" => AdBc(false),
        "bc" => AdBc(true),
        "am" => AmPm(false),
        "pm" => AmPm(true),
        "jan" | "january" => Month(1),
        "feb" | "february" => Month(2),
        "mar" | "march" => Month(3),
        "apr" | "april" => Month(4),
        "may" => Month(5),
        "jun" | "june" => Month(6),
        "jul" | "july" => Month(7),
        "aug" | "august" => Month(8),
        "sep" | "sept" | "september" => Month(9),
        "oct" | "october" => Month(10),
        "nov" | "november" => Month(11),
        "dec" | "december" => Month(12),
        "sun" | "sunday" | "mon" | "monday" | "tue" | "tues" | "tuesday" | "wed" | "weds" | "wednesday" | "thu"
        | "thur" | "thurs" | "thursday" | "fri" | "friday" | "sat" | "saturday" => Dow,
        "j" | "jd" | "julian" => Units(DateUnit::Julian),
        "d" | "h" | "m" | "mm" | "s" | "y" | "dow" | "doy" | "isodow" | "isoyear" => Units(DateUnit::Other),
        "dst" => DstModifier,
        "at" | "on" => Ignore,
        "t" => IsoTime,
        _ => return None,
    })
}

/// Looks a lowercased word up in the zone abbreviations Freshet knows: the
/// fixed-offset entries of PostgreSQL's `Default` set for UTC and North
/// America.
pub(crate) fn zone_abbrev(token: &str) -> Option<Keyword> {
    Some(match truncated(token) {
        "gmt" | "ut" | "utc" | "z" | "zulu" => Keyword::Tz(0),
        "est" => Keyword::Tz(-5 * 3600),
        "edt" => Keyword::Dtz(-4 * 3600),
        "cst" => Keyword::Tz(-6 * 3600),
        "cdt" => Keyword::Dtz(-5 * 3600),
        "mst" => Keyword::Tz(-7 * 3600),
        "mdt" => Keyword::Dtz(-6 * 3600),
        "pst" => Keyword::Tz(-8 * 3600),
        "pdt" => Keyword::Dtz(-7 * 3600),
        _ => return None,
    })
}

/// A unit of an interval (`deltatktbl`'s `UNITS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntervalUnit {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Decade,
    Century,
    Millennium,
    /// Units an interval cannot be written in (`quarter`, `timezone`).
    Other,
}

/// An interval keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeltaKeyword {
    Ago,
    Unit(IntervalUnit),
}

/// Looks a lowercased word up in PostgreSQL's `deltatktbl`.
pub(crate) fn delta_keyword(token: &str) -> Option<DeltaKeyword> {
    use IntervalUnit::*;
    let unit = match truncated(token) {
        "ago" => return Some(DeltaKeyword::Ago),
        "microsecon" | "us" | "usec" | "usecond" | "useconds" | "usecs" => Microsecond,
        "millisecon" | "ms" | "msec" | "msecond" | "mseconds" | "msecs" => Millisecond,
        "s" | "sec" | "second" | "seconds" | "secs" => Second,
        "m" | "min" | "mins" | "minute" | "minutes" => Minute,
        "h" | "hour" | "hours" | "hr" | "hrs" => Hour,
        "d" | "day" | "days" => Day,
        "w" | "week" | "weeks" => Week,
        "mon" | "mons" | "month" | "months" => Month,
        "y" | "year" | "years" | "yr" | "yrs" => Year,
        "dec" | "decade" | "decades" | "decs" => Decade,
        "c" | "cent" | "century" | "centuries" => Century,
        "mil" | "mils" | "millennia" | "millennium" => Millennium,
        "qtr" | "quarter" | "timezone" | "timezone_h" | "timezone_m" => Other,
        _ => return None,
    };
    Some(DeltaKeyword::Unit(unit))
}
