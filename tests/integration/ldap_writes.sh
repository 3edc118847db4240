#!/usr/bin/env bash
# LDAP writes through back_clusterdb: ldapadd / ldapmodify / ldapdelete /
# ldapmodrdn of users and groups, checked through LDAP, the CLI and the
# store's row counts.  After every refused write nothing has changed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-slapd.sh"
. "$(dirname "$0")/../lib-engines.sh"

slapd_require_module

scratch work
test_database "$work" || { not_ok "a database on $TEST_ENGINE"; tap_done; exit 1; }
db=$DB
S=$SLAPD_SUFFIX
P="ou=people,$S"
G="ou=groups,$S"
cli() { "$CLI" --db "$db" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# ---- the directory -------------------------------------------------------
check "database created by the CLI" cli init
check "first user root1 (active, sysadmins)" sh -c "echo root1-password | \"$CLI\" --db '$db' user add root1 --password-stdin"
check "plain active user pat" sh -c "echo pat-password | \"$CLI\" --db '$db' user add pat --status active --password-stdin"

if ! SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    not_ok "slapd starts with back_clusterdb"
    tap_done; exit
fi
ok "slapd starts with back_clusterdb"
URI=${SLAPD_URI[main]}

# ldap TOOL [ldap tool args...] < input: as the rootdn; output in $out, code in $rc.
as_root() { local t=$1; shift; out=$("$t" -x -H "$URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" "$@" 2>&1); rc=$?; }
as_user() { local u=$1 pw=$2 t=$3; shift 3; out=$("$t" -x -H "$URI" -D "uid=$u,$P" -w "$pw" "$@" 2>&1); rc=$?; }
# A fingerprint of every row the writes could touch.
state() {
    test_sql "SELECT uidNumber, username, cn, sn, ifnull(givenName,''), ifnull(mail,''),
                          ifnull(sshPublicKey,''), status, ifnull(userPassword,''),
                          ifnull(loginShell,'-'), ifnull(homeDirectory,'-')
                   FROM Users ORDER BY uidNumber;
                   SELECT gidNumber, cn FROM Groups ORDER BY gidNumber;
                   SELECT uidNumber, gidNumber FROM UserGroups ORDER BY 1, 2;" | md5sum
}
unchanged() { expect_eq "$1: nothing changed" "$2" "$(state)"; }
dns() { lsearch main -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" "$@" 1.1 | sed -n 's/^dn: //p' | sort | tr '\n' ' ' | sed 's/ $//'; }
vals() { local a=$1; shift; lsearch main -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" "$@" "$a" | sed -n "s/^$a: //p" | tr '\n' ' ' | sed 's/ $//'; }

ssh-keygen -q -t ed25519 -N '' -C k1 -f "$work/k1" && ssh-keygen -q -t ed25519 -N '' -C k2 -f "$work/k2"
k1=$(cat "$work/k1.pub"); k2=$(cat "$work/k2.pub")
next_uid=$(( $(test_sql 'SELECT max(uidNumber) FROM Users') + 1 ))

# ---- add users -----------------------------------------------------------------
as_root ldapadd <<EOF
dn: uid=dave,$P
objectClass: top
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: shadowAccount
objectClass: ldapPublicKey
uid: dave
cn: Dave Jones
sn: Jones
givenName: Dave
mail: dave@example.org
gidNumber: 2000
homeDirectory: /home/dave
loginShell: /bin/bash
userPassword: dave-password
sshPublicKey: $k1
EOF
expect_eq "ldapadd of a user without uidNumber (rootdn)" "0" "$rc"
expect_eq "uidNumber allocated (CLI)" "$next_uid" "$(cli --json user show dave | json 'd["uidNumber"]')"
expect_eq "added by the rootdn: active" "active" "$(cli --json user show dave | json 'd["status"]')"
expect_eq "ldapsearch sees the new user" "$next_uid dave@example.org" \
    "$(vals uidNumber -b "uid=dave,$P" -s base) $(vals mail -b "uid=dave,$P" -s base)"
expect_eq "its password binds" "dn:uid=dave,$P" "$(ldapwhoami -x -H "$URI" -D "uid=dave,$P" -w dave-password 2>&1)"

before=$(state)
as_root ldapadd <<EOF
dn: uid=dave,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: dave
cn: Dave
sn: Jones
EOF
expect_eq "duplicate user: entryAlreadyExists (68)" "68" "$rc"
as_root ldapadd <<EOF
dn: uid=DAVE,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: DAVE
cn: Dave
sn: Jones
EOF
expect_eq "duplicate differing in case: entryAlreadyExists (68)" "68" "$rc"
as_root ldapadd <<EOF
dn: uid=erin,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: erin
cn: Erin
sn: E
mail: not-an-address
EOF
expect_match "bad mail: syntax/constraint code" "^(19|21)$" "$rc"
expect_match "bad mail: the text names mail" "mail" "$out"
as_root ldapadd <<EOF
dn: uid=Erin,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: Erin
cn: Erin
sn: E
EOF
expect_eq "a name outside the rule (upper case): invalidAttributeSyntax (21)" "21" "$rc"
expect_match "... naming username" "username" "$out"
as_root ldapadd <<EOF
dn: uid=erin,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: erin
cn: Erin
sn: E
mail: DAVE@example.org
EOF
expect_eq "mail in use: constraintViolation (19)" "19" "$rc"
as_root ldapadd <<EOF
dn: uid=erin,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: erin
cn: Erin
sn: E
uidNumber: 5555
EOF
expect_eq "a uidNumber other than the next: unwillingToPerform (53)" "53" "$rc"
expect_match "... saying clusterdb allocates it" "allocated by clusterdb" "$out"
as_root ldapadd <<EOF
dn: uid=erin,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: erin
cn: Erin
sn: E
userPassword: {SSHA}abcdefgh
EOF
expect_eq "a userPassword scheme other than ARGON2 refused (53)" "53" "$rc"
as_root ldapadd <<EOF
dn: uid=erin,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: erin
cn: Erin
sn: E
loginShell: bin/zsh
EOF
expect_eq "a relative loginShell: invalidAttributeSyntax (21)" "21" "$rc"
expect_match "... the text names the rule" "loginShell must be an absolute path" "$out"
as_root ldapadd <<EOF
dn: uid=erin,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: erin
cn: Erin
sn: E
homeDirectory: /home/er:in
EOF
expect_eq "a ':' in homeDirectory: invalidAttributeSyntax (21)" "21" "$rc"
as_root ldapadd <<EOF
dn: uid=erin,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: erin
cn: Erin
sn: E
userPassword: short-pw
EOF
expect_eq "a userPassword below the policy: constraintViolation (19)" "19" "$rc"
expect_match "... saying which rule" "userPassword must be at least 12 characters \(setting password_min_length\)" "$out"
as_root ldapadd <<EOF
dn: uid=erin,$P
objectClass: account
uid: erin
EOF
expect_eq "a user without posixAccount/inetOrgPerson: objectClassViolation (65)" "65" "$rc"
unchanged "refused user adds" "$before"

next_uid=$(( $(test_sql 'SELECT max(uidNumber) FROM Users') + 1 ))
as_root ldapadd <<EOF
dn: uid=erin,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: erin
cn: Erin
sn: E
uidNumber: $next_uid
EOF
expect_eq "a uidNumber equal to the next allocation is accepted" "0 $next_uid" \
    "$rc $(cli --json user show erin | json 'd["uidNumber"]')"

# ---- add groups ----------------------------------------------------------------
as_root ldapadd <<EOF
dn: cn=devs,$G
objectClass: top
objectClass: posixGroup
cn: devs
memberUid: dave
memberUid: erin
EOF
expect_eq "ldapadd of a group with memberUid" "0" "$rc"
expect_eq "members (CLI)" "dave erin" "$(cli --json group show devs | json '" ".join(d["members"])')"
expect_eq "getent-style search by memberUid" "cn=devs,$G" "$(dns -b "$S" '(&(objectClass=posixGroup)(memberUid=erin))')"
before=$(state)
groups_before=$(test_sql 'SELECT count(*) FROM Groups')
ug_before=$(test_sql 'SELECT count(*) FROM UserGroups')
as_root ldapadd <<EOF
dn: cn=ops,$G
objectClass: posixGroup
cn: ops
memberUid: dave
memberUid: nobody1
memberUid: nobody2
EOF
expect_eq "unknown memberUid: constraintViolation (19)" "19" "$rc"
expect_match "... naming the unknown users" "nobody1, nobody2" "$out"
expect_eq "no group and no membership created (row counts)" "$groups_before $ug_before" \
    "$(test_sql 'SELECT count(*) FROM Groups') $(test_sql 'SELECT count(*) FROM UserGroups')"
as_root ldapadd <<EOF
dn: cn=devs,$G
objectClass: posixGroup
cn: devs
EOF
expect_eq "duplicate group: entryAlreadyExists (68)" "68" "$rc"
as_root ldapadd <<EOF
dn: ou=people,$S
objectClass: organizationalUnit
ou: people
EOF
expect_eq "adding a fixed entry: entryAlreadyExists (68)" "68" "$rc"
as_root ldapadd <<EOF
dn: cn=x,$S
objectClass: device
cn: x
EOF
expect_eq "an entry outside people/groups: unwillingToPerform (53)" "53" "$rc"
unchanged "refused group adds" "$before"

# ---- modify groups ---------------------------------------------------------------
as_root ldapmodify <<EOF
dn: cn=devs,$G
changetype: modify
add: memberUid
memberUid: pat
-
delete: memberUid
memberUid: erin
EOF
expect_eq "memberUid add + delete in one modify" "0" "$rc"
expect_eq "members after (CLI)" "dave pat" "$(cli --json group show devs | json '" ".join(d["members"])')"
expect_eq "memberUid search follows" "cn=devs,$G" "$(dns -b "$S" '(&(objectClass=posixGroup)(memberUid=pat))')"
expect_eq "erin is gone from it" "" "$(dns -b "$S" '(&(objectClass=posixGroup)(memberUid=erin))')"
as_root ldapmodify <<EOF
dn: cn=devs,$G
changetype: modify
replace: memberUid
memberUid: erin
EOF
expect_eq "memberUid replace" "0 erin" "$rc $(cli --json group show devs | json '" ".join(d["members"])')"
before=$(state)
as_root ldapmodify <<EOF
dn: cn=devs,$G
changetype: modify
add: memberUid
memberUid: dave
memberUid: ghost
EOF
expect_eq "memberUid add of an unknown user: constraintViolation (19)" "19" "$rc"
as_root ldapmodify <<EOF
dn: cn=devs,$G
changetype: modify
add: memberUid
memberUid: erin
EOF
expect_eq "memberUid add of a member: typeOrValueExists (20)" "20" "$rc"
as_root ldapmodify <<EOF
dn: cn=devs,$G
changetype: modify
replace: cn
cn: devs2
EOF
expect_eq "replace of a group's cn: unwillingToPerform (53)" "53" "$rc"
unchanged "refused group modifies" "$before"

# ---- modify users: sshPublicKey values, clearing ----------------------------------
as_root ldapmodify <<EOF
dn: uid=dave,$P
changetype: modify
add: sshPublicKey
sshPublicKey: $k2
EOF
expect_eq "sshPublicKey add of a value" "0 2" "$rc $(cli --json user show dave | json 'len(d["sshPublicKeys"])')"
as_root ldapmodify <<EOF
dn: uid=dave,$P
changetype: modify
delete: sshPublicKey
sshPublicKey: $k1
EOF
expect_eq "sshPublicKey delete of a value" "0 k2" \
    "$rc $(vals sshPublicKey -b "uid=dave,$P" -s base | awk '{print $3}')"
as_root ldapmodify <<EOF
dn: uid=dave,$P
changetype: modify
delete: mail
-
delete: givenName
EOF
expect_eq "delete of mail and givenName clears them" "0 None None" \
    "$rc $(cli --json user show dave | json 'd["mail"]') $(cli --json user show dave | json 'd["givenName"]')"
before=$(state)
as_root ldapmodify <<EOF
dn: uid=dave,$P
changetype: modify
add: sshPublicKey
sshPublicKey: ssh-ed25519 not-base64!! broken
EOF
expect_match "malformed key refused" "^(19|21)$" "$rc"
expect_match "... naming sshPublicKey" "sshPublicKey" "$out"
as_root ldapmodify <<EOF
dn: uid=dave,$P
changetype: modify
replace: mail
mail: dave2@example.org
-
replace: uidNumber
uidNumber: 9999
EOF
expect_eq "a modify with one refused change: unwillingToPerform (53)" "53" "$rc"
as_root ldapmodify <<EOF
dn: uid=dave,$P
changetype: modify
delete: sn
EOF
expect_eq "delete of sn: objectClassViolation (65)" "65" "$rc"
unchanged "refused user modifies" "$before"

# ---- modrdn ------------------------------------------------------------------------
as_root ldapmodrdn -r "uid=dave,$P" uid=david
expect_eq "ldapmodrdn renames a user" "0" "$rc"
expect_eq "the new name answers" "uid=david,$P" "$(dns -b "$P" -s one '(uid=david)')"
expect_eq "the old one is gone" "" "$(dns -b "$P" -s one '(uid=dave)')"
expect_eq "CLI sees the rename" "david" "$(cli --json user show david | json 'd["username"]')"
as_root ldapmodrdn -r "cn=devs,$G" cn=developers
expect_eq "ldapmodrdn renames a group" "0 developers" "$rc $(cli --json group show developers | json 'd["cn"]')"
before=$(state)
as_root ldapmodrdn -r "uid=david,$P" uid=erin
expect_eq "rename onto an existing user: entryAlreadyExists (68)" "68" "$rc"
as_root ldapmodrdn -r "uid=david,$P" uid=ERIN
expect_eq "rename onto a user's name in other case: entryAlreadyExists (68)" "68" "$rc"
as_root ldapmodrdn "uid=david,$P" uid=dave
expect_eq "rename keeping the old RDN: unwillingToPerform (53)" "53" "$rc"
as_root ldapmodrdn -r -s "$G" "uid=david,$P" uid=dave
expect_eq "moving to another parent: unwillingToPerform (53)" "53" "$rc"
unchanged "refused renames" "$before"

# ---- access --------------------------------------------------------------------------
before=$(state)
as_user pat pat-password ldapadd <<EOF
dn: uid=mallory,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: mallory
cn: M
sn: M
EOF
expect_eq "a plain user's add: insufficientAccess (50)" "50" "$rc"
as_user pat pat-password ldapdelete "uid=erin,$P"
expect_eq "a plain user's delete: insufficientAccess (50)" "50" "$rc"
as_user pat pat-password ldapmodify <<EOF
dn: cn=developers,$G
changetype: modify
add: memberUid
memberUid: pat
EOF
expect_eq "a plain user's group modify: insufficientAccess (50)" "50" "$rc"
as_user pat pat-password ldapmodrdn -r "uid=erin,$P" uid=erin2
expect_eq "a plain user's modrdn: insufficientAccess (50)" "50" "$rc"
unchanged "refused writes of a plain user" "$before"

as_user root1 root1-password ldapadd <<EOF
dn: uid=frank,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: frank
cn: Frank
sn: F
EOF
expect_eq "a sysadmins member may add" "0 active" "$rc $(cli --json user show frank | json 'd["status"]')"
as_user root1 root1-password ldapmodify <<EOF
dn: cn=developers,$G
changetype: modify
add: memberUid
memberUid: frank
EOF
expect_eq "a sysadmins member may modify a group" "0" "$rc"
as_user pat pat-password ldappasswd -s stolen "uid=erin,$P"
expect_match "a plain user's password change of another: insufficientAccess (50)" "Insufficient access" "$rc $out"
ldapwhoami -x -H "$URI" -D "uid=erin,$P" -w stolen > /dev/null 2>&1
expect_eq "... and that password does not bind" "49" "$?"
as_user root1 root1-password ldappasswd -s erin-new-password "uid=erin,$P"
expect_eq "a sysadmins member sets another's password (password modify)" "0" "$rc"
expect_eq "... which binds" "dn:uid=erin,$P" "$(ldapwhoami -x -H "$URI" -D "uid=erin,$P" -w erin-new-password 2>&1)"

# ---- the password policy over LDAP: modify, password modify; generated passwords ------
pw_result() { sed -n 's/^Result: .*(\([0-9]*\))$/\1/p' <<< "$out"; }
before=$(state)
as_root ldapmodify <<EOF
dn: uid=erin,$P
changetype: modify
replace: userPassword
userPassword: eleven-char
EOF
expect_eq "modify of userPassword below the policy: constraintViolation (19)" "19" "$rc"
expect_match "... with the rule" "at least 12 characters \(setting password_min_length\)" "$out"
as_user root1 root1-password ldappasswd -s eleven-char "uid=erin,$P"
expect_eq "password modify below the policy: constraintViolation (19)" "19" "$(pw_result)"
expect_match "... with the rule" "at least 12 characters \(setting password_min_length\)" "$out"
# (The tests' access policy gives users no write on their own userPassword,
# so the rootdn stands in for the other writer here.)
as_root ldappasswd -s shortpw "uid=erin,$P"
expect_eq "... also for the rootdn" "19" "$(pw_result)"
unchanged "passwords refused by the policy" "$before"
expect_eq "... the old password still binds" "dn:uid=erin,$P" \
    "$(ldapwhoami -x -H "$URI" -D "uid=erin,$P" -w erin-new-password 2>&1)"
hash_before=$(test_sql "SELECT userPassword FROM Users WHERE username = 'erin'")
as_user root1 root1-password ldappasswd "uid=erin,$P"
gen=$(sed -n 's/^New password: //p' <<< "$out")
expect_eq "password modify without a new password: success" "0" "$rc"
expect_match "... returns a generated password of at least 16 characters" '^[A-Za-z0-9_-]{16,}$' "$gen"
expect_eq "... which binds" "dn:uid=erin,$P" "$(ldapwhoami -x -H "$URI" -D "uid=erin,$P" -w "$gen" 2>&1)"
ldapwhoami -x -H "$URI" -D "uid=erin,$P" -w erin-new-password > /dev/null 2>&1
expect_eq "... and the old one no longer" "49" "$?"
expect_eq "... stored as a new argon2id hash" "yes" \
    "$(h=$(test_sql "SELECT userPassword FROM Users WHERE username = 'erin'");
       [[ $h == '$argon2id$'* && $h != "$hash_before" ]] && echo yes)"
check "password_min_length 24" cli setting set password_min_length 24
as_user root1 root1-password ldappasswd "uid=erin,$P"
gen2=$(sed -n 's/^New password: //p' <<< "$out")
expect_eq "a generated password follows the policy: 24 characters" "0 24" "$rc ${#gen2}"
expect_eq "... and binds" "dn:uid=erin,$P" "$(ldapwhoami -x -H "$URI" -D "uid=erin,$P" -w "$gen2" 2>&1)"
check "password_min_length back to the default" cli setting delete password_min_length

# ---- loginShell and homeDirectory ----------------------------------------------------
as_root ldapadd <<EOF
dn: uid=shelly,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: shelly
cn: Shelly
sn: S
loginShell: /usr/bin/zsh
homeDirectory: /srv/home/shelly
EOF
expect_eq "ldapadd with loginShell and homeDirectory" "0" "$rc"
expect_eq "... stored" "/usr/bin/zsh|/srv/home/shelly" \
    "$(test_sql "SELECT loginShell || '|' || homeDirectory FROM Users WHERE username = 'shelly'")"
expect_eq "... and served" "/usr/bin/zsh /srv/home/shelly" \
    "$(vals loginShell -b "uid=shelly,$P" -s base) $(vals homeDirectory -b "uid=shelly,$P" -s base)"
expect_eq "a filter on loginShell finds it" "uid=shelly,$P" "$(dns -b "$P" '(loginShell=/usr/bin/zsh)')"
as_root ldapmodify <<EOF
dn: uid=shelly,$P
changetype: modify
replace: loginShell
loginShell: /bin/sh
-
replace: homeDirectory
homeDirectory: /home/s
EOF
expect_eq "modify of loginShell and homeDirectory" "0" "$rc"
expect_eq "... stored" "/bin/sh|/home/s" \
    "$(test_sql "SELECT loginShell || '|' || homeDirectory FROM Users WHERE username = 'shelly'")"
expect_eq "... and served" "/bin/sh /home/s" \
    "$(vals loginShell -b "uid=shelly,$P" -s base) $(vals homeDirectory -b "uid=shelly,$P" -s base)"
before=$(state)
for bad in "loginShell: sh" "loginShell: /bin/s:h" "homeDirectory: home/s"; do
    as_root ldapmodify <<EOF
dn: uid=shelly,$P
changetype: modify
replace: ${bad%%:*}
$bad
EOF
    expect_eq "modify to '$bad': invalidAttributeSyntax (21)" "21" "$rc"
    expect_match "... naming the field and the rule" "${bad%%:*} must be an absolute path" "$out"
done
as_root ldapmodify <<EOF
dn: uid=shelly,$P
changetype: modify
add: loginShell
loginShell: /bin/zsh
EOF
expect_eq "a second loginShell: constraintViolation (19)" "19" "$rc"
unchanged "refused loginShell / homeDirectory modifies" "$before"
as_root ldapmodify <<EOF
dn: uid=shelly,$P
changetype: modify
delete: loginShell
-
delete: homeDirectory
EOF
expect_eq "deleting both goes back to the defaults" "0" "$rc"
expect_eq "... stored as NULL" "1" \
    "$(test_sql "SELECT CASE WHEN loginShell IS NULL AND homeDirectory IS NULL THEN 1 ELSE 0 END FROM Users WHERE username = 'shelly'")"
expect_eq "... served as the defaults" "/bin/bash /home/shelly" \
    "$(vals loginShell -b "uid=shelly,$P" -s base) $(vals homeDirectory -b "uid=shelly,$P" -s base)"
# (the next uidNumber read first: MariaDB refuses a subquery on the table an INSERT writes)
plain_uid=$(( $(test_sql 'SELECT max(uidNumber) FROM Users') + 1 ))
test_sql "INSERT INTO Users (uidNumber, username, cn, sn, status)
               VALUES ($plain_uid, 'plainsql', 'p', 'p', 'active')"
expect_eq "a row written by plain SQL (NULLs) serves the defaults" "/bin/bash /home/plainsql" \
    "$(vals loginShell -b "uid=plainsql,$P" -s base) $(vals homeDirectory -b "uid=plainsql,$P" -s base)"
as_root ldapdelete "uid=shelly,$P" "uid=plainsql,$P"
expect_eq "shelly and plainsql deleted" "0" "$rc"

# ---- delete ----------------------------------------------------------------------------
before=$(state)
as_root ldapdelete "cn=sysadmins,$G"
expect_eq "sysadmins undeletable: unwillingToPerform (53)" "53" "$rc"
as_root ldapdelete "cn=ldapusers,$G"
expect_eq "ldapusers undeletable: unwillingToPerform (53)" "53" "$rc"
as_root ldapdelete "$G"
expect_eq "ou=groups: notAllowedOnNonLeaf (66)" "66" "$rc"
as_root ldapdelete "$S"
expect_eq "the suffix: notAllowedOnNonLeaf (66)" "66" "$rc"
as_root ldapdelete "uid=nobody,$P"
expect_eq "an absent user: noSuchObject (32)" "32" "$rc"
expect_match "... with the matched DN" "matched DN: $P" "$out"
unchanged "refused deletes" "$before"

as_user root1 root1-password ldapdelete "uid=frank,$P"
expect_eq "a sysadmins member deletes a user" "0" "$rc"
as_root ldapdelete "uid=david,$P"
expect_eq "the rootdn deletes a user" "0" "$rc"
expect_eq "gone from LDAP and the store" " 0" \
    "$(dns -b "$P" -s one '(uid=david)') $(test_sql "SELECT count(*) FROM Users WHERE username IN ('david','frank')")"
expect_eq "its memberships went with it" "erin" "$(cli --json group show developers | json '" ".join(d["members"])')"
as_root ldapdelete "cn=developers,$G"
expect_eq "the rootdn deletes a group" "0 0" \
    "$rc $(test_sql "SELECT count(*) FROM Groups WHERE cn = 'developers'")"

if ! slapd_alive main; then
    not_ok "slapd still running"
    slapd_log_tail main
else
    ok "slapd still running"
fi
tap_done
