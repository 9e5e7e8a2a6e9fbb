//! Stoa's storage: typed queries and transactions over SQLite (the embedded default) and
//! PostgreSQL (for several nodes on one database), through the same functions.
//!
//! Every storage function takes the transaction it runs on ([`Tx`]), so one use case in `app`
//! composes several writes atomically. SQL is a `const &str` beside the function that runs it,
//! with `$N` placeholders, which sqlx accepts on SQLite and PostgreSQL alike; [`run!`] expands
//! one body per backend, so the query text is written once. Where the dialects must differ, the
//! constant is named for its dialect (`LOCK_TOPIC_PG`) and chosen by matching on [`Tx`].
//!
//! Durability: SQLite runs in WAL mode with `synchronous=FULL`, so a commit returns only once the
//! write is on disk. One writer connection serialises writes, and concurrent writes share one
//! commit (group commit, [`writer`]); a pool of read-only connections serves reads concurrently. PostgreSQL commits are durable by its own settings
//! (`synchronous_commit`, on by default); concurrent writers take row locks in one order
//! ([`locks`]) so counters stay exact.

pub mod api_keys;
pub mod audit;
pub mod categories;
mod error;
pub mod likes;
pub mod locks;
pub mod mail;
pub mod notifications;
pub mod posts;
pub mod reads;
pub mod revisions;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod stats;
pub mod testing;
pub mod topics;
pub mod users;
pub mod watching;
mod writer;

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{
    ConnectOptions, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool,
    Transaction,
};

pub use error::{Error, Result};
pub use writer::WriteTx;
use writer::Writer;

/// Timestamps as stored: UTC, truncated to microseconds (PostgreSQL's precision).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Expands `$body` once per backend with `$c` bound to that backend's connection, so one
/// query text serves both.
#[macro_export]
macro_rules! run {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite($c) => $body,
            $crate::Tx::Postgres($c) => $body,
        }
    };
}

/// Like [`run!`] for statements that return no rows: the number of rows they changed.
#[macro_export]
macro_rules! exec {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite($c) => $body.map(|r| r.rows_affected()),
            $crate::Tx::Postgres($c) => $body.map(|r| r.rows_affected()),
        }
    };
}

/// Soft-deletes (`by` = Some) or restores (`by` = None) one row of a table that records when
/// and by whom (`deleted_at`, `deleted_by_id`): posts and topics. Nothing is ever removed.
async fn set_deleted_row(
    tx: &mut Tx,
    table: SoftDeleted,
    id: i64,
    by: Option<stoa_core::UserId>,
    at: Timestamp,
) -> Result<()> {
    const POSTS: &str = "UPDATE posts SET deleted_at = CASE WHEN $1 IS NULL THEN NULL ELSE $2 END, \
                         deleted_by_id = $1 WHERE id = $3";
    const TOPICS: &str = "UPDATE topics SET deleted_at = CASE WHEN $1 IS NULL THEN NULL ELSE $2 END, \
                          deleted_by_id = $1 WHERE id = $3";
    let sql = match table {
        SoftDeleted::Posts => POSTS,
        SoftDeleted::Topics => TOPICS,
    };
    exec!(tx, c => sqlx::query(sql)
        .bind(by.map(|u| u.0))
        .bind(at)
        .bind(id)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum SoftDeleted {
    Posts,
    Topics,
}

/// How to reach PostgreSQL beyond its URL.
#[derive(Debug, Clone)]
pub struct PgSettings {
    /// Connections in the pool.
    pub pool_size: u32,
    /// Longest a statement may run before PostgreSQL cancels it (0: no limit).
    pub statement_timeout_secs: u64,
    /// `disable`, `allow`, `prefer`, `require`, `verify-ca` or `verify-full`; None keeps the
    /// URL's `sslmode` (or sqlx's default, `prefer`).
    pub tls: Option<String>,
}

impl Default for PgSettings {
    fn default() -> Self {
        Self {
            pool_size: 10,
            statement_timeout_secs: 30,
            tls: None,
        }
    }
}

/// The database: where it lives and how to reach it.
#[derive(Debug, Clone)]
pub struct Db {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite { writer: Writer, readers: SqlitePool },
    Postgres { pool: PgPool },
}

/// An open transaction on one backend. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub enum Tx {
    Sqlite(SqliteTx),
    Postgres(PgTx),
}

impl Tx {
    /// Commits; returns once the write is durable.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(SqliteTx::Read(tx)) => tx.commit().await?,
            Tx::Sqlite(SqliteTx::Write(tx)) => tx.commit().await?,
            Tx::Postgres(PgTx::Tx(tx)) => tx.commit().await?,
            Tx::Sqlite(SqliteTx::Single(_)) | Tx::Postgres(PgTx::Single(_)) => {}
        }
        Ok(())
    }
}

/// A transaction on SQLite: a read on a reader connection, a write on the writer (a savepoint
/// in a group commit), or a reader connection without a transaction ([`Db::read_single`]).
/// Each is used as the connection it runs on.
#[derive(Debug)]
pub enum SqliteTx {
    Read(Transaction<'static, Sqlite>),
    Write(WriteTx),
    Single(PoolConnection<Sqlite>),
}

impl Deref for SqliteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match self {
            SqliteTx::Read(tx) => tx,
            SqliteTx::Write(tx) => tx,
            SqliteTx::Single(c) => c,
        }
    }
}

