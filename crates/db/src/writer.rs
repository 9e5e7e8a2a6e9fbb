//! SQLite's one writer, committing concurrent writes together (group commit).
//!
//! A durable SQLite commit syncs the log to disk (WAL, `synchronous=FULL`): one fsync, which
//! costs more than the write before it. So writes that arrive together share one. The writer
//! connection keeps a transaction open across a *batch* of writes, and each write runs in a
//! savepoint of it:
//!
//! - a write that commits releases its savepoint and joins the batch's list of those waiting;
//! - a write that fails, or is dropped, rolls back to its savepoint: only its own changes go;
//! - when a write finishes and no other write waits for the connection — or the batch holds
//!   [`MAX_BATCH`] writes, or is [`MAX_BATCH_AGE`] old — the transaction commits, one fsync,
//!   and every write of the batch gets its answer then.
//!
//! So no write is answered before its data is on disk, and `synchronous=FULL` stays. A commit
//! that fails fails every write of its batch: none is told "saved" unless all of it is. Writes
//! of one batch see each other's changes (they run one after another on one connection, as
//! before); readers see none of them until the commit.
//!
//! A write that waited for the connection and was cancelled (its request timed out) may leave
//! a batch open with nobody to finish it; those waiting for that batch finish it themselves
//! after [`SETTLE_AFTER`]. A write dropped without committing is rolled back by a task spawned
//! from its `Drop`, or by whoever takes the connection next.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::SqliteConnection;
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use crate::{Error, Result};

/// The most writes one commit carries.
const MAX_BATCH: usize = 128;
/// How long a batch stays open while writes keep arriving: bounds the wait of its first write.
const MAX_BATCH_AGE: Duration = Duration::from_millis(20);
/// How long a write waits for the connection before giving up (as the pool before it did).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a finished write waits for its batch's commit before finishing the batch itself.
const SETTLE_AFTER: Duration = Duration::from_millis(50);

const SAVEPOINT: &str = "SAVEPOINT stoa_write";
const RELEASE: &str = "RELEASE stoa_write";
const ROLLBACK_TO: &str = "ROLLBACK TO stoa_write";

/// What a batch's commit tells each of its writes.
type Outcome = std::result::Result<(), Arc<sqlx::Error>>;

/// The writer connection, shared by every write of one process.
#[derive(Clone)]
pub(crate) struct Writer {
    state: Arc<Mutex<State>>,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Writes waiting for the connection: while there are any, a finished write leaves the
    /// batch open for them.
    waiting: AtomicUsize,
    /// Commits made, and writes committed: how much the batching saves.
    commits: AtomicU64,
    writes: AtomicU64,
}

pub(crate) struct State {
    pub(crate) conn: SqliteConnection,
    /// The transaction open across writes, if any.
    batch: Option<Batch>,
    /// A write ended without committing: its savepoint is rolled back before the next use.
    abandoned: bool,
    closed: bool,
}

struct Batch {
    started: Instant,
    /// One per write that committed its savepoint in this batch.
    waiting: Vec<oneshot::Sender<Outcome>>,
}

impl fmt::Debug for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer")
            .field("waiting", &self.shared.waiting.load(Ordering::Relaxed))
            .field("commits", &self.shared.commits.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Counts a task among those waiting for the connection until it is dropped (acquired, or
/// cancelled while waiting).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Self(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Writer {
    pub(crate) fn new(conn: SqliteConnection) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                conn,
                batch: None,
                abandoned: false,
                closed: false,
            })),
            shared: Arc::default(),
        }
    }

    /// Commits made so far and the writes they carried.
    pub(crate) fn commit_counts(&self) -> (u64, u64) {
        (
            self.shared.commits.load(Ordering::Relaxed),
            self.shared.writes.load(Ordering::Relaxed),
        )
    }

    async fn lock(&self, as_writer: bool) -> Result<OwnedMutexGuard<State>> {
        let _waiting = as_writer.then(|| Waiting::new(&self.shared.waiting));
        let state = tokio::time::timeout(ACQUIRE_TIMEOUT, self.state.clone().lock_owned())
            .await
            .map_err(|_| Error::Other(sqlx::Error::PoolTimedOut))?;
        if state.closed {
            return Err(Error::Other(sqlx::Error::PoolClosed));
        }
        Ok(state)
    }

    /// Starts a write: a savepoint in the open batch, or in a new one.
    pub(crate) async fn begin(&self) -> Result<WriteTx> {
        let mut state = self.lock(true).await?;
        state.roll_back_abandoned().await;
        if state.batch.is_none() {
            // IMMEDIATE takes the write lock now, so a write that reads first never fails
            // half-way on another process's lock.
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut state.conn)
                .await?;
            state.batch = Some(Batch {
                started: Instant::now(),
                waiting: Vec::new(),
            });
        }
        if let Err(e) = sqlx::query(SAVEPOINT).execute(&mut state.conn).await {
            let e = Arc::new(e);
            state.fail_batch(&e).await;
            return Err(Error::SharedCommit(e));
        }
        Ok(WriteTx {
            state,
            writer: self.clone(),
            finished: false,
            since: Instant::now(),
        })
    }

    /// Finishes what nobody else will: an abandoned savepoint, and a batch that no write is
    /// waiting to join (committed if it holds writes).
    async fn settle(&self) {
        let Ok(mut state) = self.lock(false).await else {
            return;
        };
        state.roll_back_abandoned().await;
        if self.shared.waiting.load(Ordering::SeqCst) == 0 {
            state.end_batch(&self.shared).await;
        }
    }

    /// The connection with no batch open, for work outside the group (migrations, checks).
    pub(crate) async fn idle(&self) -> Result<OwnedMutexGuard<State>> {
        let mut state = self.lock(false).await?;
        state.roll_back_abandoned().await;
        state.end_batch(&self.shared).await;
        Ok(state)
    }

    /// Commits what is open, folds the log into the database file, and refuses writes from
    /// now on.
    pub(crate) async fn close(&self) {
        let Ok(mut state) = self.idle().await else {
            return;
        };
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut state.conn)
            .await
        {
            tracing::warn!(error = %e, "checkpoint on close failed");
        }
        state.closed = true;
    }
}

