//! Delivering the email queue (`email_queue`): SMTP through lettre, or, when no SMTP server is
//! configured, `.eml` files in a folder of the data directory so that the default run works
//! and shows what would have been sent.
//!
//! Each node runs one [`Mailer`]. It wakes when this node queues an email and polls every
//! second for the rest (other nodes' emails, retries). An email is claimed for a lease before
//! it is sent and marked sent after the server accepts it, so two nodes never send one row at
//! once and a crash mid-send only delays it. (A crash after the server accepted it but before
//! the mark is the one window in which an email can go twice; the Message-ID is the queue
//! row's, so receiving systems can tell the copies are one.)
//! Temporary failures are retried with exponential backoff; a permanent refusal (5xx) or
//! `max_attempts` failures give up and log.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use stoa_db::mail::{self, QueuedEmail};
use tokio::sync::Notify;

use crate::outbox::header_text;
use crate::{AppError, Db, Result, now};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on localhost, or tests).
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// An SMTP server to send through.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    /// None: the usual port for the TLS mode (25, 587 or 465).
    pub port: Option<u16>,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// How this node delivers email.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// None: write each email to `folder` instead.
    pub smtp: Option<SmtpConfig>,
    pub folder: PathBuf,
    pub from_address: String,
    pub from_name: String,
    /// The first retry waits this long; each later one twice as long, up to an hour.
    pub retry_base_secs: u64,
    /// Attempts before giving up on an email.
    pub max_attempts: i64,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

/// Delivers the queue; see the module documentation.
pub struct Mailer {
    db: Db,
    transport: Transport,
    from: Mailbox,
    config: MailConfig,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.describe())
            .finish_non_exhaustive()
    }
}

/// What one pass over the queue did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// How long a claim lasts: longer than any one send takes.
const LEASE_SECS: i64 = 120;
/// The longest wait between retries.
const MAX_BACKOFF_SECS: u64 = 3_600;
/// How often the queue is looked at when nothing wakes the mailer.
const POLL: Duration = Duration::from_secs(1);

impl Mailer {
    /// A mailer for `db`, woken by `wake` when this node queues an email.
    pub fn new(db: Db, config: MailConfig, wake: Arc<Notify>) -> Result<Self> {
        let from_name = header_text(&config.from_name);
        let address = config.from_address.parse().map_err(|e| {
            AppError::Internal(format!("email_from {:?}: {e}", config.from_address))
        })?;
        let from = Mailbox::new(Some(from_name).filter(|n| !n.is_empty()), address);
        let transport = match &config.smtp {
            None => Transport::Folder(config.folder.clone()),
            Some(smtp) => Transport::Smtp(smtp_transport(smtp)?),
        };
        Ok(Self {
            db,
            transport,
            from,
            config,
            wake,
        })
    }

    /// Where email goes, for the log.
    pub fn describe(&self) -> String {
        match (&self.transport, &self.config.smtp) {
            (Transport::Smtp(_), Some(s)) => {
                format!("SMTP {}:{} ({:?})", s.host, port(s), s.tls)
            }
            _ => format!("files in {}", self.config.folder.display()),
        }
    }

    /// Delivers until `shutdown` completes.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::error!(error = %e, "email queue pass failed");
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// One pass: every email due now is claimed and attempted.
    pub async fn deliver_due(&self) -> Result<Pass> {
        let mut pass = Pass::default();
        loop {
            let at = now();
            let mut tx = self.db.read().await?;
            let ids = mail::due(&mut tx, at, 20).await?;
            drop(tx);
            if ids.is_empty() {
                return Ok(pass);
            }
            for id in ids {
                let at = now();
                let mut tx = self.db.write().await?;
                let claimed =
                    mail::claim(&mut tx, id, at, at + chrono::Duration::seconds(LEASE_SECS))
                        .await?;
                tx.commit().await?;
                if let Some(email) = claimed {
                    self.attempt(email, &mut pass).await?;
                }
            }
        }
    }

