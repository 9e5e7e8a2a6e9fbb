//! Topics: a topic list and its items (with their posters), a topic with its post stream.

use super::*;
use serde::Serialize;
use serde_json::{Value, json};

/// One of a topic's posters in a list item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Poster)]
pub(crate) struct PosterJson {
    extras: Option<&'static str>,
    description: &'static str,
    user_id: i64,
    primary_group_id: Option<i64>,
}

impl PosterJson {
    /// The creator, when nothing else is known of who posted.
    pub fn only(user_id: i64) -> Self {
        Self {
            extras: Some("latest single"),
            description: "Original Poster",
            user_id,
            primary_group_id: None,
        }
    }
}

impl From<&stoa_app::Poster> for PosterJson {
    fn from(p: &stoa_app::Poster) -> Self {
        Self {
            extras: p.extras,
            description: p.description,
            user_id: p.user_id.0,
            primary_group_id: None,
        }
    }
}

/// A topic in a list (`/latest.json`, category lists, `search.json`'s `topics`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TopicItem)]
pub(crate) struct TopicListItemJson {
    id: i64,
    title: String,
    fancy_title: String,
    slug: String,
    posts_count: i64,
    reply_count: i64,
    highest_post_number: i64,
    image_url: Option<String>,
    created_at: String,
    last_posted_at: Option<String>,
    bumped: bool,
    bumped_at: String,
    archetype: &'static str,
    unseen: bool,
    last_read_post_number: Option<i64>,
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
    posters: Vec<PosterJson>,
    tags: Vec<String>,
    tags_descriptions: Value,
}

impl TopicListItemJson {
    pub fn new(f: ItemFacts<'_>) -> Self {
        Self {
            id: f.id,
            title: f.title.to_owned(),
            fancy_title: fancy(f.title),
            slug: f.slug.to_owned(),
            posts_count: f.posts_count,
            reply_count: (f.posts_count - 1).max(0),
            highest_post_number: f.highest_post_number,
            image_url: None,
            created_at: time(f.created_at),
            last_posted_at: Some(time(f.bumped_at)),
            bumped: true,
            bumped_at: time(f.bumped_at),
            archetype: "regular",
            unseen: false,
            last_read_post_number: f.last_read_post_number,
            pinned: false,
            unpinned: None,
            visible: true,
            closed: f.closed,
            archived: false,
            bookmarked: None,
            liked: None,
            views: f.views,
            like_count: f.like_count,
            has_summary: false,
            last_poster_username: f.last_poster.to_owned(),
            category_id: f.category_id,
            pinned_globally: false,
            featured_link: None,
            posters: f.posters,
            tags: Vec::new(),
            tags_descriptions: json!({}),
        }
    }
}

impl From<&TopicSummary> for TopicListItemJson {
    fn from(t: &TopicSummary) -> Self {
        Self::new(ItemFacts {
            id: t.id.0,
            title: &t.title,
            slug: &t.slug,
            posts_count: t.posts_count,
            highest_post_number: t.highest_post_number,
            created_at: &t.created_at,
            bumped_at: &t.bumped_at,
            closed: t.closed,
            views: t.views,
            like_count: t.like_count,
            last_poster: &t.last_poster,
            category_id: t.category_id.0,
            posters: t.posters.iter().map(PosterJson::from).collect(),
            last_read_post_number: t.last_read_post_number,
        })
    }
}

/// The fields every topic-list item shares, whatever the source row.
pub(crate) struct ItemFacts<'a> {
    pub(crate) id: i64,
    pub(crate) title: &'a str,
    pub(crate) slug: &'a str,
    pub(crate) posts_count: i64,
    pub(crate) highest_post_number: i64,
    pub(crate) created_at: &'a Timestamp,
    pub(crate) bumped_at: &'a Timestamp,
    pub(crate) closed: bool,
    pub(crate) views: i64,
    pub(crate) like_count: i64,
    pub(crate) last_poster: &'a str,
    pub(crate) category_id: i64,
    /// Who posted, in Discourse's order (creator, most active, last).
    pub(crate) posters: Vec<PosterJson>,
    pub(crate) last_read_post_number: Option<i64>,
}

