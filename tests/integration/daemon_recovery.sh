#!/usr/bin/env bash
# Crash safety: clusterdbd killed with SIGKILL at each step of a create and a
# delete leaves a running job behind; the next daemon recovers it (its holder
# is a dead process on this machine) and finishes it: no job stays running,
# no container creating, no CT orphaned or made twice, rows consistent.
# Leases: a job held by a live lease elsewhere is left alone until the lease
# expires; a daemon renews its lease while a long task runs.
#
# The step points are reached deterministically through the simulator: a
# request that hangs (slow) or a task that runs long, and the kill comes once
# the simulator has seen that request (or the daemon has said it waits).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.bash"

if [ ! -x "$DAEMON" ] || ! command -v sqlite3 >/dev/null; then
    skip "clusterdbd or sqlite3 not available"; tap_done; exit 0
fi

start_sim PVE --node pve --token "$TOKEN_ID=$TOKEN_SECRET" --task-seconds 0.2 --dhcp-seconds 0.2

scratch work
daemon_database "$work"
cli() { "$CLI" --db "$db" "$@"; }
cli init >/dev/null && add_owners alice  && cli site add lab --internal-domain cluster.internal >/dev/null
printf '%s\n' "$TOKEN_SECRET" | cli node add pve --site lab --api-url "http://127.0.0.1:$PVE_PORT" \
    --token-id "$TOKEN_ID" --secret-stdin >/dev/null
job_status() { sql "SELECT status FROM Jobs WHERE id = $1"; }
job_trail() { sql "SELECT message FROM JobStatuses WHERE jobId = $1 ORDER BY id"; }
ct_field() { sql "SELECT $2 FROM Containers WHERE hostname = '$1'"; }
# requests METHOD REGEX: how many requests of the simulator's log match
requests() {
    sim_query "$PVE_PORT" "sum(1 for r in state['requests'] if r['method'] == '$1' and __import__('re').search(r'$2', r['path']))"
}
# CTs on the node with this hostname
cts_named() {
    sim_query "$PVE_PORT" "sorted(int(k) for k, c in state['containers'].items() if not c['template'] and c['config'].get('hostname') == '$1')"
}
wait_for() {
    local limit=$1; shift
    local end=$((SECONDS + limit))
    until "$@"; do [ "$SECONDS" -ge "$end" ] && return 1; sleep 0.1; done
}
more_requests() { [ "$(requests "$1" "$2")" -gt "$3" ]; }
create_job() {
    cli --json container create "$1" --node pve --username alice --template debian-12-standard |
        "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["jobId"])'
}
delete_job() {
    cli --json container delete "$1" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["jobId"])'
}

# crash DESC JOB TRIGGER...: run a daemon, kill -9 it once TRIGGER succeeds,
# check the job was left running under the dead daemon's lease.
crash() {
    local desc=$1 job=$2; shift 2
    "$DAEMON" --db "$db" --once 2>"$work/crash.err" &
    local pid=$!
    if wait_for 60 "$@"; then ok "$desc: the daemon reached the step"
    else not_ok "$desc: the daemon reached the step"; diag "$(cat "$work/crash.err")"; fi
    kill -KILL "$pid"; wait "$pid" 2>/dev/null
    expect_match "$desc: the killed daemon left its job running under its lease" \
        "^running\|[^:]+:$pid:" "$(sql "SELECT status || '|' || leaseOwner FROM Jobs WHERE id = $job")"
}
# recover DESC JOB: the next daemon finishes the job
recover() {
    local desc=$1 job=$2
    "$DAEMON" --db "$db" --once 2>"$work/recover.err"
    expect_eq "$desc: recovered, the job succeeded" success "$(job_status "$job")"
    [ "$(job_status "$job")" = success ] || diag "$(job_trail "$job")" "$(cat "$work/recover.err")"
    expect_match "$desc: the trail says it was taken over" \
        "recovering: the daemon that ran this job \([^)]+\) stopped \(its process [0-9]+ on this machine is gone\)" \
        "$(job_trail "$job")"
    expect_eq "$desc: the lease is released" "" "$(sql "SELECT leaseOwner FROM Jobs WHERE id = $job")"
}
# created DESC HOSTNAME: one CT with that name, the row running with its CTID, MAC and address
created() {
    local desc=$1 host=$2 ctid
    ctid=$(ct_field "$host" containerId)
    expect_eq "$desc: exactly one CT $host on the node, the row's" "[$ctid]" "$(cts_named "$host")"
    expect_eq "$desc: the row is running with CTID, MAC and address" "running|1|1" \
        "$(sql "SELECT status || '|' || CASE WHEN containerId IS NULL THEN 0 ELSE 1 END || '|' || CASE WHEN macAddress IS NULL OR ipv4Address IS NULL THEN 0 ELSE 1 END FROM Containers WHERE hostname = '$host'")"
    expect_eq "$desc: the row's address is the CT's" \
        "$(sim_query "$PVE_PORT" "state['containers']['$ctid']['ip']")" "$(ct_field "$host" ipv4Address)"
}

