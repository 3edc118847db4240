#!/usr/bin/env bash
# Run every test and print one summary line.  Each test is a program or a
# script that prints TAP ("ok N - ...", "not ok N - ...", "ok N # SKIP why").
# A test that exits non-zero without reporting a failure counts as one failure;
# one that reports nothing at all counts as one failure too.
# Usage: tests/run-all.sh BUILD_DIR [pattern]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: run-all.sh BUILD_DIR [pattern]}" && pwd)
pattern=${2:-}
export CLUSTERDB_TOP=$top CLUSTERDB_BUILD=$build
export CMOCKA_MESSAGE_OUTPUT=TAP
# Cheap argon2 parameters keep the suite fast; tests of the defaults set their own.
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs=$build/test-logs
rm -rf "$logs"; mkdir -p "$logs"

tests=()
# Unit tests: the cmocka programs the build produced.
for t in "$build"/tests/unit/test_*; do
    [ -x "$t" ] && [ -f "$t" ] && tests+=("$t")
done
for dir in unit cli integration e2e packaging bench fuzz; do
    for t in "$top"/tests/$dir/*.sh; do [ -f "$t" ] && tests+=("$t"); done
done

passed=0 failed=0 skipped=0
started=$(date +%s)
for t in "${tests[@]}"; do
    [ -n "$pattern" ] && [[ "$t" != *"$pattern"* ]] && continue
    name=${t#"$build"/}; name=${name#"$top"/}
    log="$logs/$(echo "$name" | tr '/' '_').log"
    t0=$(date +%s)
    timeout --kill-after=10 900 bash -c '"$1"' _ "$t" > "$log" 2>&1 < /dev/null
    rc=$?
    p=$(grep -Ec '^ok [0-9]+' "$log" | head -1)
    s=$(grep -Eic '^ok [0-9]+.*# *skip' "$log")
    f=$(grep -Ec '^not ok [0-9]+' "$log")
    p=$((p - s))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if [ $((p + s + f)) -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    status=PASS; [ "$f" -gt 0 ] && status=FAIL
    printf '%-4s %-52s %4d passed %3d failed %3d skipped  %4ss\n' "$status" "$name" "$p" "$f" "$s" "$(( $(date +%s) - t0 ))"
    if [ "$f" -gt 0 ]; then
        echo "---- $name (exit $rc): failures and the end of its log ($log)"
        grep -E '^not ok' "$log" | head -20
        tail -n 40 "$log" | sed 's/^/    /'
        echo "----"
    fi
done
echo "total time: $(( $(date +%s) - started ))s"
line="tests: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ $((passed + skipped)) -gt 0 ]
