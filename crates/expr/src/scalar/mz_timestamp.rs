//! `mz_timestamp`: the value of `mz_now()`, milliseconds since the Unix
//! epoch, held as a `uint8`. Numbers, dates and timestamps convert to it so
//! that `mz_now()` can be compared with them; it converts back to
//! timestamps for display.

use chrono::{DateTime, NaiveTime, Utc};
use freshet_repr::{Datum, RowArena, ScalarType, Timestamp};

use super::cast::CastFunc;
use crate::EvalError;

/// The error of a value outside `mz_timestamp`'s range (negative, or past
/// the largest `uint8`).
fn out_of_range() -> EvalError {
    EvalError::DatetimeOutOfRange("mz_timestamp".into())
}

/// Milliseconds since the epoch of `ts`, if not before the epoch.
fn millis_of(ts: DateTime<Utc>) -> Result<Timestamp, EvalError> {
    Timestamp::try_from(ts.timestamp_millis()).map_err(|_| out_of_range())
}

/// Converts a number (milliseconds), a date (its midnight, UTC) or a
/// timestamp (UTC; sub-millisecond digits dropped) to an `mz_timestamp`.
/// Fractional numbers round to the nearest millisecond.
pub(crate) fn to_mz_timestamp<'a>(d: Datum<'a>, arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
    let millis = match d {
        Datum::Date(date) => millis_of(date.and_time(NaiveTime::MIN).and_utc())?,
        Datum::Timestamp(ts) => millis_of(ts.and_utc())?,
        Datum::TimestampTz(ts) => millis_of(ts)?,
        Datum::UInt64(ms) => ms,
        number => {
            let from = match number {
                Datum::Int16(_) => ScalarType::Int16,
                Datum::Int32(_) => ScalarType::Int32,
                Datum::Int64(_) => ScalarType::Int64,
                Datum::UInt16(_) => ScalarType::UInt16,
                Datum::UInt32(_) => ScalarType::UInt32,
                Datum::Numeric(_) => ScalarType::numeric(),
                other => panic!("mz_timestamp conversion applied to {other:?}"),
            };
            let cast = CastFunc {
                from,
                to: ScalarType::UInt64,
                explicit: false,
            };
            match cast.eval(number, arena) {
                Ok(Datum::UInt64(ms)) => ms,
                _ => return Err(out_of_range()),
            }
        }
    };
    Ok(Datum::UInt64(millis))
}

/// The instant an `mz_timestamp` names.
fn instant_of(d: Datum<'_>) -> Result<DateTime<Utc>, EvalError> {
    let Datum::UInt64(ms) = d else {
        panic!("mz_timestamp conversion applied to {d:?}");
    };
    i64::try_from(ms)
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .ok_or_else(|| EvalError::DatetimeOutOfRange("timestamp".into()))
}

/// An `mz_timestamp` as a `timestamp` (UTC).
pub(crate) fn to_timestamp(d: Datum<'_>) -> Result<Datum<'_>, EvalError> {
    Ok(Datum::Timestamp(instant_of(d)?.naive_utc()))
}

/// An `mz_timestamp` as a `timestamp with time zone`.
pub(crate) fn to_timestamp_tz(d: Datum<'_>) -> Result<Datum<'_>, EvalError> {
    Ok(Datum::TimestampTz(instant_of(d)?))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use freshet_repr::{Numeric, RowArena};

    use super::*;

    #[test]
    fn numbers_dates_and_timestamps_become_milliseconds() {
        let arena = RowArena::new();
        let day = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap_or_default();
        let midnight = 1_704_153_600_000;
        assert_eq!(to_mz_timestamp(Datum::Date(day), &arena), Ok(Datum::UInt64(midnight)));
        let ts = day.and_hms_micro_opt(0, 0, 1, 2_999).unwrap_or_default();
        assert_eq!(
            to_mz_timestamp(Datum::Timestamp(ts), &arena),
            Ok(Datum::UInt64(midnight + 1_002))
        );
        assert_eq!(
            to_mz_timestamp(Datum::TimestampTz(ts.and_utc()), &arena),
            Ok(Datum::UInt64(midnight + 1_002))
        );
        assert_eq!(to_mz_timestamp(Datum::Int32(7), &arena), Ok(Datum::UInt64(7)));
        let n = arena.push_numeric(&Numeric::from_parts(15.into(), 1));
        assert_eq!(to_mz_timestamp(n, &arena), Ok(Datum::UInt64(2)));
        assert_eq!(to_mz_timestamp(Datum::Int64(-1), &arena), Err(out_of_range()));
        let before = NaiveDate::from_ymd_opt(1969, 12, 31).unwrap_or_default();
        assert_eq!(to_mz_timestamp(Datum::Date(before), &arena), Err(out_of_range()));
    }

    #[test]
    fn milliseconds_read_back_as_timestamps() {
        let ts = to_timestamp_tz(Datum::UInt64(1_704_153_601_002));
        let Ok(Datum::TimestampTz(ts)) = ts else {
            panic!("{ts:?}");
        };
        assert_eq!(ts.to_rfc3339(), "2024-01-02T00:00:01.002+00:00");
        assert!(to_timestamp(Datum::UInt64(u64::MAX)).is_err());
    }
}
