#!/usr/bin/env bash
# Building by hand: configure says nothing about the core/ directory and
# cleans up after itself, an in-tree configuration makes scripts/build.sh say
# how to clean it (instead of automake's bare refusal), and `make install`
# leaves no libtool archive in slapd's module directory but installs the
# schema and the examples.  Runs on a copy of the tree: the checkout stays clean.
source "$(dirname "$0")/../lib.sh"
top=$CLUSTERDB_TOP
scratch work
src=$work/src
mkdir -p "$src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src") 2>/dev/null ||
    (cd "$top" && tar --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -)

if ! (cd "$src" && ./autogen.sh >"$work/autogen.log" 2>&1); then
    not_ok "autogen.sh"; diag "$(tail -20 "$work/autogen.log")"; tap_done; exit; fi

# In the source tree, where core/ exists from the start; -Werror without the
# sanitizers at configure's default -O2 (gcc's flow analysis differs there).
openldap_src=$("$top/scripts/prepare-openldap.sh")
(cd "$src" && nice ./configure -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var --enable-werror \
    --with-openldap-src="$openldap_src" >"$work/configure.out" 2>&1)
rc=$?
expect_eq "in-tree configure succeeds" 0 "$rc"
out=$(cat "$work/configure.out")
expect_eq "configure prints nothing about rm and core/" "" "$(grep -i 'cannot remove' <<< "$out")"
[ -d "$src/core/src" ] && ok "core/ is still there" || not_ok "core/ is still there"
[ ! -e "$src/confdefs.h" ] && ok "configure removed its confdefs.h" || not_ok "configure removed its confdefs.h"

out=$("$src/scripts/build.sh" "$work/out-of-tree" 2>&1)
rc=$?
expect_eq "build.sh refuses beside an in-tree configuration" 1 "$rc"
expect_match "build.sh says how to clean the tree" "make -C $src distclean" "$out"

# The in-tree build installs what the documentation names.
if nice make -s -C "$src" -j2 >"$work/make.log" 2>&1 &&
        make -s -C "$src" install DESTDIR="$work/root" >"$work/install.log" 2>&1; then
    ok "in-tree make (-Werror, no sanitizers) and make install"
    [ -f "$work/root/usr/lib/ldap/back_clusterdb.so" ] && ok "the module lands in /usr/lib/ldap" ||
        not_ok "the module lands in /usr/lib/ldap"
    expect_eq "no libtool archive in /usr/lib/ldap" "" "$(cd "$work/root/usr/lib/ldap" && ls ./*.la 2>/dev/null)"
    [ -x "$work/root/usr/sbin/clusterdb" ] && ok "the CLI lands in /usr/sbin" || not_ok "the CLI lands in /usr/sbin"
    for f in openssh-lpk ldapns sudo clusterdb; do
        [ -f "$work/root/etc/ldap/schema/$f.schema" ] && [ -f "$work/root/etc/ldap/schema/$f.ldif" ] &&
            ok "the $f schema lands in /etc/ldap/schema" || not_ok "the $f schema lands in /etc/ldap/schema"
    done
    for f in clusterdb-module.ldif acl-example.ldif acl-example.conf; do
        [ -f "$work/root/usr/share/clusterdb/$f" ] && ok "$f in /usr/share/clusterdb" || not_ok "$f in /usr/share/clusterdb"
    done
else
    not_ok "in-tree make and make install"; diag "$(tail -20 "$work/make.log" "$work/install.log")"
fi

# make distclean is the documented way back.
make -s -C "$src" distclean >/dev/null 2>&1
[ ! -e "$src/config.status" ] && ok "make distclean removes the in-tree configuration" ||
    not_ok "make distclean removes the in-tree configuration"
tap_done
