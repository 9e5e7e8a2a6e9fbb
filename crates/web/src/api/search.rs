//! `/search.json` in Discourse's shape, `/topics/similar_to.json` for the new-topic form, and
//! `/u/search/users.json` for @mention completion.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use stoa_app::TopicId;
use stoa_app::core::analyzer::Fragment;

use super::categories::shaped;
use super::shapes::{BasicUser, ItemFacts, Poster, TopicItem, avatar_template, time};
use super::{ApiError, Caller, Json};
use crate::AppState;
use crate::pages::search::{SearchParams, marked};

/// `posts[]` of `/search.json`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchPost {
    id: i64,
    name: Option<String>,
    username: String,
    avatar_template: String,
    created_at: String,
    like_count: i64,
    /// HTML: escaped text around the match, matches in `span.search-highlight`.
    blurb: String,
    post_number: i64,
    topic_title_headline: String,
    topic_id: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Grouped {
    term: String,
    search_log_id: i64,
    more_posts: Option<bool>,
    more_users: Option<bool>,
    more_categories: Option<bool>,
    more_full_page_results: Option<bool>,
    can_create_topic: bool,
    error: Option<String>,
    post_ids: Vec<i64>,
    user_ids: Vec<i64>,
    category_ids: Vec<i64>,
    tag_ids: Vec<i64>,
    group_ids: Vec<i64>,
}

/// A post's `blurb`: its text around the match, escaped, with the matched words in
/// Discourse's `<span class="search-highlight">`. Discourse clients insert blurbs as HTML, so
/// nothing a member wrote may reach one unescaped.
fn blurb(fragments: &[Fragment]) -> String {
    let mut html = String::new();
    for f in fragments {
        let text = html_escape::encode_text(&f.text);
        if f.hit {
            html.push_str("<span class=\"search-highlight\">");
            html.push_str(&text);
            html.push_str("</span>");
        } else {
            html.push_str(&text);
        }
    }
    html
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchAnswer {
    posts: Vec<SearchPost>,
    topics: Vec<TopicItem>,
    users: Vec<BasicUser>,
    categories: Vec<super::shapes::Category>,
    tags: Vec<String>,
    groups: Vec<String>,
    grouped_search_result: Grouped,
}

/// Full-text search with Discourse's operators (`"phrase"`, `-word`, `@user`, `#category`,
/// `in:title`, `before:`/`after:`, `status:`, `order:`…); 1-based `page`. The best post of
/// each topic is in `posts`, its topic in `topics`.
#[utoipa::path(get, path = "/search.json", tag = "search",
    params(("q" = Option<String>, Query), ("page" = Option<i64>, Query)),
    responses((status = 200, body = SearchAnswer)))]
pub(crate) async fn json(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = SearchParams::from_query(raw.as_deref());
    let actor = caller.actor();
    let r = state.forum.search(actor, &params.q, params.page).await?;
    let posts: Vec<SearchPost> = r
        .hits
        .iter()
        .map(|h| SearchPost {
            id: h.row.post_id.0,
            name: Some(h.row.name.clone()).filter(|n| !n.is_empty()),
            username: h.row.username.clone(),
            avatar_template: avatar_template(&h.row.username),
            created_at: time(&h.row.created_at),
            like_count: h.row.like_count,
            blurb: blurb(&h.snippet),
            post_number: h.row.post_number,
            topic_title_headline: marked(&h.title),
            topic_id: h.row.topic_id.0,
        })
        .collect();
    let topics: Vec<TopicItem> = r
        .hits
        .iter()
        .map(|h| {
            TopicItem::new(ItemFacts {
                id: h.row.topic_id.0,
                title: &h.row.title,
                slug: &h.row.slug,
                posts_count: h.row.posts_count,
                highest_post_number: h.row.highest_post_number,
                created_at: &h.row.topic_created_at,
                bumped_at: &h.row.bumped_at,
                closed: h.row.closed,
                views: h.row.views,
                like_count: h.row.topic_like_count,
                last_poster: &h.row.last_poster,
                category_id: h.row.category_id.0,
                posters: vec![Poster::only(h.row.user_id.0)],
                last_read_post_number: None,
            })
        })
        .collect();
    let grouped = Grouped {
        term: params.q.clone(),
        search_log_id: 0,
        more_posts: None,
        more_users: None,
        more_categories: None,
        more_full_page_results: r.more.then_some(true),
        can_create_topic: caller.user.is_some(),
        error: r.message.clone(),
        post_ids: r.hits.iter().map(|h| h.row.post_id.0).collect(),
        user_ids: r.users.iter().map(|u| u.id.0).collect(),
        category_ids: r.categories.iter().map(|c| c.id.0).collect(),
        tag_ids: Vec::new(),
        group_ids: Vec::new(),
    };
    let categories = shaped(&state, actor, &r.categories).await?;
    Ok(Json(SearchAnswer {
        posts,
        topics,
        users: r.users.iter().map(BasicUser::from).collect(),
        categories,
        tags: Vec::new(),
        groups: Vec::new(),
        grouped_search_result: grouped,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SimilarTopic {
    id: i64,
    title: String,
    slug: String,
    url: String,
    category_id: i64,
    category_name: String,
    posts_count: i64,
    created_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SimilarTopics {
    similar_topics: Vec<SimilarTopic>,
}

/// Topics like a title being typed (the new-topic form asks as one types).
#[utoipa::path(get, path = "/topics/similar_to.json", tag = "search",
    params(("title" = Option<String>, Query), ("exclude" = Option<i64>, Query)),
    responses((status = 200, body = SimilarTopics)))]
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
    let similar: Vec<SimilarTopic> = topics
        .into_iter()
        .map(|t| SimilarTopic {
            url: format!("/t/{}/{}", t.slug, t.topic_id),
            id: t.topic_id.0,
            title: t.title,
            slug: t.slug,
            category_id: t.category_id.0,
            category_name: t.category_name,
            posts_count: t.posts_count,
            created_at: time(&t.topic_created_at),
        })
        .collect();
    Ok(Json(SimilarTopics {
        similar_topics: similar,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Completion {
    username: String,
    name: String,
    avatar_template: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Completions {
    users: Vec<Completion>,
}

/// Usernames starting with `term`, for @mention completion.
#[utoipa::path(get, path = "/u/search/users.json", tag = "search",
    params(("term" = Option<String>, Query)), responses((status = 200, body = Completions)))]
pub(crate) async fn complete_users(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let term = url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "term")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let users = state
        .forum
        .complete_usernames(&term)
        .await?
        .into_iter()
        .map(|u| Completion {
            avatar_template: avatar_template(&u.username),
            username: u.username,
            name: u.name,
        })
        .collect();
    Ok(Json(Completions { users }).into_response())
}
