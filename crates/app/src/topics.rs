//! Topics: starting one, listing them, and reading one page of a topic.

use std::sync::Arc;

use stoa_core::limits::{POSTS_PER_PAGE, TOPICS_PER_PAGE};
use stoa_core::slug::slugify;
use stoa_core::{
    Actor, CategoryId, Error, Guardian, NotificationLevel, TopicId, TopicTitle, UserId,
};
use stoa_db::topics::{ListFilter, ListKind, NewTopic};
use stoa_db::{posts as db_posts, reads, topics as db_topics};

use crate::cooking;
use crate::posting::{Draft, Posted};
use crate::posts::{PostItem, item};
use crate::topic_cache::{self, SharedPage};
use crate::visible::{self, visible_topic};
use crate::{Category, Forum, FoundPost, Result, Topic, TopicSummary, db, now};

/// What the new-topic form sends.
#[derive(Debug, Clone, Default)]
pub struct NewTopicForm {
    pub title: String,
    pub raw: String,
    pub category_id: Option<CategoryId>,
    /// Discourse's `archetype` as the client sent it; only `regular` topics exist, so any
    /// other (a private message) is refused rather than created as a public topic.
    pub archetype: Option<String>,
}

/// Where to go in a topic: a post by number, or the first post of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JumpTo {
    Number(i64),
    Date(chrono::NaiveDate),
}

/// How long a topic counts as new (Discourse's `new_topic_duration_minutes` default, two days).
pub const NEW_TOPIC_MINUTES: i64 = 2 * 24 * 60;

/// Which list: Discourse's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListTab {
    Latest,
    New,
    Unread,
    Top(TopPeriod),
}

/// The periods of Discourse's Top list, by their names in URLs (`?period=weekly`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TopPeriod {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    /// Discourse's default (`top_page_default_timeframe`).
    #[default]
    Yearly,
    All,
}

impl TopPeriod {
    pub const ALL: [TopPeriod; 6] = [
        TopPeriod::Daily,
        TopPeriod::Weekly,
        TopPeriod::Monthly,
        TopPeriod::Quarterly,
        TopPeriod::Yearly,
        TopPeriod::All,
    ];

    /// The period a name means; None for a name that is none of them.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            TopPeriod::Daily => "daily",
            TopPeriod::Weekly => "weekly",
            TopPeriod::Monthly => "monthly",
            TopPeriod::Quarterly => "quarterly",
            TopPeriod::Yearly => "yearly",
            TopPeriod::All => "all",
        }
    }

    /// As a person reads it: "Today", "This week", … "All time".
    pub fn label(self) -> &'static str {
        match self {
            TopPeriod::Daily => "Today",
            TopPeriod::Weekly => "This week",
            TopPeriod::Monthly => "This month",
            TopPeriod::Quarterly => "This quarter",
            TopPeriod::Yearly => "This year",
            TopPeriod::All => "All time",
        }
    }

    fn days(self) -> Option<i64> {
        match self {
            TopPeriod::Daily => Some(1),
            TopPeriod::Weekly => Some(7),
            TopPeriod::Monthly => Some(30),
            TopPeriod::Quarterly => Some(90),
            TopPeriod::Yearly => Some(365),
            TopPeriod::All => None,
        }
    }
}

/// One page of a topic list.
#[derive(Debug, Clone)]
pub struct TopicList {
    pub topics: Vec<TopicSummary>,
    /// 1-based.
    pub page: i64,
    pub more: bool,
}

