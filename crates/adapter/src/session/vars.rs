//! Session variables: which exist, their defaults, what they accept.

use std::collections::BTreeMap;

use crate::AdapterError;
use crate::client::StartupParams;

/// How a variable's values are checked.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Any text.
    Text,
    /// A comma-separated list of names (`search_path`).
    List,
    /// `on`/`off` and PostgreSQL's other spellings of booleans.
    Bool,
    /// An integer.
    Int,
    /// A duration: milliseconds, or a number with a unit (`us`, `ms`, `s`,
    /// `min`, `h`, `d`); `0` turns it off.
    Duration,
    /// One of these values (compared case-insensitively).
    OneOf(&'static [&'static str]),
    /// Cannot be set.
    ReadOnly,
}

/// Every variable: name, default, kind, description (for `SHOW ALL`).
const VARS: &[(&str, &str, Kind, &str)] = &[
    (
        "application_name",
        "",
        Kind::Text,
        "Sets the application name to be reported in statistics and logs.",
    ),
    (
        "client_encoding",
        "UTF8",
        Kind::OneOf(&["UTF8", "UTF-8", "UNICODE"]),
        "Sets the client's character set encoding.",
    ),
    (
        "client_min_messages",
        "notice",
        Kind::OneOf(&[
            "debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error",
        ]),
        "Sets the message levels that are sent to the client.",
    ),
    ("cluster", "quickstart", Kind::Text, "Sets the current cluster."),
    ("database", "materialize", Kind::Text, "Sets the current database."),
    (
        "datestyle",
        "ISO, MDY",
        Kind::OneOf(&["ISO, MDY", "ISO", "MDY", "ISO,MDY"]),
        "Sets the display format for date and time values.",
    ),
    (
        "extra_float_digits",
        "1",
        Kind::Int,
        "Adjusts the number of digits displayed for floating-point values.",
    ),
    (
        "integer_datetimes",
        "on",
        Kind::ReadOnly,
        "Reports whether the server uses 64-bit-integer dates and times.",
    ),
    (
        "intervalstyle",
        "postgres",
        Kind::OneOf(&["postgres"]),
        "Sets the display format for interval values.",
    ),
    (
        "is_superuser",
        "off",
        Kind::ReadOnly,
        "Reports whether the current session is a superuser.",
    ),
    (
        "real_time_recency",
        "off",
        Kind::Bool,
        "Makes queries wait for sources to ingest everything committed upstream when the query began.",
    ),
    (
        "real_time_recency_timeout",
        "10s",
        Kind::Duration,
        "Sets the maximum time a query with real_time_recency waits for its sources to catch up.",
    ),
    (
        "search_path",
        "public",
        Kind::List,
        "Sets the schema search order for names that are not schema-qualified.",
    ),
    (
        "server_version",
        "9.5.0",
        Kind::ReadOnly,
        "Shows the PostgreSQL server version Freshet reports.",
    ),
    (
        "server_version_num",
        "90500",
        Kind::ReadOnly,
        "Shows the PostgreSQL server version Freshet reports, as an integer.",
    ),
    (
        "standard_conforming_strings",
        "on",
        Kind::OneOf(&["on"]),
        "Causes '...' strings to treat backslashes literally.",
    ),
    (
        "statement_timeout",
        "0",
        Kind::Duration,
        "Sets the maximum allowed duration of any statement.",
    ),
    (
        "timezone",
        "UTC",
        Kind::OneOf(&["UTC", "Etc/UTC", "GMT", "+00:00", "00:00", "Z"]),
        "Sets the time zone for displaying and interpreting time stamps.",
    ),
    (
        "transaction_isolation",
        "strict serializable",
        Kind::OneOf(&["strict serializable", "serializable"]),
        "Sets the current transaction's isolation level.",
    ),
];

/// The values a session has set, over the defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionVars {
    /// Values the client sent at startup: what `RESET` returns to.
    startup: BTreeMap<&'static str, String>,
    /// Values set since.
    values: BTreeMap<&'static str, String>,
    /// The user the session logged in as (`session_user`).
    user: String,
}

