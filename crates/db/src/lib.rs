//! Stoa's storage: typed queries and transactions over SQLite (PostgreSQL joins in a later
//! issue, beside it, through the same functions).
//!
//! Every storage function takes the transaction it runs on ([`Tx`]), so one use case in `app`
//! composes several writes atomically. SQL is a `const &str` beside the function that runs it,
//! with `$N` placeholders, which sqlx accepts on SQLite and PostgreSQL alike; [`run!`] expands
//! one body per backend, so the query text is written once.
//!
//! Durability: SQLite runs in WAL mode with `synchronous=FULL`, so a commit returns only once the
//! write is on disk. One writer connection serialises writes; a pool of read-only connections
//! serves reads concurrently.

pub mod categories;
mod error;
pub mod likes;
pub mod posts;
pub mod reads;
pub mod revisions;
pub mod sessions;
pub mod settings;
pub mod topics;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use error::{Error, Result};

/// Timestamps as stored: UTC, truncated to microseconds (PostgreSQL's precision).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Expands `$body` once per backend with `$c` bound to that backend's connection.
/// Today there is one arm; the PostgreSQL arm adds itself here without touching callers.
#[macro_export]
macro_rules! run {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite($c) => $body,
        }
    };
}

/// The database: where it lives and how to reach it.
#[derive(Debug, Clone)]
pub struct Db {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite {
        writer: SqlitePool,
        readers: SqlitePool,
    },
}

/// An open transaction on one backend. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
}

impl Tx {
    /// Commits; returns once the write is durable.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

impl Db {
    /// Opens (creating if missing) the SQLite database at `path`, with WAL and full sync.
    pub async fn open_sqlite(path: &Path, readers: u32) -> Result<Self> {
        let url = format!("sqlite://{}", path.display());
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // One writer: SQLite allows one at a time anyway, and queuing in the pool is fairer
        // than retrying on SQLITE_BUSY.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(readers.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self {
            backend: Backend::Sqlite { writer, readers },
        })
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => {
                sqlx::migrate!("./migrations/sqlite").run(writer).await?;
            }
        }
        Ok(())
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front (`BEGIN
    /// IMMEDIATE`), so a transaction that reads then writes never fails half-way.
    pub async fn write(&self) -> Result<Tx> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => {
                Ok(Tx::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?))
            }
        }
    }

    /// Starts a read transaction: a consistent snapshot for one page's queries.
    pub async fn read(&self) -> Result<Tx> {
        match &self.backend {
            Backend::Sqlite { readers, .. } => Ok(Tx::Sqlite(readers.begin().await?)),
        }
    }

    /// Runs SQLite's own consistency check; `"ok"` when the file is sound.
    pub async fn integrity_check(&self) -> Result<String> {
        match &self.backend {
            Backend::Sqlite { readers, .. } => Ok(sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(readers)
                .await?),
        }
    }

    /// Closes every connection (on shutdown), checkpointing the WAL.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { writer, readers } => {
                readers.close().await;
                writer.close().await;
            }
        }
    }
}

#[cfg(test)]
mod tests;
