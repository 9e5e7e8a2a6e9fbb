//! SQLite's group commit (`writer`): writes that arrive together share one commit, each is
//! answered only once that commit is on disk, and one write's failure undoes only its own
//! changes — unless the transaction itself is lost, and then every write of the batch hears so.

use std::time::Duration;

use super::*;

async fn sqlite() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_sqlite(&dir.path().join("t.db"), 2).await.unwrap();
    db.migrate().await.unwrap();
    let mut tx = db.write().await.unwrap();
    exec!(&mut tx, c => sqlx::query("CREATE TABLE gc (n INTEGER PRIMARY KEY)").execute(&mut **c).await)
        .unwrap();
    tx.commit().await.unwrap();
    (db, dir)
}

async fn insert(tx: &mut Tx, n: i64) {
    exec!(tx, c => sqlx::query("INSERT INTO gc (n) VALUES ($1)").bind(n).execute(&mut **c).await)
        .unwrap();
}

/// What readers see (only what was committed).
async fn rows(db: &Db) -> Vec<i64> {
    let mut tx = db.read().await.unwrap();
    run!(&mut tx, c => sqlx::query_scalar("SELECT n FROM gc ORDER BY n").fetch_all(&mut **c).await)
        .unwrap()
}

#[tokio::test]
async fn concurrent_writes_share_commits_and_all_land() {
    let (db, _dir) = sqlite().await;
    let (commits_before, writes_before) = db.commit_counts().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..64 {
        let db = db.clone();
        tasks.spawn(async move {
            let mut tx = db.write().await?;
            insert(&mut tx, n).await;
            tx.commit().await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    assert_eq!(rows(&db).await, (0..64).collect::<Vec<_>>());
    let (commits, writes) = db.commit_counts().unwrap();
    assert_eq!(writes - writes_before, 64);
    assert!(
        commits - commits_before <= 8,
        "64 writes queued together took {} commits",
        commits - commits_before
    );
}

#[tokio::test]
async fn a_failed_write_undoes_only_itself() {
    let (db, _dir) = sqlite().await;
    let mut first = db.write().await.unwrap();
    insert(&mut first, 1).await;
    // Three more queue behind it: one commits, one fails (dropped uncommitted), one commits.
    let spawn = |n: i64, commit: bool| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.write().await.unwrap();
            insert(&mut tx, n).await;
            if commit {
                tx.commit().await.unwrap();
            }
        })
    };
    let second = spawn(2, true);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let third = spawn(3, false);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let fourth = spawn(4, true);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let before = db.commit_counts().unwrap().0;
    first.commit().await.unwrap();
    for t in [second, third, fourth] {
        t.await.unwrap();
    }
    assert_eq!(rows(&db).await, vec![1, 2, 4]);
    assert_eq!(
        db.commit_counts().unwrap().0 - before,
        1,
        "the three writes that committed shared one commit"
    );
}

#[tokio::test]
async fn a_write_dropped_alone_frees_the_database_for_other_processes() {
    let (db, dir) = sqlite().await;
    let mut tx = db.write().await.unwrap();
    insert(&mut tx, 7).await;
    drop(tx);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Another process (here: another connection) can take the write lock at once.
    use sqlx::{ConnectOptions, Connection};
    let mut other = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.path().join("t.db"))
        .busy_timeout(Duration::ZERO)
        .connect()
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    other.close().await.unwrap();
    assert!(rows(&db).await.is_empty());
    // And this process writes on.
    let mut tx = db.write().await.unwrap();
    insert(&mut tx, 8).await;
    tx.commit().await.unwrap();
    assert_eq!(rows(&db).await, vec![8]);
}

#[tokio::test]
async fn a_waiter_cancelled_after_the_handover_does_not_strand_the_batch() {
    let (db, _dir) = sqlite().await;
    let mut first = db.write().await.unwrap();
    insert(&mut first, 1).await;
    // A second write queues for the connection (polled once, then never again)...
    let mut queued = Box::pin(db.write());
    assert!(
        tokio::time::timeout(Duration::ZERO, &mut queued)
            .await
            .is_err()
    );
    // ...so the first, finishing, leaves the batch open for it and waits.
    let committing = tokio::spawn(async move { first.commit().await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(
        !committing.is_finished(),
        "the batch was left open for the queued write"
    );
    // The queued write's request is cancelled: the first write must still be committed.
    drop(queued);
    tokio::time::timeout(Duration::from_secs(5), committing)
        .await
        .expect("the first write was answered")
        .unwrap()
        .unwrap();
    assert_eq!(rows(&db).await, vec![1]);
}

#[tokio::test]
async fn a_lost_transaction_fails_every_write_of_its_batch() {
    let (db, _dir) = sqlite().await;
    let mut first = db.write().await.unwrap();
    insert(&mut first, 1).await;
    let second = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.write().await.unwrap();
            insert(&mut tx, 2).await;
            // What SQLite does by itself on a full disk or an I/O error: the whole
            // transaction, the first write's part included, is gone.
            exec!(&mut tx, c => sqlx::query("ROLLBACK").execute(&mut **c).await).unwrap();
            tx.commit().await
        })
    };
    tokio::time::sleep(Duration::from_millis(5)).await;
    let first = first.commit().await;
    let second = second.await.unwrap();
    assert!(
        matches!(first, Err(Error::SharedCommit(_))),
        "the first write was not saved and must not be told it was: {first:?}"
    );
    assert!(second.is_err());
    assert!(rows(&db).await.is_empty());
    // The writer recovers for the next write.
    let mut tx = db.write().await.unwrap();
    insert(&mut tx, 3).await;
    tx.commit().await.unwrap();
    assert_eq!(rows(&db).await, vec![3]);
}
