#!/usr/bin/env bash
# clusterdb-authorized-keys on its own (keys, unknown and inactive users,
# hostile user names, configuration and server errors), then sshd using it as
# AuthorizedKeysCommand with NSS and the PAM account stage through nslcd:
# key logins of active users work, inactive users and removed keys are
# refused.  Runs in a private mount namespace (see lib/e2e.sh).
# shellcheck source=lib/e2e.sh
. "$(dirname "$0")/lib/e2e.sh"

work=; scratch work   # sets $work
chmod 0755 "$work"
if [ ! -x "$AUTHKEYS" ]; then
    not_ok "clusterdb-authorized-keys is built ($AUTHKEYS)"; tap_done; exit
fi
if ! e2e_private_runtime; then
    not_ok "tmpfs over /run and /var/log in the namespace"; tap_done; exit
fi
if ! e2e_directory_start "$work/dir"; then
    not_ok "directory started with the fixture"; tap_done; exit
fi

# ---- the helper on its own -----------------------------------------------
# The helper binds as the read-only service account (the shipped policy
# shows anonymous clients nothing).
printf '%s\n' "$E2E_SVC_PW" > "$work/svc.pw"
chmod 0600 "$work/svc.pw"
conf=$work/authorized-keys.conf
cat > "$conf" <<EOF
# clusterdb-authorized-keys configuration (see docs/container-hosts.md)
uri $E2E_URI
base $E2E_BASE
timeout 5
binddn $E2E_SVC_DN
bindpw_file $work/svc.pw
EOF

# ak CONF USER...: run the helper; stdout in $ak_out, stderr in $ak_err,
# exit status in $ak_rc, wall time in ms in $ak_ms.
ak() {
    local cfg=$1; shift
    local t0 t1
    t0=$(date +%s%N)
    "$AUTHKEYS" -c "$cfg" "$@" > "$work/ak.out" 2> "$work/ak.err"
    ak_rc=$?
    t1=$(date +%s%N)
    ak_ms=$(( (t1 - t0) / 1000000 ))
    ak_out=$(cat "$work/ak.out")
    ak_err=$(cat "$work/ak.err")
}
ak_report() { diag "exit $ak_rc after ${ak_ms}ms" "stdout: $ak_out" "stderr: $ak_err"; }

ak "$conf" alice
expect_eq "helper: alice's key, exit 0" "0:$(cat "$E2E_KEYS/alice.pub")" "$ak_rc:$ak_out"
ak "$conf" bob
expect_eq "helper: bob's two keys, one per line" \
    "0:$(sort "$E2E_KEYS/bob1.pub" "$E2E_KEYS/bob2.pub")" "$ak_rc:$(sort <<< "$ak_out")"
ak "$conf" carol
expect_eq "helper: pending carol gets no keys, exit 0" "0:" "$ak_rc:$ak_out"
ak "$conf" dave
expect_eq "helper: suspended dave gets no keys, exit 0" "0:" "$ak_rc:$ak_out"
ak "$conf" nosuchuser
expect_eq "helper: an unknown user gets no keys, exit 0" "0:" "$ak_rc:$ak_out"

# Names with filter metacharacters never reach the server: they are refused
# before any connection (the server log shows no search for them either).
for name in '*' 'a*' 'alice)(uid=*' '*)(uid=*))(|(uid=*' 'alice\2a' '(alice)' 'ALICE' '' \
        "$(printf 'a%.0s' $(seq 1 40))" 'al ice' '-alice'; do
    ak "$conf" "$name"
    if [ "$ak_rc" -ne 0 ] && [ -z "$ak_out" ]; then
        ok "helper: user name '$name' refused, no keys"
    else
        not_ok "helper: user name '$name' refused, no keys"; ak_report
    fi
done
if grep -E 'SRCH .*filter=.*\(uid=[^)]*[*\\(]' "${SLAPD_LOG[dir]}" > "$work/bad-searches"; then
    not_ok "helper: no search with a wildcard or escape in uid reached the server"
    diag "$(cat "$work/bad-searches")"
