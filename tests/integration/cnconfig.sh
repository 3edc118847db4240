#!/usr/bin/env bash
# The cn=config files of schema-ldif/ work on Debian's default configuration:
# a private slapd.d made from Debian's own template (slapd.init.ldif, as the
# package's postinst does), then openssh-lpk.ldif, clusterdb-module.ldif and
# acl-example.ldif applied over ldapi:// with SASL EXTERNAL exactly as the
# files' comments say; the database serves, and survives a restart from slapd.d.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

template=/usr/share/slapd/slapd.init.ldif
slapd_require_module
if [ ! -f "$template" ]; then
    skip "Debian's $template is missing"; tap_done; exit
fi

scratch work
DB=$work/clusterdb.db
S=dc=cluster,dc=internal
PEOPLE=ou=people,$S
LDIFS=$CLUSTERDB_TOP/schema-ldif
dir=$work/slapd
mkdir -p "$dir/slapd.d" "$dir/mdb"
cdb() { "$CLI" --db "$DB" "$@"; }
setup() {
    cdb init &&
    printf 'alice-long-secret\n' | cdb user add alice --mail alice@example.org \
        --ssh-key-file "$CLUSTERDB_TOP/tests/fixtures/keys/alice.pub" --password-stdin &&
    printf 'bob-long-secret\n' | cdb user add bob --password-stdin
}
check "directory built with the CLI" setup

# Debian's default configuration, with the paths moved into the test's
# directory and the module path extended by the build's module directory.
sed -e "s|/var/run/slapd/|$dir/|; s|/var/lib/ldap|$dir/mdb|" \
    -e "s|@SUFFIX@|dc=example,dc=com|; s|@PASSWORD@|$SLAPD_ROOTPW|" \
    -e "s|^olcModulePath: .*|olcModulePath: $CLUSTERDB_MODULE_DIR:$SLAPD_SYSTEM_MODULES|" \
    "$template" > "$work/init.ldif"
check "slapadd -n0 of Debian's default configuration" \
    slapadd -q -n0 -F "$dir/slapd.d" -l "$work/init.ldif"

ldapi="ldapi://$(printf '%s' "$dir/ldapi" | sed 's|/|%2F|g')"
if ! SLAPD_EXTRA_URLS=$ldapi slapd_start_config cfg "$dir"; then
    not_ok "slapd starts on slapd.d"; tap_done; exit
fi
ok "slapd starts on slapd.d"
URI=${SLAPD_URI[cfg]}
root_modify() { ldapmodify -Q -Y EXTERNAL -H "$ldapi" "$@"; }

check "ldapadd openssh-lpk.ldif" root_modify -a -f "$LDIFS/openssh-lpk.ldif"
check "ldapadd ldapns.ldif" root_modify -a -f "$LDIFS/ldapns.ldif"
check "ldapadd sudo.ldif" root_modify -a -f "$LDIFS/sudo.ldif"
check "ldapadd clusterdb.ldif" root_modify -a -f "$LDIFS/clusterdb.ldif"
sed "s|^olcClusterdbFile: .*|olcClusterdbFile: $DB|" "$LDIFS/clusterdb-module.ldif" > "$work/module.ldif"
check "ldapmodify clusterdb-module.ldif" root_modify -f "$work/module.ldif"

out=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$URI" -b "$S" '(uid=alice)' uid sshPublicKey userPassword 2>&1)
expect_match "the new database serves users with their keys" \
    "dn: uid=alice,$PEOPLE.*sshPublicKey: ssh-ed25519 " "$(echo $out)"
if [[ "$out" == *userPassword* ]]; then not_ok "userPassword hidden by the module LDIF's rules"; diag "$out"
else ok "userPassword hidden by the module LDIF's rules"; fi
check "a user binds" ldapwhoami -x -H "$URI" -D "uid=alice,$PEOPLE" -w alice-long-secret
out=$(ldapsearch -Q -LLL -Y EXTERNAL -H "$ldapi" -b cn=config '(olcDatabase={2}clusterdb)' olcClusterdbFile olcSuffix 2>&1)
expect_match "cn=config shows olcDatabase={2}clusterdb with its file" "olcClusterdbFile: $DB" "$out"

check "ldapmodify acl-example.ldif" root_modify -f "$LDIFS/acl-example.ldif"
n=$(ldapsearch -x -LLL -H "$URI" -b "$S" '(objectClass=*)' 1.1 2>/dev/null | grep -c '^dn:')
expect_eq "acl-example.ldif: anonymous reads nothing" 0 "$n"
n=$(ldapsearch -x -LLL -H "$URI" -D "uid=bob,$PEOPLE" -w bob-long-secret -b "$PEOPLE" '(objectClass=posixAccount)' 1.1 2>/dev/null | grep -c '^dn:')
expect_eq "acl-example.ldif: a user reads the users" 2 "$n"
out=$(ldapsearch -x -LLL -H "$URI" -D "uid=alice,$PEOPLE" -w alice-long-secret -b "$PEOPLE" '(uid=bob)' userPassword 2>&1)
expect_match "acl-example.ldif: a sysadmins member reads hashes" "userPassword:: " "$out"

# A service account added online through cn=config binds at once.
svc="cn=nslcd,ou=services,$S"
svc_hash=$(slappasswd -o module-load=argon2 -h '{ARGON2}' -s svc-secret)
printf 'dn: olcDatabase={2}clusterdb,cn=config\nchangetype: modify\nadd: olcClusterdbServiceAccount\nolcClusterdbServiceAccount: "%s" %s\n-\nadd: olcClusterdbPushExemptGroup\nolcClusterdbPushExemptGroup: ldapusers\n' \
    "$svc" "$svc_hash" > "$work/svc.ldif"
