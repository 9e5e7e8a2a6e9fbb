//! Topics: starting one, listing them, and reading one page of a topic.

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
}

/// Where a post number lives: which page of its topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostLocation {
    pub post_number: i64,
    pub page: i64,
}

fn pages_for(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page).max(1)
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

    /// One page of a topic. With `record_reading` (a visit the member made: the page opened in
    /// their browser's window, not fetched as an image or by a script), what it shows is
    /// marked read for a signed-in member, and the notifications about the post the visit
    /// lands on — `landing`, or the page's first post. Notifications about the page's other
    /// posts stay unread until the page's script reports them seen ([`Self::record_reading`]):
    /// opening one notification does not dismiss its neighbours. A visit counts as a view
    /// of the topic by `visit` (the viewer's key: once per viewer and day, see
    /// `topic_views`).
    pub async fn topic_page(
        &self,
        actor: Actor,
        id: TopicId,
        page: i64,
        landing: Option<i64>,
        visit: Option<&str>,
    ) -> Result<TopicPage> {
        let record_reading = visit.is_some();
        let guardian = Guardian::new(actor);
        let mut tx = self.db.read().await?;
        let topic = visible_topic(&mut tx, actor, id).await?;
        let category = db::categories::find(&mut tx, topic.category_id)
            .await?
            .ok_or(Error::NotFound("category"))?;
        // Page k holds posts numbered (k-1)·20+1 … k·20, deleted ones as placeholders: numbers
        // are given in order and never reused, so a page is a range of the topic's key and
        // nothing counts the posts before it.
        let pages = pages_for(topic.highest_post_number, POSTS_PER_PAGE);
        if page < 1 || page > pages {
            return Err(Error::NotFound("page").into());
        }
        let views = db_posts::numbered(
            &mut tx,
            id,
            actor.user_id(),
            (page - 1) * POSTS_PER_PAGE + 1,
            page * POSTS_PER_PAGE,
        )
        .await?;
        let shown = match (views.first(), views.last()) {
            (Some(a), Some(b)) => Some((a.post.post_number, b.post.post_number)),
            _ => None,
        };
        let (first, last) = shown.unwrap_or((0, 0));
        let landing = landing
            .filter(|n| (first..=last).contains(n))
            .unwrap_or(first);
        let state = match actor.user_id() {
            Some(user) => Some(
                reads::reader_state(&mut tx, user, id, topic.category_id, landing, landing).await?,
            ),
            None => None,
        };
        // Where a reader finishes, topics like this one.
        let similar = if page == pages {
            self.similar_for_topic(&mut tx, actor, id, &topic.title)
                .await?
        } else {
            Vec::new()
        };
        drop(tx);
        let last_read = state.and_then(|s| s.last_read);
        let unread_notes = state.map_or(0, |s| s.unread_notifications);
        let notification_level =
            state.map(|s| NotificationLevel::in_force(s.topic_level, s.category_level));
        let topic_deleted = topic.deleted_at.is_some();
        let posts: Vec<PostItem> = views
            .into_iter()
            .map(|v| item(guardian, v, topic_deleted, topic.closed))
            .collect();
        let mut notifications_read = 0;
        if let (true, Some(user), Some((_, last))) = (record_reading, actor.user_id(), shown) {
            notifications_read = self
                .mark_seen(user, id, last, &[landing], last_read, unread_notes)
                .await?;
        }
        if let Some(viewer) = visit {
            self.views.view(id, viewer);
        }
        let reply_refusal = guardian.can_reply(topic_deleted, topic.closed).err();
        Ok(TopicPage {
            topic: topic.into(),
            category: category.into(),
            posts,
            page,
            pages,
            reply_refusal,
            notification_level,
            notifications_read,
            similar,
            reading_recorded: record_reading && actor.user_id().is_some(),
            last_read,
        })
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

    /// The page on which post `number` of a topic appears.
    pub async fn locate_post(
        &self,
        actor: Actor,
        id: TopicId,
        number: i64,
    ) -> Result<PostLocation> {
        let mut tx = self.db.read().await?;
        let topic = visible_topic(&mut tx, actor, id).await?;
        let number = number.clamp(1, topic.highest_post_number.max(1));
        Ok(PostLocation {
            post_number: number,
            page: (number - 1) / POSTS_PER_PAGE + 1,
        })
    }

    /// The post a signed-in member should land on when opening a topic: the first one they
    /// have not read. None for a topic never opened, fully read, or an anonymous visitor.
    pub async fn first_unread(&self, actor: Actor, id: TopicId) -> Result<Option<i64>> {
        let Some(user) = actor.user_id() else {
            return Ok(None);
        };
        let mut tx = self.db.read().await?;
        let topic = visible_topic(&mut tx, actor, id).await?;
        let last_read = reads::last_read(&mut tx, user, id).await?;
        Ok(last_read
            .filter(|&r| r < topic.highest_post_number)
            .map(|r| r + 1))
    }
}

/// The most posts one reading report marks (five pages' worth).
const MAX_REPORTED_POSTS: usize = 100;
