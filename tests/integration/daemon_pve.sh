#!/usr/bin/env bash
# clusterdbd end to end against the Proxmox VE simulator: a pending container
# and its container.create job become a running container with CTID, MAC and
# address; failures mark the container failed and the job failure with the
# reason; delete jobs destroy the CT; two daemons never run one job; SIGTERM
# stops cleanly; no secret reaches a log or the database's messages.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.bash"

if [ ! -x "$DAEMON" ] || ! command -v sqlite3 >/dev/null; then
    skip "clusterdbd or sqlite3 not available"; tap_done; exit 0
fi

# Two nodes: pve (API token) and pve2 (user name and password, ticket + CSRF).
start_sim PVE --node pve --token "$TOKEN_ID=$TOKEN_SECRET" --task-seconds 0.2 --dhcp-seconds 0.3 \
    --template 9000:debian-12-standard
start_sim PVE2 --node pve2 --user "$PVE_USER" --password "$PVE_PASSWORD" --task-seconds 0.2 \
    --ip-prefix 10.0.2. --template 9100:debian-12-standard

scratch work
daemon_database "$work"
logs=$work/logs; mkdir -p "$logs"
cli() { "$CLI" --db "$db" "$@"; }

check "database initialised" cli init
check "container owners" add_owners alice 
check "site added" cli site add lab --internal-domain cluster.internal
check "token node added" sh -c 'printf "%s\n" "$0" | "$1" --db "$2" node add pve --site lab --api-url "http://127.0.0.1:$3" --token-id "$4" --secret-stdin' \
    "$TOKEN_SECRET" "$CLI" "$db" "$PVE_PORT" "$TOKEN_ID"
check "password node added" sh -c 'printf "%s\n" "$0" | "$1" --db "$2" node add pve2 --site lab --api-url "http://127.0.0.1:$3/" --token-id "$4" --secret-stdin' \
    "$PVE_PASSWORD" "$CLI" "$db" "$PVE2_PORT" "$PVE_USER"

# queue_create HOSTNAME NODE [TEMPLATE]: a pending container with its creation job
queue_create() {
    local job ct
    job=$(cli job add "container.create $1" | grep -Eo '[0-9]+' | head -1)
    cli container add "$1" --node "$2" --username alice --template "${3:-debian-12-standard}" \
        --job "$job" >/dev/null || return 1
    ct=$(sql "SELECT id FROM Containers WHERE hostname = '$1'")
    sql "UPDATE Jobs SET associatedResource = 'container:$ct' WHERE id = $job"
    echo "$job"
}
job_status() { sql "SELECT status FROM Jobs WHERE id = $1"; }
# expect_job DESC JOB STATUS: the job's status, with its trail when it differs
expect_job() {
    local got; got=$(job_status "$2")
    if [ "$got" == "$3" ]; then ok "$1"; else
        not_ok "$1"; diag "job $2 is $got, not $3; its messages:" "$(job_trail "$2")"; fi
}
job_trail() { sql "SELECT message FROM JobStatuses WHERE jobId = $1 ORDER BY id"; }
ct_field() { sql "SELECT $2 FROM Containers WHERE hostname = '$1'"; }

# ---- create through an API token
job1=$(queue_create web1 pve)
expect_match "create job queued" '^[0-9]+$' "$job1"
expect_eq "container starts pending" "pending" "$(ct_field web1 status)"
"$DAEMON" --db "$db" --once >"$logs/once1.out" 2>"$logs/once1.err"; rc=$?
expect_eq "clusterdbd --once exits 0" 0 "$rc"
expect_job "job succeeded" "$job1" success
expect_eq "container running" "running" "$(ct_field web1 status)"
expect_eq "container has the CTID from nextid" "100" "$(ct_field web1 containerId)"
mac=$(ct_field web1 macAddress)
expect_match "container has the node's MAC (Proxmox prefix)" '^bc:24:11:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$' "${mac,,}"
expect_eq "MAC is the one in the CT's net0" \
    "$(sim_query "$PVE_PORT" 'state["containers"]["100"]["config"]["net0"].split("hwaddr=")[1].split(",")[0].lower()')" "${mac,,}"
