//! Notifications: who hears about a new post, an edit or a like, and the member's list of them.
//!
//! Rules, after Discourse's `PostAlerter`: each member hears about a post at most once, by the
//! first reason that applies — mentioned, replied, quoted, then posted (they watch the topic).
//! Never the actor themself; never someone who may not see the post; never someone who muted
//! the topic (or its category, without a level of their own for the topic). Notifications are
//! written in the same transaction as the post or like, and so is the email to a member who is
//! away (see `outbox`).

use std::collections::HashSet;

use serde_json::json;
use stoa_core::notify::{LIKE_CONSOLIDATION_MINUTES, MAX_MENTIONS_NOTIFIED, likers_phrase};
use stoa_core::{
    Actor, CategoryId, Error, Guardian, NotificationKind, NotificationLevel, PostFacts, TopicId,
    UserId, paths,
};
use stoa_db::notifications::{NewNotification, NotificationRow};
use stoa_db::posts::PostRow;
use stoa_db::topics::TopicRow;
use stoa_db::users::UserRow;
use stoa_db::{Tx, watching};

use crate::{Forum, Result, Timestamp, db, now};

/// What a member's notification level is set for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    Topic(TopicId),
    Category(CategoryId),
}

/// Notifications per page of `/notifications`.
pub const NOTIFICATIONS_PER_PAGE: i64 = 30;

/// A notification as the member's list shows it.
#[derive(Debug, Clone)]
pub struct NotificationItem {
    pub id: i64,
    pub kind: Option<NotificationKind>,
    /// Discourse's number, kept for kinds this version does not know.
    pub notification_type: i64,
    pub read: bool,
    pub created_at: Timestamp,
    /// Who did it: "alice", "alice and bob", "alice and 3 others".
    pub who: String,
    /// The (first) member who did it, for their avatar.
    pub actor_username: String,
    /// What they did: "replied to your post".
    pub what: &'static str,
    pub topic_id: Option<TopicId>,
    pub topic_title: String,
    pub slug: String,
    pub post_number: Option<i64>,
    /// Where the notification leads: the post.
    pub url: String,
    /// The stored JSON, for the API.
    pub data: serde_json::Value,
}

/// One page of a member's notifications.
#[derive(Debug, Clone)]
pub struct NotificationPage {
    pub items: Vec<NotificationItem>,
    /// 1-based.
    pub page: i64,
    pub more: bool,
    pub total: i64,
    pub unread: i64,
}

fn item(row: NotificationRow) -> NotificationItem {
    let data: serde_json::Value = serde_json::from_str(&row.data).unwrap_or_else(|_| json!({}));
    let text = |key: &str| data.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let display = text("display_username").unwrap_or_default();
    let count = data.get("count").and_then(|v| v.as_i64()).unwrap_or(1);
    let who = likers_phrase(&display, text("username2").as_deref(), count);
    let kind = NotificationKind::from_id(row.notification_type);
    let slug = row.topic_slug.as_deref().unwrap_or_default();
    let url = match (row.topic_id, row.post_number) {
        (Some(t), Some(n)) => paths::post(slug, t, n),
        (Some(t), None) => paths::topic(slug, t),
        _ => "/notifications".to_owned(),
    };
    NotificationItem {
        id: row.id,
        kind,
        notification_type: row.notification_type,
        read: row.read,
        created_at: row.created_at,
        who,
        actor_username: display.clone(),
        what: kind.map_or("did something", NotificationKind::verb),
        topic_id: row.topic_id,
        topic_title: row
            .topic_title
            .or_else(|| text("topic_title"))
            .unwrap_or_default(),
        slug: slug.to_owned(),
        post_number: row.post_number,
        url,
        data,
    }
}

fn member(actor: Actor) -> Result<UserId> {
    Ok(actor.user_id().ok_or(Error::NotLoggedIn)?)
}

/// Whether `user` may read `post` of `topic`.
fn can_see(user: &UserRow, post: &PostRow, topic: &TopicRow) -> bool {
    let actor = Actor::Member {
        id: user.id,
        admin: user.admin,
    };
    let guardian = Guardian::new(actor);
    guardian.can_see_category(topic.category_read_restricted)
        && guardian.can_see_post(PostFacts {
            author: post.user_id,
            deleted: post.deleted_at.is_some(),
            topic_deleted: topic.deleted_at.is_some(),
            topic_closed: topic.closed,
            withdrawn: post.withdrawn_at.is_some(),
        })
}

