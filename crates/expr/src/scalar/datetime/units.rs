//! `extract`, `date_part` and `date_trunc`: fields of dates, times,
//! timestamps and intervals, named by PostgreSQL's units (`year`, `mons`,
//! `usec`...; case-insensitive, compared on their first ten characters).
//!
//! `extract` returns `numeric` and `date_part` `double precision`, with
//! PostgreSQL 16's values: seconds carry six decimals and milliseconds
//! three as numerics, and each float is computed as PostgreSQL computes it.

use bigdecimal::num_bigint::BigInt;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use freshet_repr::{Datum, Interval, Numeric, RowArena, ScalarType};

use super::super::numeric;
use super::{MICROS_PER_DAY, check_timestamp, midnight, time_from_micros, time_micros, timestamp_micros};
use crate::EvalError;

/// A unit of `extract` and `date_trunc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Microseconds,
    Milliseconds,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
    Julian,
    IsoYear,
    Dow,
    IsoDow,
    Doy,
    Timezone,
    TimezoneHour,
    TimezoneMinute,
}

/// What a unit name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lookup {
    /// A unit (PostgreSQL's `UNITS` tokens).
    Unit(Unit),
    /// `epoch`.
    Epoch,
    /// Another reserved word (`now`, `infinity`...).
    Reserved,
    /// Not a unit.
    Unknown,
}

/// Looks a lowercased unit name up as PostgreSQL does, comparing at most
/// ten characters: in the interval units (`DecodeUnits`) and, unless
/// `units_only` (`date_trunc`), then in the date/time keywords
/// (`DecodeSpecial`: `julian`, `dow`, `epoch`...).
fn lookup(units: &str, units_only: bool) -> Lookup {
    use Unit::*;
    let token = units.get(..10).unwrap_or(units);
    let unit = match token {
        "microsecon" | "us" | "usec" | "usecond" | "useconds" | "usecs" => Microseconds,
        "millisecon" | "ms" | "msec" | "msecond" | "mseconds" | "msecs" => Milliseconds,
        "s" | "sec" | "second" | "seconds" | "secs" => Second,
        "m" | "min" | "mins" | "minute" | "minutes" => Minute,
        "h" | "hour" | "hours" | "hr" | "hrs" => Hour,
        "d" | "day" | "days" => Day,
        "w" | "week" | "weeks" => Week,
        "mon" | "mons" | "month" | "months" => Month,
        "qtr" | "quarter" => Quarter,
        "y" | "year" | "years" | "yr" | "yrs" => Year,
        "dec" | "decade" | "decades" | "decs" => Decade,
        "c" | "cent" | "century" | "centuries" => Century,
        "mil" | "mils" | "millennia" | "millennium" => Millennium,
        "timezone" => Timezone,
        "timezone_h" => TimezoneHour,
        "timezone_m" => TimezoneMinute,
        _ if units_only => return Lookup::Unknown,
        "j" | "jd" | "julian" => Julian,
        "mm" => Minute,
        "isoyear" => IsoYear,
        "dow" => Dow,
        "isodow" => IsoDow,
        "doy" => Doy,
        "epoch" => return Lookup::Epoch,
        "-infinity" | "+infinity" | "infinity" | "now" | "today" | "tomorrow" | "yesterday" | "allballs" => {
            return Lookup::Reserved;
        }
        _ => return Lookup::Unknown,
    };
    Lookup::Unit(unit)
}

/// The unit text as PostgreSQL reports it: ASCII lowercased, at most 63 bytes.
fn lowered(units: &str) -> String {
    let mut end = units.len().min(63);
    while !units.is_char_boundary(end) {
        end -= 1;
    }
    units[..end].to_ascii_lowercase()
}

fn not_recognized(units: &str, typ: ScalarType) -> EvalError {
    EvalError::UnitNotRecognized {
        unit: units.to_owned(),
        type_name: typ.name().to_owned(),
    }
}

