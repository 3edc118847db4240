# Throwaway server engines for the tests: PostgreSQL 15 and MariaDB, each a
# private instance in a directory of its own, listening on a Unix socket in
# that directory only, stopped by its PID when the test exits.  The host's own
# clusters and services (/etc/postgresql, /var/lib/mysql, systemd units) are
# never read, started or touched: every server runs with --no-defaults (or its
# own data directory's configuration) as the engine's unprivileged system user.
# Source it after tests/lib.sh.
#
#   engine_available ENGINE        0 when the binaries are installed; else
#                                  prints why not (for a visible skip)
#   engine_start ENGINE [DIR]      initialise and start; DIR defaults to a scratch
#                                  directory.  Creates the database $ENGINE_DB.
#   engine_stop ENGINE             stop it (also done at exit)
#   engine_sql ENGINE SQL          run SQL in $ENGINE_DB; rows on stdout, tab-separated,
#                                  no headers (MariaDB: raw, newlines not escaped); non-zero exit (and the error on stderr)
#                                  on the first failing statement
#   engine_sql_file ENGINE FILE    the same for a file of statements
#   engine_uri ENGINE              the instance's URI for $ENGINE_DB
# ENGINE is postgresql or mariadb.  After a start ${ENGINE_DIR[E]},
# ${ENGINE_SOCKET[E]}, ${ENGINE_PID[E]} and ${ENGINE_LOG[E]} are set; the script
# ${ENGINE_DIR[mariadb]}/restart restarts MariaDB on its data directory (for a
# test program under way: PostgreSQL's pg_ctl restart does that on its own).
#
# MariaDB sessions run with ENGINE_MARIADB_SQL_MODE, the store's own mode,
# read from its one owner, CDB_MARIADB_SQL_MODE in core/src/store_mariadb.c:
# the migrations in migrations/mysql/ quote identifiers with "..." and
# concatenate with ||, as the SQLite and PostgreSQL ones do (docs/store.md,
# "Engines").

ENGINE_PG_BIN=${ENGINE_PG_BIN:-/usr/lib/postgresql/15/bin}
ENGINE_PG_USER=${ENGINE_PG_USER:-postgres}
ENGINE_MARIADB_USER=${ENGINE_MARIADB_USER:-mysql}
ENGINE_DB=${ENGINE_DB:-clusterdb}
ENGINE_START_TIMEOUT=${ENGINE_START_TIMEOUT:-60}
# Each engine's migrations, side by side (docs/store.md, "Engines").
declare -gA ENGINE_MIGRATIONS=([sqlite]=$CLUSTERDB_TOP/migrations
    [postgresql]=$CLUSTERDB_TOP/migrations/postgresql [mariadb]=$CLUSTERDB_TOP/migrations/mysql)
_engine_mariadb_sql_mode() {
    # The #define's string pieces, joined.
    sed -n '/^#define CDB_MARIADB_SQL_MODE/,/^$/p' "$(dirname "${BASH_SOURCE[0]}")/../core/src/store_mariadb.c" |
        grep -o '"[^"]*"' | tr -d '"\n'
}
ENGINE_MARIADB_SQL_MODE=${ENGINE_MARIADB_SQL_MODE:-$(_engine_mariadb_sql_mode)}
# The client sends the whole input as one multi-statement query (no such
# delimiter occurs), as the store will: compound statements (triggers with
# BEGIN ... END) need no DELIMITER lines then.
_engine_mariadb_whole=$'\x01\x01'
declare -gA ENGINE_DIR=() ENGINE_SOCKET=() ENGINE_PID=() ENGINE_LOG=() ENGINE_PORT=() ENGINE_PG_OPTS=()

