#!/usr/bin/env bash
# back_clusterdb answers the searches nslcd, SSSD and people send, exactly:
# every answer is compared with a projection of the expected directory
# (tests/fixtures/search-directory.ldif).  The directory is built with the CLI.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
. "$top/tests/lib-engines.sh"
set -o pipefail
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module

scratch work
test_database "$work" || { not_ok "a database on $TEST_ENGINE"; tap_done; exit 1; }
S=dc=cluster,dc=internal
PEOPLE=ou=people,$S
GROUPS_DN=ou=groups,$S
REF=$CLUSTERDB_TOP/tests/fixtures/search-directory.ldif
KEYS=$CLUSTERDB_TOP/tests/fixtures/keys
cdb() { "$CLI" --db "$DB" "$@"; }

# ---- the directory, made with the CLI ------------------------------------
setup() {
    cdb init &&
    printf 'alice-long-secret\n' | cdb user add alice --given-name Alice --sn Liddell \
        --mail alice@example.org --ssh-key-file "$KEYS/alice.pub" --password-stdin &&
    printf 'bob-long-secret\n' | cdb user add bob --given-name Bob --sn Builder \
        --mail bob+ldap@example.org --ssh-key-file "$KEYS/bob.pub" --status pending --password-stdin &&
    printf 'carol-long-secret\n' | cdb user add carol --status suspended --password-stdin &&
    printf 'dave-long-secret\n' | cdb user add dave.o-brien --cn "O'Brien, \"Dave\" + Co (Ltd) *\\ x" \
        --sn "O'Brien" --given-name Dave --mail dave.o.brien@mail.example.com --password-stdin &&
    cdb user add _erin --given-name 'Érin' --sn 'Müller-Straße' &&
    cdb group add developers && cdb group add ops --gid 3000 &&
    cdb group add-member developers alice && cdb group add-member developers dave.o-brien &&
    cdb group add-member ops bob && cdb group add-member ops dave.o-brien
}
check "directory built with the CLI" setup

if ! SLAPD_DBFILE=$DB slapd_start cdb "$work/slapd"; then
    not_ok "slapd with back_clusterdb starts"; tap_done; exit
fi
ok "slapd with back_clusterdb starts"

# expect_search DESC [PROJECTION OPTIONS...] -- LDAPSEARCH ARGS...
# The answer (anonymous) must equal the reference directory projected with
# ldif-normalize's options; userPassword is never part of an anonymous answer.
expect_search() {
    local desc=$1; shift
    local proj=()
    while [ "$1" != "--" ]; do proj+=("$1"); shift; done
    shift
    local out err rc exp act
    err=$work/stderr
    out=$(lsearch cdb "$@" 2> "$err"); rc=$?
    act=$(printf '%s\n' "$out" | ldif_normalize 2>&1)
    exp=$(ldif_normalize "${proj[@]}" --drop userPassword < "$REF")
    if [ "$rc" -eq 0 ] && [ "$exp" == "$act" ]; then
        ok "$desc"
    else
        not_ok "$desc"
        diag "ldapsearch $* (exit $rc) $(cat "$err")" "diff expected actual:" \
            "$(diff <(echo "$exp") <(echo "$act") | head -40)"
        slapd_alive cdb || diag "slapd is not running any more"
        slapd_log_tail cdb 8
    fi
}

# ---- what nslcd sends ------------------------------------------------------
expect_search "nslcd: posixAccount by uid" --dn "uid=alice,$PEOPLE" -- \
    -b "$S" '(&(objectClass=posixAccount)(uid=alice))'
expect_search "nslcd: posixAccount by uidNumber" --dn "uid=dave.o-brien,$PEOPLE" -- \
    -b "$S" '(&(objectClass=posixAccount)(uidNumber=2003))'
expect_search "nslcd: posixGroup by cn" --dn "cn=developers,$GROUPS_DN" -- \
    -b "$S" '(&(objectClass=posixGroup)(cn=developers))'
expect_search "nslcd: posixGroup by gidNumber" --dn "cn=ops,$GROUPS_DN" -- \
    -b "$S" '(&(objectClass=posixGroup)(gidNumber=3000))'
expect_search "nslcd: groups of a user (memberUid or member)" \
    --dn "cn=developers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" -- \
    -b "$S" "(&(objectClass=posixGroup)(|(memberUid=dave.o-brien)(member=uid=dave.o-brien,$PEOPLE)))"
