#!/usr/bin/env bash
# Benchmark back_clusterdb against back_mdb and Debian's back_sql (unixODBC +
# libsqliteodbc) on the same directory, in the same run; back_clusterdb on a
# throwaway PostgreSQL too (backend clusterdb_pg).  See docs/benchmarks.md.
#
#   bench/run.sh [BUILD_DIR]        (or: make bench)
#
# Settings (environment):
#   BENCH_USERS     directory size (default 10000); N/50 groups
#   BENCH_ROUNDS    rounds per workload, backends alternating A B C A B C (default 3)
#   BENCH_SECONDS   seconds per run (default 3; enumeration and argon2id binds run 2x longer)
#   BENCH_THREADS   client threads for searches and binds (default 4)
#   BENCH_BACKENDS  subset of "clusterdb clusterdb_pg mdb sql" (default clusterdb mdb sql)
#   BENCH_WORKLOADS subset of the workload names below (default all)
#   BENCH_SKIP      "backend:workload" pairs not to run (e.g. "sql:enum sql:enum-paged" at 100k)
#   BENCH_SEED      directory seed (default 1)
#   BENCH_CONTAINERS containers (with owners and grants: users' host values), default 0
#   BENCH_DATA      cache of generated directories (default BUILD_DIR/bench-data)
#   BENCH_OUT       where the report goes (default bench/results); BENCH_NO_REPORT=1: raw data only
#   BENCH_WORK      scratch directory (default: a fresh one, removed at exit)
#   BENCH_LOGLEVEL  slapd "loglevel" for all three servers (default: slapd's own, stats)
# Raw results: one JSON line per run in $BENCH_WORK/raw.jsonl (kept when BENCH_WORK is given).
set -euo pipefail
CLUSTERDB_TOP=$(cd "$(dirname "$0")/.." && pwd)
CLUSTERDB_BUILD=$(cd "${1:-${CLUSTERDB_BUILD:-$CLUSTERDB_TOP/build/bench}}" && pwd)
export CLUSTERDB_TOP CLUSTERDB_BUILD
# shellcheck source=../tests/lib.sh
. "$CLUSTERDB_TOP/tests/lib.sh"
# shellcheck source=../tests/integration/lib-slapd.sh
. "$CLUSTERDB_TOP/tests/integration/lib-slapd.sh"
# shellcheck source=../tests/lib-engines.sh
. "$CLUSTERDB_TOP/tests/lib-engines.sh"

N=${BENCH_USERS:-10000}
ROUNDS=${BENCH_ROUNDS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-3}
THREADS=${BENCH_THREADS:-4}
BACKENDS=${BENCH_BACKENDS:-clusterdb mdb sql}
WORKLOADS=${BENCH_WORKLOADS:-uid uidnumber memberuid base enum enum-paged bind-cheap bind-argon2id modify}
SKIP=" ${BENCH_SKIP:-} "
SEED=${BENCH_SEED:-1}
CONTAINERS=${BENCH_CONTAINERS:-0}
DATA=${BENCH_DATA:-$CLUSTERDB_BUILD/bench-data}/$N-$SEED
[ "$CONTAINERS" -gt 0 ] && DATA=$DATA-c$CONTAINERS || true
OUT=${BENCH_OUT:-$CLUSTERDB_TOP/bench/results}
SUFFIX=$SLAPD_SUFFIX
GROUPS_N=$(( N / 50 > 2 ? N / 50 : 2 ))
WITH_PG=0; [[ " $BACKENDS " != *" clusterdb_pg "* ]] || WITH_PG=1
# Cheap: the smallest argon2id cost libargon2 allows.  Default: the system's
# existing default (DESIGN.md section 2), which is also core's default.
CHEAP_PARAMS=${BENCH_CHEAP_ARGON2:-8 1 1}
STRONG_PARAMS=${BENCH_STRONG_ARGON2:-65536 3 4}
CLK_TCK=$(getconf CLK_TCK)
# Logging costs slapd CPU per operation: the measured servers log nothing.
SLAPD_DEBUG=${BENCH_SLAPD_DEBUG:-0}
SLAPD_SIZELIMIT=unlimited
export SLAPD_DEBUG SLAPD_SIZELIMIT

