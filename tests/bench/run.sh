#!/usr/bin/env bash
# run.sh: the foundation benchmarks behind docs/PERFORMANCE.md.
#
# Builds an optimised simpegd (build-bench/), starts a throwaway PostgreSQL
# and a daemon on loopback, runs simpeg-bench scenarios and pgbench on the
# same query, measures the daemon's memory per idle connection, and prints
# one markdown table. Bounded: every step stops by itself.
#
#   tests/bench/run.sh [SECONDS_PER_SCENARIO]   (default 10)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-10}
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"
# The daemon and the bench account only: no client set-up, no offices.
bench_daemon_start bench
sleep 1

bench() {
	"$build/client/simpeg-bench" --server "127.0.0.1:$port" --ca "$work/certs/ca.pem" --duration "$secs" --output json "$@"
}
# Signs in once as the bench account; every connection then presents the session.
bench_signed_in() { printf '%s\n' "$bench_password" | bench --username bench --password-stdin "$@"; }
row() { # label, json
	python3 - "$1" "$2" <<'PY'
import json, sys
label, j = sys.argv[1], json.loads(sys.argv[2])
lat = j["latency_us"]
print("| %s | %.0f/s | %.3f ms | %.3f ms | %.3f ms | %d |" % (label, j["per_second"],
      lat["p50"] / 1000, lat["p99"] / 1000, lat["max"] / 1000, j["errors"]))
PY
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status"; }

echo "simpeg foundation benchmarks: $(date -u +%Y-%m-%d), $(nproc) cores, ${secs}s per scenario, client and daemon on one machine"
echo
echo "| scenario | rate | p50 | p99 | max | errors |"
echo "|---|---|---|---|---|---|"
row "ping, 1 connection, 1 in flight" "$(bench --scenario ping --connections 1 --in-flight 1)"
row "ping, 1 connection, 64 in flight (pipelined)" "$(bench --scenario ping --connections 1 --in-flight 64)"
row "ping, 64 connections, 1 in flight each" "$(bench --scenario ping --connections 64 --in-flight 1)"
row "ping, 64 connections, 16 in flight each" "$(bench --scenario ping --connections 64 --in-flight 16)"
row "connect (TCP + TLS 1.3 + Hello), 4 loops" "$(bench --scenario connect --connections 4)"
row "status (database path), 1 connection, 1 in flight" "$(bench_signed_in --scenario status --connections 1 --in-flight 1)"
row "status (database path), 1 connection, 64 in flight" "$(bench_signed_in --scenario status --connections 1 --in-flight 64)"
row "status (database path), 8 connections, 8 in flight each" "$(bench_signed_in --scenario status --connections 8 --in-flight 8)"

echo
echo "pgbench, same statement, prepared, on the same cluster (the daemon's pool has 4 connections):"
echo "SELECT current_setting('server_version'), COALESCE((SELECT max(version) FROM schema_migrations), 0)::int;" >"$work/status.sql"
for c in 1 4; do
	tps=$(pgbench -h 127.0.0.1 -p "$pgport" -U simpeg -n -M prepared -f "$work/status.sql" -c "$c" -j 1 -T "$secs" simpeg 2>/dev/null |
		awk '/^tps/ {print $3}')
	echo "- pgbench -c $c: ${tps%.*} tps"
done

echo
before=$(rss_kib)
"$build/client/simpeg-bench" --server "127.0.0.1:$port" --ca "$work/certs/ca.pem" --scenario idle --connections 1000 --duration 8 >"$work/idle.log" 2>&1 &
idle_pid=$!
for _ in $(seq 1 60); do grep -q holding "$work/idle.log" 2>/dev/null && break; sleep 0.2; done
sleep 2
during=$(rss_kib)
wait "$idle_pid" || true
echo "memory: daemon RSS ${before} KiB before, ${during} KiB with 1000 idle TLS connections:" \
	"$(( (during - before) * 1024 / 1000 )) bytes per idle connection"
