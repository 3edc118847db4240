#!/usr/bin/env bash
# Simple binds and compares against back_clusterdb: only active users with the
# right password bind; status and password changes made with the CLI count at
# once; compare answers TRUE/FALSE on ordinary attributes and never turns into
# a password-hash oracle.  Then the example access policy
# (schema-ldif/acl-example.conf) on a second server.
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
GROUPS_DN=ou=groups,$S
KEYS=$CLUSTERDB_TOP/tests/fixtures/keys
cdb() { "$CLI" --db "$DB" "$@"; }

setup() {
    cdb init &&
    printf 'alice-long-secret\n' | cdb user add alice --mail alice@example.org \
        --ssh-key-file "$KEYS/alice.pub" --password-stdin &&
    printf 'bob-long-secret\n' | cdb user add bob --status pending --password-stdin &&
    printf 'carol-long-secret\n' | cdb user add carol --status suspended --password-stdin &&
    cdb user add dave &&
    printf 'erin secret with spaces\n' | cdb user add erin --password-stdin
}
check "directory built with the CLI" setup
if ! SLAPD_DBFILE=$DB slapd_start cdb "$work/slapd"; then
    not_ok "slapd with back_clusterdb starts"; tap_done; exit
fi
ok "slapd with back_clusterdb starts"
URI=${SLAPD_URI[cdb]}

# bind_as DN PASSWORD: ldapwhoami's exit status; its output in $whoami.
bind_as() { whoami=$(ldapwhoami -x -H "$URI" -D "$1" -w "$2" 2>&1); }
expect_bind() {
    local desc=$1 want=$2 dn=$3 pw=$4 rc
    bind_as "$dn" "$pw"; rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$desc (exit $want)"; else
        not_ok "$desc (exit $want)"; diag "ldapwhoami -D '$dn': exit $rc" "$whoami"; fi
}

bind_as "uid=alice,$PEOPLE" alice-long-secret
expect_eq "active user binds; whoami names the user" "0 dn:uid=alice,$PEOPLE" "$? $whoami"
expect_bind "active user, password with spaces" 0 "uid=erin,$PEOPLE" 'erin secret with spaces'
expect_bind "bind DN in other case and spacing" 0 "UID=Alice, OU=People, DC=Cluster, DC=Internal" alice-long-secret
expect_bind "pending user with the right password" 49 "uid=bob,$PEOPLE" bob-long-secret
expect_bind "suspended user with the right password" 49 "uid=carol,$PEOPLE" carol-long-secret
expect_bind "active user, wrong password" 49 "uid=alice,$PEOPLE" alice-wrong
expect_bind "active user, password prefix" 49 "uid=alice,$PEOPLE" alice-secre
expect_bind "active user without a password" 49 "uid=dave,$PEOPLE" anything
expect_bind "unknown user" 49 "uid=nobody,$PEOPLE" alice-long-secret
expect_bind "DN outside the tree's users" 49 "cn=sysadmins,$GROUPS_DN" alice-long-secret
expect_bind "the stored hash as password" 49 "uid=alice,$PEOPLE" \
    "$(test_sql "SELECT userPassword FROM Users WHERE username='alice'")"
bind_as "uid=alice,$PEOPLE" ""
rc=$?
if [ "$rc" -ne 0 ] && [[ "$whoami" != *"dn:uid=alice"* ]]; then ok "DN with an empty password is not a login (exit $rc)"; else
    not_ok "DN with an empty password is not a login"; diag "$whoami"; fi
expect_bind "rootdn" 0 "$SLAPD_ROOTDN" "$SLAPD_ROOTPW"
expect_bind "rootdn, wrong password" 49 "$SLAPD_ROOTDN" wrong

# Changes made with the CLI count for the very next bind.
check "CLI: activate bob" cdb user set bob --status active
expect_bind "activated user binds at once" 0 "uid=bob,$PEOPLE" bob-long-secret
check "CLI: suspend alice" cdb user set alice --status suspended
expect_bind "suspended user is refused at once" 49 "uid=alice,$PEOPLE" alice-long-secret
check "CLI: reactivate alice" cdb user set alice --status active
set_pw() { printf '%s\n' "$2" | cdb user passwd "$1" --password-stdin; }
check "CLI: new password for bob" set_pw bob bob-new-password
expect_bind "old password refused after the change" 49 "uid=bob,$PEOPLE" bob-long-secret
expect_bind "new password accepted after the change" 0 "uid=bob,$PEOPLE" bob-new-password
check "CLI: delete erin" cdb user delete erin
expect_bind "deleted user is refused" 49 "uid=erin,$PEOPLE" 'erin secret with spaces'

