//! Search: keeping the index exact as posts change, and answering queries.
//!
//! Every write that changes what a post's index row holds calls in here inside its own
//! transaction: [`index_cooked`] after a post's text is written, [`index_post`] when it was
//! replaced otherwise, `db::search::set_topic_title` after a retitle. Deletes and restores
//! change nothing in the index: visibility is decided when searching, so a restored post is
//! findable again at once.

use stoa_core::analyzer::{self, Fragment};
use stoa_core::limits::{SEARCH_MAX_PAGE, SEARCH_RESULTS_PER_PAGE, SIMILAR_TOPICS};
use stoa_core::search::{Author, SearchQuery};
use stoa_core::{Actor, Guardian, PostId, TopicId};
use stoa_db::Tx;
use stoa_db::search::{self as db_search, HitRow, SearchDoc, Searcher, SourceRow};

use crate::cooking::Cooked;
use crate::{Category, Forum, FoundPost, MemberName, Result};

/// One topic in the results: its best-matching post, with the matching words marked.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub row: FoundPost,
    pub title: Vec<Fragment>,
    pub snippet: Vec<Fragment>,
}

/// A results page.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// What was typed.
    pub text: String,
    pub query: SearchQuery,
    pub hits: Vec<SearchHit>,
    /// Topics that matched, over all pages.
    pub total: i64,
    /// More posts matched than the query ranks (a query of words alone ranks the best
    /// `db::search::CANDIDATES`): `total` is the topics among those.
    pub capped: bool,
    /// 1-based.
    pub page: i64,
    pub more: bool,
    /// Categories whose name matches the words (first page only).
    pub categories: Vec<Category>,
    /// Members whose name starts with the word (first page, one-word queries only).
    pub users: Vec<MemberName>,
    /// Why the query could not run as typed (nothing to search for; a filter that needs a
    /// signed-in member). None when it ran, whether or not it found anything.
    pub message: Option<String>,
}

/// The row a post's index entry is built from, analysed.
fn doc_of(s: &SourceRow) -> SearchDoc {
    SearchDoc::new(
        &s.title,
        &stoa_markup::plain_text(&s.raw),
        &s.category,
        &s.username,
        &s.name,
    )
}

/// Writes the index row of a post whose text was just cooked, from the body cooking analysed
/// (the body is not parsed again, nor read back).
pub(crate) async fn index_cooked(
    tx: &mut Tx,
    post: PostId,
    topic: TopicId,
    author: stoa_core::UserId,
    cooked: &Cooked,
) -> Result<()> {
    if let Some(l) = db_search::labels(tx, topic, author).await? {
        let doc = SearchDoc::with_body(
            &l.title,
            cooked.index_body.clone(),
            &l.category,
            &l.username,
            &l.name,
        );
        db_search::upsert(tx, post, &doc).await?;
    }
    Ok(())
}

/// What a new post's index row is labelled with besides its body.
pub(crate) struct Labels<'a> {
    pub title: &'a str,
    pub category: &'a str,
    pub username: &'a str,
    pub name: &'a str,
}

/// Writes a new post's index row from labels its writer already holds (no read).
pub(crate) async fn index_new(
    tx: &mut Tx,
    post: PostId,
    labels: Labels<'_>,
    cooked: &Cooked,
) -> Result<()> {
    let doc = SearchDoc::with_body(
        labels.title,
        cooked.index_body.clone(),
        labels.category,
        labels.username,
        labels.name,
    );
    db_search::upsert(tx, post, &doc).await?;
    Ok(())
}

/// Writes a post's index row from what is stored now (call after writing the post).
pub(crate) async fn index_post(tx: &mut Tx, id: PostId) -> Result<()> {
    if let Some(source) = db_search::source(tx, id).await? {
        db_search::upsert(tx, id, &doc_of(&source)).await?;
    }
    Ok(())
}

/// Words that say nothing about what a topic is about, left out when looking for similar
/// topics.
const STOP_WORDS: &[&str] = &[
    "about", "after", "also", "been", "before", "being", "both", "could", "does", "each", "from",
    "have", "having", "here", "into", "just", "more", "most", "much", "only", "other", "over",
    "same", "should", "some", "such", "than", "that", "their", "them", "then", "there", "these",
    "they", "this", "those", "very", "were", "what", "when", "where", "which", "while", "whom",
    "why", "will", "with", "would", "your",
];

/// The query for "topics like this title": its telling words (any of them), and each pair of
/// adjacent CJK characters as a phrase.
fn similar_query(title: &str) -> SearchQuery {
    let tokens = analyzer::tokens(title);
    let mut q = SearchQuery::default();
    for pair in tokens.windows(2) {
        if pair.iter().all(|t| t.chars().all(analyzer::is_cjk)) {
            q.phrases.push(format!("{}{}", pair[0], pair[1]));
        }
    }
    for t in tokens {
        if t.chars().count() >= 4
            && !t.chars().all(|c| c.is_ascii_digit())
            && !STOP_WORDS.contains(&t.as_str())
            && !q.words.contains(&t)
        {
            q.words.push(t);
        }
    }
    q.words.truncate(12);
    q.phrases.truncate(12);
    q
}

