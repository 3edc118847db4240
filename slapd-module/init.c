/* Backend registration, database life cycle, schema lookups. */
#include "portable.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <clusterdb/notify.h>

#include "back-clusterdb.h"

#ifndef SLAPD_VERSION
#error "SLAPD_VERSION (the Debian version of the slapd built against) must be defined"
#endif

cdbm_schema cdbm_ad;

/* memberOf as slapo-memberof defines it: an operational attribute, so that
 * it shows with "+" only, and so that both may be loaded together. */
static const char cdbm_member_of_at[] =
    "( 1.2.840.113556.1.2.102 "
    "NAME 'memberOf' "
    "DESC 'Group that the entry belongs to' "
    "SYNTAX '1.3.6.1.4.1.1466.115.121.1.12' "
    "EQUALITY distinguishedNameMatch "
    "USAGE dSAOperation "
    "NO-USER-MODIFICATION "
    "X-ORIGIN 'iPlanet Delegated Administrator' )";

/*
 * The module's struct layouts are those of the slapd it was compiled
 * against.  slapd's Versionstr reads "@(#) $OpenLDAP: slapd <version> (...".
 * Anything else than the exact version is refused: a mismatch would corrupt
 * memory silently instead of failing.
 */
static int cdbm_version_matches(void)
{
    static const char marker[] = "slapd ";
    const char *p = strstr(Versionstr, marker);
    size_t len = strlen(SLAPD_VERSION);

    if (p == NULL)
        return 0;
    p += sizeof(marker) - 1;
    return strncmp(p, SLAPD_VERSION, len) == 0 && (p[len] == ' ' || p[len] == '\0' ||
                                                  p[len] == '\n' || p[len] == '\t');
}

/* Every schema element the module serves, with the file that defines it
 * (Debian's /etc/ldap/schema, or schema-ldif/ of this project), so that a
 * database refusing to open names the file to load. */
typedef struct cdbm_schema_need {
    const char *name;
    int is_class;
    size_t offset; /* into cdbm_schema */
    const char *file;
} cdbm_schema_need;

#define CDBM_AT(name, member, file) { name, 0, offsetof(cdbm_schema, member), file }
#define CDBM_OC(name, member, file) { name, 1, offsetof(cdbm_schema, member), file }

static const cdbm_schema_need cdbm_schema_needs[] = {
    CDBM_AT("uid", uid, "core.schema"),
    CDBM_AT("cn", cn, "core.schema"),
    CDBM_AT("sn", sn, "core.schema"),
    CDBM_AT("givenName", given_name, "core.schema"),
    CDBM_AT("mail", mail, "cosine.schema"),
    CDBM_AT("uidNumber", uid_number, "nis.schema"),
    CDBM_AT("gidNumber", gid_number, "nis.schema"),
    CDBM_AT("homeDirectory", home_directory, "nis.schema"),
    CDBM_AT("loginShell", login_shell, "nis.schema"),
    CDBM_AT("gecos", gecos, "nis.schema"),
    CDBM_AT("sshPublicKey", ssh_public_key, "openssh-lpk.schema"),
    CDBM_AT("shadowExpire", shadow_expire, "nis.schema"),
    CDBM_AT("memberOf", member_of, "(registered by the module)"),
    CDBM_AT("memberUid", member_uid, "nis.schema"),
    CDBM_AT("dc", dc, "core.schema"),
    CDBM_AT("o", o, "core.schema"),
    CDBM_AT("ou", ou, "core.schema"),
    CDBM_AT("clusterdbStatus", status, "clusterdb.schema"),
    CDBM_AT("host", host, "cosine.schema"),
    CDBM_AT("sudoUser", sudo_user, "sudo.schema"),
    CDBM_AT("sudoHost", sudo_host, "sudo.schema"),
    CDBM_AT("sudoCommand", sudo_command, "sudo.schema"),
    CDBM_AT("sudoRunAsUser", sudo_run_as_user, "sudo.schema"),
    CDBM_AT("sudoRunAsGroup", sudo_run_as_group, "sudo.schema"),
    CDBM_OC("clusterdbAccount", oc_clusterdb_account, "clusterdb.schema"),
    CDBM_OC("applicationProcess", oc_application_process, "core.schema"),
    CDBM_OC("simpleSecurityObject", oc_simple_security_object, "core.schema"),
    CDBM_OC("organizationalRole", oc_organizational_role, "core.schema"),
    CDBM_OC("top", oc_top, "core.schema"),
    CDBM_OC("inetOrgPerson", oc_inet_org_person, "inetorgperson.schema"),
    CDBM_OC("posixAccount", oc_posix_account, "nis.schema"),
    CDBM_OC("shadowAccount", oc_shadow_account, "nis.schema"),
    CDBM_OC("ldapPublicKey", oc_ldap_public_key, "openssh-lpk.schema"),
    CDBM_OC("posixGroup", oc_posix_group, "nis.schema"),
    CDBM_OC("organization", oc_organization, "core.schema"),
    CDBM_OC("dcObject", oc_dc_object, "core.schema"),
    CDBM_OC("organizationalUnit", oc_organizational_unit, "core.schema"),
    CDBM_OC("hostObject", oc_host_object, "ldapns.schema"),
    CDBM_OC("sudoRole", oc_sudo_role, "sudo.schema"),
};

