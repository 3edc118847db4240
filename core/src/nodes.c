/*
 * nodes.c: the Nodes table (Proxmox VE servers of a site).  The API secret is
 * stored as given (the daemon needs it in clear to call Proxmox) and is never
 * put into a message.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterdb/validate.h>

#include "cluster_internal.h"

#define NODE_COLUMNS                                                                   \
    "id, name, ipv4Address, apiUrl, apiTokenIdOrUsername, apiTokenSecretOrPassword, " \
    "disableTlsVerification, siteId, createdAt, updatedAt"

/* Proxmox token secrets are UUIDs; passwords are short.  Bounded anyway. */
#define MAX_SECRET 1024
#define MAX_URL 2048

/* SELECT column i of NODE_COLUMNS lands in node_fields[i]. */
static const cm_field node_fields[] = {
    CM_FIELD(CM_INT64, cdb_node, id),
    CM_FIELD(CM_TEXT, cdb_node, name),
    CM_FIELD(CM_TEXT, cdb_node, ipv4_address),
    CM_FIELD(CM_TEXT, cdb_node, api_url),
    CM_FIELD(CM_TEXT, cdb_node, api_token_id_or_username),
    CM_FIELD(CM_SECRET, cdb_node, api_token_secret_or_password),
    CM_FIELD(CM_BOOL, cdb_node, disable_tls_verification),
    CM_FIELD(CM_INT64, cdb_node, site_id),
    CM_FIELD(CM_TEXT, cdb_node, created_at),
    CM_FIELD(CM_TEXT, cdb_node, updated_at),
};
static const cm_model node_model = CM_MODEL("node", cdb_node, node_fields);

CM_MODEL_FREE_FUNCTIONS(node_model, cdb_node, cdb_node_free, cdb_node_array_free)

static const char site_exists_sql[] = "SELECT 1 FROM Sites WHERE id = ?1";

static int validate_node(cdb *db, const cdb_node_input *in)
{
    int status;

    if (!in->name)
        return cdb_fail(db, CDB_ERR_INVALID, "name", "name is required");
    if (strnlen(in->name, 254) > 253 || !cdb_valid_hostname(in->name))
        return cdb_fail(db, CDB_ERR_INVALID, "name",
                        "name must be the node's RFC 1123 host name (letters, digits, '-')");
    if ((status = cm_check_ipv4(db, "ipv4Address", in->ipv4_address, 0)) != CDB_OK)
        return status;
    if (in->api_url && (strnlen(in->api_url, MAX_URL + 1) > MAX_URL || !cdb_valid_url(in->api_url)))
        return cdb_fail(db, CDB_ERR_INVALID, "apiUrl",
                        "apiUrl must be an http:// or https:// URL with a host");
    if ((status = cm_check_text(db, "apiTokenIdOrUsername", in->api_token_id_or_username, 0,
                                CDB_MAX_TEXT)) != CDB_OK)
        return status;
    if ((status = cm_check_text(db, "apiTokenSecretOrPassword", in->api_token_secret_or_password,
                                0, MAX_SECRET)) != CDB_OK)
        return status;
    if ((status = cm_check_bool(db, "disableTlsVerification", in->disable_tls_verification)) !=
        CDB_OK)
        return status;
    if (in->site_id <= 0)
        return cdb_fail(db, CDB_ERR_INVALID, "siteId", "siteId is required (a Sites id)");
    return CDB_OK;
}

/* Bind ?2.. ?8 of the insert and update statements. */
static int bind_node(cdb_sql_stmt *st, const cdb_node_input *in, const char *now)
{
    int brc = CDB_SQL_OK;

    cm_bind(&brc, cdb_bind_text(st, 2, in->name));
    cm_bind(&brc, cdb_bind_text(st, 3, in->ipv4_address));
    cm_bind(&brc, cdb_bind_text(st, 4, in->api_url));
    cm_bind(&brc, cdb_bind_text(st, 5, in->api_token_id_or_username));
    cm_bind(&brc, cdb_bind_text(st, 6, in->api_token_secret_or_password));
    cm_bind(&brc, cdb_bind_int(st, 7, in->disable_tls_verification));
    cm_bind(&brc, cdb_bind_int64(st, 8, in->site_id));
    cm_bind(&brc, cdb_bind_text(st, 9, now));
    return brc;
}

int cdb_node_create(cdb *db, const cdb_node_input *in, int64_t *id_out)
{
    static const char sql[] =
        "INSERT INTO Nodes (name, ipv4Address, apiUrl, apiTokenIdOrUsername, "
        "apiTokenSecretOrPassword, disableTlsVerification, siteId, createdAt, updatedAt) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)";
    cdb_sql_stmt *st = NULL;
    char now[32];
    int64_t id = 0;
    int status;

    if (!in)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no node given");
    if ((status = validate_node(db, in)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cm_require_row(db, site_exists_sql, in->site_id, "siteId", "Sites")) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    if ((status = cm_bind_status(db, bind_node(st, in, now))) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec(db, st, "inserting the node")) == CDB_OK)
        id = cdb_last_insert_id(db);
done:
    status = cm_tx_end(db, status);
    if (status == CDB_OK && id_out)
        *id_out = id;
    return status;
}

