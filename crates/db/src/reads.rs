//! Read tracking: the last post each member has read in each topic (`topic_users`).

use stoa_core::{LevelReason, NotificationLevel, TopicId, UserId};

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

/// Moves the member's count of live posts in the topic by `by` (a post arrived or came back:
/// 1; deleted: -1), and records that they posted there and the number of their first post
/// (ties between featured posters go to the earlier one). The count ranks featured posters
/// (`topics::post_counts`), read off `topic_users_posters`.
pub async fn add_posted(
    tx: &mut Tx,
    user: UserId,
    topic: TopicId,
    post_number: i64,
    by: i64,
) -> Result<()> {
    const SQL: &str = "INSERT INTO topic_users (user_id, topic_id, posted, post_count, \
        first_post_number) VALUES ($1, $2, TRUE, $3, $4) ON CONFLICT (user_id, topic_id) \
        DO UPDATE SET posted = TRUE, post_count = topic_users.post_count + $3, \
        first_post_number = COALESCE(topic_users.first_post_number, $4)";
    exec!(tx, c => sqlx::query(SQL)
        .bind(user.0)
        .bind(topic.0)
        .bind(by)
        .bind(post_number)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// Sets every member's count of live posts in each topic ([`add_posted`]'s) from the posts:
/// for posts loaded in bulk (the benchmarks' generator), as migration 0017 did for the posts
/// before it.
pub async fn count_posts_in_topics(tx: &mut Tx) -> Result<()> {
    const SQL: &str = "INSERT INTO topic_users (user_id, topic_id, posted, post_count, \
        first_post_number) SELECT user_id, topic_id, TRUE, COUNT(*), MIN(post_number) \
        FROM posts WHERE deleted_at IS NULL GROUP BY user_id, topic_id \
        ON CONFLICT (user_id, topic_id) DO UPDATE SET posted = TRUE, \
        post_count = excluded.post_count, first_post_number = excluded.first_post_number";
    exec!(tx, c => sqlx::query(SQL).execute(&mut **c).await)?;
    Ok(())
}

/// What writing post `post_number` means for its author's state in the topic, in one
/// statement: read up to it, and `level` (with its reason) as their level for the topic
/// unless they or a rule chose one before: a rule never overrides the member's choice.
pub async fn after_posting(
    tx: &mut Tx,
    (user, topic): (UserId, TopicId),
    post_number: i64,
    (level, reason): (NotificationLevel, LevelReason),
) -> Result<()> {
    const SQL: &str = "INSERT INTO topic_users (user_id, topic_id, last_read_post_number, \
        notification_level, notifications_reason_id) VALUES ($1, $2, $3, $4, $5) \
        ON CONFLICT (user_id, topic_id) DO UPDATE SET \
        last_read_post_number = CASE WHEN topic_users.last_read_post_number < $3 \
        THEN $3 ELSE topic_users.last_read_post_number END, \
        notification_level = CASE WHEN topic_users.notifications_reason_id IS NULL \
        THEN $4 ELSE topic_users.notification_level END, \
        notifications_reason_id = COALESCE(topic_users.notifications_reason_id, $5)";
    exec!(tx, c => sqlx::query(SQL)
        .bind(user.0)
        .bind(topic.0)
        .bind(post_number)
        .bind(level)
        .bind(reason.id())
        .execute(&mut **c)
        .await)?;
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
    /// Which of the page's posts they liked: bit `n - from` for post `n` (a page holds at most
    /// [`MAX_PAGE`] posts).
    pub liked: i64,
}

impl ReaderState {
    /// Whether they liked post `number` of the page that started at `from`.
    pub fn liked(&self, from: i64, number: i64) -> bool {
        let bit = number - from;
        (0..MAX_PAGE).contains(&bit) && self.liked & (1 << bit) != 0
    }
}

/// The most posts [`reader_state`] can tell likes of (the bits of an `i64`, sign left alone).
pub const MAX_PAGE: i64 = 62;

/// [`reader_state`]'s statement (its plan is checked in `tests/plans.rs`): `$1` the member,
/// `$2` the topic, `$3` its category, `$4`…`$5` the post numbers the page shows. The likes
/// are found from the page's posts (by the topic's key), each looked up in the likes' key:
/// never from the member's likes, which grow with everything they ever liked.
pub(crate) const READER_STATE: &str = "SELECT \
    (SELECT last_read_post_number FROM topic_users WHERE user_id = $1 AND topic_id = $2) \
        AS last_read, \
    (SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND topic_id = $2 \
        AND post_number >= $4 AND post_number <= $5 AND read = FALSE) \
        AS unread_notifications, \
    (SELECT notification_level FROM topic_users WHERE user_id = $1 AND topic_id = $2 \
        AND notifications_reason_id IS NOT NULL) AS topic_level, \
    (SELECT notification_level FROM category_users WHERE user_id = $1 \
        AND category_id = $3) AS category_level, \
    (SELECT CAST(COALESCE(SUM(CAST(1 AS BIGINT) << CAST(p.post_number - $4 AS INTEGER)), 0) \
        AS BIGINT) FROM posts p WHERE p.topic_id = $2 AND p.post_number >= $4 \
        AND p.post_number <= $5 AND EXISTS (SELECT 1 FROM post_actions a \
        WHERE a.post_id = p.id AND a.user_id = $1 AND a.post_action_type_id = 2)) AS liked";

/// One statement for a member's state on a page of a topic showing posts `from..=to` (at
/// most [`MAX_PAGE`] of them).
pub async fn reader_state(
    tx: &mut Tx,
    user: UserId,
    topic: TopicId,
    category: stoa_core::CategoryId,
    from: i64,
    to: i64,
) -> Result<ReaderState> {
    let to = to.min(from + MAX_PAGE - 1);
    Ok(run!(tx, c => sqlx::query_as(READER_STATE)
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
