//! Rows: datums packed into one compact byte string.
//!
//! Each datum is a tag byte followed by its payload: fixed-width values in
//! little-endian order, variable-width values (`numeric`, strings, `bytea`,
//! `jsonb`) behind a LEB128 length. Two rows are equal exactly when their
//! bytes are, which is what arrangements and storage rely on.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Datum;
use crate::adt::{Interval, Numeric, NumericRef};

mod tag {
    pub(super) const NULL: u8 = 0;
    pub(super) const FALSE: u8 = 1;
    pub(super) const TRUE: u8 = 2;
    pub(super) const INT16: u8 = 3;
    pub(super) const INT32: u8 = 4;
    pub(super) const INT64: u8 = 5;
    pub(super) const UINT16: u8 = 6;
    pub(super) const UINT32: u8 = 7;
    pub(super) const UINT64: u8 = 8;
    pub(super) const FLOAT32: u8 = 9;
    pub(super) const FLOAT64: u8 = 10;
    pub(super) const NUMERIC: u8 = 11;
    pub(super) const STRING: u8 = 12;
    pub(super) const BYTES: u8 = 13;
    pub(super) const DATE: u8 = 14;
    pub(super) const TIME: u8 = 15;
    pub(super) const TIMESTAMP: u8 = 16;
    pub(super) const TIMESTAMPTZ: u8 = 17;
    pub(super) const INTERVAL: u8 = 18;
    pub(super) const JSONB: u8 = 19;
    pub(super) const UUID: u8 = 20;
    pub(super) const ARRAY: u8 = 21;
}

/// A sequence of datums in a compact encoding: the unit of data everywhere.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Row {
    data: Vec<u8>,
}

impl Row {
    /// Packs datums into a new row.
    pub fn pack<'a, I>(datums: I) -> Row
    where
        I: IntoIterator<Item = Datum<'a>>,
    {
        let mut row = Row::default();
        row.packer().extend(datums);
        row
    }

    /// Packs a slice of datums into a new row, allocated once at its size
    /// (a row grown push by push reallocates several times and keeps up to
    /// twice the memory it needs, in every arrangement that holds it).
    pub fn pack_slice(datums: &[Datum<'_>]) -> Row {
        let mut data = Vec::with_capacity(datums.iter().map(packed_len_bound).sum());
        RowPacker { data: &mut data }.extend(datums.iter().copied());
        data.shrink_to_fit();
        Row { data }
    }

    /// Clears the row and returns a packer that appends to it.
    pub fn packer(&mut self) -> RowPacker<'_> {
        self.data.clear();
        RowPacker { data: &mut self.data }
    }

    /// Iterates over the row's datums.
    pub fn iter(&self) -> DatumIter<'_> {
        DatumIter { data: &self.data }
    }

    /// The row's datums, decoded into a vector.
    pub fn unpack(&self) -> Vec<Datum<'_>> {
        self.iter().collect()
    }

    /// The row's first datum.
    ///
    /// # Panics
    ///
    /// If the row is empty.
    pub fn unpack_first(&self) -> Datum<'_> {
        self.iter().next().expect("row has a first datum")
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Wraps bytes written by [`Row::as_bytes`].
    ///
    /// The bytes are trusted to be a valid encoding; storage checksums what it
    /// reads, so only a bug in Freshet produces bytes that would not decode.
    pub fn from_bytes(data: Vec<u8>) -> Row {
        Row { data }
    }

    /// The size of the encoding in bytes.
    pub fn byte_len(&self) -> usize {
        self.data.len()
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Appends datums to a row's encoding.
#[derive(Debug)]
pub struct RowPacker<'r> {
    data: &'r mut Vec<u8>,
}