/// `topic_list` of a list answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TopicList)]
pub(crate) struct TopicListJson {
    can_create_topic: bool,
    /// Only when there is a next page: a client that pages while this is set must stop.
    #[serde(skip_serializing_if = "Option::is_none")]
    more_topics_url: Option<String>,
    per_page: i64,
    draft_key: &'static str,
    draft_sequence: i64,
    topics: Vec<TopicListItemJson>,
}

/// A whole list answer: the side-loaded members and the list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TopicListPage)]
pub(crate) struct TopicListPageJson {
    users: Vec<BasicUserJson>,
    primary_groups: Vec<Value>,
    topic_list: TopicListJson,
}

impl TopicListPageJson {
    /// `more` is the next page's path (with `?page=`), when there is one.
    pub fn new(rows: &[TopicSummary], can_create_topic: bool, more: Option<String>) -> Self {
        let mut users: Vec<BasicUserJson> = Vec::new();
        for p in rows.iter().flat_map(|t| &t.posters) {
            if !users.iter().any(|u| u.id == p.user_id.0) {
                users.push(BasicUserJson::new(p.user_id.0, &p.username, &p.name));
            }
        }
        Self {
            users,
            primary_groups: Vec::new(),
            topic_list: TopicListJson {
                can_create_topic,
                more_topics_url: more,
                per_page: stoa_app::core::limits::TOPICS_PER_PAGE,
                draft_key: "new_topic",
                draft_sequence: 0,
                topics: rows.iter().map(TopicListItemJson::from).collect(),
            },
        }
    }
}

/// A participant in `details`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Participant)]
pub(crate) struct ParticipantJson {
    id: i64,
    username: String,
    name: Option<String>,
    avatar_template: String,
    post_count: i64,
    primary_group_name: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Details)]
pub(crate) struct TopicDetailsJson {
    can_edit: bool,
    notification_level: i64,
    can_create_post: bool,
    can_reply_as_new_topic: bool,
    can_flag_topic: bool,
    can_delete: bool,
    participants: Vec<ParticipantJson>,
    created_by: BasicUserJson,
    last_poster: BasicUserJson,
    links: Vec<Value>,
}

/// Posts of a topic; `stream` lists every visible post id in order (topic view only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PostStream)]
pub(crate) struct PostStreamJson {
    posts: Vec<PostJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<Vec<i64>>,
}

/// A topic with its first chunk of posts (Discourse's `TopicViewSerializer`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TopicView)]
pub(crate) struct TopicJson {
    post_stream: PostStreamJson,
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
    details: TopicDetailsJson,
}

/// A topic's posts chosen by id (from its `stream`; at most 200).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TopicPosts)]
pub(crate) struct TopicPostsJson {
    post_stream: PostStreamJson,
    id: i64,
}

impl TopicJson {
    pub fn new(view: stoa_app::TopicView, user: Option<&CurrentUser>, raw: bool) -> Self {
        let t = &view.topic;
        let posts = view
            .posts
            .items
            .iter()
            .map(|i| {
                PostJson::new(
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
        let participant = |(u, n): &(MemberName, i64)| ParticipantJson {
            id: u.id.0,
            username: u.username.clone(),
            name: Some(u.name.clone()).filter(|n| !n.is_empty()),
            avatar_template: avatar_template(&u.username),
            post_count: *n,
            primary_group_name: None,
        };
        Self {
            post_stream: PostStreamJson {
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
            details: TopicDetailsJson {
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
                created_by: BasicUserJson::from(&view.created_by),
                last_poster: BasicUserJson::from(&view.last_poster),
                links: Vec::new(),
            },
        }
    }
}

impl TopicPostsJson {
    /// Some posts of a topic, by id (Discourse's `/t/{id}/posts.json`).
    pub fn new(
        batch: &stoa_app::PostBatch,
        topic: &stoa_app::Topic,
        viewer: Option<&CurrentUser>,
        raw: bool,
    ) -> Self {
        let posts = batch
            .items
            .iter()
            .map(|i| {
                PostJson::new(
                    i,
                    &topic.slug,
                    batch.author_posts(i.post.user_id),
                    viewer,
                    raw,
                )
            })
            .collect();
        Self {
            post_stream: PostStreamJson {
                posts,
                stream: None,
            },
            id: topic.id.0,
        }
    }
}
