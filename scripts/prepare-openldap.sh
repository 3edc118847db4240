#!/usr/bin/env bash
# Prepare OpenLDAP's source headers matching the installed slapd, configured exactly
# as Debian built it, so the module's struct layouts match the running server
# (see docs/building.md). The tree lives in a cache outside the repository and is
# reused while the slapd version is unchanged. Prints the source directory.
set -euo pipefail

version=$(dpkg-query -W -f='${Version}' slapd 2>/dev/null) || {
    echo "prepare-openldap: slapd is not installed (apt-get install slapd)" >&2; exit 1; }
cache=${CLUSTERDB_CACHE:-/var/cache/clusterdb}
dest="$cache/openldap-$version"
stamp="$dest/.prepared"

if [ -f "$stamp" ]; then
    cat "$stamp"
    exit 0
fi

log() { echo "prepare-openldap: $*" >&2; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/.work.XXXXXX")
trap '[ -n "${CLUSTERDB_KEEP_WORK:-}" ] || rm -rf "$work"' EXIT

# A private apt configuration: the system's own sources, each also as deb-src, in
# the work directory. The system's files are only read.
mkdir -p "$work/lists/partial" "$work/sources.list.d"
: > "$work/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # "deb [options] uri suite components" -> itself and its deb-src twin.
    awk '$1 == "deb" { print; sub(/^deb/, "deb-src"); print }' "$f" >> "$work/sources.list"
done
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822 stanzas: a stanza of Types including deb gets "Types: deb deb-src";
    # disabled stanzas (Enabled: no) are left out.
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         { deb = 0; off = 0; n = split($0, line, "\n"); out = ""
           for (i = 1; i <= n; i++) {
               if (line[i] ~ /^[Tt]ypes:/) { if (line[i] ~ /[ \t]deb([ \t]|$)/) deb = 1; line[i] = "Types: deb deb-src" }
               if (line[i] ~ /^[Ee]nabled:[ \t]*[Nn]o/) off = 1
               out = out line[i] "\n" }
           if (deb && !off) printf "%s\n", out }' "$f" > "$work/sources.list.d/$(basename "$f")"
done
if ! grep -q '^deb ' "$work/sources.list" && ! grep -qs '^Types: deb' "$work"/sources.list.d/*.sources; then
    log "no Debian package source is configured: add one, e.g. the line"
    log "  deb http://deb.debian.org/debian $(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}") main"
    log "to /etc/apt/sources.list (or a deb822 file in /etc/apt/sources.list.d/), then run again"
    exit 1
fi
apt_private=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts="$work/sources.list.d"
             -o Dir::State::Lists="$work/lists")
log "fetching Debian's openldap $version source from the system's apt sources"
# apt's progress goes to stderr: stdout carries only the resulting path.
apt-get "${apt_private[@]}" update >&2 || { log "apt-get update failed (see above)"; exit 1; }
(cd "$work" && apt-get "${apt_private[@]}" source --download-only "openldap=$version" >&2) || {
    log "could not download the openldap=$version source (see above)"; exit 1; }
(cd "$work" && dpkg-source -x --skip-patches openldap_*.dsc src >/dev/null 2>&1 || true)
if [ ! -d "$work/src" ]; then
    log "could not fetch or unpack openldap=$version source"; exit 1
fi
# Debian's patches change configure and headers: apply them as the package build does.
(cd "$work/src" && rm -rf .pc && for p in $(grep -v '^#' debian/patches/series 2>/dev/null); do
    patch -p1 -s < "debian/patches/$p" >&2; done)

log "configuring with Debian's flags"
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
cflags="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS) -D_FILE_OFFSET_BITS=64 -D_GNU_SOURCE"
cppflags="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)"
ldflags="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)"
# The options file is written for the shell (quoted values such as '${prefix}/lib').
eval "options=( $(grep -v '^#' "$work/src/debian/configure.options" | tr '\n' ' ') )"
(cd "$work/src" && CFLAGS="$cflags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags" ./configure \
    --build="$(dpkg-architecture -qDEB_BUILD_GNU_TYPE)" \
    --prefix=/usr --includedir=/usr/include --mandir=/usr/share/man --infodir=/usr/share/info \
    --sysconfdir=/etc --localstatedir=/var --disable-option-checking --disable-silent-rules \
    --libdir="/usr/lib/$arch" --runstatedir=/run --disable-maintainer-mode --disable-dependency-tracking \
    "${options[@]}" > "$work/configure.log" 2>&1) || {
    log "configure failed; last lines:"; tail -20 "$work/configure.log" >&2; exit 1; }
make -C "$work/src/include" ldap_config.h >/dev/null 2>&1 || make -C "$work/src/include" >/dev/null

grep -q '^#define LDAP_SLAPI 1' "$work/src/include/portable.h" || {
    log "portable.h lacks LDAP_SLAPI: not Debian's configuration"; exit 1; }
# LDAP_DEVEL is derived inside the headers, so ask the preprocessor.
if ! printf '#include "portable.h"\n#include "ldap_features.h"\n#ifdef LDAP_DEVEL\n#error devel\n#endif\n' |
        cc -E -I"$work/src/include" -x c - >/dev/null 2>&1; then
    log "portable.h defines LDAP_DEVEL: not a release configuration"; exit 1
fi

rm -rf "$dest"
mv "$work/src" "$dest"
echo "$dest" > "$stamp"
log "ready: $dest"
echo "$dest"
