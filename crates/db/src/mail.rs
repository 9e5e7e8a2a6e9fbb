//! Email: single-use links (`email_tokens`) and the outgoing queue (`email_queue`).
//!
//! The queue is written in the same transaction as whatever caused the email, so an email is
//! never lost between "the reply is saved" and "the email is handed over". A node claims a row
//! for a short lease before sending it, so two nodes never send the same row at once; a node that
//! dies mid-send leaves the lease to expire and another picks the row up.

use stoa_core::UserId;

use crate::{Result, Timestamp, Tx, exec, run};

/// A token row that may still be used.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmailTokenRow {
    pub id: i64,
    pub user_id: UserId,
    pub email: String,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

pub async fn insert_token(
    tx: &mut Tx,
    user: UserId,
    token_hash: &str,
    scope: &str,
    email: &str,
    at: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    const SQL: &str = "INSERT INTO email_tokens (user_id, token_hash, scope, email, created_at, \
        expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
    exec!(tx, c => sqlx::query(SQL)
        .bind(user.0)
        .bind(token_hash)
        .bind(scope)
        .bind(email)
        .bind(at)
        .bind(expires_at)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// The token with this hash and scope, used or not (the caller says which is wrong).
pub async fn find_token(
    tx: &mut Tx,
    token_hash: &str,
    scope: &str,
) -> Result<Option<EmailTokenRow>> {
    const SQL: &str = "SELECT id, user_id, email, expires_at, used_at FROM email_tokens \
        WHERE token_hash = $1 AND scope = $2";
    Ok(
        run!(tx, c => sqlx::query_as(SQL).bind(token_hash).bind(scope).fetch_optional(&mut **c).await)?,
    )
}

/// How many tokens of `scope` were made for `user` since `since` (a cap on reset emails per
/// account that every node sees).
pub async fn tokens_since(tx: &mut Tx, user: UserId, scope: &str, since: Timestamp) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM email_tokens WHERE user_id = $1 AND scope = $2 \
        AND created_at > $3";
    Ok(run!(tx, c => sqlx::query_scalar(SQL)
        .bind(user.0)
        .bind(scope)
        .bind(since)
        .fetch_one(&mut **c)
        .await)?)
}

/// Records a password-reset request for `login` as typed.
pub async fn insert_reset_request(tx: &mut Tx, login: &str, at: Timestamp) -> Result<()> {
    const SQL: &str = "INSERT INTO reset_requests (login, created_at) VALUES ($1, $2)";
    exec!(tx, c => sqlx::query(SQL).bind(login).bind(at).execute(&mut **c).await)?;
    Ok(())
}

/// Forgets reset requests made before `before` (a node that was down that long has nothing
/// useful to send for them).
pub async fn expire_reset_requests(tx: &mut Tx, before: Timestamp) -> Result<u64> {
    const SQL: &str = "DELETE FROM reset_requests WHERE created_at < $1";
    Ok(exec!(tx, c => sqlx::query(SQL).bind(before).execute(&mut **c).await)?)
}

/// Ids of waiting reset requests, oldest first.
pub async fn reset_requests(tx: &mut Tx, limit: i64) -> Result<Vec<i64>> {
    const SQL: &str = "SELECT id FROM reset_requests ORDER BY id LIMIT $1";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(limit).fetch_all(&mut **c).await)?)
}

/// Takes a reset request: deletes it and returns what was typed; None when another node took
/// it first. The caller answers it in the same transaction, so a failure leaves it waiting.
pub async fn take_reset_request(tx: &mut Tx, id: i64) -> Result<Option<String>> {
    const SQL: &str = "DELETE FROM reset_requests WHERE id = $1 RETURNING login";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(id).fetch_optional(&mut **c).await)?)
}

/// Uses a token; false if it was used already (by a request that got there first).
pub async fn use_token(tx: &mut Tx, id: i64, at: Timestamp) -> Result<bool> {
    const SQL: &str = "UPDATE email_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
    let done = exec!(tx, c => sqlx::query(SQL).bind(at).bind(id).execute(&mut **c).await)?;
    Ok(done == 1)
}

/// Ends a member's other unused tokens of a scope (a newer link replaces older ones).
pub async fn expire_tokens(tx: &mut Tx, user: UserId, scope: &str, at: Timestamp) -> Result<()> {
    const SQL: &str = "UPDATE email_tokens SET expires_at = $1 WHERE user_id = $2 AND scope = $3 \
        AND used_at IS NULL AND expires_at > $1";
    exec!(tx, c => sqlx::query(SQL).bind(at).bind(user.0).bind(scope).execute(&mut **c).await)?;
    Ok(())
}

