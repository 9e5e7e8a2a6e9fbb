//! What Stoa emails, composed and queued inside the transaction that causes it: notification
//! emails to members who are away, sign-up confirmation links, password-reset links. Delivery
//! is the mailer's job (`crate::mailer`); this module decides who gets what, and writes it.
//!
//! Every value that reaches a header (the subject, made from titles and usernames) goes through
//! [`header_text`], so no input can end a header and start another.

use askama::Template;
use stoa_core::{NotificationKind, paths};
use stoa_db::mail::NewEmail;
use stoa_db::posts::PostRow;
use stoa_db::topics::TopicRow;
use stoa_db::users::UserRow;
use stoa_db::{Tx, mail};

use crate::{AppError, Forum, Result, now, random_hex, sha256_hex};

/// How long a sign-up confirmation link works (Discourse: 48 hours).
pub const SIGNUP_TOKEN_HOURS: i64 = 48;
/// How long a password-reset link works.
pub const RESET_TOKEN_HOURS: i64 = 1;

/// Token scopes, as Discourse names them.
pub const SCOPE_SIGNUP: &str = "signup";
pub const SCOPE_PASSWORD_RESET: &str = "password_reset";

/// One line of header text: control characters (CR and LF above all) and Unicode line
/// separators become spaces; runs of spaces collapse.
pub fn header_text(s: &str) -> String {
    let replaced: String = s
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What an email says: a greeting paragraph, an optional quoted passage, a button-like link,
/// and a footer. Written out twice, by `templates/email.txt` and `templates/email.html`.
struct Body<'a> {
    lead: String,
    quote: Option<&'a str>,
    link_label: &'a str,
    link: &'a str,
    footer: String,
    footer_link: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "email.txt")]
struct TextPart<'a> {
    b: &'a Body<'a>,
}

#[derive(Template)]
#[template(path = "email.html")]
struct HtmlPart<'a> {
    b: &'a Body<'a>,
}

impl Body<'_> {
    fn text(&self) -> Result<String> {
        TextPart { b: self }.render().map_err(rendering)
    }

    fn html(&self) -> Result<String> {
        HtmlPart { b: self }.render().map_err(rendering)
    }
}

fn rendering(e: askama::Error) -> AppError {
    AppError::Internal(format!("rendering an email: {e}"))
}

/// At most this much of a post goes into an email.
const EXCERPT_CHARS: usize = 2_000;

fn excerpt(raw: &str) -> String {
    let raw = raw.trim();
    match raw.char_indices().nth(EXCERPT_CHARS) {
        Some((i, _)) => format!("{}…", &raw[..i]),
        None => raw.to_owned(),
    }
}

impl Forum {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.base_url.trim_end_matches('/'))
    }

    fn subject(&self, what: &str) -> String {
        header_text(&format!("[{}] {what}", self.settings.site_name))
    }

    /// Queues the email for a notification if the recipient is away, has a confirmed address
    /// and has not unsubscribed.
    #[expect(
        clippy::too_many_arguments,
        reason = "each is a fact of the one notification or email being written"
    )]
    pub(crate) async fn email_notification(
        &self,
        tx: &mut Tx,
        recipient: &UserRow,
        notification_id: i64,
        kind: NotificationKind,
        post: &PostRow,
        topic: &TopicRow,
        actor: &UserRow,
    ) -> Result<()> {
        let at = now();
        let away_since = at - chrono::Duration::minutes(self.settings.email_away_minutes);
        let away = recipient.last_seen_at.is_none_or(|seen| seen < away_since);
        if !away || !recipient.email_notifications || recipient.email_verified_at.is_none() {
            return Ok(());
        }
        let link = self.url(&paths::post(&topic.slug, topic.id, post.post_number));
        let unsubscribe = self.url(&paths::unsubscribe(&recipient.unsubscribe_key));
        let verb = match kind {
            NotificationKind::Posted => "posted",
            other => other.verb(),
        };
        let body = Body {
            lead: format!("{} {verb} in “{}”:", actor.username, topic.title),
            quote: Some(&excerpt(&post.raw)),
            link_label: "Open it on the forum",
            link: &link,
            footer: format!(
                "You are receiving this because you have been away from {} for a while. \
                 Notification emails stop while you are active on the site.",
                self.settings.site_name
            ),
            footer_link: Some(("Unsubscribe", &unsubscribe)),
        };
        mail::enqueue(
            tx,
            &NewEmail {
                kind: kind.name(),
                user: Some(recipient.id),
                notification: Some(notification_id),
                to: &recipient.email,
                subject: &self.subject(&topic.title),
                text: &body.text()?,
                html: &body.html()?,
                unsubscribe_url: Some(&unsubscribe),
                at,
            },
        )
        .await?;
        Ok(())
    }

    /// Creates a single-use link token for `user` and queues the email that carries it.
    pub(crate) async fn email_link(&self, tx: &mut Tx, user: &UserRow, scope: &str) -> Result<()> {
        let token = random_hex(32);
        let at = now();
        let (hours, path, subject, lead, label, footer) = match scope {
            SCOPE_PASSWORD_RESET => (
                RESET_TOKEN_HOURS,
                paths::password_reset(&token),
                "Set a new password",
                format!(
                    "Someone asked to reset the password of {} on {}. If it was you, choose a \
                     new password with the link below. It works once, for {RESET_TOKEN_HOURS} \
                     hour.",
                    user.username, self.settings.site_name
                ),
                "Choose a new password",
                "If you did not ask for this, ignore this email: your password stays as it is.",
            ),
            _ => (
                SIGNUP_TOKEN_HOURS,
                paths::activate_account(&token),
                "Confirm your email address",
                format!(
                    "Welcome to {}, {}! Confirm that this address is yours with the link \
                     below, so that we can email you when someone answers you. It works once, \
                     for {SIGNUP_TOKEN_HOURS} hours.",
                    self.settings.site_name, user.username
                ),
                "Confirm my email address",
                "If you did not sign up, ignore this email and no account will use it.",
            ),
        };
        mail::expire_tokens(tx, user.id, scope, at).await?;
        mail::insert_token(
            tx,
            user.id,
            &sha256_hex(&token),
            scope,
            &user.email,
            at,
            at + chrono::Duration::hours(hours),
        )
        .await?;
        let link = self.url(&path);
        let body = Body {
            lead,
            quote: None,
            link_label: label,
            link: &link,
            footer: footer.to_owned(),
            footer_link: None,
        };
        mail::enqueue(
            tx,
            &NewEmail {
                kind: scope,
                user: Some(user.id),
                notification: None,
                to: &user.email,
                subject: &self.subject(subject),
                text: &body.text()?,
                html: &body.html()?,
                unsubscribe_url: None,
                at,
            },
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_cannot_break_a_header() {
        for bad in [
            "a\r\nBcc: x@example.com",
            "a\nX-Injected: 1",
            "a\rb",
            "a\u{2028}b",
            "a\u{85}b",
            "tab\there",
        ] {
            let h = header_text(bad);
            assert!(!h.chars().any(|c| c.is_control()), "{h:?}");
            assert!(!h.contains('\u{2028}'));
        }
        assert_eq!(header_text("  Why   did\r\nthe USSR "), "Why did the USSR");
    }

    #[test]
    fn excerpts_are_cut_on_a_character_boundary() {
        let long = "é".repeat(EXCERPT_CHARS + 10);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(excerpt(" short "), "short");
    }
}
