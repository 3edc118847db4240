#!/usr/bin/env bash
# clusterdb group ... and setting ...: happy paths and every failure class.
. "$(dirname "$0")/cli-lib.bash"
new_db
"$CLI" --db "$DB" user add alice >/dev/null
"$CLI" --db "$DB" user add bob >/dev/null

# ---- groups
expect_ok "group add with the next gid" group add developers
expect_eq "allocated gid 2002" 2002 "$(sql "SELECT gidNumber FROM Groups WHERE cn='developers'")"
expect_ok "group add --gid --admin" group add operators --gid 3000 --admin
expect_eq "explicit gid and admin flag" "3000|1" "$(sql "SELECT gidNumber || '|' || isAdministrator FROM Groups WHERE cn='operators'")"
expect_ok "group add --json" --json group add testers
json_ok "group add --json parses"
expect_eq "group add --json: gid" 3001 "$(json_get 'd["gidNumber"]')"
expect_ok "group add-member" group add-member developers bob
expect_ok "group add-member, second user" group add-member developers alice
expect_eq "memberships stored" 2 "$(sql "SELECT count(*) FROM UserGroups WHERE gidNumber=2002")"
expect_ok "group show" group show developers
expect_match "show lists the members" "members +alice, bob" "$(printf '%s\n' "$OUT" | grep members)"
expect_ok "group show --json" --json group show developers
json_ok "group show --json parses"
expect_eq "show --json members" "alice,bob" "$(json_get '",".join(d["members"])')"
expect_ok "group list" group list
expect_match "group list table" "GID +CN +ADMIN +MEMBERS.*2002 +developers +no +alice, bob" "$(echo $OUT)"
expect_ok "group list --json" --json group list
json_ok "group list --json parses"
expect_eq "group list --json: all groups" "ldapusers sysadmins developers operators testers" \
    "$(json_get '" ".join(g["cn"] for g in d)')"
expect_ok "user show lists the new group" --json user show bob
expect_eq "bob is in developers" developers "$(json_get '",".join(d["groups"])')"
expect_ok "group remove-member" group remove-member developers bob
expect_eq "membership removed" 1 "$(sql "SELECT count(*) FROM UserGroups WHERE gidNumber=2002")"

expect_fail "bad group name: exit 3" 3 cn group add 'Bad Group'
expect_fail "non-UTF-8 group name: exit 3" 3 cn group add $'gr\xffp'
expect_fail "huge gid: exit 3" 3 gidNumber group add big --gid 99999999999999999999999
expect_fail "gid out of range: exit 3" 3 gidNumber group add big --gid 4294967295
expect_fail "negative gid: exit 3" 3 gidNumber group add big --gid -5
expect_fail "non-numeric gid: exit 3" 3 gidNumber group add big --gid 12abc
expect_fail "duplicate group name: exit 4" 4 'Groups\.cn|cn' group add developers
expect_fail "duplicate gid: exit 4" 4 'Groups\.gidNumber|gidNumber' group add other --gid 3000
expect_fail "add-member twice: exit 4" 4 '' group add-member developers alice
expect_fail "remove a non-member: exit 5" 5 '' group remove-member developers bob
expect_fail "show unknown group: exit 5" 5 cn group show nobody
expect_fail "add-member to unknown group: exit 5" 5 cn group add-member nobody alice
expect_fail "add-member of unknown user: exit 5" 5 username group add-member developers nobody
expect_fail "delete unknown group: exit 5" 5 cn group delete nobody
expect_fail "add-member without the user: exit 2" 2 '' group add-member developers

expect_ok "group delete" group delete testers
expect_eq "testers gone" 0 "$(sql "SELECT count(*) FROM Groups WHERE cn='testers'")"
expect_ok "group delete with members" group delete developers
expect_eq "its memberships are gone" 0 "$(sql "SELECT count(*) FROM UserGroups WHERE gidNumber=2002")"

# ---- settings
expect_ok "setting set" setting set push_notification_url https://push.example.org
expect_ok "setting set another" setting set push_notification_enabled true
expect_ok "setting get" setting get push_notification_url
expect_eq "get prints the bare value" https://push.example.org "$OUT"
expect_ok "setting get --json" --json setting get push_notification_enabled
json_ok "setting get --json parses"
expect_eq "setting get --json value" true "$(json_get 'd["value"]')"
expect_ok "setting set overwrites" setting set push_notification_enabled false
expect_eq "overwritten" false "$(sql "SELECT value FROM Settings WHERE key='push_notification_enabled'")"
expect_ok "setting list" setting list
expect_match "setting list table" "KEY +VALUE.*push_notification_enabled +false.*push_notification_url +https://push.example.org" "$(echo $OUT)"
expect_ok "setting list --json" --json setting list
json_ok "setting list --json parses"
expect_eq "setting list --json keys" "push_notification_enabled push_notification_url" "$(json_get '" ".join(s["key"] for s in d)')"
expect_fail "setting get unknown: exit 5" 5 key setting get no_such_key
expect_fail "setting with a bad key: exit 3" 3 key setting set 'bad key!' x
expect_fail "setting with a non-UTF-8 value: exit 3" 3 value setting set some_key $'\xc3\x28'
expect_fail "setting set without a value: exit 2" 2 '' setting set some_key
expect_ok "setting delete" setting delete push_notification_url
expect_eq "setting deleted" 0 "$(sql "SELECT count(*) FROM Settings WHERE key='push_notification_url'")"
expect_fail "setting delete unknown: exit 5" 5 key setting delete push_notification_url

tap_done
