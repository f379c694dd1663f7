//! Interpreting date/time fields: ports of PostgreSQL's `DecodeDateTime`
//! (for `date`, `timestamp` and `timestamptz`) and `DecodeTimeOnly` (for
//! `time`), with DateStyle `ISO, MDY` and session time zone UTC.

use super::fields::{
    Tm, USECS_PER_DAY, decode_date, decode_number, decode_number_field, decode_time, decode_timezone, j2date,
    parse_fraction, strtoint, time_overflows, validate_date,
};
use super::lex::{
    DATE_M, DateUnit, DtErr, Field, FieldType, Keyword, Reserved, TIME_M, date_keyword, m, ty, zone_abbrev,
};
use crate::strconv::scan::strtol;

/// What kind of value the input denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DType {
    /// A date and time in the [`Tm`].
    Date,
    /// `epoch`.
    Epoch,
    /// `infinity`.
    Late,
    /// `-infinity`.
    Early,
}

/// A unit word waiting for the number it labels (PostgreSQL's `ptype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    Julian,
    /// `t` before an ISO time.
    Time,
    Other,
}

/// Decoded date/time input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) dtype: DType,
    pub(crate) tm: Tm,
    /// The zone, in seconds west of UTC (PostgreSQL's sign convention).
    pub(crate) tz: i32,
}

/// The zone abbreviation or keyword a word stands for; zone abbreviations
/// take precedence, as in PostgreSQL.
fn keyword(text: &str) -> Option<Keyword> {
    zone_abbrev(text).or_else(|| date_keyword(text))
}

