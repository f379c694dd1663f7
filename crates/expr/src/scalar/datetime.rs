//! Date/time arithmetic: the operators between dates, times, timestamps,
//! intervals and numbers, with PostgreSQL's calendar rules (months are
//! added first and clamp to the month's last day, then days, then the time)
//! and range errors. Timestamps with time zone are in UTC, the session time
//! zone, so they follow the same rules.

mod units;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use freshet_repr::{Datum, Interval, ScalarType};
use serde::{Deserialize, Serialize};

use crate::EvalError;

pub(crate) use units::{date_part, date_trunc, extract};

/// Microseconds in a day.
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// An operator on date/time values, named by its operand types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DateTimeOp {
    /// `date + integer` → `date`
    AddDateInt,
    /// `integer + date` → `date`
    AddIntDate,
    /// `date - integer` → `date`
    SubDateInt,
    /// `date - date` → `integer` (days)
    SubDateDate,
    /// `date + interval` → `timestamp`
    AddDateInterval,
    /// `interval + date` → `timestamp`
    AddIntervalDate,
    /// `date - interval` → `timestamp`
    SubDateInterval,
    /// `date + time` → `timestamp`
    AddDateTime,
    /// `time + date` → `timestamp`
    AddTimeDate,
    /// `timestamp + interval` → `timestamp`
    AddTimestampInterval,
    /// `interval + timestamp` → `timestamp`
    AddIntervalTimestamp,
    /// `timestamp - interval` → `timestamp`
    SubTimestampInterval,
    /// `timestamp - timestamp` → `interval`
    SubTimestampTimestamp,
    /// `timestamptz + interval` → `timestamptz`
    AddTimestampTzInterval,
    /// `interval + timestamptz` → `timestamptz`
    AddIntervalTimestampTz,
    /// `timestamptz - interval` → `timestamptz`
    SubTimestampTzInterval,
    /// `timestamptz - timestamptz` → `interval`
    SubTimestampTzTimestampTz,
    /// `time + interval` → `time` (the interval's months and days are ignored)
    AddTimeInterval,
    /// `interval + time` → `time`
    AddIntervalTime,
    /// `time - interval` → `time`
    SubTimeInterval,
    /// `time - time` → `interval`
    SubTimeTime,
    /// `interval + interval`
    AddInterval,
    /// `interval - interval`
    SubInterval,
    /// `interval * double precision`
    MulInterval,
    /// `double precision * interval`
    MulFloatInterval,
    /// `interval / double precision`
    DivInterval,
}

