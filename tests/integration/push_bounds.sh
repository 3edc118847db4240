#!/usr/bin/env bash
# One user cannot lock everybody out of push logins: 20 binds of one user
# against a push server that does not answer within the wait take at most
# push-max-waiting-per-user places, and another user's correct login still
# gets its push request through and is granted.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-slapd.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module

scratch work
db=$work/clusterdb.db
P="ou=people,$SLAPD_SUFFIX"
cli() { "$CLI" --db "$db" "$@"; }

"$PYTHON" "$CLUSTERDB_TOP/tests/pve-sim/push-sim.py" --port-file "$work/push.port" --slow-seconds 600 &
sim=$!
on_exit "kill $sim 2>/dev/null"
for i in $(seq 1 100); do [ -s "$work/push.port" ] && break; sleep 0.1; done
port=$(cat "$work/push.port")

check "users slow-eve (push hangs) and approve-bob" sh -c "'$CLI' --db '$db' init &&
    echo eve-password | '$CLI' --db '$db' user add slow-eve --status active --password-stdin &&
    echo bob-password | '$CLI' --db '$db' user add approve-bob --status active --password-stdin &&
    '$CLI' --db '$db' setting set push_notification_url http://127.0.0.1:$port &&
    '$CLI' --db '$db' setting set push_notification_enabled true"

mkdir -p "$work/slapd"
slapd_write_clusterdb_conf "$work/slapd/slapd.conf" "$work/slapd" "$db"
printf 'push-max-waiting 8\npush-max-waiting-per-user 2\npush-timeout 20\n' >> "$work/slapd/slapd.conf"
if ! SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    not_ok "slapd starts with the push bounds configured"; tap_done; exit
fi
ok "slapd starts with the push bounds configured"

pids=()
for i in $(seq 1 20); do
    ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=slow-eve,$P" -w eve-password > /dev/null 2>&1 &
    pids+=($!)
done
# Let eve's binds reach the module before bob tries.
for i in $(seq 1 100); do
    [ "$(grep -c 'BIND dn="uid=slow-eve' "${SLAPD_LOG[main]}")" -ge 20 ] && break; sleep 0.1
done
expect_eq "another user's correct login is granted meanwhile" "dn:uid=approve-bob,$P" \
    "$(ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=approve-bob,$P" -w bob-password 2>&1)"
refused=$(grep -c 'of this user waiting already' "${SLAPD_LOG[main]}")
if [ "$refused" -ge 18 ]; then ok "eve's binds past her 2 places were refused ($refused)"
else not_ok "eve's binds past her 2 places were refused ($refused)"; fi
kill "${pids[@]}" 2>/dev/null
slapd_stop main
tap_done