impl State {
    /// Rolls back the savepoint of a write that ended without committing.
    async fn roll_back_abandoned(&mut self) {
        if !std::mem::take(&mut self.abandoned) {
            return;
        }
        let undone = match sqlx::query(ROLLBACK_TO).execute(&mut self.conn).await {
            Ok(_) => sqlx::query(RELEASE).execute(&mut self.conn).await,
            Err(e) => Err(e),
        };
        if let Err(e) = undone {
            // The transaction itself is gone (SQLite rolls back the whole of it on some
            // errors: a full disk, an I/O error): so is every write of the batch.
            self.fail_batch(&Arc::new(e)).await;
        }
    }

    /// Ends the open batch: commits it if it holds writes (and tells them), else rolls back
    /// the empty transaction.
    async fn end_batch(&mut self, shared: &Shared) {
        let Some(batch) = self.batch.take() else {
            return;
        };
        if batch.waiting.is_empty() {
            if let Err(e) = sqlx::query("ROLLBACK").execute(&mut self.conn).await {
                tracing::warn!(error = %e, "ending an empty write transaction failed");
            }
            return;
        }
        let outcome = match sqlx::query("COMMIT").execute(&mut self.conn).await {
            Ok(_) => {
                shared.commits.fetch_add(1, Ordering::Relaxed);
                shared
                    .writes
                    .fetch_add(batch.waiting.len() as u64, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
                Err(Arc::new(e))
            }
        };
        for w in batch.waiting {
            let _ = w.send(outcome.clone());
        }
    }

    /// Rolls back the open transaction, if any is left, and fails every write of the batch.
    async fn fail_batch(&mut self, e: &Arc<sqlx::Error>) {
        tracing::error!(error = %e, "a shared write transaction failed; its writes are undone");
        // No transaction may be left (SQLite ended it): then this fails, harmlessly.
        let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
        if let Some(batch) = self.batch.take() {
            for w in batch.waiting {
                let _ = w.send(Err(e.clone()));
            }
        }
    }
}

/// One write: a savepoint on the writer connection, held until [`WriteTx::commit`] or drop.
pub struct WriteTx {
    state: OwnedMutexGuard<State>,
    writer: Writer,
    /// Committed (or failed while committing): nothing is left for `Drop` to undo.
    finished: bool,
    /// When it took the connection.
    since: Instant,
}

impl fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteTx")
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.state.conn
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.state.conn
    }
}

impl WriteTx {
    /// Keeps this write in the batch and returns once the batch's commit is on disk.
    pub(crate) async fn commit(mut self) -> Result<()> {
        self.finished = true;
        if let Err(e) = sqlx::query(RELEASE).execute(&mut self.state.conn).await {
            let e = Arc::new(e);
            self.state.fail_batch(&e).await;
            return Err(Error::SharedCommit(e));
        }
        let (tell, told) = oneshot::channel();
        let shared = &self.writer.shared;
        let Some(batch) = self.state.batch.as_mut() else {
            // A savepoint outside a batch cannot be: begin() opens one first.
            return Err(Error::Other(sqlx::Error::WorkerCrashed));
        };
        batch.waiting.push(tell);
        // How long the write kept others waiting, commit aside (`STOA_LOG=stoa_db=debug`).
        tracing::debug!(held_us = self.since.elapsed().as_micros(), "write done");
        let full = batch.waiting.len() >= MAX_BATCH || batch.started.elapsed() >= MAX_BATCH_AGE;
        if full || shared.waiting.load(Ordering::SeqCst) == 0 {
            self.state.end_batch(shared).await;
        }
        let writer = self.writer.clone();
        // Hands the connection on: to the next write of this batch, if it was left open.
        drop(self);
        wait(&writer, told).await
    }
}

/// Waits for the commit of the batch a write joined, finishing the batch if nobody else does.
async fn wait(writer: &Writer, mut told: oneshot::Receiver<Outcome>) -> Result<()> {
    loop {
        match tokio::time::timeout(SETTLE_AFTER, &mut told).await {
            Ok(Ok(outcome)) => return outcome.map_err(Error::SharedCommit),
            // The batch was dropped unanswered: only when the database itself is dropped.
            Ok(Err(_)) => return Err(Error::Other(sqlx::Error::PoolClosed)),
            Err(_) => writer.settle().await,
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // Not committed: its savepoint must be rolled back before anyone else writes. The
        // next write does that first; a task does it now in case none comes.
        self.state.abandoned = true;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let writer = self.writer.clone();
            runtime.spawn(async move { writer.settle().await });
        }
    }
}
