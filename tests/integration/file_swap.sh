#!/usr/bin/env bash
# Restoring a backup under a running slapd: a new database file moved over
# the configured path (docs/slapd-module.md, "Restoring a backup") is served
# from the next operation on by every worker thread, whole: searches show the
# new contents only, LDAP adds land in the new file and show, and no handle
# stays on the replaced file.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-slapd.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module

scratch work
db=$work/clusterdb.db
P="ou=people,$SLAPD_SUFFIX"
cli() { "$CLI" --db "$1" "${@:2}"; }
users() { rsearch main -b "$P" -s one '(uid=*)' uid | sed -n 's/^uid: //p' | sort | tr '\n' ' ' | sed 's/ $//'; }

check "old database with alice" sh -c "'$CLI' --db '$db' init && '$CLI' --db '$db' user add alice"
if ! SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    not_ok "slapd starts"; tap_done; exit
fi
ok "slapd starts"
expect_eq "old contents served" "alice" "$(users)"
# Spread handles over many worker threads: each keeps its own connection.
# (wait names the PIDs: slapd is a background child too)
pids=(); for i in $(seq 1 24); do users > /dev/null & pids+=($!); done; wait "${pids[@]}"

# The restore: a complete file made next to the live one, moved over it.
check "new database with restored1, restored2" sh -c "'$CLI' --db '$work/new.db' init &&
    '$CLI' --db '$work/new.db' user add restored1 && '$CLI' --db '$work/new.db' user add restored2"
check "mv new.db over the served file" mv "$work/new.db" "$db"

expect_eq "the next search shows the new file" "restored1 restored2" "$(users)"
pids=(); for i in $(seq 1 40); do users > "$work/search.$i" & pids+=($!); done; wait "${pids[@]}"
stale=0
for i in $(seq 1 40); do [ "$(cat "$work/search.$i")" = "restored1 restored2" ] || stale=$((stale + 1)); done
expect_eq "40 concurrent searches: none served the old file" "0" "$stale"

added=0
for i in $(seq 1 20); do
    ldapadd -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" > /dev/null 2>&1 <<EOF && added=$((added + 1))
dn: uid=new$i,$P
objectClass: top
objectClass: inetOrgPerson
objectClass: posixAccount
uid: new$i
cn: New $i
sn: $i
gidNumber: 2000
homeDirectory: /home/new$i
EOF
done
expect_eq "20 LDAP adds acknowledged" "20" "$added"
expect_eq "all of them are in the new file" "22" "$(cli "$db" --json user list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
expect_eq "and show through LDAP" "22 0" "$(users | wc -w) $(users | grep -cw alice)"
deleted=$(ls -l "/proc/${SLAPD_PID[main]}/fd" 2>/dev/null | grep -c '(deleted)')
expect_eq "no handle left on the replaced file" "0" "$deleted"
expect_match "the swap is logged" "was replaced by another file" "$(cat "${SLAPD_LOG[main]}")"
slapd_stop main
tap_done
