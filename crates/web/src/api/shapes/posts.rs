//! Posts: a post, the answers of `POST /posts` and `PUT /posts/{id}`, the newest posts, who
//! acted on a post.

use serde::Serialize;
use serde_json::{Value, json};

use super::*;
use crate::paths;

/// One entry of a post's `actions_summary` (likes are id 2).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ActionSummary)]
pub(crate) struct ActionSummaryJson {
    id: i64,
    count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    acted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    can_undo: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    can_act: Option<bool>,
}

/// A post (Discourse's `PostSerializer`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Post)]
pub(crate) struct PostJson {
    id: i64,
    name: Option<String>,
    username: String,
    avatar_template: String,
    created_at: String,
    cooked: String,
    post_number: i64,
    post_type: i64,
    posts_count: i64,
    updated_at: String,
    reply_count: i64,
    reply_to_post_number: Option<i64>,
    quote_count: i64,
    incoming_link_count: i64,
    reads: i64,
    readers_count: i64,
    score: f64,
    yours: bool,
    topic_id: i64,
    topic_slug: String,
    display_username: Option<String>,
    primary_group_name: Option<String>,
    flair_name: Option<String>,
    flair_url: Option<String>,
    flair_bg_color: Option<String>,
    flair_color: Option<String>,
    flair_group_id: Option<i64>,
    version: i64,
    can_edit: bool,
    can_delete: bool,
    can_recover: bool,
    can_wiki: bool,
    read: bool,
    user_title: Option<String>,
    bookmarked: bool,
    actions_summary: Vec<ActionSummaryJson>,
    moderator: bool,
    admin: bool,
    staff: bool,
    user_id: i64,
    hidden: bool,
    trust_level: i64,
    deleted_at: Option<String>,
    user_deleted: bool,
    edit_reason: Option<String>,
    can_view_edit_history: bool,
    wiki: bool,
    post_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to_user: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<String>,
}

impl PostJson {
    /// `author_posts` is the author's live post count; `raw` is sent only when asked for.
    pub fn new(
        item: &PostItem,
        topic_slug: &str,
        author_posts: i64,
        viewer: Option<&CurrentUser>,
        raw: bool,
    ) -> Self {
        let p = &item.post;
        let yours = viewer.is_some_and(|v| v.id == p.user_id);
        let like = ActionSummaryJson {
            id: 2,
            count: p.like_count,
            acted: p.liked.then_some(true),
            can_undo: p.liked.then_some(item.can.like),
            can_act: (!p.liked && item.can.like).then_some(true),
        };
        Self {
            id: p.id.0,
            name: Some(p.name.clone()).filter(|n| !n.is_empty()),
            username: p.username.clone(),
            avatar_template: avatar_template(&p.username),
            created_at: time(&p.created_at),
            cooked: p.cooked.clone(),
            post_number: p.post_number,
            post_type: 1,
            posts_count: author_posts,
            updated_at: time(&p.updated_at),
            reply_count: p.reply_count,
            reply_to_post_number: p.reply_to_post_number,
            quote_count: 0,
            incoming_link_count: 0,
            reads: 0,
            readers_count: 0,
            score: 0.0,
            yours,
            topic_id: p.topic_id.0,
            topic_slug: topic_slug.to_owned(),
            display_username: Some(p.name.clone()).filter(|n| !n.is_empty()),
            primary_group_name: None,
            flair_name: None,
            flair_url: None,
            flair_bg_color: None,
            flair_color: None,
            flair_group_id: None,
            version: p.version,
            can_edit: item.can.edit,
            can_delete: item.can.delete,
            can_recover: item.can.restore,
            can_wiki: false,
            read: true,
            user_title: None,
            bookmarked: false,
            actions_summary: vec![like],
            moderator: false,
            admin: p.author_admin,
            staff: p.author_admin,
            user_id: p.user_id.0,
            hidden: false,
            trust_level: trust_level(p.author_admin),
            deleted_at: p.deleted_at.as_ref().map(time),
            user_deleted: false,
            edit_reason: None,
            can_view_edit_history: p.version > 1,
            wiki: false,
            post_url: paths::post(topic_slug, p.topic_id, p.post_number),
            reply_to_user: p
                .reply_to_username
                .as_ref()
                .map(|u| json!({"username": u, "avatar_template": avatar_template(u)})),
            raw: raw.then(|| p.raw.clone()),
        }
    }
}

/// What `POST /posts` answers: the post itself, or `{"post": …}` with `nested_post`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = Created)]
pub(crate) enum CreatedPostJson {
    Post(Box<PostJson>),
    Nested { post: Box<PostJson> },
}

/// `{"post": …}`, as `PUT /posts/{id}` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PostAnswer)]
pub(crate) struct PostEnvelope {
    post: PostJson,
}

/// A post in `latest_posts`: the post and its topic's title.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = LatestPost)]
pub(crate) struct LatestPostJson {
    #[serde(flatten)]
    post: PostJson,
    topic_title: String,
    topic_html_title: String,
    category_id: i64,
    excerpt: String,
    truncated: bool,
}

/// The newest posts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = LatestPosts)]
pub(crate) struct LatestPostsJson {
    latest_posts: Vec<LatestPostJson>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ActionUser)]
pub(crate) struct ActionUserJson {
    id: i64,
    username: String,
    name: Option<String>,
    avatar_template: String,
    username_lower: String,
}

/// Who liked a post.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PostActionUsers)]
pub(crate) struct PostActionUsersJson {
    total_rows_post_action_users: i64,
    post_action_users: Vec<ActionUserJson>,
}

impl PostEnvelope {
    pub fn new(post: PostJson) -> Self {
        Self { post }
    }
}

impl LatestPostsJson {
    pub fn new(
        latest: &[stoa_app::LatestPost],
        batch: &stoa_app::PostBatch,
        viewer: Option<&CurrentUser>,
    ) -> Self {
        let latest_posts = latest
            .iter()
            .map(|l| {
                let (excerpt, truncated) = stoa_app::excerpt(&l.post.post.raw);
                LatestPostJson {
                    post: PostJson::new(
                        &l.post,
                        &l.topic_slug,
                        batch.author_posts(l.post.post.user_id),
                        viewer,
                        true,
                    ),
                    topic_html_title: fancy(&l.topic_title),
                    topic_title: l.topic_title.clone(),
                    category_id: l.category_id.0,
                    excerpt,
                    truncated,
                }
            })
            .collect();
        Self { latest_posts }
    }
}

impl PostActionUsersJson {
    pub fn new(likers: Vec<stoa_app::MemberName>) -> Self {
        let users: Vec<ActionUserJson> = likers
            .into_iter()
            .map(|u| ActionUserJson {
                id: u.id.0,
                avatar_template: avatar_template(&u.username),
                username_lower: u.username.to_lowercase(),
                name: Some(u.name).filter(|n| !n.is_empty()),
                username: u.username,
            })
            .collect();
        Self {
            total_rows_post_action_users: users.len() as i64,
            post_action_users: users,
        }
    }
}
