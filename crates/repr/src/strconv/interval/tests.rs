use super::*;
use crate::SqlState;

fn iv(s: &str) -> Result<String, ReprError> {
    let mut buf = String::new();
    format_interval(parse_interval(s)?, &mut buf);
    Ok(buf)
}

fn out(months: i32, days: i32, micros: i64) -> String {
    let mut buf = String::new();
    format_interval(Interval::new(months, days, micros), &mut buf);
    buf
}

#[test]
fn verbose_input() {
    let cases = [
        ("1 year 2 months 3 days 04:05:06.7", "1 year 2 mons 3 days 04:05:06.7"),
        ("1 day", "1 day"),
        ("1day", "1 day"),
        ("-1 hour", "-01:00:00"),
        ("2 weeks", "14 days"),
        ("1.5 hours", "01:30:00"),
        ("3 mins", "00:03:00"),
        ("@ 1 day ago", "-1 days"),
        ("1 year 2 days ago", "-1 years -2 days"),
        ("1 yr 2 hrs 3 secs", "1 year 02:00:03"),
        ("1 y 1 mon 1 w 1 d 1 h 1 m 1 s", "1 year 1 mon 8 days 01:01:01"),
        ("1 millisecond", "00:00:00.001"),
        ("5 us", "00:00:00.000005"),
        ("5 microseconds", "00:00:00.000005"),
        ("7 ms 3 usec", "00:00:00.007003"),
        ("1 decade", "10 years"),
        ("2 centuries", "200 years"),
        ("1 millennium", "1000 years"),
        ("1 hour 30", "01:00:30"),
        ("1 2 hours", "1 day 02:00:00"),
        // PostgreSQL 16 takes "ago" anywhere, and a unit without a number.
        ("ago 1 day", "-1 days"),
        ("1 day ago ago", "-1 days"),
        ("1 day hour", "1 day"),
        ("  1   DAY  ", "1 day"),
        ("+1 day -2 hours", "1 day -02:00:00"),
    ];
    for (input, want) in cases {
        assert_eq!(iv(input).as_deref(), Ok(want), "{input}");
    }
}

#[test]
fn fractions_spill_into_smaller_fields() {
    let cases = [
        ("1.5 years", "1 year 6 mons"),
        ("1.5 months", "1 mon 15 days"),
        ("0.5 days", "12:00:00"),
        ("1.5 weeks", "10 days 12:00:00"),
        ("1.5 minutes", "00:01:30"),
        ("-1.5 days", "-1 days -12:00:00"),
        ("0.1 seconds", "00:00:00.1"),
        ("1.000001 s", "00:00:01.000001"),
        ("0.0000005 s", "00:00:00"),
        // PostgreSQL rounds a half microsecond down here.
        ("0.0000015 s", "00:00:00.000001"),
        ("1.01 months", "1 mon 07:12:00"),
    ];
    for (input, want) in cases {
        assert_eq!(iv(input).as_deref(), Ok(want), "{input}");
    }
}

#[test]
fn time_and_numeric_input() {
    let cases = [
        ("10:00", "10:00:00"),
        ("04:05:06.7", "04:05:06.7"),
        ("100:00:00", "100:00:00"),
        ("-04:05", "-04:05:00"),
        ("1 2:03:04", "1 day 02:03:04"),
        ("1 day -02:00:00", "1 day -02:00:00"),
        ("-1 days +02:00:00", "-1 days +02:00:00"),
        (
            "-1 year -2 mons +3 days -04:05:06.7",
            "-1 years -2 mons +3 days -04:05:06.7",
        ),
        ("5", "00:00:05"),
        ("1.5", "00:00:01.5"),
        ("-5", "-00:00:05"),
        ("0", "00:00:00"),
        ("1-2", "1 year 2 mons"),
        ("-1-2", "-1 years -2 mons"),
        ("1-2 3 4:05:06", "1 year 2 mons 3 days 04:05:06"),
        ("12:34.5", "00:12:34.5"),
    ];
    for (input, want) in cases {
        assert_eq!(iv(input).as_deref(), Ok(want), "{input}");
    }
}