/* -1 with the missing element and the schema file that defines it. */
static int cdbm_schema_resolve(const char **missing, const char **schema_file)
{
    cdbm_schema s;
    size_t i;

    memset(&s, 0, sizeof(s));
    for (i = 0; i < sizeof(cdbm_schema_needs) / sizeof(cdbm_schema_needs[0]); i++) {
        const cdbm_schema_need *need = &cdbm_schema_needs[i];
        void *slot = (char *)&s + need->offset;
        int found;

        if (need->is_class) {
            ObjectClass *oc = oc_find(need->name);

            found = oc != NULL;
            memcpy(slot, &oc, sizeof(oc));
        } else {
            AttributeDescription *ad = NULL;
            const char *text = NULL;

            found = slap_str2ad(need->name, &ad, &text) == LDAP_SUCCESS;
            memcpy(slot, &ad, sizeof(ad));
        }
        if (!found) {
            *missing = need->name;
            *schema_file = need->file;
            return -1;
        }
    }
    s.user_password = slap_schema.si_ad_userPassword;
    s.object_class = slap_schema.si_ad_objectClass;
    s.structural_object_class = slap_schema.si_ad_structuralObjectClass;
    s.entry_uuid = slap_schema.si_ad_entryUUID;
    s.create_timestamp = slap_schema.si_ad_createTimestamp;
    s.modify_timestamp = slap_schema.si_ad_modifyTimestamp;
    cdbm_ad = s;
    return 0;
}

static int cdbm_db_init(BackendDB *be, ConfigReply *cr)
{
    cdbm_info *info = ch_calloc(1, sizeof(*info));

    ldap_pvt_thread_mutex_init(&info->mutex);
    be->be_private = info;
    be->be_cf_ocs = be->bd_info->bi_cf_ocs;
    /* The tree hangs under one suffix. */
    SLAP_DBFLAGS(be) |= SLAP_DBFLAG_ONE_SUFFIX;
    return 0;
}

static void cdbm_fixed_dn(const char *rdn, struct berval *suffix, struct berval *nsuffix,
                          struct berval *dn, struct berval *ndn)
{
    struct berval r;

    ber_str2bv(rdn, 0, 0, &r);
    build_new_dn(dn, suffix, &r, NULL);
    build_new_dn(ndn, nsuffix, &r, NULL);
}

/* As cdbm_fixed_dn, for an RDN whose normalized form differs (case). */
static void cdbm_fixed_dn_normalized(const char *rdn, struct berval *suffix,
                                     struct berval *nsuffix, struct berval *dn,
                                     struct berval *ndn)
{
    struct berval r, nr;
    char buf[64];
    size_t i, len = strlen(rdn);

    for (i = 0; i < len && i < sizeof(buf) - 1; i++)
        buf[i] = (char)tolower((unsigned char)rdn[i]);
    buf[i] = '\0';
    ber_str2bv(rdn, 0, 0, &r);
    ber_str2bv(buf, 0, 0, &nr);
    build_new_dn(dn, suffix, &r, NULL);
    build_new_dn(ndn, nsuffix, &nr, NULL);
}