# ---- create, killed before the clone (while listing the node's CTs)
job=$(create_job cr1)
n=$(requests GET '/nodes/pve/lxc$')
sim_inject "$PVE_PORT" '{"op":"list","kind":"slow","seconds":30}'
crash "create, before the clone" "$job" more_requests GET '/nodes/pve/lxc$' "$n"
expect_eq "create, before the clone: the container was left creating" creating "$(ct_field cr1 status)"
recover "create, before the clone" "$job"
created "create, before the clone" cr1

# ---- create, killed while the clone task runs
job=$(create_job cr2)
sim_inject "$PVE_PORT" '{"op":"clone","kind":"task_seconds","seconds":3}'
crash "create, during the clone" "$job" grep -q "waiting for the clone" "$work/crash.err"
expect_match "create, during the clone: the row already names the CT being cloned" '^[0-9]+$' "$(ct_field cr2 containerId)"
recover "create, during the clone" "$job"
expect_match "create, during the clone: the CT was adopted, not cloned again" "adopting CT [0-9]+" "$(job_trail "$job")"
created "create, during the clone" cr2

# ---- create, killed while the clone request is in flight: the CT appears on
# the node after the daemon died, before the row knew its CTID
job=$(create_job cr6)
n=$(requests POST '/clone$')
sim_inject "$PVE_PORT" '{"op":"clone","kind":"slow","seconds":2}'
crash "create, clone request in flight" "$job" more_requests POST '/clone$' "$n"
expect_eq "create, clone request in flight: the row names no CT yet" "" "$(ct_field cr6 containerId)"
has_ct() { [ "$(cts_named cr6)" != "[]" ]; }
wait_for 30 has_ct
recover "create, clone request in flight" "$job"
expect_match "create, clone request in flight: the CT is found by its marker and adopted" \
    "adopting CT [0-9]+, made for cr6 earlier" "$(job_trail "$job")"
created "create, clone request in flight" cr6

# ---- create, killed before configuring (the clone done)
job=$(create_job cr3)
n=$(requests PUT '/config$')
sim_inject "$PVE_PORT" '{"op":"config_put","kind":"slow","seconds":30}'
crash "create, before configuring" "$job" more_requests PUT '/config$' "$n"
recover "create, before configuring" "$job"
created "create, before configuring" cr3

# ---- create, killed while the start task runs
job=$(create_job cr4)
sim_inject "$PVE_PORT" '{"op":"start","kind":"task_seconds","seconds":3}'
crash "create, during the start" "$job" grep -q "waiting for the start" "$work/crash.err"
recover "create, during the start" "$job"
created "create, during the start" cr4

