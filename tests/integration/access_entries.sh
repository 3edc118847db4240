#!/usr/bin/env bash
# Container access in the directory, from a real slapd over a database the CLI
# built: every user's host values (one per container the user may enter, by
# core's rule: owner, administrator, user/group/site grant; none for a
# suspended owner) and a group's (its grants), grants and revokes seen by the next search, the filters
# nslcd's pam_authz_search sends, the sudoRole entries under ou=SUDOers
# (administrators' rule, owners' rules, container_sudo_owners) with the
# filters SSSD's sudo provider sends, scopes, paging, limits, timestamps, and
# writes refused (host modified by administrators is a grant:
# access_ldap_grants.sh).  The schema check at start-up names a missing file.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
. "$top/tests/lib-engines.sh"
set -o pipefail
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module

scratch work
test_database "$work" || { not_ok "a database on $TEST_ENGINE"; tap_done; exit 1; }
S=$SLAPD_SUFFIX
P=ou=people,$S
X=ou=SUDOers,$S
cdb() { "$CLI" --db "$DB" "$@"; }
sql() { test_sql "$1"; }

# ---- the directory, made with the CLI ------------------------------------
setup() {
    cdb init && cdb user add admin && # the first user administers (sysadmins)
    for u in alice bob carol dave eve frank gina; do
        ssh-keygen -q -t ed25519 -N '' -C "$u@test" -f "$work/$u" &&
            cdb user add "$u" --ssh-key-file "$work/$u.pub" || return 1
    done &&
    cdb group add devs && cdb group add-member devs dave &&
    cdb site add dc1 --internal-domain one.internal && cdb site add dc2 --internal-domain two.internal &&
    cdb node add pve1 --site dc1 && cdb node add pve2 --site dc2 &&
    cdb container add web --node pve1 --username alice &&
    cdb container add db --node pve1 --username alice &&
    cdb container add lab --node pve2 --username bob &&
    cdb container add box --node pve1 --username gina &&
    cdb container grant web --user carol && cdb container grant web --group devs &&
    cdb container grant --site dc2 --user eve &&
    cdb user set gina --status suspended
}
check "directory built with the CLI" setup

# A service account: ou=services comes before ou=SUDOers in a paged walk.
mkdir -p "$work/slapd"
slapd_write_clusterdb_conf "$work/slapd/slapd.conf" "$work/slapd" "$DB"
printf 'service-account "cn=reader,ou=services,%s" %s\n' "$S" \
    "$(slappasswd -o module-load=argon2 -h '{ARGON2}' -s reader-secret)" >> "$work/slapd/slapd.conf"
if ! slapd_start main "$work/slapd"; then
    not_ok "slapd starts with back_clusterdb"; tap_done; exit
fi
ok "slapd starts with back_clusterdb"

dns() { lsearch main "$@" 1.1 | sed -n 's/^dn: //p' | sort | tr '\n' ' ' | sed 's/ $//'; }
# values ATTR ARGS...: the values of ATTR in the answer, sorted, on one line.
values() { local a=$1; shift; lsearch main "$@" "$a" | sed -n "s/^$a: //p" | sort | tr '\n' ' ' | sed 's/ $//'; }
hosts() { values host -b "uid=$1,$P" -s base '(objectClass=*)'; }
users() { dns -b "$S" "$@" | sed "s/uid=\([^,]*\),$P/\1/g"; }

# ---- host values --------------------------------------------------------------
ALL="box box.one.internal db db.one.internal lab lab.two.internal web web.one.internal"
expect_eq "administrator: every container, short name and FQDN" "$ALL" "$(hosts admin)"
expect_eq "owner alice: her two containers" "db db.one.internal web web.one.internal" "$(hosts alice)"
expect_eq "owner bob: lab" "lab lab.two.internal" "$(hosts bob)"
expect_eq "user grant: carol enters web" "web web.one.internal" "$(hosts carol)"
expect_eq "group grant: dave (devs) enters web" "web web.one.internal" "$(hosts dave)"
expect_eq "site grant: eve enters every container of dc2" "lab lab.two.internal" "$(hosts eve)"
expect_eq "unrelated frank: no host" "" "$(hosts frank)"
expect_eq "suspended owner gina: no host, not even her own box" "" "$(hosts gina)"
expect_eq "every user is a hostObject" "8" \
    "$(lsearch main -b "$P" -s one '(objectClass=hostObject)' 1.1 | grep -c '^dn:')"
