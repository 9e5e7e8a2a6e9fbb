//! Topics: the latest list, one topic with its post stream, posts by id, deleting, and the
//! member's notification level.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use stoa_app::{ListTab, MemberName, PostId, TopPeriod, TopicId, TopicView};

use super::shapes::{BasicUser, Post, TopicListPage, avatar_template, fancy, time};
use super::{ApiError, Caller, Json, Params, Seg, empty, id};
use crate::AppState;

/// Discourse's `page` is 0-based; the forum's pages start at 1.
pub(crate) fn page_param(params: &Params) -> Result<i64, ApiError> {
    Ok(params.int(&["page"])?.unwrap_or(0).clamp(0, 100_000) + 1)
}

/// The topics with the newest activity, 30 a page (0-based `page`, as Discourse's).
#[utoipa::path(get, path = "/latest.json", tag = "topics",
    params(("page" = Option<i64>, Query, description = "0-based page")),
    responses((status = 200, body = TopicListPage)))]
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
    Ok(Json(TopicListPage::new(
        &list.topics,
        caller.user.is_some(),
        more,
    ))
    .into_response())
}

/// `/new.json`, `/unread.json` (a member's) and `/top.json?period=…` (Discourse's `daily` …
/// `all`; `yearly` when not said): the other lists, in the shape of `/latest.json`.
#[utoipa::path(get, path = "/top.json", tag = "topics",
    params(("page" = Option<i64>, Query, description = "0-based page"),
        ("period" = Option<String>, Query, description = "daily, weekly, monthly, quarterly, yearly or all")),
    responses((status = 200, body = TopicListPage)))]
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
    responses((status = 200, body = TopicListPage)))]
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
    responses((status = 200, body = TopicListPage)))]
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
    Ok(Json(TopicListPage::new(
        &list.topics,
        caller.user.is_some(),
        more,
    ))
    .into_response())
}

/// A participant in `details`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Participant {
    id: i64,
    username: String,
    name: Option<String>,
    avatar_template: String,
    post_count: i64,
    primary_group_name: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Details {
    can_edit: bool,
    notification_level: i64,
    can_create_post: bool,
    can_reply_as_new_topic: bool,
    can_flag_topic: bool,
    can_delete: bool,
    participants: Vec<Participant>,
    created_by: BasicUser,
    last_poster: BasicUser,
    links: Vec<Value>,
}

/// Posts of a topic; `stream` lists every visible post id in order (topic view only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PostStream {
    posts: Vec<Post>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<Vec<i64>>,
}

/// A topic with its first chunk of posts (Discourse's `TopicViewSerializer`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TopicView)]
pub(crate) struct TopicJson {
    post_stream: PostStream,
    timeline_lookup: Vec<Value>,
    suggested_topics: Vec<Value>,
    tags: Vec<String>,
    tags_descriptions: Value,
    id: i64,
    title: String,
    fancy_title: String,
    posts_count: i64,
    created_at: String,
    views: i64,
    reply_count: i64,
    like_count: i64,
    last_posted_at: Option<String>,
    visible: bool,
    closed: bool,
    archived: bool,
    has_summary: bool,
    archetype: &'static str,
    slug: String,
    category_id: i64,
    word_count: Option<i64>,
    deleted_at: Option<String>,
    user_id: i64,
    featured_link: Option<String>,
    pinned_globally: bool,
    pinned_at: Option<String>,
    pinned_until: Option<String>,
    image_url: Option<String>,
    slow_mode_seconds: i64,
    draft_key: String,
    draft_sequence: i64,
    unpinned: Option<bool>,
    pinned: bool,
    current_post_number: i64,
    highest_post_number: i64,
    chunk_size: i64,
    bookmarked: bool,
    message_bus_last_id: i64,
    participant_count: i64,
    show_read_indicator: bool,
    details: Details,
}

