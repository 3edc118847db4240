#!/usr/bin/env bash
# The CLI's job commands against a running clusterdbd and the Proxmox VE
# simulator: container create --wait, stop/start/delete as jobs, job follow
# (the log with step numbers, the job's result as exit status), cancel,
# retry of a failed create (the CT is adopted, not cloned twice), and job
# delete refusing a running job.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.bash"

if [ ! -x "$DAEMON" ] || ! command -v sqlite3 >/dev/null; then
    skip "clusterdbd or sqlite3 not available"; tap_done; exit 0
fi

start_sim PVE --node pve --token "$TOKEN_ID=$TOKEN_SECRET" --task-seconds 0.2 --dhcp-seconds 0.2

scratch work
daemon_database "$work"
cli() { timeout 120 "$CLI" --db "$db" "$@"; }
cli init >/dev/null && add_owners alice  && cli site add lab --internal-domain cluster.internal >/dev/null
printf '%s\n' "$TOKEN_SECRET" | cli node add pve --site lab --api-url "http://127.0.0.1:$PVE_PORT" \
    --token-id "$TOKEN_ID" --secret-stdin >/dev/null
job_status() { sql "SELECT status FROM Jobs WHERE id = $1"; }
ct_field() { sql "SELECT $2 FROM Containers WHERE hostname = '$1'"; }
sim_ct() { sim_query "$PVE_PORT" "state['containers'].get('$1', {}).get('$2')"; }
wait_for() {
    local limit=$1; shift
    local end=$((SECONDS + limit))
    until "$@"; do [ "$SECONDS" -ge "$end" ] && return 1; sleep 0.1; done
}
job_is() { [ "$(job_status "$1")" = "$2" ]; }

# ---- validation and the single transaction, before any daemon runs
before=$(sql "SELECT (SELECT count(*) FROM Containers) || '/' || (SELECT count(*) FROM Jobs)")
out=$(cli container create 'Bad_Name' --node pve --username alice --template debian-12-standard 2>&1); rc=$?
expect_eq "create with a bad hostname: exit 3" 3 "$rc"
expect_match "create with a bad hostname: names the field" "^clusterdb: hostname:" "$out"
out=$(cli container create web0 --node pve --username alice 2>&1); rc=$?
expect_eq "create without a template: usage error" 2 "$rc"
expect_eq "failed creates wrote neither a row nor a job" "$before" \
    "$(sql "SELECT (SELECT count(*) FROM Containers) || '/' || (SELECT count(*) FROM Jobs)")"
