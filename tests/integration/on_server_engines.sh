#!/usr/bin/env bash
# The module's integration tests again on the server engines, each test on a
# database of its own in a throwaway PostgreSQL and a throwaway MariaDB
# (tests/lib-engines.sh, engines_rerun): searches as nslcd and SSSD send them, binds, the account
# lifecycle, LDAP writes, the access entries, the differential test against
# back_mdb, the live-read guarantee (freshness: plain-SQL writes seen by the
# next search), readers against a CLI writer (concurrency) and slapd under
# valgrind (the engines' store code runs inside slapd), held to the same
# checks as on SQLite.
# Not repeated here: the tests of SQLite's own files (file_swap, store_full,
# kill9_writes, backup_restore), the store tests that have server versions
# of their own (store_postgresql, store_mariadb), and the daemon's
# (daemon_on_server_engines.sh).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-engines.sh"

dir=$(cd "$(dirname "$0")" && pwd)
# 300 of the 2,000 random searches on each server engine: a search is a few
# round trips to the server (4x SQLite's time on PostgreSQL here, 16x on
# MariaDB, whose plan for the host values is the cost), and the whole tree,
# paging and the wide filters are compared in full anyway.
export DIFF_COUNT=${DIFF_COUNT:-300}
# Fewer rounds than on SQLite: each plain-SQL write there is a client process
# and a translation, and the guarantee is the same at the 100th as at the 300th.
export FRESH_ITERATIONS=${FRESH_ITERATIONS:-100} CONC_SECONDS=${CONC_SECONDS:-10}
# The engines side by side: every slapd takes a free port (and retries on a
# lost race), every server is private, no check times anything.
export ENGINES_PARALLEL=${ENGINES_PARALLEL:-1}
engines_rerun "$dir"/{search,bind,accounts,ldap_writes,access_entries,access_ldap_grants,acl_whole_entries,differential,freshness,concurrency,valgrind}.sh
tap_done
