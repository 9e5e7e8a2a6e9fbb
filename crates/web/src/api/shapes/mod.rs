//! The objects of Discourse's API (its serializers), built from what `Forum` returns, one
//! module per resource.
//!
//! One naming rule: an object Discourse sends is `<Name>Json`, after what it is (`PostJson`,
//! `TopicListJson`, `CurrentUserJson`); an answer that only wraps one under a key
//! (`{"post": …}`, `{"user": …}`) is `<Name>Envelope`. What a request carries is
//! `<Name>Request`, beside its handler. Nothing here shares a name with a type of `app`.
//!
//! Field names, types and presence follow Discourse's serializers (`app/serializers/` in
//! discourse/discourse) and what its client libraries read: strict clients reject an object
//! with a key missing, so every key is always sent, `null` where Stoa has no value. Fields for
//! features Stoa does not have carry their neutral value and say so here: no trust levels
//! (members are reported at level 1, "basic", admins at 4), no post read counts (`reads`,
//! `readers_count` 0), no quote counts, no incoming links, no bookmarks, no wikis, no pinning,
//! no tags, no groups.

mod categories;
mod posts;
mod search;
mod site;
mod topics;
mod users;

pub(crate) use categories::*;
pub(crate) use posts::*;
pub(crate) use search::*;
pub(crate) use site::*;
pub(crate) use topics::*;
pub(crate) use users::*;

use chrono::SecondsFormat;
use serde::Serialize;
use stoa_app::{CurrentUser, PostItem, Timestamp};
use stoa_app::{MemberName, TopicSummary};

/// Discourse's time format: `2024-05-01T12:34:56.789Z`.
pub(crate) fn time(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Where a member's avatar is drawn, `{size}` to be replaced by the client (Discourse's
/// convention); served by the letter-avatar route.
pub(crate) fn avatar_template(username: &str) -> String {
    format!(
        "/letter_avatar/{}/{{size}}.svg",
        username.to_ascii_lowercase()
    )
}

/// The trust level Stoa reports: it has none of its own yet (see the module doc).
pub(crate) fn trust_level(admin: bool) -> i64 {
    if admin { 4 } else { 1 }
}

/// A title as HTML text (Discourse's `fancy_title`).
pub(crate) fn fancy(title: &str) -> String {
    html_escape::encode_text(title).into_owned()
}

/// `users[]` beside a topic list; a liker; a search hit's member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = BasicUser)]
pub(crate) struct BasicUserJson {
    id: i64,
    username: String,
    name: Option<String>,
    avatar_template: String,
}

impl BasicUserJson {
    pub fn new(id: i64, username: &str, name: &str) -> Self {
        Self {
            id,
            username: username.to_owned(),
            name: Some(name.to_owned()).filter(|n| !n.is_empty()),
            avatar_template: avatar_template(username),
        }
    }
}

impl From<&MemberName> for BasicUserJson {
    fn from(u: &MemberName) -> Self {
        Self::new(u.id.0, &u.username, &u.name)
    }
}

/// `{"success": "OK"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Success)]
pub(crate) struct SuccessJson {
    success: &'static str,
}

impl SuccessJson {
    pub fn ok() -> Self {
        Self { success: "OK" }
    }
}

#[expect(dead_code, reason = "read only by utoipa's derive, for the schema")]
#[derive(Debug, utoipa::ToSchema)]
pub(crate) struct LevelRequest {
    /// 0 muted, 1 normal, 2 tracking, 3 watching.
    #[schema(minimum = 0, maximum = 3)]
    notification_level: i64,
}
