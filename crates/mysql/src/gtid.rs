//! GTID sets: which MySQL transactions a source has ingested.
//!
//! A set is exact: per server UUID (and tag), the intervals of transaction
//! numbers it holds, gaps kept. Its text form is MySQL's own
//! (`3e11fa47-…:1-5:7-9:etl:1-3,…`), so a stored set reads like
//! `@@gtid_executed`.

use std::collections::BTreeMap;
use std::fmt;

use mysql_async::binlog::events::GtidEvent;
use mysql_async::{GnoInterval, Sid};
use uuid::Uuid;

use crate::MySqlError;

/// One transaction's GTID: `uuid[:tag]:gno`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gtid {
    /// The server UUID of the transaction's origin.
    pub uuid: Uuid,
    /// Its tag (MySQL 8.4 and later), if any.
    pub tag: Option<String>,
    /// Its transaction number, from 1.
    pub gno: u64,
}

impl Gtid {
    /// The GTID a binlog GTID event announces.
    pub fn of_event(event: &GtidEvent) -> Gtid {
        Gtid {
            uuid: Uuid::from_bytes(event.sid()),
            tag: event.tag().map(|tag| tag.as_str().to_owned()),
            gno: event.gno(),
        }
    }
}

impl fmt::Display for Gtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tag {
            Some(tag) => write!(f, "{}:{tag}:{}", self.uuid, self.gno),
            None => write!(f, "{}:{}", self.uuid, self.gno),
        }
    }
}

/// The key of one member of a set: a server UUID and a tag (`None` first).
type Member = (Uuid, Option<String>);

/// A set of GTIDs. Intervals are half-open (`[start, end)`), sorted,
/// non-empty, and neither overlap nor touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GtidSet {
    members: BTreeMap<Member, Vec<(u64, u64)>>,
}

/// One row of a progress subsource: the UUIDs from `lower` to `upper`
/// (inclusive) and the next transaction number expected from them (`None`
/// for ranges of UUIDs no transaction has come from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressRow {
    /// The least UUID of the range.
    pub lower: Uuid,
    /// The greatest UUID of the range.
    pub upper: Uuid,
    /// The next transaction number for UUIDs in the range, if any is known.
    pub next: Option<u64>,
}

impl GtidSet {
    /// The empty set.
    pub fn new() -> GtidSet {
        GtidSet::default()
    }

    /// Parses MySQL's text form (`@@gtid_executed`): members separated by
    /// commas (and any whitespace), each a UUID followed by `:n` or `:a-b`
    /// intervals, with `:tag` starting a tagged group.
    pub fn parse(text: &str) -> Result<GtidSet, MySqlError> {
        let invalid = |why: &str| MySqlError::InvalidGtidSet {
            text: text.to_owned(),
            reason: why.to_owned(),
        };
        let mut set = GtidSet::new();
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for member in compact.split(',').filter(|m| !m.is_empty()) {
            let mut parts = member.split(':');
            let uuid = parts.next().unwrap_or_default();
            let uuid = Uuid::parse_str(uuid).map_err(|_| invalid(&format!("\"{uuid}\" is not a server UUID")))?;
            let mut tag: Option<String> = None;
            let mut any = false;
            for part in parts {
                if part.starts_with(|c: char| c.is_ascii_digit()) {
                    let (start, end) = match part.split_once('-') {
                        Some((a, b)) => (a, b),
                        None => (part, part),
                    };
                    let number = |n: &str| {
                        n.parse::<u64>()
                            .ok()
                            .filter(|n| *n >= 1)
                            .ok_or_else(|| invalid(&format!("\"{part}\" is not an interval of transaction numbers")))
                    };
                    let (start, end) = (number(start)?, number(end)?);
                    if end < start {
                        return Err(invalid(&format!("interval \"{part}\" ends before it starts")));
                    }
                    set.insert_interval((uuid, tag.clone()), start, end + 1);
                    any = true;
                } else {
                    if !is_tag(part) {
                        return Err(invalid(&format!("\"{part}\" is not a GTID tag")));
                    }
                    tag = Some(part.to_ascii_lowercase());
                }
            }
            if !any {
                return Err(invalid(&format!("\"{member}\" has no transactions")));
            }
        }
        Ok(set)
    }

    /// Whether the set holds no transaction.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    fn insert_interval(&mut self, member: Member, start: u64, end: u64) {
        let intervals = self.members.entry(member).or_default();
        intervals.push((start, end));
        intervals.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(intervals.len());
        for &(s, e) in intervals.iter() {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        *intervals = merged;
    }

    /// Adds one transaction. Returns whether it was new.
    pub fn insert(&mut self, gtid: &Gtid) -> bool {
        if self.contains(gtid) {
            return false;
        }
        let member = (gtid.uuid, gtid.tag.clone());
        // The common case: the next transaction of its server.
        if let Some(last) = self.members.get_mut(&member).and_then(|i| i.last_mut())
            && last.1 == gtid.gno
        {
            last.1 += 1;
            return true;
        }
        self.insert_interval(member, gtid.gno, gtid.gno + 1);
        true
    }

