//! Running a query: the match expression per backend, the candidates a query of words alone
//! ranks, the filters and permissions, and the one statement that groups hits by topic.

use stoa_core::analyzer;
use stoa_core::search::{Author, Order, Scope, SearchQuery, Status};
use stoa_core::{CategoryId, PostId, TopicId, UserId};

use crate::{Result, Timestamp, Tx, run};

/// Who is searching, as far as storage needs to know: the Guardian decided the rest.
#[derive(Debug, Clone, Copy)]
pub struct Searcher {
    pub user: Option<UserId>,
    /// May see read-restricted categories (staff).
    pub see_restricted: bool,
}

/// How to run a query.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub searcher: Searcher,
    /// Any word may match (similar topics), not every word (the search box).
    pub any_word: bool,
    /// Leave this topic out (similar topics under a topic).
    pub exclude_topic: Option<TopicId>,
    pub offset: i64,
    pub limit: i64,
}

/// The best-matching post of one topic.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Hit {
    pub post_id: PostId,
    pub topic_id: TopicId,
    pub score: f64,
    pub total: i64,
    /// How many candidate posts the index gave (0 when it gave all matches).
    pub considered: Option<i64>,
}

/// A hit with what a results page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HitRow {
    pub post_id: PostId,
    pub post_number: i64,
    pub raw: String,
    pub like_count: i64,
    pub created_at: Timestamp,
    pub user_id: UserId,
    pub username: String,
    pub name: String,
    pub topic_id: TopicId,
    pub title: String,
    pub slug: String,
    pub closed: bool,
    pub posts_count: i64,
    pub highest_post_number: i64,
    pub last_poster: String,
    pub views: i64,
    pub topic_like_count: i64,
    pub bumped_at: Timestamp,
    pub topic_created_at: Timestamp,
    pub category_id: CategoryId,
    pub category_name: String,
    pub category_slug: String,
    /// Badge colour (hex, no `#`).
    pub category_color: String,
}

/// One page of results: the best post of each matching topic, and how many topics matched.
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub hits: Vec<(HitRow, f64)>,
    pub total: i64,
    /// The query ranked only the best [`CANDIDATES`] posts and more matched: `total` is a
    /// lower bound.
    pub capped: bool,
}

/// The match expression a query needs, per backend; None when it has no words or phrases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchExpr {
    pub fts5: String,
    pub tsquery: String,
}

/// A query term as tokens, and whether its last token is a prefix.
struct Term {
    tokens: Vec<String>,
    prefix: bool,
}

fn terms(q: &SearchQuery) -> (Vec<Term>, Vec<Term>) {
    let word = |w: &String| {
        let tokens = analyzer::tokens(w);
        // A one-letter prefix would expand to a good part of the vocabulary: exact instead.
        let prefix = tokens.last().is_some_and(|t| t.chars().count() > 1);
        Term { tokens, prefix }
    };
    let exact = |p: &String| Term {
        tokens: analyzer::tokens(p),
        prefix: false,
    };
    let positive = q
        .words
        .iter()
        .map(word)
        .chain(q.phrases.iter().map(exact))
        .filter(|t| !t.tokens.is_empty())
        .collect();
    let negative = q
        .excluded
        .iter()
        .map(exact)
        .filter(|t| !t.tokens.is_empty())
        .collect();
    (positive, negative)
}

/// The analyzer tokens a query looks for (for marking snippets).
pub fn highlight_terms(q: &SearchQuery) -> Vec<String> {
    terms(q).0.into_iter().flat_map(|t| t.tokens).collect()
}

fn fts5_term(t: &Term, title_only: bool) -> String {
    let phrase = t
        .tokens
        .iter()
        .map(|tok| format!("\"{tok}\""))
        .collect::<Vec<_>>()
        .join(" + ");
    let star = if t.prefix { "*" } else { "" };
    let column = if title_only { "title : " } else { "" };
    format!("{column}{phrase}{star}")
}

