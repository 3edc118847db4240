#!/usr/bin/env bash
# Several slapd hosts on one PostgreSQL, and a second site on a hot standby
# (docs/store.md, "Several hosts"): two slapd on the primary see each other's
# writes at the next operation; a slapd on a synchronous standby
# (remote_apply) sees a write made through the primary at its next
# operation, answers reads and binds, and refuses writes with
# unwillingToPerform, changing nothing; with the primary stopped its slapd
# answers unavailable (and keeps running), the standby's goes on serving,
# and after the primary's restart the next operation succeeds.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
. "$top/tests/lib-engines.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module
if ! why=$(engine_available postgresql); then skip "PostgreSQL: $why"; tap_done; exit 0; fi
scratch work
TEST_ENGINE=postgresql
if ! test_database "$work"; then not_ok "a throwaway PostgreSQL starts"; tap_done; exit 1; fi
S=$SLAPD_SUFFIX
P="ou=people,$S"
cdb() { "$CLI" --db "$DB" "$@"; }
setup() {
    cdb init &&
    printf 'alice-long-secret\n' | cdb user add alice --mail alice@example.org --password-stdin &&
    cdb user add bob && cdb group add developers
}
check "the directory, made with the CLI on PostgreSQL" setup
# slapd b connects as the documented least-privilege role.
check "docs/examples/postgresql-slapd-role.sql applies" \
    engine_sql_file postgresql "$top/docs/examples/postgresql-slapd-role.sql"
slapd_role_uri=${DB/postgres@/clusterdb_slapd@}
# The second site's standby first: the primary's sessions then commit with
# remote_apply from their start (a session keeps the setting it began with).
if ! engine_start_pg_standby "$work/standby"; then not_ok "a hot standby starts"; tap_done; exit 1; fi
ok "a synchronous hot standby starts (pg_basebackup, streaming, remote_apply)"
SLAPD_DBFILE=$DB slapd_start a "$work/slapd-a" || { not_ok "slapd a starts on the primary"; tap_done; exit 1; }
SLAPD_DBFILE=$slapd_role_uri slapd_start b "$work/slapd-b" ||
    { not_ok "slapd b starts on the primary as clusterdb_slapd"; tap_done; exit 1; }
ok "two slapd start on one PostgreSQL (b as clusterdb_slapd)"
role_sql() {
    "$ENGINE_PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "${ENGINE_SOCKET[postgresql]}" \
        -p "${ENGINE_PORT[postgresql]}" -U clusterdb_slapd -d "$ENGINE_DB" -c "$1"
}
check_fails "clusterdb_slapd may not write a table LDAP never changes" \
    role_sql "UPDATE \"Settings\" SET value = value"
as_root() { local n=$1; shift; ldapmodify -x -H "${SLAPD_URI[$n]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" "$@"; }
val() { # val SLAPD UID ATTR
    lsearch "$1" -b "uid=$2,$P" -s base '(objectClass=*)' "$3" 2>&1 | sed -n "s/^$3: //p" | sort | paste -sd' '
}
mail_to() { printf 'dn: uid=alice,%s\nchangetype: modify\nreplace: mail\nmail: %s\n' "$P" "$2" | as_root "$1" > /dev/null; }

check "a write through slapd a" mail_to a alice@a.example.org
expect_eq "... is seen by slapd b at its next search" alice@a.example.org "$(val b alice mail)"
check "a write through slapd b" mail_to b alice@b.example.org
expect_eq "... is seen by slapd a at its next search" alice@b.example.org "$(val a alice mail)"
# The role's writes: every kind slapd makes.
add_carol() {
    printf 'dn: uid=carol,%s\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: carol\ncn: c\nsn: c\nuidNumber: %s\ngidNumber: 2000\nhomeDirectory: /home/carol\n' \
        "$P" "$(( $(test_sql 'SELECT max(uidNumber) FROM Users') + 1 ))" | as_root b -a > /dev/null
}
check "as clusterdb_slapd: an LDAP add of a user" add_carol
check "as clusterdb_slapd: ldappasswd" \
    ldappasswd -x -H "${SLAPD_URI[b]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" -s carol-long-secret "uid=carol,$P"