expect_search "nslcd: group search with a non-critical deref control" \
    --dn "cn=developers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" -- \
    -E deref=member:uid -b "$S" "(&(objectClass=posixGroup)(memberUid=dave.o-brien))"
expect_search "nslcd: enumerate posixAccount" --base "$PEOPLE" --scope children -- \
    -b "$S" '(objectClass=posixAccount)'
expect_search "nslcd: enumerate posixGroup" --base "$GROUPS_DN" --scope children -- \
    -b "$S" '(objectClass=posixGroup)'
expect_search "nslcd: shadowAccount of a pending user has shadowExpire 1" \
    --dn "uid=bob,$PEOPLE" --attrs "uid shadowExpire" -- \
    -b "$S" '(&(objectClass=shadowAccount)(uid=bob))' uid shadowExpire
expect_search "nslcd: shadowAccount of an active user has no shadowExpire" \
    --dn "uid=alice,$PEOPLE" --attrs "uid shadowExpire" -- \
    -b "$S" '(&(objectClass=shadowAccount)(uid=alice))' uid shadowExpire
expect_search "nslcd: base-scope (objectClass=*) on a user DN" --dn "uid=carol,$PEOPLE" -- \
    -b "uid=carol,$PEOPLE" -s base '(objectClass=*)'
expect_search "uid is matched without regard to case" --dn "uid=alice,$PEOPLE" -- \
    -b "$S" '(&(objectClass=posixAccount)(uid=ALICE))'
expect_search "SSH keys helper: ldapPublicKey keys by uid" --dn "uid=alice,$PEOPLE" \
    --attrs sshPublicKey -- -b "$PEOPLE" '(&(objectClass=ldapPublicKey)(uid=alice))' sshPublicKey

# ---- what SSSD sends -------------------------------------------------------
rootdse=$(lsearch cdb -s base -b "" '(objectClass=*)' namingContexts supportedControl 2>&1)
expect_match "RootDSE names the suffix" "namingContexts: $S" "$rootdse"
expect_match "RootDSE advertises paged results" "supportedControl: 1.2.840.113556.1.4.319" "$rootdse"
expect_search "SSSD: (!(uidNumber=0)) on posixAccount" --base "$PEOPLE" --scope children -- \
    -b "$S" '(&(objectClass=posixAccount)(uid=*)(!(uidNumber=0)))'
expect_search "NOT of an attribute an entry lacks is TRUE" --base "$S" --scope sub -- \
    -b "$S" '(!(uidNumber=0))'
expect_search "SSSD: modifyTimestamp>= an old time selects every user" --base "$PEOPLE" --scope children -- \
    -b "$S" '(&(objectClass=posixAccount)(modifyTimestamp>=19700101000000Z))'
expect_search "SSSD: modifyTimestamp>= a future time selects nobody" --dn none -- \
    -b "$S" '(&(objectClass=posixAccount)(modifyTimestamp>=20990101000000Z))'

# ---- group entries are built with the members the search needs -----------
# (docs/slapd-module.md): none, the filter's memberUid equality values, or
# all of them.  Each answer is the reference directory's, members included.
expect_search "nslcd: groups of a user, attributes cn gidNumber" \
    --dn "cn=developers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" --attrs "cn gidNumber" -- \
    -b "$S" "(&(objectClass=posixGroup)(memberUid=dave.o-brien))" cn gidNumber
expect_search "memberUid asked for with a memberUid filter: every member" \
    --dn "cn=developers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" --attrs "cn memberUid" -- \
    -b "$S" "(&(objectClass=posixGroup)(memberUid=dave.o-brien))" cn memberUid
expect_search "'*' with a memberUid filter: every member" \
    --dn "cn=sysadmins,$GROUPS_DN" --dn "cn=developers,$GROUPS_DN" -- \
    -b "$S" "(&(objectClass=posixGroup)(memberUid=alice))" '*'
expect_search "no attribute list with a memberUid filter: every member" \
    --dn "cn=ops,$GROUPS_DN" -- -b "$S" "(&(objectClass=posixGroup)(memberUid=bob))"
expect_search "OR of two memberUid equalities" \
    --dn "cn=sysadmins,$GROUPS_DN" --dn "cn=developers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" \
    --attrs "cn gidNumber" -- \
    -b "$S" "(&(objectClass=posixGroup)(|(memberUid=alice)(memberUid=bob)))" cn gidNumber
