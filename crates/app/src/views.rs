//! What the JSON API reads beyond the pages: a topic's whole post stream, posts by id, the
//! newest posts, who liked a post, and site statistics. Visibility is decided here, by the
//! same Guardian questions the pages ask.

use std::collections::HashMap;

use stoa_core::{Actor, CategoryId, Error, Guardian, NotificationLevel, PostId, TopicId, UserId};
use stoa_db::topics::TopicRow;
use stoa_db::{Tx, likes, posts as db_posts, reads};

use crate::posts::{PostItem, item};
use crate::visible::visible_topic;
use crate::{Forum, MemberName, Result, SiteCounts, Timestamp, Topic, db, now};

/// Posts in one answer of the topic view (Discourse's `chunk_size`).
pub const CHUNK_SIZE: i64 = 20;
/// Posts per page of `/posts.json` (Discourse: 50).
pub const LATEST_POSTS: i64 = 50;
/// Likers listed for one post.
pub const LIKERS: i64 = 200;
/// The most replies to one post listed at once.
pub const REPLIES: i64 = 100;

/// A post and who liked it.
#[derive(Debug)]
pub struct Likes {
    pub post: PostItem,
    pub topic: Topic,
    pub likers: Vec<MemberName>,
}

/// A post and the posts that answer it.
#[derive(Debug)]
pub struct Replies {
    pub post: PostItem,
    pub topic: Topic,
    pub replies: PostBatch,
}

/// Posts with what the API says about their authors.
#[derive(Debug, Clone, Default)]
pub struct PostBatch {
    pub items: Vec<PostItem>,
    /// Each author's live post count, by user id.
    pub author_posts: HashMap<UserId, i64>,
}

impl PostBatch {
    pub fn author_posts(&self, user: UserId) -> i64 {
        self.author_posts.get(&user).copied().unwrap_or(0)
    }
}

/// A topic as the API shows it: every visible post id, and the posts of one chunk.
#[derive(Debug, Clone)]
pub struct TopicView {
    pub topic: Topic,
    /// Every post id the actor may see, in order.
    pub stream: Vec<PostId>,
    pub posts: PostBatch,
    pub created_by: MemberName,
    pub last_poster: MemberName,
    /// Who posted, most posts first (at most 24), with their post counts in the topic.
    pub participants: Vec<(MemberName, i64)>,
    pub can_reply: bool,
    /// The member's level for the topic (normal for visitors and when never chosen).
    pub notification_level: NotificationLevel,
}

/// A post in the list of newest posts, with its topic's title and slug.
#[derive(Debug, Clone)]
pub struct LatestPost {
    pub post: PostItem,
    pub topic_title: String,
    pub topic_slug: String,
    pub category_id: CategoryId,
}

/// Site-wide counts, all time and over the last day, week and month.
#[derive(Debug, Clone)]
pub struct SiteStatistics {
    pub all: SiteCounts,
    pub last_day: SiteCounts,
    pub last_7_days: SiteCounts,
    pub last_30_days: SiteCounts,
    pub admin_ids: Vec<UserId>,
    pub created_at: Option<Timestamp>,
}

/// Reads these posts for the actor: deleted ones only for those who may see them, posts in
/// topics they may not see never.
async fn batch(tx: &mut Tx, actor: Actor, ids: &[PostId]) -> Result<PostBatch> {
    batch_in(tx, actor, ids, None).await
}

/// [`batch`], with the posts' topic already checked and loaded when they share one.
async fn batch_in(
    tx: &mut Tx,
    actor: Actor,
    ids: &[PostId],
    known: Option<&TopicRow>,
) -> Result<PostBatch> {
    let guardian = Guardian::new(actor);
    let views = db_posts::views(tx, ids, actor.user_id()).await?;
    let mut topics: HashMap<TopicId, Option<TopicRow>> = HashMap::new();
    if let Some(t) = known {
        topics.insert(t.id, Some(t.clone()));
    }
    let mut items = Vec::with_capacity(views.len());
    for view in views {
        let topic = match topics.get(&view.post.topic_id) {
            Some(known) => known.clone(),
            None => {
                let found = match visible_topic(tx, actor, view.post.topic_id).await {
                    Ok(topic) => Some(topic),
                    Err(e) if e.is_not_found() => None,
                    Err(e) => return Err(e),
                };
                topics.insert(view.post.topic_id, found.clone());
                found
            }
        };
        let Some(topic) = topic else {
            continue;
        };
        if view.post.deleted_at.is_some() && !guardian.can_see_deleted() {
            continue;
        }
        items.push(item(
            guardian,
            view,
            topic.deleted_at.is_some(),
            topic.closed,
        ));
    }
    let mut authors: Vec<UserId> = items.iter().map(|i| i.post.user_id).collect();
    authors.sort_unstable();
    authors.dedup();
    let author_posts = db_posts::counts_by_author(tx, &authors)
        .await?
        .into_iter()
        .collect();
    Ok(PostBatch {
        items,
        author_posts,
    })
}

