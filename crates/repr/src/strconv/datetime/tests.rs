use super::*;
use crate::SqlState;

fn date(s: &str) -> Result<String, ReprError> {
    let mut buf = String::new();
    format_date(parse_date(s)?, &mut buf);
    Ok(buf)
}

fn time(s: &str) -> Result<String, ReprError> {
    let mut buf = String::new();
    format_time(parse_time(s)?, &mut buf);
    Ok(buf)
}

fn ts(s: &str) -> Result<String, ReprError> {
    let mut buf = String::new();
    format_timestamp(parse_timestamp(s)?, &mut buf);
    Ok(buf)
}

fn tstz(s: &str) -> Result<String, ReprError> {
    let mut buf = String::new();
    format_timestamptz(parse_timestamptz(s)?, &mut buf);
    Ok(buf)
}

fn code(r: Result<String, ReprError>) -> &'static str {
    r.expect_err("an error").code().code()
}

#[test]
fn date_input_forms() {
    let cases = [
        ("2024-01-31", "2024-01-31"),
        ("  2024-01-31  ", "2024-01-31"),
        ("20240131", "2024-01-31"),
        ("2024.01.31", "2024-01-31"),
        ("2024/01/31", "2024-01-31"),
        ("1/2/2024", "2024-01-02"),
        ("Jan 31 2024", "2024-01-31"),
        ("31 Jan 2024", "2024-01-31"),
        ("January 8, 1999", "1999-01-08"),
        ("1999-Jan-08", "1999-01-08"),
        ("08-Jan-1999", "1999-01-08"),
        ("1999-01-08 Friday", "1999-01-08"),
        ("1-8-99", "1999-01-08"),
        ("1-8-69", "2069-01-08"),
        ("1999.008", "1999-01-08"),
        ("J2451545", "2000-01-01"),
        ("epoch", "1970-01-01"),
        ("2024-01-31 BC", "2024-01-31 BC"),
        ("0001-01-01 BC", "0001-01-01 BC"),
        ("0044-03-15 BC", "0044-03-15 BC"),
        ("3/15/44 BC", "0044-03-15 BC"),
        ("4714-11-24 BC", "4714-11-24 BC"),
        ("10000-01-01", "10000-01-01"),
        ("262142-12-31", "262142-12-31"),
        ("2024-02-29", "2024-02-29"),
        ("2024--01-31", "2024-01-31"),
        ("2024-01-31 10:11:12+05", "2024-01-31"),
        ("2024-01-31T23:59:59.999999Z", "2024-01-31"),
        ("2024-01-31 allballs", "2024-01-31"),
    ];
    for (input, want) in cases {
        assert_eq!(date(input).as_deref(), Ok(want), "{input}");
    }
}

#[test]
fn date_errors() {
    let err = date("2024-13-01").expect_err("month 13");
    assert_eq!(err.to_string(), "date/time field value out of range: \"2024-13-01\"");
    assert_eq!(err.code(), SqlState::DatetimeFieldOverflow);
    assert_eq!(code(date("2023-02-29")), "22008");
    assert_eq!(code(date("2024-04-31")), "22008");
    assert_eq!(code(date("0000-01-01")), "22008");
    let err = date("x").expect_err("garbage");
    assert_eq!(err.to_string(), "invalid input syntax for type date: \"x\"");
    assert_eq!(err.code(), SqlState::InvalidDatetimeFormat);
    for bad in [
        "",
        "2024-01",
        "2024-01-31 foo",
        "10:00",
        "2024-01-31x",
        "Friday 1999-01-08",
        "2024-01-31 12:00 13:00",
        "é",
    ] {
        assert_eq!(code(date(bad)), "22007", "{bad}");
    }
    let err = date("4714-11-23 BC").expect_err("too early");
    assert_eq!(err.to_string(), "date out of range: \"4714-11-23 BC\"");
    assert_eq!(err.code(), SqlState::DatetimeFieldOverflow);
    assert_eq!(code(date("300000-01-01")), "22008");
    let err = date("infinity").expect_err("infinity");
    assert_eq!(err.to_string(), "date value \"infinity\" is not supported");
    assert_eq!(err.code(), SqlState::FeatureNotSupported);
    assert_eq!(code(date("-infinity")), "0A000");
    assert_eq!(code(date("today")), "0A000");
    assert_eq!(code(date("2024-01-31 Europe/Paris")), "0A000");
    assert_eq!(code(date(&"1".repeat(200))), "22007");
}

