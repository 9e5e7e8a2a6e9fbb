//! Test helpers: a real Stoa server on an ephemeral port with a fresh SQLite database in a
//! temporary directory, and an HTTP client that behaves like a browser (cookies, forms).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::cookie::Jar;
use stoa::Config;
use tokio::sync::oneshot;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(backend: Backend)` as two tests, `name::sqlite` and
/// `name::postgres`; the PostgreSQL one skips (or fails, when CI requires it) as
/// `stoa_db::testing` decides.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            }
        )*
    };
}

/// Settings for a fresh database on `backend`; None when PostgreSQL is not configured.
pub async fn fresh_config(backend: Backend, dir: &tempfile::TempDir, demo: bool) -> Option<Config> {
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let test = std::thread::current().name().unwrap_or("test").to_owned();
            Some(stoa_app::db::testing::fresh_postgres_url(&test).await?)
        }
    };
    Some(Config {
        data_dir: dir.path().to_path_buf(),
        bind: "127.0.0.1:0".parse().unwrap(),
        demo,
        log: "warn".into(),
        database_url,
        ..Config::default()
    })
}

/// A running server, its settings, and the directory holding its data.
pub struct TestServer {
    pub addr: SocketAddr,
    pub config: Config,
    pub dir: Arc<tempfile::TempDir>,
    pub admin_password: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// A new forum with the demo content; None when the backend is not available.
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::fresh(backend, true).await
    }

    /// A new forum with only the admin and the General category.
    pub async fn start_empty(backend: Backend) -> Option<Self> {
        Self::fresh(backend, false).await
    }

    async fn fresh(backend: Backend, demo: bool) -> Option<Self> {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let config = fresh_config(backend, &dir, demo).await?;
        Some(Self::start_with(config, dir).await)
    }

    /// Starts a server with these settings (for restarts: the same database again).
    pub async fn start_with(config: Config, dir: Arc<tempfile::TempDir>) -> Self {
        let server = stoa::Server::bind(&config).await.unwrap();
        let addr = server.local_addr().unwrap();
        let admin_password = server.first_run.as_ref().map(|f| f.admin_password.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .serve(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Self {
            addr,
            config,
            dir,
            admin_password,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the server gracefully and waits until it has closed the database; returns what
    /// [`TestServer::start_with`] needs to start it again.
    pub async fn stop(mut self) -> (Config, Arc<tempfile::TempDir>) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
        (self.config.clone(), self.dir.clone())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A browser-like visitor with no session.
    pub fn visitor(&self) -> Browser {
        Browser::new(self.addr)
    }

    /// Signs up a new member and returns their logged-in browser.
    pub async fn member(&self, username: &str) -> Browser {
        let b = self.visitor();
        let res = b.signup(username).await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "signup of {username}: {}",
            res.body
        );
        b
    }

    /// The admin, logged in.
    pub async fn admin(&self) -> Browser {
        let b = self.visitor();
        let res = b
            .login("admin", self.admin_password.as_deref().unwrap())
            .await;
        assert_eq!(res.status, StatusCode::OK, "admin login: {}", res.body);
        b
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub url: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The first CSRF token in the page's forms.
    pub fn csrf(&self) -> String {
        let marker = "name=\"authenticity_token\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no form token in {}", self.url))
            + marker.len();
        self.body[start..start + 64].to_owned()
    }
}

/// An HTTP client with a cookie jar, following redirects like a browser.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    /// Same cookies, but redirects are returned rather than followed.
    pub raw: reqwest::Client,
    pub jar: Arc<Jar>,
}

async fn read(res: reqwest::Response) -> Page {
    let status = res.status();
    let url = res.url().to_string();
    let headers = res.headers().clone();
    let body = res.text().await.unwrap();
    Page {
        status,
        url,
        headers,
        body,
    }
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .build()
            .unwrap();
        let raw = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: format!("http://{addr}"),
            client,
            raw,
            jar,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Page {
        read(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    /// GET without following a redirect.
    pub async fn get_raw(&self, path: &str) -> Page {
        read(self.raw.get(self.url(path)).send().await.unwrap()).await
    }

    /// POSTs a form exactly as given (no token added).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        read(
            self.client
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// POSTs a form without following the redirect.
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        read(
            self.raw
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Opens `page` and submits a form to `action` with the page's CSRF token, as a person would.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(page).await.csrf();
        let mut all = vec![("authenticity_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    pub async fn signup(&self, username: &str) -> Page {
        let email = format!("{username}@example.org");
        self.submit(
            "/signup",
            "/signup",
            &[
                ("username", username),
                ("email", &email),
                ("password", "a long enough passphrase"),
                ("name", ""),
            ],
        )
        .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("login", login), ("password", password), ("return_to", "/")],
        )
        .await
    }

    /// Starts a topic in category `category` and returns the page it lands on.
    pub async fn new_topic(&self, category: i64, title: &str, raw: &str) -> Page {
        let c = category.to_string();
        self.submit(
            "/new-topic",
            "/new-topic",
            &[("title", title), ("raw", raw), ("category", &c)],
        )
        .await
    }

    /// The token of any page this browser can open (for posting to other actions).
    pub async fn token(&self) -> String {
        self.get("/signup").await.csrf()
    }
}

impl Page {
    /// `(topic id, slug)` from a topic URL this page ended on.
    pub fn topic_of_url(&self) -> (i64, String) {
        let path = self
            .url
            .split("/t/")
            .nth(1)
            .unwrap_or_else(|| panic!("not a topic url: {}", self.url));
        let mut parts = path.split(['/', '#', '?']);
        let slug = parts.next().unwrap().to_owned();
        let id = parts.next().unwrap().parse().unwrap();
        (id, slug)
    }

    /// The `data-post-id` of post number `n` on this page.
    pub fn post_id(&self, n: i64) -> i64 {
        let marker = format!("id=\"post_{n}\" data-post-id=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no post {n} on {}", self.url))
            + marker.len();
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].parse().unwrap()
    }
}

/// Lines of a corpus in shared/, split on `\n` only, as its README asks.
pub fn corpus(name: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Checks that no executable script reaches the page: no script element except Stoa's own, no
/// event-handler attribute, no script-bearing URL. Returns what it found.
pub fn script_findings(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let mut found = Vec::new();
    for node in doc.tree.nodes() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        let name = el.name();
        if name == "script" {
            let ours = el
                .attr("src")
                .is_some_and(|s| s.starts_with("/assets/stoa-"));
            if !ours {
                found.push(format!(
                    "<script> element: {:?}",
                    el.attrs().collect::<Vec<_>>()
                ));
            }
        }
        for (attr, value) in el.attrs() {
            let attr_l = attr.to_ascii_lowercase();
            if attr_l.starts_with("on") {
                found.push(format!("<{name} {attr}={value:?}>"));
            }
            if matches!(
                attr_l.as_str(),
                "href" | "src" | "action" | "formaction" | "xlink:href" | "data" | "srcdoc"
            ) {
                // As a browser's URL parser reads it: C0 controls and spaces trimmed from both
                // ends, tabs and newlines removed anywhere.
                let v: String = value
                    .trim_matches(|c: char| c <= ' ')
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .collect::<String>()
                    .to_ascii_lowercase();
                if v.starts_with("javascript:")
                    || v.starts_with("vbscript:")
                    || v.starts_with("data:text/html")
                {
                    found.push(format!("<{name} {attr}={value:?}>"));
                }
            }
        }
        if matches!(
            name,
            "iframe" | "object" | "embed" | "svg" | "math" | "style" | "base" | "meta"
        ) {
            let in_head_meta =
                name == "meta" && (el.attr("charset").is_some() || el.attr("name").is_some());
            if !in_head_meta {
                found.push(format!("<{name}> element"));
            }
        }
    }
    found
}
