#!/usr/bin/env bash
# Smoke test of back_clusterdb: a private slapd over a database the CLI
# built, the queries nslcd sends (DESIGN.md section 4), scopes, limits,
# paging, binds, compare, and dbfile changes through cn=config.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-slapd.sh"

slapd_require_module
if [ ! -x "$CLI" ]; then
    skip "clusterdb CLI not built"
    tap_done; exit
fi

scratch work
db=$work/clusterdb.db
S=$SLAPD_SUFFIX
P="ou=people,$S"
G="ou=groups,$S"
X="ou=SUDOers,$S"   # sudo rules (the default sysadmins group: cn=administrators)
cli() { "$CLI" --db "$db" "$@"; }

# ---- the directory -------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C alice-1 -f "$work/k1" && ssh-keygen -q -t ed25519 -N '' -C alice-2 -f "$work/k2"
cat "$work/k1.pub" "$work/k2.pub" > "$work/alice.keys"
check "database created by the CLI" cli init
check "active user alice" sh -c "echo alice-password | \"$CLI\" --db '$db' user add alice --given-name Alice --sn Smith --mail alice@example.org --ssh-key-file '$work/alice.keys' --password-stdin"
check "pending user bob" sh -c "echo bob-password | \"$CLI\" --db '$db' user add bob --cn 'Bøb Jönsson' --sn Jönsson --status pending --password-stdin"
check "suspended user carol" sh -c "echo carol-password | \"$CLI\" --db '$db' user add carol --status suspended --password-stdin"
check "group devs with alice and bob" sh -c "\"$CLI\" --db '$db' group add devs && \"$CLI\" --db '$db' group add-member devs alice && \"$CLI\" --db '$db' group add-member devs bob"
alice_uid=$(cli --json user show alice | python3 -c 'import json,sys; print(json.load(sys.stdin)["uidNumber"])' 2>/dev/null || echo 2000)
devs_gid=$(cli --json group show devs | python3 -c 'import json,sys; print(json.load(sys.stdin)["gidNumber"])' 2>/dev/null || echo 2002)

# ---- server ----------------------------------------------------------------
if ! SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    not_ok "slapd starts with back_clusterdb"
    tap_done; exit
fi
ok "slapd starts with back_clusterdb"

dns() { lsearch main "$@" 1.1 | sed -n 's/^dn: //p' | sort | tr '\n' ' ' | sed 's/ $//'; }
attr() { local a=$1; shift; lsearch main "$@" "$a" | sed -n "s/^$a: //p" | tr '\n' ' ' | sed 's/ $//'; }

# ---- what nslcd asks ---------------------------------------------------------
expect_eq "posixAccount by uid" "uid=alice,$P" "$(dns -b "$S" '(&(objectClass=posixAccount)(uid=alice))')"
expect_eq "posixAccount by uidNumber" "uid=alice,$P" "$(dns -b "$S" "(&(objectClass=posixAccount)(uidNumber=$alice_uid))")"
expect_eq "posixGroup by cn" "cn=devs,$G" "$(dns -b "$S" '(&(objectClass=posixGroup)(cn=devs))')"
expect_eq "posixGroup by gidNumber" "cn=devs,$G" "$(dns -b "$S" "(&(objectClass=posixGroup)(gidNumber=$devs_gid))")"
expect_eq "posixGroup by memberUid or member" "cn=devs,$G" \
    "$(dns -b "$S" "(&(objectClass=posixGroup)(|(memberUid=bob)(member=uid=bob,$P)))")"
expect_eq "enumerate posixAccount" "uid=alice,$P uid=bob,$P uid=carol,$P" "$(dns -b "$S" '(objectClass=posixAccount)')"
expect_eq "shadowAccount by uid" "uid=bob,$P" "$(dns -b "$S" '(&(objectClass=shadowAccount)(uid=bob))')"
expect_eq "base-scope read of a user" "uid=alice,$P" "$(dns -b "uid=alice,$P" -s base '(objectClass=*)')"
expect_eq "uid matches without regard to case" "uid=alice,$P" "$(dns -b "$S" '(uid=ALICE)')"
expect_eq "NOT filter (SSSD)" "uid=bob,$P uid=carol,$P" "$(dns -b "$P" -s one "(!(uidNumber=$alice_uid))")"
expect_eq "substring on cn" "uid=alice,$P" "$(dns -b "$S" '(cn=*Smi*)')"
expect_eq "modifyTimestamp>= (SSSD refresh)" "3" \
    "$(lsearch main -b "$P" -s one '(modifyTimestamp>=20000101000000Z)' 1.1 | grep -c '^dn:')"
