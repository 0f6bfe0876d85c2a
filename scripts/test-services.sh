#!/usr/bin/env bash
# Installs and starts what the test suite needs beside Python: Chromium's headless
# shell for the browser tests (the lighter build Playwright itself runs headless), a PostgreSQL server for the second database run, Redis for
# the scale-out suite, and gettext for the translation catalog's check. The S3-compatible store (moto) comes from the Python test
# extras and is started by the suite itself on a free port.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

missing=()
[ -x /usr/bin/chromium-headless-shell ] || missing+=(chromium-headless-shell)
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# GNU gettext: tests/civic/test_translation.py runs makemessages over the source.
command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} with apt…"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# PostgreSQL: start the first cluster and make sure the civic role and database exist.
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
cluster_dir=/etc/postgresql/$version/main
if [ ! -d "$cluster_dir" ]; then
  $SUDO pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | awk '$1=="'"$version"'" && $2=="main" {print $4}' | grep -q online; then
  $SUDO pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.5
done
as_postgres() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
as_postgres psql -q -tc "SELECT 1 FROM pg_roles WHERE rolname='civic'" | grep -q 1 \
  || as_postgres psql -q -c "CREATE ROLE civic LOGIN PASSWORD 'civic' CREATEDB"
as_postgres psql -q -tc "SELECT 1 FROM pg_database WHERE datname='civic'" | grep -q 1 \
  || as_postgres psql -q -c "CREATE DATABASE civic OWNER civic"
# Redis: a daemon on loopback for the suite (REDIS_TEST_PORT, default 6390), no
# persistence. Started once; running the script again finds it answering.
redis_port=${REDIS_TEST_PORT:-6390}
if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG; then
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save "" \
    --appendonly no --dir /tmp --logfile "/tmp/civic-redis-$redis_port.log" \
    --pidfile "/tmp/civic-redis-$redis_port.pid"
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.2
  done
fi
echo "Chromium, PostgreSQL and Redis (127.0.0.1:$redis_port) are ready."
