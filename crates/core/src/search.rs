//! The search query language, after Discourse's (`docs/discourse.md` §4): what a
//! member types in the search box, parsed into a typed [`SearchQuery`] that storage executes.
//!
//! Parsing never fails. Whatever is not an operator Stoa knows — an unknown operator, a date
//! that is not one, a stray quote — is searched as words, and [`SearchQuery::notes`] says so
//! in words a person can act on.

use chrono::NaiveDate;

/// At most this many words, phrases and exclusions count; the rest are dropped (with a note).
pub const MAX_TERMS: usize = 32;
/// Longer words are cut to this many characters (no real word is longer).
pub const MAX_TERM_CHARS: usize = 64;

/// Where the words must appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Titles and post text.
    #[default]
    Everywhere,
    /// `in:title`: titles only.
    Title,
    /// `in:first`: topics' first posts (and titles) only.
    FirstPost,
}

/// `status:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
}

/// `order:`; relevance when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Relevance,
    Latest,
    Oldest,
    Likes,
    Views,
}

/// Who wrote it: `@name`, `user:name`, or `@me` (the searcher).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    Me,
    Named(String),
}

/// `#slug`, `#parent:child` or `category:slug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRef {
    /// The parent's slug for `#parent:child`.
    pub parent: Option<String>,
    pub slug: String,
}

/// A parsed query. Words match as prefixes (`pac` finds `pact`), phrases exactly, both
/// case- and accent-insensitively; every word, phrase and filter must hold (AND).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    pub words: Vec<String>,
    pub phrases: Vec<String>,
    /// `-word` or `-"a phrase"`: posts containing it are left out.
    pub excluded: Vec<String>,
    pub scope: Scope,
    pub author: Option<Author>,
    pub category: Option<CategoryRef>,
    /// `before:`: created before the start of that day.
    pub before: Option<NaiveDate>,
    /// `after:`: created on or after the start of that day.
    pub after: Option<NaiveDate>,
    pub status: Option<Status>,
    /// `in:likes`: posts the searcher liked.
    pub in_likes: bool,
    /// `in:posted`: topics the searcher posted in.
    pub in_posted: bool,
    pub order: Order,
    /// What was not understood or was dropped, for the results page.
    pub notes: Vec<String>,
}

impl SearchQuery {
    /// Parses what was typed in the search box.
    pub fn parse(input: &str) -> Self {
        // Control characters are never part of a word, and PostgreSQL cannot even receive a
        // NUL in a parameter: they separate words like spaces.
        let input: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut q = SearchQuery::default();
        let mut dropped = 0usize;
        for token in tokenize(&input, &mut q.notes) {
            if q.term_count() >= MAX_TERMS && token.is_term() {
                dropped += 1;
                continue;
            }
            match token {
                Token::Phrase { text, negated } => {
                    let text = clip(&text);
                    if text.is_empty() {
                        continue;
                    }
                    if negated {
                        q.excluded.push(text);
                    } else {
                        q.phrases.push(text);
                    }
                }
                Token::Word(word) => q.word(&word),
            }
        }
        if dropped > 0 {
            q.notes.push(format!(
                "Only the first {MAX_TERMS} words were searched; {dropped} more were left out."
            ));
        }
        q
    }

    /// Words, phrases and exclusions so far.
    pub fn term_count(&self) -> usize {
        self.words.len() + self.phrases.len() + self.excluded.len()
    }

    /// True when there is nothing to search for and nothing to filter by.
    pub fn is_empty(&self) -> bool {
        self.term_count() == 0
            && self.author.is_none()
            && self.category.is_none()
            && self.before.is_none()
            && self.after.is_none()
            && self.status.is_none()
            && !self.in_likes
            && !self.in_posted
    }

    fn word(&mut self, word: &str) {
        if let Some(rest) = word.strip_prefix('-').filter(|r| !r.is_empty()) {
            self.excluded.push(clip(rest));
            return;
        }
        if let Some(name) = word.strip_prefix('@').filter(|n| !n.is_empty()) {
            self.set_author(name);
            return;
        }
        if let Some(cat) = word.strip_prefix('#').filter(|c| !c.is_empty()) {
            self.set_category(cat, word);
            return;
        }
        if let Some((op, value)) = word.split_once(':')
            && self.operator(&op.to_ascii_lowercase(), value, word)
        {
            return;
        }
        self.plain(word);
    }

