//! The real `stoa` binary: its commands, first run, and graceful shutdown on SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stoa() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stoa"));
    c.env("STOA_LOG", "warn");
    c
}

fn run(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = stoa()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn help_names_every_command() {
    let (ok, out, _) = run(&["--help"], None);
    assert!(ok);
    for word in ["serve", "migrate", "admin", "--config", "--data-dir"] {
        assert!(out.contains(word), "{word} in {out}");
    }
    let (ok, out, _) = run(&["serve", "--help"], None);
    assert!(ok && out.contains("--bind") && out.contains("--no-demo"));
    let (ok, out, _) = run(&["admin", "create-user", "--help"], None);
    assert!(
        ok && out.contains("--email")
            && out.contains("--admin")
            && out.contains("--password-stdin")
    );
    let (ok, out, _) = run(&["admin", "reset-password", "--help"], None);
    assert!(ok && out.contains("NAME"));
}

#[test]
fn migrate_and_admin_commands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (ok, out, err) = run(&["--data-dir", d, "migrate"], None);
    assert!(ok, "{err}");
    assert!(out.contains("is up to date"));
    assert!(dir.path().join("stoa.db").exists());

    let (ok, out, err) = run(
        &[
            "--data-dir",
            d,
            "admin",
            "create-user",
            "carla",
            "--email",
            "carla@example.org",
            "--admin",
            "--password-stdin",
        ],
        Some("a carefully chosen passphrase\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("Created admin carla"), "{out}");
    let (ok, _, err) = run(
        &[
            "--data-dir",
            d,
            "admin",
            "create-user",
            "Carla",
            "--email",
            "x@example.org",
            "--password-stdin",
        ],
        Some("another good passphrase\n"),
    );
    assert!(!ok);
    assert!(err.contains("That username is taken"), "{err}");
    let (ok, _, err) = run(
        &[
            "--data-dir",
            d,
            "admin",
            "create-user",
            "dora",
            "--email",
            "d@example.org",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!ok && err.contains("at least 10 characters"), "{err}");

    let (ok, out, err) = run(&["--data-dir", d, "admin", "reset-password", "carla"], None);
    assert!(ok, "{err}");
    assert!(
        out.contains("New password (shown only this once): "),
        "{out}"
    );
    let (ok, _, err) = run(
        &["--data-dir", d, "admin", "reset-password", "nobody"],
        None,
    );
    assert!(!ok && err.contains("not found"), "{err}");

    let (ok, _, err) = run(
        &[
            "--config",
            "/nonexistent/stoa.toml",
            "--data-dir",
            d,
            "migrate",
        ],
        None,
    );
    assert!(!ok && err.contains("/nonexistent/stoa.toml"), "{err}");
}

/// Starts `stoa serve` and returns the child and the address it printed.
#[expect(
    clippy::zombie_processes,
    reason = "the caller waits; a failed start fails the test"
)]
fn serve(args: &[&str]) -> (std::process::Child, String, Vec<String>) {
    let mut child = stoa()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "no address printed: {seen:?}");
        let line = lines.next().unwrap().unwrap();
        seen.push(line.clone());
        if let Some(rest) = line.split(" at http://").nth(1) {
            let addr = rest.split('/').next().unwrap().to_owned();
            std::thread::spawn(move || for _ in lines {});
            return (child, addr, seen);
        }
    }
}

