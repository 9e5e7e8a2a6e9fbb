//! Deep nesting of every construct the dialect accepts, and bodies built to be slow: nothing
//! may overflow the stack (that aborts the whole server) and nothing may take more than a
//! bounded time. Posts are at most 32,000 characters, so that is the size tried.
//!
//! The markup crates are optimised in test builds too (see the workspace `Cargo.toml`), so the
//! time bounds are about release-build speed: a 32 kB post cooks in a few milliseconds, and
//! the quadratic cases this guards against took 1–4 s.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot go on should stop where it stands"
)]

use std::time::{Duration, Instant};

use proptest::prelude::*;
use stoa_markup::{CookContext, MAX_NESTING, cook, cook_checked, invariants, plain_text, scan};

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
    // Shapes that once let deep HTML past the count: end tags that close nothing, misnested
    // ones, a comment ended by `--!>`, and HTML left open across quotes.
    ("<div></x>", ""),
    ("<span><div></span>", ""),
    ("<!-- --!><div>", ""),
    ("<div><div><div>[quote]x[/quote]\n", ""),
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
        ("stray end tags", fill("<div></x>", "")),
        ("misnested end tags", fill("<span><div></span>", "")),
        ("divs across quotes", fill("<div>[quote]x[/quote]\n", "")),
        ("divs after a stray quote", fill("<div>", "<div ='>")),
        (
            "divs after a quote that opens no value",
            fill("<div>", "<div a= = '>"),
        ),
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

/// The elements in cooked HTML, by name (`p`, `br`, …), outermost first.
fn element_names(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter(|t| !t.starts_with('/'))
        .map(|t| {
            t.split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

#[test]
fn nesting_past_the_limit_is_refused_and_shown_as_text() {
    for (open, close, levels, construct) in [
        ("[quote]\n", "\n[/quote]\n", MAX_NESTING / 2 + 1, "Quotes"),
        ("> ", "", MAX_NESTING + 1, "Block quotes"),
        ("- ", "", MAX_NESTING / 2 + 1, "Lists"),
        ("<div>", "</div>", MAX_NESTING + 1, "HTML elements"),
        ("<div></x>", "", MAX_NESTING + 1, "HTML elements"),
        ("*a ", " a*", MAX_NESTING + 1, "Emphasis"),
    ] {
        let raw = nested(open, close, levels);
        let too_deep = cook_checked(&raw, &ctx())
            .err()
            .unwrap_or_else(|| panic!("{open:?} x {levels}"));
        let message = too_deep.to_string();
        assert!(message.starts_with(construct), "{open:?}: {message}");
        assert!(message.contains(&MAX_NESTING.to_string()), "{message}");
        // Shown as one escaped paragraph: nothing but `p` and `br` elements.
        let html = cook(&raw, &ctx());
        let names = element_names(&html);
        assert!(
            names.iter().all(|n| n == "p" || n == "br") && names.first().is_some_and(|n| n == "p"),
            "{open:?}: {names:?}"
        );
    }
    // Up to the limit, quotes are quotes.
    let raw = nested("[quote]\n", "\n[/quote]\n", MAX_NESTING / 4);
    let html = cook_checked(&raw, &ctx()).unwrap();
    assert_eq!(html.matches("<aside").count(), MAX_NESTING / 4);
    // A discussion quoting a quote of a list with emphasis is nowhere near it.
    let raw = "[quote=\"anna, post:1, topic:2\"]\n[quote=\"lena, post:2, topic:2\"]\n\
               - **Izvestia**, 14 April 1941\n[/quote]\n[/quote]\nAgreed.";
    assert!(cook_checked(raw, &ctx()).is_ok());
    // Mentions and bare URLs are counted like everything else (they become links).
    let raw = format!("{} @anna https://example.org/", "> ".repeat(MAX_NESTING));
    assert!(cook_checked(&raw, &ctx()).is_err());
}

/// Each construct nested as deep as it may be and still cook as HTML, repeated side by side to
/// a post's length: the sanitizer really parses all of it, in bounded time.
#[test]
fn every_construct_at_the_limit_many_times_over() {
    for (open, close) in CONSTRUCTS {
        let unit = |d: usize| format!("{}x{}\n\n", open.repeat(d), close.repeat(d));
        let mut depth = 0;
        while depth < 4 * MAX_NESTING && cook_checked(&unit(depth + 1), &ctx()).is_ok() {
            depth += 1;
        }
        let one = unit(depth);
        let mut raw = one.repeat((BODY_MAX / one.len()).max(1));
        raw.truncate(BODY_MAX.min(raw.len()));
        check(&format!("{open:?} at depth {depth}, repeated"), &raw);
    }
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
        // On a refusal, cooking falls back to text.
        let verdict = cook_checked(&raw, &ctx());
        if verdict.is_err() {
            let names = element_names(&cook(&raw, &ctx()));
            prop_assert!(names.iter().all(|n| n == "p" || n == "br"), "{:?}", names);
        }
    }
}
