#!/usr/bin/env bash
# Two clusterdb processes adding 200 users each at the same time: every add
# succeeds, no error is printed and the 400 users get 400 distinct uidNumbers.
. "$(dirname "$0")/cli-lib.bash"
new_db
PER_WRITER=${CLI_CONCURRENCY_USERS:-200}

writer() {
    local prefix=$1 i failures=0
    for ((i = 0; i < PER_WRITER; i++)); do
        "$CLI" --db "$DB" user add "$prefix$i" --mail "$prefix$i@example.org" >/dev/null || failures=$((failures + 1))
    done
    echo "$failures" > "$TESTDIR/$prefix.failures"
}

writer a 2> "$TESTDIR/a.err" &
pid_a=$!
writer b 2> "$TESTDIR/b.err" &
pid_b=$!
on_exit "kill $pid_a $pid_b 2>/dev/null"
wait "$pid_a"
wait "$pid_b"

expect_eq "writer a: no command failed" 0 "$(cat "$TESTDIR/a.failures")"
expect_eq "writer b: no command failed" 0 "$(cat "$TESTDIR/b.failures")"
expect_eq "no error printed" "" "$(cat "$TESTDIR/a.err" "$TESTDIR/b.err")"
expect_eq "$((2 * PER_WRITER)) users" $((2 * PER_WRITER)) "$(sql 'SELECT count(*) FROM Users')"
expect_eq "$((2 * PER_WRITER)) distinct uidNumbers" $((2 * PER_WRITER)) "$(sql 'SELECT count(DISTINCT uidNumber) FROM Users')"
expect_eq "uidNumbers are 2000 .. $((2000 + 2 * PER_WRITER - 1))" "2000 $((2000 + 2 * PER_WRITER - 1))" \
    "$(sql "SELECT min(uidNumber) || ' ' || max(uidNumber) FROM Users")"
expect_eq "exactly one first user in sysadmins" 1 "$(sql 'SELECT count(*) FROM UserGroups WHERE gidNumber = 2001')"
expect_eq "integrity" ok "$(integrity)"
run --json status
expect_eq "status agrees" $((2 * PER_WRITER)) "$(json_get 'd["counts"]["users"]')"

tap_done
