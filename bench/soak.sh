#!/usr/bin/env bash
# Soak: ten minutes of mixed traffic against the release binary on loopback, with its default
# limits on (crates/stoa/examples/soak.rs: visitors reading topics, lists, categories and
# search; members replying, liking, editing; failed and good logins; an API client). Prints
# requests served, statuses and p50/p99 per kind, and resident memory every 10 s; fails on any
# 5xx or transport error, or when memory is not flat (the last minute's mean more than 10 %
# off the second minute's).
#
#   bench/soak.sh [sqlite|postgres] [MINUTES]
#
# The forum is generated first (crates/stoa/examples/generate.rs, STOA_SOAK_POSTS posts,
# 50,000 by default), so that the traffic meets a forum of some size and SQLite's page caches
# fill in the first minute, as they would on a forum people use, instead of growing with an
# empty one. On PostgreSQL it uses STOA_SOAK_DATABASE_URL (an empty database), or starts a
# throwaway cluster with .ci/postgres.sh. Needs a release build (built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
minutes=${2:-10}
target=${CARGO_TARGET_DIR:-target}
posts=${STOA_SOAK_POSTS:-50000}
cargo build --release --locked --bin stoa --example soak --example generate
bin="$target/release/stoa"
soak="$target/release/examples/soak"
work=$(mktemp -d)
pg_dir=""
cleanup() {
  [ -n "${stoa_pid:-}" ] && kill "$stoa_pid" 2>/dev/null || true
  [ -n "$pg_dir" ] && .ci/postgres.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT

args=(--data-dir "$work/data")
if [ "$backend" = postgres ]; then
  url=${STOA_SOAK_DATABASE_URL:-}
  if [ -z "$url" ]; then
    eval "$(.ci/postgres.sh start)"
    pg_dir=$STOA_PG_DIR
    url=$STOA_TEST_DATABASE_URL
  fi
  args+=(--database-url "$url")
fi

echo "== generating a forum of $posts posts"
"$target/release/examples/generate" "${args[@]}" --posts "$posts" --members 500 > "$work/generate.log"

port=18495
STOA_LOG=warn "$bin" "${args[@]}" serve --bind "127.0.0.1:$port" > "$work/stoa.log" 2>&1 &
stoa_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/about.json" > /dev/null && break; sleep 0.2; done
key=$("$bin" "${args[@]}" admin api-key create --all-users --description "soak" |
  sed -n 's/^Key (shown only this once): //p')

echo "== soak on $backend for $minutes minutes (stoa pid $stoa_pid)"
status=0
"$soak" --base "http://127.0.0.1:$port" --pid "$stoa_pid" --api-key "$key" \
  --minutes "$minutes" || status=$?
if grep -q "ERROR" "$work/stoa.log"; then
  echo "the server logged errors:" >&2
  grep "ERROR" "$work/stoa.log" | head -20 >&2
  status=1
fi
exit "$status"