if [ -n "${BENCH_WORK:-}" ]; then
    WORK=$BENCH_WORK; mkdir -p "$WORK"
else
    scratch WORK
fi
say() { printf 'bench: %s\n' "$*" >&2; }

# ---- tools: the load driver and the hash helper --------------------------
tool() {
    local name=$1 built=$CLUSTERDB_BUILD/bench/$1
    if [ -x "$built" ] && [ "$built" -nt "$CLUSTERDB_TOP/bench/$name.c" ]; then echo "$built"; return; fi
    local libs=(-lldap -llber -lpthread)
    [ "$name" = argon2-hash ] && libs=(-largon2)
    ${CC:-cc} -O2 -Wall -o "$WORK/$name" "$CLUSTERDB_TOP/bench/$name.c" "${libs[@]}" || return 1
    echo "$WORK/$name"
}
LDAPLOAD=$(tool ldapload)
ARGON2_HASH=$(tool argon2-hash)
[ -x "$CLUSTERDB_BUILD/cli/clusterdb" ] || { say "no clusterdb CLI in $CLUSTERDB_BUILD (build first)"; exit 1; }
slapd_module_built || { say "no back_clusterdb.so in $CLUSTERDB_MODULE_DIR (configure --with-openldap-src)"; exit 1; }

# ---- data: generated once per (size, seed), then copied ------------------
# generate OUTPUTS...: the directory of this size and seed (the same rows for
# every output), about two groups per user: mean group size 100 with N/50
# groups.
generate() {
    "$PYTHON" "$CLUSTERDB_TOP/tests/tools/gen-directory" --seed "$SEED" --users "$N" \
        --groups "$GROUPS_N" --mean-group-size 100 --containers "$CONTAINERS" --hash-pool "$DATA/hash-pool" "$@"
}
prepare_data() {
    [ -f "$DATA/.done" ] && return 0
    local t0=$SECONDS
    rm -rf "$DATA"; mkdir -p "$DATA"
    say "generating $N users, $GROUPS_N groups into $DATA"
    # shellcheck disable=SC2086
    printf 'cheap-%s %s\nstrong-%s %s\n' "$SEED" "$("$ARGON2_HASH" hash $CHEAP_PARAMS "cheap-$SEED")" \
        "$SEED" "$("$ARGON2_HASH" hash $STRONG_PARAMS "strong-$SEED")" > "$DATA/hash-pool"
    "$CLUSTERDB_BUILD/cli/clusterdb" --db "$DATA/clusterdb.db" init > /dev/null
    generate --sqlite "$DATA/clusterdb.db" --ldif "$DATA/directory.ldif" --passwords "$DATA/passwords"
    # Word lists for the load driver: every user; active users by hash cost
    # (only active users may bind to back_clusterdb).
    sqlite3 "$DATA/clusterdb.db" 'SELECT username FROM Users ORDER BY uidNumber' > "$DATA/users"
    sqlite3 -separator ' ' "$DATA/clusterdb.db" "SELECT username, status FROM Users" |
        awk '$2 == "active" { print $1 }' | sort > "$DATA/active"
    sort "$DATA/passwords" | join - "$DATA/active" > "$DATA/active-passwords"
    grep ' cheap-' "$DATA/active-passwords" > "$DATA/bind-cheap"
    grep ' strong-' "$DATA/active-passwords" > "$DATA/bind-argon2id"
    cp "$DATA/clusterdb.db" "$DATA/backsql.db"
    "$PYTHON" "$CLUSTERDB_TOP/bench/backsql-map.py" "$DATA/backsql.db" "$SUFFIX"
    echo $(( SECONDS - t0 )) > "$DATA/generate-seconds"
    touch "$DATA/.done"
}
prepare_data
# The same rows as SQL for a server engine (kept beside a directory generated
# before there was one).
if [ "$WITH_PG" = 1 ] && [ ! -f "$DATA/directory.sql" ]; then
    generate --sql "$DATA/directory.sql.new"
    mv "$DATA/directory.sql.new" "$DATA/directory.sql"
