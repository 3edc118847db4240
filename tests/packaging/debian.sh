#!/usr/bin/env bash
# The Debian packages: built from a copy of the tree (the checkout stays
# clean) with dpkg-buildpackage, lintian without errors, the expected files,
# the exact slapd dependency; unpacked into a throwaway root, the module loads
# into Debian's slapd (slaptest), a module patched to claim another slapd
# version is refused with both versions named, the unit passes
# systemd-analyze verify, the man pages render without warnings and the bash
# completion loads.
source "$(dirname "$0")/../lib.sh"
top=$CLUSTERDB_TOP
for tool in dpkg-buildpackage dh lintian fakeroot systemd-analyze man; do
    command -v "$tool" >/dev/null || { skip "$tool missing (scripts/install-deps.sh package)"; tap_done; exit 0; }
done
scratch work
src=$work/clusterdb
mkdir -p "$src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src")
openldap_src=$("$top/scripts/prepare-openldap.sh")
slapd_version=$(dpkg-query -W -f='${Version}' slapd)

# -Werror as in the tests, with Debian's hardening flags and no sanitizers.
if (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" CLUSTERDB_OPENLDAP_SRC="$openldap_src" \
        CLUSTERDB_CONFIGURE_FLAGS=--enable-werror nice dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
    ok "dpkg-buildpackage -us -uc -b"
else
    not_ok "dpkg-buildpackage -us -uc -b"; diag "$(tail -30 "$work/build.log")"; tap_done; exit
fi
deb() { ls "$work"/"$1"_*.deb | head -1; }

lint=$(cd "$work" && lintian --tag-display-limit 0 ./*.changes 2>&1)
expect_eq "lintian reports no errors" "" "$(grep '^E:' <<< "$lint")"
grep -q '^[WIN]:' <<< "$lint" && diag "lintian warnings and notes:" "$(grep '^[WIN]:' <<< "$lint")"

contains() { # contains PACKAGE PATH...
    local pkg=$1 list; shift
    list=$(dpkg-deb -c "$(deb "$pkg")" | awk '{print $6}' | sed 's|^\./|/|')
    local p missing=""
    for p in "$@"; do grep -qxF "$p" <<< "$list" || missing="$missing $p"; done
    expect_eq "$pkg ships $*" "" "$missing"
}
contains slapd-clusterdb /usr/lib/ldap/back_clusterdb.so /etc/ldap/schema/openssh-lpk.schema \
    /etc/ldap/schema/openssh-lpk.ldif /etc/ldap/schema/ldapns.schema /etc/ldap/schema/ldapns.ldif \
    /etc/ldap/schema/sudo.schema /etc/ldap/schema/sudo.ldif /etc/ldap/schema/clusterdb.schema \
    /etc/ldap/schema/clusterdb.ldif /usr/share/clusterdb/clusterdb-module.ldif \
    /usr/share/doc/slapd-clusterdb/examples/clusterdb-module.ldif /usr/share/man/man5/slapd-clusterdb.5.gz
contains clusterdb /usr/sbin/clusterdb /usr/bin/clusterdb-authorized-keys \
    /usr/share/bash-completion/completions/clusterdb /usr/share/man/man1/clusterdb.1.gz \
    /usr/share/man/man8/clusterdb-authorized-keys.8.gz
contains clusterdbd /usr/sbin/clusterdbd /lib/systemd/system/clusterdbd.service /usr/share/man/man8/clusterdbd.8.gz
# Our packages install beside Debian's: no file of theirs is a file another
# installed package ships (PostgreSQL's client ships /usr/bin/clusterdb).
clashes=$(for p in slapd-clusterdb clusterdb clusterdbd; do
        dpkg-deb -c "$(deb $p)" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|'
    done | while read -r f; do dpkg -S "$f" 2>/dev/null; done)
expect_eq "no file of our packages is another installed package's" "" "$clashes"
if dpkg -s postgresql-client-common > /dev/null 2>&1; then
    ok "postgresql-client-common is installed here, so the check above covers it"
else
    skip "postgresql-client-common is not installed: its /usr/bin/clusterdb was not compared"
fi
expect_eq "no libtool archive in slapd-clusterdb" "" "$(dpkg-deb -c "$(deb slapd-clusterdb)" | grep '\.la$')"
expect_match "slapd-clusterdb depends on exactly the slapd built against" \
    "slapd \(= ${slapd_version//+/\\+}\)" "$(dpkg-deb -f "$(deb slapd-clusterdb)" Depends)"
expect_match "clusterdbd's postinst creates the system user" "adduser --quiet --system" \
    "$(dpkg-deb -I "$(deb clusterdbd)" postinst)"
expect_eq "no maintainer script mentions slapd's configuration" "" \
    "$(for p in slapd-clusterdb clusterdb clusterdbd; do dpkg-deb -I "$(deb $p)" 2>/dev/null | grep -E 'slapd\.d|ldapmodify|ldapadd'; done)"

root=$work/root
for p in slapd-clusterdb clusterdb clusterdbd; do dpkg-deb -x "$(deb $p)" "$root"; done

# The unpacked module in Debian's slapd.
db=$work/clusterdb.sqlite
check "the unpacked CLI creates a database" "$root/usr/sbin/clusterdb" --db "$db" init
conf() { cat <<CONF
include    /etc/ldap/schema/core.schema
include    /etc/ldap/schema/cosine.schema
include    /etc/ldap/schema/nis.schema
include    /etc/ldap/schema/inetorgperson.schema
include    $root/etc/ldap/schema/openssh-lpk.schema
include    $root/etc/ldap/schema/ldapns.schema
include    $root/etc/ldap/schema/sudo.schema
include    $root/etc/ldap/schema/clusterdb.schema
modulepath $1
moduleload back_clusterdb.so
database   clusterdb
suffix     "dc=cluster,dc=internal"
dbfile     $db
CONF
}
conf "$root/usr/lib/ldap" > "$work/slapd.conf"
check "slaptest loads the packaged module" slapd -T test -f "$work/slapd.conf" -u

# The same module claiming another slapd version: the version it was built for
# is a string of fixed length inside the object; rewrite it to one of equal length.
mkdir -p "$work/other"
other_version=$(tr '0-8' '1-9' <<< "$slapd_version")
n=$(python3 - "$root/usr/lib/ldap/back_clusterdb.so" "$work/other/back_clusterdb.so" "$slapd_version" "$other_version" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
old, new = sys.argv[3].encode(), sys.argv[4].encode()
open(sys.argv[2], 'wb').write(data.replace(old, new))
print(data.count(old))
PY
)
if [ "${n:-0}" -gt 0 ]; then ok "the module embeds the slapd version it was built for"
else not_ok "the module embeds the slapd version it was built for"; fi
conf "$work/other" > "$work/slapd-other.conf"
out=$(slapd -T test -f "$work/slapd-other.conf" -u 2>&1); rc=$?
expect_eq "slapd refuses a module built for another version" 1 "$((rc != 0))"
expect_match "the refusal names the version built for" "built for slapd ${other_version//+/\\+}" "$out"
expect_match "the refusal names the running slapd" "running in \"[^\"]*slapd ${slapd_version//+/\\+}" "$out"

# The unit as systemd checks it, with ExecStart= pointing into the unpacked
# root (verify wants the binary to exist) and man finding the unpacked page.
mkdir -p "$work/unit"
sed "s|^ExecStart=/usr/sbin/|ExecStart=$root/usr/sbin/|" "$root/lib/systemd/system/clusterdbd.service" \
    > "$work/unit/clusterdbd.service"
out=$(MANPATH="$root/usr/share/man:" systemd-analyze verify "$work/unit/clusterdbd.service" 2>&1); rc=$?
expect_eq "systemd-analyze verify passes on the unpacked unit" "0:" "$rc:$out"
unit=$root/lib/systemd/system/clusterdbd.service
for key in User=clusterdb StateDirectory=clusterdb ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes \
        PrivateTmp=yes "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" 'ExecReload=/bin/kill -HUP $MAINPID'; do
    grep -qxF "$key" "$unit" && ok "unit: $key" || not_ok "unit: $key"
done

for page in "$root"/usr/share/man/man*/*.gz; do
    warn=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 "$page" 2>&1 >/dev/null)
    expect_eq "man renders $(basename "$page") without warnings" "" "$warn"
done

out=$(bash -c 'source "$1" && complete -p clusterdb && COMP_WORDS=(clusterdb us) COMP_CWORD=1 && _clusterdb && echo "${COMPREPLY[*]}"' \
    _ "$root/usr/share/bash-completion/completions/clusterdb" 2>&1)
expect_match "the completion loads and completes commands" "_clusterdb clusterdb.*user" "$out"
tap_done