fn topic_json(view: TopicView, caller: &Caller, raw: bool) -> TopicJson {
    let t = &view.topic;
    let user = caller.user.as_ref();
    let posts = view
        .posts
        .items
        .iter()
        .map(|i| {
            Post::new(
                i,
                &t.slug,
                view.posts.author_posts(i.post.user_id),
                user,
                raw,
            )
        })
        .collect();
    let current = view.posts.items.first().map_or(1, |i| i.post.post_number);
    let can_delete = view
        .posts
        .items
        .first()
        .is_some_and(|i| i.post.post_number == 1 && i.can.delete);
    let participant = |(u, n): &(MemberName, i64)| Participant {
        id: u.id.0,
        username: u.username.clone(),
        name: Some(u.name.clone()).filter(|n| !n.is_empty()),
        avatar_template: avatar_template(&u.username),
        post_count: *n,
        primary_group_name: None,
    };
    TopicJson {
        post_stream: PostStream {
            posts,
            stream: Some(view.stream.iter().map(|p| p.0).collect()),
        },
        timeline_lookup: Vec::new(),
        suggested_topics: Vec::new(),
        tags: Vec::new(),
        tags_descriptions: json!({}),
        id: t.id.0,
        title: t.title.clone(),
        fancy_title: fancy(&t.title),
        posts_count: t.posts_count,
        created_at: time(&t.created_at),
        views: t.views,
        reply_count: t.reply_count,
        like_count: t.like_count,
        last_posted_at: Some(time(&t.last_posted_at)),
        visible: true,
        closed: t.closed,
        archived: false,
        has_summary: false,
        archetype: "regular",
        slug: t.slug.clone(),
        category_id: t.category_id.0,
        word_count: None,
        deleted_at: t.deleted_at.as_ref().map(time),
        user_id: t.user_id.0,
        featured_link: None,
        pinned_globally: false,
        pinned_at: None,
        pinned_until: None,
        image_url: None,
        slow_mode_seconds: 0,
        draft_key: format!("topic_{}", t.id),
        draft_sequence: 0,
        unpinned: None,
        pinned: false,
        current_post_number: current,
        highest_post_number: t.highest_post_number,
        chunk_size: stoa_app::CHUNK_SIZE,
        bookmarked: false,
        message_bus_last_id: 0,
        participant_count: view.participants.len() as i64,
        show_read_indicator: false,
        details: Details {
            can_edit: view
                .posts
                .items
                .first()
                .is_some_and(|i| i.post.post_number == 1 && i.can.edit),
            notification_level: view.notification_level.id(),
            can_create_post: view.can_reply,
            can_reply_as_new_topic: view.can_reply,
            can_flag_topic: false,
            can_delete,
            participants: view.participants.iter().map(participant).collect(),
            created_by: BasicUser::from(&view.created_by),
            last_poster: BasicUser::from(&view.last_poster),
            links: Vec::new(),
        },
    }
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
    Ok(Json(topic_json(view, caller, raw)).into_response())
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

/// A topic's posts chosen by id (from its `stream`; at most 200).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TopicPosts {
    post_stream: PostStream,
    id: i64,
}

/// More of a topic's posts, by id from its stream: `post_ids[]=1&post_ids[]=2`.
#[utoipa::path(get, path = "/t/{id}/posts.json", tag = "topics",
    params(("id" = i64, Path), ("post_ids[]" = Option<Vec<i64>>, Query, explode = true), ("include_raw" = Option<bool>, Query)),
    responses((status = 200, body = TopicPosts)))]
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
    let posts = batch
        .items
        .iter()
        .map(|i| {
            Post::new(
                i,
                &topic.slug,
                batch.author_posts(i.post.user_id),
                caller.user.as_ref(),
                raw,
            )
        })
        .collect();
    Ok(Json(TopicPosts {
        post_stream: PostStream {
            posts,
            stream: None,
        },
        id: topic.id.0,
    })
    .into_response())
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
    request_body(content = super::openapi::TimingsRequest, content_type = "application/x-www-form-urlencoded"),
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
    request_body(content = super::openapi::LevelRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = super::openapi::Success)))]
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
        .set_topic_notification_level(caller.actor(), topic_id, level)
        .await?;
    Ok(Json(super::openapi::Success::ok()).into_response())
}
