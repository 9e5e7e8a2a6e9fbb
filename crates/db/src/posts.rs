//! Posts.

use stoa_core::{CategoryId, PostId, TopicId, UserId};

use crate::{Result, Timestamp, Tx, exec, run};

/// A post as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostRow {
    pub id: PostId,
    pub topic_id: TopicId,
    pub user_id: UserId,
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
    /// Set while the author has withdrawn this first post (see the migration).
    pub withdrawn_at: Option<Timestamp>,
}

/// A post with what a page shows beside it: its author, and whether the viewer liked it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostView {
    #[sqlx(flatten)]
    pub post: PostRow,
    pub username: String,
    pub name: String,
    pub author_admin: bool,
    pub reply_to_username: Option<String>,
    /// Who deleted it (for those who may see the deleted post).
    pub deleted_by_username: Option<String>,
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

/// Writes a new post and hands back its row as stored (defaults included), so the caller
/// does not read it back.
pub async fn insert(tx: &mut Tx, post: &NewPost<'_>) -> Result<PostRow> {
    const SQL: &str = "INSERT INTO posts (topic_id, user_id, post_number, reply_to_post_number, \
                       raw, cooked, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                       RETURNING id, topic_id, user_id, post_number, reply_to_post_number, raw, \
                       cooked, version, like_count, reply_count, created_at, updated_at, \
                       deleted_at, withdrawn_at";
    Ok(run!(tx, c => sqlx::query_as(SQL)
        .bind(post.topic_id.0)
        .bind(post.user_id.0)
        .bind(post.post_number)
        .bind(post.reply_to_post_number)
        .bind(post.raw)
        .bind(post.cooked)
        .bind(post.created_at)
        .fetch_one(&mut **c)
        .await)?)
}

pub async fn find(tx: &mut Tx, id: PostId) -> Result<Option<PostRow>> {
    const SQL: &str = "SELECT id, topic_id, user_id, post_number, reply_to_post_number, raw, \
                       cooked, version, like_count, reply_count, created_at, updated_at, \
                       deleted_at, withdrawn_at FROM posts WHERE id = $1";
    Ok(run!(tx, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut **c).await)?)
}

pub async fn find_by_number(tx: &mut Tx, topic: TopicId, number: i64) -> Result<Option<PostRow>> {
    const SQL: &str = "SELECT id, topic_id, user_id, post_number, reply_to_post_number, raw, \
                       cooked, version, like_count, reply_count, created_at, updated_at, \
                       deleted_at, withdrawn_at FROM posts WHERE topic_id = $1 AND post_number = $2";
    Ok(
        run!(tx, c => sqlx::query_as(SQL).bind(topic.0).bind(number).fetch_optional(&mut **c).await)?,
    )
}

/// The columns of [`PostView`] and the joins they need; `$1` is the viewer (0 for none).
pub(crate) const VIEW_SELECT: &str = "SELECT p.id, p.topic_id, p.user_id, u.username, u.name, \
    u.admin AS author_admin, p.post_number, p.reply_to_post_number, \
    ru.username AS reply_to_username, p.raw, p.cooked, p.version, p.like_count, p.reply_count, \
    p.created_at, p.updated_at, p.deleted_at, p.withdrawn_at, \
    du.username AS deleted_by_username, \
    EXISTS (SELECT 1 FROM post_actions a WHERE a.post_id = p.id AND a.user_id = $1 \
            AND a.post_action_type_id = 2) AS liked \
    FROM posts p \
    JOIN users u ON u.id = p.user_id \
    LEFT JOIN users du ON du.id = p.deleted_by_id \
    LEFT JOIN posts r ON r.topic_id = p.topic_id AND r.post_number = p.reply_to_post_number \
    LEFT JOIN users ru ON ru.id = r.user_id";

/// A topic's posts numbered `first..=last`, in order, deleted ones included (the page shows a
/// placeholder): a page reads the posts it shows off the `(topic_id, post_number)` key.
pub async fn numbered(
    tx: &mut Tx,
    topic: TopicId,
    viewer: Option<UserId>,
    first: i64,
    last: i64,
) -> Result<Vec<PostView>> {
    let sql = format!("{VIEW_SELECT} {NUMBERED}");
    Ok(run!(tx, c => sqlx::query_as(&sql)
        .bind(viewer.map_or(0, |u| u.0))
        .bind(topic.0)
        .bind(first)
        .bind(last)
        .fetch_all(&mut **c)
        .await)?)
}

