# Shared helpers for the shell tests: TAP output and small assertions.
# Source it; call `tap_done` at the end (its exit status is the test's).
set -u
: "${CLUSTERDB_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${CLUSTERDB_BUILD:=$CLUSTERDB_TOP/build/test}"
CLI="$CLUSTERDB_BUILD/cli/clusterdb"
_tap_n=0
_tap_failed=0

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }
diag() { printf '# %s\n' "$@" | sed '2,$s/^/# /'; }

# check DESC CMD...: passes when CMD exits 0; prints its output when it does not.
check() {
    local desc=$1; shift
    local out
    if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc"; diag "command: $*" "$out"; fi
}
# check_fails DESC CMD...: passes when CMD exits non-zero.
check_fails() {
    local desc=$1; shift
    local out
    if out=$("$@" 2>&1); then not_ok "$desc"; diag "command unexpectedly succeeded: $*" "$out"; else ok "$desc"; fi
}
# expect_eq DESC EXPECTED ACTUAL
expect_eq() {
    if [ "$2" == "$3" ]; then ok "$1"; else
        not_ok "$1"; diag "expected:" "$2" "actual:" "$3"; fi
}
# expect_match DESC REGEX ACTUAL
expect_match() {
    if [[ "$3" =~ $2 ]]; then ok "$1"; else not_ok "$1"; diag "expected to match: $2" "actual:" "$3"; fi
}
tap_done() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }

# scratch VAR: a fresh directory in $VAR, removed when the test exits.
scratch() {
    local _scratch_new  # a name no caller uses, so printf -v reaches the caller's variable
    _scratch_new=$(mktemp -d "${TMPDIR:-/tmp}/clusterdb-test.XXXXXX")
    _scratch_dirs+=("$_scratch_new")
    printf -v "$1" '%s' "$_scratch_new"
}
_scratch_dirs=()
_cleanup_hooks=()
on_exit() { _cleanup_hooks+=("$*"); }
_run_cleanup() {
    local h
    for h in "${_cleanup_hooks[@]}"; do eval "$h" || true; done
    [ ${#_scratch_dirs[@]} -eq 0 ] || rm -rf "${_scratch_dirs[@]}"
}
trap _run_cleanup EXIT