static int node_get_by(cdb *db, const char *sql, int64_t id, const char *name, cdb_node **out)
{
    cdb_sql_stmt *st = NULL;
    void *item = NULL;
    int status = cdb_stmt(db, sql, &st);

    if (status != CDB_OK)
        return status;
    status = cm_bind_status(db, name ? cdb_bind_text(st, 1, name) : cdb_bind_int64(st, 1, id));
    if (status != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    status = cm_fetch_one(db, st, &node_model, &item);
    if (status == CDB_OK)
        *out = item;
    return status;
}

int cdb_node_get(cdb *db, int64_t id, cdb_node **out)
{
    static const char sql[] = "SELECT " NODE_COLUMNS " FROM Nodes WHERE id = ?1";
    return node_get_by(db, sql, id, NULL, out);
}

int cdb_node_get_by_name(cdb *db, const char *name, cdb_node **out)
{
    static const char sql[] = "SELECT " NODE_COLUMNS " FROM Nodes WHERE name = ?1";
    if (!name)
        return cdb_fail(db, CDB_ERR_INVALID, "name", "name is required");
    return node_get_by(db, sql, 0, name, out);
}

int cdb_node_list(cdb *db, int64_t site_id, cdb_node ***out, size_t *n_out)
{
    static const char sql[] =
        "SELECT " NODE_COLUMNS " FROM Nodes WHERE ?1 = 0 OR siteId = ?1 ORDER BY id";
    cdb_sql_stmt *st = NULL;
    cm_vec vec = {0};
    int status = cdb_stmt(db, sql, &st);

    if (status != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, cdb_bind_int64(st, 1, site_id))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    status = cm_collect(db, st, &node_model, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_node, out, n_out, node_model, status);
    return status;
}

int cdb_node_update(cdb *db, int64_t id, unsigned fields, const cdb_node_input *in)
{
    static const char sql[] =
        "UPDATE Nodes SET name = ?2, ipv4Address = ?3, apiUrl = ?4, apiTokenIdOrUsername = ?5, "
        "apiTokenSecretOrPassword = ?6, disableTlsVerification = ?7, siteId = ?8, updatedAt = ?9 "
        "WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    cdb_node *cur = NULL;
    cdb_node_input m;
    char now[32];
    int status, brc;

    if (!in && fields)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no node given");
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_node_get(db, id, &cur)) != CDB_OK)
        goto done;
    m.name = (fields & CDB_NODEF_NAME) ? in->name : cur->name;
    m.ipv4_address = (fields & CDB_NODEF_IPV4_ADDRESS) ? in->ipv4_address : cur->ipv4_address;
    m.api_url = (fields & CDB_NODEF_API_URL) ? in->api_url : cur->api_url;
    m.api_token_id_or_username = (fields & CDB_NODEF_API_TOKEN_ID_OR_USERNAME)
                                     ? in->api_token_id_or_username
                                     : cur->api_token_id_or_username;
    m.api_token_secret_or_password = (fields & CDB_NODEF_API_TOKEN_SECRET_OR_PASSWORD)
                                         ? in->api_token_secret_or_password
                                         : cur->api_token_secret_or_password;
    m.disable_tls_verification = (fields & CDB_NODEF_DISABLE_TLS_VERIFICATION)
                                     ? in->disable_tls_verification
                                     : cur->disable_tls_verification;
    m.site_id = (fields & CDB_NODEF_SITE_ID) ? in->site_id : cur->site_id;
    if ((status = validate_node(db, &m)) != CDB_OK)
        goto done;
    if ((fields & CDB_NODEF_SITE_ID) &&
        (status = cm_require_row(db, site_exists_sql, m.site_id, "siteId", "Sites")) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    brc = bind_node(st, &m, now);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec_one(db, st, "updating the node", "Nodes", id);
    if (status == CDB_OK && (fields & CDB_NODEF_SITE_ID))
        status = cm_check_http_sites(db, 0, 0, id, "siteId");
done:
    status = cm_tx_end(db, status);
    cdb_node_free(cur);
    return status;
}

int cdb_node_delete(cdb *db, int64_t id)
{
    static const char count_sql[] = "SELECT count(*) FROM Containers WHERE nodeId = ?1";
    static const char sql[] = "DELETE FROM Nodes WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    int64_t containers = 0;
    int status;

    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cm_count(db, count_sql, id, &containers)) != CDB_OK)
        goto done;
    if (containers > 0) {
        status = cdb_fail(db, CDB_ERR_CONSTRAINT, "Containers.nodeId",
                          "node %lld still hosts %lld container(s); delete them first",
                          (long long)id, (long long)containers);
        goto done;
    }
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    if ((status = cm_bind_status(db, cdb_bind_int64(st, 1, id))) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec_one(db, st, "deleting the node", "Nodes", id);
done:
    return cm_tx_end(db, status);
}
