#!/usr/bin/env bash
# Inputs that would break a container host or the site are refused, naming
# the field and the rule, with nothing written: Debian system names, system
# gidNumbers, names unique only by case, an external domain twice on a site,
# a container owner who is nobody, flags and known settings out of range.
. "$(dirname "$0")/cli-lib.bash"
new_db
"$CLI" --db "$DB" user add alice >/dev/null

# ---- names Debian hosts already have
for name in root daemon sshd www-data nobody sudo systemd-network _apt; do
    expect_fail "username $name is a Debian system name: exit 3" 3 username user add "$name"
done
expect_fail "user rename to root: exit 3" 3 username user set alice --username root
expect_fail "group named sudo: exit 3" 3 cn group add sudo
expect_fail "group named staff: exit 3" 3 cn group add staff
expect_ok "a name that merely contains one is fine" user add rootless
expect_eq "the reserved message says why" 1 \
    "$("$CLI" --db "$DB" user add adm 2>&1 | grep -c 'Debian system account or group name')"

# ---- gidNumbers in Debian's system range
expect_fail "group add --gid 27 (sudo on Debian): exit 3" 3 gidNumber group add wheelers --gid 27
expect_ok "--allow-system-id accepts it" group add legacy --gid 950 --allow-system-id
expect_eq "stored as given" 950 "$(sql "SELECT gidNumber FROM Groups WHERE cn = 'legacy'")"

# ---- case-insensitive names, domains once per site
expect_ok "site" site add dc1 --internal-domain cluster.internal
expect_fail "site DC1 beside dc1: exit 4" 4 'Sites\.name|name' site add DC1 --internal-domain b.internal
expect_ok "node" node add pve1 --site dc1
expect_fail "node PVE1 beside pve1: exit 4" 4 'Nodes\.name|name' node add PVE1 --site dc1
expect_ok "domain" domain add example.com --site dc1
expect_fail "the same domain again on the site: exit 4" 4 'ExternalDomains\.siteId,domain|siteId,domain|domain' \
    domain add Example.COM --site dc1
expect_ok "another site" site add dc2 --internal-domain two.internal
expect_ok "the domain on another site is that site's own" domain add example.com --site dc2

# ---- containers: an owner who exists, aiContainer a flag
expect_fail "owner who is not a user: exit 3" 3 username container add web1 --node pve1 --username nosuchuser
expect_ok "owner who is a user" container add web1 --node pve1 --username alice
expect_fail "aiContainer maybe: exit 3" 3 aiContainer container add web2 --node pve1 --username alice --ai-container maybe
check "plain SQL cannot set aiContainer to anything but Y or N" \
    bash -c "! sqlite3 '$DB' \"UPDATE Containers SET aiContainer = 'maybe'\" 2>/dev/null"

# ---- the settings clusterdb reads
expect_fail "push_notification_enabled yes: exit 3" 3 value setting set push_notification_enabled yes
expect_fail "push URL over plain http to another host: exit 3" 3 value \
    setting set push_notification_url http://push.example.org
expect_fail "push URL that is no URL: exit 3" 3 value setting set push_notification_url push.example.org
expect_ok "https push URL" setting set push_notification_url https://push.example.org/api
expect_ok "http to this machine (tests, local relays)" setting set push_notification_url http://127.0.0.1:8080
expect_ok "empty push URL (off)" setting set push_notification_url ""
expect_ok "other keys keep any value" setting set cluster_manager_theme "dark blue"
tap_done
