//! Topics and topic lists.

use stoa_core::{CategoryId, TopicId, UserId};

use crate::{Result, Timestamp, Tx, exec, run};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopicRow {
    pub id: TopicId,
    pub title: String,
    pub slug: String,
    pub category_id: CategoryId,
    pub user_id: UserId,
    pub posts_count: i64,
    pub reply_count: i64,
    pub highest_post_number: i64,
    pub like_count: i64,
    pub views: i64,
    pub closed: bool,
    pub created_at: Timestamp,
    pub bumped_at: Timestamp,
    pub last_posted_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// Whether the topic's category is read-restricted (staff only).
    pub category_read_restricted: bool,
}

#[derive(Debug)]
pub struct NewTopic<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub category_id: CategoryId,
    pub user_id: UserId,
    pub created_at: Timestamp,
}

pub async fn insert(tx: &mut Tx, topic: &NewTopic<'_>) -> Result<TopicId> {
    const SQL: &str = "INSERT INTO topics (title, slug, category_id, user_id, created_at, \
                       bumped_at, last_posted_at, last_post_user_id) \
                       VALUES ($1, $2, $3, $4, $5, $5, $5, $4) RETURNING id";
    let id: i64 = run!(tx, c => sqlx::query_scalar(SQL)
        .bind(topic.title)
        .bind(topic.slug)
        .bind(topic.category_id.0)
        .bind(topic.user_id.0)
        .bind(topic.created_at)
        .fetch_one(&mut **c)
        .await)?;
    Ok(TopicId(id))
}

pub async fn find(tx: &mut Tx, id: TopicId) -> Result<Option<TopicRow>> {
    const SQL: &str = "SELECT id, title, slug, category_id, user_id, posts_count, reply_count, \
                       highest_post_number, like_count, views, closed, created_at, bumped_at, \
                       last_posted_at, deleted_at, \
                       (SELECT read_restricted FROM categories c WHERE c.id = topics.category_id) \
                       AS category_read_restricted FROM topics WHERE id = $1";
    Ok(run!(tx, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut **c).await)?)
}

/// Takes the next post number of a topic (inside the write transaction that inserts the post).
pub async fn take_post_number(tx: &mut Tx, id: TopicId) -> Result<i64> {
    const SQL: &str = "UPDATE topics SET highest_post_number = highest_post_number + 1 \
                       WHERE id = $1 RETURNING highest_post_number";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(id.0).fetch_one(&mut **c).await)?)
}