else
    ok "helper: no search with a wildcard or escape in uid reached the server"
fi

# Without a bind identity the policy hides the tree: the error says so
# (an access problem), not that the base does not exist.
printf 'uri %s\nbase %s\n' "$E2E_URI" "$E2E_BASE" > "$work/anon.conf"
ak "$work/anon.conf" alice
expect_eq "helper: anonymous under the shipped policy, exit 1, no keys" "1:" "$ak_rc:$ak_out"
expect_match "helper: the error names the access problem and the fix" \
    "access denied: .*anonymous.*binddn and bindpw_file" "$ak_err"
if [[ "$ak_err" == *"does not exist"* ]]; then not_ok "helper: no 'does not exist' for an access problem"; ak_report
else ok "helper: no 'does not exist' for an access problem"; fi
printf 'uri %s\nbase dc=elsewhere,dc=example\nbinddn %s\nbindpw_file %s\n' "$E2E_URI" "$E2E_SVC_DN" \
    "$work/svc.pw" > "$work/wrongbase.conf"
ak "$work/wrongbase.conf" alice
expect_match "helper: a base the server does not hold is named as such" \
    "search base dc=elsewhere,dc=example is not held by this server" "$ak_err"

ak "$work/no-such.conf" alice
expect_eq "helper: missing config file, exit 2, no keys" "2:" "$ak_rc:$ak_out"
printf 'uri %s\nbase %s\ntls_cacertfile /x\n' "$E2E_URI" "$E2E_BASE" > "$work/typo.conf"
ak "$work/typo.conf" alice
expect_eq "helper: unknown setting, exit 2" "2:" "$ak_rc:$ak_out"
expect_match "helper: unknown setting is named" "unknown setting 'tls_cacertfile'" "$ak_err"
printf 'base %s\n' "$E2E_BASE" > "$work/nouri.conf"
ak "$work/nouri.conf" alice
expect_eq "helper: config without uri, exit 2" "2:" "$ak_rc:$ak_out"
ak "$conf"
expect_eq "helper: no user argument, exit 2" "2:" "$ak_rc:$ak_out"

# A bind DN and a password file readable only by the command's user.
pw=$(e2e_password alice)
printf '%s\n' "$pw" > "$work/bindpw"
chmod 0600 "$work/bindpw"
printf 'uri %s\nbase %s\nbinddn uid=alice,ou=people,%s\nbindpw_file %s\n' \
    "$E2E_URI" "$E2E_BASE" "$E2E_BASE" "$work/bindpw" > "$work/bind.conf"
ak "$work/bind.conf" bob
expect_eq "helper: authenticated search with binddn/bindpw_file" \
    "0:$(sort "$E2E_KEYS/bob1.pub" "$E2E_KEYS/bob2.pub")" "$ak_rc:$(sort <<< "$ak_out")"
chmod 0640 "$work/bindpw"
ak "$work/bind.conf" bob
expect_eq "helper: a group-readable password file is refused, exit 2" "2:" "$ak_rc:$ak_out"
expect_match "helper: the refusal says why" "not accessible to group or others" "$ak_err"
printf 'wrong-password-XYZ\n' > "$work/bindpw"
chmod 0600 "$work/bindpw"
ak "$work/bind.conf" bob
expect_eq "helper: a wrong bind password fails, exit 1" "1:" "$ak_rc:$ak_out"
if [[ "$ak_err" == *wrong-password-XYZ* ]] || [[ "$ak_err" == *"$pw"* ]]; then
    not_ok "helper: the bind password is not in the error"; ak_report
else
    ok "helper: the bind password is not in the error"
fi

# StartTLS against a server without TLS fails closed (no fallback to plain).
printf 'uri %s\nbase %s\ntls starttls\n' "$E2E_URI" "$E2E_BASE" > "$work/tls.conf"
ak "$work/tls.conf" alice
expect_eq "helper: StartTLS refused by the server, exit 1, no keys" "1:" "$ak_rc:$ak_out"

