/*
 * jobs.c: Jobs (asynchronous operations run by the daemon) and JobStatuses
 * (their progress messages).  Status changes can be compare-and-set so that
 * two daemons never both pick up the same pending job.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"

#define JOB_COLUMNS "id, name, associatedResource, status, createdAt, updatedAt"

void cdb_job_free(cdb_job *job)
{
    if (!job)
        return;
    free(job->name);
    free(job->associated_resource);
    free(job->created_at);
    free(job->updated_at);
    free(job);
}

void cdb_job_array_free(cdb_job **jobs, size_t n)
{
    if (!jobs)
        return;
    for (size_t i = 0; i < n; i++)
        cdb_job_free(jobs[i]);
    free(jobs);
}

static void job_free_v(void *p)
{
    cdb_job_free(p);
}

static int job_row(sqlite3_stmt *st, void **out)
{
    cdb_job *j = calloc(1, sizeof *j);
    cdb_job_status status = CDB_JOB_PENDING;

    if (!j)
        return -1;
    j->id = sqlite3_column_int64(st, 0);
    /* The CHECK constraint keeps the column to the known names. */
    (void)cdb_job_status_parse((const char *)sqlite3_column_text(st, 3), &status);
    j->status = status;
    if (cm_col(st, 1, &j->name) || cm_col(st, 2, &j->associated_resource) ||
        cm_col(st, 4, &j->created_at) || cm_col(st, 5, &j->updated_at)) {
        cdb_job_free(j);
        return -1;
    }
    *out = j;
    return 0;
}

static int check_job_status(cdb *db, int status)
{
    if (!cdb_job_status_name((cdb_job_status)status))
        return cdb_fail(db, CDB_ERR_INVALID, "status",
                        "status must be pending, running, success, failure or cancelled");
    return CDB_OK;
}

int cdb_job_create(cdb *db, const char *name, const char *associated_resource, int64_t *id_out)
{
    static const char sql[] = "INSERT INTO Jobs (name, associatedResource, status, createdAt, "
                              "updatedAt) VALUES (?1, ?2, 'pending', ?3, ?3)";
    sqlite3_stmt *st = NULL;
    char now[32];
    int64_t id = 0;
    int status, brc = SQLITE_OK;

    if ((status = cm_check_text(db, "name", name, 1, CDB_MAX_TEXT)) != CDB_OK ||
        (status = cm_check_text(db, "associatedResource", associated_resource, 0, CDB_MAX_TEXT)) !=
            CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, cdb_bind_text(st, 1, name));
    cm_bind(&brc, cdb_bind_text(st, 2, associated_resource));
    cm_bind(&brc, cdb_bind_text(st, 3, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec(db, st, "inserting the job")) == CDB_OK)
        id = sqlite3_last_insert_rowid(cdb_sqlite(db));
done:
    status = cm_tx_end(db, status);
    if (status == CDB_OK && id_out)
        *id_out = id;
    return status;
}

int cdb_job_get(cdb *db, int64_t id, cdb_job **out)
{
    static const char sql[] = "SELECT " JOB_COLUMNS " FROM Jobs WHERE id = ?1";
    void *item = NULL;
    int status = cm_get_id(db, sql, id, job_row, &item, "job");

    if (status == CDB_OK)
        *out = item;
    return status;
}

int cdb_job_list(cdb *db, int status_filter, cdb_job ***out, size_t *n_out)
{
    static const char sql_all[] = "SELECT " JOB_COLUMNS " FROM Jobs ORDER BY id";
    static const char sql_status[] =
        "SELECT " JOB_COLUMNS " FROM Jobs WHERE status = ?1 ORDER BY id";
    sqlite3_stmt *st = NULL;
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
    status = cm_collect(db, st, job_row, job_free_v, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_job, out, n_out, job_free_v, status);
    return status;
}

int cdb_job_set_status(cdb *db, int64_t id, int expected, cdb_job_status new_status)
{
    static const char sql[] = "UPDATE Jobs SET status = ?2, updatedAt = ?3 "
                              "WHERE id = ?1 AND (?4 IS NULL OR status = ?4)";
    static const char exists_sql[] = "SELECT 1 FROM Jobs WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    char now[32];
    int status, brc = SQLITE_OK;

    if ((status = check_job_status(db, (int)new_status)) != CDB_OK)
        return status;
    if (expected != -1 && (status = check_job_status(db, expected)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, sqlite3_bind_int64(st, 1, id));
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
    if (sqlite3_changes(cdb_sqlite(db)) == 0) {
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

int cdb_job_delete(cdb *db, int64_t id)
{
    static const char statuses_sql[] = "DELETE FROM JobStatuses WHERE jobId = ?1";
    static const char unlink_sql[] =
        "UPDATE Containers SET creationJobId = NULL WHERE creationJobId = ?1";
    static const char sql[] = "DELETE FROM Jobs WHERE id = ?1";
    int status;

    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
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
    return cm_tx_end(db, status);
}

/* ----------------------------------------------------------- JobStatuses */

void cdb_job_message_array_free(cdb_job_message **messages, size_t n)
{
    if (!messages)
        return;
    for (size_t i = 0; i < n; i++) {
        if (!messages[i])
            continue;
        free(messages[i]->message);
        free(messages[i]->created_at);
        free(messages[i]);
    }
    free(messages);
}

static void message_free_v(void *p)
{
    cdb_job_message *m = p;

    if (!m)
        return;
    free(m->message);
    free(m->created_at);
    free(m);
}

static int message_row(sqlite3_stmt *st, void **out)
{
    cdb_job_message *m = calloc(1, sizeof *m);

    if (!m)
        return -1;
    m->id = sqlite3_column_int64(st, 0);
    m->job_id = sqlite3_column_int64(st, 1);
    if (cm_col(st, 2, &m->message) || cm_col(st, 3, &m->created_at)) {
        message_free_v(m);
        return -1;
    }
    *out = m;
    return 0;
}

int cdb_job_message_append(cdb *db, int64_t job_id, const char *message, int64_t *id_out)
{
    static const char job_exists_sql[] = "SELECT 1 FROM Jobs WHERE id = ?1";
    static const char sql[] = "INSERT INTO JobStatuses (jobId, message, createdAt, updatedAt) "
                              "VALUES (?1, ?2, ?3, ?3)";
    static const char touch_sql[] = "UPDATE Jobs SET updatedAt = ?2 WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    char now[32];
    int64_t id = 0;
    int status, brc = SQLITE_OK;

    if ((status = cm_check_multiline(db, "message", message, 1, CDB_MAX_JOB_MESSAGE)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cm_require_row(db, job_exists_sql, job_id, "jobId", "Jobs")) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, sqlite3_bind_int64(st, 1, job_id));
    cm_bind(&brc, cdb_bind_text(st, 2, message));
    cm_bind(&brc, cdb_bind_text(st, 3, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec(db, st, "inserting the job status")) != CDB_OK)
        goto done;
    id = sqlite3_last_insert_rowid(cdb_sqlite(db));
    if ((status = cdb_stmt(db, touch_sql, &st)) != CDB_OK)
        goto done;
    brc = SQLITE_OK;
    cm_bind(&brc, sqlite3_bind_int64(st, 1, job_id));
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
    sqlite3_stmt *st = NULL;
    cm_vec vec = {0};
    int status, brc = SQLITE_OK;

    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    cm_bind(&brc, sqlite3_bind_int64(st, 1, job_id));
    cm_bind(&brc, sqlite3_bind_int64(st, 2, after_id));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    status = cm_collect(db, st, message_row, message_free_v, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_job_message, out, n_out, message_free_v, status);
    return status;
}
