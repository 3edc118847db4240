#!/usr/bin/env bash
# slapd with back_clusterdb under valgrind (memcheck) through a short search,
# bind and compare workload, with CLI writes in between: no memory errors and
# no definite leaks.  slapd's own start-up leaks are suppressed
# (tests/integration/valgrind.supp); the module is built without sanitizers,
# so this is where its memory handling is checked, on every engine
# (CLUSTERDB_TEST_ENGINE: the store's PostgreSQL and MariaDB code runs
# inside slapd too).
#   VALGRIND_LOOPS  repetitions of the workload (default 3)
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
. "$top/tests/lib-engines.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module
if ! command -v valgrind > /dev/null; then
    skip "valgrind is not installed"; tap_done; exit
fi

scratch work
test_database "$work" || { not_ok "a database on $TEST_ENGINE"; tap_done; exit 1; }
S=dc=cluster,dc=internal
PEOPLE=ou=people,$S
KEYS=$CLUSTERDB_TOP/tests/fixtures/keys
cdb() { "$CLI" --db "$DB" "$@"; }
setup() {
    cdb init &&
    printf 'alice-long-secret\n' | cdb user add alice --given-name Alice --sn Liddell \
        --mail alice@example.org --ssh-key-file "$KEYS/alice.pub" --password-stdin &&
    printf 'bob-long-secret\n' | cdb user add bob --ssh-key-file "$KEYS/bob.pub" --status pending --password-stdin &&
    cdb user add _erin --given-name 'Érin' --sn 'Müller, "Straße"' &&
    cdb group add developers && cdb group add-member developers alice &&
    cdb group add-member developers bob &&
    cdb site add dc1 --internal-domain one.internal && cdb node add pve1 --site dc1 &&
    cdb container add web --node pve1 --username bob
}
check "directory built with the CLI" setup

vglog=$work/valgrind.log
SLAPD_WRAPPER="valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
 --errors-for-leak-kinds=definite --show-leak-kinds=definite --keep-debuginfo=yes
 --num-callers=40 --suppressions=$CLUSTERDB_TOP/tests/integration/valgrind.supp
 --gen-suppressions=all --log-file=$vglog"
export SLAPD_WRAPPER
# A service account, so its bind, entry and ou=services run under memcheck too.
SVC="cn=reader,ou=services,$S"
mkdir -p "$work/slapd"
slapd_write_clusterdb_conf "$work/slapd/slapd.conf" "$work/slapd" "$DB"
printf 'service-account "%s" %s\npush-exempt-group developers\n' "$SVC" \
    "$(slappasswd -o module-load=argon2 -h '{ARGON2}' -s reader-secret)" >> "$work/slapd/slapd.conf"
if ! SLAPD_DEBUG=0 slapd_start vg "$work/slapd"; then
    not_ok "slapd under valgrind starts"; cat "$vglog" 2>/dev/null | tail -30 | sed 's/^/# /'
    tap_done; exit
fi
ok "slapd under valgrind starts"
expect_match "valgrind is watching slapd itself" "Command: $SLAPD_BIN " "$(grep -m1 'Command:' "$vglog")"
URI=${SLAPD_URI[vg]}

