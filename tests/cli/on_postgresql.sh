#!/usr/bin/env bash
# The CLI tests again, each on a throwaway PostgreSQL of its own
# (CLUSTERDB_TEST_ENGINE=postgresql: tests/cli/cli-lib.bash starts it), so
# every command, rule and refusal is held to the same checks on both
# engines.  Each test's checks are reported here under its name.
# Not repeated here: domain_dns_provider.sh, which upgrades SQLite files
# made by an older schema step by step (SQLite's own migration path).
. "$(dirname "$0")/../lib.sh"

dir=$(cd "$(dirname "$0")" && pwd)
scratch work
for t in basics users groups-settings guards prompt cluster cluster_set container_access concurrency; do
    CLUSTERDB_TEST_ENGINE=postgresql bash "$dir/$t.sh" > "$work/$t.tap" 2>&1 < /dev/null
    rc=$?
    while IFS= read -r line; do
        case "$line" in
            "ok "*" # SKIP "*) skip "$t: ${line#* # SKIP }" ;;
            "ok "*) ok "$t: ${line#ok * - }" ;;
            "not ok "*) not_ok "$t: ${line#not ok * - }" ;;
            "#"*) [ -z "${_shown_diag[$t]:-}" ] || echo "$line" ;;
        esac
        case "$line" in "not ok "*) declare -gA _shown_diag; _shown_diag[$t]=1 ;; esac
    done < "$work/$t.tap"
    if [ "$rc" -ne 0 ] && ! grep -aq '^not ok' "$work/$t.tap"; then
        not_ok "$t exits 0 on PostgreSQL"; diag "$(tail -n 20 "$work/$t.tap")"
    fi
done
tap_done