/// [`numbered`]'s condition and order: `$2` topic, `$3`…`$4` the numbers.
pub(crate) const NUMBERED: &str =
    "WHERE p.topic_id = $2 AND p.post_number BETWEEN $3 AND $4 ORDER BY p.post_number";

/// These posts (at most [`MAX_IDS`] of them), in topic and post-number order; deleted ones
/// included, unknown ids left out.
pub async fn views(tx: &mut Tx, ids: &[PostId], viewer: Option<UserId>) -> Result<Vec<PostView>> {
    let ids = &ids[..ids.len().min(MAX_IDS)];
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = (0..ids.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("{VIEW_SELECT} WHERE p.id IN ({list}) ORDER BY p.topic_id, p.post_number");
    Ok(run!(tx, c => {
        let mut q = sqlx::query_as(&sql).bind(viewer.map_or(0, |u| u.0));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut **c).await
    })?)
}

/// The most ids [`views`] reads in one query.
pub const MAX_IDS: usize = 200;

pub(crate) const STREAM_ALL: &str =
    "SELECT id, post_number FROM posts WHERE topic_id = $1 ORDER BY post_number";
pub(crate) const STREAM_LIVE: &str = "SELECT id, post_number FROM posts \
    WHERE topic_id = $1 AND deleted_at IS NULL ORDER BY post_number";

/// The ids and numbers of a topic's posts in order (Discourse's `post_stream.stream`);
/// deleted posts only when `include_deleted`.
pub async fn stream(
    tx: &mut Tx,
    topic: TopicId,
    include_deleted: bool,
) -> Result<Vec<(PostId, i64)>> {
    let sql = if include_deleted {
        STREAM_ALL
    } else {
        STREAM_LIVE
    };
    Ok(run!(tx, c => sqlx::query_as(sql).bind(topic.0).fetch_all(&mut **c).await)?)
}

/// The ids of the posts that answer post `number` of a topic, in order, at most `limit`
/// (the `(topic_id, reply_to_post_number)` index finds them); deleted ones only when
/// `include_deleted`.
pub async fn reply_ids(
    tx: &mut Tx,
    topic: TopicId,
    number: i64,
    include_deleted: bool,
    limit: i64,
) -> Result<Vec<PostId>> {
    const SQL: &str = "SELECT id FROM posts WHERE topic_id = $1 AND reply_to_post_number = $2 \
                       AND ($3 OR deleted_at IS NULL) ORDER BY post_number LIMIT $4";
    Ok(run!(tx, c => sqlx::query_scalar(SQL)
        .bind(topic.0)
        .bind(number)
        .bind(include_deleted)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?)
}

/// The author of the topic's newest live post.
pub async fn last_poster(tx: &mut Tx, topic: TopicId) -> Result<Option<UserId>> {
    const SQL: &str = "SELECT user_id FROM posts WHERE topic_id = $1 AND deleted_at IS NULL \
                       ORDER BY post_number DESC LIMIT 1";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(topic.0).fetch_optional(&mut **c).await)?)
}

/// Who wrote the topic's live posts, most posts first, with how many each.
pub async fn participants(
    tx: &mut Tx,
    topic: TopicId,
    limit: i64,
) -> Result<Vec<(crate::users::NameMatch, i64)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: UserId,
        username: String,
        name: String,
        post_count: i64,
    }
    const SQL: &str = "SELECT u.id, u.username, u.name, COUNT(*) AS post_count \
        FROM posts p JOIN users u ON u.id = p.user_id \
        WHERE p.topic_id = $1 AND p.deleted_at IS NULL \
        GROUP BY u.id, u.username, u.name ORDER BY COUNT(*) DESC, MIN(p.post_number) LIMIT $2";
    let rows: Vec<Row> =
        run!(tx, c => sqlx::query_as(SQL).bind(topic.0).bind(limit).fetch_all(&mut **c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                crate::users::NameMatch {
                    id: r.id,
                    username: r.username,
                    name: r.name,
                },
                r.post_count,
            )
        })
        .collect())
}

/// A post with its topic, for the list of newest posts (`/posts.json`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LatestPostRow {
    pub id: PostId,
    pub topic_title: String,
    pub topic_slug: String,
    pub category_id: CategoryId,
}

