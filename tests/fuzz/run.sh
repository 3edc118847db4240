#!/usr/bin/env bash
# Fuzz tests: build the libFuzzer targets (tests/fuzz/build.bash) and run each
# for a bounded time over its committed seed corpus, which includes the
# regression inputs of bugs found before.  One TAP line per target: ok when
# libFuzzer found no crash, failed check, leak, UB or timeout.
# New inputs go to a scratch directory and are thrown away; a failing input is
# kept in $CLUSTERDB_BUILD/fuzz/artifacts/.  Longer campaigns: docs/fuzzing.md.
# Environment: FUZZ_SECONDS (per target; default 12, the query target 20).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

targets=(validate passwd query pve users filter entry)
out=$CLUSTERDB_BUILD/fuzz
corpus=$CLUSTERDB_TOP/tests/fuzz/corpus

if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
        >/dev/null 2>&1; then
    for t in "${targets[@]}"; do skip "fuzz_$t: clang with libFuzzer is not installed (scripts/install-deps.sh test)"; done
    tap_done; exit
fi

if ! build_log=$("$CLUSTERDB_TOP/tests/fuzz/build.bash" "$out" "${targets[@]}" 2>&1); then
    not_ok "the fuzz targets build with clang -fsanitize=fuzzer,address,undefined"
    diag "$(echo "$build_log" | tail -30)"
    tap_done; exit
fi
ok "the fuzz targets build with clang -fsanitize=fuzzer,address,undefined"

work=
scratch work
mkdir -p "$out/artifacts"
for t in "${targets[@]}"; do
    seconds=${FUZZ_SECONDS:-12}
    [ "$t" = query ] && seconds=${FUZZ_SECONDS:-20}
    extra=()
    # Key lines may be 16 KiB: let the validator inputs reach past that bound.
    [ "$t" = validate ] && extra+=(-max_len=17000)
    mkdir -p "$work/$t/new" "$work/$t/tmp"
    seeds=$(find "$corpus/$t" -type f | wc -l)
    log=$work/$t/log
    TMPDIR=$work/$t/tmp "$out/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 \
        -artifact_prefix="$out/artifacts/$t-" "${extra[@]}" "$work/$t/new" "$corpus/$t" > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -ge "$seeds" ]; then
        ok "fuzz_$t: $runs inputs in ${seconds}s from $seeds seeds, no crash, leak or UB"
    else
        not_ok "fuzz_$t: exit $rc after ${runs:-?} inputs (seeds: $seeds)"
        diag "a known bug or a new one: docs/fuzzing.md lists the bugs found and their regress-* seeds"
        diag "$(grep -E 'fuzz_[a-z]+: |^# |ERROR|SUMMARY|runtime error|Test unit written|^    #[0-9]+ .*(core/src|tests/fuzz)' "$log" | head -40)"
    fi
    # The leftover database directory of the query target, if it was killed.
    rm -rf "$work/$t/tmp"
done
tap_done