impl DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            SqliteTx::Read(tx) => tx,
            SqliteTx::Write(tx) => tx,
            SqliteTx::Single(c) => c,
        }
    }
}

/// A transaction on PostgreSQL, or a pooled connection without one ([`Db::read_single`]);
/// either is used as the connection it runs on.
#[derive(Debug)]
pub enum PgTx {
    Tx(Transaction<'static, Postgres>),
    Single(PoolConnection<Postgres>),
}

impl Deref for PgTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        match self {
            PgTx::Tx(tx) => tx,
            PgTx::Single(c) => c,
        }
    }
}

impl DerefMut for PgTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            PgTx::Tx(tx) => tx,
            PgTx::Single(c) => c,
        }
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
        // One writer: SQLite allows one at a time anyway, and queuing for it is fairer than
        // retrying on SQLITE_BUSY; queued writes share commits.
        let writer = Writer::new(options.connect().await?);
        // A local file's connection does not go stale: no ping (a round trip to the
        // connection's thread) before each use.
        let readers = SqlitePoolOptions::new()
            .max_connections(readers.max(1))
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self {
            backend: Backend::Sqlite { writer, readers },
        })
    }

    /// Connects to PostgreSQL at `url` (`postgres://user:password@host:port/database`).
    pub async fn open_postgres(url: &str, settings: &PgSettings) -> Result<Self> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(mode) = &settings.tls {
            options = options.ssl_mode(PgSslMode::from_str(mode)?);
        }
        if settings.statement_timeout_secs > 0 {
            let timeout = format!("{}s", settings.statement_timeout_secs);
            options = options.options([("statement_timeout", timeout.as_str())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(settings.pool_size.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        Ok(Self {
            backend: Backend::Postgres { pool },
        })
    }

    /// `"sqlite"` or `"postgres"`, for logs.
    pub fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    /// Applies the embedded migrations that have not run yet. On PostgreSQL, sqlx holds an
    /// advisory lock meanwhile, so nodes starting together migrate once.
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => {
                let mut idle = writer.idle().await?;
                sqlx::migrate!("./migrations/sqlite")
                    .run(&mut idle.conn)
                    .await?;
            }
            Backend::Postgres { pool } => {
                sqlx::migrate!("./migrations/postgres").run(pool).await?;
            }
        }
        Ok(())
    }

    /// Starts a write transaction. On SQLite it is a savepoint on the one writer connection,
    /// in a transaction that took the write lock up front (`BEGIN IMMEDIATE`), so a
    /// transaction that reads then writes never fails half-way; its commit returns once the
    /// group commit it joined is on disk.
    pub async fn write(&self) -> Result<Tx> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => {
                Ok(Tx::Sqlite(SqliteTx::Write(writer.begin().await?)))
            }
            Backend::Postgres { pool } => Ok(Tx::Postgres(PgTx::Tx(pool.begin().await?))),
        }
    }

    /// Starts a read transaction: a consistent snapshot for one page's queries.
    pub async fn read(&self) -> Result<Tx> {
        match &self.backend {
            Backend::Sqlite { readers, .. } => {
                Ok(Tx::Sqlite(SqliteTx::Read(readers.begin().await?)))
            }
            Backend::Postgres { pool } => Ok(Tx::Postgres(PgTx::Tx(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            ))),
        }
    }

    /// A connection for reading without a transaction: for one statement, or several that
    /// need not see one snapshot. It saves the round trips of BEGIN and COMMIT, which on a
    /// page made of one or two statements cost as much as the statements; [`Tx::commit`] on
    /// it does nothing. Nothing may be written through it.
    pub async fn read_single(&self) -> Result<Tx> {
        match &self.backend {
            Backend::Sqlite { readers, .. } => {
                Ok(Tx::Sqlite(SqliteTx::Single(readers.acquire().await?)))
            }
            Backend::Postgres { pool } => Ok(Tx::Postgres(PgTx::Single(pool.acquire().await?))),
        }
    }

    /// Runs SQLite's own consistency check (`Some("ok")` when the file is sound); None on
    /// PostgreSQL, which has no such check.
    pub async fn integrity_check(&self) -> Result<Option<String>> {
        match &self.backend {
            Backend::Sqlite { readers, .. } => Ok(Some(
                sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_one(readers)
                    .await?,
            )),
            Backend::Postgres { .. } => Ok(None),
        }
    }

    /// SQLite: how many commits the writer made, and how many writes they carried (group
    /// commit puts several in one); None on PostgreSQL.
    pub fn commit_counts(&self) -> Option<(u64, u64)> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => Some(writer.commit_counts()),
            Backend::Postgres { .. } => None,
        }
    }

    /// Closes every connection (on shutdown), checkpointing the WAL; SQLite's writer commits
    /// what is open and refuses writes from then on.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { writer, readers } => {
                readers.close().await;
                writer.close().await;
            }
            Backend::Postgres { pool } => pool.close().await,
        }
    }
}

#[cfg(test)]
mod tests;
