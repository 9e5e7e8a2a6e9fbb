//! Fresh databases for tests, on either backend.
//!
//! Every test gets its own database: a temporary SQLite file, or a new schema on the PostgreSQL
//! server named by `STOA_TEST_DATABASE_URL` (the connection's `search_path` points into it).
//! Without that variable, PostgreSQL tests skip with a message — unless
//! `STOA_TEST_REQUIRE_POSTGRES=1` is set (CI sets it), and then they fail.

use sqlx::Connection;

/// The server tests use, e.g. `postgres://postgres@127.0.0.1:54329/postgres`.
pub const DATABASE_URL_VAR: &str = "STOA_TEST_DATABASE_URL";
/// Set to `1` to make a missing PostgreSQL an error rather than a skip.
pub const REQUIRE_VAR: &str = "STOA_TEST_REQUIRE_POSTGRES";

/// A URL for a new, empty schema on the test server; None (after saying so on stderr) when no
/// server is configured and none is required.
///
/// # Panics
/// When PostgreSQL is required but not configured or not reachable: a test must fail then.
pub async fn fresh_postgres_url(test: &str) -> Option<String> {
    let Ok(base) = std::env::var(DATABASE_URL_VAR) else {
        if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") {
            panic!("{test}: {REQUIRE_VAR}=1 but {DATABASE_URL_VAR} is not set");
        }
        eprintln!(
            "{test}: skipped on PostgreSQL: set {DATABASE_URL_VAR} (see .ci/postgres.sh) to run it"
        );
        return None;
    };
    let schema = format!("t_{}", random_suffix());
    let mut conn = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) => panic!("{test}: cannot reach PostgreSQL at {base}: {e}"),
    };
    if let Err(e) = sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
    {
        panic!("{test}: cannot create schema {schema}: {e}");
    }
    let _ = conn.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options[search_path]={schema}"))
}

fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    // Unique enough for schema names within one test run: the process id, a counter, and
    // a randomly seeded hash.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    format!("{}_{n}_{:x}", std::process::id(), h.finish() & 0xffff_ffff)
}
