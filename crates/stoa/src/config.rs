//! Settings: defaults that run out of the box, then a TOML file (`--config`), then `STOA_*`
//! environment variables, then command-line flags — each later source wins. Every key is
//! documented in `stoa.example.toml`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The settings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub data_dir: PathBuf,
    pub bind: SocketAddr,
    pub site_name: String,
    pub secure_cookies: bool,
    pub demo: bool,
    pub log: String,
    pub session_days: i64,
    pub db_readers: u32,
    /// None: SQLite in the data directory. `postgres://…`: that PostgreSQL database.
    pub database_url: Option<String>,
    pub pg_pool_size: u32,
    pub pg_statement_timeout_secs: u64,
    pub pg_tls: Option<String>,
    /// The forum's public address, for links in emails. None: `http://{bind}`.
    pub base_url: Option<String>,
    /// The sender of Stoa's emails. None: `noreply@` the base URL's host.
    pub email_from: Option<String>,
    /// None: emails are written to `{data_dir}/emails` instead of sent.
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `tls` (implicit, port 465) or `none`.
    pub smtp_tls: String,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub email_away_minutes: i64,
    pub email_retry_base_secs: u64,
    pub email_max_attempts: i64,
    /// JSON API requests per key per minute (0: no limit).
    pub api_requests_per_key_per_minute: u32,
    /// Requests without an API key — pages and API — per client address per minute (0: no
    /// limit).
    pub requests_per_ip_per_minute: u32,
    /// The same per 10 seconds (0: no limit).
    pub requests_per_ip_per_10_seconds: u32,
    /// Sign-ups per client address per hour (0: no limit).
    pub signups_per_ip_per_hour: u32,
    /// Seconds a connection may take to send a request's headers, and may sit idle between
    /// requests or between pieces of a body.
    pub header_read_timeout_secs: u64,
    /// Seconds a request may take from its headers to its answer (body read included).
    pub request_timeout_secs: u64,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Megabytes of pages kept in memory (0: none): visitors' rendered pages, and what every
    /// reader of a topic's page is shown alike (see [`Config::page_cache_bytes`]).
    pub page_cache_mb: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./stoa-data"),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            site_name: "Stoa".into(),
            secure_cookies: false,
            demo: true,
            log: "info".into(),
            session_days: 60,
            db_readers: 4,
            database_url: None,
            pg_pool_size: 10,
            pg_statement_timeout_secs: 30,
            pg_tls: None,
            base_url: None,
            email_from: None,
            smtp_host: None,
            smtp_port: None,
            smtp_tls: "starttls".into(),
            smtp_username: None,
            smtp_password: None,
            email_away_minutes: 10,
            email_retry_base_secs: 30,
            email_max_attempts: 20,
            api_requests_per_key_per_minute: 60,
            requests_per_ip_per_minute: 200,
            requests_per_ip_per_10_seconds: 50,
            signups_per_ip_per_hour: 10,
            header_read_timeout_secs: 15,
            request_timeout_secs: 30,
            page_cache_mb: 16,
            // A proxy on the same machine (the usual set-up); a peer anywhere else is the client.
            trusted_proxies: vec![
                ipnet::IpNet::from(ipnet::Ipv4Net::new_assert([127, 0, 0, 0].into(), 8)),
                ipnet::IpNet::from(std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)),
            ],
        }
    }
}

/// An address (`10.0.0.7`) or a range (`10.0.0.0/8`).
fn parse_net(text: &str) -> anyhow::Result<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| anyhow::anyhow!("{text:?} is neither an address nor a range like 10.0.0.0/8"))
}

