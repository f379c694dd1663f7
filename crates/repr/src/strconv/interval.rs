//! `interval`.
//!
//! Input is a port of PostgreSQL's `interval_in` (IntervalStyle
//! `postgres`): unit words in any of their spellings (`1 year 2 mons`,
//! `3 days ago`, `1.5 hours`), `[-]HH:MM[:SS[.f]]`, SQL year-month `1-2`,
//! bare numbers as seconds, and ISO 8601 (`P1Y2M3DT4H5M6S`, `P0001-02-03`).
//! Fractional units spill into smaller fields as PostgreSQL does (months as
//! 30 days, days as 24 hours). Output is IntervalStyle `postgres`.

mod iso8601;

use std::fmt::Write;

use super::datetime::dt_error;
use super::datetime::fields::{
    USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC, decode_time_common, parse_fraction, strtoint,
};
use super::datetime::lex::{
    ALL_SECS_M, DeltaKeyword, DtErr, Field, FieldType, IntervalUnit, TIME_M, delta_keyword, m, parse_date_time, ty,
};
use super::scan::strtol;
use crate::ReprError;
use crate::adt::Interval;

/// An interval being built (PostgreSQL's `struct pg_itm_in`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ItmIn {
    pub(crate) usec: i64,
    pub(crate) mday: i32,
    pub(crate) mon: i32,
    pub(crate) year: i32,
}

impl ItmIn {
    /// Adds `frac × scale` microseconds, rounding half away from zero
    /// (`AdjustFractMicroseconds`).
    pub(crate) fn add_fract_micros(&mut self, frac: f64, scale: i64) -> bool {
        if frac == 0.0 {
            return true;
        }
        let frac = frac * scale as f64;
        let mut usec = frac as i64;
        let rest = frac - usec as f64;
        if rest > 0.5 {
            usec = usec.saturating_add(1);
        } else if rest < -0.5 {
            usec = usec.saturating_sub(1);
        }
        self.usec.checked_add(usec).map(|v| self.usec = v).is_some()
    }

    /// Adds `frac × scale` days, the fraction of a day as microseconds
    /// (`AdjustFractDays`).
    pub(crate) fn add_fract_days(&mut self, frac: f64, scale: i32) -> bool {
        if frac == 0.0 {
            return true;
        }
        let frac = frac * f64::from(scale);
        let extra_days = frac as i32;
        match self.mday.checked_add(extra_days) {
            Some(d) => self.mday = d,
            None => return false,
        }
        self.add_fract_micros(frac - f64::from(extra_days), USECS_PER_DAY)
    }

    /// Adds `frac × scale` years as whole months (`AdjustFractYears`).
    pub(crate) fn add_fract_years(&mut self, frac: f64, scale: i32) -> bool {
        let extra_months = (frac * f64::from(scale) * 12.0).round_ties_even() as i32;
        self.mon.checked_add(extra_months).map(|v| self.mon = v).is_some()
    }

    /// Adds `(val + fval) × scale` microseconds (`AdjustMicroseconds`).
    pub(crate) fn add_micros(&mut self, val: i64, fval: f64, scale: i64) -> bool {
        match val.checked_mul(scale).and_then(|p| self.usec.checked_add(p)) {
            Some(v) => self.usec = v,
            None => return false,
        }
        self.add_fract_micros(fval, scale)
    }

    /// Adds `val × scale` days (`AdjustDays`).
    pub(crate) fn add_days(&mut self, val: i64, scale: i32) -> bool {
        i32::try_from(val)
            .ok()
            .and_then(|v| v.checked_mul(scale))
            .and_then(|d| self.mday.checked_add(d))
            .map(|d| self.mday = d)
            .is_some()
    }

    /// Adds `val` months (`AdjustMonths`).
    pub(crate) fn add_months(&mut self, val: i64) -> bool {
        i32::try_from(val)
            .ok()
            .and_then(|v| self.mon.checked_add(v))
            .map(|v| self.mon = v)
            .is_some()
    }

    /// Adds `val × scale` years (`AdjustYears`).
    pub(crate) fn add_years(&mut self, val: i64, scale: i32) -> bool {
        i32::try_from(val)
            .ok()
            .and_then(|v| v.checked_mul(scale))
            .and_then(|y| self.year.checked_add(y))
            .map(|y| self.year = y)
            .is_some()
    }
}

/// Turns an `Adjust*` result into a field overflow.
fn check(ok: bool) -> Result<(), DtErr> {
    if ok { Ok(()) } else { Err(DtErr::FieldOverflow) }
}

