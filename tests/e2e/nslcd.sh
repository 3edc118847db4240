#!/usr/bin/env bash
# nslcd (nss-pam-ldapd) against the directory: NSS lookups by name and number,
# supplementary groups, enumeration with and without paged results, changes
# made with the CLI, and PAM password authentication and account checks
# through pam_ldap.  Runs in a private mount namespace (see lib/e2e.sh).
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

# The PAM service the tests authenticate against: pam_ldap only, so a pass
# or a refusal comes from nslcd and the directory, not from local files.
e2e_private_pam_dir "$work/pam.d"
cat > /etc/pam.d/clusterdb-e2e <<'EOF'
auth     required  pam_ldap.so minimum_uid=1000
account  required  pam_ldap.so minimum_uid=1000
password required  pam_ldap.so minimum_uid=1000
session  required  pam_permit.so
EOF
# passwd(1)'s own service, as Debian's common-password puts pam_ldap there.
cat > /etc/pam.d/passwd <<'EOF'
password required  pam_ldap.so minimum_uid=1000
EOF

# Paged results on (a page smaller than the number of entries), then off.
for mode in "pagesize 2" "no pagesize"; do
    extra=()
    [ "$mode" = "pagesize 2" ] && extra=("pagesize 2")
    if ! e2e_nslcd_start "$work/nslcd-${mode// /-}" "${extra[@]}"; then
        not_ok "$mode: nslcd answers"; slapd_log_tail dir; continue
    fi
    before=$_tap_failed
    e2e_nss_lookups "$mode"
    if [ "$_tap_failed" -ne "$before" ]; then e2e_fail_log "$NSLCD_LOG"; slapd_log_tail dir; fi
    [ "$mode" = "no pagesize" ] || e2e_nslcd_stop
done

# --- PAM through pam_ldap (nslcd still running, without paging) -------------
before=$_tap_failed
e2e_pam_checks clusterdb-e2e
[ "$_tap_failed" -ne "$before" ] && { e2e_fail_log "$NSLCD_LOG"; slapd_log_tail dir; }

# --- changes made with the CLI reach the clients -----------------------------
# nslcd keeps no entry cache of its own (only dn2uid, a few seconds here), so
# a change shows within the wait below; it would be nscd's or SSSD's TTL otherwise.
before=$_tap_failed
e2e_change_checks "$work" shadow
[ "$_tap_failed" -ne "$before" ] && { e2e_fail_log "$NSLCD_LOG"; slapd_log_tail dir; }

# --- passwords changed with passwd(1) through pam_ldap ------------------------
# (after the change checks: carol is active by now, bob suspended)
before=$_tap_failed
binds() { ldapwhoami -x -H "$E2E_URI" -D "uid=$1,ou=people,$E2E_BASE" -w "$2" > /dev/null 2>&1; }
# passwd_as USER CURRENT NEW...: passwd run by USER (stdin: the answers).
passwd_as() { local u=$1; shift; printf '%s\n' "$@" | runuser -u "$u" -- passwd > "$work/passwd.out" 2>&1; }
check_fails "passwd: alice with a wrong current password is refused" \
    passwd_as alice not-her-password alice-New-Secret-2 alice-New-Secret-2
check "passwd: ... and her password is unchanged" binds alice "$(e2e_password alice)"
check "passwd: alice changes her own password (current one checked)" \
    passwd_as alice "$(e2e_password alice)" alice-New-Secret-2 alice-New-Secret-2
check "passwd: alice's new password binds" binds alice alice-New-Secret-2
check_fails "passwd: alice's old password no longer binds" binds alice "$(e2e_password alice)"
check "passwd: pam authenticates alice with the new password" pam alice alice-New-Secret-2 authenticate
if [ "$E2E_BACKEND_USED" = clusterdb ]; then
    expect_match "passwd: stored as argon2id" '^\$argon2id\$' \
        "$(test_sql "SELECT userPassword FROM Users WHERE username='alice'")"
