//! Members: a profile, the caller's notifications and session, the CSRF token for scripts.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use stoa_app::NOTIFICATIONS_PER_PAGE;

use super::shapes::{avatar_template, time, trust_level};
use super::{ApiError, Caller, Json, Params, Seg};
use crate::AppState;
use crate::context::Viewer;

/// A member's public profile.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub(crate) struct UserJson {
    id: i64,
    username: String,
    name: Option<String>,
    avatar_template: String,
    title: Option<String>,
    trust_level: i64,
    admin: bool,
    moderator: bool,
    staff: bool,
    created_at: String,
    last_posted_at: Option<String>,
    last_seen_at: Option<String>,
    post_count: i64,
    topic_count: i64,
    likes_given: i64,
    likes_received: i64,
    badge_count: i64,
    bio_raw: Option<String>,
    bio_cooked: Option<String>,
    bio_excerpt: Option<String>,
    website: Option<String>,
    location: Option<String>,
    profile_view_count: i64,
    can_edit: bool,
    groups: Vec<Value>,
}

/// `{"user": …}` with Discourse's (empty) badge lists.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UserAnswer {
    user_badges: Vec<Value>,
    badges: Vec<Value>,
    user: UserJson,
}

/// A member's profile. `/users/{username}.json` answers the same (no redirect).
#[utoipa::path(get, path = "/u/{username}.json", tag = "users",
    params(("username" = String, Path)), responses((status = 200, body = UserAnswer)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Seg(username): Seg<String>,
) -> Result<Response, ApiError> {
    let profile = state
        .forum
        .user_profile(caller.actor(), &username.to_lowercase())
        .await?;
    let u = &profile.user;
    let last_posted = profile
        .replies
        .iter()
        .map(|r| r.created_at)
        .chain(profile.topics.iter().map(|t| t.created_at))
        .max();
    let user = UserJson {
        id: u.id.0,
        username: u.username.clone(),
        name: Some(u.name.clone()).filter(|n| !n.is_empty()),
        avatar_template: avatar_template(&u.username),
        title: None,
        trust_level: trust_level(u.admin),
        admin: u.admin,
        moderator: false,
        staff: u.admin,
        created_at: time(&u.created_at),
        last_posted_at: last_posted.as_ref().map(time),
        last_seen_at: u.last_seen_at.as_ref().map(time),
        post_count: profile.stats.post_count,
        topic_count: profile.stats.topic_count,
        likes_given: profile.stats.likes_given,
        likes_received: profile.stats.likes_received,
        badge_count: 0,
        bio_raw: None,
        bio_cooked: None,
        bio_excerpt: None,
        website: None,
        location: None,
        profile_view_count: 0,
        can_edit: profile.can.edit,
        groups: Vec::new(),
    };
    Ok(Json(UserAnswer {
        user_badges: Vec::new(),
        badges: Vec::new(),
        user,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Notification)]
pub(crate) struct NotificationJson {
    id: i64,
    user_id: i64,
    notification_type: i64,
    read: bool,
    high_priority: bool,
    created_at: String,
    post_number: Option<i64>,
    topic_id: Option<i64>,
    fancy_title: Option<String>,
    slug: Option<String>,
    data: Value,
}

/// A page of the caller's notifications.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Notifications {
    notifications: Vec<NotificationJson>,
    total_rows_notifications: i64,
    seen_notification_id: Option<i64>,
    load_more_notifications: String,
}

/// The caller's notifications, newest first, 30 from `offset`. Types: 1 mentioned,
/// 2 replied, 3 quoted, 4 edited, 5 liked, 9 posted.
#[utoipa::path(get, path = "/notifications.json", tag = "users",
    params(("offset" = Option<i64>, Query)), responses((status = 200, body = Notifications)))]
pub(crate) async fn notifications(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let actor = caller.actor();
    let offset = params.int(&["offset"])?.unwrap_or(0).clamp(0, 1_000_000);
    let page = offset / NOTIFICATIONS_PER_PAGE + 1;
    let list = state.forum.notifications(actor, page).await?;
    let user_id = actor.user_id().map_or(0, |u| u.0);
    let seen = list.items.iter().filter(|n| n.read).map(|n| n.id).max();
    let items: Vec<NotificationJson> = list
        .items
        .into_iter()
        .map(|n| NotificationJson {
            id: n.id,
            user_id,
            notification_type: n.notification_type,
            read: n.read,
            high_priority: false,
            created_at: time(&n.created_at),
            post_number: n.post_number,
            topic_id: n.topic_id.map(|t| t.0),
            fancy_title: n.topic_id.map(|_| super::shapes::fancy(&n.topic_title)),
            slug: n.topic_id.map(|_| n.slug.clone()),
            data: n.data,
        })
        .collect();
    let next = page * NOTIFICATIONS_PER_PAGE;
    Ok(Json(Notifications {
        notifications: items,
        total_rows_notifications: list.total,
        seen_notification_id: seen,
        load_more_notifications: format!("/notifications?offset={next}"),
    })
    .into_response())
}

/// Marks one notification (`id`) or all of them read.
#[utoipa::path(put, path = "/notifications/mark-read.json", tag = "users",
    params(("id" = Option<i64>, Query)), responses((status = 200, body = super::openapi::Success)))]
pub(crate) async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    match params.int(&["id"])? {
        Some(id) => {
            state
                .forum
                .mark_notification_read(caller.actor(), id)
                .await?
        }
        None => {
            state
                .forum
                .mark_all_notifications_read(caller.actor())
                .await?
        }
    }
    Ok(Json(super::openapi::Success::ok()).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CurrentUser {
    id: i64,
    username: String,
    name: Option<String>,
    avatar_template: String,
    trust_level: i64,
    admin: bool,
    moderator: bool,
    staff: bool,
    unread_notifications: i64,
    unread_high_priority_notifications: i64,
    can_create_topic: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CurrentUserAnswer {
    current_user: CurrentUser,
}

/// The caller; 404 for a visitor, as Discourse answers.
#[utoipa::path(get, path = "/session/current.json", tag = "users",
    responses((status = 200, body = CurrentUserAnswer)))]
pub(crate) async fn current(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let me = caller.user.as_ref().ok_or_else(ApiError::not_found)?;
    let unread = state.forum.unread_notifications(caller.actor()).await?;
    Ok(Json(CurrentUserAnswer {
        current_user: CurrentUser {
            id: me.id.0,
            username: me.username.clone(),
            name: Some(me.name.clone()).filter(|n| !n.is_empty()),
            avatar_template: avatar_template(&me.username),
            trust_level: trust_level(me.admin),
            admin: me.admin,
            moderator: false,
            staff: me.admin,
            unread_notifications: unread,
            unread_high_priority_notifications: 0,
            can_create_topic: state.forum.site_can(caller.actor()).create_topic,
        },
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Csrf {
    csrf: String,
}

/// The token a script sends in `X-CSRF-Token` with its session cookie (not needed with an
/// API key).
#[utoipa::path(get, path = "/session/csrf.json", tag = "users",
    responses((status = 200, body = Csrf)))]
pub(crate) async fn csrf(visit: Viewer) -> Response {
    Json(Csrf {
        csrf: visit.csrf_token(),
    })
    .into_response()
}