impl DateTimeOp {
    /// The operator's symbol.
    pub fn symbol(self) -> &'static str {
        use DateTimeOp::*;
        match self {
            AddDateInt
            | AddIntDate
            | AddDateInterval
            | AddIntervalDate
            | AddDateTime
            | AddTimeDate
            | AddTimestampInterval
            | AddIntervalTimestamp
            | AddTimestampTzInterval
            | AddIntervalTimestampTz
            | AddTimeInterval
            | AddIntervalTime
            | AddInterval => "+",
            SubDateInt
            | SubDateDate
            | SubDateInterval
            | SubTimestampInterval
            | SubTimestampTimestamp
            | SubTimestampTzInterval
            | SubTimestampTzTimestampTz
            | SubTimeInterval
            | SubTimeTime
            | SubInterval => "-",
            MulInterval | MulFloatInterval => "*",
            DivInterval => "/",
        }
    }

    /// The type of the result.
    pub fn output_type(self) -> ScalarType {
        use DateTimeOp::*;
        match self {
            AddDateInt | AddIntDate | SubDateInt => ScalarType::Date,
            SubDateDate => ScalarType::Int32,
            AddDateInterval | AddIntervalDate | SubDateInterval | AddDateTime | AddTimeDate | AddTimestampInterval
            | AddIntervalTimestamp | SubTimestampInterval => ScalarType::Timestamp,
            AddTimestampTzInterval | AddIntervalTimestampTz | SubTimestampTzInterval => ScalarType::TimestampTz,
            AddTimeInterval | AddIntervalTime | SubTimeInterval => ScalarType::Time,
            SubTimestampTimestamp
            | SubTimestampTzTimestampTz
            | SubTimeTime
            | AddInterval
            | SubInterval
            | MulInterval
            | MulFloatInterval
            | DivInterval => ScalarType::Interval,
        }
    }

    /// Applies the operator to two non-null datums of its operand types.
    pub(crate) fn eval<'a>(self, a: Datum<'a>, b: Datum<'a>) -> Result<Datum<'a>, EvalError> {
        use DateTimeOp::*;
        use Datum as D;
        Ok(match (self, a, b) {
            (AddDateInt, D::Date(d), D::Int32(n)) | (AddIntDate, D::Int32(n), D::Date(d)) => {
                D::Date(add_days(d, i64::from(n))?)
            }
            (SubDateInt, D::Date(d), D::Int32(n)) => D::Date(add_days(d, -i64::from(n))?),
            (SubDateDate, D::Date(a), D::Date(b)) => {
                D::Int32(i32::try_from((a - b).num_days()).map_err(|_| out_of_range("integer"))?)
            }
            (AddDateInterval, D::Date(d), D::Interval(iv)) | (AddIntervalDate, D::Interval(iv), D::Date(d)) => {
                D::Timestamp(add_interval(midnight(d), iv)?)
            }
            (SubDateInterval, D::Date(d), D::Interval(iv)) => D::Timestamp(add_interval(midnight(d), negate(iv))?),
            (AddDateTime, D::Date(d), D::Time(t)) | (AddTimeDate, D::Time(t), D::Date(d)) => {
                D::Timestamp(check_timestamp(d.and_time(t))?)
            }
            (AddTimestampInterval, D::Timestamp(ts), D::Interval(iv))
            | (AddIntervalTimestamp, D::Interval(iv), D::Timestamp(ts)) => D::Timestamp(add_interval(ts, iv)?),
            (SubTimestampInterval, D::Timestamp(ts), D::Interval(iv)) => D::Timestamp(add_interval(ts, negate(iv))?),
            (SubTimestampTimestamp, D::Timestamp(a), D::Timestamp(b)) => D::Interval(subtract(a, b)?),
            (AddTimestampTzInterval, D::TimestampTz(ts), D::Interval(iv))
            | (AddIntervalTimestampTz, D::Interval(iv), D::TimestampTz(ts)) => {
                D::TimestampTz(add_interval(ts.naive_utc(), iv)?.and_utc())
            }
            (SubTimestampTzInterval, D::TimestampTz(ts), D::Interval(iv)) => {
                D::TimestampTz(add_interval(ts.naive_utc(), negate(iv))?.and_utc())
            }
            (SubTimestampTzTimestampTz, D::TimestampTz(a), D::TimestampTz(b)) => {
                D::Interval(subtract(a.naive_utc(), b.naive_utc())?)
            }
            (AddTimeInterval, D::Time(t), D::Interval(iv)) | (AddIntervalTime, D::Interval(iv), D::Time(t)) => {
                D::Time(time_plus(t, iv.micros))
            }
            (SubTimeInterval, D::Time(t), D::Interval(iv)) => D::Time(time_plus(t, iv.micros.wrapping_neg())),
            (SubTimeTime, D::Time(a), D::Time(b)) => D::Interval(Interval::new(0, 0, time_micros(a) - time_micros(b))),
            (AddInterval, D::Interval(a), D::Interval(b)) => D::Interval(interval_add(a, b)?),
            (SubInterval, D::Interval(a), D::Interval(b)) => D::Interval(interval_sub(a, b)?),
            (MulInterval, D::Interval(iv), D::Float64(f)) | (MulFloatInterval, D::Float64(f), D::Interval(iv)) => {
                D::Interval(interval_mul(iv, f)?)
            }
            (DivInterval, D::Interval(iv), D::Float64(f)) => D::Interval(interval_div(iv, f)?),
            (op, a, b) => panic!("date/time operator {op:?} applied to {a:?} and {b:?}"),
        })
    }
}

/// `<type> out of range`.
fn out_of_range(type_name: &str) -> EvalError {
    EvalError::DatetimeOutOfRange(type_name.to_owned())
}

