//! Arbitrary bytes as a post: cooking must not panic, and its HTML must hold the sanitizer's
//! invariants (no script, style, event handler or non-http(s)/mailto URL) and be stable under
//! a second pass of the sanitizer.
//!
//!     cargo fuzz run cook --sanitizer none -- -max_total_time=600
#![no_main]

use libfuzzer_sys::fuzz_target;
use stoa_markup::{CookContext, cook, invariants, sanitize_html, scan};

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let facts = scan(&raw);
    let ctx = CookContext { known_users: facts.mentions.into_iter().collect() };
    let html = cook(&raw, &ctx);
    let found = invariants::violations(&html);
    assert!(found.is_empty(), "{raw:?} -> {html}: {found:?}");
    assert_eq!(sanitize_html(&html), html, "not stable under the sanitizer: {raw:?}");
});