engine_available() {
    local engine=$1 f
    case "$engine" in
        postgresql)
            for f in initdb pg_ctl postgres psql; do
                [ -x "$ENGINE_PG_BIN/$f" ] || { echo "$ENGINE_PG_BIN/$f is missing (postgresql-15)"; return 1; }
            done
            id -u "$ENGINE_PG_USER" >/dev/null 2>&1 || { echo "no user $ENGINE_PG_USER to run initdb as"; return 1; } ;;
        mariadb)
            for f in /usr/sbin/mariadbd /usr/bin/mariadb-install-db /usr/bin/mariadb /usr/bin/mariadb-admin; do
                [ -x "$f" ] || { echo "$f is missing (mariadb-server, mariadb-client)"; return 1; }
            done
            id -u "$ENGINE_MARIADB_USER" >/dev/null 2>&1 || { echo "no user $ENGINE_MARIADB_USER to run mariadbd as"; return 1; } ;;
        *) echo "unknown engine $engine (postgresql, mariadb)"; return 1 ;;
    esac
}

# A directory the engine's user owns, reachable through its parents.  The
# test's own scratch directories are 0700: let others traverse them, not list
# them.  Nothing outside them is changed; a closed parent there is an error.
_engine_dir_for() {
    local engine=$1 dir=$2 user=$3 p s
    mkdir -p "$dir"
    p=$(cd "$dir" && pwd -P)
    while p=$(dirname "$p"); [ "$p" != / ]; do
        for s in "${_scratch_dirs[@]}"; do
            s=$(cd "$s" && pwd -P)
            if [ "$p" = "$s" ] || [[ "$p" == "$s"/* ]]; then
                [ "$(stat -c %a "$p")" = 700 ] && chmod 711 "$p"
            fi
        done
    done
    chown "$user:" "$dir"
    chmod 700 "$dir"
    if ! runuser -u "$user" -- test -w "$dir"; then
        echo "engine_start $engine: $user cannot write $dir (a parent directory is closed to it)" >&2
        return 1
    fi
}

# The tail of a server log, as TAP diagnostics.
_engine_log_tail() { [ -f "$1" ] && tail -n 30 "$1" | sed 's/^/#   /' >&2; return 0; }

engine_start() {
    local engine=$1 dir=${2:-}
    local why
    why=$(engine_available "$engine") || { echo "engine_start: $why" >&2; return 1; }
    if [ -z "$dir" ]; then scratch dir; dir=$dir/$engine; fi
    case "$engine" in
        postgresql) _engine_start_pg "$dir" ;;
        mariadb) _engine_start_mariadb "$dir" ;;
    esac
}

_engine_start_pg() {
    local dir=$1 user=$ENGINE_PG_USER bin=$ENGINE_PG_BIN
    _engine_dir_for postgresql "$dir" "$user" || return 1
    local data=$dir/data sock=$dir log=$dir/server.log
    # No TCP listener: the socket's directory is the instance's address; the
    # port only names the socket file (.s.PGSQL.PORT).
    local port=5432
    ENGINE_DIR[postgresql]=$dir ENGINE_SOCKET[postgresql]=$sock ENGINE_PORT[postgresql]=$port
    ENGINE_LOG[postgresql]=$log
    if ! runuser -u "$user" -- "$bin/initdb" -D "$data" -A trust -U postgres -N -E UTF8 --locale=C.UTF-8 \
            > "$dir/initdb.log" 2>&1; then
        echo "engine_start postgresql: initdb failed" >&2; _engine_log_tail "$dir/initdb.log"; return 1
    fi
    on_exit "engine_stop postgresql"
    ENGINE_PG_OPTS[postgresql]="-k $sock -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if ! engine_pg_start postgresql; then
        # A postmaster still starting when pg_ctl gave up is stopped at exit too.
        [ -f "$data/postmaster.pid" ] && ENGINE_PID[postgresql]=$(head -n 1 "$data/postmaster.pid")
        echo "engine_start postgresql: the server did not start" >&2; _engine_log_tail "$log"; return 1
    fi
    ENGINE_PID[postgresql]=$(head -n 1 "$data/postmaster.pid")
    engine_sql_admin postgresql "CREATE DATABASE \"$ENGINE_DB\"" >/dev/null
}

# engine_pg_start KEY: start (again) the PostgreSQL instance KEY
# (postgresql, postgresql-standby) on its data directory; sets its PID.
engine_pg_start() {
    local key=$1 data=${ENGINE_DIR[$1]}/data
    runuser -u "$ENGINE_PG_USER" -- "$ENGINE_PG_BIN/pg_ctl" -D "$data" -l "${ENGINE_LOG[$key]}" \
        -t "$ENGINE_START_TIMEOUT" -w -s -o "${ENGINE_PG_OPTS[$key]}" start || return 1
    ENGINE_PID[$key]=$(head -n 1 "$data/postmaster.pid")
}

_engine_start_mariadb() {
    local dir=$1 user=$ENGINE_MARIADB_USER
    _engine_dir_for mariadb "$dir" "$user" || return 1
    local data=$dir/data sock=$dir/mariadb.sock log=$dir/server.log pidfile=$dir/mariadbd.pid
    ENGINE_DIR[mariadb]=$dir ENGINE_SOCKET[mariadb]=$sock ENGINE_LOG[mariadb]=$log
    # A small redo log: the default 96 MB per throwaway instance is only disk.
    local small="--innodb-log-file-size=8M --innodb-buffer-pool-size=32M"
    # shellcheck disable=SC2086
    if ! runuser -u "$user" -- /usr/bin/mariadb-install-db --no-defaults --datadir="$data" --user="$user" \
            --auth-root-authentication-method=normal --skip-test-db $small > "$dir/install-db.log" 2>&1; then
        echo "engine_start mariadb: mariadb-install-db failed" >&2; _engine_log_tail "$dir/install-db.log"; return 1
    fi
    on_exit "engine_stop mariadb"
    # skip-networking: the socket in $dir is the only way in.  --user makes
    # mariadbd drop to the engine's user itself (it refuses to run as root).
    local -a args
    # shellcheck disable=SC2206
    args=(--no-defaults --datadir="$data" --socket="$sock" --skip-networking
        --user="$user" --pid-file="$pidfile" --log-error="$log"
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
        --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 $small
        --skip-log-bin)
    _engine_mariadb_restart_script "$dir" "${args[@]}"
    /usr/sbin/mariadbd "${args[@]}" > "$dir/stdout.log" 2>&1 &
    ENGINE_PID[mariadb]=$!
    local waited=0
    until /usr/bin/mariadb-admin --no-defaults -S "$sock" -uroot ping > /dev/null 2>&1; do
        if ! kill -0 "${ENGINE_PID[mariadb]}" 2>/dev/null || [ $waited -ge $((ENGINE_START_TIMEOUT * 5)) ]; then
            echo "engine_start mariadb: the server did not start" >&2
            _engine_log_tail "$log"; _engine_log_tail "$dir/stdout.log"; return 1
        fi
        sleep 0.2; waited=$((waited + 1))
    done
    engine_sql_admin mariadb "CREATE DATABASE \"$ENGINE_DB\"" >/dev/null
}

# $dir/restart: stops the instance by the PID in its pid file and starts it
# again on the same data directory, for a test program to call (system())
# while the instance is in use.  engine_stop then stops the new process.
_engine_mariadb_restart_script() {
    local dir=$1; shift
    local sock=$dir/mariadb.sock pidfile=$dir/mariadbd.pid
    # The script's own $ expansions run when it runs.
    # shellcheck disable=SC2016
    {
        echo '#!/usr/bin/env bash'  # %q quotes for bash
        printf 'pid=$(cat %q) || exit 1\n' "$pidfile"
        echo 'kill -TERM "$pid" || exit 1'
        # Gone when it no longer runs (a zombie waiting for its reaper is gone).
        echo 'n=0; while ps -o stat= -p "$pid" 2>/dev/null | grep -qv "^Z"; do'
        printf '    n=$((n + 1)); [ $n -gt %d ] && exit 1; sleep 0.1\n' $((ENGINE_START_TIMEOUT * 10))
        echo 'done'
        printf '/usr/sbin/mariadbd'; printf ' %q' "$@"; printf ' > %q 2>&1 < /dev/null &\n' "$dir/stdout.log"
        printf 'n=0; until /usr/bin/mariadb-admin --no-defaults -S %q -uroot ping > /dev/null 2>&1; do\n' "$sock"
        printf '    n=$((n + 1)); [ $n -gt %d ] && exit 1; sleep 0.1\n' $((ENGINE_START_TIMEOUT * 10))
        echo 'done'
    } > "$dir/restart"
    chmod 700 "$dir/restart"
}

# engine_start_pg_standby [DIR]: a hot standby of the running PostgreSQL
# (pg_basebackup -R, streaming; with a fast checkpoint: the default spread
# one makes it wait minutes), on a socket directory of its own; after it
# ENGINE_DIR/SOCKET/PID/LOG[postgresql-standby] are set and engine_uri
# postgresql-standby names its database.  With ENGINE_PG_SYNC=1 (default) the
# primary commits only once the standby has applied the commit
# (synchronous_standby_names '*', synchronous_commit remote_apply for
# $ENGINE_DB), so a read on the standby after a write on the primary sees it.
engine_start_pg_standby() {
    local dir=${1:-} user=$ENGINE_PG_USER bin=$ENGINE_PG_BIN key=postgresql-standby
    [ -n "${ENGINE_PID[postgresql]:-}" ] || { echo "engine_start_pg_standby: no primary" >&2; return 1; }
    if [ -z "$dir" ]; then scratch dir; dir=$dir/standby; fi
    _engine_dir_for postgresql "$dir" "$user" || return 1
    ENGINE_DIR[$key]=$dir ENGINE_SOCKET[$key]=$dir ENGINE_PORT[$key]=5432 ENGINE_LOG[$key]=$dir/server.log
    if ! runuser -u "$user" -- "$bin/pg_basebackup" -h "${ENGINE_SOCKET[postgresql]}" \
            -p "${ENGINE_PORT[postgresql]}" -U postgres -D "$dir/data" -R -X stream -c fast \
            > "$dir/basebackup.log" 2>&1; then
        echo "engine_start_pg_standby: pg_basebackup failed" >&2; _engine_log_tail "$dir/basebackup.log"; return 1
    fi
    on_exit "engine_stop $key"
    ENGINE_PG_OPTS[$key]="-k $dir -p 5432 -c listen_addresses='' -c hot_standby=on -c fsync=off"
    if ! engine_pg_start "$key"; then
        [ -f "$dir/data/postmaster.pid" ] && ENGINE_PID[$key]=$(head -n 1 "$dir/data/postmaster.pid")
        echo "engine_start_pg_standby: the standby did not start" >&2; _engine_log_tail "${ENGINE_LOG[$key]}"; return 1
    fi
    if [ "${ENGINE_PG_SYNC:-1}" = 1 ]; then
        engine_sql_admin postgresql "ALTER SYSTEM SET synchronous_standby_names = '*'" > /dev/null &&
            engine_sql_admin postgresql "SELECT pg_reload_conf()" > /dev/null &&
            engine_sql_admin postgresql "ALTER DATABASE \"$ENGINE_DB\" SET synchronous_commit = remote_apply" > /dev/null ||
            return 1
        # Streaming and synchronous before the test goes on.
        local n=0
        until [ "$(engine_sql_admin postgresql "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync' AND state = 'streaming'")" = 1 ]; do
            n=$((n + 1)); [ $n -gt $((ENGINE_START_TIMEOUT * 10)) ] && { echo "engine_start_pg_standby: no synchronous standby" >&2; return 1; }
            sleep 0.1
        done
    fi
}

engine_stop() {
    local engine=$1 pid=${ENGINE_PID[$1]:-}
    [ -n "$pid" ] || return 0
    ENGINE_PID[$engine]=
    case "$engine" in
        postgresql|postgresql-standby)
            runuser -u "$ENGINE_PG_USER" -- "$ENGINE_PG_BIN/pg_ctl" -D "${ENGINE_DIR[$engine]}/data" \
                -m fast -w -s -t 30 stop > /dev/null 2>&1 || kill -KILL "$pid" 2>/dev/null ;;
        mariadb)
            # Restarted ($dir/restart): the pid file names the running one.
            local current
            current=$(cat "${ENGINE_DIR[mariadb]}/mariadbd.pid" 2>/dev/null) || current=
            if [ -n "$current" ] && [ "$current" != "$pid" ] && engine_alive "$current"; then
                kill -TERM "$current" 2>/dev/null
                for _ in $(seq 1 150); do engine_alive "$current" || break; sleep 0.2; done
                engine_alive "$current" && kill -KILL "$current" 2>/dev/null
            fi
            engine_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
            kill -TERM "$pid" 2>/dev/null
            local i
            for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null ;;
    esac
    return 0
}

# engine_alive PID: the process runs (a stopped postmaster may linger as a
# zombie until its reaper collects it: that is not running).
engine_alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ "$state" != Z* ]]
}

engine_uri() {
    case "$1" in
        postgresql|postgresql-standby) echo "postgresql://postgres@/$ENGINE_DB?host=${ENGINE_SOCKET[$1]}&port=${ENGINE_PORT[$1]}" ;;
        mariadb) echo "mariadb://root@localhost/$ENGINE_DB?socket=${ENGINE_SOCKET[mariadb]}" ;;
    esac
}

_engine_run() {
    local engine=$1 db=$2
    case "$engine" in
        postgresql)
            "$ENGINE_PG_BIN/psql" -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 --single-transaction \
                -h "${ENGINE_SOCKET[postgresql]}" -p "${ENGINE_PORT[postgresql]}" -U postgres -d "$db" ;;
        mariadb)
            # -N -B: rows only, tab-separated; the mode first, as the store's
            # connections set it.
            { printf "SET SESSION sql_mode = '%s';\n" "$ENGINE_MARIADB_SQL_MODE"; cat; } |
                /usr/bin/mariadb --no-defaults -S "${ENGINE_SOCKET[mariadb]}" -uroot -N -B -r --delimiter="$_engine_mariadb_whole" ${db:+"$db"} ;;
        *) echo "unknown engine $engine" >&2; return 2 ;;
    esac
}

engine_sql() { printf '%s\n' "$2" | _engine_run "$1" "$ENGINE_DB"; }
engine_sql_file() { _engine_run "$1" "$ENGINE_DB" < "$2"; }
# Statements outside the test database (CREATE DATABASE) and outside a transaction.
engine_sql_admin() {
    case "$1" in
        postgresql) printf '%s\n' "$2" | "$ENGINE_PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
            -h "${ENGINE_SOCKET[postgresql]}" -p "${ENGINE_PORT[postgresql]}" -U postgres -d postgres ;;
        mariadb) printf '%s\n' "$2" | _engine_run mariadb "" ;;
    esac
}

# ---- the database a test runs on -------------------------------------------
# One test, every engine: CLUSTERDB_TEST_ENGINE (sqlite, the default;
# postgresql; mariadb) picks where test_database puts it, and the helpers
# below read and compare it the same way on each.  The runners
# tests/*/on_server_engines.sh run tests again with each server engine
# (engines_rerun).
TEST_ENGINE=${CLUSTERDB_TEST_ENGINE:-sqlite}

# test_database DIR: sets DB to a database for the test (not initialised):
# DIR/clusterdb.sqlite, or a throwaway server of TEST_ENGINE started in DIR
# (its URI).  Non-zero, with the reason on stderr, when that cannot be.
# Under engines_rerun the sequence's own server is borrowed instead
# (CLUSTERDB_TEST_SERVER), its database emptied first: a new database, not
# a new server, per test.
test_database() {
    local dir=$1
    case "$TEST_ENGINE" in
        sqlite) DB=$dir/clusterdb.sqlite ;;
        postgresql|mariadb)
            if _engine_borrow "$TEST_ENGINE"; then
                sh -c "$(engine_empty_command "$TEST_ENGINE")" || return 1
            else
                engine_start "$TEST_ENGINE" "$dir/$TEST_ENGINE" || return 1
            fi
            DB=$(engine_uri "$TEST_ENGINE") ;;
        *) echo "unknown CLUSTERDB_TEST_ENGINE $TEST_ENGINE (sqlite, postgresql, mariadb)" >&2; return 2 ;;
    esac
}