# Server down: nothing listens on the port.
down_port=$(slapd_free_port)
printf 'uri ldap://127.0.0.1:%s/\nbase %s\ntimeout 2\n' "$down_port" "$E2E_BASE" > "$work/down.conf"
ak "$work/down.conf" alice
if [ "$ak_rc" -eq 1 ] && [ -z "$ak_out" ] && [ "$ak_ms" -lt 3000 ]; then
    ok "helper: server down, exit 1 within 3 s"
else
    not_ok "helper: server down, exit 1 within 3 s"; ak_report
fi
expect_match "helper: server down, the reason on stderr" "Can't contact LDAP server" "$ak_err"
# A server that accepts the connection but never answers: the operation
# timeout ends the wait.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(120)' > "$work/silent.port" &
silent_pid=$!
on_exit e2e_stop_pid "$silent_pid"
e2e_wait 10 test -s "$work/silent.port"
printf 'uri ldap://127.0.0.1:%s/\nbase %s\ntimeout 1\n' "$(cat "$work/silent.port")" "$E2E_BASE" > "$work/silent.conf"
ak "$work/silent.conf" alice
if [ "$ak_rc" -eq 1 ] && [ -z "$ak_out" ] && [ "$ak_ms" -lt 4000 ]; then
    ok "helper: a server that never answers, exit 1 within the timeout"
else
    not_ok "helper: a server that never answers, exit 1 within the timeout"; ak_report
fi
expect_match "helper: only a silent server, said as such" "no server answered \(1 uri tried" "$ak_err"
# The silent server first, the directory second: the helper gives up on the
# first after its timeout and answers from the second.
cat > "$work/failover.conf" <<EOF
uri ldap://127.0.0.1:$(cat "$work/silent.port")/ $E2E_URI
base $E2E_BASE
timeout 1
binddn $E2E_SVC_DN
bindpw_file $work/svc.pw
EOF
ak "$work/failover.conf" alice
expect_eq "helper: a silent first server, alice's key from the next, exit 0" \
    "0:$(cat "$E2E_KEYS/alice.pub")" "$ak_rc:$ak_out"
expect_match "helper: the silent server is named on stderr" \
    "server ldap://127.0.0.1:$(cat "$work/silent.port")/ failed; trying the next uri" "$ak_err"
# A server that answers is final: an unknown user on it ends the run.
ak "$work/failover.conf" nosuchuser
expect_eq "helper: an unknown user after the failover, no keys, exit 0" "0:" "$ak_rc:$ak_out"
e2e_stop_pid "$silent_pid"

