#!/usr/bin/env bash
# clusterdb: global options, help at every level, usage errors, init /
# migrate / status, and the database path rules.
. "$(dirname "$0")/cli-lib.bash"

# ---- help at every level: exit 0, a usage line, documented exit codes
out=$("$CLI" --help); rc=$?
expect_eq "clusterdb --help exits 0" 0 "$rc"
expect_match "top-level help lists commands and exit codes" \
    "Usage: clusterdb.*user.*group.*setting.*node.*container.*3 invalid value.*5 not found" "$(echo $out)"
for group in user group setting site node domain container service job; do
    out=$("$CLI" "$group" --help); rc=$?
    if [ "$rc" -eq 0 ] && [[ "$out" == *"clusterdb [--db FILE] [--json] $group COMMAND"* ]]; then
        ok "clusterdb $group --help"; else not_ok "clusterdb $group --help"; diag "exit $rc" "$out"; fi
done
for cmd in "user add" "user list" "user show" "user set" "user passwd" "user delete" \
           "group add" "group add-member" "group remove-member" "setting set" "node add" \
           "service add" "container add" "domain add" "site add" "job add" init migrate status; do
    # shellcheck disable=SC2086
    out=$("$CLI" $cmd --help); rc=$?
    if [ "$rc" -eq 0 ] && [[ "$out" == *"Usage: clusterdb [--db FILE] [--json] $cmd"* ]] &&
       [[ "$out" == *"--help"* ]] && [[ "$out" == *"Exit status"* ]]; then
        ok "clusterdb $cmd --help"; else not_ok "clusterdb $cmd --help"; diag "exit $rc" "$out"; fi
done
out=$("$CLI" user add --help)
expect_match "user add --help documents --password-stdin and --ssh-key-file" \
    "--password-stdin.*--ssh-key-file FILE|--ssh-key-file FILE.*--password-stdin" "$(echo $out)"

# ---- --version: one version for every program, from configure
want=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$CLUSTERDB_TOP/configure.ac")
expect_eq "clusterdb --version" "clusterdb $want" "$("$CLI" --version)"
expect_eq "clusterdbd --version" "clusterdbd $want" "$("$CLUSTERDB_BUILD/daemon/clusterdbd" --version)"
expect_eq "clusterdb-authorized-keys --version" "clusterdb-authorized-keys $want" \
    "$("$CLUSTERDB_BUILD/authorized-keys/clusterdb-authorized-keys" --version)"

# ---- a missing database: its path once, and what to do
missing=$(mktemp -u "${TMPDIR:-/tmp}/cdb-missing.XXXXXX")
err=$("$CLI" --db "$missing" user list 2>&1); rc=$?
expect_eq "a missing database: exit 1" 1 "$rc"
expect_eq "a missing database: path once, hint to init" \
    "clusterdb: $missing: no such database (create it with clusterdb init)" "$err"
[ ! -e "$missing" ] && ok "a missing database is not created by a reading command" ||
    { not_ok "a missing database is not created by a reading command"; rm -f "$missing"; }
# The daemon takes the CLI's default: $CLUSTERDB_DB, here a missing file.
err=$(CLUSTERDB_DB=$missing "$CLUSTERDB_BUILD/daemon/clusterdbd" --once 2>&1); rc=$?
expect_eq "clusterdbd without --db uses \$CLUSTERDB_DB: exit 1" 1 "$rc"
expect_match "clusterdbd without --db names \$CLUSTERDB_DB's file" "$missing: no such database" "$err"

# ---- usage errors exit 2 and never touch a database
new_db
expect_fail "no command: exit 2" 2 "" 
expect_fail "unknown command: exit 2" 2 "" frobnicate
expect_fail "unknown global option: exit 2" 2 "" --frob status
expect_fail "unknown subcommand: exit 2" 2 "user" user frobnicate
expect_fail "missing subcommand: exit 2" 2 "user" user
expect_fail "unknown option: exit 2" 2 "" user list --frob
expect_fail "option without its value: exit 2" 2 "" user add bob --mail
expect_fail "missing argument: exit 2" 2 "" user show
expect_fail "extra argument: exit 2" 2 "" user show bob alice
expect_fail "option given twice: exit 2" 2 "" user add bob --mail a@b.example --mail c@d.example
expect_fail "user set without changes: exit 2" 2 "" user set bob
expect_fail "--password-stdin with --prompt-password: exit 2" 2 "" \
    user add bob --password-stdin --prompt-password
