//! The SQL `interval` type.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

/// A span of time in PostgreSQL's three fields: months, days and
/// microseconds, kept apart because months and days vary in length.
///
/// Comparison and equality follow PostgreSQL: a month counts as 30 days and a
/// day as 24 hours, so `'1 day'` equals `'24 hours'`.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Interval {
    /// Whole months.
    pub months: i32,
    /// Whole days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

/// Microseconds in a day, as intervals count them.
pub(crate) const MICROS_PER_DAY: i64 = 24 * 60 * 60 * 1_000_000;

impl Interval {
    /// Builds an interval from its three fields.
    pub fn new(months: i32, days: i32, micros: i64) -> Interval {
        Interval { months, days, micros }
    }

    /// The interval as one number of microseconds (30-day months, 24-hour
    /// days): the key for ordering and equality.
    pub fn as_total_micros(&self) -> i128 {
        i128::from(self.months) * 30 * i128::from(MICROS_PER_DAY)
            + i128::from(self.days) * i128::from(MICROS_PER_DAY)
            + i128::from(self.micros)
    }
}

impl PartialEq for Interval {
    fn eq(&self, other: &Self) -> bool {
        self.as_total_micros() == other.as_total_micros()
    }
}

impl Eq for Interval {}

impl PartialOrd for Interval {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Interval {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_total_micros().cmp(&other.as_total_micros())
    }
}

impl Hash for Interval {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_total_micros().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_equals_twenty_four_hours() {
        assert_eq!(Interval::new(0, 1, 0), Interval::new(0, 0, MICROS_PER_DAY));
        assert_eq!(Interval::new(1, 0, 0), Interval::new(0, 30, 0));
        assert!(Interval::new(0, 0, 1) > Interval::new(0, 0, 0));
        assert!(Interval::new(-1, 0, 0) < Interval::new(0, 29, 0));
    }
}
