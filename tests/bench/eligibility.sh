#!/usr/bin/env bash
# eligibility.sh: how long promotion eligibility (PromotionEligibility,
# migrations/0008_promotion.sql) takes over a whole province of a large
# registry (issue #5; docs/internals/promotion.md).
#
# Loads a demo registry the way tests/bench/registry.sh does (office tree
# through `simpeg office add`, N employees from simpeg-demo --csv through
# `simpeg employee import`), then gives the employees what a real registry
# has and the demo does not: two annual SKP rows each (about one in ten
# below "Baik"), a service-exam pass for some, a supervisor for some. The
# cluster is kept in $ELIG_BENCH_DIR and reused by the next run (a 1M load
# takes several minutes); the daemon migrates it to the current schema at
# start. Then it times, through the real CLI and in psql:
#   - the first page of `simpeg promotion eligible --office 12` (with the
#     eligible/checked counts of the whole province),
#   - the full scan: every page of the province through the cursor,
#   - EXPLAIN ANALYZE of the statement for the first page.
#
#   tests/bench/eligibility.sh [N]           (default 1000000)
#   tests/bench/eligibility.sh --load-only [N]
#   ELIG_BENCH_DIR=/tmp/x ELIG_BENCH_BUILD=/tmp/b tests/bench/eligibility.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
load_only=0
if [ "${1:-}" = "--load-only" ]; then
	load_only=1
	shift
fi
count=${1:-1000000}
build=${ELIG_BENCH_BUILD:-$root/build-bench}
work=${ELIG_BENCH_DIR:-/tmp/simpeg-eligbench}
pgdir=$work/pg
office=12
daemon_pid=""

cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	"$root/deploy/pgsql.sh" stop "$pgdir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" --buildtype=release -Dtests=disabled >/dev/null
fi
ninja -C "$build" server/simpegd client/simpeg client/simpeg-demo >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
mkdir -p "$work"
fresh=0
if [ ! -f "$work/loaded.$count" ]; then
	fresh=1
	rm -rf "$pgdir" "$work"/loaded.* "$work/certs"
	pgport=$(free_port)
	env -u SIMPEG_PG_FAST "$root/deploy/pgsql.sh" init "$pgdir" "$pgport" >/dev/null
	"$root/deploy/certs.sh" "$work/certs" >/dev/null
fi
env -u SIMPEG_PG_FAST "$root/deploy/pgsql.sh" start "$pgdir" >/dev/null
conninfo=$("$root/deploy/pgsql.sh" conninfo "$pgdir")
pgport=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$conninfo")
port=$(free_port)
cat >"$work/simpegd.conf" <<CONF
[server]
listen = 127.0.0.1:$port
[tls]
cert = $work/certs/server.pem
key = $work/certs/server.key
[database]
conninfo = $conninfo
pool_size = 4
query_timeout_ms = 1800000
[log]
level = warning
CONF
"$build/server/simpegd" migrate --config "$work/simpegd.conf" >/dev/null
if [ "$fresh" = 1 ]; then
	openssl rand -base64 24 | tr -d '/+=' >"$work/password"
	"$build/server/simpegd" bootstrap-admin --config "$work/simpegd.conf" --username bench \
		--full-name "Benchmark" <"$work/password" >/dev/null
fi
"$build/server/simpegd" --config "$work/simpegd.conf" 2>"$work/simpegd.log" &
daemon_pid=$!

mkdir -p "$work/client/simpeg" "$work/client-state"
printf '[client]\nserver = 127.0.0.1:%s\nca = %s\n' "$port" "$work/certs/ca.pem" >"$work/client/simpeg/config.ini"
sp() { XDG_CONFIG_HOME=$work/client XDG_STATE_HOME=$work/client-state "$build/client/simpeg" "$@"; }
for _ in $(seq 1 50); do sp ping >/dev/null 2>&1 && break; sleep 0.2; done
sp login bench --password-stdin <"$work/password" >/dev/null
psql_q() { psql -X -q -At -h 127.0.0.1 -p "$pgport" -U simpeg -d simpeg -v ON_ERROR_STOP=1 "$@"; }

if [ "$fresh" = 1 ]; then
	while IFS=$'\t' read -r code kind parent name; do
		case $code in '#'* | '') continue ;; esac
		sp office add "$code" --kind "$kind" --parent "$parent" --name "$name" >/dev/null
	done <"$root/deploy/demo/offices.tsv"
	"$build/client/simpeg-demo" --count "$count" --seed 1 --offices "$root/deploy/demo/offices.tsv" \
		--csv "$work/emp.csv" 2>/dev/null
	t0=$(now)
	sp --timeout 1800000 employee import "$work/emp.csv" >"$work/import.log"
	t1=$(now)
	rm -f "$work/emp.csv"
	printf 'import of %s employees: %.1f s\n' "$count" "$(echo "$t1 - $t0" | bc -l)"
	touch "$work/loaded.$count"
fi
[ "$load_only" = 1 ] && exit 0

