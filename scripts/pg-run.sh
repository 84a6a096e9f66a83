#!/usr/bin/env bash
# pg-run.sh COMMAND…: runs COMMAND against a throw-away PostgreSQL 15 cluster (Debian 12's
# postgresql-15, installed by deps.sh) with fsync, full_page_writes and synchronous_commit
# on, and removes the cluster when COMMAND ends, whatever its outcome; exits with its status.
#
# Why not pg_virtualenv: run as root it always names its cluster 15/regress under
# /etc/postgresql, so a second `make test` on the same machine (another worktree, another
# session) refuses to start ("Cluster 15/regress exists"). This cluster lives entirely in a
# private temporary directory and listens only on a Unix socket inside it: any number run
# side by side. COMMAND sees PGHOST (that directory), PGPORT, PGUSER and PGDATABASE.
set -euo pipefail
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bindir/initdb" ]; then
  echo "pg-run.sh: no PostgreSQL 15 in $bindir (make deps installs postgresql-15)" >&2
  exit 1
fi
dir=$(mktemp -d -t cardcenter-pg.XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$dir" # initdb refuses to run as root
  as=(runuser -u postgres --)
fi
cleanup() {
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# Trust is safe here: the only way in is the socket in a directory only its owner reads.
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/server.log" \
  -o "-c fsync=on -c full_page_writes=on -c synchronous_commit=on -c listen_addresses='' -k $dir -p 5432 -c max_connections=300" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
export PGHOST="$dir" PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
unset PGPASSWORD PGSERVICE
set +e
"$@"
rc=$?
set -e
exit $rc