/// How long a topic's similar topics are remembered. They are found again after this (new
/// topics appear); in between, each view re-reads the remembered posts, so deletes, renames
/// and permissions apply at once.
const SIMILAR_TTL: std::time::Duration = std::time::Duration::from_secs(600);
/// Topics whose similar topics are remembered at most (the memory is cleared beyond).
const SIMILAR_CACHED: usize = 10_000;

/// Remembered similar topics: (topic, sees staff-only categories) → (found at, post ids).
pub(crate) type SimilarCache =
    std::sync::Mutex<std::collections::HashMap<(TopicId, bool), (std::time::Instant, Vec<PostId>)>>;

impl Forum {
    /// Similar topics shown under topic `id`: a search per topic every [`SIMILAR_TTL`] at
    /// most (it costs more than the rest of the page), re-read on every view.
    pub(crate) async fn similar_for_topic(
        &self,
        tx: &mut Tx,
        actor: Actor,
        id: TopicId,
        title: &str,
    ) -> Result<Vec<FoundPost>> {
        let searcher = Forum::searcher(actor);
        let key = (id, searcher.see_restricted);
        let cached = self
            .similar_cache
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
            .filter(|(at, _)| at.elapsed() < SIMILAR_TTL);
        if let Some((_, ids)) = cached {
            let hits = db_search::visible_hits(tx, &ids, searcher).await?;
            return Ok(hits.into_iter().map(Into::into).collect());
        }
        let found = similar_in(tx, actor, title, Some(id)).await?;
        if let Ok(mut cache) = self.similar_cache.lock() {
            if cache.len() >= SIMILAR_CACHED {
                cache.clear();
            }
            let ids = found.iter().map(|r| r.post_id).collect();
            cache.insert(key, (std::time::Instant::now(), ids));
        }
        Ok(found.into_iter().map(Into::into).collect())
    }
}

/// [`Forum::similar_topics`] inside a transaction the caller holds.
pub(crate) async fn similar_in(
    tx: &mut Tx,
    actor: Actor,
    title: &str,
    exclude: Option<TopicId>,
) -> Result<Vec<HitRow>> {
    let query = similar_query(title);
    if query.words.is_empty() && query.phrases.is_empty() {
        return Ok(Vec::new());
    }
    // Any shared word finds candidates; only those that share enough are shown.
    let results = db_search::search(
        tx,
        &query,
        &db_search::Options {
            searcher: Forum::searcher(actor),
            any_word: true,
            exclude_topic: exclude,
            offset: 0,
            limit: SIMILAR_TOPICS * 4,
        },
    )
    .await?;
    Ok(results
        .hits
        .into_iter()
        .map(|(row, _)| row)
        .filter(|row| similar_enough(&query, row))
        .take(usize::try_from(SIMILAR_TOPICS).unwrap_or(5))
        .collect())
}

