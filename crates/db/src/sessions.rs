//! Login sessions. Only a hash of each token is stored, so a leaked database holds no usable
//! session.

use stoa_core::UserId;

use crate::users::{USER_COLUMNS, UserRow};
use crate::{Result, Timestamp, Tx, exec, run};

pub async fn insert(
    tx: &mut Tx,
    token_hash: &str,
    user: UserId,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    const SQL: &str = "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                       VALUES ($1, $2, $3, $4)";
    exec!(tx, c => sqlx::query(SQL)
        .bind(token_hash)
        .bind(user.0)
        .bind(now)
        .bind(expires_at)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// A session's member and their unread notification count (the bell on every page).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub unread_notifications: i64,
}

/// The member whose unexpired session has this token hash, in one query with their unread
/// count, since every page a member opens needs both.
pub async fn find_user(
    tx: &mut Tx,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<SessionUser>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, {} AS unread_notifications \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
        crate::notifications::UNREAD_OF_U
    );
    Ok(
        run!(tx, c => sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(&mut **c).await)?,
    )
}

pub async fn delete(tx: &mut Tx, token_hash: &str) -> Result<()> {
    const SQL: &str = "DELETE FROM sessions WHERE token_hash = $1";
    exec!(tx, c => sqlx::query(SQL).bind(token_hash).execute(&mut **c).await)?;
    Ok(())
}

/// Ends every session of a member (after a password reset).
pub async fn delete_for_user(tx: &mut Tx, user: UserId) -> Result<()> {
    const SQL: &str = "DELETE FROM sessions WHERE user_id = $1";
    exec!(tx, c => sqlx::query(SQL).bind(user.0).execute(&mut **c).await)?;
    Ok(())
}

pub async fn delete_expired(tx: &mut Tx, now: Timestamp) -> Result<u64> {
    const SQL: &str = "DELETE FROM sessions WHERE expires_at <= $1";
    let done = exec!(tx, c => sqlx::query(SQL).bind(now).execute(&mut **c).await)?;
    Ok(done)
}
