//! Sources' statuses: the latest of each source, subsource and progress
//! subsource (`mz_internal.mz_source_statuses`), and every change of it
//! (`mz_source_status_history`), which survives restarts: it is loaded
//! from its collection at boot.

use std::collections::{BTreeMap, VecDeque};

use freshet_catalog::{ItemKind, MZ_SOURCE_STATUS_HISTORY, STATUS_HISTORY_KEPT};
use freshet_repr::{Datum, GlobalId, Timestamp, jsonb_object_text, push_jsonb_string};
use freshet_storage::Store;

use super::Coordinator;
use crate::AdapterError;

/// A source's or subsource's latest status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceStatus {
    /// `created`, `starting`, `running`, `stalled`, `failed`.
    pub(crate) status: &'static str,
    /// Why it is stalled or failed.
    pub(crate) error: Option<String>,
    /// How to fix it, where a hint helps.
    pub(crate) hint: Option<String>,
    /// When it took this status (milliseconds since the Unix epoch).
    pub(crate) at: Timestamp,
}

impl SourceStatus {
    /// `details` as the system relations show it: `{"hints": ["…"]}`
    /// with the hint, else `None`.
    pub(crate) fn details(&self) -> Option<String> {
        let hint = self.hint.as_deref()?;
        let mut hints = String::from("[");
        push_jsonb_string(hint, &mut hints);
        hints.push(']');
        Some(jsonb_object_text(vec![("hints".to_owned(), hints)]))
    }
}

/// One status a source, subsource or progress subsource took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryEntry {
    /// When (milliseconds since the Unix epoch).
    pub(crate) at: Timestamp,
    /// The status, as `mz_source_statuses` shows it, or `dropped`.
    pub(crate) status: String,
    /// Why, when stalled or failed.
    pub(crate) error: Option<String>,
    /// `details`, as canonical `jsonb` text.
    pub(crate) details: Option<String>,
}

/// What a status line names: a source or subsource, by its SQL name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusSubject {
    /// `source` or `subsource`.
    kind: &'static str,
    /// Its name, qualified by its database and schema.
    name: String,
    /// A subsource's source.
    source: Option<GlobalId>,
}

/// Each object's status history, oldest first; an object dropped keeps
/// its history, ending with `dropped`.
pub(crate) type StatusHistory = BTreeMap<GlobalId, VecDeque<HistoryEntry>>;

/// The status history as its collection holds it.
pub(crate) fn load_status_history(store: &Store) -> Result<StatusHistory, AdapterError> {
    let mut history = StatusHistory::new();
    let upper = store.upper(MZ_SOURCE_STATUS_HISTORY.id)?;
    // A collection never written to has nothing readable yet.
    if upper == 0 {
        return Ok(history);
    }
    for (row, diff) in store.snapshot(MZ_SOURCE_STATUS_HISTORY.id, upper - 1)? {
        let datums = row.unpack();
        let (Datum::TimestampTz(at), Datum::String(id), Datum::String(status)) = (datums[0], datums[1], datums[2])
        else {
            tracing::warn!(?datums, "skipping a status history row of an unknown shape");
            continue;
        };
        let Ok(id) = id.parse::<GlobalId>() else {
            tracing::warn!(id, "skipping a status history row of an unknown object");
            continue;
        };
        let text = |datum: Datum<'_>| match datum {
            Datum::String(s) | Datum::Jsonb(s) => Some(s.to_owned()),
            _ => None,
        };
        let entry = HistoryEntry {
            at: u64::try_from(at.timestamp_millis()).unwrap_or(0),
            status: status.to_owned(),
            error: text(datums[3]),
            details: text(datums[4]),
        };
        for _ in 0..diff.max(0) {
            history.entry(id).or_default().push_back(entry.clone());
        }
    }
    for entries in history.values_mut() {
        entries.make_contiguous().sort_by_key(|entry| entry.at);
        prune(entries);
    }
    Ok(history)
}

/// Keeps the latest [`STATUS_HISTORY_KEPT`] entries.
fn prune(entries: &mut VecDeque<HistoryEntry>) {
    while entries.len() > STATUS_HISTORY_KEPT {
        entries.pop_front();
    }
}

impl Coordinator {
    /// The time of a status change: the wall clock, but always after the
    /// previous change, so the history has one order.
    pub(crate) fn status_time(&mut self) -> Timestamp {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let at = now.max(self.last_status_at + 1);
        self.last_status_at = at;
        at
    }

