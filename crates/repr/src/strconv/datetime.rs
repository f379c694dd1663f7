//! `date`, `time`, `timestamp` and `timestamp with time zone`.
//!
//! Input is a port of PostgreSQL's date/time parser (DateStyle `ISO, MDY`,
//! session time zone UTC), so it accepts what PostgreSQL accepts: ISO dates
//! and times, `T` separators, run-together digits, month names, `BC`, Julian
//! days, numeric zones and `epoch`. Named time zones, `now`/`today` and the
//! infinities are rejected: Freshet cannot represent or resolve them yet.
//! Output is DateStyle `ISO`: `YYYY-MM-DD HH:MM:SS[.ffffff][+00][ BC]`.

pub(crate) mod decode;
pub(crate) mod fields;
pub(crate) mod lex;

use std::fmt::Write;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use self::decode::{DType, decode_date_time, decode_time_only};
use self::fields::{POSTGRES_EPOCH_JDATE, Tm, USECS_PER_DAY, USECS_PER_SEC, date2j, is_valid_julian};
use self::lex::{DtErr, MAXDATEFIELDS, MAXDATELEN, parse_date_time};
use crate::ReprError;

/// The Julian day of 0001-01-01, where chrono's day count starts at 1.
const CE_JDATE_OFFSET: i64 = 1_721_425;
/// Microseconds from PostgreSQL's epoch (2000-01-01) to the Unix epoch.
const POSTGRES_TO_UNIX_USECS: i64 = 10_957 * USECS_PER_DAY;
/// PostgreSQL's timestamp range, in microseconds since 2000-01-01: from
/// 4714-11-24 BC to the end of 294276 AD.
const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;

/// Maps a parser error to the error PostgreSQL reports for `input` as
/// `type_name`.
pub(crate) fn dt_error(err: DtErr, input: &str, type_name: &'static str) -> ReprError {
    match err {
        DtErr::BadFormat => ReprError::InvalidDatetimeFormat {
            type_name,
            input: input.to_owned(),
        },
        DtErr::FieldOverflow | DtErr::MdFieldOverflow => ReprError::DatetimeFieldOverflow {
            input: input.to_owned(),
        },
        DtErr::TzDispOverflow => ReprError::TimeZoneDisplacementOutOfRange {
            input: input.to_owned(),
        },
        DtErr::BadTimezone(zone) => ReprError::UnsupportedTimeZone { zone },
        DtErr::Unsupported(value) => ReprError::UnsupportedValue {
            type_name,
            value: value.to_owned(),
        },
    }
}

fn out_of_range(type_name: &'static str, input: &str) -> ReprError {
    ReprError::DatetimeValueOutOfRange {
        type_name,
        input: input.to_owned(),
    }
}

