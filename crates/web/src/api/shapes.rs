//! The objects of Discourse's API (its serializers), built from what `Forum` returns.
//!
//! Field names, types and presence follow Discourse's serializers (`app/serializers/` in
//! discourse/discourse) and what its client libraries read: strict clients reject an object
//! with a key missing, so every key is always sent, `null` where Stoa has no value. Fields for
//! features Stoa does not have carry their neutral value and say so here: no trust levels
//! (members are reported at level 1, "basic", admins at 4), no post read counts (`reads`,
//! `readers_count` 0), no quote counts, no incoming links, no bookmarks, no wikis, no pinning,
//! no tags, no groups.

use chrono::SecondsFormat;
use serde::Serialize;
use serde_json::{Value, json};
use stoa_app::{CurrentUser, PostItem, Timestamp};
use stoa_app::{MemberName, TopicSummary};

/// Discourse's time format: `2024-05-01T12:34:56.789Z`.
pub(crate) fn time(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Where a member's avatar is drawn, `{size}` to be replaced by the client (Discourse's
/// convention); served by the letter-avatar route.
pub(crate) fn avatar_template(username: &str) -> String {
    format!(
        "/letter_avatar/{}/{{size}}.svg",
        username.to_ascii_lowercase()
    )
}

/// The trust level Stoa reports: it has none of its own yet (see the module doc).
pub(crate) fn trust_level(admin: bool) -> i64 {
    if admin { 4 } else { 1 }
}

/// A title as HTML text (Discourse's `fancy_title`).
pub(crate) fn fancy(title: &str) -> String {
    html_escape::encode_text(title).into_owned()
}

/// `users[]` beside a topic list; a liker; a search hit's member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BasicUser {
    pub id: i64,
    pub username: String,
    pub name: Option<String>,
    pub avatar_template: String,
}

impl BasicUser {
    pub fn new(id: i64, username: &str, name: &str) -> Self {
        Self {
            id,
            username: username.to_owned(),
            name: Some(name.to_owned()).filter(|n| !n.is_empty()),
            avatar_template: avatar_template(username),
        }
    }
}

impl From<&MemberName> for BasicUser {
    fn from(u: &MemberName) -> Self {
        Self::new(u.id.0, &u.username, &u.name)
    }
}

/// One of a topic's posters in a list item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Poster {
    pub extras: Option<&'static str>,
    pub description: &'static str,
    pub user_id: i64,
    pub primary_group_id: Option<i64>,
}

impl Poster {
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

impl From<&stoa_app::Poster> for Poster {
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
pub(crate) struct TopicItem {
    pub id: i64,
    pub title: String,
    pub fancy_title: String,
    pub slug: String,
    pub posts_count: i64,
    pub reply_count: i64,
    pub highest_post_number: i64,
    pub image_url: Option<String>,
    pub created_at: String,
    pub last_posted_at: Option<String>,
    pub bumped: bool,
    pub bumped_at: String,
    pub archetype: &'static str,
    pub unseen: bool,
    pub last_read_post_number: Option<i64>,
    pub pinned: bool,
    pub unpinned: Option<bool>,
    pub visible: bool,
    pub closed: bool,
    pub archived: bool,
    pub bookmarked: Option<bool>,
    pub liked: Option<bool>,
    pub views: i64,
    pub like_count: i64,
    pub has_summary: bool,
    pub last_poster_username: String,
    pub category_id: i64,
    pub pinned_globally: bool,
    pub featured_link: Option<String>,
    pub posters: Vec<Poster>,
    pub tags: Vec<String>,
    pub tags_descriptions: Value,
}

/// The fields every topic-list item shares, whatever the source row.
pub(crate) struct ItemFacts<'a> {
    pub id: i64,
    pub title: &'a str,
    pub slug: &'a str,
    pub posts_count: i64,
    pub highest_post_number: i64,
    pub created_at: &'a Timestamp,
    pub bumped_at: &'a Timestamp,
    pub closed: bool,
    pub views: i64,
    pub like_count: i64,
    pub last_poster: &'a str,
    pub category_id: i64,
    /// Who posted, in Discourse's order (creator, most active, last).
    pub posters: Vec<Poster>,
    pub last_read_post_number: Option<i64>,
}

impl TopicItem {
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

impl From<&TopicSummary> for TopicItem {
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
            posters: t.posters.iter().map(Poster::from).collect(),
            last_read_post_number: t.last_read_post_number,
        })
    }
}

