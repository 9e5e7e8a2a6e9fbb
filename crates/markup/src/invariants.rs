//! What must hold of every cooked post, checked by the property tests and the fuzzer.
//!
//! The check reads HTML as the sanitizer writes it (html5ever's serializer: attributes always
//! `name="value"`, with `"` inside a value written `&quot;`, and `<` in text written `&lt;`), so
//! a small scanner is exact here; it is not a general HTML parser.

/// Elements that never appear in cooked HTML.
const FORBIDDEN_ELEMENTS: [&str; 12] = [
    "script", "style", "svg", "math", "iframe", "object", "embed", "form", "base", "meta", "link",
    "template",
];

/// Every way `html` breaks the invariants; empty when it holds them all.
pub fn violations(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        let mut j = start + 1;
        if bytes.get(j) == Some(&b'/') {
            j += 1;
        }
        let name_end = html[j..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .map_or(html.len(), |e| j + e);
        let name = html[j..name_end].to_ascii_lowercase();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            found.push(format!("a raw '<' outside a tag at byte {start}"));
            i = start + 1;
            continue;
        }
        if FORBIDDEN_ELEMENTS.contains(&name.as_str()) {
            found.push(format!("<{name}> element"));
        }
        // Attributes: name="value" pairs until '>'.
        let mut k = name_end;
        loop {
            while bytes
                .get(k)
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
            {
                k += 1;
            }
            match bytes.get(k) {
                None => {
                    found.push(format!("<{name}> never closed"));
                    return found;
                }
                Some(b'>') => break,
                Some(_) => {}
            }
            let attr_end = html[k..]
                .find(['=', ' ', '>'])
                .map_or(html.len(), |e| k + e);
            let attr = html[k..attr_end].to_ascii_lowercase();
            k = attr_end;
            let mut value = String::new();
            if bytes.get(k) == Some(&b'=') {
                if bytes.get(k + 1) != Some(&b'"') {
                    found.push(format!("<{name} {attr}=…> unquoted"));
                    return found;
                }
                let v_start = k + 2;
                let v_end = html[v_start..]
                    .find('"')
                    .map_or(html.len(), |e| v_start + e);
                value = html[v_start..v_end].to_ascii_lowercase();
                k = v_end + 1;
            }
            if attr.starts_with("on") {
                found.push(format!("<{name} {attr}> event handler"));
            }
            if attr == "style" || attr == "srcdoc" || attr == "formaction" {
                found.push(format!("<{name} {attr}> attribute"));
            }
            if matches!(
                attr.as_str(),
                "href" | "src" | "cite" | "action" | "xlink:href"
            ) && let Some(scheme) = url_scheme(&value)
                && !matches!(scheme.as_str(), "http" | "https" | "mailto")
            {
                found.push(format!("<{name} {attr}=\"{value}\"> scheme {scheme}"));
            }
        }
        i = k + 1;
    }
    found
}

/// The scheme a browser — or a laxer reader, such as a mail or feed client — would read from a
/// serialized attribute value, if it has one: entities the serializer writes are decoded, C0
/// controls, spaces, Unicode whitespace and invisible characters trimmed from both ends, tabs,
/// newlines and invisible characters removed (WHATWG URL parsing, and then some); a scheme is
/// a letter then letters, digits, `+ - .`.
fn url_scheme(serialized: &str) -> Option<String> {
    let decoded = serialized
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    let ignorable = |c: char| c <= ' ' || c.is_whitespace() || crate::sanitize::is_invisible(c);
    let cleaned: String = decoded
        .trim_matches(ignorable)
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r') && !crate::sanitize::is_invisible(*c))
        .collect();
    let (scheme, _) = cleaned.split_once(':')?;
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::violations;

    #[test]
    fn catches_what_it_must() {
        assert!(
            violations("<p>fine <a href=\"https://e.org\" rel=\"x\">y</a> &lt;script&gt;</p>")
                .is_empty()
        );
        assert!(!violations("<script>x</script>").is_empty());
        assert!(!violations("<img src=\"x\" onerror=\"y\">").is_empty());
        assert!(!violations("<a href=\"javascript:alert(1)\">x</a>").is_empty());
        assert!(!violations("<a href=\"java\tscript:x\">x</a>").is_empty());
        assert!(!violations("<p style=\"color:red\">x</p>").is_empty());
        assert!(violations("<a href=\"/u/anna\">x</a><a href=\"#top\">y</a>").is_empty());
        // Not a scheme at all, so a relative URL (the fuzzer's first find, in this checker).
        assert!(violations("<img src=\"&amp;{javascript:alert(1);};\">").is_empty());
        assert!(!violations("<a href=\" JavaScript:alert(1)\">x</a>").is_empty());
        assert!(!violations("<a href=\"\u{3000}javascript:alert(1)\">x</a>").is_empty());
        assert!(!violations("<q cite=\"\u{feff}java\u{200b}script:alert(1)\">x</q>").is_empty());
    }
}
