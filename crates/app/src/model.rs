//! What `app` hands up: the forum's things as pages and the API may show them. Storage rows
//! stay below `app`; each type here names the fields a caller may read and is made from its
//! row (a member's email, password hash and unsubscribe key never leave `app`).

use stoa_core::{CategoryId, PostId, TopicId, UserId};
use stoa_db::Timestamp;
use stoa_db::{api_keys, categories, posts, search, stats, topics, users};

/// A type with the named fields of a storage row, and its conversion from that row.
macro_rules! view {
    ($(#[$m:meta])* $name:ident from $row:ty {
        $($(#[$fm:meta])* $f:ident: $t:ty),* $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $($(#[$fm])* pub $f: $t),*
        }

        impl From<$row> for $name {
            fn from(row: $row) -> Self {
                Self { $($f: row.$f),* }
            }
        }
    };
}

view!(
    /// A member as others see them.
    Member from users::UserRow {
        id: UserId,
        username: String,
        name: String,
        admin: bool,
        created_at: Timestamp,
        last_seen_at: Option<Timestamp>,
    }
);

view!(
    /// The member an emailed link was sent to, as the page the link opens shows them (the
    /// link's holder read the address in their mailbox).
    Addressee from users::UserRow {
        username: String,
        email: String,
        email_notifications: bool,
    }
);

view!(
    /// A member named somewhere (an author, a liker, a completion).
    MemberName from users::NameMatch {
        id: UserId,
        username: String,
        name: String,
    }
);

view!(
    /// What a member's profile counts.
    MemberStats from users::UserStats {
        topic_count: i64,
        post_count: i64,
        likes_received: i64,
        likes_given: i64,
    }
);

view!(
    /// A category.
    Category from categories::CategoryRow {
        id: CategoryId,
        name: String,
        slug: String,
        description: String,
        position: i64,
        parent_id: Option<CategoryId>,
        topic_count: i64,
        post_count: i64,
        /// Only staff see this category and its topics.
        read_restricted: bool,
        /// Badge colour and its text's, six hex digits without `#`.
        color: String,
        text_color: String,
    }
);

view!(
    /// A topic.
    Topic from topics::TopicRow {
        id: TopicId,
        title: String,
        slug: String,
        category_id: CategoryId,
        user_id: UserId,
        posts_count: i64,
        reply_count: i64,
        highest_post_number: i64,
        like_count: i64,
        views: i64,
        closed: bool,
        created_at: Timestamp,
        bumped_at: Timestamp,
        last_posted_at: Timestamp,
        deleted_at: Option<Timestamp>,
        /// Whether the topic's category is staff-only.
        category_read_restricted: bool,
    }
);

view!(
    /// A post as it was stored (for editing and its history).
    Post from posts::PostRow {
        id: PostId,
        topic_id: TopicId,
        user_id: UserId,
        post_number: i64,
        reply_to_post_number: Option<i64>,
        raw: String,
        cooked: String,
        version: i64,
        like_count: i64,
        reply_count: i64,
        created_at: Timestamp,
        updated_at: Timestamp,
        deleted_at: Option<Timestamp>,
        /// Set while the author has withdrawn this first post.
        withdrawn_at: Option<Timestamp>,
    }
);

/// A post as a reader sees it in its topic: the post as stored, with its author and the
/// reader's like. Reads as a [`Post`] too (`shown.raw`).
#[derive(Debug, Clone, PartialEq)]
pub struct PostShown {
    pub post: Post,
    pub username: String,
    pub name: String,
    pub author_admin: bool,
    pub reply_to_username: Option<String>,
    /// Who deleted it (for those who may see the deleted post).
    pub deleted_by_username: Option<String>,
    pub liked: bool,
}

impl std::ops::Deref for PostShown {
    type Target = Post;

    fn deref(&self) -> &Post {
        &self.post
    }
}

impl From<posts::PostView> for PostShown {
    fn from(v: posts::PostView) -> Self {
        Self {
            post: v.post.into(),
            username: v.username,
            name: v.name,
            author_admin: v.author_admin,
            reply_to_username: v.reply_to_username,
            deleted_by_username: v.deleted_by_username,
            liked: v.liked,
        }
    }
}

view!(
    /// One of a member's recent replies, on their profile.
    MemberPost from posts::UserPostRow {
        topic_id: TopicId,
        topic_title: String,
        topic_slug: String,
        post_number: i64,
        cooked: String,
        created_at: Timestamp,
    }
);

view!(
    /// A post that a search found (or the first post of a similar topic), with its topic.
    FoundPost from search::HitRow {
        post_id: PostId,
        post_number: i64,
        raw: String,
        like_count: i64,
        created_at: Timestamp,
        user_id: UserId,
        username: String,
        name: String,
        topic_id: TopicId,
        title: String,
        slug: String,
        closed: bool,
        posts_count: i64,
        highest_post_number: i64,
        last_poster: String,
        views: i64,
        topic_like_count: i64,
        bumped_at: Timestamp,
        topic_created_at: Timestamp,
        category_id: CategoryId,
        category_name: String,
        category_slug: String,
        /// Badge colour (hex, no `#`).
        category_color: String,
    }
);

view!(
    /// What the site counts over a period (`/about.json`, `/site/statistics.json`).
    SiteCounts from stats::Counts {
        topics: i64,
        posts: i64,
        users: i64,
        /// Members seen in the period.
        active_users: i64,
        /// Members who posted in the period.
        participating_users: i64,
        likes: i64,
    }
);

view!(
    /// An API key as its list shows it: never the key, only its last characters.
    ApiKey from api_keys::ApiKeyRow {
        id: i64,
        truncated_key: String,
        description: String,
        /// None: an all-users key.
        user_id: Option<UserId>,
        /// The key's member, for a single-user key.
        username: Option<String>,
        created_at: Timestamp,
        last_used_at: Option<Timestamp>,
        revoked_at: Option<Timestamp>,
    }
);

/// One of the people a topic list shows for a topic (Discourse's posters column).
#[derive(Debug, Clone, PartialEq)]
pub struct Poster {
    pub user_id: UserId,
    pub username: String,
    pub name: String,
    /// Discourse's words: "Original Poster", "Frequent Poster", "Most Recent Poster".
    pub description: &'static str,
    /// Discourse's `extras`: "latest" on the last poster (and "latest single" when the
    /// creator is alone).
    pub extras: Option<&'static str>,
}

/// A topic in a list: its category (with its parent), its posters, and the viewer's reading.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicSummary {
    pub id: TopicId,
    pub title: String,
    pub slug: String,
    pub category_id: CategoryId,
    pub category_name: String,
    pub category_slug: String,
    /// Badge colour (hex, no `#`).
    pub category_color: String,
    /// The category's parent, when it is a subcategory (its name and slug are empty when not).
    pub parent_category_id: Option<CategoryId>,
    pub parent_category_name: String,
    pub parent_category_slug: String,
    pub parent_category_color: String,
    pub user_id: UserId,
    pub author: String,
    pub last_poster: String,
    /// The creator, the most active others, then the last poster.
    pub posters: Vec<Poster>,
    pub posts_count: i64,
    pub reply_count: i64,
    pub highest_post_number: i64,
    pub like_count: i64,
    pub views: i64,
    pub closed: bool,
    pub created_at: Timestamp,
    pub bumped_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// The viewer's last read post here; None when never opened or anonymous.
    pub last_read_post_number: Option<i64>,
    /// False when the viewer chose normal or muted for the topic: no unread count then.
    pub show_unread: bool,
}

impl From<topics::TopicListRow> for TopicSummary {
    fn from(row: topics::TopicListRow) -> Self {
        let posters = posters(&row);
        Self {
            id: row.id,
            title: row.title,
            slug: row.slug,
            category_id: row.category_id,
            category_name: row.category_name,
            category_slug: row.category_slug,
            category_color: row.category_color,
            parent_category_id: row.parent_category_id,
            parent_category_name: row.parent_category_name,
            parent_category_slug: row.parent_category_slug,
            parent_category_color: row.parent_category_color,
            user_id: row.user_id,
            author: row.author,
            last_poster: row.last_poster,
            posters,
            posts_count: row.posts_count,
            reply_count: row.reply_count,
            highest_post_number: row.highest_post_number,
            like_count: row.like_count,
            views: row.views,
            closed: row.closed,
            created_at: row.created_at,
            bumped_at: row.bumped_at,
            deleted_at: row.deleted_at,
            last_read_post_number: row.last_read_post_number,
            show_unread: row.show_unread,
        }
    }
}

/// Who posted in a topic, as Discourse lists them: the creator, the most active others
/// (chosen when the topic was last written, `db::topics::post_counts`), then the last poster.
fn posters(row: &topics::TopicListRow) -> Vec<Poster> {
    let alone = row.last_poster_id == row.user_id;
    let mut posters = vec![Poster {
        user_id: row.user_id,
        username: row.author.clone(),
        name: row.author_name.clone(),
        description: if alone {
            "Original Poster, Most Recent Poster"
        } else {
            "Original Poster"
        },
        extras: alone.then_some(if row.featured1_id.is_none() {
            "latest single"
        } else {
            "latest"
        }),
    }];
    for (id, username, name) in [
        (row.featured1_id, &row.featured1, &row.featured1_name),
        (row.featured2_id, &row.featured2, &row.featured2_name),
        (row.featured3_id, &row.featured3, &row.featured3_name),
    ] {
        if let (Some(user_id), Some(username)) = (id, username)
            && posters.iter().all(|p| p.user_id != user_id)
            && user_id != row.last_poster_id
        {
            posters.push(Poster {
                user_id,
                username: username.clone(),
                name: name.clone().unwrap_or_default(),
                description: "Frequent Poster",
                extras: None,
            });
        }
    }
    if !alone {
        posters.push(Poster {
            user_id: row.last_poster_id,
            username: row.last_poster.clone(),
            name: row.last_poster_name.clone(),
            description: "Most Recent Poster",
            extras: Some("latest"),
        });
    }
    posters
}
