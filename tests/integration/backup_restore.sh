#!/usr/bin/env bash
# clusterdb backup under load, and the restore of docs/backup.md under a
# running slapd: while an LDAP add stream (through slapd) and a CLI
# `user add` stream write, a backup holds every add acknowledged before it
# started and is one consistent snapshot; moved over the served file as the
# docs say, it is what slapd serves at the next search, even though slapd's
# own writes were still in the old file's -wal.  Also: 0600 under umask 022,
# no overwrite without --force, a clear failure for a missing database.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-slapd.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module

scratch work
db=$work/clusterdb.db
backup=$work/backups/clusterdb-backup.sqlite
P="ou=people,$SLAPD_SUFFIX"
users() { rsearch main -b "$P" -s one '(uid=*)' uid | sed -n 's/^uid: //p' | sort; }
mkdir -p "$work/backups"

check "database made" "$CLI" --db "$db" init
if ! SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    not_ok "slapd starts"; tap_done; exit
fi
ok "slapd starts"

# A name goes to its .acked file only after its writer saw success.
ldap_stream() {
    local j=0
    while [ ! -e "$work/stop" ]; do
        j=$((j + 1))
        ldapadd -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" \
            -o nettimeout=5 > /dev/null 2>&1 <<LDIF || continue
dn: uid=lw$j,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: lw$j
cn: LDAP writer $j
sn: Stream
LDIF
        echo "lw$j" >> "$work/ldap.acked"
    done
}
cli_stream() {
    local j=0
    while [ ! -e "$work/stop" ]; do
        j=$((j + 1))
        "$CLI" --db "$db" user add "cw$j" --cn "CLI writer $j" > /dev/null 2>&1 || continue
        echo "cw$j" >> "$work/cli.acked"
    done
}
ldap_stream & lpid=$!
cli_stream & cpid=$!
sleep 3
# What was acknowledged before the backup started.
cat "$work/ldap.acked" "$work/cli.acked" 2>/dev/null | sort > "$work/before"
out=$(umask 022 && "$CLI" --db "$db" --json backup "$backup" 2>&1); rc=$?
sleep 1
touch "$work/stop"
wait "$lpid" "$cpid"

expect_eq "backup while both streams write: exit 0" "0" "$rc"
diag "$out"
expect_eq "both streams had writes acknowledged before it" "yes yes" \
    "$(grep -q '^lw' "$work/before" && echo yes) $(grep -q '^cw' "$work/before" && echo yes)"
expect_eq "the JSON names the file, its size and the schema version" \
    "$backup $(stat -c %s "$backup") $(sqlite3 "$db" 'SELECT max(version) FROM SchemaMigrations')" \
    "$(printf '%s' "$out" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["path"], o["bytes"], o["schemaVersion"], "durationMs" in o and "")' | sed 's/ $//')"
expect_eq "0600 under umask 022" "600" "$(stat -c %a "$backup")"
expect_eq "one self-contained file, no temporary left" "clusterdb-backup.sqlite" "$(ls -A "$work/backups")"
sqlite3 "$backup" 'SELECT username FROM Users' | sort > "$work/in-backup"
expect_eq "every add acknowledged before the backup is in it" "" \
    "$(comm -23 "$work/before" "$work/in-backup" | tr '\n' ' ')"
expect_eq "integrity_check ok" "ok" "$(sqlite3 "$backup" 'PRAGMA integrity_check')"
expect_eq "foreign_key_check empty" "" "$(sqlite3 "$backup" 'PRAGMA foreign_key_check')"
# One snapshot: no row without its transaction's other writes.
expect_eq "uidNumber high-water mark = the highest uidNumber in the backup" \
    "$(sqlite3 "$backup" 'SELECT max(uidNumber) FROM Users')" \
    "$(sqlite3 "$backup" "SELECT value FROM IdentityHighWater WHERE name = 'uidNumber'")"
expect_eq "the first user's sysadmins membership came with it" "1" \
    "$(sqlite3 "$backup" 'SELECT count(*) FROM UserGroups WHERE gidNumber = 2001 AND uidNumber = (SELECT min(uidNumber) FROM Users)')"
