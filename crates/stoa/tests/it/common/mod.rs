//! Test helpers: a real Stoa server on an ephemeral port with a fresh SQLite database in a
//! temporary directory, and an HTTP client that behaves like a browser (cookies, forms).

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
            Some(stoa_db::testing::fresh_postgres_url(&test).await?)
        }
    };
    Some(Config {
        data_dir: dir.path().to_path_buf(),
        bind: "127.0.0.1:0".parse().unwrap(),
        demo,
        log: "warn".into(),
        database_url,
        // Tests make hundreds of requests a second from one address; the API's own tests
        // turn the limits back on.
        api_requests_per_key_per_minute: 0,
        requests_per_ip_per_minute: 0,
        requests_per_ip_per_10_seconds: 0,
        // Likewise for sign-ups; the hardening tests turn the limit back on.
        signups_per_ip_per_hour: 0,
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

/// What a browser says of a page it opens in its window: a top-level navigation (the only
/// kind of request that moves a member's read state).
pub fn navigation_headers() -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("sec-fetch-dest", "document".parse().unwrap());
    h.insert("sec-fetch-mode", "navigate".parse().unwrap());
    h.insert("sec-fetch-site", "same-origin".parse().unwrap());
    h
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(navigation_headers())
            .build()
            .unwrap();
        let raw = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(navigation_headers())
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

/// Lines of a corpus in tests/corpora/, split on `\n` only, as its README asks.
pub fn corpus(name: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpora")
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
        // The page's own icons are inline SVG (the sprite, `<use>` of it, category swatches),
        // always with one of these classes; any other SVG is an injection.
        let our_svg = name == "svg"
            && el
                .attr("class")
                .is_some_and(|c| matches!(c, "sprite" | "icon" | "swatch"));
        if !our_svg
            && matches!(
                name,
                "iframe" | "object" | "embed" | "svg" | "math" | "style" | "base" | "meta"
            )
        {
            let in_head_meta =
                name == "meta" && (el.attr("charset").is_some() || el.attr("name").is_some());
            if !in_head_meta {
                found.push(format!("<{name}> element"));
            }
        }
    }
    found
}

impl TestServer {
    /// A new forum with settings adjusted by `tweak` (email settings, say).
    pub async fn start_configured(
        backend: Backend,
        demo: bool,
        tweak: impl FnOnce(&mut Config),
    ) -> Option<Self> {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let mut config = fresh_config(backend, &dir, demo).await?;
        tweak(&mut config);
        Some(Self::start_with(config, dir).await)
    }

    /// Where this server writes emails when no SMTP server is configured.
    pub fn mail_dir(&self) -> PathBuf {
        self.config.email_folder()
    }

    /// Signs up a member and confirms their address with the link from the emails in
    /// `mail_dir` (the server's folder, or an SMTP server's maildir).
    pub async fn confirmed_member(&self, username: &str, mail_dir: &std::path::Path) -> Browser {
        let b = self.member(username).await;
        let to = format!("{username}@example.org");
        let mail = wait_for_mail(mail_dir, |m| m.to == to && m.subject.contains("Confirm")).await;
        let link = mail.link_path("/u/activate-account/");
        let done = b.submit(&link, &link, &[]).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(
            done.body.contains("Email address confirmed"),
            "{}",
            done.body
        );
        b
    }

    /// The forum underneath, opened a second time on the same database (for looking at the
    /// email queue the way the mailer does).
    pub async fn forum(&self) -> stoa_app::Forum {
        stoa::open(&self.config).await.unwrap()
    }
}

/// An email as it left Stoa: parsed from a `.eml` file or an SMTP server's maildir.
#[derive(Debug, Clone)]
pub struct Mail {
    pub file: PathBuf,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    /// Header names in order, after unfolding.
    pub header_names: Vec<String>,
    /// `(name, value)` pairs, unfolded, values undecoded.
    pub headers: Vec<(String, String)>,
}

impl Mail {
    fn parse(file: PathBuf) -> Option<Self> {
        let bytes = std::fs::read(&file).ok()?;
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        let head_end = raw
            .find("\r\n\r\n")
            .or_else(|| raw.find("\n\n"))
            .unwrap_or(raw.len());
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in raw[..head_end].split('\n') {
            let line = line.trim_end_matches('\r');
            if line.starts_with([' ', '\t']) {
                if let Some(last) = headers.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.to_owned(), value.trim().to_owned()));
            } else if !line.is_empty() {
                headers.push((line.to_owned(), String::new()));
            }
        }
        let message = mail_parser::MessageParser::default().parse(&bytes)?;
        Some(Self {
            file,
            to: message
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned(),
            subject: message.subject().unwrap_or_default().to_owned(),
            message_id: message.message_id().unwrap_or_default().to_owned(),
            text: message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: message
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            header_names: headers.iter().map(|(n, _)| n.clone()).collect(),
            headers,
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path (and query) of the first link in the text part containing `marker`.
    pub fn link_path(&self, marker: &str) -> String {
        let url = self
            .text
            .split_whitespace()
            .find(|w| w.contains(marker) && w.starts_with("http"))
            .unwrap_or_else(|| panic!("no link with {marker} in {}", self.text));
        let parsed = url::Url::parse(url).unwrap();
        parsed.path().to_owned()
    }
}

/// Every email in `dir`: `.eml` files, or a maildir's `new/` and `cur/` files; oldest first.
pub fn read_mails(dir: &std::path::Path) -> Vec<Mail> {
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("new"), dir.join("cur")] {
        if let Ok(entries) = std::fs::read_dir(&sub) {
            for e in entries.flatten() {
                let p = e.path();
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if p.is_file() && !name.starts_with('.') {
                    files.push(p);
                }
            }
        }
    }
    files.sort_by_key(|p| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .zip(Some(p.clone()))
    });
    files.into_iter().filter_map(Mail::parse).collect()
}

