/*
 * Configuration: slapd.conf directives and their cn=config attributes.
 *
 *   database clusterdb
 *   suffix   "dc=cluster,dc=internal"
 *   dbfile   /var/lib/clusterdb/clusterdb.sqlite
 *   (or)  dburi  postgresql://clusterdb@db1/clusterdb
 *
 * cn=config: objectClass olcClusterdbConfig (SUP olcDatabaseConfig) with
 * olcClusterdbFile or olcClusterdbUri.  The OIDs hang under a private arc of our own,
 * 2.25.60498252744916930157458184240974370554 (a UUID-derived OID per
 * ITU-T X.667: globally unique without registration; see
 * docs/slapd-module.md):  .1.x attribute types, .2.x object classes.
 *
 * dbfile and dburi name the one database (a path; any name core opens:
 * docs/store.md, "Connections"); exactly one of them is given.  Changing it
 * under cn=config takes effect at once: the new database is opened first (a
 * failure rejects the change), then every worker thread's handle is dropped
 * and the generation counter moves on so that any handle opened for the old
 * one is reopened on next use.
 */
#include "portable.h"

#include <stdio.h>
#include <string.h>

#include <clusterdb/passwd.h>
#include <clusterdb/notify.h>

#include "back-clusterdb.h"

#define CDBM_OID_ARC "2.25.60498252744916930157458184240974370554"

enum { CDBM_CFG_DBFILE = 1, CDBM_CFG_PUSH_MAX, CDBM_CFG_PUSH_MAX_PER_USER, CDBM_CFG_PUSH_TIMEOUT };
/* The bound on argon2 runs at once (core/src/hash_gate.c). */
enum { CDBM_CFG_HASH_MAX = 30, CDBM_CFG_HASH_WAIT = 31 };
/* The database by URI (dbfile's sibling: one of the two names it). */
enum { CDBM_CFG_DBURI = 40 };
/* Service accounts and the push exemption (docs/slapd-module.md). */
enum { CDBM_CFG_SERVICE_ACCOUNT = 20, CDBM_CFG_PUSH_EXEMPT_GROUP = 21 };

static ConfigDriver cdbm_cf_gen;

static ConfigTable cdbm_cfg[] = {
    { .name = "dbfile", .what = "path", .min_args = 2, .max_args = 2,
      .arg_type = ARG_STRING | ARG_MAGIC | CDBM_CFG_DBFILE, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.1 NAME 'olcClusterdbFile' "
                   "DESC 'Path of the clusterdb SQLite database file' "
                   "EQUALITY caseExactMatch "
                   "SYNTAX OMsDirectoryString SINGLE-VALUE )" },
    { .name = "dburi", .what = "URI", .min_args = 2, .max_args = 2,
      .arg_type = ARG_STRING | ARG_MAGIC | CDBM_CFG_DBURI, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.7 NAME 'olcClusterdbUri' "
                   "DESC 'URI of the clusterdb database: sqlite:///path, postgresql://..., "
                   "mysql://... (never with a password)' "
                   "EQUALITY caseExactMatch "
                   "SYNTAX OMsDirectoryString SINGLE-VALUE )" },
    { .name = "service-account", .what = "DN {ARGON2}hash", .min_args = 3, .max_args = 3,
      .arg_type = ARG_MAGIC | CDBM_CFG_SERVICE_ACCOUNT, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.20 NAME 'olcClusterdbServiceAccount' "
                   "DESC 'A read-only service account: \"cn=<name>,ou=services,<suffix>\" "
                   "{ARGON2}<PHC string>' "
                   "EQUALITY caseIgnoreMatch "
                   "SYNTAX OMsDirectoryString )" },
    { .name = "push-exempt-group", .what = "group cn", .min_args = 2, .max_args = 2,
      .arg_type = ARG_MAGIC | CDBM_CFG_PUSH_EXEMPT_GROUP, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.21 NAME 'olcClusterdbPushExemptGroup' "
                   "DESC 'Members of this group are not asked the push second factor' "
                   "EQUALITY caseIgnoreMatch "
                   "SYNTAX OMsDirectoryString )" },
    { .name = "push-max-waiting", .what = "count", .min_args = 2, .max_args = 2,
      .arg_type = ARG_UINT | ARG_MAGIC | CDBM_CFG_PUSH_MAX, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.2 NAME 'olcClusterdbPushMaxWaiting' "
                   "DESC 'Binds waiting for a push answer at once, in total' "
                   "EQUALITY integerMatch SYNTAX OMsInteger SINGLE-VALUE )" },
    { .name = "push-max-waiting-per-user", .what = "count", .min_args = 2, .max_args = 2,
      .arg_type = ARG_UINT | ARG_MAGIC | CDBM_CFG_PUSH_MAX_PER_USER, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.3 NAME 'olcClusterdbPushMaxWaitingPerUser' "
                   "DESC 'Binds of one user waiting for a push answer at once' "
                   "EQUALITY integerMatch SYNTAX OMsInteger SINGLE-VALUE )" },
    { .name = "push-timeout", .what = "seconds", .min_args = 2, .max_args = 2,
      .arg_type = ARG_UINT | ARG_MAGIC | CDBM_CFG_PUSH_TIMEOUT, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.4 NAME 'olcClusterdbPushTimeout' "
                   "DESC 'Seconds a bind waits for the push answer' "
                   "EQUALITY integerMatch SYNTAX OMsInteger SINGLE-VALUE )" },
    { .name = "hash-max-concurrent", .what = "count", .min_args = 2, .max_args = 2,
      .arg_type = ARG_UINT | ARG_MAGIC | CDBM_CFG_HASH_MAX, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.5 NAME 'olcClusterdbHashMaxConcurrent' "
                   "DESC 'Password hashes computed or verified at once (each takes the "
                   "argon2 memory cost)' "
                   "EQUALITY integerMatch SYNTAX OMsInteger SINGLE-VALUE )" },
    { .name = "hash-max-wait", .what = "seconds", .min_args = 2, .max_args = 2,
      .arg_type = ARG_UINT | ARG_MAGIC | CDBM_CFG_HASH_WAIT, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.6 NAME 'olcClusterdbHashMaxWait' "
                   "DESC 'Seconds a bind waits for a free hash slot before busy' "
                   "EQUALITY integerMatch SYNTAX OMsInteger SINGLE-VALUE )" },
    { .name = NULL, .arg_type = ARG_IGNORED }
};

