//! Posts: replying, editing (with revisions), soft deleting and restoring, liking.

use stoa_core::slug::slugify;
use stoa_core::{
    Actor, CategoryId, EditReason, Error, FirstPostDeletion, Guardian, PostFacts, PostId, TopicId,
    TopicTitle, UserId,
};
use stoa_db::posts::{PostRow, PostView};
use stoa_db::revisions::NewRevision;
use stoa_db::topics::TopicRow;
use stoa_db::{Tx, likes, posts as db_posts, revisions, topics as db_topics};

use crate::posting::{Draft, Posted};
use crate::visible::{post_and_topic, visible_topic};

/// What a withdrawn first post says instead of its text.
pub const WITHDRAWN_NOTICE: &str = "(topic withdrawn by its author)";
use crate::cooking::{self, Cooked};
use crate::counters::{self, PostChange};
use crate::freshness::{Part, topic_parts};
use crate::{Category, Forum, Post, PostShown, Result, Timestamp, Topic, db, now};

/// What the reply form sends.
#[derive(Debug, Clone, Default)]
pub struct ReplyForm {
    pub raw: String,
    /// The post this answers, when it answers one in particular.
    pub reply_to_post_number: Option<i64>,
}

/// What the edit form sends; `title` only for a topic's first post.
#[derive(Debug, Clone, Default)]
pub struct EditForm {
    pub raw: String,
    pub title: Option<String>,
    /// A first post's topic may move to another category the editor may post in.
    pub category_id: Option<CategoryId>,
    /// Why, in the editor's words; kept with the revision and shown in the history.
    pub edit_reason: String,
}

/// What the actor may do with a post, decided by the Guardian for the page's buttons.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostCan {
    pub edit: bool,
    pub delete: bool,
    pub restore: bool,
    pub like: bool,
    pub reply: bool,
}

/// A post as a page shows it, with the actor's permissions.
#[derive(Debug, Clone)]
pub struct PostItem {
    pub post: PostShown,
    pub can: PostCan,
}

/// An earlier version of a post.
#[derive(Debug, Clone)]
pub struct Revision {
    /// The version this was.
    pub number: i64,
    /// Who replaced it, when, and why.
    pub username: String,
    pub created_at: Timestamp,
    pub edit_reason: String,
    pub raw: String,
    /// How the text changed into the next version, word by word (empty when the page's time
    /// for comparing ran out: the version is shown as written).
    pub changes: Vec<Change>,
    /// `(before, after)` when the edit retitled the topic.
    pub title_change: Option<(String, String)>,
    /// `(before, after)` category names when the edit moved the topic.
    pub category_change: Option<(String, String)>,
}

/// A piece of a word diff between two versions of a post's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Same,
    Added,
    Removed,
}

impl Change {
    pub fn added(&self) -> bool {
        self.kind == ChangeKind::Added
    }

    pub fn removed(&self) -> bool {
        self.kind == ChangeKind::Removed
    }
}

/// What the history calls a category the viewer may not see.
const PRIVATE_CATEGORY: &str = "a private category";
/// How long one history page may spend on word diffs, all of them together.
const DIFF_BUDGET: std::time::Duration = std::time::Duration::from_millis(200);

/// The most earlier versions the history shows (the newest ones).
pub const REVISIONS_SHOWN: i64 = 50;

/// The word diff from `old` to `new`, with a time limit so that no pair of texts costs more
/// than a bounded amount (past it the diff is coarser, never wrong).
pub fn word_diff(old: &str, new: &str) -> Vec<Change> {
    let diff = similar::TextDiff::configure()
        .timeout(std::time::Duration::from_millis(50))
        .diff_words(old, new);
    let mut out: Vec<Change> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            similar::ChangeTag::Equal => ChangeKind::Same,
            similar::ChangeTag::Insert => ChangeKind::Added,
            similar::ChangeTag::Delete => ChangeKind::Removed,
        };
        match out.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(change.value()),
            _ => out.push(Change {
                kind,
                text: change.value().to_owned(),
            }),
        }
    }
    out
}

/// A post as its edit form shows it.
#[derive(Debug)]
pub struct PostForEdit {
    pub post: Post,
    pub topic: Topic,
    /// For a first post: where its topic may move (empty otherwise).
    pub categories: Vec<Category>,
}

