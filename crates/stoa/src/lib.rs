//! The `stoa` binary's pieces, as a library so that tests can start a real server in-process:
//! configuration, opening the forum, first run, and serving with graceful shutdown.

pub mod config;
pub mod progress;

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use anyhow::Context;
use axum::http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use stoa_app::demo::FirstRun;
use stoa_app::mailer::Mailer;
use stoa_app::{Forum, Settings};
use stoa_db::Db;
use stoa_db::PgSettings;
use stoa_web::{AppState, WebConfig};
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

pub use config::Config;

/// Opens the database — SQLite in the data directory (creating both if missing), or the
/// PostgreSQL database of `database_url` — and migrates it.
pub async fn open(config: &Config) -> anyhow::Result<Forum> {
    let where_ = config.database_display();
    let db = match config.database_url.as_deref() {
        Some(url) if url.starts_with("postgres") => {
            let settings = PgSettings {
                pool_size: config.pg_pool_size,
                statement_timeout_secs: config.pg_statement_timeout_secs,
                tls: config.pg_tls.clone(),
            };
            Db::open_postgres(url, &settings).await
        }
        other => {
            let path = match other.and_then(|u| u.strip_prefix("sqlite://")) {
                Some(p) => std::path::PathBuf::from(p),
                None => {
                    std::fs::create_dir_all(&config.data_dir).with_context(|| {
                        format!("creating the data directory {}", config.data_dir.display())
                    })?;
                    config.database_path()
                }
            };
            Db::open_sqlite(&path, config.db_readers).await
        }
    }
    .with_context(|| format!("opening the database {where_}"))?;
    db.migrate()
        .await
        .with_context(|| format!("migrating the database {where_}"))?;
    Ok(Forum::new(
        db,
        Settings {
            session_days: config.session_days,
            base_url: config.public_url(),
            site_name: config.site_name.clone(),
            email_away_minutes: config.email_away_minutes,
            api_limits: stoa_app::ApiLimits {
                per_key_per_minute: config.api_requests_per_key_per_minute,
                per_ip_per_minute: config.requests_per_ip_per_minute,
                per_ip_per_10_seconds: config.requests_per_ip_per_10_seconds,
            },
            signups_per_ip_per_hour: config.signups_per_ip_per_hour,
            topic_cache_bytes: config.page_cache_bytes().1,
        },
    ))
}

/// Indexes posts written before the search index existed (an upgraded database), so search
/// is complete from the first request; a no-op on an up-to-date forum.
async fn catch_up_search_index(forum: &Forum) -> anyhow::Result<()> {
    // The exact count reads every post; at each start only the index's ends are looked at.
    if !forum
        .search_index_may_be_stale()
        .await
        .context("checking the search index")?
    {
        return Ok(());
    }
    let (_, stale) = forum
        .search_index_status()
        .await
        .context("checking the search index")?;
    if stale == 0 {
        return Ok(());
    }
    tracing::info!(posts = stale, "indexing posts for search");
    let mut bar = progress::Bar::new("Indexing posts for search", false);
    forum
        .reindex(false, |done, total| bar.update(done, total))
        .await
        .context("indexing posts for search")?;
    bar.finish();
    Ok(())
}

/// A server listening on its port, not yet serving.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: axum::Router,
    limits: ConnectionLimits,
    forum: Arc<Forum>,
    mailer: Mailer,
    /// What first run created, if this start was the first.
    pub first_run: Option<FirstRun>,
}