workload() {
    local i q fails=0
    run() { "$@" > /dev/null 2>&1; local rc=$?; [ "$rc" -eq "$want" ] || {
        echo "unexpected exit $rc (want $want): $*"; fails=$((fails + 1)); }; }
    for i in $(seq 1 "${VALGRIND_LOOPS:-3}"); do
        want=0
        for q in '(&(objectClass=posixAccount)(uid=alice))' '(&(objectClass=posixAccount)(uidNumber=2001))' \
                 '(&(objectClass=posixGroup)(cn=developers))' '(&(objectClass=posixGroup)(gidNumber=2002))' \
                 "(&(objectClass=posixGroup)(|(memberUid=bob)(member=uid=bob,$PEOPLE)))" \
                 '(objectClass=posixAccount)' '(objectClass=posixGroup)' '(&(objectClass=shadowAccount)(uid=bob))' \
                 '(!(uidNumber=0))' '(modifyTimestamp>=19700101000000Z)' '(cn=*ller, \22Stra*)' \
                 '(|(uid=a*)(mail=*@example.org)(sn~=liddel))' '(uid:caseExactMatch:=alice)' '(ou:dn:=people)' \
                 '(sshPublicKey=*)' '(description=x)' '(memberOf=cn=developers,ou=groups,dc=cluster,dc=internal)'; do
            run ldapsearch -x -LLL -H "$URI" -b "$S" "$q"
        done
        # Group entries with no members, only the filter's, or all of them.
        run ldapsearch -x -LLL -H "$URI" -b "$S" '(&(objectClass=posixGroup)(memberUid=bob))' cn gidNumber
        run ldapsearch -x -LLL -H "$URI" -b "$S" '(&(objectClass=posixGroup)(!(|(memberUid=alice)(memberUid=bob))))' cn
        run ldapsearch -x -LLL -H "$URI" -b "$S" '(objectClass=posixGroup)' cn
        run ldapsearch -x -LLL -H "$URI" -b "$S" '(memberUid=alice)' memberUid
        for scope in base one sub children; do
            run ldapsearch -x -LLL -H "$URI" -b "$S" -s $scope '(objectClass=*)' '*' '+'
            run ldapsearch -x -LLL -H "$URI" -b "uid=alice,$PEOPLE" -s $scope '(objectClass=*)'
        done
        run ldapsearch -x -LLL -H "$URI" -s base -b "" '(objectClass=*)' '+'
        run ldapsearch -x -LLL -H "$URI" -E pr=1/noprompt -b "$S" '(objectClass=*)'
        run ldapwhoami -x -H "$URI" -D "uid=alice,$PEOPLE" -w alice-long-secret
        run ldapwhoami -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW"
        run ldapsearch -x -LLL -H "$URI" -D "$SVC" -w reader-secret -b "ou=services,$S" '(objectClass=*)' '*' '+'
        run ldapsearch -x -LLL -H "$URI" -E pr=1/noprompt -b "$SVC" -s base '(objectClass=*)'
        run ldapsearch -x -LLL -H "$URI" -b "$SLAPD_ROOTDN" -s base '(objectClass=*)' '*' '+'
        run ldapsearch -x -LLL -H "$URI" -b "$S" '(clusterdbStatus=pending)' clusterdbStatus
        run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: uid=bob,$PEOPLE
changetype: modify
replace: clusterdbStatus
clusterdbStatus: active"
        run ldappasswd -x -H "$URI" -D "uid=alice,$PEOPLE" -w alice-long-secret -a alice-long-secret -s alice-long-secret
        want=1  # ldappasswd's exit for a refusal: bob has no write access here
        run ldappasswd -x -H "$URI" -D "uid=bob,$PEOPLE" -w bob-long-secret -a bob-long-secret -s bob-long-secret
        want=0
        run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: uid=bob,$PEOPLE
changetype: modify
replace: clusterdbStatus
clusterdbStatus: pending"
        run ldapsearch -x -LLL -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" -b "$S" '(uid=*)' userPassword
        # Grants over LDAP: host of a user followed through add, replace and delete.
        run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: uid=_erin,$PEOPLE
changetype: modify
add: host
host: web.one.internal"
        run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: uid=_erin,$PEOPLE
changetype: modify
replace: host
host: web
host: WEB.one.internal
-
delete: host
host: web"
        want=20; run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: uid=alice,$PEOPLE
changetype: modify
add: host
host: web"
        want=19; run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: uid=_erin,$PEOPLE
changetype: modify
add: host
host: nosuch"
        want=0
        # A group's host: its grants, followed the same way; groups found by host.
        run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: cn=developers,ou=groups,$S
changetype: modify
add: host
host: web"
        run ldapsearch -x -LLL -H "$URI" -b "$S" '(&(objectClass=posixGroup)(host=web.one.internal))' cn host
        want=6; run ldapcompare -x -H "$URI" "cn=developers,ou=groups,$S" host:web
        want=20; run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: cn=developers,ou=groups,$S
changetype: modify
add: host
host: WEB.one.internal"
        want=53; run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: cn=sysadmins,ou=groups,$S
changetype: modify
add: host
host: web"
        want=0; run ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" <<< "dn: cn=developers,ou=groups,$S
changetype: modify
replace: host
host: web.one.internal
-
delete: host
host: web"
        want=4; run ldapsearch -x -LLL -H "$URI" -z 1 -b "$S" '(objectClass=*)'
        want=32; run ldapsearch -x -LLL -H "$URI" -b "uid=nobody,$PEOPLE" '(objectClass=*)'
        want=49
        run ldapwhoami -x -H "$URI" -D "uid=alice,$PEOPLE" -w wrong
        run ldapwhoami -x -H "$URI" -D "uid=bob,$PEOPLE" -w bob-long-secret
        run ldapwhoami -x -H "$URI" -D "uid=nobody,$PEOPLE" -w x
        run ldapwhoami -x -H "$URI" -D "$SVC" -w wrong
        run ldapwhoami -x -H "$URI" -D "cn=nobody,ou=services,$S" -w reader-secret
        want=6; run ldapcompare -x -H "$URI" "uid=alice,$PEOPLE" mail:alice@example.org
        want=5; run ldapcompare -x -H "$URI" "uid=alice,$PEOPLE" uidNumber:1
        want=16; run ldapcompare -x -H "$URI" "uid=alice,$PEOPLE" description:x
        want=0
        # A write through the CLI between two reads.
        run cdb user set bob --mail "bob$i@example.org"
        run cdb group add "g$i"
        run cdb group add-member "g$i" alice
        # LDAP writes (add, modify, modrdn, delete; refused ones too).
        local r=(-x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW")
        local u="dn: uid=w$i,$PEOPLE
objectClass: inetOrgPerson
objectClass: posixAccount
uid: w$i
cn: W
sn: W
mail: w$i@example.org
userPassword: w-long-secret
sshPublicKey: $(cat "$KEYS/bob.pub")"
        local g="dn: cn=gw$i,ou=groups,$S
objectClass: posixGroup
cn: gw$i
memberUid: alice"
        run ldapadd "${r[@]}" <<< "$u"
        run ldapadd "${r[@]}" <<< "$g"
        run ldapmodify "${r[@]}" <<< "dn: cn=gw$i,ou=groups,$S
changetype: modify
add: memberUid
memberUid: w$i
-
delete: memberUid
memberUid: alice"
        run ldapmodify "${r[@]}" <<< "dn: uid=w$i,$PEOPLE
changetype: modify
add: sshPublicKey
sshPublicKey: $(head -n 1 "$KEYS/alice.pub")
-
delete: mail"
        run ldapmodrdn "${r[@]}" -r "uid=w$i,$PEOPLE" "uid=wr$i"
        want=68; run ldapadd "${r[@]}" <<< "$g"
        local gx=${g//gw/gx}
        want=19; run ldapadd "${r[@]}" <<< "${gx/memberUid: alice/memberUid: ghost}"
        want=53; run ldapadd "${r[@]}" <<< "${gx/memberUid: alice/host: web}"
        want=53; run ldapdelete "${r[@]}" "cn=sysadmins,ou=groups,$S"
        want=0
        run ldapdelete "${r[@]}" "uid=wr$i,$PEOPLE" "cn=gw$i,ou=groups,$S"
    done
    [ "$fails" -eq 0 ]
}
t0=$(date +%s)
check "search/bind/compare workload under valgrind gets the right answers" workload
diag "workload took $(( $(date +%s) - t0 ))s"
slapd_alive vg && ok "slapd survived the workload" || not_ok "slapd survived the workload"

SLAPD_STOP_TIMEOUT=120 slapd_stop vg
rc=$?
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$vglog" | tail -1)
definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$vglog" | tail -1)
if [ "$rc" -ne 99 ] && [ "${errors:-x}" == 0 ]; then
    ok "valgrind: no errors, no definite leaks (slapd exit $rc, definitely lost ${definite:-0} bytes)"
else
    not_ok "valgrind: no errors, no definite leaks (slapd exit $rc, ${errors:-?} errors)"
    grep -v '^==[0-9]*== *$' "$vglog" | grep -A40 -E 'Invalid|uninitialised|definitely lost in|Mismatched|overlap' |
        head -120 | sed 's/^/# /'
fi
tap_done