impl RowPacker<'_> {
    /// Appends one datum.
    pub fn push(&mut self, datum: Datum<'_>) {
        let data = &mut *self.data;
        match datum {
            Datum::Null => data.push(tag::NULL),
            Datum::False => data.push(tag::FALSE),
            Datum::True => data.push(tag::TRUE),
            Datum::Int16(v) => push_fixed(data, tag::INT16, &v.to_le_bytes()),
            Datum::Int32(v) => push_fixed(data, tag::INT32, &v.to_le_bytes()),
            Datum::Int64(v) => push_fixed(data, tag::INT64, &v.to_le_bytes()),
            Datum::UInt16(v) => push_fixed(data, tag::UINT16, &v.to_le_bytes()),
            Datum::UInt32(v) => push_fixed(data, tag::UINT32, &v.to_le_bytes()),
            Datum::UInt64(v) => push_fixed(data, tag::UINT64, &v.to_le_bytes()),
            Datum::Float32(v) => push_fixed(data, tag::FLOAT32, &v.to_le_bytes()),
            Datum::Float64(v) => push_fixed(data, tag::FLOAT64, &v.to_le_bytes()),
            Datum::Numeric(n) => push_var(data, tag::NUMERIC, n.as_bytes()),
            Datum::String(s) => push_var(data, tag::STRING, s.as_bytes()),
            Datum::Bytes(b) => push_var(data, tag::BYTES, b),
            Datum::Date(d) => push_fixed(data, tag::DATE, &d.num_days_from_ce().to_le_bytes()),
            Datum::Time(t) => push_fixed(data, tag::TIME, &time_to_micros(t).to_le_bytes()),
            Datum::Timestamp(ts) => push_fixed(data, tag::TIMESTAMP, &ts.and_utc().timestamp_micros().to_le_bytes()),
            Datum::TimestampTz(ts) => push_fixed(data, tag::TIMESTAMPTZ, &ts.timestamp_micros().to_le_bytes()),
            Datum::Interval(iv) => {
                data.push(tag::INTERVAL);
                data.extend_from_slice(&iv.months.to_le_bytes());
                data.extend_from_slice(&iv.days.to_le_bytes());
                data.extend_from_slice(&iv.micros.to_le_bytes());
            }
            Datum::Jsonb(s) => push_var(data, tag::JSONB, s.as_bytes()),
            Datum::Uuid(u) => push_fixed(data, tag::UUID, u.as_bytes()),
            Datum::Array(a) => push_var(data, tag::ARRAY, a.as_bytes()),
        }
    }

    /// Appends an owned numeric, encoding it in place.
    pub fn push_numeric(&mut self, n: &Numeric) {
        let mut buf = Vec::new();
        n.encode(&mut buf);
        push_var(self.data, tag::NUMERIC, &buf);
    }

    /// Appends every datum of an iterator.
    pub fn extend<'a, I>(&mut self, datums: I)
    where
        I: IntoIterator<Item = Datum<'a>>,
    {
        for d in datums {
            self.push(d);
        }
    }
}

/// At least the bytes [`RowPacker::push`] writes for `datum`: its tag, at
/// most 16 fixed bytes, or a length of at most 10 bytes and the payload.
fn packed_len_bound(datum: &Datum<'_>) -> usize {
    match datum {
        Datum::Numeric(n) => 11 + n.as_bytes().len(),
        Datum::String(s) | Datum::Jsonb(s) => 11 + s.len(),
        Datum::Bytes(b) => 11 + b.len(),
        Datum::Array(a) => 11 + a.as_bytes().len(),
        _ => 17,
    }
}

fn push_fixed(data: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    data.push(tag);
    data.extend_from_slice(bytes);
}

fn push_var(data: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    data.push(tag);
    let mut len = bytes.len() as u64;
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            data.push(byte);
            break;
        }
        data.push(byte | 0x80);
    }
    data.extend_from_slice(bytes);
}

fn time_to_micros(t: NaiveTime) -> u64 {
    u64::from(t.num_seconds_from_midnight()) * 1_000_000 + u64::from(t.nanosecond() / 1_000)
}

/// Iterates over the datums of a row.
#[derive(Clone, Debug)]
pub struct DatumIter<'a> {
    data: &'a [u8],
}

impl<'a> DatumIter<'a> {
    /// Iterates over the datums of a row's encoding.
    pub(crate) fn new(data: &'a [u8]) -> DatumIter<'a> {
        DatumIter { data }
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        head
    }

    fn take_array<const N: usize>(&mut self) -> [u8; N] {
        let bytes = self.take(N);
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        out
    }

    fn take_var(&mut self) -> &'a [u8] {
        let mut len: u64 = 0;
        let mut shift = 0;
        loop {
            let byte = self.take(1)[0];
            len |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        self.take(usize::try_from(len).expect("row length fits in memory"))
    }
}

impl<'a> Iterator for DatumIter<'a> {
    type Item = Datum<'a>;

