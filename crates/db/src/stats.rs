//! Site-wide counts for `/about.json` and `/site/statistics.json` (Discourse's `About` stats).
//! Only public content counts: nothing in staff-only categories, nothing deleted.

use stoa_core::UserId;

use crate::{Result, Timestamp, Tx, run};

/// Counts over all time or since a moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Counts {
    pub topics: i64,
    pub posts: i64,
    pub users: i64,
    /// Members seen since the moment.
    pub active_users: i64,
    /// Members who posted since the moment.
    pub participating_users: i64,
    pub likes: i64,
}

const PUBLIC_TOPIC: &str = "t.deleted_at IS NULL AND t.category_id IN \
    (SELECT id FROM categories WHERE read_restricted = FALSE)";

/// The counts of what was created at or after `since` (the Unix epoch: all time).
pub async fn since(tx: &mut Tx, since: Timestamp) -> Result<Counts> {
    let sql = format!(
        "SELECT \
         (SELECT COUNT(*) FROM topics t WHERE {PUBLIC_TOPIC} AND t.created_at >= $1) AS topics, \
         (SELECT COUNT(*) FROM posts p JOIN topics t ON t.id = p.topic_id \
            WHERE {PUBLIC_TOPIC} AND p.deleted_at IS NULL AND p.created_at >= $1) AS posts, \
         (SELECT COUNT(*) FROM users WHERE created_at >= $1) AS users, \
         (SELECT COUNT(*) FROM users WHERE last_seen_at >= $1) AS active_users, \
         (SELECT COUNT(DISTINCT p.user_id) FROM posts p JOIN topics t ON t.id = p.topic_id \
            WHERE {PUBLIC_TOPIC} AND p.deleted_at IS NULL AND p.created_at >= $1) \
            AS participating_users, \
         (SELECT COUNT(*) FROM post_actions a JOIN posts p ON p.id = a.post_id \
            JOIN topics t ON t.id = p.topic_id \
            WHERE {PUBLIC_TOPIC} AND p.deleted_at IS NULL AND a.post_action_type_id = 2 \
            AND a.created_at >= $1) AS likes"
    );
    Ok(run!(tx, c => sqlx::query_as(&sql).bind(since).fetch_one(&mut **c).await)?)
}

/// The ids of the admins, oldest account first.
/// True when the forum holds no members, categories or topics (its first run): looks for one
/// row of each, never counts them.
pub async fn is_empty(tx: &mut Tx) -> Result<bool> {
    const SQL: &str = "SELECT NOT EXISTS (SELECT 1 FROM users) \
        AND NOT EXISTS (SELECT 1 FROM categories) AND NOT EXISTS (SELECT 1 FROM topics)";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).fetch_one(&mut **c).await)?)
}

pub async fn admin_ids(tx: &mut Tx) -> Result<Vec<UserId>> {
    const SQL: &str = "SELECT id FROM users WHERE admin = TRUE ORDER BY id";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).fetch_all(&mut **c).await)?)
}

/// When the forum began: its first member's sign-up.
pub async fn created_at(tx: &mut Tx) -> Result<Option<Timestamp>> {
    const SQL: &str = "SELECT MIN(created_at) FROM users";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).fetch_one(&mut **c).await)?)
}
