/* clusterdb job add | list | show | delete: Jobs and their JobStatuses */
#include "cli.h"

static json_t *job_json(const cdb_job *j)
{
    return json_pack("{s:I, s:o, s:o, s:s?, s:o, s:o}",
                     "id", (json_int_t)j->id,
                     "name", cli_jstr(j->name),
                     "associatedResource", cli_jstr(j->associated_resource),
                     "status", cdb_job_status_name(j->status),
                     "createdAt", cli_jstr(j->created_at),
                     "updatedAt", cli_jstr(j->updated_at));
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

static int job_delete(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"job delete ID", "Delete a job and its messages.", NULL, 1, 1};
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
        {"delete", job_delete, "delete a job"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "job", "Inspect and manage Jobs.", cmds, argc, argv);
}
