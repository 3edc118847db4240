#!/usr/bin/env bash
# Accounts over LDAP under the shipped access policy (schema-ldif/acl-example.conf):
# read-only service accounts (service-account: cn=<name>,ou=services, never
# posix, bind and read, no push), the push second factor only for users
# outside push-exempt groups (tests/pve-sim/push-sim.py answers by the user
# name's prefix), clusterdbStatus read and changed by administrators only,
# self-service passwords with the old password checked (stored argon2id),
# the rootdn's own entry, and the configuration errors.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
. "$top/tests/lib-engines.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module

scratch work
test_database "$work" || { not_ok "a database on $TEST_ENGINE"; tap_done; exit 1; }
S=$SLAPD_SUFFIX
P=ou=people,$S
G=ou=groups,$S
SVC="cn=nslcd,ou=services,$S"
SVC_PW=nslcd-reader-pw
cdb() { "$CLI" --db "$DB" "$@"; }

setup() {
    cdb init &&
    printf 'alice-password\n' | cdb user add alice --password-stdin &&
    printf 'bob-password\n' | cdb user add bob --password-stdin &&
    printf 'carol-password\n' | cdb user add carol --status pending --password-stdin &&
    printf 'erin-password\n' | cdb user add approve-erin --status active --password-stdin &&
    printf 'frank-password\n' | cdb user add reject-frank --status active --password-stdin &&
    cdb group add robots && cdb group add-member robots bob
}
check "directory built with the CLI" setup

svc_hash=$(slappasswd -o module-load=argon2 -h '{ARGON2}' -s "$SVC_PW")
keys_hash=$(slappasswd -o module-load=argon2 -h '{ARGON2}' -s keys-pw)
sed "s/dc=cluster,dc=internal/$S/g" "$CLUSTERDB_TOP/schema-ldif/acl-example.conf" > "$work/acl.conf"
mkdir -p "$work/slapd"
SLAPD_ACL=$work/acl.conf slapd_write_clusterdb_conf "$work/slapd/slapd.conf" "$work/slapd" "$DB"
cat >> "$work/slapd/slapd.conf" <<EOF
service-account "$SVC" $svc_hash
service-account "cn=keys,ou=services,$S" $keys_hash
push-exempt-group robots
EOF
if ! slapd_start main "$work/slapd"; then
    not_ok "slapd with service accounts and acl-example.conf starts"; tap_done; exit
fi
ok "slapd with service accounts and acl-example.conf starts"
URI=${SLAPD_URI[main]}

# as DN PW TOOL ARGS...: run an LDAP tool bound as DN; $out and $rc.
as() { local dn=$1 pw=$2 tool=$3; shift 3; out=$("$tool" -x -H "$URI" -D "$dn" -w "$pw" "$@" 2>&1); rc=$?; }
as_svc() { as "$SVC" "$SVC_PW" "$@"; }
anon() { local tool=$1; shift; out=$("$tool" -x -H "$URI" "$@" 2>&1); rc=$?; }
# ldappasswd exits 1 on any refusal: the LDAP result code from its output.
result() { sed -n 's/^Result: .*(\([0-9]*\))$/\1/p' <<< "$out" | head -n 1; }
dns() { sed -n 's/^dn: //p' <<< "$out" | sort | tr '\n' ' ' | sed 's/ $//'; }

# ---- service accounts ---------------------------------------------------------
as_svc ldapwhoami
expect_eq "service account binds with its password" "0 dn:$SVC" "$rc $out"
as "CN=NSLCD, OU=Services, $S" "$SVC_PW" ldapwhoami
expect_eq "... also with the DN in other case and spacing" "0" "$rc"
as "$SVC" wrong-password ldapwhoami
expect_eq "service account, wrong password: invalidCredentials (49)" "49" "$rc"
as "cn=keys,ou=services,$S" "$SVC_PW" ldapwhoami
expect_eq "another service's password does not bind (49)" "49" "$rc"
as "cn=nobody,ou=services,$S" "$SVC_PW" ldapwhoami
expect_eq "unconfigured service DN: invalidCredentials (49)" "49" "$rc"
as "cn=keys,ou=services,$S" keys-pw ldapwhoami
expect_eq "second service account binds" "0" "$rc"