/// One page of a topic, ready to show.
#[derive(Debug, Clone)]
pub struct TopicPage {
    pub topic: Topic,
    pub category: Category,
    pub posts: Vec<PostItem>,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
    /// Why the actor may not reply, if they may not (None: they may).
    pub reply_refusal: Option<Error>,
    /// The member's notification level for the topic (None for visitors).
    pub notification_level: Option<NotificationLevel>,
    /// How many of the member's notifications this page view marked read (the bell, counted
    /// before the page was read, is that much lower now).
    pub notifications_read: i64,
    /// Topics like this one (on its last page only).
    pub similar: Vec<FoundPost>,
    /// Whether this view recorded the member's reading (a visit); when not, the page's script
    /// reports it.
    pub reading_recorded: bool,
    /// The last post the member had read before this view (the "last visit" line goes after
    /// it); None for visitors and topics never opened.
    pub last_read: Option<i64>,
    /// The post the visit landed on: the one asked for (the nearest that exists), else the
    /// page's first.
    pub landing: i64,
}

/// Which page of a topic a visit asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    /// A page by its number (1-based).
    Page(i64),
    /// The page holding this post (or the nearest that exists).
    Post(i64),
    /// No page named: where a signed-in member stopped reading, else the first page.
    FirstUnread,
}

impl Landing {
    /// The page this asks for, if it names one (a post's page is its number's).
    fn page(self) -> Option<i64> {
        match self {
            Landing::Page(k) => Some(k),
            Landing::Post(n) => Some(page_of(n.max(1))),
            Landing::FirstUnread => None,
        }
    }
}

/// What opening a topic gives.
#[derive(Debug, Clone)]
pub enum Opened {
    /// The page to show.
    Page(Box<TopicPage>),
    /// The member has read some of the topic and not all: go to the first post they have
    /// not read.
    Unread { topic: Topic, post_number: i64 },
}

/// A page of a topic as everyone sees it, and its number.
struct Shared {
    page: Arc<SharedPage>,
    number: i64,
}

fn pages_for(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page).max(1)
}

/// The page of its topic that post `number` is on.
fn page_of(number: i64) -> i64 {
    (number - 1) / POSTS_PER_PAGE + 1
}

impl Forum {
    /// Starts a topic with its opening post.
    pub async fn create_topic(&self, actor: Actor, form: &NewTopicForm) -> Result<Posted> {
        let guardian = Guardian::new(actor);
        guardian.can_create_topic()?;
        let user = actor.user_id().ok_or(Error::NotLoggedIn)?;
        match form.archetype.as_deref().map(str::trim) {
            None | Some("" | "regular") => {}
            Some("private_message") => {
                return Err(Error::invalid(
                    "archetype",
                    "Private messages are not available on this forum yet; nothing was sent",
                )
                .into());
            }
            Some(_) => {
                return Err(Error::invalid(
                    "archetype",
                    "Unknown archetype: a topic's archetype is \"regular\"",
                )
                .into());
            }
        }
        let title = TopicTitle::parse(&form.title)?;
        let cooked = cooking::prepare(&self.db, &form.raw).await?;
        let category_id = form
            .category_id
            .ok_or_else(|| Error::invalid("category", "Choose a category"))?;
        let mut tx = self.db.write().await?;
        visible::chosen_category(&mut tx, actor, category_id).await?;
        let at = now();
        let slug = slugify(title.as_str());
        let topic_id = db_topics::insert(
            &mut tx,
            &NewTopic {
                title: title.as_str(),
                slug: &slug,
                category_id,
                user_id: user,
                created_at: at,
            },
        )
        .await?;
        let topic = db_topics::find(&mut tx, topic_id)
            .await?
            .ok_or(Error::NotFound("topic"))?;
        let draft = Draft {
            topic: &topic,
            author: user,
            reply_to: None,
            cooked,
        };
        self.publish(tx, draft).await
    }

    /// Topics with the newest activity first, optionally in one category or by one member.
    pub async fn topic_list(
        &self,
        actor: Actor,
        category: Option<CategoryId>,
        author: Option<UserId>,
        page: i64,
    ) -> Result<TopicList> {
        self.list_topics(actor, category, author, ListKind::Latest, page)
            .await
    }

