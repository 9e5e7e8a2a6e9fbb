//! Validated input. Each type can only be built through its `parse`, which names the field and
//! the rule when the input breaks it; everything downstream can trust the value.

use crate::limits::*;
use crate::{Error, Result};

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Text with a NUL character in it is refused: it means nothing in text, and PostgreSQL
/// cannot store it.
fn no_nul(field: &'static str, label: &str, s: &str) -> Result<()> {
    if s.contains('\0') {
        return Err(Error::invalid(
            field,
            format!("{label} contains a NUL character (\\u0000), which text cannot hold"),
        ));
    }
    Ok(())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Takes the validated text.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// A member's handle: 3–20 of `[A-Za-z0-9_.-]`, starting and ending with a letter, digit or
    /// underscore. Unique ignoring case; the case as typed is kept for display.
    Username
);

impl Username {
    pub fn parse(input: &str) -> Result<Self> {
        let name = input.trim();
        let n = name.chars().count();
        if !(USERNAME_MIN..=USERNAME_MAX).contains(&n) {
            return Err(Error::invalid(
                "username",
                format!("Username must be {USERNAME_MIN} to {USERNAME_MAX} characters long"),
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(Error::invalid(
                "username",
                "Username may contain only letters A–Z, digits, underscores, dots and hyphens",
            ));
        }
        let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
            return Err(Error::invalid(
                "username",
                "Username must begin and end with a letter, digit or underscore",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The form used for uniqueness and URLs.
    pub fn lower(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

text_type!(
    /// An email address, checked for shape only (delivery proves the rest). Stored as typed,
    /// compared lower-cased.
    Email
);

impl Email {
    pub fn parse(input: &str) -> Result<Self> {
        let email = input.trim();
        let bad = || Error::invalid("email", "Enter an email address such as name@example.org");
        if email.len() > EMAIL_MAX || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || local.contains('@') || !domain_ok {
            return Err(bad());
        }
        Ok(Self(email.to_owned()))
    }

    /// The form used for uniqueness.
    pub fn lower(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A password a member chose: 10–200 characters, not one of the most common passwords and not
/// the username. Never stored; only its hash is.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    pub fn parse(input: &str, username: &str) -> Result<Self> {
        let n = char_len(input);
        if n < PASSWORD_MIN {
            return Err(Error::invalid(
                "password",
                format!("Password must be at least {PASSWORD_MIN} characters long"),
            ));
        }
        if n > PASSWORD_MAX {
            return Err(Error::invalid(
                "password",
                format!("Password must be at most {PASSWORD_MAX} characters long"),
            ));
        }
        let lower = input.to_lowercase();
        if crate::passwords::is_common(&lower) {
            return Err(Error::invalid(
                "password",
                "That password is one of the most common ones; choose another",
            ));
        }
        if !username.is_empty() && lower.contains(&username.to_lowercase()) {
            return Err(Error::invalid(
                "password",
                "Password must not contain your username",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// A topic's title: 15–255 characters once surrounding whitespace is trimmed.
    TopicTitle
);

impl TopicTitle {
    pub fn parse(input: &str) -> Result<Self> {
        no_nul("title", "Title", input)?;
        let title = input.trim();
        let n = char_len(title);
        if n < TITLE_MIN {
            return Err(Error::invalid(
                "title",
                format!("Title is too short (minimum is {TITLE_MIN} characters)"),
            ));
        }
        if n > TITLE_MAX {
            return Err(Error::invalid(
                "title",
                format!("Title is too long (maximum is {TITLE_MAX} characters)"),
            ));
        }
        if title.contains(['\n', '\r']) {
            return Err(Error::invalid("title", "Title must be a single line"));
        }
        Ok(Self(title.to_owned()))
    }
}

text_type!(
    /// A post's raw Markdown, exactly as typed: 20–32,000 characters, counted without
    /// surrounding whitespace.
    PostBody
);

impl PostBody {
    pub fn parse(input: &str) -> Result<Self> {
        no_nul("raw", "Body", input)?;
        let n = char_len(input.trim());
        // The whole text counts towards the maximum: spaces around it are stored too.
        let stored = char_len(input);
        if n < BODY_MIN {
            return Err(Error::invalid(
                "raw",
                format!("Body is too short (minimum is {BODY_MIN} characters)"),
            ));
        }
        if stored > BODY_MAX {
            return Err(Error::invalid(
                "raw",
                format!("Body is too long (maximum is {BODY_MAX} characters)"),
            ));
        }
        Ok(Self(input.to_owned()))
    }
}

text_type!(
    /// Why a post was edited, as the editor puts it: up to 255 characters on one line
    /// (Discourse's limit), trimmed; empty when not said.
    EditReason
);

impl EditReason {
    pub fn parse(input: &str) -> Result<Self> {
        let reason = input.trim();
        if char_len(reason) > EDIT_REASON_MAX {
            return Err(Error::invalid(
                "edit_reason",
                format!("The edit reason is too long: at most {EDIT_REASON_MAX} characters"),
            ));
        }
        if reason.chars().any(char::is_control) {
            return Err(Error::invalid(
                "edit_reason",
                "The edit reason is one line of text",
            ));
        }
        Ok(Self(reason.to_owned()))
    }
}

text_type!(
    /// What someone types to say who they are, at login or to reset a password: a username
    /// or an email, trimmed, at most an email's length, without control characters. Nothing
    /// longer or stranger can name an account, so it is refused before any lookup, throttle
    /// or write.
    LoginName
);

impl LoginName {
    pub fn parse(input: &str) -> Result<Self> {
        let login = input.trim();
        if login.is_empty() {
            return Err(Error::invalid(
                "login",
                "Enter your username or email address",
            ));
        }
        if char_len(login) > EMAIL_MAX || login.chars().any(char::is_control) {
            return Err(Error::invalid(
                "login",
                "That is neither a username nor an email address",
            ));
        }
        Ok(Self(login.to_owned()))
    }
}

text_type!(
    /// A category's name: 1–50 characters, trimmed.
    CategoryName
);

impl CategoryName {
    pub fn parse(input: &str) -> Result<Self> {
        no_nul("name", "Category name", input)?;
        let name = input.trim();
        let n = char_len(name);
        if n == 0 || n > NAME_MAX || name.contains(['\n', '\r']) {
            return Err(Error::invalid(
                "name",
                format!("Category name must be 1 to {NAME_MAX} characters on one line"),
            ));
        }
        Ok(Self(name.to_owned()))
    }
}

text_type!(
    /// A category colour: six upper-case hex digits without `#` (Discourse's form).
    Color
);

impl Color {
    /// Accepts `0088cc`, `#0088CC` or the short `#08c`; `field` names the form field.
    pub fn parse(field: &'static str, input: &str) -> Result<Self> {
        let hex = input.trim().trim_start_matches('#');
        let valid = matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(Error::invalid(
                field,
                "A colour is six hex digits, such as 0088CC",
            ));
        }
        let six: String = if hex.len() == 3 {
            hex.chars().flat_map(|c| [c, c]).collect()
        } else {
            hex.to_owned()
        };
        Ok(Self(six.to_ascii_uppercase()))
    }
}

text_type!(
    /// A category's description: at most 1,000 characters.
    Description
);

impl Description {
    pub fn parse(input: &str) -> Result<Self> {
        no_nul("description", "Description", input)?;
        if char_len(input) > DESCRIPTION_MAX {
            return Err(Error::invalid(
                "description",
                format!("Description is too long (maximum is {DESCRIPTION_MAX} characters)"),
            ));
        }
        Ok(Self(input.trim().to_owned()))
    }
}

text_type!(
    /// A member's display name: at most 50 characters on one line; may be empty.
    DisplayName
);

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self> {
        no_nul("name", "Name", input)?;
        let name = input.trim();
        if char_len(name) > NAME_MAX || name.contains(['\n', '\r']) {
            return Err(Error::invalid(
                "name",
                format!("Name must be at most {NAME_MAX} characters on one line"),
            ));
        }
        Ok(Self(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("anna_k").is_ok());
        assert!(Username::parse("a.b-c").is_ok());
        assert_eq!(
            Username::parse("  Boris ").map(|u| u.lower()),
            Ok("boris".into())
        );
        for bad in [
            "ab",
            "abcdefghijklmnopqrstu",
            "anna k",
            "ánna",
            ".anna",
            "anna-",
            "<b>x</b>",
        ] {
            let err = Username::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("username"), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert!(Email::parse("a@example.org").is_ok());
        for bad in [
            "",
            "a",
            "a@b",
            "@b.org",
            "a@.org",
            "a b@c.org",
            "a@b..org",
            "a\r\n@b.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords() {
        assert!(NewPassword::parse("correct horse battery", "anna").is_ok());
        assert!(NewPassword::parse("short", "anna").is_err());
        assert!(NewPassword::parse("1234567890", "anna").is_err());
        assert!(NewPassword::parse("Password123", "anna").is_err());
        assert!(NewPassword::parse("anna-is-my-name", "anna").is_err());
    }

    #[test]
    fn titles_and_bodies() {
        assert!(TopicTitle::parse("Why did the USSR trust the pact?").is_ok());
        assert!(TopicTitle::parse("Why did the USSR\0 trust the pact?").is_err());
        assert!(PostBody::parse("A body long enough to pass \0 the rule.").is_err());
        assert!(CategoryName::parse("Hist\0ory").is_err());
        assert_eq!(Color::parse("color", "#08c").unwrap().as_str(), "0088CC");
        assert_eq!(Color::parse("color", "b3b5b4").unwrap().as_str(), "B3B5B4");
        assert!(Color::parse("color", "red").is_err());
        assert!(Color::parse("color", "#12345").is_err());
        assert_eq!(
            TopicTitle::parse("too short").unwrap_err().to_string(),
            "Title is too short (minimum is 15 characters)"
        );
        assert!(TopicTitle::parse(&"x".repeat(256)).is_err());
        assert!(PostBody::parse("                      x").is_err());
        let padded = format!(
            "{}A body long enough to pass the rule.",
            " ".repeat(BODY_MAX)
        );
        assert!(
            PostBody::parse(&padded).is_err(),
            "spaces count towards the maximum"
        );
        assert_eq!(
            LoginName::parse("  Lena@Example.org ").unwrap().as_str(),
            "Lena@Example.org"
        );
        assert!(LoginName::parse("   ").is_err());
        assert!(LoginName::parse("le\0na").is_err());
        assert!(LoginName::parse(&"x".repeat(EMAIL_MAX + 1)).is_err());
        let body = "  exactly as typed, with spaces  ";
        assert_eq!(PostBody::parse(body).unwrap().as_str(), body);
    }
}
