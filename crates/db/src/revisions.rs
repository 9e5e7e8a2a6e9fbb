//! Earlier versions of posts: every edit keeps the text it replaced.

use stoa_core::{CategoryId, PostId, UserId};

use crate::{Result, Timestamp, Tx, exec, run};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevisionRow {
    pub number: i64,
    pub username: String,
    pub raw: String,
    pub created_at: Timestamp,
    /// Why the edit that replaced this version was made ('' when not said).
    pub edit_reason: String,
    /// The topic's title before that edit, when it changed it (first posts only).
    pub old_title: Option<String>,
    /// The topic's category before that edit, when it changed it.
    pub old_category_id: Option<CategoryId>,
    pub old_category_name: Option<String>,
    /// Whether that category is staff-only (its name is not for everyone).
    pub old_category_restricted: Option<bool>,
}

/// Version `number` of a post, replaced by `user`'s edit at `at`.
#[derive(Debug)]
pub struct NewRevision<'a> {
    pub post: PostId,
    pub number: i64,
    pub user: UserId,
    pub raw: &'a str,
    pub at: Timestamp,
    pub edit_reason: &'a str,
    pub old_title: Option<&'a str>,
    pub old_category: Option<CategoryId>,
}

/// Keeps a version of a post.
pub async fn insert(tx: &mut Tx, r: &NewRevision<'_>) -> Result<()> {
    const SQL: &str = "INSERT INTO post_revisions (post_id, number, user_id, raw, created_at, \
                       edit_reason, old_title, old_category_id) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    exec!(tx, c => sqlx::query(SQL)
        .bind(r.post.0)
        .bind(r.number)
        .bind(r.user.0)
        .bind(r.raw)
        .bind(r.at)
        .bind(r.edit_reason)
        .bind(r.old_title)
        .bind(r.old_category.map(|c| c.0))
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

/// A post's newest `limit` earlier versions, oldest first.
pub async fn list(tx: &mut Tx, post: PostId, limit: i64) -> Result<Vec<RevisionRow>> {
    const SQL: &str = "SELECT * FROM (SELECT r.number, u.username, r.raw, r.created_at, \
                       r.edit_reason, r.old_title, r.old_category_id, \
                       c.name AS old_category_name, \
                       c.read_restricted AS old_category_restricted FROM post_revisions r \
                       JOIN users u ON u.id = r.user_id \
                       LEFT JOIN categories c ON c.id = r.old_category_id \
                       WHERE r.post_id = $1 ORDER BY r.number DESC LIMIT $2) newest \
                       ORDER BY number";
    Ok(run!(tx, c => sqlx::query_as(SQL).bind(post.0).bind(limit).fetch_all(&mut **c).await)?)
}

/// How many earlier versions a post has.
pub async fn count(tx: &mut Tx, post: PostId) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM post_revisions WHERE post_id = $1";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(post.0).fetch_one(&mut **c).await)?)
}
