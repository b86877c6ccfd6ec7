//! SQLite store for wacast: the embedded default. One file, nothing to run.
//!
//! [`SqliteStore`] implements every [`wacast::store`] trait and passes the shared conformance
//! suite. The database runs in WAL mode on one connection owned by a dedicated thread: async
//! callers send it closures and await the reply, so they never block the runtime, and every
//! multi-row update runs in a transaction. Migrations are embedded and run when the store is
//! opened; the applied versions are kept in the `schema_version` table.
//!
//! Wrap it in [`Encrypted`](wacast::store::Encrypted) to seal every secret at rest:
//!
//! ```
//! use wacast::store::prelude::*;
//! use wacast::store::{Encrypted, MasterKey};
//! use wacast_store_sqlite::SqliteStore;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("wacast.db");
//! let master = MasterKey::from_bytes([7; 32]); // keep the real one outside the database
//! let store = Encrypted::open(SqliteStore::open(&path).await?, master).await?;
//! assert!(store.list_accounts().await?.is_empty());
//! # Ok::<(), wacast::store::StoreError>(())
//! # }).unwrap();
//! ```

mod contacts;
mod credentials;
mod maintenance;
mod outbox;
mod records;
mod row;
mod schema;
mod signal;
mod worker;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use wacast::store::StoreError;

pub use schema::SCHEMA_VERSION;
use worker::{Worker, db};

/// How long a statement waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A wacast store in one SQLite file (or in memory).
pub struct SqliteStore {
    worker: Worker,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, switches it to WAL and runs
    /// pending migrations. [`StoreError::SchemaTooNew`] for a file from a newer wacast.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let open_path = path.clone();
        let worker = Worker::start(move || {
            let connection = Connection::open_with_flags(
                &open_path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(db)?;
            prepare(connection, true)
        })
        .await?;
        Ok(SqliteStore {
            worker,
            path: Some(path),
        })
    }

    /// A private in-memory database (for tests): same schema and behaviour, nothing on disk.
    pub async fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let worker = Worker::start(|| {
            let connection = Connection::open_in_memory().map_err(db)?;
            prepare(connection, false)
        })
        .await?;
        Ok(SqliteStore { worker, path: None })
    }

    /// The database file, if file-backed.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

fn prepare(mut connection: Connection, wal: bool) -> Result<Connection, StoreError> {
    connection.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
    if wal {
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(db)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::backend(format!(
                "SQLite refused WAL mode (journal_mode is {mode})"
            )));
        }
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
    }
    // Deleted secrets are overwritten, not left in free pages.
    connection
        .pragma_update(None, "secure_delete", "ON")
        .map_err(db)?;
    schema::migrate(&mut connection)?;
    Ok(connection)
}
