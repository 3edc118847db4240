#!/usr/bin/env bash
# Who may log into which container and who gets sudo there, enforced by the
# real clients against the host and sudoRole entries back_clusterdb computes
# from the store: nslcd's pam_authz_search, sshd (keys from
# clusterdb-authorized-keys with "host auto", PAM account through nslcd),
# SSSD's host access rule and SSSD's sudo provider read by sudo itself.  The
# test has a host name of its own (a UTS namespace, see lib/e2e.sh): it is
# container ct1, later ct2.  Grants, revocations, a suspension and a removal
# from sysadmins are made with the CLI and must show at the next attempt (or
# once SSSD's short test caches expire).
E2E_OWN_HOSTNAME=1
# shellcheck source=lib/e2e.sh
. "$(dirname "$0")/lib/e2e.sh"

if [ "$E2E_BACKEND" != clusterdb ]; then
    skip "access: host and sudoRole entries are computed by back_clusterdb (E2E_BACKEND=$E2E_BACKEND)"
    tap_done; exit 0
fi
work=; scratch work   # sets $work
chmod 0755 "$work"
if ! e2e_private_runtime; then
    not_ok "tmpfs over /run and /var/log in the namespace"; tap_done; exit
fi
if ! e2e_directory_start "$work/dir"; then
    not_ok "directory started with the fixture"; tap_done; exit
fi

# ---- the containers, the way an operator records them ---------------------
# ct1 is alice's, ct2 bob's, both in site dc1 (internal domain one.internal).
# sam is the administrator (member of sysadmins); alice, the first user, is
# taken out of sysadmins so that she is an owner and nothing more.
cli() { "$CLI" --db "$E2E_DB" "$@" >> "$work/cli.log" 2>&1; }
DOMAIN=one.internal
if e2e_password sam | cli user add sam --cn "Sam Example" --sn Example --status active --password-stdin &&
    cli group add-member sysadmins sam && cli group remove-member sysadmins alice &&
    cli site add dc1 --internal-domain "$DOMAIN" && cli node add pve1 --site dc1 &&
    cli container add ct1 --node pve1 --username alice && cli container add ct2 --node pve1 --username bob; then
    ok "fixture: containers ct1 (alice) and ct2 (bob), sam administers"
else
    not_ok "fixture: containers ct1 (alice) and ct2 (bob), sam administers"; e2e_fail_log "$work/cli.log"
    tap_done; exit
fi
if e2e_set_host ct1 "ct1.$DOMAIN" "$work/host"; then
    ok "the test is host ct1 (ct1.$DOMAIN)"
else
    not_ok "the test is host ct1 (ct1.$DOMAIN)"; tap_done; exit
fi

# What the directory serves, to tell a module problem from a client problem.
# host_values USER: the user's host values, sorted, on one line.
host_values() {
    ldapsearch -x -LLL -o ldif-wrap=no -H "$E2E_URI" -D "$E2E_SVC_DN" -w "$E2E_SVC_PW" \
        -b "ou=people,$E2E_BASE" "(uid=$1)" host | sed -n 's/^host: //p' | sort | tr '\n' ' '
}
expect_eq "directory: alice's entry names ct1 and its FQDN" "ct1 ct1.$DOMAIN " "$(host_values alice)"
expect_eq "directory: sam's entry names every container" "ct1 ct1.$DOMAIN ct2 ct2.$DOMAIN " "$(host_values sam)"
expect_eq "directory: suspended dave's entry names no host" "" "$(host_values dave)"

# acct USER: the PAM account stage of service clusterdb-e2e (pamtester).
acct() { pamtester clusterdb-e2e "$1" acct_mgmt < /dev/null > /dev/null 2>&1; }
# may_enter LABEL USER WAIT / may_not_enter ...: the account stage passes
# (is refused); WAIT seconds for a client with a cache to see a change.
may_enter() {
    if [ "$3" -gt 0 ]; then check "$1" e2e_wait "$3" acct "$2"; else check "$1" acct "$2"; fi
}
may_not_enter() {
    if [ "$3" -gt 0 ]; then check "$1" e2e_wait "$3" sh -c "! pamtester clusterdb-e2e $2 acct_mgmt < /dev/null"
    else check_fails "$1" acct "$2"; fi
}

