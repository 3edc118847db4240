/* clusterdb container add | create | list | show | set | start | stop | delete | grant | revoke
 * | access */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static json_t *container_json(struct cli *cli, const cdb_container *c)
{
    return json_pack("{s:I, s:o, s:o, s:s?, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", (json_int_t)c->id,
                     "hostname", cli_jstr(c->hostname),
                     "username", cli_jstr(c->username),
                     "status", cdb_container_status_name(c->status),
                     "template", cli_jstr(c->template_name),
                     "nodeId", (json_int_t)c->node_id,
                     "node", cli_jname(cli, CLI_REF_NODE, c->node_id),
                     "containerId", cli_jid(c->container_id),
                     "macAddress", cli_jstr(c->mac_address),
                     "ipv4Address", cli_jstr(c->ipv4_address),
                     "aiContainer", cli_jstr(c->ai_container),
                     "creationJobId", cli_jid(c->creation_job_id),
                     "createdAt", cli_jstr(c->created_at),
                     "updatedAt", cli_jstr(c->updated_at));
}

static int emit_container(struct cli *cli, int64_t id, const char *verb)
{
    cdb_container *c = NULL;
    int st = cdb_container_get(cli->db, id, &c);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    int rc = cli_emit_done(cli, container_json(cli, c), "%s container %s (id %lld)", verb,
                           cli_printable(c->hostname), (long long)c->id);
    cdb_container_free(c);
    return rc;
}

/* The record's fields, as add and set take them. */
struct container_opts {
    const char *hostname, *node, *owner, *tpl, *ctid, *mac, *ip, *status, *ai, *job;
};

#define CONTAINER_OPTS(o)                                                                        \
    {"node", "NODE", "the node that hosts it", &(o).node, NULL},                                  \
    {"username", "USER", "the owner", &(o).owner, NULL},                                          \
    {"template", "NAME", "the Proxmox template", &(o).tpl, NULL},                                 \
    {"ctid", "N", "the Proxmox container id (100-999999999)", &(o).ctid, NULL},                  \
    {"mac", "MAC", "MAC address, xx:xx:xx:xx:xx:xx", &(o).mac, NULL},                             \
    {"ip", "IPV4", "IPv4 address", &(o).ip, NULL},                                                \
    {"status", "STATUS", "pending, creating, running or failed (default: pending)", &(o).status,  \
     NULL},                                                                                       \
    {"ai-container", "FLAG", "AI container flag, Y or N (default: N)", &(o).ai, NULL},            \
    {"job", "ID", "the job that creates it", &(o).job, NULL}

/* Parse the options that are not plain text into `in`; "" for --ctid or
 * --job means none (0).  0 or an exit code after a message. */
static int parse_container_opts(const struct container_opts *o, cdb_container_input *in)
{
    int rc;
    if (o->status) {
        cdb_container_status s;
        if (cdb_container_status_parse(o->status, &s) != CDB_OK)
            return cli_error(CLI_EXIT_INVALID, "status",
                             "must be one of pending, creating, running, failed");
        in->status = (int)s;
    }
    if (o->ctid && o->ctid[0] &&
        (rc = cli_parse_int64("containerId", o->ctid, CDB_MIN_CTID, CDB_MAX_CTID, &in->container_id)))
        return rc;
    if (o->job && o->job[0] &&
        (rc = cli_parse_int64("creationJobId", o->job, 1, INT64_MAX, &in->creation_job_id)))
        return rc;
    return 0;
}

static int container_add(struct cli *cli, int argc, char **argv)
{
    struct container_opts o = {0};
    const struct cli_opt opts[] = {CONTAINER_OPTS(o), {NULL, NULL, NULL, NULL, NULL}};
    const struct cli_spec spec = {
        "container add HOSTNAME --node NODE --username USER [options]",
        "Record a container.  This does not talk to Proxmox: the daemon creates pending\n"
        "containers.", opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    if (!o.node)
        return cli_error(CLI_EXIT_USAGE, NULL, "container add needs --node NODE");
    cdb_container_input in = {.hostname = args[0], .username = o.owner, .status = -1,
                              .template_name = o.tpl, .mac_address = o.mac, .ipv4_address = o.ip,
                              .ai_container = o.ai};
    if ((rc = parse_container_opts(&o, &in)))
        return rc;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_id(cli, CLI_REF_NODE, o.node, &in.node_id)))
        return rc;
    int64_t id = 0;
    int st = cdb_container_create(cli->db, &in, &id);
    return st == CDB_OK ? emit_container(cli, id, "created") : cli_fail(cli, st);
}

