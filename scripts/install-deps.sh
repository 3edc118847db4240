#!/usr/bin/env bash
# Install the Debian packages clusterdb builds and tests with.  Idempotent and
# quick when everything is present: apt is only consulted for what is missing.
# Usage: scripts/install-deps.sh [build|test|bench|package]...   (default: build)
set -euo pipefail

build_pkgs=(build-essential autoconf automake libtool pkg-config dpkg-dev openssh-client
    libsqlite3-dev sqlite3 libargon2-dev libcurl4-openssl-dev libjansson-dev libldap-dev libssl-dev
    slapd ldap-utils
    # what OpenLDAP's configure checks for when preparing the module headers
    libgnutls28-dev libltdl-dev libperl-dev libsasl2-dev libwrap0-dev nettle-dev unixodbc-dev groff-base
    # client libraries of the server engines the store also runs on (docs/store.md, "Engines")
    libpq-dev libmariadb-dev)
test_pkgs=(libcmocka-dev valgrind python3 util-linux procps
    nslcd libnss-ldapd libpam-ldapd sssd-ldap libnss-sss libpam-sss openssh-server openssh-client pamtester openssl curl
    sudo libsss-sudo
    dnsmasq-base nginx-light libnginx-mod-stream clang libclang-rt-14-dev
    lego pebble
    # throwaway server engines (tests/lib-engines.sh).  Their packages also create the host's
    # own instance (PostgreSQL's 15/main cluster, /var/lib/mysql); policy-rc.d keeps it stopped.
    postgresql-15 postgresql-client-15 mariadb-server mariadb-client)
bench_pkgs=(gnuplot-nox unixodbc libsqliteodbc odbcinst linux-perf)
# building and checking the Debian packages (systemd for systemd-analyze, man-db for man --warnings)
package_pkgs=(debhelper lintian fakeroot systemd man-db)

wanted=()
[ $# -eq 0 ] && set -- build
for set_name in "$@"; do
    case "$set_name" in
        build) wanted+=("${build_pkgs[@]}") ;;
        test) wanted+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
        bench) wanted+=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
        package) wanted+=("${build_pkgs[@]}" "${package_pkgs[@]}") ;;
        *) echo "install-deps: unknown set '$set_name' (build, test, bench, package)" >&2; exit 2 ;;
    esac
done

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [ "${status:0:2}" = "ii" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# One install at a time: two test runs side by side (or a run beside an admin's
# apt) would otherwise fail on dpkg's lock instead of waiting for it.
exec 9> /var/lock/clusterdb-install-deps.lock
flock 9
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Keep installed daemons (slapd, nslcd, sssd, sshd) from being started on the
# host by their maintainer scripts: tests start their own private instances.
policy=/usr/sbin/policy-rc.d
added_policy=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; added_policy=1
fi
restore() { [ -z "$added_policy" ] || rm -f "$policy"; }
trap restore EXIT

# Packages whose maintainer scripts edit nsswitch.conf (libnss-ldapd, libnss-sss,
# libsss-sudo's "sudoers:" line) and the PAM stack: the host keeps its own
# versions (restored below), as tests must not change it.  sudo's own files
# (/etc/sudoers, /etc/pam.d/sudo) are new ones; the tests use a private sudoers.
nss_backup=$(mktemp)
cp -p /etc/nsswitch.conf "$nss_backup" 2>/dev/null || true
pam_backup=$(mktemp -d)
cp -a /etc/pam.d/. "$pam_backup/" 2>/dev/null || true
# pam-auth-update profiles present before: any profile the install adds (ldap,
# sss, pwquality) is disabled again below, so that pam-auth-update's own state
# (/var/lib/pam) agrees with the restored common-* files and a later package
# run does not enable the new profiles behind the host's back.
profiles_before=$(ls /usr/share/pam-configs 2>/dev/null || true)

apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

new_profiles=()
for profile in $(ls /usr/share/pam-configs 2>/dev/null || true); do
    grep -qxF "$profile" <<< "$profiles_before" || new_profiles+=("$profile")
done
if [ ${#new_profiles[@]} -gt 0 ] && command -v pam-auth-update >/dev/null; then
    pam-auth-update --package --disable "${new_profiles[@]}" \
        || echo "install-deps: pam-auth-update --disable ${new_profiles[*]} failed" >&2
fi

if [ -s "$nss_backup" ]; then cp -p "$nss_backup" /etc/nsswitch.conf; fi
if [ -d "$pam_backup" ]; then
    for f in common-auth common-account common-password common-session common-session-noninteractive; do
        [ -f "$pam_backup/$f" ] && cp -p "$pam_backup/$f" "/etc/pam.d/$f"
    done
fi
rm -rf "$nss_backup" "$pam_backup"
