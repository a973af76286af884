#!/usr/bin/env bash
# test.sh: build simpeg with sanitizers and run every test against a throwaway
# PostgreSQL cluster. Arguments go to `meson test` (e.g. --suite unit).
#
#   build-test/              sanitizer build (address,undefined; werror; tests)
#   build-test/test-certs/   certificates from deploy/certs.sh
#   /tmp/simpeg-test-pg.*    the cluster, removed on exit
#
# Tests get (exported): SIMPEG_TEST_CONNINFO, SIMPEG_TEST_PGDIR,
# SIMPEG_TEST_PGSQL_SH, SIMPEG_TEST_CERTS, SIMPEG_TEST_SIMPEGD,
# SIMPEG_TEST_SIMPEG, SIMPEG_SOURCE_ROOT.
# The last line of output is "N passed, N failed[, N skipped]"; the exit
# status is non-zero when anything failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=deploy/lib.sh
. "$here/lib.sh"

readonly FIRST_PG_PORT=55432
readonly SETUP_OPTIONS=("-Db_sanitize=address,undefined" -Dwerror=true -Dtests=enabled)
builddir=$root/build-test
pgdir=""

ensure_test_locale() {
	if locale -a 2>/dev/null | grep -qix 'id_ID\.utf-\{0,1\}8'; then
		return 0
	fi
	if ! is_root; then
		warn "locale id_ID.UTF-8 is missing, translation tests may fail; as root: enable it in /etc/locale.gen and run locale-gen"
		return 0
	fi
	log "generating locale id_ID.UTF-8 (for the translation tests)"
	if grep -Eq '^[#[:space:]]*id_ID\.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
		sed -i -E 's/^[#[:space:]]*(id_ID\.UTF-8 UTF-8)/\1/' /etc/locale.gen
	else
		echo 'id_ID.UTF-8 UTF-8' >>/etc/locale.gen
	fi
	locale-gen >/dev/null
}

build_options_match() {
	meson introspect --buildoptions "$builddir" 2>/dev/null | python3 -c '
import json, sys
want = {"b_sanitize": "address,undefined", "werror": True, "tests": "enabled"}
have = {o["name"]: o["value"] for o in json.load(sys.stdin)}
sys.exit(0 if all(have.get(k) == v for k, v in want.items()) else 1)'
}

configure_and_build() {
	if [ ! -f "$builddir/meson-private/coredata.dat" ]; then
		log "configuring build-test/ (${SETUP_OPTIONS[*]})"
		meson setup "$builddir" "$root" "${SETUP_OPTIONS[@]}"
	elif [ ! -f "$builddir/build.ninja" ] || ! build_options_match; then
		log "reconfiguring build-test/ (${SETUP_OPTIONS[*]})"
		meson setup --reconfigure "$builddir" "$root" "${SETUP_OPTIONS[@]}"
	fi
	log "building (ninja -C build-test)"
	ninja -C "$builddir"
}

# LeakSanitizer cannot run where ptrace-like process inspection is denied
# (some containers); there it aborts every program. Detect that once.
leak_detection_works() {
	local dir ok=0
	dir=$(mktemp -d)
	printf 'int main(void) { return 0; }\n' >"$dir/probe.c"
	if gcc -fsanitize=address "$dir/probe.c" -o "$dir/probe" 2>/dev/null &&
		ASAN_OPTIONS=detect_leaks=1 "$dir/probe" >/dev/null 2>&1; then
		ok=1
	fi
	rm -rf "$dir"
	[ "$ok" = 1 ]
}

# Prints the first port from $1 upward that 127.0.0.1 can bind.
free_port() {
	python3 - "$1" <<'EOF'
import socket, sys
first = int(sys.argv[1])
for port in range(first, min(first + 1000, 65536)):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    sys.exit(0)
sys.exit("no free port from %d upward" % first)
EOF
}

cleanup() {
	if [ -n "$pgdir" ]; then
		"$here/pgsql.sh" stop "$pgdir" >/dev/null || warn "could not stop the test cluster in $pgdir"
		rm -rf "$pgdir"
	fi
}

# A fresh cluster on a free port; a port taken between the check and the
# start (another test run) moves on to the next one.
start_test_cluster() {
	local port=$FIRST_PG_PORT attempt
	for attempt in 1 2 3; do
		port=$(free_port "$port")
		pgdir=$(mktemp -d /tmp/simpeg-test-pg.XXXXXX)
		if SIMPEG_PG_FAST=1 "$here/pgsql.sh" init "$pgdir" "$port" &&
			SIMPEG_PG_FAST=1 "$here/pgsql.sh" start "$pgdir"; then
			return 0
		fi
		warn "test cluster on port $port failed to start (attempt $attempt)"
		cleanup
		pgdir=""
		port=$((port + 1))
	done
	die "could not start a PostgreSQL test cluster"
}

summarize() {
	python3 - "$1" <<'EOF'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        if not line.strip():
            continue
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:  # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS
            failed += 1
summary = "%d passed, %d failed" % (passed, failed)
if skipped:
    summary += ", %d skipped" % skipped
print(summary)
sys.exit(1 if failed else 0)
EOF
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_build_packages
ensure_test_locale
configure_and_build
"$here/certs.sh" --branch-cn T9.71 "$builddir/test-certs"
start_test_cluster

export SIMPEG_SOURCE_ROOT=$root
export SIMPEG_TEST_PGDIR=$pgdir
export SIMPEG_TEST_PGSQL_SH=$here/pgsql.sh
export SIMPEG_TEST_CONNINFO
SIMPEG_TEST_CONNINFO=$("$here/pgsql.sh" conninfo "$pgdir")
export SIMPEG_TEST_CERTS=$builddir/test-certs
export SIMPEG_TEST_SIMPEGD=$builddir/server/simpegd
export SIMPEG_TEST_SIMPEG=$builddir/client/simpeg
# Tests that restart PostgreSQL through pgsql.sh keep the fast settings.
export SIMPEG_PG_FAST=1
leaks=1
if ! leak_detection_works; then
	warn "LeakSanitizer does not work here (ptrace restricted?): leak detection is off for this run"
	leaks=0
fi
export ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

testlog=$builddir/meson-logs/testlog.json
rm -f "$testlog"
log "running tests (PostgreSQL: $SIMPEG_TEST_CONNINFO)"
meson_status=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@" || meson_status=$?

[ -f "$testlog" ] || die "meson test wrote no $testlog (exit $meson_status)"
summary_status=0
summarize "$testlog" || summary_status=1
if [ "$meson_status" -ne 0 ] || [ "$summary_status" -ne 0 ]; then
	exit 1
fi