static int container_set(struct cli *cli, int argc, char **argv)
{
    struct container_opts o = {0};
    const struct cli_opt opts[] = {
        {"hostname", "NAME", "rename the container", &o.hostname, NULL},
        CONTAINER_OPTS(o),
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "container set HOSTNAME [options]",
        "Change fields of a container record (\"\" clears an optional one).  This does\n"
        "not talk to Proxmox.", opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    unsigned fields = (o.hostname ? CDB_CTF_HOSTNAME : 0) | (o.node ? CDB_CTF_NODE_ID : 0) |
                      (o.owner ? CDB_CTF_USERNAME : 0) | (o.tpl ? CDB_CTF_TEMPLATE : 0) |
                      (o.ctid ? CDB_CTF_CONTAINER_ID : 0) | (o.mac ? CDB_CTF_MAC_ADDRESS : 0) |
                      (o.ip ? CDB_CTF_IPV4_ADDRESS : 0) | (o.status ? CDB_CTF_STATUS : 0) |
                      (o.ai ? CDB_CTF_AI_CONTAINER : 0) | (o.job ? CDB_CTF_CREATION_JOB_ID : 0);
    if (!fields)
        return cli_error(CLI_EXIT_USAGE, NULL,
                         "nothing to change (see clusterdb container set --help)");
    cdb_container_input in = {.hostname = o.hostname, .username = o.owner, .status = -1,
                              .template_name = cli_empty_to_null(o.tpl),
                              .mac_address = cli_empty_to_null(o.mac),
                              .ipv4_address = cli_empty_to_null(o.ip),
                              .ai_container = cli_empty_to_null(o.ai)};
    if ((rc = parse_container_opts(&o, &in)))
        return rc;
    cdb_container *c = NULL;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_container(cli, args[0], &c)) ||
        (rc = cli_find_id(cli, CLI_REF_NODE, o.node, &in.node_id)))
        goto done;
    int st = cdb_container_update(cli->db, c->id, fields, &in);
    rc = st == CDB_OK ? emit_container(cli, c->id, "updated") : cli_fail(cli, st);
done:
    cdb_container_free(c);
    return rc;
}

static int container_create(struct cli *cli, int argc, char **argv)
{
    const char *node_name = NULL, *owner = NULL, *tpl = NULL, *ai = NULL;
    int wait = 0;
    const struct cli_opt opts[] = {
        {"node", "NODE", "the node that hosts it", &node_name, NULL},
        {"username", "USER", "the owner", &owner, NULL},
        {"template", "NAME", "the Proxmox template to clone", &tpl, NULL},
        {"ai-container", "FLAG", "AI container flag (default: N)", &ai, NULL},
        {"wait", NULL, "follow the job until it ends (exit status: its result)", NULL, &wait},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "container create HOSTNAME --node NODE --username USER --template NAME [--wait]",
        "Record a pending container and queue its container.create job (one\n"
        "transaction); the daemon clones the template, starts it, records CTID, MAC\n"
        "and address.", opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    if (!node_name)
        return cli_error(CLI_EXIT_USAGE, NULL, "container create needs --node NODE");
    if (!tpl)
        return cli_error(CLI_EXIT_USAGE, NULL, "container create needs --template NAME");
    cdb_container_input in = {.hostname = args[0], .username = owner, .status = -1,
                              .template_name = tpl, .ai_container = ai};
    cdb_container *c = NULL;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_id(cli, CLI_REF_NODE, node_name, &in.node_id)))
        return rc;
    int64_t id = 0, job = 0;
    int st = cdb_container_create_queued(cli->db, &in, &id, &job);
    if (st == CDB_OK)
        st = cdb_container_get(cli->db, id, &c);
    if (st != CDB_OK) {
        rc = cli_fail(cli, st);
    } else if (wait) {
        printf("created container %s (id %lld); following job %lld\n", cli_printable(c->hostname),
               (long long)c->id, (long long)job);
        rc = cli_follow_job(cli, job);
    } else {
        json_t *o = container_json(cli, c);
        json_object_set_new(o, "jobId", json_integer((json_int_t)job));
        rc = cli_emit_done(cli, o, "created container %s (id %lld); queued job %lld",
                           cli_printable(c->hostname), (long long)c->id, (long long)job);
    }
    cdb_container_free(c);
    return rc;
}

