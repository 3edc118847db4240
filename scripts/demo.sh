#!/usr/bin/env bash
# The main job: install what is needed, build, create a demo SQLite directory
# and serve it with Debian's slapd and back_clusterdb on ldap://127.0.0.1:3389.
# Run it again to rebuild and restart; `scripts/demo.sh stop` stops slapd.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
demo=$top/demo
port=${DEMO_PORT:-3389}
suffix="dc=cluster,dc=internal"
pidfile=$demo/slapd.pid

stop_slapd() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
}
if [ "${1:-}" = stop ]; then stop_slapd; echo "demo slapd stopped"; exit 0; fi

scripts/install-deps.sh build
openldap_src=$(scripts/prepare-openldap.sh)
build=$top/build/demo
echo "building into $build ..."
scripts/build.sh "$build" --with-openldap-src="$openldap_src"
cli=$build/cli/clusterdb

stop_slapd
# The demo directory is the demo's own; say so before replacing it.
[ -e "$demo" ] && echo "replacing the previous demo database and keys in $demo ..."
rm -rf "$demo"; mkdir -p "$demo"
db=$demo/clusterdb.sqlite
export CLUSTERDB_DB=$db
"$cli" init >/dev/null
for u in alice bob carol; do ssh-keygen -q -t ed25519 -N '' -C "$u@demo" -f "$demo/$u-key"; done
echo 'alice-password' | "$cli" user add alice --given-name Alice --sn Liddell --mail alice@example.org \
    --ssh-key-file "$demo/alice-key.pub" --password-stdin >/dev/null
echo 'bob-password' | "$cli" user add bob --given-name Bob --sn Builder --mail bob@example.org \
    --ssh-key-file "$demo/bob-key.pub" --status active --password-stdin >/dev/null
echo 'carol-password' | "$cli" user add carol --given-name Carol --sn Pending --mail carol@example.org \
    --ssh-key-file "$demo/carol-key.pub" --status pending --password-stdin >/dev/null
"$cli" group add developers >/dev/null
"$cli" group add-member developers bob >/dev/null
"$cli" group add-member ldapusers bob >/dev/null

# The read-only service account nslcd, SSSD and the keys helper bind as.
reader_hash=$(slappasswd -o module-load=argon2 -h '{ARGON2}' -s reader-password)
cat > "$demo/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include $top/schema-ldif/openssh-lpk.schema
include $top/schema-ldif/ldapns.schema
include $top/schema-ldif/sudo.schema
include $top/schema-ldif/clusterdb.schema
pidfile $pidfile
modulepath /usr/lib/ldap:$build/slapd-module/.libs
moduleload argon2.so
moduleload back_clusterdb.so

database clusterdb
suffix "$suffix"
rootdn "cn=admin,$suffix"
rootpw secret
dbfile $db
service-account "cn=reader,ou=services,$suffix" $reader_hash
include $top/schema-ldif/acl-example.conf
CONF
/usr/sbin/slapd -h "ldap://127.0.0.1:$port/" -f "$demo/slapd.conf" -s 0 || {
    echo "slapd did not start; rerun by hand with -d stats: /usr/sbin/slapd -d stats -h ldap://127.0.0.1:$port/ -f $demo/slapd.conf" >&2; exit 1; }
for _ in $(seq 50); do ldapsearch -x -H "ldap://127.0.0.1:$port" -s base -b '' >/dev/null 2>&1 && break; sleep 0.1; done

"$cli" user list
cat <<NEXT

slapd (pid $(cat "$pidfile")) serves $db on ldap://127.0.0.1:$port with back_clusterdb.
Next, try:
  bind="-x -H ldap://127.0.0.1:$port -D uid=bob,ou=people,$suffix -w bob-password"   # users read the directory
  ldapsearch \$bind -b ou=people,$suffix '(&(objectClass=posixAccount)(uid=bob))'
  ldapsearch \$bind -b $suffix '(&(objectClass=posixGroup)(memberUid=bob))' cn gidNumber
  ldapsearch \$bind -b $suffix '(objectClass=*)' userPassword      # hashes: shown to nobody but sysadmins
  ldapsearch -x -H ldap://127.0.0.1:$port -D cn=reader,ou=services,$suffix -w reader-password -b $suffix uid=bob   # the service account
  admin="-x -H ldap://127.0.0.1:$port -D uid=alice,ou=people,$suffix -w alice-password"   # alice: sysadmins
  ldapsearch \$admin -b ou=people,$suffix uid=carol clusterdbStatus
  printf 'dn: uid=carol,ou=people,$suffix\nchangetype: modify\nreplace: clusterdbStatus\nclusterdbStatus: active\n' | ldapmodify \$admin
  ldappasswd \$bind -a bob-password -s bob-new-password            # self-service: old password checked
  ldapwhoami -x -H ldap://127.0.0.1:$port -D uid=alice,ou=people,$suffix -w alice-password
  ldapwhoami -x -H ldap://127.0.0.1:$port -D uid=carol,ou=people,$suffix -w carol-password   # pending: refused (49)
  export CLUSTERDB_DB=$db
  echo s3cret-pass | $cli user add dave --given-name Dave --sn Day --mail dave@example.org --password-stdin
  ldapsearch \$bind -b ou=people,$suffix uid=dave                  # visible at once: no sync
  scripts/demo.sh stop
NEXT