fn not_supported(units: &str, typ: ScalarType) -> EvalError {
    EvalError::UnitNotSupported {
        unit: units.to_owned(),
        type_name: typ.name().to_owned(),
    }
}

/// A field's value.
enum Part {
    /// An integer (as `numeric`, scale 0).
    Int(i64),
    /// A value with its own `numeric` form and `double precision` form.
    Exact(Numeric, f64),
}

/// `value / 10^scale` as a numeric of that scale.
fn fixed(value: i64, scale: i64) -> Numeric {
    Numeric::from_parts(BigInt::from(value), scale)
}

/// The Julian day number of a date.
fn julian(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) + 1_721_425
}

/// Seconds with their fraction: `numeric` to six places.
fn seconds(sec: i64, micros: i64) -> Part {
    Part::Exact(
        fixed(sec * 1_000_000 + micros, 6),
        sec as f64 + micros as f64 / 1_000_000.0,
    )
}

/// Milliseconds with their fraction: `numeric` to three places.
fn milliseconds(sec: i64, micros: i64) -> Part {
    Part::Exact(
        fixed(sec * 1_000_000 + micros, 3),
        sec as f64 * 1000.0 + micros as f64 / 1000.0,
    )
}

/// A date field of a date or timestamp; `None` for units that are not.
fn date_field(unit: Unit, d: NaiveDate) -> Option<i64> {
    let year = i64::from(d.year());
    Some(match unit {
        Unit::Day => i64::from(d.day()),
        Unit::Month => i64::from(d.month()),
        Unit::Quarter => i64::from((d.month() - 1) / 3 + 1),
        Unit::Week => i64::from(d.iso_week().week()),
        Unit::Year if year > 0 => year,
        Unit::Year => year - 1,
        Unit::Decade if year >= 0 => year / 10,
        Unit::Decade => -((8 - (year - 1)) / 10),
        Unit::Century if year > 0 => (year + 99) / 100,
        Unit::Century => -((99 - (year - 1)) / 100),
        Unit::Millennium if year > 0 => (year + 999) / 1000,
        Unit::Millennium => -((999 - (year - 1)) / 1000),
        Unit::Julian => julian(d),
        Unit::IsoYear => {
            let iso = i64::from(d.iso_week().year());
            if iso <= 0 { iso - 1 } else { iso }
        }
        Unit::Dow => i64::from(d.weekday().num_days_from_sunday()),
        Unit::IsoDow => i64::from(d.weekday().number_from_monday()),
        Unit::Doy => i64::from(d.ordinal()),
        _ => return None,
    })
}

/// A field of a timestamp (`with_zone` for `timestamptz`, in UTC).
fn timestamp_part(units: &str, ts: NaiveDateTime, with_zone: bool) -> Result<Part, EvalError> {
    let typ = if with_zone {
        ScalarType::TimestampTz
    } else {
        ScalarType::Timestamp
    };
    let sec = i64::from(ts.second());
    let micros = i64::from(ts.nanosecond() / 1_000);
    match lookup(units, false) {
        Lookup::Unit(unit) => Ok(match unit {
            Unit::Microseconds => Part::Int(sec * 1_000_000 + micros),
            Unit::Milliseconds => milliseconds(sec, micros),
            Unit::Second => seconds(sec, micros),
            Unit::Minute => Part::Int(i64::from(ts.minute())),
            Unit::Hour => Part::Int(i64::from(ts.hour())),
            Unit::Timezone | Unit::TimezoneHour | Unit::TimezoneMinute if with_zone => Part::Int(0),
            Unit::Julian => {
                let day = julian(ts.date());
                let time = time_micros(ts.time());
                let fraction = numeric::div(&fixed(time, 0), &fixed(MICROS_PER_DAY, 0))?;
                let exact = numeric::add(&fixed(day, 0), &fraction)?;
                let seconds = f64::from(ts.num_seconds_from_midnight()) + micros as f64 / 1_000_000.0;
                Part::Exact(exact, day as f64 + seconds / 86_400.0)
            }
            unit => Part::Int(date_field(unit, ts.date()).ok_or_else(|| not_supported(units, typ))?),
        }),
        Lookup::Epoch => {
            let micros = timestamp_micros(ts);
            Ok(Part::Exact(fixed(micros, 6), micros as f64 / 1_000_000.0))
        }
        Lookup::Reserved => Err(not_supported(units, typ)),
        Lookup::Unknown => Err(not_recognized(units, typ)),
    }
}

