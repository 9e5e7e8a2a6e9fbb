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
    // URLs with control characters are dropped: no browser needs them, and some parsers
    // disagree about where such a URL's scheme ends.
    b.attribute_filter(|element, attribute, value| match (element, attribute) {
        ("input", "type") if value != "checkbox" => None,
        (_, "href" | "src" | "cite") if value.chars().any(char::is_control) => None,
        _ => Some(value.into()),
    });
    b.set_tag_attribute_value("input", "disabled", "");
    b
});

pub(crate) fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}