# CLUSTERDB_TEST_SERVER="ENGINE DIR SOCKET PORT PID": a running server of
# ENGINE that the caller owns (started, and stopped, by engines_rerun).
# Sets this shell's view of it; it is never stopped from here.
_engine_borrow() {
    local engine dir socket port pid
    read -r engine dir socket port pid <<< "${CLUSTERDB_TEST_SERVER:-}"
    [ "$engine" = "$1" ] && [ -n "$pid" ] && engine_alive "$pid" || return 1
    ENGINE_DIR[$engine]=$dir ENGINE_SOCKET[$engine]=$socket
    [ "$port" = - ] || ENGINE_PORT[$engine]=$port
    ENGINE_LOG[$engine]=$dir/server.log
}

# test_database_empty: $DB emptied (no schema; `clusterdb init` makes it).
test_database_empty() {
    case "$TEST_ENGINE" in
        sqlite) rm -f "$DB" "$DB-wal" "$DB-shm" ;;
        *) sh -c "$(engine_empty_command "$TEST_ENGINE")" ;;
    esac
}

# engine_empty_command ENGINE: a sh command line that drops $ENGINE_DB with
# everything in it and creates it empty (connections still open to it are
# ended), for programs that empty it between their tests.
engine_empty_command() {
    local engine=$1 drop="DROP DATABASE IF EXISTS \"$ENGINE_DB\"" create="CREATE DATABASE \"$ENGINE_DB\"" client
    case "$engine" in
        postgresql)
            printf '%q ' "$ENGINE_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "${ENGINE_SOCKET[postgresql]}" \
                -p "${ENGINE_PORT[postgresql]}" -U postgres -d postgres -c "$drop WITH (FORCE)" -c "$create"
            echo '> /dev/null' ;;
        mariadb)
            # Other connections to it are killed first (PostgreSQL's FORCE): one
            # left inside a transaction would hold the drop for good.  A
            # connection gone meanwhile is no error (--force).
            client=$(printf '%q ' /usr/bin/mariadb --no-defaults -S "${ENGINE_SOCKET[mariadb]}" -uroot -N -B)
            printf '{ %s-e %q | %s--force 2> /dev/null; %s-e %q; } > /dev/null\n' \
                "$client" "SELECT CONCAT('KILL ', ID, ';') FROM information_schema.PROCESSLIST WHERE DB = '$ENGINE_DB' AND ID <> CONNECTION_ID()" \
                "$client" "$client" "SET SESSION sql_mode = '$ENGINE_MARIADB_SQL_MODE'; $drop; $create" ;;
        *) echo "unknown engine $engine" >&2; return 2 ;;
    esac
}

