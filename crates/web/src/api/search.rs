//! `/search.json` in Discourse's shape, `/topics/similar_to.json` for the new-topic form, and
//! `/u/search/users.json` for @mention completion.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use stoa_app::{Part, TopicId};

use super::categories::shaped;
use super::shapes::*;
use super::{ApiError, Caller, Json};
use crate::AppState;
use crate::cache::Fresh;
use crate::pages::search::SearchParams;

/// Full-text search with Discourse's operators (`"phrase"`, `-word`, `@user`, `#category`,
/// `in:title`, `before:`/`after:`, `status:`, `order:`…); 1-based `page`. The best post of
/// each topic is in `posts`, its topic in `topics`.
#[utoipa::path(get, path = "/search.json", tag = "search",
    params(("q" = Option<String>, Query), ("page" = Option<i64>, Query)),
    responses((status = 200, body = SearchResultJson)))]
pub(crate) async fn json(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = SearchParams::from_query(raw.as_deref());
    let actor = caller.actor();
    let r = state.forum.search(actor, &params.q, params.page).await?;
    let categories = shaped(&state, actor, &r.categories).await?;
    let term = params.q.clone();
    let can_create_topic = state.forum.site_can(actor).create_topic;
    // Any write to a topic can change what a query finds; a category's name or visibility too.
    Ok(
        Fresh::of(&[Part::Lists, Part::Site]).on(Json(SearchResultJson::new(
            &r,
            term,
            can_create_topic,
            categories,
        ))
        .into_response()),
    )
}

/// Topics like a title being typed (the new-topic form asks as one types).
#[utoipa::path(get, path = "/topics/similar_to.json", tag = "search",
    params(("title" = Option<String>, Query), ("exclude" = Option<i64>, Query)),
    responses((status = 200, body = SimilarTopicsJson)))]
pub(crate) async fn similar(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = SearchParams::from_query(raw.as_deref());
    let topics = state
        .forum
        .similar_topics(caller.actor(), &params.title, params.exclude.map(TopicId))
        .await?;
    Ok(Json(SimilarTopicsJson::new(topics)).into_response())
}

/// Usernames starting with `term`, for @mention completion.
#[utoipa::path(get, path = "/u/search/users.json", tag = "search",
    params(("term" = Option<String>, Query)), responses((status = 200, body = CompletionsJson)))]
pub(crate) async fn complete_users(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let term = url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "term")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let users = state.forum.complete_usernames(&term).await?;
    Ok(Json(CompletionsJson::new(users)).into_response())
}
