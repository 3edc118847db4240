#!/usr/bin/env bash
# The test command: installs what the tests need, builds everything (core and
# tools with ASan+UBSan and -Werror; the slapd module against Debian's slapd
# headers), runs every test and ends with "tests: N passed, N failed[, N skipped]".
# Usage: scripts/test.sh [pattern]   (only tests whose path contains pattern)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# bench: the harness smoke test runs against back-sql too; package: tests/packaging
scripts/install-deps.sh test bench package
openldap_src=$(scripts/prepare-openldap.sh)
build=${CLUSTERDB_BUILD:-$top/build/test}

scripts/build.sh "$build" --enable-sanitizers --enable-werror --with-openldap-src="$openldap_src"
exec tests/run-all.sh "$build" "$@"
