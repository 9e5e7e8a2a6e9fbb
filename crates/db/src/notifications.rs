//! Notifications (`notifications`), newest first. What a notification says about its topic and
//! post is checked against the topic and post as they are now: one about a deleted post is not
//! shown (or counted) to anyone who may not see deleted content, and comes back on restore.

use stoa_core::{TopicId, UserId};

use crate::{Result, Timestamp, Tx, exec, run};

/// A notification about to be stored.
#[derive(Debug)]
pub struct NewNotification<'a> {
    pub user: UserId,
    pub kind: i64,
    pub topic: Option<TopicId>,
    pub post_number: Option<i64>,
    pub acting_user: Option<UserId>,
    /// JSON, as Discourse's `data` column.
    pub data: &'a str,
    pub at: Timestamp,
}

/// A notification with what a list needs of its topic.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: UserId,
    pub notification_type: i64,
    pub topic_id: Option<TopicId>,
    pub post_number: Option<i64>,
    pub acting_user_id: Option<UserId>,
    pub data: String,
    pub read: bool,
    pub high_priority: bool,
    pub created_at: Timestamp,
    pub topic_title: Option<String>,
    pub topic_slug: Option<String>,
}

/// The join and visibility filter every read shares; `$1` is the member, `$2` whether they
/// are staff (who see deleted content and read-restricted categories).
const VISIBLE: &str = "FROM notifications n \
    LEFT JOIN topics t ON t.id = n.topic_id \
    LEFT JOIN categories c ON c.id = t.category_id \
    LEFT JOIN posts p ON p.topic_id = n.topic_id AND p.post_number = n.post_number \
    WHERE n.user_id = $1 AND ($2 OR (t.deleted_at IS NULL AND p.deleted_at IS NULL \
        AND (c.read_restricted IS NULL OR c.read_restricted = FALSE)))";

pub async fn insert(tx: &mut Tx, n: &NewNotification<'_>) -> Result<i64> {
    const SQL: &str = "INSERT INTO notifications (user_id, notification_type, topic_id, \
        post_number, acting_user_id, data, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";
    Ok(run!(tx, c => sqlx::query_scalar(SQL)
        .bind(n.user.0)
        .bind(n.kind)
        .bind(n.topic.map(|t| t.0))
        .bind(n.post_number)
        .bind(n.acting_user.map(|u| u.0))
        .bind(n.data)
        .bind(n.at)
        .fetch_one(&mut **c)
        .await)?)
}

/// The newest notification of `kind` about one post that is unread or newer than `since`
/// (likes merge into it).
pub async fn find_recent(
    tx: &mut Tx,
    user: UserId,
    kind: i64,
    topic: TopicId,
    post_number: i64,
    since: Timestamp,
) -> Result<Option<(i64, String)>> {
    const SQL: &str = "SELECT id, data FROM notifications WHERE user_id = $1 \
        AND notification_type = $2 AND topic_id = $3 AND post_number = $4 \
        AND (read = FALSE OR created_at >= $5) ORDER BY id DESC LIMIT 1";
    Ok(run!(tx, c => sqlx::query_as(SQL)
        .bind(user.0)
        .bind(kind)
        .bind(topic.0)
        .bind(post_number)
        .bind(since)
        .fetch_optional(&mut **c)
        .await)?)
}

/// Rewrites a notification (a like merged in): new text, unread again, newest again.
pub async fn refresh(
    tx: &mut Tx,
    id: i64,
    acting_user: UserId,
    data: &str,
    at: Timestamp,
) -> Result<()> {
    const SQL: &str = "UPDATE notifications SET data = $1, acting_user_id = $2, read = FALSE, \
        created_at = $3, updated_at = $3 WHERE id = $4";
    exec!(tx, c => sqlx::query(SQL).bind(data).bind(acting_user.0).bind(at).bind(id).execute(&mut **c).await)?;
    Ok(())
}

/// Rewrites a notification's text without making it new (a like taken back).
pub async fn rewrite(tx: &mut Tx, id: i64, acting_user: UserId, data: &str) -> Result<()> {
    const SQL: &str = "UPDATE notifications SET data = $1, acting_user_id = $2 WHERE id = $3";
    exec!(tx, c => sqlx::query(SQL).bind(data).bind(acting_user.0).bind(id).execute(&mut **c).await)?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: i64, at: Timestamp) -> Result<()> {
    // An email waiting to tell of it goes too (it would describe something that is gone).
    const EMAILS: &str = "UPDATE email_queue SET notification_id = NULL, failed_at = $2, \
        last_error = 'the notification was withdrawn' \
        WHERE notification_id = $1 AND sent_at IS NULL AND failed_at IS NULL";
    const EMAIL_LINKS: &str =
        "UPDATE email_queue SET notification_id = NULL WHERE notification_id = $1";
    const SQL: &str = "DELETE FROM notifications WHERE id = $1";
    exec!(tx, c => sqlx::query(EMAILS).bind(id).bind(at).execute(&mut **c).await)?;
    exec!(tx, c => sqlx::query(EMAIL_LINKS).bind(id).execute(&mut **c).await)?;
    exec!(tx, c => sqlx::query(SQL).bind(id).execute(&mut **c).await)?;
    Ok(())
}

