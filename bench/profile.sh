#!/usr/bin/env bash
# Instruction counts per operation with callgrind: slapd (back_clusterdb or
# back_mdb) under valgrind on a directory bench/run.sh generated, the counters
# zeroed after start-up, a few seconds of one workload, then a dump.
#
#   bench/profile.sh BUILD_DIR BACKEND WORKLOAD [SECONDS]   (BENCH_USERS, BENCH_SEED as run.sh)
#
# Prints "BACKEND WORKLOAD ops Ir Ir/op" and leaves the profile in
# $BENCH_WORK/callgrind.BACKEND.WORKLOAD (read it with callgrind_annotate).
# Instruction counts do not depend on the machine's load: they compare
# backends better than time on a shared machine, at the price of ignoring
# cache misses and waits.
set -euo pipefail
CLUSTERDB_TOP=$(cd "$(dirname "$0")/.." && pwd)
CLUSTERDB_BUILD=$(cd "$1" && pwd)
BACKEND=$2 WORKLOAD=$3 DURATION=${4:-8}
export CLUSTERDB_TOP CLUSTERDB_BUILD
. "$CLUSTERDB_TOP/tests/lib.sh"
. "$CLUSTERDB_TOP/tests/integration/lib-slapd.sh"
N=${BENCH_USERS:-10000} SEED=${BENCH_SEED:-1}
DATA=${BENCH_DATA:-$CLUSTERDB_BUILD/bench-data}/$N-$SEED
[ -f "$DATA/.done" ] || { echo "profile: run bench/run.sh with BENCH_USERS=$N first" >&2; exit 1; }
if [ -n "${BENCH_WORK:-}" ]; then WORK=$BENCH_WORK; mkdir -p "$WORK"; else scratch WORK; fi
out=$WORK/callgrind.$BACKEND.$WORKLOAD
export SLAPD_DEBUG=0 SLAPD_SIZELIMIT=unlimited SLAPD_START_TIMEOUT=300
export SLAPD_WRAPPER="valgrind --tool=callgrind --callgrind-out-file=$out.%p --dump-instr=no"
LDAPLOAD=$CLUSTERDB_BUILD/bench/ldapload
S=$SLAPD_SUFFIX people="ou=people,$SLAPD_SUFFIX"
case $WORKLOAD in
uid) args=(-b "$S" -f "(&(objectClass=posixAccount)(uid=%s))" -L "$DATA/users") ;;
uidnumber) args=(-b "$S" -f "(&(objectClass=posixAccount)(uidNumber=%d))" -r "2000:$((2000 + N - 1))") ;;
memberuid) args=(-b "$S" -f "(&(objectClass=posixGroup)(memberUid=%s))" -a cn -a gidNumber -L "$DATA/users") ;;
base) args=(-s base -b "uid=%s,$people" -L "$DATA/users") ;;
enum) args=(-b "$S" -f "(objectClass=posixAccount)") ;;
*) echo "profile: unknown workload $WORKLOAD" >&2; exit 2 ;;
esac
case $BACKEND in
clusterdb) cp "$DATA/clusterdb.db" "$WORK/clusterdb.db"
    SLAPD_DBFILE=$WORK/clusterdb.db slapd_start clusterdb "$WORK/srv-clusterdb" ;;
mdb) mdb_start mdb "$WORK/srv-mdb" "$DATA/directory.ldif" ;;
*) echo "profile: backend clusterdb or mdb" >&2; exit 2 ;;
esac
pid=${SLAPD_PID[$BACKEND]}
# Warm up (first-use allocations, statement preparation), then zero and measure.
"$LDAPLOAD" -H "${SLAPD_URI[$BACKEND]}" -m search -t 1 -d 2 "${args[@]}" > /dev/null
callgrind_control -z "$pid" > /dev/null
json=$("$LDAPLOAD" -H "${SLAPD_URI[$BACKEND]}" -m search -t 1 -d "$DURATION" "${args[@]}")
callgrind_control -d "$BACKEND-$WORKLOAD" "$pid" > /dev/null
sleep 1
ops=$(sed 's/.*"ops":\([0-9]*\).*/\1/' <<< "$json")
dump=$out.$pid.1   # the first dump of that process (--callgrind-out-file ...%p)
ir=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
echo "$BACKEND $WORKLOAD ops=$ops Ir=$ir Ir/op=$(( ir / (ops > 0 ? ops : 1) )) profile=$dump"
slapd_stop "$BACKEND" || true
