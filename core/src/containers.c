/*
 * containers.c: the Containers table (LXC containers on Proxmox nodes) and
 * the status / network updates the daemon makes while creating them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/directory.h>
#include <clusterdb/validate.h>

#include "cluster_internal.h"

#define CONTAINER_COLUMNS                                                                   \
    "id, hostname, username, status, template, creationJobId, nodeId, containerId, "       \
    "macAddress, ipv4Address, aiContainer, createdAt, updatedAt"

/* SELECT column i of CONTAINER_COLUMNS lands in container_fields[i]. */
static const cm_field container_fields[] = {
    CM_FIELD(CM_INT64, cdb_container, id),
    CM_FIELD(CM_TEXT, cdb_container, hostname),
    CM_FIELD(CM_TEXT, cdb_container, username),
    CM_ENUM_FIELD(cdb_container, status, cm_container_status_enum),
    CM_FIELD(CM_TEXT, cdb_container, template_name),
    CM_FIELD(CM_INT64, cdb_container, creation_job_id),
    CM_FIELD(CM_INT64, cdb_container, node_id),
    CM_FIELD(CM_INT64, cdb_container, container_id),
    CM_FIELD(CM_TEXT, cdb_container, mac_address),
    CM_FIELD(CM_TEXT, cdb_container, ipv4_address),
    CM_FIELD(CM_TEXT, cdb_container, ai_container),
    CM_FIELD(CM_TEXT, cdb_container, created_at),
    CM_FIELD(CM_TEXT, cdb_container, updated_at),
};
static const cm_model container_model = CM_MODEL("container", cdb_container, container_fields);

CM_MODEL_FREE_FUNCTIONS(container_model, cdb_container, cdb_container_free, cdb_container_array_free)

static const char node_exists_sql[] = "SELECT 1 FROM Nodes WHERE id = ?1";
static const char job_exists_sql[] = "SELECT 1 FROM Jobs WHERE id = ?1";
static const char container_exists_sql[] = "SELECT 1 FROM Containers WHERE id = ?1";

/* ---------------------------------------------------------- validation */

static int check_status(cdb *db, int status)
{
    if (!cdb_container_status_name((cdb_container_status)status))
        return cdb_fail(db, CDB_ERR_INVALID, "status",
                        "status must be pending, creating, running or failed");
    return CDB_OK;
}

static int check_ctid(cdb *db, int64_t ctid)
{
    if (ctid != 0 && (ctid < CDB_MIN_CTID || ctid > CDB_MAX_CTID))
        return cdb_fail(db, CDB_ERR_INVALID, "containerId",
                        "containerId must be a Proxmox CTID between %d and %d",
                        CDB_MIN_CTID, CDB_MAX_CTID);
    return CDB_OK;
}

static int check_mac(cdb *db, const char *mac)
{
    if (mac && (strnlen(mac, 18) != 17 || !cdb_valid_mac(mac)))
        return cdb_fail(db, CDB_ERR_INVALID, "macAddress",
                        "macAddress must be six hex pairs separated by ':' (aa:bb:cc:dd:ee:ff)");
    return CDB_OK;
}

/* MACs are stored in lower case so the UNIQUE index sees AA:.. and aa:.. as one. */
static void lower_mac(const char *mac, char buf[18])
{
    size_t i;

    for (i = 0; i < 17 && mac[i]; i++)
        buf[i] = (char)tolower((unsigned char)mac[i]);
    buf[i] = '\0';
}

/* aiContainer is a flag (migration 0002 guards it in the table too). */
static int valid_ai_flag(const char *s)
{
    return strcmp(s, "Y") == 0 || strcmp(s, "N") == 0;
}