impl Server {
    /// Opens the forum, runs first-run setup on an empty database, and binds the address.
    pub async fn bind(config: &Config) -> anyhow::Result<Self> {
        let forum = Arc::new(open(config).await?);
        let first_run = stoa_app::demo::first_run(&forum, config.demo)
            .await
            .context("first-run setup")?;
        catch_up_search_index(&forum).await?;
        let web = WebConfig {
            secure_cookies: config.secure_cookies,
            site_name: config.site_name.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            page_cache_bytes: config.page_cache_bytes().0,
        };
        let state = AppState::new(forum.clone(), web)
            .await
            .context("loading the site secret")?;
        let mailer = Mailer::new(forum.db().clone(), config.mail(), forum.mail_wake())
            .context("setting up email")?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let header_read_timeout = Duration::from_secs(config.header_read_timeout_secs.max(1));
        let request_timeout = Duration::from_secs(config.request_timeout_secs.max(1));
        let app = stoa_web::router(state).layer(
            tower::ServiceBuilder::new()
                // The whole request, body included; a handler cut off here rolls its
                // transaction back and its client is told to try again.
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    request_timeout,
                ))
                // A body that stops arriving.
                .layer(RequestBodyTimeoutLayer::new(header_read_timeout)),
        );
        Ok(Self {
            listener,
            app,
            limits: ConnectionLimits {
                header_timeout: header_read_timeout,
                grace: request_timeout + Duration::from_secs(5),
                trusted_proxies: config.trusted_proxies.clone(),
            },
            forum,
            mailer,
            first_run,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes the
    /// database.
    /// Where this node's email goes, for the log.
    pub fn mail_destination(&self) -> String {
        self.mailer.describe()
    }

    /// Serves (and delivers queued email) until `shutdown` completes, then finishes in-flight
    /// requests and the email being sent, and closes the database.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stop_mail = Arc::new(tokio::sync::Notify::new());
        let stop = stop_mail.clone();
        let mut mailer = tokio::spawn(self.mailer.run(async move { stop.notified().await }));
        let stop_resets = Arc::new(tokio::sync::Notify::new());
        let stop = stop_resets.clone();
        let resets = tokio::spawn(
            self.forum
                .clone()
                .run_reset_requests(async move { stop.notified().await }),
        );
        let stop_views = Arc::new(tokio::sync::Notify::new());
        let stop = stop_views.clone();
        let views = tokio::spawn(
            self.forum
                .clone()
                .run_view_counts(async move { stop.notified().await }),
        );
        let served = serve_http(self.listener, self.app, self.limits, shutdown).await;
        stop_mail.notify_one();
        stop_resets.notify_one();
        stop_views.notify_one();
        let _ = resets.await;
        let _ = views.await;
        if tokio::time::timeout(std::time::Duration::from_secs(35), &mut mailer)
            .await
            .is_err()
        {
            tracing::warn!("the mailer did not stop in time; unsent email stays queued");
            mailer.abort();
        }
        self.forum.db().close().await;
        served
    }
}

/// Connections one client address may hold open at once. A browser opens six; a trusted
/// proxy (which carries everyone's) any number.
const CONNECTIONS_PER_ADDRESS: usize = 64;

/// The clocks and bounds on every connection.
#[derive(Debug, Clone)]
struct ConnectionLimits {
    /// Headers must arrive within this; an idle keep-alive connection closes after it; a
    /// write the client does not take (it stopped reading) fails after it.
    header_timeout: Duration,
    /// How long shutdown waits for requests in flight.
    grace: Duration,
    trusted_proxies: Vec<ipnet::IpNet>,
}

/// One open connection from an address, given back when the connection ends.
struct Slot {
    open: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    key: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(n) = open.get_mut(&self.key)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Serves HTTP/1.1 on `listener` until `shutdown` completes, then lets the requests in flight
/// finish (for at most `limits.grace`). Unlike `axum::serve`, every connection has a clock: it
/// must send its headers within `header_timeout`, an idle keep-alive connection is closed after
/// the same time, and so is one that stops reading what it asked for; and no address holds
/// more than [`CONNECTIONS_PER_ADDRESS`] at once. Slow or silent clients cannot hold the
/// server's connections or memory.
async fn serve_http(
    listener: TcpListener,
    app: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let open: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>> = Arc::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = match stoa_web::peer_key(remote.ip(), &limits.trusted_proxies) {
            None => None,
            Some(key) => {
                let Ok(mut counts) = open.lock() else {
                    continue;
                };
                let n = counts.entry(key.clone()).or_insert(0);
                if *n >= CONNECTIONS_PER_ADDRESS {
                    // Dropped unanswered: this address holds enough already.
                    continue;
                }
                *n += 1;
                Some(Slot {
                    open: open.clone(),
                    key,
                })
            }
        };
        let _ = stream.set_nodelay(true);
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(limits.header_timeout));
        let service = app
            .clone()
            .map_request(move |mut req: axum::extract::Request<_>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(remote));
                req
            });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(
                TokioIo::new(Box::pin(stream)),
                TowerToHyperService::new(service),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutting down with requests still in flight after the grace period");
    }
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this is called,
/// not when the future is first polled: call it before telling anyone the server is up, or a
/// SIGTERM in between would kill the process without a graceful shutdown.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "cannot listen for SIGINT and SIGTERM");
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
