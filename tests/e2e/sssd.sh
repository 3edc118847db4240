#!/usr/bin/env bash
# SSSD (id_provider/auth_provider/access_provider ldap) against the directory:
# NSS lookups and enumeration, pam_sss password authentication, the account
# stage (shadowExpire through ldap_account_expire_policy = shadow), and CLI
# changes after the cache expires.  Runs in a private mount namespace.
# shellcheck source=lib/e2e.sh
. "$(dirname "$0")/lib/e2e.sh"

work=; scratch work   # sets $work
chmod 0755 "$work"
if ! e2e_private_runtime; then
    not_ok "tmpfs over /run and /var/log in the namespace"; tap_done; exit
fi
if ! e2e_directory_start "$work/dir"; then
    not_ok "directory started with the fixture"; tap_done; exit
fi

e2e_private_pam_dir "$work/pam.d"
cat > /etc/pam.d/clusterdb-e2e <<'EOF'
auth     required  pam_sss.so
account  required  pam_sss.so
password required  pam_deny.so
session  required  pam_permit.so
EOF

# The [domain/...] section is the one docs/container-hosts.md shows; the
# cache timeouts are shortened so the change checks need not wait minutes.
if ! e2e_sssd_start "$work/sssd" <<EOF
[sssd]
services = nss, pam, ssh
domains = clusterdb

[nss]
# Tests only: refresh enumerations every second and keep the fast in-memory
# cache short, so changes show without waiting for production TTLs.
enum_cache_timeout = 1
memcache_timeout = 1

[pam]

[domain/clusterdb]
id_provider = ldap
auth_provider = ldap
access_provider = ldap
ldap_uri = $E2E_URI
ldap_search_base = $E2E_BASE
ldap_schema = rfc2307
# The read-only service account (anonymous clients read nothing).
ldap_default_bind_dn = $E2E_SVC_DN
ldap_default_authtok = $E2E_SVC_PW
# Pending and suspended users carry shadowExpire in the past: refuse them at
# the account stage (all three settings are needed).
ldap_access_order = expire
ldap_account_expire_policy = shadow
enumerate = true
cache_credentials = false
# Tests only: plain LDAP on loopback, immediate enumeration, short caches.
ldap_auth_disable_tls_never_use_in_production = true
ldap_enumeration_refresh_offset = 0
entry_cache_timeout = 2
debug_level = 6
EOF
then
    not_ok "sssd answers"; tap_done; exit
fi
sssd_pid=$SSSD_PID

# SSSD answers single lookups at once; the first enumeration runs right
# after start-up (refresh offset 0): wait for all four users.
enumerated() { [ "$(getent passwd | awk -F: '$3 >= 2000 && $3 < 3000' | wc -l)" -eq 4 ]; }
if ! e2e_wait 60 getent passwd alice || ! e2e_wait 60 enumerated; then
    not_ok "sssd answers and enumerates"; sssd_logs; tap_done; exit
fi

before=$_tap_failed
e2e_nss_lookups sssd
[ "$_tap_failed" -ne "$before" ] && sssd_logs

# SSSD's own AuthorizedKeysCommand reads the same sshPublicKey values.
out=$(sss_ssh_authorizedkeys alice 2>&1)
expect_eq "sss_ssh_authorizedkeys alice prints her key" "$(cat "$E2E_KEYS/alice.pub")" "$out"
out=$(sss_ssh_authorizedkeys bob 2>&1 | sort)
expect_eq "sss_ssh_authorizedkeys bob prints his two keys" "$(sort "$E2E_KEYS/bob1.pub" "$E2E_KEYS/bob2.pub")" "$out"
diag "sss_ssh_authorizedkeys dave (suspended): $(sss_ssh_authorizedkeys dave 2>&1 | cut -c1-40)"

before=$_tap_failed
e2e_pam_checks clusterdb-e2e
[ "$_tap_failed" -ne "$before" ] && sssd_logs

# sshd with SSSD: keys from sss_ssh_authorizedkeys, account stage pam_sss.
before=$_tap_failed
if e2e_sshd_start "$work/sshd" "/usr/bin/sss_ssh_authorizedkeys %u" "pam_sss.so"; then
    # shellcheck disable=SC2016
    e2e_ssh_login alice alice 'echo ok-$(id -un)-$(id -u)'
    expect_eq "sshd+sssd: alice logs in with her key and runs a command" "ok-alice-2000" \
        "$(grep '^ok-' <<< "$login_out")"
    check_fails "sshd+sssd: suspended dave is refused with his valid key" e2e_ssh_login dave dave true
    # sss_ssh_authorizedkeys hands out dave's key: pam_sss's account stage
    # (ldap_account_expire_policy = shadow) is what refuses him.
    if grep -q 'Access denied for user dave by PAM account configuration' "$SSHD_LOG"; then
        ok "sshd+sssd: dave's accepted key is refused by the PAM account stage"
    else
        not_ok "sshd+sssd: dave's accepted key is refused by the PAM account stage"
    fi
    check_fails "sshd+sssd: pending carol is refused with her valid key" e2e_ssh_login carol carol true
    e2e_stop_pid "$SSHD_PID"
else
    not_ok "sshd+sssd: sshd listens"
fi
[ "$_tap_failed" -ne "$before" ] && { e2e_fail_log "$SSHD_LOG"; sssd_logs; }

before=$_tap_failed
e2e_change_checks "$work"
[ "$_tap_failed" -ne "$before" ] && sssd_logs

check "sssd is still running" kill -0 "$sssd_pid"
tap_done
