#!/usr/bin/env bash
# Throughput of Stoa's pages against nginx serving the very same bytes, side by side, on this
# machine. Prints requests/second per run, the medians, and the ratio Stoa : nginx.
#
#   bench/pages.sh [SECONDS_PER_RUN] [RUNS]
#
# By default Stoa serves a fresh demo forum. To measure a big one, make it with the generator
# and point the script at it (a bench member is added to it):
#   target/release/examples/generate --data-dir /tmp/big --posts 1000000
#   STOA_BENCH_DATA_DIR=/tmp/big bench/pages.sh
# Other settings:
#   STOA_BENCH_BIN          the stoa binary to measure (default: the release build)
#   STOA_BENCH_CONNECTIONS  wrk's connections (default 8; wrk uses one thread per 8)
#   STOA_BENCH_PAGES        which pages (default: topic member-topic latest top category
#                           topic-json latest-json)
#
# Needs: wrk and nginx (Debian: apt-get install wrk nginx-light), a release build
# (`cargo build --release`; the script builds it if missing). Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
runs=${2:-5}
target=${CARGO_TARGET_DIR:-target}
bin=${STOA_BENCH_BIN:-$target/release/stoa}
conns=${STOA_BENCH_CONNECTIONS:-8}
threads=$(( (conns + 7) / 8 ))
[ -x "$bin" ] || cargo build --release
work=$(mktemp -d)
stoa_pid=; nginx_pid=
trap 'kill $stoa_pid $nginx_pid 2>/dev/null || true; rm -rf "$work"' EXIT
data=${STOA_BENCH_DATA_DIR:-$work/data}

stoa_port=18480
nginx_port=18481
# The API's rate limits would answer most of these requests with 429s: off for the benchmark.
STOA_API_REQUESTS_PER_KEY_PER_MINUTE=0 STOA_REQUESTS_PER_IP_PER_MINUTE=0 \
STOA_REQUESTS_PER_IP_PER_10_SECONDS=0 STOA_LOG=warn "$bin" --data-dir "$data" serve --bind "127.0.0.1:$stoa_port" > "$work/stoa.log" 2>&1 &
stoa_pid=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$stoa_port/latest" > /dev/null && break; sleep 0.2; done
base=http://127.0.0.1:$stoa_port

# The pages: the newest topic (the reference thread on the demo forum) and the first category.
json() { curl -sf "$base$1" | python3 -c "import json, sys; d = json.load(sys.stdin); print($2)"; }
topic_id=$(json /latest.json 'd["topic_list"]["topics"][0]["id"]')
topic_slug=$(json /latest.json 'd["topic_list"]["topics"][0]["slug"]')
topic=/t/$topic_slug/$topic_id
category=$(json /categories.json '"/c/%s/%s" % ((c := d["category_list"]["categories"][0])["slug"], c["id"])')
echo "topic $topic ($(json "/t/$topic_id.json" 'd["posts_count"]') posts), category $category"

# A signed-in member too: their pages also count unread notifications for the bell and look up
# their notification level. (wrk sends the session cookie; nginx serves the member's bytes.)
member=bencher$$
echo "a long enough passphrase" | "$bin" --data-dir "$data" admin create-user "$member" \
  --email "$member@example.org" --password-stdin > /dev/null
jar="$work/cookies"
token=$(curl -sf -c "$jar" "$base/login" | grep -o 'name="authenticity_token" value="[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{64\}')
curl -sf -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode "authenticity_token=$token" --data-urlencode "login=$member" \
  --data-urlencode "password=a long enough passphrase" --data-urlencode "return_to=/" \
  "$base/login"
session=$(awk '$6 == "_t" {print $7}' "$jar")
[ -n "$session" ] || { echo "could not log in the bench member" >&2; exit 1; }

read -r -a pages <<< "${STOA_BENCH_PAGES:-topic member-topic latest top category topic-json latest-json}"
path_of() {
  case $1 in
    latest) echo /latest ;;
    top) echo "/top?period=all" ;;
    category) echo "$category" ;;
    topic-json) echo "/t/$topic_id.json" ;;
    latest-json) echo /latest.json ;;
    *) echo "$topic" ;;
  esac
}
cookie_of() { [ "$1" = member-topic ] && echo "Cookie: _t=$session" || echo "X-Bench: visitor"; }
mkdir -p "$work/www"
for page in "${pages[@]}"; do
  curl -sf -H "$(cookie_of "$page")" "$base$(path_of "$page")" > "$work/www/$page.html"
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
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
CONF
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
sleep 0.5

rps() { wrk -t"$threads" -c"$conns" -d"${secs}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
spread() { sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%s–%s", lo, hi}'; }

for page in "${pages[@]}"; do
  s=(); n=()
  for _ in $(seq "$runs"); do
    s+=("$(rps -H "$(cookie_of "$page")" "$base$(path_of "$page")")")
    n+=("$(rps "http://127.0.0.1:$nginx_port/$page.html")")
  done
  sm=$(printf '%s\n' "${s[@]}" | median); nm=$(printf '%s\n' "${n[@]}" | median)
  ss=$(printf '%s\n' "${s[@]}" | spread); ns=$(printf '%s\n' "${n[@]}" | spread)
  awk -v p="$page" -v s="$sm" -v n="$nm" -v ss="$ss" -v ns="$ns" -v c="$conns" -v b="$(wc -c < "$work/www/$page.html")" 'BEGIN {
    printf "%-12s %6d bytes  stoa %8.0f req/s (%s)  nginx %8.0f req/s (%s)  stoa/nginx %.3f  %.2f ms a request\n",
      p, b, s, ss, n, ns, s / n, 1000 * c / s }'
done
rss=$(awk '/VmRSS/ {print $2}' "/proc/$stoa_pid/status")
echo "stoa resident memory after the runs: $((rss / 1024)) MiB"