expect_eq "no half-written user (each has its cn)" "0" \
    "$(sqlite3 "$backup" "SELECT count(*) FROM Users WHERE cn IS NULL OR cn NOT LIKE '% writer %'")"
live_users=$(sqlite3 "$db" 'SELECT count(*) FROM Users')
[ "$live_users" -gt "$(wc -l < "$work/in-backup")" ] && ok "the live file moved on after the backup ($live_users users)" ||
    not_ok "the live file moved on after the backup"

# Refusal to overwrite, and --force.
ino=$(stat -c %i "$backup")
out=$("$CLI" --db "$db" backup "$backup" 2>&1); rc=$?
expect_eq "a second backup to the same file: exit 4" "4" "$rc"
expect_match "the refusal names the file" "$backup: already exists" "$out"
expect_eq "the existing backup is untouched" "$ino" "$(stat -c %i "$backup")"
check "--force replaces it" "$CLI" --db "$db" backup --force "$work/backups/forced.sqlite"
check "--force over an existing file" "$CLI" --db "$db" backup --force "$work/backups/forced.sqlite"

# A missing database.
out=$("$CLI" --db "$work/missing.db" backup "$work/backups/missing.sqlite" 2>&1); rc=$?
expect_eq "backup of a missing database: exit 1" "1" "$rc"
expect_match "the message names the database and the cause" "$work/missing.db: no such database" "$out"
expect_eq "and leaves no file" "no" "$([ -e "$work/backups/missing.sqlite" ] && echo yes || echo no)"

# The restore, as docs/backup.md says: writers stopped (above), slapd
# running; its own adds are still in the old file's -wal.
expect_eq "slapd's writes sit in the live -wal" "yes" "$([ -s "$db-wal" ] && echo yes)"
check "restore step 1: raise the copy's high-water marks to the live ones" sh -c "
    install -m 0600 '$backup' '$work/clusterdb.db.restore' &&
    sqlite3 '$work/clusterdb.db.restore' \"ATTACH 'file:$db?mode=ro' AS live;
      UPDATE main.IdentityHighWater SET value = (SELECT l.value FROM live.IdentityHighWater l
        WHERE l.name = IdentityHighWater.name) WHERE value < (SELECT l.value FROM
        live.IdentityHighWater l WHERE l.name = IdentityHighWater.name);\""
live_high=$(sqlite3 "$db" "SELECT value FROM IdentityHighWater WHERE name = 'uidNumber'")
check "restore step 2: mv over the served file" mv "$work/clusterdb.db.restore" "$db"
expect_eq "the next search serves exactly the backup's users" "$(cat "$work/in-backup")" "$(users)"
expect_eq "the restored file is whole after slapd moved over" "ok" "$(sqlite3 "$db" 'PRAGMA integrity_check')"
expect_eq "and holds the backup's rows, not the old -wal's" "$(wc -l < "$work/in-backup")" \
    "$(sqlite3 "$db" 'SELECT count(*) FROM Users')"
check "an LDAP add after the restore" sh -c "ldapadd -x -H '${SLAPD_URI[main]}' -D '$SLAPD_ROOTDN' -w '$SLAPD_ROOTPW' > /dev/null <<LDIF
dn: uid=after,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: after
cn: After restore
sn: After
LDIF"
after_uid=$(sqlite3 "$db" "SELECT uidNumber FROM Users WHERE username = 'after'")
[ -n "$after_uid" ] && [ "$after_uid" -gt "$live_high" ] &&
    ok "lands in the restored file with a uidNumber never given before ($after_uid > $live_high)" ||
    not_ok "lands in the restored file with a uidNumber never given before ($after_uid, highest $live_high)"
expect_eq "no handle left on the replaced file" "0" \
    "$(ls -l "/proc/${SLAPD_PID[main]}/fd" 2>/dev/null | grep -c '(deleted)')"
expect_match "the swap is logged" "was replaced by another file" "$(cat "${SLAPD_LOG[main]}")"
slapd_stop main
tap_done
