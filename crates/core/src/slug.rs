//! URL slugs, as Discourse makes them: lower-case ASCII words joined by hyphens; a title with no
//! ASCII letters or digits gets the slug `topic`. The id in the URL is what counts; the slug is
//! for people and search engines, and a wrong one redirects to the right one.

/// The slug for a title or a category name.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 80 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "topic".to_owned()
    } else {
        slug.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("Why did the USSR trust its April 1941 pact with Japan?"),
            "why-did-the-ussr-trust-its-april-1941-pact-with-japan"
        );
        assert_eq!(slugify("  --Hello,   World!--"), "hello-world");
        assert_eq!(slugify("日本語のタイトル"), "topic");
        assert!(slugify(&"word ".repeat(100)).len() <= 80);
    }
}
