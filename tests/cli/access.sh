#!/usr/bin/env bash
# clusterdb container grant | revoke | access: who may log in, who gets sudo,
# and bad grants name the field and change nothing.
. "$(dirname "$0")/cli-lib.bash"
new_db
"$CLI" --db "$DB" user add root_admin > /dev/null
"$CLI" --db "$DB" user add alice > /dev/null && "$CLI" --db "$DB" user add bob > /dev/null
"$CLI" --db "$DB" site add dc1 --internal-domain cluster.internal > /dev/null
"$CLI" --db "$DB" node add pve1 --site dc1 > /dev/null
"$CLI" --db "$DB" container add web --node pve1 --username alice > /dev/null

expect_ok "access lists owner and administrator" container access web
expect_match "owner has sudo" "alice +owner +(true|yes|1)" "$(echo $OUT)"
expect_ok "grant bob" container grant web --user bob
expect_eq "grant stored" 1 "$(sql "SELECT count(*) FROM ContainerAccessGrants")"
expect_ok "access lists bob" container access web
expect_match "bob by grant" "bob +grant" "$(echo $OUT)"
expect_fail "grant twice: exit 4" 4 username container grant web --user bob
expect_fail "unknown user names the field" 3 username container grant web --user nobody
expect_fail "unknown site names the field" 3 site container grant --site nowhere --user bob
expect_fail "both host and site" 2 container container grant web --site dc1 --user bob
expect_ok "revoke bob" container revoke web --user bob
expect_eq "grant removed" 0 "$(sql "SELECT count(*) FROM ContainerAccessGrants")"
expect_fail "revoke again: exit 5" 5 username container revoke web --user bob
tap_done