expect_search "AND of two memberUid equalities: groups with both" \
    --dn "cn=developers,$GROUPS_DN" --attrs cn -- \
    -b "$S" "(&(objectClass=posixGroup)(memberUid=alice)(memberUid=dave.o-brien))" cn
expect_search "NOT of a memberUid equality" \
    --dn "cn=ldapusers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" --attrs cn -- \
    -b "$S" "(&(objectClass=posixGroup)(!(memberUid=alice)))" cn
expect_search "NOT of a memberUid equality, all groups" \
    --dn "cn=ldapusers,$GROUPS_DN" --dn "cn=sysadmins,$GROUPS_DN" --dn "cn=developers,$GROUPS_DN" \
    --attrs cn -- -b "$GROUPS_DN" -s one "(!(memberUid=bob))" cn
expect_search "NOT of an OR of memberUid equalities, members asked for" \
    --dn "cn=ldapusers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" --attrs "cn memberUid" -- \
    -b "$GROUPS_DN" -s one "(!(|(memberUid=alice)(memberUid=nobody)))" cn memberUid
expect_search "memberUid is caseExact: another case matches no group" --dn none -- \
    -b "$S" "(&(objectClass=posixGroup)(memberUid=ALICE))" cn
expect_search "memberUid presence without members asked for" \
    --dn "cn=sysadmins,$GROUPS_DN" --dn "cn=developers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" \
    --attrs cn -- -b "$S" "(&(objectClass=posixGroup)(memberUid=*))" cn
expect_search "memberUid substring without members asked for" \
    --dn "cn=developers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" --attrs cn -- \
    -b "$S" "(&(objectClass=posixGroup)(memberUid=*o-b*))" cn
expect_search "memberUid approx without members asked for" \
    --dn "cn=ops,$GROUPS_DN" --attrs cn -- \
    -b "$S" "(&(objectClass=posixGroup)(memberUid~=bob))" cn
expect_search "memberUid extensible match without members asked for" \
    --dn "cn=ops,$GROUPS_DN" --attrs cn -- \
    -b "$S" "(&(objectClass=posixGroup)(memberUid:caseExactIA5Match:=bob))" cn
expect_search "group base entry with a memberUid filter and memberUid asked for" \
    --dn "cn=ops,$GROUPS_DN" --attrs memberUid -- \
    -b "cn=ops,$GROUPS_DN" -s base "(memberUid=bob)" memberUid

