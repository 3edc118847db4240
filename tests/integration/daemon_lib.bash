# Helpers for the clusterdbd tests: simulators, a database with a node, and
# queries.  Source after tests/lib.sh.
DAEMON="$CLUSTERDB_BUILD/daemon/clusterdbd"
SIM_DIR="$CLUSTERDB_TOP/tests/pve-sim"
if [ -n "${CLUSTERDB_PYTHON:-}" ]; then PYTHON=$CLUSTERDB_PYTHON
elif [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3   # starts faster than a shim
else PYTHON=python3; fi

TOKEN_ID='root@pam!clusterdb'
TOKEN_SECRET='3f6a0c1e-77b2-4d0a-9e51-daemon-token-secret'
PVE_USER='root@pam'
PVE_PASSWORD='Daemon-Password-Never-Logged-9'

# start_sim VAR_PREFIX ARGS...: start pve-sim.py; sets ${PREFIX}_PORT and ${PREFIX}_PID.
start_sim() {
    local prefix=$1; shift
    local dir port pid
    scratch dir
    "$PYTHON" "$SIM_DIR/pve-sim.py" --port-file "$dir/port" "$@" 2>"$dir/sim.log" &
    pid=$!
    on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    for _ in $(seq 1 200); do
        [ -s "$dir/port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    port=$(cat "$dir/port" 2>/dev/null)
    if [ -z "$port" ]; then
        not_ok "the Proxmox VE simulator starts"; diag "$(cat "$dir/sim.log")"; tap_done; exit 1
    fi
    printf -v "${prefix}_PORT" '%s' "$port"
    printf -v "${prefix}_PID" '%s' "$pid"
}

# sim_inject PORT JSON
sim_inject() { curl -sf -X POST -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$1/_sim/inject" >/dev/null; }
# sim_query PORT PYTHON-EXPRESSION-ON-state: print the expression's value
sim_query() {
    curl -sf "http://127.0.0.1:$1/_sim/state" |
        "$PYTHON" -c 'import json,sys; state=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}

# The test's database on CLUSTERDB_TEST_ENGINE (tests/lib-engines.sh).
. "$CLUSTERDB_TOP/tests/lib-engines.sh"
# daemon_database DIR: sets db (and DB) to the test's database, or stops the
# test with the reason.
daemon_database() {
    if ! test_database "$1"; then
        not_ok "the test database on $TEST_ENGINE"; tap_done; exit 1
    fi
    db=$DB
}
# sql QUERY: on $DB, one row per line, fields separated by |.
sql() { test_sql "$1"; }

# add_owners USER...: the users that the test's containers belong to (a
# container's owner must be a user).  Needs the test's cli function.
add_owners() { local u; for u in "$@"; do cli user add "$u" > /dev/null || return 1; done; }