/// One layer of settings; absent keys leave the value below them alone.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub site_name: Option<String>,
    pub secure_cookies: Option<bool>,
    pub demo: Option<bool>,
    pub log: Option<String>,
    pub session_days: Option<i64>,
    pub db_readers: Option<u32>,
    pub database_url: Option<String>,
    pub pg_pool_size: Option<u32>,
    pub pg_statement_timeout_secs: Option<u64>,
    pub pg_tls: Option<String>,
    pub base_url: Option<String>,
    pub email_from: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_tls: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub email_away_minutes: Option<i64>,
    pub email_retry_base_secs: Option<u64>,
    pub email_max_attempts: Option<i64>,
    pub api_requests_per_key_per_minute: Option<u32>,
    /// Called `api_requests_per_ip_per_minute` before the pages shared the budget.
    #[serde(alias = "api_requests_per_ip_per_minute")]
    pub requests_per_ip_per_minute: Option<u32>,
    #[serde(alias = "api_requests_per_ip_per_10_seconds")]
    pub requests_per_ip_per_10_seconds: Option<u32>,
    pub signups_per_ip_per_hour: Option<u32>,
    pub page_cache_mb: Option<u32>,
    pub header_read_timeout_secs: Option<u64>,
    pub request_timeout_secs: Option<u64>,
    pub trusted_proxies: Option<Vec<String>>,
}

impl Layer {
    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Reads `STOA_*` variables through `get` (the process environment in production).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        fn parse<T: std::str::FromStr>(key: &str, v: Option<String>) -> anyhow::Result<Option<T>> {
            v.map(|s| {
                s.trim()
                    .parse::<T>()
                    .map_err(|_| anyhow::anyhow!("{key}={s:?} is not a valid value"))
            })
            .transpose()
        }
        Ok(Self {
            data_dir: get("STOA_DATA_DIR").map(PathBuf::from),
            bind: get("STOA_BIND"),
            site_name: get("STOA_SITE_NAME"),
            secure_cookies: parse("STOA_SECURE_COOKIES", get("STOA_SECURE_COOKIES"))?,
            demo: parse("STOA_DEMO", get("STOA_DEMO"))?,
            log: get("STOA_LOG"),
            session_days: parse("STOA_SESSION_DAYS", get("STOA_SESSION_DAYS"))?,
            db_readers: parse("STOA_DB_READERS", get("STOA_DB_READERS"))?,
            database_url: get("STOA_DATABASE_URL"),
            pg_pool_size: parse("STOA_PG_POOL_SIZE", get("STOA_PG_POOL_SIZE"))?,
            pg_statement_timeout_secs: parse(
                "STOA_PG_STATEMENT_TIMEOUT_SECS",
                get("STOA_PG_STATEMENT_TIMEOUT_SECS"),
            )?,
            pg_tls: get("STOA_PG_TLS"),
            base_url: get("STOA_BASE_URL"),
            email_from: get("STOA_EMAIL_FROM"),
            smtp_host: get("STOA_SMTP_HOST"),
            smtp_port: parse("STOA_SMTP_PORT", get("STOA_SMTP_PORT"))?,
            smtp_tls: get("STOA_SMTP_TLS"),
            smtp_username: get("STOA_SMTP_USERNAME"),
            smtp_password: get("STOA_SMTP_PASSWORD"),
            email_away_minutes: parse("STOA_EMAIL_AWAY_MINUTES", get("STOA_EMAIL_AWAY_MINUTES"))?,
            email_retry_base_secs: parse(
                "STOA_EMAIL_RETRY_BASE_SECS",
                get("STOA_EMAIL_RETRY_BASE_SECS"),
            )?,
            email_max_attempts: parse("STOA_EMAIL_MAX_ATTEMPTS", get("STOA_EMAIL_MAX_ATTEMPTS"))?,
            api_requests_per_key_per_minute: parse(
                "STOA_API_REQUESTS_PER_KEY_PER_MINUTE",
                get("STOA_API_REQUESTS_PER_KEY_PER_MINUTE"),
            )?,
            // The old names (`STOA_API_REQUESTS_PER_IP_*`) still work.
            requests_per_ip_per_minute: parse(
                "STOA_REQUESTS_PER_IP_PER_MINUTE",
                get("STOA_REQUESTS_PER_IP_PER_MINUTE")
                    .or_else(|| get("STOA_API_REQUESTS_PER_IP_PER_MINUTE")),
            )?,
            requests_per_ip_per_10_seconds: parse(
                "STOA_REQUESTS_PER_IP_PER_10_SECONDS",
                get("STOA_REQUESTS_PER_IP_PER_10_SECONDS")
                    .or_else(|| get("STOA_API_REQUESTS_PER_IP_PER_10_SECONDS")),
            )?,
            signups_per_ip_per_hour: parse(
                "STOA_SIGNUPS_PER_IP_PER_HOUR",
                get("STOA_SIGNUPS_PER_IP_PER_HOUR"),
            )?,
            page_cache_mb: parse("STOA_PAGE_CACHE_MB", get("STOA_PAGE_CACHE_MB"))?,
            header_read_timeout_secs: parse(
                "STOA_HEADER_READ_TIMEOUT_SECS",
                get("STOA_HEADER_READ_TIMEOUT_SECS"),
            )?,
            request_timeout_secs: parse(
                "STOA_REQUEST_TIMEOUT_SECS",
                get("STOA_REQUEST_TIMEOUT_SECS"),
            )?,
            // Comma-separated: `STOA_TRUSTED_PROXIES=10.0.0.0/8,192.168.1.4`.
            trusted_proxies: get("STOA_TRUSTED_PROXIES").map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
        })
    }
}

