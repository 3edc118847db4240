#!/usr/bin/env bash
# Container grants managed over LDAP: an administrator (the rootdn, or a
# member of an administrator group) modifies a user's or a group's host
# values and the store's grants follow, in one transaction per modify.
# Either name of a container (hostname, FQDN) stands for it; add grants,
# delete revokes the entry's own grant, replace keeps exactly the containers
# named.  Refused, changing nothing: unknown names, a wrong domain, values
# present or absent, a container the user enters for another reason (owner,
# administrator, group or site grant) or the group holds through its site
# grant, a grant to an administrator group, host mixed with other
# attributes, and any change by a user who does not administer the
# directory.  A group's grants show in its members' own host values.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
. "$top/tests/lib-engines.sh"
set -o pipefail
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

if ! slapd_module_built; then
    skip "back_clusterdb.so is not built ($CLUSTERDB_MODULE_DIR)"; tap_done; exit
fi

scratch work
test_database "$work" || { not_ok "a database on $TEST_ENGINE"; tap_done; exit 1; }
S=$SLAPD_SUFFIX
P=ou=people,$S
cdb() { "$CLI" --db "$DB" "$@"; }
sql() { test_sql "$1"; }

setup() {
    cdb init && echo admin-secret-123 | cdb user add admin --password-stdin && # sysadmins
    echo frank-secret-123 | cdb user add frank --password-stdin &&
    for u in alice dave eve gina; do cdb user add "$u" || return 1; done &&
    cdb group add devs && cdb group add-member devs dave &&
    cdb group add ops && cdb group add-member ops gina &&
    cdb site add dc1 --internal-domain one.internal && cdb site add dc2 --internal-domain two.internal &&
    cdb node add pve1 --site dc1 && cdb node add pve2 --site dc2 &&
    cdb container add web --node pve1 --username alice &&
    cdb container add db --node pve1 --username alice &&
    cdb container add lab --node pve2 --username admin &&
    cdb container grant web --group devs && cdb container grant --site dc2 --user eve
}
check "directory built with the CLI" setup

mkdir -p "$work/slapd"
slapd_write_clusterdb_conf "$work/slapd/slapd.conf" "$work/slapd" "$DB"
if ! slapd_start main "$work/slapd"; then
    not_ok "slapd starts with back_clusterdb"; tap_done; exit
fi
ok "slapd starts with back_clusterdb"

