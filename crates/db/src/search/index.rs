//! Writing the index: one row per post, rewritten in the transaction that changes what it holds.

use stoa_core::analyzer::{self, ANALYZER_VERSION};
use stoa_core::{CategoryId, PostId, TopicId, UserId};

use crate::{Result, Tx, exec, run};

/// A post's searchable text, already analysed ([`analyzer::index_text`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchDoc {
    pub title: String,
    pub body: String,
    pub category: String,
    pub author: String,
}

impl SearchDoc {
    /// Analyses a post's parts: `text` is its plain text (`stoa_markup::plain_text`).
    pub fn new(title: &str, text: &str, category: &str, username: &str, name: &str) -> Self {
        Self::with_body(title, analyzer::index_text(text), category, username, name)
    }

    /// As [`Self::new`], with the body analysed already (a new post's, analysed while it was
    /// cooked, outside the write transaction).
    pub fn with_body(
        title: &str,
        body: String,
        category: &str,
        username: &str,
        name: &str,
    ) -> Self {
        Self {
            title: analyzer::index_text(title),
            body,
            category: analyzer::index_text(category),
            author: analyzer::index_text(&format!("{username} {name}")),
        }
    }
}

/// Writes (or rewrites) a post's row.
pub async fn upsert(tx: &mut Tx, post: PostId, doc: &SearchDoc) -> Result<()> {
    const SQL: &str = "INSERT INTO post_search_data (post_id, title, body, category, author, \
                       version) VALUES ($1, $2, $3, $4, $5, $6) \
                       ON CONFLICT (post_id) DO UPDATE SET title = excluded.title, \
                       body = excluded.body, category = excluded.category, \
                       author = excluded.author, version = excluded.version";
    exec!(tx, c => sqlx::query(SQL)
        .bind(post.0)
        .bind(&doc.title)
        .bind(&doc.body)
        .bind(&doc.category)
        .bind(&doc.author)
        .bind(ANALYZER_VERSION)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// A topic was retitled: every post's row carries the title.
pub async fn set_topic_title(tx: &mut Tx, topic: TopicId, title: &str) -> Result<u64> {
    const SQL: &str = "UPDATE post_search_data SET title = $1 \
                       WHERE post_id IN (SELECT id FROM posts WHERE topic_id = $2)";
    let title = analyzer::index_text(title);
    Ok(exec!(tx, c => sqlx::query(SQL).bind(&title).bind(topic.0).execute(&mut **c).await)?)
}

/// A category was renamed: the rows of every post in it carry the name.
pub async fn set_category_name(tx: &mut Tx, category: CategoryId, name: &str) -> Result<u64> {
    const SQL: &str = "UPDATE post_search_data SET category = $1 WHERE post_id IN \
                       (SELECT p.id FROM posts p JOIN topics t ON t.id = p.topic_id \
                        WHERE t.category_id = $2)";
    let name = analyzer::index_text(name);
    Ok(exec!(tx, c => sqlx::query(SQL).bind(&name).bind(category.0).execute(&mut **c).await)?)
}

/// A topic moved to the category named `name`: its posts' rows carry the name.
pub async fn set_topic_category(tx: &mut Tx, topic: TopicId, name: &str) -> Result<u64> {
    const SQL: &str = "UPDATE post_search_data SET category = $1 WHERE post_id IN \
                       (SELECT id FROM posts WHERE topic_id = $2)";
    let name = analyzer::index_text(name);
    Ok(exec!(tx, c => sqlx::query(SQL).bind(&name).bind(topic.0).execute(&mut **c).await)?)
}

/// What a post's row says besides its text: its topic's title and category, its author.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocLabels {
    pub title: String,
    pub category: String,
    pub username: String,
    pub name: String,
}

/// The labels of a post in `topic` by `author` (None when either is gone).
pub async fn labels(tx: &mut Tx, topic: TopicId, author: UserId) -> Result<Option<DocLabels>> {
    const SQL: &str = "SELECT t.title, c.name AS category, u.username, u.name \
        FROM topics t JOIN categories c ON c.id = t.category_id, users u \
        WHERE t.id = $1 AND u.id = $2";
    Ok(
        run!(tx, c => sqlx::query_as(SQL).bind(topic.0).bind(author.0).fetch_optional(&mut **c).await)?,
    )
}

/// What `stoa reindex` works from: a post with what its row is built of.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SourceRow {
    pub id: PostId,
    pub raw: String,
    pub title: String,
    pub category: String,
    pub username: String,
    pub name: String,
}

/// The source of one post's row.
pub async fn source(tx: &mut Tx, post: PostId) -> Result<Option<SourceRow>> {
    const SQL: &str = "SELECT p.id, p.raw, t.title, c.name AS category, u.username, u.name \
        FROM posts p JOIN topics t ON t.id = p.topic_id \
        JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = p.user_id \
        WHERE p.id = $1";
    Ok(run!(tx, c => sqlx::query_as(SQL).bind(post.0).fetch_optional(&mut **c).await)?)
}