/* Queue the container job `action` ("container.delete") for the container
 * named by args[0]; the job records the row's identity (cdb_job_create). */
static int queue_container_job(struct cli *cli, const char *hostname, const char *action, int wait)
{
    cdb_container *c = NULL;
    cdb_job *j = NULL;
    char name[128], resource[48];
    int64_t job = 0;
    int rc;

    if ((rc = cli_find_container(cli, hostname, &c)))
        return rc;
    snprintf(name, sizeof(name), "%s %s", action, c->hostname);
    snprintf(resource, sizeof(resource), CDB_JOB_RESOURCE_CONTAINER "%lld", (long long)c->id);
    int st = cdb_job_create(cli->db, name, resource, &job);
    if (st == CDB_OK)
        st = cdb_job_get(cli->db, job, &j);
    if (st != CDB_OK) {
        rc = cli_fail(cli, st);
    } else if (wait) {
        printf("queued job %lld (%s); following it\n", (long long)job, cli_printable(name));
        rc = cli_follow_job(cli, job);
    } else {
        rc = cli_emit_done(cli, json_pack("{s:I, s:s, s:I}", "jobId", (json_int_t)job, "name", name,
                                          "containerId", (json_int_t)c->id),
                           "queued job %lld (%s)", (long long)job, cli_printable(name));
    }
    cdb_job_free(j);
    cdb_container_free(c);
    return rc;
}