expect_eq "host with '*'" "$(hosts alice)" \
    "$(lsearch main -b "uid=alice,$P" -s base '(objectClass=*)' '*' | sed -n 's/^host: //p' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "host on request in a subtree search" "db db.one.internal web web.one.internal" \
    "$(values host -b "$S" '(uid=alice)')"
expect_eq "no host when other attributes are asked for" "" \
    "$(lsearch main -b "$S" '(uid=alice)' uid uidNumber | grep -c '^host:' | sed 's/^0$//')"
expect_eq "compare host (the entry is fetched with its values)" "TRUE FALSE" \
    "$(echo $(ldapcompare -x -H "${SLAPD_URI[main]}" "uid=alice,$P" host:web.one.internal; \
              ldapcompare -x -H "${SLAPD_URI[main]}" "uid=alice,$P" host:lab))"
ldapcompare -x -H "${SLAPD_URI[main]}" "uid=frank,$P" host:web > /dev/null 2>&1; rc=$?
expect_eq "compare host of a user without any: noSuchAttribute (16)" 16 "$rc"

# ---- filters on host (nslcd's pam_authz_search) ------------------------------
authz() { # USER HOST FQDN: the user when the filter lets them in
    users "(&(objectClass=posixAccount)(uid=$1)(|(host=$2)(host=$3)(host=\\2a)))"
}
expect_eq "authz: alice on web" "alice" "$(authz alice web web.one.internal)"
expect_eq "authz: carol on web (grant)" "carol" "$(authz carol web web.one.internal)"
expect_eq "authz: carol not on lab" "" "$(authz carol lab lab.two.internal)"
expect_eq "authz: frank nowhere" "" "$(authz frank web web.one.internal)"
expect_eq "authz: gina not on her own box (suspended)" "" "$(authz gina box box.one.internal)"
expect_eq "authz: the administrator on lab" "admin" "$(authz admin lab lab.two.internal)"
expect_eq "(host=\\2a) matches nobody (a literal '*', not presence)" "" "$(users '(host=\2a)')"
expect_eq "(host=web): everyone who may enter web, and devs, granted it" \
    "cn=devs,ou=groups,$S admin alice carol dave" "$(users '(host=web)')"
expect_eq "(host=WEB.ONE.INTERNAL): matched as IA5 without case" \
    "cn=devs,ou=groups,$S admin alice carol dave" "$(users '(host=WEB.ONE.INTERNAL)')"
expect_eq "(host=*): everyone who may enter some container" "admin alice bob carol dave eve" \
    "$(users '(&(objectClass=posixAccount)(host=*))')"
expect_eq "(host=lab*): substring" "admin bob eve" "$(users '(host=lab*)')"
expect_eq "(!(host=*)) among users: frank and gina" "frank gina" \
    "$(users '(&(objectClass=posixAccount)(!(host=*)))')"
expect_eq "host and uid together" "dave" "$(users '(&(uid=dave)(host=web))')"
expect_eq "groups match host by their own grants: devs" "cn=devs,ou=groups,$S" \
    "$(dns -b "ou=groups,$S" '(host=*)')"
expect_eq "devs's host values: web, granted it" "web web.one.internal" \
    "$(values host -b "cn=devs,ou=groups,$S" -s base '(objectClass=*)')"

# ---- grants and revokes reach the next search --------------------------------
check "grant lab to frank" cdb container grant lab --user frank
expect_eq "frank enters lab at the next search" "lab lab.two.internal" "$(hosts frank)"
expect_eq "authz: frank on lab now" "frank" "$(authz frank lab lab.two.internal)"
check "revoke it" cdb container revoke lab --user frank
expect_eq "frank has no host again" "" "$(hosts frank)"
check "frank joins devs" cdb group add-member devs frank
expect_eq "frank enters web through devs" "web web.one.internal" "$(hosts frank)"
check "frank leaves devs" cdb group remove-member devs frank
check "gina active again" cdb user set gina --status active
expect_eq "gina enters her box" "box box.one.internal" "$(hosts gina)"
check "gina suspended again" cdb user set gina --status suspended

