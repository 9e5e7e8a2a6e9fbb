//! Members: a profile, the caller's notifications and session, the CSRF token for scripts.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use stoa_app::NOTIFICATIONS_PER_PAGE;

use super::shapes::*;
use super::{ApiError, Caller, Json, Params, Seg};
use crate::AppState;
use crate::context::Viewer;

/// A member's profile. `/users/{username}.json` answers the same (no redirect).
#[utoipa::path(get, path = "/u/{username}.json", tag = "users",
    params(("username" = String, Path)), responses((status = 200, body = UserEnvelope)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Seg(username): Seg<String>,
) -> Result<Response, ApiError> {
    let profile = state
        .forum
        .user_profile(caller.actor(), &username.to_lowercase())
        .await?;
    Ok(Json(UserEnvelope::new(&profile)).into_response())
}

/// The caller's notifications, newest first, 30 from `offset`. Types: 1 mentioned,
/// 2 replied, 3 quoted, 4 edited, 5 liked, 9 posted.
#[utoipa::path(get, path = "/notifications.json", tag = "users",
    params(("offset" = Option<i64>, Query)), responses((status = 200, body = NotificationsJson)))]
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
    let next = format!("/notifications?offset={}", page * NOTIFICATIONS_PER_PAGE);
    Ok(Json(NotificationsJson::new(list, user_id, next)).into_response())
}

/// Marks one notification (`id`) or all of them read.
#[utoipa::path(put, path = "/notifications/mark-read.json", tag = "users",
    params(("id" = Option<i64>, Query)), responses((status = 200, body = super::shapes::SuccessJson)))]
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
    Ok(Json(super::shapes::SuccessJson::ok()).into_response())
}

/// The caller; 404 for a visitor, as Discourse answers.
#[utoipa::path(get, path = "/session/current.json", tag = "users",
    responses((status = 200, body = CurrentUserEnvelope)))]
pub(crate) async fn current(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let me = caller.user.as_ref().ok_or_else(ApiError::not_found)?;
    let unread = state.forum.unread_notifications(caller.actor()).await?;
    let can_create_topic = state.forum.site_can(caller.actor()).create_topic;
    Ok(Json(CurrentUserEnvelope::new(me, unread, can_create_topic)).into_response())
}

/// The token a script sends in `X-CSRF-Token` with its session cookie (not needed with an
/// API key).
#[utoipa::path(get, path = "/session/csrf.json", tag = "users",
    responses((status = 200, body = CsrfJson)))]
pub(crate) async fn csrf(visit: Viewer) -> Response {
    Json(CsrfJson::new(visit.csrf_token())).into_response()
}