# access_matrix LABEL WAIT: on ct1, the owner and the administrator enter,
# an unrelated active user does not; a grant to him made with the CLI lets
# him in, its revocation shuts him out; a suspended owner is refused (and
# enters again when reactivated).
access_matrix() {
    local l=$1 wait=$2
    may_enter "$l: owner alice passes the account stage on ct1" alice 0
    may_not_enter "$l: bob, owner of ct2 only, is refused on ct1" bob 0
    may_enter "$l: administrator sam passes on ct1" sam 0
    may_not_enter "$l: pending carol is refused" carol 0
    may_not_enter "$l: an unknown user is refused" nosuchuser 0
    if cli container grant ct1 --user bob; then
        may_enter "$l: container grant ct1 --user bob lets bob in" bob "$wait"
    else not_ok "$l: container grant ct1 --user bob"; e2e_fail_log "$work/cli.log"; fi
    if cli container revoke ct1 --user bob; then
        may_not_enter "$l: after the revocation bob is refused again" bob "$wait"
    else not_ok "$l: container revoke ct1 --user bob"; e2e_fail_log "$work/cli.log"; fi
    # A grant to a group counts for its active members only: dave stays out.
    if cli container grant --site dc1 --group ldapusers; then
        may_enter "$l: a site grant to ldapusers lets member bob in" bob "$wait"
        may_not_enter "$l: ... but not its suspended member dave" dave 0
    else not_ok "$l: container grant --site dc1 --group ldapusers"; e2e_fail_log "$work/cli.log"; fi
    if cli container revoke --site dc1 --group ldapusers; then
        may_not_enter "$l: after that revocation bob is refused" bob "$wait"
    else not_ok "$l: container revoke --site dc1 --group ldapusers"; e2e_fail_log "$work/cli.log"; fi
    if e2e_set_status alice suspended >> "$work/cli.log" 2>&1; then
        may_not_enter "$l: suspended owner alice is refused on her own container" alice "$wait"
    else not_ok "$l: suspend alice"; e2e_fail_log "$work/cli.log"; fi
    if e2e_set_status alice active >> "$work/cli.log" 2>&1; then
        may_enter "$l: reactivated alice enters again" alice "$wait"
    else not_ok "$l: reactivate alice"; e2e_fail_log "$work/cli.log"; fi
}

e2e_private_pam_dir "$work/pam.d"

# ---- nslcd: pam_authz_search -------------------------------------------------
# The filter of docs/container-hosts.md.  The double backslash matters: nslcd
# unescapes once, so the server gets (host=\2a), a literal "*" (a value that
# lets a user into every host); a single one would become a presence test.
cat > /etc/pam.d/clusterdb-e2e <<'EOF'
account  required  pam_ldap.so minimum_uid=1000
EOF
authz='pam_authz_search (&(objectClass=posixAccount)(uid=$username)(|(host=$hostname)(host=$fqdn)(host=\\*)))'
if ! e2e_nslcd_start "$work/nslcd" "$authz"; then
    not_ok "nslcd answers"; slapd_log_tail dir; tap_done; exit
fi
before=$_tap_failed
# nslcd keeps no cache of its own: every change shows at the next attempt.
access_matrix nslcd 0
if grep -q "host=ct1.$DOMAIN" "${SLAPD_LOG[dir]}"; then ok "nslcd: its search named this host's FQDN"
else not_ok "nslcd: its search named this host's FQDN"; fi
[ "$_tap_failed" -ne "$before" ] && { e2e_fail_log "$NSLCD_LOG"; slapd_log_tail dir; }

# ---- sshd: keys for this host only, PAM account through nslcd ---------------
before=$_tap_failed
if [ ! -x "$AUTHKEYS" ]; then
    not_ok "clusterdb-authorized-keys is built ($AUTHKEYS)"
else
    # The helper and its files under /srv: sshd wants root-owned directories
    # that nobody else may write (see sshd.sh).
    srv=$work/srv
    mkdir -p "$srv"
    chmod 0755 "$srv"
    cp "$AUTHKEYS" "$srv/clusterdb-authorized-keys"
    printf '%s\n' "$E2E_SVC_PW" > "$srv/svc.pw"
    chown nobody "$srv/svc.pw"
    chmod 0600 "$srv/svc.pw"
    cat > "$srv/authorized-keys.conf" <<EOF
