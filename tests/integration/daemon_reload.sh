#!/usr/bin/env bash
# SIGHUP (systemctl reload) ends clusterdbd's wait between polls: a job queued
# during a long poll interval runs right after the signal, the daemon keeps
# running and says so.  Under systemd (JOURNAL_STREAM naming its stderr) each
# line carries its syslog level for the journal.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.bash"

if [ ! -x "$DAEMON" ] || ! command -v sqlite3 >/dev/null; then
    skip "clusterdbd or sqlite3 not available"; tap_done; exit 0
fi
start_sim SIM --node pve --token "$TOKEN_ID=$TOKEN_SECRET" --task-seconds 0.2 --dhcp-seconds 0.2
scratch work
daemon_database "$work"
cli() { "$CLI" --db "$db" "$@"; }
cli init >/dev/null && add_owners bob && cli site add lab --internal-domain cluster.internal >/dev/null
printf '%s\n' "$TOKEN_SECRET" | cli node add pve --site lab --api-url "http://127.0.0.1:$SIM_PORT" \
    --token-id "$TOKEN_ID" --secret-stdin >/dev/null
wait_for() {
    local limit=$1; shift
    local end=$((SECONDS + limit))
    until "$@"; do [ "$SECONDS" -ge "$end" ] && return 1; sleep 0.1; done
}
logged() { grep -q "$1" "$work/daemon.err"; }

: > "$work/daemon.err"
# The journal's stream is identified by device and inode: those of the log file here.
JOURNAL_STREAM=$(stat -c '%d:%i' "$work/daemon.err") \
    "$DAEMON" --db "$db" --poll-interval 3600 2>>"$work/daemon.err" &
pid=$!
on_exit "kill $pid 2>/dev/null"
wait_for 30 logged started || diag "daemon did not start: $(cat "$work/daemon.err")"
# Asleep for an hour now; queue a job and wake it.
cli container add hup1 --node pve --username bob --template debian-12-standard >/dev/null
ct=$(sql "SELECT id FROM Containers WHERE hostname = 'hup1'")
job=$(cli job add "container.create hup1" --resource "container:$ct" | grep -Eo '[0-9]+' | head -1)
sql "UPDATE Containers SET creationJobId = $job WHERE id = $ct"
kill -HUP "$pid"
job_done() { [ "$(sql "SELECT status FROM Jobs WHERE id = $job")" = success ]; }
if wait_for 60 job_done; then ok "after SIGHUP the job queued during the poll interval runs"
else not_ok "after SIGHUP the job queued during the poll interval runs"; diag "$(cat "$work/daemon.err")"; fi
kill -0 "$pid" 2>/dev/null && ok "SIGHUP does not stop the daemon" || not_ok "SIGHUP does not stop the daemon"
expect_match "the reload is logged at info level for the journal" \
    "<6>info: reload requested" "$(cat "$work/daemon.err")"
expect_match "journal lines carry no timestamp of their own" "^<6>info: started" "$(head -1 "$work/daemon.err")"
kill -TERM "$pid"; wait "$pid"; rc=$?
expect_eq "SIGTERM after a reload: exit 0" 0 "$rc"
tap_done