expect_eq "container has the DHCP address" "10.0.0.100" "$(ct_field web1 ipv4Address)"
trail=$(job_trail "$job1")
expect_match "trail: template, clone task, configure, start, MAC, address" \
    "creating container web1.*cloning template debian-12-standard \(CT 9000\) to CT 100 as web1.*waiting for the clone: task UPID:pve:.*:vzclone:9000:root@pam!clusterdb:.*configuring CT 100.*starting CT 100.*vzstart.*MAC address.*running as CT 100 on pve with address 10.0.0.100" \
    "$(echo $trail)"
expect_eq "the CT runs on the node, cloned in full, with our description" "running 1 True" \
    "$(sim_query "$PVE_PORT" '" ".join([state["containers"]["100"]["status"], str(state["containers"]["100"]["full"]), str("managed by clusterdb" in state["containers"]["100"]["config"]["description"])])')"

# ---- create through a password login (ticket and CSRF token)
job2=$(queue_create web2 pve2)
"$DAEMON" --db "$db" --once >"$logs/once2.out" 2>"$logs/once2.err"
expect_job "password node: job succeeded" "$job2" success
expect_eq "password node: container running with an address" "running 100 10.0.2.100" \
    "$(ct_field web2 "status || ' ' || containerId || ' ' || ipv4Address")"
expect_eq "password node: one login, every write with the CSRF token" "1 True" \
    "$(sim_query "$PVE2_PORT" '" ".join([str(sum(r["auth"] == "login" for r in state["requests"])), str(all(r["csrf"] for r in state["requests"] if r["method"] != "GET" and r["auth"] == "ticket"))])')"

# ---- a failing clone task
job3=$(queue_create web3 pve)
sim_inject "$PVE_PORT" '{"op":"clone","kind":"task_error","message":"clone failed: storage local-lvm is full"}'
"$DAEMON" --db "$db" --once >"$logs/once3.out" 2>"$logs/once3.err"; rc=$?
expect_eq "a failed job still exits 0" 0 "$rc"
expect_eq "failed clone: job failure" "failure" "$(job_status "$job3")"
expect_eq "failed clone: container failed" "failed" "$(ct_field web3 status)"
expect_match "failed clone: the reason is in the trail" \
    "failed: task vzclone 9000 failed: clone failed: storage local-lvm is full" "$(job_trail "$job3" | tail -1)"
expect_eq "failed clone: no address recorded" "" "$(ct_field web3 ipv4Address)"

# ---- a proxy that echoes the credentials: the message masks them
job4=$(queue_create web4 pve)
sim_inject "$PVE_PORT" '{"op":"clone","kind":"echo_auth"}'
"$DAEMON" --db "$db" --once >"$logs/once4.out" 2>"$logs/once4.err"
expect_eq "echoed credentials: job failure" "failure" "$(job_status "$job4")"
expect_match "echoed credentials: masked in the trail" 'auth=PVEAPIToken=root@pam!clusterdb=\*\*\*' \
    "$(job_trail "$job4" | tail -1)"

# ---- a missing template, an unknown job name, a bad resource
job5=$(queue_create web5 pve no-such-template)
other=$(cli job add "backup.run nightly" --resource "container:1" | grep -Eo '[0-9]+' | head -1)
bad=$(cli job add "container.create" --resource "vm:7" | grep -Eo '[0-9]+' | head -1)
"$DAEMON" --db "$db" --once >"$logs/once5.out" 2>"$logs/once5.err"
expect_eq "missing template: job failure, container failed" "failure failed" \
    "$(job_status "$job5") $(ct_field web5 status)"
expect_match "missing template: named in the trail" "no LXC template named no-such-template on node pve" \
    "$(job_trail "$job5")"
expect_eq "unknown job name: left pending" "pending" "$(job_status "$other")"
expect_match "unknown job name: logged" "unknown job name \"backup.run nightly\"; left pending" \
    "$(cat "$logs/once5.err")"
