#!/usr/bin/env bash
# Several clients search and bind against one slapd while the CLI writes to
# the same database (on every engine: CLUSTERDB_TEST_ENGINE): every answer is right (stable entries never flicker,
# binds never fail or succeed wrongly, the writer sees each of its changes at
# once), nothing is refused as busy, and slapd survives.
#   CONC_SECONDS  how long the readers run (default 30)
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
. "$top/tests/lib-engines.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module

scratch work
test_database "$work" || { not_ok "a database on $TEST_ENGINE"; tap_done; exit 1; }
S=dc=cluster,dc=internal
PEOPLE=ou=people,$S
cdb() { "$CLI" --db "$DB" "$@"; }
generate() {
    local gen=("$PYTHON" "$CLUSTERDB_TOP/tests/tools/gen-directory" --seed 7 --users 200 --groups 10
        --hashes 0 --suffix "$S")
    if [ "$TEST_ENGINE" = sqlite ]; then
        "${gen[@]}" --sqlite "$DB" > /dev/null
    else
        "${gen[@]}" --sql "$work/directory.sql" > /dev/null && test_sql_file "$work/directory.sql" > /dev/null
    fi
}
setup_db() {
    cdb init && generate &&
    printf 'alice-long-secret\n' | cdb user add alice --mail alice@example.org --password-stdin &&
    printf 'bob-long-secret\n' | cdb user add bob --status pending --password-stdin &&
    cdb group add stable && cdb group add-member stable alice && cdb group add-member stable bob &&
    cdb group add churn
}
check "directory built (200 generated users, alice, bob, groups)" setup_db
alice_uid=$(test_sql "SELECT uidNumber FROM Users WHERE username='alice'")

if ! SLAPD_DEBUG=0 SLAPD_SIZELIMIT=unlimited SLAPD_DBFILE=$DB slapd_start cdb "$work/slapd"; then
    not_ok "slapd starts"; tap_done; exit
fi
ok "slapd starts"
URI=${SLAPD_URI[cdb]}
deadline=$(( $(date +%s) + ${CONC_SECONDS:-30} ))

