#!/usr/bin/env bash
# The store's PostgreSQL engine against a real server: a throwaway
# PostgreSQL 15 (Debian's postgresql-15) started here as an unprivileged
# user in a temporary directory, listening only on a Unix socket there,
# stopped by its PID.  tests/engines/test_store_postgresql checks binds,
# columns, placeholders, the error mapping, transactions, a read-only
# handle and reconnecting after the server restarts.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-engines.sh"

scratch work
if ! engine_start postgresql "$work/pg"; then
    not_ok "a throwaway PostgreSQL starts"; tap_done; exit
fi
ok "a throwaway PostgreSQL starts"

prog=$CLUSTERDB_BUILD/tests/engines/test_store_postgresql
CLUSTERDB_TEST_PG_URI=$(engine_uri postgresql) \
CLUSTERDB_TEST_PG_RESTART="runuser -u $ENGINE_PG_USER -- $ENGINE_PG_BIN/pg_ctl -D ${ENGINE_DIR[postgresql]}/data -m fast -w -s restart > /dev/null" \
    "$prog" > "$work/tap.out" 2> "$work/stderr" < /dev/null
while IFS= read -r line; do
    case "$line" in
        "ok "*) ok "${line#ok * - }" ;;
        "not ok "*) not_ok "${line#not ok * - }" ;;
    esac
done < "$work/tap.out"
if grep -q '^not ok' "$work/tap.out" || ! grep -q '^ok' "$work/tap.out"; then
    diag "$(cat "$work/tap.out" "$work/stderr")"
fi
check_fails "no sanitizer report" grep -q 'Sanitizer' "$work/stderr"
tap_done
