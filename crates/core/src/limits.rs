//! Limits, as Discourse sets them where it has one (`docs/discourse.md` §5).

/// Topic titles: 15–255 characters.
pub const TITLE_MIN: usize = 15;
pub const TITLE_MAX: usize = 255;
/// Post bodies: 20–32,000 characters.
pub const BODY_MIN: usize = 20;
pub const BODY_MAX: usize = 32_000;
/// Usernames: 3–20 of `[A-Za-z0-9_.-]`.
pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 20;
/// Passwords: at least 10 characters (and at most 200, to bound hashing work).
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 200;
/// Display names and category names.
pub const NAME_MAX: usize = 50;
/// Category descriptions.
pub const DESCRIPTION_MAX: usize = 1_000;
/// An edit's reason (Discourse's limit).
pub const EDIT_REASON_MAX: usize = 255;
/// Emails (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// Posts shown on one page of a topic (Discourse's chunk size).
pub const POSTS_PER_PAGE: i64 = 20;
/// Topics shown on one page of a list.
pub const TOPICS_PER_PAGE: i64 = 30;
/// Failed logins allowed per IP address in [`LOGIN_WINDOW_SECS`].
pub const LOGIN_ATTEMPTS_PER_IP: u32 = 10;
/// Failed logins allowed per account in [`LOGIN_WINDOW_SECS`].
pub const LOGIN_ATTEMPTS_PER_ACCOUNT: u32 = 5;
/// The window over which failed logins are counted.
pub const LOGIN_WINDOW_SECS: u64 = 300;

/// Sign-ups allowed per address per hour, by default: each one hashes a password and says
/// whether a username or email is taken. (A setting: `signups_per_ip_per_hour`.)
pub const SIGNUPS_PER_IP_PER_HOUR: u32 = 10;

/// Password-reset requests allowed per address, and per account, in each window (each one
/// sends an email, so the limit also protects members' inboxes).
pub const RESETS_PER_IP: u32 = 10;
pub const RESETS_PER_ACCOUNT: u32 = 3;
pub const RESET_WINDOW_SECS: u64 = 3_600;

/// Topics on one page of search results.
pub const SEARCH_RESULTS_PER_PAGE: i64 = 20;
/// Deeper pages are not served (1,000 topics is more than anyone reads; the offset stays cheap).
pub const SEARCH_MAX_PAGE: i64 = 50;
/// Similar topics shown beside the new-topic form and under a topic.
pub const SIMILAR_TOPICS: i64 = 5;
