//! The site: `/about.json`, `/site.json`, `/site/statistics.json`, and posts as plain
//! Markdown (`/raw/…`, for archivers).

use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use stoa_app::{PostId, TopicId};

use super::categories::shaped;
use super::shapes::*;
use super::{ApiError, Caller, Json, Params, Seg, id};
use crate::AppState;

/// Counts of topics, posts, members and likes.
#[utoipa::path(get, path = "/site/statistics.json", tag = "site",
    responses((status = 200, body = StatisticsJson)))]
pub(crate) async fn statistics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let s = state.forum.site_statistics().await?;
    Ok(Json(StatisticsJson::from(&s)).into_response())
}

/// The forum: its name, its admins, its counts.
#[utoipa::path(get, path = "/about.json", tag = "site",
    responses((status = 200, body = AboutEnvelope)))]
pub(crate) async fn about(State(state): State<AppState>) -> Result<Response, ApiError> {
    let s = state.forum.site_statistics().await?;
    let https = state.config.secure_cookies;
    Ok(Json(AboutEnvelope::new(&state.config.site_name, https, &s)).into_response())
}

#[utoipa::path(get, path = "/site.json", tag = "site", responses((status = 200, body = SiteJson)))]
pub(crate) async fn site(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let actor = caller.actor();
    let all = state.forum.categories(actor).await?;
    let categories = shaped(&state, actor, &all).await?;
    Ok(Json(SiteJson::new(categories)).into_response())
}

/// Posts per page of `/raw/{topic}` (Discourse: 100).
const RAW_PER_PAGE: usize = 100;

fn text(body: String) -> Response {
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Every post's Markdown as plain text, 100 posts a page (1-based): `username | updated_at |
/// #post_number`, the text, and a rule. Past the end, an empty 200 (archivers stop there).
#[utoipa::path(get, path = "/raw/{topic_id}", tag = "site",
    params(("topic_id" = i64, Path), ("page" = Option<i64>, Query)),
    responses((status = 200, content_type = "text/plain", body = String)))]
pub(crate) async fn raw_topic(
    State(state): State<AppState>,
    caller: Caller,
    Seg(topic): Seg<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let topic = TopicId(id(&topic)?);
    let page = params.int(&["page"])?.unwrap_or(1).clamp(1, 1_000_000);
    let actor = caller.actor();
    let stream = state.forum.topic_stream(actor, topic).await?;
    let skip = usize::try_from(page - 1)
        .unwrap_or(0)
        .saturating_mul(RAW_PER_PAGE);
    let ids: Vec<PostId> = stream
        .iter()
        .skip(skip)
        .take(RAW_PER_PAGE)
        .copied()
        .collect();
    let posts = state.forum.topic_posts(actor, topic, &ids).await?;
    let mut out = String::new();
    for i in &posts.items {
        let p = &i.post;
        out.push_str(&format!(
            "{} | {} | #{}\n\n{}\n\n-------------------------\n\n",
            p.username,
            p.updated_at.format("%Y-%m-%d %H:%M:%S UTC"),
            p.post_number,
            p.raw
        ));
    }
    Ok(text(out))
}

/// One post's Markdown as plain text.
#[utoipa::path(get, path = "/raw/{topic_id}/{post_number}", tag = "site",
    params(("topic_id" = i64, Path), ("post_number" = i64, Path)),
    responses((status = 200, content_type = "text/plain", body = String)))]
pub(crate) async fn raw_post(
    State(state): State<AppState>,
    caller: Caller,
    Seg((topic, number)): Seg<(String, String)>,
) -> Result<Response, ApiError> {
    let post = state
        .forum
        .post_by_number(caller.actor(), TopicId(id(&topic)?), id(&number)?)
        .await?;
    Ok(text(post.raw))
}