    /// Applies `op:value`; false when it is not an operator Stoa knows.
    fn operator(&mut self, op: &str, value: &str, word: &str) -> bool {
        let v = value.to_ascii_lowercase();
        match (op, v.as_str()) {
            ("in", "title" | "t") => self.scope = Scope::Title,
            ("in", "first" | "f") => {
                if self.scope != Scope::Title {
                    self.scope = Scope::FirstPost;
                }
            }
            ("in", "likes") => self.in_likes = true,
            ("in", "posted") => self.in_posted = true,
            ("user", name) if !name.is_empty() => self.set_author(value),
            ("category", c) if !c.is_empty() => self.set_category(value, word),
            ("status", "open") => self.status = Some(Status::Open),
            ("status", "closed") => self.status = Some(Status::Closed),
            ("order", "latest" | "l") => self.order = Order::Latest,
            ("order", "oldest") => self.order = Order::Oldest,
            ("order", "likes") => self.order = Order::Likes,
            ("order", "views") => self.order = Order::Views,
            ("before" | "after", date) => match parse_date(date) {
                Some(d) if op == "before" => self.before = Some(d),
                Some(d) => self.after = Some(d),
                None => {
                    self.notes.push(format!(
                        "“{word}” is not a date Stoa understands (YYYY, YYYY-MM or YYYY-MM-DD); \
                         it was searched as words."
                    ));
                    return false;
                }
            },
            _ => {
                let known = [
                    "in", "user", "category", "status", "order", "before", "after",
                ];
                if known.contains(&op) {
                    self.notes.push(format!(
                        "“{word}” is not a filter Stoa knows; it was searched as words."
                    ));
                }
                return false;
            }
        }
        true
    }

    fn plain(&mut self, word: &str) {
        let w = clip(word);
        if !w.is_empty() {
            self.words.push(w);
        }
    }

    fn set_author(&mut self, name: &str) {
        self.author = Some(if name.eq_ignore_ascii_case("me") {
            Author::Me
        } else {
            Author::Named(name.to_ascii_lowercase())
        });
    }

    fn set_category(&mut self, value: &str, word: &str) {
        let value = value.to_lowercase();
        let (parent, slug) = match value.split_once(':') {
            Some((p, c)) if !p.is_empty() && !c.is_empty() => (Some(p.to_owned()), c.to_owned()),
            Some(_) => {
                self.notes.push(format!(
                    "“{word}” names no category; it was searched as words."
                ));
                self.plain(word.trim_start_matches('#'));
                return;
            }
            None => (None, value),
        };
        self.category = Some(CategoryRef { parent, slug });
    }
}

/// A filter a query can carry: one removable chip on the results page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Scope,
    Author,
    Category,
    Before,
    After,
    Status,
    InLikes,
    InPosted,
    Order,
}

impl SearchQuery {
    /// The filters this query carries, each with the operator text that sets it.
    pub fn filters(&self) -> Vec<(Filter, String)> {
        let mut out = Vec::new();
        match self.scope {
            Scope::Everywhere => {}
            Scope::Title => out.push((Filter::Scope, "in:title".to_owned())),
            Scope::FirstPost => out.push((Filter::Scope, "in:first".to_owned())),
        }
        match &self.author {
            Some(Author::Me) => out.push((Filter::Author, "@me".to_owned())),
            Some(Author::Named(n)) => out.push((Filter::Author, format!("@{n}"))),
            None => {}
        }
        if let Some(c) = &self.category {
            let label = match &c.parent {
                Some(p) => format!("#{p}:{}", c.slug),
                None => format!("#{}", c.slug),
            };
            out.push((Filter::Category, label));
        }
        if let Some(d) = self.before {
            out.push((Filter::Before, format!("before:{d}")));
        }
        if let Some(d) = self.after {
            out.push((Filter::After, format!("after:{d}")));
        }
        match self.status {
            Some(Status::Open) => out.push((Filter::Status, "status:open".to_owned())),
            Some(Status::Closed) => out.push((Filter::Status, "status:closed".to_owned())),
            None => {}
        }
        if self.in_likes {
            out.push((Filter::InLikes, "in:likes".to_owned()));
        }
        if self.in_posted {
            out.push((Filter::InPosted, "in:posted".to_owned()));
        }
        let order = match self.order {
            Order::Relevance => None,
            Order::Latest => Some("order:latest"),
            Order::Oldest => Some("order:oldest"),
            Order::Likes => Some("order:likes"),
            Order::Views => Some("order:views"),
        };
        if let Some(o) = order {
            out.push((Filter::Order, o.to_owned()));
        }
        out
    }