# ---- ou=SUDOers ----------------------------------------------------------------
expect_eq "ou=SUDOers below the suffix" "$X" "$(dns -b "$S" -s one '(ou=SUDOers)')"
expect_eq "ou=SUDOers is an organizationalUnit" "organizationalUnit top" \
    "$(values objectClass -b "$X" -s base '(objectClass=*)')"
expect_eq "one level: the administrators' rule and one per active owner's container" \
    "cn=administrators,$X cn=db,$X cn=lab,$X cn=web,$X" "$(dns -b "$X" -s one '(objectClass=sudoRole)')"
expect_eq "the suffix's subtree holds them too" \
    "cn=administrators,$X cn=db,$X cn=lab,$X cn=web,$X" "$(dns -b "$S" '(objectClass=sudoRole)')"
expect_eq "subtree from ou=SUDOers: the ou and its rules" \
    "cn=administrators,$X cn=db,$X cn=lab,$X cn=web,$X $X" "$(dns -b "$X" '(objectClass=*)')"
expect_eq "subordinate scope: the rules" "cn=administrators,$X cn=db,$X cn=lab,$X cn=web,$X" \
    "$(dns -b "$X" -s children '(objectClass=*)')"
expect_eq "posixAccount filters reach no rule" "" "$(dns -b "$X" '(objectClass=posixAccount)')"

rule() { # CN: the rule's attributes, one "attr=value" per line, sorted
    lsearch main -b "cn=$1,$X" -s base '(objectClass=*)' | grep -v -e '^dn:' -e '^$' | sed 's/: /=/' | sort |
        tr '\n' ' ' | sed 's/ $//'
}
expect_eq "the administrators' rule" \
    "cn=administrators objectClass=sudoRole objectClass=top sudoCommand=ALL sudoHost=ALL sudoRunAsGroup=ALL sudoRunAsUser=ALL sudoUser=%sysadmins" \
    "$(rule administrators)"
expect_eq "web's rule: its owner on its two names, no sudoOption" \
    "cn=web objectClass=sudoRole objectClass=top sudoCommand=ALL sudoHost=web sudoHost=web.one.internal sudoRunAsGroup=ALL sudoRunAsUser=ALL sudoUser=alice" \
    "$(rule web)"
expect_eq "base search on a rule by another case of its cn" "cn=lab,$X" "$(dns -b "cn=LAB,$X" -s base '(objectClass=*)')"
out=$(ldapsearch -x -H "${SLAPD_URI[main]}" -b "cn=box,$X" -s base 2>&1)
expect_match "no rule for a suspended owner's box: noSuchObject, matchedDN ou=SUDOers" \
    "result: 32 No such object.*matchedDN: $X" "$(echo "$out" | tr '\n' ' ')"
expect_eq "hasSubordinates of ou=SUDOers" "TRUE" "$(values hasSubordinates -b "$X" -s base '(objectClass=*)')"

# SSSD's sudo provider: the rules for this host, and rules without sudoHost.
expect_eq "SSSD: (|(sudoHost=ALL)(sudoHost=web)(sudoHost=web.one.internal))" \
    "cn=administrators,$X cn=web,$X" \
    "$(dns -b "$X" '(&(objectClass=sudoRole)(|(sudoHost=ALL)(sudoHost=web)(sudoHost=web.one.internal)))')"
expect_eq "SSSD: (|(!(sudoHost=*))(sudoHost=ALL)(sudoHost=lab.two.internal))" \
    "cn=administrators,$X cn=lab,$X" \
    "$(dns -b "$X" '(&(objectClass=sudoRole)(|(!(sudoHost=*))(sudoHost=ALL)(sudoHost=lab.two.internal)))')"
expect_eq "SSSD: by sudoUser (user or group)" "cn=administrators,$X cn=db,$X cn=web,$X" \
    "$(dns -b "$X" '(&(objectClass=sudoRole)(|(sudoUser=alice)(sudoUser=%sysadmins)(sudoUser=ALL)))')"
expect_eq "sudoHost is matched exactly (caseExactIA5)" "" "$(dns -b "$X" '(sudoHost=WEB)')"

