//! Stoa's use cases. [`Forum`] is the one door to the forum: the HTML pages, the JSON API and
//! the command line all call its methods, and each method is one transaction that asks `core`
//! whether it is allowed and valid, cooks Markdown with `markup`, and writes through `db`.
//!
//! Methods take the [`Actor`] first. Nothing here knows HTTP.

mod accounts;
mod api_keys;
mod can;
mod categories;
mod cooking;
mod counters;
pub mod demo;
mod email_links;
mod error;
mod freshness;
pub mod mailer;
mod model;
mod notifications;
pub mod outbox;
mod passwords;
mod posting;
mod posts;
mod search;
mod topic_cache;
mod topic_views;
mod topics;
mod users;
mod views;
mod visible;

use std::sync::{Arc, Mutex};

use chrono::SubsecRound;
use stoa_core::limits;
use stoa_core::throttle::Throttle;
pub use stoa_core::{
    self as core, Actor, CategoryId, NotificationKind, NotificationLevel, PostId, TopicId, UserId,
};
pub(crate) use stoa_db as db;
use stoa_db::Db;
pub use stoa_db::Timestamp;

pub use accounts::{CurrentUser, NewSession, SignupForm, generate_password};
pub use api_keys::{ApiLimits, INVALID_KEY, NewApiKey};
pub use can::{CategoryCan, ProfileCan, SiteCan};
pub use categories::CategoryForm;
pub use error::{AppError, Result};
pub use freshness::{Freshness, Part};
pub use model::{
    Addressee, ApiKey, Category, FoundPost, Member, MemberName, MemberPost, MemberStats, Post,
    PostShown, Poster, SiteCounts, Topic, TopicSummary,
};
pub use notifications::{Followed, NOTIFICATIONS_PER_PAGE, NotificationItem, NotificationPage};
pub use posting::Posted;
pub use posts::{
    Change, ChangeKind, EditForm, PostCan, PostForEdit, PostItem, REVISIONS_SHOWN, ReplyForm,
    Revision, RevisionHistory, word_diff,
};
pub use search::{SearchHit, SearchResults};
pub use topics::{JumpTo, Landing, ListTab, NewTopicForm, Opened, TopPeriod, TopicList, TopicPage};
pub use users::UserProfile;
pub use views::{
    CHUNK_SIZE, LATEST_POSTS, LatestPost, Likes, PostBatch, Replies, SiteStatistics, TopicView,
    excerpt,
};

/// The forum: storage plus the state that rules need between requests.
#[derive(Debug)]
pub struct Forum {
    db: Db,
    settings: Settings,
    login_by_ip: Mutex<Throttle<String>>,
    login_by_account: Mutex<Throttle<String>>,
    /// Sign-ups per address (see `accounts`).
    signups_by_ip: Mutex<Throttle<String>>,
    /// The hashing slots (see `passwords`).
    passwords: passwords::Passwords,
    /// Password-reset requests, per address and per account (each one sends an email).
    resets_by_ip: Mutex<Throttle<String>>,
    resets_by_account: Mutex<Throttle<String>>,
    /// Wakes this node's mailer when a transaction that queued an email commits.
    mail_wake: Arc<tokio::sync::Notify>,
    /// Similar topics per topic, found at most every few minutes (see `search`).
    similar_cache: search::SimilarCache,
    /// Topic views not yet written (see `topic_views`).
    views: topic_views::ViewCounter,
    /// The API's rate limits (see `api_keys`).
    api_throttles: api_keys::ApiThrottles,
    /// Versions of what pages show, moved by each write (see `freshness`).
    freshness: Freshness,
    /// What every reader of a page of a topic is shown alike (see `topic_cache`).
    topic_cache: topic_cache::TopicCache,
}