static int cdbm_db_open(BackendDB *be, ConfigReply *cr)
{
    cdbm_info *info = be->be_private;
    const char *missing = NULL, *schema_file = NULL;
    LDAPRDN rdn = NULL;
    char *next = NULL;
    char msg[512];
    int rc = -1;

    if (be->be_suffix == NULL || BER_BVISNULL(&be->be_suffix[0])) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: a suffix is required\n");
        goto done;
    }
    if (info->database == NULL) {
        Debug(LDAP_DEBUG_ANY,
              "back-clusterdb: database \"%s\": no \"dbfile\" or \"dburi\" configured\n",
              be->be_suffix[0].bv_val);
        goto done;
    }
    if (cdbm_schema_resolve(&missing, &schema_file) != 0) {
        Debug(LDAP_DEBUG_ANY,
              "back-clusterdb: database \"%s\": schema element \"%s\" is not defined; load "
              "%s (the module needs core, cosine, nis, inetorgperson, openssh-lpk, ldapns, sudo "
              "and clusterdb schemas) before the database\n",
              be->be_suffix[0].bv_val, missing, schema_file);
        goto done;
    }

    /* The suffix entry's object classes follow the suffix's RDN type. */
    if (ldap_bv2rdn(&be->be_suffix[0], &rdn, &next, LDAP_DN_FORMAT_LDAP) != LDAP_SUCCESS ||
        rdn[0] == NULL || rdn[1] != NULL) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: suffix \"%s\": need a single-valued RDN\n",
              be->be_suffix[0].bv_val);
        goto done;
    }
    if (strncasecmp(rdn[0]->la_attr.bv_val, "dc", rdn[0]->la_attr.bv_len) == 0 &&
        rdn[0]->la_attr.bv_len == 2)
        info->suffix_kind = CDBM_SUFFIX_DC;
    else if (strncasecmp(rdn[0]->la_attr.bv_val, "o", rdn[0]->la_attr.bv_len) == 0 &&
             rdn[0]->la_attr.bv_len == 1)
        info->suffix_kind = CDBM_SUFFIX_O;
    else if (strncasecmp(rdn[0]->la_attr.bv_val, "ou", rdn[0]->la_attr.bv_len) == 0 &&
             rdn[0]->la_attr.bv_len == 2)
        info->suffix_kind = CDBM_SUFFIX_OU;
    else {
        Debug(LDAP_DEBUG_ANY,
              "back-clusterdb: suffix \"%s\": the RDN must be dc=, o= or ou=\n",
              be->be_suffix[0].bv_val);
        goto done;
    }
    ch_free(info->suffix_rdn_value.bv_val);
    ber_dupbv(&info->suffix_rdn_value, &rdn[0]->la_value);

    ch_free(info->people_dn.bv_val);
    ch_free(info->people_ndn.bv_val);
    ch_free(info->groups_dn.bv_val);
    ch_free(info->groups_ndn.bv_val);
    cdbm_fixed_dn("ou=people", &be->be_suffix[0], &be->be_nsuffix[0], &info->people_dn,
                  &info->people_ndn);
    cdbm_fixed_dn("ou=groups", &be->be_suffix[0], &be->be_nsuffix[0], &info->groups_dn,
                  &info->groups_ndn);
    ch_free(info->services_dn.bv_val);
    ch_free(info->services_ndn.bv_val);
    cdbm_fixed_dn("ou=services", &be->be_suffix[0], &be->be_nsuffix[0], &info->services_dn,
                  &info->services_ndn);
    ch_free(info->sudoers_dn.bv_val);
    ch_free(info->sudoers_ndn.bv_val);
    cdbm_fixed_dn_normalized("ou=SUDOers", &be->be_suffix[0], &be->be_nsuffix[0],
                             &info->sudoers_dn, &info->sudoers_ndn);
    if (cdbm_services_check(be, info, msg, sizeof(msg)) != 0) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: database \"%s\": %s\n", be->be_suffix[0].bv_val,
              msg);
        goto done;
    }

    /* Fail at start-up, not at the first query, when the file is unusable
     * (missing, not a clusterdb database, or in need of migration). */
    if (cdbm_handle_try_open(info->database, msg, sizeof(msg)) != 0) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: database \"%s\": %s\n", be->be_suffix[0].bv_val,
              msg);
        goto done;
    }
    cdbm_push_bounds_apply(info);
    cdbm_handle_note_file(info);
    cdbm_fixed_probes_build(be, info);
    info->opened = 1;
    rc = 0;
done:
    if (rdn != NULL)
        ldap_rdnfree(rdn);
    return rc;
}