# ---- compare ---------------------------------------------------------------
# expect_compare DESC WANT(TRUE|FALSE|code) DN ATTR:VALUE [bind options]
expect_compare() {
    local desc=$1 want=$2 dn=$3 ava=$4; shift 4
    local out rc got
    out=$(ldapcompare -x -H "$URI" "$@" "$dn" "$ava" 2>&1); rc=$?
    case $rc in 6) got=TRUE ;; 5) got=FALSE ;; *) got=$rc ;; esac
    if [ "$got" == "$want" ]; then ok "compare $desc: $want"; else
        not_ok "compare $desc: $want"; diag "ldapcompare $dn $ava: exit $rc" "$out"; fi
}
A="uid=alice,$PEOPLE"
expect_compare "uid" TRUE "$A" uid:alice
expect_compare "uid, other case" TRUE "$A" uid:ALICE
expect_compare "uid" FALSE "$A" uid:bob
expect_compare "mail" TRUE "$A" mail:alice@example.org
expect_compare "mail" FALSE "$A" mail:bob@example.org
expect_compare "uidNumber" TRUE "$A" uidNumber:2000
expect_compare "uidNumber" FALSE "$A" uidNumber:2001
expect_compare "memberUid" TRUE "cn=sysadmins,$GROUPS_DN" memberUid:alice
expect_compare "memberUid" FALSE "cn=sysadmins,$GROUPS_DN" memberUid:bob
expect_compare "gidNumber of a group" TRUE "cn=ldapusers,$GROUPS_DN" gidNumber:2000
expect_compare "sshPublicKey" TRUE "$A" "sshPublicKey:$(sed -n 2p "$KEYS/alice.pub")"
expect_compare "sshPublicKey" FALSE "$A" "sshPublicKey:$(cat "$KEYS/bob.pub")"
expect_compare "shadowExpire of a suspended user" TRUE "uid=carol,$PEOPLE" shadowExpire:1
expect_compare "an attribute the entry lacks (noSuchAttribute)" 16 "$A" description:x
expect_compare "an unknown entry (noSuchObject)" 32 "uid=nobody,$PEOPLE" uid:nobody
expect_compare "as a bound user" TRUE "$A" uid:alice -D "uid=bob,$PEOPLE" -w bob-new-password

# userPassword: neither the hash nor the password may be confirmed or denied
# to anyone but the rootdn.
hash=$(test_sql "SELECT userPassword FROM Users WHERE username='alice'")
for who in anonymous user; do
    creds=(); [ $who = user ] && creds=(-D "uid=bob,$PEOPLE" -w bob-new-password)
    r1=$(ldapcompare -x -H "$URI" "${creds[@]}" "$A" "userPassword:{ARGON2}$hash" 2>&1; echo "rc=$?")
    r2=$(ldapcompare -x -H "$URI" "${creds[@]}" "$A" "userPassword:{ARGON2}${hash%?}x" 2>&1; echo "rc=$?")
    r3=$(ldapcompare -x -H "$URI" "${creds[@]}" "$A" "userPassword:alice-long-secret" 2>&1; echo "rc=$?")
    rc1=${r1##*rc=}; rc2=${r2##*rc=}; rc3=${r3##*rc=}
    if [ "$rc1" == "$rc2" ] && [ "$rc1" == "$rc3" ] && [ "$rc1" != 5 ] && [ "$rc1" != 6 ]; then
        ok "compare userPassword as $who reveals nothing (exit $rc1 for right hash, wrong hash, password)"
    else
        not_ok "compare userPassword as $who reveals nothing"; diag "$r1" "$r2" "$r3"
    fi
done
expect_compare "userPassword as the rootdn, the stored value" TRUE "$A" "userPassword:{ARGON2}$hash" \
    -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW"

slapd_alive cdb && ok "slapd still running" || { not_ok "slapd still running"; slapd_log_tail cdb; }

# ---- the example access policy ---------------------------------------------
sed "s/dc=cluster,dc=internal/$S/g" "$CLUSTERDB_TOP/schema-ldif/acl-example.conf" > "$work/acl.conf"
if SLAPD_ACL=$work/acl.conf SLAPD_DBFILE=$DB slapd_start acl "$work/slapd-acl"; then
    ok "slapd with acl-example.conf starts"
    U2=${SLAPD_URI[acl]}
    n() { grep -c '^dn:' || true; }
    out=$(ldapsearch -x -LLL -H "$U2" -b "$S" '(objectClass=*)' 1.1 2>&1)
    expect_eq "acl-example: anonymous reads nothing" 0 "$(printf '%s\n' "$out" | n)"
    expect_bind_acl() { ldapwhoami -x -H "$U2" -D "$1" -w "$2" > /dev/null 2>&1; }
    check "acl-example: anonymous may still bind (auth)" expect_bind_acl "uid=bob,$PEOPLE" bob-new-password
    out=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$U2" -D "uid=bob,$PEOPLE" -w bob-new-password -b "$S" '(objectClass=*)' '*' 2>&1)
    users=$(printf '%s\n' "$out" | grep -c '^dn: uid=' || true)
    expect_eq "acl-example: a user reads every user entry" 4 "$users"
    if [[ "$out" == *userPassword* ]]; then not_ok "acl-example: a user reads no password hash"; diag "$out" | head -5
    else ok "acl-example: a user reads no password hash"; fi
    expect_match "acl-example: a user reads shadowExpire (nslcd/SSSD need it)" "shadowExpire: 1" "$out"
    out=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$U2" -D "uid=alice,$PEOPLE" -w alice-long-secret -b "$PEOPLE" '(uid=bob)' userPassword 2>&1)
    expect_match "acl-example: a sysadmins member reads password hashes" 'userPassword:: e0FSR09OMn0k' "$out"
    out=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$U2" -D "uid=bob,$PEOPLE" -w bob-new-password -b "$PEOPLE" '(uid=bob)' userPassword 2>&1)
    if [[ "$out" == *userPassword* ]]; then not_ok "acl-example: a user does not read even their own hash"; diag "$out"
    else ok "acl-example: a user does not read even their own hash"; fi
else
    not_ok "slapd with acl-example.conf starts"
fi
tap_done
