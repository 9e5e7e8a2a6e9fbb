//! Deep nesting of every construct the dialect accepts, and bodies built to be slow: nothing
//! may overflow the stack (that aborts the whole server) and nothing may take more than a
//! bounded time. Posts are at most 32,000 characters, so that is the size tried.
//!
//! The markup crates are optimised in test builds too (see the workspace `Cargo.toml`), so the
//! time bounds are about release-build speed: a 32 kB post cooks in a few milliseconds, and
//! the quadratic cases this guards against took 1–4 s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use proptest::prelude::*;
use stoa_markup::{CookContext, MAX_NESTING, cook, invariants, plain_text, scan};

/// A post's maximum length.
const BODY_MAX: usize = 32_000;

/// What one call may take, at worst, on a busy two-core machine.
const BOUND: Duration = Duration::from_millis(300);

/// Every construct that nests: what opens a level and what closes it (often nothing).
const CONSTRUCTS: &[(&str, &str)] = &[
    ("[quote]\n", "\n[/quote]\n"),
    ("[quote=\"anna, post:1, topic:2\"]", "[/quote]"),
    ("[quote]", ""),
    ("[quote=", ""),
    ("[/quote]", ""),
    (">", ""),
    ("> ", ""),
    ("- ", ""),
    ("1. ", ""),
    ("* [x] ", ""),
    ("*", "*"),
    ("**", "**"),
    ("_", "_"),
    ("~~", "~~"),
    ("`", "`"),
    ("[", "](https://example.org/)"),
    ("[", ""),
    ("![", "](https://example.org/a.png)"),
    ("<div>", "</div>"),
    ("<div>", ""),
    ("<b>", ""),
    ("<b><i>", "</b></i>"),
    ("<span>", "</span>"),
    ("<a href=\"https://example.org/\">", "</a>"),
    ("<table><tr><td>", ""),
    ("<ul><li>", ""),
    ("<details><summary>x</summary>", "</details>"),
    ("<blockquote cite=\"x\">", "</blockquote>"),
    ("<p>", ""),
    ("<!--", ""),
    ("|", "|"),
    ("| a |\n|---|\n", ""),
    ("```\n", ""),
    ("    ", ""),
    ("\n", ""),
    ("(", ")"),
];

/// Linear-time traps found or suspected in the scanners: long runs that a naive scan revisits.
fn traps() -> Vec<(&'static str, String)> {
    let fill = |unit: &str, prefix: &str| {
        let mut s = prefix.to_owned();
        while s.len() + unit.len() <= BODY_MAX {
            s.push_str(unit);
        }
        s
    };
    vec![
        (
            "closing parentheses after a URL",
            fill(")", "see http://a.b/ "),
        ),
        ("URL then parentheses", fill("(", "see http://a.b/")),
        ("alternating parentheses", fill("()", "see http://a.b/")),
        ("nested block quotes on one line", fill(">", "")),
        ("nested block quotes with spaces", fill("> ", "")),
        ("quotes on one line", fill("[quote][/quote]", "")),
        ("unclosed quotes", fill("[quote]", "")),
        ("unclosed quote attributes", fill("[quote=", "")),
        ("stray quote closes", fill("[/quote]", "")),
        ("nested lists on one line", fill("- ", "")),
        ("numbered lists on one line", fill("1. ", "")),
        ("HTML elements", fill("<div>", "")),
        ("inline HTML", fill("<span>", "x ")),
        ("mentions", fill("@anna ", "")),
        ("addresses", fill("www.", "")),
        ("links", fill("[a](b) ", "")),
        ("link openers", fill("[", "")),
        ("emphasis", fill("*a ", "")),
        ("table rows", fill("|x|\n", "| a |\n|---|\n")),
        ("table columns", fill("|x", "")),
        ("backticks", fill("`", "")),
        ("entities", fill("&amp;", "")),
        ("angle brackets", fill("<", "")),
        ("comments", fill("<!--", "")),
        ("link definitions", fill("[a]: /u\n", "")),
    ]
}

fn ctx() -> CookContext {
    CookContext {
        known_users: ["anna".to_owned()].into_iter().collect(),
    }
}

