//! `to_char(timestamp | timestamptz, format)`: PostgreSQL's template
//! patterns (`YYYY-MM-DD HH24:MI:SS`), with its modifiers (`FM`, `TM`,
//! `TH`/`th`), its quoting (`"text"`, `\"`) and its rule that any other
//! character is copied.
//!
//! Every keyword PostgreSQL knows is recognized, so no pattern is ever
//! mistaken for literal text; the few Freshet cannot format the way
//! PostgreSQL does (`SP`) raise "feature not supported".

use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::EvalError;

/// What a keyword prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// `AD`/`BC`: with dots, and in which case.
    Era {
        dots: bool,
        upper: bool,
    },
    /// `AM`/`PM`.
    Meridiem {
        dots: bool,
        upper: bool,
    },
    Century,
    DayName {
        abbrev: bool,
        case: Case,
    },
    DayOfYear,
    DayOfMonth,
    DayOfWeek,
    IsoDayOfYear,
    IsoDayOfWeek,
    /// `FF1`..`FF6`: this many fraction digits.
    Fraction(u32),
    /// `FX`: fixed format, which only matters when parsing.
    FixedFormat,
    Hour12,
    Hour24,
    IsoWeek,
    /// `IYYY`, `IYY`, `IY`, `I`: the last this many digits of the ISO year.
    IsoYear(u32),
    Julian,
    Minute,
    Month,
    MonthName {
        abbrev: bool,
        case: Case,
    },
    Millisecond,
    Microsecond,
    Offset,
    Quarter,
    RomanMonth {
        upper: bool,
    },
    SecondsOfDay,
    Second,
    TimeZone {
        upper: bool,
    },
    TimeZoneHour,
    TimeZoneMinute,
    WeekOfYear,
    WeekOfMonth,
    YearWithComma,
    /// `YYYY`, `YYY`, `YY`, `Y`: the last this many digits of the year.
    Year(u32),
}

/// How a name is capitalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Upper,
    Capitalized,
    Lower,
}

