//! The RocksDB instance of one data directory and its column families.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rocksdb::{ColumnFamily, ColumnFamilyDescriptor, DB, IteratorMode, Options, WriteBatch, WriteOptions};

use crate::StorageError;
use crate::persist::PersistState;

/// The column family holding the catalog.
const CATALOG_CF: &str = "catalog";
/// The column family holding each collection's metadata.
pub(crate) const META_CF: &str = "meta";
/// The column family holding the chunks of every batch.
pub(crate) const DATA_CF: &str = "data";

/// A key and its value.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// One change to a key-value column family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvOp {
    /// Sets `key` to `value`.
    Put(Vec<u8>, Vec<u8>),
    /// Removes `key`.
    Delete(Vec<u8>),
}

/// A data directory opened for reading and writing. Cheap to clone; the
/// directory stays locked against other processes while any clone lives.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Arc<DB>,
    pub(crate) persist: Arc<Mutex<PersistState>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.db.path()).finish()
    }
}

/// Options of a write that must be durable when it returns.
pub(crate) fn synced() -> WriteOptions {
    let mut options = WriteOptions::default();
    options.set_sync(true);
    options
}

impl Store {
    /// Opens (creating if needed) the data directory at `path`, and removes
    /// the batches a crash left unpublished.
    pub fn open(path: &Path) -> Result<Store, StorageError> {
        let open_error = |message: String| StorageError::Open {
            path: path.display().to_string(),
            message,
        };
        std::fs::create_dir_all(path).map_err(|e| open_error(e.to_string()))?;
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        let families = [CATALOG_CF, META_CF, DATA_CF]
            .into_iter()
            .map(|name| ColumnFamilyDescriptor::new(name, Options::default()));
        let db = DB::open_cf_descriptors(&options, path, families).map_err(|e| open_error(e.into_string()))?;
        let db = Arc::new(db);
        let persist = PersistState::load(&db)?;
        tracing::info!(path = %path.display(), collections = persist.len(), "opened data directory");
        Ok(Store {
            db,
            persist: Arc::new(Mutex::new(persist)),
        })
    }

    pub(crate) fn cf(&self, name: &str) -> Result<&ColumnFamily, StorageError> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| StorageError::Io(format!("column family {name} is missing")))
    }

    pub(crate) fn state(&self) -> Result<MutexGuard<'_, PersistState>, StorageError> {
        self.persist
            .lock()
            .map_err(|_| StorageError::Io("a writer panicked while holding the store".into()))
    }

    /// Every key and value of the catalog, in key order.
    pub fn catalog_scan(&self) -> Result<Vec<KeyValue>, StorageError> {
        let cf = self.cf(CATALOG_CF)?;
        self.db
            .iterator_cf(cf, IteratorMode::Start)
            .map(|entry| entry.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(StorageError::from))
            .collect()
    }

    /// Applies `ops` to the catalog atomically and durably: when this
    /// returns, all of them survive a crash, or (on error) none do.
    pub fn catalog_write(&self, ops: Vec<KvOp>) -> Result<(), StorageError> {
        let cf = self.cf(CATALOG_CF)?;
        let mut batch = WriteBatch::default();
        for op in ops {
            match op {
                KvOp::Put(k, v) => batch.put_cf(cf, k, v),
                KvOp::Delete(k) => batch.delete_cf(cf, k),
            }
        }
        self.db.write_opt(batch, &synced())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_writes_are_atomic_and_survive_reopen() -> Result<(), StorageError> {
        let dir = tempfile::tempdir().map_err(|e| StorageError::Io(e.to_string()))?;
        {
            let store = Store::open(dir.path())?;
            store.catalog_write(vec![
                KvOp::Put(b"a".to_vec(), b"1".to_vec()),
                KvOp::Put(b"b".to_vec(), b"2".to_vec()),
            ])?;
            store.catalog_write(vec![
                KvOp::Delete(b"a".to_vec()),
                KvOp::Put(b"c".to_vec(), b"3".to_vec()),
            ])?;
        }
        let store = Store::open(dir.path())?;
        assert_eq!(
            store.catalog_scan()?,
            vec![(b"b".to_vec(), b"2".to_vec()), (b"c".to_vec(), b"3".to_vec())]
        );
        Ok(())
    }

    #[test]
    fn a_locked_directory_is_refused() -> Result<(), StorageError> {
        let dir = tempfile::tempdir().map_err(|e| StorageError::Io(e.to_string()))?;
        let _first = Store::open(dir.path())?;
        assert!(matches!(Store::open(dir.path()), Err(StorageError::Open { .. })));
        Ok(())
    }
}