expect_eq "memberOf equality (rfc2307bis)" "uid=alice,$P uid=bob,$P" "$(dns -b "$S" "(memberOf=cn=devs,$G)")"
expect_eq "memberOf of a group that does not exist" "" "$(dns -b "$S" "(memberOf=cn=nothere,$G)")"
expect_eq "groups without members" "cn=ldapusers,$G" "$(dns -b "$G" '(&(objectClass=posixGroup)(!(memberUid=*)))')"
expect_eq "no such user: no entries" "" "$(dns -b "$S" '(&(objectClass=posixAccount)(uid=nobody))')"

# ---- entry contents -----------------------------------------------------------
expect_eq "alice's SSH keys, one value each" "2" "$(lsearch main -b "uid=alice,$P" -s base sshPublicKey | grep -c '^sshPublicKey:')"
expect_eq "alice's account fields" "2000 /home/alice /bin/bash Alice Smith" \
    "$(attr gidNumber -b "uid=alice,$P" -s base) $(attr homeDirectory -b "uid=alice,$P" -s base) $(attr loginShell -b "uid=alice,$P" -s base) $(attr gecos -b "uid=alice,$P" -s base)"
expect_eq "active user has no shadowExpire" "" "$(attr shadowExpire -b "uid=alice,$P" -s base)"
expect_eq "pending user expired" "1" "$(attr shadowExpire -b "uid=bob,$P" -s base)"
expect_eq "suspended user expired" "1" "$(attr shadowExpire -b "uid=carol,$P" -s base)"
expect_eq "non-ASCII cn gives no gecos" "" "$(attr gecos -b "uid=bob,$P" -s base)"
expect_eq "memberOf (operational)" "cn=devs,$G cn=sysadmins,$G" \
    "$(lsearch main -b "uid=alice,$P" -s base memberOf | sed -n 's/^memberOf: //p' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "memberUid values" "alice bob" "$(attr memberUid -b "cn=devs,$G" -s base)"
expect_eq "userPassword hidden from anonymous" "" "$(attr userPassword -b "uid=alice,$P" -s base)"
expect_match "userPassword {ARGON2} for the rootdn" '^e0FSR09OMn0k' \
    "$(rsearch main -b "uid=alice,$P" -s base userPassword | sed -n 's/^userPassword:: //p')"
ops=$(lsearch main -b "uid=alice,$P" -s base + )
expect_match "operational attributes" 'entryUUID: .*createTimestamp: [0-9]{14}Z.*modifyTimestamp: .*hasSubordinates: FALSE' "$(echo "$ops" | tr '\n' ' ')"
expect_match "structuralObjectClass and entryDN" "structuralObjectClass: inetOrgPerson.*entryDN: uid=alice,$P" "$(echo "$ops" | tr '\n' ' ')"
uuid1=$(attr entryUUID -b "uid=alice,$P" -s base); uuid2=$(attr entryUUID -b "uid=alice,$P" -s base)
expect_eq "entryUUID is stable" "$uuid1" "$uuid2"
expect_eq "suffix entry" "top dcObject organization" "$(attr objectClass -b "$S" -s base)"

# ---- scopes, errors, limits ---------------------------------------------------
expect_eq "one level below the suffix (with the rootdn's entry)" "$SLAPD_ROOTDN $X $G $P" "$(dns -b "$S" -s one '(objectClass=*)')"
expect_eq "children of ou=groups" "cn=devs,$G cn=ldapusers,$G cn=sysadmins,$G" "$(dns -b "$G" -s children '(objectClass=*)')"
expect_eq "one level below a user: nothing" "" "$(dns -b "uid=alice,$P" -s one '(objectClass=*)')"
out=$(ldapsearch -x -H "${SLAPD_URI[main]}" -b "uid=zed,$P" -s base 2>&1)
expect_match "noSuchObject with matchedDN" "result: 32 No such object.*matchedDN: $P" "$(echo "$out" | tr '\n' ' ')"
lsearch main -b "$S" -z 2 '(objectClass=posixAccount)' 1.1 > "$work/z.out" 2>&1; rc=$?
expect_eq "size limit: 2 entries then sizeLimitExceeded (4)" "4 2" "$rc $(grep -c '^dn:' "$work/z.out")"
all=$(lsearch main -b "$S" '(objectClass=*)' 1.1 | grep '^dn:')
paged=$(lsearch main -b "$S" -E pr=2/noprompt '(objectClass=*)' 1.1 | grep '^dn:')
expect_eq "paged results give every entry once" "$all" "$paged"
expect_eq "paged results: 11 entries in pages of 2" "5" "$(lsearch main -b "$S" -E pr=2/noprompt '(objectClass=*)' 1.1 | grep -c '^# pagedresults: cookie=.')"