anon ldapsearch -LLL -b "$S" '(objectClass=posixAccount)' 1.1
expect_eq "acl-example: anonymous reads no user" "" "$(dns)"
as_svc ldapsearch -LLL -o ldif-wrap=no -b "$S" '(objectClass=posixAccount)' uid shadowExpire userPassword
expect_eq "service account reads every user" \
    "uid=alice,$P uid=approve-erin,$P uid=bob,$P uid=carol,$P uid=reject-frank,$P" "$(dns)"
expect_match "... and shadowExpire (hosts refuse expired accounts with it)" \
    "dn: uid=carol,$P.uid: carol.shadowExpire: 1" "$(tr '\n' '.' <<< "$out")"
if [[ "$out" == *userPassword* ]]; then not_ok "service account reads no password hash"; diag "$out"
else ok "service account reads no password hash"; fi

rsearch_out() { out=$(rsearch main "$@" 2>&1); rc=$?; }
rsearch_out -b "$SVC" -s base objectClass
expect_eq "service entry: applicationProcess + simpleSecurityObject, no posixAccount" \
    "objectClass: top objectClass: applicationProcess objectClass: simpleSecurityObject" \
    "$(grep '^objectClass' <<< "$out" | tr '\n' ' ' | sed 's/ $//')"
rsearch_out -b "$S" '(|(objectClass=posixAccount)(objectClass=shadowAccount)(uidNumber=*))' 1.1
if [[ "$out" == *ou=services* ]]; then not_ok "no service entry is a posix or shadow account"; diag "$out"
else ok "no service entry is a posix or shadow account"; fi
rsearch_out -b "ou=services,$S" -s one '(objectClass=*)' 1.1
expect_eq "ou=services lists the service accounts" "cn=keys,ou=services,$S $SVC" "$(dns)"
rsearch_out -b "$S" -s one '(objectClass=*)' 1.1
expect_eq "below the suffix: the rootdn's entry, sudo rules, groups, people, services" \
    "$SLAPD_ROOTDN ou=SUDOers,$S $G $P ou=services,$S" "$(dns)"
rsearch_out -b "$S" -E pr=1/noprompt '(objectClass=*)' 1.1
paged=$(dns)
rsearch_out -b "$S" '(objectClass=*)' 1.1
expect_eq "paged results (1 per page) return the whole tree, services included" "$(dns)" "$paged"
printf 'dn: uid=bob,%s\nchangetype: modify\nreplace: mail\nmail: x@example.org\n' "$P" > "$work/mail.ldif"
as_svc ldapmodify -f "$work/mail.ldif"
expect_eq "a service account cannot write: insufficientAccess (50)" "50" "$rc"
as_svc ldappasswd -s stolen-password "uid=bob,$P"
expect_match "a service account cannot set passwords (50)" "Insufficient access" "$out"

