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

use std::sync::Mutex;

use stoa_core::limits;
use stoa_core::throttle::Throttle;
use stoa_core::{DisplayName, Email, Error, LoginName, NewPassword, UserId, Username};
use stoa_db::users::NewUser;

use crate::outbox::SCOPE_SIGNUP;
use crate::{AppError, Forum, Result, Timestamp, db, now, random_hex, sha256_hex, unix_now};

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
        take_both(&self.login_by_ip, &self.login_by_account, ip, account, t)
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

    pub(crate) async fn open_session(&self, row: &db::users::UserRow) -> Result<NewSession> {
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
        // One statement (the member and their bell count): no transaction around it.
        let mut tx = self.db.read_single().await?;
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

/// Counts one event against a throttle; `Err` with the wait when it has none left.
pub(crate) fn take(
    throttle: &std::sync::Mutex<Throttle<String>>,
    key: &String,
    t: u64,
) -> Result<()> {
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

/// Counts one attempt against both the address and the account, or refuses it when either
/// has none left (waiting for the later of the two); both in one step under both locks.
pub(crate) fn take_both(
    by_ip: &Mutex<Throttle<String>>,
    by_account: &Mutex<Throttle<String>>,
    ip: &str,
    account: &str,
    t: u64,
) -> Result<()> {
    let lock = || AppError::Internal("throttle lock".into());
    let mut by_ip = by_ip.lock().map_err(|_| lock())?;
    let mut by_account = by_account.lock().map_err(|_| lock())?;
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
