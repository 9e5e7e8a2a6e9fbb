//! API keys and the API's rate limits.
//!
//! A key is 32 random bytes shown once as 64 hex characters; only its SHA-256 is stored. A
//! single-user key acts as its member (an `Api-Username` naming anyone else is refused); an
//! all-users key acts as whichever member `Api-Username` names, as in Discourse. Every failure
//! to authenticate is the same refusal, so a caller learns nothing about which keys exist.
//!
//! Limits (Discourse's defaults, per node, in memory): requests with a key count against the key
//! (60 a minute); others — pages and API calls alike — against the client's address (50 in 10
//! seconds, 200 a minute).

use std::sync::Mutex;

use stoa_core::Error;
use stoa_core::throttle::Throttle;

use crate::accounts::current;
use crate::{
    ApiKey, AppError, CurrentUser, Forum, Result, db, now, random_hex, sha256_hex, unix_now,
};

/// The refusal for any key that does not authenticate (Discourse's wording).
pub const INVALID_KEY: &str =
    "You are not permitted to view the requested resource. The API username or key is invalid.";

/// Requests allowed per key or address; zero turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiLimits {
    /// Per API key per minute (Discourse's `max_admin_api_reqs_per_minute`: 60).
    pub per_key_per_minute: u32,
    /// Per client address per minute, for requests without a key (`max_reqs_per_ip_per_minute`: 200).
    pub per_ip_per_minute: u32,
    /// Per client address per 10 seconds (`max_reqs_per_ip_per_10_seconds`: 50).
    pub per_ip_per_10_seconds: u32,
}

impl Default for ApiLimits {
    fn default() -> Self {
        Self {
            per_key_per_minute: 60,
            per_ip_per_minute: 200,
            per_ip_per_10_seconds: 50,
        }
    }
}

/// The counters behind [`ApiLimits`].
#[derive(Debug)]
pub(crate) struct ApiThrottles {
    limits: ApiLimits,
    per_key: Mutex<Throttle<i64>>,
    per_ip_minute: Mutex<Throttle<String>>,
    per_ip_10s: Mutex<Throttle<String>>,
    /// When each key's `last_used_at` was last written (unix seconds).
    touched: Mutex<std::collections::HashMap<i64, u64>>,
}

impl ApiThrottles {
    pub(crate) fn new(limits: ApiLimits) -> Self {
        Self {
            limits,
            per_key: Mutex::new(Throttle::new(limits.per_key_per_minute, 60)),
            per_ip_minute: Mutex::new(Throttle::new(limits.per_ip_per_minute, 60)),
            per_ip_10s: Mutex::new(Throttle::new(limits.per_ip_per_10_seconds, 10)),
            touched: Mutex::new(Default::default()),
        }
    }
}

/// Counts one event against a throttle unless its limit is off; `Err(wait)` when used up.
fn take<K: Eq + std::hash::Hash + Clone>(
    throttle: &Mutex<Throttle<K>>,
    limit: u32,
    key: &K,
    t: u64,
) -> Result<(), u64> {
    if limit == 0 {
        return Ok(());
    }
    let Ok(mut throttle) = throttle.lock() else {
        return Ok(());
    };
    throttle.check(key, t)?;
    throttle.record(key, t);
    Ok(())
}

/// A key just created: `key` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub id: i64,
    pub key: String,
}

impl Forum {
    /// Creates a key for one member (`user`) or for all (`None`). Command line only: whoever
    /// runs it holds the database already.
    pub async fn create_api_key(&self, user: Option<&str>, description: &str) -> Result<NewApiKey> {
        let description = description.trim();
        if description.is_empty() {
            return Err(Error::invalid("description", "Describe what the key is for").into());
        }
        let mut tx = self.db.write().await?;
        let user_id = match user {
            Some(name) => Some(
                db::users::find_by_username(&mut tx, &name.to_lowercase())
                    .await?
                    .ok_or(Error::NotFound("user"))?
                    .id,
            ),
            None => None,
        };
        let key = random_hex(32);
        let id = db::api_keys::insert(
            &mut tx,
            &sha256_hex(&key),
            &key[..4],
            description,
            user_id,
            now(),
        )
        .await?;
        tx.commit().await?;
        Ok(NewApiKey { id, key })
    }