/// Which of a query's words and phrases `text` holds: a word as the start of one of its
/// words (as search matches them), a phrase as written.
fn terms_found(query: &SearchQuery, text: &str) -> Vec<bool> {
    let tokens = analyzer::tokens(text);
    let folded: String = analyzer::fold(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    query
        .words
        .iter()
        .map(|w| tokens.iter().any(|t| t.starts_with(w.as_str())))
        .chain(query.phrases.iter().map(|p| folded.contains(p.as_str())))
        .collect()
}

/// A minimum of relevance for "similar": one of the telling words (or CJK pairs) of the
/// title is in the other topic's title, and — when there are two or more — at least two are
/// in its title or the post found. One common word shared with a post is not enough (the
/// welcome topic is not like every title that says "post").
fn similar_enough(query: &SearchQuery, row: &HitRow) -> bool {
    let in_title = terms_found(query, &row.title);
    let in_text = terms_found(query, &stoa_markup::plain_text(&row.raw));
    let title_hits = in_title.iter().filter(|t| **t).count();
    let all_hits = in_title
        .iter()
        .zip(&in_text)
        .filter(|(a, b)| **a || **b)
        .count();
    title_hits >= 1 && all_hits >= in_title.len().min(2)
}

impl Forum {
    fn searcher(actor: Actor) -> Searcher {
        Searcher {
            user: actor.user_id(),
            see_restricted: Guardian::new(actor).can_see_category(true),
        }
    }

    /// Runs what was typed in the search box; `page` is 1-based.
    pub async fn search(&self, actor: Actor, text: &str, page: i64) -> Result<SearchResults> {
        let query = SearchQuery::parse(text);
        let page = page.clamp(1, SEARCH_MAX_PAGE);
        let mut out = SearchResults {
            text: text.to_owned(),
            query: query.clone(),
            page,
            ..SearchResults::default()
        };
        if query.is_empty() {
            if !text.trim().is_empty() {
                out.message = Some("Type a word to search for.".into());
            }
            return Ok(out);
        }
        let needs_member = query.in_likes || query.in_posted || query.author == Some(Author::Me);
        if needs_member && actor.user_id().is_none() {
            out.message = Some(
                "Log in to search your own posts and likes (@me, in:likes, in:posted).".into(),
            );
            return Ok(out);
        }
        let mut tx = self.db.read().await?;
        let results = db_search::search(
            &mut tx,
            &query,
            &db_search::Options {
                searcher: Self::searcher(actor),
                any_word: false,
                exclude_topic: None,
                offset: (page - 1) * SEARCH_RESULTS_PER_PAGE,
                limit: SEARCH_RESULTS_PER_PAGE,
            },
        )
        .await?;
        let terms = db_search::highlight_terms(&query);
        out.total = results.total;
        out.capped = results.capped;
        out.more = page * SEARCH_RESULTS_PER_PAGE < results.total;
        out.hits = results
            .hits
            .into_iter()
            .map(|(row, _)| {
                let text = stoa_markup::plain_text(&row.raw);
                SearchHit {
                    title: analyzer::snippet(&row.title, &terms),
                    snippet: analyzer::snippet(&text, &terms),
                    row: row.into(),
                }
            })
            .collect();
        drop(tx);
        if page == 1 && !query.words.is_empty() {
            let words = query.words.join(" ");
            let folded = analyzer::index_text(&words);
            if !folded.is_empty() {
                out.categories = self
                    .categories(actor)
                    .await?
                    .into_iter()
                    .filter(|c| analyzer::index_text(&c.name).contains(&folded))
                    .take(5)
                    .collect();
            }
            if let [word] = query.words.as_slice() {
                let mut users = self.complete_usernames(word).await?;
                users.truncate(5);
                out.users = users;
            }
        }
        Ok(out)
    }

    /// Up to [`SIMILAR_TOPICS`] visible topics whose opening post is most like `title`
    /// (for the new-topic form and under a topic), leaving out `exclude`.
    pub async fn similar_topics(
        &self,
        actor: Actor,
        title: &str,
        exclude: Option<TopicId>,
    ) -> Result<Vec<FoundPost>> {
        let mut tx = self.db.read().await?;
        let found = similar_in(&mut tx, actor, title, exclude).await?;
        Ok(found.into_iter().map(Into::into).collect())
    }

    /// Rebuilds index rows: every post's (`all`), or only those missing or built by another
    /// analyzer version. Works in batches, one transaction each, calling `progress(done,
    /// total)` after each; returns how many rows it wrote.
    pub async fn reindex(&self, all: bool, mut progress: impl FnMut(u64, u64)) -> Result<u64> {
        const BATCH: i64 = 500;
        let (posts, stale) = {
            let mut tx = self.db.read().await?;
            db_search::status(&mut tx).await?
        };
        let total = u64::try_from(if all { posts } else { stale }).unwrap_or(0);
        let mut done = 0u64;
        let mut after = PostId(0);
        progress(0, total);
        loop {
            let mut tx = self.db.write().await?;
            let batch = db_search::sources(&mut tx, after, BATCH, !all).await?;
            let Some(last) = batch.last() else {
                break;
            };
            after = last.id;
            for source in &batch {
                db_search::upsert(&mut tx, source.id, &doc_of(source)).await?;
            }
            tx.commit().await?;
            done += batch.len() as u64;
            progress(done, total.max(done));
        }
        if done > 0 {
            let mut tx = self.db.write().await?;
            db_search::optimize(&mut tx).await?;
            tx.commit().await?;
        }
        Ok(done)
    }

    /// How many posts there are, and how many lack an up-to-date index row.
    /// Whether [`Self::search_index_status`] may find stale posts, told without reading every
    /// post (for the check at each start).
    pub async fn search_index_may_be_stale(&self) -> Result<bool> {
        let mut tx = self.db.read().await?;
        Ok(db_search::may_be_stale(&mut tx).await?)
    }

    pub async fn search_index_status(&self) -> Result<(i64, i64)> {
        let mut tx = self.db.read().await?;
        Ok(db_search::status(&mut tx).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_topics_look_for_the_telling_words() {
        let q = similar_query("Why did the USSR trust its 1941 neutrality pact with Japan?");
        assert_eq!(q.words, ["ussr", "trust", "neutrality", "pact", "japan"]);
        let q = similar_query("日ソ中立条約");
        assert_eq!(q.phrases, ["日ソ", "ソ中", "中立", "立条", "条約"]);
        assert!(similar_query("Why? What? How?").words.is_empty());
    }
}