impl Config {
    /// `page_cache_mb` shared out: three quarters for visitors' rendered pages, a quarter for
    /// the parts of topic pages every reader is shown alike (members' pages are built from
    /// them).
    pub fn page_cache_bytes(&self) -> (u64, u64) {
        let bytes = u64::from(self.page_cache_mb) * 1024 * 1024;
        (bytes - bytes / 4, bytes / 4)
    }

    /// Applies a layer over these settings.
    pub fn apply(mut self, layer: Layer) -> anyhow::Result<Self> {
        if let Some(v) = layer.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = layer.bind {
            self.bind = v.parse().with_context(|| {
                format!("bind = {v:?}: expected an address such as 127.0.0.1:8080")
            })?;
        }
        if let Some(v) = layer.site_name {
            self.site_name = v;
        }
        if let Some(v) = layer.secure_cookies {
            self.secure_cookies = v;
        }
        if let Some(v) = layer.demo {
            self.demo = v;
        }
        if let Some(v) = layer.log {
            self.log = v;
        }
        if let Some(v) = layer.session_days {
            if v < 1 {
                bail!("session_days must be at least 1");
            }
            self.session_days = v;
        }
        if let Some(v) = layer.db_readers {
            if v < 1 {
                bail!("db_readers must be at least 1");
            }
            self.db_readers = v;
        }
        if let Some(v) = layer.database_url {
            let v = v.trim().to_owned();
            if !(v.is_empty()
                || v.starts_with("postgres://")
                || v.starts_with("postgresql://")
                || v.starts_with("sqlite://"))
            {
                bail!("database_url must start with postgres://, postgresql:// or sqlite://");
            }
            self.database_url = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = layer.pg_pool_size {
            if v < 1 {
                bail!("pg_pool_size must be at least 1");
            }
            self.pg_pool_size = v;
        }
        if let Some(v) = layer.pg_statement_timeout_secs {
            self.pg_statement_timeout_secs = v;
        }
        if let Some(v) = layer.pg_tls {
            const MODES: [&str; 6] = [
                "disable",
                "allow",
                "prefer",
                "require",
                "verify-ca",
                "verify-full",
            ];
            if !MODES.contains(&v.as_str()) {
                bail!("pg_tls = {v:?}: expected one of {}", MODES.join(", "));
            }
            self.pg_tls = Some(v);
        }
        if let Some(v) = layer.base_url {
            let v = v.trim().trim_end_matches('/').to_owned();
            let parsed = url::Url::parse(&v).with_context(|| {
                format!("base_url = {v:?}: expected https://host or http://host")
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                bail!("base_url = {v:?}: expected https://host or http://host");
            }
            self.base_url = Some(v);
        }
        if let Some(v) = layer.email_from {
            let v = v.trim().to_owned();
            if !stoa_app::mailer::is_address(&v) {
                bail!("email_from = {v:?} is not an email address");
            }
            self.email_from = Some(v);
        }
        if let Some(v) = layer.smtp_host {
            self.smtp_host = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        }
        if let Some(v) = layer.smtp_port {
            self.smtp_port = Some(v);
        }
        if let Some(v) = layer.smtp_tls {
            if !["starttls", "tls", "none"].contains(&v.as_str()) {
                bail!("smtp_tls = {v:?}: expected starttls, tls or none");
            }
            self.smtp_tls = v;
        }
        if let Some(v) = layer.smtp_username {
            self.smtp_username = Some(v);
        }
        if let Some(v) = layer.smtp_password {
            self.smtp_password = Some(v);
        }
        if let Some(v) = layer.email_away_minutes {
            if v < 0 {
                bail!("email_away_minutes must be 0 or more");
            }
            self.email_away_minutes = v;
        }
        if let Some(v) = layer.email_retry_base_secs {
            self.email_retry_base_secs = v;
        }
        if let Some(v) = layer.email_max_attempts {
            if v < 1 {
                bail!("email_max_attempts must be at least 1");
            }
            self.email_max_attempts = v;
        }
        if let Some(v) = layer.api_requests_per_key_per_minute {
            self.api_requests_per_key_per_minute = v;
        }
        if let Some(v) = layer.requests_per_ip_per_minute {
            self.requests_per_ip_per_minute = v;
        }
        if let Some(v) = layer.requests_per_ip_per_10_seconds {
            self.requests_per_ip_per_10_seconds = v;
        }
        if let Some(v) = layer.signups_per_ip_per_hour {
            self.signups_per_ip_per_hour = v;
        }
        if let Some(v) = layer.page_cache_mb {
            self.page_cache_mb = v;
        }
        if let Some(v) = layer.header_read_timeout_secs {
            self.header_read_timeout_secs = v;
        }
        if let Some(v) = layer.request_timeout_secs {
            self.request_timeout_secs = v;
        }
        if let Some(v) = layer.trusted_proxies {
            self.trusted_proxies = v
                .iter()
                .map(|p| parse_net(p))
                .collect::<anyhow::Result<_>>()
                .context("trusted_proxies")?;
        }
        Ok(self)
    }

    /// The public address links in emails start with.
    pub fn public_url(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
    }

    /// The sender address: configured, or `noreply@` the public host when it is a domain name.
    pub fn sender(&self) -> String {
        if let Some(from) = &self.email_from {
            return from.clone();
        }
        let host = url::Url::parse(&self.public_url())
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .filter(|h| h.contains('.') && h.chars().any(|c| c.is_ascii_alphabetic()))
            .unwrap_or_else(|| "localhost".to_owned());
        format!("noreply@{host}")
    }

    /// Where emails are written when no SMTP server is configured.
    pub fn email_folder(&self) -> PathBuf {
        self.data_dir.join("emails")
    }

    /// How this node delivers email.
    pub fn mail(&self) -> stoa_app::mailer::MailConfig {
        use stoa_app::mailer::{MailConfig, SmtpConfig, SmtpTls};
        MailConfig {
            smtp: self.smtp_host.as_ref().map(|host| SmtpConfig {
                host: host.clone(),
                port: self.smtp_port,
                tls: match self.smtp_tls.as_str() {
                    "none" => SmtpTls::None,
                    "tls" => SmtpTls::Tls,
                    _ => SmtpTls::StartTls,
                },
                username: self.smtp_username.clone(),
                password: self.smtp_password.clone(),
            }),
            folder: self.email_folder(),
            from_address: self.sender(),
            from_name: self.site_name.clone(),
            retry_base_secs: self.email_retry_base_secs,
            max_attempts: self.email_max_attempts,
        }
    }

    /// Where the database is, for messages (without any password in the URL).
    pub fn database_display(&self) -> String {
        match &self.database_url {
            Some(url) if url.starts_with("postgres") => match url.split_once('@') {
                Some((_, host)) => format!("postgres://…@{host}"),
                None => url.clone(),
            },
            Some(url) => url.clone(),
            None => self.database_path().display().to_string(),
        }
    }

    /// The SQLite file inside the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("stoa.db")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_layers_win() {
        let file: Layer =
            toml::from_str("bind = \"127.0.0.1:9000\"\nsite_name = \"From file\"\ndemo = false")
                .unwrap();
        let env =
            Layer::from_env(|k| (k == "STOA_BIND").then(|| "127.0.0.1:9100".to_owned())).unwrap();
        let flags = Layer {
            data_dir: Some("/tmp/x".into()),
            ..Layer::default()
        };
        let c = Config::default()
            .apply(file)
            .unwrap()
            .apply(env)
            .unwrap()
            .apply(flags)
            .unwrap();
        assert_eq!(c.bind.port(), 9100);
        assert_eq!(c.site_name, "From file");
        assert!(!c.demo);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn the_old_names_of_the_request_limits_still_work() {
        let layer: Layer = toml::from_str("api_requests_per_ip_per_minute = 7").unwrap();
        assert_eq!(layer.requests_per_ip_per_minute, Some(7));
        let layer = Layer::from_env(|k| {
            (k == "STOA_API_REQUESTS_PER_IP_PER_10_SECONDS").then(|| "3".to_owned())
        })
        .unwrap();
        assert_eq!(layer.requests_per_ip_per_10_seconds, Some(3));
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges() {
        let layer = Layer::from_env(|k| {
            (k == "STOA_TRUSTED_PROXIES").then(|| "10.0.0.0/8, 192.168.1.4,,::1".to_owned())
        })
        .unwrap();
        let config = Config::default().apply(layer).unwrap();
        let nets: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(nets, ["10.0.0.0/8", "192.168.1.4/32", "::1/128"]);
        let err = Config::default()
            .apply(Layer {
                trusted_proxies: Some(vec!["proxy.example.org".into()]),
                ..Layer::default()
            })
            .unwrap_err();
        assert!(format!("{err:#}").contains("trusted_proxies"), "{err:#}");
        let none = Config::default()
            .apply(Layer {
                trusted_proxies: Some(vec![]),
                ..Layer::default()
            })
            .unwrap();
        assert!(none.trusted_proxies.is_empty());
    }

    #[test]
    fn bad_values_are_named() {
        let err = Layer::from_env(|k| (k == "STOA_DEMO").then(|| "maybe".to_owned())).unwrap_err();
        assert!(err.to_string().contains("STOA_DEMO"), "{err}");
        let err = Config::default()
            .apply(Layer {
                bind: Some("nowhere".into()),
                ..Layer::default()
            })
            .unwrap_err();
        assert!(format!("{err:#}").contains("bind"), "{err:#}");
        assert!(toml::from_str::<Layer>("unknown_key = 1").is_err());
    }

    #[test]
    fn example_file_parses_and_names_every_key() {
        let text = include_str!("../../../stoa.example.toml");
        let layer: Layer = toml::from_str(text).unwrap();
        Config::default().apply(layer).unwrap();
        for key in [
            "data_dir",
            "bind",
            "site_name",
            "secure_cookies",
            "demo",
            "log",
            "session_days",
            "db_readers",
            "database_url",
            "pg_pool_size",
            "pg_statement_timeout_secs",
            "pg_tls",
            "base_url",
            "email_from",
            "smtp_host",
            "smtp_port",
            "smtp_tls",
            "smtp_username",
            "smtp_password",
            "email_away_minutes",
            "email_retry_base_secs",
            "email_max_attempts",
            "api_requests_per_key_per_minute",
            "requests_per_ip_per_minute",
            "requests_per_ip_per_10_seconds",
            "signups_per_ip_per_hour",
            "page_cache_mb",
            "header_read_timeout_secs",
            "request_timeout_secs",
            "trusted_proxies",
        ] {
            assert!(
                text.contains(&format!("{key} =")),
                "stoa.example.toml lacks {key}"
            );
        }
    }
}
