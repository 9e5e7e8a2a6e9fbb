//! Earlier versions of posts: every edit keeps the text it replaced.

use stoa_core::{PostId, UserId};

use crate::{Result, Timestamp, Tx, exec, run};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevisionRow {
    pub number: i64,
    pub username: String,
    pub raw: String,
    pub created_at: Timestamp,
}

/// Keeps version `number` of a post, written by `user` at `at`.
pub async fn insert(
    tx: &mut Tx,
    post: PostId,
    number: i64,
    user: UserId,
    raw: &str,
    at: Timestamp,
) -> Result<()> {
    const SQL: &str = "INSERT INTO post_revisions (post_id, number, user_id, raw, created_at) \
                       VALUES ($1, $2, $3, $4, $5)";
    exec!(tx, c => sqlx::query(SQL)
        .bind(post.0)
        .bind(number)
        .bind(user.0)
        .bind(raw)
        .bind(at)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// The text of a post's newest revision (what it said before its latest change).
pub async fn latest_raw(tx: &mut Tx, post: PostId) -> Result<Option<String>> {
    const SQL: &str = "SELECT raw FROM post_revisions WHERE post_id = $1 \
        ORDER BY number DESC LIMIT 1";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(post.0).fetch_optional(&mut **c).await)?)
}

/// A post's earlier versions, oldest first.
pub async fn list(tx: &mut Tx, post: PostId) -> Result<Vec<RevisionRow>> {
    const SQL: &str = "SELECT r.number, u.username, r.raw, r.created_at FROM post_revisions r \
                       JOIN users u ON u.id = r.user_id WHERE r.post_id = $1 ORDER BY r.number";
    Ok(run!(tx, c => sqlx::query_as(SQL).bind(post.0).fetch_all(&mut **c).await)?)
}