period=$(psql_q -c "SELECT to_char(min(period_date), 'YYYY-MM-DD') FROM promotion_periods WHERE period_date >= current_date")
# What the demo lacks, once each: annual SKP for the two years before the
# period's year (one in ten below Baik), supervisors for one in twenty (the
# previous employee of the same office), service exams for one in three.
t0=$(now)
if [ "$(psql_q -c "SELECT count(*) FROM employee_performances WHERE year = ${period:0:4} - 1")" = 0 ]; then
	psql_q -v y="${period:0:4}" <<'SQL'
INSERT INTO employee_performances (employee_id, year, result_rating, behavior_rating)
SELECT e.id, y, CASE WHEN (e.id + y) % 10 = 0 THEN 'di_bawah' ELSE 'sesuai' END, 'sesuai'
FROM employees e CROSS JOIN generate_series(:y - 2, :y - 1) y;
ANALYZE employee_performances;
SQL
fi
if [ "$(psql_q -c 'SELECT count(*) FROM employees WHERE supervisor_id IS NOT NULL')" = 0 ]; then
	psql_q -c "UPDATE employees e SET supervisor_id = s.id
		FROM (SELECT id, lead(id) OVER (PARTITION BY office_id ORDER BY id) AS next FROM employees) s
		WHERE e.id % 20 = 0 AND s.next = e.id" -c "VACUUM ANALYZE employees"
fi
if [ "$(psql_q -c 'SELECT count(*) FROM employee_service_exams')" = 0 ]; then
	psql_q -c "INSERT INTO employee_service_exams (employee_id, level, passed_on)
		SELECT id, CASE WHEN id % 2 = 0 THEN 1 ELSE 2 END, current_date - 400 FROM employees WHERE id % 3 = 0" \
		-c "ANALYZE employee_service_exams"
fi
t1=$(now)
printf 'bench data (SKP x2, supervisors, service exams, where missing): %.1f s\n' "$(echo "$t1 - $t0" | bc -l)"

path=$(psql_q -c "SELECT path FROM offices WHERE code = '$office'")
scope=$(psql_q -c "SELECT count(*) FROM employees e JOIN offices o ON o.id = e.office_id
	WHERE starts_with(o.path, '$path') AND e.status = 1")
echo "simpeg promotion eligibility: $(date -u +%Y-%m-%d), $(nproc) cores, $count employees, $scope active in province $office, period $period"
echo
best=""
for _ in 1 2 3; do
	t0=$(now)
	sp promotion eligible --office "$office" --period "$period" --limit 100 >"$work/first.txt"
	t1=$(now)
	ms=$(echo "($t1 - $t0) * 1000" | bc -l)
	if [ -z "$best" ] || [ "$(echo "$ms < $best" | bc -l)" = 1 ]; then best=$ms; fi
done
printf -- '- first page (100 eligible, with the counts of the whole province), whole client process: best of 3 %.0f ms\n' "$best"
tail -n 1 "$work/first.txt" | sed 's/^/  /'
best=""
next=$(sed -n 's/.*--after \([0-9]*\) .*/\1/p' "$work/first.txt")
for _ in 1 2 3; do
	t0=$(now)
	sp promotion eligible --office "$office" --period "$period" --limit 100 --after "$next" >/dev/null
	t1=$(now)
	ms=$(echo "($t1 - $t0) * 1000" | bc -l)
	if [ -z "$best" ] || [ "$(echo "$ms < $best" | bc -l)" = 1 ]; then best=$ms; fi
done
printf -- '- a later page (100 eligible, no counts): best of 3 %.0f ms\n' "$best"

# Every candidate of the province (eligible or not), page after page.
t0=$(now)
after=""
pages=0
rows=0
while :; do
	args=(promotion eligible --office "$office" --period "$period" --all --limit 5000)
	[ -n "$after" ] && args+=(--after "$after")
	sp --output json "${args[@]}" >"$work/page.json"
	read -r n after < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(len(j.get("candidates", [])), j.get("next_after", "") or "")' "$work/page.json")
	pages=$((pages + 1))
	rows=$((rows + n))
	[ -z "$after" ] && break
done
t1=$(now)
printf -- '- full scan, --all --limit 5000: %d candidates in %d pages, %.1f s\n' "$rows" "$pages" "$(echo "$t1 - $t0" | bc -l)"
t0=$(now)
psql_q -c "SELECT * FROM promotion_counts('$path', '/', '', '$period'::date)" >/dev/null
t1=$(now)
printf -- '- the counts alone (promotion_counts in psql): %.1f s\n' "$(echo "$t1 - $t0" | bc -l)"

echo
echo "EXPLAIN (ANALYZE, BUFFERS) of promotion_candidates for the first page (top of the plan):"
echo '```'
psql_q -c "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM promotion_candidates('$path', '/', '', '$period'::date, false, NULL, 101)" |
	sed -n '1,8p;/Execution Time/p'
echo '```'
