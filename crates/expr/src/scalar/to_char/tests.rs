//! `to_char` of timestamps, against PostgreSQL's output.

use chrono::NaiveDate;

use super::*;

fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32, micros: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.and_hms_micro_opt(h, mi, s, micros))
        .expect("valid timestamp")
}

fn fmt(ts: NaiveDateTime, format: &str) -> String {
    to_char(ts, false, format).unwrap_or_else(|e| format!("error {}: {e}", e.code()))
}

#[test]
fn numeric_fields_are_zero_padded() {
    let ts = at(2024, 3, 5, 14, 7, 9, 123_456);
    assert_eq!(fmt(ts, "YYYY-MM-DD HH24:MI:SS"), "2024-03-05 14:07:09");
    assert_eq!(fmt(ts, "HH12:MI:SS AM"), "02:07:09 PM");
    assert_eq!(fmt(ts, "HH am a.m. P.M."), "02 pm p.m. P.M.");
    assert_eq!(fmt(ts, "MS US FF1 FF2 FF3 FF6"), "123 123456 1 12 123 123456");
    assert_eq!(fmt(ts, "DDD D ID Q WW IW W J CC"), "065 3 2 1 10 10 1 2460375 21");
    assert_eq!(fmt(ts, "Y,YYY YYY YY Y IYYY IYY IY I"), "2,024 024 24 4 2024 024 24 4");
    assert_eq!(fmt(ts, "SSSS SSSSS"), "50829 50829");
    assert_eq!(fmt(ts, "yyyy-mm-dd hh24:mi:ss"), "2024-03-05 14:07:09");
}

#[test]
fn fill_mode_drops_padding() {
    let ts = at(2024, 3, 5, 4, 7, 9, 5_000);
    assert_eq!(fmt(ts, "FMDD/FMMM/FMYYYY FMHH24:FMMI"), "5/3/2024 4:7");
    // Milliseconds and microseconds keep their width.
    assert_eq!(fmt(ts, "FMMS FMUS"), "005 005000");
    // A modifier without a keyword after it vanishes.
    assert_eq!(fmt(ts, "FMx"), "x");
}

#[test]
fn names_pad_to_nine_characters() {
    let ts = at(2024, 5, 1, 0, 0, 0, 0);
    assert_eq!(
        fmt(ts, "Day|DAY|day|Dy|DY|dy"),
        "Wednesday|WEDNESDAY|wednesday|Wed|WED|wed"
    );
    assert_eq!(
        fmt(ts, "Month|MONTH|month|Mon|MON|mon"),
        "May      |MAY      |may      |May|MAY|may"
    );
    assert_eq!(fmt(ts, "FMMonth|TMMonth|FMDay"), "May|May|Wednesday");
    assert_eq!(fmt(ts, "RM|rm|FMRM"), "V   |v   |V");
    assert_eq!(fmt(at(2024, 12, 1, 0, 0, 0, 0), "RM"), "XII ");
}

#[test]
fn ordinals_follow_the_number() {
    let day = |d: u32| fmt(at(2024, 1, d, 0, 0, 0, 0), "DDth FMDDTH");
    assert_eq!(day(1), "01st 1ST");
    assert_eq!(day(2), "02nd 2ND");
    assert_eq!(day(3), "03rd 3RD");
    assert_eq!(day(4), "04th 4TH");
    assert_eq!(day(11), "11th 11TH");
    assert_eq!(day(12), "12th 12TH");
    assert_eq!(day(13), "13th 13TH");
    assert_eq!(day(21), "21st 21ST");
    assert_eq!(day(22), "22nd 22ND");
    // `DDTH` is a keyword and its suffix: PostgreSQL's well-known trap.
    assert_eq!(fmt(at(2024, 3, 5, 14, 0, 0, 0), "YYYY-MM-DDTHH24"), "2024-03-05THH24");
}

#[test]
fn text_is_copied_and_quoted() {
    let ts = at(2024, 3, 5, 14, 7, 9, 0);
    assert_eq!(fmt(ts, r#"YYYY-MM-DD"T"HH24"#), "2024-03-05T14");
    assert_eq!(fmt(ts, r#""Year: "YYYY"#), "Year: 2024");
    assert_eq!(fmt(ts, r#""YYYY \"q\"" \"x\ YYYY"#), r#"YYYY "q" "x\ 2024"#);
    assert_eq!(fmt(ts, "!@#%^&*()_+ é"), "!@#%^&*()_+ é");
    assert_eq!(fmt(ts, ""), "");
    // An unterminated quote runs to the end.
    assert_eq!(fmt(ts, r#"YYYY "open"#), "2024 open");
}

#[test]
fn edges_of_the_day_and_year() {
    assert_eq!(
        fmt(at(2023, 12, 31, 0, 0, 0, 0), "HH12 AM D IW IYYY WW DDD ID"),
        "12 AM 1 52 2023 53 365 7"
    );
    assert_eq!(
        fmt(at(2021, 1, 3, 12, 0, 0, 0), "IYYY-IW-ID HH12 PM"),
        "2020-53-7 12 PM"
    );
    assert_eq!(
        fmt(at(2024, 12, 30, 23, 59, 59, 999_999), "IYYY IW IDDD US"),
        "2025 01 001 999999"
    );
    assert_eq!(fmt(at(1, 1, 1, 0, 0, 0, 0), "YYYY AD J CC"), "0001 AD 1721426 01");
    assert_eq!(fmt(at(0, 1, 1, 0, 0, 0, 0), "YYYY BC b.c."), "0001 BC b.c.");
    assert_eq!(fmt(at(12345, 6, 7, 0, 0, 0, 0), "YYYY Y,YYY"), "12345 12,345");
}

#[test]
fn time_zones_show_only_for_timestamptz() {
    let ts = at(2024, 3, 5, 14, 7, 9, 0);
    assert_eq!(fmt(ts, "[TZ][tz] OF TZH:TZM"), "[][] +00 +00:00");
    let with_zone = to_char(ts, true, "TZ tz OF FMOF").expect("valid");
    assert_eq!(with_zone, "UTC utc +00 +0");
}

#[test]
fn spell_mode_is_not_supported() {
    let err = to_char(at(2024, 3, 5, 0, 0, 0, 0), false, "DDSP").expect_err("SP");
    assert_eq!(err.code(), freshet_repr::SqlState::FeatureNotSupported);
}