fn ts_term(t: &Term, title_only: bool) -> String {
    let weight = if title_only { "A" } else { "" };
    let last = t.tokens.len().saturating_sub(1);
    let lexemes: Vec<String> = t
        .tokens
        .iter()
        .enumerate()
        .map(|(i, tok)| {
            let star = if t.prefix && i == last { "*" } else { "" };
            let flags = format!("{star}{weight}");
            if flags.is_empty() {
                format!("'{tok}'")
            } else {
                format!("'{tok}':{flags}")
            }
        })
        .collect();
    let joined = lexemes.join(" <-> ");
    if t.tokens.len() > 1 {
        format!("({joined})")
    } else {
        joined
    }
}

/// The match expressions for `q`: what must match, and what must not (`-word`).
pub fn match_exprs(q: &SearchQuery, any_word: bool) -> (Option<MatchExpr>, Option<MatchExpr>) {
    let (positive, negative) = terms(q);
    let title_only = q.scope == Scope::Title;
    let (fts_and, ts_and) = if any_word {
        (" OR ", " | ")
    } else {
        (" AND ", " & ")
    };
    let build = |terms: &[Term], title_only: bool, fts_join: &str, ts_join: &str| {
        (!terms.is_empty()).then(|| MatchExpr {
            fts5: terms
                .iter()
                .map(|t| fts5_term(t, title_only))
                .collect::<Vec<_>>()
                .join(fts_join),
            tsquery: terms
                .iter()
                .map(|t| ts_term(t, title_only))
                .collect::<Vec<_>>()
                .join(ts_join),
        })
    };
    (
        build(&positive, title_only, fts_and, ts_and),
        build(&negative, false, " OR ", " | "),
    )
}

/// How many of the best-matching posts a query of words alone considers (see [`search`]).
pub const CANDIDATES: i64 = 500;

/// A value bound to a placeholder of the search SQL.
#[derive(Debug, Clone)]
enum Arg {
    Int(i64),
    Text(String),
    Bool(bool),
    Time(Timestamp),
}

/// The search SQL, built clause by clause with numbered placeholders.
#[derive(Debug, Default)]
struct Sql {
    conditions: Vec<String>,
    args: Vec<Arg>,
}

impl Sql {
    /// Adds an argument; returns its placeholder.
    fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    fn when(&mut self, condition: String) {
        self.conditions.push(condition);
    }
}