/// PostgreSQL's keywords, spelled exactly as it matches them (case matters).
const KEYWORDS: &[(&str, Field)] = {
    use Case::{Capitalized, Lower, Upper};
    use Field::*;
    &[
        (
            "A.D.",
            Era {
                dots: true,
                upper: true,
            },
        ),
        (
            "A.M.",
            Meridiem {
                dots: true,
                upper: true,
            },
        ),
        (
            "AD",
            Era {
                dots: false,
                upper: true,
            },
        ),
        (
            "AM",
            Meridiem {
                dots: false,
                upper: true,
            },
        ),
        (
            "B.C.",
            Era {
                dots: true,
                upper: true,
            },
        ),
        (
            "BC",
            Era {
                dots: false,
                upper: true,
            },
        ),
        ("CC", Century),
        (
            "DAY",
            DayName {
                abbrev: false,
                case: Upper,
            },
        ),
        ("DDD", DayOfYear),
        ("DD", DayOfMonth),
        (
            "DY",
            DayName {
                abbrev: true,
                case: Upper,
            },
        ),
        (
            "Day",
            DayName {
                abbrev: false,
                case: Capitalized,
            },
        ),
        (
            "Dy",
            DayName {
                abbrev: true,
                case: Capitalized,
            },
        ),
        ("D", DayOfWeek),
        ("FF1", Fraction(1)),
        ("FF2", Fraction(2)),
        ("FF3", Fraction(3)),
        ("FF4", Fraction(4)),
        ("FF5", Fraction(5)),
        ("FF6", Fraction(6)),
        ("FX", FixedFormat),
        ("HH24", Hour24),
        ("HH12", Hour12),
        ("HH", Hour12),
        ("IDDD", IsoDayOfYear),
        ("ID", IsoDayOfWeek),
        ("IW", IsoWeek),
        ("IYYY", IsoYear(4)),
        ("IYY", IsoYear(3)),
        ("IY", IsoYear(2)),
        ("I", IsoYear(1)),
        ("J", Julian),
        ("MI", Minute),
        ("MM", Month),
        (
            "MONTH",
            MonthName {
                abbrev: false,
                case: Upper,
            },
        ),
        (
            "MON",
            MonthName {
                abbrev: true,
                case: Upper,
            },
        ),
        ("MS", Millisecond),
        (
            "Month",
            MonthName {
                abbrev: false,
                case: Capitalized,
            },
        ),
        (
            "Mon",
            MonthName {
                abbrev: true,
                case: Capitalized,
            },
        ),
        ("OF", Offset),
        (
            "P.M.",
            Meridiem {
                dots: true,
                upper: true,
            },
        ),
        (
            "PM",
            Meridiem {
                dots: false,
                upper: true,
            },
        ),
        ("Q", Quarter),
        ("RM", RomanMonth { upper: true }),
        ("SSSSS", SecondsOfDay),
        ("SSSS", SecondsOfDay),
        ("SS", Second),
        ("TZH", TimeZoneHour),
        ("TZM", TimeZoneMinute),
        ("TZ", TimeZone { upper: true }),
        ("US", Microsecond),
        ("WW", WeekOfYear),
        ("W", WeekOfMonth),
        ("Y,YYY", YearWithComma),
        ("YYYY", Year(4)),
        ("YYY", Year(3)),
        ("YY", Year(2)),
        ("Y", Year(1)),
        (
            "a.d.",
            Era {
                dots: true,
                upper: false,
            },
        ),
        (
            "a.m.",
            Meridiem {
                dots: true,
                upper: false,
            },
        ),
        (
            "ad",
            Era {
                dots: false,
                upper: false,
            },
        ),
        (
            "am",
            Meridiem {
                dots: false,
                upper: false,
            },
        ),
        (
            "b.c.",
            Era {
                dots: true,
                upper: false,
            },
        ),
        (
            "bc",
            Era {
                dots: false,
                upper: false,
            },
        ),
        ("cc", Century),
        (
            "day",
            DayName {
                abbrev: false,
                case: Lower,
            },
        ),
        ("ddd", DayOfYear),
        ("dd", DayOfMonth),
        (
            "dy",
            DayName {
                abbrev: true,
                case: Lower,
            },
        ),
        ("d", DayOfWeek),
        ("ff1", Fraction(1)),
        ("ff2", Fraction(2)),
        ("ff3", Fraction(3)),
        ("ff4", Fraction(4)),
        ("ff5", Fraction(5)),
        ("ff6", Fraction(6)),
        ("fx", FixedFormat),
        ("hh24", Hour24),
        ("hh12", Hour12),
        ("hh", Hour12),
        ("iddd", IsoDayOfYear),
        ("id", IsoDayOfWeek),
        ("iw", IsoWeek),
        ("iyyy", IsoYear(4)),
        ("iyy", IsoYear(3)),
        ("iy", IsoYear(2)),
        ("i", IsoYear(1)),
        ("j", Julian),
        ("mi", Minute),
        ("mm", Month),
        (
            "month",
            MonthName {
                abbrev: false,
                case: Lower,
            },
        ),
        (
            "mon",
            MonthName {
                abbrev: true,
                case: Lower,
            },
        ),
        ("ms", Millisecond),
        ("of", Offset),
        (
            "p.m.",
            Meridiem {
                dots: true,
                upper: false,
            },
        ),
        (
            "pm",
            Meridiem {
                dots: false,
                upper: false,
            },
        ),
        ("q", Quarter),
        ("rm", RomanMonth { upper: false }),
        ("sssss", SecondsOfDay),
        ("ssss", SecondsOfDay),
        ("ss", Second),
        ("tzh", TimeZoneHour),
        ("tzm", TimeZoneMinute),
        ("tz", TimeZone { upper: false }),
        ("us", Microsecond),
        ("ww", WeekOfYear),
        ("w", WeekOfMonth),
        ("y,yyy", YearWithComma),
        ("yyyy", Year(4)),
        ("yyy", Year(3)),
        ("yy", Year(2)),
        ("y", Year(1)),
    ]
};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

const ROMAN_MONTHS: [&str; 12] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"];

/// The longest keyword at the start of `s`.
fn keyword(s: &str) -> Option<(&'static str, Field)> {
    KEYWORDS
        .iter()
        .filter(|(name, _)| s.starts_with(name))
        .max_by_key(|(name, _)| name.len())
        .copied()
}

/// The value being formatted: local date and time, and whether it has a
/// time zone (`timestamptz`, shown in UTC).
struct Moment {
    at: NaiveDateTime,
    with_zone: bool,
}