    async fn attempt(&self, email: QueuedEmail, pass: &mut Pass) -> Result<()> {
        let outcome = if self.still_wanted(&email).await? {
            match self.message(&email) {
                Err(e) => Err(Give::Up(e)),
                Ok(message) => self.send(&email, message).await,
            }
        } else {
            pass.skipped += 1;
            Err(Give::Up(
                "not sent: the member read the notification on the site first".into(),
            ))
        };
        let outcome = match outcome {
            Err(Give::Retry(e)) if email.attempts + 1 >= self.config.max_attempts => Err(Give::Up(
                format!("{e} (gave up after {} attempts)", email.attempts + 1),
            )),
            other => other,
        };
        match &outcome {
            Ok(()) => pass.sent += 1,
            Err(Give::Retry(e)) => {
                pass.retried += 1;
                tracing::info!(email = email.id, error = %e, "email will be retried");
            }
            Err(Give::Up(e)) => {
                pass.failed += 1;
                tracing::warn!(email = email.id, kind = %email.kind, error = %e, "email not delivered");
            }
        }
        let at = now();
        let mut tx = self.db.write().await?;
        match outcome {
            Ok(()) => mail::mark_sent(&mut tx, email.id, at).await?,
            Err(Give::Up(e)) => mail::mark_failed(&mut tx, email.id, at, &e).await?,
            Err(Give::Retry(e)) => {
                let retry_at = at + backoff(self.config.retry_base_secs, email.attempts);
                mail::mark_retry(&mut tx, email.id, retry_at, &e).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// A notification email is wanted only while the notification is unread.
    async fn still_wanted(&self, email: &QueuedEmail) -> Result<bool> {
        let Some(n) = email.notification_id else {
            return Ok(true);
        };
        let mut tx = self.db.read().await?;
        Ok(stoa_db::notifications::is_unread(&mut tx, n).await?)
    }

    fn message(&self, email: &QueuedEmail) -> std::result::Result<Message, String> {
        let to: Mailbox = email
            .to_address
            .parse()
            .map_err(|e| format!("address {:?}: {e}", email.to_address))?;
        let domain = self
            .from
            .email
            .domain()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            .collect::<String>();
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(header_text(&email.subject))
            .message_id(Some(format!(
                "<stoa.email.{}.{}@{domain}>",
                email.id,
                email.created_at.timestamp()
            )));
        if let Some(url) = &email.unsubscribe_url {
            // RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs here.
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{}>", header_text(url)),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                email.text_body.clone(),
                email.html_body.clone(),
            ))
            .map_err(|e| format!("building the message: {e}"))
    }

    async fn send(&self, email: &QueuedEmail, message: Message) -> std::result::Result<(), Give> {
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(Give::Up(format!("refused: {e}"))),
                Err(e) => Err(Give::Retry(e.to_string())),
            },
            Transport::Folder(dir) => {
                let name = format!("{:08}-{}.eml", email.id, email.kind);
                let tmp = dir.join(format!(".{name}.tmp"));
                let bytes = message.formatted();
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&tmp, &bytes).await?;
                    tokio::fs::rename(&tmp, dir.join(&name)).await
                };
                write
                    .await
                    .map_err(|e| Give::Retry(format!("writing {}: {e}", dir.display())))
            }
        }
    }
}

/// Whether `s` is an address email can be sent from or to.
pub fn is_address(s: &str) -> bool {
    s.parse::<lettre::Address>().is_ok()
}

/// Why an attempt did not deliver.
enum Give {
    Retry(String),
    Up(String),
}

/// The wait before attempt `attempts + 2`: base, 2×base, 4×base… capped at an hour.
fn backoff(base_secs: u64, attempts: i64) -> chrono::Duration {
    let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    let secs = base_secs
        .max(1)
        .saturating_mul(2u64.saturating_pow(exp))
        .min(MAX_BACKOFF_SECS);
    chrono::Duration::seconds(i64::try_from(secs).unwrap_or(3_600))
}

fn port(smtp: &SmtpConfig) -> u16 {
    smtp.port.unwrap_or(match smtp.tls {
        SmtpTls::None => 25,
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
    })
}

fn smtp_transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let bad = |e: lettre::transport::smtp::Error| {
        AppError::Internal(format!("smtp_host {:?}: {e}", smtp.host))
    };
    let builder = match smtp.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        SmtpTls::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host).map_err(bad)?
        }
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host).map_err(bad)?,
    };
    let mut builder = builder
        .port(port(smtp))
        .timeout(Some(Duration::from_secs(30)));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(30, 0).num_seconds(), 30);
        assert_eq!(backoff(30, 1).num_seconds(), 60);
        assert_eq!(backoff(30, 3).num_seconds(), 240);
        assert_eq!(backoff(30, 12).num_seconds(), 3_600);
        assert_eq!(backoff(0, 0).num_seconds(), 1);
        assert_eq!(backoff(30, 1_000).num_seconds(), 3_600);
    }
}
