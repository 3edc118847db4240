/*
 * cluster_common.c: field checks, enum names and statement helpers shared by
 * the cluster models.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/validate.h>

#include "cluster_internal.h"

const char *cdb_redact(const char *secret)
{
    return (secret && *secret) ? "********" : "";
}

/* ---------------------------------------------------------------- enums */

static const char *const job_status_names[] = {"pending", "running", "success", "failure",
                                               "cancelled"};
static const char *const container_status_names[] = {"pending", "creating", "running", "failed"};
static const char *const service_type_names[] = {"http", "transport", "dns"};
static const char *const protocol_names[] = {"tcp", "udp"};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

const cm_enum_names cm_job_status_enum = {job_status_names, N_ELEMENTS(job_status_names)};
const cm_enum_names cm_container_status_enum = {container_status_names,
                                                N_ELEMENTS(container_status_names)};

static const char *name_of(const char *const *names, size_t n, int value)
{
    return (value >= 0 && (size_t)value < n) ? names[value] : NULL;
}

static int parse_name(const char *const *names, size_t n, const char *text, int *out)
{
    if (!text)
        return CDB_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], text) == 0) {
            *out = (int)i;
            return CDB_OK;
        }
    }
    return CDB_ERR_INVALID;
}

const char *cdb_job_status_name(cdb_job_status status)
{
    return name_of(job_status_names, N_ELEMENTS(job_status_names), (int)status);
}

int cdb_job_status_parse(const char *text, cdb_job_status *out)
{
    int v;
    int rc = parse_name(job_status_names, N_ELEMENTS(job_status_names), text, &v);
    if (rc == CDB_OK)
        *out = (cdb_job_status)v;
    return rc;
}

const char *cdb_container_status_name(cdb_container_status status)
{
    return name_of(container_status_names, N_ELEMENTS(container_status_names), (int)status);
}

int cdb_container_status_parse(const char *text, cdb_container_status *out)
{
    int v;
    int rc = parse_name(container_status_names, N_ELEMENTS(container_status_names), text, &v);
    if (rc == CDB_OK)
        *out = (cdb_container_status)v;
    return rc;
}

const char *cdb_service_type_name(cdb_service_type type)
{
    return name_of(service_type_names, N_ELEMENTS(service_type_names), (int)type);
}

int cdb_service_type_parse(const char *text, cdb_service_type *out)
{
    int v;
    int rc = parse_name(service_type_names, N_ELEMENTS(service_type_names), text, &v);
    if (rc == CDB_OK)
        *out = (cdb_service_type)v;
    return rc;
}

const char *cdb_transport_protocol_name(cdb_transport_protocol p)
{
    return name_of(protocol_names, N_ELEMENTS(protocol_names), (int)p);
}

int cdb_transport_protocol_parse(const char *text, cdb_transport_protocol *out)
{
    int v;
    int rc = parse_name(protocol_names, N_ELEMENTS(protocol_names), text, &v);
    if (rc == CDB_OK)
        *out = (cdb_transport_protocol)v;
    return rc;
}

/* ---------------------------------------------------------- validation */

static int check_text_impl(cdb *db, const char *field, const char *value, int required,
                           size_t max_bytes, int allow_newlines)
{
    if (!value) {
        if (required)
            return cdb_fail(db, CDB_ERR_INVALID, field, "%s is required", field);
        return CDB_OK;
    }
    if (!*value)
        return cdb_fail(db, CDB_ERR_INVALID, field, "%s must not be empty", field);
    if (strnlen(value, max_bytes + 1) > max_bytes)
        return cdb_fail(db, CDB_ERR_INVALID, field, "%s is longer than %zu bytes", field,
                        max_bytes);
    if (!(allow_newlines ? cdb_valid_multiline_text(value, max_bytes)
                         : cdb_valid_text(value, max_bytes)))
        return cdb_fail(db, CDB_ERR_INVALID, field,
                        "%s must be valid UTF-8 without control characters", field);
    return CDB_OK;
}

int cm_check_text(cdb *db, const char *field, const char *value, int required, size_t max_bytes)
{
    return check_text_impl(db, field, value, required, max_bytes, 0);
}

int cm_check_multiline(cdb *db, const char *field, const char *value, int required,
                       size_t max_bytes)
{
    return check_text_impl(db, field, value, required, max_bytes, 1);
}

int cm_parse_ipv4(const char *s, uint32_t *out)
{
    struct in_addr addr;

    /* glibc's inet_pton takes exactly four decimal octets, no leading zeros:
     * the strict dotted quad. */
    if (!s || strlen(s) > 15 || inet_pton(AF_INET, s, &addr) != 1)
        return -1;
    *out = ntohl(addr.s_addr);
    return 0;
}