# ---- TLS: the server certificate is always verified --------------------------
# A back_mdb server of its own (the helper does not care which backend
# answers) listening on ldap:// (StartTLS) and ldaps://, with a certificate
# for the name ldap.e2e.test only, issued by a CA of the test.  A private
# /etc/hosts gives that name and wrong.e2e.test to 127.0.0.1 ("localhost"
# would not do: libldap replaces it with the reverse name of the address).
tls_dir=$work/tls
mkdir -p "$tls_dir/slapd/mdb"
printf '127.0.0.1 localhost\n127.0.0.1 ldap.e2e.test\n127.0.0.1 wrong.e2e.test\n' > "$work/hosts"
mount --bind "$work/hosts" /etc/hosts
make_ca() { # make_ca NAME
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=e2e $1 CA" \
        -keyout "$tls_dir/$1.key" -out "$tls_dir/$1.pem" 2> /dev/null
}
if make_ca ca && make_ca other \
    && openssl req -newkey rsa:2048 -nodes -subj "/CN=ldap.e2e.test" -keyout "$tls_dir/server.key" \
        -out "$tls_dir/server.csr" 2> /dev/null \
    && printf 'subjectAltName=DNS:ldap.e2e.test\nextendedKeyUsage=serverAuth\n' > "$tls_dir/ext" \
    && openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$tls_dir/ext" -out "$tls_dir/server.pem" 2> /dev/null; then
    slapd_write_mdb_conf "$tls_dir/slapd/slapd.conf" "$tls_dir/slapd"
    sed -i "/^moduleload back_mdb.so/i TLSCACertificateFile $tls_dir/ca.pem\nTLSCertificateFile $tls_dir/server.pem\nTLSCertificateKeyFile $tls_dir/server.key" \
        "$tls_dir/slapd/slapd.conf"
    e2e_fixture_ldif > "$tls_dir/fixture.ldif"
    slapadd -q -f "$tls_dir/slapd/slapd.conf" -l "$tls_dir/fixture.ldif"
    tls_port=$(slapd_free_port); tls_sport=$(slapd_free_port)
    slapd -h "ldap://127.0.0.1:$tls_port/ ldaps://127.0.0.1:$tls_sport/" -f "$tls_dir/slapd/slapd.conf" \
        -d stats > "$tls_dir/slapd.log" 2>&1 < /dev/null &
    tls_pid=$!
    on_exit e2e_stop_pid "$tls_pid"
    e2e_wait 20 ldapsearch -x -H "ldap://127.0.0.1:$tls_port/" -s base -b "" 1.1
    tls_conf() { # tls_conf FILE URI TLS CACERT
        printf 'uri %s\nbase %s\ntls %s\ntls_cacert %s\ntimeout 5\nbinddn %s\nbindpw_file %s\n' \
            "$2" "$E2E_BASE" "$3" "$4" "$E2E_SVC_DN" "$work/svc.pw" > "$1"
    }
    tls_conf "$work/t1.conf" "ldap://ldap.e2e.test:$tls_port/" starttls "$tls_dir/ca.pem"
    ak "$work/t1.conf" alice
    expect_eq "helper tls: StartTLS with the right CA gives alice's key" \
        "0:$(cat "$E2E_KEYS/alice.pub")" "$ak_rc:$ak_out"
    [ "$ak_rc" -eq 0 ] || ak_report
    tls_conf "$work/t2.conf" "ldaps://ldap.e2e.test:$tls_sport/" none "$tls_dir/ca.pem"
    ak "$work/t2.conf" alice
    expect_eq "helper tls: ldaps:// with the right CA gives alice's key" \
        "0:$(cat "$E2E_KEYS/alice.pub")" "$ak_rc:$ak_out"
    [ "$ak_rc" -eq 0 ] || ak_report
    tls_conf "$work/t3.conf" "ldap://ldap.e2e.test:$tls_port/" starttls "$tls_dir/other.pem"
    ak "$work/t3.conf" alice
    expect_eq "helper tls: StartTLS, certificate from an unknown CA: exit 1, no keys" "1:" "$ak_rc:$ak_out"
    tls_conf "$work/t4.conf" "ldaps://ldap.e2e.test:$tls_sport/" none "$tls_dir/other.pem"
    ak "$work/t4.conf" alice
    expect_eq "helper tls: ldaps://, certificate from an unknown CA: exit 1, no keys" "1:" "$ak_rc:$ak_out"
    tls_conf "$work/t5.conf" "ldaps://wrong.e2e.test:$tls_sport/" none "$tls_dir/ca.pem"
    ak "$work/t5.conf" alice
    expect_eq "helper tls: certificate for another host name: exit 1, no keys" "1:" "$ak_rc:$ak_out"
    # An LDAPTLS_REQCERT=never in the environment must not weaken the check.
    LDAPTLS_REQCERT=never LDAPTLS_CACERT=$tls_dir/other.pem ak "$work/t3.conf" alice
    expect_eq "helper tls: LDAPTLS_* environment variables are ignored" "1:" "$ak_rc:$ak_out"
    e2e_stop_pid "$tls_pid"
else
    not_ok "helper tls: test certificates made with openssl"
fi

