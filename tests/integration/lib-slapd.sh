# Start and stop private slapd instances for the integration tests.
# Source it after tests/lib.sh.  Every server listens on 127.0.0.1 on a port
# picked at run time, runs in the foreground (slapd -d) with its log in a file,
# and is stopped by its PID when the test exits (SIGINT, wait, then KILL).
#
#   slapd_start NAME DIR     back_clusterdb over $DIR/clusterdb.db (or
#                            $SLAPD_DBFILE), unless $DIR/slapd.conf exists
#   mdb_start NAME DIR LDIF  back_mdb with the same schemas and suffix,
#                            loaded from LDIF with slapadd
#   slapd_stop NAME
# A server whose DIR holds slapd.d/ runs on that cn=config directory instead.
# After a start, ${SLAPD_URI[NAME]}, ${SLAPD_PID[NAME]} and ${SLAPD_LOG[NAME]}
# are set.  Settings (environment or shell variables):
#   SLAPD_WRAPPER   command prefix for slapd, e.g. "valgrind --error-exitcode=..."
#   SLAPD_DEBUG     slapd -d level (default: stats); -d keeps slapd in the foreground
#   SLAPD_SUFFIX    default dc=cluster,dc=internal
#   SLAPD_SIZELIMIT slapd's sizelimit (default 500; "unlimited" for the differential test)
#   SLAPD_ACL       file with access lines for the database (default: the
#                   test policy below)
#   SLAPD_EXTRA_URLS more -h listeners (e.g. an ldapi:// socket in the test's directory)
#   SLAPD_START_TIMEOUT  seconds to wait for the first answer (default 30; 120
#                   under a wrapper)

# Run as a program (as tests/run-all.sh does with every *.sh here), this file
# tests itself against back_mdb: see the end of the file.
if [ "${BASH_SOURCE[0]}" == "$0" ]; then
    _slapd_selftest=1
    # shellcheck source=../lib.sh
    . "$(cd "$(dirname "$0")/../.." && pwd)/tests/lib.sh"
fi

SLAPD_BIN=${SLAPD_BIN:-/usr/sbin/slapd}
SLAPADD_BIN=${SLAPADD_BIN:-/usr/sbin/slapadd}
SLAPD_WRAPPER=${SLAPD_WRAPPER:-}
SLAPD_DEBUG=${SLAPD_DEBUG:-stats}
SLAPD_SUFFIX=${SLAPD_SUFFIX:-dc=cluster,dc=internal}
SLAPD_ROOTDN=${SLAPD_ROOTDN:-cn=admin,$SLAPD_SUFFIX}
SLAPD_ROOTPW=${SLAPD_ROOTPW:-rootsecret}
SLAPD_SCHEMA_DIR=${SLAPD_SCHEMA_DIR:-/etc/ldap/schema}
SLAPD_SYSTEM_MODULES=${SLAPD_SYSTEM_MODULES:-/usr/lib/ldap}
CLUSTERDB_MODULE_DIR=${CLUSTERDB_MODULE_DIR:-$CLUSTERDB_BUILD/slapd-module/.libs}
# Debian's python3 (the tools use the standard library only): a version
# manager's shim in PATH can cost seconds per start.
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
declare -gA SLAPD_URI=() SLAPD_PID=() SLAPD_LOG=() SLAPD_PORT=() SLAPD_DIR=()
_slapd_names=()

# Whether the module is built; tests that need it skip (with a reason) when not.
slapd_module_built() { [ -f "$CLUSTERDB_MODULE_DIR/back_clusterdb.so" ]; }

# The first line of a test that exercises the module: without it the test
# ends here with one visible SKIP naming the missing file.
slapd_require_module() {
    slapd_module_built && return 0
    skip "back_clusterdb is not built ($CLUSTERDB_MODULE_DIR/back_clusterdb.so is missing;" \
        "configure --with-openldap-src)"
    tap_done
    exit
}

