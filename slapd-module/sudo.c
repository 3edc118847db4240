/*
 * ou=SUDOers and its sudoRole entries (sudoers.ldap(5), schema-ldif/sudo.schema),
 * computed from the store at every operation by core's rule:
 *
 *   cn=administrators,ou=SUDOers   sudoUser %<group> for every group with
 *                                  isAdministrator (absent when there is none)
 *   cn=<hostname>,ou=SUDOers       sudoUser <owner>, sudoHost <hostname> and
 *                                  <hostname>.<site domain>, for every container
 *                                  with an active owner while the setting
 *                                  container_sudo_owners is yes
 *
 * Every rule runs every command as any user and group (ALL), with no
 * sudoOption: sudo asks for the user's own password as it does for local
 * rules.  The entries are read-only: they change with the store (groups,
 * containers, the setting), never through LDAP.
 */
#include "portable.h"

#include <stdio.h>
#include <string.h>

#include "back-clusterdb.h"

Entry *cdbm_entry_sudoers(Operation *op, cdbm_info *info)
{
    (void)op;
    return cdbm_entry_ou(&info->sudoers_dn, &info->sudoers_ndn, "SUDOers", CDBM_FIXED_SUDOERS);
}

/* What every rule shares: it runs any command as anyone. */
static void cdbm_sudo_all(Entry *e)
{
    cdbm_add_str(e, cdbm_ad.sudo_run_as_user, "ALL");
    cdbm_add_str(e, cdbm_ad.sudo_run_as_group, "ALL");
    cdbm_add_str(e, cdbm_ad.sudo_command, "ALL");
    cdbm_add_structural(e, cdbm_ad.oc_sudo_role);
}

static Entry *cdbm_sudo_role(cdbm_info *info, const char *cn)
{
    Entry *e = cdbm_entry_named("cn", cn, &info->sudoers_dn, &info->sudoers_ndn);

    if (e == NULL)
        return NULL;
    cdbm_add_oc(e, cdbm_ad.oc_top);
    cdbm_add_oc(e, cdbm_ad.oc_sudo_role);
    cdbm_add_str(e, cdbm_ad.cn, cn);
    return e;
}

/*
 * Timestamps: createTimestamp is the oldest row the rule stands on,
 * modifyTimestamp the latest updatedAt of the rows it is made of (core
 * computes both), so that SSSD's smart refresh (modifyTimestamp>=) notices a
 * changed rule as it notices a changed user.  A rule that disappears has no
 * timestamp to show: SSSD's full refresh removes it.
 */
Entry *cdbm_entry_sudo_admins(Operation *op, cdbm_info *info, const cdb_access_sudo_admins *a)
{
    Entry *e;
    size_t i;

    (void)op;
    if (a->n_groups == 0)
        return NULL;
    if ((e = cdbm_sudo_role(info, CDBM_SUDO_ADMINS_CN)) == NULL)
        return NULL;
    for (i = 0; i < a->n_groups; i++) {
        size_t len = 1 + strlen(a->groups[i]);
        char *v = ch_malloc(len + 1);

        snprintf(v, len + 1, "%%%s", a->groups[i]);
        cdbm_add_value(e, cdbm_ad.sudo_user, v, len);
        ch_free(v);
    }
    cdbm_add_str(e, cdbm_ad.sudo_host, "ALL");
    cdbm_sudo_all(e);
    cdbm_add_uuid(e, CDBM_UUID_SUDO_ADMINS, 1);
    cdbm_add_timestamp(e, cdbm_ad.create_timestamp, a->created_at);
    cdbm_add_timestamp(e, cdbm_ad.modify_timestamp, a->updated_at);
    return e;
}