static int validate_container(cdb *db, const cdb_container_input *in)
{
    int status;

    if (!in->hostname)
        return cdb_fail(db, CDB_ERR_INVALID, "hostname", "hostname is required");
    if (!cm_valid_label(in->hostname))
        return cdb_fail(db, CDB_ERR_INVALID, "hostname",
                        "hostname must be one RFC 1123 label: 1-63 of a-z, 0-9 and '-', "
                        "not starting or ending with '-'");
    if (!in->username)
        return cdb_fail(db, CDB_ERR_INVALID, "username", "username is required");
    if (!cdb_valid_username(in->username))
        return cdb_fail(db, CDB_ERR_INVALID, "username",
                        "username must be a POSIX login name ([a-z_][a-z0-9_.-]{0,31})");
    if (in->status != -1 && (status = check_status(db, in->status)) != CDB_OK)
        return status;
    if ((status = cm_check_text(db, "template", in->template_name, 0, CDB_MAX_TEXT)) != CDB_OK)
        return status;
    if (in->creation_job_id < 0)
        return cdb_fail(db, CDB_ERR_INVALID, "creationJobId",
                        "creationJobId must be a Jobs id, or 0 for none");
    if (in->node_id <= 0)
        return cdb_fail(db, CDB_ERR_INVALID, "nodeId", "nodeId is required (a Nodes id)");
    if ((status = check_ctid(db, in->container_id)) != CDB_OK ||
        (status = check_mac(db, in->mac_address)) != CDB_OK ||
        (status = cm_check_ipv4(db, "ipv4Address", in->ipv4_address, 0)) != CDB_OK)
        return status;
    if (in->ai_container && !valid_ai_flag(in->ai_container))
        return cdb_fail(db, CDB_ERR_INVALID, "aiContainer",
                        "aiContainer must be Y or N (default N)");
    return CDB_OK;
}

/* The references must exist; checked inside the write transaction. */
static int check_references(cdb *db, const cdb_container_input *in)
{
    int status = cm_require_row(db, node_exists_sql, in->node_id, "nodeId", "Nodes");

    if (status == CDB_OK && in->creation_job_id)
        status = cm_require_row(db, job_exists_sql, in->creation_job_id, "creationJobId", "Jobs");
    return status;
}

/* The owner logs in there: a name nobody has would give the container to
 * whoever takes that name later.  Checked when the owner is set. */
static int check_owner(cdb *db, const char *username)
{
    cdb_user *owner = NULL;
    int status = cdb_user_get_by_name(db, username, &owner);

    cdb_user_free(owner);
    if (status == CDB_ERR_NOTFOUND)
        status = cdb_fail(db, CDB_ERR_INVALID, "username",
                          "username '%s' is not a user (a container's owner must be one)",
                          username);
    return status;
}

/* Bind ?2..?12 of the insert and update statements. */
static int bind_container(cdb_sql_stmt *st, const cdb_container_input *in, const char *now)
{
    char mac[18];
    int brc = CDB_SQL_OK;
    int status = in->status == -1 ? CDB_CT_PENDING : in->status;

    if (in->mac_address)
        lower_mac(in->mac_address, mac);
    cm_bind(&brc, cdb_bind_text(st, 2, in->hostname));
    cm_bind(&brc, cdb_bind_text(st, 3, in->username));
    cm_bind(&brc, cdb_bind_text(st, 4, cdb_container_status_name((cdb_container_status)status)));
    cm_bind(&brc, cdb_bind_text(st, 5, in->template_name));
    cm_bind(&brc, cm_bind_id_or_null(st, 6, in->creation_job_id));
    cm_bind(&brc, cdb_bind_int64(st, 7, in->node_id));
    cm_bind(&brc, cm_bind_id_or_null(st, 8, in->container_id));
    /* cdb_bind_text may keep the pointer only for the call; mac is on our
     * stack, so make SQLite copy it. */
    cm_bind(&brc, in->mac_address ? cdb_bind_text(st, 9, mac)
                                  : cdb_bind_null(st, 9));
    cm_bind(&brc, cdb_bind_text(st, 10, in->ipv4_address));
    cm_bind(&brc, cdb_bind_text(st, 11, in->ai_container ? in->ai_container : "N"));
    cm_bind(&brc, cdb_bind_text(st, 12, now));
    return brc;
}

/* ---------------------------------------------------------------- CRUD */

