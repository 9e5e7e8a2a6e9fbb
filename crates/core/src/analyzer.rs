//! Stoa's text analyzer: how post text and search words become index tokens, and how a
//! snippet of a hit is found and marked.
//!
//! Both databases index the analyzer's output (tokens separated by single spaces) rather than
//! analysing text themselves, so SQLite's FTS5 and PostgreSQL's tsvector see the same tokens
//! and answer the same queries the same way. One analyzer, in Rust:
//!
//! - lower case, and diacritics folded (`Mólotov` → `molotov`, `Straße` → `strasse`);
//! - a token is a run of letters and digits; everything else separates tokens;
//! - each CJK character (Han, kana, Hangul) is a token of its own, so a word in a language
//!   written without spaces is found as a phrase of its characters — anywhere in a sentence,
//!   not only at its start.
//!
//! Change anything here and bump [`ANALYZER_VERSION`]: `stoa reindex` then rebuilds the index.

use unicode_normalization::UnicodeNormalization;

/// The version of the analyzer that built an index row; rows of another version are stale.
pub const ANALYZER_VERSION: i64 = 1;

/// Longer tokens are not indexed (PostgreSQL refuses words over 2047 bytes; no real word is
/// this long).
pub const MAX_TOKEN_CHARS: usize = 100;

/// True for characters written without spaces between words: each is a token of its own.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'     // Hiragana, Katakana
        | '\u{3400}'..='\u{4DBF}'   // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK Unified Ideographs
        | '\u{AC00}'..='\u{D7AF}'   // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'   // CJK Compatibility Ideographs
        | '\u{FF66}'..='\u{FF9F}'   // half-width Katakana
        | '\u{20000}'..='\u{2FA1F}' // CJK Extensions B–F, compatibility supplement
    )
}

/// Combining marks that decomposition leaves after a base letter: the accents we fold away.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Letters that do not decompose but that readers treat as accented forms.
fn fold_special(c: char, out: &mut String) -> bool {
    let s = match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        _ => return false,
    };
    out.push_str(s);
    true
}

/// `text` lower-cased with diacritics removed; everything else as it was.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        for l in c.to_lowercase() {
            if !fold_special(l, &mut out) {
                out.push(l);
            }
        }
    }
    out
}

/// The tokens of `text`, folded, in order.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, out: &mut Vec<String>| {
        if !current.is_empty() {
            if current.chars().count() <= MAX_TOKEN_CHARS {
                out.push(std::mem::take(current));
            } else {
                current.clear();
            }
        }
    };
    for c in fold(text).chars() {
        if is_cjk(c) {
            flush(&mut current, &mut out);
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            current.push(c);
        } else {
            flush(&mut current, &mut out);
        }
    }
    flush(&mut current, &mut out);
    out
}

/// What the index stores for `text`: its tokens separated by single spaces.
pub fn index_text(text: &str) -> String {
    tokens(text).join(" ")
}

/// A piece of a snippet: text as written, and whether it matched a search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub hit: bool,
}

/// About this many characters of context make a snippet.
pub const SNIPPET_CHARS: usize = 220;

/// A snippet of `text` around the first place a term matches, with every match marked.
/// `terms` are analyzer tokens; a word of `text` matches when its folded form starts with one
/// (words are prefix matches), and a CJK character when it equals one. With no match (a hit
/// by title or author only) it is the start of the text.
pub fn snippet(text: &str, terms: &[String]) -> Vec<Fragment> {
    let words = word_spans(text);
    let matches = |w: &str| {
        let folded = fold(w);
        let folded: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
        !folded.is_empty()
            && terms.iter().any(|t| {
                if t.chars().any(is_cjk) {
                    folded == *t
                } else {
                    folded.starts_with(t.as_str())
                }
            })
    };
    let first = words.iter().position(|(s, e)| matches(&text[*s..*e]));
    // Start a little before the first hit, at a word boundary.
    let start = match first {
        Some(i) => {
            let hit_at = words[i].0;
            let mut from = i;
            while from > 0 && hit_at - words[from - 1].0 < SNIPPET_CHARS / 4 {
                from -= 1;
            }
            words[from].0
        }
        None => 0,
    };
    let mut end = start;
    for (s, e) in &words {
        if *s >= start && text[start..*e].chars().count() <= SNIPPET_CHARS {
            end = *e;
        }
    }
    if end < start {
        end = start;
    }
    let mut out: Vec<Fragment> = Vec::new();
    let mut push = |s: &str, hit: bool| {
        if s.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(s),
            _ => out.push(Fragment {
                text: s.to_owned(),
                hit,
            }),
        }
    };
    if start > 0 {
        push("… ", false);
    }
    let mut at = start;
    for (s, e) in words.iter().filter(|(s, e)| *s >= start && *e <= end) {
        push(&collapse(&text[at..*s]), false);
        push(&text[*s..*e], matches(&text[*s..*e]));
        at = *e;
    }
    if words.iter().any(|(s, _)| *s >= end) {
        push(" …", false);
    } else {
        push(&collapse(&text[at..]), false);
    }
    out
}

