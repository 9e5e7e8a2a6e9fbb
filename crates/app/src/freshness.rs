//! Versions of what pages show, so a cache of rendered pages knows exactly when one is stale.
//!
//! A page depends on [`Part`]s: a topic, a category, the topic lists, the site (category names
//! and colours, which every page shows). Each write that changes what a part shows moves that
//! part's version after it commits and before it answers (`Forum::changed`), so a request made
//! after a write was acknowledged finds every page rendered before it stale.
//!
//! A renderer reads [`Freshness::epoch`] before it reads the database and again after it has
//! read its parts' versions ([`Freshness::stamp`]); a page rendered while any write moved
//! something may have missed that write, so it is kept only when the epoch did not move. A
//! write moves the epoch *before* its parts, which is what makes that check enough: if a
//! stamp already holds a write's new version, the epoch had moved before the stamp was read,
//! and since the epoch did not move while rendering, it moved — and so the write committed —
//! before the page read the database.
//!
//! Topic and category versions live in fixed tables of buckets (by id): memory does not grow
//! with the forum, and two ids sharing a bucket only make a page stale sooner than needed.
//!
//! One node's memory: on several nodes each node's versions move only with its own writes, so
//! a cache of pages is for a single node until the live-updates event bus carries the moves.

use std::sync::atomic::{AtomicU64, Ordering};

use stoa_core::{CategoryId, TopicId};

/// Something a page shows, with a version of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Topic(TopicId),
    Category(CategoryId),
    /// The topic lists (latest, top, categories): any topic's change moves them.
    Lists,
    /// What every page shows: categories' names and colours, the site's settings.
    Site,
}

/// What a change to a topic or one of its posts changes: the topic, its category, the lists.
pub(crate) fn topic_parts(topic: TopicId, category: CategoryId) -> [Part; 3] {
    [Part::Topic(topic), Part::Category(category), Part::Lists]
}

const TOPIC_BUCKETS: usize = 8192;
const CATEGORY_BUCKETS: usize = 512;

/// The versions of every part.
#[derive(Debug)]
pub struct Freshness {
    epoch: AtomicU64,
    topics: Box<[AtomicU64]>,
    categories: Box<[AtomicU64]>,
    lists: AtomicU64,
    site: AtomicU64,
}

impl Default for Freshness {
    fn default() -> Self {
        let buckets = |n: usize| (0..n).map(|_| AtomicU64::new(0)).collect();
        Self {
            epoch: AtomicU64::new(0),
            topics: buckets(TOPIC_BUCKETS),
            categories: buckets(CATEGORY_BUCKETS),
            lists: AtomicU64::new(0),
            site: AtomicU64::new(0),
        }
    }
}

impl Freshness {
    fn counter(&self, part: Part) -> &AtomicU64 {
        let bucket = |id: i64, n: usize| (id.unsigned_abs() % n as u64) as usize;
        match part {
            Part::Topic(t) => &self.topics[bucket(t.0, TOPIC_BUCKETS)],
            Part::Category(c) => &self.categories[bucket(c.0, CATEGORY_BUCKETS)],
            Part::Lists => &self.lists,
            Part::Site => &self.site,
        }
    }

    /// Moves every time anything moves.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// The versions of these parts now, in their order.
    pub fn stamp(&self, parts: &[Part]) -> Vec<u64> {
        parts
            .iter()
            .map(|&p| self.counter(p).load(Ordering::SeqCst))
            .collect()
    }

    /// Whether these parts' versions are still `stamp` (what [`Self::stamp`] gave), without
    /// building a new stamp: the check on every page served from a cache.
    pub fn still(&self, parts: &[Part], stamp: &[u64]) -> bool {
        parts.len() == stamp.len()
            && parts
                .iter()
                .zip(stamp)
                .all(|(&p, &v)| self.counter(p).load(Ordering::SeqCst) == v)
    }

    /// Moves the epoch, then these parts (see the module's notes for why in that order).
    pub(crate) fn moved(&self, parts: &[Part]) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        for &p in parts {
            self.counter(p).fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_changes_the_stamp_of_what_it_names_and_of_nothing_else() {
        let f = Freshness::default();
        let parts = [Part::Topic(TopicId(7)), Part::Site];
        let other = [Part::Topic(TopicId(8)), Part::Category(CategoryId(1))];
        let (before, other_before, epoch) = (f.stamp(&parts), f.stamp(&other), f.epoch());
        f.moved(&[Part::Topic(TopicId(7))]);
        assert_ne!(f.stamp(&parts), before);
        assert!(!f.still(&parts, &before));
        assert_eq!(f.stamp(&other), other_before);
        assert!(f.still(&other, &other_before));
        assert!(f.epoch() > epoch);
        // Ids sharing a bucket go stale together: safe, only sooner.
        let twin = Part::Topic(TopicId(7 + TOPIC_BUCKETS as i64));
        let twin_before = f.stamp(&[twin]);
        f.moved(&[Part::Topic(TopicId(7))]);
        assert_ne!(f.stamp(&[twin]), twin_before);
    }
}