    /// Every key, newest first, revoked ones included.
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        let mut tx = self.db.read().await?;
        let keys = db::api_keys::list(&mut tx).await?;
        Ok(keys.into_iter().map(Into::into).collect())
    }

    /// Revokes a key at once: the next request with it is refused.
    pub async fn revoke_api_key(&self, id: i64) -> Result<()> {
        let mut tx = self.db.write().await?;
        if !db::api_keys::revoke(&mut tx, id, now()).await? {
            return Err(Error::NotFound("API key").into());
        }
        tx.commit().await?;
        Ok(())
    }

    /// The member an API request acts as, from its `Api-Key` and `Api-Username` headers, after
    /// counting the request against the key's rate limit. A refused key counts against the
    /// client's address (`ip`) instead, so that bad keys cannot be tried without limit.
    pub async fn api_user(
        &self,
        key: &str,
        username: Option<&str>,
        ip: &str,
    ) -> Result<CurrentUser> {
        let found = self.key_user(key, username).await;
        if matches!(&found, Err(AppError::Domain(Error::Forbidden(_)))) {
            self.request_from(ip)?;
        }
        found
    }

    async fn key_user(&self, key: &str, username: Option<&str>) -> Result<CurrentUser> {
        let invalid = || AppError::from(Error::Forbidden(INVALID_KEY));
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let at = now();
        let mut tx = self.db.read().await?;
        let row = db::api_keys::find_by_hash(&mut tx, &sha256_hex(&key.to_ascii_lowercase()))
            .await?
            .filter(|k| k.revoked_at.is_none())
            .ok_or_else(invalid)?;
        let username = username.map(str::trim).filter(|u| !u.is_empty());
        let user = match (row.user_id, username) {
            (Some(id), name) => {
                let user = db::users::find(&mut tx, id).await?.ok_or_else(invalid)?;
                if name.is_some_and(|n| !n.eq_ignore_ascii_case(&user.username)) {
                    return Err(invalid());
                }
                user
            }
            (None, Some(name)) => db::users::find_by_username(&mut tx, &name.to_lowercase())
                .await?
                .ok_or_else(invalid)?,
            (None, None) => return Err(invalid()),
        };
        drop(tx);
        let t = unix_now();
        let limits = self.api_throttles.limits;
        take(
            &self.api_throttles.per_key,
            limits.per_key_per_minute,
            &row.id,
            t,
        )
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
        self.touch_api_key(row.id, t, at).await?;
        Ok(current(&user))
    }

    /// Counts a request without an API key — a page or an API call — against its address's
    /// limits.
    pub fn request_from(&self, ip: &str) -> Result<()> {
        let t = unix_now();
        let limits = self.api_throttles.limits;
        let key = ip.to_owned();
        take(
            &self.api_throttles.per_ip_10s,
            limits.per_ip_per_10_seconds,
            &key,
            t,
        )
        .and_then(|()| {
            take(
                &self.api_throttles.per_ip_minute,
                limits.per_ip_per_minute,
                &key,
                t,
            )
        })
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs }.into())
    }

    /// Writes a key's `last_used_at`, at most once a minute per key and node.
    async fn touch_api_key(&self, id: i64, t: u64, at: crate::Timestamp) -> Result<()> {
        let due = match self.api_throttles.touched.lock() {
            Ok(mut touched) => {
                let due = touched.get(&id).is_none_or(|last| t >= last + 60);
                if due {
                    touched.insert(id, t);
                }
                due
            }
            Err(_) => false,
        };
        if due {
            let mut tx = self.db.write().await?;
            db::api_keys::touch(&mut tx, id, at).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}
