//! Accounts: sign-up, log in, log out, sessions, passwords.
//!
//! Passwords are hashed with argon2id (19 MiB, t=2, p=1: OWASP's recommendation) on a blocking
//! thread. Session tokens are 256 random bits; only their SHA-256 is stored. Failed logins are
//! throttled per IP address and per account.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use stoa_core::{DisplayName, Email, Error, NewPassword, UserId, Username};
use stoa_db::users::NewUser;

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

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| AppError::Internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?
}

async fn verify_password(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| AppError::Internal(format!("stored hash: {e}")))?;
        Ok(argon2()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| AppError::Internal(format!("verify task: {e}")))?
}

fn current(row: &db::users::UserRow) -> CurrentUser {
    CurrentUser {
        id: row.user_id(),
        username: row.username.clone(),
        name: row.name.clone(),
        admin: row.admin,
    }
}

impl Forum {
    /// Creates a member account. Every field is checked; all problems of the first failing
    /// field are reported by name.
    pub async fn signup(&self, form: &SignupForm) -> Result<UserId> {
        self.create_user(form, false).await
    }

    /// Creates an account, optionally an admin (from the command line and first run).
    pub async fn create_user(&self, form: &SignupForm, admin: bool) -> Result<UserId> {
        let username = Username::parse(&form.username)?;
        let email = Email::parse(&form.email)?;
        let name = DisplayName::parse(&form.name)?;
        let password = NewPassword::parse(&form.password, username.as_str())?;
        let hash = hash_password(password.expose().to_owned()).await?;
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
        tx.commit().await?;
        Ok(id)
    }

    /// Checks a username-or-email and password; on success opens a new session.
    /// `ip` keys the per-address throttle.
    pub async fn login(&self, login: &str, password: &str, ip: &str) -> Result<NewSession> {
        let account_key = login.trim().to_lowercase();
        let t = unix_now();
        self.check_throttles(ip, &account_key, t)?;
        let mut tx = self.db.read().await?;
        let row = db::users::find_by_login(&mut tx, login).await?;
        drop(tx);
        // Verify against a dummy hash when the account is unknown, so timing does not tell
        // which usernames exist.
        let (hash, row) = match row {
            Some(r) => (r.password_hash.clone(), Some(r)),
            None => (DUMMY_HASH.to_owned(), None),
        };
        let ok = verify_password(password.to_owned(), hash).await?;
        let Some(row) = row.filter(|_| ok) else {
            self.record_failure(ip, &account_key, t);
            return Err(Error::invalid("login", "Incorrect username, email or password").into());
        };
        if let Ok(mut throttle) = self.login_by_account.lock() {
            throttle.clear(&account_key);
        }
        self.open_session(&row).await
    }

    fn check_throttles(&self, ip: &str, account: &str, t: u64) -> Result<()> {
        let by_ip = self
            .login_by_ip
            .lock()
            .map_err(|_| AppError::Internal("throttle lock".into()))?;
        let by_account = self
            .login_by_account
            .lock()
            .map_err(|_| AppError::Internal("throttle lock".into()))?;
        let wait = [
            by_ip.check(&ip.to_owned(), t),
            by_account.check(&account.to_owned(), t),
        ]
        .into_iter()
        .filter_map(|r| r.err())
        .max();
        match wait {
            Some(retry_after_secs) => Err(Error::RateLimited { retry_after_secs }.into()),
            None => Ok(()),
        }
    }

    fn record_failure(&self, ip: &str, account: &str, t: u64) {
        if let Ok(mut by_ip) = self.login_by_ip.lock() {
            by_ip.record(&ip.to_owned(), t);
        }
        if let Ok(mut by_account) = self.login_by_account.lock() {
            by_account.record(&account.to_owned(), t);
        }
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
        db::sessions::insert(&mut tx, &sha256_hex(&token), row.user_id(), at, expires_at).await?;
        db::users::touch_last_seen(&mut tx, row.user_id(), at).await?;
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

    /// The member whose live session holds this token.
    pub async fn session_user(&self, token: &str) -> Result<Option<CurrentUser>> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let mut tx = self.db.read().await?;
        let row = db::sessions::find_user(&mut tx, &sha256_hex(token), now()).await?;
        Ok(row.as_ref().map(current))
    }

    /// Sets a member's password (from the command line) and ends their sessions.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        let mut tx = self.db.read().await?;
        let row = db::users::find_by_username(&mut tx, username)
            .await?
            .ok_or(Error::NotFound("user"))?;
        drop(tx);
        let password = NewPassword::parse(password, &row.username)?;
        let hash = hash_password(password.expose().to_owned()).await?;
        let mut tx = self.db.write().await?;
        db::users::set_password_hash(&mut tx, row.user_id(), &hash).await?;
        db::sessions::delete_for_user(&mut tx, row.user_id()).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// An argon2id hash of a random string nobody knows, with the same parameters as real ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c3RvYWR1bW15c2FsdA$\
                          J2bY3l5vIrTq0O8wSdiDeQfS5xI6rQ1Ww0n3sMPYpUQ";

/// A password a person can type from a terminal, with about 120 bits of entropy.
pub fn generate_password() -> String {
    random_hex(15)
}
