use freshet_repr::{RowArena, format_datum, parse_datum};

use super::*;

/// Parses `text` as `typ`.
fn val<'a>(typ: ScalarType, text: &str, arena: &'a RowArena) -> Datum<'a> {
    parse_datum(&typ, text, arena).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The output text of a result.
fn show(d: Result<Datum<'_>, EvalError>) -> Result<String, String> {
    d.map(|d| {
        let mut s = String::new();
        format_datum(d, &ScalarType::Text, &mut s);
        s
    })
    .map_err(|e| format!("{} {e}", e.code().code()))
}

fn op(op: DateTimeOp, a: (ScalarType, &str), b: (ScalarType, &str)) -> Result<String, String> {
    let arena = RowArena::new();
    let (a, b) = (val(a.0, a.1, &arena), val(b.0, b.1, &arena));
    show(op.eval(a, b))
}

fn extract_of(units: &str, typ: ScalarType, text: &str) -> Result<String, String> {
    let arena = RowArena::new();
    show(extract(units, val(typ, text, &arena), &arena))
}

fn date_part_of(units: &str, typ: ScalarType, text: &str) -> Result<String, String> {
    let arena = RowArena::new();
    show(date_part(units, val(typ, text, &arena)))
}

fn trunc_of(units: &str, typ: ScalarType, text: &str) -> Result<String, String> {
    let arena = RowArena::new();
    show(date_trunc(units, val(typ, text, &arena)))
}

use DateTimeOp::*;
use ScalarType::{Date, Float64, Int32, Interval as Iv, Time, Timestamp as Ts, TimestampTz as Tstz};

#[test]
fn date_arithmetic() {
    assert_eq!(
        op(AddDateInt, (Date, "2024-02-28"), (Int32, "2")).as_deref(),
        Ok("2024-03-01")
    );
    assert_eq!(
        op(AddIntDate, (Int32, "1"), (Date, "2024-12-31")).as_deref(),
        Ok("2025-01-01")
    );
    assert_eq!(
        op(SubDateInt, (Date, "2024-03-01"), (Int32, "1")).as_deref(),
        Ok("2024-02-29")
    );
    assert_eq!(
        op(SubDateDate, (Date, "2024-03-01"), (Date, "2024-01-01")).as_deref(),
        Ok("60")
    );
    assert_eq!(
        op(SubDateDate, (Date, "2024-01-01"), (Date, "2024-03-01")).as_deref(),
        Ok("-60")
    );
    assert_eq!(
        op(AddDateInterval, (Date, "2024-01-31"), (Iv, "1 month")).as_deref(),
        Ok("2024-02-29 00:00:00")
    );
    assert_eq!(
        op(SubDateInterval, (Date, "2024-03-01"), (Iv, "1 hour")).as_deref(),
        Ok("2024-02-29 23:00:00")
    );
    assert_eq!(
        op(AddDateTime, (Date, "2024-03-01"), (Time, "12:30")).as_deref(),
        Ok("2024-03-01 12:30:00")
    );
    assert_eq!(
        op(SubDateInt, (Date, "4714-11-24 BC"), (Int32, "1")),
        Err("22008 date out of range".into())
    );
}

#[test]
fn timestamp_arithmetic_adds_months_then_days_then_time() {
    assert_eq!(
        op(
            AddTimestampInterval,
            (Ts, "2024-01-31 10:00"),
            (Iv, "1 month 1 day 1 hour")
        )
        .as_deref(),
        Ok("2024-03-01 11:00:00")
    );
    assert_eq!(
        op(SubTimestampInterval, (Ts, "2024-03-31"), (Iv, "1 month")).as_deref(),
        Ok("2024-02-29 00:00:00")
    );
    assert_eq!(
        op(AddIntervalTimestamp, (Iv, "-13 months"), (Ts, "2024-01-15")).as_deref(),
        Ok("2022-12-15 00:00:00")
    );
    assert_eq!(
        op(AddTimestampTzInterval, (Tstz, "2024-01-01 00:00+00"), (Iv, "36 hours")).as_deref(),
        Ok("2024-01-02 12:00:00+00")
    );
    assert_eq!(
        op(SubTimestampTimestamp, (Ts, "2024-03-01 12:00"), (Ts, "2024-01-01")).as_deref(),
        Ok("60 days 12:00:00")
    );
    assert_eq!(
        op(SubTimestampTimestamp, (Ts, "2024-01-01"), (Ts, "2024-01-02 01:00")).as_deref(),
        Ok("-1 days -01:00:00")
    );
    assert_eq!(
        op(
            SubTimestampTzTimestampTz,
            (Tstz, "2024-01-02 00:00+00"),
            (Tstz, "2024-01-01 12:00+00")
        )
        .as_deref(),
        Ok("12:00:00")
    );
    assert_eq!(
        op(
            SubTimestampInterval,
            (Ts, "4714-11-24 00:00:00 BC"),
            (Iv, "1 microsecond")
        ),
        Err("22008 timestamp out of range".into())
    );
}