static ConfigOCs cdbm_ocs[] = {
    { .co_def = "( " CDBM_OID_ARC ".2.1 "
                "NAME 'olcClusterdbConfig' "
                "DESC 'clusterdb backend database configuration' "
                "SUP olcDatabaseConfig "
                "MAY ( olcClusterdbFile $ olcClusterdbUri $ olcClusterdbServiceAccount $ "
                "olcClusterdbPushExemptGroup $ "
                "olcClusterdbPushMaxWaiting $ olcClusterdbPushMaxWaitingPerUser $ "
                "olcClusterdbPushTimeout $ olcClusterdbHashMaxConcurrent $ "
                "olcClusterdbHashMaxWait ) )",
      .co_type = Cft_Database, .co_table = cdbm_cfg },
    { .co_def = NULL }
};

/* Whether the configuration entry (the one a cn=config change makes) holds
 * attribute. */
static int cdbm_config_entry_has(const ConfigArgs *c, const char *attribute)
{
    for (const Attribute *a = c->ca_entry ? c->ca_entry->e_attrs : NULL; a != NULL; a = a->a_next) {
        if (strcasecmp(a->a_desc->ad_cname.bv_val, attribute) == 0)
            return 1;
    }
    return 0;
}

/* dbfile and dburi name one database: one of them, never both. */
static int cdbm_database_named_once(ConfigArgs *c, cdbm_info *info, int adding)
{
    const char *why = NULL;

    if (c->ca_entry != NULL) {
        /* Online: judge the entry as the change leaves it (a replace of
         * one by the other deletes first, then adds). */
        int file = cdbm_config_entry_has(c, "olcClusterdbFile");
        int uri = cdbm_config_entry_has(c, "olcClusterdbUri");
        if (file && uri)
            why = "olcClusterdbFile and olcClusterdbUri both name the database; give one";
        else if (!adding && !file && !uri)
            why = "the database needs olcClusterdbFile or olcClusterdbUri";
    } else if (adding && info->database != NULL && info->database_directive != c->type) {
        why = "dbfile and dburi both name the database; give one";
    }
    if (why == NULL)
        return 0;
    snprintf(c->cr_msg, sizeof(c->cr_msg), "%s", why);
    Debug(LDAP_DEBUG_ANY, "back-clusterdb: %s: %s\n", c->log, why);
    return ARG_BAD_CONF;
}

