# Shared set-up of the end-to-end tests: real clients (nslcd, SSSD, sshd,
# PAM) against a private slapd, inside a private mount namespace.
#
# Source it first thing in a test (it sources tests/lib.sh and
# tests/integration/lib-slapd.sh).  It re-executes the test in a new mount
# namespace whose mounts are all private, so every bind mount the test makes
# over /etc and every tmpfs over /run stays inside the test; nothing on the
# host changes.  That is `unshare -m --propagation private`, or, where / is
# not a mount point (a chroot: unshare says "cannot change root filesystem
# propagation"), tests/tools/private-mount-ns.  When neither can make one the
# test reports one SKIP with their errors.
#
# The directory: e2e_directory_start fills a clusterdb database with the CLI
# (SQLite, or the engine CLUSTERDB_TEST_ENGINE names) and serves it with
# back_clusterdb.  These tests are there to test the
# module: when it is not built they skip (one visible SKIP).  E2E_BACKEND=mdb,
# and only that, serves the same entries from back_mdb instead (useful to tell
# a client problem from a module problem).  Fixture (same in both):
#   users   alice  active     uidNumber 2000  groups ldapusers sysadmins developers  key A
#           bob    active     uidNumber 2001  groups ldapusers developers            keys B1 B2
#           carol  pending    uidNumber 2002  groups ldapusers                       key C
#           dave   suspended  uidNumber 2003  groups ldapusers                       key D
#   groups  ldapusers 2000, sysadmins 2001, developers 2002; primary gid 2000
# Passwords are "<name>-Secret-1".  After it: $E2E_URI, $E2E_BASE, $E2E_KEYS
# (a directory with the private keys alice, bob1, bob2, carol, dave and their
# .pub), E2E_UID[user], E2E_BACKEND_USED (clusterdb or mdb).
#
# The server runs the shipped access policy (schema-ldif/acl-example.conf):
# anonymous clients read nothing, so every client binds as the read-only
# service account $E2E_SVC_DN (password $E2E_SVC_PW), a non-posix entry
# under ou=services (back_clusterdb's service-account directive; the same
# entry in the LDIF for back_mdb), as docs/container-hosts.md sets hosts up.

# shellcheck source=tests/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/tests/lib.sh"

if [ -z "${E2E_IN_NAMESPACE:-}" ]; then
    export E2E_IN_NAMESPACE=1
    if e2e_unshare_error=$(unshare -m --propagation private true 2>&1); then
        exec unshare -m --propagation private bash "$0" "$@"
    fi
    e2e_ns_helper=$CLUSTERDB_BUILD/tests/tools/private-mount-ns
    if [ ! -x "$e2e_ns_helper" ]; then
        e2e_helper_error="$e2e_ns_helper is not built"
    elif e2e_helper_error=$("$e2e_ns_helper" true 2>&1); then
        diag "unshare -m --propagation private: $e2e_unshare_error" \
            "(/ is not a mount point here, e.g. a chroot): private namespace made by tests/tools/private-mount-ns"
        exec "$e2e_ns_helper" bash "$0" "$@"
    fi
    skip "no private mount namespace for the clients: unshare -m --propagation private:" \
        "${e2e_unshare_error//$'\n'/; }; private-mount-ns: ${e2e_helper_error//$'\n'/; }"
    tap_done
    exit 0
fi

# A test that sets E2E_OWN_HOSTNAME=1 before sourcing this file also gets a
# UTS namespace of its own (made inside the mount namespace, so this works in
# a chroot too), where e2e_set_host gives it a container's host name: the
# clients that match host names (nslcd's pam_authz_search, SSSD's host rule,
# sudo) see that name while the machine keeps its own.
if [ -n "${E2E_OWN_HOSTNAME:-}" ] && [ -z "${E2E_IN_UTS_NAMESPACE:-}" ]; then
    export E2E_IN_UTS_NAMESPACE=1
    if e2e_uts_error=$(unshare -u true 2>&1); then
        exec unshare -u bash "$0" "$@"
    fi
    skip "no host name of its own for the test: unshare -u: ${e2e_uts_error//$'\n'/; }"
    tap_done
    exit 0
fi

# shellcheck source=tests/integration/lib-slapd.sh
. "$CLUSTERDB_TOP/tests/integration/lib-slapd.sh"
# The database on SQLite or on the server engine CLUSTERDB_TEST_ENGINE names
# (tests/e2e/on_server_engines.sh).
# shellcheck source=tests/lib-engines.sh
. "$CLUSTERDB_TOP/tests/lib-engines.sh"

