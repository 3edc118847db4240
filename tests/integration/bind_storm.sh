#!/usr/bin/env bash
# A bind storm costs bounded memory: 64 concurrent binds for unknown users
# (no credentials needed) run at most hash-max-concurrent argon2
# verifications at once, so slapd's peak RSS stays within that many times
# the argon2 memory cost above its resting size; correct logins and a rootdn
# search still succeed during the storm.  With a short hash-max-wait the
# binds past the bound answer busy instead of piling up.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-slapd.sh"
# The real memory cost: the bound is what is measured.  t=1 keeps it quick.
export CLUSTERDB_ARGON2=m=65536,t=1,p=1
argon2_kib=65536
cap=2

slapd_require_module

scratch work
db=$work/clusterdb.db
P="ou=people,$SLAPD_SUFFIX"
check "users alice and bob" sh -c "'$CLI' --db '$db' init &&
    echo alice-password | '$CLI' --db '$db' user add alice --status active --password-stdin &&
    echo bob-password | '$CLI' --db '$db' user add bob --status active --password-stdin"

kib_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

mkdir -p "$work/slapd"
slapd_write_clusterdb_conf "$work/slapd/slapd.conf" "$work/slapd" "$db"
printf 'hash-max-concurrent %s\nhash-max-wait 120\n' "$cap" >> "$work/slapd/slapd.conf"
if ! SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    not_ok "slapd starts with hash-max-concurrent $cap"; tap_done; exit
fi
ok "slapd starts with hash-max-concurrent $cap"
pid=${SLAPD_PID[main]}

# Rest: one bind of each kind has run (the dummy hash exists, pools grown).
ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-password > /dev/null 2>&1
ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=nobody-0,$P" -w x > /dev/null 2>&1
rest=$(kib_of "$pid" VmRSS)

unknown=(); known=()
for i in $(seq 1 64); do
    ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=nobody-$i,$P" -w guess > /dev/null 2>&1 &
    unknown+=($!)
done
for i in $(seq 1 4); do
    ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-password > "$work/alice.$i" 2>&1 &
    known+=($!)
done
expect_eq "a rootdn search is answered during the storm" "dn: uid=bob,$P" \
    "$(lsearch main -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" -b "$P" '(uid=bob)' dn)"
refused=0
for p in "${unknown[@]}"; do wait "$p"; [ $? -eq 49 ] && refused=$((refused + 1)); done
granted=0
for p in "${known[@]}"; do wait "$p" && granted=$((granted + 1)); done
expect_eq "every unknown user's bind is invalidCredentials" 64 "$refused"
expect_eq "every correct login during the storm is granted" 4 "$granted"

peak=$(kib_of "$pid" VmHWM)
# cap runs at once, one more for allocator slack, 32 MiB for the rest.
bound=$((rest + (cap + 1) * argon2_kib + 32768))
diag "resting RSS ${rest} KiB, peak ${peak} KiB, bound ${bound} KiB"
if [ "$peak" -le "$bound" ]; then
    ok "peak RSS stays within $cap argon2 runs of the resting size"
else
    not_ok "peak RSS stays within $cap argon2 runs of the resting size"
fi
slapd_stop main

# One run at a time and a one-second wait: the storm's surplus gets busy.
printf 'hash-max-concurrent 1\nhash-max-wait 1\n' > "$work/bounds"
sed -i -e '/^hash-max-/d' "$work/slapd/slapd.conf"
cat "$work/bounds" >> "$work/slapd/slapd.conf"
if ! SLAPD_DBFILE=$db slapd_start main "$work/slapd"; then
    not_ok "slapd starts with hash-max-wait 1"; tap_done; exit
fi
busy=0; other=0; unknown=()
for i in $(seq 1 40); do
    ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=nobody-$i,$P" -w guess > /dev/null 2>&1 &
    unknown+=($!)
done
for p in "${unknown[@]}"; do
    wait "$p"; case $? in 51) busy=$((busy + 1)) ;; 49) ;; *) other=$((other + 1)) ;; esac
done
if [ "$busy" -ge 1 ]; then ok "binds past the bound and the wait answer busy ($busy of 40)"
else not_ok "binds past the bound and the wait answer busy ($busy of 40)"; fi
expect_eq "no bind got anything but invalidCredentials or busy" 0 "$other"
check "a correct login after the storm is granted" \
    ldapwhoami -x -H "${SLAPD_URI[main]}" -D "uid=alice,$P" -w alice-password
slapd_stop main
tap_done