# Paging, size limits, operational attributes.
all=$(lsearch main -b "$X" '(objectClass=*)' 1.1 | grep '^dn:')
paged=$(lsearch main -b "$X" -E pr=1/noprompt '(objectClass=*)' 1.1 | grep '^dn:')
expect_eq "paged results (pages of 1) give every entry once, in order" "$all" "$paged"
for size in 1 3; do
    expect_eq "paged ($size per page) over the whole tree: every entry once, the rules last" \
        "$(lsearch main -b "$S" '(objectClass=*)' 1.1 | grep '^dn:')" \
        "$(lsearch main -b "$S" -E pr=$size/noprompt '(objectClass=*)' 1.1 | grep '^dn:')"
done
expect_match "the walk passes ou=services before ou=SUDOers" "ou=services,$S dn: ou=SUDOers" \
    "$(lsearch main -b "$S" -s one '(objectClass=*)' 1.1 | grep '^dn:' | tr '\n' ' ')"
lsearch main -b "$X" -z 2 '(objectClass=sudoRole)' 1.1 > "$work/z.out" 2>&1; rc=$?
expect_eq "size limit: 2 rules then sizeLimitExceeded (4)" "4 2" "$rc $(grep -c '^dn:' "$work/z.out")"
ops() { lsearch main -b "cn=$1,$X" -s base '(objectClass=*)' entryUUID createTimestamp modifyTimestamp; }
expect_match "a rule has entryUUID, createTimestamp, modifyTimestamp" \
    "entryUUID: 5c1d8b00-cdb0-.*createTimestamp: [0-9]{14}Z.*modifyTimestamp: [0-9]{14}Z" "$(ops web | tr '\n' ' ')"
expect_eq "entryUUIDs are distinct" "4" \
    "$(lsearch main -b "$X" -s one '(objectClass=*)' entryUUID | sed -n 's/^entryUUID: //p' | sort -u | wc -l)"
expect_eq "entryUUID is stable" "$(values entryUUID -b "cn=web,$X" -s base)" "$(values entryUUID -b "cn=web,$X" -s base)"
stamp() { values modifyTimestamp -b "cn=$1,$X" -s base '(objectClass=*)'; }
admins_before=$(stamp administrators)
web_before=$(stamp web)
expect_eq "modifyTimestamp>= finds the rules (SSSD's smart refresh)" "4" \
    "$(lsearch main -b "$X" '(&(objectClass=sudoRole)(modifyTimestamp>=20000101000000Z))' 1.1 | grep -c '^dn:')"

# ---- the rules follow the store -----------------------------------------------
sleep 1.1 # timestamps are to the second
check "a second administrator group ops" cdb group add ops --admin
expect_eq "sudoUser names both administrator groups" "%ops %sysadmins" \
    "$(values sudoUser -b "cn=administrators,$X" -s base '(objectClass=*)')"
expect_match "the administrators' rule's modifyTimestamp moved on" "^[0-9]{14}Z$" "$(stamp administrators)"
[ "$(stamp administrators)" \> "$admins_before" ] && ok "modifyTimestamp is later than before ($admins_before)" ||
    not_ok "modifyTimestamp is later than before ($admins_before -> $(stamp administrators))"
check "ops is no administrator group any more" sql "UPDATE Groups SET isAdministrator = 0 WHERE cn = 'ops'"
expect_eq "sudoUser: %sysadmins only" "%sysadmins" "$(values sudoUser -b "cn=administrators,$X" -s base '(objectClass=*)')"
check "sysadmins loses the flag too" sql "UPDATE Groups SET isAdministrator = 0 WHERE cn = 'sysadmins'"
expect_eq "no administrator group: no administrators' rule" "cn=db,$X cn=lab,$X cn=web,$X" \
    "$(dns -b "$X" -s one '(objectClass=*)')"
expect_eq "and no host values from being an administrator" "" "$(hosts admin)"
check "sysadmins administers again" sql "UPDATE Groups SET isAdministrator = 1 WHERE cn = 'sysadmins'"
expect_eq "the administrator's host values are back" "$ALL" "$(hosts admin)"
check "admin leaves sysadmins" cdb group remove-member sysadmins admin
expect_eq "admin: no host values (owns nothing)" "" "$(hosts admin)"
expect_eq "sysadmins' memberUid no longer names admin" "" \
    "$(values memberUid -b "cn=sysadmins,ou=groups,$S" -s base '(objectClass=*)' | grep -w admin)"