case ${E2E_BACKEND:=clusterdb} in
    clusterdb)
        if ! slapd_module_built; then
            skip "back_clusterdb is not built ($CLUSTERDB_MODULE_DIR/back_clusterdb.so is missing);" \
                "these tests exercise it (E2E_BACKEND=mdb runs the clients against back_mdb instead)"
            tap_done
            exit 0
        fi ;;
    mdb) diag "E2E_BACKEND=mdb: the clients run against back_mdb, not the module" ;;
    *)
        not_ok "E2E_BACKEND is clusterdb or mdb, not '$E2E_BACKEND'"
        tap_done
        exit 1 ;;
esac

E2E_BASE=${SLAPD_SUFFIX}
E2E_USERS=(alice bob carol dave)
declare -gA E2E_UID=([alice]=2000 [bob]=2001 [carol]=2002 [dave]=2003)
declare -gA E2E_STATUS=([alice]=active [bob]=active [carol]=pending [dave]=suspended)
declare -gA E2E_GIDS=([ldapusers]=2000 [sysadmins]=2001 [developers]=2002)
declare -gA E2E_MEMBERS=([ldapusers]="alice bob carol dave" [sysadmins]="alice" [developers]="alice bob")
AUTHKEYS="$CLUSTERDB_BUILD/authorized-keys/clusterdb-authorized-keys"
E2E_SVC_DN="cn=nslcd,ou=services,$E2E_BASE"
E2E_SVC_PW=nslcd-Reader-Secret-1

e2e_password() { printf '%s-Secret-1' "$1"; }

# e2e_fail_log FILE...: show the end of client logs after a failure.
e2e_fail_log() {
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        diag "---- last lines of $f:"
        tail -n "${E2E_LOG_LINES:-40}" "$f" | sed 's/^/#   /'
    done
}

