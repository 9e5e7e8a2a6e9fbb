use super::*;

#[tokio::test]
async fn migrates_in_wal_mode_and_passes_integrity_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_sqlite(&dir.path().join("t.db"), 2).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap(); // idempotent
    assert_eq!(db.integrity_check().await.unwrap(), "ok");
    let mut tx = db.read().await.unwrap();
    let mode: String = run!(&mut tx, c => sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut **c).await)
    .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = run!(&mut tx, c => sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut **c).await)
    .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
}

#[tokio::test]
async fn unique_violations_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_sqlite(&dir.path().join("t.db"), 2).await.unwrap();
    db.migrate().await.unwrap();
    let now = chrono::Utc::now();
    let user = |name: &'static str| users::NewUser {
        username: name,
        name: "",
        email: "same@example.org",
        password_hash: "x",
        admin: false,
        created_at: now,
    };
    let mut tx = db.write().await.unwrap();
    users::insert(&mut tx, &user("anna")).await.unwrap();
    let err = users::insert(&mut tx, &user("boris")).await.unwrap_err();
    assert!(matches!(err, Error::UniqueViolation), "{err:?}");
}
