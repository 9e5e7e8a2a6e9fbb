//! `stoa`: a community discussion forum in one binary.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use stoa::config::{Config, Layer};
use stoa_app::{SignupForm, generate_password};

/// jemalloc rather than the system's allocator, with two arenas and freed memory handed back
/// within a second (`.cargo/config.toml`): glibc keeps an arena per thread (the async workers,
/// each SQLite connection's thread, the blocking pool) and held a third more memory under the
/// benchmark, for good.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Stoa, a community discussion forum. With no command, `serve` runs.
#[derive(Debug, Parser)]
#[command(name = "stoa", version, about, long_about = None)]
struct Cli {
    /// A TOML settings file (see stoa.example.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the database lives [default: ./stoa-data].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Use this database instead of SQLite in the data directory: postgres://user@host/db.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the forum (the default). On an empty database, first creates the admin account
    /// and demo content.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Rebuild the search index (after an upgrade that changed how text is analysed), with a
    /// progress bar. The forum may keep serving meanwhile.
    Reindex {
        /// Only posts whose index row is missing or out of date.
        #[arg(long)]
        stale: bool,
    },
}

#[derive(Debug, Default, Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    /// On first run, do not add demo content.
    #[arg(long)]
    no_demo: bool,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an account. Without --password-stdin, a password is generated and printed once.
    CreateUser {
        /// The username (3–20 of A–Z, a–z, 0–9, _ . -).
        name: String,
        /// The account's email address.
        #[arg(long, value_name = "ADDR")]
        email: String,
        /// Make the account an admin.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password and end the account's sessions. Without --password-stdin, a password
    /// is generated and printed once.
    ResetPassword {
        /// The username.
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Manage keys for the JSON API (sent as the Api-Key and Api-Username headers).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
}

#[derive(Debug, Subcommand)]
enum ApiKeyCommand {
    /// Create a key; it is printed once and only its hash is stored.
    Create {
        /// The member the key acts as.
        #[arg(
            long,
            value_name = "NAME",
            required_unless_present = "all_users",
            conflicts_with = "all_users"
        )]
        user: Option<String>,
        /// The key may act as any member, named by the Api-Username header.
        #[arg(long)]
        all_users: bool,
        /// What the key is for (shown by `list`).
        #[arg(long, value_name = "TEXT")]
        description: String,
    },
    /// List keys: id, first characters, member, description, last use.
    List,
    /// Revoke a key by its id (from `list`); requests with it are refused at once.
    Revoke {
        /// The key's id.
        id: i64,
    },
}

fn load_config(cli: &Cli, serve: Option<&ServeArgs>) -> anyhow::Result<Config> {
    let mut config = Config::default();
    if let Some(path) = &cli.config {
        config = config.apply(Layer::from_file(path)?)?;
    }
    config = config.apply(Layer::from_env(|k| std::env::var(k).ok())?)?;
    let flags = Layer {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        bind: serve.and_then(|s| s.bind.clone()),
        demo: serve.and_then(|s| s.no_demo.then_some(false)),
        ..Layer::default()
    };
    config.apply(flags)
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}

fn read_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((generate_password(), true));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Password (then Enter):");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok((password, false))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match &cli.command {
        None => serve(&cli, &ServeArgs::default()).await,
        Some(Command::Serve(args)) => serve(&cli, args).await,
        Some(Command::Migrate) => {
            let config = load_config(&cli, None)?;
            init_logging(&config.log);
            stoa::open(&config).await?.db().close().await;
            println!("Database {} is up to date.", config.database_display());
            Ok(())
        }
        Some(Command::Admin(cmd)) => {
            let config = load_config(&cli, None)?;
            init_logging("warn");
            admin(&config, cmd).await
        }
        Some(Command::Reindex { stale }) => {
            let config = load_config(&cli, None)?;
            init_logging("warn");
            reindex(&config, !*stale).await
        }
    }
}

