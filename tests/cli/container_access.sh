#!/usr/bin/env bash
# clusterdb container grant | revoke | access: the owner and the
# administrators get in without a grant; grants to a user, a group or a
# whole site add entrants (never sudo); revoke takes them back; refusals
# (unknown user, group, container or site, the same grant twice, a grant
# that does not exist) name the field and leave every row as it was.
. "$(dirname "$0")/cli-lib.bash"
new_db
q() { "$CLI" --db "$DB" "$@" > /dev/null || echo "setup failed: clusterdb $*" >&2; }
q user add admin # the first user administers (sysadmins)
for u in alice bob carol dave eve; do q user add "$u"; done
q group add devs && q group add-member devs dave
q site add dc1 --internal-domain one.internal && q site add dc2 --internal-domain two.internal
q node add pve1 --site dc1 && q node add pve2 --site dc2
q container add web --node pve1 --username alice
q container add db --node pve1 --username alice
q container add lab --node pve2 --username bob

# entrants HOST: "user:why:sudo ..." from `container access HOST --json`.
entrants() {
    run --json container access "$1"
    json_get '" ".join("%s:%s:%s" % (e["username"], e["why"], "sudo" if e["sudo"] else "-") for e in d)'
}
# grants_dump: every grant row, to compare before and after a refusal.
grants_dump() { sql "SELECT id, uidNumber, gidNumber, containerId, siteId, createdAt FROM ContainerAccessGrants ORDER BY id" | tr '\n' ' '; }
# users_dump: the users' rows (a grant touches updatedAt of those it names).
users_dump() { sql "SELECT uidNumber, username, status, updatedAt FROM Users ORDER BY uidNumber" | tr '\n' ' '; }
uid() { sql "SELECT uidNumber FROM Users WHERE username = '$1'"; }
cid() { sql "SELECT id FROM Containers WHERE hostname = '$1'"; }

# ---- without grants: the owner and the administrators
expect_eq "web: the administrator and the owner, both with sudo" \
    "admin:administrator:sudo alice:owner:sudo" "$(entrants web)"
expect_eq "lab: its owner bob, not alice" "admin:administrator:sudo bob:owner:sudo" "$(entrants lab)"
expect_ok "access as a table" container access web
expect_match "table headings and the owner's row" "UID +USER +WHY +SUDO .* alice +owner +yes" "$(echo $OUT)"
expect_ok "no grants yet" --json container access web --grants
expect_eq "the grant list is empty" 0 "$(json_get 'len(d)')"

# ---- grant a user
expect_ok "grant web to bob" --json container grant web --user bob
json_ok "grant --json parses"
BOB_GRANT=$(json_get 'd["id"]')
expect_eq "grant --json names the user and the container" "bob|None|web|None" \
    "$(json_get '"%s|%s|%s|%s" % (d["username"], d["group"], d["container"], d["site"])')"
expect_eq "the row holds bob's uidNumber and web's id" "$(uid bob)||$(cid web)|" \
    "$(sql "SELECT uidNumber || '|' || ifnull(CAST(gidNumber AS TEXT), '') || '|' || containerId || '|' || ifnull(CAST(siteId AS TEXT), '') FROM ContainerAccessGrants WHERE id = $BOB_GRANT")"
expect_eq "bob enters web by the grant, without sudo" \
    "admin:administrator:sudo alice:owner:sudo bob:grant:-" "$(entrants web)"
expect_eq "a grant on web does not open db" "admin:administrator:sudo alice:owner:sudo" "$(entrants db)"
expect_ok "human message" container grant db --user eve
expect_eq "it says what was granted" "granted user eve entry to container db" "$OUT"

# ---- grant a group
expect_ok "grant web to devs" container grant web --group devs
expect_eq "dave enters web as a member of devs" \
    "admin:administrator:sudo alice:owner:sudo bob:grant:- dave:grant:-" "$(entrants web)"
expect_ok "a new member of devs gets in too" group add-member devs carol
expect_eq "carol enters web through devs" \
    "admin:administrator:sudo alice:owner:sudo bob:grant:- carol:grant:- dave:grant:-" "$(entrants web)"
expect_ok "carol leaves devs" group remove-member devs carol

# ---- grant a site
expect_ok "grant every container of dc1 to carol" container grant --site dc1 --user carol
expect_eq "carol enters db (dc1)" \
    "admin:administrator:sudo alice:owner:sudo carol:grant:- eve:grant:-" "$(entrants db)"
expect_eq "carol enters web (dc1) too" \
    "admin:administrator:sudo alice:owner:sudo bob:grant:- carol:grant:- dave:grant:-" "$(entrants web)"
expect_eq "carol does not enter lab (dc2)" "admin:administrator:sudo bob:owner:sudo" "$(entrants lab)"
expect_ok "the grants that apply to web" --json container access web --grants
json_ok "access --grants --json parses"
expect_eq "web's own and its site's grants, by id" "bob/web devs/web carol/dc1" \
    "$(json_get '" ".join("%s/%s" % (g["username"] or g["group"], g["container"] or g["site"]) for g in d)')"