# ---- filters larger or deeper than one SQL statement takes ----------------
# slapd accepts them, so they get answered: the module widens the candidate
# query to what fits and test_filter decides (docs/slapd-module.md).
# or_of ATTR COUNT VALUE...: an OR of COUNT equality terms, the given values
# among COUNT-N values no entry has.
or_of() {
    local attr=$1 count=$2 i f='(|'
    shift 2
    for ((i = 0; i < count - $#; i++)); do
        if [[ $attr == *Number ]]; then f+="($attr=$((900000 + i)))"; else f+="($attr=nobody$i)"; fi
    done
    for v in "$@"; do f+="($attr=$v)"; done
    printf '%s)' "$f"
}
expect_search "OR of 300 uid terms" --dn "uid=alice,$PEOPLE" --dn "uid=bob,$PEOPLE" -- \
    -b "$S" "$(or_of uid 300 alice BOB)"
expect_search "OR of 300 uidNumber terms (objectClass=posixAccount)" \
    --dn "uid=dave.o-brien,$PEOPLE" -- -b "$S" "(&(objectClass=posixAccount)$(or_of uidNumber 300 2003))"
expect_search "OR of 300 mail terms" --dn "uid=alice,$PEOPLE" -- \
    -b "$S" "$(or_of mail 300 alice@example.org)"
expect_search "OR of 300 cn terms" --dn "cn=ops,$GROUPS_DN" -- \
    -b "$GROUPS_DN" "$(or_of cn 300 ops)"
expect_search "OR of 300 memberUid terms" --dn "cn=sysadmins,$GROUPS_DN" --dn "cn=developers,$GROUPS_DN" -- \
    -b "$S" "$(or_of memberUid 300 alice)"
expect_search "OR of 1000 uid terms under an AND with a narrow term" --dn "uid=alice,$PEOPLE" -- \
    -b "$S" "(&(uid=alice)$(or_of uid 1000 alice bob))"
# nested DEPTH LAST: alternating |/& DEPTH levels, each with a term no entry
# matches beside the deeper level (after it when LAST is 1); LAST innermost.
nested() {
    local depth=$1 innermost=$2 first=$3 i f
    f=$innermost
    for ((i = depth; i > 0; i--)); do
        if ((i % 2)); then
            if ((first)); then f="(|$f(uid=nobody$i))"; else f="(|(uid=nobody$i)$f)"; fi
        else
            if ((first)); then f="(&$f(objectClass=posixAccount))"; else f="(&(uid=*)$f)"; fi
        fi
    done
    printf '%s' "$f"
}
for depth in 61 66 70; do
    expect_search "alternating |/& nested $depth levels, deeper level last" \
        --dn "uid=alice,$PEOPLE" -- -b "$S" "$(nested $depth '(uid=alice)' 0)"
    expect_search "alternating |/& nested $depth levels, deeper level first" \
        --dn "uid=alice,$PEOPLE" -- -b "$S" "$(nested $depth '(uid=alice)' 1)"
done
expect_search "alternating |/& nested 70 levels around 300 memberUid terms" \
    --dn "cn=sysadmins,$GROUPS_DN" --dn "cn=developers,$GROUPS_DN" --dn "cn=ops,$GROUPS_DN" -- \
    -b "$GROUPS_DN" "$(nested 70 "$(or_of memberUid 300 alice bob)" 1 | sed 's/(uid=\*)/(cn=*)/g; s/(objectClass=posixAccount)/(objectClass=posixGroup)/g')"

# ---- every scope from every kind of base -----------------------------------
for base in "$S" "$PEOPLE" "$GROUPS_DN" "uid=alice,$PEOPLE" "cn=developers,$GROUPS_DN"; do
    for scope in base one sub children; do
        expect_search "scope $scope from $base" --base "$base" --scope "$scope" --attrs 1.1 -- \
            -b "$base" -s "$scope" '(objectClass=*)' 1.1
    done
done
expect_search "filtered subtree search from the suffix" \
    --dn "uid=alice,$PEOPLE" --dn "uid=bob,$PEOPLE" --attrs "mail" -- \
    -b "$S" '(mail=*@example.org)' mail

# ---- noSuchObject and its matchedDN ---------------------------------------
no_such() {
    local base=$1 matched=$2 out rc
    out=$(lsearch cdb -b "$base" '(objectClass=*)' 2>&1); rc=$?
    if [ "$rc" -eq 32 ] && [[ "$out" == *"Matched DN: $matched"* ]]; then
        ok "noSuchObject for $base, matchedDN $matched"
    else
        not_ok "noSuchObject for $base, matchedDN $matched"; diag "exit $rc" "$out"
    fi
}
no_such "uid=nobody,$PEOPLE" "$PEOPLE"
no_such "cn=nogroup,$GROUPS_DN" "$GROUPS_DN"
no_such "ou=nowhere,$S" "$S"
no_such "cn=x,uid=alice,$PEOPLE" "uid=alice,$PEOPLE"

# ---- size limit and paged results -----------------------------------------
out=$(lsearch cdb -z 2 -b "$S" '(objectClass=posixAccount)' 1.1 2>&1); rc=$?
n=$(printf '%s\n' "$out" | grep -c '^dn:')
expect_eq "-z 2: sizeLimitExceeded (exit 4) with exactly 2 entries" "4 2" "$rc $n"
out=$(lsearch cdb -z 5 -b "$S" '(objectClass=posixAccount)' 1.1 2>&1); rc=$?
n=$(printf '%s\n' "$out" | grep -c '^dn:')
expect_eq "-z 5 with 5 users: success with 5 entries" "0 5" "$rc $n"
expect_search "paged results, 2 per page, return every user" --base "$PEOPLE" --scope children -- \
    -E pr=2/noprompt -b "$S" '(objectClass=posixAccount)'
expect_search "paged results, 1 per page, return the whole tree" --base "$S" --scope sub --attrs 1.1 -- \
    -E pr=1/noprompt -b "$S" '(objectClass=*)' 1.1
expect_search "paged results, 3 per page, subtree of ou=groups" --base "$GROUPS_DN" --scope sub -- \
    -E pr=3/noprompt -b "$GROUPS_DN" '(objectClass=*)'

# ---- attributes requested, typesOnly, operational attributes ---------------
expect_search "requested attributes only" --dn "uid=alice,$PEOPLE" --attrs "uid mail" -- \
    -b "$S" '(uid=alice)' uid mail
expect_search "no attributes (1.1)" --dn "uid=alice,$PEOPLE" --attrs 1.1 -- \
    -b "$S" '(uid=alice)' 1.1
out=$(lsearch cdb -A -b "$S" '(uid=bob)' 2>&1)
names=$(printf '%s\n' "$out" | grep -v '^dn:' | sort -u | tr '\n' ' ')
want=$(ldif_normalize --dn "uid=bob,$PEOPLE" --drop userPassword < "$REF" | grep -v '^dn:' |
    sed -n 's/^\([a-z]*\): .*/\1:/p' | sort -u | tr '\n' ' ')
expect_eq "typesOnly (-A): attribute names, no values" "$want" "$(echo "$names" | tr 'A-Z' 'a-z')"
ops=$(lsearch cdb -b "uid=alice,$PEOPLE" -s base '(objectClass=*)' '+' 2>&1)
expect_match "operational: entryUUID" $'entryUUID: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$ops"
expect_match "operational: createTimestamp and modifyTimestamp" \
    $'createTimestamp: [0-9]{14}Z.*modifyTimestamp: [0-9]{14}Z|modifyTimestamp: [0-9]{14}Z.*createTimestamp: [0-9]{14}Z' \
    "$(echo $ops)"
memberof=$(printf '%s\n' "$ops" | sed -n 's/^memberOf: //p' | tr 'A-Z' 'a-z' | sort | tr '\n' ' ')
expect_eq "operational: memberOf lists the user's groups" \
    "cn=developers,$GROUPS_DN cn=sysadmins,$GROUPS_DN " "$memberof"
out=$(lsearch cdb -b "uid=alice,$PEOPLE" -s base '(objectClass=*)' 2>&1)
if [[ "$out" == *memberOf* || "$out" == *entryUUID* ]]; then
    not_ok "operational attributes are not returned for '*'"; diag "$out"
else ok "operational attributes are not returned for '*'"; fi
expect_search "hasSubordinates=TRUE: the suffix, ou=people, ou=groups, ou=SUDOers (administrators' rule)" \
    --dn "$S" --dn "$PEOPLE" --dn "$GROUPS_DN" --dn "ou=SUDOers,$S" --attrs 1.1 -- -b "$S" '(hasSubordinates=TRUE)' 1.1
expect_search "entryDN equality" --dn "uid=bob,$PEOPLE" --attrs 1.1 -- \
    -b "$S" "(entryDN=UID=Bob,$PEOPLE)" 1.1
expect_search "memberOf filter finds the members of a group" \
    --dn "uid=alice,$PEOPLE" --dn "uid=dave.o-brien,$PEOPLE" --attrs 1.1 -- \
    -b "$S" "(memberOf=cn=developers,$GROUPS_DN)" 1.1

# ---- values that need escaping; DNs written differently ---------------------
# Usernames (and so RDN values) never need escaping: the CLI refuses them.
# The escaping is exercised with attribute values in filters instead.
"$CLI" --db "$DB" user add 'a,b+c' > /dev/null 2>&1
expect_eq "the CLI refuses a username that would need DN escaping (exit 3)" 3 "$?"
expect_search "filter value with comma, quotes, plus, parentheses, star, backslash" \
    --dn "uid=dave.o-brien,$PEOPLE" --attrs cn -- \
    -b "$S" '(cn=O'"'"'Brien, "Dave" + Co \28Ltd\29 \2a\5c x)' cn
expect_search "substring with escaped parentheses" --dn "uid=dave.o-brien,$PEOPLE" --attrs 1.1 -- \
    -b "$S" '(cn=*\28ltd\29*)' 1.1
expect_search "non-ASCII value, other case" --dn "uid=_erin,$PEOPLE" --attrs 1.1 -- \
    -b "$S" '(cn=érin MÜLLER-straße)' 1.1
expect_search "non-ASCII substring" --dn "uid=_erin,$PEOPLE" --attrs 1.1 -- \
    -b "$S" '(sn=*ller-Str*)' 1.1
expect_search "mail with plus sign" --dn "uid=bob,$PEOPLE" --attrs 1.1 -- \
    -b "$S" '(mail=BOB+LDAP@example.org)' 1.1
expect_search "base DN in other case and spacing" --dn "uid=alice,$PEOPLE" --attrs uid -- \
    -b "UID=Alice, OU=People, DC=Cluster, DC=Internal" -s base '(objectClass=*)' uid
expect_search "base DN with a hex-escaped RDN value" --dn "uid=alice,$PEOPLE" --attrs uid -- \
    -b "uid=\\61lice,$PEOPLE" -s base '(objectClass=*)' uid
expect_search "extensible match on DN components" --base "$GROUPS_DN" --scope sub --attrs 1.1 -- \
    -b "$S" '(ou:dn:=groups)' 1.1

# ---- password hashes -------------------------------------------------------
out=$(lsearch cdb -b "$S" '(uid=alice)' userPassword 2>&1)
if [[ "$out" == *userPassword* || "$out" == *argon2* ]]; then
    not_ok "userPassword is not visible anonymously"; diag "$out"
else ok "userPassword is not visible anonymously"; fi
expect_search "userPassword cannot be searched anonymously" --dn none -- \
    -b "$S" '(userPassword=*)'
out=$(rsearch cdb -b "$S" '(uid=alice)' userPassword 2>&1 | ldif_normalize)
expect_match "the rootdn sees {ARGON2} + the PHC string" 'userpassword: \{ARGON2\}\$argon2id\$v=19\$' "$out"

# expect_ldif DESC EXPECTED ACTUAL: equal once both are normalized.
expect_ldif() {
    expect_eq "$1" "$(printf '%s\n' "$2" | ldif_normalize)" "$(printf '%s\n' "$3" | ldif_normalize)"
}

# ---- a change made with the CLI is visible to the very next search ---------
sleep 1
since=$(date -u +%Y%m%d%H%M%SZ)
check "CLI: add frank" cdb user add frank --given-name Frank --sn Zappa
out=$(lsearch cdb -b "$S" '(uid=frank)' uidNumber cn 2>&1)
expect_ldif "new user is found at once" "dn: uid=frank,$PEOPLE
uidNumber: 2005
cn: Frank Zappa" "$out"
check "CLI: set frank's mail" cdb user set frank --mail frank@example.org
out=$(lsearch cdb -b "$S" '(uid=frank)' mail 2>&1)
expect_eq "changed mail is served at once" "dn: uid=frank,$PEOPLE
mail: frank@example.org" "$out"
out=$(lsearch cdb -b "$S" "(&(objectClass=posixAccount)(modifyTimestamp>=$since))" 1.1 2>&1)
expect_eq "modifyTimestamp>= the time before the change selects only the changed user" \
    "dn: uid=frank,$PEOPLE" "$out"
check "CLI: add frank to ops" cdb group add-member ops frank
out=$(lsearch cdb -b "$S" '(&(objectClass=posixGroup)(memberUid=frank))' cn 2>&1)
expect_eq "new membership: memberUid at once" "dn: cn=ops,$GROUPS_DN
cn: ops" "$out"
out=$(lsearch cdb -b "uid=frank,$PEOPLE" -s base '(objectClass=*)' memberOf 2>&1)
expect_eq "new membership: memberOf at once" "dn: uid=frank,$PEOPLE
memberOf: cn=ops,$GROUPS_DN" "$out"
check "CLI: remove frank from ops" cdb group remove-member ops frank
out=$(lsearch cdb -b "$S" '(&(objectClass=posixGroup)(memberUid=frank))' cn 2>&1)
expect_eq "removed membership is gone at once" "" "$out"
check "CLI: activate bob" cdb user set bob --status active
out=$(lsearch cdb -b "$S" '(uid=bob)' shadowExpire 2>&1)
expect_eq "activated user loses shadowExpire at once" "dn: uid=bob,$PEOPLE" "$out"
check "CLI: delete frank" cdb user delete frank
out=$(lsearch cdb -b "$S" '(uid=frank)' 2>&1)
expect_eq "deleted user is gone at once" "" "$out"
lsearch cdb -b "uid=frank,$PEOPLE" -s base '(objectClass=*)' > /dev/null 2>&1
expect_eq "deleted user's DN: noSuchObject" "32" "$?"

if slapd_alive cdb; then ok "slapd is still running"; else not_ok "slapd is still running"; slapd_log_tail cdb; fi
tap_done