async fn reindex(config: &Config, all: bool) -> anyhow::Result<()> {
    let forum = stoa::open(config).await?;
    let started = std::time::Instant::now();
    let mut bar = stoa::progress::Bar::new("Indexing posts", std::io::stderr().is_terminal());
    let result = forum
        .reindex(all, |done, total| bar.update(done, total))
        .await;
    bar.finish();
    forum.db().close().await;
    let written = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "Search index: {written} posts indexed in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn serve(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    let config = load_config(cli, Some(args))?;
    init_logging(&config.log);
    let server = stoa::Server::bind(&config).await?;
    let addr = server.local_addr()?;
    // Listening for SIGTERM before the address is announced: see shutdown_signal.
    let shutdown = stoa::shutdown_signal();
    if let Some(first) = &server.first_run {
        println!();
        println!("  First run: created the admin account.");
        println!("    username: {}", first.admin_username);
        println!("    password: {}", first.admin_password);
        println!(
            "  This password is shown only this once. Keep it somewhere safe, or set your own"
        );
        println!(
            "  with `stoa admin reset-password {}`.",
            first.admin_username
        );
        if first.demo {
            println!("  Demo content added (categories General and History, and their topics).");
        }
        println!();
    }
    println!(
        "Stoa is serving {} at http://{addr}/  (Ctrl-C to stop)",
        config.site_name
    );
    println!("  Email: {}", server.mail_destination());
    tracing::info!(database = %config.database_display(), %addr, email = %server.mail_destination(), "serving");
    server.serve(shutdown).await?;
    println!("Stoa stopped.");
    Ok(())
}

async fn admin(config: &Config, cmd: &AdminCommand) -> anyhow::Result<()> {
    let forum = stoa::open(config).await?;
    let result = match cmd {
        AdminCommand::CreateUser {
            name,
            email,
            admin,
            password_stdin,
        } => {
            let (password, generated) = read_password(*password_stdin)?;
            let form = SignupForm {
                username: name.clone(),
                email: email.clone(),
                password: password.clone(),
                name: String::new(),
            };
            forum
                .create_user(&form, *admin)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Created {}{name}.", if *admin { "admin " } else { "" });
            if generated {
                println!("Password (shown only this once): {password}");
            }
            Ok(())
        }
        AdminCommand::ResetPassword {
            name,
            password_stdin,
        } => {
            let (password, generated) = read_password(*password_stdin)?;
            forum
                .set_password(name, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Password of {name} changed; their sessions were ended.");
            if generated {
                println!("New password (shown only this once): {password}");
            }
            Ok(())
        }
        AdminCommand::ApiKey(cmd) => api_key(&forum, cmd).await,
    };
    forum.db().close().await;
    result
}

async fn api_key(forum: &stoa_app::Forum, cmd: &ApiKeyCommand) -> anyhow::Result<()> {
    let fail = |e: stoa_app::AppError| anyhow::anyhow!("{e}");
    match cmd {
        ApiKeyCommand::Create {
            user, description, ..
        } => {
            let key = forum
                .create_api_key(user.as_deref(), description)
                .await
                .map_err(fail)?;
            let who = user
                .as_deref()
                .unwrap_or("any member named in Api-Username");
            println!("Created API key {} acting as {who}.", key.id);
            println!("Key (shown only this once): {}", key.key);
        }
        ApiKeyCommand::List => {
            let keys = forum.api_keys().await.map_err(fail)?;
            if keys.is_empty() {
                println!("No API keys.");
            }
            for k in keys {
                let who = k.username.as_deref().unwrap_or("(all users)");
                let used = k
                    .last_used_at
                    .map_or_else(|| "never used".to_owned(), |t| format!("last used {t}"));
                let state = if k.revoked_at.is_some() {
                    "  REVOKED"
                } else {
                    ""
                };
                println!(
                    "{:>4}  {}…  {who}  {:?}  {used}{state}",
                    k.id, k.truncated_key, k.description
                );
            }
        }
        ApiKeyCommand::Revoke { id } => {
            forum.revoke_api_key(*id).await.map_err(fail)?;
            println!("Revoked API key {id}.");
        }
    }
    Ok(())
}
