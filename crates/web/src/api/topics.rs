//! Topics: the latest list, one topic with its post stream, posts by id, deleting, and the
//! member's notification level.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use stoa_app::{Followed, ListTab, Part, PostId, TopPeriod, TopicId};

use super::shapes::*;
use super::{ApiError, Caller, Json, Params, Seg, empty, id};
use crate::AppState;
use crate::cache::Fresh;

/// Discourse's `page` is 0-based; the forum's pages start at 1.
pub(crate) fn page_param(params: &Params) -> Result<i64, ApiError> {
    Ok(params.int(&["page"])?.unwrap_or(0).clamp(0, 100_000) + 1)
}

/// The topics with the newest activity, 30 a page (0-based `page`, as Discourse's).
#[utoipa::path(get, path = "/latest.json", tag = "topics",
    params(("page" = Option<i64>, Query, description = "0-based page")),
    responses((status = 200, body = TopicListPageJson)))]
pub(crate) async fn latest(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let page = page_param(&params)?;
    let list = state
        .forum
        .topic_list(caller.actor(), None, None, page)
        .await?;
    let more = list.more.then(|| format!("/latest?page={page}"));
    let json = Json(TopicListPageJson::new(
        &list.topics,
        state.forum.site_can(caller.actor()).create_topic,
        more,
    ));
    Ok(Fresh::of(&[Part::Lists, Part::Site]).on(json.into_response()))
}

/// `/new.json`, `/unread.json` (a member's) and `/top.json?period=…` (Discourse's `daily` …
/// `all`; `yearly` when not said): the other lists, in the shape of `/latest.json`.
#[utoipa::path(get, path = "/top.json", tag = "topics",
    params(("page" = Option<i64>, Query, description = "0-based page"),
        ("period" = Option<String>, Query, description = "daily, weekly, monthly, quarterly, yearly or all")),
    responses((status = 200, body = TopicListPageJson)))]
pub(crate) async fn top(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let period = match params.text(&["period"]) {
        None => TopPeriod::default(),
        Some(p) => TopPeriod::parse(p.trim()).ok_or_else(|| {
            ApiError::bad_param("period must be daily, weekly, monthly, quarterly, yearly or all")
        })?,
    };
    tab_json(&state, &caller, &params, ListTab::Top(period), "top").await
}

/// Topics created in the last two days that the member has not opened.
#[utoipa::path(get, path = "/new.json", tag = "topics",
    params(("page" = Option<i64>, Query, description = "0-based page")),
    responses((status = 200, body = TopicListPageJson)))]
pub(crate) async fn new(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    tab_json(&state, &caller, &params, ListTab::New, "new").await
}

/// Topics the member follows with posts they have not read.
#[utoipa::path(get, path = "/unread.json", tag = "topics",
    params(("page" = Option<i64>, Query, description = "0-based page")),
    responses((status = 200, body = TopicListPageJson)))]
pub(crate) async fn unread(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    tab_json(&state, &caller, &params, ListTab::Unread, "unread").await
}

async fn tab_json(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    tab: ListTab,
    path: &str,
) -> Result<Response, ApiError> {
    let page = page_param(params)?;
    let list = state.forum.list_tab(caller.actor(), tab, page).await?;
    let more = list.more.then(|| match tab {
        ListTab::Top(p) => format!("/{path}?period={}&page={page}", p.name()),
        _ => format!("/{path}?page={page}"),
    });
    let json = Json(TopicListPageJson::new(
        &list.topics,
        state.forum.site_can(caller.actor()).create_topic,
        more,
    ));
    Ok(Fresh::of(&[Part::Lists, Part::Site]).on(json.into_response()))
}

async fn topic(
    state: &AppState,
    caller: &Caller,
    topic: i64,
    post_number: Option<i64>,
    params: &Params,
) -> Result<Response, ApiError> {
    let from = match post_number {
        Some(n) => Some(n),
        None => params.int(&["post_number"])?,
    };
    let view = state
        .forum
        .topic_view(caller.actor(), TopicId(topic), from)
        .await?;
    let raw = params.flag(&["include_raw"]);
    let json = Json(TopicJson::new(view, caller.user.as_ref(), raw)).into_response();
    Ok(Fresh::of(&[Part::Topic(TopicId(topic)), Part::Site]).on(json))
}

/// A topic: every visible post id in `post_stream.stream`, and 20 posts from `post_number`
/// on (`include_raw=true` adds each post's Markdown). Also `/t/{id}/{post_number}.json`.
#[utoipa::path(get, path = "/t/{id}.json", tag = "topics",
    params(("id" = i64, Path), ("post_number" = Option<i64>, Query), ("include_raw" = Option<bool>, Query)),
    responses((status = 200, body = TopicJson)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Seg(topic_id): Seg<String>,
    params: Params,
) -> Result<Response, ApiError> {
    topic(&state, &caller, id(&topic_id)?, None, &params).await
}