/// The date of a Julian day, if chrono can represent it.
fn date_from_julian(jd: i64) -> Option<NaiveDate> {
    i32::try_from(jd - CE_JDATE_OFFSET)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Parses a `date`; any time and zone are checked and ignored.
pub(super) fn parse_date(s: &str) -> Result<NaiveDate, ReprError> {
    const TYPE: &str = "date";
    let decoded = parse_date_time(s, MAXDATELEN + 1)
        .and_then(|fields| decode_date_time(&fields))
        .map_err(|e| dt_error(e, s, TYPE))?;
    let tm = match decoded.dtype {
        DType::Date => decoded.tm,
        DType::Epoch => Tm {
            year: 1970,
            mon: 1,
            mday: 1,
            ..Tm::default()
        },
        DType::Late => return Err(dt_error(DtErr::Unsupported("infinity"), s, TYPE)),
        DType::Early => return Err(dt_error(DtErr::Unsupported("-infinity"), s, TYPE)),
    };
    if !is_valid_julian(tm.year, tm.mon) {
        return Err(out_of_range(TYPE, s));
    }
    let jd = date2j(tm.year, tm.mon, tm.mday);
    // PostgreSQL's dates start at Julian day 0 (4714-11-24 BC).
    if jd < 0 {
        return Err(out_of_range(TYPE, s));
    }
    date_from_julian(jd).ok_or_else(|| out_of_range(TYPE, s))
}

/// Parses a `time`; any date and zone are checked and ignored.
pub(super) fn parse_time(s: &str) -> Result<NaiveTime, ReprError> {
    const TYPE: &str = "time";
    let tm = parse_date_time(s, MAXDATELEN + 1)
        .and_then(|fields| decode_time_only(&fields))
        .map_err(|e| dt_error(e, s, TYPE))?;
    let micros = time_micros(&tm).ok_or_else(|| dt_error(DtErr::FieldOverflow, s, TYPE))?;
    if micros >= USECS_PER_DAY {
        return Err(dt_error(DtErr::Unsupported("24:00:00"), s, TYPE));
    }
    time_from_micros(micros).ok_or_else(|| dt_error(DtErr::FieldOverflow, s, TYPE))
}

/// Microseconds since midnight of broken-down time (`time2t`); hours of 24
/// and seconds of 60 carry over.
fn time_micros(tm: &Tm) -> Option<i64> {
    // At most about 7.9e12 seconds, so only the last steps can overflow.
    let secs = (i64::from(tm.hour) * 60 + i64::from(tm.min)) * 60 + i64::from(tm.sec);
    secs.checked_mul(USECS_PER_SEC)?.checked_add(tm.fsec)
}

/// A time of day from microseconds since midnight.
fn time_from_micros(micros: i64) -> Option<NaiveTime> {
    let secs = u32::try_from(micros.div_euclid(USECS_PER_SEC)).ok()?;
    let nanos = u32::try_from(micros.rem_euclid(USECS_PER_SEC) * 1000).ok()?;
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
}

/// Parses a `timestamp`; a zone is checked and ignored.
pub(super) fn parse_timestamp(s: &str) -> Result<NaiveDateTime, ReprError> {
    parse_any_timestamp(s, "timestamp", false).map(|ts| ts.naive_utc())
}

/// Parses a `timestamp with time zone`; no zone means the session zone, UTC.
pub(super) fn parse_timestamptz(s: &str) -> Result<DateTime<Utc>, ReprError> {
    parse_any_timestamp(s, "timestamp with time zone", true)
}

fn parse_any_timestamp(s: &str, type_name: &'static str, use_zone: bool) -> Result<DateTime<Utc>, ReprError> {
    let decoded = parse_date_time(s, MAXDATELEN + MAXDATEFIELDS)
        .and_then(|fields| decode_date_time(&fields))
        .map_err(|e| dt_error(e, s, type_name))?;
    let pg_micros = match decoded.dtype {
        DType::Date => {
            let tz = if use_zone { decoded.tz } else { 0 };
            tm_to_timestamp(&decoded.tm, tz).ok_or_else(|| out_of_range("timestamp", s))?
        }
        DType::Epoch => -POSTGRES_TO_UNIX_USECS,
        DType::Late => return Err(dt_error(DtErr::Unsupported("infinity"), s, type_name)),
        DType::Early => return Err(dt_error(DtErr::Unsupported("-infinity"), s, type_name)),
    };
    pg_micros
        .checked_add(POSTGRES_TO_UNIX_USECS)
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(|| out_of_range("timestamp", s))
}

/// Microseconds since 2000-01-01 of broken-down local time in a zone `tz`
/// seconds west of UTC (`tm2timestamp`), if in PostgreSQL's range.
fn tm_to_timestamp(tm: &Tm, tz: i32) -> Option<i64> {
    if !is_valid_julian(tm.year, tm.mon) {
        return None;
    }
    let date = date2j(tm.year, tm.mon, tm.mday) - POSTGRES_EPOCH_JDATE;
    let result = date
        .checked_mul(USECS_PER_DAY)?
        .checked_add(time_micros(tm)?)?
        .checked_add(i64::from(tz) * USECS_PER_SEC)?;
    (MIN_TIMESTAMP..END_TIMESTAMP).contains(&result).then_some(result)
}

/// Appends `YYYY-MM-DD` (at least four year digits; years ≤ 0 count as BC),
/// returning whether the date is BC.
fn push_date(d: NaiveDate, buf: &mut String) -> bool {
    let year = d.year();
    let (shown, bc) = if year > 0 { (year, false) } else { (1 - year, true) };
    let _ = write!(buf, "{shown:04}-{:02}-{:02}", d.month(), d.day());
    bc
}

/// Appends `HH:MM:SS[.ffffff]` with trailing fractional zeros trimmed.
fn push_time(t: NaiveTime, buf: &mut String) {
    let _ = write!(buf, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    push_fraction(i64::from(t.nanosecond() / 1000), buf);
}

/// Appends `.ffffff` for nonzero microseconds, trailing zeros trimmed.
pub(crate) fn push_fraction(micros: i64, buf: &mut String) {
    if micros != 0 {
        let digits = format!("{:06}", micros.unsigned_abs());
        let _ = write!(buf, ".{}", digits.trim_end_matches('0'));
    }
}

/// Appends a `date`.
pub(super) fn format_date(d: NaiveDate, buf: &mut String) {
    if push_date(d, buf) {
        buf.push_str(" BC");
    }
}

/// Appends a `time`.
pub(super) fn format_time(t: NaiveTime, buf: &mut String) {
    push_time(t, buf);
}

/// Appends a `timestamp`.
pub(super) fn format_timestamp(ts: NaiveDateTime, buf: &mut String) {
    let bc = push_date(ts.date(), buf);
    buf.push(' ');
    push_time(ts.time(), buf);
    if bc {
        buf.push_str(" BC");
    }
}

/// Appends a `timestamp with time zone` in UTC.
pub(super) fn format_timestamptz(ts: DateTime<Utc>, buf: &mut String) {
    let naive = ts.naive_utc();
    let bc = push_date(naive.date(), buf);
    buf.push(' ');
    push_time(naive.time(), buf);
    buf.push_str("+00");
    if bc {
        buf.push_str(" BC");
    }
}

#[cfg(test)]
mod tests;
