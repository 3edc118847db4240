/* The progress trail of one running job: its JobStatuses messages, the
 * lease renewals while it works, and how it ends (see clusterdbd.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clusterdbd.h"

long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void job_heartbeat(struct job_run *run)
{
    long long now = monotonic_ms();
    int rc;

    if (run->lost || now - run->renewed_ms < run->config->lease_ms / 3)
        return;
    rc = cdb_job_renew(run->db, run->job->id, run->config->owner, run->config->lease_ms);
    if (rc == CDB_OK) {
        run->renewed_ms = now;
    } else if (rc == CDB_ERR_CONFLICT || rc == CDB_ERR_NOTFOUND) {
        /* Cancelled, deleted, or taken over by a daemon that thought this
         * one dead: from now on it must not act on the job. */
        run->lost = 1;
        dlog("warning", "job %lld: %s", (long long)run->job->id, cdb_errmsg(run->db));
    } else {
        dlog("error", "job %lld: cannot renew its lease: %s", (long long)run->job->id,
             cdb_errmsg(run->db));
    }
}

void job_heartbeat_cb(void *run)
{
    job_heartbeat(run);
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
    job_heartbeat(run);
}

int job_cancelled(struct job_run *run)
{
    cdb_job *now = NULL;
    int stop = run->lost;

    if (!stop && cdb_job_get(run->db, run->job->id, &now) == CDB_OK)
        stop = now->status != CDB_JOB_RUNNING || now->lease_owner == NULL ||
               strcmp(now->lease_owner, run->config->owner) != 0;
    cdb_job_free(now);
    if (stop)
        run->lost = 1;
    return stop;
}

void job_finish(struct job_run *run, int succeeded)
{
    cdb_job_status final = succeeded ? CDB_JOB_SUCCESS : CDB_JOB_FAILURE;
    cdb_job *now = NULL;
    int rc = cdb_job_finish(run->db, run->job->id, run->config->owner, final);

    if (rc == CDB_OK) {
        dlog("info", "job %lld (%s): %s", (long long)run->job->id, run->job->name,
             cdb_job_status_name(final));
        return;
    }
    if (rc == CDB_ERR_CONFLICT && cdb_job_get(run->db, run->job->id, &now) == CDB_OK &&
        now->status == CDB_JOB_CANCELLED)
        dlog("info", "job %lld (%s): cancelled", (long long)run->job->id, run->job->name);
    else if (rc == CDB_ERR_CONFLICT)
        dlog("warning", "job %lld (%s): its lease went to another daemon; the end (%s) is "
             "not recorded by this one", (long long)run->job->id, run->job->name,
             cdb_job_status_name(final));
    else
        dlog("error", "job %lld: cannot record its end (%s): %s", (long long)run->job->id,
             cdb_job_status_name(final), cdb_errmsg(run->db));
    cdb_job_free(now);
}

