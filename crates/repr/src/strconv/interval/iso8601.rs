//! ISO 8601 interval input: a port of PostgreSQL's
//! `DecodeISO8601Interval`, covering the format with designators
//! (`P1Y2M3DT4H5M6S`, weeks too, fractions in any field) and the
//! alternative format (`P0001-02-03T04:05:06`, `P00010203T040506`).

use super::ItmIn;
use crate::strconv::datetime::fields::{USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC};
use crate::strconv::datetime::lex::DtErr;
use crate::strconv::scan::strtod;

/// Reads a number at `pos` as its integer part, fraction and end
/// (`ParseISO8601Number`).
fn number(s: &[u8], pos: usize) -> Result<(i64, f64, usize), DtErr> {
    let first = s.get(pos).copied().unwrap_or(0);
    if !(first.is_ascii_digit() || first == b'-' || first == b'.') {
        return Err(DtErr::BadFormat);
    }
    let p = strtod(&s[pos..]).ok_or(DtErr::BadFormat)?;
    if p.range_error {
        return Err(DtErr::BadFormat);
    }
    let val = p.value;
    if val.is_nan() || !(-1.0e15..=1.0e15).contains(&val) {
        return Err(DtErr::FieldOverflow);
    }
    // |val| <= 1e15, so its integer part is exact.
    let ipart = val.trunc() as i64;
    Ok((ipart, val - ipart as f64, pos + p.len))
}

/// How many digits the number at `start` has before any point.
fn integer_width(s: &[u8], start: usize) -> usize {
    let start = if s.get(start) == Some(&b'-') { start + 1 } else { start };
    s[start.min(s.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

fn check(ok: bool) -> Result<(), DtErr> {
    if ok { Ok(()) } else { Err(DtErr::FieldOverflow) }
}

/// Decodes an ISO 8601 interval; the text must start with `P` and may not
/// have surrounding whitespace.
pub(super) fn decode_iso8601_interval(text: &str) -> Result<ItmIn, DtErr> {
    let s = text.as_bytes();
    if s.len() < 2 || s[0] != b'P' {
        return Err(DtErr::BadFormat);
    }
    let mut itm = ItmIn::default();
    let mut pos = 1;
    let mut datepart = true;
    let mut havefield = false;
    while pos < s.len() {
        if s[pos] == b'T' {
            datepart = false;
            havefield = false;
            pos += 1;
            continue;
        }
        let fieldstart = pos;
        let (val, fval, end) = number(s, pos)?;
        // A missing unit reads as NUL, as in PostgreSQL.
        let unit = s.get(end).copied().unwrap_or(0);
        pos = end + 1;
        if datepart {
            match unit {
                b'Y' => check(itm.add_years(val, 1) && itm.add_fract_years(fval, 1))?,
                b'M' => check(itm.add_months(val) && itm.add_fract_days(fval, 30))?,
                b'W' => check(itm.add_days(val, 7) && itm.add_fract_days(fval, 7))?,
                b'D' => check(itm.add_days(val, 1) && itm.add_fract_micros(fval, USECS_PER_DAY))?,
                b'T' | 0 if integer_width(s, fieldstart) == 8 && !havefield => {
                    // Basic alternative format: YYYYMMDD.
                    check(
                        itm.add_years(val / 10000, 1)
                            && itm.add_months((val / 100) % 100)
                            && itm.add_days(val % 100, 1)
                            && itm.add_fract_micros(fval, USECS_PER_DAY),
                    )?;
                    if unit == 0 {
                        return Ok(itm);
                    }
                    datepart = false;
                    havefield = false;
                    continue;
                }
                b'T' | 0 | b'-' => {
                    // Extended alternative format: YYYY-MM-DD.
                    if havefield {
                        return Err(DtErr::BadFormat);
                    }
                    check(itm.add_years(val, 1) && itm.add_fract_years(fval, 1))?;
                    if unit == 0 {
                        return Ok(itm);
                    }
                    if unit == b'T' {
                        datepart = false;
                        havefield = false;
                        continue;
                    }
                    let (val, fval, end) = number(s, pos)?;
                    pos = end;
                    check(itm.add_months(val) && itm.add_fract_days(fval, 30))?;
                    match s.get(pos) {
                        None => return Ok(itm),
                        Some(b'T') => {
                            datepart = false;
                            havefield = false;
                            continue;
                        }
                        Some(b'-') => pos += 1,
                        Some(_) => return Err(DtErr::BadFormat),
                    }
                    let (val, fval, end) = number(s, pos)?;
                    pos = end;
                    check(itm.add_days(val, 1) && itm.add_fract_micros(fval, USECS_PER_DAY))?;
                    match s.get(pos) {
                        None => return Ok(itm),
                        Some(b'T') => {
                            datepart = false;
                            havefield = false;
                            continue;
                        }
                        Some(_) => return Err(DtErr::BadFormat),
                    }
                }
                _ => return Err(DtErr::BadFormat),
            }
        } else {
            match unit {
                b'H' => check(itm.add_micros(val, fval, USECS_PER_HOUR))?,
                b'M' => check(itm.add_micros(val, fval, USECS_PER_MINUTE))?,
                b'S' => check(itm.add_micros(val, fval, USECS_PER_SEC))?,
                0 if integer_width(s, fieldstart) == 6 && !havefield => {
                    // Basic alternative format: HHMMSS.
                    check(
                        itm.add_micros(val / 10000, 0.0, USECS_PER_HOUR)
                            && itm.add_micros((val / 100) % 100, 0.0, USECS_PER_MINUTE)
                            && itm.add_micros(val % 100, 0.0, USECS_PER_SEC)
                            && itm.add_fract_micros(fval, 1),
                    )?;
                    return Ok(itm);
                }
                0 | b':' => {
                    // Extended alternative format: HH:MM:SS.
                    if havefield {
                        return Err(DtErr::BadFormat);
                    }
                    check(itm.add_micros(val, fval, USECS_PER_HOUR))?;
                    if unit == 0 {
                        return Ok(itm);
                    }
                    let (val, fval, end) = number(s, pos)?;
                    pos = end;
                    check(itm.add_micros(val, fval, USECS_PER_MINUTE))?;
                    match s.get(pos) {
                        None => return Ok(itm),
                        Some(b':') => pos += 1,
                        Some(_) => return Err(DtErr::BadFormat),
                    }
                    let (val, fval, end) = number(s, pos)?;
                    pos = end;
                    check(itm.add_micros(val, fval, USECS_PER_SEC))?;
                    return if pos == s.len() { Ok(itm) } else { Err(DtErr::BadFormat) };
                }
                _ => return Err(DtErr::BadFormat),
            }
        }
        havefield = true;
    }
    Ok(itm)
}