# clusterdb-authorized-keys configuration (see docs/container-hosts.md)
uri $E2E_URI
base $E2E_BASE
timeout 5
binddn $E2E_SVC_DN
bindpw_file /srv/svc.pw
host auto
EOF
    chmod 0644 "$srv/authorized-keys.conf"
    mount --bind "$srv" /srv
    keys_for() { runuser -u nobody -- /srv/clusterdb-authorized-keys -c /srv/authorized-keys.conf "$1" 2>&1; }
    expect_eq "keys helper, host auto on ct1: alice's key" "$(cat "$E2E_KEYS/alice.pub")" "$(keys_for alice)"
    expect_eq "keys helper, host auto on ct1: no key for bob" "" "$(keys_for bob)"
    # bob's second key also comes from a file: that login gets past the key
    # check, and the PAM account stage must refuse it.
    if e2e_sshd_start "$work/sshd" "/srv/clusterdb-authorized-keys -c /srv/authorized-keys.conf %u" \
        "pam_ldap.so minimum_uid=1000" bob:bob2; then
        # shellcheck disable=SC2016
        e2e_ssh_login alice alice 'echo "ok-$(id -un)-on-$(hostname)"'
        expect_eq "sshd: owner alice logs into ct1 with her key and runs a command" "ok-alice-on-ct1" \
            "$(grep '^ok-' <<< "$login_out")"
        check_fails "sshd: bob is refused on the key route (no key for ct1)" e2e_ssh_login bob bob1 true
        if grep -q 'Access denied for user bob' "$SSHD_LOG"; then
            not_ok "sshd: ... refused before the account stage"
        else ok "sshd: ... refused before the account stage"; fi
        check_fails "sshd: bob is refused on the PAM route (key from a file)" e2e_ssh_login bob bob2 true
        if grep -q 'Access denied for user bob by PAM account configuration' "$SSHD_LOG"; then
            ok "sshd: ... by the PAM account stage (pam_authz_search)"
        else not_ok "sshd: ... by the PAM account stage (pam_authz_search)"; fi
        if cli container grant ct1 --user bob; then
            # shellcheck disable=SC2016
            e2e_ssh_login bob bob1 'echo "ok-$(id -un)-on-$(hostname)"'
            expect_eq "sshd: with a grant bob logs in with his key" "ok-bob-on-ct1" "$(grep '^ok-' <<< "$login_out")"
            cli container revoke ct1 --user bob
            check_fails "sshd: revoked, bob's next login is refused" e2e_ssh_login bob bob1 true
        else not_ok "sshd: grant ct1 to bob"; e2e_fail_log "$work/cli.log"; fi
        e2e_stop_pid "$SSHD_PID"
    else
        not_ok "sshd listens"
    fi
    [ "$_tap_failed" -ne "$before" ] && { e2e_fail_log "${SSHD_LOG:-/dev/null}" "$NSLCD_LOG"; slapd_log_tail dir 20; }
fi
e2e_nslcd_stop

# ---- SSSD: access_provider ldap with the host rule, and sudo -----------------
cat > /etc/pam.d/clusterdb-e2e <<'EOF'
account  required  pam_sss.so
EOF
# sudo's own configuration, private: sudo may not even be installed on the
# machine, and its /etc/sudoers is not ours to rely on.  Debian builds sudo
# with fqdn on; off, sudo matches the host name without asking DNS.
printf 'Defaults !fqdn\n' > "$work/sudoers"
chmod 0440 "$work/sudoers"
have_sudo=
if ! command -v sudo > /dev/null; then
    sudo_missing="sudo is not installed (scripts/install-deps.sh test installs it)"
