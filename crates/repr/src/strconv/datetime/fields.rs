//! Decoding single date/time fields: ports of PostgreSQL's `DecodeDate`,
//! `DecodeNumber`, `DecodeNumberField`, `DecodeTimeCommon`,
//! `DecodeTimezone`, `ValidateDate` and the Julian-day arithmetic.

use super::lex::{DATE_M, DtErr, Keyword, MAXDATEFIELDS, TIME_M, date_keyword, m, ty};
use crate::strconv::scan::{strtod, strtol};

/// Microseconds per second, minute, hour and day.
pub(crate) const USECS_PER_SEC: i64 = 1_000_000;
pub(crate) const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
pub(crate) const USECS_PER_HOUR: i64 = 60 * USECS_PER_MINUTE;
pub(crate) const USECS_PER_DAY: i64 = 24 * USECS_PER_HOUR;
/// The Julian day of 2000-01-01, PostgreSQL's epoch.
pub(crate) const POSTGRES_EPOCH_JDATE: i64 = 2_451_545;

/// Broken-down date and time fields (PostgreSQL's `struct pg_tm` plus
/// `fsec`). Years are astronomical once validated: 0 is 1 BC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tm {
    pub(crate) year: i32,
    pub(crate) mon: i32,
    pub(crate) mday: i32,
    pub(crate) hour: i32,
    pub(crate) min: i32,
    pub(crate) sec: i32,
    pub(crate) yday: i32,
    /// Fractional seconds in microseconds.
    pub(crate) fsec: i64,
}

/// The Julian day of a proleptic Gregorian date (`date2j`).
pub(crate) fn date2j(year: i32, month: i32, day: i32) -> i64 {
    let (mut y, mut m) = (i64::from(year), i64::from(month));
    if m > 2 {
        m += 1;
        y += 4800;
    } else {
        m += 13;
        y += 4799;
    }
    // C's truncating division, as PostgreSQL computes it.
    let century = y / 100;
    let mut julian = y * 365 - 32167;
    julian += y / 4 - century + century / 4;
    julian + 7834 * m / 256 + i64::from(day)
}