static int container_power(struct cli *cli, int argc, char **argv, int start)
{
    int wait = 0;
    const struct cli_opt opts[] = {
        {"wait", NULL, "follow the job until it ends (exit status: its result)", NULL, &wait},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec start_spec = {"container start HOSTNAME [--wait]",
                                        "Queue a container.start job (the daemon starts its CT).",
                                        opts, 1, 1};
    const struct cli_spec stop_spec = {"container stop HOSTNAME [--wait]",
                                       "Queue a container.stop job (the daemon shuts its CT down).",
                                       opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, start ? &start_spec : &stop_spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    return queue_container_job(cli, args[0], start ? CDB_JOB_CONTAINER_START : CDB_JOB_CONTAINER_STOP, wait);
}

static int container_start(struct cli *cli, int argc, char **argv)
{
    return container_power(cli, argc, argv, 1);
}

static int container_stop(struct cli *cli, int argc, char **argv)
{
    return container_power(cli, argc, argv, 0);
}

static int container_list(struct cli *cli, int argc, char **argv)
{
    const char *node_name = NULL;
    const struct cli_opt opts[] = {
        {"node", "NODE", "only the containers on this node", &node_name, NULL},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"container list [--node NODE]", "List containers.", opts, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    int64_t node_id;
    if ((rc = cli_find_id(cli, CLI_REF_NODE, node_name, &node_id)))
        return rc;
    cdb_container **rows = NULL;
    size_t n = 0;
    int st = cdb_container_list(cli->db, node_id, &rows, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, container_json(cli, rows[i]));
    cdb_container_array_free(rows, n);
    static const struct cli_column cols[] = {
        {"id", "ID"}, {"hostname", "HOSTNAME"}, {"username", "OWNER"}, {"status", "STATUS"},
        {"node", "NODE"}, {"containerId", "CTID"}, {"ipv4Address", "IPV4"},
        {"macAddress", "MAC"}, {NULL, NULL}
    };
    return cli_emit_list(cli, list, cols);
}

static int container_show(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"container show HOSTNAME", "Show a container.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_container *c = NULL;
    if ((rc = cli_find_container(cli, args[0], &c)))
        return rc;
    rc = cli_emit_object(cli, container_json(cli, c));
    cdb_container_free(c);
    return rc;
}

static int container_delete(struct cli *cli, int argc, char **argv)
{
    int wait = 0, record_only = 0;
    const struct cli_opt opts[] = {
        {"wait", NULL, "follow the job until it ends (exit status: its result)", NULL, &wait},
        {"record-only", NULL, "delete only the record and its services; Proxmox is not asked",
         NULL, &record_only},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "container delete HOSTNAME [--wait | --record-only]",
        "Queue a container.delete job: the daemon destroys the CT on its node, then\n"
        "deletes the record and its services.  --record-only deletes just the record.",
        opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    if (wait && record_only)
        return cli_error(CLI_EXIT_USAGE, NULL, "--wait follows a job; --record-only queues none");
    if (!record_only)
        return queue_container_job(cli, args[0], CDB_JOB_CONTAINER_DELETE, wait);
    cdb_container *c = NULL;
    if ((rc = cli_find_container(cli, args[0], &c)))
        return rc;
    int st = cdb_container_delete(cli->db, c->id);
    rc = st != CDB_OK ? cli_fail(cli, st)
                      : cli_emit_done(cli, json_pack("{s:I, s:o}", "id", (json_int_t)c->id,
                                                     "hostname", cli_jstr(c->hostname)),
                                      "deleted container %s", cli_printable(c->hostname));
    cdb_container_free(c);
    return rc;
}

/* container grant|revoke [HOSTNAME | --site SITE] (--user USER | --group GROUP) */
static int container_grant_change(struct cli *cli, int argc, char **argv, int grant)
{
    const char *user = NULL, *group = NULL, *site = NULL;
    const struct cli_opt opts[] = {
        {"user", "USER", "the user the grant names", &user, NULL},
        {"group", "GROUP", "the group the grant names (all its members)", &group, NULL},
        {"site", "SITE", "every container of this site instead of one container", &site, NULL},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec grant_spec = {
        "container grant (HOSTNAME | --site SITE) (--user USER | --group GROUP)",
        "Let a user, or every member of a group, log into a container (or every\n"
        "container of a site).  Owners and administrators need no grant; a grant\n"
        "never gives sudo.  Takes effect at the next login.", opts, 0, 1};
    const struct cli_spec revoke_spec = {
        "container revoke (HOSTNAME | --site SITE) (--user USER | --group GROUP)",
        "Remove a grant made with container grant.  Takes effect at the next login;\n"
        "sessions already open are not closed.", opts, 0, 1};
    char **args;
    int nargs;
    int rc = cli_parse(cli, grant ? &grant_spec : &revoke_spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    const char *hostname = nargs ? args[0] : NULL;
    if (!hostname == !site)
        return cli_error(CLI_EXIT_USAGE, "container",
                         hostname ? "give a container HOSTNAME or --site SITE, not both"
                                  : "give a container HOSTNAME or --site SITE");
    if (!user == !group)
        return cli_error(CLI_EXIT_USAGE, "username",
                         user ? "give --user USER or --group GROUP, not both"
                              : "give --user USER or --group GROUP");
    if ((rc = cli_open(cli, 0)))
        return rc;
    cdb_grant_input in = {.username = user, .group = group, .container = hostname, .site = site};
    int64_t id = 0;
    int st = grant ? cdb_grant_add(cli->db, &in, &id) : cdb_grant_remove(cli->db, &in);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *o = json_pack("{s:o, s:o, s:o, s:o}", "username", cli_jstr(user), "group",
                          cli_jstr(group), "container", cli_jstr(hostname), "site",
                          cli_jstr(site));
    if (grant)
        json_object_set_new(o, "id", json_integer((json_int_t)id));
    return cli_emit_done(cli, o, "%s %s %s %s %s %s", grant ? "granted" : "revoked the grant of",
                         user ? "user" : "group", cli_printable(user ? user : group),
                         grant ? "entry to" : "on",
                         hostname ? "container" : "the containers of site",
                         cli_printable(hostname ? hostname : site));
}

static int container_grant(struct cli *cli, int argc, char **argv)
{
    return container_grant_change(cli, argc, argv, 1);
}

static int container_revoke(struct cli *cli, int argc, char **argv)
{
    return container_grant_change(cli, argc, argv, 0);
}

/* "owner,administrator,grant": why an entrant may enter. */
static json_t *access_reasons(int owner, int administrator, int granted)
{
    char why[64] = "";

    if (owner)
        strcat(why, "owner");
    if (administrator)
        strcat(why, *why ? ",administrator" : "administrator");
    if (granted)
        strcat(why, *why ? ",grant" : "grant");
    return json_string(why);
}

static int container_access(struct cli *cli, int argc, char **argv)
{
    int grants = 0;
    const struct cli_opt opts[] = {
        {"grants", NULL, "list the grants that apply instead (the container's and its site's)",
         NULL, &grants},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "container access HOSTNAME [--grants]",
        "Who may log into the container and who gets sudo there: its owner and the\n"
        "administrators (sudo; owners unless the setting container_sudo_owners is no),\n"
        "and the users granted entry.  Only active users are listed.", opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_container *c = NULL;
    if ((rc = cli_find_container(cli, args[0], &c)))
        return rc;
    json_t *list = json_array();
    int st;
    if (grants) {
        cdb_grant **rows = NULL;
        size_t n = 0;
        st = cdb_grant_list_for_container(cli->db, c->id, &rows, &n);
        for (size_t i = 0; st == CDB_OK && i < n; i++)
            json_array_append_new(
                list, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)rows[i]->id,
                                "username", cli_jstr(rows[i]->username), "group",
                                cli_jstr(rows[i]->group), "container",
                                cli_jstr(rows[i]->container), "site", cli_jstr(rows[i]->site),
                                "createdAt", cli_jstr(rows[i]->created_at)));
        cdb_grant_array_free(rows, n);
    } else {
        cdb_access_entrant **rows = NULL;
        size_t n = 0;
        st = cdb_access_entrants(cli->db, c->id, &rows, &n);
        for (size_t i = 0; st == CDB_OK && i < n; i++)
            json_array_append_new(
                list, json_pack("{s:I, s:o, s:o, s:b}", "uidNumber", (json_int_t)rows[i]->uid_number,
                                "username", cli_jstr(rows[i]->username), "why",
                                access_reasons(rows[i]->owner, rows[i]->administrator,
                                               rows[i]->granted),
                                "sudo", rows[i]->sudo));
        cdb_access_entrant_array_free(rows, n);
    }
    cdb_container_free(c);
    if (st != CDB_OK) {
        json_decref(list);
        return cli_fail(cli, st);
    }
    static const struct cli_column entrant_cols[] = {
        {"uidNumber", "UID"}, {"username", "USER"}, {"why", "WHY"}, {"sudo", "SUDO"}, {NULL, NULL}
    };
    static const struct cli_column grant_cols[] = {
        {"id", "ID"}, {"username", "USER"}, {"group", "GROUP"}, {"container", "CONTAINER"},
        {"site", "SITE"}, {NULL, NULL}
    };
    return cli_emit_list(cli, list, grants ? grant_cols : entrant_cols);
}

int cli_cmd_container(struct cli *cli, int argc, char **argv)
{
    static const struct cli_command cmds[] = {
        {"add", container_add, "record a container"},
        {"create", container_create, "record a container and queue its creation"},
        {"list", container_list, "list containers"},
        {"show", container_show, "show one container"},
        {"set", container_set, "change fields of a container record"},
        {"start", container_start, "queue a start of its CT"},
        {"stop", container_stop, "queue a shutdown of its CT"},
        {"delete", container_delete, "queue its deletion (or delete the record only)"},
        {"grant", container_grant, "let a user or group log into it (or a site)"},
        {"revoke", container_revoke, "remove such a grant"},
        {"access", container_access, "who may log in and who gets sudo"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "container", "Manage Containers.", cmds, argc, argv);
}
