//! The forum's public URLs, built in one place: pages, the JSON API's answers and emails all
//! link through these, so a URL shape changes here or nowhere. The shapes are Discourse's
//! (`/t/{slug}/{id}`, `/c/{slug}/{id}`, `/u/{username}`), which existing links and clients
//! expect. Paths only: an email makes them absolute with the site's base URL.
//!
//! Slugs and usernames are written as they are stored: both are made of URL-safe characters
//! (see `slug` and `Username`), so nothing here needs escaping.
//!
//! Ids and numbers are taken as `Borrow` so that templates, which hand over references, call
//! the same functions as Rust code, and a topic id still cannot stand where a post number
//! belongs.

use std::borrow::Borrow;

use crate::{CategoryId, PostId, TopicId};

/// A topic's first page.
pub fn topic(slug: &str, id: impl Borrow<TopicId>) -> String {
    format!("/t/{slug}/{}", id.borrow())
}

/// A post, by its number in its topic.
pub fn post(slug: &str, topic: impl Borrow<TopicId>, number: impl Borrow<i64>) -> String {
    format!("/t/{slug}/{}/{}", topic.borrow(), number.borrow())
}

/// A post, scrolled to: the page it is on, with the browser taken to the post itself.
pub fn post_anchored(slug: &str, topic: impl Borrow<TopicId>, number: impl Borrow<i64>) -> String {
    let number = number.borrow();
    format!("/t/{slug}/{}/{number}#post_{number}", topic.borrow())
}

/// An action on a topic, under its path: `reply` (the reply form), `notifications` (its
/// notification level).
pub fn topic_action(slug: &str, topic: impl Borrow<TopicId>, action: &str) -> String {
    format!("/t/{slug}/{}/{action}", topic.borrow())
}

/// Where a topic's notification level is set (Discourse's path, by id alone).
pub fn topic_notifications(topic: impl Borrow<TopicId>) -> String {
    format!("/t/{}/notifications", topic.borrow())
}

/// An action on a post by its id: `edit`, `delete`, `restore`, `like`, `revisions`,
/// `replies`, `likes`.
pub fn post_action(post: impl Borrow<PostId>, action: &str) -> String {
    format!("/posts/{}/{action}", post.borrow())
}

/// A category's topics.
pub fn category(slug: &str, id: impl Borrow<CategoryId>) -> String {
    format!("/c/{slug}/{}", id.borrow())
}

/// A category's edit form.
pub fn category_edit(slug: &str, id: impl Borrow<CategoryId>) -> String {
    format!("/c/{slug}/{}/edit", id.borrow())
}

/// Where a category's notification level is set (Discourse's path).
pub fn category_notifications(id: impl Borrow<CategoryId>) -> String {
    format!("/category/{}/notifications", id.borrow())
}

/// A member's profile.
pub fn user(username: &str) -> String {
    format!("/u/{username}")
}

/// Where an account-activation email sends its reader.
pub fn activate_account(token: &str) -> String {
    format!("/u/activate-account/{token}")
}

/// Where a password-reset email sends its reader.
pub fn password_reset(token: &str) -> String {
    format!("/u/password-reset/{token}")
}

/// The one-click unsubscribe link of notification emails.
pub fn unsubscribe(key: &str) -> String {
    format!("/email/unsubscribe/{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_discourses() {
        assert_eq!(topic("pact", TopicId(7)), "/t/pact/7");
        assert_eq!(post("pact", TopicId(7), 3), "/t/pact/7/3");
        assert_eq!(post_anchored("pact", TopicId(7), 3), "/t/pact/7/3#post_3");
        assert_eq!(topic_action("pact", TopicId(7), "reply"), "/t/pact/7/reply");
        assert_eq!(category("history", CategoryId(2)), "/c/history/2");
        assert_eq!(category_edit("history", CategoryId(2)), "/c/history/2/edit");
        assert_eq!(user("lena"), "/u/lena");
        assert_eq!(topic_notifications(TopicId(7)), "/t/7/notifications");
        assert_eq!(
            category_notifications(CategoryId(2)),
            "/category/2/notifications"
        );
        assert_eq!(post_action(PostId(9), "edit"), "/posts/9/edit");
    }
}