    /// This query without one filter.
    pub fn without(&self, filter: Filter) -> SearchQuery {
        let mut q = self.clone();
        match filter {
            Filter::Scope => q.scope = Scope::Everywhere,
            Filter::Author => q.author = None,
            Filter::Category => q.category = None,
            Filter::Before => q.before = None,
            Filter::After => q.after = None,
            Filter::Status => q.status = None,
            Filter::InLikes => q.in_likes = false,
            Filter::InPosted => q.in_posted = false,
            Filter::Order => q.order = Order::Relevance,
        }
        q
    }

    /// The query as one would type it: parsing this gives the same query back.
    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = self.words.clone();
        parts.extend(self.phrases.iter().map(|p| format!("\"{p}\"")));
        parts.extend(self.excluded.iter().map(|e| {
            if e.contains(char::is_whitespace) {
                format!("-\"{e}\"")
            } else {
                format!("-{e}")
            }
        }));
        parts.extend(self.filters().into_iter().map(|(_, label)| label));
        parts.join(" ")
    }
}

/// A word cut to [`MAX_TERM_CHARS`] characters.
fn clip(s: &str) -> String {
    s.chars().take(MAX_TERM_CHARS).collect()
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: the first day of that period.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let number = |part: Option<&str>, digits: std::ops::RangeInclusive<usize>| -> Option<u32> {
        let part = part?;
        if !digits.contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let mut parts = s.split('-');
    let year = i32::try_from(number(parts.next(), 4..=4)?).ok()?;
    let month = match parts.next() {
        Some(m) => number(Some(m), 1..=2)?,
        None => 1,
    };
    let day = match parts.next() {
        Some(d) => number(Some(d), 1..=2)?,
        None => 1,
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

enum Token {
    Word(String),
    Phrase { text: String, negated: bool },
}

impl Token {
    /// Words, phrases and exclusions count towards [`MAX_TERMS`]; operators do not.
    fn is_term(&self) -> bool {
        match self {
            Token::Phrase { .. } => true,
            Token::Word(w) => !w.contains(':') && !w.starts_with(['@', '#']),
        }
    }
}

/// Splits on whitespace; `"…"` (or `-"…"`) is one phrase. An unclosed quote runs to the end,
/// with a note.
fn tokenize(input: &str, notes: &mut Vec<String>) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&c) = chars.peek() else {
            break;
        };
        let negated_phrase = c == '-' && {
            let mut ahead = chars.clone();
            ahead.next();
            ahead.peek() == Some(&'"')
        };
        if c == '"' || negated_phrase {
            if negated_phrase {
                chars.next();
            }
            chars.next();
            let mut text = String::new();
            let mut closed = false;
            for ch in chars.by_ref() {
                if ch == '"' {
                    closed = true;
                    break;
                }
                text.push(ch);
            }
            if !closed {
                notes.push("A quote was not closed; the phrase runs to the end.".into());
            }
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            tokens.push(Token::Phrase {
                text,
                negated: negated_phrase,
            });
            continue;
        }
        let mut word = String::new();
        while let Some(ch) = chars.next_if(|ch| !ch.is_whitespace() && *ch != '"') {
            word.push(ch);
        }
        if word.is_empty() {
            // A quote inside a word: start a phrase at it next time round.
            continue;
        }
        tokens.push(Token::Word(word));
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let q = SearchQuery::parse(r#"  Izvestia "neutrality pact"  -Berlin -"von Ribbentrop" "#);
        assert_eq!(q.words, ["Izvestia"]);
        assert_eq!(q.phrases, ["neutrality pact"]);
        assert_eq!(q.excluded, ["Berlin", "von Ribbentrop"]);
        assert!(q.notes.is_empty());
        assert!(!q.is_empty());
    }

    #[test]
    fn discourse_operators() {
        let q = SearchQuery::parse(
            "pact in:title @Lena #history status:closed before:1941-06 after:1941 order:likes",
        );
        assert_eq!(q.words, ["pact"]);
        assert_eq!(q.scope, Scope::Title);
        assert_eq!(q.author, Some(Author::Named("lena".into())));
        assert_eq!(
            q.category,
            Some(CategoryRef {
                parent: None,
                slug: "history".into()
            })
        );
        assert_eq!(q.status, Some(Status::Closed));
        assert_eq!(q.before, date(1941, 6, 1));
        assert_eq!(q.after, date(1941, 1, 1));
        assert_eq!(q.order, Order::Likes);
        let q = SearchQuery::parse(
            "user:me category:history:diplomacy in:first in:likes in:posted order:l after:1941-04-13",
        );
        assert_eq!(q.author, Some(Author::Me));
        assert_eq!(
            q.category,
            Some(CategoryRef {
                parent: Some("history".into()),
                slug: "diplomacy".into()
            })
        );
        assert_eq!(q.scope, Scope::FirstPost);
        assert!(q.in_likes && q.in_posted);
        assert_eq!(q.order, Order::Latest);
        assert_eq!(q.after, date(1941, 4, 13));
        assert!(q.words.is_empty() && !q.is_empty());
        assert_eq!(SearchQuery::parse("in:t in:f").scope, Scope::Title);
        assert_eq!(SearchQuery::parse("ORDER:Views").order, Order::Views);
        assert_eq!(SearchQuery::parse("status:open").status, Some(Status::Open));
    }

    #[test]
    fn what_is_not_understood_is_searched_as_words() {
        let q =
            SearchQuery::parse("tags:history before:yesterday in:bookmarks 12:30 before:1941-13");
        assert_eq!(
            q.words,
            [
                "tags:history",
                "before:yesterday",
                "in:bookmarks",
                "12:30",
                "before:1941-13"
            ]
        );
        assert_eq!(q.before, None);
        assert_eq!(q.notes.len(), 3, "{:?}", q.notes);
        assert!(q.notes[0].contains("before:yesterday"));
        assert!(q.notes[1].contains("in:bookmarks"));
        // Lone signs are words too.
        let q = SearchQuery::parse("- @ # :");
        assert_eq!(q.words, ["-", "@", "#", ":"]);
    }

    #[test]
    fn malformed_input_is_answered_not_refused() {
        let q = SearchQuery::parse(r#"pact "unclosed phrase"#);
        assert_eq!(q.words, ["pact"]);
        assert_eq!(q.phrases, ["unclosed phrase"]);
        assert_eq!(q.notes.len(), 1);
        let q = SearchQuery::parse(r#"a"b""#);
        assert_eq!(q.words, ["a"]);
        assert_eq!(q.phrases, ["b"]);
        assert!(SearchQuery::parse(r#""" "  ""#).is_empty());
        assert!(SearchQuery::parse("").is_empty());
        assert!(SearchQuery::parse("   \t\n ").is_empty());
        // 10 kB of words: 32 kept, the rest noted.
        let long = "word ".repeat(2_000);
        let q = SearchQuery::parse(&long);
        assert_eq!(q.words.len(), MAX_TERMS);
        assert!(q.notes[0].contains("1968 more"), "{:?}", q.notes);
        // One 10 kB word is cut.
        let q = SearchQuery::parse(&"x".repeat(10_000));
        assert_eq!(q.words[0].chars().count(), MAX_TERM_CHARS);
        // Operators do not count towards the limit.
        let q = SearchQuery::parse(&format!("{} @lena", "w ".repeat(40)));
        assert_eq!(q.author, Some(Author::Named("lena".into())));
    }

    #[test]
    fn every_naughty_string_parses() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/corpora/naughty-strings.txt"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut lines = 0;
        for line in text.split('\n') {
            lines += 1;
            let q = SearchQuery::parse(line);
            for w in q.words.iter().chain(&q.phrases).chain(&q.excluded) {
                assert!(w.chars().count() <= MAX_TERM_CHARS);
                assert!(!w.is_empty());
            }
        }
        assert!(lines > 500, "{lines} lines");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1941"), date(1941, 1, 1));
        assert_eq!(parse_date("1941-04"), date(1941, 4, 1));
        assert_eq!(parse_date("1941-04-14"), date(1941, 4, 14));
        for bad in [
            "",
            "41-4",
            "1941-02-30",
            "1941-04-14-1",
            "0",
            "1941-4-14x",
            "+1941",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn filters_become_chips_and_text_round_trips() {
        let typed = r#"pact "neutrality pact" -war -"von Ribbentrop" in:title @lena #history:diplomacy before:1941-06 after:1941 status:open in:likes in:posted order:likes"#;
        let q = SearchQuery::parse(typed);
        let labels: Vec<String> = q.filters().into_iter().map(|(_, l)| l).collect();
        assert_eq!(
            labels,
            [
                "in:title",
                "@lena",
                "#history:diplomacy",
                "before:1941-06-01",
                "after:1941-01-01",
                "status:open",
                "in:likes",
                "in:posted",
                "order:likes"
            ]
        );
        assert_eq!(SearchQuery::parse(&q.to_text()), q);
        let without = q.without(Filter::Author);
        assert_eq!(without.author, None);
        assert!(!without.to_text().contains("@lena"));
        assert_eq!(without.words, q.words);
        for (f, _) in q.filters() {
            assert_eq!(q.without(f).filters().len(), q.filters().len() - 1, "{f:?}");
        }
    }
}
