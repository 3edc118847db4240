/*
 * jobs.c: Jobs (asynchronous operations run by the daemon) and JobStatuses
 * (their progress messages).  Status changes can be compare-and-set so that
 * two daemons never both pick up the same pending job.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"

#define JOB_COLUMNS                                                                         \
    "id, name, associatedResource, status, createdAt, updatedAt, targetHostname, "          \
    "targetNodeId, targetContainerId, leaseOwner, leaseExpiresAt, targetCreatedAt"

/* SELECT column i of JOB_COLUMNS lands in job_fields[i]. */
static const cm_field job_fields[] = {
    CM_FIELD(CM_INT64, cdb_job, id),
    CM_FIELD(CM_TEXT, cdb_job, name),
    CM_FIELD(CM_TEXT, cdb_job, associated_resource),
    CM_ENUM_FIELD(cdb_job, status, cm_job_status_enum),
    CM_FIELD(CM_TEXT, cdb_job, created_at),
    CM_FIELD(CM_TEXT, cdb_job, updated_at),
    CM_FIELD(CM_TEXT, cdb_job, target_hostname),
    CM_FIELD(CM_INT64, cdb_job, target_node_id),
    CM_FIELD(CM_INT64, cdb_job, target_container_id),
    CM_FIELD(CM_TEXT, cdb_job, lease_owner),
    CM_FIELD(CM_TEXT, cdb_job, lease_expires_at),
    CM_FIELD(CM_TEXT, cdb_job, target_created_at),
};
static const cm_model job_model = CM_MODEL("job", cdb_job, job_fields);

CM_MODEL_FREE_FUNCTIONS(job_model, cdb_job, cdb_job_free, cdb_job_array_free)

static int check_job_status(cdb *db, int status)
{
    if (!cdb_job_status_name((cdb_job_status)status))
        return cdb_fail(db, CDB_ERR_INVALID, "status",
                        "status must be pending, running, success, failure or cancelled");
    return CDB_OK;
}

int cdb_job_is_kind(const char *job_name, const char *kind)
{
    size_t len = job_name ? strcspn(job_name, " ") : 0;

    return len > 0 && len == strlen(kind) && strncmp(job_name, kind, len) == 0;
}

int64_t cdb_job_resource_id(const char *resource, const char *prefix)
{
    size_t prefix_len = strlen(prefix);
    char *end;
    long long id;

    if (resource == NULL || strncmp(resource, prefix, prefix_len) != 0 ||
        resource[prefix_len] < '1' || resource[prefix_len] > '9')
        return 0;
    errno = 0;
    id = strtoll(resource + prefix_len, &end, 10);
    if (errno != 0 || *end != '\0' || id <= 0)
        return 0;
    return (int64_t)id;
}

int64_t cdb_job_container_resource(const char *resource)
{
    return cdb_job_resource_id(resource, CDB_JOB_RESOURCE_CONTAINER);
}

