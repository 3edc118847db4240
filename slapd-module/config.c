/*
 * Configuration: slapd.conf directives and their cn=config attributes.
 *
 *   database clusterdb
 *   suffix   "dc=cluster,dc=internal"
 *   dbfile   /var/lib/clusterdb/clusterdb.db
 *
 * cn=config: objectClass olcClusterdbConfig (SUP olcDatabaseConfig) with
 * olcClusterdbFile.  The OIDs hang under a private arc of our own,
 * 2.25.60498252744916930157458184240974370554 (a UUID-derived OID per
 * ITU-T X.667: globally unique without registration; see
 * docs/slapd-module.md):  .1.x attribute types, .2.x object classes.
 *
 * Changing dbfile under cn=config takes effect at once: the new file is
 * opened first (a failure rejects the change), then every worker thread's
 * handle is dropped and the generation counter moves on so that any handle
 * opened for the old file is reopened on next use.
 */
#include "portable.h"

#include <stdio.h>
#include <string.h>

#include <clusterdb/notify.h>

#include "back-clusterdb.h"

#define CDBM_OID_ARC "2.25.60498252744916930157458184240974370554"

enum { CDBM_CFG_DBFILE = 1, CDBM_CFG_PUSH_MAX, CDBM_CFG_PUSH_MAX_PER_USER, CDBM_CFG_PUSH_TIMEOUT };

static ConfigDriver cdbm_cf_gen;

static ConfigTable cdbm_cfg[] = {
    { .name = "dbfile", .what = "path", .min_args = 2, .max_args = 2,
      .arg_type = ARG_STRING | ARG_MAGIC | CDBM_CFG_DBFILE, .arg_item = cdbm_cf_gen,
      .attribute = "( " CDBM_OID_ARC ".1.1 NAME 'olcClusterdbFile' "
                   "DESC 'Path of the clusterdb SQLite database file' "
                   "EQUALITY caseExactMatch "
                   "SYNTAX OMsDirectoryString SINGLE-VALUE )" },
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
    { .name = NULL, .arg_type = ARG_IGNORED }
};

static ConfigOCs cdbm_ocs[] = {
    { .co_def = "( " CDBM_OID_ARC ".2.1 "
                "NAME 'olcClusterdbConfig' "
                "DESC 'clusterdb backend database configuration' "
                "SUP olcDatabaseConfig "
                "MUST olcClusterdbFile "
                "MAY ( olcClusterdbPushMaxWaiting $ olcClusterdbPushMaxWaitingPerUser $ "
                "olcClusterdbPushTimeout ) )",
      .co_type = Cft_Database, .co_table = cdbm_cfg },
    { .co_def = NULL }
};

static int cdbm_set_dbfile(ConfigArgs *c, cdbm_info *info)
{
    char msg[512];
    char *old;

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
    old = info->dbfile;
    info->dbfile = c->value_string;
    info->generation++;
    ldap_pvt_thread_mutex_unlock(&info->mutex);
    c->value_string = NULL;
    ch_free(old);

    if (info->opened) {
        /* cn=config modifications run with the thread pool paused. */
        cdbm_handle_purge(info);
        cdbm_handle_note_file(info);
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: database \"%s\" now serves %s\n",
              c->be->be_suffix ? c->be->be_suffix[0].bv_val : "", info->dbfile);
    }
    return 0;
}

/* The push bounds are core's, process-wide: the last value configured
 * holds (0 means core's default). */
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
}

static unsigned *cdbm_push_field(cdbm_info *info, int type)
{
    switch (type) {
    case CDBM_CFG_PUSH_MAX: return &info->push_max_waiting;
    case CDBM_CFG_PUSH_MAX_PER_USER: return &info->push_max_waiting_per_user;
    case CDBM_CFG_PUSH_TIMEOUT: return &info->push_timeout_s;
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
            ldap_pvt_thread_mutex_lock(&info->mutex);
            if (info->dbfile != NULL)
                c->value_string = ch_strdup(info->dbfile);
            else
                rc = 1;
            ldap_pvt_thread_mutex_unlock(&info->mutex);
            break;
        default:
            rc = 1;
        }
        return rc;
    }

    if (c->op == LDAP_MOD_DELETE) {
        switch (c->type) {
        case CDBM_CFG_DBFILE:
            /* A replace is a delete and an add under one pause; a bare
             * delete is refused by the schema (the attribute is a MUST).
             * Keep the old path until the add names the new one. */
            break;
        default:
            rc = 1;
        }
        return rc;
    }

    switch (c->type) {
    case CDBM_CFG_DBFILE:
        rc = cdbm_set_dbfile(c, info);
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