elif ! ls /usr/lib/*/libsss_sudo.so > /dev/null 2>&1; then
    sudo_missing="libsss-sudo is not installed (scripts/install-deps.sh test installs it)"
elif [ ! -f /etc/sudoers ]; then
    sudo_missing="/etc/sudoers is missing: there is nothing to bind the test's own over"
elif mount --bind "$work/sudoers" /etc/sudoers 2> "$work/sudoers.err"; then
    have_sudo=1
else
    sudo_missing="cannot bind a private /etc/sudoers: $(cat "$work/sudoers.err")"
fi

# sssd_conf: the configuration of docs/container-hosts.md, with the test's
# short caches and refresh intervals.
sssd_conf() {
    cat <<EOF
[sssd]
services = nss, pam, sudo
domains = clusterdb

[nss]
memcache_timeout = 1

[pam]

[sudo]
debug_level = 6

[domain/clusterdb]
id_provider = ldap
auth_provider = ldap
access_provider = ldap
sudo_provider = ldap
ldap_uri = $E2E_URI
ldap_search_base = $E2E_BASE
ldap_schema = rfc2307
ldap_default_bind_dn = $E2E_SVC_DN
ldap_default_authtok = $E2E_SVC_PW
# Only users whose entry names this host (or "*"), and only while active.
ldap_access_order = host, expire
ldap_user_authorized_host = host
ldap_account_expire_policy = shadow
ldap_sudo_search_base = ou=SUDOers,$E2E_BASE
cache_credentials = false
# Tests only: plain LDAP on loopback; caches of seconds, not minutes.
ldap_auth_disable_tls_never_use_in_production = true
entry_cache_timeout = 2
entry_cache_sudo_timeout = 2
ldap_sudo_full_refresh_interval = 5
ldap_sudo_smart_refresh_interval = 0
ldap_sudo_random_offset = 0
debug_level = 6
EOF
}

# sudo_list USER: what sudo -ll -U USER prints (root may list anyone's
# rules without a password; the user would be asked for hers to use them).
sudo_list() { sudo -ll -U "$1" 2>&1; }
# lists_role USER ROLE: sudo lists the LDAP role ROLE with every command as
# anyone; lists_nothing USER: sudo says USER may not run it here.
lists_role() {
    local out; out=$(sudo_list "$1")
    [[ "$out" == *"LDAP Role: $2"* ]] && grep -qE '^[[:space:]]+ALL$' <<< "$out"
}
lists_nothing() { sudo_list "$1" | grep -q "User $1 is not allowed to run sudo on $(hostname)"; }
sudo_check() { # sudo_check LABEL lists_role|lists_nothing USER [ROLE]
    local label=$1; shift
    if e2e_wait 30 "$@"; then ok "$label"; else not_ok "$label"; diag "sudo -ll -U $2:" "$(sudo_list "$2")"; fi
}

before=$_tap_failed
if ! e2e_sssd_start "$work/sssd-ct1" < <(sssd_conf); then
    not_ok "sssd answers on ct1"; tap_done; exit
fi
access_matrix sssd 30
[ "$_tap_failed" -ne "$before" ] && sssd_logs

before=$_tap_failed
if [ -z "$have_sudo" ]; then
    skip "sudo through SSSD: $sudo_missing"
else
    sudo_check "sudo on ct1: administrator sam has the administrators rule" lists_role sam administrators
    sudo_check "sudo on ct1: owner alice has the rule of ct1" lists_role alice ct1
    out=$(sudo_list alice)
    if [[ "$out" == *"LDAP Role: administrators"* ]]; then
        not_ok "sudo on ct1: alice, no longer in sysadmins, has not the administrators rule"; diag "$out"
    else ok "sudo on ct1: alice, no longer in sysadmins, has not the administrators rule"; fi
    sudo_check "sudo on ct1: bob (owner of ct2) may not run sudo here" lists_nothing bob
    if cli container grant ct1 --user bob; then
        # A grant gives entry, never sudo: once SSSD lets bob in, and after
        # one more full refresh of the rules, he still has none.
        e2e_wait 30 acct bob
        sleep 6
        check "sudo on ct1: bob, granted entry, still may not run sudo" lists_nothing bob
        cli container revoke ct1 --user bob
    else not_ok "sudo: grant ct1 to bob"; e2e_fail_log "$work/cli.log"; fi
    if cli setting set container_sudo_owners no; then
        sudo_check "sudo on ct1: container_sudo_owners no takes alice's rule away" lists_nothing alice
        cli setting set container_sudo_owners yes
        sudo_check "sudo on ct1: container_sudo_owners yes gives it back" lists_role alice ct1
    else not_ok "sudo: setting container_sudo_owners no"; e2e_fail_log "$work/cli.log"; fi
fi
[ "$_tap_failed" -ne "$before" ] && sssd_logs
e2e_sssd_stop

# ---- the same clients on ct2 (bob's) ------------------------------------------
before=$_tap_failed
if e2e_set_host ct2 "ct2.$DOMAIN" "$work/host" && e2e_sssd_start "$work/sssd-ct2" < <(sssd_conf); then
    ok "the test is host ct2 (ct2.$DOMAIN), with a fresh SSSD"
    may_enter "sssd on ct2: owner bob passes" bob 0
    may_not_enter "sssd on ct2: alice (owner of ct1 only) is refused" alice 0
    may_enter "sssd on ct2: administrator sam passes" sam 0
    if [ -z "$have_sudo" ]; then
        skip "sudo through SSSD on ct2: $sudo_missing"
    else
        sudo_check "sudo on ct2: bob has the rule of ct2" lists_role bob ct2
        sudo_check "sudo on ct2: alice may not run sudo here" lists_nothing alice
        sudo_check "sudo on ct2: sam has the administrators rule" lists_role sam administrators
    fi
    # Out of sysadmins: no entry and no sudo at the next lookup once SSSD's
    # cache of his groups and entry expires.
    if cli group remove-member sysadmins sam; then
        may_not_enter "sssd on ct2: sam, out of sysadmins, is refused" sam 30
        if [ -n "$have_sudo" ]; then
            sudo_check "sudo on ct2: sam, out of sysadmins, may not run sudo" lists_nothing sam
        fi
    else not_ok "remove sam from sysadmins"; e2e_fail_log "$work/cli.log"; fi
    check "sssd is still running" kill -0 "$SSSD_PID"
else
    not_ok "the test is host ct2 (ct2.$DOMAIN), with a fresh SSSD"
fi
[ "$_tap_failed" -ne "$before" ] && sssd_logs
e2e_sssd_stop
tap_done
