/* Finding, claiming, renewing and recovering jobs (see clusterdbd.h and
 * docs/daemon.md, "Job states, leases and recovery"). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cert.h"
#include "clusterdbd.h"

enum job_action {
    ACTION_UNKNOWN,
    ACTION_CONTAINER_CREATE,
    ACTION_CONTAINER_DELETE,
    ACTION_CONTAINER_START,
    ACTION_CONTAINER_STOP,
    ACTION_CERTIFICATE
};

long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first word of Jobs.name. */
static enum job_action job_action(const char *name)
{
    static const struct {
        const char *word;
        enum job_action action;
    } actions[] = {
        {JOB_CONTAINER_CREATE, ACTION_CONTAINER_CREATE},
        {JOB_CONTAINER_DELETE, ACTION_CONTAINER_DELETE},
        {JOB_CONTAINER_START, ACTION_CONTAINER_START},
        {JOB_CONTAINER_STOP, ACTION_CONTAINER_STOP},
        {JOB_CERTIFICATE, ACTION_CERTIFICATE},
    };
    size_t len = name ? strcspn(name, " ") : 0;

    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (len == strlen(actions[i].word) && strncmp(name, actions[i].word, len) == 0)
            return actions[i].action;
    return ACTION_UNKNOWN;
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

static void finish(struct job_run *run, int succeeded)
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

/* Run a job this daemon holds the lease of. */
static void run_held(cdb *db, const struct daemon_config *config, cdb_job *job,
                     enum job_action action, int resumed)
{
    struct job_run run = {.db = db, .config = config, .job = job, .resumed = resumed,
                          .renewed_ms = monotonic_ms()};
    int64_t container = cdb_job_container_resource(job->associated_resource);
    int rc;

    if (container == 0 && action == ACTION_CONTAINER_CREATE)
        container = container_created_by(db, job->id);
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
    switch (action) {
    case ACTION_CONTAINER_CREATE: rc = container_create_job(&run, container); break;
    case ACTION_CONTAINER_DELETE: rc = container_delete_job(&run, container); break;
    case ACTION_CONTAINER_START: rc = container_power_job(&run, container, 1); break;
    default: rc = container_power_job(&run, container, 0); break;
    }
    finish(&run, rc == CDB_OK);
}

/*
 * Whether the daemon holding a running job is gone: its lease ran out, or
 * its owner names this machine (same host name and boot) and a process id
 * that no longer exists.  The second needs no waiting after a crash; a
 * reused pid only means waiting for the lease.
 */
static int holder_gone(const struct daemon_config *config, const cdb_job *job, char *why,
                       size_t why_len)
{
    const char *mine_tail, *theirs_tail, *mine_boot;
    char *end;
    long pid;

    if (cdb_job_lease_expired(job)) {
        snprintf(why, why_len, "%s", job->lease_owner ? "its lease expired" : "it holds no lease");
        return 1;
    }
    /* owner = host ":" pid ":" boot: compare host and boot, test the pid. */
    mine_tail = strchr(config->owner, ':');
    theirs_tail = strchr(job->lease_owner, ':');
    if (mine_tail == NULL || theirs_tail == NULL ||
        mine_tail - config->owner != theirs_tail - job->lease_owner ||
        strncmp(config->owner, job->lease_owner, (size_t)(mine_tail - config->owner)) != 0)
        return 0;
    mine_boot = strchr(mine_tail + 1, ':');
    errno = 0;
    pid = strtol(theirs_tail + 1, &end, 10);
    if (mine_boot == NULL || errno != 0 || *end != ':' || pid <= 0 || strcmp(end, mine_boot) != 0)
        return 0;
    if (pid == (long)getpid())
        return 0; /* ours: cannot be, we run one job at a time */
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
        return 0;
    snprintf(why, why_len, "its process %ld on this machine is gone", pid);
    return 1;
}

/* Take over and finish (or fail) the running jobs whose daemon is gone. */
static int recover_running(cdb *db, const struct daemon_config *config)
{
    cdb_job **jobs = NULL;
    size_t n = 0;
    int ran = 0;
    int rc = cdb_job_list(db, CDB_JOB_RUNNING, &jobs, &n);

    if (rc != CDB_OK) {
        dlog("error", "cannot list running jobs: %s", cdb_errmsg(db));
        return rc;
    }
    for (size_t i = 0; i < n && !daemon_stopping; i++) {
        enum job_action action = job_action(jobs[i]->name);
        char why[160], previous[160];
        if (action == ACTION_UNKNOWN || !holder_gone(config, jobs[i], why, sizeof(why)))
            continue;
        if (action == ACTION_CERTIFICATE && !certificate_job_is_ours(db, config, jobs[i]))
            continue;
        snprintf(previous, sizeof(previous), "%s",
                 jobs[i]->lease_owner ? jobs[i]->lease_owner : "(unknown)");
        rc = cdb_job_take_over(db, jobs[i], config->owner, config->lease_ms);
        if (rc == CDB_ERR_CONFLICT || rc == CDB_ERR_NOTFOUND)
            continue; /* another daemon recovered it first, or it ended */
        if (rc != CDB_OK) {
            dlog("error", "job %lld: cannot take it over: %s", (long long)jobs[i]->id,
                 cdb_errmsg(db));
            continue;
        }
        {
            struct job_run run = {.db = db, .config = config, .job = jobs[i],
                                  .renewed_ms = monotonic_ms()};
            job_say(&run, "recovering: the daemon that ran this job (%s) stopped (%s); "
                    "taken over by %s", previous, why, config->owner);
        }
        run_held(db, config, jobs[i], action, 1);
        ran++;
    }
    cdb_job_array_free(jobs, n);
    return ran;
}

int run_pending_jobs(cdb *db, const struct daemon_config *config)
{
    cdb_job **jobs = NULL;
    size_t n = 0;
    int ran, rc;

    /* First what a stopped daemon left half done: no job stays running
     * and no container creating because its daemon died. */
    if ((ran = recover_running(db, config)) < 0)
        return ran;
    rc = cdb_job_list(db, CDB_JOB_PENDING, &jobs, &n);
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
        /* The claim: only one daemon turns this pending job into running. */
        rc = cdb_job_claim(db, jobs[i]->id, config->owner, config->lease_ms);
        if (rc == CDB_ERR_CONFLICT || rc == CDB_ERR_NOTFOUND)
            continue; /* another daemon took it, or it was cancelled or deleted meanwhile */
        if (rc != CDB_OK) {
            dlog("error", "job %lld: cannot claim it: %s", (long long)jobs[i]->id, cdb_errmsg(db));
            continue;
        }
        dlog("info", "job %lld (%s): claimed", (long long)jobs[i]->id, jobs[i]->name);
        run_held(db, config, jobs[i], action, 0);
        ran++;
    }
    cdb_job_array_free(jobs, n);
    return ran;
}
