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
password required  pam_deny.so
session  required  pam_permit.so
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

e2e_nslcd_stop
tap_done