fi

# ---- servers --------------------------------------------------------------
declare -A LOAD_SECONDS=()
# A global "loglevel" line first in a server's slapd.conf, when asked for.
set_loglevel() {
    [ -n "${BENCH_LOGLEVEL:-}" ] || return 0
    sed -i "1i loglevel $BENCH_LOGLEVEL" "$1"
}
start_clusterdb() {
    cp "$DATA/clusterdb.db" "$WORK/clusterdb.db"
    mkdir -p "$WORK/clusterdb"
    slapd_write_clusterdb_conf "$WORK/clusterdb/slapd.conf" "$WORK/clusterdb" "$WORK/clusterdb.db"
    set_loglevel "$WORK/clusterdb/slapd.conf"
    slapd_start clusterdb "$WORK/clusterdb"
}
# back_clusterdb on a throwaway PostgreSQL 15 (tests/lib-engines.sh), on a Unix
# socket; the directory loaded with plain SQL after `clusterdb init`.
start_clusterdb_pg() {
    local t0; t0=$(date +%s.%N)
    local why; why=$(engine_available postgresql) || { say "$why (scripts/install-deps.sh test)"; return 1; }
    [ -x "$CLUSTERDB_BUILD/tests/tools/sql-translate" ] ||
        make -s -C "$CLUSTERDB_BUILD/tests" tools/sql-translate > /dev/null || return 1
    # A scratch directory of its own: the engine's user must reach it, and
    # BENCH_WORK may sit under directories closed to others.
    local pgdir; scratch pgdir
    engine_start postgresql "$pgdir/postgresql" || return 1
    DB=$(engine_uri postgresql)
    "$CLUSTERDB_BUILD/cli/clusterdb" --db "$DB" init > /dev/null || return 1
    TEST_ENGINE=postgresql test_sql_file "$DATA/directory.sql" > /dev/null || return 1
    # The planner's statistics for the loaded rows, as autovacuum would
    # gather them in time.
    engine_sql postgresql "ANALYZE" > /dev/null || return 1
    LOAD_SECONDS[clusterdb_pg]=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
    mkdir -p "$WORK/clusterdb_pg"
    slapd_write_clusterdb_conf "$WORK/clusterdb_pg/slapd.conf" "$WORK/clusterdb_pg" "$DB"
    set_loglevel "$WORK/clusterdb_pg/slapd.conf"
    slapd_start clusterdb_pg "$WORK/clusterdb_pg"
}
start_mdb() {
    local t0; t0=$(date +%s.%N)
    mkdir -p "$WORK/mdb"
    slapd_write_mdb_conf "$WORK/mdb/slapd.conf" "$WORK/mdb"
    set_loglevel "$WORK/mdb/slapd.conf"
    mdb_start mdb "$WORK/mdb" "$DATA/directory.ldif"
    LOAD_SECONDS[mdb]=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
}
start_sql() {
    local dir=$WORK/sql
    mkdir -p "$dir/odbc"
    cp "$DATA/backsql.db" "$dir/backsql.db"
    local driver
    driver=$(dpkg -L libsqliteodbc 2>/dev/null | grep '/libsqlite3odbc.so$' | head -1)
    [ -n "$driver" ] || { say "libsqliteodbc is not installed (scripts/install-deps.sh bench)"; return 1; }
    # A private driver and DSN: the machine's /etc/odbc*.ini stay untouched.
    printf '[SQLite3]\nDescription=SQLite3 ODBC driver\nDriver=%s\n' "$driver" > "$dir/odbc/odbcinst.ini"
    printf '[clusterdb]\nDriver=SQLite3\nDatabase=%s\nTimeout=10000\n' "$dir/backsql.db" > "$dir/odbc/odbc.ini"
    {
        _slapd_conf_common "$dir" ""
        cat <<EOF
moduleload back_sql.so

database sql
suffix "$SUFFIX"
rootdn "$SLAPD_ROOTDN"
rootpw $SLAPD_ROOTPW
dbname clusterdb
dbuser bench
dbpasswd bench
upper_func upper
concat_pattern "?||?"
subtree_cond "upper(ldap_entries.dn) LIKE '%'||?"
has_ldapinfo_dn_ru no
use_subtree_shortcut yes
EOF
        _slapd_acl_default
    } > "$dir/slapd.conf"
    set_loglevel "$dir/slapd.conf"
    ODBCSYSINI=$dir/odbc ODBCINI=$dir/odbc/odbc.ini slapd_start sql "$dir"
}