/// Decodes fields of a date with optional time and zone.
pub(crate) fn decode_date_time(fields: &[Field]) -> Result<Decoded, DtErr> {
    let mut fmask = 0u32;
    let mut ptype: Option<Prefix> = None;
    let mut pm: Option<bool> = None;
    let mut have_text_month = false;
    let mut is_julian = false;
    let mut is2digits = false;
    let mut bc = false;
    let mut unsupported: Option<Reserved> = None;
    let mut dtype = DType::Date;
    let mut tm = Tm::default();
    let mut tz = 0;
    for field in fields {
        let text = field.text.as_str();
        let tmask = match field.ftype {
            FieldType::Date if ptype == Some(Prefix::Julian) => {
                // A Julian day with an attached zone.
                let p = strtol(text.as_bytes());
                let jday = p.as_i32().filter(|j| *j >= 0).ok_or(DtErr::FieldOverflow)?;
                (tm.year, tm.mon, tm.mday) = j2date(jday);
                is_julian = true;
                tz = decode_timezone(&text[p.len..])?;
                ptype = None;
                DATE_M | TIME_M | m(ty::TZ)
            }
            FieldType::Date if ptype.is_some() || fmask & (m(ty::MONTH) | m(ty::DAY)) == m(ty::MONTH) | m(ty::DAY) => {
                // A run-together time with a zone, or a zone name.
                if !text.starts_with(|c: char| c.is_ascii_digit()) && ptype.is_none() {
                    return Err(DtErr::BadTimezone(text.to_owned()));
                }
                take_time_prefix(&mut ptype)?;
                if fmask & TIME_M == TIME_M {
                    return Err(DtErr::BadFormat);
                }
                let dash = text.find('-').ok_or(DtErr::BadFormat)?;
                tz = decode_timezone(&text[dash..])?;
                let (tmask, _) = decode_number_field(&text[..dash], fmask, &mut tm, &mut is2digits)?;
                tmask | m(ty::TZ)
            }
            FieldType::Date => decode_date(text, fmask, &mut is2digits, &mut tm)?,
            FieldType::Time => {
                take_time_prefix(&mut ptype)?;
                let tmask = decode_time(text, &mut tm)?;
                if time_overflows(tm.hour, tm.min, tm.sec, tm.fsec) {
                    return Err(DtErr::FieldOverflow);
                }
                tmask
            }
            FieldType::Tz => {
                tz = decode_timezone(text)?;
                m(ty::TZ)
            }
            FieldType::Number => {
                if let Some(p) = ptype.take() {
                    dtype = DType::Date;
                    labelled_number(p, text, fmask, &mut tm, &mut is_julian, &mut is2digits)?
                } else {
                    let dot = text.find('.');
                    if dot.is_some() && fmask & DATE_M == 0 {
                        decode_date(text, fmask, &mut is2digits, &mut tm)?
                    } else if dot.is_some_and(|d| d > 2) {
                        decode_number_field(text, fmask, &mut tm, &mut is2digits)?.0
                    } else if text.len() >= 6 && (fmask & DATE_M == 0 || fmask & TIME_M == 0) {
                        // Run-together YMD or HMS; six or more digits are a
                        // year only after both a date and a time.
                        decode_number_field(text, fmask, &mut tm, &mut is2digits)?.0
                    } else {
                        decode_number(text, have_text_month, fmask, &mut tm, &mut is2digits)?
                    }
                }
            }
            FieldType::String | FieldType::Special => {
                // All-alpha zone names are not resolved.
                let kw = keyword(text).ok_or(DtErr::BadFormat)?;
                let mut tmask = m(kw.type_code());
                match kw {
                    Keyword::Ignore => continue,
                    Keyword::Reserved(r) => match r {
                        Reserved::Now => {
                            tmask = DATE_M | TIME_M | m(ty::TZ);
                            dtype = DType::Date;
                            unsupported = Some(r);
                        }
                        Reserved::Today | Reserved::Tomorrow | Reserved::Yesterday => {
                            tmask = DATE_M;
                            dtype = DType::Date;
                            unsupported = Some(r);
                        }
                        Reserved::Zulu => {
                            tmask = TIME_M | m(ty::TZ);
                            dtype = DType::Date;
                            (tm.hour, tm.min, tm.sec) = (0, 0, 0);
                            tz = 0;
                        }
                        Reserved::Epoch | Reserved::Late | Reserved::Early => {
                            tmask = DATE_M | TIME_M | m(ty::TZ);
                            dtype = match r {
                                Reserved::Epoch => DType::Epoch,
                                Reserved::Late => DType::Late,
                                _ => DType::Early,
                            };
                        }
                    },
                    Keyword::Month(mon) => {
                        // A number already taken as the month was the day.
                        if fmask & m(ty::MONTH) != 0
                            && !have_text_month
                            && fmask & m(ty::DAY) == 0
                            && (1..=31).contains(&tm.mon)
                        {
                            tm.mday = tm.mon;
                            tmask = m(ty::DAY);
                        }
                        have_text_month = true;
                        tm.mon = mon;
                    }
                    Keyword::DstModifier => {
                        tmask |= m(ty::DTZ);
                        tz -= 3600;
                    }
                    Keyword::Dtz(offset) => {
                        tmask |= m(ty::TZ);
                        tz = -offset;
                    }
                    Keyword::Tz(offset) => tz = -offset,
                    Keyword::AmPm(is_pm) => pm = Some(is_pm),
                    Keyword::AdBc(is_bc) => bc = is_bc,
                    Keyword::Dow => {}
                    Keyword::Units(unit) => {
                        tmask = 0;
                        if ptype.is_some() {
                            return Err(DtErr::BadFormat);
                        }
                        ptype = Some(if unit == DateUnit::Julian {
                            Prefix::Julian
                        } else {
                            Prefix::Other
                        });
                    }
                    Keyword::IsoTime => {
                        tmask = 0;
                        if fmask & DATE_M != DATE_M || ptype.is_some() {
                            return Err(DtErr::BadFormat);
                        }
                        ptype = Some(Prefix::Time);
                    }
                }
                tmask
            }
        };
        if tmask & fmask != 0 {
            return Err(DtErr::BadFormat);
        }
        fmask |= tmask;
    }
    if ptype.is_some() {
        return Err(DtErr::BadFormat);
    }
    if let Some(r) = unsupported {
        return Err(DtErr::Unsupported(r.name()));
    }
    if dtype == DType::Date {
        validate_date(fmask, is_julian, is2digits, bc, &mut tm)?;
        apply_meridian(pm, &mut tm)?;
        // A time without a date is not a date (PostgreSQL returns 1 here,
        // which every caller treats as bad input).
        if fmask & DATE_M != DATE_M {
            return Err(DtErr::BadFormat);
        }
        if fmask & m(ty::TZ) == 0 {
            if fmask & m(ty::DTZMOD) != 0 {
                return Err(DtErr::BadFormat);
            }
            // The session time zone is UTC.
            tz = 0;
        }
    }
    Ok(Decoded { dtype, tm, tz })
}

