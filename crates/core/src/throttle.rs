//! A fixed-window counter for throttling (failed logins, later posting limits). Pure: the caller
//! passes the clock, so tests need no sleeping.

use std::collections::HashMap;
use std::hash::Hash;

/// Counts events per key within a window of `window_secs`; refuses after `limit`.
#[derive(Debug)]
pub struct Throttle<K> {
    limit: u32,
    window_secs: u64,
    entries: HashMap<K, (u64, u32)>,
    /// Past this many keys, expired ones are swept out (then the mark doubles with what is
    /// left, so sweeping costs a constant amount per event however many keys are live).
    sweep_at: usize,
}

/// The fewest keys at which expired ones are swept.
const SWEEP_AT: usize = 100_000;

impl<K: Eq + Hash + Clone> Throttle<K> {
    pub fn new(limit: u32, window_secs: u64) -> Self {
        Self {
            limit,
            window_secs,
            entries: HashMap::new(),
            sweep_at: SWEEP_AT,
        }
    }

    /// `Err(seconds to wait)` when `key` has used up its attempts at time `now` (unix seconds).
    pub fn check(&self, key: &K, now: u64) -> Result<(), u64> {
        match self.entries.get(key) {
            Some(&(start, count)) if now < start + self.window_secs && count >= self.limit => {
                Err((start + self.window_secs - now).max(1))
            }
            _ => Ok(()),
        }
    }

    /// Records one event for `key` at `now`.
    pub fn record(&mut self, key: &K, now: u64) {
        if self.entries.len() > self.sweep_at {
            let window = self.window_secs;
            self.entries.retain(|_, (start, _)| now < *start + window);
            self.sweep_at = (self.entries.len() * 2).max(SWEEP_AT);
        }
        let entry = self.entries.entry(key.clone()).or_insert((now, 0));
        if now >= entry.0 + self.window_secs {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    /// Counts one event for `key` unless it has used up its attempts: check and record in one
    /// step, so that concurrent callers holding the same lock cannot all pass a check made
    /// before any of them recorded.
    pub fn take(&mut self, key: &K, now: u64) -> Result<(), u64> {
        self.check(key, now)?;
        self.record(key, now);
        Ok(())
    }

    /// Gives back one event taken for `key` (an attempt that turned out not to count).
    pub fn refund(&mut self, key: &K, now: u64) {
        if let Some(entry) = self.entries.get_mut(key)
            && now < entry.0 + self.window_secs
        {
            entry.1 = entry.1.saturating_sub(1);
        }
    }

    /// Forgets `key` (after a successful login).
    pub fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::Throttle;

    #[test]
    fn refuses_after_limit_until_window_ends() {
        let mut t = Throttle::new(2, 60);
        let k = "1.2.3.4".to_string();
        assert!(t.check(&k, 100).is_ok());
        t.record(&k, 100);
        t.record(&k, 110);
        assert_eq!(t.check(&k, 120), Err(40));
        assert!(t.check(&k, 160).is_ok());
        t.record(&k, 160);
        assert!(t.check(&k, 161).is_ok());
        t.clear(&k);
        assert!(t.check(&k, 161).is_ok());
    }

    #[test]
    fn take_checks_and_counts_at_once() {
        let mut t = Throttle::new(2, 60);
        let k = "account".to_string();
        assert!(t.take(&k, 100).is_ok());
        assert!(t.take(&k, 100).is_ok());
        assert_eq!(t.take(&k, 101), Err(59));
        t.refund(&k, 101);
        assert!(t.take(&k, 101).is_ok());
        assert!(t.take(&k, 102).is_err());
        // A refund after the window has passed changes nothing.
        t.refund(&k, 200);
        assert!(t.take(&k, 200).is_ok());
    }
}