/// Moves a topic to the top of /latest after a new post.
pub async fn bump(tx: &mut Tx, id: TopicId, at: Timestamp, poster: UserId) -> Result<()> {
    const SQL: &str = "UPDATE topics SET bumped_at = $1, last_posted_at = $1, \
                       last_post_user_id = $2 WHERE id = $3";
    exec!(tx, c => sqlx::query(SQL).bind(at).bind(poster.0).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

/// Recounts posts, replies and likes from the rows themselves (exact under concurrency).
pub async fn recount(tx: &mut Tx, id: TopicId) -> Result<()> {
    const SQL: &str = "UPDATE topics SET \
        posts_count = (SELECT COUNT(*) FROM posts WHERE topic_id = $1 AND deleted_at IS NULL), \
        reply_count = (SELECT COUNT(*) FROM posts WHERE topic_id = $1 AND deleted_at IS NULL \
                       AND post_number > 1), \
        like_count = (SELECT COALESCE(SUM(like_count), 0) FROM posts WHERE topic_id = $1 \
                      AND deleted_at IS NULL) \
        WHERE id = $1";
    exec!(tx, c => sqlx::query(SQL).bind(id.0).execute(&mut **c).await)?;
    refeature(tx, id).await
}

/// How many members a topic list shows beside the creator and the last poster.
pub const FEATURED_POSTERS: usize = 3;

/// Chooses a topic's featured posters: those with the most posts in it (the earliest first
/// among equals), leaving out its creator and its last poster, who are shown anyway. One
/// grouped pass over the topic's posts, beside the counts [`recount`] takes; ranked as
/// migration 0014 ranked the topics written before it.
async fn refeature(tx: &mut Tx, id: TopicId) -> Result<()> {
    const RANKED: &str = "SELECT p.user_id FROM posts p JOIN topics t ON t.id = p.topic_id \
        WHERE p.topic_id = $1 AND p.deleted_at IS NULL AND p.user_id <> t.user_id \
        AND p.user_id <> t.last_post_user_id \
        GROUP BY p.user_id ORDER BY COUNT(*) DESC, MIN(p.post_number) LIMIT $2";
    const SET: &str = "UPDATE topics SET featured_user1_id = $1, featured_user2_id = $2, \
        featured_user3_id = $3 WHERE id = $4";
    let ranked: Vec<i64> = run!(&mut *tx, c => sqlx::query_scalar(RANKED)
        .bind(id.0)
        .bind(FEATURED_POSTERS as i64)
        .fetch_all(&mut **c)
        .await)?;
    let featured = |i: usize| ranked.get(i).copied();
    exec!(tx, c => sqlx::query(SET)
        .bind(featured(0))
        .bind(featured(1))
        .bind(featured(2))
        .bind(id.0)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

pub async fn set_title(tx: &mut Tx, id: TopicId, title: &str, slug: &str) -> Result<()> {
    const SQL: &str = "UPDATE topics SET title = $1, slug = $2 WHERE id = $3";
    exec!(tx, c => sqlx::query(SQL).bind(title).bind(slug).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

/// Adds `n` views to a topic's count.
pub async fn add_views(tx: &mut Tx, id: TopicId, n: i64) -> Result<u64> {
    const SQL: &str = "UPDATE topics SET views = views + $1 WHERE id = $2";
    Ok(exec!(tx, c => sqlx::query(SQL).bind(n).bind(id.0).execute(&mut **c).await)?)
}

/// Moves a topic to another category.
pub async fn set_category(tx: &mut Tx, id: TopicId, category: CategoryId) -> Result<()> {
    const SQL: &str = "UPDATE topics SET category_id = $1 WHERE id = $2";
    exec!(tx, c => sqlx::query(SQL).bind(category.0).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

/// Soft-deletes (`by` = Some) or restores (`by` = None) a topic.
pub async fn set_deleted(
    tx: &mut Tx,
    id: TopicId,
    by: Option<UserId>,
    at: Timestamp,
) -> Result<()> {
    crate::set_deleted_row(tx, crate::SoftDeleted::Topics, id.0, by, at).await
}

pub async fn add_view(tx: &mut Tx, id: TopicId) -> Result<()> {
    const SQL: &str = "UPDATE topics SET views = views + 1 WHERE id = $1";
    exec!(tx, c => sqlx::query(SQL).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM topics";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).fetch_one(&mut **c).await)?)
}

/// One row of a topic list, with what the list shows beside the title.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopicListRow {
    pub id: TopicId,
    pub title: String,
    pub slug: String,
    pub category_id: CategoryId,
    pub category_name: String,
    pub category_slug: String,
    /// Badge colour (hex, no `#`).
    pub category_color: String,
    /// The category's parent, when it is a subcategory (its name and slug are empty when not).
    pub parent_category_id: Option<CategoryId>,
    pub parent_category_name: String,
    pub parent_category_slug: String,
    pub parent_category_color: String,
    pub user_id: UserId,
    pub author: String,
    pub author_name: String,
    pub last_poster_id: UserId,
    pub last_poster: String,
    pub last_poster_name: String,
    /// The featured posters ([`refeature`]), each id with its username and name.
    pub featured1_id: Option<UserId>,
    pub featured1: Option<String>,
    pub featured1_name: Option<String>,
    pub featured2_id: Option<UserId>,
    pub featured2: Option<String>,
    pub featured2_name: Option<String>,
    pub featured3_id: Option<UserId>,
    pub featured3: Option<String>,
    pub featured3_name: Option<String>,
    pub posts_count: i64,
    pub reply_count: i64,
    pub highest_post_number: i64,
    pub like_count: i64,
    pub views: i64,
    pub closed: bool,
    pub created_at: Timestamp,
    pub bumped_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// The viewer's last read post here; None when never opened or anonymous.
    pub last_read_post_number: Option<i64>,
    /// False when the viewer chose normal or muted for the topic: no unread count then.
    pub show_unread: bool,
}

/// Which of Discourse's lists: what it holds and in what order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListKind {
    /// Everything, newest activity first.
    #[default]
    Latest,
    /// Created since then and never opened by the viewer.
    New { since: Timestamp },
    /// Opened by the viewer, with posts since, and followed (tracking or watching).
    Unread,
    /// Created since then (or ever), most liked and answered first.
    Top { since: Option<Timestamp> },
}

impl ListKind {
    fn since(self) -> Option<Timestamp> {
        match self {
            ListKind::New { since } => Some(since),
            ListKind::Top { since } => since,
            ListKind::Latest | ListKind::Unread => None,
        }
    }

    /// The conditions the kind adds; `$7` is [`Self::since`] (NULL when none).
    fn condition(self) -> &'static str {
        match self {
            ListKind::Latest | ListKind::Top { .. } => "",
            ListKind::New { .. } => " AND tu.last_read_post_number IS NULL",
            ListKind::Unread => {
                " AND tu.last_read_post_number < t.highest_post_number \
                 AND NOT (tu.notifications_reason_id IS NOT NULL AND tu.notification_level < 2)"
            }
        }
    }

    fn order(self) -> &'static str {
        match self {
            ListKind::Top { .. } => "t.top_score DESC, t.views DESC, t.bumped_at DESC, t.id DESC",
            _ => "t.bumped_at DESC, t.id DESC",
        }
    }
}

/// Which topics a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter {
    pub kind: ListKind,
    pub category: Option<CategoryId>,
    pub author: Option<UserId>,
    pub include_deleted: bool,
    /// Include topics of read-restricted categories (for staff).
    pub include_restricted: bool,
    /// Leave out what the viewer muted, by topic or by category (the latest list).
    pub hide_muted: bool,
    /// Whose read state to join; None for anonymous visitors.
    pub viewer: Option<UserId>,
}

/// The conditions [`list`] and [`list_count`] share. `$1` viewer, `$2` category, `$3` author,
/// `$4` include deleted, `$5` include restricted, `$6` hide muted, `$7` created since; `tu` is
/// the viewer's `topic_users` row.
const LIST_WHERE: &str = "WHERE ($2 IS NULL OR t.category_id = $2) \
      AND ($7 IS NULL OR t.created_at >= $7) \
      AND ($3 IS NULL OR t.user_id = $3) \
      AND ($4 OR t.deleted_at IS NULL) \
      AND ($5 OR c.read_restricted = FALSE) \
      AND NOT ($6 AND ( \
          (tu.notifications_reason_id IS NOT NULL AND tu.notification_level = 0) \
          OR (tu.notifications_reason_id IS NULL AND EXISTS (SELECT 1 FROM category_users cu \
              WHERE cu.user_id = $1 AND cu.category_id = t.category_id \
              AND cu.notification_level = 0))))";

/// The text of [`list`]'s query for a kind of list.
pub(crate) fn list_sql(kind: ListKind) -> String {
    format!(
        "SELECT t.id, t.title, t.slug, t.category_id, c.name AS category_name, \
        c.slug AS category_slug, c.color AS category_color, c.parent_id AS parent_category_id, \
        COALESCE(pc.name, '') AS parent_category_name, \
        COALESCE(pc.slug, '') AS parent_category_slug, \
        COALESCE(pc.color, '') AS parent_category_color, \
        t.user_id, a.username AS author, a.name AS author_name, \
        t.last_post_user_id AS last_poster_id, l.username AS last_poster, l.name AS last_poster_name, \
        t.featured_user1_id AS featured1_id, f1.username AS featured1, f1.name AS featured1_name, \
        t.featured_user2_id AS featured2_id, f2.username AS featured2, f2.name AS featured2_name, \
        t.featured_user3_id AS featured3_id, f3.username AS featured3, f3.name AS featured3_name, \
        t.posts_count, t.reply_count, t.highest_post_number, t.like_count, t.views, t.closed, \
        t.created_at, t.bumped_at, t.deleted_at, tu.last_read_post_number, \
        CASE WHEN tu.notifications_reason_id IS NOT NULL AND tu.notification_level < 2 \
             THEN FALSE ELSE TRUE END AS show_unread \
        FROM topics t \
        JOIN categories c ON c.id = t.category_id \
        LEFT JOIN categories pc ON pc.id = c.parent_id \
        JOIN users a ON a.id = t.user_id \
        JOIN users l ON l.id = t.last_post_user_id \
        LEFT JOIN users f1 ON f1.id = t.featured_user1_id \
        LEFT JOIN users f2 ON f2.id = t.featured_user2_id \
        LEFT JOIN users f3 ON f3.id = t.featured_user3_id \
        LEFT JOIN topic_users tu ON tu.topic_id = t.id AND tu.user_id = $1 \
        {LIST_WHERE}{kind} \
        ORDER BY {order} LIMIT $8 OFFSET $9",
        kind = kind.condition(),
        order = kind.order(),
    )
}

/// Topics in the kind's order (Latest: newest activity first).
pub async fn list(
    tx: &mut Tx,
    f: ListFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<TopicListRow>> {
    let sql = list_sql(f.kind);
    Ok(run!(tx, c => sqlx::query_as(&sql)
        .bind(f.viewer.map_or(0, |u| u.0))
        .bind(f.category.map(|c| c.0))
        .bind(f.author.map(|u| u.0))
        .bind(f.include_deleted)
        .bind(f.include_restricted)
        .bind(f.hide_muted)
        .bind(f.kind.since())
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)?)
}

/// How many topics [`list`] would show over all pages.
pub async fn list_count(tx: &mut Tx, f: ListFilter) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM topics t JOIN categories c ON c.id = t.category_id \
        LEFT JOIN topic_users tu ON tu.topic_id = t.id AND tu.user_id = $1 {LIST_WHERE}{kind}",
        kind = f.kind.condition(),
    );
    Ok(run!(tx, c => sqlx::query_scalar(&sql)
        .bind(f.viewer.map_or(0, |u| u.0))
        .bind(f.category.map(|c| c.0))
        .bind(f.author.map(|u| u.0))
        .bind(f.include_deleted)
        .bind(f.include_restricted)
        .bind(f.hide_muted)
        .bind(f.kind.since())
        .fetch_one(&mut **c)
        .await)?)
}
