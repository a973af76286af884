#!/usr/bin/env bash
# registry.sh: the registry benchmarks behind docs/PERFORMANCE.md (issue #4).
#
# Builds an optimised simpegd (build-bench/), starts a throwaway PostgreSQL
# with default durability (no SIMPEG_PG_FAST) and a daemon on loopback,
# loads the demo office tree through `simpeg office add`, generates N
# employees (simpeg-demo --csv) and imports them (`simpeg employee import`,
# timed end to end), then measures EmployeeShow and EmployeeSearch at 1 and
# 32 connections, pgbench on the daemon's own lookup statements, and a deep
# page of a filtered list reached with the cursor; then, as a what-if, the
# lookups again with synchronous_commit = off (what the read-audit commit's
# WAL flush costs). Prints markdown, with the load average before and after
# (the machine is shared: numbers move with it).
#
#   tests/bench/registry.sh [N] [SECONDS_PER_SCENARIO]   (default 1000000, 10)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
count=${1:-1000000}
secs=${2:-10}
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"
# The default query_timeout_ms (30 s): the import's commit runs as a long
# batch with its own limit (svc_import.c), so a 1M import must not trip it.
bench_start regbench
# As the superuser: settings and CHECKPOINT.
psql_su() { "$root/deploy/pgsql.sh" psql "$pgdir" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
# CPU seconds used so far by PostgreSQL (the postmaster, its live children,
# and the children it has reaped) and by simpegd. The machine is shared:
# CPU time says what the import costs whatever else runs, wall time does not.
clk=$(getconf CLK_TCK)
cpu_of() { awk -v c="$clk" -v all="$2" '{ t = $14 + $15; if (all) t += $16 + $17; printf "%.2f\n", t / c }' "/proc/$1/stat"; }
cpu_pg() {
	local pm t=0 p
	pm=$(head -n 1 "$pgdir/data/postmaster.pid")
	t=$(cpu_of "$pm" 1)
	for p in $(pgrep -P "$pm"); do t=$(echo "$t + $(cpu_of "$p" 0 2>/dev/null || echo 0)" | bc -l); done
	echo "$t"
}
# The import's commit statement is timed by PostgreSQL itself.

echo "simpeg registry benchmarks: $(date -u +%Y-%m-%d), $(nproc) cores, $count employees, ${secs}s per scenario, client and daemon on one machine"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# ---- import ----
"$build/client/simpeg-demo" --count "$count" --seed 1 --offices "$root/deploy/demo/offices.tsv" \
	--csv "$work/emp.csv" 2>/dev/null
csv_mb=$(( $(stat -c %s "$work/emp.csv") / 1048576 ))
psql_su -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null
pg0=$(cpu_pg)
d0=$(cpu_of "$daemon_pid" 0)
t0=$(now)
# The commit of a large file takes minutes: the client waits to match.
TIMEFORMAT='%U %S'
{ time sp --timeout 1800000 employee import "$work/emp.csv" >"$work/import.log"; } 2>"$work/client.time"
t1=$(now)
pg1=$(cpu_pg)
d1=$(cpu_of "$daemon_pid" 0)
import_s=$(echo "$t1 - $t0" | bc -l)
psql_su -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" >/dev/null
commit_ms=$({ grep -o 'duration: [0-9.]* ms  execute import_commit' "$pgdir/postgresql.log" || true; } | tail -n 1 | awk '{print $2}')
client_cpu=$(tail -n 1 "$work/client.time" | awk '{printf "%.2f", $1 + $2}')
echo "| what | value |"
echo "|---|---|"
printf '| import of %s rows (%s MiB CSV, with first histories), end to end | %.2f s, **%.0f rows/s** |\n' \
	"$count" "$csv_mb" "$import_s" "$(echo "$count / $import_s" | bc -l)"
printf '| of which the commit statement (PostgreSQL log) | %.2f s; parse + validate + stage: %.2f s (%.0f rows/s) |\n' \
	"$(echo "${commit_ms:-0} / 1000" | bc -l)" "$(echo "$import_s - ${commit_ms:-0} / 1000" | bc -l)" \
	"$(echo "$count / ($import_s - ${commit_ms:-0} / 1000)" | bc -l)"
printf '| CPU time of the import: PostgreSQL, simpegd, client | %.1f s, %.1f s, %.1f s (%.1f us of CPU per row) |\n' \
	"$(echo "$pg1 - $pg0" | bc -l)" "$(echo "$d1 - $d0" | bc -l)" "$client_cpu" \
	"$(echo "($pg1 - $pg0 + $d1 - $d0 + $client_cpu) * 1000000 / $count" | bc -l)"
rm -f "$work/emp.csv"
# What autovacuum would do soon after a real import: merge the trigram
# index's pending list and gather statistics, so the lookups below see the
# steady state rather than the import's aftermath.
t0=$(now)
psql_q -c 'VACUUM ANALYZE employees' -c 'ANALYZE employee_ranks' -c 'ANALYZE employee_positions' \
	-c 'ANALYZE employee_educations'
t1=$(now)
printf '| VACUUM ANALYZE after the import | %.1f s |\n' "$(echo "$t1 - $t0" | bc -l)"
# The import's dirty pages reach disk now rather than during the lookups.
t0=$(now)
psql_su -c 'CHECKPOINT'
t1=$(now)
printf '| CHECKPOINT after that | %.1f s |\n' "$(echo "$t1 - $t0" | bc -l)"
echo
# From here on, PostgreSQL logs what could explain a stall: statements over
# a second, lock waits, checkpoints and autovacuum runs; the daemon logs the
# batches PostgreSQL took over a second to answer ([database] slow_ms). The
# end of the output lists them.
psql_su -c "ALTER SYSTEM SET log_min_duration_statement = 1000" -c "ALTER SYSTEM SET log_lock_waits = on" \
	-c "ALTER SYSTEM SET log_checkpoints = on" -c "ALTER SYSTEM SET log_autovacuum_min_duration = 0" \
	-c "SELECT pg_reload_conf()" >/dev/null
pglog_from=$(stat -c %s "$pgdir/postgresql.log")

# ---- inputs: NIPs, and name queries with one typo each ----
# 65,536 NIPs drawn uniformly (the most simpeg-bench keeps), in a table too
# so that pgbench draws from the very same set.
psql_q -c "CREATE TABLE bench_nips AS SELECT row_number() OVER ()::int AS i, nip
	FROM (SELECT nip FROM employees ORDER BY random() LIMIT 65536) r" \
	-c "CREATE UNIQUE INDEX ON bench_nips (i)" -c "ANALYZE bench_nips"
psql_q -c "SELECT nip FROM bench_nips ORDER BY i" >"$work/nips.txt"
nips=$(wc -l <"$work/nips.txt")
# Name queries with one typo each, from the names read on stdin.
typo_queries() {
	python3 -c '
import random, sys
random.seed(4)
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    # a given name and a surname (or the one word), one letter changed
    q = list(" ".join(words[:2]) if len(words) < 3 else words[0] + " " + words[-1])
    pos = [k for k, ch in enumerate(q) if ch.isalpha()]
    k = random.choice(pos)
    q[k] = random.choice("aeiourstn".replace(q[k].lower(), ""))
    print("".join(q))
'
}
psql_q -c "SELECT name FROM employees TABLESAMPLE SYSTEM (1) LIMIT 2000" | typo_queries >"$work/queries.txt"
# The same for a city's HR desk: names of Binjai's employees (12.75), asked
# by an account whose scope is that city (most employees bearing a similar
# name work elsewhere, so more names are walked before a page is full).
psql_q -c "SELECT e.name FROM employees e JOIN offices o ON o.id = e.office_id
	WHERE starts_with(o.path, (SELECT path FROM offices WHERE code = '12.75')) ORDER BY random() LIMIT 2000" |
	typo_queries >"$work/city_queries.txt"
printf '%s\n' "$bench_password" |
	sp user add bench-city --name "Benchmark Binjai" --role system_admin --office 12.75 --password-stdin >/dev/null

bench_as() { # username, simpeg-bench arguments...
	local user=$1
	shift
	printf '%s\n' "$bench_password" |
		"$build/client/simpeg-bench" --server "127.0.0.1:$port" --ca "$work/certs/ca.pem" --duration "$secs" \
			--output json --username "$user" --password-stdin "$@" || true
}
bench() { bench_as bench "$@"; }
row() { # label, json -> table row; remembers the rate in $rate
	python3 - "$1" "$2" <<'PY'
import json, sys
label, j = sys.argv[1], json.loads(sys.argv[2])
lat = j["latency_us"]
errors = str(j["errors"])
if j["errors"]:  # which, and the first one's words
    errors += " (%s: %s)" % (", ".join("%s %d" % kv for kv in j.get("errors_by_code", {}).items()),
                             j.get("first_error", ""))
print("| %s | %.0f/s | %.3f ms | %.3f ms | %.3f ms | %s |" % (label, j["per_second"],
      lat["p50"] / 1000, lat["p99"] / 1000, lat["max"] / 1000, errors))
PY
}
rate_of() { python3 -c 'import json, sys; print("%.0f" % json.loads(sys.argv[1])["per_second"])' "$1"; }

echo "| scenario | rate | p50 | p99 | max | errors |"
echo "|---|---|---|---|---|---|"
declare -A show_rate
for c in 1 32; do
	j=$(bench --scenario employee_show --nips "$work/nips.txt" --connections "$c" --in-flight 1)
	row "EmployeeShow (random NIP), $c connection(s), 1 in flight each" "$j"
	show_rate[$c]=$(rate_of "$j")
done
declare -A search_rate
for c in 1 32; do
	j=$(bench --scenario employee_search --queries "$work/queries.txt" --connections "$c" --in-flight 1)
	row "EmployeeSearch (name with a typo), $c connection(s), 1 in flight each" "$j"
	search_rate[$c]=$(rate_of "$j")
done
for c in 1 32; do
	j=$(bench_as bench-city --scenario employee_search --queries "$work/city_queries.txt" --connections "$c" --in-flight 1)
	row "EmployeeSearch by a city's desk (scope Binjai), $c connection(s), 1 in flight each" "$j"
done
echo

# ---- pgbench on the daemon's lookup: EmployeeShow's three statements ----
# The SQL is taken from server/db_stmts.c (bench_sql, lib.sh), with
# the bench account as actor, the root scope and a random NIP per transaction.
actor=$(psql_q -c "SELECT id FROM users WHERE username = 'bench'")
{
	echo "\\set i random(1, $nips)"
	echo "SELECT nip FROM bench_nips WHERE i = :i \\gset"
	bench_sql emp_show "$actor" ":nip" "''" "''" "false"
	bench_sql emp_summary "$actor" ":nip"
	bench_sql emp_history "$actor" ":nip" "''" "false"
	# the read's audit row, one per transaction (the daemon batches them)
	bench_sql audit_reads "'{$actor}'" "'{bench}'" "'{ID}'" "'{127.0.0.1}'" "'{EmployeeShow}'" "'{employee}'" \
		"ARRAY[:nip]" "'{NULL}'"
} >"$work/show.sql"
# The same 2,000 queries in a table, for pgbench's emp_search_known, with
# the similar names and their scores as the daemon's name index finds them
# (pg_trgm's % and similarity(), which the daemon computes to the bit:
# test name_similarity_in_the_daemon_is_pg_trgms). pgbench gets them
# precomputed: its figure is PostgreSQL's part of a search.
psql_q -c "CREATE TABLE bench_queries (i int PRIMARY KEY, q text NOT NULL, n text, s text)"
python3 -c '
import sys
for i, line in enumerate(open(sys.argv[1]), 1):
    print("%d\t%s" % (i, line.rstrip("\n").replace("\\", "\\\\")))
' "$work/queries.txt" | psql_q -c "COPY bench_queries (i, q) FROM STDIN"
psql_q -c "UPDATE bench_queries b SET n = coalesce(m.n, '{}'), s = coalesce(m.s, '{}')
	FROM (SELECT b2.i, array_agg(x.lname)::text AS n, array_agg(public.similarity(x.lname, lower(b2.q)))::text AS s
	      FROM bench_queries b2 JOIN employee_names x ON x.lname OPERATOR(public.%) lower(b2.q) GROUP BY b2.i) m
	WHERE m.i = b.i"
nq=$(wc -l <"$work/queries.txt")
{
	echo "\\set i random(1, $nq)"
	echo "SELECT q, n, s, pg_current_snapshot()::text AS snap FROM bench_queries WHERE i = :i \\gset"
	bench_sql emp_search_known "'/ID/'" "'/ID/'" "''" ":q" false 20 false ":n" ":s" ":snap"
	bench_sql audit_reads "'{$actor}'" "'{bench}'" "'{ID}'" "'{127.0.0.1}'" "'{EmployeeSearch}'" "'{employee}'" \
		"'{ID}'" "'{\"{\\\"nips\\\": []}\"}'"
} >"$work/search.sql"
# pgbench with a per-transaction log: p50/p99 of its transactions (ms).
pgb() { # script clients -> "tps p50 p99 (per statement ms: ...)"
	rm -f "$work"/pgb.*
	pgbench -h 127.0.0.1 -p "$pgport" -U simpeg -n -r -M prepared -f "$1" -c "$2" -j "$(($2 < 2 ? 1 : 2))" \
		-T "$secs" -l --log-prefix="$work/pgb" simpeg >"$work/pgbench.out" 2>/dev/null
	local tps pct statements
	tps=$(awk '/^tps/ {printf "%.0f", $3}' "$work/pgbench.out")
	pct=$(cat "$work"/pgb.* | awk '{print $3}' | sort -n | awk '{v[NR] = $1} END {printf "p50 %.3f ms, p99 %.3f ms", v[int(NR * 0.5) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000}')
	statements=$(awk '/statement latencies/ {on = 1; next} on && NF {printf "%s%s", sep, $1; sep = ", "}' "$work/pgbench.out")
	echo "$tps tps, $pct (per statement, ms: $statements)"
}
echo "pgbench on the daemon's own statements (prepared, same cluster, same inputs):"
for c in 1 32; do
	out=$(pgb "$work/show.sql" "$c")
	tps=${out%% *}
	printf -- '- EmployeeShow (emp_show, emp_summary, emp_history), pgbench -c %s: %s; daemon at %s connection(s): %s/s, ratio %.2f\n' \
		"$c" "$out" "$c" "${show_rate[$c]}" "$(echo "${show_rate[$c]} / $tps" | bc -l)"
done
for c in 1 32; do
	out=$(pgb "$work/search.sql" "$c")
	tps=${out%% *}
	printf -- '- EmployeeSearch (emp_search_known, names precomputed), pgbench -c %s: %s; daemon at %s connection(s): %s/s, ratio %.2f\n' \
		"$c" "$out" "$c" "${search_rate[$c]}" "$(echo "${search_rate[$c]} / $tps" | bc -l)"
done
echo

# ---- a deep page of a filtered list, reached with the cursor ----
office=12.75
rank=III/b
matches=$(psql_q -c "SELECT count(*) FROM employees e JOIN offices o ON o.id = e.office_id
	WHERE starts_with(o.path, (SELECT path FROM offices WHERE code = '$office')) AND e.current_rank_code = '$rank'")
cursor=$(psql_q -c "SELECT e.nip FROM employees e JOIN offices o ON o.id = e.office_id
	WHERE starts_with(o.path, (SELECT path FROM offices WHERE code = '$office')) AND e.current_rank_code = '$rank'
	ORDER BY e.nip OFFSET $((matches * 9 / 10)) LIMIT 1")
best=""
for _ in 1 2 3 4 5; do
	t0=$(now)
	sp employee list --office "$office" --rank "$rank" --after "$cursor" --limit 50 >/dev/null
	t1=$(now)
	ms=$(echo "($t1 - $t0) * 1000" | bc -l)
	if [ -z "$best" ] || [ "$(echo "$ms < $best" | bc -l)" = 1 ]; then best=$ms; fi
done
tick='`'
printf -- '- %ssimpeg employee list --office %s --rank %s --after <NIP 90%% in> --limit 50%s (%s matches):' \
	"$tick" "$office" "$rank" "$tick" "$matches"
printf ' best of 5 %.1f ms, whole client process (connect, TLS, Authenticate, the page)\n' "$best"

# ---- where a search's time goes ----
# The daemon's part: name-index-bench finds the similar names of the same
# queries in the names of this registry, as a search does in the thread pool.
psql_q -c "SELECT lname FROM employee_names" >"$work/names.txt"
echo
echo "name-index-bench (the daemon's name matching alone, one thread):"
echo
"$build/tests/bench/name-index-bench" "$work/names.txt" "$work/queries.txt" 5 | sed 's/^/- /'
query=$(head -n 1 "$work/queries.txt")
echo
echo "EXPLAIN (ANALYZE, BUFFERS) of emp_search_known for \"$query\" (root scope, limit 20; names as the index finds them):"
echo
echo '```'
{
	echo "SELECT n, s, pg_current_snapshot()::text AS snap, q FROM bench_queries WHERE i = 1 \\gset"
	bench_sql emp_search_known "'/ID/'" "'/ID/'" "''" ":'q'" false 20 false ":'n'" ":'s'" ":'snap'" |
		sed 's/^/EXPLAIN (ANALYZE, BUFFERS) /'
} | psql_q
echo '```'

# ---- what-if: the same lookups without waiting for the WAL flush ----
# Each EmployeeShow commits its read-audit row; with the default
# synchronous_commit every commit waits for an fsync, and the pool's 4
# connections commit one batch at a time each. This shows what that wait
# costs; the daemon does not run like this.
psql_su -c "ALTER SYSTEM SET synchronous_commit = off" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
echo
echo "What-if, synchronous_commit = off for the whole cluster (not how simpegd runs):"
echo
echo "| scenario | rate | p50 | p99 | max | errors |"
echo "|---|---|---|---|---|---|"
for c in 1 32; do
	j=$(bench --scenario employee_show --nips "$work/nips.txt" --connections "$c" --in-flight 1)
	row "EmployeeShow, synchronous_commit = off, $c connection(s)" "$j"
done
psql_su -c "ALTER SYSTEM RESET synchronous_commit" -c "SELECT pg_reload_conf()" >/dev/null
echo
sleep 1
echo "audit log after the run: audit_verify() (rows checked, first broken, problem, rows not yet chained): $(psql_q -F ' ' -c 'SELECT rows_checked, first_broken, problem, unchained FROM audit_verify()')"
echo
echo "What could explain a stall during the scenarios (PostgreSQL log: statements over 1 s, lock waits, checkpoints, autovacuum; daemon: slow batches):"
echo
echo '```'
tail -c +"$((pglog_from + 1))" "$pgdir/postgresql.log" |
	grep -E 'duration: [0-9]{4,}|still waiting|acquired|checkpoint (starting|complete)|automatic (vacuum|analyze)' |
	cut -c1-240 || true
grep 'slow batch' "$work/simpegd.log" || true
echo '```'
if [ -n "${SIMPEG_BENCH_EXPLAIN_MS:-}" ]; then
	echo
	echo "pg_stat_statements (SIMPEG_BENCH_EXPLAIN_MS run), the top statements by time:"
	echo
	psql_su -d simpeg -P footer=off -A -F ' | ' -c "SELECT calls, round(total_exec_time) AS ms,
		round((total_exec_time / calls)::numeric, 3) AS ms_per_call, shared_blks_hit / calls AS hits_per_call,
		left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
		FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