/// The same topic view with the slug in the path (any slug: the id decides, no redirect).
/// With two numbers, `/t/{id}/{post_number}.json`, the second is a post number.
#[utoipa::path(get, path = "/t/{slug}/{id}.json", tag = "topics",
    params(("slug" = String, Path), ("id" = i64, Path), ("post_number" = Option<i64>, Query), ("include_raw" = Option<bool>, Query)),
    responses((status = 200, body = TopicJson)))]
pub(crate) async fn show_two(
    State(state): State<AppState>,
    caller: Caller,
    Seg((first, second)): Seg<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let second = id(&second)?;
    match first.parse::<i64>() {
        Ok(topic_id) if topic_id > 0 => {
            topic(&state, &caller, topic_id, Some(second), &params).await
        }
        _ => topic(&state, &caller, second, None, &params).await,
    }
}

/// The topic view from one post on.
#[utoipa::path(get, path = "/t/{slug}/{id}/{post_number}.json", tag = "topics",
    params(("slug" = String, Path), ("id" = i64, Path), ("post_number" = i64, Path), ("include_raw" = Option<bool>, Query)),
    responses((status = 200, body = TopicJson)))]
pub(crate) async fn show_three(
    State(state): State<AppState>,
    caller: Caller,
    Seg((_slug, topic_id, number)): Seg<(String, String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    topic(&state, &caller, id(&topic_id)?, Some(id(&number)?), &params).await
}

/// More of a topic's posts, by id from its stream: `post_ids[]=1&post_ids[]=2`.
#[utoipa::path(get, path = "/t/{id}/posts.json", tag = "topics",
    params(("id" = i64, Path), ("post_ids[]" = Option<Vec<i64>>, Query, explode = true), ("include_raw" = Option<bool>, Query)),
    responses((status = 200, body = TopicPostsJson)))]
pub(crate) async fn posts(
    State(state): State<AppState>,
    caller: Caller,
    Seg(topic_id): Seg<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let topic_id = id(&topic_id)?;
    let ids: Vec<PostId> = params.ints("post_ids").into_iter().map(PostId).collect();
    let batch = state
        .forum
        .topic_posts(caller.actor(), TopicId(topic_id), &ids)
        .await?;
    let topic = state.forum.topic(caller.actor(), TopicId(topic_id)).await?;
    let raw = params.flag(&["include_raw"]);
    let viewer = caller.user.as_ref();
    Ok(Json(TopicPostsJson::new(&batch, &topic, viewer, raw)).into_response())
}

/// Soft-deletes a topic (staff, or its author while nobody else has replied: afterwards a 403,
/// and deleting its first post withdraws that instead); an empty 200, as Discourse answers.
/// Also `DELETE /t/{id}`.
#[utoipa::path(delete, path = "/t/{id}.json", tag = "topics",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Deleted: an empty body")))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Seg(topic_id): Seg<String>,
) -> Result<Response, ApiError> {
    let topic_id = TopicId(id(&topic_id)?);
    state.forum.delete_topic(caller.actor(), topic_id).await?;
    Ok(empty())
}

/// What a reader's browser showed of a topic, as Discourse's client reports it:
/// `timings[N]` is how long post N was on screen (milliseconds). The posts count as read.
#[utoipa::path(post, path = "/topics/timings.json", tag = "topics",
    request_body(content = TimingsRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Recorded: an empty body")))]
pub(crate) async fn timings(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let topic_id = TopicId(params.require_int("topic_id")?);
    let numbers = params.int_keys("timings");
    state
        .forum
        .record_reading(caller.actor(), topic_id, &numbers)
        .await?;
    Ok(empty())
}

/// The member's notification level for a topic: 0 muted, 1 normal, 2 tracking, 3 watching.
#[utoipa::path(post, path = "/t/{id}/notifications.json", tag = "topics",
    params(("id" = i64, Path)),
    request_body(content = super::shapes::LevelRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = super::shapes::SuccessJson)))]
pub(crate) async fn set_notification_level(
    State(state): State<AppState>,
    caller: Caller,
    Seg(topic_id): Seg<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let topic_id = TopicId(id(&topic_id)?);
    let level = params.require_int("notification_level")?;
    state
        .forum
        .set_notification_level(caller.actor(), Followed::Topic(topic_id), level)
        .await?;
    Ok(Json(super::shapes::SuccessJson::ok()).into_response())
}

// What the OpenAPI document says this resource's requests carry.

#[expect(dead_code, reason = "read only by utoipa's derive, for the schema")]
#[derive(Debug, utoipa::ToSchema)]
pub(crate) struct TimingsRequest {
    topic_id: i64,
    /// Milliseconds the topic was open (Stoa does not use it).
    topic_time: Option<i64>,
    /// Post number to milliseconds on screen (`timings[3]=1200`).
    timings: std::collections::HashMap<String, i64>,
}
