//! Writing a new post: a reply, or a topic's opening post. Each use case checks what is its
//! own (may this member reply here? is this a title?) and then hands the cooked post to the
//! one tail both share, [`Forum::publish`]: insert it at the topic's next number with every
//! counter kept exact, index it, give the poster their default level, notify whom it concerns,
//! commit, and wake the mailer.

use stoa_core::{Error, NotificationLevel, PostId, TopicId, UserId};
use stoa_db::posts::{NewPost, PostRow};
use stoa_db::topics::TopicRow;
use stoa_db::users::PosterRow;
use stoa_db::{Tx, posts as db_posts, reads, topics as db_topics, users as db_users};

use crate::cooking::Cooked;
use crate::counters::{self, PostChange};
use crate::freshness::topic_parts;
use crate::search::Labels;
use crate::{Forum, Result, now};

/// A post just written, with what its writer's next page needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub topic_id: TopicId,
    /// The topic's slug, for its canonical URL.
    pub slug: String,
    pub post_id: PostId,
    pub post_number: i64,
}

/// A new post, checked and cooked, ready to write.
pub(crate) struct Draft<'a> {
    /// Its topic as loaded before the post (locked, and visible to the author): what the
    /// notifications and emails name — id, title, slug, category, state — not its counters.
    pub topic: &'a TopicRow,
    pub author: UserId,
    /// The post it answers, checked to exist.
    pub reply_to: Option<i64>,
    pub cooked: Cooked,
}

impl Forum {
    /// Writes the post and everything that follows from it, and commits.
    pub(crate) async fn publish(&self, mut tx: Tx, draft: Draft<'_>) -> Result<Posted> {
        let Draft {
            topic,
            author,
            reply_to,
            cooked,
        } = draft;
        let poster = db_users::find_poster(&mut tx, author, topic.category_id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let post = insert_post(&mut tx, topic, &poster, reply_to, &cooked).await?;
        self.notify_post(&mut tx, &post, &cooked.facts, topic, &poster.user, None)
            .await?;
        tx.commit().await?;
        self.changed(&topic_parts(topic.id, topic.category_id));
        self.wake_mailer();
        Ok(Posted {
            topic_id: topic.id,
            slug: topic.slug.clone(),
            post_id: post.id,
            post_number: post.post_number,
        })
    }
}

/// Inserts a post at the topic's next number, with counters, the author's read state and
/// level, and the search index kept exact. Every statement here runs while the writer is
/// held (on SQLite, other writes wait): what can be read or computed before is.
async fn insert_post(
    tx: &mut Tx,
    topic: &TopicRow,
    poster: &PosterRow,
    reply_to: Option<i64>,
    cooked: &Cooked,
) -> Result<PostRow> {
    let at = now();
    let user = poster.user.id;
    let number = db_topics::take_post_number(tx, topic.id, at, user).await?;
    let post = db_posts::insert(
        tx,
        &NewPost {
            topic_id: topic.id,
            user_id: user,
            post_number: number,
            reply_to_post_number: reply_to,
            raw: cooked.raw(),
            cooked: &cooked.html,
            created_at: at,
        },
    )
    .await?;
    counters::post_changed(tx, topic, &post, PostChange::Arrived).await?;
    // A member who chose no level for the topic gets the one posting gives.
    let starts_topic = number == 1;
    let category_level = poster.category_level.filter(|_| !starts_topic);
    let level = NotificationLevel::for_poster(starts_topic, category_level);
    reads::after_posting(tx, (user, topic.id), number, level).await?;
    let labels = Labels {
        title: &topic.title,
        category: poster.category_name.as_deref().unwrap_or_default(),
        username: &poster.user.username,
        name: &poster.user.name,
    };
    crate::search::index_new(tx, post.id, labels, cooked).await?;
    Ok(post)
}