    fn next(&mut self) -> Option<Datum<'a>> {
        if self.data.is_empty() {
            return None;
        }
        let tag = self.take(1)[0];
        Some(match tag {
            tag::NULL => Datum::Null,
            tag::FALSE => Datum::False,
            tag::TRUE => Datum::True,
            tag::INT16 => Datum::Int16(i16::from_le_bytes(self.take_array())),
            tag::INT32 => Datum::Int32(i32::from_le_bytes(self.take_array())),
            tag::INT64 => Datum::Int64(i64::from_le_bytes(self.take_array())),
            tag::UINT16 => Datum::UInt16(u16::from_le_bytes(self.take_array())),
            tag::UINT32 => Datum::UInt32(u32::from_le_bytes(self.take_array())),
            tag::UINT64 => Datum::UInt64(u64::from_le_bytes(self.take_array())),
            tag::FLOAT32 => Datum::Float32(f32::from_le_bytes(self.take_array())),
            tag::FLOAT64 => Datum::Float64(f64::from_le_bytes(self.take_array())),
            tag::NUMERIC => Datum::Numeric(NumericRef(self.take_var())),
            tag::STRING => Datum::String(std::str::from_utf8(self.take_var()).expect("rows hold valid UTF-8")),
            tag::BYTES => Datum::Bytes(self.take_var()),
            tag::DATE => {
                let days = i32::from_le_bytes(self.take_array());
                Datum::Date(NaiveDate::from_num_days_from_ce_opt(days).expect("valid date"))
            }
            tag::TIME => {
                let micros = u64::from_le_bytes(self.take_array());
                let secs = u32::try_from(micros / 1_000_000).expect("time of day");
                let nanos = u32::try_from(micros % 1_000_000).expect("micros") * 1_000;
                Datum::Time(NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).expect("valid time"))
            }
            tag::TIMESTAMP => {
                let micros = i64::from_le_bytes(self.take_array());
                Datum::Timestamp(
                    DateTime::from_timestamp_micros(micros)
                        .expect("valid timestamp")
                        .naive_utc(),
                )
            }
            tag::TIMESTAMPTZ => {
                let micros = i64::from_le_bytes(self.take_array());
                Datum::TimestampTz(DateTime::<Utc>::from_timestamp_micros(micros).expect("valid timestamptz"))
            }
            tag::INTERVAL => {
                let months = i32::from_le_bytes(self.take_array());
                let days = i32::from_le_bytes(self.take_array());
                let micros = i64::from_le_bytes(self.take_array());
                Datum::Interval(Interval::new(months, days, micros))
            }
            tag::JSONB => Datum::Jsonb(std::str::from_utf8(self.take_var()).expect("jsonb is valid UTF-8")),
            tag::UUID => Datum::Uuid(Uuid::from_bytes(self.take_array())),
            tag::ARRAY => Datum::Array(crate::ArrayRef::from_row_bytes(self.take_var())),
            other => panic!("invalid datum tag {other} in row"),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use bigdecimal::BigDecimal;

    use super::*;
    use crate::RowArena;

    #[test]
    fn every_datum_round_trips() {
        let arena = RowArena::new();
        let numeric = arena.push_numeric(&Numeric::new(
            BigDecimal::from_str("-12345678901234567890123456789012345.123456789012345678901234567890")
                .expect("decimal"),
        ));
        let long = "x".repeat(300);
        let elements = Row::pack([Datum::UInt32(26), Datum::Null, Datum::String("a,b")]);
        let datums = vec![
            Datum::Null,
            Datum::False,
            Datum::True,
            Datum::Int16(i16::MIN),
            Datum::Int32(-1),
            Datum::Int64(i64::MAX),
            Datum::UInt16(u16::MAX),
            Datum::UInt32(u32::MAX),
            Datum::UInt64(u64::MAX),
            Datum::Float32(1.5),
            Datum::Float64(f64::NEG_INFINITY),
            numeric,
            Datum::String("héllo"),
            Datum::String(&long),
            Datum::Bytes(&[0, 1, 255]),
            Datum::Date(NaiveDate::from_ymd_opt(-44, 3, 15).expect("date")),
            Datum::Time(NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("time")),
            Datum::Timestamp(
                NaiveDate::from_ymd_opt(2024, 2, 29)
                    .and_then(|d| d.and_hms_micro_opt(12, 0, 0, 1))
                    .expect("timestamp"),
            ),
            Datum::TimestampTz(DateTime::from_timestamp_micros(-1).expect("timestamptz")),
            Datum::Interval(Interval::new(-1, 2, -3)),
            Datum::Jsonb(r#"{"a": 1}"#),
            Datum::Uuid(Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)),
            Datum::Array(crate::ArrayRef::from_row_bytes(elements.as_bytes())),
        ];
        let row = Row::pack_slice(&datums);
        let back = row.unpack();
        assert_eq!(back.len(), datums.len());
        for (a, b) in datums.iter().zip(back.iter()) {
            assert_eq!(a, b, "{a:?} != {b:?}");
        }
    }

    #[test]
    fn equal_rows_have_equal_bytes() {
        let a = Row::pack([Datum::Int32(1), Datum::String("a")]);
        let b = Row::pack([Datum::Int32(1), Datum::String("a")]);
        let c = Row::pack([Datum::Int32(1), Datum::String("b")]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(Row::pack([]).byte_len(), 0);
    }
}