check "admin rejoins sysadmins" cdb group add-member sysadmins admin

check "owners without sudo" cdb setting set container_sudo_owners no
expect_eq "container_sudo_owners=no: only the administrators' rule" "cn=administrators,$X" \
    "$(dns -b "$X" -s one '(objectClass=*)')"
out=$(ldapsearch -x -H "${SLAPD_URI[main]}" -b "cn=web,$X" -s base 2>&1)
expect_match "web's rule is gone" "result: 32 No such object" "$out"
expect_eq "entry is not sudo: alice still enters web" "db db.one.internal web web.one.internal" "$(hosts alice)"
sleep 1.1
check "owners with sudo again" cdb setting set container_sudo_owners yes
expect_eq "the owners' rules are back" "cn=administrators,$X cn=db,$X cn=lab,$X cn=web,$X" \
    "$(dns -b "$X" -s one '(objectClass=*)')"
[ "$(stamp web)" \> "$web_before" ] && ok "web's rule comes back with a later modifyTimestamp" ||
    not_ok "web's rule comes back with a later modifyTimestamp ($web_before -> $(stamp web))"
check "bob suspended" cdb user set bob --status suspended
expect_eq "a suspended owner has no rule" "cn=administrators,$X cn=db,$X cn=web,$X" \
    "$(dns -b "$X" -s one '(objectClass=*)')"
check "bob active" cdb user set bob --status active

