//! The RocksDB instance of one data directory.

use std::path::Path;
use std::sync::Arc;

use rocksdb::{ColumnFamilyDescriptor, DB, IteratorMode, Options, WriteBatch, WriteOptions};

use crate::StorageError;

/// The column family holding the catalog.
const CATALOG_CF: &str = "catalog";

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
    db: Arc<DB>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.db.path()).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the data directory at `path`.
    pub fn open(path: &Path) -> Result<Store, StorageError> {
        let open_error = |message: String| StorageError::Open {
            path: path.display().to_string(),
            message,
        };
        std::fs::create_dir_all(path).map_err(|e| open_error(e.to_string()))?;
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        let families = vec![ColumnFamilyDescriptor::new(CATALOG_CF, Options::default())];
        let db = DB::open_cf_descriptors(&options, path, families).map_err(|e| open_error(e.into_string()))?;
        tracing::info!(path = %path.display(), "opened data directory");
        Ok(Store { db: Arc::new(db) })
    }

    fn catalog_cf(&self) -> Result<&rocksdb::ColumnFamily, StorageError> {
        self.db
            .cf_handle(CATALOG_CF)
            .ok_or_else(|| StorageError::Io("catalog column family missing".into()))
    }

    /// Every key and value of the catalog, in key order.
    pub fn catalog_scan(&self) -> Result<Vec<KeyValue>, StorageError> {
        let cf = self.catalog_cf()?;
        self.db
            .iterator_cf(cf, IteratorMode::Start)
            .map(|entry| entry.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(StorageError::from))
            .collect()
    }

    /// Applies `ops` to the catalog atomically and durably: when this
    /// returns, all of them survive a crash, or (on error) none do.
    pub fn catalog_write(&self, ops: Vec<KvOp>) -> Result<(), StorageError> {
        let cf = self.catalog_cf()?;
        let mut batch = WriteBatch::default();
        for op in ops {
            match op {
                KvOp::Put(k, v) => batch.put_cf(cf, k, v),
                KvOp::Delete(k) => batch.delete_cf(cf, k),
            }
        }
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options)?;
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
