//! Discourse's `[quote]` blocks, found before Markdown parsing.
//!
//! A quote may hold Markdown and further quotes, so the raw text becomes a small tree. Quote tags
//! inside fenced code are text. A tag that is never closed (or a stray close) is kept as typed,
//! as Discourse does. The tree is at most [`MAX_QUOTES`] quotes deep whatever the input (deeper
//! tags stay text, and the parse says so), so the walks over it are bounded; tokenizing is one
//! pass over the text.

use std::fmt::Write as _;

use crate::MAX_NESTING;

/// Quotes inside one another: each is two elements (`aside`, `blockquote`), so deeper ones
/// could not pass [`MAX_NESTING`] anyway.
pub(crate) const MAX_QUOTES: usize = MAX_NESTING / 2;

/// The attributes of `[quote="alice, post:3, topic:42"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuoteRef {
    /// The quoted member's username, as written.
    pub username: Option<String>,
    /// The quoted post's number in its topic.
    pub post: Option<i64>,
    /// The topic the quoted post belongs to.
    pub topic: Option<i64>,
    /// `full:true`: the whole post was quoted.
    pub full: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Markdown(String),
    Quote {
        quote: QuoteRef,
        children: Vec<Node>,
    },
}

enum Token<'a> {
    Text(&'a str),
    Open { quote: QuoteRef, source: &'a str },
    Close { source: &'a str },
}

/// The quote tree of a post's text.
pub(crate) struct Tree {
    pub nodes: Vec<Node>,
    /// Quotes nested deeper than [`MAX_QUOTES`]: the deeper tags were left as text.
    pub too_deep: bool,
}

pub(crate) fn parse(raw: &str) -> Tree {
    build(tokenize(raw))
}

/// Splits raw text into text and quote tags, leaving fenced code alone.
fn tokenize(raw: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    for line in raw.split_inclusive('\n') {
        if let Some(marker) = fence_marker(line) {
            match fence {
                None => fence = Some(marker),
                Some((c, n)) if marker.0 == c && marker.1 >= n && is_closing_fence(line) => {
                    fence = None
                }
                Some(_) => {}
            }
            tokens.push(Token::Text(line));
            continue;
        }
        if fence.is_some() {
            tokens.push(Token::Text(line));
            continue;
        }
        tokenize_line(line, &mut tokens);
    }
    tokens
}

/// `(char, run length)` when the line opens or closes a code fence.
fn fence_marker(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let c = rest.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = rest.chars().take_while(|&x| x == c).count();
    (n >= 3).then_some((c, n))
}

fn is_closing_fence(line: &str) -> bool {
    let t = line.trim();
    t.chars().all(|c| c == '`') || t.chars().all(|c| c == '~')
}

fn tokenize_line<'a>(line: &'a str, tokens: &mut Vec<Token<'a>>) {
    // Tags are found in a lower-cased copy made once (ASCII lower-casing keeps byte offsets),
    // and each kind of mark is searched for again only once the scan has passed the last one
    // found, so a line costs one pass however many tags it holds.
    let lower = line.to_ascii_lowercase();
    let mut open = Next::new("[quote");
    let mut close = Next::new("[/quote]");
    let mut bracket = Next::new("]");
    let mut at = 0;
    while at < line.len() {
        match (open.at(&lower, at), close.at(&lower, at)) {
            (Some(o), c) if c.is_none_or(|c| o < c) => {
                let name_end = o + "[quote".len();
                let valid_start = matches!(line.as_bytes().get(name_end), Some(b']' | b'='));
                match (valid_start, bracket.at(&lower, name_end)) {
                    (true, Some(end)) => {
                        push_text(tokens, &line[at..o]);
                        tokens.push(Token::Open {
                            quote: parse_attrs(&line[name_end..end]),
                            source: &line[o..=end],
                        });
                        at = line.len() - skip_newline(&line[end + 1..]).len();
                    }
                    _ => {
                        push_text(tokens, &line[at..=o]);
                        at = o + 1;
                    }
                }
            }
            (_, Some(c)) => {
                push_text(tokens, &line[at..c]);
                let end = c + "[/quote]".len();
                tokens.push(Token::Close {
                    source: &line[c..end],
                });
                at = line.len() - skip_newline(&line[end..]).len();
            }
            _ => {
                push_text(tokens, &line[at..]);
                at = line.len();
            }
        }
    }
}

/// The next place a mark occurs, remembered between calls.
struct Next {
    mark: &'static str,
    /// `Some(None)`: no occurrence from `from` on; None: not searched yet.
    found: Option<Option<usize>>,
    from: usize,
}

impl Next {
    fn new(mark: &'static str) -> Self {
        Self {
            mark,
            found: None,
            from: 0,
        }
    }

    /// The first occurrence in `text` at or after `at` (calls must not move `at` backwards
    /// past an earlier answer's search start).
    fn at(&mut self, text: &str, at: usize) -> Option<usize> {
        match self.found {
            Some(Some(p)) if p >= at => return Some(p),
            Some(None) if self.from <= at => return None,
            _ => {}
        }
        let p = text[at..].find(self.mark).map(|p| p + at);
        self.found = Some(p);
        self.from = at;
        p
    }
}

fn skip_newline(s: &str) -> &str {
    s.strip_prefix("\r\n")
        .or_else(|| s.strip_prefix('\n'))
        .unwrap_or(s)
}

fn push_text<'a>(tokens: &mut Vec<Token<'a>>, text: &'a str) {
    if !text.is_empty() {
        tokens.push(Token::Text(text));
    }
}

