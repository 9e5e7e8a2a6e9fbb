//! Cooking a post's text, done before its write transaction opens: the only writer on SQLite
//! waits for nobody's Markdown. Finds the mentions (and refuses text that nests deeper than
//! `markup::MAX_NESTING`), looks up which mentioned members exist in a read transaction, and
//! renders. Every step is linear in the text (`markup`'s tests bound a hostile 32 kB body).

use stoa_core::{Error, PostBody};
use stoa_db::Db;
use stoa_markup::CookContext;

use crate::Result;

/// A validated body and its HTML, ready to be written.
#[derive(Debug)]
pub(crate) struct Cooked {
    pub body: PostBody,
    pub html: String,
}

impl Cooked {
    pub fn raw(&self) -> &str {
        self.body.as_str()
    }
}

/// Validates and cooks `raw`. Mentions of members who do not exist stay plain text; one who
/// signs up between this and the write is linked on the post's next edit.
pub(crate) async fn prepare(db: &Db, raw: &str) -> Result<Cooked> {
    let body = PostBody::parse(raw)?;
    let facts = stoa_markup::scan(body.as_str());
    if let Some(too_deep) = facts.too_deep {
        return Err(Error::invalid("raw", too_deep.to_string()).into());
    }
    let known = if facts.mentions.is_empty() {
        Vec::new()
    } else {
        let mut tx = db.read().await?;
        stoa_db::users::existing_usernames(&mut tx, &facts.mentions).await?
    };
    let ctx = CookContext {
        known_users: known.into_iter().collect(),
    };
    let html = stoa_markup::cook(body.as_str(), &ctx);
    Ok(Cooked { body, html })
}