# ---- create, killed while waiting for the address
job=$(create_job cr5)
n=$(requests GET '/interfaces$')
sim_inject "$PVE_PORT" '{"op":"interfaces","kind":"slow","seconds":30}'
crash "create, waiting for the address" "$job" more_requests GET '/interfaces$' "$n"
recover "create, waiting for the address" "$job"
created "create, waiting for the address" cr5

# ---- delete, killed before the destruction (while checking the CT's hostname)
ctid=$(ct_field cr1 containerId)
job=$(delete_job cr1)
n=$(requests GET "/lxc/$ctid/config\$")
sim_inject "$PVE_PORT" '{"op":"config_get","kind":"slow","seconds":30}'
crash "delete, before the destruction" "$job" more_requests GET "/lxc/$ctid/config\$" "$n"
recover "delete, before the destruction" "$job"
expect_eq "delete, before the destruction: the row is gone" "" "$(ct_field cr1 id)"
expect_eq "delete, before the destruction: the CT is gone" "[]" "$(cts_named cr1)"

# ---- delete, killed while the destroy task runs
ctid=$(ct_field cr2 containerId)
job=$(delete_job cr2)
sim_inject "$PVE_PORT" '{"op":"delete","kind":"task_seconds","seconds":3}'
crash "delete, during the destruction" "$job" grep -q "waiting for the destruction" "$work/crash.err"
recover "delete, during the destruction" "$job"
expect_eq "delete, during the destruction: the row is gone" "" "$(ct_field cr2 id)"
wait_for 20 test "$(cts_named cr2)" = "[]"
expect_eq "delete, during the destruction: the CT is gone" "[]" "$(cts_named cr2)"

# ---- a live lease elsewhere is respected; an expired one is recovered
job=$(create_job lease1)
sql "UPDATE Jobs SET status = 'running', leaseOwner = 'elsewhere:4242:0badc0de', leaseExpiresAt = '2999-01-01T00:00:00.000Z' WHERE id = $job;
           UPDATE Containers SET status = 'creating' WHERE hostname = 'lease1'"
"$DAEMON" --db "$db" --once 2>"$work/lease1.err"
expect_eq "live lease elsewhere: the job is left running" "running|elsewhere:4242:0badc0de" \
    "$(sql "SELECT status || '|' || leaseOwner FROM Jobs WHERE id = $job")"
expect_eq "live lease elsewhere: nothing was cloned" "[]" "$(cts_named lease1)"
sql "UPDATE Jobs SET leaseExpiresAt = '2000-01-01T00:00:00.000Z' WHERE id = $job"
"$DAEMON" --db "$db" --once 2>"$work/lease2.err"
expect_eq "expired lease: the job is recovered and succeeds" success "$(job_status "$job")"
expect_match "expired lease: the trail names the old holder and why" \
    "recovering: the daemon that ran this job \(elsewhere:4242:0badc0de\) stopped \(its lease expired\)" \
    "$(job_trail "$job")"
created "expired lease" lease1

# ---- the lease is renewed while a long task runs
sim_inject "$PVE_PORT" '{"op":"clone","kind":"task_seconds","seconds":4}'
job=$(create_job beat1)
"$DAEMON" --db "$db" --once --lease 1 2>"$work/beat.err" &
pid=$!
on_exit "kill $pid 2>/dev/null"
wait_for 60 grep -q "waiting for the clone" "$work/beat.err"
first=$(sql "SELECT leaseExpiresAt FROM Jobs WHERE id = $job")
renewed() { local now; now=$(sql "SELECT leaseExpiresAt FROM Jobs WHERE id = $job"); [ -n "$now" ] && [[ "$now" > "$first" ]]; }
if wait_for 30 renewed; then ok "a long task: the lease is renewed while it runs"
else not_ok "a long task: the lease is renewed while it runs"; diag "first $first"; fi
wait "$pid"
expect_eq "a long task: the job succeeds" success "$(job_status "$job")"