#[test]
fn iso8601_input() {
    let cases = [
        ("P1Y2M3DT4H5M6S", "1 year 2 mons 3 days 04:05:06"),
        ("P1Y", "1 year"),
        ("PT1H", "01:00:00"),
        ("P1W", "7 days"),
        ("P1.5Y", "1 year 6 mons"),
        ("PT1.5S", "00:00:01.5"),
        ("P-1DT-1H", "-1 days -01:00:00"),
        ("P0001-02-03T04:05:06", "1 year 2 mons 3 days 04:05:06"),
        ("P0001-02-03", "1 year 2 mons 3 days"),
        ("P00010203T040506", "1 year 2 mons 3 days 04:05:06"),
        ("PT04:05:06", "04:05:06"),
        ("P1", "1 year"),
    ];
    for (input, want) in cases {
        assert_eq!(iv(input).as_deref(), Ok(want), "{input}");
    }
    for bad in ["P", "p1d", " P1D", "P1X", "PT1D", "P1DT", "P1D2H"] {
        if bad == "P1DT" {
            // A trailing T is accepted, as in PostgreSQL.
            assert_eq!(iv(bad).as_deref(), Ok("1 day"));
            continue;
        }
        assert_eq!(
            iv(bad).map_err(|e| e.code()),
            Err(SqlState::InvalidDatetimeFormat),
            "{bad}"
        );
    }
}

#[test]
fn errors() {
    let err = iv("x").expect_err("garbage");
    assert_eq!(err.to_string(), "invalid input syntax for type interval: \"x\"");
    assert_eq!(err.code(), SqlState::InvalidDatetimeFormat);
    for bad in [
        "",
        "1 day 1 day",
        "day",
        "1 fortnight",
        "5 ago",
        "1 day 01:00:00 02:00:00",
        "1 hour 01:00",
    ] {
        assert_eq!(
            iv(bad).map_err(|e| e.code()),
            Err(SqlState::InvalidDatetimeFormat),
            "{bad}"
        );
    }
    let err = iv("2147483648 days").expect_err("too many days");
    assert_eq!(
        err.to_string(),
        "interval field value out of range: \"2147483648 days\""
    );
    assert_eq!(err.code(), SqlState::IntervalFieldOverflow);
    assert!(matches!(iv("1-12"), Err(ReprError::IntervalFieldOverflow { .. })));
    assert!(matches!(
        iv("99999999999999999999 s"),
        Err(ReprError::IntervalFieldOverflow { .. })
    ));
    let err = iv("178956971 years").expect_err("too many months");
    assert_eq!(err.to_string(), "interval out of range");
    assert_eq!(err.code(), SqlState::DatetimeFieldOverflow);
}

#[test]
fn postgres_style_output() {
    assert_eq!(out(0, 0, 0), "00:00:00");
    assert_eq!(out(1, 0, 0), "1 mon");
    assert_eq!(out(24, 0, 0), "2 years");
    assert_eq!(out(-1, 0, 0), "-1 mons");
    assert_eq!(out(0, 1, 0), "1 day");
    assert_eq!(out(0, -1, 7_200_000_000), "-1 days +02:00:00");
    assert_eq!(out(0, 0, -1), "-00:00:00.000001");
    assert_eq!(out(13, -1, -3_600_000_000), "1 year 1 mon -1 days -01:00:00");
    assert_eq!(out(-13, 1, 0), "-1 years -1 mons +1 day");
    assert_eq!(out(0, 0, 90_061_000_000), "25:01:01");
    assert_eq!(
        out(i32::MAX, i32::MIN, i64::MIN),
        "178956970 years 7 mons -2147483648 days -2562047788:00:54.775808"
    );
    assert_eq!(
        out(i32::MIN, 0, i64::MAX),
        "-178956970 years -8 mons +2562047788:00:54.775807"
    );
}

#[test]
fn output_round_trips() {
    for text in [
        "00:00:00",
        "1 year 2 mons 3 days 04:05:06.7",
        "-1 days +02:00:00",
        "-1 years -2 mons +3 days -04:05:06.7",
        "178956970 years 7 mons 2147483647 days 2562047788:00:54.775807",
        "-00:00:00.000001",
    ] {
        assert_eq!(iv(text).as_deref(), Ok(text));
    }
}