/// Parses the part after `[quote`: `]`-less text such as `="alice, post:3, topic:42"`.
fn parse_attrs(inner: &str) -> QuoteRef {
    let value = inner.strip_prefix('=').unwrap_or("").trim();
    let value = value.trim_matches('"').trim_matches('\'');
    let mut quote = QuoteRef::default();
    for (i, part) in value.split(',').map(str::trim).enumerate() {
        match part.split_once(':') {
            Some((key, v)) if i > 0 || key == "username" => {
                let v = v.trim();
                match key.trim() {
                    "post" => quote.post = v.parse().ok().filter(|n| *n > 0),
                    "topic" => quote.topic = v.parse().ok().filter(|n| *n > 0),
                    "full" => quote.full = v == "true",
                    "username" => quote.username = Some(v.to_owned()).filter(|s| !s.is_empty()),
                    _ => {}
                }
            }
            _ if i == 0 && !part.is_empty() && quote.username.is_none() => {
                quote.username = Some(part.to_owned());
            }
            _ => {}
        }
    }
    quote
}

/// Builds the tree; unmatched tags fall back to their source text, and so do tags that would
/// nest deeper than [`MAX_QUOTES`] (with their closing tags).
fn build(tokens: Vec<Token<'_>>) -> Tree {
    /// An open quote: its attributes, its tag as typed, and what it holds so far.
    struct Frame<'a> {
        quote: QuoteRef,
        source: &'a str,
        children: Vec<Node>,
    }
    fn current<'s>(root: &'s mut Vec<Node>, stack: &'s mut [Frame<'_>]) -> &'s mut Vec<Node> {
        match stack.last_mut() {
            Some(frame) => &mut frame.children,
            None => root,
        }
    }
    let mut root = Vec::new();
    let mut stack: Vec<Frame<'_>> = Vec::new();
    // Opening tags beyond the limit, kept as text; as many closing tags go the same way.
    let mut beyond = 0usize;
    let mut too_deep = false;
    for token in tokens {
        match token {
            Token::Text(t) => push_markdown(current(&mut root, &mut stack), t),
            Token::Open { source, .. } if stack.len() >= MAX_QUOTES => {
                too_deep = true;
                beyond += 1;
                push_markdown(current(&mut root, &mut stack), source);
            }
            Token::Open { quote, source } => stack.push(Frame {
                quote,
                source,
                children: Vec::new(),
            }),
            Token::Close { source } if beyond > 0 => {
                beyond -= 1;
                push_markdown(current(&mut root, &mut stack), source);
            }
            Token::Close { source } => match stack.pop() {
                Some(frame) => current(&mut root, &mut stack).push(Node::Quote {
                    quote: frame.quote,
                    children: frame.children,
                }),
                None => push_markdown(&mut root, source),
            },
        }
    }
    // Unclosed quotes: their tag becomes text again, their content joins the parent.
    while let Some(frame) = stack.pop() {
        let parent = current(&mut root, &mut stack);
        push_markdown(parent, frame.source);
        push_markdown(parent, "\n");
        for child in frame.children {
            match child {
                Node::Markdown(t) => push_markdown(parent, &t),
                quote => parent.push(quote),
            }
        }
    }
    Tree {
        nodes: root,
        too_deep,
    }
}

fn push_markdown(nodes: &mut Vec<Node>, text: &str) {
    if let Some(Node::Markdown(last)) = nodes.last_mut() {
        last.push_str(text);
    } else {
        nodes.push(Node::Markdown(text.to_owned()));
    }
}

/// Writes the opening of Discourse's quote markup, up to and including `<blockquote>`.
pub(crate) fn open_aside(quote: &QuoteRef, out: &mut String) {
    let esc = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
    out.push_str("\n<aside class=\"quote no-group\"");
    if let Some(u) = &quote.username {
        let _ = write!(out, " data-username=\"{}\"", esc(u));
    }
    if let Some(p) = quote.post {
        let _ = write!(out, " data-post=\"{p}\"");
    }
    if let Some(t) = quote.topic {
        let _ = write!(out, " data-topic=\"{t}\"");
    }
    if quote.full {
        out.push_str(" data-full=\"true\"");
    }
    out.push_str(">\n");
    if let Some(u) = &quote.username {
        // The header leads to the quoted post when the quote says where it is (Discourse's
        // short link, which moves to the post's page).
        let name = html_escape::encode_text(u);
        let _ = match (quote.topic, quote.post) {
            (Some(t), Some(p)) => write!(
                out,
                "<div class=\"title\">\n<div class=\"quote-controls\"></div>\n\
                 <a href=\"/t/{t}/{p}\" title=\"Go to the quoted post\">{name}:</a></div>\n"
            ),
            _ => write!(
                out,
                "<div class=\"title\">\n<div class=\"quote-controls\"></div>\n{name}:</div>\n"
            ),
        };
    }
    out.push_str("<blockquote>\n");
}
