//! URL slugs, as Discourse makes them: lower-case ASCII words joined by hyphens; a title with no
//! ASCII letters or digits gets the slug `topic`. The id in the URL is what counts; the slug is
//! for people and search engines, and a wrong one redirects to the right one.

/// The slug for a title or a category name. One made only of digits would read as an id
/// (`/t/1941/7` is post 7 of topic 1941), so it becomes `topic`, as on Discourse.
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
    if slug.bytes().all(|b| b.is_ascii_digit()) {
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
        assert_eq!(slugify("1941"), "topic");
        assert_eq!(slugify("1941 – 1945"), "1941-1945");
        assert!(slugify(&"word ".repeat(100)).len() <= 80);
    }
}
