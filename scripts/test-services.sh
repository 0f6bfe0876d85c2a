#!/usr/bin/env bash
# Installs and starts what the test suite needs beside Python: Chromium for the
# browser tests and a PostgreSQL server for the second database run.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
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
echo "Chromium and PostgreSQL are ready."
