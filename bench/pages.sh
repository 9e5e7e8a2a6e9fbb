#!/usr/bin/env bash
# Throughput of Stoa's pages against nginx serving the very same bytes, side by side, on this
# machine. Prints requests/second per run, the medians, and the ratio Stoa : nginx.
#
#   bench/pages.sh [SECONDS_PER_RUN] [RUNS]
#
# Needs: wrk and nginx (Debian: apt-get install wrk nginx-light), a release build
# (`cargo build --release`; the script builds it if missing). Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
runs=${2:-5}
target=${CARGO_TARGET_DIR:-target}
bin="$target/release/stoa"
[ -x "$bin" ] || cargo build --release
work=$(mktemp -d)
trap 'kill $stoa_pid $nginx_pid 2>/dev/null || true; rm -rf "$work"' EXIT

stoa_port=18480
nginx_port=18481
# The API's rate limits would answer most of these requests with 429s: off for the benchmark.
STOA_API_REQUESTS_PER_KEY_PER_MINUTE=0 STOA_REQUESTS_PER_IP_PER_MINUTE=0 \
STOA_REQUESTS_PER_IP_PER_10_SECONDS=0 STOA_LOG=warn "$bin" --data-dir "$work/data" serve --bind "127.0.0.1:$stoa_port" > "$work/stoa.log" 2>&1 &
stoa_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$stoa_port/latest" > /dev/null && break; sleep 0.1; done

topic=/t/why-did-the-ussr-trust-its-april-1941-neutrality-pact-with-japan/2

# A signed-in member too: their pages also count unread notifications for the bell and look up
# their notification level. (wrk sends the session cookie; nginx serves the member's bytes.)
echo "a long enough passphrase" | "$bin" --data-dir "$work/data" admin create-user bencher \
  --email bencher@example.org --password-stdin > /dev/null
jar="$work/cookies"
token=$(curl -sf -c "$jar" "http://127.0.0.1:$stoa_port/login" | grep -o 'name="authenticity_token" value="[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{64\}')
curl -sf -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode "authenticity_token=$token" --data-urlencode "login=bencher" \
  --data-urlencode "password=a long enough passphrase" --data-urlencode "return_to=/" \
  "http://127.0.0.1:$stoa_port/login"
session=$(awk '$6 == "_t" {print $7}' "$jar")
[ -n "$session" ] || { echo "could not log in the bench member" >&2; exit 1; }
mkdir -p "$work/www/t" "$work/www/latest"
curl -sf "http://127.0.0.1:$stoa_port$topic" > "$work/www/topic.html"
curl -sf "http://127.0.0.1:$stoa_port/latest" > "$work/www/latest.html"
curl -sf -H "Cookie: _t=$session" "http://127.0.0.1:$stoa_port$topic" > "$work/www/member-topic.html"
# The JSON API: the same topic and list as Discourse clients read them.
curl -sf "http://127.0.0.1:$stoa_port/t/2.json" > "$work/www/topic-json.html"
curl -sf "http://127.0.0.1:$stoa_port/latest.json" > "$work/www/latest-json.html"
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

rps() { wrk -t1 -c8 -d"${secs}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for page in topic latest member-topic topic-json latest-json; do
  case $page in
    latest) path=/latest ;;
    topic-json) path=/t/2.json ;;
    latest-json) path=/latest.json ;;
    *) path=$topic ;;
  esac
  cookie=(); [ "$page" = member-topic ] && cookie=(-H "Cookie: _t=$session")
  s=(); n=()
  for i in $(seq "$runs"); do
    s+=("$(rps "${cookie[@]}" "http://127.0.0.1:$stoa_port$path")")
    n+=("$(rps "http://127.0.0.1:$nginx_port/$page.html")")
  done
  sm=$(printf '%s\n' "${s[@]}" | median); nm=$(printf '%s\n' "${n[@]}" | median)
  printf '%-12s stoa runs: %s\n' "$page" "${s[*]}"
  printf '%-12s nginx runs: %s\n' "$page" "${n[*]}"
  awk -v p="$page" -v s="$sm" -v n="$nm" 'BEGIN { printf "%-12s median stoa %.0f req/s, nginx %.0f req/s, stoa/nginx = %.2f, stoa %.3f ms per request per connection\n", p, s, n, s/n, 8000/s }'
done
rss=$(awk '/VmRSS/ {print $2}' "/proc/$stoa_pid/status")
echo "stoa resident memory after the runs: $((rss / 1024)) MiB"