# A TCP port on 127.0.0.1 that nobody listens on right now.  Another process
# may take it before slapd binds: slapd_start retries with a new port then.
slapd_free_port() {
    "$PYTHON" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The schema and module lines every test server shares.
_slapd_conf_common() {
    local dir=$1 extra_modules=$2
    cat <<EOF
include $SLAPD_SCHEMA_DIR/core.schema
include $SLAPD_SCHEMA_DIR/cosine.schema
include $SLAPD_SCHEMA_DIR/nis.schema
include $SLAPD_SCHEMA_DIR/inetorgperson.schema
include $CLUSTERDB_TOP/schema-ldif/openssh-lpk.schema
include $CLUSTERDB_TOP/schema-ldif/ldapns.schema
include $CLUSTERDB_TOP/schema-ldif/sudo.schema
include $CLUSTERDB_TOP/schema-ldif/clusterdb.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath $extra_modules$SLAPD_SYSTEM_MODULES
moduleload argon2.so
sizelimit ${SLAPD_SIZELIMIT:-500}
EOF
}

# The default access policy of the tests: password hashes serve binds only
# (the rootdn sees everything anyway), everything else is readable.
_slapd_acl_default() {
    if [ -n "${SLAPD_ACL:-}" ]; then cat "$SLAPD_ACL"; return; fi
    cat <<'EOF'
access to attrs=userPassword
    by anonymous auth
    by * none
access to *
    by * read
EOF
}

# Write the slapd.conf of a back_clusterdb server to $1; the database $3 is
# a path (dbfile) or a URI (dburi).
slapd_write_clusterdb_conf() {
    local conf=$1 dir=$2 dbfile=$3 directive=dbfile
    [[ "$dbfile" == *://* ]] && directive=dburi
    {
        _slapd_conf_common "$dir" "$CLUSTERDB_MODULE_DIR:"
        cat <<EOF
moduleload back_clusterdb.so

database clusterdb
suffix "$SLAPD_SUFFIX"
rootdn "$SLAPD_ROOTDN"
rootpw $SLAPD_ROOTPW
$directive $dbfile
EOF
        _slapd_acl_default
    } > "$conf"
}

# Write the slapd.conf of a back_mdb server to $1.
slapd_write_mdb_conf() {
    local conf=$1 dir=$2
    {
        _slapd_conf_common "$dir" ""
        cat <<EOF
moduleload back_mdb.so

database mdb
suffix "$SLAPD_SUFFIX"
rootdn "$SLAPD_ROOTDN"
rootpw $SLAPD_ROOTPW
directory $dir/mdb
maxsize 1073741824
index objectClass,uid,uidNumber,gidNumber,memberUid,cn eq
EOF
        _slapd_acl_default
    } > "$conf"
}

# Print the last lines of a server's log (on failures).
slapd_log_tail() {
    local name=$1 lines=${2:-40}
    local log=${SLAPD_LOG[$name]:-}
    [ -n "$log" ] && [ -f "$log" ] || return 0
    diag "slapd '$name' log ($log), last $lines lines:"
    tail -n "$lines" "$log" | sed 's/^/#   /'
}

# Run slapd on the conf in $dir/slapd.conf; fill SLAPD_URI/PID/LOG for $name.
_slapd_launch() {
    local name=$1 dir=$2
    local conf=$dir/slapd.conf log=$dir/slapd.log
    local timeout=${SLAPD_START_TIMEOUT:-}
    [ -n "$timeout" ] || { if [ -n "$SLAPD_WRAPPER" ]; then timeout=120; else timeout=30; fi; }
    SLAPD_LOG[$name]=$log
    SLAPD_DIR[$name]=$dir
    local attempt port pid deadline conf_args=(-f "$conf")
    # A cn=config directory (slapd.d) wins over slapd.conf.
    [ -d "$dir/slapd.d" ] && conf_args=(-F "$dir/slapd.d")
    for attempt in 1 2 3 4 5; do
        port=$(slapd_free_port) || return 1
        SLAPD_PORT[$name]=$port
        SLAPD_URI[$name]=ldap://127.0.0.1:$port/
        # word splitting of SLAPD_WRAPPER is intended: it is a command prefix.
        # shellcheck disable=SC2086
        $SLAPD_WRAPPER "$SLAPD_BIN" -h "ldap://127.0.0.1:$port/${SLAPD_EXTRA_URLS:+ $SLAPD_EXTRA_URLS}" \
            "${conf_args[@]}" -d "$SLAPD_DEBUG" > "$log" 2>&1 < /dev/null &
        pid=$!
        SLAPD_PID[$name]=$pid
        _slapd_names+=("$name")
        deadline=$(( $(date +%s) + timeout ))
        while :; do
            if ! kill -0 "$pid" 2>/dev/null; then
                wait "$pid" 2>/dev/null
                unset "SLAPD_PID[$name]"
                # Lost the race for the port: try another one.
                if grep -q 'bind(.*) failed\|Address already in use' "$log"; then
                    cp "$log" "$log.attempt$attempt"; continue 2
                fi
                diag "slapd '$name' exited during start-up"
                slapd_log_tail "$name" 60
                return 1
            fi
            if ldapsearch -x -LLL -H "${SLAPD_URI[$name]}" -s base -b "" -o nettimeout=2 \
                    '(objectClass=*)' 1.1 > /dev/null 2>&1; then
                return 0
            fi
            if [ "$(date +%s)" -ge "$deadline" ]; then
                diag "slapd '$name' gave no answer within ${timeout}s"
                slapd_log_tail "$name" 60
                slapd_stop "$name"
                return 1
            fi
            sleep 0.1
        done
    done
    diag "slapd '$name' found no free port"
    return 1
}

# slapd_start NAME DIR: back_clusterdb on $DIR/slapd.conf, written when absent
# (dbfile $SLAPD_DBFILE or $DIR/clusterdb.db).
slapd_start() {
    local name=$1 dir=$2
    mkdir -p "$dir"
    if [ ! -f "$dir/slapd.conf" ]; then
        slapd_write_clusterdb_conf "$dir/slapd.conf" "$dir" "${SLAPD_DBFILE:-$dir/clusterdb.db}"
    fi
    _slapd_launch "$name" "$dir"
}

# slapd_start_config NAME DIR: slapd on the cn=config directory DIR/slapd.d.
slapd_start_config() { _slapd_launch "$1" "$2"; }

# mdb_start NAME DIR LDIF: back_mdb loaded from LDIF with slapadd.
mdb_start() {
    local name=$1 dir=$2 ldif=$3
    mkdir -p "$dir/mdb"
    [ -f "$dir/slapd.conf" ] || slapd_write_mdb_conf "$dir/slapd.conf" "$dir"
    local out
    if ! out=$("$SLAPADD_BIN" -q -f "$dir/slapd.conf" -l "$ldif" 2>&1); then
        diag "slapadd of $ldif failed:" "$out"
        return 1
    fi
    _slapd_launch "$name" "$dir"
}

# slapd_stop NAME: SIGINT (slapd's clean shutdown), wait, then KILL.
# Returns slapd's exit status (a wrapper's, e.g. valgrind's error exit code).
slapd_stop() {
    local name=$1 pid=${SLAPD_PID[$1]:-} i rc=0
    [ -n "$pid" ] || return 0
    unset "SLAPD_PID[$name]"
    kill -INT "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return $?; }
    # valgrind's leak check at exit takes a while.
    for i in $(seq 1 $(( ${SLAPD_STOP_TIMEOUT:-60} * 10 ))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        diag "slapd '$name' (pid $pid) ignored SIGINT; killing it"
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}

# Whether the server is still running (it has not crashed).
slapd_alive() { local pid=${SLAPD_PID[$1]:-}; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

_slapd_stop_all() {
    local n
    for n in "${_slapd_names[@]}"; do slapd_stop "$n" || true; done
}
on_exit _slapd_stop_all
# A test killed by a signal (run-all.sh's timeout) still runs its exit hooks,
# so no slapd outlives it.
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# ---- client helpers --------------------------------------------------------

# lsearch NAME ARGS...: anonymous ldapsearch -x -LLL against server NAME.
lsearch() { local n=$1; shift; ldapsearch -x -LLL -o ldif-wrap=no -H "${SLAPD_URI[$n]}" "$@"; }
# rsearch NAME ARGS...: the same, bound as the rootdn.
rsearch() {
    local n=$1; shift
    ldapsearch -x -LLL -o ldif-wrap=no -H "${SLAPD_URI[$n]}" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" "$@"
}

# ldif_normalize: unwrap folded lines, drop comments, mask values that change
# from run to run (timestamps, entryUUID, password hashes), sort the attribute
# lines inside each entry and the entries by DN.  Output: one entry per
# paragraph, "dn:" first.  Reads stdin.
ldif_normalize() {
    "$PYTHON" "$CLUSTERDB_TOP/tests/tools/ldif-normalize" "$@"
}

# ---- the push-notification simulator (tests/pve-sim/push-sim.py) ----------

# push_sim_start DIR: start the simulator (it answers by the user name's
# prefix: approve-*, reject-*, ...); sets PUSH_SIM_URL, stopped at exit.
push_sim_start() {
    local dir=$1 i
    rm -f "$dir/push.port"
    "$PYTHON" "$CLUSTERDB_TOP/tests/pve-sim/push-sim.py" --port-file "$dir/push.port" \
        > "$dir/push-sim.log" 2>&1 &
    _push_sim_pid=$!
    on_exit "kill $_push_sim_pid 2>/dev/null"
    for i in $(seq 1 100); do [ -s "$dir/push.port" ] && break; sleep 0.1; done
    [ -s "$dir/push.port" ] || return 1
    PUSH_SIM_URL=http://127.0.0.1:$(cat "$dir/push.port")
}

# push_sim_users: the user names the simulator was asked about, sorted.
push_sim_users() {
    "$PYTHON" -c 'import json, sys, urllib.request
r = json.load(urllib.request.urlopen(sys.argv[1] + "/_sim/requests"))
print(" ".join(sorted(x["body"]["username"] for x in r)))' "$PUSH_SIM_URL"
}

# ---- self-test (when run as a program) --------------------------------------
if [ -n "${_slapd_selftest:-}" ]; then
    scratch _st_dir
    _st_dc=${SLAPD_SUFFIX%%,*}
    cat > "$_st_dir/tree.ldif" <<EOF
dn: $SLAPD_SUFFIX
objectClass: top
objectClass: dcObject
objectClass: organization
dc: ${_st_dc#dc=}
o: x

dn: uid=tester,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: ldapPublicKey
uid: tester
cn: Tester
sn: Tester
uidNumber: 2000
gidNumber: 2000
homeDirectory: /home/tester
sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIItRkx6Ng85q+nIdwlqJ6azr2KP1sob9de5XbT0Zeroj t
userPassword: {ARGON2}\$argon2i\$v=19\$m=4096,t=3,p=1\$c2FsdHNhbHQ\$aGFzaGhhc2hoYXNo
EOF
    if mdb_start one "$_st_dir/one" "$_st_dir/tree.ldif" && mdb_start two "$_st_dir/two" "$_st_dir/tree.ldif"; then
        ok "two back_mdb servers start (schemas incl. openssh-lpk, argon2 loaded)"
    else
        not_ok "two back_mdb servers start"
    fi
    if [ -n "${SLAPD_PORT[one]:-}" ] && [ "${SLAPD_PORT[one]:-}" != "${SLAPD_PORT[two]:-}" ]; then
        ok "each server has its own port (${SLAPD_PORT[one]:-?}, ${SLAPD_PORT[two]:-?})"
    else
        not_ok "each server has its own port"
    fi
    _st_out=$(lsearch one -b "$SLAPD_SUFFIX" '(uid=tester)' uid sshPublicKey userPassword 2>&1)
    expect_eq "lsearch: anonymous answer, no password hash" "dn: uid=tester,$SLAPD_SUFFIX
uid: tester
sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIItRkx6Ng85q+nIdwlqJ6azr2KP1sob9de5XbT0Zeroj t" "$_st_out"
    _st_out=$(rsearch two -b "$SLAPD_SUFFIX" '(uid=tester)' userPassword 2>&1 | ldif_normalize)
    expect_match "rsearch + ldif_normalize: the rootdn sees the hash" 'userpassword: \{ARGON2\}\$argon2i' "$_st_out"
    _st_pid=${SLAPD_PID[one]:-}
    slapd_stop one
    _st_rc=$?
    if [ "$_st_rc" -eq 0 ] && [ -n "$_st_pid" ] && ! kill -0 "$_st_pid" 2>/dev/null; then
        ok "slapd_stop: slapd exits 0 on SIGINT and is gone"
    else
        not_ok "slapd_stop: slapd exits 0 on SIGINT and is gone (exit $_st_rc)"
    fi
    mkdir -p "$_st_dir/bad"
    echo "include $_st_dir/nonexistent.schema" > "$_st_dir/bad/slapd.conf"
    _st_out=$(SLAPD_START_TIMEOUT=10 slapd_start bad "$_st_dir/bad" 2>&1)
    _st_rc=$?
    if [ "$_st_rc" -ne 0 ] && [[ "$_st_out" == *"log ("* ]]; then
        ok "a slapd that cannot start: failure with the log tail"
    else
        not_ok "a slapd that cannot start: failure with the log tail"; diag "$_st_out"
    fi
    tap_done
    exit
fi