/// A field of a date (`extract` only: `date_part` reads dates as timestamps).
fn date_part_of_date(units: &str, d: NaiveDate) -> Result<Part, EvalError> {
    match lookup(units, false) {
        Lookup::Unit(unit) => date_field(unit, d)
            .map(Part::Int)
            .ok_or_else(|| not_supported(units, ScalarType::Date)),
        Lookup::Epoch => Ok(Part::Int((julian(d) - 2_440_588) * 86_400)),
        Lookup::Reserved => Err(not_supported(units, ScalarType::Date)),
        Lookup::Unknown => Err(not_recognized(units, ScalarType::Date)),
    }
}

/// A field of a time of day.
fn time_part(units: &str, t: NaiveTime) -> Result<Part, EvalError> {
    let sec = i64::from(t.second());
    let micros = i64::from(t.nanosecond() / 1_000);
    match lookup(units, false) {
        Lookup::Unit(unit) => Ok(match unit {
            Unit::Microseconds => Part::Int(sec * 1_000_000 + micros),
            Unit::Milliseconds => milliseconds(sec, micros),
            Unit::Second => seconds(sec, micros),
            Unit::Minute => Part::Int(i64::from(t.minute())),
            Unit::Hour => Part::Int(i64::from(t.hour())),
            _ => return Err(not_supported(units, ScalarType::Time)),
        }),
        Lookup::Epoch => {
            let micros = time_micros(t);
            Ok(Part::Exact(fixed(micros, 6), micros as f64 / 1_000_000.0))
        }
        Lookup::Reserved | Lookup::Unknown => Err(not_recognized(units, ScalarType::Time)),
    }
}

/// An interval broken into PostgreSQL's fields (`interval2itm`): C's
/// truncating division, so every field has the sign of its source.
struct IntervalFields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micros: i64,
}

impl IntervalFields {
    fn of(iv: Interval) -> IntervalFields {
        let months = i64::from(iv.months);
        let mut time = iv.micros;
        let hour = time / 3_600_000_000;
        time -= hour * 3_600_000_000;
        let minute = time / 60_000_000;
        time -= minute * 60_000_000;
        let second = time / 1_000_000;
        time -= second * 1_000_000;
        IntervalFields {
            year: months / 12,
            month: months % 12,
            day: i64::from(iv.days),
            hour,
            minute,
            second,
            micros: time,
        }
    }

    /// Back to an interval (`itm2interval`).
    fn to_interval(&self) -> Result<Interval, EvalError> {
        let months = self.year * 12 + self.month;
        let time = i128::from(self.hour) * 3_600_000_000
            + i128::from(self.minute) * 60_000_000
            + i128::from(self.second) * 1_000_000
            + i128::from(self.micros);
        match (i32::try_from(months), i32::try_from(self.day), i64::try_from(time)) {
            (Ok(months), Ok(days), Ok(micros)) => Ok(Interval::new(months, days, micros)),
            _ => Err(EvalError::DatetimeOutOfRange("interval".into())),
        }
    }
}

