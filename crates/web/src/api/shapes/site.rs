//! The site: `/site.json`, `/about.json` and its statistics.

use serde::Serialize;
use serde_json::json;

use super::*;
use stoa_app::{NotificationKind, SiteCounts, SiteStatistics};

/// Discourse's `SiteStatistics`: all time, last day, 7 and 30 days (public content only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SiteStatistics)]
pub(crate) struct StatisticsJson {
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

impl From<&SiteStatistics> for StatisticsJson {
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = About)]
pub(crate) struct AboutJson {
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
    stats: StatisticsJson,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AboutAnswer)]
pub(crate) struct AboutEnvelope {
    about: AboutJson,
}

/// What a client needs to start: the categories and the numeric codes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Site)]
pub(crate) struct SiteJson {
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
    categories: Vec<CategoryJson>,
    user_fields: Vec<serde_json::Value>,
    auth_providers: Vec<serde_json::Value>,
}

impl AboutEnvelope {
    pub fn new(site_name: &str, https: bool, s: &SiteStatistics) -> Self {
        Self {
            about: AboutJson {
                title: site_name.to_owned(),
                description: String::new(),
                extended_site_description: String::new(),
                banner_image: None,
                site_creation_date: s.created_at.as_ref().map(time).unwrap_or_default(),
                locale: "en",
                version: env!("CARGO_PKG_VERSION"),
                https,
                can_see_about_stats: true,
                contact_url: String::new(),
                contact_email: String::new(),
                moderator_ids: Vec::new(),
                admin_ids: s.admin_ids.iter().map(|u| u.0).collect(),
                category_moderators: Vec::new(),
                stats: StatisticsJson::from(s),
            },
        }
    }
}

impl SiteJson {
    pub fn new(categories: Vec<CategoryJson>) -> Self {
        let notification_types: serde_json::Map<String, serde_json::Value> = NotificationKind::ALL
            .iter()
            .map(|k| (format!("{k:?}").to_lowercase(), json!(k.id())))
            .collect();
        let menu = vec!["latest", "categories"];
        Self {
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
        }
    }
}
