//! Inline additions to prose text: `@mentions`, bare-URL autolinks (GitHub's extension) and
//! emoji shortcodes (`:smile:`, `:+1:`: gemoji's names, as Discourse and GitHub take them,
//! written out as the Unicode emoji; an unknown one stays text).

use pulldown_cmark::{CowStr, Event};

use crate::CookContext;

/// A mention or a URL found in a run of text.
enum Piece<'a> {
    Text(&'a str),
    Mention(&'a str),
    Url(&'a str),
    Emoji(&'static str),
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The lower-cased names mentioned in `text`.
pub(crate) fn mentions(text: &str) -> Vec<String> {
    pieces(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Mention(name) => Some(name.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Replaces a text event by events that link mentions and URLs.
pub(crate) fn enrich<'a>(text: &CowStr<'a>, ctx: &CookContext) -> Vec<Event<'a>> {
    let pieces = pieces(text);
    if let [Piece::Text(_)] = pieces.as_slice() {
        return vec![Event::Text(text.clone())];
    }
    pieces
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) => Event::Text(CowStr::from(t.to_owned())),
            Piece::Emoji(e) => Event::Text(CowStr::Borrowed(e)),
            Piece::Mention(name) => {
                let lower = name.to_ascii_lowercase();
                let html = if ctx.known_users.contains(&lower) {
                    format!("<a class=\"mention\" href=\"/u/{lower}\">@{name}</a>")
                } else {
                    format!("<span class=\"mention\">@{name}</span>")
                };
                Event::InlineHtml(CowStr::from(html))
            }
            Piece::Url(url) => {
                let href = if url.starts_with("www.") {
                    format!("http://{url}")
                } else {
                    url.to_owned()
                };
                let html = format!(
                    "<a href=\"{}\">{}</a>",
                    html_escape::encode_double_quoted_attribute(&href),
                    html_escape::encode_text(url)
                );
                Event::InlineHtml(CowStr::from(html))
            }
        })
        .collect()
}

fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut start = 0; // start of the pending plain text
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < text.len() {
        let prev = text[..i].chars().next_back();
        let boundary = prev.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '/'));
        if bytes[i] == b'@' && prev.is_none_or(|p| !is_name_char(p) && p != '@') {
            let name_len = mention_len(&text[i + 1..]);
            if name_len > 0 {
                if start < i {
                    out.push(Piece::Text(&text[start..i]));
                }
                out.push(Piece::Mention(&text[i + 1..i + 1 + name_len]));
                i += 1 + name_len;
                start = i;
                continue;
            }
        }
        if bytes[i] == b':'
            && prev.is_none_or(|p| !p.is_alphanumeric() && p != ':')
            && let Some((emoji, len)) = shortcode(&text[i..])
        {
            if start < i {
                out.push(Piece::Text(&text[start..i]));
            }
            out.push(Piece::Emoji(emoji));
            i += len;
            start = i;
            continue;
        }
        if boundary && (bytes[i] == b'h' || bytes[i] == b'w') {
            let url_len = url_len(&text[i..]);
            if url_len > 0 {
                if start < i {
                    out.push(Piece::Text(&text[start..i]));
                }
                out.push(Piece::Url(&text[i..i + url_len]));
                i += url_len;
                start = i;
                continue;
            }
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    if start < text.len() {
        out.push(Piece::Text(&text[start..]));
    }
    out
}

/// The longest shortcode gemoji has is under 40 characters; looking further is wasted.
const SHORTCODE_MAX: usize = 48;

/// The emoji a `:shortcode:` at the start of `s` names, and the shortcode's length with its
/// colons; None for an unknown name or no shortcode.
fn shortcode(s: &str) -> Option<(&'static str, usize)> {
    let name_len = s[1..]
        .bytes()
        .take(SHORTCODE_MAX)
        .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_+-".contains(b))
        .count();
    if name_len == 0 || s.as_bytes().get(1 + name_len) != Some(&b':') {
        return None;
    }
    let emoji = emojis::get_by_shortcode(&s[1..1 + name_len])?;
    Some((emoji.as_str(), name_len + 2))
}

/// Length of a username at the start of `s` (3–20 name characters, not ending in `.` or `-`), or 0.
fn mention_len(s: &str) -> usize {
    let run: usize = s.chars().take_while(|&c| is_name_char(c)).count();
    let mut name = &s[..run];
    while name.ends_with(['.', '-']) {
        name = &name[..name.len() - 1];
    }
    if (3..=20).contains(&name.len()) {
        name.len()
    } else {
        0
    }
}

/// Length of a URL at the start of `s` (`http://`, `https://` or `www.`), trimmed as GitHub does.
fn url_len(s: &str) -> usize {
    let lower_prefix: String = s.chars().take(8).collect::<String>().to_ascii_lowercase();
    let scheme_len = ["https://", "http://", "www."]
        .iter()
        .find(|p| lower_prefix.starts_with(**p))
        .map(|p| p.len());
    let Some(scheme_len) = scheme_len else {
        return 0;
    };
    let end = s
        .find(|c: char| c.is_whitespace() || c == '<')
        .unwrap_or(s.len());
    let mut url = &s[..end];
    // A closing parenthesis ends the URL while it has more of them than opening ones (GitHub's
    // rule). The counts are kept as the end moves, so trimming is one pass.
    let opening = url.bytes().filter(|&b| b == b'(').count();
    let mut closing = url.bytes().filter(|&b| b == b')').count();
    loop {
        let before = url.len();
        url = url.trim_end_matches(['?', '!', '.', ',', ':', '*', '_', '~', '\'', '"', ';']);
        if url.ends_with(')') && closing > opening {
            url = &url[..url.len() - 1];
            closing -= 1;
        }
        if url.len() == before {
            break;
        }
    }
    // A scheme alone, or `www.` with no host after it, is not a link.
    if url.len() <= scheme_len || !url[scheme_len..].contains(|c: char| c.is_alphanumeric()) {
        return 0;
    }
    url.len()
}