#[test]
fn time_input_forms() {
    let cases = [
        ("04:05", "04:05:00"),
        ("04:05:06", "04:05:06"),
        ("4:5:6", "04:05:06"),
        ("04:05:06.789", "04:05:06.789"),
        ("04:05:06.000001", "04:05:06.000001"),
        ("04:05:06.1234567", "04:05:06.123457"),
        ("040506", "04:05:06"),
        ("0405", "04:05:00"),
        ("4:05 PM", "16:05:00"),
        ("12:00 AM", "00:00:00"),
        ("12:30 pm", "12:30:00"),
        ("allballs", "00:00:00"),
        ("04:05:06 PST", "04:05:06"),
        ("04:05:06.789-08", "04:05:06.789"),
        ("04:05:06+05:30", "04:05:06"),
        ("2024-01-31 04:05:06", "04:05:06"),
        ("T04:05:06", "04:05:06"),
        ("12:30:60", "12:31:00"),
        ("23:59:59.999999", "23:59:59.999999"),
        (" 00:00 ", "00:00:00"),
    ];
    for (input, want) in cases {
        assert_eq!(time(input).as_deref(), Ok(want), "{input}");
    }
}

#[test]
fn time_errors() {
    let err = time("x").expect_err("garbage");
    assert_eq!(err.to_string(), "invalid input syntax for type time: \"x\"");
    assert_eq!(err.code(), SqlState::InvalidDatetimeFormat);
    for bad in ["25:00", "24:00:01", "12:60", "12:00:61", "13:00 PM"] {
        assert_eq!(code(time(bad)), "22008", "{bad}");
    }
    for bad in ["", "12", "-1:00", "12:00 13:00", "12:00 foo", "Jan 12:00"] {
        assert_eq!(code(time(bad)), "22007", "{bad}");
    }
    // Valid in PostgreSQL, but not representable.
    assert_eq!(code(time("24:00:00")), "0A000");
    assert_eq!(code(time("23:59:59.9999999")), "0A000");
    assert_eq!(code(time("now")), "0A000");
    assert_eq!(code(time("12:00 Europe/Paris")), "0A000");
}

#[test]
fn timestamp_input_forms() {
    let cases = [
        ("2024-01-31 10:00", "2024-01-31 10:00:00"),
        ("2024-01-31T10:00:00.5", "2024-01-31 10:00:00.5"),
        ("2024-01-31", "2024-01-31 00:00:00"),
        ("2024-01-31 10:00:00+02", "2024-01-31 10:00:00"),
        ("2024-01-31 10:00:00 +05:30", "2024-01-31 10:00:00"),
        ("epoch", "1970-01-01 00:00:00"),
        ("2024-01-31 24:00:00", "2024-02-01 00:00:00"),
        ("2024-01-31 23:59:60", "2024-02-01 00:00:00"),
        ("2024-01-31 10:00:00 BC", "2024-01-31 10:00:00 BC"),
        ("20240131T100000", "2024-01-31 10:00:00"),
        ("20240131 100000", "2024-01-31 10:00:00"),
        ("20240131T1000", "2024-01-31 10:00:00"),
        ("January 8, 1999 04:05:06 PM", "1999-01-08 16:05:06"),
        ("Fri Jan 08 04:05:06 1999", "1999-01-08 04:05:06"),
        ("1999-01-08 04:05:06.123456789", "1999-01-08 04:05:06.123457"),
        ("4714-11-24 00:00:00 BC", "4714-11-24 00:00:00 BC"),
        ("10000-06-15 12:00:00", "10000-06-15 12:00:00"),
        ("J2451545", "2000-01-01 00:00:00"),
        ("J2451545.5", "2000-01-01 12:00:00"),
    ];
    for (input, want) in cases {
        assert_eq!(ts(input).as_deref(), Ok(want), "{input}");
    }
}

