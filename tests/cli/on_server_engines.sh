#!/usr/bin/env bash
# The CLI tests again on the server engines, each test on a throwaway
# PostgreSQL and a throwaway MariaDB of its own (CLUSTERDB_TEST_ENGINE:
# tests/cli/cli-lib.bash starts it), so every command, rule and refusal is
# held to the same checks on every engine.  Each test's checks are reported
# here under the engine's and the test's name.
# Not repeated here: domain_dns_provider.sh, which upgrades SQLite files
# made by an older schema step by step (SQLite's own migration path).
. "$(dirname "$0")/../lib.sh"

dir=$(cd "$(dirname "$0")" && pwd)
scratch work
for engine in postgresql mariadb; do
    for t in basics users groups-settings guards prompt cluster cluster_set container_access concurrency; do
        name="$engine $t"
        CLUSTERDB_TEST_ENGINE=$engine bash "$dir/$t.sh" > "$work/$engine-$t.tap" 2>&1 < /dev/null
        rc=$?
        failing=
        while IFS= read -r line; do
            case "$line" in
                "ok "*" # SKIP "*) skip "$name: ${line#* # SKIP }"; failing= ;;
                "ok "*) ok "$name: ${line#ok * - }"; failing= ;;
                "not ok "*) not_ok "$name: ${line#not ok * - }"; failing=1 ;;
                "#"*) [ -z "$failing" ] || echo "$line" ;;  # a failure's diagnostics
            esac
        done < "$work/$engine-$t.tap"
        if [ "$rc" -ne 0 ] && ! grep -aq '^not ok' "$work/$engine-$t.tap"; then
            not_ok "$name exits 0"; diag "$(tail -n 20 "$work/$engine-$t.tap")"
        fi
    done
done
tap_done