/// Settings the use cases read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a login lasts.
    pub session_days: i64,
    /// The forum's public address, for links in emails (`https://forum.example.org`).
    pub base_url: String,
    pub site_name: String,
    /// Notification emails go to members not seen for this long (Discourse's
    /// `email_time_window_mins`: 10).
    pub email_away_minutes: i64,
    /// Requests the JSON API allows per key and per address.
    pub api_limits: ApiLimits,
    /// Sign-ups allowed per address per hour (0: no limit).
    pub signups_per_ip_per_hour: u32,
    /// Memory for what readers of a topic's page are shown alike (0: none kept).
    pub topic_cache_bytes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_days: 60,
            base_url: "http://127.0.0.1:8080".into(),
            site_name: "Stoa".into(),
            email_away_minutes: 10,
            api_limits: ApiLimits::default(),
            signups_per_ip_per_hour: limits::SIGNUPS_PER_IP_PER_HOUR,
            topic_cache_bytes: 4 << 20,
        }
    }
}

impl Forum {
    pub fn new(db: Db, settings: Settings) -> Self {
        let topic_cache = topic_cache::TopicCache::new(settings.topic_cache_bytes);
        Self {
            api_throttles: api_keys::ApiThrottles::new(settings.api_limits),
            signups_by_ip: Mutex::new(Throttle::new(settings.signups_per_ip_per_hour, 3_600)),
            db,
            settings,
            login_by_ip: Mutex::new(Throttle::new(
                limits::LOGIN_ATTEMPTS_PER_IP,
                limits::LOGIN_WINDOW_SECS,
            )),
            login_by_account: Mutex::new(Throttle::new(
                limits::LOGIN_ATTEMPTS_PER_ACCOUNT,
                limits::LOGIN_WINDOW_SECS,
            )),
            passwords: passwords::Passwords::new(),
            resets_by_ip: Mutex::new(Throttle::new(
                limits::RESETS_PER_IP,
                limits::RESET_WINDOW_SECS,
            )),
            resets_by_account: Mutex::new(Throttle::new(
                limits::RESETS_PER_ACCOUNT,
                limits::RESET_WINDOW_SECS,
            )),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            similar_cache: Default::default(),
            views: Default::default(),
            freshness: Freshness::default(),
            topic_cache,
        }
    }

    /// What wakes this node's mailer (see [`mailer::Mailer::new`]).
    pub fn mail_wake(&self) -> Arc<tokio::sync::Notify> {
        self.mail_wake.clone()
    }

    /// Tells the mailer that a committed transaction may have queued email.
    fn wake_mailer(&self) {
        self.mail_wake.notify_one();
    }

    /// The storage underneath (for the command line's maintenance commands).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The versions of what pages show, for a cache of rendered pages.
    pub fn freshness(&self) -> &Freshness {
        &self.freshness
    }

    /// Says that a committed write changed these parts; called before the write answers.
    pub(crate) fn changed(&self, parts: &[Part]) {
        self.freshness.moved(parts);
    }

    /// Counts a view of a topic by `viewer` (once per viewer and day, see `topic_views`), for
    /// a page served without asking for the topic again (from a cache of pages).
    pub fn count_view(&self, topic: TopicId, viewer: &str) {
        self.views.view(topic, viewer);
    }

    /// True when the forum holds no members, categories or topics yet (first run).
    pub async fn is_empty(&self) -> Result<bool> {
        let mut tx = self.db.read_single().await?;
        Ok(db::stats::is_empty(&mut tx).await?)
    }

    /// A secret shared by every node, created on first use (for CSRF tokens).
    pub async fn site_secret(&self) -> Result<String> {
        let mut tx = self.db.write().await?;
        let secret = db::settings::get_or_insert(&mut tx, "site_secret", &random_hex(32)).await?;
        tx.commit().await?;
        Ok(secret)
    }
}

/// Now, at the precision both backends store.
pub fn now() -> Timestamp {
    chrono::Utc::now().trunc_subsecs(6)
}

/// `bytes` random bytes from the OS generator, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Hex SHA-256, for storing tokens.
pub fn sha256_hex(input: &str) -> String {
    sha256_bytes_hex(input.as_bytes())
}

/// The SHA-256 of some bytes, in hex.
pub fn sha256_bytes_hex(input: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(input))
}

fn unix_now() -> u64 {
    now().timestamp().max(0) as u64
}