    /// Whether the set holds `gtid`.
    pub fn contains(&self, gtid: &Gtid) -> bool {
        self.members
            .get(&(gtid.uuid, gtid.tag.clone()))
            .is_some_and(|intervals| intervals.iter().any(|(s, e)| *s <= gtid.gno && gtid.gno < *e))
    }

    /// The number after the greatest transaction number of `gtid`'s server
    /// and tag: transactions below it are expected to be in the set.
    pub fn frontier(&self, uuid: Uuid, tag: Option<&str>) -> u64 {
        self.members
            .get(&(uuid, tag.map(str::to_owned)))
            .and_then(|intervals| intervals.last())
            .map_or(1, |(_, end)| *end)
    }

    /// Whether every transaction of `self` is in `other`.
    pub fn is_subset(&self, other: &GtidSet) -> bool {
        self.members.iter().all(|(member, intervals)| {
            let theirs = other.members.get(member).map(Vec::as_slice).unwrap_or_default();
            intervals
                .iter()
                .all(|(s, e)| theirs.iter().any(|(ts, te)| ts <= s && e <= te))
        })
    }

    /// The transactions of `self` that are not in `other`.
    pub fn difference(&self, other: &GtidSet) -> GtidSet {
        let mut out = GtidSet::new();
        for (member, intervals) in &self.members {
            let theirs = other.members.get(member).map(Vec::as_slice).unwrap_or_default();
            for &(start, end) in intervals {
                let mut from = start;
                for &(ts, te) in theirs {
                    if te <= from || ts >= end {
                        continue;
                    }
                    if ts > from {
                        out.insert_interval(member.clone(), from, ts);
                    }
                    from = from.max(te);
                }
                if from < end {
                    out.insert_interval(member.clone(), from, end);
                }
            }
        }
        out
    }

    /// How many transactions the set holds.
    pub fn transaction_count(&self) -> u64 {
        self.members.values().flatten().map(|(s, e)| e - s).sum()
    }

    /// The set as the binlog dump request wants it.
    pub fn to_sids(&self) -> Vec<Sid<'static>> {
        self.members
            .iter()
            .map(|((uuid, tag), intervals)| {
                let sid = Sid::new(*uuid.as_bytes())
                    .with_intervals(intervals.iter().map(|(s, e)| GnoInterval::new(*s, *e)).collect());
                // Tags were checked when they entered the set.
                match tag.clone().map(TryInto::try_into) {
                    Some(Ok(tag)) => sid.with_tag(tag),
                    _ => sid,
                }
            })
            .collect()
    }

    /// The progress subsource's rows for this set: for each server UUID
    /// (untagged transactions), the next transaction number after its
    /// greatest, and the ranges of UUIDs between them with none.
    pub fn progress_rows(&self) -> Vec<ProgressRow> {
        let mut rows = Vec::new();
        let mut next_lower = Some(Uuid::nil());
        for ((uuid, tag), intervals) in &self.members {
            if tag.is_some() {
                continue;
            }
            let Some((_, end)) = intervals.last() else { continue };
            let value = uuid.as_u128();
            if let Some(lower) = next_lower
                && lower.as_u128() < value
            {
                rows.push(ProgressRow {
                    lower,
                    upper: Uuid::from_u128(value - 1),
                    next: None,
                });
            }
            rows.push(ProgressRow {
                lower: *uuid,
                upper: *uuid,
                next: Some(*end),
            });
            next_lower = value.checked_add(1).map(Uuid::from_u128);
        }
        if let Some(lower) = next_lower {
            rows.push(ProgressRow {
                lower,
                upper: Uuid::max(),
                next: None,
            });
        }
        rows
    }
}

