//! Notifications and notification levels, numbered as Discourse numbers them
//! (`docs/discourse.md` §1) so that the JSON API can hand them out unchanged.

use crate::{Error, Result};

/// What happened. The numbers are Discourse's `Notification.types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    Mentioned,
    Replied,
    Quoted,
    Edited,
    Liked,
    Posted,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 6] = [
        Self::Mentioned,
        Self::Replied,
        Self::Quoted,
        Self::Edited,
        Self::Liked,
        Self::Posted,
    ];

    pub fn id(self) -> i64 {
        match self {
            Self::Mentioned => 1,
            Self::Replied => 2,
            Self::Quoted => 3,
            Self::Edited => 4,
            Self::Liked => 5,
            Self::Posted => 9,
        }
    }

    pub fn from_id(id: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    /// Discourse's name for the type (`notification_types` in `/site.json`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Mentioned => "mentioned",
            Self::Replied => "replied",
            Self::Quoted => "quoted",
            Self::Edited => "edited",
            Self::Liked => "liked",
            Self::Posted => "posted",
        }
    }

    /// What the actor did, after their name: "alice *replied to your post*".
    pub fn verb(self) -> &'static str {
        match self {
            Self::Mentioned => "mentioned you",
            Self::Replied => "replied to your post",
            Self::Quoted => "quoted your post",
            Self::Edited => "edited your post",
            Self::Liked => "liked your post",
            Self::Posted => "posted",
        }
    }
}

/// How closely a member follows a topic or category (Discourse's `NotificationLevels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotificationLevel {
    /// Nothing from here: no notifications, and hidden from the latest list.
    Muted,
    /// Notified when someone mentions, quotes or replies to me, or likes my post.
    Normal,
    /// As normal, plus a count of unread posts.
    Tracking,
    /// Notified of every new post.
    Watching,
}

impl NotificationLevel {
    pub const ALL: [NotificationLevel; 4] =
        [Self::Watching, Self::Tracking, Self::Normal, Self::Muted];

    pub fn id(self) -> i64 {
        match self {
            Self::Muted => 0,
            Self::Normal => 1,
            Self::Tracking => 2,
            Self::Watching => 3,
        }
    }

    /// The level with Discourse's number; anything else is refused with a message.
    pub fn parse(id: i64) -> Result<Self> {
        Self::ALL.into_iter().find(|l| l.id() == id).ok_or_else(|| {
            Error::invalid(
                "notification_level",
                "Choose watching (3), tracking (2), normal (1) or muted (0)",
            )
        })
    }

    /// A stored number; unknown numbers (written by a newer version) read as normal.
    pub fn from_stored(id: i64) -> Self {
        Self::parse(id).unwrap_or(Self::Normal)
    }

    /// The level in force for a member in a topic: the one chosen for the topic, else the one
    /// chosen for its category, else normal.
    pub fn in_force(topic: Option<Self>, category: Option<Self>) -> Self {
        topic.or(category).unwrap_or(Self::Normal)
    }

    /// The level posting in a topic gives a member who chose none for it, and why: one
    /// watches the topics one starts and tracks those one replies to (Discourse's defaults) —
    /// unless one watches the topic's category, which a reply does not lower.
    pub fn for_poster(starts_topic: bool, category: Option<Self>) -> (Self, LevelReason) {
        if starts_topic {
            (Self::Watching, LevelReason::CreatedTopic)
        } else if category == Some(Self::Watching) {
            (Self::Watching, LevelReason::CreatedPost)
        } else {
            (Self::Tracking, LevelReason::CreatedPost)
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Muted => "Muted",
            Self::Normal => "Normal",
            Self::Tracking => "Tracking",
            Self::Watching => "Watching",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Muted => "Never notified; hidden from Latest.",
            Self::Normal => {
                "Notified if someone mentions you, quotes you, replies to you or likes your post."
            }
            Self::Tracking => "As Normal, and a count of new replies is shown.",
            Self::Watching => "Notified of every new reply.",
        }
    }
}