fn lookup(name: &str) -> Option<&'static (&'static str, &'static str, Kind, &'static str)> {
    let name = name.to_lowercase();
    VARS.iter().find(|(n, ..)| *n == name)
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "on" | "true" | "t" | "yes" | "y" | "1" => Some(true),
        "off" | "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// A duration in milliseconds, as PostgreSQL reads time settings: a bare
/// number is milliseconds, and a unit may follow (fractions are rounded to
/// the nearest millisecond). `None` for anything else or a negative value.
fn parse_duration_ms(value: &str) -> Option<u64> {
    let value = value.trim();
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    let per_unit = match unit.trim() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1_000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    let ms = (number * per_unit).round();
    // Like PostgreSQL, at most what a 32-bit integer of milliseconds holds.
    (ms.is_finite() && (0.0..=f64::from(i32::MAX)).contains(&ms)).then_some(ms as u64)
}

/// How `SHOW` prints a duration: in the largest unit that divides it.
fn format_duration_ms(ms: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "min"), (1_000, "s")];
    if ms == 0 {
        return "0".into();
    }
    UNITS
        .iter()
        .find(|(size, _)| ms.is_multiple_of(*size))
        .map_or_else(|| format!("{ms}ms"), |(size, unit)| format!("{}{unit}", ms / size))
}

impl SessionVars {
    /// Applies what the client sent at startup.
    pub(crate) fn set_startup(&mut self, params: &StartupParams) {
        self.user.clone_from(&params.user);
        if let Some(database) = &params.database {
            self.startup.insert("database", database.clone());
        }
        if let Some(name) = &params.application_name {
            self.startup.insert("application_name", name.clone());
        }
    }

    /// The current value of `name`.
    pub(crate) fn get(&self, name: &str) -> Result<String, AdapterError> {
        let (key, default, ..) = lookup(name).ok_or_else(|| AdapterError::UnknownParameter(name.to_owned()))?;
        Ok(self
            .values
            .get(key)
            .or_else(|| self.startup.get(key))
            .cloned()
            .unwrap_or_else(|| (*default).to_owned()))
    }

    /// The user the session logged in as.
    pub(crate) fn user(&self) -> &str {
        &self.user
    }

    /// The session's database.
    pub(crate) fn database(&self) -> String {
        self.get("database").unwrap_or_default()
    }

    /// How long a statement may run before it is canceled (`statement_timeout`),
    /// `None` for no limit.
    pub(crate) fn statement_timeout(&self) -> Option<std::time::Duration> {
        let ms = parse_duration_ms(&self.get("statement_timeout").unwrap_or_default())?;
        (ms > 0).then(|| std::time::Duration::from_millis(ms))
    }

    /// Whether queries wait for their MySQL sources to ingest everything
    /// the upstream servers had committed when the query began
    /// (`real_time_recency`).
    pub(crate) fn real_time_recency(&self) -> bool {
        self.get("real_time_recency").is_ok_and(|value| value == "on")
    }

    /// How long a query with real-time recency waits for its sources
    /// (`real_time_recency_timeout`), `None` for no limit (`0`).
    pub(crate) fn real_time_recency_timeout(&self) -> Option<std::time::Duration> {
        let ms = parse_duration_ms(&self.get("real_time_recency_timeout").unwrap_or_default())?;
        (ms > 0).then(|| std::time::Duration::from_millis(ms))
    }

    /// Whether reads are strict serializable (the default): never at an
    /// earlier time than anything committed before them. Otherwise
    /// (`serializable`) each read takes the latest time its inputs are
    /// complete at, without waiting.
    pub(crate) fn strict_serializable(&self) -> bool {
        self.get("transaction_isolation")
            .is_ok_and(|level| level == "strict serializable")
    }