fn midnight(d: chrono::NaiveDate) -> Timestamp {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Relevance on SQLite: bm25 with title weighted 10, body 1, category and author 0.5 (negated:
/// higher is better, as `ts_rank`).
const FTS5_RANK: &str = "-bm25(post_search_fts, 10.0, 1.0, 0.5, 0.5)";

/// Above zero when a post's own text (not its topic's title, category or author) matches:
/// the post a topic's hit shows is one of those where there are any, so its snippet holds the
/// words. Computed in the same pass as the rank.
const FTS5_BODY: &str = "-bm25(post_search_fts, 0.0, 1.0, 0.0, 0.0)";

/// [`FTS5_BODY`] on PostgreSQL: only the body's weight (B; the array is D, C, B, A).
fn pg_body(p: &str) -> String {
    format!("ts_rank('{{0, 0, 1, 0}}', search, to_tsquery('simple', {p}))::float8")
}

/// Which posts the index gives a query of words alone to rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Candidates {
    /// For relevance: the newest CANDIDATES matches (on SQLite also the newest CANDIDATES
    /// title matches, so an older topic named by the words is found), ranked. A rare word is
    /// ranked in full; a common one costs a bounded amount.
    Best,
    /// Post ids grow with time, so the index walks them newest (or oldest) first.
    Newest,
    Oldest,
}

/// The FTS5 query giving `(post_id, score, body)` candidates; `p` the match, `title` its
/// title-only form (for [`Candidates::Best`]). Every branch is bounded: the index walks its
/// matches newest (or oldest) first and ranks only the [`CANDIDATES`] it stops at. (Ranking
/// every match since the newest title matches, as before, ranked 8,500 posts for a common
/// word on a million-post forum: 26 ms, against 11 ms now.)
fn fts5_candidates(c: Candidates, p: &str, title: Option<&str>) -> String {
    let rank = format!("{FTS5_RANK} AS score, {FTS5_BODY} AS body");
    let walk = |m: &str, direction: &str| {
        format!(
            "SELECT * FROM (SELECT rowid AS post_id, {rank} FROM post_search_fts \
             WHERE post_search_fts MATCH {m} ORDER BY rowid {direction} LIMIT {CANDIDATES})"
        )
    };
    match (c, title) {
        // A post in both branches keeps its better score (the title branch ranks the title
        // alone).
        (Candidates::Best, Some(t)) => format!(
            "SELECT post_id, MAX(score) AS score, MAX(body) AS body FROM ({} UNION ALL {}) \
             GROUP BY post_id",
            walk(p, "DESC"),
            walk(t, "DESC")
        ),
        (Candidates::Best | Candidates::Newest, _) => walk(p, "DESC"),
        (Candidates::Oldest, _) => walk(p, "ASC"),
    }
}

/// The PostgreSQL query giving `(post_id, score)` candidates. Only the newest matches for
/// [`Candidates::Best`]: a title-only (weight A) query rechecks rows in the heap, and finding
/// the newest thousand of those took half a second for a word in 3 % of posts.
fn pg_candidates(c: Candidates, p: &str) -> String {
    let rank = format!(
        "ts_rank(search, to_tsquery('simple', {p}))::float8 AS score, {} AS body",
        pg_body(p)
    );
    match c {
        Candidates::Best => format!(
            "SELECT post_id, {rank} FROM post_search_data WHERE post_id IN \
             (SELECT post_id FROM post_search_data WHERE search @@ to_tsquery('simple', {p}) \
              ORDER BY post_id DESC LIMIT {CANDIDATES}) \
             ORDER BY score DESC LIMIT {CANDIDATES}"
        ),
        Candidates::Newest | Candidates::Oldest => format!(
            "SELECT post_id, {rank} FROM post_search_data \
             WHERE search @@ to_tsquery('simple', {p}) ORDER BY post_id {} LIMIT {CANDIDATES}",
            if c == Candidates::Newest {
                "DESC"
            } else {
                "ASC"
            }
        ),
    }
}

/// Where hits come from, and how each is scored: `FROM`, the rank, and the rank of the post's
/// own text alone.
struct Source {
    from: String,
    score: String,
    body: String,
}

fn candidates_from(ranked: &str) -> Source {
    Source {
        from: format!(
            "(SELECT post_id, score, body, COUNT(*) OVER () AS candidates FROM ({ranked}) \
             ranked) cand JOIN posts p ON p.id = cand.post_id"
        ),
        score: "cand.score".to_owned(),
        body: "cand.body".to_owned(),
    }
}

/// Runs `q` for `searcher`: one page of topics (`limit` from `offset`), each with its
/// best-matching post (one whose own text matches, where there is one, so that its snippet
/// shows the words), and the number of topics that matched. In stages: what the index
/// matches ([`matching`]), what it must not ([`exclude`]), what the searcher may see and the
/// filters ([`filters`]), then one statement grouping the hits by topic ([`statement`]).
pub async fn search(tx: &mut Tx, q: &SearchQuery, options: &Options) -> Result<Results> {
    let sqlite = matches!(tx, Tx::Sqlite(_));
    let (positive, negative) = match_exprs(q, options.any_word);
    if positive.is_none() && q.term_count() > 0 && negative.is_none() {
        // Words that are all punctuation: nothing can match them.
        return Ok(Results::default());
    }
    let candidates = candidates_for(q);
    let mut sql = Sql::default();
    let source = match &positive {
        None => Source {
            from: "posts p".to_owned(),
            score: "CAST(0 AS DOUBLE PRECISION)".to_owned(),
            body: "CAST(0 AS DOUBLE PRECISION)".to_owned(),
        },
        Some(m) => matching(&mut sql, q, options, m, candidates, sqlite),
    };
    if let Some(m) = &negative {
        exclude(&mut sql, m, sqlite);
    }
    filters(&mut sql, q, options);
    let ranked_candidates = candidates.is_some() && positive.is_some();
    let text = statement(&mut sql, q.order, &source, ranked_candidates, options);
    let hits: Vec<Hit> = run!(tx, c => {
        let mut query = sqlx::query_as(&text);
        for a in &sql.args {
            query = match a {
                Arg::Int(v) => query.bind(*v),
                Arg::Text(v) => query.bind(v.clone()),
                Arg::Bool(v) => query.bind(*v),
                Arg::Time(v) => query.bind(*v),
            };
        }
        query.fetch_all(&mut **c).await
    })?;
    let total = hits.first().map_or(0, |h| h.total);
    let capped = candidates.is_some()
        && hits
            .first()
            .is_some_and(|h| h.considered.unwrap_or(0) >= CANDIDATES);
    let rows = hit_rows(tx, &hits).await?;
    let hits = hits
        .iter()
        .filter_map(|h| {
            rows.iter()
                .find(|r| r.post_id == h.post_id)
                .map(|r| (r.clone(), h.score))
        })
        .collect();
    Ok(Results {
        hits,
        total,
        capped,
    })
}

/// Whether the index alone chooses the posts to rank: for a query of words alone (no filter
/// that could leave most matches out), only [`CANDIDATES`] posts chosen inside the index are
/// ranked, so the rows of posts and topics are read for those few, not for every post that
/// holds a common word.
fn candidates_for(q: &SearchQuery) -> Option<Candidates> {
    let filtered = q.author.is_some()
        || q.category.is_some()
        || q.before.is_some()
        || q.after.is_some()
        || q.status.is_some()
        || q.in_likes
        || q.in_posted;
    match q.order {
        _ if filtered => None,
        Order::Relevance => Some(Candidates::Best),
        Order::Latest => Some(Candidates::Newest),
        Order::Oldest => Some(Candidates::Oldest),
        Order::Likes | Order::Views => None,
    }
}

/// The posts the index matches for `m`, scored.
fn matching(
    sql: &mut Sql,
    q: &SearchQuery,
    options: &Options,
    m: &MatchExpr,
    candidates: Option<Candidates>,
    sqlite: bool,
) -> Source {
    if !sqlite {
        let p = sql.arg(Arg::Text(m.tsquery.clone()));
        return match candidates {
            Some(c) => candidates_from(&pg_candidates(c, &p)),
            None => {
                sql.when(format!("d.search @@ to_tsquery('simple', {p})"));
                Source {
                    from: "post_search_data d JOIN posts p ON p.id = d.post_id".to_owned(),
                    score: format!("ts_rank(d.search, to_tsquery('simple', {p}))::float8"),
                    body: format!(
                        "ts_rank('{{0, 0, 1, 0}}', d.search, to_tsquery('simple', {p}))::float8"
                    ),
                }
            }
        };
    }
    let p = sql.arg(Arg::Text(m.fts5.clone()));
    match candidates {
        Some(c) => {
            // Title matches widen the best candidates (a column filter costs nothing on
            // SQLite).
            let title = match c {
                Candidates::Best => match_exprs(
                    &SearchQuery {
                        scope: Scope::Title,
                        ..q.clone()
                    },
                    options.any_word,
                )
                .0
                .map(|t| sql.arg(Arg::Text(t.fts5))),
                _ => None,
            };
            candidates_from(&fts5_candidates(c, &p, title.as_deref()))
        }
        None => {
            sql.when(format!("post_search_fts MATCH {p}"));
            Source {
                from: "post_search_fts JOIN posts p ON p.id = post_search_fts.rowid".to_owned(),
                score: FTS5_RANK.to_owned(),
                body: FTS5_BODY.to_owned(),
            }
        }
    }
}

/// Leaves out the posts that hold an excluded word (`-word`).
fn exclude(sql: &mut Sql, m: &MatchExpr, sqlite: bool) {
    if sqlite {
        let p = sql.arg(Arg::Text(m.fts5.clone()));
        sql.when(format!(
            "p.id NOT IN (SELECT rowid FROM post_search_fts WHERE post_search_fts MATCH {p})"
        ));
    } else {
        let p = sql.arg(Arg::Text(m.tsquery.clone()));
        sql.when(format!(
            "NOT EXISTS (SELECT 1 FROM post_search_data x WHERE x.post_id = p.id \
             AND x.search @@ to_tsquery('simple', {p}))"
        ));
    }
}

/// What the searcher may see — never deleted posts or topics; restricted categories for staff
/// only — and the query's filters.
fn filters(sql: &mut Sql, q: &SearchQuery, options: &Options) {
    let viewer = options.searcher.user.map_or(0, |u| u.0);
    sql.when("p.deleted_at IS NULL AND t.deleted_at IS NULL".into());
    if !options.searcher.see_restricted {
        sql.when("c.read_restricted = FALSE".into());
    }
    if let Some(topic) = options.exclude_topic {
        let p = sql.arg(Arg::Int(topic.0));
        sql.when(format!("p.topic_id <> {p}"));
    }
    if q.scope != Scope::Everywhere {
        sql.when("p.post_number = 1".into());
    }
    match &q.author {
        Some(Author::Me) => {
            let p = sql.arg(Arg::Int(viewer));
            sql.when(format!("p.user_id = {p}"));
        }
        Some(Author::Named(name)) => {
            let p = sql.arg(Arg::Text(name.clone()));
            sql.when(format!(
                "p.user_id = (SELECT id FROM users WHERE username_lower = {p})"
            ));
        }
        None => {}
    }
    if let Some(cat) = &q.category {
        let slug = sql.arg(Arg::Text(cat.slug.clone()));
        let parent = match &cat.parent {
            Some(parent) => {
                let pp = sql.arg(Arg::Text(parent.clone()));
                format!(" AND named.parent_id = (SELECT id FROM categories WHERE slug = {pp})")
            }
            None => String::new(),
        };
        // A category includes its subcategories, as in Discourse.
        sql.when(format!(
            "t.category_id IN (SELECT sub.id FROM categories named JOIN categories sub \
             ON sub.id = named.id OR sub.parent_id = named.id \
             WHERE named.slug = {slug}{parent})"
        ));
    }
    if let Some(d) = q.before {
        let p = sql.arg(Arg::Time(midnight(d)));
        sql.when(format!("p.created_at < {p}"));
    }
    if let Some(d) = q.after {
        let p = sql.arg(Arg::Time(midnight(d)));
        sql.when(format!("p.created_at >= {p}"));
    }
    if let Some(status) = q.status {
        let p = sql.arg(Arg::Bool(status == Status::Closed));
        sql.when(format!("t.closed = {p}"));
    }
    if q.in_likes {
        let p = sql.arg(Arg::Int(viewer));
        sql.when(format!(
            "EXISTS (SELECT 1 FROM post_actions a WHERE a.post_id = p.id AND a.user_id = {p} \
             AND a.post_action_type_id = 2)"
        ));
    }
    if q.in_posted {
        let p = sql.arg(Arg::Int(viewer));
        sql.when(format!(
            "EXISTS (SELECT 1 FROM posts mine WHERE mine.topic_id = p.topic_id \
             AND mine.user_id = {p} AND mine.deleted_at IS NULL)"
        ));
    }
}

/// The statement: every hit, then each topic's best post (and the one whose own text matches,
/// to show), one page of topics in the query's order, with how many matched.
fn statement(
    sql: &mut Sql,
    order: Order,
    source: &Source,
    ranked_candidates: bool,
    options: &Options,
) -> String {
    let order = match order {
        Order::Relevance => "score DESC, created_at DESC",
        Order::Latest => "created_at DESC",
        Order::Oldest => "created_at ASC",
        Order::Likes => "like_count DESC, score DESC",
        Order::Views => "views DESC, score DESC",
    };
    let lim = sql.arg(Arg::Int(options.limit));
    let off = sql.arg(Arg::Int(options.offset));
    format!(
        "WITH hits AS (SELECT p.id AS post_id, p.topic_id, {score} AS score, \
            {body} AS body_score, p.created_at, p.like_count, t.views, \
            {candidates} AS candidates FROM {from} \
            JOIN topics t ON t.id = p.topic_id JOIN categories c ON c.id = t.category_id \
            WHERE {conditions}), \
         best AS (SELECT hits.*, ROW_NUMBER() OVER (PARTITION BY topic_id \
            ORDER BY {order}, post_id) AS rank_in_topic, \
            FIRST_VALUE(post_id) OVER (PARTITION BY topic_id \
            ORDER BY CASE WHEN body_score > 0 THEN 0 ELSE 1 END, {order}, post_id) AS shown, \
            MAX(candidates) OVER () AS considered FROM hits) \
         SELECT shown AS post_id, topic_id, score, COUNT(*) OVER () AS total, \
            considered FROM best \
         WHERE rank_in_topic = 1 ORDER BY {order}, best.post_id LIMIT {lim} OFFSET {off}",
        score = source.score,
        body = source.body,
        from = source.from,
        conditions = sql.conditions.join(" AND "),
        candidates = if ranked_candidates {
            "cand.candidates"
        } else {
            "CAST(0 AS BIGINT)"
        },
    )
}

/// What a results page shows for each hit.
async fn hit_rows(tx: &mut Tx, hits: &[Hit]) -> Result<Vec<HitRow>> {
    let ids: Vec<PostId> = hits.iter().map(|h| h.post_id).collect();
    rows_of(tx, &ids, "TRUE").await
}

/// Hits found earlier (their post ids, best first), as they are now, leaving out what has
/// since been deleted or become invisible to `searcher`; for caches of results.
pub async fn visible_hits(
    tx: &mut Tx,
    post_ids: &[PostId],
    searcher: Searcher,
) -> Result<Vec<HitRow>> {
    let visible = if searcher.see_restricted {
        "p.deleted_at IS NULL AND t.deleted_at IS NULL"
    } else {
        "p.deleted_at IS NULL AND t.deleted_at IS NULL AND c.read_restricted = FALSE"
    };
    let rows = rows_of(tx, post_ids, visible).await?;
    Ok(post_ids
        .iter()
        .filter_map(|id| rows.iter().find(|r| r.post_id == *id).cloned())
        .collect())
}

/// The rows of these posts that meet `condition` (constant SQL).
async fn rows_of(tx: &mut Tx, post_ids: &[PostId], condition: &str) -> Result<Vec<HitRow>> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=post_ids.len()).map(|i| format!("${i}")).collect();
    let text = format!(
        "SELECT p.id AS post_id, p.post_number, p.raw, p.like_count, p.created_at, p.user_id, \
         u.username, u.name, t.id AS topic_id, t.title, t.slug, t.closed, t.posts_count, \
         t.highest_post_number, lu.username AS last_poster, t.views, t.like_count AS topic_like_count, t.bumped_at, \
         t.created_at AS topic_created_at, t.category_id, c.name AS category_name, \
         c.slug AS category_slug, c.color AS category_color \
         FROM posts p JOIN topics t ON t.id = p.topic_id JOIN users u ON u.id = p.user_id \
         JOIN categories c ON c.id = t.category_id JOIN users lu ON lu.id = t.last_post_user_id \
         WHERE p.id IN ({}) AND {condition}",
        placeholders.join(", ")
    );
    Ok(run!(tx, c => {
        let mut query = sqlx::query_as(&text);
        for id in post_ids {
            query = query.bind(*id);
        }
        query.fetch_all(&mut **c).await
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_expressions_per_backend() {
        let q = SearchQuery::parse("Mólotov \"neutrality pact\" soviet-japanese -war in:title");
        let (pos, neg) = match_exprs(&q, false);
        let pos = pos.unwrap();
        assert_eq!(
            pos.fts5,
            "title : \"molotov\"* AND title : \"soviet\" + \"japanese\"* AND \
             title : \"neutrality\" + \"pact\""
        );
        assert_eq!(
            pos.tsquery,
            "'molotov':*A & ('soviet':A <-> 'japanese':*A) & ('neutrality':A <-> 'pact':A)"
        );
        let neg = neg.unwrap();
        assert_eq!(neg.fts5, "\"war\"");
        assert_eq!(neg.tsquery, "'war'");
    }

    #[test]
    fn hostile_words_become_plain_tokens() {
        let q = SearchQuery::parse("\"'); DROP TABLE posts; --\" a* NEAR(x y) ' \\");
        let (pos, _) = match_exprs(&q, false);
        let pos = pos.unwrap();
        assert!(
            !pos.tsquery.contains(';') && !pos.fts5.contains(';'),
            "{pos:?}"
        );
        assert_eq!(
            pos.fts5,
            "\"a\" AND \"near\" + \"x\" AND \"y\" AND \"drop\" + \"table\" + \"posts\""
        );
        // Punctuation only: no expression.
        assert_eq!(match_exprs(&SearchQuery::parse("!!! ??"), false).0, None);
    }
}
