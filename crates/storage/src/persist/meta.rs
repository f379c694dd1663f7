//! A collection's durable metadata: upper, since, base and batches.

use freshet_repr::{GlobalId, Timestamp};
use serde::{Deserialize, Serialize};

use super::encoding::BatchId;
use crate::StorageError;

/// What the store knows about one collection. Written whole with every
/// publish; small, since compaction folds old batches into the base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CollectionMeta {
    /// Every update below this time is known.
    pub(crate) upper: Timestamp,
    /// The earliest time the collection can be read at.
    pub(crate) since: Timestamp,
    /// The consolidated contents at `since`, if not empty.
    pub(crate) base: Option<BatchId>,
    /// Published batches, each with its timestamp (at least `since`).
    pub(crate) batches: Vec<(BatchId, Timestamp)>,
    /// Compactions that merged batches without folding them into the base.
    #[serde(default)]
    pub(crate) merges: u32,
    /// Not readable yet: idle ticks leave its upper alone until its first
    /// published batch (a subsource before its snapshot).
    #[serde(default)]
    pub(crate) held: bool,
    /// Its upper is moved by its own writer alone (a materialized view's
    /// sink, which writes at the times of its inputs): idle ticks and the
    /// raise to the timestamp bound at start leave it alone.
    #[serde(default)]
    pub(crate) timed_by_writer: bool,
    /// Where its writer resumes, published with its data (a source's GTID
    /// set).
    #[serde(default)]
    pub(crate) offset: Option<String>,
}

/// The key of a collection's metadata.
pub(crate) fn meta_key(id: GlobalId) -> Vec<u8> {
    format!("collection/{id}").into_bytes()
}

impl CollectionMeta {
    /// Every batch the collection references.
    pub(crate) fn batch_ids(&self) -> impl Iterator<Item = BatchId> + '_ {
        self.base.into_iter().chain(self.batches.iter().map(|(b, _)| *b))
    }

    /// The stored form.
    pub(crate) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("collection metadata is plain data and always serializes")
    }

    /// Decodes a metadata entry and the collection id in its key.
    pub(crate) fn decode(key: &[u8], value: &[u8]) -> Result<(GlobalId, CollectionMeta), StorageError> {
        let key = String::from_utf8_lossy(key);
        let corrupt = |what: String| StorageError::Corrupt(format!("metadata {key}: {what}"));
        let id: GlobalId = key
            .strip_prefix("collection/")
            .ok_or_else(|| corrupt("unknown key".into()))?
            .parse()
            .map_err(|e: freshet_repr::ReprError| corrupt(e.to_string()))?;
        let meta = serde_json::from_slice(value).map_err(|e| corrupt(e.to_string()))?;
        Ok((id, meta))
    }
}