/// Whitespace runs as one space (snippets are one line).
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// Byte spans of the words of `text`: runs of letters, digits and marks, and each CJK
/// character alone.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        let wordy = c.is_alphanumeric() || is_combining_mark(c);
        if is_cjk(c) {
            if let Some(s) = start.take() {
                spans.push((s, i));
            }
            spans.push((i, i + c.len_utf8()));
        } else if wordy {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            spans.push((s, i));
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_diacritics() {
        assert_eq!(fold("Mólotov"), "molotov");
        assert_eq!(fold("Straße ÆON Łódź"), "strasse aeon lodz");
        assert_eq!(fold("ИЗВЕСТИЯ"), "известия");
        // Full-width Latin is the same word.
        assert_eq!(fold("ＰＡＣＴ"), "pact");
    }

    #[test]
    fn tokens_split_on_punctuation_and_cjk_characters() {
        assert_eq!(
            tokens("The Soviet–Japanese pact, 13 April 1941 (Izvestia's report)"),
            [
                "the", "soviet", "japanese", "pact", "13", "april", "1941", "izvestia", "s",
                "report"
            ]
        );
        assert_eq!(
            tokens("日ソ中立条約は1941年"),
            ["日", "ソ", "中", "立", "条", "約", "は", "1941", "年"]
        );
        assert_eq!(
            index_text("  Mólotov\u{200b}—Matsuoka!  "),
            "molotov matsuoka"
        );
        assert!(tokens(&"x".repeat(MAX_TOKEN_CHARS + 1)).is_empty());
        assert!(
            tokens("<script>alert(1)</script>")
                .iter()
                .all(|t| t.chars().all(char::is_alphanumeric))
        );
    }

    fn marked(fragments: &[Fragment]) -> String {
        fragments
            .iter()
            .map(|f| {
                if f.hit {
                    format!("[{}]", f.text)
                } else {
                    f.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn snippets_mark_prefix_matches_as_written() {
        let text = "Izvestia printed the communiqué on 14 April 1941; Mólotov signed it.";
        let terms = vec!["molot".to_owned(), "communique".to_owned()];
        assert_eq!(
            marked(&snippet(text, &terms)),
            "Izvestia printed the [communiqué] on 14 April 1941; [Mólotov] signed it."
        );
        // No hit in the text (a title match): the start, unmarked.
        assert_eq!(
            marked(&snippet("Short text.", &["zzz".into()])),
            "Short text."
        );
    }

    #[test]
    fn long_texts_are_cut_around_the_first_hit() {
        let text = format!("{} needle {}", "hay ".repeat(200), "straw ".repeat(200));
        let s = marked(&snippet(&text, &["needle".into()]));
        assert!(s.starts_with("… "), "{s}");
        assert!(s.contains("[needle]"), "{s}");
        assert!(s.ends_with(" …"), "{s}");
        assert!(s.chars().count() < SNIPPET_CHARS + 10, "{}", s.len());
    }

    #[test]
    fn cjk_characters_match_alone() {
        let s = marked(&snippet("日ソ中立条約", &["中".into(), "立".into()]));
        assert_eq!(s, "日ソ[中立]条約");
    }
}
