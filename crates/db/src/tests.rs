use super::*;

mod group_commit;
mod plans;

/// A fresh database on each backend: SQLite always, PostgreSQL when configured.
async fn databases(test: &str) -> Vec<(Db, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::open_sqlite(&dir.path().join("t.db"), 2).await.unwrap();
    let mut dbs = vec![(sqlite, Some(dir))];
    if let Some(url) = testing::fresh_postgres_url(test).await {
        dbs.push((
            Db::open_postgres(&url, &PgSettings::default())
                .await
                .unwrap(),
            None,
        ));
    }
    for (db, _) in &dbs {
        db.migrate().await.unwrap();
        db.migrate().await.unwrap(); // idempotent
    }
    dbs
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_sqlite(&dir.path().join("t.db"), 2).await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(db.integrity_check().await.unwrap().as_deref(), Some("ok"));
    let mut tx = db.read().await.unwrap();
    let Tx::Sqlite(c) = &mut tx else {
        panic!("sqlite")
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut **c)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut **c)
        .await
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
}

fn user(name: &'static str, email: &'static str, at: Timestamp) -> users::NewUser<'static> {
    users::NewUser {
        username: name,
        name: "",
        email,
        password_hash: "x",
        admin: false,
        created_at: at,
        email_verified_at: None,
        unsubscribe_key: name,
    }
}

/// The error writing `who` ends in (the write is expected to fail).
async fn refused(db: &Db, who: users::NewUser<'_>) -> Error {
    let mut tx = db.write().await.unwrap();
    users::insert(&mut tx, &who).await.unwrap_err()
}

#[tokio::test]
async fn unique_violations_are_typed_on_both_backends() {
    for (db, _dir) in databases("unique_violations").await {
        let now = chrono::Utc::now();
        let mut tx = db.write().await.unwrap();
        users::insert(&mut tx, &user("anna", "same@example.org", now))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let err = refused(&db, user("boris", "SAME@example.org", now)).await;
        assert!(
            matches!(err, Error::UniqueViolation),
            "{}: {err:?}",
            db.backend_name()
        );
        let err = refused(&db, user("ANNA", "other@example.org", now)).await;
        assert!(
            matches!(err, Error::UniqueViolation),
            "{}: {err:?}",
            db.backend_name()
        );
    }
}

#[tokio::test]
async fn timestamps_round_trip_equal_on_both_backends() {
    use chrono::SubsecRound;
    // Microsecond precision: what PostgreSQL keeps, and what Stoa writes everywhere.
    let at = chrono::Utc::now().trunc_subsecs(6);
    let whole = at.trunc_subsecs(0);
    for (db, _dir) in databases("timestamps").await {
        let mut tx = db.write().await.unwrap();
        let a = users::insert(&mut tx, &user("anna", "a@example.org", at))
            .await
            .unwrap();
        let b = users::insert(&mut tx, &user("boris", "b@example.org", whole))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.read().await.unwrap();
        let anna = users::find(&mut tx, a).await.unwrap().unwrap();
        let boris = users::find(&mut tx, b).await.unwrap().unwrap();
        assert_eq!(anna.created_at, at, "{}", db.backend_name());
        assert_eq!(boris.created_at, whole, "{}", db.backend_name());
    }
}

