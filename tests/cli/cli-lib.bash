# Helpers for the CLI tests (sourced; not a test itself: run-all.sh runs *.sh).
# Every command runs against a real database: an SQLite file in a scratch
# directory, or with CLUSTERDB_TEST_ENGINE=postgresql or mariadb the same
# tests on a throwaway server started here (tests/lib-engines.sh; the runner
# for that is tests/cli/on_server_engines.sh).
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scratch TESTDIR
CLI_ENGINE=${CLUSTERDB_TEST_ENGINE:-sqlite}
case "$CLI_ENGINE" in
    sqlite) DB=$TESTDIR/clusterdb.sqlite ;;
    postgresql|mariadb)
        . "$(dirname "${BASH_SOURCE[0]}")/../lib-engines.sh"
        if ! engine_start "$CLI_ENGINE" "$TESTDIR/$CLI_ENGINE"; then
            not_ok "a throwaway $CLI_ENGINE server starts"; tap_done; exit 1
        fi
        DB=$(engine_uri "$CLI_ENGINE") ;;
    *) echo "cli-lib: unknown CLUSTERDB_TEST_ENGINE $CLI_ENGINE" >&2; exit 2 ;;
esac
_errfile=$TESTDIR/.stderr

# run ARGS...: run the CLI on $DB; sets OUT, ERR and RC.  Reads the caller's stdin.
run() {
    OUT=$("$CLI" --db "$DB" "$@" 2>"$_errfile")
    RC=$?
    ERR=$(cat "$_errfile")
}

# new_db: a fresh, initialised database in $DB.
new_db() {
    case "$CLI_ENGINE" in
        sqlite) rm -f "$DB" "$DB-wal" "$DB-shm" ;;
        postgresql)
            engine_sql_admin postgresql "DROP DATABASE IF EXISTS \"$ENGINE_DB\" WITH (FORCE);
                                         CREATE DATABASE \"$ENGINE_DB\"" > /dev/null ;;
        mariadb)
            engine_sql_admin mariadb "DROP DATABASE IF EXISTS \"$ENGINE_DB\";
                                      CREATE DATABASE \"$ENGINE_DB\"" > /dev/null ;;
    esac
    "$CLI" --db "$DB" init >/dev/null
}

# Row counts of every table, one "Table=N" per table: a failed command must
# leave this unchanged.
table_counts() {
    local q
    case "$CLI_ENGINE" in
        sqlite)
            q=$(sqlite3 "$DB" "SELECT group_concat('SELECT ''' || name || '='' || count(*) FROM \"' || name || '\"', ' UNION ALL ') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            sqlite3 "$DB" "$q" | tr '\n' ' ' ;;
        postgresql)
            q=$(engine_sql postgresql "SELECT string_agg(format('SELECT %L || ''='' || count(*) FROM %I', table_name, table_name), ' UNION ALL ' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = current_schema()")
            engine_sql postgresql "$q" | tr '\n' ' ' ;;
        mariadb)
            q=$(engine_sql mariadb "SET SESSION group_concat_max_len = 65536; SELECT GROUP_CONCAT(CONCAT('SELECT ''', TABLE_NAME, '='' || count(*) FROM \"', TABLE_NAME, '\"') ORDER BY TABLE_NAME SEPARATOR ' UNION ALL ') FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
            engine_sql mariadb "$q" | tr '\n' ' ' ;;
    esac
}

integrity() {
    case "$CLI_ENGINE" in
        sqlite) sqlite3 "$DB" 'PRAGMA integrity_check' ;;
        *) echo ok ;;  # a server keeps its own files consistent
    esac
}

# Every row of every table, as SQL text: a failed command must leave it
# byte for byte as it was (no field changed, no updatedAt bumped).  On the
# servers sorted (rows have no fixed order) and without PostgreSQL's identity
# sequences, which a failed insert advances (ids are still never reused).
db_dump() {
    case "$CLI_ENGINE" in
        sqlite) sqlite3 "$DB" .dump ;;
        postgresql)
            "$ENGINE_PG_BIN/pg_dump" -h "${ENGINE_SOCKET[postgresql]}" -p "${ENGINE_PORT[postgresql]}" \
                -U postgres --data-only --inserts "$ENGINE_DB" |
                grep -v -e '^SELECT pg_catalog.setval' -e '^\\restrict' -e '^\\unrestrict' | sort ;;
        mariadb)
            /usr/bin/mariadb-dump --no-defaults -S "${ENGINE_SOCKET[mariadb]}" -uroot --no-create-info \
                --skip-triggers --skip-extended-insert --compact "$ENGINE_DB" | sort ;;
    esac
}

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

# The schema names the server engines quote in the models' SQL (as
# store_postgresql.c and store_mariadb.c read them).
_engine_names() {
    case "$CLI_ENGINE" in
        postgresql) engine_sql postgresql "SELECT DISTINCT name FROM (SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() UNION SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()) AS n WHERE name <> lower(name)" ;;
        mariadb) engine_sql mariadb "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() UNION SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()" ;;
    esac
}

# sql SQL: plain SQL on the database, as another writer would run it, in
# the models' spelling (on a server engine translated as the store
# translates theirs: tests/tools/sql-translate); rows on stdout, fields
# separated by |, SQL NULL as nothing.
sql() {
    local names
    case "$CLI_ENGINE" in
        sqlite) sqlite3 "$DB" "$@" ;;
        *)
            mapfile -t names < <(_engine_names)
            engine_sql "$CLI_ENGINE" "$(printf '%s' "$1" | "$CLUSTERDB_BUILD/tests/tools/sql-translate" "$CLI_ENGINE" "${names[@]}")" |
                if [ "$CLI_ENGINE" = mariadb ]; then
                    # the client writes SQL NULL as NULL
                    sed -e 's/^NULL\t/\t/; s/\tNULL$/\t/; s/^NULL$//; :a; s/\tNULL\t/\t\t/; ta'
                else cat; fi | tr '\t' '|' ;;
    esac
}
