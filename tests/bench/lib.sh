# lib.sh: what the benchmark scripts share (source it; needs $root).
#
# bench_start NAME [DATABASE_KEY=VALUE ...] makes an optimised build in
# $build (SIMPEG_BENCH_BUILD, default build-bench/ in the source tree),
# starts a throwaway PostgreSQL with default durability (no SIMPEG_PG_FAST:
# this measures what a real deployment would see) and simpegd on loopback
# (pool of 4, extra [database] keys as given), creates the system admin
# `bench` (password in $bench_password), signs a client in as it, and loads
# the demo office tree through `simpeg office add`. Everything lives in
# $work (/tmp/simpeg-NAME.XXXXXX), removed with the daemon and the cluster
# when the script exits.
#
# After it: $work $pgdir $port $pgport $conninfo $daemon_pid $bench_password,
# sp (the client as bench) and psql_q (psql as the database owner).
#
# bench_sql STATEMENT VALUE... prints one of the daemon's statements
# (server/db_stmts.c, by its prepared name) with $1, $2... replaced by the
# values given (SQL text), for pgbench and psql to run what simpegd runs.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bench_cleanup() {
	if [ -n "${daemon_pid:-}" ]; then
		kill "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	"$root/deploy/pgsql.sh" stop "$pgdir" >/dev/null 2>&1 || true
	rm -rf "$work"
}

sp() { XDG_CONFIG_HOME=$work/client XDG_STATE_HOME=$work/client-state "$build/client/simpeg" "$@"; }
psql_q() { psql -X -q -At -h 127.0.0.1 -p "$pgport" -U simpeg -d simpeg -v ON_ERROR_STOP=1 "$@"; }

# bench_daemon_start NAME [KEY=VALUE ...]: the first half of bench_start,
# up to a running daemon with the bench account (no client, no offices).
bench_daemon_start() {
	local name=$1 key
	shift
	build=${SIMPEG_BENCH_BUILD:-$root/build-bench}
	if [ ! -f "$build/build.ninja" ]; then
		meson setup "$build" "$root" --buildtype=release -Dtests=disabled >/dev/null
	fi
	ninja -C "$build" server/simpegd client/simpeg client/simpeg-bench client/simpeg-demo \
		tests/bench/name-index-bench >/dev/null

	work=$(mktemp -d "/tmp/simpeg-$name.XXXXXX")
	pgdir=$work/pg
	daemon_pid=""
	trap bench_cleanup EXIT
	port=$(free_port)
	pgport=$(free_port)
	env -u SIMPEG_PG_FAST "$root/deploy/pgsql.sh" init "$pgdir" "$pgport" >/dev/null
	env -u SIMPEG_PG_FAST "$root/deploy/pgsql.sh" start "$pgdir" >/dev/null
	"$root/deploy/certs.sh" "$work/certs" >/dev/null
	conninfo=$("$root/deploy/pgsql.sh" conninfo "$pgdir")
	# SIMPEG_BENCH_EXPLAIN_MS=N: PostgreSQL logs the plan, with row counts
	# and buffers, of every statement (nested ones too) over N ms, for
	# finding where a stall's time went. It costs a little on every
	# statement: numbers from such a run are not for PERFORMANCE.md.
	if [ -n "${SIMPEG_BENCH_EXPLAIN_MS:-}" ]; then
		# and pg_stat_statements counts every statement, nested ones too
		"$root/deploy/pgsql.sh" psql "$pgdir" -X -q -v ON_ERROR_STOP=1 \
			-c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
		env -u SIMPEG_PG_FAST "$root/deploy/pgsql.sh" stop "$pgdir" >/dev/null
		env -u SIMPEG_PG_FAST "$root/deploy/pgsql.sh" start "$pgdir" >/dev/null
		"$root/deploy/pgsql.sh" psql "$pgdir" -X -q -v ON_ERROR_STOP=1 -d simpeg \
			-c "CREATE EXTENSION pg_stat_statements" -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" \
			-c "LOAD 'auto_explain'" -c "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'" \
			-c "ALTER SYSTEM SET auto_explain.log_min_duration = ${SIMPEG_BENCH_EXPLAIN_MS}" \
			-c "ALTER SYSTEM SET auto_explain.log_nested_statements = on" \
			-c "ALTER SYSTEM SET auto_explain.log_analyze = on" \
			-c "ALTER SYSTEM SET auto_explain.log_buffers = on" \
			-c "ALTER SYSTEM SET auto_explain.log_timing = off" -c "SELECT pg_reload_conf()" >/dev/null
	fi
	{
		printf '[server]\nlisten = 127.0.0.1:%s\nmax_connections = 5000\n' "$port"
		printf '[tls]\ncert = %s\nkey = %s\n' "$work/certs/server.pem" "$work/certs/server.key"
		printf '[database]\nconninfo = %s\npool_size = 4\n' "$conninfo"
		for key in "$@"; do printf '%s\n' "${key/=/ = }"; done
		printf '[log]\nlevel = warning\n'
	} >"$work/simpegd.conf"
	"$build/server/simpegd" migrate --config "$work/simpegd.conf" >/dev/null
	bench_password=$(openssl rand -base64 24 | tr -d '/+=')
	printf '%s\n' "$bench_password" |
		"$build/server/simpegd" bootstrap-admin --config "$work/simpegd.conf" --username bench \
			--full-name "Benchmark" >/dev/null
	"$build/server/simpegd" --config "$work/simpegd.conf" 2>"$work/simpegd.log" &
	daemon_pid=$!
}

bench_start() {
	bench_daemon_start "$@"
	mkdir -p "$work/client/simpeg" "$work/client-state"
	printf '[client]\nserver = 127.0.0.1:%s\nca = %s\n' "$port" "$work/certs/ca.pem" >"$work/client/simpeg/config.ini"
	for _ in $(seq 1 50); do sp ping >/dev/null 2>&1 && break; sleep 0.2; done
	printf '%s\n' "$bench_password" | sp login bench --password-stdin >/dev/null
	local code kind parent oname
	while IFS=$'\t' read -r code kind parent oname; do
		case $code in '#'* | '') continue ;; esac
		sp office add "$code" --kind "$kind" --parent "$parent" --name "$oname" >/dev/null
	done <"$root/deploy/demo/offices.tsv"
}

# One of the daemon's statements with its parameters filled in (see above).
# $k is replaced highest first, so $1 does not eat $10.
bench_sql() {
	if [ ! -x "$work/printsql" ]; then
		cat >"$work/printsql.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "db_stmts.h"
int main(int argc, char **argv) {
  for (int i = 0; argc == 2 && i < DB_STMT__COUNT; i++)
    if (strcmp(db_stmts[i].name, argv[1]) == 0) return puts(db_stmts[i].sql) < 0;
  return 1;
}
C
		cc -std=c17 -I"$root/server" -o "$work/printsql" "$work/printsql.c" "$root/server/db_stmts.c"
	fi
	"$work/printsql" "$1" | python3 -c '
import sys
sql = sys.stdin.read().strip()
vals = sys.argv[1:]
for k in range(len(vals), 0, -1):
    sql = sql.replace("$%d" % k, vals[k - 1])
print(sql + ";")
' "${@:2}"
}
