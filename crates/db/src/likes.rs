//! Likes: `post_actions` rows of type 2, as in Discourse.

use stoa_core::{PostId, UserId};

use crate::{Result, Timestamp, Tx, exec, run};

/// Discourse's post action type for a like.
pub const LIKE: i64 = 2;

/// Adds a like; false when the member had already liked the post.
pub async fn insert(tx: &mut Tx, post: PostId, user: UserId, at: Timestamp) -> Result<bool> {
    const SQL: &str = "INSERT INTO post_actions (post_id, user_id, post_action_type_id, created_at) \
                       VALUES ($1, $2, $3, $4) \
                       ON CONFLICT (post_id, user_id, post_action_type_id) DO NOTHING";
    let done = exec!(tx, c => sqlx::query(SQL)
        .bind(post.0)
        .bind(user.0)
        .bind(LIKE)
        .bind(at)
        .execute(&mut **c)
        .await)?;
    Ok(done == 1)
}

/// Removes a like; false when there was none.
pub async fn delete(tx: &mut Tx, post: PostId, user: UserId) -> Result<bool> {
    const SQL: &str = "DELETE FROM post_actions WHERE post_id = $1 AND user_id = $2 \
                       AND post_action_type_id = $3";
    let done = exec!(tx, c => sqlx::query(SQL).bind(post.0).bind(user.0).bind(LIKE).execute(&mut **c).await)?;
    Ok(done == 1)
}

/// Moves a post's like count by `by` (a like given or taken back); returns the new count.
pub async fn add_to_count(tx: &mut Tx, post: PostId, by: i64) -> Result<i64> {
    const SQL: &str = "UPDATE posts SET like_count = like_count + $1 WHERE id = $2 \
                       RETURNING like_count";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(by).bind(post.0).fetch_one(&mut **c).await)?)
}

/// The members who liked a post, in the order they liked it.
pub async fn likers(tx: &mut Tx, post: PostId, limit: i64) -> Result<Vec<crate::users::NameMatch>> {
    const SQL: &str = "SELECT u.id, u.username, u.name FROM post_actions a \
                       JOIN users u ON u.id = a.user_id \
                       WHERE a.post_id = $1 AND a.post_action_type_id = $2 \
                       ORDER BY a.created_at, a.id LIMIT $3";
    Ok(run!(tx, c => sqlx::query_as(SQL)
        .bind(post.0)
        .bind(LIKE)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?)
}