/// The first day PostgreSQL can represent: 4714-11-24 BC (Julian day 0).
fn min_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(-4713, 11, 24).unwrap_or(NaiveDate::MIN)
}

/// Midnight at the start of a day.
pub(crate) fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

/// Checks a timestamp against PostgreSQL's range (the upper end is beyond
/// what chrono holds, which callers check as they compute).
pub(crate) fn check_timestamp(ts: NaiveDateTime) -> Result<NaiveDateTime, EvalError> {
    if ts.date() < min_date() {
        return Err(out_of_range("timestamp"));
    }
    Ok(ts)
}

/// `date + days`.
fn add_days(d: NaiveDate, days: i64) -> Result<NaiveDate, EvalError> {
    TimeDelta::try_days(days)
        .and_then(|delta| d.checked_add_signed(delta))
        .filter(|d| *d >= min_date())
        .ok_or_else(|| out_of_range("date"))
}

/// Whether a (proleptic Gregorian, astronomical) year is a leap year.
fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days in a month.
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Microseconds since midnight.
pub(crate) fn time_micros(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1_000)
}

/// The time of day `micros` after midnight (`0 <= micros < 1 day`).
pub(crate) fn time_from_micros(micros: i64) -> NaiveTime {
    let secs = u32::try_from(micros.div_euclid(1_000_000)).unwrap_or(0);
    let nanos = u32::try_from(micros.rem_euclid(1_000_000) * 1_000).unwrap_or(0);
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).unwrap_or(NaiveTime::MIN)
}

/// Microseconds since the Unix epoch.
pub(crate) fn timestamp_micros(ts: NaiveDateTime) -> i64 {
    ts.and_utc().timestamp_micros()
}

/// The timestamp `micros` after the Unix epoch, if in range.
pub(crate) fn timestamp_from_micros(micros: i64) -> Result<NaiveDateTime, EvalError> {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(|ts| ts.naive_utc())
        .ok_or_else(|| out_of_range("timestamp"))
        .and_then(check_timestamp)
}

/// `timestamp + interval`: months (clamping the day to the month's end),
/// then days, then the time part.
pub(crate) fn add_interval(ts: NaiveDateTime, iv: Interval) -> Result<NaiveDateTime, EvalError> {
    let mut ts = ts;
    if iv.months != 0 {
        let date = ts.date();
        let months = i64::from(date.year()) * 12 + i64::from(date.month0()) + i64::from(iv.months);
        let year = i32::try_from(months.div_euclid(12)).map_err(|_| out_of_range("timestamp"))?;
        let month = u32::try_from(months.rem_euclid(12) + 1).unwrap_or(1);
        let day = date.day().min(days_in_month(year, month));
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| out_of_range("timestamp"))?;
        ts = check_timestamp(date.and_time(ts.time()))?;
    }
    if iv.days != 0 {
        let date = add_days(ts.date(), i64::from(iv.days)).map_err(|_| out_of_range("timestamp"))?;
        ts = date.and_time(ts.time());
    }
    let micros = timestamp_micros(ts)
        .checked_add(iv.micros)
        .ok_or_else(|| out_of_range("timestamp"))?;
    timestamp_from_micros(micros)
}

/// `-interval`, as PostgreSQL's `timestamp - interval` negates it
/// (wrapping, like C).
fn negate(iv: Interval) -> Interval {
    Interval::new(
        iv.months.wrapping_neg(),
        iv.days.wrapping_neg(),
        iv.micros.wrapping_neg(),
    )
}

/// `-interval` with overflow checks (the unary operator).
pub(crate) fn interval_neg(iv: Interval) -> Result<Interval, EvalError> {
    match (iv.months.checked_neg(), iv.days.checked_neg(), iv.micros.checked_neg()) {
        (Some(months), Some(days), Some(micros)) => Ok(Interval::new(months, days, micros)),
        _ => Err(out_of_range("interval")),
    }
}

