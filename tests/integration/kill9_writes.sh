#!/usr/bin/env bash
# slapd killed with SIGKILL while two clients add users: every add slapd
# acknowledged (result 0 seen by the client) is in the store after each
# crash, the file passes integrity_check, and slapd serves it again at once.
#   KILL9_CYCLES  crash cycles (default 6)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-slapd.sh"
export CLUSTERDB_ARGON2=${CLUSTERDB_ARGON2:-m=1024,t=1,p=1}

slapd_require_module

scratch work
db=$work/clusterdb.db
P="ou=people,$SLAPD_SUFFIX"
check "database made" "$CLI" --db "$db" init

# stream NAME: add users NAME-1, NAME-2, ... until slapd stops answering;
# a name is written to NAME.acked only after slapd acknowledged its add.
stream() {
    local name=$1 j=0
    while :; do
        j=$((j + 1))
        ldapadd -x -H "${SLAPD_URI[main]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" \
            -o nettimeout=5 > /dev/null 2>&1 <<EOF || break
dn: uid=$name-$j,$P
objectClass: inetOrgPerson
objectClass: posixAccount
uid: $name-$j
cn: $name $j
sn: Stream
EOF
        echo "$name-$j" >> "$work/$name.acked"
    done
}

cycles=${KILL9_CYCLES:-6}
lost=0 bad_integrity=0 total=0
for c in $(seq 1 "$cycles"); do
    if ! SLAPD_DEBUG=0 SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
        not_ok "cycle $c: slapd starts on the crashed file"; tap_done; exit
    fi
    stream "c${c}a" & a=$!
    stream "c${c}b" & b=$!
    sleep 2
    kill -KILL "${SLAPD_PID[main]}"
    wait "${SLAPD_PID[main]}" 2>/dev/null
    unset "SLAPD_PID[main]"
    wait "$a" "$b"
    acked=$(cat "$work"/c"$c"?.acked 2>/dev/null | sort)
    total=$((total + $(printf '%s\n' "$acked" | grep -c .)))
    stored=$(sqlite3 "$db" "SELECT username FROM Users WHERE username LIKE 'c$c%'" | sort)
    missing=$(comm -23 <(printf '%s\n' "$acked") <(printf '%s\n' "$stored") | grep -c .)
    lost=$((lost + missing))
    [ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || bad_integrity=$((bad_integrity + 1))
done
[ "$total" -gt 0 ] && ok "$total adds acknowledged over $cycles SIGKILL cycles" ||
    not_ok "adds acknowledged over $cycles SIGKILL cycles"
expect_eq "no acknowledged add lost" "0" "$lost"
expect_eq "integrity_check ok after every crash" "0" "$bad_integrity"
if SLAPD_DEBUG=0 SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    expect_eq "slapd serves every stored user after the last crash" \
        "$(sqlite3 "$db" "SELECT count(*) FROM Users WHERE username LIKE 'c%'")" \
        "$(rsearch main -b "$P" -s one '(uid=c*)' 1.1 | grep -c '^dn:')"
    slapd_stop main
else
    not_ok "slapd starts after the last crash"
fi
tap_done
