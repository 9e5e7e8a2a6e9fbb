//! Members: a profile, the current member, notifications, the CSRF token.

use super::*;
use serde::Serialize;
use serde_json::Value;

/// A member's public profile.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub(crate) struct UserJson {
    id: i64,
    username: String,
    name: Option<String>,
    avatar_template: String,
    title: Option<String>,
    trust_level: i64,
    admin: bool,
    moderator: bool,
    staff: bool,
    created_at: String,
    last_posted_at: Option<String>,
    last_seen_at: Option<String>,
    post_count: i64,
    topic_count: i64,
    likes_given: i64,
    likes_received: i64,
    badge_count: i64,
    bio_raw: Option<String>,
    bio_cooked: Option<String>,
    bio_excerpt: Option<String>,
    website: Option<String>,
    location: Option<String>,
    profile_view_count: i64,
    can_edit: bool,
    groups: Vec<Value>,
}

/// `{"user": …}` with Discourse's (empty) badge lists.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = UserAnswer)]
pub(crate) struct UserEnvelope {
    user_badges: Vec<Value>,
    badges: Vec<Value>,
    user: UserJson,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Notification)]
pub(crate) struct NotificationJson {
    id: i64,
    user_id: i64,
    notification_type: i64,
    read: bool,
    high_priority: bool,
    created_at: String,
    post_number: Option<i64>,
    topic_id: Option<i64>,
    fancy_title: Option<String>,
    slug: Option<String>,
    data: Value,
}

/// A page of the caller's notifications.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Notifications)]
pub(crate) struct NotificationsJson {
    notifications: Vec<NotificationJson>,
    total_rows_notifications: i64,
    seen_notification_id: Option<i64>,
    load_more_notifications: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CurrentUser)]
pub(crate) struct CurrentUserJson {
    id: i64,
    username: String,
    name: Option<String>,
    avatar_template: String,
    trust_level: i64,
    admin: bool,
    moderator: bool,
    staff: bool,
    unread_notifications: i64,
    unread_high_priority_notifications: i64,
    can_create_topic: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CurrentUserAnswer)]
pub(crate) struct CurrentUserEnvelope {
    current_user: CurrentUserJson,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Csrf)]
pub(crate) struct CsrfJson {
    csrf: String,
}

impl UserEnvelope {
    pub fn new(profile: &stoa_app::UserProfile) -> Self {
        let u = &profile.user;
        let last_posted = profile
            .replies
            .iter()
            .map(|r| r.created_at)
            .chain(profile.topics.iter().map(|t| t.created_at))
            .max();
        let user = UserJson {
            id: u.id.0,
            username: u.username.clone(),
            name: Some(u.name.clone()).filter(|n| !n.is_empty()),
            avatar_template: avatar_template(&u.username),
            title: None,
            trust_level: trust_level(u.admin),
            admin: u.admin,
            moderator: false,
            staff: u.admin,
            created_at: time(&u.created_at),
            last_posted_at: last_posted.as_ref().map(time),
            last_seen_at: u.last_seen_at.as_ref().map(time),
            post_count: profile.stats.post_count,
            topic_count: profile.stats.topic_count,
            likes_given: profile.stats.likes_given,
            likes_received: profile.stats.likes_received,
            badge_count: 0,
            bio_raw: None,
            bio_cooked: None,
            bio_excerpt: None,
            website: None,
            location: None,
            profile_view_count: 0,
            can_edit: profile.can.edit,
            groups: Vec::new(),
        };
        Self {
            user_badges: Vec::new(),
            badges: Vec::new(),
            user,
        }
    }
}

impl NotificationsJson {
    /// One page of the member's (`user_id`) notifications; `more` is the next page's path.
    pub fn new(list: stoa_app::NotificationPage, user_id: i64, more: String) -> Self {
        let seen = list.items.iter().filter(|n| n.read).map(|n| n.id).max();
        let notifications = list
            .items
            .into_iter()
            .map(|n| NotificationJson {
                id: n.id,
                user_id,
                notification_type: n.notification_type,
                read: n.read,
                high_priority: false,
                created_at: time(&n.created_at),
                post_number: n.post_number,
                topic_id: n.topic_id.map(|t| t.0),
                fancy_title: n.topic_id.map(|_| fancy(&n.topic_title)),
                slug: n.topic_id.map(|_| n.slug.clone()),
                data: n.data,
            })
            .collect();
        Self {
            notifications,
            total_rows_notifications: list.total,
            seen_notification_id: seen,
            load_more_notifications: more,
        }
    }
}

impl CurrentUserEnvelope {
    pub fn new(me: &CurrentUser, unread: i64, can_create_topic: bool) -> Self {
        Self {
            current_user: CurrentUserJson {
                id: me.id.0,
                username: me.username.clone(),
                name: Some(me.name.clone()).filter(|n| !n.is_empty()),
                avatar_template: avatar_template(&me.username),
                trust_level: trust_level(me.admin),
                admin: me.admin,
                moderator: false,
                staff: me.admin,
                unread_notifications: unread,
                unread_high_priority_notifications: 0,
                can_create_topic,
            },
        }
    }
}

impl CsrfJson {
    pub fn new(csrf: String) -> Self {
        Self { csrf }
    }
}