    /// Records a status ingestion reports for a source or subsource that
    /// exists, if it changed; `with_source` if a subsource takes it with
    /// its source ([`freshet_ingest::StatusUpdate::with_source`]).
    pub(crate) fn set_status(
        &mut self,
        id: GlobalId,
        status: &'static str,
        error: Option<String>,
        hint: Option<String>,
        with_source: bool,
    ) {
        let Some(current) = self.source_statuses.get(&id) else {
            return;
        };
        if current.status == status && current.error == error && current.hint == hint {
            return;
        }
        let status = SourceStatus {
            status,
            error,
            hint,
            at: self.status_time(),
        };
        self.remember_status(id, status, with_source);
    }

    /// Makes `status` the latest of `id` and adds it to the history, and
    /// logs the change (at `debug` if `with_source`: a subsource taking
    /// its source's status, which the source's line tells).
    pub(crate) fn remember_status(&mut self, id: GlobalId, status: SourceStatus, with_source: bool) {
        if let Some(subject) = self.status_subject(id) {
            log_status(id, &subject, &status, with_source);
        }
        self.record_history(
            id,
            HistoryEntry {
                at: status.at,
                status: status.status.to_owned(),
                error: status.error.clone(),
                details: status.details(),
            },
        );
        self.source_statuses.insert(id, status);
        self.ingest_changed = true;
    }

    /// What names source or subsource `id` in a status line, if it is one
    /// in the catalog.
    fn status_subject(&self, id: GlobalId) -> Option<StatusSubject> {
        let item = self.catalog.item(id)?;
        let kind = match item.kind {
            ItemKind::Source => "source",
            ItemKind::Subsource | ItemKind::ProgressSubsource => "subsource",
            _ => return None,
        };
        let name = self.catalog.full_name(id);
        let source = item.kind.is_subsource().then(|| item.uses.first().copied()).flatten();
        Some(StatusSubject { kind, name, source })
    }

    /// What names each source and subsource with a status: taken before a
    /// drop, for the lines that say they were dropped.
    pub(crate) fn status_subjects(&self) -> BTreeMap<GlobalId, StatusSubject> {
        self.source_statuses
            .keys()
            .filter_map(|id| Some((*id, self.status_subject(*id)?)))
            .collect()
    }

    /// Forgets the statuses of sources and subsources that were dropped,
    /// ending their history with `dropped`; `subjects` names them, as
    /// [`Coordinator::status_subjects`] did before the drop.
    pub(crate) fn forget_statuses(&mut self, dropped: &[GlobalId], subjects: &BTreeMap<GlobalId, StatusSubject>) {
        for id in dropped {
            if self.source_statuses.remove(id).is_some() {
                if let Some(subject) = subjects.get(id) {
                    // A subsource dropped with its source is told by the
                    // source's line.
                    let with_source = subject.source.is_some_and(|source| dropped.contains(&source));
                    let status = SourceStatus {
                        status: "dropped",
                        error: None,
                        hint: None,
                        at: 0,
                    };
                    log_status(*id, subject, &status, with_source);
                }
                let at = self.status_time();
                let entry = HistoryEntry {
                    at,
                    status: "dropped".to_owned(),
                    error: None,
                    details: None,
                };
                self.record_history(*id, entry);
            }
        }
    }

    fn record_history(&mut self, id: GlobalId, entry: HistoryEntry) {
        let entries = self.status_history.entry(id).or_default();
        entries.push_back(entry);
        prune(entries);
        self.ingest_changed = true;
    }
}

/// Logs that `subject` took `status`: one line, at `info` (`warn` when
/// stalled or failed) with the error and how to fix it; at `debug` when
/// another line tells it (`told`: a subsource following its source).
fn log_status(id: GlobalId, subject: &StatusSubject, status: &SourceStatus, told: bool) {
    let StatusSubject { kind, name, .. } = subject;
    let error = status.error.as_deref().unwrap_or("no error given");
    let hint = status
        .hint
        .as_deref()
        .map(|hint| format!(" {hint}"))
        .unwrap_or_default();
    let line = match status.status {
        "created" => format!("{kind} {name} was created"),
        "dropped" => format!("{kind} {name} was dropped"),
        "stalled" => format!("{kind} {name} is stalled: {error}; retrying.{hint}"),
        "failed" => format!("{kind} {name} has failed: {error}; it stays failed until it is re-created.{hint}"),
        other => format!("{kind} {name} is {other}"),
    };
    let status = status.status;
    if told {
        tracing::debug!(%id, status, "{line}");
    } else if matches!(status, "stalled" | "failed") {
        tracing::warn!(%id, status, "{line}");
    } else {
        tracing::info!(%id, status, "{line}");
    }
}