/// `topic_list` of a list answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TopicList {
    pub can_create_topic: bool,
    /// Only when there is a next page: a client that pages while this is set must stop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_topics_url: Option<String>,
    pub per_page: i64,
    pub draft_key: &'static str,
    pub draft_sequence: i64,
    pub topics: Vec<TopicItem>,
}

/// A whole list answer: the side-loaded members and the list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TopicListPage {
    pub users: Vec<BasicUser>,
    pub primary_groups: Vec<Value>,
    pub topic_list: TopicList,
}

impl TopicListPage {
    /// `more` is the next page's path (with `?page=`), when there is one.
    pub fn new(rows: &[TopicSummary], can_create_topic: bool, more: Option<String>) -> Self {
        let mut users: Vec<BasicUser> = Vec::new();
        for p in rows.iter().flat_map(|t| &t.posters) {
            if !users.iter().any(|u| u.id == p.user_id.0) {
                users.push(BasicUser::new(p.user_id.0, &p.username, &p.name));
            }
        }
        Self {
            users,
            primary_groups: Vec::new(),
            topic_list: TopicList {
                can_create_topic,
                more_topics_url: more,
                per_page: stoa_app::core::limits::TOPICS_PER_PAGE,
                draft_key: "new_topic",
                draft_sequence: 0,
                topics: rows.iter().map(TopicItem::from).collect(),
            },
        }
    }
}

/// A category (`/categories.json`, `/site.json`, a created category).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Category {
    pub id: i64,
    pub name: String,
    pub color: String,
    pub text_color: String,
    pub slug: String,
    pub topic_count: i64,
    pub post_count: i64,
    pub position: i64,
    pub description: Option<String>,
    pub description_text: Option<String>,
    pub description_excerpt: Option<String>,
    pub topic_url: Option<String>,
    pub read_restricted: bool,
    pub permission: Option<i64>,
    pub notification_level: i64,
    pub can_edit: bool,
    pub topic_template: Option<String>,
    pub has_children: bool,
    pub sort_order: Option<String>,
    pub sort_ascending: Option<bool>,
    pub show_subcategory_list: bool,
    pub num_featured_topics: i64,
    pub default_view: Option<String>,
    pub subcategory_list_style: &'static str,
    pub default_top_period: &'static str,
    pub default_list_filter: &'static str,
    pub minimum_required_tags: i64,
    pub navigate_to_first_post_after_read: bool,
    pub topics_day: i64,
    pub topics_week: i64,
    pub topics_month: i64,
    pub topics_year: i64,
    pub topics_all_time: i64,
    pub subcategory_ids: Vec<i64>,
    pub parent_category_id: Option<i64>,
    pub uploaded_logo: Option<String>,
    pub uploaded_logo_dark: Option<String>,
    pub uploaded_background: Option<String>,
    pub uploaded_background_dark: Option<String>,
    pub custom_fields: Value,
    pub group_permissions: Vec<Value>,
    /// A top-level category's children, in `/categories.json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub subcategory_list: Option<Vec<Category>>,
}

/// What a viewer may do in a category, for its `permission` (Discourse: 1 full, 2 create
/// post, 3 read only).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CategoryAccess {
    pub can_post: bool,
    pub can_edit: bool,
    pub notification_level: i64,
}