    /// One of Discourse's lists: Latest, New and Unread (a member's), Top over a period.
    pub async fn list_tab(&self, actor: Actor, tab: ListTab, page: i64) -> Result<TopicList> {
        let kind = match tab {
            ListTab::Latest => ListKind::Latest,
            ListTab::New => {
                actor.user_id().ok_or(Error::NotLoggedIn)?;
                ListKind::New {
                    since: now() - chrono::Duration::minutes(NEW_TOPIC_MINUTES),
                }
            }
            ListTab::Unread => {
                actor.user_id().ok_or(Error::NotLoggedIn)?;
                ListKind::Unread
            }
            ListTab::Top(period) => ListKind::Top {
                since: period.days().map(|d| now() - chrono::Duration::days(d)),
            },
        };
        self.list_topics(actor, None, None, kind, page).await
    }

    async fn list_topics(
        &self,
        actor: Actor,
        category: Option<CategoryId>,
        author: Option<UserId>,
        kind: ListKind,
        page: i64,
    ) -> Result<TopicList> {
        let page = page.max(1);
        let filter = ListFilter {
            kind,
            category,
            author,
            include_deleted: Guardian::new(actor).can_see_deleted(),
            include_restricted: Guardian::new(actor).can_see_category(true),
            hide_muted: category.is_none() && author.is_none(),
            viewer: actor.user_id(),
        };
        let mut tx = self.db.read().await?;
        let offset = (page - 1).saturating_mul(TOPICS_PER_PAGE);
        // One row more than a page shows says whether there is a next page: nothing counts
        // the whole list (Discourse's `more_topics_url` way).
        let mut rows = db_topics::list(&mut tx, filter, TOPICS_PER_PAGE + 1, offset).await?;
        let more = rows.len() as i64 > TOPICS_PER_PAGE;
        rows.truncate(TOPICS_PER_PAGE as usize);
        Ok(TopicList {
            topics: rows.into_iter().map(Into::into).collect(),
            page,
            more,
        })
    }