/// Parses an `interval`.
pub(super) fn parse_interval(s: &str) -> Result<Interval, ReprError> {
    const TYPE: &str = "interval";
    let mut result = parse_date_time(s, 256).and_then(|fields| decode_interval(&fields));
    if result == Err(DtErr::BadFormat) {
        result = iso8601::decode_iso8601_interval(s);
    }
    let itm = result.map_err(|e| match e {
        DtErr::FieldOverflow => ReprError::IntervalFieldOverflow { input: s.to_owned() },
        other => dt_error(other, s, TYPE),
    })?;
    let months = i64::from(itm.year) * 12 + i64::from(itm.mon);
    let months = i32::try_from(months).map_err(|_| ReprError::IntervalOutOfRange)?;
    Ok(Interval::new(months, itm.mday, itm.usec))
}

/// The unit the next number is in, read right to left (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// Nothing yet: a bare number is seconds.
    Nothing,
    Unit(IntervalUnit),
    /// After `ago`: no unit, so a number here is an error.
    NoUnit,
}

/// Decodes PostgreSQL-style interval fields (`DecodeInterval`, full range).
fn decode_interval(fields: &[Field]) -> Result<ItmIn, DtErr> {
    let mut itm = ItmIn::default();
    let mut fmask = 0u32;
    let mut pending = Pending::Nothing;
    let mut is_before = false;
    for field in fields.iter().rev() {
        let text = field.text.as_str();
        let tmask = match field.ftype {
            FieldType::Time => {
                itm.usec = time_micros(text)?;
                pending = Pending::Unit(IntervalUnit::Day);
                TIME_M
            }
            FieldType::Tz if text[1..].contains(':') && time_micros(&text[1..]).is_ok() => {
                let usec = time_micros(&text[1..])?;
                itm.usec = if text.starts_with('-') {
                    usec.checked_neg().ok_or(DtErr::FieldOverflow)?
                } else {
                    usec
                };
                pending = Pending::Unit(IntervalUnit::Day);
                TIME_M
            }
            FieldType::Tz | FieldType::Date | FieldType::Number => {
                if pending == Pending::Nothing {
                    pending = Pending::Unit(IntervalUnit::Second);
                }
                let p = strtol(text.as_bytes());
                let mut val = p.value.ok_or(DtErr::FieldOverflow)?;
                let rest = &text[p.len..];
                let negative = text.starts_with('-');
                let fval = if let Some(months) = rest.strip_prefix('-') {
                    // SQL year-month syntax: "1-2".
                    let (mut val2, rest) = strtoint(months)?;
                    if !(0..12).contains(&val2) {
                        return Err(DtErr::FieldOverflow);
                    }
                    if !rest.is_empty() {
                        return Err(DtErr::BadFormat);
                    }
                    pending = Pending::Unit(IntervalUnit::Month);
                    if negative {
                        val2 = -val2;
                    }
                    val = val
                        .checked_mul(12)
                        .and_then(|v| v.checked_add(i64::from(val2)))
                        .ok_or(DtErr::FieldOverflow)?;
                    0.0
                } else if rest.starts_with('.') {
                    let f = parse_fraction(rest)?;
                    if negative { -f } else { f }
                } else if rest.is_empty() {
                    0.0
                } else {
                    return Err(DtErr::BadFormat);
                };
                let Pending::Unit(unit) = pending else {
                    return Err(DtErr::BadFormat);
                };
                apply_unit(&mut itm, unit, val, fval, &mut pending)?
            }
            FieldType::String | FieldType::Special => {
                // PostgreSQL 16 looks words up among the units only; unlike
                // 17 it allows "ago" anywhere and units without numbers.
                match delta_keyword(text) {
                    Some(DeltaKeyword::Unit(unit)) => pending = Pending::Unit(unit),
                    Some(DeltaKeyword::Ago) => {
                        is_before = true;
                        pending = Pending::NoUnit;
                    }
                    None => return Err(DtErr::BadFormat),
                }
                0
            }
        };
        if tmask & fmask != 0 {
            return Err(DtErr::BadFormat);
        }
        fmask |= tmask;
    }
    if fmask == 0 {
        return Err(DtErr::BadFormat);
    }
    if is_before {
        itm.usec = itm.usec.checked_neg().ok_or(DtErr::FieldOverflow)?;
        itm.mday = itm.mday.checked_neg().ok_or(DtErr::FieldOverflow)?;
        itm.mon = itm.mon.checked_neg().ok_or(DtErr::FieldOverflow)?;
        itm.year = itm.year.checked_neg().ok_or(DtErr::FieldOverflow)?;
    }
    Ok(itm)
}

