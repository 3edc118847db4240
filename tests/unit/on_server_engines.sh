#!/usr/bin/env bash
# The store-level unit tests again on the server engines: each program runs
# on a throwaway PostgreSQL and a throwaway MariaDB (tests/lib-engines.sh),
# its database emptied before every test (tests/unit/tmpdir_fixture.h:
# CLUSTERDB_TEST_DB, CLUSTERDB_TEST_DB_RESET) and migrated by the real
# migration runner, so the models' rules, refusals, allocations and races
# are held to the same checks on every engine.  A check that looks at
# SQLite itself (its query plans, trace hook, pragmas, files) says so in
# a visible skip.
# Not repeated here, being about SQLite or no database at all: test_store,
# test_schema, test_migrate, test_query (SQLite's plans and statement cache;
# the servers' store is tested by tests/engines/), and the programs without
# a database (validate, passwd, pve, notify, render, sql_translate).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-engines.sh"

# The reason a skipped test gave on stderr (SKIP_UNLESS_SQLITE).
skip_reason() { sed -n "s/^# $1 skipped on a server engine: //p" "$work/stderr" | head -n 1; }

programs=(test_settings test_access test_cluster_model test_cluster test_directory
          test_concurrency test_identity)
scratch work
for engine in ${ENGINES_RERUN:-postgresql mariadb}; do
    if ! why=$(engine_available "$engine"); then
        skip "$engine: $why"; continue
    fi
    if ! engine_start "$engine" "$work/$engine"; then
        not_ok "$engine: a throwaway server starts"; continue
    fi
    uri=$(engine_uri "$engine")
    reset=$(engine_empty_command "$engine")
    for p in "${programs[@]}"; do
        prog=$CLUSTERDB_BUILD/tests/unit/$p
        CLUSTERDB_TEST_DB=$uri CLUSTERDB_TEST_DB_RESET=$reset CMOCKA_MESSAGE_OUTPUT=TAP \
            "$prog" > "$work/tap" 2> "$work/stderr" < /dev/null
        rc=$?
        while IFS= read -r line; do
            case "$line" in
                # cmocka writes a skipped test as "not ok N # SKIP name"
                "ok "*" # SKIP"* | "not ok "*" # SKIP"*)
                    skip "$engine $p: ${line#*# SKIP } (SQLite only: $(skip_reason "${line#*# SKIP }"))" ;;
                "ok "*) ok "$engine $p: ${line#ok * - }" ;;
                "not ok "*) not_ok "$engine $p: ${line#not ok * - }" ;;
            esac
        done < "$work/tap"
        if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$work/tap"; then
            not_ok "$engine $p exits 0 (exit $rc)"
        fi
        if [ "$rc" -ne 0 ] || grep -q 'Sanitizer' "$work/stderr"; then
            diag "$(tail -n 40 "$work/tap" "$work/stderr")"
        fi
        check_fails "$engine $p: no sanitizer report" grep -q 'Sanitizer' "$work/stderr"
    done
    engine_stop "$engine"
done
tap_done
