#!/usr/bin/env bash
# A throwaway PostgreSQL server for scenrun's tests (SPEC §10): a cluster made
# by initdb in DIR, listening on 127.0.0.1 only at a free port, with
# password login for TCP (so tests can check a refused login) and the
# bootstrap superuser `scenrun`.
#
#   pgserver.sh start DIR   creates and starts the server; prints its URL
#   pgserver.sh stop DIR    stops it and removes DIR
#
#   dir=$(mktemp -d); trap 'pgserver.sh stop "$dir"' EXIT
#   export SCENRUN_POSTGRES_URL=$(pgserver.sh start "$dir")
#
# PostgreSQL refuses to run as root, so as root (CI) the cluster belongs to
# the unprivileged `postgres` user. Without initdb on PATH it uses Debian's
# /usr/lib/postgresql/*/bin, installing postgresql-15 with apt-get if needed.
set -euo pipefail

die() { echo "pgserver: $*" >&2; exit 1; }

find_bin() {
	command -v initdb >/dev/null && return
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { PATH="$d:$PATH"; return; }
	done
	[ "$(id -u)" = 0 ] || die "initdb not found: install PostgreSQL (Debian: apt-get install postgresql-15)"
	apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { PATH="$d:$PATH"; return; }
	done
	die "initdb not found after installing postgresql-15"
}

# as runs a command as the cluster's owner: postgres under root, else the caller.
as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- env PATH="$PATH" "$@"
	else
		"$@"
	fi
}

# free_port prints a TCP port nobody listens on at 127.0.0.1 (bash's
# /dev/tcp connects; a refused connection means free).
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port found"
}

start() {
	local dir=$1
	[ -d "$dir" ] || mkdir -p "$dir"
	find_bin
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
		chown postgres: "$dir"
	fi
	local pw port
	pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	port=$(free_port)
	printf '%s\n' "$pw" >"$dir/pwfile"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
	as initdb -D "$dir/data" -U scenrun --pwfile="$dir/pwfile" \
		--auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		die "initdb failed: $(cat "$dir/initdb.log")"
	# fsync off: a test server's data need not survive a crash, and tests run faster.
	as pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" >/dev/null ||
		die "pg_ctl start failed: $(cat "$dir/server.log")"
	echo "$port" >"$dir/port"
	echo "postgres://scenrun:$pw@127.0.0.1:$port/postgres?sslmode=disable"
}

stop() {
	local dir=$1
	[ -d "$dir/data" ] || { rm -rf "$dir"; return; }
	find_bin
	as pg_ctl -D "$dir/data" -w -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}

case "${1:-}" in
start) [ $# = 2 ] || die "usage: pgserver.sh start DIR"; start "$2" ;;
stop) [ $# = 2 ] || die "usage: pgserver.sh stop DIR"; stop "$2" ;;
*) die "usage: pgserver.sh start|stop DIR" ;;
esac