fn sigterm_and_wait(mut child: std::process::Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            return;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn serve_first_run_no_demo_and_graceful_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (child, addr, printed) = serve(&[
        "--data-dir",
        d,
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--no-demo",
    ]);
    let text = printed.join("\n");
    assert!(
        text.contains("username: admin") && text.contains("password: "),
        "{text}"
    );
    assert!(!text.contains("Demo content added"));
    let latest = reqwest::get(format!("http://{addr}/latest"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !latest.contains("neutrality pact"),
        "no demo with --no-demo"
    );
    let cats = reqwest::get(format!("http://{addr}/categories"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(cats.contains(">General<"));
    sigterm_and_wait(child);

    // A second start on the same data: no second admin, no demo added to existing content.
    let (child, addr, printed) = serve(&["--data-dir", d, "serve", "--bind", "127.0.0.1:0"]);
    assert!(!printed.join("\n").contains("password: "), "{printed:?}");
    let latest = reqwest::get(format!("http://{addr}/latest"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!latest.contains("neutrality pact"));
    sigterm_and_wait(child);
}

#[tokio::test]
async fn environment_and_flags_choose_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let toml = dir.path().join("stoa.toml");
    std::fs::write(
        &toml,
        "site_name = \"Agora of Tests\"\nbind = \"127.0.0.1:1\"\n",
    )
    .unwrap();
    // The flag's --bind wins over the file's unusable port; the file's site name holds.
    let (child, addr, _) = serve(&[
        "--config",
        toml.to_str().unwrap(),
        "--data-dir",
        d,
        "serve",
        "--bind",
        "127.0.0.1:0",
    ]);
    let page = reqwest::get(format!("http://{addr}/latest"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Agora of Tests"));
    assert!(
        page.contains("neutrality pact"),
        "demo content on first run"
    );
    sigterm_and_wait(child);
}

#[tokio::test]
async fn serve_on_postgres_with_the_database_url_flag() {
    let Some(url) = stoa_db::testing::fresh_postgres_url("serve_on_postgres").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (child, addr, printed) = serve(&[
        "--data-dir",
        d,
        "--database-url",
        &url,
        "serve",
        "--bind",
        "127.0.0.1:0",
    ]);
    assert!(
        printed.join("\n").contains("Demo content added"),
        "{printed:?}"
    );
    let page = reqwest::get(format!("http://{addr}/t/x/2"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Why did the USSR trust its April 1941 neutrality pact with Japan?"));
    assert!(page.contains("<em>Izvestia</em>, 14 April 1941") && page.contains(">1 Like<"));
    assert!(
        !dir.path().join("stoa.db").exists(),
        "no SQLite file when on PostgreSQL"
    );
    sigterm_and_wait(child);
    let (ok, out, err) = run(&["--database-url", &url, "migrate"], None);
    assert!(ok, "{err}");
    assert!(
        out.contains("postgres://…@"),
        "password-free display: {out}"
    );
}

#[test]
fn api_keys_are_created_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (ok, _, err) = run(
        &[
            "--data-dir",
            d,
            "admin",
            "create-user",
            "bot",
            "--email",
            "bot@example.org",
            "--password-stdin",
        ],
        Some("a carefully chosen passphrase\n"),
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        &[
            "--data-dir",
            d,
            "admin",
            "api-key",
            "create",
            "--description",
            "x",
        ],
        None,
    );
    assert!(
        !ok && err.contains("--user"),
        "a key names its member or --all-users: {err}"
    );
    let (ok, _, err) = run(
        &[
            "--data-dir",
            d,
            "admin",
            "api-key",
            "create",
            "--user",
            "nobody",
            "--description",
            "x",
        ],
        None,
    );
    assert!(!ok && err.contains("not found"), "{err}");
    let (ok, out, err) = run(
        &[
            "--data-dir",
            d,
            "admin",
            "api-key",
            "create",
            "--user",
            "bot",
            "--description",
            "importer",
        ],
        None,
    );
    assert!(ok, "{err}");
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("Key (shown only this once): "))
        .unwrap()
        .to_owned();
    assert_eq!(key.len(), 64);
    let (ok, out, _) = run(
        &[
            "--data-dir",
            d,
            "admin",
            "api-key",
            "create",
            "--all-users",
            "--description",
            "sync",
        ],
        None,
    );
    assert!(
        ok && out.contains("any member named in Api-Username"),
        "{out}"
    );
    let (ok, out, _) = run(&["--data-dir", d, "admin", "api-key", "list"], None);
    assert!(ok);
    assert!(
        out.contains(&format!("{}…", &key[..4]))
            && out.contains("bot")
            && out.contains("\"importer\""),
        "{out}"
    );
    assert!(
        out.contains("(all users)") && !out.contains(&key),
        "the key itself is never listed: {out}"
    );
    // Only the hash is stored (in the database file and its write-ahead log alike).
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(
            !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
            "the key is not stored"
        );
    }
    let (ok, out, _) = run(&["--data-dir", d, "admin", "api-key", "revoke", "1"], None);
    assert!(ok && out.contains("Revoked API key 1"), "{out}");
    let (ok, out, _) = run(&["--data-dir", d, "admin", "api-key", "list"], None);
    assert!(ok && out.contains("REVOKED"), "{out}");
    let (ok, _, err) = run(&["--data-dir", d, "admin", "api-key", "revoke", "1"], None);
    assert!(!ok && err.contains("not found"), "{err}");
}
