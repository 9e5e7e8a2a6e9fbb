//! Search: results grouped by topic, similar topics, @mention completions.

use serde::Serialize;

use stoa_app::core::analyzer::Fragment;

use super::*;
use crate::pages::search::marked;
use crate::paths;

/// `posts[]` of `/search.json`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SearchPost)]
pub(crate) struct SearchPostJson {
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
#[schema(as = Grouped)]
pub(crate) struct GroupedResultJson {
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SearchAnswer)]
pub(crate) struct SearchResultJson {
    posts: Vec<SearchPostJson>,
    topics: Vec<TopicListItemJson>,
    users: Vec<BasicUserJson>,
    categories: Vec<CategoryJson>,
    tags: Vec<String>,
    groups: Vec<String>,
    grouped_search_result: GroupedResultJson,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SimilarTopic)]
pub(crate) struct SimilarTopicJson {
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
#[schema(as = SimilarTopics)]
pub(crate) struct SimilarTopicsJson {
    similar_topics: Vec<SimilarTopicJson>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Completion)]
pub(crate) struct CompletionJson {
    username: String,
    name: String,
    avatar_template: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Completions)]
pub(crate) struct CompletionsJson {
    users: Vec<CompletionJson>,
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

impl SearchResultJson {
    /// `/search.json` for results `r` of the query `term`.
    pub fn new(
        r: &stoa_app::SearchResults,
        term: String,
        can_create_topic: bool,
        categories: Vec<CategoryJson>,
    ) -> Self {
        let posts: Vec<SearchPostJson> = r
            .hits
            .iter()
            .map(|h| SearchPostJson {
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
        let topics: Vec<TopicListItemJson> = r
            .hits
            .iter()
            .map(|h| {
                TopicListItemJson::new(ItemFacts {
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
                    posters: vec![PosterJson::only(h.row.user_id.0)],
                    last_read_post_number: None,
                })
            })
            .collect();
        let grouped = GroupedResultJson {
            term,
            search_log_id: 0,
            more_posts: None,
            more_users: None,
            more_categories: None,
            more_full_page_results: r.more.then_some(true),
            can_create_topic,
            error: r.message.clone(),
            post_ids: r.hits.iter().map(|h| h.row.post_id.0).collect(),
            user_ids: r.users.iter().map(|u| u.id.0).collect(),
            category_ids: r.categories.iter().map(|c| c.id.0).collect(),
            tag_ids: Vec::new(),
            group_ids: Vec::new(),
        };
        Self {
            posts,
            topics,
            users: r.users.iter().map(BasicUserJson::from).collect(),
            categories,
            tags: Vec::new(),
            groups: Vec::new(),
            grouped_search_result: grouped,
        }
    }
}

impl SimilarTopicsJson {
    pub fn new(topics: Vec<stoa_app::FoundPost>) -> Self {
        let similar: Vec<SimilarTopicJson> = topics
            .into_iter()
            .map(|t| SimilarTopicJson {
                url: paths::topic(&t.slug, t.topic_id),
                id: t.topic_id.0,
                title: t.title,
                slug: t.slug,
                category_id: t.category_id.0,
                category_name: t.category_name,
                posts_count: t.posts_count,
                created_at: time(&t.topic_created_at),
            })
            .collect();
        Self {
            similar_topics: similar,
        }
    }
}

impl CompletionsJson {
    pub fn new(users: Vec<stoa_app::MemberName>) -> Self {
        let users = users
            .into_iter()
            .map(|u| CompletionJson {
                avatar_template: avatar_template(&u.username),
                username: u.username,
                name: u.name,
            })
            .collect();
        Self { users }
    }
}
