#!/usr/bin/env bash
# (Not named *.sh: tests/run-all.sh runs every tests/fuzz/*.sh as a test.)
# Build the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang, ASan and
# UBSan, directly against core's sources: the autotools build uses gcc, and
# libFuzzer needs clang's coverage instrumentation in the code under test.
# Objects are rebuilt only when their source, a core header or the flags
# changed, so a second run is quick.
# The filter target also compiles the module's filter translation
# (slapd-module/filter.c) against OpenLDAP's prepared headers, as the module
# build does (scripts/prepare-openldap.sh; OPENLDAP_SRC overrides).
# Usage: tests/fuzz/build.bash OUT_DIR [target...]   (targets: validate passwd query pve users filter entry)
# Environment: CC (default clang), EXTRA_CFLAGS (added to every compile).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: build.bash OUT_DIR [target...]}
shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(validate passwd query pve users filter entry)
cc=${CC:-clang}
command -v "$cc" >/dev/null || { echo "build.bash: $cc not found (scripts/install-deps.sh test)" >&2; exit 2; }
mkdir -p "$out/obj"

read -ra deps_cflags <<< "$(pkg-config --cflags sqlite3 libpq libmariadb libargon2 libcurl jansson)"
read -ra deps_libs <<< "$(pkg-config --libs sqlite3 libpq libmariadb libargon2 libcurl jansson)"
read -ra extra <<< "${EXTRA_CFLAGS:-}"
# Every UB report is a crash, so the fuzzer stops and keeps the input.
common=(-std=gnu11 -g -O1 -fno-omit-frame-pointer '-fsanitize=address,undefined'
        -fno-sanitize-recover=all -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter
        '-DPACKAGE_VERSION="fuzz"' "-I$top/core/include" "-I$top/core/src"
        "${deps_cflags[@]}" "${extra[@]}")
# Core objects get coverage instrumentation but no libFuzzer main.
core_flags=("${common[@]}" -fsanitize=fuzzer-no-link)

# The flags are part of every object's identity: a change rebuilds everything.
stamp="$out/obj/flags"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$cc ${core_flags[*]}" ]; then
    rm -f "$out"/obj/*.o
    printf '%s' "$cc ${core_flags[*]}" > "$stamp"
fi

# shellcheck disable=SC2012  # our own file names, no spaces
newest_header=$(ls -t "$top"/core/src/*.h "$top"/core/include/clusterdb/*.h | head -1)

# The migrations, embedded the same way the library build does it (the glob
# sorts by name, which is their order).
embedded="$out/obj/migrations_sqlite.c"
sh "$top/scripts/embed-migrations.sh" sqlite "$top"/migrations/*.sql > "$embedded.tmp"
if cmp -s "$embedded.tmp" "$embedded"; then rm -f "$embedded.tmp"; else mv "$embedded.tmp" "$embedded"; fi
embedded_pg="$out/obj/migrations_postgresql.c"
sh "$top/scripts/embed-migrations.sh" postgresql "$top"/migrations/postgresql/*.sql > "$embedded_pg.tmp"
if cmp -s "$embedded_pg.tmp" "$embedded_pg"; then rm -f "$embedded_pg.tmp"; else mv "$embedded_pg.tmp" "$embedded_pg"; fi

compile() { # source object flags...
    local src=$1 obj=$2
    shift 2
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
        echo "  CC $(basename "$src")" >&2
        "$cc" "$@" -c "$src" -o "$obj"
    fi
}

# Two compilers at a time, as scripts/build.sh does (make -j2).
objs=()
running=0
embedded_my="$out/obj/migrations_mariadb.c"
sh "$top/scripts/embed-migrations.sh" mariadb "$top"/migrations/mysql/*.sql > "$embedded_my.tmp"
if cmp -s "$embedded_my.tmp" "$embedded_my"; then rm -f "$embedded_my.tmp"; else mv "$embedded_my.tmp" "$embedded_my"; fi
for src in "$top"/core/src/*.c "$embedded" "$embedded_pg" "$embedded_my"; do
    obj="$out/obj/core_$(basename "$src" .c).o"
    objs+=("$obj")
    if [ "$running" -ge 2 ]; then wait -n || exit 1; running=$((running - 1)); fi
    compile "$src" "$obj" "${core_flags[@]}" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do wait -n || exit 1; running=$((running - 1)); done

for t in "${targets[@]}"; do
    src="$top/tests/fuzz/fuzz_$t.c"
    [ -f "$src" ] || { echo "build.bash: no target $t ($src)" >&2; exit 2; }
    obj="$out/obj/fuzz_$t.o"
    target_objs=()
    target_flags=()
    target_libs=()
    case $t in
        filter) module_sources=("$top/slapd-module/filter.c") ;;
        # entry.c with result.c and sudo.c (the status mapping and the
        # sudoRole entries it calls) and the slapd functions it calls
        # (tests/fuzz/slapd_entry_harness.c), on libldap.
        entry) module_sources=("$top/slapd-module/entry.c" "$top/slapd-module/result.c"
                               "$top/slapd-module/sudo.c"
                               "$top/tests/fuzz/slapd_entry_harness.c")
               target_libs=(-lldap -llber) ;;
        *) module_sources=() ;;
    esac
    if [ ${#module_sources[@]} -gt 0 ]; then
        ol=${OPENLDAP_SRC:-$("$top/scripts/prepare-openldap.sh")}
        target_flags=(-isystem "$ol/include" -isystem "$ol/servers/slapd" "-I$top/slapd-module"
                      "-I$top/tests/fuzz")
        for msrc in "${module_sources[@]}"; do
            mobj="$out/obj/module_$(basename "$msrc" .c).o"
            for h in "$top/slapd-module/back-clusterdb.h" "$top"/tests/fuzz/*.h; do
                if [ "$h" -nt "$mobj" ]; then rm -f "$mobj"; fi
            done
            compile "$msrc" "$mobj" "${core_flags[@]}" "${target_flags[@]}"
            target_objs+=("$mobj")
        done
        [ "$top/slapd-module/back-clusterdb.h" -nt "$obj" ] && rm -f "$obj"
    fi
    compile "$src" "$obj" "${common[@]}" "${target_flags[@]}" -fsanitize=fuzzer
    stale=0
    for o in "$obj" "${target_objs[@]}"; do [ "$o" -nt "$out/fuzz_$t" ] && stale=1; done
    if [ ! -x "$out/fuzz_$t" ] || [ "$stale" = 1 ] || \
       [ -n "$(find "$out/obj" -name 'core_*.o' -newer "$out/fuzz_$t" | head -1)" ]; then
        echo "  LD fuzz_$t" >&2
        "$cc" "${common[@]}" -fsanitize=fuzzer "$obj" "${target_objs[@]}" "${objs[@]}" "${deps_libs[@]}" "${target_libs[@]}" -lpthread \
            -o "$out/fuzz_$t"
    fi
done
