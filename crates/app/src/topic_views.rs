//! Topic views, counted as Discourse counts them — once per viewer per topic per day — in
//! each node's memory, and written in batches: a page view costs no database write.
//!
//! A node remembers who viewed what today (up to [`SEEN_MAX`] pairs; past that it counts no
//! new ones until the day turns, so a flood of viewers cannot inflate a count) and adds the new views to `topics.views`
//! every [`FLUSH_EVERY`], and once more when it stops. Views are not acknowledged writes: a
//! crash loses at most the last interval's, and behind several nodes one viewer may count
//! once per node.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::NaiveDate;
use stoa_core::TopicId;

use crate::{Forum, Result, db, now};

/// How often new views are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(10);
/// How many (topic, viewer) pairs a node remembers in a day (some tens of megabytes at most).
pub const SEEN_MAX: usize = 500_000;

#[derive(Debug, Default)]
pub(crate) struct ViewCounter {
    inner: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    day: Option<NaiveDate>,
    seen: HashSet<(TopicId, u64)>,
    pending: HashMap<TopicId, i64>,
}

impl ViewCounter {
    /// Counts a view of `topic` by `viewer` (a member's id or a visitor's address, as a
    /// key): a first one today adds one.
    pub(crate) fn view(&self, topic: TopicId, viewer: &str) {
        let today = now().date_naive();
        let key = (topic, hash(viewer));
        let Ok(mut counts) = self.inner.lock() else {
            return;
        };
        if counts.day != Some(today) {
            counts.day = Some(today);
            counts.seen.clear();
        }
        // Past the limit a new pair is not counted (a count too low, never one too high).
        if counts.seen.len() >= SEEN_MAX || !counts.seen.insert(key) {
            return;
        }
        *counts.pending.entry(topic).or_insert(0) += 1;
    }

    /// The views counted since the last call, by topic.
    fn take(&self) -> HashMap<TopicId, i64> {
        self.inner
            .lock()
            .map(|mut c| std::mem::take(&mut c.pending))
            .unwrap_or_default()
    }

    /// Puts views back that could not be written.
    fn restore(&self, views: HashMap<TopicId, i64>) {
        if let Ok(mut c) = self.inner.lock() {
            for (topic, n) in views {
                *c.pending.entry(topic).or_insert(0) += n;
            }
        }
    }
}

fn hash(viewer: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // Keyed per process: the set holds no address anyone could read back.
    static KEYS: std::sync::LazyLock<std::collections::hash_map::RandomState> =
        std::sync::LazyLock::new(std::collections::hash_map::RandomState::new);
    let mut h = KEYS.build_hasher();
    h.write(viewer.as_bytes());
    h.finish()
}

impl Forum {
    /// Writes the views counted since the last time, in one transaction.
    pub async fn flush_views(&self) -> Result<u64> {
        let views = self.views.take();
        if views.is_empty() {
            return Ok(0);
        }
        let written = async {
            let mut tx = self.db.write().await?;
            let mut n = 0;
            for (topic, count) in &views {
                n += db::topics::add_views(&mut tx, *topic, *count).await?;
            }
            tx.commit().await?;
            Ok::<u64, crate::AppError>(n)
        }
        .await;
        match written {
            Ok(n) => Ok(n),
            Err(e) => {
                self.views.restore(views);
                Err(e)
            }
        }
    }

    /// Writes views every [`FLUSH_EVERY`] until `stop` completes, then once more.
    pub async fn run_view_counts(self: std::sync::Arc<Self>, stop: impl Future<Output = ()>) {
        let mut stop = std::pin::pin!(stop);
        loop {
            let stopping = tokio::select! {
                () = tokio::time::sleep(FLUSH_EVERY) => false,
                () = &mut stop => true,
            };
            if let Err(e) = self.flush_views().await {
                tracing::error!(error = %e, "writing topic views");
            }
            if stopping {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ViewCounter;
    use stoa_core::TopicId;

    #[test]
    fn once_per_viewer_per_topic() {
        let c = ViewCounter::default();
        for _ in 0..3 {
            c.view(TopicId(1), "user:7");
        }
        c.view(TopicId(1), "ip:127.0.0.1");
        c.view(TopicId(2), "user:7");
        let counts = c.take();
        assert_eq!(counts.get(&TopicId(1)), Some(&2));
        assert_eq!(counts.get(&TopicId(2)), Some(&1));
        assert!(c.take().is_empty(), "taken once");
        c.view(TopicId(1), "user:7");
        assert!(c.take().is_empty(), "still the same day");
    }
}