static int cdbm_set_database(ConfigArgs *c, cdbm_info *info)
{
    char msg[512];
    char *old;

    if (cdbm_database_named_once(c, info, 1) != 0) {
        ch_free(c->value_string);
        c->value_string = NULL;
        return ARG_BAD_CONF;
    }

    /* Online change: prove the new file usable before switching to it. */
    if (info->opened && cdbm_handle_try_open(c->value_string, msg, sizeof(msg)) != 0) {
        /* The reply has room for the reason; the log line names the place. */
        snprintf(c->cr_msg, sizeof(c->cr_msg), "%.*s", (int)sizeof(c->cr_msg) - 1, msg);
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: %s: %s\n", c->log, msg);
        ch_free(c->value_string);
        c->value_string = NULL;
        return ARG_BAD_CONF;
    }

    ldap_pvt_thread_mutex_lock(&info->mutex);
    old = info->database;
    info->database = c->value_string;
    info->database_directive = c->type;
    info->generation++;
    ldap_pvt_thread_mutex_unlock(&info->mutex);
    c->value_string = NULL;
    ch_free(old);

    if (info->opened) {
        /* cn=config modifications run with the thread pool paused. */
        cdbm_handle_purge(info);
        cdbm_handle_note_file(info);
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: database \"%s\" now serves %s\n",
              c->be->be_suffix ? c->be->be_suffix[0].bv_val : "", info->database);
    }
    return 0;
}

/* ---- service accounts and push-exempt groups --------------------------- */

static void cdbm_service_clear(cdbm_service *svc)
{
    ch_free(svc->dn.bv_val);
    ch_free(svc->ndn.bv_val);
    ch_free(svc->name.bv_val);
    if (svc->hash != NULL) {
        cdb_wipe(svc->hash, strlen(svc->hash));
        ch_free(svc->hash);
    }
    memset(svc, 0, sizeof(*svc));
}

/* A service DN is cn=<name>,ou=services,<suffix>: the entry the module
 * serves there is the one slapd's ACLs (dn.children=ou=services,...) name. */
static int cdbm_service_check(BackendDB *be, cdbm_info *info, cdbm_service *svc, char *msg,
                              size_t msg_size)
{
    struct berval parent, rdn;
    LDAPRDN parsed = NULL;
    char *next = NULL;
    int ok = 0;

    dnParent(&svc->ndn, &parent);
    if (!dn_match(&parent, &info->services_ndn)) {
        snprintf(msg, msg_size, "service-account \"%s\": must be cn=<name>,%s", svc->dn.bv_val,
                 info->services_dn.bv_val);
        return -1;
    }
    dnRdn(&svc->dn, &rdn);
    if (ldap_bv2rdn(&rdn, &parsed, &next, LDAP_DN_FORMAT_LDAP) == LDAP_SUCCESS &&
        parsed[0] != NULL && parsed[1] == NULL && parsed[0]->la_attr.bv_len == 2 &&
        strncasecmp(parsed[0]->la_attr.bv_val, "cn", 2) == 0 && parsed[0]->la_value.bv_len > 0) {
        ch_free(svc->name.bv_val);
        ber_dupbv(&svc->name, &parsed[0]->la_value);
        ok = 1;
    }
    if (parsed != NULL)
        ldap_rdnfree(parsed);
    if (!ok) {
        snprintf(msg, msg_size, "service-account \"%s\": the RDN must be cn=<name>",
                 svc->dn.bv_val);
        return -1;
    }
    (void)be;
    return 0;
}

int cdbm_services_check(BackendDB *be, cdbm_info *info, char *msg, size_t msg_size)
{
    size_t i, j;

    for (i = 0; i < info->n_services; i++) {
        if (cdbm_service_check(be, info, &info->services[i], msg, msg_size) != 0)
            return -1;
        for (j = 0; j < i; j++) {
            if (dn_match(&info->services[j].ndn, &info->services[i].ndn)) {
                snprintf(msg, msg_size, "service-account \"%s\" is configured twice",
                         info->services[i].dn.bv_val);
                return -1;
            }
        }
    }
    return 0;
}

void cdbm_config_free(cdbm_info *info)
{
    size_t i;

    for (i = 0; i < info->n_services; i++)
        cdbm_service_clear(&info->services[i]);
    ch_free(info->services);
    info->services = NULL;
    info->n_services = 0;
    for (i = 0; i < info->n_push_exempt_groups; i++)
        ch_free(info->push_exempt_groups[i]);
    ch_free(info->push_exempt_groups);
    info->push_exempt_groups = NULL;
    info->n_push_exempt_groups = 0;
}

