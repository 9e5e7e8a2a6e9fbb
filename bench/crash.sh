#!/usr/bin/env bash
# The long form of the crash-safety test: members post concurrently over HTTP while the real
# server is killed with SIGKILL at random moments, KILLS times, each after up to SECS seconds
# of writing; then every acknowledged post must be present and intact.
#
#   bench/crash.sh [KILLS] [SECS]      # default 20 kills × up to 60 s, on SQLite
#
# For PostgreSQL as well: eval "$(.ci/postgres.sh start)" first (sets STOA_TEST_DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
export STOA_CRASH_KILLS=${1:-20}
export STOA_CRASH_SECS=${2:-60}
cargo test --release -p stoa --test it -- crash:: --nocapture --test-threads 1 2>&1 | grep -E 'kills|test |result'