#[test]
fn time_and_interval_arithmetic() {
    assert_eq!(
        op(AddTimeInterval, (Time, "23:00"), (Iv, "2 hours")).as_deref(),
        Ok("01:00:00")
    );
    assert_eq!(
        op(SubTimeInterval, (Time, "01:00"), (Iv, "1 day 2 hours")).as_deref(),
        Ok("23:00:00")
    );
    assert_eq!(
        op(SubTimeTime, (Time, "01:00"), (Time, "02:30")).as_deref(),
        Ok("-01:30:00")
    );
    assert_eq!(
        op(AddInterval, (Iv, "1 month 2 days"), (Iv, "3 hours")).as_deref(),
        Ok("1 mon 2 days 03:00:00")
    );
    assert_eq!(op(SubInterval, (Iv, "1 day"), (Iv, "2 days")).as_deref(), Ok("-1 days"));
    assert_eq!(
        op(MulInterval, (Iv, "1 day"), (Float64, "1.5")).as_deref(),
        Ok("1 day 12:00:00")
    );
    assert_eq!(
        op(MulFloatInterval, (Float64, "2"), (Iv, "1 mon 1 hour")).as_deref(),
        Ok("2 mons 02:00:00")
    );
    assert_eq!(
        op(MulInterval, (Iv, "1 mon"), (Float64, "0.5")).as_deref(),
        Ok("15 days")
    );
    assert_eq!(op(DivInterval, (Iv, "1 mon"), (Float64, "2")).as_deref(), Ok("15 days"));
    assert_eq!(
        op(DivInterval, (Iv, "1 hour"), (Float64, "3")).as_deref(),
        Ok("00:20:00")
    );
    assert_eq!(
        op(DivInterval, (Iv, "1 hour"), (Float64, "0")),
        Err("22012 division by zero".into())
    );
    assert_eq!(
        op(MulInterval, (Iv, "1 day"), (Float64, "NaN")),
        Err("22008 interval out of range".into())
    );
    assert_eq!(
        op(AddInterval, (Iv, "2147483647 days"), (Iv, "1 day")),
        Err("22008 interval out of range".into())
    );
    assert_eq!(
        show(interval_neg(Interval::new(1, -2, 3_000_000)).map(Datum::Interval)).as_deref(),
        Ok("-1 mons +2 days -00:00:03")
    );
    assert!(interval_neg(Interval::new(i32::MIN, 0, 0)).is_err());
}