/// Formats `at` by the template `format`; `with_zone` for a
/// `timestamptz` (Freshet's session time zone is UTC).
pub(crate) fn to_char(at: NaiveDateTime, with_zone: bool, format: &str) -> Result<String, EvalError> {
    let moment = Moment { at, with_zone };
    let mut out = String::new();
    let mut rest = format;
    while !rest.is_empty() {
        // One prefix modifier; without a keyword after it, it vanishes.
        let (mut fill_mode, mut translate) = (false, false);
        let mut body = rest;
        if let Some(after) = body.strip_prefix("FM").or_else(|| body.strip_prefix("fm")) {
            fill_mode = true;
            body = after;
        } else if let Some(after) = body.strip_prefix("TM").or_else(|| body.strip_prefix("tm")) {
            translate = true;
            body = after;
        }
        if let Some((name, field)) = keyword(body) {
            body = &body[name.len()..];
            let mut ordinal = None;
            if let Some(after) = body.strip_prefix("TH") {
                ordinal = Some(true);
                body = after;
            } else if let Some(after) = body.strip_prefix("th") {
                ordinal = Some(false);
                body = after;
            }
            if body.starts_with("SP") || body.starts_with("sp") {
                return Err(EvalError::Unsupported("the to_char suffix SP".into()));
            }
            let start = out.len();
            moment.write(field, fill_mode, translate, &mut out);
            if let Some(upper) = ordinal
                && field.is_numeric()
            {
                let suffix = ordinal_suffix(&out[start..]);
                out.push_str(&if upper {
                    suffix.to_uppercase()
                } else {
                    suffix.to_owned()
                });
            }
            rest = body;
            continue;
        }
        let mut chars = body.chars();
        match chars.next() {
            Some('"') => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        c => {
                            out.push(c);
                            escaped = false;
                        }
                    }
                }
            }
            Some('\\') if chars.as_str().starts_with('"') => {
                out.push('"');
                chars.next();
            }
            Some(c) => out.push(c),
            None => {}
        }
        rest = chars.as_str();
    }
    Ok(out)
}

impl Field {
    /// Whether the field prints a number (which `TH` can follow).
    fn is_numeric(self) -> bool {
        !matches!(
            self,
            Field::Era { .. }
                | Field::Meridiem { .. }
                | Field::DayName { .. }
                | Field::MonthName { .. }
                | Field::RomanMonth { .. }
                | Field::TimeZone { .. }
                | Field::FixedFormat
                | Field::Offset
                | Field::TimeZoneHour
        )
    }
}

/// `st`, `nd`, `rd` or `th` for the number ending `digits`.
fn ordinal_suffix(digits: &str) -> &'static str {
    let mut rev = digits.bytes().rev();
    let last = rev.next();
    let tens = rev.next();
    if tens == Some(b'1') {
        return "th";
    }
    match last {
        Some(b'1') => "st",
        Some(b'2') => "nd",
        Some(b'3') => "rd",
        _ => "th",
    }
}

/// A number zero-padded to `width` digits, or unpadded in fill mode (the
/// sign, if any, is not counted).
fn padded(out: &mut String, value: i64, width: usize, fill_mode: bool) {
    let width = if fill_mode { 0 } else { width };
    if value < 0 {
        out.push('-');
    }
    out.push_str(&format!("{:0width$}", value.unsigned_abs()));
}

/// A name in the requested case, blank-padded to 9 characters unless in
/// fill or translation mode (PostgreSQL's `%-9s`).
fn name(out: &mut String, name: &str, abbrev: bool, case: Case, pad: bool) {
    let name = if abbrev { &name[..3] } else { name };
    let text = match case {
        Case::Upper => name.to_uppercase(),
        Case::Lower => name.to_lowercase(),
        Case::Capitalized => name.to_owned(),
    };
    out.push_str(&text);
    if pad && !abbrev {
        out.extend(std::iter::repeat_n(' ', 9usize.saturating_sub(text.len())));
    }
}

impl Moment {
    /// The year as PostgreSQL shows it: 1 BC is 1, not chrono's 0.
    fn shown_year(year: i32) -> i64 {
        let year = i64::from(year);
        if year <= 0 { 1 - year } else { year }
    }

