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
        }
    }
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
        })
    }
}

impl Config {
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
        Ok(self)
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
        ] {
            assert!(
                text.contains(&format!("{key} =")),
                "stoa.example.toml lacks {key}"
            );
        }
    }
}