# Each reader appends one line per wrong answer to $work/fail.NAME and one
# line per answer to $work/count.NAME.
reader_search() {
    local name=$1 out
    while [ "$(date +%s)" -lt "$deadline" ]; do
        out=$(ldapsearch -x -LLL -H "$URI" -b "$S" '(&(objectClass=posixAccount)(uid=alice))' uidNumber 2>&1)
        [ "$out" == "dn: uid=alice,$PEOPLE
uidNumber: $alice_uid" ] || echo "alice: $out" >> "$work/fail.$name"
        out=$(ldapsearch -x -LLL -H "$URI" -b "$S" '(&(objectClass=posixGroup)(cn=stable))' memberUid 2>&1 | grep -v '^$' | sort)
        [ "$out" == "$(printf '%s\n' "dn: cn=stable,ou=groups,$S" "memberUid: alice" "memberUid: bob" | sort)" ] ||
            echo "stable: $out" >> "$work/fail.$name"
        echo >> "$work/count.$name"
    done
}
reader_bind() {
    local name=$1 out rc
    while [ "$(date +%s)" -lt "$deadline" ]; do
        out=$(ldapwhoami -x -H "$URI" -D "uid=alice,$PEOPLE" -w alice-long-secret 2>&1); rc=$?
        [ "$rc" -eq 0 ] || echo "alice bind: exit $rc $out" >> "$work/fail.$name"
        out=$(ldapwhoami -x -H "$URI" -D "uid=alice,$PEOPLE" -w wrong 2>&1); rc=$?
        [ "$rc" -eq 49 ] || echo "alice wrong password: exit $rc $out" >> "$work/fail.$name"
        out=$(ldapwhoami -x -H "$URI" -D "uid=bob,$PEOPLE" -w bob-long-secret 2>&1); rc=$?
        [ "$rc" -eq 49 ] || echo "pending bob: exit $rc $out" >> "$work/fail.$name"
        echo >> "$work/count.$name"
    done
}
reader_enumerate() {
    local name=$1 out rc n
    while [ "$(date +%s)" -lt "$deadline" ]; do
        out=$(ldapsearch -x -LLL -H "$URI" -E pr=50/noprompt -b "$PEOPLE" '(objectClass=posixAccount)' uid uidNumber 2>&1); rc=$?
        n=$(printf '%s\n' "$out" | grep -c '^dn: uid=')
        # 202 stable users, plus at most one the writer has in flight.
        if [ "$rc" -ne 0 ] || [ "$n" -lt 202 ] || [ "$n" -gt 203 ] ||
           [ "$(printf '%s\n' "$out" | grep -c '^uidNumber: ')" -ne "$n" ]; then
            echo "enumerate: exit $rc, $n users" >> "$work/fail.$name"
        fi
        echo >> "$work/count.$name"
    done
}
pids=()
reader_search s1 & pids+=($!)
reader_search s2 & pids+=($!)
reader_bind b1 & pids+=($!)
reader_enumerate e1 & pids+=($!)

# The writer: each change is visible to the next search.
writer_fail=0 writes=0
wfail() { echo "writer: $*" >> "$work/fail.writer"; }
i=0
while [ "$(date +%s)" -lt "$deadline" ]; do
    i=$((i + 1)); u=churn$i
    cdb user add "$u" --mail "$u@example.org" > /dev/null 2>&1 || wfail "add $u: exit $?"
    out=$(ldapsearch -x -LLL -H "$URI" -b "$PEOPLE" "(uid=$u)" mail 2>&1)
    [ "$out" == "dn: uid=$u,$PEOPLE
mail: $u@example.org" ] || wfail "after add $u: $out"
    cdb user set "$u" --mail "$u.new@example.org" > /dev/null 2>&1 || wfail "set $u: exit $?"
    out=$(ldapsearch -x -LLL -H "$URI" -b "$PEOPLE" "(mail=$u.new@example.org)" 1.1 2>&1)
    [ "$out" == "dn: uid=$u,$PEOPLE" ] || wfail "after set $u: $out"
    cdb group add-member churn "$u" > /dev/null 2>&1 || wfail "add-member $u: exit $?"
    out=$(ldapsearch -x -LLL -H "$URI" -b "$S" "(&(cn=churn)(memberUid=$u))" 1.1 2>&1)
    [ "$out" == "dn: cn=churn,ou=groups,$S" ] || wfail "after add-member $u: $out"
    cdb user delete "$u" > /dev/null 2>&1 || wfail "delete $u: exit $?"
    out=$(ldapsearch -x -LLL -H "$URI" -b "$S" "(|(uid=$u)(memberUid=$u))" 1.1 2>&1)
    [ -z "$out" ] || wfail "after delete $u: $out"
    writes=$((writes + 4))
done
for p in "${pids[@]}"; do wait "$p"; done

total=0
for f in "$work"/count.*; do total=$((total + $(wc -l < "$f"))); done
fails=$(cat "$work"/fail.* 2>/dev/null | wc -l)
diag "readers: $total rounds; writer: $writes CLI writes, each checked"
if [ "$fails" -eq 0 ] && [ "$total" -gt 0 ] && [ "$writes" -gt 0 ]; then
    ok "every answer right under concurrent reads and CLI writes"
else
    not_ok "every answer right under concurrent reads and CLI writes ($fails wrong)"
    cat "$work"/fail.* 2>/dev/null | head -20 | sed 's/^/# /'
fi
for f in s1 s2 b1 e1; do
    n=$(wc -l < "$work/count.$f" 2>/dev/null || echo 0)
    [ "$n" -gt 0 ] && ok "reader $f made progress ($n rounds)" || not_ok "reader $f made progress"
done
if slapd_alive cdb; then ok "slapd survived"; else not_ok "slapd survived"; slapd_log_tail cdb; fi
slapd_stop cdb
expect_eq "slapd stopped cleanly on SIGINT" 0 "$?"
tap_done
