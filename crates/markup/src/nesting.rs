//! How deep a post's HTML nests, and the bound on it.
//!
//! Quotes, block quotes, lists, tables, emphasis, links and raw HTML all nest, and the HTML
//! parser inside the sanitizer spends time proportional to the depth on each element it opens:
//! 12,000 nested list items took 4 s to sanitize. So the HTML a post renders to — Markdown's
//! elements, quotes' and mentions' markup and the member's own tags together, exactly what the
//! sanitizer is handed — may nest at most [`MAX_NESTING`] elements deep. [`too_deep`] measures
//! it in one pass, from above: an end tag closes an element only when it names the element on
//! top, so stray, misnested or unknown end tags never make the count shallower than the tree
//! the parser will build (which adds at most a few implied elements per tag). `app` refuses
//! deeper posts with [`TooDeep`]'s message; [`crate::cook`] shows such text as plain text.

use std::fmt;

/// HTML elements a post may nest inside one another. A quote is two (`aside`, `blockquote`),
/// a list level two (`ul`, `li`), emphasis or a link one: a quote of a quote of a list with a
/// bold link is eight. Generous for writing, small enough that the sanitizer's per-element
/// work stays constant.
pub const MAX_NESTING: usize = 64;

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
    /// What crossed the limit.
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
            "{what} nest too deeply: quotes, lists, formatting and HTML may sit at most \
             {MAX_NESTING} elements inside one another"
        )
    }
}

impl std::error::Error for TooDeep {}

fn construct_of(element: &str) -> Construct {
    match element {
        "aside" => Construct::Quotes,
        "blockquote" | "q" => Construct::BlockQuotes,
        "ul" | "ol" | "li" | "dl" | "dt" | "dd" => Construct::Lists,
        "table" | "thead" | "tbody" | "tfoot" | "tr" | "td" | "th" | "caption" | "colgroup" => {
            Construct::Tables
        }
        "em" | "strong" | "b" | "i" | "u" | "s" | "del" | "ins" | "sub" | "sup" | "code" | "a"
        | "img" | "mark" | "small" | "big" | "span" => Construct::Formatting,
        _ => Construct::Html,
    }
}

/// Elements that never hold anything, so never nest.
const VOID: [&str; 16] = [
    "area", "base", "br", "col", "embed", "frame", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr",
];

/// Where the tag starting at `at` (just past its name) ends: after its `>`, as the HTML
/// tokenizer reads attributes (WHATWG HTML §13.2.5.32–.40); `None` when it never ends. A
/// quote opens a value only where a value may begin (after `=` and an attribute name), so
/// `<div ='>` ends at its `>` as the parser has it, and nothing can hide tags from the count
/// that the parser then builds.
fn tag_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    #[derive(Clone, Copy)]
    enum State {
        BeforeName,
        Name,
        AfterName,
        BeforeValue,
        Quoted(u8),
        Unquoted,
    }
    let mut state = State::BeforeName;
    while let Some(&b) = bytes.get(at) {
        at += 1;
        let space = b.is_ascii_whitespace();
        state = match (state, b) {
            (State::Quoted(q), _) if b == q => State::BeforeName,
            (State::Quoted(_), _) => state,
            (_, b'>') => return Some(at),
            (State::BeforeName | State::AfterName, _) if space => state,
            (State::BeforeName | State::AfterName | State::Name, b'/') => State::BeforeName,
            // `=` before any name starts a name (a parse error the parser forgives).
            (State::BeforeName, _) => State::Name,
            (State::Name, _) if space => State::AfterName,
            (State::Name | State::AfterName, b'=') => State::BeforeValue,
            (State::Name | State::AfterName, _) => State::Name,
            (State::BeforeValue, _) if space => state,
            (State::BeforeValue, b'"' | b'\'') => State::Quoted(b),
            (State::BeforeValue, _) => State::Unquoted,
            (State::Unquoted, _) if space => State::BeforeName,
            (State::Unquoted, _) => state,
        };
    }
    None
}

