#!/usr/bin/env bash
# The end-to-end tests again with the directory on a server engine, each on
# a database of its own in a throwaway PostgreSQL (tests/lib-engines.sh,
# engines_rerun):
# nslcd, SSSD and sshd log users in from a database that lives in a server,
# as they do from SQLite.  PostgreSQL only by default: the clients see the
# module, not the engine, and the module's reads and writes run on MariaDB
# in tests/integration/on_server_engines.sh (ENGINES_RERUN="postgresql
# mariadb" runs both here too).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-engines.sh"

dir=$(cd "$(dirname "$0")" && pwd)
ENGINES_RERUN=${ENGINES_RERUN:-postgresql} engines_rerun "$dir"/{nslcd,sssd,sshd,access}.sh
tap_done
