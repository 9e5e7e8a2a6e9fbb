//! What every reader of a page of a topic is shown alike — the topic, its category, the
//! page's posts and, under the last page, the similar topics — kept in this node's memory,
//! so that a member's page reads from the database only what is theirs (one statement,
//! `reads::reader_state`: read state, levels, likes, unread notifications) and the
//! anonymous page cache's misses read nothing twice.
//!
//! Exact in the way the anonymous page cache is (see `freshness`): an entry is used only while
//! the versions of the parts it holds are what they were when it was read, an entry read
//! while any write moved anything is not kept, and none is used after [`MAX_AGE`] (which
//! bounds the figures on it that no write of its own moves: the topic's view count).
//! Nothing here decides what an actor may see: entries hold rows as stored — deleted posts'
//! text included — and `topics::open_topic` asks the Guardian of every request what to show.
//! The similar topics are kept per visibility (with or without staff-only categories).
//!
//! Bounded in bytes, least recently used first out; one node's memory, like the page cache.

use std::sync::Arc;
use std::time::{Duration, Instant};

use stoa_core::TopicId;
use stoa_db::categories::CategoryRow;
use stoa_db::posts::PostView;
use stoa_db::topics::TopicRow;

use crate::FoundPost;
use crate::freshness::{Freshness, Part};

/// No entry is used older than this.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(60);

/// A page of a topic as everyone sees it, before the Guardian and the reader's own state.
#[derive(Debug)]
pub(crate) struct SharedPage {
    pub topic: TopicRow,
    pub category: CategoryRow,
    /// The page's posts, deleted ones included, without their Markdown (a page shows the
    /// cooked HTML) and with nobody's likes.
    pub views: Vec<PostView>,
    /// Topics like this one, as the key's visibility sees them (the last page only).
    pub similar: Vec<FoundPost>,
}

impl SharedPage {
    fn weight(&self) -> u64 {
        let posts: usize = self
            .views
            .iter()
            .map(|v| v.post.cooked.len() + v.username.len() + v.name.len() + 256)
            .sum();
        let similar: usize = self.similar.iter().map(|s| s.raw.len() + 512).sum();
        (posts + similar + self.topic.title.len() + 1024) as u64
    }
}

/// Which page, seen by whom: the similar topics differ with staff-only categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub topic: TopicId,
    pub page: i64,
    pub see_restricted: bool,
}

#[derive(Debug)]
struct Entry {
    page: Arc<SharedPage>,
    parts: Vec<Part>,
    stamp: Vec<u64>,
    at: Instant,
}

#[derive(Debug, Clone)]
struct Weight;

impl quick_cache::Weighter<Key, Arc<Entry>> for Weight {
    fn weight(&self, _: &Key, entry: &Arc<Entry>) -> u64 {
        entry.page.weight()
    }
}

/// The shared parts of recently read pages of topics.
pub(crate) struct TopicCache {
    entries: Option<quick_cache::sync::Cache<Key, Arc<Entry>, Weight>>,
}

impl std::fmt::Debug for TopicCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicCache")
            .field("entries", &self.entries.as_ref().map(|e| e.len()))
            .finish()
    }
}

impl TopicCache {
    /// A cache of at most `bytes`; 0 keeps nothing.
    pub(crate) fn new(bytes: u64) -> Self {
        Self {
            // quick_cache sizes its tables from the count it is told to expect: a page of
            // twenty posts weighs some 30 kB.
            entries: (bytes > 0).then(|| {
                quick_cache::sync::Cache::with_weighter(
                    (bytes / 30_000).max(16) as usize,
                    bytes,
                    Weight,
                )
            }),
        }
    }

    /// The page, if one is kept whose parts have not moved since it was read.
    pub(crate) fn get(&self, key: &Key, freshness: &Freshness) -> Option<Arc<SharedPage>> {
        let entry = self.entries.as_ref()?.get(key)?;
        (entry.at.elapsed() < MAX_AGE && freshness.still(&entry.parts, &entry.stamp))
            .then(|| entry.page.clone())
    }

    /// Keeps a page read after the epoch was `epoch`, unless a write moved anything since
    /// (it may have missed that write).
    pub(crate) fn put(&self, key: Key, page: Arc<SharedPage>, freshness: &Freshness, epoch: u64) {
        let Some(entries) = &self.entries else {
            return;
        };
        let mut parts = vec![
            Part::Topic(page.topic.id),
            Part::Category(page.topic.category_id),
            Part::Site,
        ];
        parts.extend(page.similar.iter().map(|s| Part::Topic(s.topic_id)));
        let stamp = freshness.stamp(&parts);
        if freshness.epoch() != epoch {
            return;
        }
        entries.insert(
            key,
            Arc::new(Entry {
                page,
                parts,
                stamp,
                at: Instant::now(),
            }),
        );
    }
}
