/* The kinds of job clusterdbd runs, in one table: the name (core's
 * CDB_JOB_*), what it acts on, whether this daemon takes it, and the code
 * that runs it.  The runner, recovery and --help all read this table. */
#include <stdio.h>
#include <string.h>

#include "cert.h"
#include "clusterdbd.h"

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

/* The container a container job acts on, or 0 after saying why not. */
static int64_t target_container(struct job_run *run)
{
    int64_t container = cdb_job_container_resource(run->job->associated_resource);

    if (container == 0 && cdb_job_is_kind(run->job->name, CDB_JOB_CONTAINER_CREATE))
        container = container_created_by(run->db, run->job->id);
    if (container == 0)
        job_say(run, "failed: associatedResource must be %s<id>, not %s",
                CDB_JOB_RESOURCE_CONTAINER,
                run->job->associated_resource ? run->job->associated_resource : "(none)");
    return container;
}

static int run_create(struct job_run *run)
{
    int64_t container = target_container(run);
    return container ? container_create_job(run, container) : CDB_ERR_INVALID;
}

static int run_delete(struct job_run *run)
{
    int64_t container = target_container(run);
    return container ? container_delete_job(run, container) : CDB_ERR_INVALID;
}

static int run_start(struct job_run *run)
{
    int64_t container = target_container(run);
    return container ? container_power_job(run, container, 1) : CDB_ERR_INVALID;
}

static int run_stop(struct job_run *run)
{
    int64_t container = target_container(run);
    return container ? container_power_job(run, container, 0) : CDB_ERR_INVALID;
}

static const struct job_kind kinds[] = {
    {CDB_JOB_CONTAINER_CREATE,
     "clone the container's template on its node, configure, start it, record\n"
     "CTID, MAC and IPv4 address",
     NULL, run_create},
    {CDB_JOB_CONTAINER_DELETE, "destroy the container on its node, delete its row", NULL,
     run_delete},
    {CDB_JOB_CONTAINER_START, "start the container's CT", NULL, run_start},
    {CDB_JOB_CONTAINER_STOP, "shut the container's CT down", NULL, run_stop},
    /* A certificate is installed where its site's nginx reads it. */
    {CDB_JOB_CERTIFICATE,
     "a certificate for an external domain of --site and its wildcard with\n"
     "lego (DNS-01), queued when due",
     certificate_job_is_ours, certificate_job},
};

const struct job_kind *job_kind_of(const char *job_name)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (cdb_job_is_kind(job_name, kinds[i].name))
            return &kinds[i];
    return NULL;
}

void job_kinds_describe(FILE *out)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const char *line = kinds[i].summary;

        fprintf(out, "  %s\n", kinds[i].name);
        while (*line) {
            size_t len = strcspn(line, "\n");
            fprintf(out, "      %.*s\n", (int)len, line);
            line += len + (line[len] == '\n');
        }
    }
}