/// A field of an interval.
fn interval_part(units: &str, iv: Interval) -> Result<Part, EvalError> {
    let f = IntervalFields::of(iv);
    match lookup(units, false) {
        Lookup::Unit(unit) => Ok(Part::Int(match unit {
            Unit::Microseconds => f.second * 1_000_000 + f.micros,
            Unit::Milliseconds => return Ok(milliseconds(f.second, f.micros)),
            Unit::Second => return Ok(seconds(f.second, f.micros)),
            Unit::Minute => f.minute,
            Unit::Hour => f.hour,
            Unit::Day => f.day,
            Unit::Month => f.month,
            Unit::Quarter => f.month / 3 + 1,
            Unit::Year => f.year,
            Unit::Decade => f.year / 10,
            Unit::Century => f.year / 100,
            Unit::Millennium => f.year / 1000,
            _ => return Err(not_supported(units, ScalarType::Interval)),
        })),
        Lookup::Epoch => {
            let months = i128::from(iv.months);
            // 365.25 days a year and 30 a month, in quarter days.
            let quarter_days = 1_461 * (months / 12) + 120 * (months % 12) + 4 * i128::from(iv.days);
            let micros = quarter_days * 21_600 * 1_000_000 + i128::from(iv.micros);
            let exact = Numeric::from_parts(BigInt::from(micros), 6);
            let float = iv.micros as f64 / 1_000_000.0
                + 365.25 * 86_400.0 * f64::from(iv.months / 12)
                + 30.0 * 86_400.0 * f64::from(iv.months % 12)
                + 86_400.0 * f64::from(iv.days);
            Ok(Part::Exact(exact, float))
        }
        Lookup::Reserved | Lookup::Unknown => Err(not_recognized(units, ScalarType::Interval)),
    }
}

/// The field `units` of `d`; `date_part` reads a date as a timestamp.
fn part(units: &str, d: Datum<'_>, for_date_part: bool) -> Result<Part, EvalError> {
    let units = &lowered(units);
    match d {
        Datum::Date(date) if for_date_part => timestamp_part(units, midnight(date), false),
        Datum::Date(date) => date_part_of_date(units, date),
        Datum::Time(t) => time_part(units, t),
        Datum::Timestamp(ts) => timestamp_part(units, ts, false),
        Datum::TimestampTz(ts) => timestamp_part(units, ts.naive_utc(), true),
        Datum::Interval(iv) => interval_part(units, iv),
        other => panic!("extract applied to {other:?}"),
    }
}

/// `extract(units FROM d)`: the field as a `numeric`.
pub(crate) fn extract<'a>(units: &str, d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    Ok(match part(units, d, false)? {
        Part::Int(v) => arena.push_numeric(&fixed(v, 0)),
        Part::Exact(n, _) => arena.push_numeric(&n),
    })
}

/// `date_part(units, d)`: the field as a `double precision`.
pub(crate) fn date_part<'a>(units: &str, d: Datum<'a>) -> Result<Datum<'a>, EvalError> {
    Ok(Datum::Float64(match part(units, d, true)? {
        Part::Int(v) => v as f64,
        Part::Exact(_, f) => f,
    }))
}

