//! Read tracking: the last post each member has read in each topic (`topic_users`).

use stoa_core::{NotificationLevel, TopicId, UserId};

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

/// What a topic page needs to know about the member reading it.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct ReaderState {
    /// The last post they read; None when never opened.
    pub last_read: Option<i64>,
    /// Their unread notifications about the posts on the page.
    pub unread_notifications: i64,
    /// The level chosen for this topic (by them or a rule), if any.
    pub topic_level: Option<NotificationLevel>,
    /// Their level for the topic's category, if any.
    pub category_level: Option<NotificationLevel>,
}

/// One query for a member's state on a page of a topic showing posts `from..=to`.
pub async fn reader_state(
    tx: &mut Tx,
    user: UserId,
    topic: TopicId,
    category: stoa_core::CategoryId,
    from: i64,
    to: i64,
) -> Result<ReaderState> {
    const SQL: &str = "SELECT \
        (SELECT last_read_post_number FROM topic_users WHERE user_id = $1 AND topic_id = $2) \
            AS last_read, \
        (SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND topic_id = $2 \
            AND post_number >= $4 AND post_number <= $5 AND read = FALSE) \
            AS unread_notifications, \
        (SELECT notification_level FROM topic_users WHERE user_id = $1 AND topic_id = $2 \
            AND notifications_reason_id IS NOT NULL) AS topic_level, \
        (SELECT notification_level FROM category_users WHERE user_id = $1 \
            AND category_id = $3) AS category_level";
    Ok(run!(tx, c => sqlx::query_as(SQL)
        .bind(user.0)
        .bind(topic.0)
        .bind(category.0)
        .bind(from)
        .bind(to)
        .fetch_one(&mut **c)
        .await)?)
}

/// The member's last read post in the topic; None when never opened.
pub async fn last_read(tx: &mut Tx, user: UserId, topic: TopicId) -> Result<Option<i64>> {
    const SQL: &str = "SELECT last_read_post_number FROM topic_users \
                       WHERE user_id = $1 AND topic_id = $2";
    Ok(
        run!(tx, c => sqlx::query_scalar(SQL).bind(user.0).bind(topic.0).fetch_optional(&mut **c).await)?,
    )
}