/* Copy the container's identity into the job (inside the caller's transaction). */
static int snapshot_target(cdb *db, int64_t job_id, int64_t container_id)
{
    /* One subquery per column: MariaDB has no row-valued SET. */
    static const char sql[] =
        "UPDATE Jobs SET targetHostname = (SELECT hostname FROM Containers WHERE id = ?2), "
        "targetNodeId = (SELECT nodeId FROM Containers WHERE id = ?2), "
        "targetContainerId = (SELECT containerId FROM Containers WHERE id = ?2), "
        "targetCreatedAt = (SELECT createdAt FROM Containers WHERE id = ?2) "
        "WHERE id = ?1";
    static const char exists_sql[] = "SELECT 1 FROM Containers WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    int status, brc = CDB_SQL_OK;

    /* A job for a container that does not exist would act on whatever
     * takes the id later: refuse it now. */
    status = cm_require_row(db, exists_sql, container_id, "associatedResource", "Containers");
    if (status != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    cm_bind(&brc, cdb_bind_int64(st, 1, job_id));
    cm_bind(&brc, cdb_bind_int64(st, 2, container_id));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    return cm_exec(db, st, "recording the job's target");
}

int cm_job_insert(cdb *db, const char *name, const char *associated_resource, int64_t *id_out)
{
    static const char sql[] = "INSERT INTO Jobs (name, associatedResource, status, createdAt, "
                              "updatedAt) VALUES (?1, ?2, 'pending', ?3, ?3)";
    cdb_sql_stmt *st = NULL;
    char now[32];
    int64_t id, container;
    int status, brc = CDB_SQL_OK;

    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    cdb_now_iso(now);
    cm_bind(&brc, cdb_bind_text(st, 1, name));
    cm_bind(&brc, cdb_bind_text(st, 2, associated_resource));
    cm_bind(&brc, cdb_bind_text(st, 3, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    if ((status = cm_exec(db, st, "inserting the job")) != CDB_OK)
        return status;
    id = cdb_last_insert_id(db);
    container = cdb_job_container_resource(associated_resource);
    if (container != 0 && (status = snapshot_target(db, id, container)) != CDB_OK)
        return status;
    *id_out = id;
    return CDB_OK;
}

int cdb_job_create(cdb *db, const char *name, const char *associated_resource, int64_t *id_out)
{
    int64_t id = 0;
    int status;

    if ((status = cm_check_text(db, "name", name, 1, CDB_MAX_TEXT)) != CDB_OK ||
        (status = cm_check_text(db, "associatedResource", associated_resource, 0, CDB_MAX_TEXT)) !=
            CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    status = cm_job_insert(db, name, associated_resource, &id);
    status = cm_tx_end(db, status);
    if (status == CDB_OK && id_out)
        *id_out = id;
    return status;
}

int cdb_job_get(cdb *db, int64_t id, cdb_job **out)
{
    static const char sql[] = "SELECT " JOB_COLUMNS " FROM Jobs WHERE id = ?1";
    void *item = NULL;
    int status = cm_get_id(db, sql, id, &job_model, &item);

    if (status == CDB_OK)
        *out = item;
    return status;
}

int cdb_job_list(cdb *db, int status_filter, cdb_job ***out, size_t *n_out)
{
    static const char sql_all[] = "SELECT " JOB_COLUMNS " FROM Jobs ORDER BY id";
    static const char sql_status[] =
        "SELECT " JOB_COLUMNS " FROM Jobs WHERE status = ?1 ORDER BY id";
    cdb_sql_stmt *st = NULL;
    cm_vec vec = {0};
    int status;

    if (status_filter != -1 && (status = check_job_status(db, status_filter)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, status_filter == -1 ? sql_all : sql_status, &st)) != CDB_OK)
        return status;
    if (status_filter != -1 &&
        (status = cm_bind_status(
             db, cdb_bind_text(st, 1, cdb_job_status_name((cdb_job_status)status_filter)))) !=
            CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    status = cm_collect(db, st, &job_model, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_job, out, n_out, job_model, status);
    return status;
}

int cdb_job_set_status(cdb *db, int64_t id, int expected, cdb_job_status new_status)
{
    static const char sql[] = "UPDATE Jobs SET status = ?2, updatedAt = ?3 "
                              "WHERE id = ?1 AND (?4 IS NULL OR status = ?4)";
    static const char exists_sql[] = "SELECT 1 FROM Jobs WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    char now[32];
    int status, brc = CDB_SQL_OK;

    if ((status = check_job_status(db, (int)new_status)) != CDB_OK)
        return status;
    if (expected != -1 && (status = check_job_status(db, expected)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    cm_bind(&brc, cdb_bind_text(st, 2, cdb_job_status_name(new_status)));
    cm_bind(&brc, cdb_bind_text(st, 3, now));
    cm_bind(&brc, cdb_bind_text(st, 4, expected == -1 ? NULL
                                                       : cdb_job_status_name((cdb_job_status)expected)));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec(db, st, "updating the job status")) != CDB_OK)
        goto done;
    if (cdb_changes(db) == 0) {
        /* Either the job is gone or someone else moved it first. */
        status = cm_require_row(db, exists_sql, id, "id", "Jobs");
        if (status == CDB_OK)
            status = cdb_fail(db, CDB_ERR_CONFLICT, "status",
                              "job %lld is no longer %s", (long long)id,
                              cdb_job_status_name((cdb_job_status)expected));
        else if (status == CDB_ERR_CONSTRAINT)
            status = cdb_fail(db, CDB_ERR_NOTFOUND, "id", "no Jobs row with id %lld",
                              (long long)id);
    }
done:
    return cm_tx_end(db, status);
}

/*
 * Run one compare-and-set UPDATE of a job: ?1 id, ?2 now, ?3 owner, ?4 the
 * new lease expiry, ?5 a status name.  No row changed: CDB_ERR_NOTFOUND for
 * a missing job, else CDB_ERR_CONFLICT saying the job is not `expected`.
 * Inside the caller's transaction.  Every statement names all five
 * parameters (unused ones as "?n IS NULL") so that binding never fails with
 * an index out of range.
 */
static int job_cas(cdb *db, const char *sql, int64_t id, const char *owner, long lease_ms,
                   const char *status_name, const char *expected)
{
    static const char exists_sql[] = "SELECT status FROM Jobs WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    char now[32], expires[32];
    int status, brc = CDB_SQL_OK;

    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    cdb_now_iso(now);
    cdb_iso_from_now(expires, lease_ms);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    cm_bind(&brc, cdb_bind_text(st, 2, now));
    cm_bind(&brc, cdb_bind_text(st, 3, owner));
    cm_bind(&brc, cdb_bind_text(st, 4, expires));
    cm_bind(&brc, cdb_bind_text(st, 5, status_name));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    if ((status = cm_exec(db, st, "updating the job")) != CDB_OK)
        return status;
    if (cdb_changes(db) > 0)
        return CDB_OK;
    if ((status = cdb_stmt(db, exists_sql, &st)) != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, cdb_bind_int64(st, 1, id))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    if (cdb_step(st) == CDB_SQL_ROW) {
        char current[16];
        snprintf(current, sizeof(current), "%s", cdb_col_text(st, 0));
        cdb_stmt_done(st);
        return cdb_fail(db, CDB_ERR_CONFLICT, "status", "job %lld is %s, not %s", (long long)id,
                        current, expected);
    }
    cdb_stmt_done(st);
    return cdb_fail(db, CDB_ERR_NOTFOUND, "id", "no Jobs row with id %lld", (long long)id);
}

/* job_cas in a transaction of its own. */
static int job_cas_tx(cdb *db, const char *sql, int64_t id, const char *owner, long lease_ms,
                      const char *status_name, const char *expected)
{
    int status;

    if (owner != NULL && (status = cm_check_text(db, "leaseOwner", owner, 1, 256)) != CDB_OK)
        return status;
    if (lease_ms < 0)
        return cdb_fail(db, CDB_ERR_INVALID, "leaseExpiresAt", "a lease cannot be negative");
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    status = job_cas(db, sql, id, owner, lease_ms, status_name, expected);
    return cm_tx_end(db, status);
}

int cdb_job_claim(cdb *db, int64_t id, const char *owner, long lease_ms)
{
    static const char sql[] =
        "UPDATE Jobs SET status = 'running', leaseOwner = ?3, leaseExpiresAt = ?4, "
        "updatedAt = ?2 WHERE id = ?1 AND status = 'pending' AND ?5 IS NULL";

    if (owner == NULL)
        return cdb_fail(db, CDB_ERR_INVALID, "leaseOwner", "a claim needs an owner");
    return job_cas_tx(db, sql, id, owner, lease_ms, NULL, "pending");
}

int cdb_job_renew(cdb *db, int64_t id, const char *owner, long lease_ms)
{
    static const char sql[] =
        "UPDATE Jobs SET leaseExpiresAt = ?4 WHERE id = ?1 AND status = 'running' "
        "AND leaseOwner = ?3 AND ?5 IS NULL AND ?2 IS NOT NULL";

    if (owner == NULL)
        return cdb_fail(db, CDB_ERR_INVALID, "leaseOwner", "a renewal needs an owner");
    return job_cas_tx(db, sql, id, owner, lease_ms, NULL, "running under this daemon's lease");
}

int cdb_job_finish(cdb *db, int64_t id, const char *owner, cdb_job_status final)
{
    static const char sql[] =
        "UPDATE Jobs SET status = ?5, leaseOwner = NULL, leaseExpiresAt = NULL, updatedAt = ?2 "
        "WHERE id = ?1 AND status = 'running' AND leaseOwner = ?3 AND ?4 IS NOT NULL";

    if (final != CDB_JOB_SUCCESS && final != CDB_JOB_FAILURE)
        return cdb_fail(db, CDB_ERR_INVALID, "status", "a job finishes with success or failure");
    if (owner == NULL)
        return cdb_fail(db, CDB_ERR_INVALID, "leaseOwner", "finishing needs the owner");
    return job_cas_tx(db, sql, id, owner, 0, cdb_job_status_name(final),
                      "running under this daemon's lease");
}

int cdb_job_take_over(cdb *db, const cdb_job *seen, const char *owner, long lease_ms)
{
    static const char sql[] =
        "UPDATE Jobs SET leaseOwner = ?3, leaseExpiresAt = ?4, updatedAt = ?2 "
        "WHERE id = ?1 AND status = 'running' AND leaseOwner IS ?6 AND leaseExpiresAt IS ?7 "
        "AND ?5 IS NULL";
    cdb_sql_stmt *st = NULL;
    char now[32], expires[32];
    int status, brc = CDB_SQL_OK;

    if (seen == NULL || owner == NULL)
        return cdb_fail(db, CDB_ERR_INVALID, "leaseOwner", "taking over needs the job and an owner");
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cdb_iso_from_now(expires, lease_ms);
    cm_bind(&brc, cdb_bind_int64(st, 1, seen->id));
    cm_bind(&brc, cdb_bind_text(st, 2, now));
    cm_bind(&brc, cdb_bind_text(st, 3, owner));
    cm_bind(&brc, cdb_bind_text(st, 4, expires));
    cm_bind(&brc, cdb_bind_null(st, 5));
    cm_bind(&brc, cdb_bind_text(st, 6, seen->lease_owner));
    cm_bind(&brc, cdb_bind_text(st, 7, seen->lease_expires_at));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec(db, st, "taking over the job")) == CDB_OK &&
        cdb_changes(db) == 0)
        status = cdb_fail(db, CDB_ERR_CONFLICT, "status",
                          "job %lld is no longer running under the lease that expired",
                          (long long)seen->id);
done:
    return cm_tx_end(db, status);
}

int cdb_job_lease_expired(const cdb_job *job)
{
    char now[32];

    if (job->lease_owner == NULL || job->lease_expires_at == NULL)
        return 1;
    cdb_now_iso(now);
    /* Both stamps have the same fixed-width shape: text order is time order. */
    return strcmp(job->lease_expires_at, now) < 0;
}

int cdb_job_set_target(cdb *db, int64_t id, const cdb_container *target)
{
    static const char sql[] = "UPDATE Jobs SET targetHostname = ?2, targetNodeId = ?3, "
                              "targetContainerId = ?4, targetCreatedAt = ?5 WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    int status, brc = CDB_SQL_OK;

    if (target == NULL)
        return cdb_fail(db, CDB_ERR_INVALID, "targetHostname", "no container given");
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    cm_bind(&brc, cdb_bind_text(st, 2, target->hostname));
    cm_bind(&brc, cm_bind_id_or_null(st, 3, target->node_id));
    cm_bind(&brc, cm_bind_id_or_null(st, 4, target->container_id));
    cm_bind(&brc, cdb_bind_text(st, 5, target->created_at));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec_one(db, st, "recording the job's target", "Jobs", id);
done:
    return cm_tx_end(db, status);
}

int cdb_job_cancel(cdb *db, int64_t id)
{
    static const char sql[] =
        "UPDATE Jobs SET status = 'cancelled', leaseOwner = NULL, leaseExpiresAt = NULL, "
        "updatedAt = ?2 WHERE id = ?1 AND status IN ('pending', 'running') "
        "AND ?3 IS NULL AND ?4 IS NOT NULL AND ?5 IS NULL";

    return job_cas_tx(db, sql, id, NULL, 0, NULL, "pending or running");
}

int cdb_job_retry(cdb *db, int64_t id)
{
    static const char sql[] =
        "UPDATE Jobs SET status = 'pending', leaseOwner = NULL, leaseExpiresAt = NULL, "
        "updatedAt = ?2 WHERE id = ?1 AND status IN ('failure', 'cancelled') "
        "AND ?3 IS NULL AND ?4 IS NOT NULL AND ?5 IS NULL";
    /* The container a failed create left behind is pending again: the next
     * run adopts the CT it may have cloned (docs/daemon.md). */
    /* Only the row the job was queued for: a look-alike keeps its state
     * (the daemon will refuse the job). */
    static const char container_sql[] =
        "UPDATE Containers SET status = 'pending', updatedAt = ?2 "
        "WHERE id = ?1 AND status = 'failed' "
        "AND (?3 IS NULL OR (hostname = ?3 AND createdAt IS ?4))";
    static const char retry_message_sql[] =
        "INSERT INTO JobStatuses (jobId, message, createdAt, updatedAt) "
        "VALUES (?1, 'queued again (retry)', ?2, ?2)";
    cdb_job *job = NULL;
    cdb_sql_stmt *st = NULL;
    char now[32];
    int status, brc = CDB_SQL_OK;

    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = job_cas(db, sql, id, NULL, 0, NULL, "failure or cancelled")) != CDB_OK)
        goto done;
    if ((status = cdb_job_get(db, id, &job)) != CDB_OK)
        goto done;
    if (cdb_job_is_kind(job->name, CDB_JOB_CONTAINER_CREATE)) {
        int64_t container = cdb_job_container_resource(job->associated_resource);

        if (container != 0) {
            if ((status = cdb_stmt(db, container_sql, &st)) != CDB_OK)
                goto done;
            cdb_now_iso(now);
            cm_bind(&brc, cdb_bind_int64(st, 1, container));
            cm_bind(&brc, cdb_bind_text(st, 2, now));
            cm_bind(&brc, cdb_bind_text(st, 3, job->target_hostname));
            cm_bind(&brc, cdb_bind_text(st, 4, job->target_created_at));
            if ((status = cm_bind_status(db, brc)) != CDB_OK) {
                cdb_stmt_done(st);
                goto done;
            }
            if ((status = cm_exec(db, st, "resetting the failed container")) != CDB_OK)
                goto done;
        }
    }
    brc = CDB_SQL_OK;
    if ((status = cdb_stmt(db, retry_message_sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    cm_bind(&brc, cdb_bind_text(st, 2, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec(db, st, "recording the retry");
done:
    cdb_job_free(job);
    return cm_tx_end(db, status);
}

int cdb_job_delete(cdb *db, int64_t id)
{
    static const char running_sql[] = "SELECT 1 FROM Jobs WHERE id = ?1 AND status = 'running'";
    static const char statuses_sql[] = "DELETE FROM JobStatuses WHERE jobId = ?1";
    static const char unlink_sql[] =
        "UPDATE Containers SET creationJobId = NULL WHERE creationJobId = ?1";
    static const char sql[] = "DELETE FROM Jobs WHERE id = ?1";
    int status;

    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    /* A daemon is acting on it: deleting the row would hide what it does. */
    if (cm_require_row(db, running_sql, id, "status", "Jobs") == CDB_OK) {
        status = cdb_fail(db, CDB_ERR_CONFLICT, "status",
                          "job %lld is running; cancel it first (job cancel)", (long long)id);
        goto end;
    }
    /* The schema cascades / sets NULL too; doing it explicitly keeps this
     * correct even on a connection where foreign keys were switched off. */
    status = cm_exec_id(db, statuses_sql, id, "deleting the job's statuses", "JobStatuses");
    if (status == CDB_ERR_NOTFOUND)
        status = CDB_OK; /* a job without messages */
    if (status == CDB_OK)
        status = cm_exec_id(db, unlink_sql, id, "unlinking the job's containers", "Containers");
    if (status == CDB_ERR_NOTFOUND)
        status = CDB_OK; /* a job that created no container */
    if (status == CDB_OK)
        status = cm_exec_id(db, sql, id, "deleting the job", "Jobs");
end:
    return cm_tx_end(db, status);
}

/* ----------------------------------------------------------- JobStatuses */

/* SELECT id, jobId, message, createdAt */
static const cm_field message_fields[] = {
    CM_FIELD(CM_INT64, cdb_job_message, id),
    CM_FIELD(CM_INT64, cdb_job_message, job_id),
    CM_FIELD(CM_TEXT, cdb_job_message, message),
    CM_FIELD(CM_TEXT, cdb_job_message, created_at),
};
static const cm_model message_model = CM_MODEL("job message", cdb_job_message, message_fields);

CM_MODEL_ARRAY_FREE_FUNCTION(message_model, cdb_job_message, cdb_job_message_array_free)

int cdb_job_message_append(cdb *db, int64_t job_id, const char *message, int64_t *id_out)
{
    static const char job_exists_sql[] = "SELECT 1 FROM Jobs WHERE id = ?1";
    static const char sql[] = "INSERT INTO JobStatuses (jobId, message, createdAt, updatedAt) "
                              "VALUES (?1, ?2, ?3, ?3)";
    static const char touch_sql[] = "UPDATE Jobs SET updatedAt = ?2 WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    char now[32];
    int64_t id = 0;
    int status, brc = CDB_SQL_OK;

    if ((status = cm_check_multiline(db, "message", message, 1, CDB_MAX_JOB_MESSAGE)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cm_require_row(db, job_exists_sql, job_id, "jobId", "Jobs")) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, cdb_bind_int64(st, 1, job_id));
    cm_bind(&brc, cdb_bind_text(st, 2, message));
    cm_bind(&brc, cdb_bind_text(st, 3, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec(db, st, "inserting the job status")) != CDB_OK)
        goto done;
    id = cdb_last_insert_id(db);
    if ((status = cdb_stmt(db, touch_sql, &st)) != CDB_OK)
        goto done;
    brc = CDB_SQL_OK;
    cm_bind(&brc, cdb_bind_int64(st, 1, job_id));
    cm_bind(&brc, cdb_bind_text(st, 2, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec(db, st, "touching the job");
done:
    status = cm_tx_end(db, status);
    if (status == CDB_OK && id_out)
        *id_out = id;
    return status;
}

int cdb_job_message_list(cdb *db, int64_t job_id, int64_t after_id, cdb_job_message ***out,
                         size_t *n_out)
{
    static const char sql[] = "SELECT id, jobId, message, createdAt FROM JobStatuses "
                              "WHERE jobId = ?1 AND id > ?2 ORDER BY id";
    cdb_sql_stmt *st = NULL;
    cm_vec vec = {0};
    int status, brc = CDB_SQL_OK;

    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    cm_bind(&brc, cdb_bind_int64(st, 1, job_id));
    cm_bind(&brc, cdb_bind_int64(st, 2, after_id));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    status = cm_collect(db, st, &message_model, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_job_message, out, n_out, message_model, status);
    return status;
}
