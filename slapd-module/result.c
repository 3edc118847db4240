/*
 * result.c: the one mapping from core's status codes to LDAP result codes,
 * with a text safe to send to clients.
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "back-clusterdb.h"

/* Fields whose invalid values are a matter of syntax (the value can never be
 * stored), as opposed to a rule about the directory's state. */
static int cdbm_field_is_syntax(const char *field)
{
    static const char *const syntax_fields[] = {"mail",      "sshPublicKey", "username",
                                                "cn",        "sn",           "givenName",
                                                "loginShell", "homeDirectory"};
    size_t i;

    for (i = 0; i < sizeof(syntax_fields) / sizeof(syntax_fields[0]); i++)
        if (field != NULL && strcmp(field, syntax_fields[i]) == 0)
            return 1;
    return 0;
}

/* Whether a unique key core reports (a column, "Users.username", or a bare
 * field name) is the RDN key given. */
static int cdbm_field_is_key(const char *field, const char *key)
{
    const char *dot;

    if (field == NULL || key == NULL)
        return 0;
    dot = strrchr(field, '.');
    return strcasecmp(dot ? dot + 1 : field, key) == 0;
}

/* Log the cause of a failure of the store itself (called by
 * cdbm_ldap_result for writes that pass their handle). */
static void cdbm_log_store_failure(const cdb *db, int status)
{
    /* The client learns only "unavailable" or "internal error"; the
     * operator needs the cause (disk full, read-only file, I/O error). */
    if (db != NULL && (status == CDB_ERR_IO || status == CDB_ERR_VERSION ||
                       status == CDB_ERR_INTERNAL || status == CDB_ERR_NOMEM))
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: %s: %s\n", cdb_strerror(status), cdb_errmsg(db));
}

int cdbm_ldap_result(int status, cdbm_result_detail *detail, const char **text)
{
    const char *field = detail && detail->db ? cdb_errfield(detail->db) : NULL;
    const char *t = NULL;
    int rc, explain = 0;

    switch (status) {
    case CDB_OK:
        rc = LDAP_SUCCESS;
        break;
    case CDB_ERR_NOTFOUND:
        rc = LDAP_NO_SUCH_OBJECT;
        explain = 1;
        break;
    case CDB_ERR_INVALID:
        rc = cdbm_field_is_syntax(field) ? LDAP_INVALID_SYNTAX : LDAP_CONSTRAINT_VIOLATION;
        t = "value rejected by the directory's rules";
        explain = 1;
        break;
    case CDB_ERR_CONFLICT:
        if (detail != NULL && cdbm_field_is_key(field, detail->rdn_key))
            rc = LDAP_ALREADY_EXISTS;
        else if (field != NULL && strncmp(field, "UserGroups.", 11) == 0)
            rc = LDAP_TYPE_OR_VALUE_EXISTS;
        else
            rc = LDAP_CONSTRAINT_VIOLATION;
        t = "value already in use";
        explain = 1;
        break;
    case CDB_ERR_CONSTRAINT:
        /* The store refuses to lose a row others depend on (the default
         * groups, a referenced row): no LDAP change can make it willing. */
        rc = detail != NULL ? LDAP_UNWILLING_TO_PERFORM : LDAP_CONSTRAINT_VIOLATION;
        t = "entry still referenced, or a referenced entry is missing";
        explain = 1;
        break;
    case CDB_ERR_BUSY:
        rc = LDAP_BUSY;
        t = "database busy, try again";
        break;
    case CDB_ERR_IO:
        rc = LDAP_UNAVAILABLE;
        t = "database unavailable";
        break;
    case CDB_ERR_READONLY:
        /* A standby serves reads; writes go to the primary's slapd. */
        rc = LDAP_UNWILLING_TO_PERFORM;
        t = "the database is read-only here (a standby): write through the primary";
        break;
    case CDB_ERR_VERSION:
        rc = LDAP_UNAVAILABLE;
        t = "database schema version mismatch";
        break;
    case CDB_ERR_DENIED:
        rc = LDAP_INVALID_CREDENTIALS;
        break;
    case CDB_ERR_NOMEM:
        rc = LDAP_OTHER;
        t = "out of memory";
        break;
    default:
        rc = LDAP_OTHER;
        t = "internal error";
        break;
    }
    if (detail != NULL)
        cdbm_log_store_failure(detail->db, status);
    /* Core's messages name the field and the rule, never a secret (they
     * may quote a name or address the client sent). */
    if (explain && detail != NULL && detail->db != NULL) {
        snprintf(detail->text, sizeof(detail->text), "%s", cdb_errmsg(detail->db));
        t = detail->text;
    }
    if (text != NULL)
        *text = t;
    return rc;
}