# ---- sshd with the helper as AuthorizedKeysCommand ------------------------
if ! e2e_nslcd_start "$work/nslcd"; then
    not_ok "nslcd answers"; slapd_log_tail dir; tap_done; exit
fi

# sshd insists the command and every directory above it be root-owned and
# not group/world-writable, so the helper is bind-mounted under /srv.
srv=$work/srv
mkdir -p "$srv"
chmod 0755 "$srv"
cp "$AUTHKEYS" "$srv/clusterdb-authorized-keys"
chmod 0755 "$srv/clusterdb-authorized-keys"
sed "s|^bindpw_file .*|bindpw_file /srv/svc.pw|" "$conf" > "$srv/authorized-keys.conf"
chmod 0644 "$srv/authorized-keys.conf"
# The password file belongs to the AuthorizedKeysCommandUser, readable by it only.
cp "$work/svc.pw" "$srv/svc.pw"
chown nobody "$srv/svc.pw"
chmod 0600 "$srv/svc.pw"
mount --bind "$srv" /srv

e2e_sshd_start "$work/sshd" \
    "/srv/clusterdb-authorized-keys -c /srv/authorized-keys.conf %u" "pam_ldap.so minimum_uid=1000" \
    || { not_ok "sshd listens"; tap_done; exit; }
login() { e2e_ssh_login "$@"; }
ssh_logs() { e2e_fail_log "$SSHD_LOG" "$NSLCD_LOG"; slapd_log_tail dir 20; }

before=$_tap_failed
# shellcheck disable=SC2016
login alice alice 'echo "logged in as $(id -un) uid $(id -u) groups $(id -Gn | tr " " "\n" | sort | tr "\n" " ")"'
expect_eq "sshd: alice logs in with her key and runs a command" \
    "logged in as alice uid 2000 groups developers ldapusers sysadmins " \
    "$(grep '^logged in' <<< "$login_out")"
# shellcheck disable=SC2016
login bob bob2 'echo ok-$(id -un)'
expect_eq "sshd: bob logs in with his second key" "ok-bob" "$(grep '^ok-' <<< "$login_out")"
check_fails "sshd: alice cannot log in with bob's key" login alice bob1 true
check_fails "sshd: suspended dave is refused with his valid key" login dave dave true
check_fails "sshd: pending carol is refused with her valid key" login carol carol true
# dave's key is accepted (from the file); the PAM account stage (pam_ldap,
# shadowExpire) refuses the login: the second line of defence works.
if grep -q 'Access denied for user dave by PAM account configuration' "$SSHD_LOG"; then
    ok "sshd: suspended dave's accepted key is refused by the PAM account stage"
else
    not_ok "sshd: suspended dave's accepted key is refused by the PAM account stage"
fi
check_fails "sshd: an unknown user is refused" login nosuchuser alice true

# Changes made with the CLI apply at the next attempt.
if e2e_clear_keys bob > "$work/change.log" 2>&1; then
    check_fails "sshd: bob's keys removed with the CLI, his next login is refused" login bob bob1 true
else
    not_ok "sshd: remove bob's keys"; e2e_fail_log "$work/change.log"
fi
if e2e_set_status alice suspended > "$work/change.log" 2>&1; then
    check_fails "sshd: alice suspended with the CLI, her next login is refused" login alice alice true
else
    not_ok "sshd: suspend alice"; e2e_fail_log "$work/change.log"
fi
if grep -q 'AuthorizedKeysCommand .* failed\|ERROR: AddressSanitizer\|runtime error' "$SSHD_LOG"; then
    not_ok "sshd: the helper never failed under sshd"; grep -i 'failed\|sanitizer\|runtime error' "$SSHD_LOG" | head | sed 's/^/#   /'
else
    ok "sshd: the helper never failed under sshd"
fi
[ "$_tap_failed" -ne "$before" ] && ssh_logs

check "sshd is still running" kill -0 "$SSHD_PID"
e2e_stop_pid "$SSHD_PID"
e2e_nslcd_stop
tap_done
