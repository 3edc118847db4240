#!/usr/bin/env bash
# The store's MariaDB engine against a real server: a throwaway MariaDB
# (Debian's mariadb-server) started here in a temporary directory, listening
# only on a Unix socket there, stopped by its PID.
# tests/engines/test_store_mariadb checks the session settings, binds,
# columns, placeholders, the error mapping, transactions and the write lock,
# a read-only handle and reconnecting after the server restarts.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-engines.sh"

scratch work
if ! why=$(engine_available mariadb); then
    skip "the MariaDB engine against a server: $why"; tap_done; exit
fi
if ! engine_start mariadb "$work/mariadb"; then
    not_ok "a throwaway MariaDB starts"; tap_done; exit
fi
ok "a throwaway MariaDB starts"

prog=$CLUSTERDB_BUILD/tests/engines/test_store_mariadb
CLUSTERDB_TEST_MARIADB_URI=$(engine_uri mariadb) \
CLUSTERDB_TEST_MARIADB_RESTART="${ENGINE_DIR[mariadb]}/restart" \
CLUSTERDB_TEST_MARIADB_SQL_MODE=$ENGINE_MARIADB_SQL_MODE \
    "$prog" > "$work/tap.out" 2> "$work/stderr" < /dev/null
while IFS= read -r line; do
    case "$line" in
        "ok "*) ok "${line#ok * - }" ;;
        "not ok "*) not_ok "${line#not ok * - }" ;;
    esac
done < "$work/tap.out"
if grep -q '^not ok' "$work/tap.out" || ! grep -q '^ok' "$work/tap.out"; then
    diag "$(cat "$work/tap.out" "$work/stderr")"
    _engine_log_tail "${ENGINE_LOG[mariadb]}"
fi
check_fails "no sanitizer report" grep -q 'Sanitizer' "$work/stderr"
tap_done
