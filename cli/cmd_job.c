/* clusterdb job add | list | show | cancel | retry | follow | delete: Jobs
 * and their JobStatuses */
#include <stdio.h>
#include <time.h>

#include "cli.h"

/* How often `job follow` looks for new messages. */
#define FOLLOW_POLL_MS 200L

static json_t *job_json(const cdb_job *j)
{
    return json_pack("{s:I, s:o, s:o, s:s?, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", (json_int_t)j->id,
                     "name", cli_jstr(j->name),
                     "associatedResource", cli_jstr(j->associated_resource),
                     "status", cdb_job_status_name(j->status),
                     "createdAt", cli_jstr(j->created_at),
                     "updatedAt", cli_jstr(j->updated_at),
                     "targetHostname", cli_jstr(j->target_hostname),
                     "targetNodeId", cli_jid(j->target_node_id),
                     "targetContainerId", cli_jid(j->target_container_id),
                     "leaseOwner", cli_jstr(j->lease_owner),
                     "leaseExpiresAt", cli_jstr(j->lease_expires_at));
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int cli_follow_job(struct cli *cli, int64_t job_id)
{
    int64_t last = 0;
    size_t steps = 0;

    for (;;) {
        cdb_job *j = NULL;
        cdb_job_message **msgs = NULL;
        size_t n = 0;
        int st, done;

        /* The status first: messages written before it turned final are
         * then all in the list read next. */
        if ((st = cdb_job_get(cli->db, job_id, &j)) != CDB_OK)
            return cli_fail(cli, st);
        done = j->status == CDB_JOB_SUCCESS || j->status == CDB_JOB_FAILURE ||
               j->status == CDB_JOB_CANCELLED;
        if ((st = cdb_job_message_list(cli->db, job_id, last, &msgs, &n)) != CDB_OK) {
            cdb_job_free(j);
            return cli_fail(cli, st);
        }
        for (size_t i = 0; i < n; i++) {
            printf("[%zu] %s\n", ++steps, cli_printable(msgs[i]->message));
            last = msgs[i]->id;
        }
        cdb_job_message_array_free(msgs, n);
        fflush(stdout);
        if (done) {
            int code = j->status == CDB_JOB_SUCCESS ? CLI_EXIT_OK : CLI_EXIT_OTHER;
            printf("job %lld: %s after %zu step%s\n", (long long)job_id,
                   cdb_job_status_name(j->status), steps, steps == 1 ? "" : "s");
            cdb_job_free(j);
            return code;
        }
        cdb_job_free(j);
        sleep_ms(FOLLOW_POLL_MS);
    }
}

static int parse_job_status(const char *text, int *out)
{
    cdb_job_status s;
    if (cdb_job_status_parse(text, &s) != CDB_OK)
        return cli_error(CLI_EXIT_INVALID, "status",
                         "must be one of pending, running, success, failure, cancelled");
    *out = (int)s;
    return 0;
}

static int job_add(struct cli *cli, int argc, char **argv)
{
    const char *resource = NULL;
    const struct cli_opt opts[] = {
        {"resource", "TEXT", "the associated resource, e.g. container:42", &resource, NULL},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"job add NAME [--resource TEXT]",
                                  "Queue a job in status pending (for the daemon).", opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    int64_t id = 0;
    cdb_job *j = NULL;
    int st = cdb_job_create(cli->db, args[0], resource, &id);
    if (st == CDB_OK)
        st = cdb_job_get(cli->db, id, &j);
    rc = st != CDB_OK ? cli_fail(cli, st)
                      : cli_emit_done(cli, job_json(j), "created job %lld", (long long)j->id);
    cdb_job_free(j);
    return rc;
}

static int job_list(struct cli *cli, int argc, char **argv)
{
    const char *status_text = NULL;
    const struct cli_opt opts[] = {
        {"status", "STATUS", "only jobs with this status", &status_text, NULL},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"job list [--status STATUS]", "List jobs.", opts, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    int status = -1;
    if (status_text && (rc = parse_job_status(status_text, &status)))
        return rc;
    if ((rc = cli_open(cli, 0)))
        return rc;
    cdb_job **jobs = NULL;
    size_t n = 0;
    int st = cdb_job_list(cli->db, status, &jobs, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, job_json(jobs[i]));
    cdb_job_array_free(jobs, n);
    static const struct cli_column cols[] = {
        {"id", "ID"}, {"status", "STATUS"}, {"name", "NAME"},
        {"associatedResource", "RESOURCE"}, {"updatedAt", "UPDATED"}, {NULL, NULL}
    };
    return cli_emit_list(cli, list, cols);
}

static int job_show(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"job show ID", "Show a job and its progress messages.",
                                         NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_job *j = NULL;
    if ((rc = cli_find_job(cli, args[0], &j)))
        return rc;
    cdb_job_message **msgs = NULL;
    size_t n = 0;
    int st = cdb_job_message_list(cli->db, j->id, 0, &msgs, &n);
    if (st != CDB_OK) {
        cdb_job_free(j);
        return cli_fail(cli, st);
    }
    json_t *messages = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(messages, json_pack("{s:o, s:o}", "createdAt",
                                                  cli_jstr(msgs[i]->created_at), "message",
                                                  cli_jstr(msgs[i]->message)));
    cdb_job_message_array_free(msgs, n);
    json_t *o = job_json(j);
    json_object_set_new(o, "messages", messages);
    cdb_job_free(j);
    return cli_emit_object(cli, o);
}

/* job cancel / retry: one state change of the job named by args[0]. */
static int job_change(struct cli *cli, int argc, char **argv, const struct cli_spec *spec,
                      int (*change)(cdb *, int64_t), const char *done_verb)
{
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_job *j = NULL;
    if ((rc = cli_find_job(cli, args[0], &j)))
        return rc;
    int st = change(cli->db, j->id);
    cdb_job *now = NULL;
    if (st == CDB_OK)
        st = cdb_job_get(cli->db, j->id, &now);
    rc = st != CDB_OK ? cli_fail(cli, st)
                      : cli_emit_done(cli, job_json(now), "%s job %lld", done_verb, (long long)j->id);
    cdb_job_free(now);
    cdb_job_free(j);
    return rc;
}

static int job_cancel(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {
        "job cancel ID",
        "Cancel a pending or running job.  A running job stops before its next step\n"
        "(a Proxmox task already started is not interrupted).", NULL, 1, 1};
    return job_change(cli, argc, argv, &spec, cdb_job_cancel, "cancelled");
}

static int job_retry(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {
        "job retry ID",
        "Queue a failed or cancelled job again (its failed container goes back to\n"
        "pending; a CT it made earlier is adopted, not cloned twice).", NULL, 1, 1};
    return job_change(cli, argc, argv, &spec, cdb_job_retry, "queued again");
}

static int job_follow(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {
        "job follow ID",
        "Print the job's messages as they arrive, numbered by step, until it ends.\n"
        "Exit status 0 when it succeeded, 1 when it failed or was cancelled.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_job *j = NULL;
    if ((rc = cli_find_job(cli, args[0], &j)))
        return rc;
    int64_t id = j->id;
    cdb_job_free(j);
    return cli_follow_job(cli, id);
}

static int job_delete(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"job delete ID",
                                         "Delete a job and its messages (not while it runs).",
                                         NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_job *j = NULL;
    if ((rc = cli_find_job(cli, args[0], &j)))
        return rc;
    int st = cdb_job_delete(cli->db, j->id);
    rc = st != CDB_OK ? cli_fail(cli, st)
                      : cli_emit_done(cli, json_pack("{s:I}", "id", (json_int_t)j->id),
                                      "deleted job %lld", (long long)j->id);
    cdb_job_free(j);
    return rc;
}

int cli_cmd_job(struct cli *cli, int argc, char **argv)
{
    static const struct cli_command cmds[] = {
        {"add", job_add, "queue a job"},
        {"list", job_list, "list jobs"},
        {"show", job_show, "show a job and its messages"},
        {"cancel", job_cancel, "cancel a pending or running job"},
        {"retry", job_retry, "queue a failed or cancelled job again"},
        {"follow", job_follow, "print a job's messages as they arrive"},
        {"delete", job_delete, "delete a job"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "job", "Inspect and manage Jobs.", cmds, argc, argv);
}
