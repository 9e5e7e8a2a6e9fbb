//! Accounts: sign-up, log in, log out, sessions, passwords.
//!
//! Passwords are hashed with argon2id within a fixed budget of slots and memory (`passwords`).
//! Session tokens are 256 random bits; only their SHA-256 is stored.
//!
//! Login attempts are throttled per IP address and per account — one bucket per account,
//! whichever of its username or email is typed — and an attempt is counted *before* its
//! password is hashed, in the same step as the check, so concurrent attempts cannot all slip
//! past one check; a successful login gives its attempt back. Sign-ups are throttled per
//! address the same way (each one hashes a password and says whether a name is taken).

use stoa_core::limits;
use stoa_core::throttle::Throttle;
use stoa_core::{DisplayName, Email, Error, LoginName, NewPassword, UserId, Username};
use stoa_db::users::NewUser;

use crate::outbox::{SCOPE_PASSWORD_RESET, SCOPE_SIGNUP};
use crate::{
    Addressee, AppError, Forum, Result, Timestamp, db, now, random_hex, sha256_hex, unix_now,
};

/// What the sign-up form sends.
#[derive(Debug, Clone, Default)]
pub struct SignupForm {
    pub username: String,
    pub email: String,
    pub password: String,
    pub name: String,
}

/// The signed-in member behind a session or key.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub name: String,
    pub admin: bool,
    /// Unread notifications (the bell's number).
    pub unread_notifications: i64,
    /// False until the member follows the link in their sign-up email.
    pub email_verified: bool,
    pub email: String,
}

impl CurrentUser {
    pub fn actor(&self) -> stoa_core::Actor {
        stoa_core::Actor::Member {
            id: self.id,
            admin: self.admin,
        }
    }
}

/// A session just created: the token goes in the cookie, never in storage.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub user: CurrentUser,
    pub expires_at: Timestamp,
}

pub(crate) fn current(row: &db::users::UserRow) -> CurrentUser {
    CurrentUser {
        id: row.id,
        username: row.username.clone(),
        name: row.name.clone(),
        admin: row.admin,
        unread_notifications: 0,
        email_verified: row.email_verified_at.is_some(),
        email: row.email.clone(),
    }
}

/// Requests older than this are dropped unanswered (the link would come too late to help).
const RESET_REQUEST_HOURS: i64 = 1;

/// How often waiting password-reset requests are answered.
const RESET_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// How often a member's `last_seen_at` is written while they browse.
const SEEN_RESOLUTION_SECS: i64 = 60;

impl Forum {
    /// Creates a member account. Every field is checked; all problems of the first failing
    /// field are reported by name.
    /// The address is confirmed by a link emailed to it. `ip` keys the per-address throttle,
    /// which counts every sign-up whose fields are well formed.
    pub async fn signup(&self, form: &SignupForm, ip: &str) -> Result<UserId> {
        let id = self.create_account(form, false, false, Some(ip)).await?;
        self.wake_mailer();
        Ok(id)
    }

    /// Creates an account, optionally an admin (from the command line and first run). The
    /// admin vouches for the address, so it counts as confirmed.
    pub async fn create_user(&self, form: &SignupForm, admin: bool) -> Result<UserId> {
        self.create_account(form, admin, true, None).await
    }