# ---- measurement ----------------------------------------------------------
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# The database server's CPU: the postmaster's own and that of the children it
# has reaped (cutime+cstime), plus its live children's (each connection is a
# process of its own).  0 for the backends without one.
server_ticks() {
    [ "$1" = clusterdb_pg ] || { echo 0; return; }
    local pm=${ENGINE_PID[postgresql]} kids
    kids=$(ps -o pid= --ppid "$pm" | tr -d ' ' | sed 's|.*|/proc/&/stat|')
    # shellcheck disable=SC2086
    cat "/proc/$pm/stat" $kids 2>/dev/null |
        awk -v pm="$pm" '{ t += $14 + $15; if ($1 == pm) t += $16 + $17 } END { print t + 0 }'
}
peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

NSLCD_PASSWD_ATTRS="-a objectClass -a uid -a userPassword -a uidNumber -a gidNumber -a gecos -a cn -a homeDirectory -a loginShell"
workload_args() {
    local w=$1 people="ou=people,$SUFFIX"
    case $w in
    uid) echo "-m search -b $SUFFIX -f (&(objectClass=posixAccount)(uid=%s)) -L $DATA/users" ;;
    # nslcd's passwd attributes; the same with host, as SSSD asks (the cost of host)
    uid-nslcd) echo "-m search -b $SUFFIX -f (&(objectClass=posixAccount)(uid=%s)) $NSLCD_PASSWD_ATTRS -L $DATA/users" ;;
    uid-host) echo "-m search -b $SUFFIX -f (&(objectClass=posixAccount)(uid=%s)) $NSLCD_PASSWD_ATTRS -a host -L $DATA/users" ;;
    uidnumber) echo "-m search -b $SUFFIX -f (&(objectClass=posixAccount)(uidNumber=%d)) -r 2000:$((2000 + N - 1))" ;;
    memberuid) echo "-m search -b $SUFFIX -f (&(objectClass=posixGroup)(memberUid=%s)) -a cn -a gidNumber -L $DATA/users" ;;
    base) echo "-m search -s base -b uid=%s,$people -f (objectClass=*) -L $DATA/users" ;;
    enum) echo "-m search -b $SUFFIX -f (objectClass=posixAccount) -t 1" ;;
    enum-paged) echo "-m search -b $SUFFIX -f (objectClass=posixAccount) -P 500 -t 1" ;;
    bind-cheap) echo "-m bind -D uid=%s,$people -w %p -L $DATA/bind-cheap" ;;
    bind-argon2id) echo "-m bind -D uid=%s,$people -w %p -L $DATA/bind-argon2id -t 2" ;;
    # One writer: SQLite serialises writers anyway, and back_sql's ODBC
    # transactions deadlock into SQLITE_BUSY with two.
    modify) echo "-m modify -D $SLAPD_ROOTDN -w $SLAPD_ROOTPW -b uid=%s,$people -a mail -v bench%d@bench.invalid -L $DATA/users -t 1" ;;
    *) return 1 ;;
    esac
}
workload_seconds() {
    local factor=1
    case $1 in enum|enum-paged) factor=2 ;; bind-argon2id) factor=4 ;; esac
    awk -v s="$SECONDS_PER_RUN" -v f="$factor" 'BEGIN { print s * f }'
}

