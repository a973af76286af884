#!/usr/bin/env bash
# import_floor.sh: what the import's all-or-nothing commit costs, and what
# the fastest conceivable single-transaction load would cost, on the same
# data (docs/PERFORMANCE.md, "fourth pass"). Loads N employees through
# `simpeg employee import`, stages a copy of them (NIPs starting with 9,
# so they are new) and times, each in a transaction that is rolled back:
#   1. the commit as built (import_commit's INSERT ... SELECT with every
#      key, index and foreign-key trigger);
#   2. the same with the foreign keys dropped first and added back after
#      (set-based validation instead of one trigger call per row);
#   3. also with the secondary indexes dropped and rebuilt;
#   4. the floor: COPY straight into employees and employee_ranks with
#      only their primary and unique keys (no foreign keys, no indexes).
# Prints markdown.
#
#   tests/bench/import_floor.sh [N]   (default 300000)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
count=${1:-300000}
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"
bench_start importfloor

"$build/client/simpeg-demo" --count "$count" --seed 1 --offices "$root/deploy/demo/offices.tsv" \
	--csv "$work/emp.csv" 2>/dev/null
sp --timeout 1800000 employee import "$work/emp.csv" >/dev/null
rm -f "$work/emp.csv"
psql_q -c 'VACUUM ANALYZE employees' 2>/dev/null

tables="'employees'::regclass, 'employee_ranks'::regclass, 'employee_positions'::regclass, 'employee_educations'::regclass"
fk_drop=$(psql_q -c "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I;', conrelid::regclass, conname)
	FROM pg_constraint WHERE contype = 'f' AND conrelid IN ($tables)")
fk_add=$(psql_q -c "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s;', conrelid::regclass, conname, pg_get_constraintdef(oid))
	FROM pg_constraint WHERE contype = 'f' AND conrelid IN ($tables)")
ix_drop=$(psql_q -c "SELECT format('DROP INDEX %s;', i.indexrelid::regclass) FROM pg_index i
	WHERE i.indrelid IN ($tables) AND NOT i.indisprimary
	  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)")
ix_add=$(psql_q -c "SELECT pg_get_indexdef(i.indexrelid) || ';' FROM pg_index i
	WHERE i.indrelid IN ($tables) AND NOT i.indisprimary
	  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)")

# The staged copy: every employee again under a new NIP, with its first
# rank, position and education, as the import stages a file.
psql_q -c "DELETE FROM import_staging" -c "INSERT INTO import_staging (import_id, line, nip, employment_type,
	front_title, name, back_title, birth_place, birth_date, sex, religion, marital_status, status, office_id,
	tmt_cpns, email, phone, address, nik, rank_code, rank_tmt, mkg_years, position_name, position_kind,
	functional_level, position_tmt, education_level)
	SELECT 'X', row_number() OVER (), '9' || substr(e.nip, 2), e.employment_type, e.front_title, e.name,
	e.back_title, e.birth_place, e.birth_date, e.sex, e.religion, e.marital_status, e.status, e.office_id,
	e.tmt_cpns, e.email, e.phone, e.address, e.nik, r.rank_code, r.tmt, r.mkg_years, p.name, p.kind,
	p.functional_level, p.tmt, d.level
	FROM employees e LEFT JOIN employee_ranks r ON r.employee_id = e.id
	LEFT JOIN employee_positions p ON p.employee_id = e.id LEFT JOIN employee_educations d ON d.employee_id = e.id"
psql_q -c "\\copy (SELECT employee_id, nip, employment_type, front_title, name, back_title, birth_place, birth_date,
	sex, religion, marital_status, status, office_id, tmt_cpns, email, phone, address, nik, rank_code, rank_tmt,
	mkg_years, 0, position_name, position_kind, functional_level, education_level FROM import_staging ORDER BY nip)
	TO '$work/emp.copy'"
psql_q -c "\\copy (SELECT employee_id, rank_code, rank_tmt, mkg_years, 0 FROM import_staging) TO '$work/rank.copy'"

# The commit statement as the daemon runs it, with the audit part's
# parameters filled in.
actor=$(psql_q -c "SELECT id FROM users WHERE username = 'bench'")
commit_sql=$(bench_sql import_commit "$actor" "'bench'" "'ID'" "'127.0.0.1'" "'X'" "'floor.csv'")

# Runs its input in one transaction, rolled back; prints the milliseconds
# of each statement (psql's \timing), space-separated.
timed() {
	{
		echo '\timing on'
		echo 'BEGIN;'
		echo "SELECT set_config('simpeg.import', 'on', true), set_config('work_mem', '128MB', true),"
		echo "  set_config('maintenance_work_mem', '256MB', true), set_config('statement_timeout', '0', true);"
		cat
		echo 'ROLLBACK;'
	} | psql_q 2>&1 | awk '/^Time:/ {print $2}' | tr '\n' ' '
}
sum_from() { # first last times... -> sum of fields first..last (1-based, negative from the end)
	python3 -c '
import sys
a, b = int(sys.argv[1]), int(sys.argv[2]); t = [float(x) for x in sys.argv[3:]]
print("%.1f" % (sum(t[a - 1:len(t) + b + 1]) / 1000))' "$@"
}

echo "simpeg import floor: $(date -u +%Y-%m-%d), $(nproc) cores, $count staged employees (each with a rank, a position and an education), on top of as many loaded"
echo
echo "| variant (one transaction, rolled back) | seconds | us per row |"
echo "|---|---|---|"
row() { printf '| %s | %s | %.0f |\n' "$1" "$2" "$(echo "$2 * 1000000 / $count" | bc -l)"; }
t=$(echo "$commit_sql" | timed)
row "1. commit as built (import_commit)" "$(sum_from 3 -2 $t)"
t=$({ echo "$fk_drop"; echo "$commit_sql"; echo "$fk_add"; } | timed)
row "2. foreign keys dropped, added back (set-based validation included)" "$(sum_from 3 -2 $t)"
t=$({ echo "$fk_drop"; echo "$ix_drop"; echo "$commit_sql"; echo "$ix_add"; echo "$fk_add"; } | timed)
row "3. also secondary indexes dropped and rebuilt" "$(sum_from 3 -2 $t)"
nfk=$(echo "$fk_drop" | grep -c .)
nix=$(echo "$ix_drop" | grep -c .)
t=$({ echo "$fk_drop"; echo "$ix_drop"
	echo "\\copy employees (id, nip, employment_type, front_title, name, back_title, birth_place, birth_date, sex, religion, marital_status, status, office_id, tmt_cpns, email, phone, address, nik, current_rank_code, current_rank_tmt, current_mkg_years, current_mkg_months, current_position_name, current_position_kind, current_functional_level, current_education_level) FROM '$work/emp.copy'"
	echo "\\copy employee_ranks (employee_id, rank_code, tmt, mkg_years, mkg_months) FROM '$work/rank.copy'"; } | timed)
skip=$((2 + nfk + nix))
row "4. floor: COPY into employees with only its keys" "$(sum_from $((skip + 1)) $((skip + 1)) $t)"
row "4. floor: COPY into employee_ranks with only its key (each history table about the same)" "$(sum_from $((skip + 2)) $((skip + 2)) $t)"
echo
echo "- command: \`tests/bench/import_floor.sh $count\`"