    /// A page of a topic, as `landing` asks: a page by number, the page holding a post (the
    /// nearest that exists), or — with no page named — where a signed-in member stopped
    /// reading ([`Opened::Unread`] when they have read some of it and not all; else the first
    /// page). With `visit` (a visit the member made: the page opened in their browser's
    /// window, not fetched as an image or by a script; the viewer's key for counting views,
    /// once per viewer and day, see `topic_views`), what it shows is marked read for a
    /// signed-in member, and the notifications about the post the visit lands on — the post
    /// asked for, or the page's first. Notifications about the page's other posts stay unread
    /// until the page's script reports them seen ([`Self::record_reading`]): opening one
    /// notification does not dismiss its neighbours.
    ///
    /// What every reader is shown alike comes from `topic_cache` (read again after each change
    /// of the topic); what is the member's own is one statement (`reads::reader_state`).
    pub async fn open_topic(
        &self,
        actor: Actor,
        id: TopicId,
        landing: Landing,
        visit: Option<&str>,
    ) -> Result<Opened> {
        let guardian = Guardian::new(actor);
        let mut shared = self
            .shared_page(actor, id, landing.page().unwrap_or(1))
            .await?;
        let highest = shared.page.topic.highest_post_number;
        let pages = pages_for(highest, POSTS_PER_PAGE);
        // The post the visit lands on, when one was asked for: the nearest that exists.
        let wanted = match landing {
            Landing::Post(n) => {
                let n = n.clamp(1, highest.max(1));
                if page_of(n) != shared.number {
                    shared = self.shared_page(actor, id, page_of(n)).await?;
                }
                Some(n)
            }
            Landing::Page(k) if k < 1 || k > pages => {
                return Err(Error::NotFound("page").into());
            }
            Landing::Page(_) | Landing::FirstUnread => None,
        };
        let page = shared.number;
        let topic = &shared.page.topic;
        // Page k holds posts numbered (k-1)·20+1 … k·20, deleted ones as placeholders.
        let (from, to) = ((page - 1) * POSTS_PER_PAGE + 1, page * POSTS_PER_PAGE);
        let state = match actor.user_id() {
            Some(user) => {
                let mut tx = self.db.read_single().await?;
                Some(reads::reader_state(&mut tx, user, id, topic.category_id, from, to).await?)
            }
            None => None,
        };
        let last_read = state.and_then(|s| s.last_read);
        if let (Landing::FirstUnread, Some(read)) = (landing, last_read)
            && read < highest
        {
            return Ok(Opened::Unread {
                topic: topic.clone().into(),
                post_number: read + 1,
            });
        }
        let views = &shared.page.views;
        let shown = views
            .first()
            .zip(views.last())
            .map(|(a, b)| (a.post.post_number, b.post.post_number));
        let first = shown.map_or(0, |s| s.0);
        let landing = wanted
            .filter(|n| shown.is_some_and(|(a, b)| (a..=b).contains(n)))
            .unwrap_or(first);
        let unread_notes = state.map_or(0, |s| s.unread_notifications);
        let notification_level =
            state.map(|s| NotificationLevel::in_force(s.topic_level, s.category_level));
        let topic_deleted = topic.deleted_at.is_some();
        let posts: Vec<PostItem> = views
            .iter()
            .map(|v| {
                let mut v = v.clone();
                v.liked = state.is_some_and(|s| s.liked(from, v.post.post_number));
                item(guardian, v, topic_deleted, topic.closed)
            })
            .collect();
        let mut notifications_read = 0;
        if let (Some(_), Some(user), Some((_, last))) = (visit, actor.user_id(), shown) {
            notifications_read = self
                .mark_seen(user, id, last, &[landing], last_read, unread_notes)
                .await?;
        }
        if let Some(viewer) = visit {
            self.views.view(id, viewer);
        }
        let reply_refusal = guardian.can_reply(topic_deleted, topic.closed).err();
        Ok(Opened::Page(Box::new(TopicPage {
            topic: topic.clone().into(),
            category: shared.page.category.clone().into(),
            posts,
            page,
            pages,
            reply_refusal,
            notification_level,
            notifications_read,
            similar: shared.page.similar.clone(),
            reading_recorded: visit.is_some() && actor.user_id().is_some(),
            landing,
            last_read,
        })))
    }

    /// Page `number` of a topic as everyone sees it (its posts with nobody's likes; similar
    /// topics on the last page, as the actor's visibility finds them), if the actor may see
    /// the topic: from `topic_cache`, or read in one transaction and kept there. A page past
    /// the end has no posts (and is not kept).
    async fn shared_page(&self, actor: Actor, id: TopicId, number: i64) -> Result<Shared> {
        let key = topic_cache::Key {
            topic: id,
            page: number,
            see_restricted: Guardian::new(actor).can_see_category(true),
        };
        let page = match self.topic_cache.get(&key, &self.freshness) {
            Some(page) => page,
            None => {
                let epoch = self.freshness.epoch();
                let mut tx = self.db.read().await?;
                let topic = db_topics::find(&mut tx, id)
                    .await?
                    .ok_or(Error::NotFound("topic"))?;
                let category = db::categories::find(&mut tx, topic.category_id)
                    .await?
                    .ok_or(Error::NotFound("category"))?;
                let pages = pages_for(topic.highest_post_number, POSTS_PER_PAGE);
                let in_range = (1..=pages).contains(&number);
                let mut views = if in_range {
                    db_posts::numbered(
                        &mut tx,
                        id,
                        None,
                        (number - 1) * POSTS_PER_PAGE + 1,
                        number * POSTS_PER_PAGE,
                    )
                    .await?
                } else {
                    Vec::new()
                };
                // The page shows cooked HTML; the Markdown would only weigh in memory.
                for v in &mut views {
                    v.post.raw = String::new();
                }
                // Where a reader finishes, topics like this one.
                let similar = if number == pages {
                    self.similar_for_topic(&mut tx, actor, id, &topic.title)
                        .await?
                } else {
                    Vec::new()
                };
                drop(tx);
                let page = Arc::new(SharedPage {
                    topic,
                    category,
                    views,
                    similar,
                });
                if in_range {
                    self.topic_cache
                        .put(key, page.clone(), &self.freshness, epoch);
                }
                page
            }
        };
        // Who may see it is asked of every request, never kept.
        let guardian = Guardian::new(actor);
        let topic = &page.topic;
        if (topic.deleted_at.is_some() && !guardian.can_see_deleted())
            || !guardian.can_see_category(topic.category_read_restricted)
        {
            return Err(Error::NotFound("topic").into());
        }
        Ok(Shared { page, number })
    }