fi
# root: nslcd binds as rootpwmoddn (the rootdn), reads that DN's entry
# (pam_authc_search BASE, nslcd's default), then sets the password.
root_passwd() { printf '%s\n' "$@" | passwd carol > "$work/passwd.out" 2>&1; }
check_fails "passwd carol as root with a wrong administrator password is refused" \
    root_passwd not-the-rootpw carol-Root-Set-3 carol-Root-Set-3
check "passwd carol as root (rootpwmoddn, default pam_authc_search)" \
    root_passwd "$SLAPD_ROOTPW" carol-Root-Set-3 carol-Root-Set-3
check "passwd: the password root set binds" binds carol carol-Root-Set-3
if grep -qF "ldap_result(): $SLAPD_ROOTDN" "$NSLCD_LOG"; then
    ok "passwd as root: nslcd's base search found the rootdn's entry"
else
    not_ok "passwd as root: nslcd's base search found the rootdn's entry"
fi
if [ "$_tap_failed" -ne "$before" ]; then
    diag "passwd: $(cat "$work/passwd.out")"; e2e_fail_log "$NSLCD_LOG"; slapd_log_tail dir
fi

# --- the push second factor: logins wait for it, name lookups do not ----------
if [ "$E2E_BACKEND_USED" != clusterdb ]; then
    skip "push second factor: a back_clusterdb feature (E2E_BACKEND=$E2E_BACKEND_USED)"
else
    before=$_tap_failed
    add_push_user() { printf '%s\n' "$2" | "$CLI" --db "$E2E_DB" user add "$1" --status active --password-stdin; }
    if push_sim_start "$work" && add_push_user approve-erin erin-Secret-1 > "$work/push.out" 2>&1 &&
        add_push_user reject-frank frank-Secret-1 >> "$work/push.out" 2>&1 &&
        "$CLI" --db "$E2E_DB" setting set push_notification_url "$PUSH_SIM_URL" >> "$work/push.out" 2>&1 &&
        "$CLI" --db "$E2E_DB" setting set push_notification_enabled true >> "$work/push.out" 2>&1; then
        ok "push: simulator, users approve-erin and reject-frank, push enabled"
    else
        not_ok "push: simulator, users approve-erin and reject-frank, push enabled"; diag "$(cat "$work/push.out")"
    fi
    # A fresh nslcd: its first lookups bind as the service account anew.
    e2e_nslcd_stop
    if e2e_nslcd_start "$work/nslcd-push"; then
        ok "push: nslcd (bound as the service account) resolves names with the push enabled"
    else
        not_ok "push: nslcd (bound as the service account) resolves names with the push enabled"
    fi
    out=$(getent passwd approve-erin)
    expect_match "push: getent passwd approve-erin" '^approve-erin:[^:]*:[0-9]+:2000:' "$out"
    out=$(getent passwd | awk -F: '$3 >= 2000 && $3 < 3000' | wc -l)
    expect_eq "push: getent passwd enumerates all six users" "6" "$out"
    expect_eq "push: no lookup asked for a push" "" "$(push_sim_users)"
    check "push: approve-erin's login waits for the push and is approved" pam approve-erin erin-Secret-1 authenticate
    check_fails "push: reject-frank's right password is refused when he rejects the push" \
        pam reject-frank frank-Secret-1 authenticate
    expect_eq "push: the push service was asked about the two logins only" "approve-erin reject-frank" \
        "$(push_sim_users)"
    if grep -q "BIND dn=\"$E2E_SVC_DN\"" "${SLAPD_LOG[dir]}"; then ok "push: nslcd bound as $E2E_SVC_DN"
    else not_ok "push: nslcd bound as $E2E_SVC_DN"; fi
    "$CLI" --db "$E2E_DB" setting set push_notification_enabled false > /dev/null 2>&1
    [ "$_tap_failed" -ne "$before" ] && { e2e_fail_log "$NSLCD_LOG"; slapd_log_tail dir; }
fi

e2e_nslcd_stop
tap_done