impl Category {
    pub fn new(c: &stoa_app::Category, all: &[stoa_app::Category], access: CategoryAccess) -> Self {
        let description = Some(c.description.clone()).filter(|d| !d.is_empty());
        let subcategory_ids: Vec<i64> = all
            .iter()
            .filter(|s| s.parent_id == Some(c.id))
            .map(|s| s.id.0)
            .collect();
        Self {
            id: c.id.0,
            name: c.name.clone(),
            color: c.color.clone(),
            text_color: c.text_color.clone(),
            slug: c.slug.clone(),
            topic_count: c.topic_count,
            post_count: c.post_count,
            position: c.position,
            description_text: description.clone(),
            description_excerpt: description.clone(),
            description,
            topic_url: None,
            read_restricted: c.read_restricted,
            permission: access.can_post.then_some(1),
            notification_level: access.notification_level,
            can_edit: access.can_edit,
            topic_template: None,
            has_children: !subcategory_ids.is_empty(),
            sort_order: None,
            sort_ascending: None,
            show_subcategory_list: false,
            num_featured_topics: 3,
            default_view: None,
            subcategory_list_style: "rows_with_featured_topics",
            default_top_period: "all",
            default_list_filter: "all",
            minimum_required_tags: 0,
            navigate_to_first_post_after_read: false,
            topics_day: 0,
            topics_week: 0,
            topics_month: 0,
            topics_year: 0,
            topics_all_time: c.topic_count,
            subcategory_ids,
            parent_category_id: c.parent_id.map(|p| p.0),
            uploaded_logo: None,
            uploaded_logo_dark: None,
            uploaded_background: None,
            uploaded_background_dark: None,
            custom_fields: json!({}),
            group_permissions: vec![json!({
                "permission_type": 1,
                "group_name": if c.read_restricted { "staff" } else { "everyone" },
                "group_id": if c.read_restricted { 3 } else { 0 },
            })],
            subcategory_list: None,
        }
    }
}

/// One entry of a post's `actions_summary` (likes are id 2).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ActionSummary {
    pub id: i64,
    pub count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_undo: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_act: Option<bool>,
}

/// A post (Discourse's `PostSerializer`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Post {
    pub id: i64,
    pub name: Option<String>,
    pub username: String,
    pub avatar_template: String,
    pub created_at: String,
    pub cooked: String,
    pub post_number: i64,
    pub post_type: i64,
    pub posts_count: i64,
    pub updated_at: String,
    pub reply_count: i64,
    pub reply_to_post_number: Option<i64>,
    pub quote_count: i64,
    pub incoming_link_count: i64,
    pub reads: i64,
    pub readers_count: i64,
    pub score: f64,
    pub yours: bool,
    pub topic_id: i64,
    pub topic_slug: String,
    pub display_username: Option<String>,
    pub primary_group_name: Option<String>,
    pub flair_name: Option<String>,
    pub flair_url: Option<String>,
    pub flair_bg_color: Option<String>,
    pub flair_color: Option<String>,
    pub flair_group_id: Option<i64>,
    pub version: i64,
    pub can_edit: bool,
    pub can_delete: bool,
    pub can_recover: bool,
    pub can_wiki: bool,
    pub read: bool,
    pub user_title: Option<String>,
    pub bookmarked: bool,
    pub actions_summary: Vec<ActionSummary>,
    pub moderator: bool,
    pub admin: bool,
    pub staff: bool,
    pub user_id: i64,
    pub hidden: bool,
    pub trust_level: i64,
    pub deleted_at: Option<String>,
    pub user_deleted: bool,
    pub edit_reason: Option<String>,
    pub can_view_edit_history: bool,
    pub wiki: bool,
    pub post_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to_user: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl Post {
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
        let like = ActionSummary {
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
            post_url: format!("/t/{topic_slug}/{}/{}", p.topic_id, p.post_number),
            reply_to_user: p
                .reply_to_username
                .as_ref()
                .map(|u| json!({"username": u, "avatar_template": avatar_template(u)})),
            raw: raw.then(|| p.raw.clone()),
        }
    }
}
