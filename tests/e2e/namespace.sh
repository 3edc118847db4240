#!/usr/bin/env bash
# The e2e harness itself (lib/e2e.sh): its private mount namespace also works
# where / is not a mount point (a chroot, where `unshare -m --propagation
# private` fails), mounts made in it never reach the outside, and a test
# that cannot use back_clusterdb skips visibly instead of quietly testing
# back_mdb.  The chroot is a fake one made inside this test's own namespace.
# shellcheck source=../lib.sh
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lib.sh"

helper=$CLUSTERDB_BUILD/tests/tools/private-mount-ns
work=; scratch work
chmod 0755 "$work"

# A test sourcing the harness: one mount over /run and a line saying so.
probe=$work/probe.sh
cat > "$probe" <<EOF
. "$CLUSTERDB_TOP/tests/e2e/lib/e2e.sh"
if mount -t tmpfs e2e-probe-$$ /run; then ok "probe: tmpfs over /run (backend \$E2E_BACKEND)"; else not_ok "probe: tmpfs over /run"; fi
tap_done
EOF
probe_mounts() { grep -c "e2e-probe-$$" /proc/self/mountinfo; }

# --- the module is required unless back_mdb is asked for -----------------
mkdir -p "$work/no-module"
out=$(CLUSTERDB_MODULE_DIR=$work/no-module bash "$probe" 2>&1)
expect_match "without back_clusterdb.so a test skips, naming the module" \
    '^ok 1 # SKIP back_clusterdb is not built' "$out"
if [[ "$out" == *"ok 1 - probe"* || "$out" == *"ok 2"* ]]; then
    not_ok "without back_clusterdb.so nothing else runs"; diag "$out"
else
    ok "without back_clusterdb.so nothing else runs"
fi
out=$(CLUSTERDB_MODULE_DIR=$work/no-module E2E_BACKEND=mdb bash "$probe" 2>&1)
expect_match "E2E_BACKEND=mdb runs without the module, and says so" \
    '# E2E_BACKEND=mdb: the clients run against back_mdb.*ok 1 - probe: tmpfs over /run \(backend mdb\)' \
    "$(tr '\n' ' ' <<< "$out")"
out=$(E2E_BACKEND=ldif bash "$probe" 2>&1)
expect_match "an unknown E2E_BACKEND fails" "^not ok 1 - E2E_BACKEND is clusterdb or mdb, not 'ldif'" "$out"

# --- the namespace on an ordinary root ------------------------------------
out=$(E2E_BACKEND=mdb bash "$probe" 2>&1)
expect_match "the probe mounts inside its namespace" 'ok 1 - probe: tmpfs over /run' "$out"
expect_eq "that mount is not visible outside" 0 "$(probe_mounts)"

# --- the namespace in a chroot ----------------------------------------------
# In a private namespace of this test: a tmpfs made shared (as systemd makes
# the host's /), holding a root whose / is not a mount point, with the host's
# directories bound in; the probe runs chrooted there.  A mount that leaked
# out of the probe's namespace would show in this test's namespace.
chroot_test() {
    local root=$work/fake/root d
    mount -t tmpfs fake-host "$work/fake" || return 1
    mount --make-shared "$work/fake" || return 1
    mkdir -p "$root"
    for d in /*; do
        case $d in
            /proc|/sys|/run|/lost+found) mkdir -p "$root$d" ;;
            *)
                if [ -L "$d" ]; then cp -a "$d" "$root$d"
                elif [ -d "$d" ]; then
                    mkdir -p "$root$d"
                    mount --rbind "$d" "$root$d" && mount --make-rprivate "$root$d" || return 1
                fi ;;
        esac
    done
    mount -t proc proc "$root/proc" || return 1
    chroot "$root" env CLUSTERDB_TOP="$CLUSTERDB_TOP" CLUSTERDB_BUILD="$CLUSTERDB_BUILD" E2E_BACKEND=mdb \
        bash "$probe" > "$work/chroot.out" 2>&1
    echo "outside: $(probe_mounts)" >> "$work/chroot.out"
}
mkdir -p "$work/fake"
if [ ! -x "$helper" ]; then
    not_ok "tests/tools/private-mount-ns is built"; tap_done; exit
fi
"$helper" bash -c "$(declare -f chroot_test probe_mounts); work='$work' probe='$probe'; chroot_test" \
    > "$work/outer.out" 2>&1
cat "$work/outer.out" "$work/chroot.out" 2>/dev/null | sed 's/^/#   /' > "$work/both.out"
out=$(cat "$work/chroot.out" 2>/dev/null)
if [ -z "$out" ]; then
    not_ok "a fake chroot for the probe"; cat "$work/both.out"
else
    expect_match "in a chroot the harness shows unshare's real error" \
        'cannot change root filesystem propagation' "$out"
    expect_match "in a chroot the probe runs (no SKIP) and mounts" 'ok 1 - probe: tmpfs over /run' "$out"
    expect_match "in a chroot the probe's mount does not leak out of its namespace" 'outside: 0$' "$out"
    [ "$_tap_failed" -eq 0 ] || cat "$work/both.out"
fi
tap_done
