#!/usr/bin/env bash
# clusterdbd as a long-running daemon: it picks up jobs queued while it runs,
# SIGTERM stops it promptly when idle, and SIGTERM during a Proxmox task
# stops the wait, records the job as failed with the reason, and exits 0.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.bash"

if [ ! -x "$DAEMON" ] || ! command -v sqlite3 >/dev/null; then
    skip "clusterdbd or sqlite3 not available"; tap_done; exit 0
fi

start_sim FAST --node pve --token "$TOKEN_ID=$TOKEN_SECRET" --task-seconds 0.2 --dhcp-seconds 0.2
# A node whose tasks take far longer than the test waits.
start_sim SLOW --node slowpve --token "$TOKEN_ID=$TOKEN_SECRET" --task-seconds 120 --ip-prefix 10.0.9.

scratch work
daemon_database "$work"
cli() { "$CLI" --db "$db" "$@"; }
cli init >/dev/null && add_owners bob  && cli site add lab --internal-domain cluster.internal >/dev/null
for spec in "pve $FAST_PORT" "slowpve $SLOW_PORT"; do
    set -- $spec
    printf '%s\n' "$TOKEN_SECRET" | cli node add "$1" --site lab --api-url "http://127.0.0.1:$2" \
        --token-id "$TOKEN_ID" --secret-stdin >/dev/null
done
queue_create() {
    local ct job
    cli container add "$1" --node "$2" --username bob --template debian-12-standard >/dev/null || return 1
    ct=$(sql "SELECT id FROM Containers WHERE hostname = '$1'")
    job=$(cli job add "container.create $1" --resource "container:$ct" | grep -Eo '[0-9]+' | head -1)
    sql "UPDATE Containers SET creationJobId = $job WHERE id = $ct"
    echo "$job"
}
job_status() { sql "SELECT status FROM Jobs WHERE id = $1"; }
job_is() { [ "$(job_status "$1")" = "$2" ]; }
# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
    local limit=$1; shift
    local end=$((SECONDS + limit))
    until "$@"; do [ "$SECONDS" -ge "$end" ] && return 1; sleep 0.1; done
}

# ---- a running daemon picks up a job queued after it started
"$DAEMON" --db "$db" --poll-interval 0.2 2>"$work/daemon1.err" &
pid=$!
on_exit "kill $pid 2>/dev/null"
job=$(queue_create late1 pve)
if wait_for 60 job_is "$job" success; then ok "a job queued later is run by the polling daemon"
else not_ok "a job queued later is run by the polling daemon"; diag "status $(job_status "$job")" "$(cat "$work/daemon1.err")"; fi
expect_eq "its container is running" "running" "$(sql "SELECT status FROM Containers WHERE hostname = 'late1'")"

# ---- SIGTERM while idle
t0=$SECONDS
kill -TERM "$pid"; wait "$pid"; rc=$?
expect_eq "SIGTERM while idle: exit 0" 0 "$rc"
if [ $((SECONDS - t0)) -le 3 ]; then ok "SIGTERM while idle: stops within 3 s"; else not_ok "SIGTERM while idle: stops within 3 s"; fi
expect_match "SIGTERM while idle: says why it stops" "stopping on signal" "$(tail -1 "$work/daemon1.err")"

# ---- SIGTERM while waiting for a Proxmox task
job=$(queue_create slow1 slowpve)
"$DAEMON" --db "$db" --poll-interval 0.2 2>"$work/daemon2.err" &
pid=$!
on_exit "kill $pid 2>/dev/null"
if wait_for 60 grep -q "waiting for the clone" "$work/daemon2.err"; then ok "the slow clone is under way"
else not_ok "the slow clone is under way"; diag "$(cat "$work/daemon2.err")"; fi
t0=$SECONDS
kill -TERM "$pid"; wait "$pid"; rc=$?
expect_eq "SIGTERM during a task: exit 0" 0 "$rc"
if [ $((SECONDS - t0)) -le 5 ]; then ok "SIGTERM during a task: stops within 5 s"; else not_ok "SIGTERM during a task: stops within 5 s"; fi
expect_eq "SIGTERM during a task: job failure" "failure" "$(job_status "$job")"
expect_eq "SIGTERM during a task: container failed" "failed" \
    "$(sql "SELECT status FROM Containers WHERE hostname = 'slow1'")"
expect_match "SIGTERM during a task: the trail says the task may still finish" \
    "stopped waiting for task vzclone 9000 \(shutting down\); it may still finish on the node" \
    "$(sql "SELECT message FROM JobStatuses WHERE jobId = $job ORDER BY id DESC LIMIT 1")"

# ---- an operator cancels the job while the clone runs: it stops before the next step
sim_inject "$FAST_PORT" '{"op":"clone","kind":"task_seconds","seconds":3}'
job=$(queue_create cancel1 pve)
"$DAEMON" --db "$db" --once 2>"$work/daemon3.err" &
pid=$!
on_exit "kill $pid 2>/dev/null"
if wait_for 60 grep -q "waiting for the clone" "$work/daemon3.err"; then ok "the clone to cancel is under way"
else not_ok "the clone to cancel is under way"; diag "$(cat "$work/daemon3.err")"; fi
sql "UPDATE Jobs SET status = 'cancelled' WHERE id = $job"
wait "$pid"; rc=$?
expect_eq "cancelled: the daemon exits 0" 0 "$rc"
expect_eq "cancelled: the job stays cancelled" "cancelled" "$(job_status "$job")"
expect_eq "cancelled: the container is failed" "failed" \
    "$(sql "SELECT status FROM Containers WHERE hostname = 'cancel1'")"
expect_match "cancelled: the trail says which CT stays" "^cancelled; CT [0-9]+ stays on the node" \
    "$(sql "SELECT message FROM JobStatuses WHERE jobId = $job ORDER BY id DESC LIMIT 1")"
expect_eq "cancelled: never started (the node saw one start: late1's)" "1" \
    "$(sim_query "$FAST_PORT" 'sum(1 for r in state["requests"] if r["path"].endswith("/status/start"))')"

# ---- usage
CLUSTERDB_DB=$work/absent.db "$DAEMON" --once >/dev/null 2>&1
expect_eq "no --db: \$CLUSTERDB_DB is used (absent here: exit 1)" 1 "$?"
"$DAEMON" --db "$work/absent.db" extra >/dev/null 2>&1; expect_eq "an extra argument: usage error 2" 2 "$?"
"$DAEMON" --db "$db" --poll-interval 0 >/dev/null 2>&1; expect_eq "poll interval 0: usage error 2" 2 "$?"
"$DAEMON" --db "$work/missing/none.sqlite" --once >/dev/null 2>&1; expect_eq "a database that cannot be opened: exit 1" 1 "$?"
out=$("$DAEMON" --help); expect_match "--help documents the job names" "container.create.*container.delete" "$(echo $out)"

expect_eq "no secret in the daemon logs" "" "$(grep -l -e "$TOKEN_SECRET" "$work"/*.err)"
tap_done
