#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests: installs Debian's package if it is
# missing, runs initdb in a temporary directory (trust auth, 127.0.0.1 only), starts it, and
# prints the URL to use as STOA_TEST_DATABASE_URL.
#
#   eval "$(.ci/postgres.sh start)"   # exports STOA_TEST_DATABASE_URL and STOA_PG_DIR
#   .ci/postgres.sh stop "$STOA_PG_DIR"
#
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && echo "$d"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    if [ -z "$(pg_bin)" ]; then
      echo "installing PostgreSQL from Debian's packages" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql >&2
    fi
    bin=$(pg_bin)
    port=${STOA_PG_PORT:-}
    if [ -z "$port" ]; then
      # The first free port from 54329 up, so that a developer's own cluster is left alone.
      for p in $(seq 54329 54399); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
      done
    fi
    dir=$(mktemp -d /tmp/stoa-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >&2
    # Durability is what the tests check on Stoa's side; this cluster only has to be quick.
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
      start >&2
    echo "export STOA_PG_DIR=$dir"
    echo "export STOA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir=${2:?usage: postgres.sh stop DIR}
    as_pg "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