async fn name_of(tx: &mut Tx, id: UserId) -> Result<MemberName> {
    let u = db::users::find(tx, id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    Ok(MemberName {
        id: u.id,
        username: u.username,
        name: u.name,
    })
}

impl Forum {
    /// A topic's post stream and the chunk of posts from `from_number` on (the first chunk
    /// when None).
    pub async fn topic_view(
        &self,
        actor: Actor,
        id: TopicId,
        from_number: Option<i64>,
    ) -> Result<TopicView> {
        let guardian = Guardian::new(actor);
        let mut tx = self.db.read().await?;
        let topic = visible_topic(&mut tx, actor, id).await?;
        let stream = db_posts::stream(&mut tx, id, guardian.can_see_deleted()).await?;
        // The chunk starts at the first post shown numbered `from_number` or later.
        let start = from_number.map_or(0, |n| stream.partition_point(|&(_, number)| number < n));
        let chunk: Vec<PostId> = stream
            .iter()
            .skip(start)
            .take(CHUNK_SIZE as usize)
            .map(|&(id, _)| id)
            .collect();
        let stream: Vec<PostId> = stream.into_iter().map(|(id, _)| id).collect();
        let posts = batch_in(&mut tx, actor, &chunk, Some(&topic)).await?;
        let participants: Vec<(MemberName, i64)> = db_posts::participants(&mut tx, id, 24)
            .await?
            .into_iter()
            .map(|(name, count)| (name.into(), count))
            .collect();
        // Both are usually among the participants already read.
        let known = |user: UserId| {
            participants
                .iter()
                .find(|(p, _)| p.id == user)
                .map(|(p, _)| p.clone())
        };
        let created_by = match known(topic.user_id) {
            Some(u) => u,
            None => name_of(&mut tx, topic.user_id).await?,
        };
        let last_poster = match db_posts::last_poster(&mut tx, id).await? {
            Some(u) => match known(u) {
                Some(found) => found,
                None => name_of(&mut tx, u).await?,
            },
            None => created_by.clone(),
        };
        let can_reply = guardian
            .can_reply(topic.deleted_at.is_some(), topic.closed)
            .is_ok();
        let notification_level = match actor.user_id() {
            Some(user) => {
                let s = reads::reader_state(&mut tx, user, id, topic.category_id, 0, 0).await?;
                NotificationLevel::in_force(s.topic_level, s.category_level)
            }
            None => NotificationLevel::Normal,
        };
        Ok(TopicView {
            topic: topic.into(),
            stream,
            posts,
            created_by,
            last_poster,
            participants,
            can_reply,
            notification_level,
        })
    }

    /// Every post id of a topic the actor may see, in order (for `/raw`, which needs no more
    /// of the view).
    pub async fn topic_stream(&self, actor: Actor, id: TopicId) -> Result<Vec<PostId>> {
        let mut tx = self.db.read().await?;
        visible_topic(&mut tx, actor, id).await?;
        let stream = db_posts::stream(&mut tx, id, Guardian::new(actor).can_see_deleted()).await?;
        Ok(stream.into_iter().map(|(id, _)| id).collect())
    }

    /// These posts of a topic (ids from its stream), in order.
    pub async fn topic_posts(
        &self,
        actor: Actor,
        id: TopicId,
        ids: &[PostId],
    ) -> Result<PostBatch> {
        let mut tx = self.db.read().await?;
        visible_topic(&mut tx, actor, id).await?;
        let mut posts = batch(&mut tx, actor, ids).await?;
        posts.items.retain(|i| i.post.topic_id == id);
        Ok(posts)
    }

    /// One post as the API shows it.
    pub async fn post_item(&self, actor: Actor, id: PostId) -> Result<(PostBatch, Topic)> {
        let mut tx = self.db.read().await?;
        let posts = batch(&mut tx, actor, &[id]).await?;
        let Some(first) = posts.items.first() else {
            return Err(Error::NotFound("post").into());
        };
        let topic = visible_topic(&mut tx, actor, first.post.topic_id).await?;
        Ok((posts, topic.into()))
    }

    /// The newest posts with ids below `before`, newest first.
    pub async fn latest_posts(
        &self,
        actor: Actor,
        before: Option<PostId>,
    ) -> Result<(Vec<LatestPost>, PostBatch)> {
        let guardian = Guardian::new(actor);
        let mut tx = self.db.read().await?;
        let rows = db_posts::latest(
            &mut tx,
            before,
            guardian.can_see_category(true),
            LATEST_POSTS,
        )
        .await?;
        let ids: Vec<PostId> = rows.iter().map(|r| r.id).collect();
        let mut posts = batch(&mut tx, actor, &ids).await?;
        let mut by_id: HashMap<PostId, PostItem> =
            posts.items.drain(..).map(|i| (i.post.id, i)).collect();
        let latest = rows
            .into_iter()
            .filter_map(|r| {
                by_id.remove(&r.id).map(|post| LatestPost {
                    post,
                    topic_title: r.topic_title,
                    topic_slug: r.topic_slug,
                    category_id: r.category_id,
                })
            })
            .collect();
        Ok((latest, posts))
    }

    /// A post the actor may see, its topic, and the posts that answer it (Discourse's
    /// `GET /posts/{id}/replies`), at most [`REPLIES`] of them, in order.
    pub async fn replies(&self, actor: Actor, id: PostId) -> Result<Replies> {
        let mut tx = self.db.read().await?;
        let mut post = batch(&mut tx, actor, &[id]).await?;
        let Some(first) = post.items.pop() else {
            return Err(Error::NotFound("post").into());
        };
        let topic = visible_topic(&mut tx, actor, first.post.topic_id).await?;
        let ids = db_posts::reply_ids(
            &mut tx,
            topic.id,
            first.post.post_number,
            Guardian::new(actor).can_see_deleted(),
            REPLIES,
        )
        .await?;
        let replies = batch_in(&mut tx, actor, &ids, Some(&topic)).await?;
        Ok(Replies {
            post: first,
            topic: topic.into(),
            replies,
        })
    }

    /// A post the actor may see, its topic, and who liked it.
    pub async fn likes(&self, actor: Actor, id: PostId) -> Result<Likes> {
        let mut tx = self.db.read().await?;
        let mut post = batch(&mut tx, actor, &[id]).await?;
        let Some(first) = post.items.pop() else {
            return Err(Error::NotFound("post").into());
        };
        let topic = visible_topic(&mut tx, actor, first.post.topic_id).await?;
        let likers = likes::likers(&mut tx, id, LIKERS).await?;
        Ok(Likes {
            post: first,
            topic: topic.into(),
            likers: likers.into_iter().map(Into::into).collect(),
        })
    }

    /// Who liked a post the actor may see.
    pub async fn likers(&self, actor: Actor, id: PostId) -> Result<Vec<MemberName>> {
        let mut tx = self.db.read().await?;
        if batch(&mut tx, actor, &[id]).await?.items.is_empty() {
            return Err(Error::NotFound("post").into());
        }
        let likers = likes::likers(&mut tx, id, LIKERS).await?;
        Ok(likers.into_iter().map(Into::into).collect())
    }

    /// Counts of public content for `/about.json` and `/site/statistics.json`.
    pub async fn site_statistics(&self) -> Result<SiteStatistics> {
        let at = now();
        let mut tx = self.db.read().await?;
        let epoch = Timestamp::UNIX_EPOCH;
        Ok(SiteStatistics {
            all: db::stats::since(&mut tx, epoch).await?.into(),
            last_day: db::stats::since(&mut tx, at - chrono::Duration::days(1))
                .await?
                .into(),
            last_7_days: db::stats::since(&mut tx, at - chrono::Duration::days(7))
                .await?
                .into(),
            last_30_days: db::stats::since(&mut tx, at - chrono::Duration::days(30))
                .await?
                .into(),
            admin_ids: db::stats::admin_ids(&mut tx).await?,
            created_at: db::stats::created_at(&mut tx).await?,
        })
    }
}

/// Characters in a post's excerpt (Discourse's default excerpt length).
const EXCERPT_CHARS: usize = 300;

/// A post's opening text as a reader sees it, and whether it was cut short.
pub fn excerpt(raw: &str) -> (String, bool) {
    let text = stoa_markup::plain_text(raw);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => (format!("{}…", &text[..cut]), true),
        None => (text, false),
    }
}