/// Up to `limit` posts with ids above `after`, in id order; with `only_stale`, only those
/// whose row is missing or was built by another analyzer version.
pub async fn sources(
    tx: &mut Tx,
    after: PostId,
    limit: i64,
    only_stale: bool,
) -> Result<Vec<SourceRow>> {
    // Two texts rather than one with `(NOT $3 OR …)`: PostgreSQL plans that OR as a join of
    // every post, not as a walk of the primary key that stops after `limit` rows.
    const ALL: &str = "SELECT p.id, p.raw, t.title, c.name AS category, u.username, u.name \
        FROM posts p JOIN topics t ON t.id = p.topic_id \
        JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = p.user_id \
        WHERE p.id > $1 ORDER BY p.id LIMIT $2";
    const STALE: &str = "SELECT p.id, p.raw, t.title, c.name AS category, u.username, u.name \
        FROM posts p JOIN topics t ON t.id = p.topic_id \
        JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = p.user_id \
        WHERE p.id > $1 AND NOT EXISTS (SELECT 1 FROM post_search_data d WHERE d.post_id > $1 \
            AND d.post_id = p.id AND d.version = $3) \
        ORDER BY p.id LIMIT $2";
    Ok(if only_stale {
        run!(tx, c => sqlx::query_as(STALE)
            .bind(after)
            .bind(limit)
            .bind(ANALYZER_VERSION)
            .fetch_all(&mut **c)
            .await)?
    } else {
        run!(tx, c => sqlx::query_as(ALL).bind(after).bind(limit).fetch_all(&mut **c).await)?
    })
}

pub(crate) const MAY_BE_STALE: &str = "SELECT (SELECT MIN(version) FROM post_search_data), \
    (SELECT MAX(version) FROM post_search_data), (SELECT MAX(id) FROM posts), \
    (SELECT MAX(post_id) FROM post_search_data)";

/// Whether some posts may lack an up-to-date row, found without reading every row (for the
/// check at each start): a row of another analyzer version, or a newest post that has none.
/// Each write indexes its post in its own transaction, so only a bulk load (or an analyzer
/// change) leaves rows behind, and a bulk load ends with the newest posts; [`status`] then
/// counts exactly. Four lookups at the ends of two indexes.
pub async fn may_be_stale(tx: &mut Tx) -> Result<bool> {
    let (lo, hi, newest, newest_indexed): (Option<i64>, Option<i64>, Option<i64>, Option<i64>) =
        run!(tx, c => sqlx::query_as(MAY_BE_STALE).fetch_one(&mut **c).await)?;
    let current = ANALYZER_VERSION;
    let old_rows = lo.is_some_and(|v| v != current) || hi.is_some_and(|v| v != current);
    Ok(old_rows || newest != newest_indexed)
}

/// How many posts there are, and how many of them lack an up-to-date row.
pub async fn status(tx: &mut Tx) -> Result<(i64, i64)> {
    // Every row belongs to one post, so equal counts mean nothing is stale: two counts are
    // cheap; looking for a missing row behind every post is not (seconds on a million).
    const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM posts), \
        (SELECT COUNT(*) FROM post_search_data WHERE version = $1)";
    const STALE: &str = "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS \
        (SELECT 1 FROM post_search_data d WHERE d.post_id = p.id AND d.version = $1)";
    let (posts, current): (i64, i64) =
        run!(tx, c => sqlx::query_as(COUNTS).bind(ANALYZER_VERSION).fetch_one(&mut **c).await)?;
    if posts == current {
        return Ok((posts, 0));
    }
    let stale: i64 =
        run!(tx, c => sqlx::query_scalar(STALE).bind(ANALYZER_VERSION).fetch_one(&mut **c).await)?;
    Ok((posts, stale))
}

/// On SQLite, merges the FTS5 index's segments into one (after many rows were written at
/// once, as by a reindex); PostgreSQL's GIN index needs nothing.
pub async fn optimize(tx: &mut Tx) -> Result<()> {
    if let Tx::Sqlite(c) = tx {
        sqlx::query("INSERT INTO post_search_fts (post_search_fts) VALUES ('optimize')")
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

/// Checks the index against the rows it indexes: FTS5's own integrity check on SQLite (an
/// error if they differ; needs a write transaction, and changes nothing). PostgreSQL's
/// tsvector is generated from the row itself and cannot differ.
pub async fn verify(tx: &mut Tx) -> Result<()> {
    if let Tx::Sqlite(c) = tx {
        sqlx::query(
            "INSERT INTO post_search_fts (post_search_fts, rank) VALUES ('integrity-check', 1)",
        )
        .execute(&mut **c)
        .await?;
    }
    Ok(())
}
