//! The rows of `mz_internal`'s relations: dependencies between objects,
//! the upstream table of each subsource, and how each source is doing.

use freshet_catalog::{
    ItemKind, MZ_MYSQL_SOURCE_TABLES, MZ_OBJECT_DEPENDENCIES, MZ_SOURCE_STATISTICS, MZ_SOURCE_STATUS_HISTORY,
    MZ_SOURCE_STATUSES,
};
use freshet_repr::{Datum, GlobalId, Interval, Timestamp};
use freshet_sql::quote_ident;

use super::{Rows, optional_text};
use crate::catalog_reader::planner_kind;
use crate::coord::Coordinator;
use crate::coord::source::SourceInfo;

/// The relations [`Coordinator::source_state_rows`] fills: rebuilt on
/// every report from ingestion, while the others wait for a catalog change.
pub(super) const SOURCE_STATE_RELATIONS: [GlobalId; 3] = [
    MZ_SOURCE_STATUSES.id,
    MZ_SOURCE_STATUS_HISTORY.id,
    MZ_SOURCE_STATISTICS.id,
];

/// A time the coordinator keeps (milliseconds since the Unix epoch) as a
/// `timestamptz`.
fn timestamptz(at: Timestamp) -> Datum<'static> {
    i64::try_from(at)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or(Datum::Null, Datum::TimestampTz)
}

impl Coordinator {
    /// Adds the rows of `mz_internal`'s relations that follow the catalog:
    /// dependencies and upstream tables.
    pub(super) fn dependency_rows(&self, rows: &mut Rows) {
        for item in self.catalog.items().filter(|item| matches!(item.id, GlobalId::User(_))) {
            let id = item.id.to_string();
            // Dependencies: what the item names; a subsource is instead
            // named by its source, as Materialize lists them.
            for used in &item.uses {
                let used = used.to_string();
                let (object, referenced) = match item.kind {
                    ItemKind::Subsource | ItemKind::ProgressSubsource => (used.as_str(), id.as_str()),
                    _ => (id.as_str(), used.as_str()),
                };
                rows.add(
                    &MZ_OBJECT_DEPENDENCIES,
                    &[Datum::String(object), Datum::String(referenced)],
                );
            }
            if let Some(SourceInfo::Subsource { table: Some(table) }) = self.sources.get(&item.id) {
                rows.add(
                    &MZ_MYSQL_SOURCE_TABLES,
                    &[
                        Datum::String(&id),
                        Datum::String(&quote_ident(&table.schema)),
                        Datum::String(&quote_ident(&table.name)),
                    ],
                );
            }
        }
    }

    /// Adds the rows of the relations that follow ingestion as well as
    /// the catalog ([`SOURCE_STATE_RELATIONS`]): statuses, their history
    /// and statistics.
    pub(super) fn source_state_rows(&self, rows: &mut Rows) {
        for item in self.catalog.items().filter(|item| matches!(item.id, GlobalId::User(_))) {
            let Some(source_type) = planner_kind(item.kind).source_type() else {
                continue;
            };
            let id = item.id.to_string();
            let status = self.source_statuses.get(&item.id);
            let details = status.and_then(|s| s.details());
            rows.add(
                &MZ_SOURCE_STATUSES,
                &[
                    Datum::String(&id),
                    Datum::String(&item.name),
                    Datum::String(source_type),
                    status.map_or(Datum::Null, |s| timestamptz(s.at)),
                    Datum::String(status.map_or("created", |s| s.status)),
                    optional_text(status.and_then(|s| s.error.as_deref())),
                    details.as_deref().map_or(Datum::Null, Datum::Jsonb),
                ],
            );
            if matches!(item.kind, ItemKind::Source | ItemKind::Subsource) {
                self.statistics_row(rows, &id, item.id);
            }
        }
        for (id, entries) in &self.status_history {
            let id = id.to_string();
            for entry in entries {
                rows.add(
                    &MZ_SOURCE_STATUS_HISTORY,
                    &[
                        timestamptz(entry.at),
                        Datum::String(&id),
                        Datum::String(&entry.status),
                        optional_text(entry.error.as_deref()),
                        entry.details.as_deref().map_or(Datum::Null, Datum::Jsonb),
                        Datum::Null,
                    ],
                );
            }
        }
    }

    /// The `mz_source_statistics` row of a source or subsource.
    fn statistics_row(&self, rows: &mut Rows, id: &str, item: GlobalId) {
        let stats = self.statistics_of(item);
        let optional = |value: Option<u64>| value.map_or(Datum::Null, Datum::UInt64);
        let latency = stats.rehydration_latency.map_or(Datum::Null, |latency| {
            let micros = i64::try_from(latency.as_micros()).unwrap_or(i64::MAX);
            Datum::Interval(Interval::new(0, 0, micros))
        });
        rows.add(
            &MZ_SOURCE_STATISTICS,
            &[
                Datum::String(id),
                Datum::Null,
                Datum::UInt64(stats.messages_received),
                Datum::UInt64(stats.bytes_received),
                Datum::UInt64(stats.updates_staged),
                Datum::UInt64(stats.updates_committed),
                Datum::UInt64(0),
                Datum::UInt64(0),
                latency,
                optional(stats.snapshot_records_known),
                optional(stats.snapshot_records_staged),
                Datum::from(stats.snapshot_committed),
                optional(stats.offset_known),
                optional(stats.offset_committed),
            ],
        );
    }
}
