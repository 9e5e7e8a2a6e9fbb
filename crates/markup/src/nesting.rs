//! How deep a post's constructs sit inside one another, and the bound on it.
//!
//! Quotes, block quotes, lists, tables, emphasis, links and raw HTML elements can all nest, and
//! the HTML parser inside the sanitizer spends time proportional to the depth on each element it
//! opens: 12,000 nested list items took 4 s to sanitize. So a post may nest them at most
//! [`MAX_NESTING`] levels deep, counted as one pass over the events that are rendered anyway;
//! `app` refuses deeper posts with [`TooDeep`]'s message, and [`crate::cook`] shows any deeper
//! text (written before the bound existed, say) as plain text instead of parsing it.

use std::fmt;

use pulldown_cmark::{Event, Tag};

/// Levels of quotes, lists, formatting and HTML elements one post may nest, counted together.
/// Generous for writing (a quote of a quote of a list with emphasis is five), small enough that
/// the sanitizer's per-element work stays constant.
pub const MAX_NESTING: usize = 40;

/// The kind of construct that went past [`MAX_NESTING`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Construct {
    Quotes,
    BlockQuotes,
    Lists,
    Tables,
    Formatting,
    Html,
}

/// A post nests its constructs deeper than [`MAX_NESTING`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    /// What crossed the limit first.
    pub construct: Construct,
}

impl fmt::Display for TooDeep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.construct {
            Construct::Quotes => "Quotes",
            Construct::BlockQuotes => "Block quotes",
            Construct::Lists => "Lists",
            Construct::Tables => "Tables",
            Construct::Formatting => "Emphasis, links and images",
            Construct::Html => "HTML elements",
        };
        write!(
            f,
            "{what} nest too deeply: quotes, lists and formatting may sit at most \
             {MAX_NESTING} levels inside one another"
        )
    }
}

impl std::error::Error for TooDeep {}

/// Counts depth over one Markdown segment's events, starting inside `quotes` quotes.
#[derive(Debug)]
pub(crate) struct Depth {
    quotes: usize,
    markdown: usize,
    html: usize,
    /// The first construct that went past the limit.
    pub exceeded: Option<Construct>,
}

impl Depth {
    pub fn new(quotes: usize) -> Self {
        Self {
            quotes,
            markdown: 0,
            html: 0,
            exceeded: None,
        }
    }

    fn deeper(&mut self, construct: Construct) {
        if self.exceeded.is_none() && self.quotes + self.markdown + self.html > MAX_NESTING {
            self.exceeded = Some(construct);
        }
    }

    pub fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(tag) => {
                self.markdown += 1;
                self.deeper(construct_of(tag));
            }
            Event::End(_) => self.markdown = self.markdown.saturating_sub(1),
            Event::Html(text) | Event::InlineHtml(text) => {
                for_each_tag(text, |opens| {
                    if opens {
                        self.html += 1;
                        self.deeper(Construct::Html);
                    } else {
                        self.html = self.html.saturating_sub(1);
                    }
                });
            }
            _ => {}
        }
    }
}

fn construct_of(tag: &Tag<'_>) -> Construct {
    match tag {
        Tag::BlockQuote(_) => Construct::BlockQuotes,
        Tag::List(_) | Tag::Item => Construct::Lists,
        Tag::Table(_) | Tag::TableHead | Tag::TableRow | Tag::TableCell => Construct::Tables,
        Tag::HtmlBlock => Construct::Html,
        _ => Construct::Formatting,
    }
}

/// Elements that never hold anything, so never nest.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Calls `f(true)` for each opening tag of a non-void element in `html` and `f(false)` for each
/// closing tag. An estimate on purpose (names are not matched, comments are skipped only within
/// one chunk), and one that errs on the deep side: the HTML parser never nests deeper than the
/// opening tags it is given.
fn for_each_tag(html: &str, mut f: impl FnMut(bool)) {
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        i = start + 1;
        if html[i..].starts_with("!--") {
            match html[i..].find("-->") {
                Some(end) => i += end + 3,
                None => return,
            }
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let name_len = bytes[name_start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        if closing {
            f(false);
            continue;
        }
        if VOID.contains(&name.as_str()) {
            continue;
        }
        // `<x/>` closes itself only in foreign content, which the sanitizer drops anyway; count
        // it as an opening, as the HTML parser does.
        f(true);
    }
}

#[cfg(test)]
mod tests {
    use super::for_each_tag;

    fn depth(html: &str) -> (usize, usize) {
        let (mut opens, mut closes) = (0, 0);
        for_each_tag(html, |o| if o { opens += 1 } else { closes += 1 });
        (opens, closes)
    }

    #[test]
    fn tags_are_counted_roughly_but_never_less() {
        assert_eq!(depth("<div><b>x</b></div>"), (2, 2));
        assert_eq!(depth("<br><img src=x><hr/>"), (0, 0));
        assert_eq!(depth("<!-- <div> --><p>"), (1, 0));
        assert_eq!(depth("a < b, 1<2, <3, </ >"), (0, 0));
        assert_eq!(depth("<DIV class='a>b'><span"), (2, 0));
        assert_eq!(depth("<!-- open"), (0, 0));
    }
}
