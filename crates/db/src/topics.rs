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

/// Takes the next post number of a topic for a post written at `at` by `poster`, and makes
/// that post the topic's last: bumped to the top of Latest (inside the write transaction
/// that inserts the post; one statement for both).
pub async fn take_post_number(
    tx: &mut Tx,
    id: TopicId,
    at: Timestamp,
    poster: UserId,
) -> Result<i64> {
    const SQL: &str = "UPDATE topics SET highest_post_number = highest_post_number + 1, \
                       bumped_at = $2, last_posted_at = $2, last_post_user_id = $3 \
                       WHERE id = $1 RETURNING highest_post_number";
    Ok(run!(tx, c => sqlx::query_scalar(SQL)
        .bind(id.0)
        .bind(at)
        .bind(poster.0)
        .fetch_one(&mut **c)
        .await)?)
}

/// A topic written in bulk by the benchmarks' generator, its posts numbered 1 to `posts` by
/// the generator: its highest number and its last post, set once (a post at a time, the three
/// indexes on `bumped_at` would move twenty times per topic).
pub async fn loaded(
    tx: &mut Tx,
    id: TopicId,
    posts: i64,
    (at, poster): (Timestamp, UserId),
) -> Result<()> {
    const SQL: &str = "UPDATE topics SET highest_post_number = $2, bumped_at = $3, \
                       last_posted_at = $3, last_post_user_id = $4 WHERE id = $1";
    exec!(tx, c => sqlx::query(SQL)
        .bind(id.0)
        .bind(posts)
        .bind(at)
        .bind(poster.0)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// How much a write moves a topic's counters (negative numbers lower them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopicCounts {
    pub posts: i64,
    pub replies: i64,
    pub likes: i64,
}

/// Moves a topic's counters by the difference a write made. Nothing is recounted from the
/// rows, so the cost does not grow with the topic; each write changes them inside its own
/// transaction, by what it changed ([`crate::audit`] proves them exact in tests).
pub async fn add_counts(tx: &mut Tx, id: TopicId, by: TopicCounts) -> Result<()> {
    const SQL: &str = "UPDATE topics SET posts_count = posts_count + $1, \
        reply_count = reply_count + $2, like_count = like_count + $3 WHERE id = $4";
    exec!(tx, c => sqlx::query(SQL)
        .bind(by.posts)
        .bind(by.replies)
        .bind(by.likes)
        .bind(id.0)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// One of a topic's featured posters, by rank from 0: those with the most live posts in it
/// (the earliest first among equals), leaving out its creator and its last poster, who are
/// shown anyway. Read off the counts `reads::add_posted` keeps (index `topic_users_posters`):
/// a few index entries, however long the topic.
macro_rules! featured {
    ($rank:literal) => {
        concat!(
            "(SELECT tu.user_id FROM topic_users tu WHERE tu.topic_id = $1 \
             AND tu.post_count > 0 AND tu.user_id <> topics.user_id \
             AND tu.user_id <> topics.last_post_user_id \
             ORDER BY tu.post_count DESC, tu.first_post_number LIMIT 1 OFFSET ",
            $rank,
            ")"
        )
    };
}

/// [`post_counts`]'s statement (its plan is checked in `tests/plans.rs`).
pub(crate) const POST_COUNTS: &str = concat!(
    "UPDATE topics SET posts_count = posts_count + $2, reply_count = reply_count + $3, \
     like_count = like_count + $4, featured_user1_id = ",
    featured!("0"),
    ", featured_user2_id = ",
    featured!("1"),
    ", featured_user3_id = ",
    featured!("2"),
    " WHERE id = $1"
);

/// A post arrived, went or came back: moves the topic's counters by `by` and chooses its
/// featured posters again (after `reads::add_posted` moved the author's count), in one
/// statement.
pub async fn post_counts(tx: &mut Tx, id: TopicId, by: TopicCounts) -> Result<()> {
    exec!(tx, c => sqlx::query(POST_COUNTS)
        .bind(id.0)
        .bind(by.posts)
        .bind(by.replies)
        .bind(by.likes)
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
    /// The featured posters ([`post_counts`]), each id with its username and name.
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

    /// The condition the kind adds on the viewer's read state (`tu`), if any.
    fn condition(self) -> Option<&'static str> {
        match self {
            ListKind::Latest | ListKind::Top { .. } => None,
            ListKind::New { .. } => Some("tu.last_read_post_number IS NULL"),
            ListKind::Unread => Some(
                "tu.last_read_post_number < t.highest_post_number \
                 AND NOT (tu.notifications_reason_id IS NOT NULL AND tu.notification_level < 2)",
            ),
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

/// A value a list query binds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ListArg {
    Int(i64),
    Time(Timestamp),
}

/// A list query: its text, with `$1…` placeholders, and what they bind, in order.
#[derive(Debug)]
pub(crate) struct ListQuery {
    pub sql: String,
    pub args: Vec<ListArg>,
}

/// The query for one page of a list. Each filter that applies adds its own condition (none is
/// written as `$n IS NULL OR …`, which keeps the planner off the index the filter could use),
/// visitors join no read state, and the page asks for `limit` rows — the caller asks one more
/// than it shows to learn whether there is a next page, so nothing counts the whole list.
pub(crate) fn list_query(f: ListFilter, limit: i64, offset: i64) -> ListQuery {
    let mut args = Vec::new();
    let mut arg = |a: ListArg| {
        args.push(a);
        format!("${}", args.len())
    };
    // `CROSS JOIN` (with the join's condition here) keeps SQLite's planner walking topics in
    // the list's order: left to choose, it would read the few categories first and then sort
    // every topic in them. PostgreSQL plans it as the inner join it is.
    let mut conditions: Vec<String> = vec!["c.id = t.category_id".into()];
    let viewer = f.viewer.map(|u| arg(ListArg::Int(u.0)));
    if let Some(c) = f.category {
        conditions.push(format!("t.category_id = {}", arg(ListArg::Int(c.0))));
    }
    if let Some(since) = f.kind.since() {
        conditions.push(format!("t.created_at >= {}", arg(ListArg::Time(since))));
    }
    if let Some(a) = f.author {
        conditions.push(format!("t.user_id = {}", arg(ListArg::Int(a.0))));
    }
    if !f.include_deleted {
        conditions.push("t.deleted_at IS NULL".into());
    }
    if !f.include_restricted {
        conditions.push("c.read_restricted = FALSE".into());
    }
    let (read_state, join) = match &viewer {
        Some(v) => {
            if f.hide_muted {
                conditions.push(format!(
                    "NOT ((tu.notifications_reason_id IS NOT NULL AND tu.notification_level = 0) \
                     OR (tu.notifications_reason_id IS NULL AND EXISTS (SELECT 1 \
                     FROM category_users cu WHERE cu.user_id = {v} \
                     AND cu.category_id = t.category_id AND cu.notification_level = 0)))"
                ));
            }
            if let Some(c) = f.kind.condition() {
                conditions.push(c.into());
            }
            (
                "tu.last_read_post_number, \
                 CASE WHEN tu.notifications_reason_id IS NOT NULL AND tu.notification_level < 2 \
                 THEN FALSE ELSE TRUE END AS show_unread",
                format!("LEFT JOIN topic_users tu ON tu.topic_id = t.id AND tu.user_id = {v}"),
            )
        }
        // A visitor has no read state; New and Unread are members' lists (app asks for a
        // member), so without one they hold nothing.
        None => {
            if f.kind.condition().is_some() {
                conditions.push("FALSE".into());
            }
            (
                "CAST(NULL AS BIGINT) AS last_read_post_number, TRUE AS show_unread",
                String::new(),
            )
        }
    };
    let limit = arg(ListArg::Int(limit));
    let offset = arg(ListArg::Int(offset));
    let conditions = format!("WHERE {}", conditions.join(" AND "));
    let sql = format!(
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
        t.created_at, t.bumped_at, t.deleted_at, {read_state} \
        FROM topics t \
        CROSS JOIN categories c \
        LEFT JOIN categories pc ON pc.id = c.parent_id \
        JOIN users a ON a.id = t.user_id \
        JOIN users l ON l.id = t.last_post_user_id \
        LEFT JOIN users f1 ON f1.id = t.featured_user1_id \
        LEFT JOIN users f2 ON f2.id = t.featured_user2_id \
        LEFT JOIN users f3 ON f3.id = t.featured_user3_id \
        {join} {conditions} \
        ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        order = f.kind.order(),
    );
    ListQuery { sql, args }
}

/// Topics in the kind's order (Latest: newest activity first): `limit` of them from `offset`.
pub async fn list(
    tx: &mut Tx,
    f: ListFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<TopicListRow>> {
    let q = list_query(f, limit, offset);
    Ok(run!(tx, c => {
        let mut query = sqlx::query_as(&q.sql);
        for a in &q.args {
            query = match *a {
                ListArg::Int(v) => query.bind(v),
                ListArg::Time(v) => query.bind(v),
            };
        }
        query.fetch_all(&mut **c).await
    })?)
}