/// An email about to be queued.
#[derive(Debug)]
pub struct NewEmail<'a> {
    pub kind: &'a str,
    pub user: Option<UserId>,
    pub notification: Option<i64>,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub unsubscribe_url: Option<&'a str>,
    pub at: Timestamp,
}

/// A queued email.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueuedEmail {
    pub id: i64,
    pub kind: String,
    pub user_id: Option<UserId>,
    pub notification_id: Option<i64>,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub unsubscribe_url: Option<String>,
    pub created_at: Timestamp,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub failed_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

const COLUMNS: &str = "id, kind, user_id, notification_id, to_address, subject, text_body, \
    html_body, unsubscribe_url, created_at, attempts, next_attempt_at, sent_at, failed_at, \
    last_error";

pub async fn enqueue(tx: &mut Tx, e: &NewEmail<'_>) -> Result<i64> {
    const SQL: &str = "INSERT INTO email_queue (kind, user_id, notification_id, to_address, \
        subject, text_body, html_body, unsubscribe_url, created_at, next_attempt_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id";
    Ok(run!(tx, c => sqlx::query_scalar(SQL)
        .bind(e.kind)
        .bind(e.user.map(|u| u.0))
        .bind(e.notification)
        .bind(e.to)
        .bind(e.subject)
        .bind(e.text)
        .bind(e.html)
        .bind(e.unsubscribe_url)
        .bind(e.at)
        .fetch_one(&mut **c)
        .await)?)
}

/// Ids of emails due for an attempt at `now`, oldest first.
pub async fn due(tx: &mut Tx, now: Timestamp, limit: i64) -> Result<Vec<i64>> {
    const SQL: &str = "SELECT id FROM email_queue WHERE sent_at IS NULL AND failed_at IS NULL \
        AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1) \
        ORDER BY next_attempt_at, id LIMIT $2";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(now).bind(limit).fetch_all(&mut **c).await)?)
}

/// Claims one due email until `until`; None if it is sent, failed, or claimed by another node.
pub async fn claim(
    tx: &mut Tx,
    id: i64,
    now: Timestamp,
    until: Timestamp,
) -> Result<Option<QueuedEmail>> {
    const CLAIM: &str = "UPDATE email_queue SET claimed_until = $1 WHERE id = $2 \
        AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3 \
        AND (claimed_until IS NULL OR claimed_until < $3)";
    let done =
        exec!(tx, c => sqlx::query(CLAIM).bind(until).bind(id).bind(now).execute(&mut **c).await)?;
    if done != 1 {
        return Ok(None);
    }
    find(tx, id).await
}

pub async fn find(tx: &mut Tx, id: i64) -> Result<Option<QueuedEmail>> {
    let sql = format!("SELECT {COLUMNS} FROM email_queue WHERE id = $1");
    Ok(run!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await)?)
}

/// Every queued email, newest first (for tests and the command line).
pub async fn recent(tx: &mut Tx, limit: i64) -> Result<Vec<QueuedEmail>> {
    let sql = format!("SELECT {COLUMNS} FROM email_queue ORDER BY id DESC LIMIT $1");
    Ok(run!(tx, c => sqlx::query_as(&sql).bind(limit).fetch_all(&mut **c).await)?)
}

pub async fn mark_sent(tx: &mut Tx, id: i64, at: Timestamp) -> Result<()> {
    const SQL: &str = "UPDATE email_queue SET sent_at = $1, claimed_until = NULL, \
        attempts = attempts + 1 WHERE id = $2";
    exec!(tx, c => sqlx::query(SQL).bind(at).bind(id).execute(&mut **c).await)?;
    Ok(())
}

/// Records a failed attempt; the email is tried again at `next_at`.
pub async fn mark_retry(tx: &mut Tx, id: i64, next_at: Timestamp, error: &str) -> Result<()> {
    const SQL: &str = "UPDATE email_queue SET attempts = attempts + 1, next_attempt_at = $1, \
        claimed_until = NULL, last_error = $2 WHERE id = $3";
    exec!(tx, c => sqlx::query(SQL).bind(next_at).bind(error).bind(id).execute(&mut **c).await)?;
    Ok(())
}

/// Gives up on an email (a permanent refusal, too many attempts, or no longer wanted).
pub async fn mark_failed(tx: &mut Tx, id: i64, at: Timestamp, error: &str) -> Result<()> {
    const SQL: &str = "UPDATE email_queue SET failed_at = $1, claimed_until = NULL, \
        last_error = $2 WHERE id = $3";
    exec!(tx, c => sqlx::query(SQL).bind(at).bind(error).bind(id).execute(&mut **c).await)?;
    Ok(())
}