hosts() {
    lsearch main -b "uid=$1,$P" -s base '(objectClass=*)' host | sed -n 's/^host: //p' | sort |
        tr '\n' ' ' | sed 's/ $//'
}
grants() { # the store's own grants of USER, as hostname list
    sql "SELECT c.hostname FROM ContainerAccessGrants a
         JOIN Users u ON u.uidNumber = a.uidNumber JOIN Containers c ON c.id = a.containerId
         WHERE u.username = '$1' ORDER BY c.hostname" | paste -sd' '
}
ghosts() {
    lsearch main -b "cn=$1,ou=groups,$S" -s base '(objectClass=*)' host | sed -n 's/^host: //p' |
        sort | tr '\n' ' ' | sed 's/ $//'
}
ggrants() { # the store's own container grants of GROUP, as hostname list
    sql "SELECT c.hostname FROM ContainerAccessGrants a
         JOIN Groups g ON g.gidNumber = a.gidNumber JOIN Containers c ON c.id = a.containerId
         WHERE g.cn = '$1' ORDER BY c.hostname" | paste -sd' '
}
entrants() { # the users `clusterdb container access HOST` lists
    cdb container access "$1" | awk 'NR > 1 { print $2 }' | sort | tr '\n' ' ' | sed 's/ $//'
}
as_root() { "$@" -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW"; }
as_user() { local u=$1 pw=$2; shift 2; "$@" -x -H "${SLAPD_URI[main]}" -D "uid=$u,$P" -w "$pw"; }
as_frank() { as_user frank frank-secret-123 "$@"; }
as_sysadmin() { as_user admin admin-secret-123 "$@"; }
mod() { # CODE TEXT-REGEX DESC WHO... < LDIF: ldapmodify answers CODE with TEXT
    local code=$1 text=$2 desc=$3 out rc; shift 3
    out=$("$@" ldapmodify 2>&1); rc=$?
    expect_match "$desc" "^$code .*$text" "$rc $(echo "$out" | tr '\n' ' ')"
}
hmod() { # CODE TEXT-REGEX DESC WHO USER OP [VALUE...]: one modification of USER's host
    local code=$1 text=$2 desc=$3 who=$4 user=$5 op=$6 v ldif; shift 6
    ldif=$(printf 'dn: uid=%s,%s\nchangetype: modify\n%s: host' "$user" "$P" "$op")
    for v in "$@"; do ldif+=$'\n'"host: $v"; done
    mod "$code" "$text" "$desc" "$who" <<< "$ldif" # not in a pipe: the TAP count is this shell's
}
gmod() { # as hmod, of GROUP's host
    local code=$1 text=$2 desc=$3 who=$4 group=$5 op=$6 v ldif; shift 6
    ldif=$(printf 'dn: cn=%s,ou=groups,%s\nchangetype: modify\n%s: host' "$group" "$S" "$op")
    for v in "$@"; do ldif+=$'\n'"host: $v"; done
    mod "$code" "$text" "$desc" "$who" <<< "$ldif"
}

# ---- add, delete, replace ---------------------------------------------------
hmod 0 "" "rootdn adds host: web to frank" as_root frank add web
expect_eq "frank enters web by both names" "web web.one.internal" "$(hosts frank)"
expect_eq "the store holds frank's grant for web" "web" "$(grants frank)"
expect_match "clusterdb container access web lists frank" "frank" "$(cdb container access web)"
hmod 20 "enters web.one.internal already" "add of web's other name: typeOrValueExists" as_root frank add web.one.internal
hmod 20 "already" "add of WEB (host matches without case): typeOrValueExists" as_root frank add WEB
hmod 19 "host 'nosuch' is not a container" "add of an unknown name: constraintViolation naming it" as_root frank add lab nosuch
expect_eq "nothing changed: lab was not granted with it" "web" "$(grants frank)"
hmod 19 "lab.one.internal" "add of lab under another site's domain: constraintViolation" as_root frank add lab.one.internal
hmod 0 "" "add of lab by its FQDN (LAB.TWO.INTERNAL, any case)" as_root frank add LAB.TWO.INTERNAL
expect_eq "frank enters lab and web" "lab lab.two.internal web web.one.internal" "$(hosts frank)"
hmod 0 "" "delete of web.one.internal revokes web" as_root frank delete web.one.internal
expect_eq "both of web's names are gone" "lab lab.two.internal" "$(hosts frank)"
expect_eq "the store's grants: lab only" "lab" "$(grants frank)"
hmod 16 "does not enter web" "delete of a container frank does not enter: noSuchAttribute" as_root frank delete web
hmod 0 "" "replace with db and web: both granted, lab revoked" as_root frank replace db web.one.internal
expect_eq "frank enters db and web" "db db.one.internal web web.one.internal" "$(hosts frank)"
expect_eq "the store's grants: db web" "db web" "$(grants frank)"
mod 0 "" "several modifications in one modify: delete db, add lab" as_root <<EOF
dn: uid=frank,$P
changetype: modify
delete: host
host: db
-
add: host
host: lab
EOF
expect_eq "the store's grants: lab web" "lab web" "$(grants frank)"
hmod 0 "" "delete of host without values revokes all" as_root frank delete
expect_eq "frank enters nothing" "" "$(hosts frank)"
expect_eq "and holds no grant" "" "$(grants frank)"
hmod 16 "enters no container" "delete of host when there is none: noSuchAttribute" as_root frank delete

# ---- containers entered for other reasons ---------------------------------
hmod 53 "alice enters it as its owner" "owner's container: unwillingToPerform, why named" as_root alice delete db
expect_eq "alice still enters db" "db db.one.internal web web.one.internal" "$(hosts alice)"
hmod 53 "as an administrator" "administrator's container: unwillingToPerform" as_root admin delete web
hmod 53 "through a grant to one of its groups or to the container's site" \
    "dave's web through devs: unwillingToPerform" as_root dave delete web
hmod 53 "through a grant" "eve's lab through dc2's site grant: unwillingToPerform" as_root eve replace web
expect_eq "eve unchanged: lab only, web not granted either" "lab lab.two.internal" "$(hosts eve)"
expect_eq "and no grant of hers in the store" "" "$(grants eve)"
hmod 0 "" "alice, owner of db and web, is granted lab besides" as_root alice add lab
expect_eq "alice enters lab too" "db db.one.internal lab lab.two.internal web web.one.internal" "$(hosts alice)"

# ---- who may, and how -----------------------------------------------------------
mod 53 "modify of its own" "host with mail in one modify: unwillingToPerform" as_root <<EOF
dn: uid=frank,$P
changetype: modify
replace: mail
mail: frank@example.org
-
add: host
host: web
EOF
expect_eq "neither written: no mail" "" "$(lsearch main -b "uid=frank,$P" -s base '(objectClass=*)' mail | sed -n 's/^mail: //p')"
expect_eq "neither written: no grant" "" "$(grants frank)"
hmod 50 "" "frank grants himself web: insufficientAccess" as_frank frank add web
expect_eq "frank holds no grant" "" "$(grants frank)"
hmod 0 "" "a sysadmin (admin, member of sysadmins) grants frank web" as_sysadmin frank add web
expect_eq "frank enters web" "web web.one.internal" "$(hosts frank)"
check "the CLI revokes what LDAP granted" cdb container revoke web --user frank
expect_eq "frank enters nothing at the next search" "" "$(hosts frank)"
check "frank suspended" cdb user set frank --status suspended
hmod 0 "" "a grant to a suspended user is stored" as_root frank add lab
expect_eq "held in the store" "lab" "$(grants frank)"
expect_eq "but frank enters nothing while suspended" "" "$(hosts frank)"
check "frank active" cdb user set frank --status active
expect_eq "active again: lab" "lab lab.two.internal" "$(hosts frank)"

# ---- groups -----------------------------------------------------------------
expect_eq "devs shows its grant from the CLI by both names" "web web.one.internal" "$(ghosts devs)"
expect_eq "ops holds no grant: no host" "" "$(ghosts ops)"
expect_eq "every group is a hostObject (ldapusers sysadmins devs ops)" "4" \
    "$(lsearch main -b "ou=groups,$S" -s one '(objectClass=hostObject)' 1.1 | grep -c '^dn:')"
expect_eq "a host filter finds groups" "cn=devs,ou=groups,$S" \
    "$(lsearch main -b "$S" '(&(objectClass=posixGroup)(host=web.one.internal))' 1.1 | sed -n 's/^dn: //p')"
expect_eq "gina (in ops) enters nothing yet" "" "$(hosts gina)"
gmod 0 "" "rootdn adds host: web to ops" as_root ops add web
expect_eq "ops lists web by both names" "web web.one.internal" "$(ghosts ops)"
expect_eq "the store holds ops's grant for web" "web" "$(ggrants ops)"
expect_eq "gina, a member of ops, enters web" "web web.one.internal" "$(hosts gina)"
expect_match "clusterdb container access web lists gina" "(^| )gina( |$)" "$(entrants web)"
gmod 20 "the group is granted web.one.internal already" "add of web's other name: typeOrValueExists" as_root ops add web.one.internal
gmod 19 "host 'nosuch' is not a container" "add of an unknown name: constraintViolation naming it" as_root ops add lab nosuch
expect_eq "nothing changed: lab was not granted with it" "web" "$(ggrants ops)"
gmod 19 "lab.one.internal" "add of lab under another site's domain: constraintViolation" as_root ops add lab.one.internal
gmod 0 "" "add of lab by its FQDN (LAB.TWO.INTERNAL)" as_root ops add LAB.TWO.INTERNAL
expect_eq "ops lists lab and web" "lab lab.two.internal web web.one.internal" "$(ghosts ops)"
expect_eq "and gina enters both" "lab lab.two.internal web web.one.internal" "$(hosts gina)"
gmod 0 "" "delete of web.one.internal revokes ops's web" as_root ops delete web.one.internal
expect_eq "both of web's names are gone from ops" "lab lab.two.internal" "$(ghosts ops)"
expect_eq "and from gina's entry" "lab lab.two.internal" "$(hosts gina)"
expect_eq "clusterdb container access web: no gina" "" "$(entrants web | grep -ow gina)"
gmod 16 "the group is not granted web" "delete of a container ops is not granted: noSuchAttribute" as_root ops delete web
gmod 0 "" "replace with db and web: both granted, lab revoked" as_root ops replace db web.one.internal
expect_eq "the store's grants of ops: db web" "db web" "$(ggrants ops)"
expect_eq "gina enters db and web" "db db.one.internal web web.one.internal" "$(hosts gina)"
mod 0 "" "several modifications of ops in one modify: delete db, add lab" as_root <<EOF
dn: cn=ops,ou=groups,$S
changetype: modify
delete: host
host: db
-
add: host
host: lab
EOF
expect_eq "the store's grants of ops: lab web" "lab web" "$(ggrants ops)"
gmod 0 "" "delete of host without values revokes all of ops's" as_root ops delete
expect_eq "ops lists nothing" "" "$(ghosts ops)"
expect_eq "and gina enters nothing" "" "$(hosts gina)"
gmod 16 "granted no container" "delete of host when ops has none: noSuchAttribute" as_root ops delete

# A site grant lists its site's containers; only the CLI takes it back.
check "ops granted site dc1 with the CLI" cdb container grant --site dc1 --group ops
expect_eq "ops lists dc1's containers, db and web" "db db.one.internal web web.one.internal" "$(ghosts ops)"
gmod 53 "ops is granted it with every container of site dc1" \
    "delete of web, named by ops's site grant: unwillingToPerform, why named" as_root ops delete web
gmod 53 "site dc1" "replace dropping dc1's containers: unwillingToPerform" as_root ops replace lab
expect_eq "nothing changed: ops holds no container grant" "" "$(ggrants ops)"
expect_eq "and lists db and web still" "db db.one.internal web web.one.internal" "$(ghosts ops)"
gmod 20 "already" "add of web, which ops's site grant names: typeOrValueExists" as_root ops add web
check "the site grant revoked with the CLI" cdb container revoke --site dc1 --group ops
expect_eq "ops lists nothing again" "" "$(ghosts ops)"

# An administrator group's members enter every container: a grant adds nothing.
gmod 53 "administrator group" "a grant to sysadmins: unwillingToPerform, why named" as_root sysadmins add web
expect_eq "sysadmins holds no grant" "" "$(ggrants sysadmins)"

mod 53 "modify of its own" "host with memberUid in one modify: unwillingToPerform" as_root <<EOF
dn: cn=ops,ou=groups,$S
changetype: modify
add: memberUid
memberUid: frank
-
add: host
host: web
EOF
expect_eq "neither written: ops's members" "gina" \
    "$(lsearch main -b "cn=ops,ou=groups,$S" -s base '(objectClass=*)' memberUid | sed -n 's/^memberUid: //p')"
expect_eq "neither written: no grant of ops" "" "$(ggrants ops)"
gmod 50 "" "frank (no administrator) grants ops web: insufficientAccess" as_frank ops add web
expect_eq "ops holds no grant" "" "$(ggrants ops)"
gmod 0 "" "a sysadmin (admin, member of sysadmins) grants ops web" as_sysadmin ops add web
expect_eq "ops lists web" "web web.one.internal" "$(ghosts ops)"
check "the CLI revokes what LDAP granted to ops" cdb container revoke web --group ops
expect_eq "ops lists nothing at the next search" "" "$(ghosts ops)"

gadd() { # CODE TEXT-REGEX DESC < LDIF: ldapadd as the rootdn answers CODE with TEXT
    local code=$1 text=$2 desc=$3 out rc
    out=$(as_root ldapadd 2>&1); rc=$?
    expect_match "$desc" "^$code .*$text" "$rc $(echo "$out" | tr '\n' ' ')"
}
gadd 53 "host lists the containers granted to the group" "add of a group with host: unwillingToPerform" <<EOF
dn: cn=qa,ou=groups,$S
objectClass: posixGroup
objectClass: hostObject
cn: qa
host: web
EOF
expect_eq "no group qa" "" "$(sql "SELECT cn FROM Groups WHERE cn = 'qa'")"
gadd 0 "" "add of a group that is a hostObject, without host" <<EOF
dn: cn=qa,ou=groups,$S
objectClass: posixGroup
objectClass: hostObject
cn: qa
EOF
expect_eq "group qa stored" "qa" "$(sql "SELECT cn FROM Groups WHERE cn = 'qa'")"

slapd_stop main
tap_done
