#!/usr/bin/env bash
# services.sh: the personnel-services benchmark (issue #5,
# docs/internals/documents.md): leave submissions and approvals through the
# daemon against a registry of N employees.
#
# Builds an optimised simpegd, starts a throwaway PostgreSQL with default
# durability (no SIMPEG_PG_FAST) and a daemon on loopback, loads the demo
# office tree and N demo employees (simpeg-demo --csv, `simpeg employee
# import`), configures the leave chain at the root as verifier -> official
# (both held by the benchmark's system_admin account, so one session can
# take every step; SQL set-up, as the supervisor step needs a named account
# per employee), then with C connections:
#   1. leave_submit: LeaveSubmit (annual leave, one working day, submitted at
#      once) for distinct employees, each filed by the HR account;
#   2. request_approve: RequestAct approve of the submitted requests, first
#      the verifier step of each, then the official step (the last one
#      applies the leave to the balance).
# Prints markdown.
#
#   tests/bench/services.sh [N] [SECONDS_PER_SCENARIO] [CONNECTIONS]   (default 100000, 10, 64)
#   SIMPEG_BENCH_BUILD=DIR   build directory (default build-bench in the source tree)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
count=${1:-100000}
secs=${2:-10}
conns=${3:-64}
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"
bench_start svcbench query_timeout_ms=1800000

"$build/client/simpeg-demo" --count "$count" --seed 1 --offices "$root/deploy/demo/offices.tsv" \
	--csv "$work/emp.csv" 2>/dev/null
sp --timeout 1800000 employee import "$work/emp.csv" >"$work/import.log"
rm -f "$work/emp.csv"
psql_q -c 'VACUUM ANALYZE employees' -c 'ANALYZE employee_ranks' -c 'ANALYZE employee_positions'

# The leave chain at the root: verifier, then official; the bench account
# (system_admin at the root) holds both.
psql_q -c "INSERT INTO approval_chains (office_id, service, steps)
	SELECT id, 'CUTI', '{verifier,official}' FROM offices WHERE code = 'ID'
	ON CONFLICT (office_id, service) DO UPDATE SET steps = EXCLUDED.steps"

# Employees who may take annual leave: active PNS with more than a year of
# service; at most 65,536 (what simpeg-bench keeps in file order), shuffled.
psql_q -c "SELECT nip FROM employees WHERE employment_type = 1 AND status = 1
	AND tmt_cpns < current_date - interval '2 years' ORDER BY random() LIMIT 65536" >"$work/nips.txt"
eligible=$(wc -l <"$work/nips.txt")

# Samples what the busy backends wait for, every 0.2 s, while a scenario
# runs (in the background; stopped by the caller): one line a sample.
sample_waits() {
	while :; do
		psql_q -c "SELECT coalesce(a.wait_event_type || ':' || a.wait_event, 'cpu')
			|| coalesce(' on ' || (SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			   WHERE l.pid = a.pid AND NOT l.granted LIMIT 1), '')
			FROM pg_stat_activity a WHERE a.backend_type = 'client backend' AND a.state = 'active'
			AND a.pid <> pg_backend_pid()" 2>/dev/null || true
		sleep 0.2
	done
}
waits_summary() { # file -> "x% what, ..."
	sort "$1" | uniq -c | sort -rn | head -n 4 |
		awk -v total="$(wc -l <"$1")" '{n = $1; $1 = ""; printf "%s%.0f%%%s", sep, 100 * n / total, $0; sep = ", "}'
}
measure() { # label, scenario arguments...
	local label=$1
	shift
	sample_waits >"$work/waits.txt" &
	local sampler=$!
	local j
	j=$(bench "$@")
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	row "$label" "$j"
	waits+=("- $label: backends busy with $(waits_summary "$work/waits.txt")")
}
waits=()

bench() {
	printf '%s\n' "$bench_password" |
		"$build/client/simpeg-bench" --server "127.0.0.1:$port" --ca "$work/certs/ca.pem" --duration "$secs" \
			--output json --username bench --password-stdin --connections "$conns" --in-flight 1 "$@" \
			2>"$work/bench.err" || true
}
row() { # label, json
	python3 - "$1" "$2" "$work/bench.err" <<'PY'
import json, sys
label = sys.argv[1]
try:
    j = json.loads(sys.argv[2])
except ValueError:
    print("| %s | simpeg-bench failed: %s |" % (label, open(sys.argv[3]).read().strip().replace("\n", " ")))
    sys.exit(0)
lat = j["latency_us"]
print("| %s | %d | %.0f/s | %.2f ms | %.2f ms | %.2f ms | %d |" % (label, j["ok"], j["per_second"],
      lat["p50"] / 1000, lat["p99"] / 1000, lat["max"] / 1000, j["errors"]))
PY
}

echo "simpeg personnel-services benchmark: $(date -u +%Y-%m-%d), $(nproc) cores, $count employees ($eligible drawn from), $conns connections x 1 in flight, ${secs}s per scenario, client, daemon (pool 4) and PostgreSQL (default durability) on one machine"
echo
echo "| scenario | done | rate | p50 | p99 | max | errors |"
echo "|---|---|---|---|---|---|---|"
measure "LeaveSubmit (annual leave, 1 day, submitted at once)" --scenario leave_submit --nips "$work/nips.txt"
submitted=$(psql_q -c "SELECT count(*) FROM requests WHERE service = 'CUTI' AND state = 2")

# Each submitted request twice: first pass the verifier step, second pass
# the official step (the decision, with the leave's effect on the balance).
psql_q -c "SELECT number FROM (SELECT number, id FROM requests WHERE service = 'CUTI' AND state = 2
	ORDER BY id LIMIT 32768) r ORDER BY id" >"$work/pass.txt"
cat "$work/pass.txt" "$work/pass.txt" >"$work/numbers.txt"
measure "RequestAct approve (verifier step, then official step)" --scenario request_approve \
	--queries "$work/numbers.txt"
approved=$(psql_q -c "SELECT count(*) FROM requests WHERE service = 'CUTI' AND state = 5")
verified=$(psql_q -c "SELECT count(*) FROM requests WHERE service = 'CUTI' AND state = 4")
echo
echo "- after the runs: $submitted leave requests submitted, $verified at the official step, $approved approved"
echo
echo "What the PostgreSQL backends were doing while each scenario ran (sampled every 0.2 s):"
echo
printf '%s\n' "${waits[@]}"
echo
echo "- command: \`tests/bench/services.sh $count $secs $conns\`"