/// The date of a nonnegative Julian day (`j2date`).
pub(crate) fn j2date(jd: i32) -> (i32, i32, i32) {
    let mut julian = i64::from(jd) + 32044;
    let mut quad = julian / 146_097;
    let extra = (julian - quad * 146_097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146_097;
    quad = julian / 1461;
    julian -= quad * 1461;
    let mut y = julian * 4 / 1461;
    julian = if y != 0 {
        (julian + 305) % 365
    } else {
        (julian + 306) % 366
    } + 123;
    y += quad * 4;
    let quad = julian * 2141 / 65536;
    let day = julian - 7834 * quad / 256;
    let month = (quad + 10) % 12 + 1;
    let narrow = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    (narrow(y - 4800), narrow(month), narrow(day))
}

/// PostgreSQL's `IS_VALID_JULIAN`: from 4714-11-01 BC to 5874898-06-01.
pub(crate) fn is_valid_julian(year: i32, month: i32) -> bool {
    (year > -4713 || (year == -4713 && month >= 11)) && (year < 5_874_898 || (year == 5_874_898 && month < 6))
}

/// Whether `year` (astronomical) is a leap year.
fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days in a month.
fn days_in_month(year: i32, month: i32) -> i32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether broken-down time is beyond 24:00:00 (`time_overflows`).
pub(crate) fn time_overflows(hour: i32, min: i32, sec: i32, fsec: i64) -> bool {
    if !(0..=24).contains(&hour)
        || !(0..60).contains(&min)
        || !(0..=60).contains(&sec)
        || !(0..=USECS_PER_SEC).contains(&fsec)
    {
        return true;
    }
    ((i64::from(hour) * 60 + i64::from(min)) * 60 + i64::from(sec)) * USECS_PER_SEC + fsec > USECS_PER_DAY
}

/// Parses `.digits` as a fraction (`ParseFraction`); `.` alone is zero.
pub(crate) fn parse_fraction(s: &str) -> Result<f64, DtErr> {
    if s == "." {
        return Ok(0.0);
    }
    match strtod(s.as_bytes()) {
        Some(p) if p.len == s.len() && !p.range_error => Ok(p.value),
        _ => Err(DtErr::BadFormat),
    }
}

/// Parses `.digits` as microseconds, rounded half to even
/// (`ParseFractionalSecond`).
pub(crate) fn parse_fractional_second(s: &str) -> Result<i64, DtErr> {
    Ok(rint_micros(parse_fraction(s)?))
}

/// `rint(frac * 1000000)`.
fn rint_micros(frac: f64) -> i64 {
    // Fractions are below 1, so this never saturates.
    (frac * 1e6).round_ties_even() as i64
}

/// C's `atoi` on a digit string (saturating instead of undefined overflow).
fn atoi(s: &str) -> i32 {
    let p = strtol(s.as_bytes());
    p.as_i32().unwrap_or(if p.value.is_some_and(|v| v < 0) {
        i32::MIN
    } else {
        i32::MAX
    })
}

/// A field's integer prefix as C's `strtoint`, and the rest of the field.
pub(crate) fn strtoint(s: &str) -> Result<(i32, &str), DtErr> {
    let p = strtol(s.as_bytes());
    let v = p.as_i32().ok_or(DtErr::FieldOverflow)?;
    Ok((v, &s[p.len..]))
}

/// Decodes a date with delimiters (`DecodeDate`); returns the fields set.
pub(crate) fn decode_date(s: &str, mut fmask: u32, is2digits: &mut bool, tm: &mut Tm) -> Result<u32, DtErr> {
    let b = s.as_bytes();
    let mut parts: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < b.len() && parts.len() < MAXDATEFIELDS {
        while i < b.len() && !b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i == b.len() {
            return Err(DtErr::BadFormat);
        }
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
        }
        parts.push(&s[start..i]);
        // PostgreSQL overwrites the character after each field.
        if i < b.len() {
            i += 1;
        }
    }
    let mut tmask = 0;
    let mut have_text_month = false;
    let mut numeric = Vec::new();
    for part in parts {
        if part.as_bytes()[0].is_ascii_alphabetic() {
            match date_keyword(part) {
                Some(Keyword::Ignore) => continue,
                Some(Keyword::Month(mon)) => {
                    tm.mon = mon;
                    have_text_month = true;
                }
                _ => return Err(DtErr::BadFormat),
            }
            let dmask = m(ty::MONTH);
            if fmask & dmask != 0 {
                return Err(DtErr::BadFormat);
            }
            fmask |= dmask;
            tmask |= dmask;
        } else {
            numeric.push(part);
        }
    }
    for part in numeric {
        let dmask = decode_number(part, have_text_month, fmask, tm, is2digits)?;
        if fmask & dmask != 0 {
            return Err(DtErr::BadFormat);
        }
        fmask |= dmask;
        tmask |= dmask;
    }
    if fmask & !(m(ty::DOY) | m(ty::TZ)) != DATE_M {
        return Err(DtErr::BadFormat);
    }
    Ok(tmask)
}

