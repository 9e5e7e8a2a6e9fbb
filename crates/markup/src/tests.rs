use super::*;

fn cook_plain(raw: &str) -> String {
    cook(raw, &CookContext::default())
}

fn cook_with(raw: &str, users: &[&str]) -> String {
    let ctx = CookContext {
        known_users: users.iter().map(|u| u.to_string()).collect(),
    };
    cook(raw, &ctx)
}

#[test]
fn paragraphs_and_line_breaks() {
    let html = cook_plain("one\ntwo\n\nthree");
    assert!(
        html.contains("<p>one<br>\ntwo</p>") || html.contains("<p>one<br>two</p>"),
        "{html}"
    );
    assert!(html.contains("<p>three</p>"), "{html}");
}

#[test]
fn block_quote_and_link() {
    let html = cook_plain("> Izvestia, 14 April 1941\n\nSee [the pact](https://example.org/pact).");
    assert!(html.contains("<blockquote>"), "{html}");
    assert!(
        html.contains(
            r#"<a href="https://example.org/pact" rel="noopener nofollow ugc">the pact</a>"#
        ),
        "{html}"
    );
}

#[test]
fn gfm_extensions() {
    let html =
        cook_plain("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] done\n- [ ] todo\n");
    assert!(
        html.contains("<table>") && html.contains("<td>1</td>"),
        "{html}"
    );
    assert!(html.contains("<del>gone</del>"), "{html}");
    assert!(
        html.contains(r#"type="checkbox""#) && html.contains("disabled"),
        "{html}"
    );
}

#[test]
fn bare_urls_become_links() {
    let html = cook_plain("Read https://example.org/a_(b). And www.example.com, too.");
    assert!(
        html.contains(r#"href="https://example.org/a_(b)""#),
        "{html}"
    );
    assert!(html.contains(r#"href="http://www.example.com""#), "{html}");
    assert!(html.contains("(b)</a>. And"), "{html}");
}

#[test]
fn quote_bbcode_is_discourse_shaped() {
    let raw =
        "[quote=\"boris, post:2, topic:7\"]\nThe pact *was* a gamble.\n[/quote]\n\nI disagree.";
    let html = cook_plain(raw);
    assert!(
        html.contains(
            r#"<aside class="quote no-group" data-username="boris" data-post="2" data-topic="7">"#
        ),
        "{html}"
    );
    // The header leads to the quoted post.
    assert!(
        html.contains(r#"<div class="title">"#)
            && html.contains(r#"<a href="/t/7/2" title="Go to the quoted post""#)
            && html.contains("boris:</a></div>"),
        "{html}"
    );
    // Without a place to go, it is the name alone.
    let plain = cook_plain("[quote=\"boris\"]\nThe pact was a gamble.\n[/quote]");
    assert!(
        plain.contains("boris:</div>") && !plain.contains("boris:</a>"),
        "{plain}"
    );
    assert!(
        html.contains("<blockquote>") && html.contains("<em>was</em>"),
        "{html}"
    );
    assert!(html.contains("<p>I disagree.</p>"), "{html}");
    let facts = scan(raw);
    assert_eq!(
        facts.quotes,
        vec![QuoteRef {
            username: Some("boris".into()),
            post: Some(2),
            topic: Some(7),
            full: false
        }]
    );
}

#[test]
fn nested_and_unclosed_quotes() {
    let html = cook_plain(
        "[quote=\"a, post:1, topic:1\"]\nouter\n[quote=\"b, post:2, topic:1\"]\ninner\n[/quote]\n[/quote]",
    );
    assert_eq!(html.matches("<aside").count(), 2, "{html}");
    let html = cook_plain("[quote=\"a, post:1, topic:1\"]\nnever closed");
    assert!(!html.contains("<aside"), "{html}");
    assert!(
        html.contains("[quote=") && html.contains("never closed"),
        "{html}"
    );
    let html = cook_plain("stray [/quote] close");
    assert!(html.contains("[/quote]"), "{html}");
}

#[test]
fn quote_tags_in_code_are_text() {
    let html = cook_plain("```\n[quote=\"a, post:1, topic:1\"]\nx\n[/quote]\n```\n");
    assert!(!html.contains("<aside"), "{html}");
    assert!(html.contains("[quote="), "{html}");
}

#[test]
fn mentions_link_known_users_only() {
    let raw = "Thanks @Anna and @ghost, mail me at x@example.com. `@code`";
    let facts = scan(raw);
    assert_eq!(
        facts.mentions,
        vec!["anna".to_string(), "ghost".to_string()]
    );
    let html = cook_with(raw, &["anna"]);
    assert!(
        html.contains(r#"<a class="mention" href="/u/anna""#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="mention">@ghost</span>"#),
        "{html}"
    );
    assert!(!html.contains("/u/example"), "{html}");
    assert!(html.contains("<code>@code</code>"), "{html}");
}

#[test]
fn mentions_inside_quotes_are_not_direct() {
    let raw = "[quote=\"bob, post:2, topic:7\"]\nask @carol\n[/quote]\n\n@dora what do you think?";
    let facts = scan(raw);
    assert_eq!(
        facts.mentions,
        vec!["carol".to_string(), "dora".to_string()]
    );
    assert_eq!(facts.direct_mentions, vec!["dora".to_string()]);
    assert_eq!(facts.quotes.len(), 1);
    assert_eq!(facts.quotes[0].username.as_deref(), Some("bob"));
}

#[test]
fn dangerous_markup_is_removed() {
    for raw in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<svg onload=alert(1)><circle/></svg>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<style>body{display:none}</style>",
        "<p style=\"color:red\" onclick=\"x()\">hi</p>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<input type=\"text\" autofocus onfocus=alert(1)>",
        "[quote=\"\\\"><script>alert(1)</script>, post:1, topic:1\"]\nx\n[/quote]",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<a href=java&#1&#2&#3&#4&#5&#6&#7&#8&#11&#12script:javascript:alert(1)>XXX</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    ] {
        let html = cook_plain(raw);
        let lower = html.to_ascii_lowercase();
        for bad in [
            "<script",
            "onerror",
            "onload",
            "onclick",
            "onfocus",
            "javascript:",
            "vbscript:",
            "<svg",
            "<math",
            "<style",
            "style=",
            "<iframe",
            "data:text",
        ] {
            assert!(!lower.contains(bad), "{raw:?} produced {bad} in {html}");
        }
    }
}

#[test]
fn rel_cannot_be_overridden() {
    let html = cook_plain("<a href=\"https://e.org\" rel=\"follow\">x</a>");
    assert!(html.contains(r#"rel="noopener nofollow ugc""#), "{html}");
    assert!(!html.contains(r#"rel="follow""#), "{html}");
}

#[test]
fn plain_text_is_what_a_reader_sees() {
    let raw = "Why did the USSR **trust** the [pact](https://example.com/pact)?\n\n\
               > Izvestia, 14 April 1941: the pact\n\n\
               [quote=\"ben, post:2, topic:1\"]\nNeutrality for `five` years\n[/quote]\n\n\
               - one\n- two <b>bold</b>\n\n![a map](https://example.com/m.png)";
    let text = plain_text(raw);
    assert_eq!(
        text,
        "Why did the USSR trust the pact?\nIzvestia, 14 April 1941: the pact\n\n\
         Neutrality for five years\n\none\ntwo bold\na map"
    );
    assert!(!text.contains("example.com"));
    assert_eq!(plain_text(""), "");
}

#[test]
fn emoji_shortcodes_become_emoji() {
    assert_eq!(
        cook_plain("Agreed :+1: and :smile:"),
        "<p>Agreed 👍 and 😄</p>\n"
    );
    assert_eq!(cook_plain(":tada:"), "<p>🎉</p>\n");
    assert_eq!(cook_plain("(:heart:)"), "<p>(❤️)</p>\n");
    // An unknown name, a time of day, a word that ends in a colon, and code stay as typed.
    for raw in [":no_such_emoji:", "at 10:30:45", "note:smile:", "`:smile:`"] {
        let html = cook_plain(raw);
        assert!(!html.contains('😄') && html.contains(':'), "{raw}: {html}");
    }
    assert!(cook_plain("```\n:smile:\n```").contains(":smile:"));
    assert!(cook_plain("[:smile:](https://example.org/)").contains(":smile:"));
    // Long runs of colons cost no more than their length.
    let colons = ":a".repeat(50_000);
    assert!(cook_plain(&colons).len() >= colons.len());
}
