#!/usr/bin/env bash
# Search latency on a generated forum of a million posts, on SQLite and on PostgreSQL.
#
#   bench/search.sh [SECONDS_PER_RUN] [RUNS]
#
# For each query, RUNS runs of wrk with one connection (so a latency is one request's whole
# time, HTTP included) and --latency; prints each run's median and p99 and the medians of
# those over the runs. Queries: one word (a common, a middling and a rare one: the generator
# draws words by Zipf's law and prints which), a phrase, and a word with three filters
# (category, date, status).
#
# Generated forums are kept for the next run:
#   STOA_BENCH_POSTS         posts to generate (default 1000000)
#   STOA_BENCH_DIR           where SQLite forums are kept (default ~/.cache/stoa-bench)
#   STOA_BENCH_DATABASE_URL  a PostgreSQL database to fill (or reuse, once filled); without it,
#                            a throwaway cluster is started with .ci/postgres.sh and filled,
#                            which takes about 25 minutes on 2 cores for a million posts
#   STOA_BENCH_BACKENDS      "sqlite postgres" (default) or either one
# Needs wrk (Debian: apt-get install wrk) and a release build (built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
runs=${2:-5}
posts=${STOA_BENCH_POSTS:-1000000}
cache=${STOA_BENCH_DIR:-$HOME/.cache/stoa-bench}
backends=${STOA_BENCH_BACKENDS:-sqlite postgres}
target=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin stoa --example generate
bin="$target/release/stoa"
gen="$target/release/examples/generate"
mkdir -p "$cache"
work=$(mktemp -d)
pg_dir=
cleanup() {
  [ -n "${stoa_pid:-}" ] && kill "$stoa_pid" 2>/dev/null || true
  [ -n "$pg_dir" ] && .ci/postgres.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT

# Latency as wrk prints it (850.00us, 1.23ms, 2.01s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    printf "%.2f", n }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$1"; }

bench_backend() {
  local backend=$1 words=$2
  shift 2
  # shellcheck disable=SC1090
  . "$words"
  local port=18490
  # wrk from one address: the per-address limits would answer most of it with 429.
  STOA_REQUESTS_PER_IP_PER_MINUTE=0 STOA_REQUESTS_PER_IP_PER_10_SECONDS=0 STOA_LOG=warn "$bin" "$@" serve --bind "127.0.0.1:$port" > "$work/stoa-$backend.log" 2>&1 &
  stoa_pid=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/latest" > /dev/null && break; sleep 0.5; done
  local -a names=("word, common (rank 50)" "word, middling (rank 500)" "word, rare (rank 5000)"
    "phrase" "word + 3 filters")
  local -a queries=("$word_rank_50" "$word_rank_500" "$word_rank_5000" '"neutrality pact"'
    "$word_rank_500 #$category after:2022 status:open")
  echo
  echo "== $backend, $posts posts: ${runs} runs of ${secs} s each, one connection"
  printf '%-28s %10s %12s %12s %s\n' query hits "median ms" "p99 ms" "(runs: median/p99)"
  for i in "${!names[@]}"; do
    local url="http://127.0.0.1:$port/search.json?q=$(urlencode "${queries[$i]}")"
    local hits
    hits=$(curl -sf "$url" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["posts"]), "+" if d["grouped_search_result"]["more_full_page_results"] else "", sep="")')
    : > "$work/p50"; : > "$work/p99"
    local detail=""
    for _ in $(seq "$runs"); do
      wrk -t1 -c1 -d"${secs}s" --latency "$url" > "$work/wrk.out"
      local p50 p99
      p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk.out")")
      p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")")
      echo "$p50" >> "$work/p50"; echo "$p99" >> "$work/p99"
      detail="$detail $p50/$p99"
    done
    printf '%-28s %10s %12s %12s %s\n' "${names[$i]}" "$hits" "$(median < "$work/p50")" "$(median < "$work/p99")" "$detail"
  done
  kill "$stoa_pid"; wait "$stoa_pid" 2>/dev/null || true; stoa_pid=
}

for backend in $backends; do
  case $backend in
    sqlite)
      dir="$cache/sqlite-$posts"
      if [ ! -f "$dir/words.env" ]; then
        rm -rf "$dir"
        echo "generating $posts posts on SQLite in $dir" >&2
        "$gen" --data-dir "$dir" --posts "$posts" > "$work/words.env"
        mv "$work/words.env" "$dir/words.env"
      fi
      bench_backend sqlite "$dir/words.env" --data-dir "$dir"
      ;;
    postgres)
      url=${STOA_BENCH_DATABASE_URL:-}
      if [ -z "$url" ]; then
        eval "$(.ci/postgres.sh start)"
        pg_dir=$STOA_PG_DIR
        url=$STOA_TEST_DATABASE_URL
      fi
      words="$cache/postgres-$posts.env"
      filled=$(psql "$url" -tAc "SELECT to_regclass('posts') IS NOT NULL AND EXISTS (SELECT 1 FROM posts)" 2>/dev/null || echo f)
      if [ "$filled" != t ] || [ ! -f "$words" ]; then
        echo "generating $posts posts on PostgreSQL" >&2
        "$gen" --database-url "$url" --posts "$posts" > "$work/words.env"
        mv "$work/words.env" "$words"
      fi
      bench_backend postgres "$words" --database-url "$url"
      ;;
  esac
done
