//! Cooking a post's text, done before its write transaction opens: the only writer on SQLite
//! waits for nobody's Markdown. Finds the mentions, looks up which mentioned members exist in a
//! read transaction, and renders on a blocking thread (refusing text whose HTML would nest
//! deeper than `markup::MAX_NESTING`). Every step is linear in the text (`markup`'s tests bound
//! a hostile 32 kB body).

use std::sync::LazyLock;

use stoa_core::{Error, PostBody};
use stoa_db::Db;
use stoa_markup::CookContext;
use tokio::sync::Semaphore;

use crate::{AppError, Result};

/// A body and what is made of it once, before the write: its HTML, what it mentions and
/// quotes (for notifications), and its plain text as the search index holds it (analysed).
#[derive(Debug)]
pub(crate) struct Cooked {
    raw: String,
    pub html: String,
    pub facts: stoa_markup::Facts,
    pub index_body: String,
}

impl Cooked {
    pub fn raw(&self) -> &str {
        &self.raw
    }
}

/// Texts being cooked at once: one per core.
static COOKS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())));

/// Validates and cooks `raw`. Mentions of members who do not exist stay plain text; one who
/// signs up between this and the write is linked on the post's next edit.
pub(crate) async fn prepare(db: &Db, raw: &str) -> Result<Cooked> {
    let body = PostBody::parse(raw)?;
    let facts = stoa_markup::scan(body.as_str());
    render(db, body.as_str().to_owned(), facts, true).await
}

/// Cooks text that was accepted once (a revision coming back), under today's renderer but
/// not today's rules: it is not refused, and what nests too deeply shows as plain text.
pub(crate) async fn prepare_accepted(db: &Db, raw: &str) -> Result<Cooked> {
    let facts = stoa_markup::scan(raw);
    render(db, raw.to_owned(), facts, false).await
}

/// `refuse_too_deep`: a new text nesting too deeply is refused (422); an accepted one is shown
/// as plain text.
async fn render(
    db: &Db,
    raw: String,
    facts: stoa_markup::Facts,
    refuse_too_deep: bool,
) -> Result<Cooked> {
    let known = if facts.mentions.is_empty() {
        Vec::new()
    } else {
        let mut tx = db.read().await?;
        stoa_db::users::existing_usernames(&mut tx, &facts.mentions).await?
    };
    let ctx = CookContext {
        known_users: known.into_iter().collect(),
    };
    // Milliseconds at most, but CPU: off the async workers, one per core at a time (more
    // threads would not cook faster, and each would hold its own memory).
    let _slot = COOKS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("cooking slots: {e}")))?;
    let (raw, html, index_body) = tokio::task::spawn_blocking(move || {
        let html = if refuse_too_deep {
            stoa_markup::cook_checked(&raw, &ctx)
        } else {
            Ok(stoa_markup::cook(&raw, &ctx))
        };
        let index_body = stoa_core::analyzer::index_text(&stoa_markup::plain_text(&raw));
        (raw, html, index_body)
    })
    .await
    .map_err(|e| AppError::Internal(format!("cooking task: {e}")))?;
    let html = html.map_err(|too_deep| Error::invalid("raw", too_deep.to_string()))?;
    Ok(Cooked {
        raw,
        html,
        facts,
        index_body,
    })
}