/// A post's history: its newest earlier versions, oldest first, and how many older ones
/// there are besides.
#[derive(Debug)]
pub struct RevisionHistory {
    pub post: Post,
    pub topic: Topic,
    pub revisions: Vec<Revision>,
    pub earlier: i64,
}

/// The revision kept when a post's text is swapped without an edit form (withdrawing).
fn plain_revision<'a>(
    post: &'a PostRow,
    user: UserId,
    at: Timestamp,
    reason: &'a str,
) -> NewRevision<'a> {
    NewRevision {
        post: post.id,
        number: post.version,
        user,
        raw: &post.raw,
        at,
        edit_reason: reason,
        old_title: None,
        old_category: None,
    }
}

fn facts(post: &PostRow, topic: &TopicRow) -> PostFacts {
    PostFacts {
        author: post.user_id,
        deleted: post.deleted_at.is_some(),
        topic_deleted: topic.deleted_at.is_some(),
        topic_closed: topic.closed,
        withdrawn: post.withdrawn_at.is_some(),
    }
}

/// What the Guardian lets the actor do with a post with these facts.
pub(crate) fn can(guardian: Guardian, facts: PostFacts) -> PostCan {
    PostCan {
        edit: guardian.can_edit_post(facts).is_ok(),
        delete: guardian.can_delete_post(facts).is_ok(),
        restore: (facts.deleted || facts.withdrawn) && guardian.can_restore_post(facts).is_ok(),
        like: guardian.can_like(facts).is_ok(),
        reply: !facts.deleted
            && guardian
                .can_reply(facts.topic_deleted, facts.topic_closed)
                .is_ok(),
    }
}

/// Decides what the actor sees of a post and may do with it. A deleted post's text is withheld
/// from anyone who may not see deleted content.
pub(crate) fn item(
    guardian: Guardian,
    mut post: PostView,
    topic_deleted: bool,
    closed: bool,
) -> PostItem {
    let facts = PostFacts {
        author: post.post.user_id,
        deleted: post.post.deleted_at.is_some(),
        topic_deleted,
        topic_closed: closed,
        withdrawn: post.post.withdrawn_at.is_some(),
    };
    if !guardian.can_see_post(facts) {
        post.post.raw.clear();
        post.post.cooked.clear();
        post.deleted_by_username = None;
    }
    PostItem {
        post: post.into(),
        can: can(guardian, facts),
    }
}

impl Forum {
    /// Adds a reply to a topic.
    pub async fn reply(&self, actor: Actor, topic_id: TopicId, form: &ReplyForm) -> Result<Posted> {
        let guardian = Guardian::new(actor);
        let user = actor.user_id().ok_or(Error::NotLoggedIn)?;
        // Cooked before the write transaction; a refusal of the text is reported after the
        // permission checks, which come first.
        let cooked = cooking::prepare(&self.db, &form.raw).await;
        let mut tx = self.db.write().await?;
        // Lock the topic before counting anything in it: see db::locks.
        db::locks::topic(&mut tx, topic_id).await?;
        let topic = visible_topic(&mut tx, actor, topic_id).await?;
        guardian.can_reply(topic.deleted_at.is_some(), topic.closed)?;
        let cooked = cooked?;
        if let Some(n) = form.reply_to_post_number {
            let target = db_posts::find_by_number(&mut tx, topic_id, n).await?;
            if target.is_none_or(|p| p.deleted_at.is_some()) {
                return Err(Error::invalid(
                    "reply_to_post_number",
                    format!("There is no post #{n} in this topic to reply to"),
                )
                .into());
            }
        }
        let draft = Draft {
            topic: &topic,
            author: user,
            reply_to: form.reply_to_post_number,
            cooked,
        };
        self.publish(tx, draft).await
    }

    /// A post, if the actor may see it, with the actor's permissions.
    pub async fn post(&self, actor: Actor, id: PostId) -> Result<(Post, Topic, PostCan)> {
        let mut tx = self.db.read().await?;
        let (post, topic) = post_and_topic(&mut tx, actor, id).await?;
        let can = can(Guardian::new(actor), facts(&post, &topic));
        Ok((post.into(), topic.into(), can))
    }