# ---- a database of the first schema: its running job (no lease) is recovered,
# its delete job (no target) refused; nothing is lost by the migration.  On a
# server engine a second database of the same instance, made by that
# engine's first migration.
case "$TEST_ENGINE" in
    sqlite)
        old=$work/old.sqlite
        sqlite3 -batch "$old" < "${ENGINE_MIGRATIONS[sqlite]}/0001_initial.sql"
        old_sql() { DB=$old sql "$1"; } ;;
    *)
        engine_sql_admin "$TEST_ENGINE" 'CREATE DATABASE "old"' > /dev/null
        ENGINE_DB=old engine_sql_file "$TEST_ENGINE" "${ENGINE_MIGRATIONS[$TEST_ENGINE]}/0001_initial.sql" > /dev/null
        old=$(ENGINE_DB=old engine_uri "$TEST_ENGINE")
        old_sql() { ENGINE_DB=old sql "$1"; } ;;
esac
old_sql "INSERT INTO SchemaMigrations VALUES (1, '0001_initial', '2026-01-01T00:00:00.000Z');
    INSERT INTO Sites (id, name, internalDomain) VALUES (1, 'lab', 'cluster.internal');
    INSERT INTO Nodes (id, name, siteId, apiUrl, apiTokenIdOrUsername, apiTokenSecretOrPassword)
        VALUES (1, 'pve', 1, 'http://127.0.0.1:$PVE_PORT', '$TOKEN_ID', '$TOKEN_SECRET');
    INSERT INTO Jobs (id, name, associatedResource, status) VALUES (1, 'container.create old1', 'container:1', 'running');
    INSERT INTO Containers (id, hostname, username, status, template, creationJobId, nodeId)
        VALUES (1, 'old1', 'alice', 'creating', 'debian-12-standard', 1, 1);
    INSERT INTO Jobs (id, name, associatedResource) VALUES (2, 'container.delete old1', 'container:1');"
[ "$TEST_ENGINE" != sqlite ] || chmod 600 "$old"* # the store refuses a file others can read
check "the old database migrates" "$CLI" --db "$old" migrate
expect_eq "the migration kept the jobs and the container" "2|1" \
    "$(old_sql "SELECT (SELECT count(*) FROM Jobs) || '|' || (SELECT count(*) FROM Containers)")"
"$DAEMON" --db "$old" --once 2>"$work/old.err"
expect_eq "old database: the running job without a lease is recovered and succeeds" success \
    "$(old_sql "SELECT status FROM Jobs WHERE id = 1")"
expect_match "old database: the trail says it held no lease" "stopped \(it holds no lease\)" \
    "$(old_sql "SELECT message FROM JobStatuses WHERE jobId = 1 ORDER BY id")"
expect_eq "old database: the container is running" running "$(old_sql "SELECT status FROM Containers WHERE id = 1")"
expect_eq "old database: the delete without a target is refused" failure \
    "$(old_sql "SELECT status FROM Jobs WHERE id = 2")"
old_ct=$(old_sql "SELECT containerId FROM Containers WHERE id = 1")
expect_eq "old database: its CT is alive" running "$(sim_query "$PVE_PORT" "state['containers']['$old_ct']['status']")"
old_sql "DELETE FROM Containers WHERE id = 1" # the node's CTs below belong to $db's rows

# ---- after everything
expect_eq "no job is left running" 0 "$(sql "SELECT count(*) FROM Jobs WHERE status = 'running'")"
expect_eq "no container is left creating" 0 "$(sql "SELECT count(*) FROM Containers WHERE status = 'creating'")"
expect_eq "every CT on the node belongs to a row with its CTID" "True" \
    "$(sim_query "$PVE_PORT" "sorted(int(k) for k, c in state['containers'].items() if not c['template'])" |
        "$PYTHON" -c 'import sys; print(sorted(eval(sys.stdin.read())) == sorted(int(x) for x in sys.argv[1].split()))' \
        "$(sql "SELECT containerId FROM Containers WHERE containerId IS NOT NULL") $old_ct")"
tap_done