    /// Records what a member's browser reports having shown them of a topic (Discourse's
    /// `POST /topics/timings`): posts `numbers`, read now, and the notifications about exactly
    /// those posts. Returns how many notifications that marked read.
    pub async fn record_reading(&self, actor: Actor, id: TopicId, numbers: &[i64]) -> Result<i64> {
        let user = actor.user_id().ok_or(Error::NotLoggedIn)?;
        let mut tx = self.db.read().await?;
        let topic = visible_topic(&mut tx, actor, id).await?;
        // Only posts that exist count; a report of post 10⁹ moves nothing. A page shows 20
        // posts; a report of more than a few pages' worth is cut short.
        let highest = topic.highest_post_number;
        let mut seen: Vec<i64> = numbers
            .iter()
            .copied()
            .filter(|n| (1..=highest).contains(n))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen.truncate(MAX_REPORTED_POSTS);
        let (Some(&first), Some(&last)) = (seen.first(), seen.last()) else {
            return Ok(0);
        };
        let state = reads::reader_state(&mut tx, user, id, topic.category_id, first, last).await?;
        drop(tx);
        self.mark_seen(
            user,
            id,
            last,
            &seen,
            state.last_read,
            state.unread_notifications,
        )
        .await
    }

    /// Moves `user`'s reading of a topic to post `last` (forward, never back) and marks read
    /// the notifications about posts `seen`. `unread_notes` counts the unread ones among
    /// them, or more; no write when there is nothing to change.
    async fn mark_seen(
        &self,
        user: UserId,
        id: TopicId,
        last: i64,
        seen: &[i64],
        last_read: Option<i64>,
        unread_notes: i64,
    ) -> Result<i64> {
        if last_read.is_some_and(|r| r >= last) && unread_notes == 0 {
            return Ok(0);
        }
        let mut tx = self.db.write().await?;
        reads::mark_read(&mut tx, user, id, last).await?;
        let marked = db::notifications::mark_read_for_posts(&mut tx, user, id, seen).await?;
        tx.commit().await?;
        Ok(i64::try_from(marked).unwrap_or(0))
    }

    /// A topic, if it exists and the actor may see it.
    pub async fn topic(&self, actor: Actor, id: TopicId) -> Result<Topic> {
        let mut tx = self.db.read().await?;
        Ok(visible_topic(&mut tx, actor, id).await?.into())
    }

    /// Where the timeline's form leads: the post with that number (or the nearest that
    /// exists), or the first post written on or after that day (the last one when none).
    pub async fn jump(&self, actor: Actor, id: TopicId, to: JumpTo) -> Result<(Topic, i64)> {
        let mut tx = self.db.read().await?;
        let topic = visible_topic(&mut tx, actor, id).await?;
        let highest = topic.highest_post_number.max(1);
        let number = match to {
            JumpTo::Number(n) => n.clamp(1, highest),
            JumpTo::Date(day) => {
                let at = day.and_time(chrono::NaiveTime::MIN).and_utc();
                db_posts::first_number_since(&mut tx, id, at)
                    .await?
                    .unwrap_or(highest)
            }
        };
        Ok((topic.into(), number))
    }
}

/// The most posts one reading report marks (five pages' worth).
const MAX_REPORTED_POSTS: usize = 100;