    /// Ok when the actor may edit the post; otherwise the Guardian's reason.
    pub async fn check_edit(&self, actor: Actor, id: PostId) -> Result<()> {
        let mut tx = self.db.read().await?;
        let (post, topic) = post_and_topic(&mut tx, actor, id).await?;
        Guardian::new(actor).can_edit_post(facts(&post, &topic))?;
        Ok(())
    }

    /// What the edit form needs, when the actor may edit the post (otherwise the Guardian's
    /// reason): the post, its topic, and for a first post the categories it may move to.
    pub async fn post_for_edit(&self, actor: Actor, id: PostId) -> Result<PostForEdit> {
        let mut tx = self.db.read().await?;
        let (post, topic) = post_and_topic(&mut tx, actor, id).await?;
        let guardian = Guardian::new(actor);
        guardian.can_edit_post(facts(&post, &topic))?;
        let categories = if post.post_number == 1 {
            db::categories::list(&mut tx)
                .await?
                .into_iter()
                .filter(|c| guardian.can_see_category(c.read_restricted))
                .map(Into::into)
                .collect()
        } else {
            Vec::new()
        };
        Ok(PostForEdit {
            post: post.into(),
            topic: topic.into(),
            categories,
        })
    }

    /// Post `number` of a topic.
    pub async fn post_by_number(&self, actor: Actor, topic: TopicId, number: i64) -> Result<Post> {
        let mut tx = self.db.read().await?;
        let post = db_posts::find_by_number(&mut tx, topic, number)
            .await?
            .ok_or(Error::NotFound("post"))?;
        let (post, _) = post_and_topic(&mut tx, actor, post.id).await?;
        Ok(post.into())
    }

    /// Replaces a post's text, keeping the old text as a revision; a first post may also
    /// retitle its topic.
    pub async fn edit_post(&self, actor: Actor, id: PostId, form: &EditForm) -> Result<Post> {
        let user = actor.user_id().ok_or(Error::NotLoggedIn)?;
        let cooked = cooking::prepare(&self.db, &form.raw).await;
        let mut tx = self.db.write().await?;
        // Moving the topic carries its post count between categories: lock it first, so no
        // reply lands between reading the count and moving it (see db::locks).
        if form.category_id.is_some()
            && let Some(p) = db_posts::find(&mut tx, id).await?
        {
            db::locks::topic(&mut tx, p.topic_id).await?;
        }
        let (post, topic) = post_and_topic(&mut tx, actor, id).await?;
        Guardian::new(actor).can_edit_post(facts(&post, &topic))?;
        let cooked = cooked?;
        let reason = EditReason::parse(&form.edit_reason)?;
        let body = cooked.raw();
        let first = post.post_number == 1;
        let title = match (&form.title, first) {
            (Some(t), true) => Some(TopicTitle::parse(t)?).filter(|t| t.as_str() != topic.title),
            _ => None,
        };
        let category = match (form.category_id, first) {
            (Some(c), true) if c != topic.category_id => {
                Some(crate::visible::chosen_category(&mut tx, actor, c).await?)
            }
            _ => None,
        };
        let body_changed = body != post.raw;
        if !body_changed && title.is_none() && category.is_none() {
            tx.commit().await?;
            return Ok(post.into());
        }
        let at = now();
        revisions::insert(
            &mut tx,
            &NewRevision {
                post: id,
                number: post.version,
                user,
                raw: &post.raw,
                at,
                edit_reason: reason.as_str(),
                old_title: title.as_ref().map(|_| topic.title.as_str()),
                old_category: category.as_ref().map(|_| topic.category_id),
            },
        )
        .await?;
        if body_changed {
            db_posts::update_raw(&mut tx, id, body, &cooked.html, at).await?;
            crate::search::index_cooked(&mut tx, id, topic.id, post.user_id, &cooked).await?;
        } else {
            db_posts::bump_version(&mut tx, id, at).await?;
        }
        if let Some(title) = &title {
            db_topics::set_title(&mut tx, topic.id, title.as_str(), &slugify(title.as_str()))
                .await?;
            db::search::set_topic_title(&mut tx, topic.id, title.as_str()).await?;
        }
        if let Some(category) = &category {
            db_topics::set_category(&mut tx, topic.id, category.id).await?;
            db::search::set_topic_category(&mut tx, topic.id, &category.name).await?;
            counters::topic_moved(&mut tx, &topic, category.id).await?;
        }
        let updated = db_posts::find(&mut tx, id)
            .await?
            .ok_or(Error::NotFound("post"))?;
        if body_changed {
            let editor = db::users::find(&mut tx, user)
                .await?
                .ok_or(Error::NotFound("user"))?;
            self.notify_post(
                &mut tx,
                &updated,
                &cooked.facts,
                &topic,
                &editor,
                Some(&post.raw),
            )
            .await?;
        }
        tx.commit().await?;
        let mut parts = topic_parts(topic.id, topic.category_id).to_vec();
        parts.extend(category.as_ref().map(|c| Part::Category(c.id)));
        self.changed(&parts);
        self.wake_mailer();
        Ok(updated.into())
    }