# The schema names a server engine quotes in the models' SQL, as
# store_postgresql.c and store_mariadb.c read them.
_test_schema_names() {
    case "$TEST_ENGINE" in
        postgresql) engine_sql postgresql "SELECT DISTINCT name FROM (SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() UNION SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()) AS n WHERE name <> lower(name)" ;;
        mariadb) engine_sql mariadb "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() UNION SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()" ;;
    esac
}

# test_sql SQL: plain SQL on $DB, as another writer would run it, in the
# models' (SQLite's) spelling; on a server engine translated as the store
# translates the models' SQL (tests/tools/sql-translate).  Rows on stdout,
# fields separated by |, SQL NULL as nothing.  test_sql_file FILE: the same
# for a file of statements.
test_sql() { printf '%s\n' "$1" | test_sql_file /dev/stdin; }
test_sql_file() (
    set -o pipefail  # the engine client's failure is the function's
    local names
    case "$TEST_ENGINE" in
        sqlite) sqlite3 -bail "$DB" < "$1" ;;
        *)
            mapfile -t names < <(_test_schema_names)
            "$CLUSTERDB_BUILD/tests/tools/sql-translate" "$TEST_ENGINE" "${names[@]}" < "$1" |
                _engine_run "$TEST_ENGINE" "$ENGINE_DB" |
                if [ "$TEST_ENGINE" = mariadb ]; then
                    # the client writes SQL NULL as NULL
                    sed -e 's/^NULL\t/\t/; s/\tNULL$/\t/; s/^NULL$//; :a; s/\tNULL\t/\t\t/; ta'
                else cat; fi | tr '\t' '|' ;;
    esac
)