check "as clusterdb_slapd: a member added to a group" \
    bash -c 'printf "dn: cn=developers,ou=groups,%s\nchangetype: modify\nadd: memberUid\nmemberUid: carol\n" "$1" |
        ldapmodify -x -H "$2" -D "$3" -w "$4" > /dev/null' _ "$S" "${SLAPD_URI[b]}" "$SLAPD_ROOTDN" "$SLAPD_ROOTPW"
check "as clusterdb_slapd: an LDAP delete of a user" \
    ldapdelete -x -H "${SLAPD_URI[b]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" "uid=carol,$P"
expect_eq "... gone for slapd a too" "" "$(val a carol uid)"
cdb group add-member developers bob > /dev/null
expect_eq "a CLI write is seen by both" "developers developers" \
    "$(lsearch a -b "$S" '(memberUid=bob)' cn | sed -n 's/^cn: //p') $(lsearch b -b "$S" '(memberUid=bob)' cn | sed -n 's/^cn: //p')"

# ---- the second site: slapd on the synchronous hot standby -------------------
SLAPD_DBFILE=$(engine_uri postgresql-standby) slapd_start site2 "$work/slapd-site2" ||
    { not_ok "slapd starts on the standby"; tap_done; exit 1; }
ok "slapd starts on the standby"
expect_eq "the standby's slapd serves the directory" alice@b.example.org "$(val site2 alice mail)"
for i in 1 2 3 4 5; do
    mail_to a "alice$i@a.example.org"
    got=$(val site2 alice mail)
    [ "$got" = "alice$i@a.example.org" ] || break
done
expect_eq "five writes through the primary, each seen by the standby's next search" \
    alice5@a.example.org "$got"
check "a user binds through the standby" \
    ldapwhoami -x -H "${SLAPD_URI[site2]}" -D "uid=alice,$P" -w alice-long-secret
before=$(test_sql "SELECT mail, updatedAt FROM Users ORDER BY uidNumber")
out=$(printf 'dn: uid=bob,%s\nchangetype: modify\nreplace: mail\nmail: bob@site2.example.org\n' "$P" |
    as_root site2 2>&1); rc=$?
expect_eq "a write through the standby: unwillingToPerform (53)" 53 "$rc"
expect_match "... saying the database is read-only here" "read-only here" "$out"
out=$(printf 'dn: uid=dave,%s\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: dave\ncn: d\nsn: d\ngidNumber: 2000\nhomeDirectory: /home/dave\n' "$P" |
    ldapadd -x -H "${SLAPD_URI[site2]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" 2>&1); rc=$?
expect_eq "an add through the standby: unwillingToPerform (53)" 53 "$rc"
expect_match "... saying the database is read-only here" "read-only here" "$out"
expect_eq "... and nothing changed on the primary" "$before" "$(test_sql "SELECT mail, updatedAt FROM Users ORDER BY uidNumber")"
check "the standby's slapd still runs" slapd_alive site2

# ---- the primary stopped and started again ------------------------------------
runuser -u "$ENGINE_PG_USER" -- "$ENGINE_PG_BIN/pg_ctl" -D "${ENGINE_DIR[postgresql]}/data" -m fast -w -s stop
out=$(lsearch a -b "uid=alice,$P" -s base '(objectClass=*)' mail 2>&1); rc=$?
expect_eq "with the primary stopped, its slapd answers unavailable (52)" 52 "$rc"
check "... and keeps running" slapd_alive a
expect_eq "the standby's slapd goes on serving reads" alice5@a.example.org "$(val site2 alice mail)"
check "the primary starts again" engine_pg_start postgresql
expect_eq "the next search through the primary's slapd succeeds" alice5@a.example.org "$(val a alice mail)"
check "and so does the next write" mail_to a alice@again.example.org
expect_eq "which the standby's slapd sees at once" alice@again.example.org "$(val site2 alice mail)"
tap_done
