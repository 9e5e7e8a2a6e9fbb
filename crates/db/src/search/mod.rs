//! Full-text search: the index rows, and running a [`SearchQuery`] against them.
//!
//! Each post has one `post_search_data` row: its title, body, category name and author as
//! [`stoa_core::analyzer`] tokens. SQLite indexes the rows with FTS5 (external content, kept in
//! step by triggers), PostgreSQL with a generated tsvector and a GIN index (migration 0005).
//! Everything else — the filters, permissions, grouping by topic, ordering and paging — is the
//! same SQL on both; only the match expression and the rank differ:
//!
//! | | SQLite | PostgreSQL |
//! |---|---|---|
//! | word (prefix) | `"molot"*` | `'molot':*` |
//! | phrase | `"izvestia" + "printed"` | `'izvestia' <-> 'printed'` |
//! | in:title | `title : …` | `…:A` |
//! | rank | `-bm25(…, 10, 1, 0.5, 0.5)` | `ts_rank(search, q)` (A 1.0, B 0.4, C 0.2, D 0.1) |
//!
//! Rows are written by `app` in the transaction that writes the post (or renames its topic or
//! category), so the index never drifts; deleted posts keep their rows (a restore needs no
//! work) and are filtered out when searching, like everything the searcher may not see.
//!
//! Two rooms: [`index`] writes the rows (as posts, titles and category names change, and for
//! `stoa reindex`); [`query`] turns a query into SQL, in stages, and runs it.

mod index;
mod query;

pub use index::*;
pub use query::*;