/// `timestamp - timestamp`: the difference in microseconds, with whole
/// days moved into the day field (`justify_hours`).
fn subtract(a: NaiveDateTime, b: NaiveDateTime) -> Result<Interval, EvalError> {
    let micros = timestamp_micros(a)
        .checked_sub(timestamp_micros(b))
        .ok_or_else(|| out_of_range("interval"))?;
    let mut days = micros / MICROS_PER_DAY;
    let mut time = micros - days * MICROS_PER_DAY;
    if days > 0 && time < 0 {
        time += MICROS_PER_DAY;
        days -= 1;
    } else if days < 0 && time > 0 {
        time -= MICROS_PER_DAY;
        days += 1;
    }
    let days = i32::try_from(days).map_err(|_| out_of_range("interval"))?;
    Ok(Interval::new(0, days, time))
}

/// `time + microseconds`, wrapping around midnight.
fn time_plus(t: NaiveTime, micros: i64) -> NaiveTime {
    let total = (i128::from(time_micros(t)) + i128::from(micros)).rem_euclid(i128::from(MICROS_PER_DAY));
    time_from_micros(i64::try_from(total).unwrap_or(0))
}

fn interval_add(a: Interval, b: Interval) -> Result<Interval, EvalError> {
    match (
        a.months.checked_add(b.months),
        a.days.checked_add(b.days),
        a.micros.checked_add(b.micros),
    ) {
        (Some(months), Some(days), Some(micros)) => Ok(Interval::new(months, days, micros)),
        _ => Err(out_of_range("interval")),
    }
}

fn interval_sub(a: Interval, b: Interval) -> Result<Interval, EvalError> {
    match (
        a.months.checked_sub(b.months),
        a.days.checked_sub(b.days),
        a.micros.checked_sub(b.micros),
    ) {
        (Some(months), Some(days), Some(micros)) => Ok(Interval::new(months, days, micros)),
        _ => Err(out_of_range("interval")),
    }
}

/// Rounds to microsecond precision (PostgreSQL's `TSROUND`).
fn ts_round(x: f64) -> f64 {
    (x * 1_000_000.0).round_ties_even() / 1_000_000.0
}

/// A float that must fit `i32` after C's truncating conversion.
fn to_i32(x: f64) -> Result<i32, EvalError> {
    if x.is_nan() || x > f64::from(i32::MAX) || x < f64::from(i32::MIN) {
        return Err(out_of_range("interval"));
    }
    Ok(x as i32)
}

/// An interval from its scaled fields (PostgreSQL's `interval_mul` and
/// `interval_div`, which compute them): fractional months cascade into days
/// (30 per month) and fractional days into time, never upwards.
fn interval_scale(scaled_months: f64, scaled_days: f64, scaled_time: f64) -> Result<Interval, EvalError> {
    let months = to_i32(scaled_months)?;
    let mut days = to_i32(scaled_days)?;
    let month_remainder_days = ts_round((scaled_months - f64::from(months)) * 30.0);
    let mut sec_remainder = ts_round(
        (scaled_days - f64::from(days) + month_remainder_days - f64::from(month_remainder_days as i32)) * 86_400.0,
    );
    if sec_remainder.abs() >= 86_400.0 {
        let extra = (sec_remainder / 86_400.0) as i32;
        days = days.checked_add(extra).ok_or_else(|| out_of_range("interval"))?;
        sec_remainder -= f64::from(extra) * 86_400.0;
    }
    days = days
        .checked_add(month_remainder_days as i32)
        .ok_or_else(|| out_of_range("interval"))?;
    let time = (scaled_time + sec_remainder * 1_000_000.0).round_ties_even();
    // Floats in [-2^63, 2^63) fit i64 (NaN is in no range).
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&time) {
        return Err(out_of_range("interval"));
    }
    Ok(Interval::new(months, days, time as i64))
}

/// `interval * factor`.
fn interval_mul(iv: Interval, factor: f64) -> Result<Interval, EvalError> {
    interval_scale(
        f64::from(iv.months) * factor,
        f64::from(iv.days) * factor,
        iv.micros as f64 * factor,
    )
}

/// `interval / divisor`.
fn interval_div(iv: Interval, divisor: f64) -> Result<Interval, EvalError> {
    if divisor == 0.0 {
        return Err(EvalError::DivisionByZero);
    }
    interval_scale(
        f64::from(iv.months) / divisor,
        f64::from(iv.days) / divisor,
        iv.micros as f64 / divisor,
    )
}

#[cfg(test)]
mod tests;