impl Forum {
    /// Notifies everyone a new post (or the new parts of an edited one) concerns. `facts` are
    /// what its text mentions and quotes (found when it was cooked); `previous` is the raw
    /// text before an edit; `actor` wrote the post or the edit.
    pub(crate) async fn notify_post(
        &self,
        tx: &mut Tx,
        post: &PostRow,
        facts: &stoa_markup::Facts,
        topic: &TopicRow,
        actor: &UserRow,
        previous: Option<&str>,
    ) -> Result<()> {
        let before = previous.map(stoa_markup::scan).unwrap_or_default();
        let mut candidates: Vec<(UserId, NotificationKind)> = Vec::new();
        if previous.is_some() && post.user_id != actor.id {
            candidates.push((post.user_id, NotificationKind::Edited));
        }
        for name in facts
            .direct_mentions
            .iter()
            .filter(|n| !before.direct_mentions.contains(n))
            .take(MAX_MENTIONS_NOTIFIED)
        {
            if let Some(user) = db::users::find_by_username(tx, name).await? {
                candidates.push((user.id, NotificationKind::Mentioned));
            }
        }
        if previous.is_none()
            && let Some(n) = post.reply_to_post_number
            && let Some(target) = db::posts::find_by_number(tx, topic.id, n).await?
        {
            candidates.push((target.user_id, NotificationKind::Replied));
        }
        for quote in facts.quotes.iter().filter(|q| !before.quotes.contains(q)) {
            let (Some(n), Some(t)) = (quote.post, quote.topic) else {
                continue;
            };
            if let Some(quoted) = db::posts::find_by_number(tx, TopicId(t), n).await? {
                candidates.push((quoted.user_id, NotificationKind::Quoted));
            }
        }
        if previous.is_none() {
            let category = topic.category_id;
            for id in watching::watchers(tx, topic.id, category).await? {
                candidates.push((id, NotificationKind::Posted));
            }
        }
        let mut done: HashSet<UserId> = HashSet::from([actor.id]);
        for (user, kind) in candidates {
            if !done.insert(user) {
                continue;
            }
            let Some(recipient) = db::users::find(tx, user).await? else {
                continue;
            };
            let data = json!({
                "topic_title": topic.title,
                "original_post_id": post.id,
                "original_post_type": 1,
                "original_username": actor.username,
                "display_username": actor.username,
            });
            self.deliver(tx, &recipient, kind, post, topic, actor, &data)
                .await?;
        }
        Ok(())
    }

    /// Tells a post's author about a like, merging it into a recent like notification of the
    /// same post ("alice and 3 others liked your post").
    pub(crate) async fn notify_like(
        &self,
        tx: &mut Tx,
        post: &PostRow,
        topic: &TopicRow,
        liker: &UserRow,
    ) -> Result<()> {
        let Some(author) = db::users::find(tx, post.user_id).await? else {
            return Ok(());
        };
        if author.id == liker.id {
            return Ok(());
        }
        let at = now();
        let since = at - chrono::Duration::minutes(LIKE_CONSOLIDATION_MINUTES);
        let kind = NotificationKind::Liked;
        let recent = db::notifications::find_recent(
            tx,
            author.id,
            kind.id(),
            topic.id,
            post.post_number,
            since,
        )
        .await?;
        if let Some((id, data)) = recent {
            if !self.may_notify(tx, &author, post, topic).await? {
                return Ok(());
            }
            let mut data: serde_json::Value =
                serde_json::from_str(&data).unwrap_or_else(|_| json!({}));
            let previous = data
                .get("display_username")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            if previous.as_deref() == Some(liker.username.as_str()) {
                return Ok(()); // liked, unliked and liked again: nothing new
            }
            let count = data.get("count").and_then(|v| v.as_i64()).unwrap_or(1) + 1;
            data["count"] = json!(count);
            data["username2"] = json!(previous);
            data["display_username"] = json!(liker.username);
            db::notifications::refresh(tx, id, liker.id, &data.to_string(), at).await?;
            return Ok(());
        }
        let data = json!({
            "topic_title": topic.title,
            "original_post_id": post.id,
            "original_post_type": 1,
            "original_username": liker.username,
            "display_username": liker.username,
            "count": 1,
        });
        self.deliver(tx, &author, kind, post, topic, liker, &data)
            .await
    }

    /// Takes back an unliked like from the author's notification.
    pub(crate) async fn withdraw_like(
        &self,
        tx: &mut Tx,
        post: &PostRow,
        topic: &TopicRow,
        liker: &UserRow,
    ) -> Result<()> {
        let at = now();
        let since = at - chrono::Duration::minutes(LIKE_CONSOLIDATION_MINUTES);
        let Some((id, data)) = db::notifications::find_recent(
            tx,
            post.user_id,
            NotificationKind::Liked.id(),
            topic.id,
            post.post_number,
            since,
        )
        .await?
        else {
            return Ok(());
        };
        let mut data: serde_json::Value = serde_json::from_str(&data).unwrap_or_else(|_| json!({}));
        let text = |v: &serde_json::Value, key: &str| {
            v.get(key).and_then(|x| x.as_str()).map(str::to_owned)
        };
        let count = data.get("count").and_then(|v| v.as_i64()).unwrap_or(1);
        let display = text(&data, "display_username");
        let second = text(&data, "username2");
        let mine = Some(liker.username.as_str());
        if count <= 1 {
            if display.as_deref() == mine {
                db::notifications::delete(tx, id, at).await?;
            }
            return Ok(());
        }
        if display.as_deref() == mine {
            // The next liker named becomes the headline; the count says the rest.
            data["display_username"] = json!(second);
            data["username2"] = serde_json::Value::Null;
        } else if second.as_deref() == mine {
            data["username2"] = serde_json::Value::Null;
        }
        data["count"] = json!(count - 1);
        let updated_by = db::users::find_by_username(
            tx,
            text(&data, "display_username").as_deref().unwrap_or(""),
        )
        .await?
        .map_or(liker.id, |u| u.id);
        db::notifications::rewrite(tx, id, updated_by, &data.to_string()).await?;
        Ok(())
    }

