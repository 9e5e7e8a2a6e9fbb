//! Row locks that keep counters exact when writers run at once.
//!
//! Counters move by the difference each write makes (`x = x + 1` is atomic on both backends),
//! but some writes decide that difference from what they read: deleting an opening post
//! carries its topic's live post count out of the category, moving a topic carries it to
//! another, and deleting a post twice must lower nothing the second time. On PostgreSQL (READ
//! COMMITTED) such a write must not read before a concurrent writer of the same topic commits,
//! or it would act on a snapshot that misses that writer's post. So a write that changes a
//! topic's posts or likes first locks the topic row, in its own statement, and reads after.
//!
//! The locks are `FOR NO KEY UPDATE`, the strength an `UPDATE` of the counters takes anyway: it
//! does not conflict with the `FOR KEY SHARE` locks that inserting a post or topic takes on the
//! row its foreign key points at, so those inserts never wait on, or deadlock with, a lock here.
//!
//! SQLite needs none of this: `BEGIN IMMEDIATE` already lets one writer in at a time.

use stoa_core::{TopicId, UserId};

use crate::{Result, Tx};

const LOCK_TOPIC_PG: &str = "SELECT id FROM topics WHERE id = $1 FOR NO KEY UPDATE";
const LOCK_USER_PG: &str = "SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE";

/// Waits for and takes the write lock on a topic's row.
pub async fn topic(tx: &mut Tx, id: TopicId) -> Result<()> {
    match tx {
        Tx::Sqlite(_) => {}
        Tx::Postgres(c) => {
            sqlx::query(LOCK_TOPIC_PG)
                .bind(id.0)
                .fetch_optional(&mut **c)
                .await?;
        }
    }
    Ok(())
}

/// Waits for and takes the write lock on a member's row: for a count of what was sent to them
/// (password-reset links) that two nodes must not both read before either writes.
pub async fn user(tx: &mut Tx, id: UserId) -> Result<()> {
    match tx {
        Tx::Sqlite(_) => {}
        Tx::Postgres(c) => {
            sqlx::query(LOCK_USER_PG)
                .bind(id.0)
                .fetch_optional(&mut **c)
                .await?;
        }
    }
    Ok(())
}