# e2e_wait SECONDS CMD...: retry CMD every 0.2 s until it succeeds.
e2e_wait() {
    local limit=$1; shift
    local deadline=$(( $(date +%s) + limit ))
    until "$@" > /dev/null 2>&1; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# e2e_stop_pid PID: TERM, wait up to 10 s, then KILL.
e2e_stop_pid() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# e2e_private_runtime: tmpfs over /run (pid files, sockets, nslcd's and sshd's
# runtime directories) so nothing we start meets the host's daemons.
e2e_private_runtime() {
    mount -t tmpfs -o mode=0755 e2e-run /run || return 1
    mount -t tmpfs -o mode=0755 e2e-log /var/log || return 1
}

# e2e_private_pam_dir DIR: a copy of /etc/pam.d in DIR, mounted over
# /etc/pam.d, so tests can add their own service files.
e2e_private_pam_dir() {
    local dir=$1
    [ -z "${E2E_PAM_DIR:-}" ] || return 0
    mkdir -p "$dir"
    cp -a /etc/pam.d/. "$dir/"
    mount --bind "$dir" /etc/pam.d || return 1
    E2E_PAM_DIR=$dir
}

# e2e_set_host NAME FQDN DIR: the host name NAME (needs E2E_OWN_HOSTNAME) and
# an /etc/hosts (DIR/hosts, bound over the real one on the first call) where
# NAME resolves to FQDN, as on a container: nslcd's $fqdn and SSSD's and
# sudo's host names come from there.  Call it again to become another host.
e2e_set_host() {
    local name=$1 fqdn=$2 dir=$3
    [ -n "${E2E_IN_UTS_NAMESPACE:-}" ] || { diag "e2e_set_host needs E2E_OWN_HOSTNAME=1"; return 1; }
    hostname "$name" || return 1
    mkdir -p "$dir"
    # Rewritten in place: the bind mount keeps showing the same file.
    printf '127.0.0.1 localhost\n127.0.1.1 %s %s\n' "$fqdn" "$name" > "$dir/hosts"
    if [ -z "${E2E_HOSTS_BOUND:-}" ]; then
        mount --bind "$dir/hosts" /etc/hosts || return 1
        E2E_HOSTS_BOUND=1
    fi
    if [ "$(hostname)" != "$name" ] || [ "$(hostname -f 2>&1)" != "$fqdn" ]; then
        diag "host name $(hostname), fqdn $(hostname -f 2>&1); wanted $name, $fqdn"
        return 1
    fi
}

# ---- the directory ---------------------------------------------------------

e2e_make_keys() {
    E2E_KEYS=$1
    mkdir -p "$E2E_KEYS"
    local k
    for k in alice bob1 bob2 carol dave; do
        ssh-keygen -q -t ed25519 -N '' -C "$k@e2e" -f "$E2E_KEYS/$k" || return 1
    done
}

# The day number of today, as shadowExpire counts.
e2e_today() { echo $(( $(date +%s) / 86400 )); }

# LDIF of the fixture, for back_mdb: what back_clusterdb serves for it.
e2e_fixture_ldif() {
    local u g k
    cat <<EOF
dn: $E2E_BASE
objectClass: dcObject
objectClass: organization
dc: $(first=${E2E_BASE%%,*}; echo "${first#*=}")
o: clusterdb e2e

dn: ou=people,$E2E_BASE
objectClass: organizationalUnit
ou: people

dn: ou=groups,$E2E_BASE
objectClass: organizationalUnit
ou: groups

dn: ou=services,$E2E_BASE
objectClass: organizationalUnit
ou: services

dn: $E2E_SVC_DN
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: nslcd
userPassword: $E2E_SVC_HASH

dn: $SLAPD_ROOTDN
objectClass: organizationalRole
cn: admin
description: directory administrator (slapd rootdn)

EOF
    for u in "${E2E_USERS[@]}"; do
        printf 'dn: uid=%s,ou=people,%s\n' "$u" "$E2E_BASE"
        printf 'objectClass: %s\n' top inetOrgPerson posixAccount shadowAccount ldapPublicKey
        printf 'uid: %s\ncn: %s Example\nsn: Example\ngivenName: %s\nmail: %s@example.org\n' "$u" "${u^}" "${u^}" "$u"
        printf 'uidNumber: %s\ngidNumber: 2000\nhomeDirectory: /home/%s\nloginShell: /bin/bash\n' "${E2E_UID[$u]}" "$u"
        printf 'gecos: %s Example\n' "${u^}"
        for k in "$E2E_KEYS"/"$u"*.pub; do printf 'sshPublicKey: %s\n' "$(cat "$k")"; done
        # back_clusterdb refuses password binds of users who are not active;
        # back_mdb does the same when the entry has no password.
        if [ "${E2E_STATUS[$u]}" = active ]; then
            printf 'userPassword: %s\n' "$(e2e_password "$u")"
        else
            printf 'shadowExpire: 1\n'
        fi
        echo
    done
    for g in ldapusers sysadmins developers; do
        printf 'dn: cn=%s,ou=groups,%s\nobjectClass: top\nobjectClass: posixGroup\ncn: %s\ngidNumber: %s\n' \
            "$g" "$E2E_BASE" "$g" "${E2E_GIDS[$g]}"
        for u in ${E2E_MEMBERS[$g]}; do printf 'memberUid: %s\n' "$u"; done
        echo
    done
}

# Fill a clusterdb database through the CLI (the way an operator would).
# uidNumbers are allocated from 2000 in creation order; the first user joins
# sysadmins by herself.
e2e_fixture_clusterdb() {
    local db=$1 u g k out
    if ! out=$("$CLI" --db "$db" init 2>&1); then diag "clusterdb init failed:" "$out"; return 1; fi
    for u in "${E2E_USERS[@]}"; do
        local args=(--db "$db" user add "$u" --cn "${u^} Example" --sn Example --given-name "${u^}"
            --mail "$u@example.org" --status "${E2E_STATUS[$u]}" --password-stdin)
        for k in "$E2E_KEYS"/"$u"*.pub; do cat "$k"; done > "$E2E_KEYS/$u.all"
        args+=(--ssh-key-file "$E2E_KEYS/$u.all")
        if ! out=$(e2e_password "$u" | "$CLI" "${args[@]}" 2>&1); then
            diag "clusterdb user add $u failed:" "$out"; return 1
        fi
        out=$("$CLI" --db "$db" --json user show "$u" 2>&1)
        if [[ ! "$out" =~ \"uidNumber\":\ *${E2E_UID[$u]}[,\ ] ]]; then
            diag "user $u did not get uidNumber ${E2E_UID[$u]}:" "$out"; return 1
        fi
    done
    if ! out=$("$CLI" --db "$db" group add developers --gid "${E2E_GIDS[developers]}" 2>&1); then
        diag "clusterdb group add developers failed:" "$out"; return 1
    fi
    for g in ldapusers sysadmins developers; do
        for u in ${E2E_MEMBERS[$g]}; do
            # alice is in sysadmins already (first user): a conflict is fine.
            out=$("$CLI" --db "$db" group add-member "$g" "$u" 2>&1) || [ $? -eq 4 ] || {
                diag "clusterdb group add-member $g $u failed:" "$out"; return 1; }
        done
    done
}

# e2e_directory_start DIR: keys, data and a running slapd ("dir") under
# the shipped access policy, with the service account.
e2e_directory_start() {
    local dir=$1
    e2e_make_keys "$dir/keys" || return 1
    E2E_SVC_HASH=$(slappasswd -o module-load=argon2 -h '{ARGON2}' -s "$E2E_SVC_PW") || return 1
    mkdir -p "$dir/slapd"
    sed "s/dc=cluster,dc=internal/$E2E_BASE/g" "$CLUSTERDB_TOP/schema-ldif/acl-example.conf" \
        > "$dir/acl.conf"
    export SLAPD_ACL=$dir/acl.conf
    E2E_BACKEND_USED=$E2E_BACKEND
    if [ "$E2E_BACKEND_USED" = clusterdb ]; then
        test_database "$dir" || return 1
        E2E_DB=$DB
        e2e_fixture_clusterdb "$E2E_DB" || return 1
        slapd_write_clusterdb_conf "$dir/slapd/slapd.conf" "$dir/slapd" "$E2E_DB"
        printf 'service-account "%s" %s\n' "$E2E_SVC_DN" "$E2E_SVC_HASH" >> "$dir/slapd/slapd.conf"
        slapd_start dir "$dir/slapd" || return 1
    else
        e2e_fixture_ldif > "$dir/fixture.ldif"
        mdb_start dir "$dir/slapd" "$dir/fixture.ldif" || return 1
    fi
    E2E_URI=${SLAPD_URI[dir]}
    diag "directory: $E2E_BACKEND_USED at $E2E_URI"
}

# ---- changes, the way an operator makes them ----------------------------

_e2e_ldapmodify() {
    ldapmodify -x -H "$E2E_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" > /dev/null
}

# e2e_set_status USER STATUS
e2e_set_status() {
    local u=$1 status=$2
    if [ "$E2E_BACKEND_USED" = clusterdb ]; then
        "$CLI" --db "$E2E_DB" user set "$u" --status "$status"
    elif [ "$status" = active ]; then
        printf 'dn: uid=%s,ou=people,%s\nchangetype: modify\ndelete: shadowExpire\n-\nreplace: userPassword\nuserPassword: %s\n' \
            "$u" "$E2E_BASE" "$(e2e_password "$u")" | _e2e_ldapmodify
    else
        printf 'dn: uid=%s,ou=people,%s\nchangetype: modify\nreplace: shadowExpire\nshadowExpire: 1\n-\nreplace: userPassword\n' \
            "$u" "$E2E_BASE" | _e2e_ldapmodify
    fi
}

# e2e_clear_keys USER
e2e_clear_keys() {
    local u=$1
    if [ "$E2E_BACKEND_USED" = clusterdb ]; then
        "$CLI" --db "$E2E_DB" user set "$u" --clear-ssh-keys
    else
        printf 'dn: uid=%s,ou=people,%s\nchangetype: modify\ndelete: sshPublicKey\n' "$u" "$E2E_BASE" | _e2e_ldapmodify
    fi
}

# e2e_add_member GROUP USER
e2e_add_member() {
    local g=$1 u=$2
    if [ "$E2E_BACKEND_USED" = clusterdb ]; then
        "$CLI" --db "$E2E_DB" group add-member "$g" "$u"
    else
        printf 'dn: cn=%s,ou=groups,%s\nchangetype: modify\nadd: memberUid\nmemberUid: %s\n' "$g" "$E2E_BASE" "$u" | _e2e_ldapmodify
    fi
}

# ---- nslcd -----------------------------------------------------------------

# e2e_nslcd_start DIR [extra nslcd.conf lines...]: nslcd for the directory,
# with nsswitch "files ldap" for passwd, group and shadow.  Sets NSLCD_PID and
# NSLCD_LOG.  Needs e2e_private_runtime first.
e2e_nslcd_start() {
    local dir=$1; shift
    mkdir -p "$dir"
    {
        echo "# nslcd.conf of the e2e tests (see docs/container-hosts.md)"
        echo "uid nslcd"
        echo "gid nslcd"
        echo "uri $E2E_URI"
        echo "base $E2E_BASE"
        echo "binddn $E2E_SVC_DN"
        echo "bindpw $E2E_SVC_PW"
        # passwd USER as root: nslcd binds as the rootdn (and, by default
        # pam_authc_search BASE, reads that DN's entry).
        echo "rootpwmoddn $SLAPD_ROOTDN"
        echo "bind_timelimit 5"
        echo "timelimit 10"
        echo "idle_timelimit 60"
        printf '%s\n' "$@"
    } > "$dir/nslcd.conf"
    chmod 0640 "$dir/nslcd.conf"
    chgrp nslcd "$dir/nslcd.conf"
    cat > "$dir/nsswitch.conf" <<'EOF'
passwd:         files ldap
group:          files ldap
shadow:         files ldap
hosts:          files dns
EOF
    mount --bind "$dir/nslcd.conf" /etc/nslcd.conf || return 1
    mount --bind "$dir/nsswitch.conf" /etc/nsswitch.conf || return 1
    mkdir -p /run/nslcd
    chown nslcd:nslcd /run/nslcd
    NSLCD_LOG=$dir/nslcd.log
    # -d keeps nslcd in the foreground and logs each request.
    /usr/sbin/nslcd -d > "$NSLCD_LOG" 2>&1 < /dev/null &
    NSLCD_PID=$!
    on_exit e2e_stop_pid "$NSLCD_PID"
    if ! e2e_wait 30 getent passwd alice; then
        diag "nslcd gave no answer for alice"
        e2e_fail_log "$NSLCD_LOG"
        return 1
    fi
}

# e2e_nslcd_stop: stop nslcd (for a restart with another config).
e2e_nslcd_stop() {
    e2e_stop_pid "$NSLCD_PID"
    umount /etc/nslcd.conf /etc/nsswitch.conf 2>/dev/null || true
}

# ---- SSSD -------------------------------------------------------------------

# e2e_sssd_start DIR < sssd.conf: SSSD with that configuration (root-owned
# 0600 in DIR/etc-sssd, bound over /etc/sssd: SSSD refuses anything looser),
# a fresh private cache, and nsswitch "files sss" for passwd, group, shadow
# and sudoers.  Sets SSSD_PID and SSSD_OUT.  Needs e2e_private_runtime first.
e2e_sssd_start() {
    local dir=$1
    mkdir -p "$dir/etc-sssd/conf.d"
    chmod 0711 "$dir/etc-sssd"
    cat > "$dir/etc-sssd/sssd.conf"
    chmod 0600 "$dir/etc-sssd/sssd.conf"
    mount --bind "$dir/etc-sssd" /etc/sssd || return 1
    mount -t tmpfs -o mode=0755 e2e-sss /var/lib/sss || return 1
    mkdir -p /var/lib/sss/db /var/lib/sss/pipes/private /var/lib/sss/mc /var/lib/sss/pubconf \
        /var/lib/sss/gpo_cache /var/log/sssd
    chmod 0700 /var/lib/sss/db /var/lib/sss/pipes/private
    printf '%s\n' "passwd:         files sss" "group:          files sss" "shadow:         files sss" \
        "sudoers:        files sss" "hosts:          files dns" > "$dir/nsswitch.conf"
    mount --bind "$dir/nsswitch.conf" /etc/nsswitch.conf || return 1
    SSSD_OUT=$dir/sssd.out
    /usr/sbin/sssd -i --logger=files > "$SSSD_OUT" 2>&1 < /dev/null &
    SSSD_PID=$!
    on_exit e2e_stop_pid "$SSSD_PID"
    if ! e2e_wait 60 getent passwd alice; then
        diag "sssd gave no answer for alice"
        sssd_logs
        return 1
    fi
}

# e2e_sssd_stop: stop SSSD and drop its cache (for a restart).
e2e_sssd_stop() {
    e2e_stop_pid "$SSSD_PID"
    umount /var/lib/sss /etc/sssd /etc/nsswitch.conf 2>/dev/null || true
}

# sssd_logs: the ends of SSSD's logs and of the server's, after a failure.
sssd_logs() {
    e2e_fail_log /var/log/sssd/sssd_clusterdb.log /var/log/sssd/sssd_nss.log /var/log/sssd/sssd_pam.log \
        /var/log/sssd/sssd_sudo.log /var/log/sssd/sssd.log "${SSSD_OUT:-/dev/null}"
    slapd_log_tail dir
}

# ---- checks shared by the NSS/PAM clients -----------------------------------

# e2e_nss_lookups LABEL: the NSS checks every client must pass on the fixture.
e2e_nss_lookups() {
    local mode=$1 out
    out=$(getent passwd alice)
    expect_match "$mode: getent passwd alice" '^alice:[^:]*:2000:2000:[^:]*:/home/alice:/bin/bash$' "$out"
    out=$(getent passwd 2001)
    expect_match "$mode: getent passwd 2001 is bob" '^bob:[^:]*:2001:2000:' "$out"
    out=$(getent group sysadmins)
    expect_match "$mode: getent group sysadmins" '^sysadmins:[^:]*:2001:alice$' "$out"
    out=$(getent group 2002)
    expect_match "$mode: getent group 2002 is developers with alice and bob" \
        '^developers:[^:]*:2002:(alice,bob|bob,alice)$' "$out"
    out=$(id alice)
    expect_match "$mode: id alice: uid, primary group" '^uid=2000\(alice\) gid=2000\(ldapusers\) ' "$out"
    local g missing=
    for g in ldapusers sysadmins developers; do
        [[ "$out" == *"${E2E_GIDS[$g]}($g)"* ]] || missing+=" $g"
    done
    expect_eq "$mode: id alice lists every supplementary group" "" "$missing"
    out=$(id -Gn bob | tr ' ' '\n' | sort | tr '\n' ' ')
    expect_eq "$mode: id -Gn bob" "developers ldapusers " "$out"
    out=$(getent passwd | awk -F: '$3 >= 2000 && $3 < 3000 {print $1}' | sort | tr '\n' ' ')
    expect_eq "$mode: getent passwd enumerates every user" "alice bob carol dave " "$out"
    out=$(getent group | awk -F: '$3 >= 2000 && $3 < 3000 {print $1 ":" $3}' | sort | tr '\n' ' ')
    expect_eq "$mode: getent group enumerates every group" \
        "developers:2002 ldapusers:2000 sysadmins:2001 " "$out"
    check_fails "$mode: getent passwd of an unknown user fails" getent passwd nosuchuser
    check_fails "$mode: getent passwd of an unknown number fails" getent passwd 2999
}

# pam USER PASSWORD OP...: pamtester on the service $E2E_PAM_SERVICE.
pam() {
    local user=$1 password=$2; shift 2
    printf '%s\n' "$password" | pamtester "$E2E_PAM_SERVICE" "$user" "$@"
}
# e2e_pam_checks SERVICE: password authentication and account stage through
# the PAM service (pam_ldap or pam_sss), for each kind of user.
e2e_pam_checks() {
    E2E_PAM_SERVICE=$1
    check "pam: active user alice authenticates with her password" pam alice "$(e2e_password alice)" authenticate
    check "pam: account stage accepts active alice" pam alice "" acct_mgmt
    check_fails "pam: a wrong password is refused" pam alice "not-her-password" authenticate
    check_fails "pam: pending carol is refused with her right password" pam carol "$(e2e_password carol)" authenticate
    check_fails "pam: suspended dave is refused with his right password" pam dave "$(e2e_password dave)" authenticate
    check_fails "pam: an unknown user is refused" pam nosuchuser "whatever-1" authenticate
    check_fails "pam: account stage refuses pending carol" pam carol "" acct_mgmt
    check_fails "pam: account stage refuses suspended dave" pam dave "" acct_mgmt
}

# e2e_change_checks WORKDIR [shadow]: changes made with the CLI (ldapmodify on
# back_mdb) reach the client once its cache expires: a new group member, a
# suspension, an activation.  Needs $E2E_PAM_SERVICE (e2e_pam_checks).
e2e_change_checks() {
    local work_dir=$1 with_shadow=${2:-} out
    if e2e_add_member sysadmins bob > "$work_dir/change.log" 2>&1; then
        if e2e_wait 30 sh -c 'id -Gn bob | grep -qw sysadmins'; then
            ok "change: bob added to sysadmins shows in id bob"
        else
            not_ok "change: bob added to sysadmins shows in id bob"; diag "id: $(id bob)"
        fi
    else
        not_ok "change: add bob to sysadmins"; e2e_fail_log "$work_dir/change.log"
    fi
    if e2e_set_status bob suspended > "$work_dir/change.log" 2>&1; then
        check "change: suspended bob's account stage is refused" \
            e2e_wait 30 sh -c "! pamtester $E2E_PAM_SERVICE bob acct_mgmt < /dev/null"
        if [ "$with_shadow" = shadow ]; then
            out=$(getent shadow bob | cut -d: -f8)
            expect_eq "change: getent shadow bob shows the expiry day 1" "1" "$out"
        fi
        check_fails "change: suspended bob cannot authenticate" pam bob "$(e2e_password bob)" authenticate
    else
        not_ok "change: suspend bob"; e2e_fail_log "$work_dir/change.log"
    fi
    if e2e_set_status carol active > "$work_dir/change.log" 2>&1; then
        check "change: carol, activated, authenticates" \
            e2e_wait 30 pam carol "$(e2e_password carol)" authenticate acct_mgmt
    else
        not_ok "change: activate carol"; e2e_fail_log "$work_dir/change.log"
    fi
}

# ---- sshd ------------------------------------------------------------------

# e2e_sshd_start DIR COMMAND ACCOUNT_MODULE [USER:KEY...]: sshd on a free
# loopback port, keys from "AuthorizedKeysCommand COMMAND" run as nobody,
# UsePAM yes with "account required ACCOUNT_MODULE" as its PAM account stage.
# Each USER (default dave:dave) also gets the fixture key KEY from a
# root-owned file, so that the login passes the key check and reaches the
# account stage, which must refuse it.  Sets SSHD_PID, SSHD_PORT, SSHD_LOG.
# Needs e2e_private_runtime first.
e2e_sshd_start() {
    local dir=$1 command=$2 account=$3; shift 3
    local file_keys=("${@:-dave:dave}") entry
    mkdir -p "$dir" /run/sshd /run/e2e-keys
    chmod 0755 /run/sshd /run/e2e-keys
    for entry in "${file_keys[@]}"; do
        cp "$E2E_KEYS/${entry#*:}.pub" "/run/e2e-keys/${entry%%:*}.keys"
        chmod 0644 "/run/e2e-keys/${entry%%:*}.keys"
    done
    ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key" || return 1
    SSHD_PORT=$(slapd_free_port)
    cat > "$dir/sshd_config" <<EOF
# sshd_config of the e2e tests (see docs/container-hosts.md)
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $dir/ssh_host_ed25519_key
PidFile /run/sshd-e2e.pid
LogLevel VERBOSE
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
AuthorizedKeysCommand $command
AuthorizedKeysCommandUser nobody
EOF
    for entry in "${file_keys[@]}"; do
        printf '# Tests only: see above.\nMatch User %s\n    AuthorizedKeysFile /run/e2e-keys/%s.keys\n' \
            "${entry%%:*}" "${entry%%:*}" >> "$dir/sshd_config"
    done
    e2e_private_pam_dir "$dir/pam.d" || return 1
    cat > /etc/pam.d/sshd <<EOF
auth     required  pam_deny.so
account  required  $account
password required  pam_deny.so
session  required  pam_permit.so
EOF
    SSHD_LOG=$dir/sshd.log
    # An ASan-built AuthorizedKeysCommand runs under sshd with an empty
    # environment (no ASAN_OPTIONS): the sanitizer defaults apply.
    /usr/sbin/sshd -D -e -f "$dir/sshd_config" > "$SSHD_LOG" 2>&1 < /dev/null &
    SSHD_PID=$!
    on_exit e2e_stop_pid "$SSHD_PID"
    if ! e2e_wait 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SSHD_PORT"; then
        diag "sshd does not listen on port $SSHD_PORT"
        e2e_fail_log "$SSHD_LOG"
        return 1
    fi
}

# e2e_ssh_login USER KEY CMD...: ssh as USER with the fixture key KEY; the
# output (stdout and stderr) in $login_out, ssh's exit status returned.
e2e_ssh_login() {
    local user=$1 key=$2; shift 2
    login_out=$(ssh -F /dev/null -p "$SSHD_PORT" -i "$E2E_KEYS/$key" -o IdentitiesOnly=yes \
        -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o ConnectTimeout=10 -o LogLevel=ERROR "$user@127.0.0.1" "$@" 2>&1)
}
