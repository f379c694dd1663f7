//! Single SQL values.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use uuid::Uuid;

use crate::adt::{Interval, NumericRef};

/// One SQL value, borrowed from a [`crate::Row`] or a [`crate::RowArena`].
///
/// Cheap to copy. Equality and order are SQL's within one type (numerics by
/// value, `NaN` above every other float, `-0 = 0`); values of different types
/// order by type, which only matters for sorting mixed-type debug output.
#[derive(Clone, Copy, Debug)]
pub enum Datum<'a> {
    /// `NULL`.
    Null,
    /// Boolean false.
    False,
    /// Boolean true.
    True,
    /// A `smallint`.
    Int16(i16),
    /// An `integer`.
    Int32(i32),
    /// A `bigint`.
    Int64(i64),
    /// A `uint2`.
    UInt16(u16),
    /// A `uint4`.
    UInt32(u32),
    /// A `uint8`.
    UInt64(u64),
    /// A `real`.
    Float32(f32),
    /// A `double precision`.
    Float64(f64),
    /// A `numeric`.
    Numeric(NumericRef<'a>),
    /// A character string (`text`, `varchar`, `char`).
    String(&'a str),
    /// A `bytea`.
    Bytes(&'a [u8]),
    /// A `date`.
    Date(NaiveDate),
    /// A `time`.
    Time(NaiveTime),
    /// A `timestamp` (without time zone).
    Timestamp(NaiveDateTime),
    /// A `timestamp with time zone`.
    TimestampTz(DateTime<Utc>),
    /// An `interval`.
    Interval(Interval),
    /// A `jsonb` document in its canonical text form.
    Jsonb(&'a str),
    /// A `uuid`.
    Uuid(Uuid),
    /// A one-dimensional array: its elements, encoded as a row.
    Array(ArrayRef<'a>),
}

/// The elements of an array datum, borrowed: a row's encoding of them.
#[derive(Clone, Copy, Debug)]
pub struct ArrayRef<'a> {
    data: &'a [u8],
}

impl<'a> ArrayRef<'a> {
    /// The array whose elements are the datums of `row`'s encoding
    /// (`Row::as_bytes`).
    pub fn from_row_bytes(data: &'a [u8]) -> ArrayRef<'a> {
        ArrayRef { data }
    }

    /// The encoded elements.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }

    /// The elements, in order (`NULL` elements included).
    pub fn elements(&self) -> crate::DatumIter<'a> {
        crate::DatumIter::new(self.data)
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.elements().count()
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl<'a> Datum<'a> {
    /// Whether this is `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, Datum::Null)
    }

    /// A boolean datum.
    pub fn from_bool(b: bool) -> Datum<'a> {
        if b { Datum::True } else { Datum::False }
    }

    /// The value of a boolean datum.
    ///
    /// # Panics
    ///
    /// If the datum is not a boolean: callers check types when planning.
    pub fn unwrap_bool(&self) -> bool {
        match self {
            Datum::True => true,
            Datum::False => false,
            other => panic!("expected a boolean datum, found {other:?}"),
        }
    }

    /// The value of a string datum.
    ///
    /// # Panics
    ///
    /// If the datum is not a string: callers check types when planning.
    pub fn unwrap_str(&self) -> &'a str {
        match self {
            Datum::String(s) => s,
            other => panic!("expected a string datum, found {other:?}"),
        }
    }

    /// The position of the datum's variant, which orders values of different
    /// types.
    fn rank(&self) -> u8 {
        match self {
            Datum::Null => 0,
            Datum::False | Datum::True => 1,
            Datum::Int16(_) => 2,
            Datum::Int32(_) => 3,
            Datum::Int64(_) => 4,
            Datum::UInt16(_) => 5,
            Datum::UInt32(_) => 6,
            Datum::UInt64(_) => 7,
            Datum::Float32(_) => 8,
            Datum::Float64(_) => 9,
            Datum::Numeric(_) => 10,
            Datum::String(_) => 11,
            Datum::Bytes(_) => 12,
            Datum::Date(_) => 13,
            Datum::Time(_) => 14,
            Datum::Timestamp(_) => 15,
            Datum::TimestampTz(_) => 16,
            Datum::Interval(_) => 17,
            Datum::Jsonb(_) => 18,
            Datum::Uuid(_) => 19,
            Datum::Array(_) => 20,
        }
    }
}

/// Orders floats as PostgreSQL does: `NaN` equals itself and sorts above
/// every other value; `-0` equals `0`.
pub fn float_cmp<F: PartialOrd>(a: F, b: F) -> Ordering {
    #[allow(clippy::eq_op)]
    let (a_nan, b_nan) = (a != a, b != b);
    match (a_nan, b_nan) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

impl Ord for Datum<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Datum::False | Datum::True, Datum::False | Datum::True) => {
                matches!(self, Datum::True).cmp(&matches!(other, Datum::True))
            }
            (Datum::Int16(a), Datum::Int16(b)) => a.cmp(b),
            (Datum::Int32(a), Datum::Int32(b)) => a.cmp(b),
            (Datum::Int64(a), Datum::Int64(b)) => a.cmp(b),
            (Datum::UInt16(a), Datum::UInt16(b)) => a.cmp(b),
            (Datum::UInt32(a), Datum::UInt32(b)) => a.cmp(b),
            (Datum::UInt64(a), Datum::UInt64(b)) => a.cmp(b),
            (Datum::Float32(a), Datum::Float32(b)) => float_cmp(*a, *b),
            (Datum::Float64(a), Datum::Float64(b)) => float_cmp(*a, *b),
            (Datum::Numeric(a), Datum::Numeric(b)) => {
                if a == b {
                    Ordering::Equal
                } else {
                    a.to_numeric().cmp(&b.to_numeric())
                }
            }
            (Datum::String(a), Datum::String(b)) => a.cmp(b),
            (Datum::Bytes(a), Datum::Bytes(b)) => a.cmp(b),
            (Datum::Date(a), Datum::Date(b)) => a.cmp(b),
            (Datum::Time(a), Datum::Time(b)) => a.cmp(b),
            (Datum::Timestamp(a), Datum::Timestamp(b)) => a.cmp(b),
            (Datum::TimestampTz(a), Datum::TimestampTz(b)) => a.cmp(b),
            (Datum::Interval(a), Datum::Interval(b)) => a.cmp(b),
            (Datum::Jsonb(a), Datum::Jsonb(b)) => a.cmp(b),
            (Datum::Uuid(a), Datum::Uuid(b)) => a.cmp(b),
            (Datum::Array(a), Datum::Array(b)) => a.elements().cmp(b.elements()),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }
}

impl PartialOrd for Datum<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Datum<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Datum<'_> {}

impl From<bool> for Datum<'_> {
    fn from(b: bool) -> Self {
        Datum::from_bool(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_order_like_postgres() {
        assert_eq!(Datum::Float64(f64::NAN), Datum::Float64(f64::NAN));
        assert!(Datum::Float64(f64::NAN) > Datum::Float64(f64::INFINITY));
        assert_eq!(Datum::Float64(-0.0), Datum::Float64(0.0));
        assert!(Datum::Float32(-1.5) < Datum::Float32(1.0));
    }

    #[test]
    fn booleans_are_distinct_and_false_sorts_first() {
        assert_ne!(Datum::True, Datum::False);
        assert!(Datum::False < Datum::True);
        assert_eq!(Datum::True, Datum::from_bool(true));
    }

    #[test]
    fn null_sorts_before_values_of_any_type() {
        assert!(Datum::Null < Datum::Int32(i32::MIN));
        assert!(Datum::Null < Datum::String(""));
    }
}