out=$("$CLI" --db 2>&1); rc=$?
expect_eq "--db without a value: exit 2" 2 "$rc"

# ---- init, migrate, status
[ "$CLI_ENGINE" != sqlite ] || rm -f "$DB"
expect_ok "init creates the database" init
expect_match "init reports the schema version" "schema version [0-9]+" "$OUT"
[ "$CLI_ENGINE" != sqlite ] || check "the file exists" test -f "$DB"
expect_eq "integrity_check after init" ok "$(integrity)"
expect_eq "default groups seeded" "2000 ldapusers 0|2001 sysadmins 1" \
    "$(sql "SELECT gidNumber || ' ' || cn || ' ' || isAdministrator FROM Groups ORDER BY gidNumber" | paste -sd'|')"
expect_ok "init again is harmless" init
expect_ok "migrate on a current database" migrate
expect_ok "status" status
expect_match "status shows the schema versions" "current" "$OUT"
expect_ok "status --json" --json status
json_ok "status --json parses"
expect_eq "status --json: users 0" 0 "$(json_get 'd["counts"]["users"]')"
expect_eq "status --json: groups 2" 2 "$(json_get 'd["counts"]["groups"]')"
expect_eq "status --json: up to date" True "$(json_get 'd["schema"]["upToDate"]')"
expect_ok "--json also accepted after the command" status --json
json_ok "status with a trailing --json parses"

# ---- the database path: --db, $CLUSTERDB_DB, missing files
out=$(CLUSTERDB_DB=$DB "$CLI" --json status 2>&1); rc=$?
expect_eq "\$CLUSTERDB_DB selects the database" "0" "$rc"
out=$("$CLI" --db "$TESTDIR/missing.sqlite" status 2>&1); rc=$?
expect_eq "status on a missing file: exit 1" 1 "$rc"
expect_match "the message names the file" "clusterdb: .*missing.sqlite" "$out"
check "a missing file is not created by status" test ! -e "$TESTDIR/missing.sqlite"
out=$("$CLI" --db "$TESTDIR/missing.sqlite" user list 2>&1); rc=$?
expect_eq "user list on a missing file: exit 1" 1 "$rc"
echo "not a database" > "$TESTDIR/garbage.sqlite"
out=$("$CLI" --db "$TESTDIR/garbage.sqlite" status 2>&1); rc=$?
expect_eq "status on a file that is not a database: exit 1" 1 "$rc"

# ---- a database made by a newer clusterdb is refused, not modified
# (SQLite: on a copy of the file; a server's database: this one, whose last use it is.)
if [ "$CLI_ENGINE" = sqlite ]; then cp "$DB" "$TESTDIR/newer.sqlite"; DB=$TESTDIR/newer.sqlite; fi
sql "INSERT INTO SchemaMigrations (version, name, appliedAt) VALUES (9999, 'future', '2099-01-01T00:00:00.000Z')"
out=$("$CLI" --db "$DB" status 2>&1); rc=$?
expect_eq "status on a newer schema: exit 1" 1 "$rc"
expect_match "the message says the schema is newer" "clusterdb: .*newer" "$out"
out=$("$CLI" --db "$DB" migrate 2>&1); rc=$?
expect_eq "migrate on a newer schema: exit 1" 1 "$rc"
out=$("$CLI" --db "$DB" user add zed 2>&1); rc=$?
expect_eq "user add on a newer schema: exit 1" 1 "$rc"
expect_eq "nothing was written to it" 0 "$(sql 'SELECT count(*) FROM Users')"

tap_done