/// Consumes a pending prefix before a time: only `t` may precede one.
fn take_time_prefix(ptype: &mut Option<Prefix>) -> Result<(), DtErr> {
    match ptype.take() {
        None | Some(Prefix::Time) => Ok(()),
        Some(_) => Err(DtErr::BadFormat),
    }
}

/// Handles a number after a unit word (`j2451545`, `t040506`).
fn labelled_number(
    prefix: Prefix,
    text: &str,
    fmask: u32,
    tm: &mut Tm,
    is_julian: &mut bool,
    is2digits: &mut bool,
) -> Result<u32, DtErr> {
    let (value, rest) = strtoint(text)?;
    if !rest.is_empty() && !rest.starts_with('.') {
        return Err(DtErr::BadFormat);
    }
    match prefix {
        Prefix::Julian => {
            if value < 0 {
                return Err(DtErr::FieldOverflow);
            }
            (tm.year, tm.mon, tm.mday) = j2date(value);
            *is_julian = true;
            let mut tmask = DATE_M;
            if rest.starts_with('.') {
                let micros = (parse_fraction(rest)? * USECS_PER_DAY as f64) as i64;
                (tm.hour, tm.min, tm.sec, tm.fsec) = split_time(micros);
                tmask |= TIME_M;
            }
            Ok(tmask)
        }
        Prefix::Time => {
            let (tmask, _) = decode_number_field(text, fmask | DATE_M, tm, is2digits)?;
            if tmask != TIME_M {
                return Err(DtErr::BadFormat);
            }
            Ok(tmask)
        }
        Prefix::Other => Err(DtErr::BadFormat),
    }
}

/// Splits microseconds since midnight into fields (`dt2time`).
fn split_time(micros: i64) -> (i32, i32, i32, i64) {
    let narrow = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    let hour = micros / 3_600_000_000;
    let rest = micros - hour * 3_600_000_000;
    let min = rest / 60_000_000;
    let rest = rest - min * 60_000_000;
    let sec = rest / 1_000_000;
    (narrow(hour), narrow(min), narrow(sec), rest - sec * 1_000_000)
}

/// Applies AM/PM to the hour.
fn apply_meridian(pm: Option<bool>, tm: &mut Tm) -> Result<(), DtErr> {
    match pm {
        None => Ok(()),
        Some(_) if tm.hour > 12 => Err(DtErr::FieldOverflow),
        Some(false) => {
            if tm.hour == 12 {
                tm.hour = 0;
            }
            Ok(())
        }
        Some(true) => {
            if tm.hour != 12 {
                tm.hour += 12;
            }
            Ok(())
        }
    }
}

