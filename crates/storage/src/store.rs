//! The RocksDB instance of one data directory and its column families.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rocksdb::{ColumnFamily, ColumnFamilyDescriptor, DB, IteratorMode, Options, WriteBatch, WriteOptions};

use crate::StorageError;
use crate::error::OpenFailure;
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
    /// the batches a crash left unpublished. Refuses a directory another
    /// process has open, and a path holding anything but a data directory
    /// (an empty directory is a new one).
    pub fn open(path: &Path) -> Result<Store, StorageError> {
        let open_error = |failure: OpenFailure, message: String| StorageError::Open {
            path: path.display().to_string(),
            message,
            failure,
        };
        check_directory(path).map_err(|(failure, message)| open_error(failure, message))?;
        std::fs::create_dir_all(path).map_err(|e| open_error(io_failure(&e), io_message(&e)))?;
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        let families = [CATALOG_CF, META_CF, DATA_CF]
            .into_iter()
            .map(|name| ColumnFamilyDescriptor::new(name, Options::default()));
        let db = DB::open_cf_descriptors(&options, path, families).map_err(|e| {
            let message = e.into_string();
            open_error(rocksdb_failure(&message), message)
        })?;
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

/// Files RocksDB writes into a data directory first (its log, its lock,
/// its identity, its pointer to the manifest): a directory holding one is
/// a data directory, perhaps one a crash interrupted while it was created.
const DATA_DIRECTORY_MARKERS: &[&str] = &["CURRENT", "LOCK", "LOG", "IDENTITY"];

/// Checks that `path` is absent, an empty directory (a file system's
/// `lost+found` aside) or a data directory; otherwise says why not.
fn check_directory(path: &Path) -> Result<(), (OpenFailure, String)> {
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err((OpenFailure::NotADataDirectory, "it is not a directory".into()));
        }
        Err(e) => return Err((io_failure(&e), io_message(&e))),
    };
    let mut other = None;
    for entry in entries {
        let name = entry.map_err(|e| (io_failure(&e), io_message(&e)))?.file_name();
        let name = name.to_string_lossy();
        if DATA_DIRECTORY_MARKERS.contains(&name.as_ref()) {
            return Ok(());
        }
        if name != "lost+found" {
            other.get_or_insert_with(|| name.into_owned());
        }
    }
    match other {
        Some(name) => Err((
            OpenFailure::NotADataDirectory,
            format!("it holds other files (such as {name}) and no data directory"),
        )),
        None => Ok(()),
    }
}

/// The kind of a failure of the file system.
fn io_failure(e: &std::io::Error) -> OpenFailure {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => OpenFailure::PermissionDenied,
        std::io::ErrorKind::NotADirectory | std::io::ErrorKind::AlreadyExists => OpenFailure::NotADataDirectory,
        _ => OpenFailure::Other,
    }
}

/// A failure of the file system in PostgreSQL's style: lowercase, without
/// the OS error number (`no such file or directory`).
fn io_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.find(" (os error ").map_or(text.as_str(), |at| &text[..at]);
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The kind of a failure RocksDB reports only as text: its lock taken by
/// another process (or by another handle in this one), or permissions.
fn rocksdb_failure(message: &str) -> OpenFailure {
    if message.contains("While lock file") || message.contains("lock hold by current process") {
        OpenFailure::Locked
    } else if message.contains("Permission denied") || message.contains("Read-only file system") {
        OpenFailure::PermissionDenied
    } else {
        OpenFailure::Other
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
        assert!(matches!(
            Store::open(dir.path()),
            Err(StorageError::Open {
                failure: OpenFailure::Locked,
                ..
            })
        ));
        Ok(())
    }

    #[test]
    fn a_directory_of_other_files_is_refused_and_an_empty_one_is_new() -> Result<(), StorageError> {
        let dir = tempfile::tempdir().map_err(|e| StorageError::Io(e.to_string()))?;
        let io = |e: std::io::Error| StorageError::Io(e.to_string());
        std::fs::create_dir(dir.path().join("empty")).map_err(io)?;
        drop(Store::open(&dir.path().join("empty"))?);
        // Opened once, it opens again.
        drop(Store::open(&dir.path().join("empty"))?);
        std::fs::create_dir(dir.path().join("home")).map_err(io)?;
        std::fs::write(dir.path().join("home/notes.txt"), "mine").map_err(io)?;
        let refused = |path: &Path| {
            matches!(
                Store::open(path),
                Err(StorageError::Open {
                    failure: OpenFailure::NotADataDirectory,
                    ..
                })
            )
        };
        assert!(refused(&dir.path().join("home")));
        assert!(refused(&dir.path().join("home/notes.txt")));
        // Nothing was written into it.
        assert_eq!(std::fs::read_dir(dir.path().join("home")).map_err(io)?.count(), 1);
        Ok(())
    }
}