    /// Soft-deletes a post. Deleting a topic's first post deletes the topic — unless others
    /// have replied and the actor is its author, who then withdraws the post instead
    /// ([`FirstPostDeletion`]).
    pub async fn delete_post(&self, actor: Actor, id: PostId) -> Result<Post> {
        Ok(self.set_post_deleted(actor, id, true, None).await?.into())
    }

    /// Restores a soft-deleted post (and its topic, when it is the first post), or a
    /// withdrawn first post's text.
    pub async fn restore_post(&self, actor: Actor, id: PostId) -> Result<Post> {
        actor.user_id().ok_or(Error::NotLoggedIn)?;
        // A withdrawn post's text comes back from its latest revision, cooked before the
        // write transaction like any text — once the actor is known to be allowed.
        let withdrawn = {
            let mut tx = self.db.read().await?;
            let (post, topic) = post_and_topic(&mut tx, actor, id).await?;
            let f = facts(&post, &topic);
            if f.withdrawn && !f.deleted {
                Guardian::new(actor).can_restore_post(f)?;
                revisions::latest_raw(&mut tx, id)
                    .await?
                    .map(|raw| (post.version, raw))
            } else {
                None
            }
        };
        let back = match withdrawn {
            Some((version, raw)) => {
                Some((version, cooking::prepare_accepted(&self.db, &raw).await?))
            }
            None => None,
        };
        Ok(self.set_post_deleted(actor, id, false, back).await?.into())
    }

    /// Deletes a topic (Discourse's `DELETE /t/{id}`): its first post's deletion, where that
    /// deletes the topic. Its author may not once others have replied — they may withdraw the
    /// first post instead — and is told so.
    pub async fn delete_topic(&self, actor: Actor, id: TopicId) -> Result<Post> {
        actor.user_id().ok_or(Error::NotLoggedIn)?;
        let first = {
            let mut tx = self.db.read().await?;
            let first = db_posts::find_by_number(&mut tx, id, 1)
                .await?
                .ok_or(Error::NotFound("topic"))?;
            let (post, topic) = post_and_topic(&mut tx, actor, first.id).await?;
            let others = db_posts::others_replied(&mut tx, id, post.user_id).await?;
            let f = PostFacts {
                deleted: post.deleted_at.is_some() || topic.deleted_at.is_some(),
                ..facts(&post, &topic)
            };
            if Guardian::new(actor).first_post_deletion(f, others)? == FirstPostDeletion::Withdraw {
                return Err(Error::Forbidden(
                    "others have replied to this topic: delete its first post to withdraw it",
                )
                .into());
            }
            post.id
        };
        self.delete_post(actor, first).await
    }

