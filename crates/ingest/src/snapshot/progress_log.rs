//! The periodic log line of a running snapshot: rows read of rows known,
//! the rate since the read began, and the time left at that rate.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::TableProgress;

/// Logs one line about a snapshot's tables at every interval.
pub(crate) struct ProgressLog {
    /// What is snapshotted: `source src`, `subsources of source src`.
    what: String,
    tables: Vec<Arc<TableProgress>>,
    /// When the tables began to be read.
    started: Instant,
    every: Interval,
}

impl ProgressLog {
    /// A log of `tables`, read from now on, every `every` (the first line
    /// after one interval).
    pub(crate) fn new(what: String, tables: Vec<Arc<TableProgress>>, every: Duration) -> ProgressLog {
        let started = Instant::now();
        // A zero period would panic; it is a configuration, not a bug.
        let every = every.max(Duration::from_millis(1));
        let mut every = tokio::time::interval_at(started + every, every);
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ProgressLog {
            what,
            tables,
            started,
            every,
        }
    }

    /// Waits until the next line is due and logs it.
    pub(crate) async fn tick(&mut self) {
        self.every.tick().await;
        let (known, staged) = self.totals();
        tracing::info!(
            rows = staged,
            // Recorded only once every table is counted.
            known,
            "snapshot of {}: {}",
            self.what,
            describe(known, staged, self.started.elapsed())
        );
    }

    /// The rows of every table, once all are counted, and the rows read.
    fn totals(&self) -> (Option<u64>, u64) {
        let mut known = Some(0_u64);
        let mut staged = 0_u64;
        for table in &self.tables {
            let (table_known, table_staged) = table.get();
            known = known.zip(table_known).map(|(a, b)| a.saturating_add(b));
            staged = staged.saturating_add(table_staged);
        }
        (known, staged)
    }
}

/// `412000 of 1000000 rows (41%), 205000 rows/s, about 3 s left`: `staged`
/// rows read of `known` in `elapsed`.
fn describe(known: Option<u64>, staged: u64, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { staged as f64 / seconds } else { 0.0 };
    let shown_rate = rate.round() as u64;
    let Some(known) = known else {
        return format!("{staged} rows so far, {shown_rate} rows/s (the tables are still being counted)");
    };
    let staged = staged.min(known);
    // Nothing to read is all read.
    let percent = staged.saturating_mul(100).checked_div(known).unwrap_or(100);
    let left = if rate > 0.0 {
        let left = Duration::from_secs_f64(((known - staged) as f64 / rate).min(1e9));
        format!("about {} left", human(left))
    } else {
        "time left unknown".to_owned()
    };
    format!("{staged} of {known} rows ({percent}%), {shown_rate} rows/s, {left}")
}

/// A duration to its second, in its two largest units: `3 s`,
/// `2 min 5 s`, `1 h 3 min`.
fn human(duration: Duration) -> String {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    match (seconds / 3600, seconds % 3600 / 60, seconds % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_rows_rate_and_time_left() {
        let ten = Duration::from_secs(10);
        assert_eq!(
            describe(Some(1_000_000), 400_000, ten),
            "400000 of 1000000 rows (40%), 40000 rows/s, about 15 s left"
        );
        assert_eq!(
            describe(None, 5, ten),
            "5 rows so far, 1 rows/s (the tables are still being counted)"
        );
        assert_eq!(
            describe(Some(10), 0, ten),
            "0 of 10 rows (0%), 0 rows/s, time left unknown"
        );
        assert_eq!(
            describe(Some(0), 0, ten),
            "0 of 0 rows (100%), 0 rows/s, time left unknown"
        );
        assert_eq!(
            describe(Some(7_200_000), 1_000, Duration::from_secs(1)),
            "1000 of 7200000 rows (0%), 1000 rows/s, about 1 h 59 min left"
        );
    }

    #[test]
    fn durations_read_in_two_units() {
        assert_eq!(human(Duration::from_millis(2_100)), "3 s");
        assert_eq!(human(Duration::from_secs(120)), "2 min");
        assert_eq!(human(Duration::from_secs(125)), "2 min 5 s");
        assert_eq!(human(Duration::from_secs(3_600)), "1 h");
        assert_eq!(human(Duration::from_secs(3_780)), "1 h 3 min");
    }
}
