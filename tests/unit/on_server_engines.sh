#!/usr/bin/env bash
# The store-level unit tests again on the server engines: each program runs
# on a throwaway PostgreSQL and a throwaway MariaDB (tests/lib-engines.sh),
# its database emptied before every test (tests/unit/tmpdir_fixture.h:
# CLUSTERDB_TEST_DB, CLUSTERDB_TEST_DB_RESET) and migrated by the real
# migration runner, so the models' rules, refusals, allocations, races and
# the LDAP filters' translation are held to the same checks on every
# engine.  A check that looks at SQLite itself (its query plans, trace hook,
# statement cache, pragmas, files) says so in a visible skip.
# Not repeated here, being about SQLite or no database at all: test_store,
# test_schema, test_migrate (SQLite's files, pragmas and upgrade path; the
# servers' store is tested by tests/engines/), and the programs without a
# database (validate, passwd, pve, notify, render, sql_translate).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-engines.sh"

programs=(test_settings test_access test_cluster_model test_cluster test_directory
          test_concurrency test_identity test_query)
scratch work

# One engine: its server, then every program on it; per program
# $work/ENGINE.PROGRAM.{tap,stderr,rc}, and $work/ENGINE.start when the
# server did not start.
run_engine() {
    local engine=$1 uri reset p
    trap 'engine_stop "$engine"' EXIT
    if ! engine_start "$engine" "$work/$engine" 2> "$work/$engine.start"; then
        return 1
    fi
    rm -f "$work/$engine.start"
    uri=$(engine_uri "$engine")
    reset=$(engine_empty_command "$engine")
    for p in "${programs[@]}"; do
        CLUSTERDB_TEST_DB=$uri CLUSTERDB_TEST_DB_RESET=$reset CMOCKA_MESSAGE_OUTPUT=TAP \
            "$CLUSTERDB_BUILD/tests/unit/$p" > "$work/$engine.$p.tap" 2> "$work/$engine.$p.stderr" < /dev/null
        echo $? > "$work/$engine.$p.rc"
    done
}

# The reason a skipped test gave on stderr (SKIP_UNLESS_SQLITE).
skip_reason() { sed -n "s/^# $2 skipped on a server engine: //p" "$1" | head -n 1; }

report() {
    local engine=$1 p=$2 base=$work/$1.$2 rc line
    rc=$(cat "$base.rc" 2>/dev/null || echo 127)
    while IFS= read -r line; do
        case "$line" in
            # cmocka writes a skipped test as "not ok N # SKIP name"
            "ok "*" # SKIP"* | "not ok "*" # SKIP"*)
                skip "$engine $p: ${line#*# SKIP } (SQLite only: $(skip_reason "$base.stderr" "${line#*# SKIP }"))" ;;
            "ok "*) ok "$engine $p: ${line#ok * - }" ;;
            "not ok "*) not_ok "$engine $p: ${line#not ok * - }" ;;
        esac
    done < "$base.tap"
    if [ "$rc" -ne 0 ] && ! grep -q '^not ok [0-9]* - ' "$base.tap"; then
        not_ok "$engine $p exits 0 (exit $rc)"
    fi
    if [ "$rc" -ne 0 ] || grep -q 'Sanitizer' "$base.stderr"; then
        diag "$(tail -n 40 "$base.tap" "$base.stderr")"
    fi
    check_fails "$engine $p: no sanitizer report" grep -q 'Sanitizer' "$base.stderr"
}

# The engines side by side: each program's tests are independent of the
# other engine's, and every server is private to its run.
engines=()
for engine in ${ENGINES_RERUN:-postgresql mariadb}; do
    if ! why=$(engine_available "$engine"); then
        skip "$engine: $why"; continue
    fi
    engines+=("$engine")
    run_engine "$engine" &
done
wait
for engine in "${engines[@]}"; do
    if [ -f "$work/$engine.start" ]; then
        not_ok "$engine: a throwaway server starts"; diag "$(cat "$work/$engine.start")"; continue
    fi
    for p in "${programs[@]}"; do report "$engine" "$p"; done
done
tap_done
