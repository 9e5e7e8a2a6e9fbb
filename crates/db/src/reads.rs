//! Read tracking: the last post each member has read in each topic (`topic_users`).

use stoa_core::{TopicId, UserId};

use crate::{Result, Tx, exec, run};

/// Raises the member's last read post in a topic to `post_number` (never lowers it).
pub async fn mark_read(tx: &mut Tx, user: UserId, topic: TopicId, post_number: i64) -> Result<()> {
    const SQL: &str = "INSERT INTO topic_users (user_id, topic_id, last_read_post_number) \
        VALUES ($1, $2, $3) ON CONFLICT (user_id, topic_id) DO UPDATE SET \
        last_read_post_number = CASE WHEN topic_users.last_read_post_number < $3 \
        THEN $3 ELSE topic_users.last_read_post_number END";
    exec!(tx, c => sqlx::query(SQL).bind(user.0).bind(topic.0).bind(post_number).execute(&mut **c).await)?;
    Ok(())
}

/// Records that the member has posted in the topic.
pub async fn mark_posted(tx: &mut Tx, user: UserId, topic: TopicId) -> Result<()> {
    const SQL: &str = "INSERT INTO topic_users (user_id, topic_id, posted) VALUES ($1, $2, TRUE) \
        ON CONFLICT (user_id, topic_id) DO UPDATE SET posted = TRUE";
    exec!(tx, c => sqlx::query(SQL).bind(user.0).bind(topic.0).execute(&mut **c).await)?;
    Ok(())
}

/// The member's last read post in the topic; None when never opened.
pub async fn last_read(tx: &mut Tx, user: UserId, topic: TopicId) -> Result<Option<i64>> {
    const SQL: &str = "SELECT last_read_post_number FROM topic_users \
                       WHERE user_id = $1 AND topic_id = $2";
    Ok(
        run!(tx, c => sqlx::query_scalar(SQL).bind(user.0).bind(topic.0).fetch_optional(&mut **c).await)?,
    )
}