static int cdbm_add_service(ConfigArgs *c, cdbm_info *info)
{
    static const char prefix[] = "{ARGON2}";
    cdbm_service svc;
    struct berval raw;
    const char *hash = c->argv[2];

    memset(&svc, 0, sizeof(svc));
    ber_str2bv(c->argv[1], 0, 0, &raw);
    if (dnPrettyNormal(NULL, &raw, &svc.dn, &svc.ndn, NULL) != LDAP_SUCCESS) {
        snprintf(c->cr_msg, sizeof(c->cr_msg), "<%s> invalid DN \"%s\"", c->argv[0],
                 c->argv[1]);
        goto bad;
    }
    if (strncasecmp(hash, prefix, sizeof(prefix) - 1) != 0 ||
        !cdb_password_is_phc(hash + sizeof(prefix) - 1)) {
        /* Never echo the value: it may be a password typed by mistake. */
        snprintf(c->cr_msg, sizeof(c->cr_msg),
                 "<%s> %s: the password must be {ARGON2} followed by an argon2 PHC string "
                 "(slappasswd -o module-load=argon2 -h {ARGON2})",
                 c->argv[0], svc.dn.bv_val);
        goto bad;
    }
    svc.hash = ch_strdup(hash + sizeof(prefix) - 1);
    /* Before db_open the suffix may not be known yet: checked there. */
    if (info->opened) {
        size_t i;

        if (cdbm_service_check(c->be, info, &svc, c->cr_msg, sizeof(c->cr_msg)) != 0)
            goto bad;
        for (i = 0; i < info->n_services; i++) {
            if (dn_match(&info->services[i].ndn, &svc.ndn)) {
                snprintf(c->cr_msg, sizeof(c->cr_msg), "<%s> %s is configured already",
                         c->argv[0], svc.dn.bv_val);
                goto bad;
            }
        }
    }
    info->services = ch_realloc(info->services, (info->n_services + 1) * sizeof(*info->services));
    info->services[info->n_services++] = svc;
    return 0;
bad:
    Debug(LDAP_DEBUG_ANY, "back-clusterdb: %s: %s\n", c->log, c->cr_msg);
    cdbm_service_clear(&svc);
    return ARG_BAD_CONF;
}

static void cdbm_emit_services(ConfigArgs *c, cdbm_info *info)
{
    size_t i;

    for (i = 0; i < info->n_services; i++) {
        cdbm_service *svc = &info->services[i];
        struct berval bv;

        bv.bv_len = svc->dn.bv_len + strlen(svc->hash) + sizeof("\"\" {ARGON2}") - 1;
        bv.bv_val = ch_malloc(bv.bv_len + 1);
        snprintf(bv.bv_val, bv.bv_len + 1, "\"%s\" {ARGON2}%s", svc->dn.bv_val, svc->hash);
        value_add_one(&c->rvalue_vals, &bv);
        ch_free(bv.bv_val);
    }
}

/* Remove value number valx (-1: every value) of a list. */
static void cdbm_delete_service(cdbm_info *info, int valx)
{
    size_t i;

    if (valx < 0) {
        for (i = 0; i < info->n_services; i++)
            cdbm_service_clear(&info->services[i]);
        info->n_services = 0;
        return;
    }
    if ((size_t)valx >= info->n_services)
        return;
    cdbm_service_clear(&info->services[valx]);
    for (i = (size_t)valx; i + 1 < info->n_services; i++)
        info->services[i] = info->services[i + 1];
    info->n_services--;
}

static void cdbm_delete_exempt_group(cdbm_info *info, int valx)
{
    size_t i;

    if (valx < 0) {
        for (i = 0; i < info->n_push_exempt_groups; i++)
            ch_free(info->push_exempt_groups[i]);
        info->n_push_exempt_groups = 0;
        return;
    }
    if ((size_t)valx >= info->n_push_exempt_groups)
        return;
    ch_free(info->push_exempt_groups[valx]);
    for (i = (size_t)valx; i + 1 < info->n_push_exempt_groups; i++)
        info->push_exempt_groups[i] = info->push_exempt_groups[i + 1];
    info->n_push_exempt_groups--;
}

static int cdbm_add_exempt_group(ConfigArgs *c, cdbm_info *info)
{
    const char *cn = c->argv[1];

    if (*cn == '\0' || strpbrk(cn, " \t\n,=") != NULL) {
        snprintf(c->cr_msg, sizeof(c->cr_msg), "<%s> \"%s\" is not a group name", c->argv[0],
                 cn);
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: %s: %s\n", c->log, c->cr_msg);
        return ARG_BAD_CONF;
    }
    info->push_exempt_groups = ch_realloc(info->push_exempt_groups,
                                          (info->n_push_exempt_groups + 1) *
                                              sizeof(*info->push_exempt_groups));
    info->push_exempt_groups[info->n_push_exempt_groups++] = ch_strdup(cn);
    return 0;
}