/// Decodes fields of a time of day, with an optional (ignored) date and zone.
pub(crate) fn decode_time_only(fields: &[Field]) -> Result<Tm, DtErr> {
    let nf = fields.len();
    let mut fmask = 0u32;
    let mut ptype: Option<Prefix> = None;
    let mut pm: Option<bool> = None;
    let mut is_julian = false;
    let mut is2digits = false;
    let mut bc = false;
    let mut unsupported: Option<Reserved> = None;
    let mut tm = Tm::default();
    // A date is accepted only first and followed by more.
    let date_allowed =
        |i: usize| i == 0 && nf >= 2 && (fields[nf - 1].ftype == FieldType::Date || fields[1].ftype == FieldType::Time);
    for (i, field) in fields.iter().enumerate() {
        let text = field.text.as_str();
        let tmask = match field.ftype {
            FieldType::Date if date_allowed(i) => decode_date(text, fmask, &mut is2digits, &mut tm)?,
            FieldType::Date => {
                if !text.starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(DtErr::BadTimezone(text.to_owned()));
                }
                if fmask & TIME_M == TIME_M {
                    return Err(DtErr::BadFormat);
                }
                let dash = text.find('-').ok_or(DtErr::BadFormat)?;
                decode_timezone(&text[dash..])?;
                let (tmask, _) = decode_number_field(&text[..dash], fmask | DATE_M, &mut tm, &mut is2digits)?;
                tmask | m(ty::TZ)
            }
            FieldType::Time => {
                take_time_prefix(&mut ptype)?;
                decode_time(text, &mut tm)?
            }
            FieldType::Tz => {
                decode_timezone(text)?;
                m(ty::TZ)
            }
            FieldType::Number => {
                if let Some(p) = ptype.take() {
                    labelled_number(p, text, fmask, &mut tm, &mut is_julian, &mut is2digits)?
                } else if let Some(dot) = text.find('.') {
                    let last_is_date = nf >= 2 && fields[nf - 1].ftype == FieldType::Date;
                    if i == 0 && last_is_date {
                        decode_date(text, fmask, &mut is2digits, &mut tm)?
                    } else if dot > 2 {
                        decode_number_field(text, fmask | DATE_M, &mut tm, &mut is2digits)?.0
                    } else {
                        return Err(DtErr::BadFormat);
                    }
                } else if text.len() > 4 {
                    decode_number_field(text, fmask | DATE_M, &mut tm, &mut is2digits)?.0
                } else {
                    decode_number(text, false, fmask | DATE_M, &mut tm, &mut is2digits)?
                }
            }
            FieldType::String | FieldType::Special => {
                let kw = keyword(text).ok_or(DtErr::BadFormat)?;
                let mut tmask = m(kw.type_code());
                match kw {
                    Keyword::Ignore => continue,
                    Keyword::Reserved(Reserved::Now) => {
                        tmask = TIME_M;
                        unsupported = Some(Reserved::Now);
                    }
                    Keyword::Reserved(Reserved::Zulu) => {
                        tmask = TIME_M | m(ty::TZ);
                        (tm.hour, tm.min, tm.sec) = (0, 0, 0);
                    }
                    Keyword::DstModifier => tmask |= m(ty::DTZ),
                    Keyword::Dtz(_) => tmask |= m(ty::TZ),
                    Keyword::Tz(_) => {}
                    Keyword::AmPm(is_pm) => pm = Some(is_pm),
                    Keyword::AdBc(is_bc) => bc = is_bc,
                    Keyword::Units(unit) => {
                        tmask = 0;
                        if ptype.is_some() {
                            return Err(DtErr::BadFormat);
                        }
                        ptype = Some(if unit == DateUnit::Julian {
                            Prefix::Julian
                        } else {
                            Prefix::Other
                        });
                    }
                    Keyword::IsoTime => {
                        tmask = 0;
                        if ptype.is_some() {
                            return Err(DtErr::BadFormat);
                        }
                        ptype = Some(Prefix::Time);
                    }
                    Keyword::Reserved(_) | Keyword::Month(_) | Keyword::Dow => {
                        return Err(DtErr::BadFormat);
                    }
                }
                tmask
            }
        };
        if tmask & fmask != 0 {
            return Err(DtErr::BadFormat);
        }
        fmask |= tmask;
    }
    if ptype.is_some() {
        return Err(DtErr::BadFormat);
    }
    if let Some(r) = unsupported {
        return Err(DtErr::Unsupported(r.name()));
    }
    validate_date(fmask, is_julian, is2digits, bc, &mut tm)?;
    apply_meridian(pm, &mut tm)?;
    if time_overflows(tm.hour, tm.min, tm.sec, tm.fsec) {
        return Err(DtErr::FieldOverflow);
    }
    if fmask & TIME_M != TIME_M {
        return Err(DtErr::BadFormat);
    }
    if fmask & m(ty::TZ) == 0 {
        if fmask & m(ty::DTZMOD) != 0 {
            return Err(DtErr::BadFormat);
        }
        // Resolving the session zone needs a complete date, if any.
        if fmask & DATE_M != 0 && fmask & DATE_M != DATE_M {
            return Err(DtErr::BadFormat);
        }
    }
    Ok(tm)
}