/// The fastest of three runs of `f` (the machine is shared; the slowest run measures it).
fn fastest(f: impl Fn()) -> Duration {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

/// Cooks, scans and flattens `raw`; checks time and the sanitizer's invariants.
fn check(label: &str, raw: &str) {
    let ctx = ctx();
    for (step, took) in [
        ("cook", fastest(|| drop(cook(raw, &ctx)))),
        ("scan", fastest(|| drop(scan(raw)))),
        ("plain_text", fastest(|| drop(plain_text(raw)))),
    ] {
        assert!(
            took < BOUND,
            "{label}: {step} of {} bytes took {took:?}",
            raw.len()
        );
    }
    let html = cook(raw, &ctx);
    let found = invariants::violations(&html);
    assert!(found.is_empty(), "{label}: {found:?}");
}

fn nested(open: &str, close: &str, depth: usize) -> String {
    format!("{}x{}", open.repeat(depth), close.repeat(depth))
}

#[test]
fn every_construct_nested_as_deep_as_a_post_allows() {
    for (open, close) in CONSTRUCTS {
        let depth = (BODY_MAX - 1) / (open.len() + close.len());
        check(&format!("{open:?} x {depth}"), &nested(open, close, depth));
    }
}

#[test]
fn bodies_built_to_be_slow_are_not() {
    for (label, raw) in traps() {
        check(label, &raw);
    }
}

#[test]
fn nesting_past_the_limit_is_reported_and_shown_as_text() {
    let over = MAX_NESTING + 1;
    for (open, close, construct) in [
        ("[quote]\n", "\n[/quote]\n", "Quotes"),
        ("> ", "", "Block quotes"),
        ("- ", "", "Lists"),
        ("<div>", "</div>", "HTML elements"),
        ("*a ", " a*", "Emphasis"),
    ] {
        let raw = nested(open, close, over);
        let too_deep = scan(&raw)
            .too_deep
            .unwrap_or_else(|| panic!("{open:?} x {over}"));
        assert!(
            too_deep.to_string().starts_with(construct),
            "{open:?}: {too_deep}"
        );
        assert!(
            too_deep.to_string().contains(&MAX_NESTING.to_string()),
            "{too_deep}"
        );
        let html = cook(&raw, &ctx());
        assert!(
            !html.contains("<blockquote") && !html.contains("<li"),
            "{html}"
        );
    }
    // Up to the limit, quotes are quotes.
    let raw = nested("[quote]\n", "\n[/quote]\n", MAX_NESTING / 2);
    assert_eq!(scan(&raw).too_deep, None);
    assert_eq!(
        cook(&raw, &ctx()).matches("<aside").count(),
        MAX_NESTING / 2
    );
    // A discussion quoting a quote of a list with emphasis is nowhere near it.
    let raw = "[quote=\"anna, post:1, topic:2\"]\n[quote=\"lena, post:2, topic:2\"]\n\
               - **Izvestia**, 14 April 1941\n[/quote]\n[/quote]\nAgreed.";
    assert_eq!(scan(raw).too_deep, None);
}

/// One or more constructs, interleaved, as deep as the length allows or at a random depth.
fn deep_body() -> impl Strategy<Value = String> {
    let construct = (0..CONSTRUCTS.len()).prop_map(|i| CONSTRUCTS[i]);
    (
        prop::collection::vec(construct, 1..4),
        1usize..4_000,
        any::<bool>(),
    )
        .prop_map(|(parts, depth, closed)| {
            let mut opens = String::new();
            let mut closes = Vec::new();
            'fill: for _ in 0..depth {
                for (open, close) in &parts {
                    let close = if closed { *close } else { "" };
                    if opens.len() + open.len() + close.len() + closes.len() * 8 >= BODY_MAX {
                        break 'fill;
                    }
                    opens.push_str(open);
                    closes.push(close);
                }
            }
            closes.reverse();
            let mut raw = opens;
            raw.push_str("x @anna https://example.org/(a)");
            raw.extend(closes);
            raw.truncate(BODY_MAX.min(raw.len()));
            raw
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn deep_mixtures_are_bounded(raw in deep_body()) {
        check("mixture", &raw);
        let facts = scan(&raw);
        // Whatever the verdict, cooking holds the invariants and the verdict is stable.
        prop_assert_eq!(facts.too_deep, scan(&raw).too_deep);
    }
}