static int cdbm_db_close(BackendDB *be, ConfigReply *cr)
{
    cdbm_info *info = be->be_private;

    info->opened = 0;
    cdbm_handle_purge(info);
    cdbm_fixed_probes_free(info);
    return 0;
}

static int cdbm_db_destroy(BackendDB *be, ConfigReply *cr)
{
    cdbm_info *info = be->be_private;

    if (info == NULL)
        return 0;
    cdbm_handle_purge(info);
    cdbm_fixed_probes_free(info);
    ch_free(info->database);
    ch_free(info->suffix_rdn_value.bv_val);
    ch_free(info->people_dn.bv_val);
    ch_free(info->people_ndn.bv_val);
    ch_free(info->groups_dn.bv_val);
    ch_free(info->groups_ndn.bv_val);
    ch_free(info->services_dn.bv_val);
    ch_free(info->services_ndn.bv_val);
    ch_free(info->sudoers_dn.bv_val);
    ch_free(info->sudoers_ndn.bv_val);
    cdbm_config_free(info);
    ldap_pvt_thread_mutex_destroy(&info->mutex);
    ch_free(info);
    be->be_private = NULL;
    return 0;
}

int cdbm_back_initialize(BackendInfo *bi)
{
    /* Controls the backend really implements: a client may mark these
     * critical.  (slapd's root DSE lists its own known controls.) */
    static char *controls[] = {
        LDAP_CONTROL_ASSERT,
        LDAP_CONTROL_MANAGEDSAIT,
        LDAP_CONTROL_PAGEDRESULTS,
        NULL
    };
    int rc;

    if (!cdbm_version_matches()) {
        /* Versionstr's first line names the running slapd. */
        Debug(LDAP_DEBUG_ANY,
              "back-clusterdb: built for slapd " SLAPD_VERSION " but running in \"%.*s\"; "
              "refusing to load (rebuild the module against this slapd's sources)\n",
              (int)strcspn(Versionstr, "\n"), Versionstr);
        return -1;
    }

    /* libcurl's global set-up (the push second factor), before slapd
     * starts its worker threads. */
    if (cdb_notify_global_init() != CDB_OK) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: cannot initialise the HTTP client\n");
        return -1;
    }

    rc = register_at(cdbm_member_of_at, NULL, 1);
    if (rc != 0 && rc != SLAP_SCHERR_ATTR_DUP) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: cannot register attribute type memberOf (%d)\n",
              rc);
        return -1;
    }

    bi->bi_controls = controls;

    bi->bi_open = 0;
    bi->bi_close = 0;
    bi->bi_config = 0;
    bi->bi_destroy = 0;

    bi->bi_db_init = cdbm_db_init;
    bi->bi_db_config = config_generic_wrapper;
    bi->bi_db_open = cdbm_db_open;
    bi->bi_db_close = cdbm_db_close;
    bi->bi_db_destroy = cdbm_db_destroy;

    bi->bi_op_bind = cdbm_back_bind;
    bi->bi_op_unbind = 0;
    bi->bi_op_search = cdbm_back_search;
    bi->bi_op_compare = cdbm_back_compare;
    bi->bi_op_modify = cdbm_back_modify;
    bi->bi_op_modrdn = cdbm_back_modrdn;
    bi->bi_op_add = cdbm_back_add;
    bi->bi_op_delete = cdbm_back_delete;
    bi->bi_op_abandon = 0;

    bi->bi_extended = cdbm_back_extended;
    bi->bi_chk_referrals = 0;
    bi->bi_operational = cdbm_back_operational;
    bi->bi_has_subordinates = cdbm_back_has_subordinates;
    bi->bi_entry_get_rw = cdbm_back_entry_get;
    bi->bi_entry_release_rw = cdbm_back_entry_release;

    bi->bi_connection_init = 0;
    bi->bi_connection_destroy = 0;

    return cdbm_config_init(bi);
}

/* slapd's dynamic module entry point: the only symbol with default
 * visibility (everything else is built -fvisibility=hidden and kept local
 * by the version script too). */
int init_module(int argc, char *argv[]) __attribute__((visibility("default")));

static int clusterdb_back_initialize(BackendInfo *bi)
{
    return cdbm_back_initialize(bi);
}

SLAP_BACKEND_INIT_MODULE(clusterdb)
