#!/usr/bin/env bash
# nslcd (nss-pam-ldapd) against the directory: NSS lookups by name and number,
# supplementary groups, enumeration with and without paged results, changes
# made with the CLI, and PAM password authentication and account checks
# through pam_ldap.  Runs in a private mount namespace (see lib/e2e.sh).
. "$(dirname "$0")/lib/e2e.sh"

scratch work
chmod 0755 "$work"
if ! e2e_private_runtime; then
    not_ok "tmpfs over /run and /var/log in the namespace"; tap_done; exit
fi
if ! e2e_directory_start "$work/dir"; then
    not_ok "directory started with the fixture"; tap_done; exit
fi

# The PAM service the tests authenticate against: pam_ldap only, so a pass
# or a refusal comes from nslcd and the directory, not from local files.
e2e_private_pam_dir "$work/pam.d"
cat > /etc/pam.d/clusterdb-e2e <<'EOF'
auth     required  pam_ldap.so minimum_uid=1000
account  required  pam_ldap.so minimum_uid=1000
password required  pam_deny.so
session  required  pam_permit.so
EOF

# lookups MODE: the NSS checks, run once per nslcd configuration.
lookups() {
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

# Paged results on (a page smaller than the number of entries), then off.
for mode in "pagesize 2" "no pagesize"; do
    extra=()
    [ "$mode" = "pagesize 2" ] && extra=("pagesize 2")
    if ! e2e_nslcd_start "$work/nslcd-${mode// /-}" "${extra[@]}"; then
        not_ok "$mode: nslcd answers"; slapd_log_tail dir; continue
    fi
    before=$_tap_failed
    lookups "$mode"
    if [ "$_tap_failed" -ne "$before" ]; then e2e_fail_log "$NSLCD_LOG"; slapd_log_tail dir; fi
    [ "$mode" = "no pagesize" ] || e2e_nslcd_stop
done

# --- PAM through pam_ldap (nslcd still running, without paging) -------------
pam() { # pam USER PASSWORD OP...
    local user=$1 password=$2; shift 2
    printf '%s\n' "$password" | pamtester clusterdb-e2e "$user" "$@"
}
before=$_tap_failed
check "pam: active user alice authenticates with her password" pam alice "$(e2e_password alice)" authenticate
check "pam: account stage accepts active alice" pam alice "" acct_mgmt
check_fails "pam: a wrong password is refused" pam alice "not-her-password" authenticate
check_fails "pam: pending carol is refused with her right password" pam carol "$(e2e_password carol)" authenticate
check_fails "pam: suspended dave is refused with his right password" pam dave "$(e2e_password dave)" authenticate
check_fails "pam: an unknown user is refused" pam nosuchuser "whatever-1" authenticate
check_fails "pam: account stage refuses pending carol" pam carol "" acct_mgmt
check_fails "pam: account stage refuses suspended dave" pam dave "" acct_mgmt
[ "$_tap_failed" -ne "$before" ] && { e2e_fail_log "$NSLCD_LOG"; slapd_log_tail dir; }

# --- changes made with the CLI reach the clients -----------------------------
# nslcd keeps no entry cache of its own (only dn2uid, a few seconds here), so
# a change shows within the wait below; it would be nscd's or SSSD's TTL otherwise.
before=$_tap_failed
if e2e_add_member sysadmins bob > "$work/change.log" 2>&1; then
    if e2e_wait 30 sh -c 'id -Gn bob | grep -qw sysadmins'; then
        ok "change: bob added to sysadmins shows in id bob"
    else
        not_ok "change: bob added to sysadmins shows in id bob"; diag "id: $(id bob)"
    fi
else
    not_ok "change: add bob to sysadmins"; e2e_fail_log "$work/change.log"
fi
if e2e_set_status bob suspended > "$work/change.log" 2>&1; then
    check "change: suspended bob's account stage is refused" \
        e2e_wait 30 sh -c '! pamtester clusterdb-e2e bob acct_mgmt < /dev/null'
    out=$(getent shadow bob | cut -d: -f8)
    expect_eq "change: getent shadow bob shows the expiry day 1" "1" "$out"
    check_fails "change: suspended bob cannot authenticate" pam bob "$(e2e_password bob)" authenticate
else
    not_ok "change: suspend bob"; e2e_fail_log "$work/change.log"
fi
if e2e_set_status carol active > "$work/change.log" 2>&1; then
    check "change: carol, activated, authenticates" \
        e2e_wait 30 pam carol "$(e2e_password carol)" authenticate acct_mgmt
else
    not_ok "change: activate carol"; e2e_fail_log "$work/change.log"
fi
[ "$_tap_failed" -ne "$before" ] && { e2e_fail_log "$NSLCD_LOG"; slapd_log_tail dir; }

e2e_nslcd_stop
tap_done
