#!/usr/bin/env bash
# Runs the whole test suite against ONE external PostgreSQL that every test context shares (issue 16: tests must
# not depend on a database of their own). Uses Debian's postgresql server (installed when missing), started as the
# postgres user in a throw-away cluster on a loopback port, and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
port=${VISPROMPT_SHARED_PG_PORT:-55432}
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "Debian's postgresql is not installed: apt-get install postgresql" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q postgresql
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=$(mktemp -d /tmp/visprompt-shared-pg.XXXXXX)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$data"
as_postgres "$bin/initdb" -D "$data" -U visprompt --auth=trust -E UTF8 >/dev/null
as_postgres "$bin/pg_ctl" -D "$data" -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300" \
  -l "$data/server.log" -w start >/dev/null
# Maven (and its surefire fork) runs in a process group of its own, which is ended before the server stops: a test
# JVM that outlived a killed script once reconnected to the NEXT run's server on this port and ran its tests there
# (its contexts cancelled and claimed the other run's jobs, and its rows broke that run's counts).
maven=
stop_maven() {
  [ -n "$maven" ] && kill -0 -- "-$maven" 2>/dev/null || return 0
  kill -TERM -- "-$maven" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 -- "-$maven" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL -- "-$maven" 2>/dev/null || true
}
trap 'stop_maven; as_postgres "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null; rm -rf "$data"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U visprompt visprompt
export SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$port/visprompt"
export SPRING_DATASOURCE_USERNAME=visprompt SPRING_DATASOURCE_PASSWORD=unused
echo "Every test context shares $SPRING_DATASOURCE_URL"
set -m
./mvnw -B -ntp verify "$@" &
maven=$!
set +m
wait "$maven"