/// Microseconds of an `h:m[:s][.f]` field (`DecodeTimeForInterval`).
fn time_micros(text: &str) -> Result<i64, DtErr> {
    let t = decode_time_common(text)?;
    t.hour
        .checked_mul(USECS_PER_HOUR)
        .and_then(|v| v.checked_add(i64::from(t.min) * USECS_PER_MINUTE))
        .and_then(|v| v.checked_add(i64::from(t.sec) * USECS_PER_SEC))
        .and_then(|v| v.checked_add(t.usec))
        .ok_or(DtErr::FieldOverflow)
}

/// Adds `val + fval` of `unit`; returns the field's mask bit.
fn apply_unit(itm: &mut ItmIn, unit: IntervalUnit, val: i64, fval: f64, pending: &mut Pending) -> Result<u32, DtErr> {
    use IntervalUnit::*;
    let tmask = match unit {
        Microsecond => {
            check(itm.add_micros(val, fval, 1))?;
            m(ty::MICROSECOND)
        }
        Millisecond => {
            check(itm.add_micros(val, fval, 1000))?;
            m(ty::MILLISECOND)
        }
        Second => {
            check(itm.add_micros(val, fval, USECS_PER_SEC))?;
            // Fractional seconds also count as milli- and microseconds.
            if fval == 0.0 { m(ty::SECOND) } else { ALL_SECS_M }
        }
        Minute => {
            check(itm.add_micros(val, fval, USECS_PER_MINUTE))?;
            m(ty::MINUTE)
        }
        Hour => {
            check(itm.add_micros(val, fval, USECS_PER_HOUR))?;
            *pending = Pending::Unit(Day);
            m(ty::HOUR)
        }
        Day => {
            check(itm.add_days(val, 1) && itm.add_fract_micros(fval, USECS_PER_DAY))?;
            m(ty::DAY)
        }
        Week => {
            check(itm.add_days(val, 7) && itm.add_fract_days(fval, 7))?;
            m(ty::WEEK)
        }
        Month => {
            check(itm.add_months(val) && itm.add_fract_days(fval, 30))?;
            m(ty::MONTH)
        }
        Year => {
            check(itm.add_years(val, 1) && itm.add_fract_years(fval, 1))?;
            m(ty::YEAR)
        }
        Decade => {
            check(itm.add_years(val, 10) && itm.add_fract_years(fval, 10))?;
            m(ty::DECADE)
        }
        Century => {
            check(itm.add_years(val, 100) && itm.add_fract_years(fval, 100))?;
            m(ty::CENTURY)
        }
        Millennium => {
            check(itm.add_years(val, 1000) && itm.add_fract_years(fval, 1000))?;
            m(ty::MILLENNIUM)
        }
        Other => return Err(DtErr::BadFormat),
    };
    Ok(tmask)
}

/// Appends an `interval` in IntervalStyle `postgres`: nonzero year, month
/// and day parts (`1 year 2 mons -3 days`) then `[+-]HH:MM:SS[.f]` if
/// nonzero or if nothing else was printed. After a negative part, positive
/// parts get an explicit `+`.
pub(super) fn format_interval(iv: Interval, buf: &mut String) {
    let year = iv.months / 12;
    let mon = iv.months % 12;
    let mday = iv.days;
    let mut time = iv.micros;
    let hour = time / USECS_PER_HOUR;
    time -= hour * USECS_PER_HOUR;
    let min = time / USECS_PER_MINUTE;
    time -= min * USECS_PER_MINUTE;
    let sec = time / USECS_PER_SEC;
    let fsec = time - sec * USECS_PER_SEC;

    let mut is_zero = true;
    let mut is_before = false;
    let mut part = |value: i64, unit: &str, buf: &mut String| {
        if value == 0 {
            return;
        }
        let _ = write!(
            buf,
            "{}{}{} {}{}",
            if is_zero { "" } else { " " },
            if is_before && value > 0 { "+" } else { "" },
            value,
            unit,
            if value != 1 { "s" } else { "" }
        );
        is_before = value < 0;
        is_zero = false;
    };
    part(i64::from(year), "year", buf);
    part(i64::from(mon), "mon", buf);
    part(i64::from(mday), "day", buf);
    if is_zero || hour != 0 || min != 0 || sec != 0 || fsec != 0 {
        let minus = hour < 0 || min < 0 || sec < 0 || fsec < 0;
        let _ = write!(
            buf,
            "{}{}{:02}:{:02}:{:02}",
            if is_zero { "" } else { " " },
            if minus {
                "-"
            } else if is_before {
                "+"
            } else {
                ""
            },
            hour.unsigned_abs(),
            min.unsigned_abs(),
            sec.unsigned_abs()
        );
        super::datetime::push_fraction(fsec, buf);
    }
}

#[cfg(test)]
mod tests;
