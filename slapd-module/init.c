/* Backend registration, database life cycle, schema lookups. */
#include "portable.h"

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

static int cdbm_find_ad(const char *name, AttributeDescription **out, const char **missing)
{
    const char *text = NULL;

    *out = NULL;
    if (slap_str2ad(name, out, &text) != LDAP_SUCCESS) {
        *missing = name;
        return -1;
    }
    return 0;
}

static int cdbm_find_oc(const char *name, ObjectClass **out, const char **missing)
{
    *out = oc_find(name);
    if (*out == NULL) {
        *missing = name;
        return -1;
    }
    return 0;
}

int cdbm_schema_resolve(const char **missing)
{
    cdbm_schema s;

    memset(&s, 0, sizeof(s));
    if (cdbm_find_ad("uid", &s.uid, missing) || cdbm_find_ad("cn", &s.cn, missing) ||
        cdbm_find_ad("sn", &s.sn, missing) || cdbm_find_ad("givenName", &s.given_name, missing) ||
        cdbm_find_ad("mail", &s.mail, missing) ||
        cdbm_find_ad("uidNumber", &s.uid_number, missing) ||
        cdbm_find_ad("gidNumber", &s.gid_number, missing) ||
        cdbm_find_ad("homeDirectory", &s.home_directory, missing) ||
        cdbm_find_ad("loginShell", &s.login_shell, missing) ||
        cdbm_find_ad("gecos", &s.gecos, missing) ||
        cdbm_find_ad("sshPublicKey", &s.ssh_public_key, missing) ||
        cdbm_find_ad("shadowExpire", &s.shadow_expire, missing) ||
        cdbm_find_ad("memberOf", &s.member_of, missing) ||
        cdbm_find_ad("memberUid", &s.member_uid, missing) ||
        cdbm_find_ad("dc", &s.dc, missing) || cdbm_find_ad("o", &s.o, missing) ||
        cdbm_find_ad("ou", &s.ou, missing) ||
        cdbm_find_ad("clusterdbStatus", &s.status, missing) ||
        cdbm_find_oc("clusterdbAccount", &s.oc_clusterdb_account, missing) ||
        cdbm_find_oc("applicationProcess", &s.oc_application_process, missing) ||
        cdbm_find_oc("simpleSecurityObject", &s.oc_simple_security_object, missing) ||
        cdbm_find_oc("organizationalRole", &s.oc_organizational_role, missing) ||
        cdbm_find_oc("top", &s.oc_top, missing) ||
        cdbm_find_oc("inetOrgPerson", &s.oc_inet_org_person, missing) ||
        cdbm_find_oc("posixAccount", &s.oc_posix_account, missing) ||
        cdbm_find_oc("shadowAccount", &s.oc_shadow_account, missing) ||
        cdbm_find_oc("ldapPublicKey", &s.oc_ldap_public_key, missing) ||
        cdbm_find_oc("posixGroup", &s.oc_posix_group, missing) ||
        cdbm_find_oc("organization", &s.oc_organization, missing) ||
        cdbm_find_oc("dcObject", &s.oc_dc_object, missing) ||
        cdbm_find_oc("organizationalUnit", &s.oc_organizational_unit, missing))
        return -1;
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

static int cdbm_db_open(BackendDB *be, ConfigReply *cr)
{
    cdbm_info *info = be->be_private;
    const char *missing = NULL;
    LDAPRDN rdn = NULL;
    char *next = NULL;
    char msg[512];
    int rc = -1;

    if (be->be_suffix == NULL || BER_BVISNULL(&be->be_suffix[0])) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: a suffix is required\n");
        goto done;
    }
    if (info->dbfile == NULL) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: database \"%s\": no \"dbfile\" configured\n",
              be->be_suffix[0].bv_val);
        goto done;
    }
    if (cdbm_schema_resolve(&missing) != 0) {
        Debug(LDAP_DEBUG_ANY,
              "back-clusterdb: database \"%s\": schema element \"%s\" is not defined; load "
              "core, cosine, nis, inetorgperson, openssh-lpk and clusterdb schemas before the "
              "database\n",
              be->be_suffix[0].bv_val, missing);
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
    if (cdbm_services_check(be, info, msg, sizeof(msg)) != 0) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: database \"%s\": %s\n", be->be_suffix[0].bv_val,
              msg);
        goto done;
    }

    /* Fail at start-up, not at the first query, when the file is unusable
     * (missing, not a clusterdb database, or in need of migration). */
    if (cdbm_handle_try_open(info->dbfile, msg, sizeof(msg)) != 0) {
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
    ch_free(info->dbfile);
    ch_free(info->suffix_rdn_value.bv_val);
    ch_free(info->people_dn.bv_val);
    ch_free(info->people_ndn.bv_val);
    ch_free(info->groups_dn.bv_val);
    ch_free(info->groups_ndn.bv_val);
    ch_free(info->services_dn.bv_val);
    ch_free(info->services_ndn.bv_val);
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