# test_table_counts: "Table=N" for every table; a failed write must leave
# it unchanged.
test_table_counts() {
    local q
    case "$TEST_ENGINE" in
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

# test_db_dump: every row of every table as SQL text; a failed write must
# leave it byte for byte as it was.  On the servers sorted (rows have no
# fixed order) and without PostgreSQL's identity sequences, which a failed
# insert advances (ids are still never reused).
test_db_dump() {
    case "$TEST_ENGINE" in
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

# test_db_intact: "ok" when the database is consistent (a server keeps its
# own files so).
test_db_intact() {
    case "$TEST_ENGINE" in
        sqlite) sqlite3 "$DB" 'PRAGMA integrity_check' ;;
        *) echo ok ;;
    esac
}

# engines_rerun TEST...: each test again on a throwaway PostgreSQL and a
# throwaway MariaDB (CLUSTERDB_TEST_ENGINE), one server per engine for the
# whole sequence and an emptied database per test (test_database borrows
# it), its checks reported under the engine's and the test's name (the
# file's base name).
# ENGINES_RERUN narrows the engines (e.g. to one, to rerun a failure).
# ENGINES_PARALLEL=1 runs the engines' sequences side by side (each engine's
# tests still one after the other), for tests that share nothing but the
# machine: no fixed ports, no timing.  Reports come in the same order.
engines_rerun() {
    local work engine t i
    local -a pids=()
    scratch work
    for engine in ${ENGINES_RERUN:-postgresql mariadb}; do
        _engines_sequence "$work/$engine" "$engine" "$@" &
        pids+=($!)
        [ "${ENGINES_PARALLEL:-0}" = 1 ] || wait "$!"
    done
    wait "${pids[@]}"
    for engine in ${ENGINES_RERUN:-postgresql mariadb}; do
        i=0
        for t in "$@"; do
            i=$((i + 1))
            _engines_report "$engine $(basename "$t" .sh)" "$work/$engine.$i"
        done
    done
}

