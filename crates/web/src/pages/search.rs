//! Search: the results page, `/search.json` (Discourse's shape) and similar topics.

use askama::Template;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use stoa_app::core::analyzer::Fragment;
use stoa_app::core::search::Filter;
use stoa_app::db::categories::CategoryRow;
use stoa_app::{SearchResults, TopicId};

use super::{Chrome, iso, ok};
use crate::AppState;
use crate::context::Viewer;
use crate::error::WebError;

/// The parameters of a search address, decoded leniently: a client may send them unencoded
/// or with invalid percent escapes (they decode to U+FFFD), and nothing here is ever a 400.
#[derive(Debug, Default)]
struct SearchParams {
    q: String,
    page: i64,
    title: String,
    exclude: Option<i64>,
}

impl SearchParams {
    fn from_query(raw: Option<&str>) -> Self {
        let mut p = SearchParams {
            page: 1,
            ..Default::default()
        };
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match k.as_ref() {
                "q" | "term" => p.q = v.into_owned(),
                "page" => p.page = v.parse().ok().filter(|n| *n >= 1).unwrap_or(1),
                "title" => p.title = v.into_owned(),
                "exclude" => p.exclude = v.parse().ok(),
                _ => {}
            }
        }
        p
    }
}

/// `/search?q=…` with the query (less one filter) encoded.
fn search_href(q: &str, page: i64) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", q);
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    format!("/search?{}", s.finish())
}

/// A filter shown as a chip, with where its ✕ leads.
struct Chip {
    label: String,
    remove_href: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    results: SearchResults,
    chips: Vec<Chip>,
    prev_href: Option<String>,
    next_href: Option<String>,
    pages: i64,
    /// The number of the first hit on this page (for the ordered list).
    first_number: i64,
}

/// A snippet's fragments as HTML: text escaped, hits in `<mark>`.
pub(crate) fn marked(fragments: &[Fragment]) -> String {
    let mut html = String::new();
    for f in fragments {
        let text = html_escape::encode_text(&f.text);
        if f.hit {
            html.push_str("<mark>");
            html.push_str(&text);
            html.push_str("</mark>");
        } else {
            html.push_str(&text);
        }
    }
    html
}

pub(crate) async fn page(
    State(state): State<AppState>,
    visit: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let params = SearchParams::from_query(raw.as_deref());
    let results = state
        .forum
        .search(visit.actor(), &params.q, params.page)
        .await?;
    let chips = results
        .query
        .filters()
        .into_iter()
        .map(|(filter, label): (Filter, String)| Chip {
            remove_href: search_href(&results.query.without(filter).to_text(), 1),
            label,
        })
        .collect();
    let title = if params.q.trim().is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {}", params.q.trim())
    };
    let per_page = stoa_app::core::limits::SEARCH_RESULTS_PER_PAGE;
    let pages = (results.total + per_page - 1) / per_page;
    ok(&SearchPage {
        chrome: Chrome::new(&state, &visit, title),
        prev_href: (results.page > 1).then(|| search_href(&params.q, results.page - 1)),
        next_href: results
            .more
            .then(|| search_href(&params.q, results.page + 1)),
        pages,
        first_number: (results.page - 1) * per_page + 1,
        chips,
        results,
    })
}

/// `posts[]` of `/search.json`.
#[derive(Serialize)]
struct SearchPostJson {
    id: i64,
    name: String,
    username: String,
    avatar_template: String,
    created_at: String,
    like_count: i64,
    blurb: String,
    post_number: i64,
    topic_title_headline: String,
    topic_id: i64,
}

/// A poster of a topic-list item.
#[derive(Serialize)]
struct PosterJson {
    extras: Option<String>,
    description: String,
    user_id: i64,
}

