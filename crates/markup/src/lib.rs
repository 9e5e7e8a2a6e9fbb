//! Stoa's Markdown dialect: raw text as a member typed it → safe HTML ("cooked"), plus the facts
//! found in it (mentions, quotes of other posts).
//!
//! The dialect follows Discourse (`docs/discourse.md` §3): CommonMark with GitHub
//! tables, strikethrough, task lists and bare-URL autolinks; single newlines become `<br>`;
//! `[quote="alice, post:3, topic:42"]…[/quote]` becomes an `aside.quote`; `@name` becomes a link
//! to the member's profile when that member exists. Everything goes through an allowlist
//! sanitizer last, so no input can produce script, style, event handlers or dangerous URLs.
//!
//! This crate does no I/O. Cooking is two steps because mentions need a lookup: [`scan`] finds
//! the facts, the caller resolves which mentioned names exist, then [`cook`] renders.
//!
//! Every step is linear in the text, and no tree deeper than [`MAX_NESTING`] elements is built:
//! [`cook_checked`] refuses a post whose HTML would nest deeper (which the forum reports), and
//! [`cook`] shows such text as plain text, rather than hand the sanitizer's HTML parser a tree
//! whose cost grows with the square of its depth.

mod bbcode;
mod inline;
pub mod invariants;
mod nesting;
mod sanitize;

use std::collections::HashSet;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, TextMergeStream};

pub use bbcode::QuoteRef;
pub use nesting::{Construct, MAX_NESTING, TooDeep};

/// What a post's raw text refers to, found without rendering it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Lower-cased usernames after `@`, outside code and links, in order of first appearance.
    pub mentions: Vec<String>,
    /// The mentions outside quoted text: the members the author is addressing. (A quote of
    /// someone's `@alice` does not notify alice again, as in Discourse.)
    pub direct_mentions: Vec<String>,
    /// Every `[quote=…]` block that names a post.
    pub quotes: Vec<QuoteRef>,
}

/// What the renderer needs to know about the world outside the text.
#[derive(Debug, Clone, Default)]
pub struct CookContext {
    /// Lower-cased usernames that exist; a mention of anyone else stays plain text.
    pub known_users: HashSet<String>,
}

/// Finds mentions and quotes in `raw`.
pub fn scan(raw: &str) -> Facts {
    let mut facts = Facts::default();
    let tree = bbcode::parse(raw);
    collect_facts(&tree.nodes, &mut facts, false);
    facts
}

/// `in_quote`: whether `nodes` sit inside a quote (the tree is at most `bbcode::MAX_QUOTES`
/// deep, however the text nests).
fn collect_facts(nodes: &[bbcode::Node], facts: &mut Facts, in_quote: bool) {
    for node in nodes {
        match node {
            bbcode::Node::Markdown(text) => {
                for event in markdown_events(text) {
                    if let Walk::Text(t) = event {
                        for name in inline::mentions(&t) {
                            if !in_quote && !facts.direct_mentions.contains(&name) {
                                facts.direct_mentions.push(name.clone());
                            }
                            if !facts.mentions.contains(&name) {
                                facts.mentions.push(name);
                            }
                        }
                    }
                }
            }
            bbcode::Node::Quote { quote, children } => {
                if quote.post.is_some() {
                    facts.quotes.push(quote.clone());
                }
                collect_facts(children, facts, true);
            }
        }
    }
}

/// Renders `raw` to sanitized HTML. Text that nests deeper than [`MAX_NESTING`] (which the
/// forum does not accept, but older posts or other callers may hold) is shown as plain text.
pub fn cook(raw: &str, ctx: &CookContext) -> String {
    cook_checked(raw, ctx).unwrap_or_else(|_| as_text(raw))
}

/// Renders `raw` to sanitized HTML, or says which construct makes it nest deeper than
/// [`MAX_NESTING`] — measured on the HTML the sanitizer would be handed, before it is.
pub fn cook_checked(raw: &str, ctx: &CookContext) -> Result<String, TooDeep> {
    let tree = bbcode::parse(raw);
    if tree.too_deep {
        return Err(TooDeep {
            construct: Construct::Quotes,
        });
    }
    let mut html = String::with_capacity(raw.len() * 2);
    render_nodes(&tree.nodes, ctx, &mut html);
    if let Some(construct) = nesting::too_deep(&html) {
        return Err(TooDeep { construct });
    }
    Ok(sanitize::clean(&html))
}