expect_eq "bad resource: job failure" "failure" "$(job_status "$bad")"
expect_match "bad resource: explained" "associatedResource must be container:<id>, not vm:7" "$(job_trail "$bad")"

# ---- delete
ct1=$(sql "SELECT id FROM Containers WHERE hostname = 'web1'")
jobd=$(cli job add "container.delete web1" --resource "container:$ct1" | grep -Eo '[0-9]+' | head -1)
"$DAEMON" --db "$db" --once >"$logs/once6.out" 2>"$logs/once6.err"
expect_eq "delete: job succeeded" "success" "$(job_status "$jobd")"
expect_eq "delete: row gone" "0" "$(sql "SELECT count(*) FROM Containers WHERE hostname = 'web1'")"
expect_eq "delete: CT 100 destroyed on the node" "False" "$(sim_query "$PVE_PORT" '"100" in state["containers"]')"
expect_eq "delete: force and purge were asked for" "True" \
    "$(sim_query "$PVE_PORT" 'any(r["method"] == "DELETE" and r["params"] == ["force", "purge"] for r in state["requests"])')"
expect_match "delete: trail" "destroying CT 100 on node pve.*vzdestroy.*container web1 deleted" "$(echo $(job_trail "$jobd"))"

# a failed container that never got a CTID: the row just goes
ct5=$(sql "SELECT id FROM Containers WHERE hostname = 'web5'")
jobd5=$(cli job add "container.delete web5" --resource "container:$ct5" | grep -Eo '[0-9]+' | head -1)
"$DAEMON" --db "$db" --once >"$logs/once7.out" 2>"$logs/once7.err"
expect_eq "delete of a never-created container succeeds" "success 0" \
    "$(job_status "$jobd5") $(sql "SELECT count(*) FROM Containers WHERE hostname = 'web5'")"

# ---- two daemons, four jobs: each job runs exactly once
jobs=()
for h in par1 par2 par3 par4; do jobs+=("$(queue_create "$h" pve)"); done
"$DAEMON" --db "$db" --once >"$logs/par-a.out" 2>"$logs/par-a.err" &
pa=$!
"$DAEMON" --db "$db" --once >"$logs/par-b.out" 2>"$logs/par-b.err" &
pb=$!
wait "$pa"; ra=$?; wait "$pb"; rb=$?
expect_eq "both daemons exit 0" "0 0" "$ra $rb"
statuses=$(for j in "${jobs[@]}"; do job_status "$j"; done | sort | uniq -c | tr -s ' ')
expect_eq "all four jobs succeeded" " 4 success" "$statuses"
[ "$statuses" == " 4 success" ] ||
    for j in "${jobs[@]}"; do diag "job $j: $(job_status "$j")" "$(job_trail "$j")"; done
claims=$(cat "$logs/par-a.err" "$logs/par-b.err" | grep -c ': claimed$')
expect_eq "four claims in total across both daemons" "4" "$claims"
expect_eq "four distinct CTIDs, four distinct addresses" "4 4" \
    "$(sql "SELECT count(DISTINCT containerId) || ' ' || count(DISTINCT ipv4Address) FROM Containers WHERE hostname LIKE 'par%'")"
expect_eq "exactly one CT per job on the node" "4" \
    "$(sim_query "$PVE_PORT" 'sum(1 for c in state["containers"].values() if c["config"]["hostname"].startswith("par"))')"

# ---- no secret anywhere we write
leaks=$(grep -l -e "$TOKEN_SECRET" -e "$PVE_PASSWORD" "$logs"/* 2>/dev/null)
expect_eq "no secret in any daemon log" "" "$leaks"
expect_eq "no secret in any job message" "0" \
    "$(sql "SELECT count(*) FROM JobStatuses WHERE message LIKE '%$TOKEN_SECRET%' OR message LIKE '%$PVE_PASSWORD%' OR message LIKE '%PVE:root@pam:%'")"

tap_done