lsearch main -b "uid=alice,$P" -s base -e '!assert=(uid=alice)' 1.1 > /dev/null 2>&1; rc=$?
expect_eq "assertion control that holds" "0" "$rc"
lsearch main -b "uid=alice,$P" -s base -e '!assert=(uid=bob)' 1.1 > /dev/null 2>&1; rc=$?
expect_eq "assertion control that fails: assertionFailed (122)" "122" "$rc"
expect_eq "critical paged results accepted" "3" \
    "$(lsearch main -b "$P" -s one -E '!pr=1/noprompt' '(objectClass=posixAccount)' 1.1 | grep -c '^dn:')"
expect_eq "hasSubordinates compare on ou=groups" "TRUE" "$(ldapcompare -x -H "${SLAPD_URI[main]}" "$G" hasSubordinates:TRUE 2>&1)"
expect_eq "hasSubordinates filter" "$S $X $G $P" "$(dns -b "$S" '(hasSubordinates=TRUE)')"

# ---- binds ----------------------------------------------------------------------
expect_eq "bind as an active user" "dn:uid=alice,$P" "$(ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-password 2>&1)"
for who in "alice:wrong-password:wrong password" "bob:bob-password:pending user" "carol:carol-password:suspended user" "nobody:x:unknown user"; do
    IFS=: read -r u pw why <<< "$who"
    out=$(ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=$u,$P" -w "$pw" 2>&1); rc=$?
    expect_eq "bind refused: $why (49)" "49" "$rc"
done
expect_eq "rootdn bind (frontend)" "dn:$SLAPD_ROOTDN" "$(ldapwhoami -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" 2>&1)"
ldapwhoami -x -H "${SLAPD_URI[main]}" -D "ou=people,$S" -w x > /dev/null 2>&1; rc=$?
expect_eq "bind to a non-user entry refused" "49" "$rc"