/// Interprets a plain number as a date field in context (`DecodeNumber`,
/// DateOrder MDY); returns the fields set.
pub(crate) fn decode_number(
    s: &str,
    have_text_month: bool,
    fmask: u32,
    tm: &mut Tm,
    is2digits: &mut bool,
) -> Result<u32, DtErr> {
    let flen = s.len();
    let p = strtol(s.as_bytes());
    let val = p.as_i32().ok_or(DtErr::FieldOverflow)?;
    if p.len == 0 {
        return Err(DtErr::BadFormat);
    }
    let rest = &s[p.len..];
    if rest.starts_with('.') {
        // More than two digits before the point: a run-together date or time.
        if p.len > 2 {
            return decode_number_field(s, fmask | DATE_M, tm, is2digits).map(|(tmask, _)| tmask);
        }
        tm.fsec = parse_fractional_second(rest)?;
    } else if !rest.is_empty() {
        return Err(DtErr::BadFormat);
    }
    // A day of the year after a year.
    if flen == 3 && fmask & DATE_M == m(ty::YEAR) && (1..=366).contains(&val) {
        tm.yday = val;
        return Ok(m(ty::DOY) | m(ty::MONTH) | m(ty::DAY));
    }
    let tmask = match fmask & DATE_M {
        0 if flen >= 3 => {
            tm.year = val;
            m(ty::YEAR)
        }
        0 => {
            tm.mon = val;
            m(ty::MONTH)
        }
        f if f == m(ty::YEAR) => {
            tm.mon = val;
            m(ty::MONTH)
        }
        f if f == m(ty::MONTH) && have_text_month && flen >= 3 => {
            tm.year = val;
            m(ty::YEAR)
        }
        f if f == m(ty::MONTH) => {
            tm.mday = val;
            m(ty::DAY)
        }
        f if f == m(ty::YEAR) | m(ty::MONTH) => {
            if have_text_month && flen >= 3 && *is2digits {
                // The first number was the day, not a two-digit year.
                tm.mday = tm.year;
                tm.year = val;
                *is2digits = false;
            } else {
                tm.mday = val;
            }
            m(ty::DAY)
        }
        f if f == m(ty::DAY) => {
            tm.mon = val;
            m(ty::MONTH)
        }
        f if f == m(ty::MONTH) | m(ty::DAY) => {
            tm.year = val;
            m(ty::YEAR)
        }
        DATE_M => return decode_number_field(s, fmask, tm, is2digits).map(|(tmask, _)| tmask),
        _ => return Err(DtErr::BadFormat),
    };
    if tmask == m(ty::YEAR) {
        *is2digits = flen <= 2;
    }
    Ok(tmask)
}

/// What [`decode_number_field`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunTogether {
    Date,
    Time,
}

/// Interprets run-together digits (`20240131`, `040506.789`) in context
/// (`DecodeNumberField`); returns the fields set and what they were.
pub(crate) fn decode_number_field(
    s: &str,
    fmask: u32,
    tm: &mut Tm,
    is2digits: &mut bool,
) -> Result<(u32, RunTogether), DtErr> {
    let mut s = s;
    if let Some(dot) = s.find('.') {
        let frac = &s[dot..];
        tm.fsec = if frac == "." {
            0
        } else {
            match strtod(frac.as_bytes()) {
                Some(p) if !p.range_error => rint_micros(p.value),
                _ => return Err(DtErr::BadFormat),
            }
        };
        s = &s[..dot];
    } else if fmask & DATE_M != DATE_M && s.len() >= 6 {
        let len = s.len();
        tm.mday = atoi(&s[len - 2..]);
        tm.mon = atoi(&s[len - 4..len - 2]);
        tm.year = atoi(&s[..len - 4]);
        if len - 4 == 2 {
            *is2digits = true;
        }
        return Ok((DATE_M, RunTogether::Date));
    }
    if fmask & TIME_M != TIME_M {
        if s.len() == 6 {
            tm.sec = atoi(&s[4..]);
            tm.min = atoi(&s[2..4]);
            tm.hour = atoi(&s[..2]);
            return Ok((TIME_M, RunTogether::Time));
        } else if s.len() == 4 {
            tm.sec = 0;
            tm.min = atoi(&s[2..]);
            tm.hour = atoi(&s[..2]);
            return Ok((TIME_M, RunTogether::Time));
        }
    }
    Err(DtErr::BadFormat)
}

/// The fields of `h:m[:s][.f]` (`DecodeTimeCommon` with the full range).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TimeFields {
    pub(crate) hour: i64,
    pub(crate) min: i32,
    pub(crate) sec: i32,
    pub(crate) usec: i64,
}

/// Decodes `hh:mm`, `hh:mm:ss[.f]` or `mm:ss.f`.
pub(crate) fn decode_time_common(s: &str) -> Result<TimeFields, DtErr> {
    let p = strtol(s.as_bytes());
    let mut hour = p.value.ok_or(DtErr::FieldOverflow)?;
    let rest = s[p.len..].strip_prefix(':').ok_or(DtErr::BadFormat)?;
    let (mut min, rest) = strtoint(rest)?;
    let mut sec = 0;
    let mut fsec = 0;
    if rest.is_empty() {
        // hh:mm
    } else if rest.starts_with('.') {
        // mm:ss.f
        fsec = parse_fractional_second(rest)?;
        let minutes = i32::try_from(hour).map_err(|_| DtErr::FieldOverflow)?;
        sec = min;
        min = minutes;
        hour = 0;
    } else if let Some(rest) = rest.strip_prefix(':') {
        let (s, rest) = strtoint(rest)?;
        sec = s;
        if rest.starts_with('.') {
            fsec = parse_fractional_second(rest)?;
        } else if !rest.is_empty() {
            return Err(DtErr::BadFormat);
        }
    } else {
        return Err(DtErr::BadFormat);
    }
    if hour < 0 || !(0..60).contains(&min) || !(0..=60).contains(&sec) || !(0..=USECS_PER_SEC).contains(&fsec) {
        return Err(DtErr::FieldOverflow);
    }
    Ok(TimeFields {
        hour,
        min,
        sec,
        usec: fsec,
    })
}