    /// `back`: for restoring a withdrawn post, the version it was read at and its old text.
    async fn set_post_deleted(
        &self,
        actor: Actor,
        id: PostId,
        delete: bool,
        back: Option<(i64, Cooked)>,
    ) -> Result<PostRow> {
        let user = actor.user_id().ok_or(Error::NotLoggedIn)?;
        let guardian = Guardian::new(actor);
        let mut tx = self.db.write().await?;
        // Lock the topic before counting: see db::locks.
        if let Some(p) = db_posts::find(&mut tx, id).await? {
            db::locks::topic(&mut tx, p.topic_id).await?;
        }
        // What the actor may not see does not exist for them: 404, never 403.
        let (post, topic) = post_and_topic(&mut tx, actor, id).await?;
        let f = facts(&post, &topic);
        let f = if post.post_number == 1 {
            PostFacts {
                deleted: f.deleted || f.topic_deleted,
                ..f
            }
        } else {
            f
        };
        let at = now();
        if post.post_number == 1 && delete {
            let others = db_posts::others_replied(&mut tx, topic.id, post.user_id).await?;
            if guardian.first_post_deletion(f, others)? == FirstPostDeletion::Withdraw {
                return self.withdraw(tx, user, &post, &topic, at).await;
            }
        } else if delete {
            guardian.can_delete_post(f)?;
        } else {
            guardian.can_restore_post(f)?;
            if f.withdrawn && !f.deleted {
                let Some((_, old)) = back.filter(|(v, _)| *v == post.version) else {
                    return Err(Error::Conflict {
                        field: "post",
                        message: "The post changed meanwhile; try again".into(),
                    }
                    .into());
                };
                return self.unwithdraw(tx, user, &post, &topic, &old, at).await;
            }
        }
        let by = delete.then_some(user);
        db_posts::set_deleted(&mut tx, id, by, at).await?;
        if post.post_number == 1 {
            db_topics::set_deleted(&mut tx, topic.id, by, at).await?;
        }
        // Restoring a live post (an admin may, inside a deleted topic) changes no counter.
        match (delete, post.deleted_at.is_some()) {
            (true, false) => {
                counters::post_changed(&mut tx, &topic, &post, PostChange::Deleted).await?;
            }
            (false, true) => {
                counters::post_changed(&mut tx, &topic, &post, PostChange::Restored).await?;
            }
            _ => {}
        }
        self.commit_returning(tx, id, &topic).await
    }

    /// Replaces a first post's text by [`WITHDRAWN_NOTICE`], keeping the text as a revision.
    async fn withdraw(
        &self,
        mut tx: Tx,
        user: UserId,
        post: &PostRow,
        topic: &TopicRow,
        at: Timestamp,
    ) -> Result<PostRow> {
        let id = post.id;
        revisions::insert(
            &mut tx,
            &plain_revision(post, user, at, "Withdrawn by its author"),
        )
        .await?;
        let cooked = stoa_markup::cook(WITHDRAWN_NOTICE, &Default::default());
        db_posts::set_withdrawn(&mut tx, id, WITHDRAWN_NOTICE, &cooked, Some(at), at).await?;
        crate::search::index_post(&mut tx, id).await?;
        self.commit_returning(tx, id, topic).await
    }

    /// Puts a withdrawn first post's text (`old`, from its latest revision) back.
    async fn unwithdraw(
        &self,
        mut tx: Tx,
        user: UserId,
        post: &PostRow,
        topic: &TopicRow,
        old: &Cooked,
        at: Timestamp,
    ) -> Result<PostRow> {
        let id = post.id;
        revisions::insert(&mut tx, &plain_revision(post, user, at, "Restored")).await?;
        db_posts::set_withdrawn(&mut tx, id, old.raw(), &old.html, None, at).await?;
        crate::search::index_cooked(&mut tx, id, post.topic_id, post.user_id, old).await?;
        self.commit_returning(tx, id, topic).await
    }

    /// Likes (`like` = true) or unlikes a post; returns the new like count.
    pub async fn set_like(&self, actor: Actor, id: PostId, like: bool) -> Result<i64> {
        let user = actor.user_id().ok_or(Error::NotLoggedIn)?;
        let mut tx = self.db.write().await?;
        // Lock the topic before counting: see db::locks.
        if let Some(p) = db_posts::find(&mut tx, id).await? {
            db::locks::topic(&mut tx, p.topic_id).await?;
        }
        let (post, topic) = post_and_topic(&mut tx, actor, id).await?;
        Guardian::new(actor).can_like(facts(&post, &topic))?;
        let changed = if like {
            likes::insert(&mut tx, id, user, now()).await?
        } else {
            likes::delete(&mut tx, id, user).await?
        };
        let count = if changed {
            let count = counters::like_changed(&mut tx, &post, if like { 1 } else { -1 }).await?;
            let liker = db::users::find(&mut tx, user)
                .await?
                .ok_or(Error::NotFound("user"))?;
            if like {
                self.notify_like(&mut tx, &post, &topic, &liker).await?;
            } else {
                self.withdraw_like(&mut tx, &post, &topic, &liker).await?;
            }
            count
        } else {
            post.like_count
        };
        tx.commit().await?;
        if changed {
            self.changed(&topic_parts(topic.id, topic.category_id));
        }
        self.wake_mailer();
        Ok(count)
    }