/// `raw` as one escaped paragraph, line breaks kept.
fn as_text(raw: &str) -> String {
    let mut html = String::with_capacity(raw.len() + 16);
    html.push_str("<p>");
    for (i, line) in raw.lines().enumerate() {
        if i > 0 {
            html.push_str("<br>\n");
        }
        html.push_str(&html_escape::encode_text(line));
    }
    html.push_str("</p>");
    sanitize::clean(&html)
}

/// The text a reader sees in `raw`, without markup: what search indexes and what its snippets
/// quote. Quoted passages are included; link targets, image addresses and raw HTML tags are
/// not. Blocks are separated by newlines.
pub fn plain_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    plain_nodes(&bbcode::parse(raw).nodes, &mut out);
    out.trim().to_owned()
}

fn plain_nodes(nodes: &[bbcode::Node], out: &mut String) {
    for node in nodes {
        match node {
            bbcode::Node::Markdown(text) => {
                for event in Parser::new_ext(text, options()) {
                    match event {
                        Event::Text(t) | Event::Code(t) => out.push_str(&t),
                        Event::SoftBreak | Event::HardBreak | Event::Rule => out.push('\n'),
                        Event::End(
                            TagEnd::Paragraph
                            | TagEnd::Heading(_)
                            | TagEnd::Item
                            | TagEnd::CodeBlock
                            | TagEnd::TableCell
                            | TagEnd::BlockQuote(_),
                        ) => out.push('\n'),
                        _ => {}
                    }
                }
            }
            bbcode::Node::Quote { children, .. } => {
                plain_nodes(children, out);
                out.push('\n');
            }
        }
    }
}

/// Renders arbitrary HTML through the same allowlist as posts (used by tests and fuzzing).
pub fn sanitize_html(html: &str) -> String {
    sanitize::clean(html)
}

fn render_nodes(nodes: &[bbcode::Node], ctx: &CookContext, out: &mut String) {
    for node in nodes {
        match node {
            bbcode::Node::Markdown(text) => render_markdown(text, ctx, out),
            bbcode::Node::Quote { quote, children } => {
                bbcode::open_aside(quote, out);
                render_nodes(children, ctx, out);
                out.push_str("</blockquote></aside>\n");
            }
        }
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// A text run in a place where mentions and autolinks apply, or any other event.
enum Walk<'a> {
    Text(pulldown_cmark::CowStr<'a>),
    Other(Event<'a>),
}

/// The Markdown events with text merged, marking which text is "prose" (not in code or a link).
fn markdown_events(text: &str) -> impl Iterator<Item = Walk<'_>> {
    let mut in_link = 0usize;
    let mut in_code_block = false;
    TextMergeStream::new(Parser::new_ext(text, options())).map(move |event| match event {
        Event::Start(Tag::Link { .. }) | Event::Start(Tag::Image { .. }) => {
            in_link += 1;
            Walk::Other(event)
        }
        Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
            in_link = in_link.saturating_sub(1);
            Walk::Other(event)
        }
        Event::Start(Tag::CodeBlock(_)) => {
            in_code_block = true;
            Walk::Other(event)
        }
        Event::End(TagEnd::CodeBlock) => {
            in_code_block = false;
            Walk::Other(event)
        }
        Event::Text(t) if in_link == 0 && !in_code_block => Walk::Text(t),
        other => Walk::Other(other),
    })
}

fn render_markdown(text: &str, ctx: &CookContext, out: &mut String) {
    let events = markdown_events(text).flat_map(|walk| match walk {
        Walk::Text(t) => inline::enrich(&t, ctx),
        // Discourse keeps the line breaks a member typed.
        Walk::Other(Event::SoftBreak) => vec![Event::HardBreak],
        Walk::Other(other) => vec![other],
    });
    pulldown_cmark::html::push_html(out, events);
}

#[cfg(test)]
mod tests;
