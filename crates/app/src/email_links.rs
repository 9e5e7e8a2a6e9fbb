//! Links sent by email: confirming an address, resetting a password, unsubscribing. Each
//! link carries a single-use token (only its SHA-256 is stored) or, for unsubscribing, the
//! member's unsubscribe key; the link is the proof, so no login is needed to follow one.
//!
//! Reset requests are throttled per address and per account before anything is looked up,
//! and are answered later by a background task (`run_reset_requests`), so the time a request
//! takes does not tell whether the account exists.

use stoa_core::{Error, LoginName, NewPassword, limits};

use crate::accounts::take_both;
use crate::outbox::{SCOPE_PASSWORD_RESET, SCOPE_SIGNUP};
use crate::{Addressee, Forum, NewSession, Result, db, now, sha256_hex, unix_now};

/// Requests older than this are dropped unanswered (the link would come too late to help).
const RESET_REQUEST_HOURS: i64 = 1;

/// How often waiting password-reset requests are answered.
const RESET_POLL: std::time::Duration = std::time::Duration::from_secs(2);

impl Forum {
    /// Sends a fresh confirmation link to a member whose address is not confirmed yet.
    pub async fn resend_confirmation(&self, actor: stoa_core::Actor, ip: &str) -> Result<()> {
        let id = actor.user_id().ok_or(Error::NotLoggedIn)?;
        self.check_reset_throttles(ip, &format!("confirm:{}", id.0))?;
        let mut tx = self.db.write().await?;
        let row = db::users::find(&mut tx, id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        if row.email_verified_at.is_some() {
            return Err(Error::invalid("email", "Your email address is already confirmed").into());
        }
        self.email_link(&mut tx, &row, SCOPE_SIGNUP).await?;
        tx.commit().await?;
        self.wake_mailer();
        Ok(())
    }

    /// The member a still-usable emailed link belongs to (for the page the link opens).
    pub async fn check_email_token(&self, scope: &str, token: &str) -> Result<Addressee> {
        let mut tx = self.db.read().await?;
        let (_, user) = usable_token(&mut tx, scope, token).await?;
        Ok(user.into())
    }

    /// Confirms the address a sign-up link was sent to; the link is used up.
    pub async fn confirm_email(&self, token: &str) -> Result<Addressee> {
        let mut tx = self.db.write().await?;
        let (row, user) = usable_token(&mut tx, SCOPE_SIGNUP, token).await?;
        let at = now();
        if !db::mail::use_token(&mut tx, row.id, at).await? {
            return Err(used_link().into());
        }
        db::users::set_email_verified(&mut tx, user.id, at).await?;
        tx.commit().await?;
        Ok(user.into())
    }

    /// Asks for a password-reset link for the account with this username or email, if there
    /// is one. The request is written as typed and answered in the background
    /// ([`Forum::answer_reset_requests`]), so the answer — and the time it takes — is the same
    /// whether or not an account matches.
    pub async fn request_password_reset(&self, login: &str, ip: &str) -> Result<()> {
        let login = LoginName::parse(login)?;
        self.check_reset_throttles(ip, &login.as_str().to_lowercase())?;
        let mut tx = self.db.write().await?;
        db::mail::insert_reset_request(&mut tx, login.as_str(), now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Answers waiting password-reset requests: each one that names an account queues a link
    /// to its address (at most [`limits::RESETS_PER_ACCOUNT`] an hour per account, however it
    /// was named); the others are dropped. Returns how many emails were queued.
    pub async fn answer_reset_requests(&self) -> Result<usize> {
        let ids = {
            let mut tx = self.db.read().await?;
            db::mail::reset_requests(&mut tx, 100).await?
        };
        if ids.is_empty() {
            return Ok(0); // the usual case: no write at all
        }
        let at = now();
        let mut tx = self.db.write().await?;
        let expired = db::mail::expire_reset_requests(
            &mut tx,
            at - chrono::Duration::hours(RESET_REQUEST_HOURS),
        )
        .await?;
        tx.commit().await?;
        if expired > 0 {
            tracing::warn!(
                expired,
                "dropped password-reset requests nobody answered in time"
            );
        }
        let mut queued = 0;
        for id in ids {
            // One request that fails (a database hiccup) must not hold up the others.
            match self.answer_reset_request(id).await {
                Ok(true) => queued += 1,
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, id, "answering a password-reset request"),
            }
        }
        if queued > 0 {
            self.wake_mailer();
        }
        Ok(queued)
    }

    /// Answers one request; true when it queued a link.
    async fn answer_reset_request(&self, id: i64) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let Some(login) = db::mail::take_reset_request(&mut tx, id).await? else {
            return Ok(false); // another node took it
        };
        let mut queued = false;
        if let Some(user) = db::users::find_by_login(&mut tx, &login).await? {
            // Two nodes answering requests for one member at once must not both count two
            // links and send a third and a fourth.
            db::locks::user(&mut tx, user.id).await?;
            let since = now() - chrono::Duration::seconds(limits::RESET_WINDOW_SECS as i64);
            let recent =
                db::mail::tokens_since(&mut tx, user.id, SCOPE_PASSWORD_RESET, since).await?;
            if recent < i64::from(limits::RESETS_PER_ACCOUNT) {
                self.email_link(&mut tx, &user, SCOPE_PASSWORD_RESET)
                    .await?;
                queued = true;
            }
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Answers password-reset requests every [`RESET_POLL`] until `stop` completes. On a
    /// clock, not woken by each request: work done right after a request would slow the
    /// requests that follow it, and so tell an attacker timing them which logins exist.
    pub async fn run_reset_requests(self: std::sync::Arc<Self>, stop: impl Future<Output = ()>) {
        let mut stop = std::pin::pin!(stop);
        loop {
            tokio::select! {
                () = tokio::time::sleep(RESET_POLL) => {}
                () = &mut stop => return,
            }
            if let Err(e) = self.answer_reset_requests().await {
                tracing::error!(error = %e, "answering password-reset requests");
            }
        }
    }

    /// Sets a new password with an emailed reset link: the link is used up, every other
    /// session ends, the address counts as confirmed, and a new session opens.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<NewSession> {
        let mut tx = self.db.read().await?;
        let (_, user) = usable_token(&mut tx, SCOPE_PASSWORD_RESET, token).await?;
        drop(tx);
        let password = NewPassword::parse(password, &user.username)?;
        let hash = self.passwords.hash(password.expose().to_owned()).await?;
        let mut tx = self.db.write().await?;
        let (row, user) = usable_token(&mut tx, SCOPE_PASSWORD_RESET, token).await?;
        let at = now();
        if !db::mail::use_token(&mut tx, row.id, at).await? {
            return Err(used_link().into());
        }
        db::users::set_password_hash(&mut tx, user.id, &hash).await?;
        db::sessions::delete_for_user(&mut tx, user.id).await?;
        db::users::set_email_verified(&mut tx, user.id, at).await?;
        tx.commit().await?;
        self.open_session(&user).await
    }

    /// The member an unsubscribe link belongs to.
    pub async fn unsubscribe_user(&self, key: &str) -> Result<Addressee> {
        let mut tx = self.db.read().await?;
        Ok(find_by_unsubscribe_key(&mut tx, key).await?.into())
    }

    /// Turns notification emails off (or on again) for the member an unsubscribe link
    /// belongs to. The key in the link is the proof; no login is needed.
    pub async fn set_email_notifications(&self, key: &str, on: bool) -> Result<Addressee> {
        let mut tx = self.db.write().await?;
        let user = find_by_unsubscribe_key(&mut tx, key).await?;
        db::users::set_email_notifications(&mut tx, user.id, on).await?;
        tx.commit().await?;
        Ok(user.into())
    }

    fn check_reset_throttles(&self, ip: &str, account: &str) -> Result<()> {
        let t = unix_now();
        take_both(&self.resets_by_ip, &self.resets_by_account, ip, account, t)
    }
}

fn used_link() -> Error {
    Error::invalid(
        "token",
        "This link has already been used or has expired. Ask for a new one.",
    )
}

/// The token row and its member, if the token exists for this scope, is unused and unexpired,
/// and was sent to the member's current address.
async fn usable_token(
    tx: &mut db::Tx,
    scope: &str,
    token: &str,
) -> Result<(db::mail::EmailTokenRow, db::users::UserRow)> {
    let row = db::mail::find_token(tx, &sha256_hex(token), scope)
        .await?
        .filter(|r| r.used_at.is_none() && r.expires_at > now())
        .ok_or_else(used_link)?;
    let user = db::users::find(tx, row.user_id)
        .await?
        .filter(|u| u.email.eq_ignore_ascii_case(&row.email))
        .ok_or_else(used_link)?;
    Ok((row, user))
}

async fn find_by_unsubscribe_key(tx: &mut db::Tx, key: &str) -> Result<db::users::UserRow> {
    let unknown = || Error::NotFound("unsubscribe link");
    if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unknown().into());
    }
    Ok(db::users::find_by_unsubscribe_key(tx, key)
        .await?
        .ok_or_else(unknown)?)
}