# One engine's tests in order, on one server started here (each test gets
# its database emptied): PREFIX.N.tap and PREFIX.N.rc for the Nth.  When
# the server does not start, each test starts its own (and says why).
_engines_sequence() (
    prefix=$1 engine=$2 i=0 server=
    shift 2
    trap 'engine_stop "$engine"' EXIT  # this subshell's own: the caller's trap stays
    if engine_start "$engine" "$prefix.server" > "$prefix.server.log" 2>&1; then
        server="$engine ${ENGINE_DIR[$engine]} ${ENGINE_SOCKET[$engine]} ${ENGINE_PORT[$engine]:--} ${ENGINE_PID[$engine]}"
    fi
    for t in "$@"; do
        i=$((i + 1))
        CLUSTERDB_TEST_ENGINE=$engine CLUSTERDB_TEST_SERVER=$server bash "$t" > "$prefix.$i.tap" 2>&1 < /dev/null
        echo $? > "$prefix.$i.rc"
    done
)

# Relay one test's TAP under NAME; a non-zero exit without a failure is one.
_engines_report() {
    local name=$1 tap=$2.tap rc failing= line
    rc=$(cat "$2.rc" 2>/dev/null || echo 127)
    while IFS= read -r line; do
        case "$line" in
            "ok "*" # SKIP "*) skip "$name: ${line#* # SKIP }"; failing= ;;
            "ok "*) ok "$name: ${line#ok * - }"; failing= ;;
            "not ok "*) not_ok "$name: ${line#not ok * - }"; failing=1 ;;
            "#"*) [ -z "$failing" ] || echo "$line" ;;  # a failure's diagnostics
        esac
    done < "$tap"
    if [ "$rc" -ne 0 ] && ! grep -aq '^not ok' "$tap"; then
        not_ok "$name exits 0"; diag "$(tail -n 20 "$tap")"
    fi
}