Entry *cdbm_entry_sudo_owner(Operation *op, cdbm_info *info, const cdb_access_sudo_owner *o)
{
    Entry *e;
    char *fqdn;

    (void)op;
    if (o->hostname == NULL || o->username == NULL)
        return NULL;
    if (strcasecmp(o->hostname, CDBM_SUDO_ADMINS_CN) == 0) {
        Debug(LDAP_DEBUG_ANY,
              "back-clusterdb: container \"%s\": its sudo rule would take the DN of the "
              "administrators' rule; left out (rename the container)\n",
              o->hostname);
        return NULL;
    }
    if ((e = cdbm_sudo_role(info, o->hostname)) == NULL)
        return NULL;
    cdbm_add_str(e, cdbm_ad.sudo_user, o->username);
    cdbm_add_str(e, cdbm_ad.sudo_host, o->hostname);
    if ((fqdn = cdbm_container_fqdn(o->hostname, o->domain)) != NULL) {
        cdbm_add_str(e, cdbm_ad.sudo_host, fqdn);
        ch_free(fqdn);
    }
    cdbm_sudo_all(e);
    cdbm_add_uuid(e, CDBM_UUID_SUDO_OWNERS, o->container_id);
    cdbm_add_timestamp(e, cdbm_ad.create_timestamp, o->created_at);
    cdbm_add_timestamp(e, cdbm_ad.modify_timestamp, o->updated_at);
    return e;
}

Entry *cdbm_entry_sudo_role_by_name(Operation *op, cdbm_info *info, cdb *db,
                                    struct berval *name, int *rc)
{
    Entry *e = NULL;
    char host[64];
    int st;

    *rc = LDAP_NO_SUCH_OBJECT;
    /* The normalized cn is lower case, as container hostnames are. */
    if (name->bv_len == strlen(CDBM_SUDO_ADMINS_CN) &&
        strncasecmp(name->bv_val, CDBM_SUDO_ADMINS_CN, name->bv_len) == 0) {
        cdb_access_sudo_admins admins;

        st = cdb_access_sudo_administrators(db, &admins);
        if (st != CDB_OK) {
            *rc = cdbm_ldap_result(st, NULL, NULL);
            return NULL;
        }
        e = cdbm_entry_sudo_admins(op, info, &admins);
        cdb_access_sudo_admins_clear(&admins);
    } else if (name->bv_len > 0 && name->bv_len < sizeof(host) &&
               memchr(name->bv_val, '\0', name->bv_len) == NULL) {
        cdb_access_sudo_owner **owners = NULL;
        size_t n = 0;

        memcpy(host, name->bv_val, name->bv_len);
        host[name->bv_len] = '\0';
        st = cdb_access_sudo_owners(db, host, INT64_MIN, 1, &owners, &n);
        if (st != CDB_OK) {
            *rc = cdbm_ldap_result(st, NULL, NULL);
            return NULL;
        }
        if (n == 1)
            e = cdbm_entry_sudo_owner(op, info, owners[0]);
        cdb_access_sudo_owner_array_free(owners, n);
    }
    if (e != NULL)
        *rc = LDAP_SUCCESS;
    return e;
}

int cdbm_sudoers_has_roles(cdb *db)
{
    cdb_access_sudo_admins admins;
    cdb_access_sudo_owner **owners = NULL;
    size_t n = 0;
    int st = cdb_access_sudo_administrators(db, &admins), has;

    if (st != CDB_OK)
        return -1;
    has = admins.n_groups > 0;
    cdb_access_sudo_admins_clear(&admins);
    if (has)
        return 1;
    if (cdb_access_sudo_owners(db, NULL, INT64_MIN, 1, &owners, &n) != CDB_OK)
        return -1;
    cdb_access_sudo_owner_array_free(owners, n);
    return n > 0;
}

int cdbm_sudoers_write_refused(cdbm_info *info, struct berval *ndn, SlapReply *rs)
{
    if (ndn == NULL || BER_BVISNULL(&info->sudoers_ndn) || !dnIsSuffix(ndn, &info->sudoers_ndn))
        return 0;
    rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
    rs->sr_text = "the sudo rules under ou=SUDOers are computed from the store: administrator "
                  "groups (clusterdb group), container owners and the setting "
                  "container_sudo_owners (clusterdb setting)";
    return 1;
}