/// Decodes a time into `tm` (`DecodeTime`); returns the fields set.
pub(crate) fn decode_time(s: &str, tm: &mut Tm) -> Result<u32, DtErr> {
    let t = decode_time_common(s)?;
    tm.hour = i32::try_from(t.hour).map_err(|_| DtErr::FieldOverflow)?;
    tm.min = t.min;
    tm.sec = t.sec;
    tm.fsec = t.usec;
    Ok(TIME_M)
}

/// Decodes a numeric zone (`+05`, `-0530`, `+05:30:15`) into PostgreSQL's
/// convention: seconds west of UTC (`DecodeTimezone`).
pub(crate) fn decode_timezone(s: &str) -> Result<i32, DtErr> {
    let negative = match s.as_bytes().first() {
        Some(b'+') => false,
        Some(b'-') => true,
        _ => return Err(DtErr::BadFormat),
    };
    let overflow = |_| DtErr::TzDispOverflow;
    let (mut hr, mut rest) = strtoint(&s[1..]).map_err(overflow)?;
    let mut min = 0;
    let mut sec = 0;
    if let Some(r) = rest.strip_prefix(':') {
        let (m, r) = strtoint(r).map_err(overflow)?;
        min = m;
        rest = r;
        if let Some(r) = rest.strip_prefix(':') {
            let (s, r) = strtoint(r).map_err(overflow)?;
            sec = s;
            rest = r;
        }
    } else if rest.is_empty() && s.len() > 3 {
        min = hr % 100;
        hr /= 100;
    }
    if !(0..=15).contains(&hr) || !(0..60).contains(&min) || !(0..60).contains(&sec) {
        return Err(DtErr::TzDispOverflow);
    }
    let tz = (hr * 60 + min) * 60 + sec;
    if !rest.is_empty() {
        return Err(DtErr::BadFormat);
    }
    Ok(if negative { tz } else { -tz })
}

/// Checks year, month and day and applies BC, two-digit years and day of
/// year (`ValidateDate`).
pub(crate) fn validate_date(fmask: u32, is_julian: bool, is2digits: bool, bc: bool, tm: &mut Tm) -> Result<(), DtErr> {
    if fmask & m(ty::YEAR) != 0 {
        if is_julian {
            // Already astronomical.
        } else if bc {
            if tm.year <= 0 {
                return Err(DtErr::FieldOverflow);
            }
            tm.year = 1 - tm.year;
        } else if is2digits {
            if tm.year < 0 {
                return Err(DtErr::FieldOverflow);
            }
            if tm.year < 70 {
                tm.year += 2000;
            } else if tm.year < 100 {
                tm.year += 1900;
            }
        } else if tm.year <= 0 {
            return Err(DtErr::FieldOverflow);
        }
    }
    if fmask & m(ty::DOY) != 0 {
        let jd = date2j(tm.year, 1, 1) + i64::from(tm.yday) - 1;
        let jd = i32::try_from(jd).map_err(|_| DtErr::FieldOverflow)?;
        (tm.year, tm.mon, tm.mday) = j2date(jd);
    }
    if fmask & m(ty::MONTH) != 0 && !(1..=12).contains(&tm.mon) {
        return Err(DtErr::MdFieldOverflow);
    }
    if fmask & m(ty::DAY) != 0 && !(1..=31).contains(&tm.mday) {
        return Err(DtErr::MdFieldOverflow);
    }
    if fmask & DATE_M == DATE_M && tm.mday > days_in_month(tm.year, tm.mon) {
        return Err(DtErr::FieldOverflow);
    }
    Ok(())
}