    /// The session's search path, as a list of schema names.
    pub(crate) fn search_path(&self) -> Vec<String> {
        self.get("search_path")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// Sets `name` to `values` (several only for lists); `None` restores
    /// the default.
    pub(crate) fn set(&mut self, name: &str, values: Option<&[String]>) -> Result<(), AdapterError> {
        let (key, _, kind, _) = lookup(name).ok_or_else(|| AdapterError::UnknownParameter(name.to_owned()))?;
        let Some(values) = values else {
            if matches!(kind, Kind::ReadOnly) {
                return Err(AdapterError::ReadOnlyParameter((*key).to_owned()));
            }
            self.values.remove(key);
            return Ok(());
        };
        let invalid = |hint: Option<String>| AdapterError::InvalidParameterValue {
            name: (*key).to_owned(),
            value: values.join(", "),
            hint,
        };
        let value = match kind {
            Kind::List => values.join(", "),
            _ if values.len() != 1 => {
                return Err(invalid(Some(format!("Parameter \"{key}\" takes exactly one value."))));
            }
            Kind::Text => values[0].clone(),
            Kind::Bool => match parse_bool(&values[0]) {
                Some(true) => "on".into(),
                Some(false) => "off".into(),
                None => return Err(invalid(Some("Use on or off.".into()))),
            },
            Kind::Int => {
                values[0]
                    .parse::<i64>()
                    .map_err(|_| invalid(Some("Use an integer.".into())))?;
                values[0].clone()
            }
            Kind::Duration => match parse_duration_ms(&values[0]) {
                Some(ms) => format_duration_ms(ms),
                None => {
                    return Err(invalid(Some(
                        "Use a number of milliseconds, or a number with a unit: us, ms, s, min, h or d.".into(),
                    )));
                }
            },
            Kind::OneOf(allowed) => match allowed.iter().find(|a| a.eq_ignore_ascii_case(&values[0])) {
                Some(a) => (*a).to_owned(),
                None => return Err(invalid(Some(format!("Supported values: {}.", allowed.join(", "))))),
            },
            Kind::ReadOnly => return Err(AdapterError::ReadOnlyParameter((*key).to_owned())),
        };
        self.values.insert(key, value);
        Ok(())
    }

    /// Restores every variable to its default or what the client sent at
    /// startup (`RESET ALL`).
    pub(crate) fn reset_all(&mut self) {
        self.values.clear();
    }

    /// Every variable's current value, for `SHOW ALL`.
    pub(crate) fn all(&self) -> Vec<(&'static str, String, &'static str)> {
        VARS.iter()
            .map(|(name, default, _, description)| {
                (
                    *name,
                    self.get(name).unwrap_or_else(|_| (*default).to_owned()),
                    *description,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_validate_and_reset() -> Result<(), AdapterError> {
        let mut vars = SessionVars::default();
        assert_eq!(vars.get("search_path")?, "public");
        vars.set("search_path", Some(&["a".into(), "b".into()]))?;
        assert_eq!(vars.search_path(), vec!["a".to_owned(), "b".to_owned()]);
        assert!(!vars.real_time_recency());
        vars.set("REAL_TIME_RECENCY", Some(&["true".into()]))?;
        assert_eq!(vars.get("real_time_recency")?, "on");
        assert!(vars.real_time_recency());
        assert_eq!(vars.get("real_time_recency_timeout")?, "10s");
        assert_eq!(
            vars.real_time_recency_timeout(),
            Some(std::time::Duration::from_secs(10))
        );
        vars.set("real_time_recency_timeout", Some(&["1500".into()]))?;
        assert_eq!(vars.get("real_time_recency_timeout")?, "1500ms");
        vars.set("real_time_recency_timeout", Some(&["0".into()]))?;
        assert_eq!(vars.real_time_recency_timeout(), None);
        assert!(
            vars.set("transaction_isolation", Some(&["read committed".into()]))
                .is_err()
        );
        assert!(vars.set("server_version", Some(&["1".into()])).is_err());
        assert!(matches!(vars.get("nope"), Err(AdapterError::UnknownParameter(_))));
        vars.set("search_path", None)?;
        assert_eq!(vars.get("search_path")?, "public");
        Ok(())
    }

    #[test]
    fn statement_timeout_reads_durations_like_postgres() -> Result<(), AdapterError> {
        let mut vars = SessionVars::default();
        assert_eq!(vars.statement_timeout(), None);
        for (given, shown, ms) in [
            ("5000", "5s", 5_000),
            ("1500", "1500ms", 1_500),
            ("2 min", "2min", 120_000),
            ("1.5s", "1500ms", 1_500),
            ("1h", "1h", 3_600_000),
            ("1d", "1d", 86_400_000),
            ("1400us", "1ms", 1),
        ] {
            vars.set("statement_timeout", Some(&[given.into()]))?;
            assert_eq!(vars.get("statement_timeout")?, shown, "{given}");
            assert_eq!(
                vars.statement_timeout(),
                Some(std::time::Duration::from_millis(ms)),
                "{given}"
            );
        }
        vars.set("statement_timeout", Some(&["0".into()]))?;
        assert_eq!(vars.statement_timeout(), None);
        for bad in ["-1", "5 parsecs", "ms", "", "30d"] {
            let err = vars.set("statement_timeout", Some(&[bad.into()]));
            assert!(matches!(err, Err(AdapterError::InvalidParameterValue { .. })), "{bad}");
        }
        Ok(())
    }
}