    /// A post's earlier versions, oldest first.
    pub async fn revisions(&self, actor: Actor, id: PostId) -> Result<RevisionHistory> {
        let guardian = Guardian::new(actor);
        let mut tx = self.db.read().await?;
        let (post, topic) = post_and_topic(&mut tx, actor, id).await?;
        guardian.can_see_revisions(facts(&post, &topic))?;
        let total = revisions::count(&mut tx, id).await?;
        let rows = revisions::list(&mut tx, id, REVISIONS_SHOWN).await?;
        let current_category = db::categories::find(&mut tx, topic.category_id)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        drop(tx);
        // Each version against the one after it: the next revision's text, or the post as
        // it is now. Titles and categories chain the same way, from the newest back.
        let mut next_raw = post.raw.clone();
        let mut next_title = topic.title.clone();
        let mut next_category = current_category;
        let mut list = Vec::with_capacity(rows.len());
        // The diffs share one budget: past it, versions show as written, not compared.
        let started = std::time::Instant::now();
        for mut r in rows.into_iter().rev() {
            // A category the viewer may not see is not named to them.
            if r.old_category_restricted == Some(true) && !guardian.can_see_category(true) {
                r.old_category_name = Some(PRIVATE_CATEGORY.to_owned());
            }
            let changes = if started.elapsed() < DIFF_BUDGET {
                word_diff(&r.raw, &next_raw)
            } else {
                Vec::new()
            };
            let title_change = r.old_title.clone().map(|old| (old, next_title.clone()));
            let category_change = r.old_category_id.map(|_| {
                (
                    r.old_category_name.clone().unwrap_or_default(),
                    next_category.clone(),
                )
            });
            if let Some(old) = &r.old_title {
                next_title = old.clone();
            }
            if let Some(old) = &r.old_category_name {
                next_category = old.clone();
            }
            next_raw = r.raw.clone();
            list.push(Revision {
                number: r.number,
                username: r.username,
                created_at: r.created_at,
                edit_reason: r.edit_reason,
                raw: r.raw,
                changes,
                title_change,
                category_change,
            });
        }
        list.reverse();
        Ok(RevisionHistory {
            post: post.into(),
            topic: topic.into(),
            revisions: list,
            earlier: (total - REVISIONS_SHOWN).max(0),
        })
    }

    /// The `[quote]` block that quotes a post (or the `selection` of it) in a reply.
    pub async fn quote(&self, actor: Actor, id: PostId, selection: Option<&str>) -> Result<String> {
        let mut tx = self.db.read().await?;
        let (post, _) = post_and_topic(&mut tx, actor, id).await?;
        if post.deleted_at.is_some() {
            return Err(Error::NotFound("post").into());
        }
        let author = db::users::find(&mut tx, post.user_id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let text = selection
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(post.raw.trim());
        let full = if selection.is_none_or(|s| s.trim().is_empty()) {
            ", full:true"
        } else {
            ""
        };
        Ok(format!(
            "[quote=\"{}, post:{}, topic:{}{full}\"]\n{}\n[/quote]\n\n",
            author.username, post.post_number, post.topic_id, text
        ))
    }
}

impl Forum {
    /// Commits a write to a post of `topic`, handing back the post as it now stands.
    async fn commit_returning(&self, mut tx: Tx, id: PostId, topic: &TopicRow) -> Result<PostRow> {
        let updated = db_posts::find(&mut tx, id)
            .await?
            .ok_or(Error::NotFound("post"))?;
        tx.commit().await?;
        self.changed(&topic_parts(topic.id, topic.category_id));
        Ok(updated)
    }
}