#[test]
fn timestamp_errors() {
    let err = ts("x").expect_err("garbage");
    assert_eq!(err.to_string(), "invalid input syntax for type timestamp: \"x\"");
    assert_eq!(err.code(), SqlState::InvalidDatetimeFormat);
    assert_eq!(code(ts("2024-01-31 25:00")), "22008");
    assert_eq!(code(ts("10:00")), "22007");
    assert_eq!(code(ts("2024-01-31 10:00 foo")), "22007");
    let err = ts("294277-01-01").expect_err("too late");
    assert_eq!(err.to_string(), "timestamp out of range: \"294277-01-01\"");
    assert_eq!(err.code(), SqlState::DatetimeFieldOverflow);
    assert_eq!(code(ts("4714-11-23 23:59:59 BC")), "22008");
    assert_eq!(code(ts("infinity")), "0A000");
    assert_eq!(code(ts("now")), "0A000");
    assert_eq!(code(ts("2024-01-31 10:00 Europe/Paris")), "0A000");
}

#[test]
fn timestamptz_applies_zones() {
    let cases = [
        ("2024-01-31 10:00:00+02", "2024-01-31 08:00:00+00"),
        ("2024-01-31 10:00:00Z", "2024-01-31 10:00:00+00"),
        ("2024-01-31T10:00:00z", "2024-01-31 10:00:00+00"),
        ("2024-01-31 10:00:00-0530", "2024-01-31 15:30:00+00"),
        ("2024-01-31 10:00:00 +05:30", "2024-01-31 04:30:00+00"),
        ("2024-01-31 10:00:00+05:30:15", "2024-01-31 04:29:45+00"),
        ("2024-01-31 10:00 UTC", "2024-01-31 10:00:00+00"),
        ("2024-01-31 10:00 gmt", "2024-01-31 10:00:00+00"),
        ("2024-01-31 10:00 EST", "2024-01-31 15:00:00+00"),
        ("2024-01-31 10:00 PDT", "2024-01-31 17:00:00+00"),
        ("2024-01-31 10:00", "2024-01-31 10:00:00+00"),
        ("2024-01-01 01:00+02", "2023-12-31 23:00:00+00"),
        ("2024-01-31T10:00:00.123456789Z", "2024-01-31 10:00:00.123457+00"),
        ("epoch", "1970-01-01 00:00:00+00"),
        ("0001-01-01 00:00:00+01", "0001-12-31 23:00:00+00 BC"),
        ("20240131T100000-05", "2024-01-31 15:00:00+00"),
    ];
    for (input, want) in cases {
        assert_eq!(tstz(input).as_deref(), Ok(want), "{input}");
    }
}

#[test]
fn timestamptz_errors() {
    let err = tstz("2024-01-31 10:00 America/New_York").expect_err("named zone");
    assert_eq!(err.to_string(), "time zone \"america/new_york\" is not supported");
    assert_eq!(err.code(), SqlState::FeatureNotSupported);
    let err = tstz("2024-01-31 10:00+16").expect_err("zone too far");
    assert_eq!(
        err.to_string(),
        "time zone displacement out of range: \"2024-01-31 10:00+16\""
    );
    let err = tstz("2024-01-31 10:00 foo").expect_err("garbage");
    assert_eq!(
        err.to_string(),
        "invalid input syntax for type timestamp with time zone: \"2024-01-31 10:00 foo\""
    );
    assert_eq!(code(tstz("2024-01-31 10:00 dst")), "22007");
    assert_eq!(code(tstz("2024-01-31 10:00+02 UTC")), "22007");
}

#[test]
fn output_round_trips() {
    for d in [
        "2024-01-31",
        "0044-03-15 BC",
        "10000-01-01",
        "4714-11-24 BC",
        "0001-01-01",
    ] {
        assert_eq!(date(d).as_deref(), Ok(d));
    }
    for t in ["00:00:00", "23:59:59.999999", "12:00:00.5", "01:02:03.04"] {
        assert_eq!(time(t).as_deref(), Ok(t));
    }
    for t in [
        "2024-02-29 12:34:56.789",
        "0001-01-01 00:00:00 BC",
        "262142-12-31 23:59:59.999999",
    ] {
        assert_eq!(ts(t).as_deref(), Ok(t));
    }
    for t in ["2024-02-29 12:34:56.789+00", "1969-12-31 23:59:59.999999+00"] {
        assert_eq!(tstz(t).as_deref(), Ok(t));
    }
}