#[test]
fn extract_returns_numerics_with_postgres_scales() {
    assert_eq!(extract_of("year", Date, "2024-03-01").as_deref(), Ok("2024"));
    assert_eq!(extract_of("YEAR", Ts, "2024-03-01 10:00").as_deref(), Ok("2024"));
    assert_eq!(
        extract_of("second", Ts, "2024-03-01 12:34:56.5").as_deref(),
        Ok("56.500000")
    );
    assert_eq!(
        extract_of("milliseconds", Ts, "2024-03-01 12:34:56.5").as_deref(),
        Ok("56500.000")
    );
    assert_eq!(
        extract_of("microseconds", Ts, "2024-03-01 12:34:56.5").as_deref(),
        Ok("56500000")
    );
    assert_eq!(
        extract_of("epoch", Ts, "2024-01-01").as_deref(),
        Ok("1704067200.000000")
    );
    assert_eq!(extract_of("epoch", Date, "2024-01-01").as_deref(), Ok("1704067200"));
    assert_eq!(
        extract_of("epoch", Tstz, "1970-01-01 00:00:01.5+00").as_deref(),
        Ok("1.500000")
    );
    assert_eq!(extract_of("dow", Date, "2024-03-03").as_deref(), Ok("0"));
    assert_eq!(extract_of("isodow", Date, "2024-03-03").as_deref(), Ok("7"));
    assert_eq!(extract_of("doy", Date, "2024-12-31").as_deref(), Ok("366"));
    assert_eq!(extract_of("week", Date, "2024-01-01").as_deref(), Ok("1"));
    assert_eq!(extract_of("isoyear", Date, "2021-01-01").as_deref(), Ok("2020"));
    assert_eq!(extract_of("quarter", Ts, "2024-05-01").as_deref(), Ok("2"));
    assert_eq!(extract_of("century", Date, "2000-12-31").as_deref(), Ok("20"));
    assert_eq!(extract_of("century", Date, "2001-01-01").as_deref(), Ok("21"));
    assert_eq!(extract_of("millennium", Date, "2001-01-01").as_deref(), Ok("3"));
    assert_eq!(extract_of("decade", Date, "2024-01-01").as_deref(), Ok("202"));
    assert_eq!(extract_of("year", Date, "0001-01-01 BC").as_deref(), Ok("-1"));
    assert_eq!(extract_of("julian", Date, "2000-01-01").as_deref(), Ok("2451545"));
    assert_eq!(
        extract_of("julian", Ts, "2000-01-01 12:00").as_deref(),
        Ok("2451545.50000000000000000000")
    );
    assert_eq!(extract_of("timezone", Tstz, "2024-01-01 00:00+00").as_deref(), Ok("0"));
    assert_eq!(extract_of("hour", Time, "13:45:10").as_deref(), Ok("13"));
    assert_eq!(extract_of("second", Time, "13:45:10").as_deref(), Ok("10.000000"));
    assert_eq!(extract_of("epoch", Time, "01:00:00.25").as_deref(), Ok("3600.250000"));
    assert_eq!(
        extract_of("usecs", Ts, "2024-01-01 00:00:01.000002").as_deref(),
        Ok("1000002")
    );
    assert_eq!(
        extract_of("microsecondsXYZ", Ts, "2024-01-01 00:00:01").as_deref(),
        Ok("1000000")
    );
}

#[test]
fn extract_from_intervals() {
    assert_eq!(extract_of("day", Iv, "1 mon 40 days").as_deref(), Ok("40"));
    assert_eq!(extract_of("month", Iv, "1 year 14 mons").as_deref(), Ok("2"));
    assert_eq!(extract_of("year", Iv, "1 year 14 mons").as_deref(), Ok("2"));
    assert_eq!(extract_of("quarter", Iv, "7 mons").as_deref(), Ok("3"));
    assert_eq!(extract_of("hour", Iv, "-25 hours").as_deref(), Ok("-25"));
    assert_eq!(extract_of("minute", Iv, "-1 hour -30 minutes").as_deref(), Ok("-30"));
    assert_eq!(extract_of("epoch", Iv, "1 day 1 second").as_deref(), Ok("86401.000000"));
    assert_eq!(extract_of("epoch", Iv, "1 year").as_deref(), Ok("31557600.000000"));
    assert_eq!(extract_of("epoch", Iv, "1 mon").as_deref(), Ok("2592000.000000"));
    assert_eq!(
        extract_of("week", Iv, "2 weeks"),
        Err("0A000 unit \"week\" not supported for type interval".into())
    );
}

#[test]
fn date_part_returns_floats() {
    assert_eq!(
        date_part_of("second", Ts, "2024-03-01 12:34:56.5").as_deref(),
        Ok("56.5")
    );
    assert_eq!(date_part_of("epoch", Ts, "2024-01-01").as_deref(), Ok("1704067200"));
    assert_eq!(date_part_of("hour", Date, "2024-01-01").as_deref(), Ok("0"));
    assert_eq!(date_part_of("milliseconds", Time, "00:00:01.5").as_deref(), Ok("1500"));
    assert_eq!(date_part_of("epoch", Iv, "1 year").as_deref(), Ok("31557600"));
    assert_eq!(
        date_part_of("julian", Ts, "2000-01-01 12:00").as_deref(),
        Ok("2451545.5")
    );
}

