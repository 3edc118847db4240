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

/* Run a job this daemon holds the lease of. */
static void run_held(cdb *db, const struct daemon_config *config, cdb_job *job,
                     const struct job_kind *kind, int resumed)
{
    struct job_run run = {.db = db, .config = config, .job = job, .resumed = resumed,
                          .renewed_ms = monotonic_ms()};

    job_finish(&run, kind->run(&run) == CDB_OK);
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
        const struct job_kind *kind = job_kind_of(jobs[i]->name);
        char why[160], previous[160];
        if (kind == NULL || !holder_gone(config, jobs[i], why, sizeof(why)))
            continue;
        if (kind->is_ours && !kind->is_ours(db, config, jobs[i]))
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
        run_held(db, config, jobs[i], kind, 1);
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
        const struct job_kind *kind = job_kind_of(jobs[i]->name);
        if (kind == NULL) {
            /* Left pending: another runner may know it. */
            if (first_sighting(jobs[i]->id))
                dlog("warning", "job %lld: unknown job name \"%s\"; left pending",
                     (long long)jobs[i]->id, jobs[i]->name);
            continue;
        }
        if (kind->is_ours && !kind->is_ours(db, config, jobs[i]))
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
        run_held(db, config, jobs[i], kind, 0);
        ran++;
    }
    cdb_job_array_free(jobs, n);
    return ran;
}
