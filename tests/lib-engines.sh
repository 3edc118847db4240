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
declare -gA ENGINE_DIR=() ENGINE_SOCKET=() ENGINE_PID=() ENGINE_LOG=() ENGINE_PORT=()

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
    if ! runuser -u "$user" -- "$bin/pg_ctl" -D "$data" -l "$log" -t "$ENGINE_START_TIMEOUT" -w -s \
            -o "-k $sock -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start; then
        # A postmaster still starting when pg_ctl gave up is stopped at exit too.
        [ -f "$data/postmaster.pid" ] && ENGINE_PID[postgresql]=$(head -n 1 "$data/postmaster.pid")
        echo "engine_start postgresql: the server did not start" >&2; _engine_log_tail "$log"; return 1
    fi
    ENGINE_PID[postgresql]=$(head -n 1 "$data/postmaster.pid")
    engine_sql_admin postgresql "CREATE DATABASE \"$ENGINE_DB\"" >/dev/null
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

engine_stop() {
    local engine=$1 pid=${ENGINE_PID[$1]:-}
    [ -n "$pid" ] || return 0
    ENGINE_PID[$engine]=
    case "$engine" in
        postgresql)
            runuser -u "$ENGINE_PG_USER" -- "$ENGINE_PG_BIN/pg_ctl" -D "${ENGINE_DIR[postgresql]}/data" \
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
        postgresql) echo "postgresql://postgres@/$ENGINE_DB?host=${ENGINE_SOCKET[postgresql]}&port=${ENGINE_PORT[postgresql]}" ;;
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
