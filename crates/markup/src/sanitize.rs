//! The allowlist every cooked post passes through last.
//!
//! Anything not named here is dropped: no `script`/`style` (removed with their content), no `svg`
//! or `math`, no `style` or event-handler attributes, URLs only `http`, `https`, `mailto` or
//! relative. Links get `rel="noopener nofollow ugc"` as Discourse gives user links.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.add_tags(["aside", "input", "details", "summary", "del", "s"]);
    b.add_tag_attributes(
        "aside",
        ["data-username", "data-post", "data-topic", "data-full"],
    );
    b.add_tag_attributes("input", ["type", "checked", "disabled"]);
    b.add_tag_attributes("img", ["width", "height"]);
    b.add_tag_attributes("td", ["align"]);
    b.add_tag_attributes("th", ["align"]);
    b.allowed_classes(HashMap::from([
        ("aside", HashSet::from(["quote", "no-group"])),
        ("div", HashSet::from(["title", "quote-controls"])),
        ("a", HashSet::from(["mention"])),
        ("span", HashSet::from(["mention"])),
    ]));
    b.url_schemes(HashSet::from(["http", "https", "mailto"]));
    b.url_relative(UrlRelative::PassThrough);
    b.link_rel(Some("noopener nofollow ugc"));
    b.clean_content_tags(HashSet::from([
        "script", "style", "svg", "math", "template",
    ]));
    // Task-list checkboxes only: any other input type is dropped, and none is ever enabled.
    // Every URL attribute passes `safe_url` too: ammonia checks the scheme of `href` and `src`
    // only where the URL parses, and not `cite` at all.
    b.attribute_filter(|element, attribute, value| match (element, attribute) {
        ("input", "type") if value != "checkbox" => None,
        (_, "href" | "src" | "cite") if !safe_url(value) => None,
        _ => Some(value.into()),
    });
    b.set_tag_attribute_value("input", "disabled", "");
    b
});

/// Schemes a member's URL may have; anything else (`javascript:`, `data:`, …) is dropped.
const SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Whether a URL from a post may stay: relative, or with one of [`SCHEMES`], and with nothing
/// any reader might strip or misread in front of or inside its scheme. A scheme is what comes
/// before the first `:` that no `/`, `?` or `#` precedes, so `\u{a0}javascript:…` and
/// `java\u{200b}script:…` have schemes that are not allowed; control characters anywhere drop
/// the URL (no browser needs them, and parsers disagree about where such a scheme ends), and a
/// relative URL may not begin with a space or an invisible character, which some mail and feed
/// readers strip before looking for a scheme.
pub(crate) fn safe_url(url: &str) -> bool {
    if url.chars().any(|c| c.is_control()) {
        return false;
    }
    let first = url.find([':', '/', '?', '#']);
    match first {
        Some(i) if url.as_bytes()[i] == b':' => {
            let scheme = &url[..i];
            SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s))
        }
        _ => !url.starts_with(|c: char| c.is_whitespace() || is_invisible(c)),
    }
}

/// Characters that show as nothing: format characters (Unicode category Cf) and the byte
/// order mark, which browsers keep in a URL but other readers of Stoa's HTML may drop.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

pub(crate) fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::{clean, safe_url};

    #[test]
    fn urls_with_hidden_or_unlisted_schemes_are_dropped() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "\u{a0}javascript:alert(1)",
            "\u{1680}javascript:alert(1)",
            "\u{2000}javascript:alert(1)",
            "\u{200a}javascript:alert(1)",
            "\u{2028}javascript:alert(1)",
            "\u{2029}javascript:alert(1)",
            "\u{205f}javascript:alert(1)",
            "\u{3000}javascript:alert(1)",
            "\u{feff}javascript:alert(1)",
            "java\u{200b}script:alert(1)",
            "\u{200b}//example.org/",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
        ] {
            assert!(!safe_url(bad), "{bad:?}");
        }
        for good in [
            "https://example.org/a?b=c:d#e",
            "http://example.org",
            "mailto:lena@example.org",
            "/t/pact/2",
            "#post_2",
            "?page=2",
            "relative/path:with-colon-after-slash",
            "https://ru.wikipedia.org/wiki/Пакт",
        ] {
            assert!(safe_url(good), "{good:?}");
        }
    }

    #[test]
    fn cite_attributes_are_checked_like_links() {
        for tag in ["q", "blockquote", "del", "ins"] {
            let html = clean(&format!(
                "<{tag} cite=\"javascript:alert(1)\">x</{tag}><{tag} cite=\"\u{a0}javascript:alert(1)\">y</{tag}>"
            ));
            assert!(!html.contains("cite="), "{html}");
            let html = clean(&format!("<{tag} cite=\"https://example.org/\">x</{tag}>"));
            assert!(html.contains("cite=\"https://example.org/\""), "{html}");
        }
        let html = clean(
            "<a href=\"\u{2028}javascript:alert(1)\">x</a><img src=\"\u{feff}javascript:x\">",
        );
        assert!(!html.contains("javascript"), "{html}");
    }
}
