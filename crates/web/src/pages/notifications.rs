//! The member's notifications, notification levels for topics and categories, and @mention
//! completion.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use stoa_app::{CategoryId, Followed, NotificationItem, NotificationLevel, TopicId};

use super::{Chrome, PageQuery, ok, parse_id, query, safe_return_to, see_other};
use crate::AppState;
use crate::context::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::paths;

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsTemplate {
    chrome: Chrome,
    items: Vec<NotificationItem>,
    page: i64,
    more: bool,
    unread: i64,
}

/// `/notifications`: newest first, 30 a page.
pub(crate) async fn index(
    State(state): State<AppState>,
    visit: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let page = query::<PageQuery>(q).page();
    let list = state.forum.notifications(visit.actor(), page).await?;
    ok(&NotificationsTemplate {
        chrome: Chrome::new(&state, &visit, "Notifications"),
        items: list.items,
        page: list.page,
        more: list.more,
        unread: list.unread,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct MarkReadFields {
    /// One notification; absent: all of them.
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    return_to: String,
}

/// Marks one notification (`id`) or all of them read (Discourse: `PUT /notifications/mark-read`).
pub(crate) async fn mark_read(
    State(state): State<AppState>,
    visit: Viewer,
    CsrfForm(form): CsrfForm<MarkReadFields>,
) -> Result<Response, WebError> {
    match form.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => {
            let id = parse_id(id)?;
            state
                .forum
                .mark_notification_read(visit.actor(), id)
                .await?;
        }
        None => {
            state
                .forum
                .mark_all_notifications_read(visit.actor())
                .await?
        }
    }
    let back = safe_return_to(&form.return_to);
    Ok(see_other(if back == "/" { "/notifications" } else { back }))
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct LevelFields {
    #[serde(default)]
    notification_level: String,
}

fn level(fields: &LevelFields) -> i64 {
    fields.notification_level.trim().parse().unwrap_or(-1)
}

/// Sets the member's level for a topic (Discourse's path: `POST /t/{id}/notifications`).
pub(crate) async fn set_topic_level(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<LevelFields>,
) -> Result<Response, WebError> {
    let id = TopicId(parse_id(&id)?);
    state
        .forum
        .set_notification_level(visit.actor(), Followed::Topic(id), level(&form))
        .await?;
    let topic = state.forum.topic(visit.actor(), id).await?;
    Ok(see_other(&format!(
        "{}#notification-level",
        paths::topic(&topic.slug, topic.id)
    )))
}

/// Sets the member's level for a category (`POST /category/{id}/notifications`).
pub(crate) async fn set_category_level(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<LevelFields>,
) -> Result<Response, WebError> {
    let id = CategoryId(parse_id(&id)?);
    state
        .forum
        .set_notification_level(visit.actor(), Followed::Category(id), level(&form))
        .await?;
    let category = state.forum.category(visit.actor(), id).await?;
    Ok(see_other(&paths::category(&category.slug, category.id)))
}

/// The level picker's choices, for templates.
pub(crate) fn levels() -> [NotificationLevel; 4] {
    NotificationLevel::ALL
}