/* Validate and insert inside the caller's transaction. */
static int insert_container(cdb *db, const cdb_container_input *in, int64_t *id_out)
{
    static const char sql[] =
        "INSERT INTO Containers (hostname, username, status, template, creationJobId, nodeId, "
        "containerId, macAddress, ipv4Address, aiContainer, createdAt, updatedAt) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)";
    cdb_sql_stmt *st = NULL;
    char now[32];
    int status;

    if ((status = check_references(db, in)) != CDB_OK ||
        (status = check_owner(db, in->username)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    cdb_now_iso(now);
    if ((status = cm_bind_status(db, bind_container(st, in, now))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    if ((status = cm_exec(db, st, "inserting the container")) == CDB_OK)
        *id_out = cdb_last_insert_id(db);
    return status;
}

int cdb_container_create(cdb *db, const cdb_container_input *in, int64_t *id_out)
{
    int64_t id = 0;
    int status;

    if (!in)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no container given");
    if ((status = validate_container(db, in)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    status = insert_container(db, in, &id);
    status = cm_tx_end(db, status);
    if (status == CDB_OK && id_out)
        *id_out = id;
    return status;
}

int cdb_container_create_queued(cdb *db, const cdb_container_input *in, int64_t *id_out,
                                int64_t *job_out)
{
    static const char link_sql[] = "UPDATE Containers SET creationJobId = ?2 WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    char name[128], resource[48];
    int64_t id = 0, job = 0;
    int status, brc = CDB_SQL_OK;

    if (!in)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no container given");
    if (in->status != -1 && in->status != CDB_CT_PENDING)
        return cdb_fail(db, CDB_ERR_INVALID, "status", "a container to create starts pending");
    if (in->container_id != 0 || in->creation_job_id != 0)
        return cdb_fail(db, CDB_ERR_INVALID, in->container_id ? "containerId" : "creationJobId",
                        "a container to create gets its CTID and job from the daemon");
    if ((status = validate_container(db, in)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = insert_container(db, in, &id)) != CDB_OK)
        goto done;
    /* The hostname is one DNS label (validated above): the name fits. */
    snprintf(name, sizeof(name), CDB_JOB_CONTAINER_CREATE " %s", in->hostname);
    snprintf(resource, sizeof(resource), CDB_JOB_RESOURCE_CONTAINER "%lld", (long long)id);
    if ((status = cm_job_insert(db, name, resource, &job)) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, link_sql, &st)) != CDB_OK)
        goto done;
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    cm_bind(&brc, cdb_bind_int64(st, 2, job));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec(db, st, "linking the container to its job");
done:
    status = cm_tx_end(db, status);
    if (status == CDB_OK) {
        if (id_out)
            *id_out = id;
        if (job_out)
            *job_out = job;
    }
    return status;
}

int cdb_container_get(cdb *db, int64_t id, cdb_container **out)
{
    static const char sql[] = "SELECT " CONTAINER_COLUMNS " FROM Containers WHERE id = ?1";
    void *item = NULL;
    int status = cm_get_id(db, sql, id, &container_model, &item);

    if (status == CDB_OK)
        *out = item;
    return status;
}

int cdb_container_get_by_hostname(cdb *db, const char *hostname, cdb_container **out)
{
    static const char sql[] = "SELECT " CONTAINER_COLUMNS " FROM Containers WHERE hostname = ?1";
    cdb_sql_stmt *st = NULL;
    void *item = NULL;
    int status;

    if (!hostname)
        return cdb_fail(db, CDB_ERR_INVALID, "hostname", "hostname is required");
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, cdb_bind_text(st, 1, hostname))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    status = cm_fetch_one(db, st, &container_model, &item);
    if (status == CDB_OK)
        *out = item;
    return status;
}

int cdb_container_list(cdb *db, int64_t node_id, cdb_container ***out, size_t *n_out)
{
    static const char sql[] = "SELECT " CONTAINER_COLUMNS
                              " FROM Containers WHERE ?1 = 0 OR nodeId = ?1 ORDER BY id";
    cm_vec vec = {0};
    int status = cm_list_id(db, sql, node_id, &container_model, &vec);

    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_container, out, n_out, container_model, status);
    return status;
}

int cdb_container_update(cdb *db, int64_t id, unsigned fields, const cdb_container_input *in)
{
    static const char sql[] =
        "UPDATE Containers SET hostname = ?2, username = ?3, status = ?4, template = ?5, "
        "creationJobId = ?6, nodeId = ?7, containerId = ?8, macAddress = ?9, ipv4Address = ?10, "
        "aiContainer = ?11, updatedAt = ?12 WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    cdb_container *cur = NULL;
    cdb_container_input m;
    char now[32];
    int status, brc;

    if (!in && fields)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no container given");
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_container_get(db, id, &cur)) != CDB_OK)
        goto done;
    m.hostname = (fields & CDB_CTF_HOSTNAME) ? in->hostname : cur->hostname;
    m.username = (fields & CDB_CTF_USERNAME) ? in->username : cur->username;
    m.status = (fields & CDB_CTF_STATUS) ? in->status : (int)cur->status;
    m.template_name = (fields & CDB_CTF_TEMPLATE) ? in->template_name : cur->template_name;
    m.creation_job_id =
        (fields & CDB_CTF_CREATION_JOB_ID) ? in->creation_job_id : cur->creation_job_id;
    m.node_id = (fields & CDB_CTF_NODE_ID) ? in->node_id : cur->node_id;
    m.container_id = (fields & CDB_CTF_CONTAINER_ID) ? in->container_id : cur->container_id;
    m.mac_address = (fields & CDB_CTF_MAC_ADDRESS) ? in->mac_address : cur->mac_address;
    m.ipv4_address = (fields & CDB_CTF_IPV4_ADDRESS) ? in->ipv4_address : cur->ipv4_address;
    m.ai_container = (fields & CDB_CTF_AI_CONTAINER) ? in->ai_container : cur->ai_container;
    if ((status = validate_container(db, &m)) != CDB_OK)
        goto done;
    if ((fields & (CDB_CTF_NODE_ID | CDB_CTF_CREATION_JOB_ID)) &&
        (status = check_references(db, &m)) != CDB_OK)
        goto done;
    if ((fields & CDB_CTF_USERNAME) && (status = check_owner(db, m.username)) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    brc = bind_container(st, &m, now);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec_one(db, st, "updating the container", "Containers", id);
    if (status == CDB_OK && (fields & CDB_CTF_NODE_ID))
        status = cm_check_http_sites(db, 0, id, 0, "nodeId");
done:
    status = cm_tx_end(db, status);
    cdb_container_free(cur);
    return status;
}

int cdb_container_delete(cdb *db, int64_t id)
{
    static const char sql[] = "DELETE FROM Containers WHERE id = ?1";
    int status;

    /* Services and their subtype rows go with it (ON DELETE CASCADE). */
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    status = cm_exec_id(db, sql, id, "deleting the container", "Containers");
    return cm_tx_end(db, status);
}

/* ------------------------------------------------------------- daemon */

int cdb_container_set_status(cdb *db, int64_t id, int expected, cdb_container_status new_status)
{
    static const char sql[] = "UPDATE Containers SET status = ?2, updatedAt = ?3 "
                              "WHERE id = ?1 AND (?4 IS NULL OR status = ?4)";
    cdb_sql_stmt *st = NULL;
    char now[32];
    int status, brc = CDB_SQL_OK;

    if ((status = check_status(db, (int)new_status)) != CDB_OK)
        return status;
    if (expected != -1 && (status = check_status(db, expected)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    cm_bind(&brc, cdb_bind_text(st, 2, cdb_container_status_name(new_status)));
    cm_bind(&brc, cdb_bind_text(st, 3, now));
    cm_bind(&brc, cdb_bind_text(st, 4, expected == -1 ? NULL
                                    : cdb_container_status_name((cdb_container_status)expected)));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec(db, st, "updating the container status")) != CDB_OK)
        goto done;
    if (cdb_changes(db) == 0) {
        /* Either the container is gone or another writer moved it first. */
        status = cm_require_row(db, container_exists_sql, id, "id", "Containers");
        if (status == CDB_OK)
            status = cdb_fail(db, CDB_ERR_CONFLICT, "status", "container %lld is no longer %s",
                              (long long)id,
                              cdb_container_status_name((cdb_container_status)expected));
        else if (status == CDB_ERR_CONSTRAINT)
            status = cdb_fail(db, CDB_ERR_NOTFOUND, "id", "no Containers row with id %lld",
                              (long long)id);
    }
done:
    return cm_tx_end(db, status);
}

int cdb_container_set_network(cdb *db, int64_t id, int64_t container_id, const char *mac_address,
                              const char *ipv4_address)
{
    static const char sql[] =
        "UPDATE Containers SET containerId = coalesce(?2, containerId), "
        "macAddress = coalesce(?3, macAddress), ipv4Address = coalesce(?4, ipv4Address), "
        "updatedAt = ?5 WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    char now[32], mac[18];
    int status, brc = CDB_SQL_OK;

    if ((status = check_ctid(db, container_id)) != CDB_OK ||
        (status = check_mac(db, mac_address)) != CDB_OK ||
        (status = cm_check_ipv4(db, "ipv4Address", ipv4_address, 0)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    if (mac_address)
        lower_mac(mac_address, mac);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    cm_bind(&brc, cm_bind_id_or_null(st, 2, container_id));
    cm_bind(&brc, mac_address ? cdb_bind_text(st, 3, mac)
                              : cdb_bind_null(st, 3));
    cm_bind(&brc, cdb_bind_text(st, 4, ipv4_address));
    cm_bind(&brc, cdb_bind_text(st, 5, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec_one(db, st, "recording the container's network", "Containers", id);
done:
    return cm_tx_end(db, status);
}