r=(-x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW")
out=$(printf 'dn: cn=x,ou=services,%s\nobjectClass: applicationProcess\ncn: x\n' "$S" | ldapadd "${r[@]}" 2>&1); rc=$?
expect_match "adding a service entry over LDAP: unwillingToPerform (53), names the directive" \
    "^53 .*service-account directive" "$rc $(tr '\n' ' ' <<< "$out")"
out=$(ldapdelete "${r[@]}" "$SVC" 2>&1); rc=$?
expect_eq "deleting a service entry: unwillingToPerform (53)" "53" "$rc"
out=$(ldapdelete "${r[@]}" "$SLAPD_ROOTDN" 2>&1); rc=$?
expect_eq "deleting the rootdn's entry: unwillingToPerform (53)" "53" "$rc"
out=$(ldapmodrdn "${r[@]}" -r "$SVC" cn=other 2>&1); rc=$?
expect_eq "renaming a service entry: unwillingToPerform (53)" "53" "$rc"
as_svc ldapwhoami
expect_eq "... and it still binds" "0" "$rc"

# ---- the rootdn's entry (nslcd's pam_authc_search BASE) ------------------------
rsearch_out -b "$SLAPD_ROOTDN" -s base '(objectClass=*)'
expect_match "the rootdn has an entry of its own (organizationalRole, no password)" \
    "^dn: $SLAPD_ROOTDN objectClass: top objectClass: organizationalRole cn: admin description: " \
    "$(tr '\n' ' ' <<< "$out")"
if [[ "$out" == *userPassword* ]]; then not_ok "the rootdn's entry shows no password"; diag "$out"
else ok "the rootdn's entry shows no password"; fi

# ---- clusterdbStatus -----------------------------------------------------------
as "uid=alice,$P" alice-password ldapsearch -LLL -b "$P" '(uid=carol)' clusterdbStatus
expect_match "an administrator reads a user's status" "clusterdbStatus: pending" "$out"
as "uid=alice,$P" alice-password ldapsearch -LLL -b "$P" '(clusterdbStatus=PENDING)' 1.1
expect_eq "clusterdbStatus filter (caseIgnoreMatch)" "uid=carol,$P" "$(dns)"
printf 'dn: uid=carol,%s\nchangetype: modify\nreplace: clusterdbStatus\nclusterdbStatus: active\n' "$P" > "$work/approve.ldif"
as "uid=bob,$P" bob-password ldapmodify -f "$work/approve.ldif"
expect_eq "a non-administrator cannot change a status: insufficientAccess (50)" "50 pending" \
    "$rc $(cdb --json user show carol | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
printf 'dn: uid=bob,%s\nchangetype: modify\nreplace: clusterdbStatus\nclusterdbStatus: suspended\n' "$P" > "$work/self.ldif"
as "uid=bob,$P" bob-password ldapmodify -f "$work/self.ldif"
expect_eq "... not even their own (50)" "50" "$rc"
printf 'dn: uid=carol,%s\nchangetype: modify\nreplace: clusterdbStatus\nclusterdbStatus: approved\n' "$P" > "$work/bad.ldif"
as "uid=alice,$P" alice-password ldapmodify -f "$work/bad.ldif"
expect_eq "an unknown status: invalidAttributeSyntax (21)" "21" "$rc"
printf 'dn: uid=carol,%s\nchangetype: modify\ndelete: clusterdbStatus\n' "$P" > "$work/del.ldif"
as "uid=alice,$P" alice-password ldapmodify -f "$work/del.ldif"
expect_eq "the status cannot be removed (65)" "65" "$rc"
as "uid=carol,$P" carol-password ldapwhoami
expect_eq "pending carol cannot bind yet (49)" "49" "$rc"
as "uid=alice,$P" alice-password ldapmodify -f "$work/approve.ldif"
expect_eq "an administrator approves carol over LDAP" "0 active" \
    "$rc $(cdb --json user show carol | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
as "uid=carol,$P" carol-password ldapwhoami
expect_eq "... and carol binds at once" "0" "$rc"
printf 'dn: uid=carol,%s\nchangetype: modify\nreplace: clusterdbStatus\nclusterdbStatus: suspended\n' "$P" > "$work/suspend.ldif"
out=$(ldapmodify -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" -f "$work/suspend.ldif" 2>&1)
modify_rc=$?
as "uid=carol,$P" carol-password ldapwhoami
expect_eq "the rootdn suspends carol; her bind is refused" "0 49" "$modify_rc $rc"
rsearch_out -b "uid=carol,$P" -s base shadowExpire clusterdbStatus
expect_match "suspended: clusterdbStatus and shadowExpire agree" \
    "shadowExpire: 1.*clusterdbStatus: suspended|clusterdbStatus: suspended.*shadowExpire: 1" "$(tr '\n' ' ' <<< "$out")"

# ---- self-service passwords ----------------------------------------------------
stored() { test_sql "SELECT userPassword FROM Users WHERE username='$1'"; }
as "uid=bob,$P" bob-password ldappasswd -a bob-password -s bob-new-password
expect_eq "a user changes their own password with ldappasswd (old password given)" "0" "$rc"
[ "$rc" -eq 0 ] || diag "$out"
as "uid=bob,$P" bob-new-password ldapwhoami
expect_eq "... the new one binds" "0" "$rc"
as "uid=bob,$P" bob-password ldapwhoami
expect_eq "... the old one no longer" "49" "$rc"
expect_match "... stored as argon2id" '^\$argon2id\$v=19\$' "$(stored bob)"
before=$(stored bob)
as "uid=bob,$P" bob-new-password ldappasswd -a not-the-old-pw -s other-password
expect_eq "a wrong old password is refused, nothing changes" "53 same" \
    "$(result) $([ "$(stored bob)" == "$before" ] && echo same || echo changed)"
as "uid=bob,$P" bob-new-password ldappasswd -s other-password
expect_eq "without the old password: unwillingToPerform (53), nothing changes" "53 same" \
    "$(result) $([ "$(stored bob)" == "$before" ] && echo same || echo changed)"
printf 'dn: uid=bob,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: plain-modify-pw\n' "$P" > "$work/pw.ldif"
as "uid=bob,$P" bob-new-password ldapmodify -f "$work/pw.ldif"
expect_eq "a plain modify of one's own userPassword is refused (53)" "53 same" \
    "$rc $([ "$(stored bob)" == "$before" ] && echo same || echo changed)"
as "uid=bob,$P" bob-new-password ldappasswd -a carol-password -s stolen-password "uid=approve-erin,$P"
expect_eq "a user cannot change another user's password (50)" "50" "$(result)"
as "uid=alice,$P" alice-password ldappasswd -s bob-reset-password "uid=bob,$P"
expect_eq "an administrator resets a password without the old one" "0" "$rc"
as "uid=bob,$P" bob-reset-password ldapwhoami
expect_eq "... which binds" "0" "$rc"

# ---- the push second factor only where it belongs --------------------------------
if push_sim_start "$work"; then ok "push simulator starts"; else not_ok "push simulator starts"; tap_done; exit; fi
push_url=$PUSH_SIM_URL
cdb setting set push_notification_url "$push_url" > /dev/null &&
    cdb setting set push_notification_enabled true > /dev/null
check "push second factor enabled" test "$(cdb setting get push_notification_enabled 2>/dev/null)" = true
as "uid=approve-erin,$P" erin-password ldapwhoami
expect_eq "a user the push service approves binds" "0" "$rc"
as "uid=reject-frank,$P" frank-password ldapwhoami
expect_eq "a user who rejects the push is refused with the right password (49)" "49" "$rc"
as_svc ldapsearch -LLL -b "$S" '(uid=alice)' 1.1
expect_eq "the service account binds and reads with the push enabled" "0 uid=alice,$P" "$rc $(dns)"
as "uid=bob,$P" bob-reset-password ldapwhoami
expect_eq "bob (push-exempt group robots) binds without a push" "0" "$rc"
expect_eq "the push service was asked about the users only, never the service or bob" \
    "approve-erin reject-frank" "$(push_sim_users)"
cdb setting set push_notification_enabled false > /dev/null

# ---- configuration errors -------------------------------------------------------
bad_conf() { # bad_conf NAME LINE: slapd refuses to start; the log says why
    local name=$1 line=$2
    mkdir -p "$work/$name"
    slapd_write_clusterdb_conf "$work/$name/slapd.conf" "$work/$name" "$DB"
    printf '%s\n' "$line" >> "$work/$name/slapd.conf"
    if SLAPD_START_TIMEOUT=10 slapd_start "$name" "$work/$name" > /dev/null 2>&1; then
        not_ok "slapd refuses: $name"; slapd_stop "$name"; return
    fi
    ok "slapd refuses: $name"
}
bad_conf outside "service-account \"cn=nslcd,ou=people,$S\" $svc_hash"
expect_match "... the log names the rule" "must be cn=<name>,ou=services,$S" "$(cat "$work/outside/slapd.log")"
bad_conf notargon2 "service-account \"$SVC\" {SSHA}abcdefghijklmnop"
expect_match "... the log asks for an {ARGON2} hash" "must be \{ARGON2\} followed by an argon2 PHC string" \
    "$(cat "$work/notargon2/slapd.log")"
if grep -q abcdefghijklmnop "$work/notargon2/slapd.log"; then not_ok "... and does not echo the value"
else ok "... and does not echo the value"; fi
bad_conf twice "service-account \"$SVC\" $svc_hash
service-account \"$SVC\" $svc_hash"

slapd_alive main && ok "slapd still running" || { not_ok "slapd still running"; slapd_log_tail main; }
tap_done
