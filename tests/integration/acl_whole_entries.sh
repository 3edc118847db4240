#!/usr/bin/env bash
# A search builds group members and host values only as far as it needs
# them, unless an access rule could read more of the entry it decides: a
# "to" filter on memberUid or host, or a set through `this`.  Under such
# rules the answer is the one whole entries give; without them, the same
# searches show the trimmed entries are what is served.
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
cdb() { "$CLI" --db "$DB" "$@"; }
setup() {
    cdb init && cdb user add admin && cdb user add alice && cdb user add bob && cdb user add carol &&
    cdb group add devs && cdb group add-member devs alice && cdb group add-member devs bob &&
    cdb group add ops && cdb group add-member ops alice &&
    cdb site add dc1 --internal-domain one.internal && cdb node add pve1 --site dc1 &&
    cdb container add web --node pve1 --username alice && cdb container add db --node pve1 --username carol &&
    cdb group add qa && cdb container grant web --group qa # no members: no user enters web by it
}
check "directory built with the CLI" setup

start() { # NAME ACL-FILE
    mkdir -p "$work/$1"
    SLAPD_ACL=$2 slapd_write_clusterdb_conf "$work/$1/slapd.conf" "$work/$1" "$DB"
    if slapd_start "$1" "$work/$1"; then ok "slapd $1 starts"; else not_ok "slapd $1 starts"; fi
}
cat > "$work/plain.acl" <<'EOF'
access to * by * read
EOF
cat > "$work/filter.acl" <<'EOF'
access to filter=(|(memberUid=bob)(host=web))
    by * none
access to * by * read
EOF
cat > "$work/set.acl" <<'EOF'
access to *
    by set="this/memberUid & [bob]" none
    by * read
EOF
start plain "$work/plain.acl"
start filter "$work/filter.acl"
start set "$work/set.acl"

names() { # SERVER ARGS...: the RDN values found, sorted
    local n=$1; shift
    lsearch "$n" -b "$S" "$@" | sed -n 's/^dn: [a-z]*=\([^,]*\),.*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}
G='(&(objectClass=posixGroup)(memberUid=alice))'
expect_eq "no rule reading the entry: alice's groups, cn only" "devs ops" "$(names plain "$G" cn)"
expect_eq "to filter=(memberUid=bob): devs (with bob) is hidden, as whole entries decide" "ops" \
    "$(names filter "$G" cn)"
expect_eq "set through this: devs (with bob) is hidden" "ops" "$(names set "$G" cn)"
expect_eq "asked for memberUid, the same answer" "ops" "$(names filter "$G" cn memberUid)"
U='(&(objectClass=posixAccount)(|(uid=alice)(uid=carol)))'
expect_eq "no rule reading the entry: alice and carol, uid only" "alice carol" "$(names plain "$U" uid)"
expect_eq "to filter=(host=web): alice (who enters web) is hidden without asking for host" "carol" \
    "$(names filter "$U" uid)"
Q='(&(objectClass=posixGroup)(|(cn=qa)(cn=ops)))'
expect_eq "no rule reading the entry: qa and ops, cn only" "ops qa" "$(names plain "$Q" cn)"
expect_eq "to filter=(host=web): qa (granted web) is hidden without asking for host" "ops" \
    "$(names filter "$Q" cn)"
for n in plain filter set; do slapd_stop "$n"; done
tap_done
