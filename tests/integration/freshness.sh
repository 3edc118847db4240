#!/usr/bin/env bash
# Every search answers from the store as it is: a change another process
# commits with plain SQL (the engine's own client, no clusterdb code) shows
# in the very next search, on every worker thread (each keeps its own
# connection and runs one read transaction per operation, never one kept for
# the next).  On every engine (CLUSTERDB_TEST_ENGINE; tests/lib-engines.sh).
#   FRESH_ITERATIONS  writes to check (default 300)
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
. "$top/tests/lib-engines.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module
if [ "$TEST_ENGINE" = sqlite ] && ! command -v sqlite3 > /dev/null; then
    skip "sqlite3 (the plain-SQL writer) is not installed"; tap_done; exit
fi

scratch work
test_database "$work" || { not_ok "a database on $TEST_ENGINE"; tap_done; exit 1; }
S=dc=cluster,dc=internal
cdb() { "$CLI" --db "$DB" "$@"; }
check "directory built (alice, bob, group fresh)" sh -c "'$CLI' --db '$DB' init &&
    '$CLI' --db '$DB' user add alice --mail start@example.org && '$CLI' --db '$DB' user add bob &&
    '$CLI' --db '$DB' group add fresh && '$CLI' --db '$DB' group add-member fresh bob"
alice_uid=$(test_sql "SELECT uidNumber FROM Users WHERE username='alice'")
fresh_gid=$(test_sql "SELECT gidNumber FROM Groups WHERE cn='fresh'")

if ! SLAPD_DEBUG=0 SLAPD_DBFILE=$DB slapd_start cdb "$work/slapd"; then
    not_ok "slapd starts"; tap_done; exit
fi
ok "slapd starts"
mail_of_alice() { lsearch cdb -b "ou=people,$S" '(&(objectClass=posixAccount)(uid=alice))' mail | sed -n 's/^mail: //p'; }
groups_of_alice() {
    lsearch cdb -b "$S" '(&(objectClass=posixGroup)(memberUid=alice))' cn | sed -n 's/^cn: //p' | sort | tr '\n' ' '
}
expect_eq "alice served" "start@example.org" "$(mail_of_alice)"
# Her groups before the writes (the CLI's default groups), without fresh.
other_groups=$(groups_of_alice)
expect_eq "alice is not in fresh yet" "0" "$(printf '%s\n' $other_groups | grep -cx fresh)"
# Open a connection on many worker threads first: each keeps its handle.
pids=(); for i in $(seq 1 24); do mail_of_alice > /dev/null & pids+=($!); done; wait "${pids[@]}"

n=${FRESH_ITERATIONS:-300}
stale=0 failed_writes=0 first_stale=
for i in $(seq 1 "$n"); do
    if [ $((i % 2)) -eq 0 ]; then
        member_sql="INSERT INTO UserGroups (gidNumber, uidNumber) VALUES ($fresh_gid, $alice_uid);"
        want_groups=$(printf '%s\n' $other_groups fresh | sort | tr '\n' ' ')
    else
        member_sql="DELETE FROM UserGroups WHERE gidNumber = $fresh_gid AND uidNumber = $alice_uid;"
        want_groups=$other_groups
    fi
    if ! test_sql "UPDATE Users SET mail = 'm$i@example.org' WHERE uidNumber = $alice_uid; $member_sql" > /dev/null; then
        failed_writes=$((failed_writes + 1)); continue
    fi
    # The next searches, three at once (several worker threads), must all see it.
    mail_of_alice > "$work/a" & p1=$!; mail_of_alice > "$work/b" & p2=$!
    groups_of_alice > "$work/g" & p3=$!
    wait "$p1" "$p2" "$p3"
    if [ "$(cat "$work/a")" != "m$i@example.org" ] || [ "$(cat "$work/b")" != "m$i@example.org" ] ||
        [ "$(cat "$work/g")" != "$want_groups" ]; then
        stale=$((stale + 1))
        [ -n "$first_stale" ] || first_stale="write $i: mail $(cat "$work/a")/$(cat "$work/b"), groups '$(cat "$work/g")'"
    fi
done
expect_eq "$n plain-SQL writes committed" "0" "$failed_writes"
expect_eq "no stale answer after any of $n plain-SQL writes${first_stale:+ (first: $first_stale)}" "0" "$stale"

# The CLI as writer: the status shows in the next search too.
check "CLI suspends alice" cdb user set alice --status suspended
expect_eq "the next search shows clusterdbStatus suspended" "suspended" \
    "$(lsearch cdb -b "ou=people,$S" '(uid=alice)' clusterdbStatus | sed -n 's/^clusterdbStatus: //p')"
check "slapd still runs" slapd_alive cdb
slapd_stop cdb
tap_done