/// One page of a member's notifications, newest first.
pub async fn list(
    tx: &mut Tx,
    user: UserId,
    see_deleted: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<NotificationRow>> {
    let sql = format!(
        "SELECT n.id, n.user_id, n.notification_type, n.topic_id, n.post_number, \
         n.acting_user_id, n.data, n.read, n.high_priority, n.created_at, \
         t.title AS topic_title, t.slug AS topic_slug {VISIBLE} \
         ORDER BY n.created_at DESC, n.id DESC LIMIT $3 OFFSET $4"
    );
    Ok(run!(tx, c => sqlx::query_as(&sql)
        .bind(user.0)
        .bind(see_deleted)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)?)
}

/// The unread count of member `u` (a `users u` row in the outer query), with the same
/// visibility as [`VISIBLE`]; staff are the admins.
pub(crate) const UNREAD_OF_U: &str = "(SELECT COUNT(*) FROM notifications n \
    LEFT JOIN topics t ON t.id = n.topic_id \
    LEFT JOIN categories c ON c.id = t.category_id \
    LEFT JOIN posts p ON p.topic_id = n.topic_id AND p.post_number = n.post_number \
    WHERE n.user_id = u.id AND n.read = FALSE AND (u.admin OR (t.deleted_at IS NULL \
        AND p.deleted_at IS NULL \
        AND (c.read_restricted IS NULL OR c.read_restricted = FALSE))))";

/// How many notifications the member has in all, and how many of them are unread.
pub async fn counts(tx: &mut Tx, user: UserId, see_deleted: bool) -> Result<(i64, i64)> {
    let sql =
        format!("SELECT COUNT(*), COALESCE(SUM(CASE WHEN n.read THEN 0 ELSE 1 END), 0) {VISIBLE}");
    Ok(
        run!(tx, c => sqlx::query_as(&sql).bind(user.0).bind(see_deleted).fetch_one(&mut **c).await)?,
    )
}

/// Marks one of the member's notifications read; false if it is not theirs.
pub async fn mark_read(tx: &mut Tx, user: UserId, id: i64) -> Result<bool> {
    const SQL: &str = "UPDATE notifications SET read = TRUE WHERE id = $1 AND user_id = $2";
    let done = exec!(tx, c => sqlx::query(SQL).bind(id).bind(user.0).execute(&mut **c).await)?;
    Ok(done == 1)
}

pub async fn mark_all_read(tx: &mut Tx, user: UserId) -> Result<u64> {
    const SQL: &str = "UPDATE notifications SET read = TRUE WHERE user_id = $1 AND read = FALSE";
    Ok(exec!(tx, c => sqlx::query(SQL).bind(user.0).execute(&mut **c).await)?)
}

/// Marks read the member's notifications about posts `numbers` of a topic (they have now
/// seen those posts); the others about the topic stay as they are.
pub async fn mark_read_for_posts(
    tx: &mut Tx,
    user: UserId,
    topic: TopicId,
    numbers: &[i64],
) -> Result<u64> {
    if numbers.is_empty() {
        return Ok(0);
    }
    let placeholders: Vec<String> = (0..numbers.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "UPDATE notifications SET read = TRUE WHERE user_id = $1 AND topic_id = $2 \
         AND post_number IN ({}) AND read = FALSE",
        placeholders.join(", ")
    );
    Ok(exec!(tx, c => {
        let mut q = sqlx::query(&sql).bind(user.0).bind(topic.0);
        for n in numbers {
            q = q.bind(*n);
        }
        q.execute(&mut **c).await
    })?)
}

/// Whether a notification is still unread (the mailer skips emails about read ones).
pub async fn is_unread(tx: &mut Tx, id: i64) -> Result<bool> {
    const SQL: &str = "SELECT read FROM notifications WHERE id = $1";
    let read: Option<bool> =
        run!(tx, c => sqlx::query_scalar(SQL).bind(id).fetch_optional(&mut **c).await)?;
    Ok(read == Some(false))
}
