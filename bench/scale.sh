#!/usr/bin/env bash
# Stoa at a given size, side by side with nginx serving the very same bytes in the same run:
# the pages visitors and members open most, search, and durable post creation, at 16 and 64
# connections; medians of RUNS runs with their spread; cold start; peak memory. Prints a
# Markdown table (the one in the README's performance section comes from here).
#
#   bench/scale.sh [POSTS] [SECONDS_PER_RUN] [RUNS]     (defaults: 1000000 5 3)
#
# POSTS `demo` measures the demo forum a first start makes (its reference thread is the newest
# topic). Other sizes are generated once (crates/stoa/examples/generate.rs) and kept:
#   STOA_BENCH_DIR           where SQLite forums are kept (default ~/.cache/stoa-bench)
#   STOA_BENCH_BACKEND       sqlite (default) or postgres
#   STOA_BENCH_DATABASE_URL  postgres: a database to fill once and reuse; without it a
#                            throwaway cluster is started with .ci/postgres.sh (a million posts
#                            take about 25 minutes to generate there on 2 cores)
#   STOA_BENCH_CONNECTIONS   "16 64" (default)
#   STOA_BENCH_PAGES         which rows (default: topic latest category search topic-json
#                            latest-json member-topic member-search post; also: top). Rows
#                            named member-* are a signed-in member's, the rest a visitor's.
#   STOA_BENCH_BIN           the stoa binary (default: the release build, built if missing)
#   STOA_BENCH_WORD_RANK     how common the searched word is: 50, 500 (default) or 5000, its
#                            rank among the generated forum's words
# Every post the benchmark writes goes into a copy of the SQLite forum, so the kept one stays
# as generated. Needs wrk and nginx (Debian: apt-get install wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
posts=${1:-1000000}
secs=${2:-5}
runs=${3:-3}
backend=${STOA_BENCH_BACKEND:-sqlite}
cache=${STOA_BENCH_DIR:-$HOME/.cache/stoa-bench}
read -r -a conn_list <<< "${STOA_BENCH_CONNECTIONS:-16 64}"
read -r -a pages <<< "${STOA_BENCH_PAGES:-topic latest category search topic-json latest-json member-topic member-search post}"
target=${CARGO_TARGET_DIR:-target}
if [ -z "${STOA_BENCH_BIN:-}" ]; then
  cargo build --release --quiet --bin stoa --example generate
fi
bin=${STOA_BENCH_BIN:-$target/release/stoa}
gen=$(dirname "$bin")/examples/generate
[ -x "$gen" ] || cargo build --release --quiet --example generate
mkdir -p "$cache"
work=$(mktemp -d)
stoa_pid=; nginx_pid=; pg_dir=
cleanup() {
  kill $stoa_pid $nginx_pid 2>/dev/null || true
  [ -n "$pg_dir" ] && .ci/postgres.sh stop "$pg_dir" > /dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# The forum: generated once per size (and backend), then copied or reused.
case $backend in
  sqlite)
    if [ "$posts" = demo ]; then
      # The first start makes the demo forum in an empty data directory.
      kept=$work/demo
      mkdir -p "$work/data"
      : > "$kept.words"
    else
      kept="$cache/sqlite-$posts"
      if [ ! -e "$kept/done" ]; then
        rm -rf "$kept"
        "$gen" --data-dir "$kept" --posts "$posts" > "$kept.words" 2> "$work/generate.log"
        touch "$kept/done"
      fi
      cp -a "$kept" "$work/data"
    fi
    where=(--data-dir "$work/data")
    ;;
  postgres)
    url=${STOA_BENCH_DATABASE_URL:-}
    if [ -z "$url" ]; then
      eval "$(.ci/postgres.sh start 2> /dev/null)"
      pg_dir=$STOA_PG_DIR
      url=$STOA_TEST_DATABASE_URL
    fi
    if [ "$(psql "$url" -tAc "SELECT to_regclass('posts') IS NOT NULL" 2> /dev/null)" != t ]; then
      "$gen" --database-url "$url" --posts "$posts" > "$cache/postgres-$posts.words" 2> "$work/generate.log"
    fi
    where=(--database-url "$url" --data-dir "$work/data")
    ;;
  *) echo "STOA_BENCH_BACKEND is sqlite or postgres" >&2; exit 2 ;;
esac
words="$cache/$backend-$posts.words"
[ -e "$words" ] || words="$kept.words"
word=$(awk -F= -v r="word_rank_${STOA_BENCH_WORD_RANK:-500}" '$1 == r {print $2}' "$words" 2> /dev/null || true)
word=${word:-pact}

# Cold start: from exec to the first answered request.
port=18480
base=http://127.0.0.1:$port
if curl -s -o /dev/null "$base/" || curl -s -o /dev/null http://127.0.0.1:18481/; then
  echo "port $port or 18481 is in use: another server would be measured" >&2
  exit 1
fi
start_ns=$(date +%s%N)
STOA_API_REQUESTS_PER_KEY_PER_MINUTE=0 STOA_REQUESTS_PER_IP_PER_MINUTE=0 \
STOA_REQUESTS_PER_IP_PER_10_SECONDS=0 STOA_LOG=warn \
  "$bin" "${where[@]}" serve --bind "127.0.0.1:$port" > "$work/stoa.log" 2>&1 &
stoa_pid=$!
until curl -sf -o /dev/null "$base/latest"; do
  kill -0 "$stoa_pid" 2> /dev/null || { cat "$work/stoa.log" >&2; exit 1; }
  sleep 0.002