/// Waits (up to 20 s) for an email in `dir` that satisfies `pred`.
pub async fn wait_for_mail(dir: &std::path::Path, pred: impl Fn(&Mail) -> bool) -> Mail {
    for _ in 0..200 {
        if let Some(m) = read_mails(dir).into_iter().find(|m| pred(m)) {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let seen: Vec<String> = read_mails(dir)
        .iter()
        .map(|m| format!("{} | {}", m.to, m.subject))
        .collect();
    panic!(
        "no such email in {} after 20 s; there are: {seen:#?}",
        dir.display()
    );
}

/// A real SMTP server for tests: Python's aiosmtpd (Debian's `python3-aiosmtpd`), storing
/// what it receives in a maildir. Killed when dropped.
pub struct SmtpServer {
    child: std::process::Child,
    pub maildir: PathBuf,
}

const SMTP_PYTHON: &str = "/usr/bin/python3";
const REQUIRE_SMTP_VAR: &str = "STOA_TEST_REQUIRE_SMTP";

impl SmtpServer {
    /// Whether the SMTP server can run here. Without it a test skips with a message, or
    /// fails when `STOA_TEST_REQUIRE_SMTP=1` (CI) says it must run.
    pub fn available(test: &str) -> bool {
        let ok = std::process::Command::new(SMTP_PYTHON)
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            if std::env::var(REQUIRE_SMTP_VAR).is_ok_and(|v| v == "1") {
                panic!("{test}: {REQUIRE_SMTP_VAR}=1 but {SMTP_PYTHON} cannot import aiosmtpd");
            }
            eprintln!(
                "{test}: skipped: install Debian's python3-aiosmtpd to run it against a real \
                 SMTP server"
            );
        }
        ok
    }

    /// A port nothing listens on (yet).
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// Starts the server on `port` and waits until it accepts connections.
    pub async fn start(port: u16, maildir: &std::path::Path) -> Self {
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        let server = Self {
            child: std::process::Command::new(SMTP_PYTHON)
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(maildir)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
            maildir: maildir.to_path_buf(),
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the real `stoa` binary with `args` (and `env` on top of the test environment, with
/// the per-address limits off unless `env` sets them);
/// returns the child, its address, and the admin password on first run. The caller kills it.
#[expect(
    clippy::zombie_processes,
    reason = "the caller kills and waits; a failed start fails the test"
)]
pub fn spawn_stoa(
    args: &[String],
    env: &[(&str, &str)],
) -> (std::process::Child, String, Option<String>) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stoa"))
        .args(args)
        .env("STOA_LOG", "error")
        // Tests come from one address; a test that wants a per-address limit passes it.
        .env("STOA_REQUESTS_PER_IP_PER_MINUTE", "0")
        .env("STOA_REQUESTS_PER_IP_PER_10_SECONDS", "0")
        .env("STOA_SIGNUPS_PER_IP_PER_HOUR", "0")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut password = None;
    loop {
        let line = lines.next().expect("stoa exited before serving").unwrap();
        if let Some(p) = line.trim().strip_prefix("password: ") {
            password = Some(p.to_owned());
        }
        if let Some(rest) = line.split(" at http://").nth(1) {
            let addr = rest.split('/').next().unwrap().to_owned();
            std::thread::spawn(move || for _ in lines {});
            return (child, addr, password);
        }
    }
}
