# Helpers for the CLI tests (sourced; not a test itself: run-all.sh runs *.sh).
# Every command runs against a real database: an SQLite file in a scratch
# directory, or with CLUSTERDB_TEST_ENGINE=postgresql or mariadb the same
# tests on a throwaway server started here (tests/lib-engines.sh; the runner
# for that is tests/cli/on_server_engines.sh).
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scratch TESTDIR
. "$(dirname "${BASH_SOURCE[0]}")/../lib-engines.sh"
CLI_ENGINE=$TEST_ENGINE
if ! test_database "$TESTDIR"; then
    not_ok "a database on $CLI_ENGINE"; tap_done; exit 1
fi
_errfile=$TESTDIR/.stderr

# run ARGS...: run the CLI on $DB; sets OUT, ERR and RC.  Reads the caller's stdin.
run() {
    OUT=$("$CLI" --db "$DB" "$@" 2>"$_errfile")
    RC=$?
    ERR=$(cat "$_errfile")
}

# new_db: a fresh, initialised database in $DB.
new_db() {
    test_database_empty
    "$CLI" --db "$DB" init >/dev/null
}

table_counts() { test_table_counts; }
db_dump() { test_db_dump; }
integrity() { test_db_intact; }

# expect_ok DESC ARGS...: the command succeeds.
expect_ok() {
    local desc=$1; shift
    run "$@"
    if [ "$RC" -eq 0 ]; then ok "$desc"; else not_ok "$desc"; diag "clusterdb $* -> exit $RC" "$ERR"; fi
}

# expect_fail DESC CODE FIELD ARGS...: the command exits CODE, its message is
# "clusterdb: FIELD: ..." (FIELD is an extended regex; empty: any message),
# no table's row count changed, no row changed and the database is intact.
expect_fail() {
    local desc=$1 code=$2 field=$3; shift 3
    local before after dump_before problems=()
    before=$(table_counts)
    dump_before=$(db_dump)
    run "$@"
    after=$(table_counts)
    [ "$dump_before" == "$(db_dump)" ] || problems+=("a row changed")
    [ "$RC" -eq "$code" ] || problems+=("exit $RC, expected $code")
    if [ -n "$field" ]; then
        [[ "$ERR" =~ ^clusterdb:\ ($field): ]] || problems+=("message does not name $field")
    else
        [[ "$ERR" =~ ^clusterdb:\  ]] || problems+=("no clusterdb: message")
    fi
    [ "$before" == "$after" ] || problems+=("row counts changed: $before -> $after")
    [ "$(integrity)" == ok ] || problems+=("integrity_check failed")
    if [ ${#problems[@]} -eq 0 ]; then ok "$desc"; else
        not_ok "$desc"; diag "clusterdb $*" "${problems[@]}" "stderr: $ERR"; fi
}

# json_ok DESC: $OUT parses as JSON.
json_ok() {
    local e
    if e=$(printf '%s' "$OUT" | python3 -c 'import json,sys; json.load(sys.stdin)' 2>&1); then
        ok "$1"; else not_ok "$1"; diag "$e" "$OUT"; fi
}

# json_get EXPR: evaluate a Python expression on the parsed $OUT (as `d`).
json_get() {
    printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); v=$1; print(v if not isinstance(v,(dict,list)) else json.dumps(v))"
}

# sql SQL: plain SQL on the database, as another writer would run it
# (tests/lib-engines.sh, test_sql).
sql() { test_sql "$1"; }
