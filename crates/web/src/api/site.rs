//! The site: `/about.json`, `/site.json`, `/site/statistics.json`, and posts as plain
//! Markdown (`/raw/…`, for archivers).

use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use stoa_app::{NotificationKind, PostId, SiteCounts, SiteStatistics, TopicId};

use super::categories::shaped;
use super::shapes::time;
use super::{ApiError, Caller, Json, Params, Seg, id};
use crate::AppState;

/// Discourse's `SiteStatistics`: all time, last day, 7 and 30 days (public content only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SiteStatistics)]
pub(crate) struct Statistics {
    topics_count: i64,
    topics_last_day: i64,
    topics_7_days: i64,
    topics_30_days: i64,
    posts_count: i64,
    posts_last_day: i64,
    posts_7_days: i64,
    posts_30_days: i64,
    users_count: i64,
    users_last_day: i64,
    users_7_days: i64,
    users_30_days: i64,
    active_users_last_day: i64,
    active_users_7_days: i64,
    active_users_30_days: i64,
    participating_users_last_day: i64,
    participating_users_7_days: i64,
    participating_users_30_days: i64,
    likes_count: i64,
    likes_last_day: i64,
    likes_7_days: i64,
    likes_30_days: i64,
}

impl From<&SiteStatistics> for Statistics {
    fn from(s: &SiteStatistics) -> Self {
        let (a, d, w, m): (&SiteCounts, &SiteCounts, &SiteCounts, &SiteCounts) =
            (&s.all, &s.last_day, &s.last_7_days, &s.last_30_days);
        Self {
            topics_count: a.topics,
            topics_last_day: d.topics,
            topics_7_days: w.topics,
            topics_30_days: m.topics,
            posts_count: a.posts,
            posts_last_day: d.posts,
            posts_7_days: w.posts,
            posts_30_days: m.posts,
            users_count: a.users,
            users_last_day: d.users,
            users_7_days: w.users,
            users_30_days: m.users,
            active_users_last_day: d.active_users,
            active_users_7_days: w.active_users,
            active_users_30_days: m.active_users,
            participating_users_last_day: d.participating_users,
            participating_users_7_days: w.participating_users,
            participating_users_30_days: m.participating_users,
            likes_count: a.likes,
            likes_last_day: d.likes,
            likes_7_days: w.likes,
            likes_30_days: m.likes,
        }
    }
}

/// Counts of topics, posts, members and likes.
#[utoipa::path(get, path = "/site/statistics.json", tag = "site",
    responses((status = 200, body = Statistics)))]
pub(crate) async fn statistics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let s = state.forum.site_statistics().await?;
    Ok(Json(Statistics::from(&s)).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct About {
    title: String,
    description: String,
    extended_site_description: String,
    banner_image: Option<String>,
    site_creation_date: String,
    locale: &'static str,
    version: &'static str,
    https: bool,
    can_see_about_stats: bool,
    contact_url: String,
    contact_email: String,
    moderator_ids: Vec<i64>,
    admin_ids: Vec<i64>,
    category_moderators: Vec<serde_json::Value>,
    stats: Statistics,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AboutAnswer {
    about: About,
}

/// The forum: its name, its admins, its counts.
#[utoipa::path(get, path = "/about.json", tag = "site",
    responses((status = 200, body = AboutAnswer)))]
pub(crate) async fn about(State(state): State<AppState>) -> Result<Response, ApiError> {
    let s = state.forum.site_statistics().await?;
    Ok(Json(AboutAnswer {
        about: About {
            title: state.config.site_name.clone(),
            description: String::new(),
            extended_site_description: String::new(),
            banner_image: None,
            site_creation_date: s.created_at.as_ref().map(time).unwrap_or_default(),
            locale: "en",
            version: env!("CARGO_PKG_VERSION"),
            https: state.config.secure_cookies,
            can_see_about_stats: true,
            contact_url: String::new(),
            contact_email: String::new(),
            moderator_ids: Vec::new(),
            admin_ids: s.admin_ids.iter().map(|u| u.0).collect(),
            category_moderators: Vec::new(),
            stats: Statistics::from(&s),
        },
    })
    .into_response())
}

/// What a client needs to start: the categories and the numeric codes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Site {
    default_archetype: &'static str,
    notification_types: serde_json::Map<String, serde_json::Value>,
    post_types: serde_json::Value,
    trust_levels: serde_json::Value,
    post_action_types: Vec<serde_json::Value>,
    topic_flag_types: Vec<serde_json::Value>,
    groups: Vec<serde_json::Value>,
    filters: Vec<&'static str>,
    periods: Vec<&'static str>,
    top_menu_items: Vec<&'static str>,
    anonymous_top_menu_items: Vec<&'static str>,
    uncategorized_category_id: Option<i64>,
    can_create_tag: bool,
    can_tag_topics: bool,
    categories: Vec<super::shapes::Category>,
    user_fields: Vec<serde_json::Value>,
    auth_providers: Vec<serde_json::Value>,
}

#[utoipa::path(get, path = "/site.json", tag = "site", responses((status = 200, body = Site)))]
pub(crate) async fn site(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let actor = caller.actor();
    let all = state.forum.categories(actor).await?;
    let categories = shaped(&state, actor, &all).await?;
    let notification_types: serde_json::Map<String, serde_json::Value> = NotificationKind::ALL
        .iter()
        .map(|k| (format!("{k:?}").to_lowercase(), json!(k.id())))
        .collect();
    let menu = vec!["latest", "categories"];
    Ok(Json(Site {
        default_archetype: "regular",
        notification_types,
        post_types: json!({"regular": 1, "moderator_action": 2, "small_action": 3, "whisper": 4}),
        trust_levels: json!({"newuser": 0, "basic": 1, "member": 2, "regular": 3, "leader": 4}),
        post_action_types: vec![json!({
            "id": 2, "name_key": "like", "name": "Like", "description": "Like this post",
            "short_description": "Like this post", "is_flag": false, "require_message": false,
            "enabled": true, "applies_to": ["Post"], "is_used": true, "position": 0,
        })],
        topic_flag_types: Vec::new(),
        groups: Vec::new(),
        filters: menu.clone(),
        periods: Vec::new(),
        top_menu_items: menu.clone(),
        anonymous_top_menu_items: menu,
        uncategorized_category_id: None,
        can_create_tag: false,
        can_tag_topics: false,
        categories,
        user_fields: Vec::new(),
        auth_providers: Vec::new(),
    })
    .into_response())
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