# ---- push second factor (DESIGN.md section 7) ------------------------------------
# A stand-in push service: answers with the action written in $work/push.action
# and records each request's username.
cat > "$work/push.py" <<'PY'
import http.server, json, sys
action_file, log_file = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(log_file, "a") as f:
            f.write("%s %s\n" % (self.path, body.get("username")))
        answer = json.dumps({"success": True, "action": open(action_file).read().strip()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
echo approve > "$work/push.action"
python3 "$work/push.py" "$work/push.action" "$work/push.log" > "$work/push.port" 2>/dev/null &
pushpid=$!
on_exit "kill $pushpid 2>/dev/null"
for _ in $(seq 1 50); do [ -s "$work/push.port" ] && break; sleep 0.1; done
cli setting set push_notification_url "http://127.0.0.1:$(cat "$work/push.port")" > /dev/null
cli setting set push_notification_enabled true > /dev/null
expect_eq "push approved: bind succeeds" "dn:uid=alice,$P" "$(ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-password 2>&1)"
expect_eq "the push named the user" "/send-notification alice" "$(tail -n 1 "$work/push.log" 2>/dev/null)"
echo reject > "$work/push.action"
ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-password > /dev/null 2>&1; rc=$?
expect_eq "push rejected: invalidCredentials (49)" "49" "$rc"
n_before=$(wc -l < "$work/push.log")
ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w wrong-password > /dev/null 2>&1; rc=$?
expect_eq "wrong password: refused without a push" "49 $n_before" "$rc $(wc -l < "$work/push.log")"
cli setting set push_notification_enabled false > /dev/null
expect_eq "push disabled again: bind succeeds" "dn:uid=alice,$P" "$(ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-password 2>&1)"

# ---- compare and writes -----------------------------------------------------------
expect_eq "compare uid TRUE" "TRUE" "$(ldapcompare -x -H "${SLAPD_URI[main]}" "uid=alice,$P" uid:alice 2>&1)"
expect_eq "compare uidNumber FALSE" "FALSE" "$(ldapcompare -x -H "${SLAPD_URI[main]}" "uid=alice,$P" uidNumber:1 2>&1)"
expect_eq "compare userPassword with the plaintext: FALSE, even for the rootdn" "FALSE" \
    "$(ldapcompare -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" "uid=alice,$P" userPassword:alice-password 2>&1)"
ldapcompare -x -H "${SLAPD_URI[main]}" "uid=alice,$P" userPassword:alice-password > /dev/null 2>&1; rc=$?
expect_eq "compare userPassword anonymously: insufficientAccess (50)" "50" "$rc"
rmod() { ldapmodify -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" > /dev/null 2>&1; }
printf 'dn: uid=alice,%s\nchangetype: modify\nreplace: mail\nmail: alice2@example.org\n-\nreplace: givenName\ngivenName: Alicia\n' "$P" | rmod; rc=$?
expect_eq "modify replace mail and givenName" "0 alice2@example.org Alicia" \
    "$rc $(attr mail -b "uid=alice,$P" -s base) $(attr givenName -b "uid=alice,$P" -s base)"
expect_eq "the store has the change" "alice2@example.org" \
    "$(cli --json user show alice | python3 -c 'import json,sys; print(json.load(sys.stdin)["mail"])' 2>&1)"
printf 'dn: uid=bob,%s\nchangetype: modify\nreplace: mail\nmail: ALICE2@example.org\n' "$P" | rmod; rc=$?
expect_eq "modify to a mail in use: constraintViolation (19)" "19" "$rc"
printf 'dn: uid=alice,%s\nchangetype: modify\nreplace: uidNumber\nuidNumber: 1\n' "$P" | rmod; rc=$?
expect_eq "modify of uidNumber: unwillingToPerform (53)" "53" "$rc"
printf 'dn: uid=alice,%s\nchangetype: modify\nreplace: mail\nmail: x@example.org\n' "$P" |
    ldapmodify -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-password > /dev/null 2>&1; rc=$?
expect_eq "modify by a sysadmins member (alice, the first user) needs no ACL grant" "0" "$rc"
printf 'dn: cn=new,%s\nchangetype: add\nobjectClass: device\ncn: new\n' "$S" | rmod; rc=$?
expect_eq "add outside ou=people/ou=groups: unwillingToPerform (53)" "53" "$rc"
check "password modify extended operation" \
    ldappasswd -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" -s alice-new-password "uid=alice,$P"
expect_eq "bind with the new password" "dn:uid=alice,$P" "$(ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-new-password 2>&1)"
ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-password > /dev/null 2>&1; rc=$?
expect_eq "the old password no longer binds" "49" "$rc"
expect_match "the store holds an argon2id hash" '^\$argon2id\$' \
    "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select userPassword from Users where username=?", ("alice",)).fetchone()[0])' "$db")"

# ---- store changes are visible at once -------------------------------------------------
cli user add dave > /dev/null 2>&1
expect_eq "a user the CLI adds is served" "uid=dave,$P" "$(dns -b "$S" '(uid=dave)')"

check "slapd still running" slapd_alive main
slapd_stop main

# ---- cn=config: dbfile changes at run time ------------------------------------------------
db2=$work/second.db
"$CLI" --db "$db2" init > /dev/null && "$CLI" --db "$db2" user add zoe > /dev/null
cfgdir=$work/cfg
mkdir -p "$cfgdir/slapd.d"
sed -e 's/^database clusterdb$/database config\nrootdn "cn=config"\nrootpw cfgsecret\n\ndatabase clusterdb/' \
    "$work/slapd/slapd.conf" > "$cfgdir/flat.conf"
