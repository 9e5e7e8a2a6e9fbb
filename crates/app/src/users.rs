//! Member profiles.

use stoa_core::{Actor, Error, UserId};
use stoa_db::posts::UserPostRow;
use stoa_db::topics::TopicListRow;
use stoa_db::users::{UserRow, UserStats};

use crate::{Forum, Result, db};

/// What `/u/{username}` shows.
#[derive(Debug, Clone)]
pub struct UserProfile {
    pub user: UserRow,
    pub stats: UserStats,
    pub topics: Vec<TopicListRow>,
    pub replies: Vec<UserPostRow>,
}

impl Forum {
    pub async fn user_profile(&self, actor: Actor, username: &str) -> Result<UserProfile> {
        let mut tx = self.db.read().await?;
        let user = db::users::find_by_username(&mut tx, username)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let staff = stoa_core::Guardian::new(actor).can_see_category(true);
        let stats = db::users::stats(&mut tx, user.user_id(), staff).await?;
        let replies = db::posts::recent_replies_by(&mut tx, user.user_id(), staff, 20).await?;
        drop(tx);
        let topics = self
            .topic_list(actor, None, Some(user.user_id()), 1)
            .await?
            .topics;
        Ok(UserProfile {
            user,
            stats,
            topics,
            replies,
        })
    }

    pub async fn user(&self, id: UserId) -> Result<UserRow> {
        let mut tx = self.db.read().await?;
        Ok(db::users::find(&mut tx, id)
            .await?
            .ok_or(Error::NotFound("user"))?)
    }
}

/// Suggestions per @mention completion.
const COMPLETIONS: i64 = 8;

impl Forum {
    /// Usernames starting with `term` (an `@` in front is ignored), for @mention completion.
    /// A term that no username could start with answers with none.
    pub async fn complete_usernames(&self, term: &str) -> Result<Vec<db::users::NameMatch>> {
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
        Ok(db::users::complete(&mut tx, &term, COMPLETIONS).await?)
    }
}
