//! Cooking inside a transaction: find the mentions, look up which members exist, render.

use stoa_db::Tx;
use stoa_markup::CookContext;

use crate::Result;

pub(crate) async fn cook(tx: &mut Tx, raw: &str) -> Result<String> {
    let facts = stoa_markup::scan(raw);
    let known = stoa_db::users::existing_usernames(tx, &facts.mentions).await?;
    let ctx = CookContext {
        known_users: known.into_iter().collect(),
    };
    Ok(stoa_markup::cook(raw, &ctx))
}
