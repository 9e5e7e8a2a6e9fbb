//! Stoa's integration tests, in one test binary: each file is a module, and all share
//! `common` (a real server on an ephemeral port, a browser-like client, fresh databases on
//! both backends). One binary links once; ten linked the same helpers ten times.
//!
//! Run one module with `cargo test -p stoa --test it -- search::`.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test that cannot go on should stop where it stands, with the line"
)]

#[macro_use]
mod common;

mod api;
mod authorization;
mod cli;
mod concurrency;
mod crash;
mod email;
mod first_look;
mod flows;
mod hardening;
mod hostile_input;
mod notifications;
mod page_cache;
mod search;