done
cold_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

json() { curl -sf "$base$1" | python3 -c "import json, sys; d = json.load(sys.stdin); print($2)"; }
topic_id=$(json /latest.json 'd["topic_list"]["topics"][0]["id"]')
topic_slug=$(json /latest.json 'd["topic_list"]["topics"][0]["slug"]')
category=$(json /categories.json '"/c/%s/%s" % ((c := d["category_list"]["categories"][0])["slug"], c["id"])')

# A member, signed in for their pages, with an API key for writing.
member=bencher$$
echo "a long enough passphrase" | "$bin" "${where[@]}" admin create-user "$member" \
  --email "$member@example.org" --password-stdin > /dev/null
key=$("$bin" "${where[@]}" admin api-key create --user "$member" --description bench 2> /dev/null \
  | grep -o '[0-9a-f]\{64\}' | head -1)
jar="$work/cookies"
token=$(curl -sf -c "$jar" "$base/login" | grep -o 'name="authenticity_token" value="[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{64\}')
curl -sf -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode "authenticity_token=$token" --data-urlencode "login=$member" \
  --data-urlencode "password=a long enough passphrase" --data-urlencode "return_to=/" \
  "$base/login"
session=$(awk '$6 == "_t" {print $7}' "$jar")
[ -n "$session" ] || { echo "could not log in the bench member" >&2; exit 1; }

path_of() {
  case $1 in
    latest) echo /latest ;;
    top) echo "/top?period=all" ;;
    category) echo "$category" ;;
    search | member-search) echo "/search?q=$word" ;;
    topic-json) echo "/t/$topic_id.json" ;;
    latest-json) echo /latest.json ;;
    *) echo "/t/$topic_slug/$topic_id" ;;
  esac
}
# member-* rows are a signed-in member's (never from the visitors' page cache).
header_of() { [[ $1 == member-* ]] && echo "Cookie: _t=$session" || echo "X-Bench: visitor"; }

# nginx serves each page's bytes as Stoa sent them.
mkdir -p "$work/www" "$work/tmp"
for page in "${pages[@]}"; do
  [ "$page" = post ] && continue
  curl -sf -H "$(header_of "$page")" "$base$(path_of "$page")" > "$work/www/$page.html"
done
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
error_log $work/nginx-error.log;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/html;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:18481; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
sleep 0.5

# Durable post creation: replies through the API, spread over the newest topics.
cat > "$work/post.lua" <<LUA
local n = 0
local topics = { $(json /latest.json '", ".join(str(t["id"]) for t in d["topic_list"]["topics"][:20])') }
request = function()
  n = n + 1
  local body = string.format('{"topic_id": %d, "raw": "Benchmark reply %d from connection %s, long enough to post."}',
    topics[(n % #topics) + 1], n, tostring(wrk.thread))
  return wrk.format("POST", "/posts.json", {["Content-Type"] = "application/json",
    ["Api-Key"] = "$key", ["Api-Username"] = "$member"}, body)
end
LUA

# One wrk run: "req/s p50_ms p99_ms non2xx".
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.2f", n }'
}
run_wrk() {
  local conns=$1; shift
  local out
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$@")
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<< "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<< "$out")")
  bad=$(awk '/Non-2xx/ {print $NF}' <<< "$out")
  echo "$rps $p50 $p99 ${bad:-0}"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
spread() { sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.0f–%.0f", lo, hi}'; }

echo "| page | conns | Stoa req/s (spread) | p50 ms | p99 ms | nginx req/s | ratio |"
echo "|---|---|---|---|---|---|---|"
for conns in "${conn_list[@]}"; do
  for page in "${pages[@]}"; do
    s=(); p50=(); p99=(); n=(); bad=0
    for _ in $(seq "$runs"); do
      if [ "$page" = post ]; then
        read -r r a b x < <(run_wrk "$conns" -s "$work/post.lua" "$base")
      else
        read -r r a b x < <(run_wrk "$conns" -H "$(header_of "$page")" "$base$(path_of "$page")")
        n+=("$(run_wrk "$conns" "http://127.0.0.1:18481/$page.html" | cut -d' ' -f1)")
      fi
      s+=("$r"); p50+=("$a"); p99+=("$b"); bad=$((bad + x))
    done
    sm=$(printf '%s\n' "${s[@]}" | median)
    if [ "$page" = post ]; then nm=; ratio=; else
      nm=$(printf '%s\n' "${n[@]}" | median)
      ratio=$(awk -v s="$sm" -v n="$nm" 'BEGIN {printf "%.4f", s / n}')
      nm=$(awk -v n="$nm" 'BEGIN {printf "%.0f", n}')
    fi
    note=; [ "$bad" -gt 0 ] && note=" ($bad non-2xx)"
    printf '| %s | %s | %.0f (%s)%s | %s | %s | %s | %s |\n' "$page" "$conns" "$sm" \
      "$(printf '%s\n' "${s[@]}" | spread)" "$note" "$(printf '%s\n' "${p50[@]}" | median)" \
      "$(printf '%s\n' "${p99[@]}" | median)" "${nm:-—}" "${ratio:-—}"
  done
done
peak=$(awk '/VmHWM/ {print $2}' "/proc/$stoa_pid/status")
echo
echo "$backend, $posts posts; cold start to the first answer: $cold_ms ms; peak resident memory: $((peak / 1024)) MiB"