    fn write(&self, field: Field, fill_mode: bool, translate: bool, out: &mut String) {
        let at = self.at;
        let date = at.date();
        let year = date.year();
        let micros = i64::from(at.nanosecond() / 1000);
        let hour12 = match at.hour() % 12 {
            0 => 12,
            h => i64::from(h),
        };
        match field {
            Field::Era { dots, upper } => {
                let text = match (year <= 0, dots) {
                    (true, true) => "b.c.",
                    (true, false) => "bc",
                    (false, true) => "a.d.",
                    (false, false) => "ad",
                };
                out.push_str(&if upper { text.to_uppercase() } else { text.to_owned() });
            }
            Field::Meridiem { dots, upper } => {
                let text = match (at.hour() >= 12, dots) {
                    (true, true) => "p.m.",
                    (true, false) => "pm",
                    (false, true) => "a.m.",
                    (false, false) => "am",
                };
                out.push_str(&if upper { text.to_uppercase() } else { text.to_owned() });
            }
            Field::Century => {
                let century = if year > 0 {
                    (i64::from(year) - 1) / 100 + 1
                } else {
                    i64::from(year) / 100 - 1
                };
                if (-99..=99).contains(&century) {
                    padded(out, century, 2, fill_mode);
                } else {
                    out.push_str(&century.to_string());
                }
            }
            Field::DayName { abbrev, case } => {
                let day = DAYS[date.weekday().num_days_from_sunday() as usize];
                name(out, day, abbrev, case, !fill_mode && !translate);
            }
            Field::MonthName { abbrev, case } => {
                let month = MONTHS[date.month0() as usize];
                name(out, month, abbrev, case, !fill_mode && !translate);
            }
            Field::DayOfYear => padded(out, i64::from(date.ordinal()), 3, fill_mode),
            Field::DayOfMonth => padded(out, i64::from(date.day()), 2, fill_mode),
            Field::DayOfWeek => out.push_str(&date.weekday().number_from_sunday().to_string()),
            Field::IsoDayOfWeek => out.push_str(&date.weekday().number_from_monday().to_string()),
            Field::IsoDayOfYear => {
                let week = date.iso_week().week();
                let day = (week - 1) * 7 + date.weekday().number_from_monday();
                padded(out, i64::from(day), 3, fill_mode);
            }
            Field::IsoWeek => padded(out, i64::from(date.iso_week().week()), 2, fill_mode),
            Field::Fraction(digits) => {
                let value = micros / 10_i64.pow(6 - digits);
                padded(out, value, digits as usize, false);
            }
            Field::FixedFormat => {}
            Field::Hour12 => padded(out, hour12, 2, fill_mode),
            Field::Hour24 => padded(out, i64::from(at.hour()), 2, fill_mode),
            Field::Minute => padded(out, i64::from(at.minute()), 2, fill_mode),
            Field::Second => padded(out, i64::from(at.second()), 2, fill_mode),
            Field::Millisecond => padded(out, micros / 1000, 3, false),
            Field::Microsecond => padded(out, micros, 6, false),
            Field::SecondsOfDay => out.push_str(&at.num_seconds_from_midnight().to_string()),
            Field::Month => padded(out, i64::from(date.month()), 2, fill_mode),
            Field::Quarter => out.push_str(&(date.month0() / 3 + 1).to_string()),
            Field::RomanMonth { upper } => {
                let roman = ROMAN_MONTHS[date.month0() as usize];
                let roman = if upper { roman.to_owned() } else { roman.to_lowercase() };
                out.push_str(&roman);
                if !fill_mode {
                    out.extend(std::iter::repeat_n(' ', 4 - roman.len()));
                }
            }
            Field::Julian => {
                // Day 0 of the Julian day count is 4714-11-24 BC (proleptic Gregorian).
                let julian = i64::from(date.num_days_from_ce()) + 1_721_425;
                out.push_str(&julian.to_string());
            }
            Field::TimeZone { upper } => {
                if self.with_zone {
                    out.push_str(if upper { "UTC" } else { "utc" });
                }
            }
            Field::TimeZoneHour => out.push_str("+00"),
            Field::Offset => out.push_str(if fill_mode { "+0" } else { "+00" }),
            Field::TimeZoneMinute => out.push_str("00"),
            Field::WeekOfYear => padded(out, i64::from((date.ordinal() - 1) / 7 + 1), 2, fill_mode),
            Field::WeekOfMonth => out.push_str(&((date.day() - 1) / 7 + 1).to_string()),
            Field::YearWithComma => {
                let shown = Moment::shown_year(year);
                out.push_str(&format!("{},{:03}", shown / 1000, shown % 1000));
            }
            Field::Year(digits) => year_digits(out, Moment::shown_year(year), digits, fill_mode),
            Field::IsoYear(digits) => {
                year_digits(out, Moment::shown_year(date.iso_week().year()), digits, fill_mode);
            }
        }
    }
}

/// `YYYY` (all digits, at least four) or the last 3, 2 or 1 digits.
fn year_digits(out: &mut String, year: i64, digits: u32, fill_mode: bool) {
    if digits == 4 {
        padded(out, year, 4, fill_mode);
    } else {
        padded(out, year % 10_i64.pow(digits), digits as usize, fill_mode);
    }
}

#[cfg(test)]
mod tests;