check "ldapmodify adds olcClusterdbServiceAccount and olcClusterdbPushExemptGroup" root_modify -f "$work/svc.ldif"
n=$(ldapsearch -x -LLL -H "$URI" -D "$svc" -w svc-secret -b "$PEOPLE" '(objectClass=posixAccount)' 1.1 2>/dev/null | grep -c '^dn:')
expect_eq "the service account binds and reads the users at once" 2 "$n"
printf 'dn: olcDatabase={2}clusterdb,cn=config\nchangetype: modify\nadd: olcClusterdbServiceAccount\nolcClusterdbServiceAccount: "cn=x,ou=people,%s" %s\n' \
    "$S" "$svc_hash" > "$work/svc-bad.ldif"
out=$(root_modify -f "$work/svc-bad.ldif" 2>&1); rc=$?
expect_match "a service DN outside ou=services is refused with the rule" "must be cn=<name>,ou=services" "$rc $out"
out=$(ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$ldapi" -b 'olcDatabase={2}clusterdb,cn=config' -s base \
    olcClusterdbServiceAccount olcClusterdbPushExemptGroup 2>&1)
expect_match "cn=config shows the service account and the exempt group" \
    "olcClusterdbServiceAccount: \"$svc\" \{ARGON2\}.*olcClusterdbPushExemptGroup: ldapusers" "$(echo $out)"

# The configuration persists: a restart from slapd.d serves the same.
slapd_stop cfg
if SLAPD_EXTRA_URLS=$ldapi slapd_start_config cfg "$dir"; then
    URI=${SLAPD_URI[cfg]}
    n=$(ldapsearch -x -LLL -H "$URI" -D "uid=bob,$PEOPLE" -w bob-long-secret -b "$PEOPLE" '(objectClass=posixAccount)' 1.1 2>/dev/null | grep -c '^dn:')
    expect_eq "after a restart from slapd.d the database serves again" 2 "$n"
    check "after a restart the service account still binds" \
        ldapwhoami -x -H "$URI" -D "$svc" -w svc-secret
    printf 'dn: olcDatabase={2}clusterdb,cn=config\nchangetype: modify\ndelete: olcClusterdbServiceAccount\n' > "$work/svc-del.ldif"
    check "ldapmodify deletes the service account" root_modify -f "$work/svc-del.ldif"
    check_fails "a deleted service account no longer binds" ldapwhoami -x -H "$URI" -D "$svc" -w svc-secret
else
    not_ok "slapd restarts from slapd.d"
fi

# olcClusterdbUri names the database as olcClusterdbFile does; one of the
# two, never both, never neither.
DB2=$work/second.sqlite
check "a second database with carol" \
    bash -c '"$1" --db "$2" init && printf "carol-long-secret\n" | "$1" --db "$2" user add carol --password-stdin' \
    _ "$CLI" "$DB2"
as_carol=(-x -D "uid=carol,$PEOPLE" -w carol-long-secret)
cfgdn='olcDatabase={2}clusterdb,cn=config'
printf 'dn: %s\nchangetype: modify\ndelete: olcClusterdbFile\n-\nadd: olcClusterdbUri\nolcClusterdbUri: sqlite://%s\n' \
    "$cfgdn" "$DB2" > "$work/uri.ldif"
check "one modify replaces olcClusterdbFile by olcClusterdbUri" root_modify -f "$work/uri.ldif"
n=$(ldapsearch -LLL -H "$URI" "${as_carol[@]}" -b "$PEOPLE" '(uid=carol)' 1.1 2>/dev/null | grep -c '^dn:')
expect_eq "the database the URI names serves at once" 1 "$n"
out=$(ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$ldapi" -b "$cfgdn" -s base olcClusterdbFile olcClusterdbUri 2>&1)
expect_eq "cn=config shows the URI and no file" "dn: $cfgdn
olcClusterdbUri: sqlite://$DB2" "$out"
printf 'dn: %s\nchangetype: modify\nadd: olcClusterdbFile\nolcClusterdbFile: %s\n' "$cfgdn" "$DB" > "$work/both.ldif"
out=$(root_modify -f "$work/both.ldif" 2>&1); rc=$?
expect_match "adding olcClusterdbFile beside olcClusterdbUri is refused" \
    "both name the database" "$rc $out"
printf 'dn: %s\nchangetype: modify\ndelete: olcClusterdbUri\n' "$cfgdn" > "$work/neither.ldif"
out=$(root_modify -f "$work/neither.ldif" 2>&1); rc=$?
expect_match "deleting the only name of the database is refused" \
    "needs olcClusterdbFile or olcClusterdbUri" "$rc $out"
slapd_stop cfg
if SLAPD_EXTRA_URLS=$ldapi slapd_start_config cfg "$dir"; then
    URI=${SLAPD_URI[cfg]}
    n=$(ldapsearch -LLL -H "$URI" "${as_carol[@]}" -b "$PEOPLE" '(uid=carol)' 1.1 2>/dev/null | grep -c '^dn:')
    expect_eq "after a restart slapd.d's olcClusterdbUri serves" 1 "$n"
else
    not_ok "slapd restarts from slapd.d with olcClusterdbUri"
fi
# slapd.conf: dbfile and dburi together are refused at startup.
slapd_write_clusterdb_conf "$work/both.conf" "$work" "$DB"
sed -i "s|^dbfile .*|&\ndburi sqlite://$DB2|" "$work/both.conf"
out=$(slaptest -u -f "$work/both.conf" 2>&1); rc=$?
expect_match "slapd.conf with dbfile and dburi is refused" "^[1-9].*both name the database" "$rc $out"
tap_done
