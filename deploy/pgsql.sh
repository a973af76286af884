#!/usr/bin/env bash
# pgsql.sh: a private PostgreSQL cluster for development and tests.
#
# The cluster lives entirely in one directory and listens on 127.0.0.1 only:
#   DIR/data             the cluster (PGDATA)
#   DIR/port             the TCP port it listens on
#   DIR/postgresql.log   server log (initdb's output goes to DIR/initdb.log)
#   DIR/.s.PGSQL.PORT    its unix socket (when the path is short enough)
# Authentication is "trust": fine for a loopback-only development cluster,
# never for a real server. It holds a role `simpeg` owning a database `simpeg`;
# the superuser is `postgres`.
#
# Run as root, the files belong to and the server runs as the unprivileged
# `postgres` system user (created if missing); otherwise as the current user.
# SIMPEG_PG_FAST=1 at start time turns off fsync and friends (tests only:
# a crash can corrupt such a cluster). SIMPEG_PGBIN overrides where the
# PostgreSQL server binaries are looked up.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=deploy/lib.sh
. "$here/lib.sh"

readonly DEFAULT_PORT=5433
readonly DB_NAME=simpeg
readonly DB_ROLE=simpeg
readonly SUPERUSER=postgres

usage() {
	cat <<EOF
usage: $(basename "$0") COMMAND DIR [ARGS]

  init DIR [PORT]  create the cluster in DIR (port $DEFAULT_PORT by default) with
                   role and database '$DB_NAME'; idempotent; leaves the server
                   running or stopped as it found it
  start DIR        start the server and wait until it accepts connections
                   (no-op if it is running)
  stop DIR         stop the server (fast shutdown; no-op if it is stopped)
  status DIR       print whether it runs; exit 0 running, 3 stopped, 4 no cluster
  conninfo DIR     print the libpq conninfo of database '$DB_NAME'
  psql DIR [ARGS]  run psql as '$SUPERUSER' on database '$DB_NAME' (ARGS such as
                   -U, -d or -c are passed on and take precedence)

Environment: SIMPEG_PG_FAST=1 (fsync=off, for tests), SIMPEG_PGBIN (server binaries).
EOF
}

find_pgbin() {
	local candidate
	if [ -n "${SIMPEG_PGBIN:-}" ]; then
		[ -x "$SIMPEG_PGBIN/postgres" ] || die "SIMPEG_PGBIN=$SIMPEG_PGBIN has no postgres binary"
		printf '%s\n' "$SIMPEG_PGBIN"
		return
	fi
	if [ -x /usr/lib/postgresql/15/bin/postgres ]; then
		printf '%s\n' /usr/lib/postgresql/15/bin
		return
	fi
	candidate=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | sort -V | tail -n 1)
	if [ -n "$candidate" ]; then
		dirname "$candidate"
		return
	fi
	die "PostgreSQL server binaries not found; install them with: apt-get install postgresql-15"
}

# --- who runs the server ------------------------------------------------------

ensure_postgres_user() {
	id -u "$SUPERUSER" >/dev/null 2>&1 && return 0
	log "creating system user '$SUPERUSER' to own the cluster"
	useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
		--shell /usr/sbin/nologin --comment "PostgreSQL administrator" "$SUPERUSER"
}

# The OS user the server runs as: the owner of an existing cluster, else
# postgres (as root) or ourselves.
cluster_os_user() {
	if [ -d "$data" ]; then
		stat -c %U "$data"
	elif is_root; then
		printf '%s\n' "$SUPERUSER"
	else
		id -un
	fi
}

check_os_user() {
	local me
	me=$(id -un)
	if is_root; then
		[ "$os_user" != root ] || die "$data belongs to root; PostgreSQL refuses to run as root (remove $dir and init again)"
	elif [ "$os_user" != "$me" ]; then
		die "the cluster in $dir belongs to '$os_user': run this as root or as '$os_user'"
	fi
}