/// The schema as a set of normalized facts: `table.column`, `index on table(cols) [unique]`,
/// `primary key table(cols)`.
async fn schema_facts(db: &Db) -> std::collections::BTreeSet<String> {
    // xinfo: generated columns too.
    const SQLITE_COLUMNS: &str = "SELECT m.name || '.' || p.name FROM sqlite_master m \
        JOIN pragma_table_xinfo(m.name) p WHERE m.type = 'table' \
        AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'";
    const SQLITE_PKS: &str = "SELECT m.name, group_concat(p.name, ',') FROM sqlite_master m \
        JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.pk > 0 \
        AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' \
        GROUP BY m.name ORDER BY m.name";
    const SQLITE_INDEXES: &str = "SELECT m.name, il.name, il.\"unique\", il.origin FROM sqlite_master m \
        JOIN pragma_index_list(m.name) il WHERE m.type = 'table' \
        AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'";
    const SQLITE_INDEX_COLUMNS: &str = "SELECT name FROM pragma_index_info($1) ORDER BY seqno";
    const PG_COLUMNS: &str = "SELECT table_name || '.' || column_name FROM information_schema.columns \
        WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'";
    const PG_PKS: &str = "SELECT t.relname::text, string_agg(a.attname::text, ',' ORDER BY k.ord) \
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
        JOIN pg_namespace n ON n.oid = t.relnamespace \
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
        WHERE n.nspname = current_schema() AND i.indisprimary AND t.relname <> '_sqlx_migrations' \
        GROUP BY t.relname ORDER BY t.relname";
    const PG_INDEXES: &str = "SELECT t.relname::text, string_agg(a.attname::text, ',' ORDER BY k.ord), \
        i.indisunique FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
        JOIN pg_namespace n ON n.oid = t.relnamespace \
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
        WHERE n.nspname = current_schema() AND NOT i.indisprimary AND t.relname <> '_sqlx_migrations' \
        GROUP BY t.relname, i.indexrelid, i.indisunique";
    let mut facts = std::collections::BTreeSet::new();
    let mut tx = db.read().await.unwrap();
    match &mut tx {
        Tx::Sqlite(c) => {
            let cols: Vec<String> = sqlx::query_scalar(SQLITE_COLUMNS)
                .fetch_all(&mut **c)
                .await
                .unwrap();
            facts.extend(cols);
            let pks: Vec<(String, String)> = sqlx::query_as(SQLITE_PKS)
                .fetch_all(&mut **c)
                .await
                .unwrap();
            facts.extend(
                pks.into_iter()
                    .map(|(t, cols)| format!("primary key {t}({cols})")),
            );
            let idx: Vec<(String, String, bool, String)> = sqlx::query_as(SQLITE_INDEXES)
                .fetch_all(&mut **c)
                .await
                .unwrap();
            for (table, index, unique, origin) in idx {
                if origin == "pk" {
                    continue; // a composite primary key's index: counted as the primary key
                }
                let cols: Vec<String> = sqlx::query_scalar(SQLITE_INDEX_COLUMNS)
                    .bind(&index)
                    .fetch_all(&mut **c)
                    .await
                    .unwrap();
                let u = if unique { " unique" } else { "" };
                facts.insert(format!("index on {table}({}){u}", cols.join(",")));
            }
        }
        Tx::Postgres(c) => {
            let cols: Vec<String> = sqlx::query_scalar(PG_COLUMNS)
                .fetch_all(&mut **c)
                .await
                .unwrap();
            facts.extend(cols);
            let pks: Vec<(String, String)> =
                sqlx::query_as(PG_PKS).fetch_all(&mut **c).await.unwrap();
            facts.extend(
                pks.into_iter()
                    .map(|(t, cols)| format!("primary key {t}({cols})")),
            );
            let idx: Vec<(String, String, bool)> = sqlx::query_as(PG_INDEXES)
                .fetch_all(&mut **c)
                .await
                .unwrap();
            for (table, cols, unique) in idx {
                let u = if unique { " unique" } else { "" };
                facts.insert(format!("index on {table}({cols}){u}"));
            }
        }
    }
    facts
}

#[tokio::test]
async fn migrations_build_the_same_schema_on_both_backends() {
    // Same migration file names and versions in both folders.
    let names = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    assert_eq!(names("migrations/sqlite"), names("migrations/postgres"));
    let dbs = databases("schema_parity").await;
    let sqlite = schema_facts(&dbs[0].0).await;
    assert!(sqlite.contains("posts.reply_to_post_number"));
    assert!(
        sqlite.contains("index on posts(topic_id,post_number) unique"),
        "{sqlite:#?}"
    );
    assert!(
        sqlite.contains("primary key topic_users(user_id,topic_id)"),
        "{sqlite:#?}"
    );
    // The full-text index itself is backend-specific by design (see db::search): FTS5's
    // virtual table and its shadow tables on SQLite, a tsvector column and its GIN index on
    // PostgreSQL. The rows it indexes (post_search_data) are the same.
    let sqlite: std::collections::BTreeSet<String> = sqlite
        .into_iter()
        .filter(|f| !f.starts_with("post_search_fts") && !f.contains(" post_search_fts"))
        .collect();
    assert!(sqlite.contains("post_search_data.body"), "{sqlite:#?}");
    if let Some((pg, _)) = dbs.get(1) {
        let mut pg = schema_facts(pg).await;
        assert!(pg.remove("post_search_data.search"), "{pg:#?}");
        assert!(pg.remove("index on post_search_data(search)"), "{pg:#?}");
        let only_sqlite: Vec<_> = sqlite.difference(&pg).collect();
        let only_pg: Vec<_> = pg.difference(&sqlite).collect();
        assert!(
            only_sqlite.is_empty() && only_pg.is_empty(),
            "only on SQLite: {only_sqlite:#?}\nonly on PostgreSQL: {only_pg:#?}"
        );
    }
}
