//! Posts.

use stoa_core::{PostId, TopicId, UserId};

use crate::{Result, Timestamp, Tx, exec, run};

/// A post as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostRow {
    pub id: i64,
    pub topic_id: i64,
    pub user_id: i64,
    pub post_number: i64,
    pub reply_to_post_number: Option<i64>,
    pub raw: String,
    pub cooked: String,
    pub version: i64,
    pub like_count: i64,
    pub reply_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl PostRow {
    pub fn post_id(&self) -> PostId {
        PostId(self.id)
    }
}

/// A post with what a page shows beside it: its author, and whether the viewer liked it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostView {
    pub id: i64,
    pub topic_id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub post_number: i64,
    pub reply_to_post_number: Option<i64>,
    pub reply_to_username: Option<String>,
    pub raw: String,
    pub cooked: String,
    pub version: i64,
    pub like_count: i64,
    pub reply_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    pub liked: bool,
}

#[derive(Debug)]
pub struct NewPost<'a> {
    pub topic_id: TopicId,
    pub user_id: UserId,
    pub post_number: i64,
    pub reply_to_post_number: Option<i64>,
    pub raw: &'a str,
    pub cooked: &'a str,
    pub created_at: Timestamp,
}

pub async fn insert(tx: &mut Tx, post: &NewPost<'_>) -> Result<PostId> {
    const SQL: &str = "INSERT INTO posts (topic_id, user_id, post_number, reply_to_post_number, \
                       raw, cooked, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";
    let id: i64 = run!(tx, c => sqlx::query_scalar(SQL)
        .bind(post.topic_id.0)
        .bind(post.user_id.0)
        .bind(post.post_number)
        .bind(post.reply_to_post_number)
        .bind(post.raw)
        .bind(post.cooked)
        .bind(post.created_at)
        .fetch_one(&mut **c)
        .await)?;
    Ok(PostId(id))
}

pub async fn find(tx: &mut Tx, id: PostId) -> Result<Option<PostRow>> {
    const SQL: &str = "SELECT id, topic_id, user_id, post_number, reply_to_post_number, raw, \
                       cooked, version, like_count, reply_count, created_at, updated_at, \
                       deleted_at FROM posts WHERE id = $1";
    Ok(run!(tx, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut **c).await)?)
}

pub async fn find_by_number(tx: &mut Tx, topic: TopicId, number: i64) -> Result<Option<PostRow>> {
    const SQL: &str = "SELECT id, topic_id, user_id, post_number, reply_to_post_number, raw, \
                       cooked, version, like_count, reply_count, created_at, updated_at, \
                       deleted_at FROM posts WHERE topic_id = $1 AND post_number = $2";
    Ok(
        run!(tx, c => sqlx::query_as(SQL).bind(topic.0).bind(number).fetch_optional(&mut **c).await)?,
    )
}

/// One page of a topic's posts in order, deleted ones included (the page shows a placeholder).
pub async fn page(
    tx: &mut Tx,
    topic: TopicId,
    viewer: Option<UserId>,
    limit: i64,
    offset: i64,
) -> Result<Vec<PostView>> {
    const SQL: &str = "SELECT p.id, p.topic_id, p.user_id, u.username, u.name, p.post_number, \
        p.reply_to_post_number, ru.username AS reply_to_username, p.raw, p.cooked, p.version, \
        p.like_count, p.reply_count, p.created_at, p.updated_at, p.deleted_at, \
        EXISTS (SELECT 1 FROM post_actions a WHERE a.post_id = p.id AND a.user_id = $2 \
                AND a.post_action_type_id = 2) AS liked \
        FROM posts p \
        JOIN users u ON u.id = p.user_id \
        LEFT JOIN posts r ON r.topic_id = p.topic_id AND r.post_number = p.reply_to_post_number \
        LEFT JOIN users ru ON ru.id = r.user_id \
        WHERE p.topic_id = $1 \
        ORDER BY p.post_number LIMIT $3 OFFSET $4";
    Ok(run!(tx, c => sqlx::query_as(SQL)
        .bind(topic.0)
        .bind(viewer.map_or(0, |u| u.0))
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)?)
}

/// How many posts of the topic come before post `number` (to find the page it is on).
pub async fn count_before(tx: &mut Tx, topic: TopicId, number: i64) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM posts WHERE topic_id = $1 AND post_number < $2";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(topic.0).bind(number).fetch_one(&mut **c).await)?)
}

pub async fn count_in_topic(tx: &mut Tx, topic: TopicId) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM posts WHERE topic_id = $1";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(topic.0).fetch_one(&mut **c).await)?)
}

/// Replaces a post's text after an edit, raising its version.
pub async fn update_raw(
    tx: &mut Tx,
    id: PostId,
    raw: &str,
    cooked: &str,
    at: Timestamp,
) -> Result<()> {
    const SQL: &str = "UPDATE posts SET raw = $1, cooked = $2, version = version + 1, \
                       updated_at = $3 WHERE id = $4";
    exec!(tx, c => sqlx::query(SQL).bind(raw).bind(cooked).bind(at).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

/// Soft-deletes (`by` = Some) or restores (`by` = None) a post.
pub async fn set_deleted(tx: &mut Tx, id: PostId, by: Option<UserId>, at: Timestamp) -> Result<()> {
    const SQL: &str = "UPDATE posts SET deleted_at = CASE WHEN $1 IS NULL THEN NULL ELSE $2 END, \
                       deleted_by_id = $1 WHERE id = $3";
    exec!(tx, c => sqlx::query(SQL)
        .bind(by.map(|u| u.0))
        .bind(at)
        .bind(id.0)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// Recounts the live replies to a post (posts whose `reply_to_post_number` names it).
pub async fn recount_replies(tx: &mut Tx, topic: TopicId, number: i64) -> Result<()> {
    const SQL: &str = "UPDATE posts SET reply_count = (SELECT COUNT(*) FROM posts r \
                       WHERE r.topic_id = $1 AND r.reply_to_post_number = $2 \
                       AND r.deleted_at IS NULL) \
                       WHERE topic_id = $1 AND post_number = $2";
    exec!(tx, c => sqlx::query(SQL).bind(topic.0).bind(number).execute(&mut **c).await)?;
    Ok(())
}

/// A member's post for the profile page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserPostRow {
    pub topic_id: i64,
    pub topic_title: String,
    pub topic_slug: String,
    pub post_number: i64,
    pub cooked: String,
    pub created_at: Timestamp,
}

/// A member's most recent live replies (post number > 1) in live topics.
pub async fn recent_replies_by(
    tx: &mut Tx,
    user: UserId,
    include_restricted: bool,
    limit: i64,
) -> Result<Vec<UserPostRow>> {
    const SQL: &str = "SELECT p.topic_id, t.title AS topic_title, t.slug AS topic_slug, \
        p.post_number, p.cooked, p.created_at FROM posts p JOIN topics t ON t.id = p.topic_id \
        JOIN categories c ON c.id = t.category_id \
        WHERE p.user_id = $1 AND p.post_number > 1 AND p.deleted_at IS NULL \
          AND t.deleted_at IS NULL AND ($3 OR c.read_restricted = FALSE) \
        ORDER BY p.created_at DESC, p.id DESC LIMIT $2";
    Ok(
        run!(tx, c => sqlx::query_as(SQL).bind(user.0).bind(limit).bind(include_restricted).fetch_all(&mut **c).await)?,
    )
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM posts";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).fetch_one(&mut **c).await)?)
}
