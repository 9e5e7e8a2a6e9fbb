//! Member profiles.

use crate::{
    Forum, Member, MemberName, MemberPost, MemberStats, ProfileCan, Result, TopicSummary, db,
};
use stoa_core::{Actor, Error, UserId};

/// What `/u/{username}` shows.
#[derive(Debug, Clone)]
pub struct UserProfile {
    pub user: Member,
    pub stats: MemberStats,
    pub topics: Vec<TopicSummary>,
    pub replies: Vec<MemberPost>,
    /// What the viewer may do with it.
    pub can: ProfileCan,
}

impl Forum {
    pub async fn user_profile(&self, actor: Actor, username: &str) -> Result<UserProfile> {
        let mut tx = self.db.read().await?;
        let user = db::users::find_by_username(&mut tx, username)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let staff = stoa_core::Guardian::new(actor).can_see_category(true);
        let stats = db::users::stats(&mut tx, user.id, staff).await?;
        let replies = db::posts::recent_replies_by(&mut tx, user.id, staff, 20).await?;
        drop(tx);
        let topics = self.topic_list(actor, None, Some(user.id), 1).await?.topics;
        Ok(UserProfile {
            can: self.profile_can(actor, user.id),
            user: user.into(),
            stats: stats.into(),
            topics,
            replies: replies.into_iter().map(Into::into).collect(),
        })
    }

    pub async fn user(&self, id: UserId) -> Result<Member> {
        let mut tx = self.db.read().await?;
        Ok(db::users::find(&mut tx, id)
            .await?
            .ok_or(Error::NotFound("user"))?
            .into())
    }
}

/// Suggestions per @mention completion.
const COMPLETIONS: i64 = 8;

impl Forum {
    /// Usernames starting with `term` (an `@` in front is ignored), for @mention completion.
    /// A term that no username could start with answers with none.
    pub async fn complete_usernames(&self, term: &str) -> Result<Vec<MemberName>> {
        let term = term.trim().trim_start_matches('@').to_ascii_lowercase();
        let valid = !term.is_empty()
            && term.len() <= stoa_core::limits::USERNAME_MAX
            && term
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !valid {
            return Ok(Vec::new());
        }
        let mut tx = self.db.read().await?;
        let names = db::users::complete(&mut tx, &term, COMPLETIONS).await?;
        Ok(names.into_iter().map(Into::into).collect())
    }
}