out=$(cli --json container create web0 --node pve --username alice --template debian-12-standard); rc=$?
expect_eq "create without --wait: exit 0" 0 "$rc"
job0=$(printf '%s' "$out" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
expect_eq "the row and its job are linked both ways" "pending|$job0|container:$(ct_field web0 id)|pending" \
    "$(sql "SELECT c.status || '|' || c.creationJobId || '|' || j.associatedResource || '|' || j.status FROM Containers c JOIN Jobs j ON j.id = c.creationJobId WHERE c.hostname = 'web0'")"

# ---- cancel a pending job; a finished one cannot be cancelled
check "job cancel of a pending job" cli job cancel "$job0"
expect_eq "the job is cancelled" cancelled "$(job_status "$job0")"
out=$(cli job cancel "$job0" 2>&1); rc=$?
expect_eq "cancelling it again: exit 4" 4 "$rc"
expect_match "cancelling it again: says why" "^clusterdb: status: job $job0 is cancelled, not pending or running" "$out"
out=$(cli job follow "$job0"); rc=$?
expect_eq "follow of a cancelled job: exit 1" 1 "$rc"
expect_match "follow of a cancelled job: says so" "job $job0: cancelled after 0 steps" "$out"

# ---- with a daemon running: create --wait
"$DAEMON" --db "$db" --poll-interval 0.2 2>"$work/daemon.err" &
dpid=$!
on_exit "kill $dpid 2>/dev/null"
out=$(cli container create web1 --node pve --username alice --template debian-12-standard --wait); rc=$?
expect_eq "create --wait: exit 0 (the job succeeded)" 0 "$rc"
expect_match "create --wait: the log with step numbers" \
    "following job [0-9]+.*\[1\] creating container web1 .*\[[0-9]+\] container web1 is running as CT [0-9]+.*success after [0-9]+ steps" \
    "$(echo $out)"
expect_eq "create --wait: the row is running" running "$(ct_field web1 status)"
ctid=$(ct_field web1 containerId)
expect_eq "create --wait: the CT runs" running "$(sim_ct "$ctid" status)"
expect_match "the CT carries the clusterdb tag and the row's marker" \
    "clusterdb \| .*managed by clusterdb; container $(ct_field web1 id)\)" \
    "$(sim_query "$PVE_PORT" "state['containers']['$ctid']['config'].get('tags', '') + ' | ' + state['containers']['$ctid']['config'].get('description', '')")"

# ---- stop and start as jobs
out=$(cli container stop web1 --wait); rc=$?
expect_eq "stop --wait: exit 0" 0 "$rc"
expect_eq "stop: the CT is stopped" stopped "$(sim_ct "$ctid" status)"
expect_match "stop: the log" "shutting down CT $ctid \(web1\).*is stopped" "$(echo $out)"
out=$(cli container start web1 --wait); rc=$?
expect_eq "start --wait: exit 0" 0 "$rc"
expect_eq "start: the CT runs again" running "$(sim_ct "$ctid" status)"

# ---- a failed create, then retry: the CT already cloned is adopted
sim_inject "$PVE_PORT" '{"op":"start","kind":"task_error","message":"startup for container failed: no space"}'
out=$(cli container create web2 --node pve --username alice --template debian-12-standard --wait); rc=$?
expect_eq "a failing create --wait: exit 1" 1 "$rc"
expect_match "a failing create --wait: the reason, then the result" "failed: task vzstart .*no space.*failure after" "$(echo $out)"
expect_eq "the container is failed with its CTID" "failed|1" "$(sql "SELECT status || '|' || CASE WHEN containerId IS NULL THEN 0 ELSE 1 END FROM Containers WHERE hostname = 'web2'")"
job2=$(ct_field web2 creationJobId)
check "job retry" cli job retry "$job2"
out=$(cli job follow "$job2"); rc=$?
expect_eq "the retried job succeeds (follow exits 0)" 0 "$rc"
expect_match "the retry adopted the CT cloned before" "adopting CT [0-9]+" "$out"
expect_eq "the retry made no second CT" 1 \
    "$(sim_query "$PVE_PORT" "sum(1 for c in state['containers'].values() if c['config'].get('hostname') == 'web2')")"
expect_eq "web2 runs" running "$(ct_field web2 status)"
out=$(cli job retry "$job2" 2>&1); rc=$?
expect_eq "retry of a successful job: exit 4" 4 "$rc"

# ---- job delete refuses a running job; cancel stops it before its next step
sim_inject "$PVE_PORT" '{"op":"clone","kind":"task_seconds","seconds":3}'
job3=$(cli --json container create web3 --node pve --username alice --template debian-12-standard |
    "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
wait_for 60 job_is "$job3" running
out=$(cli job delete "$job3" 2>&1); rc=$?
expect_eq "job delete of a running job: exit 4" 4 "$rc"
expect_match "job delete of a running job: says why" "^clusterdb: status: job $job3 is running; cancel it first" "$out"
expect_eq "the running job is still there" running "$(job_status "$job3")"
check "job cancel of the running job" cli job cancel "$job3"
out=$(cli job follow "$job3"); rc=$?
expect_eq "follow of the cancelled job: exit 1" 1 "$rc"
wait_for 60 grep -q "job $job3 (container.create web3): cancelled" "$work/daemon.err"
expect_match "the daemon stopped before the next step" "cancelled; CT [0-9]+ stays on the node" \
    "$(sql "SELECT message FROM JobStatuses WHERE jobId = $job3 ORDER BY id")"
expect_eq "the cancelled create left the container failed, not creating" failed "$(ct_field web3 status)"
check "job delete of the cancelled job" cli job delete "$job3"

# ---- delete as a job
out=$(cli container delete web1 --wait); rc=$?
expect_eq "delete --wait: exit 0" 0 "$rc"
expect_eq "delete: the row is gone" "" "$(ct_field web1 id)"
expect_eq "delete: the CT is gone" None "$(sim_ct "$ctid" status)"

kill -TERM "$dpid"; wait "$dpid"
expect_eq "no secret in the daemon log" "" "$(grep -l -e "$TOKEN_SECRET" "$work/daemon.err")"
tap_done