expect_ok "lab's grants" --json container access lab --grants
expect_eq "none apply to lab" 0 "$(json_get 'len(d)')"

# ---- sudo policy: owners may be kept from root
expect_ok "owners without sudo" setting set container_sudo_owners no
expect_eq "alice still enters web, without sudo; the administrator keeps it" \
    "admin:administrator:sudo alice:owner:- bob:grant:- carol:grant:- dave:grant:-" "$(entrants web)"
expect_fail "container_sudo_owners maybe: exit 3" 3 value setting set container_sudo_owners maybe
expect_eq "the setting kept its value" no "$(sql "SELECT value FROM Settings WHERE key = 'container_sudo_owners'")"
expect_ok "owners with sudo again" setting set container_sudo_owners yes

# ---- only active users enter
expect_ok "suspend bob" user set bob --status suspended
expect_eq "suspended bob is not listed, granted or not" \
    "admin:administrator:sudo alice:owner:sudo carol:grant:- dave:grant:-" "$(entrants web)"
expect_eq "not even on the container he owns" "admin:administrator:sudo" "$(entrants lab)"
expect_ok "reactivate bob" user set bob --status active

# ---- refusals: the field named, the value quoted, nothing written
GRANTS=$(grants_dump) USERS=$(users_dump)
expect_fail "unknown user: exit 3" 3 username container grant web --user nobody
expect_match "the message quotes the name" "'nobody' is not a user" "$ERR"
expect_fail "unknown group: exit 3" 3 group container grant web --group nogroup
expect_fail "unknown container: exit 3" 3 container container grant nohost --user eve
expect_fail "unknown site: exit 3" 3 site container grant --site nowhere --user eve
expect_fail "the same user grant twice: exit 4" 4 username container grant web --user bob
expect_match "the conflict names the existing grant" "already holds that grant \(id $BOB_GRANT\)" "$ERR"
expect_fail "the same group grant twice: exit 4" 4 group container grant web --group devs
expect_fail "the same site grant twice (site name in other case): exit 4" 4 username \
    container grant --site DC1 --user carol
expect_fail "neither --user nor --group: exit 2" 2 username container grant web
expect_fail "both --user and --group: exit 2" 2 username container grant web --user eve --group devs
expect_fail "neither HOSTNAME nor --site: exit 2" 2 container container grant --user eve
expect_fail "both HOSTNAME and --site: exit 2" 2 container container grant web --site dc1 --user eve
expect_fail "revoke a grant nobody made: exit 5" 5 username container revoke lab --user eve
expect_fail "revoke for an unknown user: exit 3" 3 username container revoke web --user nobody
expect_fail "revoke for an unknown container: exit 3" 3 container container revoke nohost --group devs
expect_fail "access of an unknown container: exit 5" 5 hostname container access nohost
expect_eq "no grant row changed" "$GRANTS" "$(grants_dump)"
expect_eq "no user row was touched" "$USERS" "$(users_dump)"

# ---- revoke
expect_ok "revoke bob's grant on web" --json container revoke web --user bob
json_ok "revoke --json parses"
expect_eq "revoke --json names what was revoked" "bob|web" "$(json_get '"%s|%s" % (d["username"], d["container"])')"
expect_eq "bob's row is gone" 0 "$(sql "SELECT count(*) FROM ContainerAccessGrants WHERE id = $BOB_GRANT")"
expect_eq "bob no longer enters web" \
    "admin:administrator:sudo alice:owner:sudo carol:grant:- dave:grant:-" "$(entrants web)"
expect_ok "revoke the group grant" container revoke web --group devs
expect_eq "it says what was revoked" "revoked the grant of group devs on container web" "$OUT"
expect_eq "dave no longer enters web" "admin:administrator:sudo alice:owner:sudo carol:grant:-" "$(entrants web)"
expect_ok "revoke the site grant" container revoke --site dc1 --user carol
expect_eq "carol no longer enters db" "admin:administrator:sudo alice:owner:sudo eve:grant:-" "$(entrants db)"
expect_eq "nor web" "admin:administrator:sudo alice:owner:sudo" "$(entrants web)"
expect_eq "only eve's grant on db is left" "$(uid eve)|$(cid db)" \
    "$(sql "SELECT uidNumber || '|' || containerId FROM ContainerAccessGrants")"

# ---- a grant goes with its subject and its container
expect_ok "grant lab to devs" container grant lab --group devs
expect_ok "delete eve" user delete eve
expect_eq "eve's grant went with her" 0 "$(sql "SELECT count(*) FROM ContainerAccessGrants WHERE containerId = $(cid db)")"
expect_ok "delete lab's record" container delete lab --record-only
expect_eq "lab's grant went with it" 0 "$(sql "SELECT count(*) FROM ContainerAccessGrants")"
expect_eq "the database is intact" ok "$(integrity)"
tap_done