    /// `ip`: the address a sign-up came from (None for the command line, which is unlimited).
    async fn create_account(
        &self,
        form: &SignupForm,
        admin: bool,
        verified: bool,
        ip: Option<&str>,
    ) -> Result<UserId> {
        let username = Username::parse(&form.username)?;
        let email = Email::parse(&form.email)?;
        let name = DisplayName::parse(&form.name)?;
        let password = NewPassword::parse(&form.password, username.as_str())?;
        if let Some(ip) = ip
            && self.settings.signups_per_ip_per_hour > 0
        {
            take(&self.signups_by_ip, &ip.to_owned(), unix_now())?;
        }
        let hash = self.passwords.hash(password.expose().to_owned()).await?;
        let mut tx = self.db.write().await?;
        if db::users::find_by_username(&mut tx, username.as_str())
            .await?
            .is_some()
        {
            return Err(Error::Conflict {
                field: "username",
                message: "That username is taken".into(),
            }
            .into());
        }
        let user = NewUser {
            username: username.as_str(),
            name: name.as_str(),
            email: email.as_str(),
            password_hash: &hash,
            admin,
            created_at: now(),
            email_verified_at: verified.then(now),
            unsubscribe_key: &random_hex(16),
        };
        let id = match db::users::insert(&mut tx, &user).await {
            Ok(id) => id,
            Err(db::Error::UniqueViolation) => {
                // Someone took the username or the email since the check above (or the email
                // was taken all along): tell which, from a fresh look.
                drop(tx);
                let mut tx = self.db.read().await?;
                let taken = db::users::find_by_username(&mut tx, username.as_str()).await?;
                return Err(if taken.is_some() {
                    Error::Conflict {
                        field: "username",
                        message: "That username is taken".into(),
                    }
                } else {
                    Error::Conflict {
                        field: "email",
                        message: "An account with that email already exists".into(),
                    }
                }
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        if !verified {
            let row = db::users::find(&mut tx, id)
                .await?
                .ok_or(Error::NotFound("user"))?;
            self.email_link(&mut tx, &row, SCOPE_SIGNUP).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Checks a username-or-email and password; on success opens a new session.
    /// `ip` keys the per-address throttle.
    pub async fn login(&self, login: &str, password: &str, ip: &str) -> Result<NewSession> {
        let login = LoginName::parse(login)?;
        let incorrect = || Error::invalid("login", "Incorrect username, email or password");
        if password.chars().count() > limits::PASSWORD_MAX {
            // No password can be this long: nothing to hash.
            return Err(incorrect().into());
        }
        let t = unix_now();
        let mut tx = self.db.read().await?;
        let row = db::users::find_by_login(&mut tx, login.as_str()).await?;
        drop(tx);
        // One bucket per account however it is named; unknown names get one per spelling.
        let account_key = match &row {
            Some(r) => format!("user:{}", r.id),
            None => format!("login:{}", login.as_str().to_lowercase()),
        };
        self.take_login_attempt(ip, &account_key, t)?;
        // Verify against a dummy hash when the account is unknown, so timing does not tell
        // which usernames exist.
        let (hash, row) = match row {
            Some(r) => (r.password_hash.clone(), Some(r)),
            None => (DUMMY_HASH.to_owned(), None),
        };
        let ok = match self.passwords.verify(password.to_owned(), hash).await {
            Ok(ok) => ok,
            Err(e) => {
                // No password was checked (the hashing slots were full, say): the attempt
                // does not count.
                self.give_back_login_attempt(ip, &account_key, t);
                return Err(e);
            }
        };
        let Some(row) = row.filter(|_| ok) else {
            return Err(incorrect().into());
        };
        // A good password: the account's failures are forgotten, and the attempt the address
        // spent on it is given back (the per-address limit counts failures).
        if let Ok(mut by_account) = self.login_by_account.lock() {
            by_account.clear(&account_key);
        }
        if let Ok(mut by_ip) = self.login_by_ip.lock() {
            by_ip.refund(&ip.to_owned(), t);
        }
        self.open_session(&row).await
    }

    /// Gives back an attempt [`Forum::take_login_attempt`] took.
    fn give_back_login_attempt(&self, ip: &str, account: &str, t: u64) {
        if let Ok(mut by_ip) = self.login_by_ip.lock() {
            by_ip.refund(&ip.to_owned(), t);
        }
        if let Ok(mut by_account) = self.login_by_account.lock() {
            by_account.refund(&account.to_owned(), t);
        }
    }

    /// Counts a login attempt against the address and the account, or refuses it when either
    /// has none left; both in one step under both locks, before any hashing.
    fn take_login_attempt(&self, ip: &str, account: &str, t: u64) -> Result<()> {
        let lock = || AppError::Internal("throttle lock".into());
        let mut by_ip = self.login_by_ip.lock().map_err(|_| lock())?;
        let mut by_account = self.login_by_account.lock().map_err(|_| lock())?;
        let (ip, account) = (ip.to_owned(), account.to_owned());
        let wait = [by_ip.check(&ip, t), by_account.check(&account, t)]
            .into_iter()
            .filter_map(|r| r.err())
            .max();
        if let Some(retry_after_secs) = wait {
            return Err(Error::RateLimited { retry_after_secs }.into());
        }
        by_ip.record(&ip, t);
        by_account.record(&account, t);
        Ok(())
    }

    /// Opens a session for a member who just proved who they are (after sign-up).
    pub async fn session_for(&self, id: UserId) -> Result<NewSession> {
        let mut tx = self.db.read().await?;
        let row = db::users::find(&mut tx, id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        drop(tx);
        self.open_session(&row).await
    }

    async fn open_session(&self, row: &db::users::UserRow) -> Result<NewSession> {
        let token = random_hex(32);
        let at = now();
        let expires_at = at + chrono::Duration::days(self.settings.session_days);
        let mut tx = self.db.write().await?;
        db::sessions::insert(&mut tx, &sha256_hex(&token), row.id, at, expires_at).await?;
        db::users::touch_last_seen(&mut tx, row.id, at).await?;
        tx.commit().await?;
        Ok(NewSession {
            token,
            user: current(row),
            expires_at,
        })
    }

    /// Ends the session with this token (no error when it is already gone).
    pub async fn logout(&self, token: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        db::sessions::delete(&mut tx, &sha256_hex(token)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The member whose live session holds this token, with their unread count. With `seen`
    /// (the member is on the site: visiting a page, or running its script — not an image or
    /// frame somewhere fetching a URL of ours with their cookie), notes that they were seen
    /// (at most once a minute), which decides whether they are "away" for notification emails.
    pub async fn session_user(&self, token: &str, seen: bool) -> Result<Option<CurrentUser>> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let at = now();
        let mut tx = self.db.read().await?;
        let Some(found) = db::sessions::find_user(&mut tx, &sha256_hex(token), at).await? else {
            return Ok(None);
        };
        drop(tx);
        let row = found.user;
        let mut user = current(&row);
        user.unread_notifications = found.unread_notifications;
        let stale = row
            .last_seen_at
            .is_none_or(|seen| (at - seen).num_seconds() >= SEEN_RESOLUTION_SECS);
        if seen && stale {
            let mut tx = self.db.write().await?;
            db::users::touch_last_seen(&mut tx, user.id, at).await?;
            tx.commit().await?;
        }
        Ok(Some(user))
    }

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
        let mut by_ip = self
            .resets_by_ip
            .lock()
            .map_err(|_| AppError::Internal("throttle lock".into()))?;
        let mut by_account = self
            .resets_by_account
            .lock()
            .map_err(|_| AppError::Internal("throttle lock".into()))?;
        let (ip, account) = (ip.to_owned(), account.to_owned());
        let wait = [by_ip.check(&ip, t), by_account.check(&account, t)]
            .into_iter()
            .filter_map(|r| r.err())
            .max();
        if let Some(retry_after_secs) = wait {
            return Err(Error::RateLimited { retry_after_secs }.into());
        }
        by_ip.record(&ip, t);
        by_account.record(&account, t);
        Ok(())
    }

    /// Sets a member's password (from the command line) and ends their sessions.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        let mut tx = self.db.read().await?;
        let row = db::users::find_by_username(&mut tx, username)
            .await?
            .ok_or(Error::NotFound("user"))?;
        drop(tx);
        let password = NewPassword::parse(password, &row.username)?;
        let hash = self.passwords.hash(password.expose().to_owned()).await?;
        let mut tx = self.db.write().await?;
        db::users::set_password_hash(&mut tx, row.id, &hash).await?;
        db::sessions::delete_for_user(&mut tx, row.id).await?;
        tx.commit().await?;
        Ok(())
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

/// Counts one event against a throttle; `Err` with the wait when it has none left.
fn take(throttle: &std::sync::Mutex<Throttle<String>>, key: &String, t: u64) -> Result<()> {
    let mut throttle = throttle
        .lock()
        .map_err(|_| AppError::Internal("throttle lock".into()))?;
    throttle
        .take(key, t)
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs }.into())
}

/// An argon2id hash of a random string nobody knows, with the same parameters as real ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c3RvYWR1bW15c2FsdA$\
                          J2bY3l5vIrTq0O8wSdiDeQfS5xI6rQ1Ww0n3sMPYpUQ";

/// A password a person can type from a terminal, with about 120 bits of entropy.
pub fn generate_password() -> String {
    random_hex(15)
}