/// Whether `text` is a GTID tag: a letter or `_`, then up to 31 letters,
/// digits or `_`.
fn is_tag(text: &str) -> bool {
    text.len() <= 32
        && text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl fmt::Display for GtidSet {
    /// MySQL's form: `uuid:1-5:7:tag:1-3,uuid2:1-10`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut previous: Option<Uuid> = None;
        for ((uuid, tag), intervals) in &self.members {
            if previous != Some(*uuid) {
                if previous.is_some() {
                    f.write_str(",")?;
                }
                write!(f, "{uuid}")?;
                previous = Some(*uuid);
            }
            if let Some(tag) = tag {
                write!(f, ":{tag}")?;
            }
            for (start, end) in intervals {
                if end - start == 1 {
                    write!(f, ":{start}")?;
                } else {
                    write!(f, ":{start}-{}", end - 1)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "474ac6f9-8a6e-11ee-b703-0242ac110002";
    const B: &str = "974ac6f9-8a6e-11ee-b703-0242ac110003";

    fn gtid(uuid: &str, tag: Option<&str>, gno: u64) -> Gtid {
        Gtid {
            uuid: Uuid::parse_str(uuid).unwrap_or_default(),
            tag: tag.map(str::to_owned),
            gno,
        }
    }

    #[test]
    fn parses_and_prints_mysql_text() -> Result<(), MySqlError> {
        let text = format!("{B}:1-10,\n{A}:1-5:7-9:etl:1-3:5");
        let set = GtidSet::parse(&text)?;
        assert_eq!(set.to_string(), format!("{A}:1-5:7-9:etl:1-3:5,{B}:1-10"));
        assert_eq!(set.transaction_count(), 5 + 3 + 3 + 1 + 10);
        assert_eq!(GtidSet::parse(&set.to_string())?, set);
        assert!(GtidSet::parse("")?.is_empty());
        assert_eq!(GtidSet::parse(&format!("{A}:3:1-2"))?.to_string(), format!("{A}:1-3"));
        Ok(())
    }

    #[test]
    fn refuses_what_is_not_a_set() {
        for bad in [
            "nonsense:1",
            A,
            &format!("{A}:0"),
            &format!("{A}:5-3"),
            &format!("{A}:x-y:1"),
        ] {
            assert!(GtidSet::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn inserts_keep_gaps_and_merge_neighbours() -> Result<(), MySqlError> {
        let mut set = GtidSet::parse(&format!("{A}:1-3"))?;
        assert!(set.insert(&gtid(A, None, 4)));
        assert!(!set.insert(&gtid(A, None, 2)));
        assert!(set.insert(&gtid(A, None, 7)));
        assert_eq!(set.to_string(), format!("{A}:1-4:7"));
        assert_eq!(set.frontier(Uuid::parse_str(A).unwrap_or_default(), None), 8);
        assert!(set.insert(&gtid(A, None, 5)));
        assert!(set.insert(&gtid(A, None, 6)));
        assert_eq!(set.to_string(), format!("{A}:1-7"));
        assert!(set.insert(&gtid(A, Some("etl"), 1)));
        assert!(set.contains(&gtid(A, Some("etl"), 1)));
        assert!(!set.contains(&gtid(A, Some("etl"), 2)));
        assert_eq!(set.to_string(), format!("{A}:1-7:etl:1"));
        Ok(())
    }

    #[test]
    fn subsets() -> Result<(), MySqlError> {
        let small = GtidSet::parse(&format!("{A}:2-3:8"))?;
        let big = GtidSet::parse(&format!("{A}:1-5:7-9,{B}:1"))?;
        assert!(small.is_subset(&big));
        assert!(!big.is_subset(&small));
        assert!(GtidSet::new().is_subset(&small));
        assert!(!GtidSet::parse(&format!("{A}:5-7"))?.is_subset(&big));
        assert_eq!(big.difference(&small).to_string(), format!("{A}:1:4-5:7:9,{B}:1"));
        assert!(small.difference(&big).is_empty());
        Ok(())
    }

    #[test]
    fn progress_rows_follow_the_seed_blog_post() -> Result<(), MySqlError> {
        // Caught up to 474ac6f9-…b703:1-101 (reference/catalog.md).
        let uuid = "474ac6f9-8a6e-11ee-b703-0242ac110002";
        let set = GtidSet::parse(&format!("{uuid}:1-101"))?;
        let rows = set.progress_rows();
        let text: Vec<String> = rows
            .iter()
            .map(|r| format!("{} {} {:?}", r.lower, r.upper, r.next))
            .collect();
        assert_eq!(
            text,
            [
                "00000000-0000-0000-0000-000000000000 474ac6f9-8a6e-11ee-b703-0242ac110001 None",
                "474ac6f9-8a6e-11ee-b703-0242ac110002 474ac6f9-8a6e-11ee-b703-0242ac110002 Some(102)",
                "474ac6f9-8a6e-11ee-b703-0242ac110003 ffffffff-ffff-ffff-ffff-ffffffffffff None",
            ]
        );
        // No transactions yet: one range over every UUID.
        assert_eq!(GtidSet::new().progress_rows().len(), 1);
        Ok(())
    }

    #[test]
    fn sids_carry_half_open_intervals() -> Result<(), MySqlError> {
        let set = GtidSet::parse(&format!("{A}:1-5:7,{B}:etl:3"))?;
        let sids = set.to_sids();
        assert_eq!(sids.len(), 2);
        let ends: Vec<(u64, u64)> = sids[0].intervals().iter().map(|i| (i.start(), i.end())).collect();
        assert_eq!(ends, [(1, 6), (7, 8)]);
        assert_eq!(sids[1].tag().map(|t| t.as_str().to_owned()), Some("etl".to_owned()));
        Ok(())
    }
}
