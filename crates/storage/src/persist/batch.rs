//! Writing a batch: updates buffered into chunks and written unsynced, to
//! be published (or, after a crash, deleted) later.

use freshet_repr::{Diff, Row};
use rocksdb::WriteBatch;

use super::encoding::{BatchId, chunk_key, push_update};
use crate::store::DATA_CF;
use crate::{StorageError, Store};

/// The size at which a chunk is written out.
const CHUNK_BYTES: usize = 1 << 20;

/// A finished, unpublished batch: pass it to [`Store::publish`].
#[derive(Debug)]
pub struct Batch {
    pub(crate) id: BatchId,
    pub(crate) updates: usize,
}

impl Batch {
    /// The number of updates in the batch.
    pub fn len(&self) -> usize {
        self.updates
    }

    /// Whether the batch holds no updates.
    pub fn is_empty(&self) -> bool {
        self.updates == 0
    }
}

/// Builds a batch of any size with bounded memory.
#[derive(Debug)]
pub struct BatchBuilder {
    store: Store,
    id: BatchId,
    buffer: Vec<u8>,
    chunks: u32,
    updates: usize,
}

impl BatchBuilder {
    pub(crate) fn new(store: Store, id: BatchId) -> BatchBuilder {
        BatchBuilder {
            store,
            id,
            buffer: Vec::new(),
            chunks: 0,
            updates: 0,
        }
    }

    /// Adds one update.
    pub fn push(&mut self, row: &Row, diff: Diff) -> Result<(), StorageError> {
        push_update(&mut self.buffer, row, diff);
        self.updates += 1;
        if self.buffer.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered chunk, without syncing: the publish that makes
    /// the batch visible syncs it.
    fn flush(&mut self) -> Result<(), StorageError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let mut write = WriteBatch::default();
        write.put_cf(self.store.cf(DATA_CF)?, chunk_key(self.id, self.chunks), &self.buffer);
        self.store.db.write(write)?;
        self.chunks += 1;
        self.buffer.clear();
        Ok(())
    }

    /// Writes what is buffered and returns the batch, ready to publish.
    pub fn finish(mut self) -> Result<Batch, StorageError> {
        self.flush()?;
        Ok(Batch {
            id: self.id,
            updates: self.updates,
        })
    }
}