# Before measuring: every backend gives the same, right answers (counts from
# the SQLite data).  A mismatch stops the run: a benchmark of wrong answers
# would mean nothing.  Lines "backend check expected got" in $WORK/checks.tsv.
check_answers() {
    local b sample groups_of_sample bind_line failed=0 people="ou=people,$SUFFIX"
    # The user in the most groups, so the memberUid check counts several entries.
    sample=$(sqlite3 "$DATA/clusterdb.db" "SELECT u.username, count(*) FROM UserGroups g JOIN Users u
        USING (uidNumber) GROUP BY g.uidNumber ORDER BY 2 DESC, 1 LIMIT 1")
    groups_of_sample=${sample#*|}; sample=${sample%|*}
    local uidnumber; uidnumber=$(sqlite3 "$DATA/clusterdb.db" "SELECT uidNumber FROM Users WHERE username='$sample'")
    bind_line=$(head -1 "$DATA/bind-cheap")
    : > "$WORK/checks.tsv"
    for b in $BACKENDS; do
        local uri=${SLAPD_URI[$b]} got
        count() { ldapsearch -x -LLL -H "$uri" -o ldif-wrap=no -E pr=500/noprompt "$@" 1.1 2>/dev/null | grep -c '^dn:'; }
        record() {
            printf '%s\t%s\t%s\t%s\n' "$b" "$1" "$2" "$3" >> "$WORK/checks.tsv"
            [ "$2" = "$3" ] || { say "$b: $1: expected $2, got $3"; failed=1; }
        }
        record uid 1 "$(count -b "$SUFFIX" "(&(objectClass=posixAccount)(uid=$sample))")"
        record uidnumber 1 "$(count -b "$SUFFIX" "(&(objectClass=posixAccount)(uidNumber=$uidnumber))")"
        record memberuid "$groups_of_sample" "$(count -b "$SUFFIX" "(&(objectClass=posixGroup)(memberUid=$sample))")"
        record base 1 "$(count -s base -b "uid=$sample,$people" '(objectClass=*)')"
        record enum "$N" "$(count -b "$SUFFIX" '(objectClass=posixAccount)')"
        got=fail
        ldapwhoami -x -H "$uri" -D "uid=${bind_line%% *},$people" -w "${bind_line#* }" > /dev/null 2>&1 && got=ok
        record bind-cheap ok "$got"
        got=fail
        ldapwhoami -x -H "$uri" -D "uid=${bind_line%% *},$people" -w "wrong-${bind_line#* }" > /dev/null 2>&1 || got=refused
        record bind-wrong refused "$got"
    done
    return $failed
}

RAW=$WORK/raw.jsonl
: > "$RAW"
: > "$WORK/rss.tsv"
run_one() {
    local backend=$1 w=$2 round=$3 pid=${SLAPD_PID[$1]} before after server_before server_after json
    local -a args
    # The patterns contain no spaces: split on spaces only.
    IFS=' ' read -r -a args <<< "$(workload_args "$w")"
    server_before=$(server_ticks "$backend")
    before=$(cpu_ticks "$pid")
    json=$("$LDAPLOAD" -H "${SLAPD_URI[$backend]}" -t "$THREADS" -d "$(workload_seconds "$w")" \
        -S "$((round * 10 + 1))" "${args[@]}") || true
    after=$(cpu_ticks "$pid")
    server_after=$(server_ticks "$backend")
    [ -n "$json" ] || json='{"ops":0,"seconds":0,"ops_per_sec":0,"entries":0,"errors":1,"first_error":"no output","p50_us":0,"p90_us":0,"p99_us":0,"max_us":0}'
    printf '{"backend":"%s","workload":"%s","round":%d,"cpu_seconds":%s,"server_cpu_seconds":%s,%s\n' \
        "$backend" "$w" "$round" \
        "$(awk -v a="$after" -v b="$before" -v t="$CLK_TCK" 'BEGIN { printf "%.4f", (a - b) / t }')" \
        "$(awk -v a="$server_after" -v b="$server_before" -v t="$CLK_TCK" 'BEGIN { printf "%.4f", (a - b) / t }')" \
        "${json#\{}" >> "$RAW"
    say "$(printf '%-10s %-14s r%d %s' "$backend" "$w" "$round" "$json")"
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for b in $BACKENDS; do "start_$b" || { say "cannot start $b"; exit 1; }; done
say "servers: $(for b in $BACKENDS; do printf '%s=%s ' "$b" "${SLAPD_URI[$b]}"; done)"
check_answers || { say "the backends do not answer alike: not measuring"; exit 1; }

for w in $WORKLOADS; do
    workload_args "$w" > /dev/null || { say "unknown workload $w"; exit 2; }
    for round in $(seq 1 "$ROUNDS"); do
        for b in $BACKENDS; do
            case $SKIP in *" $b:$w "*) continue ;; esac
            slapd_alive "$b" || { say "slapd $b died"; slapd_log_tail "$b" >&2; exit 1; }
            run_one "$b" "$w" "$round"
        done
    done
    # Peak RSS so far: argon2id binds (64 MiB per hash) dominate it once run.
    for b in $BACKENDS; do
        printf '%s\t%s\t%s\n' "$w" "$b" "$(peak_rss_kb "${SLAPD_PID[$b]}")" >> "$WORK/rss.tsv"
    done
done

# The cost of the hashes alone, measured outside slapd.
pw_cheap=$(head -1 "$DATA/hash-pool"); pw_strong=$(sed -n 2p "$DATA/hash-pool")
hash_cheap=$("$ARGON2_HASH" cost 2000 "${pw_cheap#* }" "${pw_cheap%% *}")
hash_strong=$("$ARGON2_HASH" cost 5 "${pw_strong#* }" "${pw_strong%% *}")

{
    printf '{"users":%d,"groups":%d,"containers":%d,"rounds":%d,"seconds":%s,"threads":%d,"started":"%s","finished":"%s",' \
        "$N" "$GROUPS_N" "$CONTAINERS" "$ROUNDS" "$SECONDS_PER_RUN" "$THREADS" "$started" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf '"load_before":"%s","load_after":"%s","nproc":%d,"cpu_model":"%s","kernel":"%s","slapd":"%s",' \
        "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" \
        "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(uname -r)" \
        "$(dpkg-query -W -f='${Version}' slapd)"
    printf '"generate_seconds":%s,"slapadd_seconds":"%s","pg_load_seconds":"%s","hash_cheap_cpu":%s,"hash_argon2id_cpu":%s,' \
        "$(cat "$DATA/generate-seconds")" "${LOAD_SECONDS[mdb]:-}" "${LOAD_SECONDS[clusterdb_pg]:-}" \
        "$hash_cheap" "$hash_strong"
    printf '"cheap_params":"%s","argon2id_params":"%s","skip":"%s","loglevel":"%s","postgresql":"%s","peak_rss_kb":{' \
        "$CHEAP_PARAMS" "$STRONG_PARAMS" "$(xargs <<< "$SKIP")" "${BENCH_LOGLEVEL:-default (stats)}" \
        "$(if [ "$WITH_PG" = 1 ]; then "$ENGINE_PG_BIN/postgres" --version; fi)"
    sep=
    for b in $BACKENDS; do printf '%s"%s":%s' "$sep" "$b" "$(peak_rss_kb "${SLAPD_PID[$b]}")"; sep=,; done
    printf '}}\n'
} > "$WORK/meta.json"
for b in $BACKENDS; do slapd_stop "$b" || true; done
[ "$WITH_PG" = 0 ] || engine_stop postgresql

if [ -z "${BENCH_NO_REPORT:-}" ]; then
    mkdir -p "$OUT"
    "$PYTHON" "$CLUSTERDB_TOP/bench/report.py" "$WORK/meta.json" "$RAW" "$OUT" "$WORK/rss.tsv"
fi