/// `topics[]` of `/search.json`: Discourse's topic-list item.
#[derive(Serialize)]
struct TopicJson {
    id: i64,
    title: String,
    fancy_title: String,
    slug: String,
    posts_count: i64,
    reply_count: i64,
    highest_post_number: i64,
    created_at: String,
    last_posted_at: Option<String>,
    bumped: bool,
    bumped_at: String,
    archetype: &'static str,
    unseen: bool,
    pinned: bool,
    unpinned: Option<bool>,
    visible: bool,
    closed: bool,
    archived: bool,
    bookmarked: Option<bool>,
    liked: Option<bool>,
    views: i64,
    like_count: i64,
    has_summary: bool,
    last_poster_username: String,
    category_id: i64,
    pinned_globally: bool,
    featured_link: Option<String>,
    image_url: Option<String>,
    posters: Vec<PosterJson>,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct UserJson {
    id: i64,
    username: String,
    name: String,
    avatar_template: String,
}

#[derive(Serialize)]
struct CategoryJson {
    id: i64,
    name: String,
    slug: String,
    description: String,
    parent_category_id: Option<i64>,
    read_restricted: bool,
    topic_count: i64,
    post_count: i64,
    position: i64,
}

impl From<&CategoryRow> for CategoryJson {
    fn from(c: &CategoryRow) -> Self {
        Self {
            id: c.id,
            name: c.name.clone(),
            slug: c.slug.clone(),
            description: c.description.clone(),
            parent_category_id: c.parent_id,
            read_restricted: c.read_restricted,
            topic_count: c.topic_count,
            post_count: c.post_count,
            position: c.position,
        }
    }
}

#[derive(Serialize)]
struct GroupedJson {
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

#[derive(Serialize)]
struct SearchJson {
    posts: Vec<SearchPostJson>,
    topics: Vec<TopicJson>,
    users: Vec<UserJson>,
    categories: Vec<CategoryJson>,
    tags: Vec<String>,
    groups: Vec<String>,
    grouped_search_result: GroupedJson,
}

/// Plain text of fragments (a `blurb`; Discourse's blurbs are text, its headlines HTML).
fn plain(fragments: &[Fragment]) -> String {
    fragments.iter().map(|f| f.text.as_str()).collect()
}

pub(crate) async fn json(
    State(state): State<AppState>,
    visit: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let params = SearchParams::from_query(raw.as_deref());
    let r = state
        .forum
        .search(visit.actor(), &params.q, params.page)
        .await?;
    let posts: Vec<SearchPostJson> = r
        .hits
        .iter()
        .map(|h| SearchPostJson {
            id: h.row.post_id,
            name: h.row.name.clone(),
            username: h.row.username.clone(),
            avatar_template: String::new(),
            created_at: iso(&h.row.created_at),
            like_count: h.row.like_count,
            blurb: plain(&h.snippet),
            post_number: h.row.post_number,
            topic_title_headline: marked(&h.title),
            topic_id: h.row.topic_id,
        })
        .collect();
    let topics = r
        .hits
        .iter()
        .map(|h| TopicJson {
            id: h.row.topic_id,
            title: h.row.title.clone(),
            fancy_title: html_escape::encode_text(&h.row.title).into_owned(),
            slug: h.row.slug.clone(),
            posts_count: h.row.posts_count,
            reply_count: (h.row.posts_count - 1).max(0),
            highest_post_number: h.row.highest_post_number,
            created_at: iso(&h.row.topic_created_at),
            last_posted_at: Some(iso(&h.row.bumped_at)),
            bumped: true,
            bumped_at: iso(&h.row.bumped_at),
            archetype: "regular",
            unseen: false,
            pinned: false,
            unpinned: None,
            visible: true,
            closed: h.row.closed,
            archived: false,
            bookmarked: None,
            liked: None,
            views: h.row.views,
            like_count: h.row.topic_like_count,
            has_summary: false,
            last_poster_username: h.row.last_poster.clone(),
            category_id: h.row.category_id,
            pinned_globally: false,
            featured_link: None,
            image_url: None,
            posters: vec![PosterJson {
                extras: None,
                description: "Original Poster".into(),
                user_id: h.row.user_id,
            }],
            tags: Vec::new(),
        })
        .collect();
    let grouped = GroupedJson {
        term: params.q.clone(),
        search_log_id: 0,
        more_posts: None,
        more_users: None,
        more_categories: None,
        more_full_page_results: r.more.then_some(true),
        can_create_topic: visit.user.is_some(),
        error: r.message.clone(),
        post_ids: r.hits.iter().map(|h| h.row.post_id).collect(),
        user_ids: r.users.iter().map(|u| u.id).collect(),
        category_ids: r.categories.iter().map(|c| c.id).collect(),
        tag_ids: Vec::new(),
        group_ids: Vec::new(),
    };
    Ok(Json(SearchJson {
        posts,
        topics,
        users: r
            .users
            .iter()
            .map(|u| UserJson {
                id: u.id,
                username: u.username.clone(),
                name: u.name.clone(),
                avatar_template: String::new(),
            })
            .collect(),
        categories: r.categories.iter().map(CategoryJson::from).collect(),
        tags: Vec::new(),
        groups: Vec::new(),
        grouped_search_result: grouped,
    })
    .into_response())
}

#[derive(Serialize)]
struct SimilarJson {
    similar_topics: Vec<SimilarTopicJson>,
}

#[derive(Serialize)]
struct SimilarTopicJson {
    id: i64,
    title: String,
    slug: String,
    url: String,
    category_id: i64,
    category_name: String,
    posts_count: i64,
    created_at: String,
}

/// `/topics/similar_to?title=…` (Discourse's path): topics like a title being typed.
pub(crate) async fn similar(
    State(state): State<AppState>,
    visit: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let params = SearchParams::from_query(raw.as_deref());
    let topics = state
        .forum
        .similar_topics(visit.actor(), &params.title, params.exclude.map(TopicId))
        .await?;
    Ok(Json(SimilarJson {
        similar_topics: topics
            .into_iter()
            .map(|t| SimilarTopicJson {
                url: format!("/t/{}/{}", t.slug, t.topic_id),
                id: t.topic_id,
                title: t.title,
                slug: t.slug,
                category_id: t.category_id,
                category_name: t.category_name,
                posts_count: t.posts_count,
                created_at: iso(&t.topic_created_at),
            })
            .collect(),
    })
    .into_response())
}
