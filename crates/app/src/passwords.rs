//! Password hashing with a fixed budget: argon2id (19 MiB, t=2, p=1: OWASP's recommendation).
//!
//! Each hash needs 19 MiB, and a hundred logins at once once took the server from 108 MB to
//! 900 MB. So at most a few hashes run at a time (no more than the machine's
//! cores, and at most four), each in a memory block reused while hashes keep coming and given
//! back to the system when none is running or waiting (an idle forum holds none of it); the
//! rest wait their turn, for at most [`WAIT`], and are then asked to try again. Memory for
//! hashing is therefore bounded at `permits × 19 MiB` whatever arrives. Hashes run on
//! blocking threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use stoa_core::Error;
use tokio::sync::Semaphore;

use crate::{AppError, Result};

/// The memory cost in KiB (one block per KiB), the time cost and the parallelism.
const M_COST: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
/// Bytes of hash output.
const OUTPUT_LEN: usize = 32;
/// How long a login waits for a free hashing slot before it is asked to try again.
const WAIT: Duration = Duration::from_secs(10);
/// The most hashes in flight at once, whatever the machine.
const MAX_PERMITS: usize = 4;
/// Stored hashes with a larger memory cost than this are refused rather than computed.
const MAX_M_COST: u32 = 64 * 1024;

/// The hashing slots and their memory.
#[derive(Debug)]
pub(crate) struct Passwords {
    slots: Arc<Semaphore>,
    /// Memory blocks for hashes not running now; at most `permits` are ever made.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    /// Hashes running or waiting for a slot: when the last one ends, the blocks go.
    demand: Arc<AtomicUsize>,
}

/// Counts a hash as wanted until dropped (done, or its request cancelled while it waited).
struct Demand(Arc<AtomicUsize>);

impl Demand {
    fn new(n: &Arc<AtomicUsize>) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Self(n.clone())
    }

    /// Ends this hash's demand; true when no other hash is running or waiting.
    fn end(self) -> bool {
        let last = self.0.fetch_sub(1, Ordering::SeqCst) == 1;
        std::mem::forget(self);
        last
    }
}

impl Drop for Demand {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn params() -> Result<Params> {
    Params::new(M_COST, T_COST, P_COST, Some(OUTPUT_LEN))
        .map_err(|e| AppError::Internal(format!("argon2 params: {e}")))
}

fn internal(what: &str) -> impl Fn(argon2::password_hash::Error) -> AppError + '_ {
    move |e| AppError::Internal(format!("{what}: {e}"))
}

impl Passwords {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let permits = cores.clamp(1, MAX_PERMITS);
        Self {
            slots: Arc::new(Semaphore::new(permits)),
            memory: Arc::new(Mutex::new(Vec::new())),
            demand: Arc::default(),
        }
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for a new password.
    pub async fn hash(&self, password: String) -> Result<String> {
        self.run(move |memory| {
            let params = params()?;
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            let mut salt_bytes = [0u8; 64];
            let salt_bytes = salt
                .as_salt()
                .decode_b64(&mut salt_bytes)
                .map_err(internal("salt"))?;
            let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
            let output = Output::init_with(OUTPUT_LEN, |out| {
                argon
                    .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, memory)
                    .map_err(|_| argon2::password_hash::Error::Crypto)
            })
            .map_err(internal("hashing"))?;
            let phc = PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(&params).map_err(internal("params"))?,
                salt: Some(salt.as_salt()),
                hash: Some(output),
            };
            Ok(phc.to_string())
        })
        .await
    }

    /// Whether `password` matches the stored PHC string `hash` (compared in constant time).
    pub async fn verify(&self, password: String, hash: String) -> Result<bool> {
        self.run(move |memory| {
            let parsed = PasswordHash::new(&hash).map_err(internal("stored hash"))?;
            let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
                return Err(AppError::Internal("stored hash without salt".into()));
            };
            let params = Params::try_from(&parsed).map_err(internal("stored params"))?;
            if params.m_cost() > MAX_M_COST {
                return Err(AppError::Internal(
                    "stored hash costs too much memory".into(),
                ));
            }
            let algorithm = Algorithm::try_from(parsed.algorithm).map_err(internal("algorithm"))?;
            let version = parsed
                .version
                .map(Version::try_from)
                .transpose()
                .map_err(|e| AppError::Internal(format!("version: {e}")))?
                .unwrap_or_default();
            let mut salt_bytes = [0u8; 64];
            let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(internal("salt"))?;
            let blocks = params.block_count();
            let argon = Argon2::new(algorithm, version, params);
            let mut own;
            let memory = if blocks <= memory.len() {
                &mut memory[..blocks]
            } else {
                // A hash made with other settings (an older Stoa, say): its own memory, once.
                own = vec![Block::default(); blocks];
                &mut own[..]
            };
            let computed = Output::init_with(expected.len(), |out| {
                argon
                    .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, memory)
                    .map_err(|_| argon2::password_hash::Error::Crypto)
            })
            .map_err(internal("hashing"))?;
            Ok(computed == expected)
        })
        .await
    }

    /// Runs `work` on a blocking thread once a slot is free, lending it a memory block.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [Block]) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let demand = Demand::new(&self.demand);
        let permit = tokio::time::timeout(WAIT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Error::RateLimited {
                retry_after_secs: 5,
            })?
            .map_err(|_| AppError::Internal("hashing slots closed".into()))?;
        let pool = self.memory.clone();
        tokio::task::spawn_blocking(move || {
            let taken = pool.lock().ok().and_then(|mut free| free.pop());
            let mut memory = taken.unwrap_or_else(|| vec![Block::default(); M_COST as usize]);
            let result = work(&mut memory);
            if let Ok(mut free) = pool.lock() {
                if demand.end() {
                    // Nobody else wants a block now: all of them go back to the system.
                    free.clear();
                } else {
                    free.push(memory);
                }
            }
            drop(permit);
            result
        })
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::Passwords;

    #[tokio::test]
    async fn hashes_verify_and_old_style_hashes_still_do() {
        let p = Passwords::new();
        let hash = p.hash("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            p.verify("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!p.verify("wrong horse battery".into(), hash).await.unwrap());
        // A hash made by the argon2 crate's own PasswordHasher, as Stoa stored them before.
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::from_b64("c3RvYXRlc3RzYWx0MTIz").unwrap();
        let params = argon2::Params::new(19 * 1024, 2, 1, None).unwrap();
        let old = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(b"an older passphrase", &salt)
            .unwrap()
            .to_string();
        assert!(
            p.verify("an older passphrase".into(), old.clone())
                .await
                .unwrap()
        );
        assert!(!p.verify("not the passphrase".into(), old).await.unwrap());
        // Cheaper settings (another tool's hash) verify with their own memory.
        let cheap = argon2::Params::new(1024, 1, 1, None).unwrap();
        let other = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, cheap)
            .hash_password(b"cheap settings", &salt)
            .unwrap()
            .to_string();
        assert!(p.verify("cheap settings".into(), other).await.unwrap());
    }
}
