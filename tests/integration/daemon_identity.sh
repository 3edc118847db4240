#!/usr/bin/env bash
# Jobs act on what they were queued for and never on a look-alike: a
# container.delete queued for one row, whose id later belongs to another
# container, fails with a message saying so and destroys nothing; so does a
# row with the same hostname but a different creation, a CT on the node
# that carries another hostname, and a job that records no target at all.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.bash"

if [ ! -x "$DAEMON" ] || ! command -v sqlite3 >/dev/null; then
    skip "clusterdbd or sqlite3 not available"; tap_done; exit 0
fi

# CTs made elsewhere, running on the node.
start_sim PVE --node pve --token "$TOKEN_ID=$TOKEN_SECRET" --task-seconds 0.2 \
    --ct 101:innocent --ct 102:samename --ct 103:other

scratch work
daemon_database "$work"
cli() { "$CLI" --db "$db" "$@"; }
cli init >/dev/null && add_owners alice  && cli site add lab --internal-domain cluster.internal >/dev/null
printf '%s\n' "$TOKEN_SECRET" | cli node add pve --site lab --api-url "http://127.0.0.1:$PVE_PORT" \
    --token-id "$TOKEN_ID" --secret-stdin >/dev/null
job_status() { sql "SELECT status FROM Jobs WHERE id = $1"; }
job_trail() { sql "SELECT message FROM JobStatuses WHERE jobId = $1 ORDER BY id"; }
ct_alive() { sim_query "$PVE_PORT" "'$1' in state['containers'] and state['containers']['$1']['status'] == 'running'"; }
deletes() { sim_query "$PVE_PORT" 'sum(1 for r in state["requests"] if r["method"] == "DELETE")'; }
row_id() { sql "SELECT id FROM Containers WHERE hostname = '$1'"; }
# take_id HOSTNAME ID: give the row the id of a deleted one, as SQLite did
# before ids were monotonic (and as a restore from a dump may still do).
take_id() {
    [ "$(row_id "$1")" = "$2" ] || sql "UPDATE Containers SET id = $2 WHERE hostname = '$1'"
}

# ---- the issue's scenario: a queued delete, its row gone, the id taken by innocent
cli container add temp2 --node pve --username alice >/dev/null
temp2=$(row_id temp2)
job=$(cli --json job add "container.delete temp2" --resource "container:$temp2" |
    "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
expect_eq "the job recorded its target" "temp2|1|" \
    "$(sql "SELECT targetHostname, targetNodeId, targetContainerId FROM Jobs WHERE id = $job")"
check "the record of temp2 is deleted (only the record)" cli container delete temp2 --record-only
check "innocent is recorded, running as CT 101" \
    cli container add innocent --ctid 101 --node pve --username alice --status running
got=$(row_id innocent)
take_id innocent "$temp2"
diag "innocent got id $got; the job names container:$temp2"
expect_eq "innocent now has temp2's old id" "$temp2" "$(row_id innocent)"
"$DAEMON" --db "$db" --once 2>"$work/once1.err"; rc=$?
expect_eq "clusterdbd --once exits 0" 0 "$rc"
expect_eq "the job failed" failure "$(job_status "$job")"
expect_match "the trail says the row is not the one the job was queued for" \
    "container $temp2 is not the one this job was queued for: the job is for temp2 .* the row is now innocent .*nothing was touched" \
    "$(job_trail "$job")"
expect_eq "CT 101 is alive and running" True "$(ct_alive 101)"
expect_eq "innocent's row is still there" "$temp2" "$(row_id innocent)"
expect_eq "no DELETE reached the node" 0 "$(deletes)"
if grep -q "destroying CT" "$work/once1.err"; then not_ok "the daemon never says it destroys a CT"
else ok "the daemon never says it destroys a CT"; fi

# ---- same hostname and node, but a different creation (and it now has a CTID)
cli container add samename --node pve --username alice >/dev/null
old=$(row_id samename)
job=$(cli --json job add "container.delete samename" --resource "container:$old" |
    "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
cli container delete samename --record-only >/dev/null
sleep 0.01 # a different createdAt (milliseconds)
cli container add samename --ctid 102 --node pve --username alice --status running >/dev/null
take_id samename "$old"
"$DAEMON" --db "$db" --once 2>"$work/once2.err"
expect_eq "same hostname, other row: the job failed" failure "$(job_status "$job")"
expect_match "same hostname, other row: the creation times differ" \
    "not the one this job was queued for: the job is for samename \(node 1, CT none, recorded [^)]+\), the row is now samename \(node 1, CT 102" \
    "$(job_trail "$job")"
expect_eq "same hostname, other row: CT 102 is alive" True "$(ct_alive 102)"

# ---- the CT on the node is called something else: nothing is destroyed
check "wrongname is recorded with CT 103 (which the node calls other)" \
    cli container add wrongname --ctid 103 --node pve --username alice --status running
job=$(cli --json container delete wrongname | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
"$DAEMON" --db "$db" --once 2>"$work/once3.err"
expect_eq "CT with another hostname: the job failed" failure "$(job_status "$job")"
expect_match "CT with another hostname: explained" \
    "CT 103 on node pve is called other, not wrongname; nothing was touched" "$(job_trail "$job")"
expect_eq "CT with another hostname: CT 103 is alive" True "$(ct_alive 103)"
expect_eq "CT with another hostname: the row stays" 1 "$(sql "SELECT count(*) FROM Containers WHERE hostname = 'wrongname'")"

# ---- a delete job that records no target (written by hand) is refused
sql "INSERT INTO Jobs (name, associatedResource) VALUES ('container.delete', 'container:$(row_id innocent)')"
job=$(sql "SELECT max(id) FROM Jobs")
"$DAEMON" --db "$db" --once 2>"$work/once4.err"
expect_eq "no target: the job failed" failure "$(job_status "$job")"
expect_match "no target: explained" "records no identity of the container it acts on.*nothing was touched" \
    "$(job_trail "$job")"
expect_eq "no target: CT 101 is still alive" True "$(ct_alive 101)"
expect_eq "after everything: no DELETE reached the node" 0 "$(deletes)"

# ---- a job for a container that does not exist is refused when queued
before=$(sql "SELECT count(*) FROM Jobs")
out=$(cli job add "container.delete ghost" --resource container:424242 2>&1); rc=$?
expect_match "job for a missing container: refused" "^clusterdb: associatedResource: .*424242" "$out"
expect_eq "job for a missing container: no row written" "$before" "$(sql "SELECT count(*) FROM Jobs")"
if [ "$rc" -ne 0 ]; then ok "job for a missing container: non-zero exit"; else not_ok "job for a missing container: non-zero exit"; fi

tap_done