# ---- writes are refused -------------------------------------------------------
as_root() { "$@" -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW"; }
refused() { # DESC CODE TEXT-REGEX CMD...: the command fails with that code and text
    local desc=$1 code=$2 text=$3 out rc; shift 3
    out=$("$@" 2>&1); rc=$?
    expect_match "$desc" "^$code .*$text" "$rc $(echo "$out" | tr '\n' ' ')"
}
refused "add of a user with host: unwillingToPerform, naming the way to grant" 53 "modifying host once the entry exists" \
    as_root ldapadd <<EOF
dn: uid=henry,$P
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: hostObject
cn: henry
sn: henry
uid: henry
uidNumber: 0
gidNumber: 2000
homeDirectory: /home/henry
host: web
EOF
expect_eq "no user henry" "" "$(dns -b "$P" '(uid=henry)')"
refused "modify of a rule: unwillingToPerform" 53 "computed from the store" as_root ldapmodify <<EOF
dn: cn=web,$X
changetype: modify
add: sudoUser
sudoUser: frank
EOF
refused "add under ou=SUDOers: unwillingToPerform" 53 "computed from the store" as_root ldapadd <<EOF
dn: cn=mine,$X
objectClass: sudoRole
cn: mine
sudoUser: frank
sudoHost: ALL
sudoCommand: ALL
EOF
refused "delete of a rule: unwillingToPerform" 53 "computed from the store" as_root ldapdelete "cn=web,$X"
refused "delete of ou=SUDOers: unwillingToPerform" 53 "computed from the store" as_root ldapdelete "$X"
refused "rename of a rule: unwillingToPerform" 53 "computed from the store" as_root ldapmodrdn "cn=web,$X" cn=www
refused "moving a user under ou=SUDOers: unwillingToPerform" 53 "computed from the store" \
    as_root ldapmodrdn -s "$X" "uid=frank,$P" uid=frank
expect_eq "the rules are as they were" "cn=administrators,$X cn=db,$X cn=lab,$X cn=web,$X" \
    "$(dns -b "$X" -s one '(objectClass=*)')"

# ---- clusterdb-authorized-keys with 'host' -------------------------------------
AUTHKEYS=$CLUSTERDB_BUILD/authorized-keys/clusterdb-authorized-keys
akconf() { # FILE [HOST]: the helper's config, anonymous, with 'host HOST' when given
    printf 'uri %s\nbase %s\ntimeout 5\n' "${SLAPD_URI[main]}" "$S" > "$1"
    [ -z "${2:-}" ] || printf 'host %s\n' "$2" >> "$1"
}
# ak CONF USER: run the helper; $ak_rc, $ak_out, $ak_err
ak() { "$AUTHKEYS" -c "$@" > "$work/ak.out" 2> "$work/ak.err"; ak_rc=$?; ak_out=$(cat "$work/ak.out"); ak_err=$(cat "$work/ak.err"); }
akconf "$work/ak-none.conf"
akconf "$work/ak-web.conf" web
akconf "$work/ak-webfqdn.conf" web.one.internal
akconf "$work/ak-lab.conf" lab
ak "$work/ak-none.conf" frank
expect_eq "keys helper without host: frank's key (any host)" "0:$(cat "$work/frank.pub")" "$ak_rc:$ak_out"
ak "$work/ak-web.conf" alice
expect_eq "host web: alice (owner) gets her key" "0:$(cat "$work/alice.pub")" "$ak_rc:$ak_out"
ak "$work/ak-webfqdn.conf" carol
expect_eq "host web.one.internal: carol (grant) gets her key" "0:$(cat "$work/carol.pub")" "$ak_rc:$ak_out"
ak "$work/ak-lab.conf" carol
expect_eq "host lab: carol may not enter, no key, exit 0, nothing on stderr" "0::" "$ak_rc:$ak_out:$ak_err"
ak "$work/ak-web.conf" frank
expect_eq "host web: frank may not enter, no key, exit 0" "0:" "$ak_rc:$ak_out"
check "grant lab to carol" cdb container grant lab --user carol
ak "$work/ak-lab.conf" carol
expect_eq "host lab: carol's key once granted" "0:$(cat "$work/carol.pub")" "$ak_rc:$ak_out"
check "revoke it" cdb container revoke lab --user carol
printf 'uri %s\nbase %s\nhost bad_name!\n' "${SLAPD_URI[main]}" "$S" > "$work/ak-bad.conf"
ak "$work/ak-bad.conf" alice
expect_match "host must be a host name: configuration error (2) naming the setting" \
    "^2::.*host must be 'auto' or a host name" "$ak_rc:$ak_out:$ak_err"
expect_match "the helper's search asks for the host" \
    'filter="\(&\(objectClass=posixAccount\)\(uid=carol\)\(\|\(host=lab\)\)\)"' "$(cat "${SLAPD_LOG[main]}")"
# host auto: this machine's name and the canonical name getaddrinfo gives,
# in a private UTS and mount namespace (hostname and /etc/hosts of our own).
akconf "$work/ak-auto.conf" auto
auto_keys() { # HOSTNAME CANONICAL USER: the keys the helper prints on that host
    printf '127.0.0.1 localhost\n127.0.1.1 %s %s\n' "$2" "$1" > "$work/hosts"
    unshare -m -u sh -c 'mount --bind "$1" /etc/hosts && hostname "$2" &&
        exec "$3" -c "$4" "$5"' sh "$work/hosts" "$1" "$AUTHKEYS" "$work/ak-auto.conf" "$3" 2>&1
}
if unshare -m -u true 2>/dev/null; then
    expect_eq "host auto on web: alice's key" "$(cat "$work/alice.pub")" \
        "$(auto_keys web web.one.internal alice)"
    expect_eq "host auto on box: nothing for alice" "" "$(auto_keys box box.one.internal alice)"
    expect_eq "host auto: the canonical name alone lets alice in (hostname nick = web.one.internal)" \
        "$(cat "$work/alice.pub")" "$(auto_keys nick web.one.internal alice)"
    expect_eq "host auto: nick without a canonical name of a container: nothing" "" \
        "$(auto_keys nick nick.nowhere.example alice)"
    expect_match "the helper asked for both names" \
        '\(\|\(host=nick\)\(host=web.one.internal\)\)' "$(cat "${SLAPD_LOG[main]}")"
else
    skip "host auto: no private UTS/mount namespace here (unshare -m -u failed)"
fi

# ---- the schema files are required, by name -----------------------------------
for missing in sudo ldapns; do
    mkdir -p "$work/no-$missing"
    slapd_write_clusterdb_conf "$work/no-$missing/slapd.conf" "$work/no-$missing" "$DB"
    sed -i "/schema-ldif\/$missing.schema/d" "$work/no-$missing/slapd.conf"
    out=$(slapd -T test -f "$work/no-$missing/slapd.conf" 2>&1); rc=$?
    expect_match "without $missing.schema the database refuses to open, naming the file" \
        "^1 .*load $missing.schema" "$((rc != 0)) $(echo "$out" | tr '\n' ' ')"
done

tap_done
