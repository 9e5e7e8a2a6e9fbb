//! The counters a post moves when it arrives, goes or comes back: its topic's posts, replies
//! and likes, the post it answers, its category's live topics and posts, its author's live
//! topics and posts. Each write changes them by the difference it makes, inside its own
//! transaction; nothing is recounted from the rows, because a recount grows with the topic,
//! the category or the member (on a forum of a million posts a category recount read a
//! hundred thousand rows per reply). `stoa_db::audit` proves them exact in tests.
//!
//! What counts, as the counters have always meant: a topic's counts are its live posts
//! (whatever the topic's own state); a category's are its live topics and the live posts in
//! them; a member's are their live posts and topics anywhere, and in each topic (which ranks
//! the topic's featured posters). An opening post and its topic are deleted and restored
//! together.

use stoa_db::posts::PostRow;
use stoa_db::topics::{TopicCounts, TopicRow};
use stoa_db::{Tx, categories, posts, reads, topics, users};

use crate::Result;

/// What happened to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PostChange {
    /// Written just now (with its topic, for an opening post).
    Arrived,
    /// Soft-deleted (with its topic, for an opening post).
    Deleted,
    /// Restored (with its topic, for an opening post).
    Restored,
}

/// Moves every counter `change` to `post` moves. `topic` is the topic's row as read before the
/// change, under the write lock.
pub(crate) async fn post_changed(
    tx: &mut Tx,
    topic: &TopicRow,
    post: &PostRow,
    change: PostChange,
) -> Result<()> {
    let sign = match change {
        PostChange::Arrived | PostChange::Restored => 1,
        PostChange::Deleted => -1,
    };
    let opening = post.post_number == 1;
    if let Some(to) = post.reply_to_post_number {
        posts::add_replies(tx, topic.id, to, sign).await?;
    }
    // The category counts only live topics, so an opening post carries its whole topic in or
    // out; any other post counts there only while its topic is live.
    let (category_topics, category_posts) = match (opening, change) {
        (true, PostChange::Arrived) => (1, 1),
        (true, PostChange::Deleted) => (-1, -topic.posts_count),
        (true, PostChange::Restored) => (1, topic.posts_count + 1),
        (false, _) if topic.deleted_at.is_none() => (0, sign),
        (false, _) => (0, 0),
    };
    if (category_topics, category_posts) != (0, 0) {
        categories::add_counts(tx, topic.category_id, category_topics, category_posts).await?;
    }
    users::add_counts(tx, post.user_id, if opening { sign } else { 0 }, sign).await?;
    reads::add_posted(tx, post.user_id, topic.id, post.post_number, sign).await?;
    // Last: the featured posters are chosen from the author's count just moved.
    topics::post_counts(
        tx,
        topic.id,
        TopicCounts {
            posts: sign,
            replies: if opening { 0 } else { sign },
            likes: sign * post.like_count,
        },
    )
    .await?;
    Ok(())
}

/// Moves a live topic's topics and posts from one category's counters to another's.
pub(crate) async fn topic_moved(
    tx: &mut Tx,
    topic: &TopicRow,
    to: stoa_core::CategoryId,
) -> Result<()> {
    if topic.deleted_at.is_some() || topic.category_id == to {
        return Ok(());
    }
    // Lower id first: two moves in opposite directions take the rows in the same order, so
    // on PostgreSQL neither waits on the other in a cycle.
    let mut moves = [
        (topic.category_id, -1, -topic.posts_count),
        (to, 1, topic.posts_count),
    ];
    moves.sort_by_key(|m| m.0);
    for (category, topics, posts) in moves {
        categories::add_counts(tx, category, topics, posts).await?;
    }
    Ok(())
}

/// Moves a post's and its topic's like counts by a like given (`by` = 1) or taken back (-1);
/// returns the post's new count. A deleted post's likes do not count in its topic.
pub(crate) async fn like_changed(tx: &mut Tx, post: &PostRow, by: i64) -> Result<i64> {
    let count = stoa_db::likes::add_to_count(tx, post.id, by).await?;
    if post.deleted_at.is_none() {
        topics::add_counts(
            tx,
            post.topic_id,
            TopicCounts {
                likes: by,
                ..TopicCounts::default()
            },
        )
        .await?;
    }
    Ok(count)
}