/// A timestamp truncated to `unit`.
fn truncate_timestamp(units: &str, ts: NaiveDateTime, typ: ScalarType) -> Result<NaiveDateTime, EvalError> {
    let unit = match lookup(units, true) {
        Lookup::Unit(unit) => unit,
        _ => return Err(not_recognized(units, typ)),
    };
    let date = ts.date();
    let micros = i64::from(ts.nanosecond() / 1_000);
    let seconds = i64::from(ts.num_seconds_from_midnight());
    let day_start = |d: NaiveDate| Ok(midnight(d));
    let in_day = |micros_of_day: i64| Ok(date.and_time(time_from_micros(micros_of_day)));
    let year_start = |year: i64| {
        i32::try_from(year)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
            .ok_or_else(|| EvalError::DatetimeOutOfRange("timestamp".into()))
            .map(midnight)
    };
    let year = i64::from(date.year());
    let truncated = match unit {
        Unit::Microseconds => Ok(ts),
        Unit::Milliseconds => in_day(seconds * 1_000_000 + micros / 1_000 * 1_000),
        Unit::Second => in_day(seconds * 1_000_000),
        Unit::Minute => in_day(seconds / 60 * 60_000_000),
        Unit::Hour => in_day(seconds / 3_600 * 3_600_000_000),
        Unit::Day => day_start(date),
        Unit::Week => date
            .checked_sub_days(chrono::Days::new(u64::from(date.weekday().num_days_from_monday())))
            .ok_or_else(|| EvalError::DatetimeOutOfRange("timestamp".into()))
            .map(midnight),
        Unit::Month => day_start(date.with_day(1).unwrap_or(date)),
        Unit::Quarter => {
            day_start(NaiveDate::from_ymd_opt(date.year(), (date.month() - 1) / 3 * 3 + 1, 1).unwrap_or(date))
        }
        Unit::Year => year_start(year),
        Unit::Decade if year > 0 => year_start(year / 10 * 10),
        Unit::Decade => year_start(-((8 - year) / 10) * 10),
        Unit::Century if year > 0 => year_start((year + 99) / 100 * 100 - 99),
        Unit::Century => year_start(-((99 - (year - 1)) / 100) * 100 + 1),
        Unit::Millennium if year > 0 => year_start((year + 999) / 1000 * 1000 - 999),
        Unit::Millennium => year_start(-((999 - (year - 1)) / 1000) * 1000 + 1),
        _ => Err(not_supported(units, typ)),
    }?;
    check_timestamp(truncated)
}

/// An interval truncated to `unit`.
fn truncate_interval(units: &str, iv: Interval) -> Result<Interval, EvalError> {
    let unit = match lookup(units, true) {
        Lookup::Unit(unit) => unit,
        _ => return Err(not_recognized(units, ScalarType::Interval)),
    };
    let mut f = IntervalFields::of(iv);
    // Each unit clears the fields below it, as PostgreSQL's fall-through does.
    let rank = match unit {
        Unit::Microseconds => return Ok(iv),
        Unit::Milliseconds => {
            f.micros = f.micros / 1_000 * 1_000;
            return f.to_interval();
        }
        Unit::Second => 0,
        Unit::Minute => 1,
        Unit::Hour => 2,
        Unit::Day => 3,
        Unit::Month => 4,
        Unit::Quarter => 5,
        Unit::Year => 6,
        Unit::Decade => 7,
        Unit::Century => 8,
        Unit::Millennium => 9,
        _ => return Err(not_supported(units, ScalarType::Interval)),
    };
    if rank >= 9 {
        f.year = f.year / 1000 * 1000;
    }
    if rank >= 8 {
        f.year = f.year / 100 * 100;
    }
    if rank >= 7 {
        f.year = f.year / 10 * 10;
    }
    if rank >= 6 {
        f.month = 0;
    }
    if rank >= 5 {
        f.month = 3 * (f.month / 3);
    }
    if rank >= 4 {
        f.day = 0;
    }
    if rank >= 3 {
        f.hour = 0;
    }
    if rank >= 2 {
        f.minute = 0;
    }
    if rank >= 1 {
        f.second = 0;
    }
    f.micros = 0;
    f.to_interval()
}

/// `date_trunc(units, d)` of a timestamp, timestamptz or interval.
pub(crate) fn date_trunc<'a>(units: &str, d: Datum<'a>) -> Result<Datum<'a>, EvalError> {
    let units = &lowered(units);
    Ok(match d {
        Datum::Timestamp(ts) => Datum::Timestamp(truncate_timestamp(units, ts, ScalarType::Timestamp)?),
        Datum::TimestampTz(ts) => {
            Datum::TimestampTz(truncate_timestamp(units, ts.naive_utc(), ScalarType::TimestampTz)?.and_utc())
        }
        Datum::Interval(iv) => Datum::Interval(truncate_interval(units, iv)?),
        other => panic!("date_trunc applied to {other:?}"),
    })
}
