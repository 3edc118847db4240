#!/usr/bin/env bash
# A store that cannot grow: slapd runs with a file-size limit (RLIMIT_FSIZE,
# SIGXFSZ ignored), so once the database and its WAL reach it every write
# fails as on a full disk.  The client gets unavailable (52) and nothing of
# the failed add; slapd's log names the cause; every add acknowledged before
# is there; the file stays intact and serves again without the limit.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-slapd.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module

scratch work
db=$work/clusterdb.db
P="ou=people,$SLAPD_SUFFIX"
check "database made" "$CLI" --db "$db" init

# The limit: what the files hold now plus room for some hundred adds.
limit_kib=$(( ($(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0)) / 1024 + 384 ))
cat > "$work/fsize-limit" <<EOF
#!/bin/bash
trap '' XFSZ
ulimit -f $limit_kib
exec "\$@"
EOF
chmod +x "$work/fsize-limit"

if ! SLAPD_WRAPPER=$work/fsize-limit SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    not_ok "slapd starts under a ${limit_kib} KiB file-size limit"; tap_done; exit
fi
ok "slapd starts under a ${limit_kib} KiB file-size limit"

add_user() {
    ldapadd -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" > "$work/add.out" 2>&1 <<EOF
dn: uid=$1,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: $1
cn: $1 Filler
sn: Filler
EOF
}

acked=() rc=0
for i in $(seq 1 3000); do
    add_user "fill$i"; rc=$?
    [ "$rc" -eq 0 ] || break
    acked+=("fill$i")
done
failed=fill$i
expect_eq "the add past the limit: unavailable (52)" "52" "$rc"
[ "${#acked[@]}" -gt 0 ] && ok "${#acked[@]} adds acknowledged before the limit" ||
    not_ok "some adds acknowledged before the limit"
expect_match "the client is told only that the database is unavailable" \
    "database unavailable" "$(cat "$work/add.out")"
# SQLite reports EFBIG as an I/O error, ENOSPC as "disk is full".
expect_match "slapd's log names the store's failure and its cause" \
    "back-clusterdb: database file cannot be opened, read or written: .*(disk I/O error|disk is full)" \
    "$(cat "${SLAPD_LOG[main]}")"
check "slapd still runs" slapd_alive main
slapd_stop main

present=$(sqlite3 "$db" "SELECT username FROM Users WHERE username LIKE 'fill%'" | sort)
expect_eq "every acknowledged add is in the store" "${#acked[@]}" \
    "$(comm -12 <(printf '%s\n' "${acked[@]}" | sort) <(printf '%s\n' "$present") | grep -c .)"
expect_eq "the failed add left nothing" "0" \
    "$(sqlite3 "$db" "SELECT count(*) FROM Users WHERE username = '$failed'")"
expect_eq "integrity_check after the failed writes" "ok" "$(sqlite3 "$db" 'PRAGMA integrity_check')"

if SLAPD_DEBUG=0 SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    check "without the limit, the add that failed succeeds" add_user "$failed"
    slapd_stop main
else
    not_ok "slapd starts again without the limit"
fi
tap_done