// Stored as Discourse's number (BIGINT); a number this version does not know reads as normal.
#[cfg(feature = "sqlx")]
impl<DB: sqlx::Database> sqlx::Type<DB> for NotificationLevel
where
    i64: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <i64 as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <i64 as sqlx::Type<DB>>::compatible(ty)
    }
}

#[cfg(feature = "sqlx")]
impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for NotificationLevel
where
    i64: sqlx::Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        Ok(Self::from_stored(<i64 as sqlx::Decode<'r, DB>>::decode(
            value,
        )?))
    }
}

#[cfg(feature = "sqlx")]
impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for NotificationLevel
where
    i64: sqlx::Encode<'q, DB>,
{
    fn encode_by_ref(
        &self,
        buf: &mut DB::ArgumentBuffer<'q>,
    ) -> std::result::Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <i64 as sqlx::Encode<'q, DB>>::encode(self.id(), buf)
    }
}

/// Why a member's level for a topic is what it is (Discourse's `notifications_reason_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelReason {
    CreatedTopic,
    UserChanged,
    CreatedPost,
}

impl LevelReason {
    pub fn id(self) -> i64 {
        match self {
            Self::CreatedTopic => 1,
            Self::UserChanged => 2,
            Self::CreatedPost => 4,
        }
    }
}

/// Likes of one post merge into one notification while it is unread or this recent
/// (Discourse: 120 minutes).
pub const LIKE_CONSOLIDATION_MINUTES: i64 = 120;

/// At most this many mentions in one post notify anyone (Discourse's `max_mentions_per_post`).
pub const MAX_MENTIONS_NOTIFIED: usize = 10;

/// "alice", "alice and bob", "alice and 3 others".
pub fn likers_phrase(display: &str, second: Option<&str>, count: i64) -> String {
    match (count, second) {
        (c, _) if c <= 1 => display.to_owned(),
        (2, Some(second)) => format!("{display} and {second}"),
        (c, _) => {
            let others = c - 1;
            let noun = if others == 1 { "other" } else { "others" };
            format!("{display} and {others} {noun}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_discourses() {
        let ids: Vec<i64> = NotificationKind::ALL.iter().map(|k| k.id()).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5, 9]);
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::from_id(k.id()), Some(k));
        }
        assert_eq!(NotificationKind::from_id(19), None);
        let levels: Vec<i64> = NotificationLevel::ALL.iter().map(|l| l.id()).collect();
        assert_eq!(levels, [3, 2, 1, 0]);
        assert!(NotificationLevel::parse(4).is_err());
        assert_eq!(NotificationLevel::from_stored(7), NotificationLevel::Normal);
        assert!(NotificationLevel::Watching > NotificationLevel::Tracking);
    }

    #[test]
    fn posters_watch_what_they_start_and_track_what_they_answer() {
        use NotificationLevel::*;
        let level = |first, category| NotificationLevel::for_poster(first, category).0;
        assert_eq!(level(true, None), Watching);
        assert_eq!(level(true, Some(Muted)), Watching);
        assert_eq!(level(false, None), Tracking);
        assert_eq!(level(false, Some(Muted)), Tracking);
        assert_eq!(level(false, Some(Watching)), Watching);
        assert_eq!(
            NotificationLevel::for_poster(false, Some(Watching)).1,
            LevelReason::CreatedPost
        );
    }

    #[test]
    fn the_topic_level_wins_then_the_category_then_normal() {
        use NotificationLevel::*;
        assert_eq!(
            NotificationLevel::in_force(Some(Muted), Some(Watching)),
            Muted
        );
        assert_eq!(NotificationLevel::in_force(None, Some(Watching)), Watching);
        assert_eq!(NotificationLevel::in_force(None, None), Normal);
        assert_eq!(NotificationLevel::in_force(Some(Tracking), None), Tracking);
    }

    #[test]
    fn likers_are_phrased_as_discourse_does() {
        assert_eq!(likers_phrase("alice", None, 1), "alice");
        assert_eq!(likers_phrase("alice", Some("bob"), 2), "alice and bob");
        assert_eq!(likers_phrase("alice", Some("bob"), 3), "alice and 2 others");
        assert_eq!(likers_phrase("alice", None, 2), "alice and 1 other");
    }
}
