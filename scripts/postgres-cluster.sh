#!/usr/bin/env bash
# A throwaway PostgreSQL cluster in a temporary folder on a free loopback port.
#   scripts/postgres-cluster.sh start DIR   -> prints a connection string
#   scripts/postgres-cluster.sh stop DIR     -> stops it and removes DIR
#   scripts/postgres-cluster.sh resume DIR   -> starts a cluster made earlier in DIR on a new free port (prints a connection string)
#   scripts/postgres-cluster.sh halt DIR     -> stops it and keeps DIR, to resume later (bench/scope.sh keeps its data set so)
# PG_OPTIONS (environment) adds server settings, e.g. "-c shared_buffers=4GB".
# initdb refuses to run as root, so as root the cluster runs as Debian's `postgres` user.
set -euo pipefail

action=$1
dir=$2
bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/sh -c "$*"
  else
    sh -c "$*"
  fi
}

serve() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 ${PG_OPTIONS:-}\" start >/dev/null"
  echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20"
}

case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "'$bin/initdb' -D '$dir/data' -U postgres -A trust --no-sync -E UTF8 >'$dir/initdb.log' 2>&1"
    serve
    ;;
  resume)
    [ -d "$dir/data" ] || { echo "There is no cluster in $dir to resume." >&2; exit 2; }
    serve
    ;;
  halt)
    [ -d "$dir/data" ] && as_owner "'$bin/pg_ctl' -D '$dir/data' -m fast stop >/dev/null 2>&1" || true
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "'$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1" || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop|resume|halt DIR" >&2
    exit 2
    ;;
esac