int cm_check_ipv4(cdb *db, const char *field, const char *value, int required)
{
    uint32_t ignored;

    if (!value) {
        if (required)
            return cdb_fail(db, CDB_ERR_INVALID, field, "%s is required", field);
        return CDB_OK;
    }
    if (!cdb_valid_ipv4(value) || cm_parse_ipv4(value, &ignored) != 0)
        return cdb_fail(db, CDB_ERR_INVALID, field,
                        "%s must be a dotted-quad IPv4 address (a.b.c.d)", field);
    return CDB_OK;
}

int cm_check_bool(cdb *db, const char *field, int value)
{
    if (value != 0 && value != 1)
        return cdb_fail(db, CDB_ERR_INVALID, field, "%s must be 0 or 1", field);
    return CDB_OK;
}

int cm_valid_label(const char *s)
{
    size_t len;

    if (!s)
        return 0;
    len = strlen(s);
    if (len < 1 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ statements */

int cm_bind_id_or_null(cdb_sql_stmt *stmt, int index, int64_t id)
{
    return id ? cdb_bind_int64(stmt, index, id) : cdb_bind_null(stmt, index);
}

int cm_bind_status(cdb *db, int bind_rc)
{
    if (bind_rc == CDB_SQL_OK)
        return CDB_OK;
    return cdb_fail_sql(db, bind_rc, "binding a value");
}

int cm_require_row(cdb *db, const char *sql, int64_t id, const char *field, const char *table)
{
    cdb_sql_stmt *st = NULL;
    int rc, status;

    status = cdb_stmt(db, sql, &st);
    if (status != CDB_OK)
        return status;
    status = cm_bind_status(db, cdb_bind_int64(st, 1, id));
    if (status == CDB_OK) {
        rc = cdb_step(st);
        if (rc == CDB_SQL_ROW)
            status = CDB_OK;
        else if (rc == CDB_SQL_DONE)
            status = cdb_fail(db, CDB_ERR_CONSTRAINT, field, "%s: no %s row with id %lld", field,
                              table, (long long)id);
        else
            status = cdb_fail_sql(db, rc, table);
    }
    cdb_stmt_done(st);
    return status;
}

int cm_count(cdb *db, const char *sql, int64_t id, int64_t *count_out)
{
    cdb_sql_stmt *st = NULL;
    int rc, status;

    status = cdb_stmt(db, sql, &st);
    if (status != CDB_OK)
        return status;
    status = cm_bind_status(db, cdb_bind_int64(st, 1, id));
    if (status == CDB_OK) {
        rc = cdb_step(st);
        if (rc == CDB_SQL_ROW)
            *count_out = cdb_col_int64(st, 0);
        else
            status = rc == CDB_SQL_DONE ? cdb_fail(db, CDB_ERR_INTERNAL, NULL, "count: no row")
                                     : cdb_fail_sql(db, rc, "count");
    }
    cdb_stmt_done(st);
    return status;
}

int cm_exec(cdb *db, cdb_sql_stmt *stmt, const char *context)
{
    /* A taken UNIQUE key comes back as CDB_ERR_CONFLICT said as a rule
     * (cdb_fail_sql). */
    return cdb_stmt_exec(db, stmt, context);
}

int cm_exec_one(cdb *db, cdb_sql_stmt *stmt, const char *context, const char *table, int64_t id)
{
    int status = cm_exec(db, stmt, context);

    if (status == CDB_OK && cdb_changes(db) == 0)
        status = cdb_fail(db, CDB_ERR_NOTFOUND, "id", "no %s row with id %lld", table,
                          (long long)id);
    return status;
}

int cm_col(cdb_sql_stmt *stmt, int col, char **dst)
{
    char *s = NULL;

    if (cdb_column_strdup(stmt, col, &s) != 0)
        return -1;
    *dst = s;
    return 0;
}

int cm_tx_end(cdb *db, int status)
{
    if (status == CDB_OK)
        status = cdb_tx_commit(db);
    if (status != CDB_OK)
        cdb_tx_rollback(db);
    return status;
}

int cm_exec_id(cdb *db, const char *sql, int64_t id, const char *context, const char *table)
{
    cdb_sql_stmt *st = NULL;
    int status = cdb_stmt(db, sql, &st);

    if (status != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, cdb_bind_int64(st, 1, id))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    return cm_exec_one(db, st, context, table, id);
}

