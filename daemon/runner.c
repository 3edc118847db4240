/* Finding, claiming and running pending jobs (see clusterdbd.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "clusterdbd.h"

enum job_action { ACTION_UNKNOWN, ACTION_CONTAINER_CREATE, ACTION_CONTAINER_DELETE, ACTION_CERTIFICATE };

/* The first word of Jobs.name. */
static enum job_action job_action(const char *name)
{
    size_t len = name ? strcspn(name, " ") : 0;
    if (len == strlen(JOB_CONTAINER_CREATE) && strncmp(name, JOB_CONTAINER_CREATE, len) == 0)
        return ACTION_CONTAINER_CREATE;
    if (len == strlen(JOB_CONTAINER_DELETE) && strncmp(name, JOB_CONTAINER_DELETE, len) == 0)
        return ACTION_CONTAINER_DELETE;
    if (len == strlen(JOB_CERTIFICATE) && strncmp(name, JOB_CERTIFICATE, len) == 0)
        return ACTION_CERTIFICATE;
    return ACTION_UNKNOWN;
}

/* "container:<id>" -> id; 0 when it is not that shape. */
static int64_t container_resource(const char *resource)
{
    size_t prefix = strlen(JOB_RESOURCE_CONTAINER);
    char *end;
    long long id;

    if (resource == NULL || strncmp(resource, JOB_RESOURCE_CONTAINER, prefix) != 0 ||
        resource[prefix] < '1' || resource[prefix] > '9')
        return 0;
    errno = 0;
    id = strtoll(resource + prefix, &end, 10);
    if (errno != 0 || *end != '\0' || id <= 0)
        return 0;
    return (int64_t)id;
}

/* A create job may also be found from the container's side (creationJobId),
 * for rows written without an associatedResource. */
static int64_t container_created_by(cdb *db, int64_t job_id)
{
    cdb_container **containers = NULL;
    size_t n = 0;
    int64_t found = 0;

    if (cdb_container_list(db, 0, &containers, &n) != CDB_OK)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (containers[i]->creation_job_id == job_id) {
            found = containers[i]->id;
            break;
        }
    cdb_container_array_free(containers, n);
    return found;
}

void job_say(struct job_run *run, const char *fmt, ...)
{
    char message[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    dlog("info", "job %lld (%s): %s", (long long)run->job->id, run->job->name, message);
    if (cdb_job_message_append(run->db, run->job->id, message, NULL) != CDB_OK)
        dlog("error", "job %lld: cannot record a progress message: %s", (long long)run->job->id,
             cdb_errmsg(run->db));
}

int job_cancelled(struct job_run *run)
{
    cdb_job *now = NULL;
    int cancelled = 0;

    if (cdb_job_get(run->db, run->job->id, &now) == CDB_OK)
        cancelled = now->status == CDB_JOB_CANCELLED;
    cdb_job_free(now);
    return cancelled;
}

/* Remember the unknown jobs already reported, so each is logged once. */
static int first_sighting(int64_t job_id)
{
    static int64_t seen[256];
    static size_t n_seen;

    for (size_t i = 0; i < n_seen; i++)
        if (seen[i] == job_id)
            return 0;
    if (n_seen < sizeof(seen) / sizeof(seen[0]))
        seen[n_seen++] = job_id;
    return 1;
}

static int finish(struct job_run *run, int succeeded)
{
    cdb_job_status final = succeeded ? CDB_JOB_SUCCESS : CDB_JOB_FAILURE;
    int rc = cdb_job_set_status(run->db, run->job->id, CDB_JOB_RUNNING, final);

    if (rc == CDB_ERR_CONFLICT && job_cancelled(run))
        dlog("info", "job %lld (%s): cancelled", (long long)run->job->id, run->job->name);
    else if (rc != CDB_OK)
        dlog("error", "job %lld: cannot record its end (%s): %s", (long long)run->job->id,
             cdb_job_status_name(final), cdb_errmsg(run->db));
    else
        dlog("info", "job %lld (%s): %s", (long long)run->job->id, run->job->name,
             cdb_job_status_name(final));
    return rc;
}

static void run_one(cdb *db, const struct daemon_config *config, cdb_job *job,
                    enum job_action action)
{
    struct job_run run = {.db = db, .config = config, .job = job};
    int64_t container = container_resource(job->associated_resource);
    int rc;

    if (container == 0 && action == ACTION_CONTAINER_CREATE)
        container = container_created_by(db, job->id);

    /* The claim: only one daemon turns this pending job into running. */
    rc = cdb_job_set_status(db, job->id, CDB_JOB_PENDING, CDB_JOB_RUNNING);
    if (rc == CDB_ERR_CONFLICT || rc == CDB_ERR_NOTFOUND)
        return; /* another daemon took it, or it was cancelled or deleted meanwhile */
    if (rc != CDB_OK) {
        dlog("error", "job %lld: cannot claim it: %s", (long long)job->id, cdb_errmsg(db));
        return;
    }
    dlog("info", "job %lld (%s): claimed", (long long)job->id, job->name);
    if (action == ACTION_CERTIFICATE) {
        finish(&run, certificate_job(&run) == CDB_OK);
        return;
    }

    if (container == 0) {
        job_say(&run, "failed: associatedResource must be %s<id>, not %s", JOB_RESOURCE_CONTAINER,
                job->associated_resource ? job->associated_resource : "(none)");
        finish(&run, 0);
        return;
    }
    if (action == ACTION_CONTAINER_CREATE)
        rc = container_create_job(&run, container);
    else
        rc = container_delete_job(&run, container);
    finish(&run, rc == CDB_OK);
}

int run_pending_jobs(cdb *db, const struct daemon_config *config)
{
    cdb_job **jobs = NULL;
    size_t n = 0;
    int ran = 0;
    int rc = cdb_job_list(db, CDB_JOB_PENDING, &jobs, &n);

    if (rc != CDB_OK) {
        dlog("error", "cannot list pending jobs: %s", cdb_errmsg(db));
        return rc;
    }
    for (size_t i = 0; i < n && !daemon_stopping; i++) {
        enum job_action action = job_action(jobs[i]->name);
        if (action == ACTION_UNKNOWN) {
            /* Left pending: another runner may know it. */
            if (first_sighting(jobs[i]->id))
                dlog("warning", "job %lld: unknown job name \"%s\"; left pending",
                     (long long)jobs[i]->id, jobs[i]->name);
            continue;
        }
        /* A certificate is installed where its site's nginx reads it. */
        if (action == ACTION_CERTIFICATE && !certificate_job_is_ours(db, config, jobs[i]))
            continue;
        run_one(db, config, jobs[i], action);
        ran++;
    }
    cdb_job_array_free(jobs, n);
    return ran;
}
