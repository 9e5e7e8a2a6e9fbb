//! Stoa's domain rules, pure: validated input types, typed ids, who may do what ([`Guardian`]),
//! limits and the domain [`Error`]. No I/O happens here, so every rule is a plain function that
//! tests can call directly, and both the HTML pages and the JSON API reach the same rule.

pub mod analyzer;
mod error;
mod guardian;
mod ids;
mod input;
pub mod limits;
pub mod notify;
mod passwords;
pub mod paths;
pub mod search;
pub mod slug;
pub mod throttle;

pub use error::Error;
pub use guardian::{Actor, FirstPostDeletion, Guardian, PostFacts};
pub use ids::{CategoryId, PostId, TopicId, UserId};
pub use input::{
    CategoryName, Color, Description, DisplayName, EditReason, Email, LoginName, NewPassword,
    PostBody, TopicTitle, Username,
};
pub use notify::{LevelReason, NotificationKind, NotificationLevel};

/// Result of a domain rule.
pub type Result<T, E = Error> = std::result::Result<T, E>;