# as_owner CMD...: run CMD as the cluster's OS user, from a directory that user
# can enter, in the C locale (the cluster is built with --no-locale; this
# avoids failures when the caller's LANG names a locale that is not generated).
as_owner() {
	if is_root; then
		(cd "$dir" && LC_ALL=C runuser -u "$os_user" -- "$@")
	else
		(cd "$dir" && LC_ALL=C "$@")
	fi
}

# The server needs to reach DIR through every parent: add o+x (search only,
# never read) where a parent blocks it.
ensure_traversable() {
	is_root || return 0
	local path="" part
	local -a parts
	IFS=/ read -r -a parts <<<"${dir#/}"
	for part in "${parts[@]}"; do
		path="$path/$part"
		if ! runuser -u "$os_user" -- test -x "$path"; then
			warn "'$os_user' cannot enter $path: adding o+x (search permission only)"
			chmod o+x "$path"
		fi
	done
}

# --- state --------------------------------------------------------------------

read_port() {
	[ -f "$dir/port" ] || die "no cluster in $dir (run: $0 init $dir)"
	local port
	port=$(<"$dir/port")
	valid_port "$port" || die "$dir/port does not hold a port number"
	printf '%s\n' "$port"
}

valid_port() {
	[[ $1 =~ ^[0-9]{1,5}$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]
}

initialized() { [ -f "$data/PG_VERSION" ]; }

running() {
	initialized || return 1
	as_owner "$pgbin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

# Settings pgsql.sh owns, rewritten at every start so they follow DIR/port and
# SIMPEG_PG_FAST. postgresql.conf includes this file.
write_settings() {
	local port=$1 socket_dir=$dir file="$data/simpeg.conf"
	# sun_path holds 107 bytes; a long DIR gets no socket (TCP only).
	if [ $((${#dir} + ${#port} + 10)) -gt 107 ]; then
		socket_dir=""
	fi
	{
		echo "# Written by deploy/pgsql.sh at every start; edit the script, not this file."
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $port"
		echo "unix_socket_directories = '$socket_dir'"
		echo "unix_socket_permissions = 0700"
		echo "max_connections = 200"
		echo "log_line_prefix = '%m [%p] %q%u@%d '"
		if [ "${SIMPEG_PG_FAST:-0}" = 1 ]; then
			echo "# SIMPEG_PG_FAST=1: durability off, for throwaway test clusters only"
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
		fi
	} >"$file"
	if is_root; then chown "$os_user": "$file"; fi
}

# --- commands -----------------------------------------------------------------

start_server() {
	local port
	port=$(read_port)
	if running; then
		note "PostgreSQL in $dir is already running on 127.0.0.1:$port"
		return 0
	fi
	ensure_traversable
	write_settings "$port"
	log "starting PostgreSQL in $dir on 127.0.0.1:$port"
	if ! as_owner "$pgbin/pg_ctl" start -D "$data" -l "$dir/postgresql.log" -w -t 60 -s; then
		echo "--- last lines of $dir/postgresql.log:" >&2
		tail -n 20 "$dir/postgresql.log" >&2 || true
		die "PostgreSQL did not start (is port $port in use by another server?)"
	fi
}

stop_server() {
	if ! initialized; then
		note "no cluster in $dir: nothing to stop"
		return 0
	fi
	if ! running; then
		note "PostgreSQL in $dir is not running"
		return 0
	fi
	log "stopping PostgreSQL in $dir"
	as_owner "$pgbin/pg_ctl" stop -D "$data" -m fast -w -t 60 -s
}

run_psql() {
	local port psql=$pgbin/psql
	port=$(read_port)
	if [ ! -x "$psql" ]; then
		psql=$(command -v psql) || die "psql not found; install it with: apt-get install postgresql-client-15"
	fi
	PGHOST=127.0.0.1 PGHOSTADDR=127.0.0.1 PGPORT=$port PGUSER=$SUPERUSER PGDATABASE=$DB_NAME \
		PGCONNECT_TIMEOUT=10 "$psql" -X "$@"
}

cmd_init() {
	local port=${1:-} was_running=0
	if [ -n "$port" ]; then
		valid_port "$port" || die "invalid port: $port"
	fi

	mkdir -p "$dir"
	if is_root; then
		ensure_postgres_user
		os_user=$(cluster_os_user)
		check_os_user
		chown "$os_user": "$dir"
	fi
	chmod 0755 "$dir"

	if [ -f "$dir/port" ]; then
		local old_port
		old_port=$(read_port)
		if [ -n "$port" ] && [ "$port" != "$old_port" ]; then
			running && die "the cluster in $dir runs on port $old_port; stop it before changing the port"
			note "changing the port of $dir from $old_port to $port"
			echo "$port" >"$dir/port"
		fi
	else
		echo "${port:-$DEFAULT_PORT}" >"$dir/port"
	fi
	port=$(read_port)

	if initialized && [ -f "$dir/initialized" ]; then
		note "cluster in $dir is already initialized (port $port)"
		return 0
	fi

	if ! initialized; then
		if [ -d "$data" ] && [ -n "$(ls -A "$data")" ]; then
			die "$data exists but holds no PostgreSQL cluster; remove it and run init again"
		fi
		ensure_traversable
		log "creating PostgreSQL cluster in $data (owner: $os_user)"
		if ! as_owner "$pgbin/initdb" -D "$data" -U "$SUPERUSER" --encoding=UTF8 --no-locale \
			--auth=trust --no-instructions >"$dir/initdb.log" 2>&1; then
			cat "$dir/initdb.log" >&2
			die "initdb failed"
		fi
		echo "include_if_exists = 'simpeg.conf'" >>"$data/postgresql.conf"
	fi

	if running; then was_running=1; fi
	start_server
	log "creating role '$DB_ROLE' and database '$DB_NAME' (if missing)"
	run_psql -q -v ON_ERROR_STOP=1 -d postgres <<SQL
SELECT 'CREATE ROLE $DB_ROLE LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_ROLE')\gexec
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_ROLE ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')\gexec
SQL
	date -u +%FT%TZ >"$dir/initialized"
	if [ "$was_running" = 0 ]; then stop_server; fi
	note "cluster ready: $(conninfo "$port")"
}

conninfo() {
	printf 'host=127.0.0.1 hostaddr=127.0.0.1 port=%s dbname=%s user=%s\n' "$1" "$DB_NAME" "$DB_ROLE"
}

cmd_status() {
	if ! initialized; then
		echo "no cluster in $dir"
		exit 4
	fi
	local port pid
	port=$(read_port)
	if running; then
		pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || echo '?')
		echo "running on 127.0.0.1:$port (pid $pid, data $data)"
	else
		echo "stopped (port $port, data $data)"
		exit 3
	fi
}

# --- main ---------------------------------------------------------------------

[ $# -ge 1 ] || {
	usage >&2
	exit 2
}
command=$1
shift
case $command in
-h | --help | help)
	usage
	exit 0
	;;
init | start | stop | status | conninfo | psql) ;;
*)
	usage >&2
	exit 2
	;;
esac
[ $# -ge 1 ] || die "$command needs the cluster directory (see $0 --help)"
dir=$(realpath -m -- "$1")
shift
data=$dir/data
pgbin=$(find_pgbin)
os_user=$(cluster_os_user)
[ "$command" = init ] || [ "$command" = conninfo ] || [ "$command" = psql ] || check_os_user

case $command in
init)
	[ $# -le 1 ] || die "usage: $0 init DIR [PORT]"
	cmd_init "$@"
	;;
start)
	initialized || die "no cluster in $dir (run: $0 init $dir)"
	start_server
	;;
stop) stop_server ;;
status) cmd_status ;;
conninfo)
	port=$(read_port)
	conninfo "$port"
	;;
psql) run_psql "$@" ;;
esac