if out=$(slaptest -f "$cfgdir/flat.conf" -F "$cfgdir/slapd.d" 2>&1); then
    ok "slapd.conf converts to cn=config"
    # lib-slapd.sh starts from a conf file; this server runs from the
    # config directory, the way Debian's slapd does.
    port=$(slapd_free_port)
    /usr/sbin/slapd -h "ldap://127.0.0.1:$port/" -F "$cfgdir/slapd.d" -d stats > "$cfgdir/slapd.log" 2>&1 < /dev/null &
    cfgpid=$!
    on_exit "kill -INT $cfgpid 2>/dev/null; wait $cfgpid 2>/dev/null"
    uri=ldap://127.0.0.1:$port/
    for _ in $(seq 1 100); do
        ldapsearch -x -LLL -H "$uri" -s base -b "" 1.1 > /dev/null 2>&1 && break; sleep 0.1
    done
    cfgdn=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$uri" -D cn=config -w cfgsecret -b cn=config '(objectClass=olcClusterdbConfig)' 1.1 | sed -n 's/^dn: //p')
    expect_match "olcClusterdbConfig entry" '^olcDatabase=\{1\}clusterdb,cn=config$' "$cfgdn"
    expect_eq "before: users of the first file" "alice bob carol dave" \
        "$(ldapsearch -x -LLL -H "$uri" -b "$P" -s one uid | sed -n 's/^uid: //p' | sort | tr '\n' ' ' | sed 's/ $//')"
    printf 'dn: %s\nchangetype: modify\nreplace: olcClusterdbFile\nolcClusterdbFile: %s\n' "$cfgdn" "$work/missing.db" |
        ldapmodify -x -H "$uri" -D cn=config -w cfgsecret > /dev/null 2>&1; rc=$?
    expect_eq "a dbfile that cannot be opened is refused" "80" "$rc"
    expect_eq "still serving the first file" "alice" "$(ldapsearch -x -LLL -H "$uri" -b "$S" '(uid=alice)' uid | sed -n 's/^uid: //p')"
    printf 'dn: %s\nchangetype: modify\nreplace: olcClusterdbFile\nolcClusterdbFile: %s\n' "$cfgdn" "$db2" |
        ldapmodify -x -H "$uri" -D cn=config -w cfgsecret > /dev/null 2>&1; rc=$?
    expect_eq "dbfile replaced through cn=config" "0" "$rc"
    expect_eq "after: users of the second file" "zoe" \
        "$(ldapsearch -x -LLL -H "$uri" -b "$P" -s one uid | sed -n 's/^uid: //p' | sort | tr '\n' ' ' | sed 's/ $//')"
    kill -INT "$cfgpid" 2>/dev/null; wait "$cfgpid" 2>/dev/null
else
    not_ok "slapd.conf converts to cn=config"; diag "$out"
fi

# ---- a database slapd must not serve ------------------------------------------------------
newer=$work/newer.db
"$CLI" --db "$newer" init > /dev/null
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("insert into SchemaMigrations(version,name,appliedAt) values (9999,\"future\",\"2100-01-01T00:00:00.000Z\")"); c.commit()' "$newer"
mkdir -p "$work/newer"
slapd_write_clusterdb_conf "$work/newer/slapd.conf" "$work/newer" "$newer"
port=$(slapd_free_port)
timeout 20 /usr/sbin/slapd -h "ldap://127.0.0.1:$port/" -f "$work/newer/slapd.conf" -d stats > "$work/newer/slapd.log" 2>&1 < /dev/null; rc=$?
expect_eq "slapd refuses a database of a newer schema" "1" "$rc"
expect_match "and says why" 'schema version mismatch' "$(cat "$work/newer/slapd.log")"

# An empty file (a truncated copy, a mistyped path made by touch) is no
# database: slapd refuses it, says so, and leaves it empty.
empty=$work/empty.db
: > "$empty"
chmod 600 "$empty"
mkdir -p "$work/empty"
slapd_write_clusterdb_conf "$work/empty/slapd.conf" "$work/empty" "$empty"
port=$(slapd_free_port)
timeout 20 /usr/sbin/slapd -h "ldap://127.0.0.1:$port/" -f "$work/empty/slapd.conf" -d stats > "$work/empty/slapd.log" 2>&1 < /dev/null; rc=$?
expect_eq "slapd refuses an empty database file" "1" "$rc"
expect_match "and says why" 'file is empty, not a clusterdb database' "$(cat "$work/empty/slapd.log")"
expect_eq "the empty file stays empty (no -wal, no -shm)" "0 no" \
    "$(stat -c %s "$empty") $([ -e "$empty-wal" ] || [ -e "$empty-shm" ] && echo yes || echo no)"

tap_done