/// The first construct whose element goes past [`MAX_NESTING`] in `html`, if any.
pub(crate) fn too_deep(html: &str) -> Option<Construct> {
    let bytes = html.as_bytes();
    let mut open: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        i = start + 1;
        let rest = &html[i..];
        if let Some(after) = rest.strip_prefix("!--") {
            // A comment: `<!-->` and `<!--->` end at once; otherwise at `-->` or `--!>`; an
            // unterminated one runs to the end, as the parser reads it.
            if after.starts_with('>') || after.starts_with("->") {
                i += 3;
                continue;
            }
            let end = [after.find("-->"), after.find("--!>")]
                .into_iter()
                .flatten()
                .min()?;
            i += 3 + end + 3;
            continue;
        }
        if rest.starts_with('!') || rest.starts_with('?') {
            // `<!DOCTYPE …>`, `<?…>`: bogus comments up to the next `>`.
            i += rest.find('>')? + 1;
            continue;
        }
        let closing = rest.starts_with('/');
        let name_start = if closing { i + 1 } else { i };
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            continue; // `<` as text, or `</` followed by something that is no tag name
        }
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'/' | b'>'))
            .count();
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let Some(end) = tag_end(bytes, name_start + name_len) else {
            return None; // a tag that never ends is not parsed as one
        };
        i = end;
        if closing {
            if open.last() == Some(&name) {
                open.pop();
            }
        } else if !VOID.contains(&name.as_str()) {
            open.push(name);
            if open.len() > MAX_NESTING {
                return open.last().map(|n| construct_of(n));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{Construct, MAX_NESTING, too_deep};

    fn deep(open: &str, close: &str, n: usize) -> String {
        format!("{}x{}", open.repeat(n), close.repeat(n))
    }

    #[test]
    fn well_nested_html_is_measured_exactly() {
        assert_eq!(too_deep(&deep("<div>", "</div>", MAX_NESTING)), None);
        assert_eq!(
            too_deep(&deep("<div>", "</div>", MAX_NESTING + 1)),
            Some(Construct::Html)
        );
        assert_eq!(
            too_deep(&deep("<ul><li>", "</li></ul>", MAX_NESTING / 2 + 1)),
            Some(Construct::Lists)
        );
        // Siblings do not add up; void elements do not nest.
        assert_eq!(too_deep(&"<p><b>x</b></p>".repeat(10_000)), None);
        assert_eq!(too_deep(&"<br><img src=x><hr/>".repeat(1_000)), None);
    }

    #[test]
    fn end_tags_that_close_nothing_do_not_make_it_shallower() {
        // A stray end tag is ignored by the parser when the current node is special.
        assert!(too_deep(&"<div></x>".repeat(MAX_NESTING + 1)).is_some());
        // Misnested: `</span>` inside a `div` closes nothing.
        assert!(too_deep(&"<span><div></span>".repeat(MAX_NESTING)).is_some());
        // Comments end at `--!>` too, and `<!-->` is an empty one.
        let after_comment = format!("<!-- x --!>{}", "<div>".repeat(MAX_NESTING + 1));
        assert!(too_deep(&after_comment).is_some());
        let after_empty = format!("<!-->{}", "<div>".repeat(MAX_NESTING + 1));
        assert!(too_deep(&after_empty).is_some());
        // `>` inside a quoted attribute value does not end the tag.
        let quoted = "<div title='a>b'>".repeat(MAX_NESTING + 1);
        assert!(too_deep(&quoted).is_some());
        // A quote opens a value only where a value may start: in these the tag ends at
        // its `>` and the divs after it count.
        for stray in [
            "<div ='>",
            "<div a= = '>",
            "<div a='x'='>",
            "<div a b '>",
            "<div/'>",
        ] {
            let hidden = format!("{stray}{}'", "<div>".repeat(MAX_NESTING + 1));
            assert!(too_deep(&hidden).is_some(), "{stray}");
        }
        let unquoted = "<div title=a'b>".repeat(MAX_NESTING + 1);
        assert!(too_deep(&unquoted).is_some());
        // Text that only looks like tags is text.
        assert_eq!(too_deep(&"a < b, 1<2, <3, </ >".repeat(1_000)), None);
        assert_eq!(too_deep(&format!("<!-- {}", "<div>".repeat(100))), None);
    }
}
