//! API keys. Only a SHA-256 of each key is stored (keys are 32 random bytes, so a plain hash
//! is enough); `truncated_key` keeps the first characters so that a list can tell keys apart.

use stoa_core::UserId;

use crate::{Result, Timestamp, Tx, exec, run};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: i64,
    pub truncated_key: String,
    pub description: String,
    /// None: an all-users key.
    pub user_id: Option<UserId>,
    /// The key's member, for a single-user key.
    pub username: Option<String>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

const COLUMNS: &str = "k.id, k.truncated_key, k.description, k.user_id, u.username, \
    k.created_at, k.last_used_at, k.revoked_at FROM api_keys k LEFT JOIN users u ON u.id = k.user_id";

pub async fn insert(
    tx: &mut Tx,
    key_hash: &str,
    truncated_key: &str,
    description: &str,
    user: Option<UserId>,
    at: Timestamp,
) -> Result<i64> {
    const SQL: &str = "INSERT INTO api_keys (key_hash, truncated_key, description, user_id, \
                       created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
    Ok(run!(tx, c => sqlx::query_scalar(SQL)
        .bind(key_hash)
        .bind(truncated_key)
        .bind(description)
        .bind(user.map(|u| u.0))
        .bind(at)
        .fetch_one(&mut **c)
        .await)?)
}

/// The key with this hash, revoked or not.
pub async fn find_by_hash(tx: &mut Tx, key_hash: &str) -> Result<Option<ApiKeyRow>> {
    let sql = format!("SELECT {COLUMNS} WHERE k.key_hash = $1");
    Ok(run!(tx, c => sqlx::query_as(&sql).bind(key_hash).fetch_optional(&mut **c).await)?)
}

/// Every key, newest first.
pub async fn list(tx: &mut Tx) -> Result<Vec<ApiKeyRow>> {
    let sql = format!("SELECT {COLUMNS} ORDER BY k.id DESC");
    Ok(run!(tx, c => sqlx::query_as(&sql).fetch_all(&mut **c).await)?)
}

/// Revokes a key; false when there is no such key or it was already revoked.
pub async fn revoke(tx: &mut Tx, id: i64, at: Timestamp) -> Result<bool> {
    const SQL: &str = "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    let n = exec!(tx, c => sqlx::query(SQL).bind(id).bind(at).execute(&mut **c).await)?;
    Ok(n > 0)
}

/// Records that a key was used (callers do this at most once a minute per key).
pub async fn touch(tx: &mut Tx, id: i64, at: Timestamp) -> Result<()> {
    const SQL: &str = "UPDATE api_keys SET last_used_at = $2 WHERE id = $1";
    exec!(tx, c => sqlx::query(SQL).bind(id).bind(at).execute(&mut **c).await)?;
    Ok(())
}