#[test]
fn unknown_and_unsupported_units() {
    assert_eq!(
        extract_of("foo", Ts, "2024-01-01"),
        Err("22023 unit \"foo\" not recognized for type timestamp without time zone".into())
    );
    assert_eq!(
        extract_of("Foo", Date, "2024-01-01"),
        Err("22023 unit \"foo\" not recognized for type date".into())
    );
    assert_eq!(
        extract_of("hour", Date, "2024-01-01"),
        Err("0A000 unit \"hour\" not supported for type date".into())
    );
    assert_eq!(
        extract_of("timezone", Ts, "2024-01-01"),
        Err("0A000 unit \"timezone\" not supported for type timestamp without time zone".into())
    );
    assert_eq!(
        extract_of("now", Ts, "2024-01-01"),
        Err("0A000 unit \"now\" not supported for type timestamp without time zone".into())
    );
    assert_eq!(
        extract_of("year", Time, "10:00"),
        Err("0A000 unit \"year\" not supported for type time without time zone".into())
    );
    assert_eq!(
        extract_of("jan", Ts, "2024-01-01"),
        Err("22023 unit \"jan\" not recognized for type timestamp without time zone".into())
    );
    assert_eq!(
        trunc_of("epoch", Ts, "2024-01-01"),
        Err("22023 unit \"epoch\" not recognized for type timestamp without time zone".into())
    );
    assert_eq!(
        trunc_of("dow", Tstz, "2024-01-01 00:00+00"),
        Err("22023 unit \"dow\" not recognized for type timestamp with time zone".into())
    );
    assert_eq!(
        trunc_of("timezone", Ts, "2024-01-01"),
        Err("0A000 unit \"timezone\" not supported for type timestamp without time zone".into())
    );
    assert_eq!(
        trunc_of("week", Iv, "15 days"),
        Err("0A000 unit \"week\" not supported for type interval".into())
    );
}

#[test]
fn date_trunc_of_timestamps_and_intervals() {
    let ts = "2024-05-15 10:37:42.123456";
    assert_eq!(
        trunc_of("microseconds", Ts, ts).as_deref(),
        Ok("2024-05-15 10:37:42.123456")
    );
    assert_eq!(
        trunc_of("milliseconds", Ts, ts).as_deref(),
        Ok("2024-05-15 10:37:42.123")
    );
    assert_eq!(trunc_of("second", Ts, ts).as_deref(), Ok("2024-05-15 10:37:42"));
    assert_eq!(trunc_of("minute", Ts, ts).as_deref(), Ok("2024-05-15 10:37:00"));
    assert_eq!(trunc_of("hour", Ts, ts).as_deref(), Ok("2024-05-15 10:00:00"));
    assert_eq!(trunc_of("day", Ts, ts).as_deref(), Ok("2024-05-15 00:00:00"));
    assert_eq!(trunc_of("week", Ts, ts).as_deref(), Ok("2024-05-13 00:00:00"));
    assert_eq!(trunc_of("month", Ts, ts).as_deref(), Ok("2024-05-01 00:00:00"));
    assert_eq!(trunc_of("quarter", Ts, ts).as_deref(), Ok("2024-04-01 00:00:00"));
    assert_eq!(trunc_of("year", Ts, ts).as_deref(), Ok("2024-01-01 00:00:00"));
    assert_eq!(trunc_of("decade", Ts, ts).as_deref(), Ok("2020-01-01 00:00:00"));
    assert_eq!(trunc_of("century", Ts, ts).as_deref(), Ok("2001-01-01 00:00:00"));
    assert_eq!(trunc_of("millennium", Ts, ts).as_deref(), Ok("2001-01-01 00:00:00"));
    assert_eq!(
        trunc_of("MONTH", Tstz, "2024-03-15 10:00+00").as_deref(),
        Ok("2024-03-01 00:00:00+00")
    );
    assert_eq!(trunc_of("week", Ts, "2021-01-01").as_deref(), Ok("2020-12-28 00:00:00"));
    let iv = "3 years 5 mons 17 days 10:37:42.123456";
    assert_eq!(trunc_of("year", Iv, iv).as_deref(), Ok("3 years"));
    assert_eq!(trunc_of("quarter", Iv, iv).as_deref(), Ok("3 years 3 mons"));
    assert_eq!(trunc_of("month", Iv, iv).as_deref(), Ok("3 years 5 mons"));
    assert_eq!(trunc_of("day", Iv, iv).as_deref(), Ok("3 years 5 mons 17 days"));
    assert_eq!(
        trunc_of("hour", Iv, iv).as_deref(),
        Ok("3 years 5 mons 17 days 10:00:00")
    );
    assert_eq!(
        trunc_of("milliseconds", Iv, iv).as_deref(),
        Ok("3 years 5 mons 17 days 10:37:42.123")
    );
    assert_eq!(trunc_of("decade", Iv, "25 years").as_deref(), Ok("20 years"));
}