/* The push and hash bounds are core's, process-wide: the last value
 * configured holds (0 means core's default). */
void cdbm_push_bounds_apply(cdbm_info *info)
{
    /* Binds waiting for a push answer hold worker threads: unless told
     * otherwise, let at most half of slapd's threads wait. */
    if (info->push_max_waiting)
        cdb_notify_set_max_waiters(info->push_max_waiting);
    else if (connection_pool_max > 1)
        cdb_notify_set_max_waiters((unsigned)connection_pool_max / 2);
    cdb_notify_set_max_waiters_per_user(info->push_max_waiting_per_user);
    cdb_notify_set_timeout((long)info->push_timeout_s * 1000L);
    cdb_password_set_concurrency(info->hash_max_concurrent, (long)info->hash_max_wait_s * 1000L);
}

static unsigned *cdbm_push_field(cdbm_info *info, int type)
{
    switch (type) {
    case CDBM_CFG_PUSH_MAX: return &info->push_max_waiting;
    case CDBM_CFG_PUSH_MAX_PER_USER: return &info->push_max_waiting_per_user;
    case CDBM_CFG_PUSH_TIMEOUT: return &info->push_timeout_s;
    case CDBM_CFG_HASH_MAX: return &info->hash_max_concurrent;
    case CDBM_CFG_HASH_WAIT: return &info->hash_max_wait_s;
    }
    return NULL;
}

static int cdbm_cf_gen(ConfigArgs *c)
{
    cdbm_info *info = c->be->be_private;
    unsigned *field = cdbm_push_field(info, c->type);
    int rc = 0;

    if (field != NULL) {
        if (c->op == SLAP_CONFIG_EMIT) {
            if (*field == 0)
                return 1;
            c->value_uint = *field;
            return 0;
        }
        *field = c->op == LDAP_MOD_DELETE ? 0 : c->value_uint;
        if (info->opened)
            cdbm_push_bounds_apply(info);
        return 0;
    }

    if (c->op == SLAP_CONFIG_EMIT) {
        switch (c->type) {
        case CDBM_CFG_DBFILE:
        case CDBM_CFG_DBURI:
            /* The name under the attribute that gave it. */
            ldap_pvt_thread_mutex_lock(&info->mutex);
            if (info->database != NULL && info->database_directive == c->type)
                c->value_string = ch_strdup(info->database);
            else
                rc = 1;
            ldap_pvt_thread_mutex_unlock(&info->mutex);
            break;
        case CDBM_CFG_SERVICE_ACCOUNT:
            cdbm_emit_services(c, info);
            rc = info->n_services == 0;
            break;
        case CDBM_CFG_PUSH_EXEMPT_GROUP: {
            size_t i;

            for (i = 0; i < info->n_push_exempt_groups; i++) {
                struct berval bv;

                ber_str2bv(info->push_exempt_groups[i], 0, 0, &bv);
                value_add_one(&c->rvalue_vals, &bv);
            }
            rc = info->n_push_exempt_groups == 0;
            break;
        }
        default:
            rc = 1;
        }
        return rc;
    }

    if (c->op == LDAP_MOD_DELETE) {
        switch (c->type) {
        case CDBM_CFG_DBFILE:
        case CDBM_CFG_DBURI:
            /* A replace is a delete and an add under one pause: keep the
             * old name until the add names the new one.  A delete that
             * leaves neither attribute is refused. */
            rc = cdbm_database_named_once(c, info, 0);
            break;
        case CDBM_CFG_SERVICE_ACCOUNT:
            cdbm_delete_service(info, c->valx);
            break;
        case CDBM_CFG_PUSH_EXEMPT_GROUP:
            cdbm_delete_exempt_group(info, c->valx);
            break;
        default:
            rc = 1;
        }
        return rc;
    }

    switch (c->type) {
    case CDBM_CFG_DBFILE:
    case CDBM_CFG_DBURI:
        rc = cdbm_set_database(c, info);
        break;
    case CDBM_CFG_SERVICE_ACCOUNT:
        rc = cdbm_add_service(c, info);
        break;
    case CDBM_CFG_PUSH_EXEMPT_GROUP:
        rc = cdbm_add_exempt_group(c, info);
        break;
    default:
        rc = 1;
    }
    return rc;
}

int cdbm_config_init(BackendInfo *bi)
{
    bi->bi_cf_ocs = cdbm_ocs;
    return config_register_schema(cdbm_cfg, cdbm_ocs);
}