    /// Whether `recipient` should hear about `post` at all: they can see it and have not
    /// muted its topic.
    async fn may_notify(
        &self,
        tx: &mut Tx,
        recipient: &UserRow,
        post: &PostRow,
        topic: &TopicRow,
    ) -> Result<bool> {
        if !can_see(recipient, post, topic) {
            return Ok(false);
        }
        let level = watching::topic_level(tx, recipient.id, topic.id, topic.category_id).await?;
        Ok(level != NotificationLevel::Muted)
    }

    /// Stores one notification (if the recipient may have it) and emails it if they are away.
    #[expect(
        clippy::too_many_arguments,
        reason = "each is a fact of the one notification or email being written"
    )]
    async fn deliver(
        &self,
        tx: &mut Tx,
        recipient: &UserRow,
        kind: NotificationKind,
        post: &PostRow,
        topic: &TopicRow,
        actor: &UserRow,
        data: &serde_json::Value,
    ) -> Result<()> {
        if !self.may_notify(tx, recipient, post, topic).await? {
            return Ok(());
        }
        let at = now();
        let id = db::notifications::insert(
            tx,
            &NewNotification {
                user: recipient.id,
                kind: kind.id(),
                topic: Some(topic.id),
                post_number: Some(post.post_number),
                acting_user: Some(actor.id),
                data: &data.to_string(),
                at,
            },
        )
        .await?;
        self.email_notification(tx, recipient, id, kind, post, topic, actor)
            .await
    }

    /// One page of the member's notifications, newest first.
    pub async fn notifications(&self, actor: Actor, page: i64) -> Result<NotificationPage> {
        let user = member(actor)?;
        let see_deleted = Guardian::new(actor).can_see_deleted();
        let page = page.max(1);
        let offset = (page - 1).saturating_mul(NOTIFICATIONS_PER_PAGE);
        let mut tx = self.db.read().await?;
        let rows =
            db::notifications::list(&mut tx, user, see_deleted, NOTIFICATIONS_PER_PAGE, offset)
                .await?;
        let (total, unread) = db::notifications::counts(&mut tx, user, see_deleted).await?;
        Ok(NotificationPage {
            items: rows.into_iter().map(item).collect(),
            page,
            more: offset + NOTIFICATIONS_PER_PAGE < total,
            total,
            unread,
        })
    }

    /// The bell's number: unread notifications the member may see.
    pub async fn unread_notifications(&self, actor: Actor) -> Result<i64> {
        let Some(user) = actor.user_id() else {
            return Ok(0);
        };
        let see_deleted = Guardian::new(actor).can_see_deleted();
        let mut tx = self.db.read().await?;
        Ok(db::notifications::counts(&mut tx, user, see_deleted)
            .await?
            .1)
    }

    /// Marks one of the member's notifications read.
    pub async fn mark_notification_read(&self, actor: Actor, id: i64) -> Result<()> {
        let user = member(actor)?;
        let mut tx = self.db.write().await?;
        if !db::notifications::mark_read(&mut tx, user, id).await? {
            return Err(Error::NotFound("notification").into());
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks all of the member's notifications read.
    pub async fn mark_all_notifications_read(&self, actor: Actor) -> Result<()> {
        let user = member(actor)?;
        let mut tx = self.db.write().await?;
        db::notifications::mark_all_read(&mut tx, user).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the member's level for a topic or a category (Discourse: `POST
    /// /t/{id}/notifications`, `POST /category/{id}/notifications`), if they may see it.
    pub async fn set_notification_level(
        &self,
        actor: Actor,
        of: Followed,
        level: i64,
    ) -> Result<NotificationLevel> {
        let user = member(actor)?;
        let level = NotificationLevel::parse(level)?;
        let mut tx = self.db.write().await?;
        match of {
            Followed::Topic(topic) => {
                crate::visible::visible_topic(&mut tx, actor, topic).await?;
                watching::set_topic_level(&mut tx, user, topic, level).await?;
            }
            Followed::Category(category) => {
                crate::visible::visible_category(&mut tx, actor, category).await?;
                watching::set_category_level(&mut tx, user, category, level).await?;
            }
        }
        tx.commit().await?;
        Ok(level)
    }

    /// The member's level for a category (normal when never chosen).
    pub async fn category_notification_level(
        &self,
        actor: Actor,
        category: CategoryId,
    ) -> Result<NotificationLevel> {
        let user = member(actor)?;
        let mut tx = self.db.read().await?;
        let level = watching::category_level(&mut tx, user, category).await?;
        Ok(level.unwrap_or(NotificationLevel::Normal))
    }
}