/// The newest live posts in live topics with ids below `before`, newest first.
pub async fn latest(
    tx: &mut Tx,
    before: Option<PostId>,
    include_restricted: bool,
    limit: i64,
) -> Result<Vec<LatestPostRow>> {
    const SQL: &str = "SELECT p.id, t.title AS topic_title, t.slug AS topic_slug, t.category_id \
        FROM posts p JOIN topics t ON t.id = p.topic_id JOIN categories c ON c.id = t.category_id \
        WHERE p.id < $1 AND p.deleted_at IS NULL AND t.deleted_at IS NULL \
          AND ($2 OR c.read_restricted = FALSE) \
        ORDER BY p.id DESC LIMIT $3";
    Ok(run!(tx, c => sqlx::query_as(SQL)
        .bind(before.map_or(i64::MAX, |p| p.0))
        .bind(include_restricted)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?)
}

/// Each of these members' live posts, as (user id, count), from the counter on their row.
pub async fn counts_by_author(tx: &mut Tx, users: &[UserId]) -> Result<Vec<(UserId, i64)>> {
    let users = &users[..users.len().min(MAX_IDS)];
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let list = (1..=users.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT id, post_count FROM users WHERE id IN ({list})");
    Ok(run!(tx, c => {
        let mut q = sqlx::query_as(&sql);
        for u in users {
            q = q.bind(*u);
        }
        q.fetch_all(&mut **c).await
    })?)
}

/// The number of the first live post of a topic written at or after `at`.
pub async fn first_number_since(tx: &mut Tx, topic: TopicId, at: Timestamp) -> Result<Option<i64>> {
    const SQL: &str = "SELECT MIN(post_number) FROM posts WHERE topic_id = $1 \
                       AND created_at >= $2 AND deleted_at IS NULL";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(topic.0).bind(at).fetch_one(&mut **c).await)?)
}

/// Replaces a post's text after an edit, raising its version.
/// A new version of a post whose text stays (its topic's title or category changed).
pub async fn bump_version(tx: &mut Tx, id: PostId, at: Timestamp) -> Result<()> {
    const SQL: &str = "UPDATE posts SET version = version + 1, updated_at = $1 WHERE id = $2";
    exec!(tx, c => sqlx::query(SQL).bind(at).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

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

/// Withdraws (`at` set) or restores a first post: new text, a new version, the mark.
pub async fn set_withdrawn(
    tx: &mut Tx,
    id: PostId,
    raw: &str,
    cooked: &str,
    at: Option<Timestamp>,
    updated_at: Timestamp,
) -> Result<()> {
    const SQL: &str = "UPDATE posts SET raw = $1, cooked = $2, version = version + 1, \
        updated_at = $3, withdrawn_at = $4 WHERE id = $5";
    exec!(tx, c => sqlx::query(SQL)
        .bind(raw)
        .bind(cooked)
        .bind(updated_at)
        .bind(at)
        .bind(id.0)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// Whether anyone but `author` has a live post in the topic.
pub async fn others_replied(tx: &mut Tx, topic: TopicId, author: UserId) -> Result<bool> {
    const SQL: &str = "SELECT EXISTS (SELECT 1 FROM posts WHERE topic_id = $1 AND user_id <> $2 \
        AND deleted_at IS NULL)";
    Ok(
        run!(tx, c => sqlx::query_scalar(SQL).bind(topic.0).bind(author.0).fetch_one(&mut **c).await)?,
    )
}

/// Soft-deletes (`by` = Some) or restores (`by` = None) a post.
pub async fn set_deleted(tx: &mut Tx, id: PostId, by: Option<UserId>, at: Timestamp) -> Result<()> {
    crate::set_deleted_row(tx, crate::SoftDeleted::Posts, id.0, by, at).await
}

/// Moves the count of live replies to post `number` (posts whose `reply_to_post_number`
/// names it) by `by`.
pub async fn add_replies(tx: &mut Tx, topic: TopicId, number: i64, by: i64) -> Result<()> {
    const SQL: &str = "UPDATE posts SET reply_count = reply_count + $1 \
                       WHERE topic_id = $2 AND post_number = $3";
    exec!(tx, c => sqlx::query(SQL).bind(by).bind(topic.0).bind(number).execute(&mut **c).await)?;
    Ok(())
}

/// A member's post for the profile page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserPostRow {
    pub topic_id: TopicId,
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
