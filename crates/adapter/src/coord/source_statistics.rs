//! Sources' statistics as `mz_internal.mz_source_statistics` shows them:
//! what ingestion reports in this process, on top of what earlier
//! processes counted (loaded from the relation's collection at boot), so
//! that counters never go backwards across restarts.

use std::collections::BTreeMap;

use freshet_catalog::MZ_SOURCE_STATISTICS;
use freshet_ingest::SourceStatistics;
use freshet_repr::{Datum, GlobalId};
use freshet_storage::Store;

use super::Coordinator;
use crate::AdapterError;

/// What earlier processes counted, per source and subsource.
pub(crate) type StatisticsBaseline = BTreeMap<GlobalId, SourceStatistics>;

/// The statistics the relation's collection holds.
pub(crate) fn load_statistics(store: &Store) -> Result<StatisticsBaseline, AdapterError> {
    let mut baseline = StatisticsBaseline::new();
    let upper = store.upper(MZ_SOURCE_STATISTICS.id)?;
    // A collection never written to has nothing readable yet.
    if upper == 0 {
        return Ok(baseline);
    }
    for (row, diff) in store.snapshot(MZ_SOURCE_STATISTICS.id, upper - 1)? {
        let datums = row.unpack();
        let Datum::String(id) = datums[0] else { continue };
        let Ok(id) = id.parse::<GlobalId>() else { continue };
        if diff <= 0 {
            continue;
        }
        let counter = |datum: Datum<'_>| match datum {
            Datum::UInt64(n) => n,
            _ => 0,
        };
        let gauge = |datum: Datum<'_>| match datum {
            Datum::UInt64(n) => Some(n),
            _ => None,
        };
        baseline.insert(
            id,
            SourceStatistics {
                messages_received: counter(datums[2]),
                bytes_received: counter(datums[3]),
                updates_staged: counter(datums[4]),
                updates_committed: counter(datums[5]),
                snapshot_records_known: gauge(datums[9]),
                snapshot_records_staged: gauge(datums[10]),
                snapshot_committed: datums[11] == Datum::True,
                offset_known: gauge(datums[12]),
                offset_committed: gauge(datums[13]),
                // Each process measures its own.
                rehydration_latency: None,
            },
        );
    }
    Ok(baseline)
}

impl Coordinator {
    /// The statistics of source or subsource `id`: counters add up over
    /// the processes that ran it; gauges are this process's, or the last
    /// ones known before it.
    pub(crate) fn statistics_of(&self, id: GlobalId) -> SourceStatistics {
        let current = self.source_statistics.get(&id).cloned().unwrap_or_default();
        let Some(before) = self.statistics_baseline.get(&id) else {
            return current;
        };
        SourceStatistics {
            messages_received: before.messages_received + current.messages_received,
            bytes_received: before.bytes_received + current.bytes_received,
            updates_staged: before.updates_staged + current.updates_staged,
            updates_committed: before.updates_committed + current.updates_committed,
            snapshot_records_known: current.snapshot_records_known.or(before.snapshot_records_known),
            snapshot_records_staged: current.snapshot_records_staged.or(before.snapshot_records_staged),
            snapshot_committed: current.snapshot_committed || before.snapshot_committed,
            offset_known: current.offset_known.max(before.offset_known),
            offset_committed: current.offset_committed.max(before.offset_committed),
            rehydration_latency: current.rehydration_latency,
        }
    }
}
