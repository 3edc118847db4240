/* clusterdb node add | list | show | set | delete */
#include <clusterdb/passwd.h>

#include "cli.h"

static json_t *node_json(struct cli *cli, const cdb_node *n)
{
    /* The API secret is shown only as whether it is set: it opens the whole cluster. */
    return json_pack("{s:I, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o}",
                     "id", (json_int_t)n->id,
                     "name", cli_jstr(n->name),
                     "siteId", (json_int_t)n->site_id,
                     "site", cli_jname(cli, CLI_REF_SITE, n->site_id),
                     "ipv4Address", cli_jstr(n->ipv4_address),
                     "apiUrl", cli_jstr(n->api_url),
                     "apiTokenIdOrUsername", cli_jstr(n->api_token_id_or_username),
                     "apiTokenSecretOrPassword", cli_jsecret(n->api_token_secret_or_password),
                     "disableTlsVerification", n->disable_tls_verification != 0,
                     "createdAt", cli_jstr(n->created_at),
                     "updatedAt", cli_jstr(n->updated_at));
}

static int emit_node(struct cli *cli, int64_t id, const char *verb)
{
    cdb_node *n = NULL;
    int st = cdb_node_get(cli->db, id, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    int rc = cli_emit_done(cli, node_json(cli, n), "%s node %s (id %lld)", verb, cli_printable(n->name),
                           (long long)n->id);
    cdb_node_free(n);
    return rc;
}

/* The options add and set share. */
struct node_opts {
    const char *name, *site, *ip, *url, *token_id;
    int secret_stdin, insecure, verify_tls;
};

#define NODE_OPTS(o)                                                                               \
    {"site", "SITE", "the site (name or id)", &(o).site, NULL},                                     \
    {"ip", "IPV4", "the node's IPv4 address", &(o).ip, NULL},                                       \
    {"api-url", "URL", "Proxmox VE API, e.g. https://pve1:8006", &(o).url, NULL},                  \
    {"token-id", "ID", "API token id (user@realm!name) or user name", &(o).token_id, NULL},         \
    {"secret-stdin", NULL, "read the token secret or password from standard input", NULL,          \
     &(o).secret_stdin},                                                                            \
    {"insecure", NULL, "do not verify the API's TLS certificate", NULL, &(o).insecure}

static int node_add(struct cli *cli, int argc, char **argv)
{
    struct node_opts o = {0};
    const struct cli_opt opts[] = {NODE_OPTS(o), {NULL, NULL, NULL, NULL, NULL}};
    const struct cli_spec spec = {
        "node add NAME --site SITE [options]",
        "Register a Proxmox VE node.  NAME must be the node's Proxmox hostname.  The API\n"
        "secret is read from standard input (--secret-stdin), never from arguments.",
        opts, 1, 1};
    char **args;
    int nargs;
    char secret[CLI_SECRET_MAX];
    secret[0] = '\0';
    int64_t site_id = 0;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    if (!o.site)
        return cli_error(CLI_EXIT_USAGE, NULL, "node add needs --site SITE");
    if (o.secret_stdin && (rc = cli_read_secret_stdin("apiTokenSecretOrPassword", secret)))
        goto done;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_id(cli, CLI_REF_SITE, o.site, &site_id)))
        goto done;
    cdb_node_input in = {.name = args[0], .ipv4_address = o.ip, .api_url = o.url,
                         .api_token_id_or_username = o.token_id,
                         .api_token_secret_or_password = o.secret_stdin ? secret : NULL,
                         .disable_tls_verification = o.insecure, .site_id = site_id};
    int64_t id = 0;
    int st = cdb_node_create(cli->db, &in, &id);
    rc = st == CDB_OK ? emit_node(cli, id, "created") : cli_fail(cli, st);
done:
    cdb_wipe(secret, sizeof secret);
    return rc;
}

static int node_set(struct cli *cli, int argc, char **argv)
{
    struct node_opts o = {0};
    const struct cli_opt opts[] = {
        {"name", "NAME", "rename the node", &o.name, NULL},
        NODE_OPTS(o),
        {"verify-tls", NULL, "verify the API's TLS certificate again", NULL, &o.verify_tls},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"node set NAME [options]",
                                  "Change fields of a node (\"\" clears an optional one).", opts, 1, 1};
    char **args;
    int nargs;
    char secret[CLI_SECRET_MAX];
    secret[0] = '\0';
    int64_t site_id = 0;
    cdb_node *node = NULL;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    unsigned fields = (o.name ? CDB_NODEF_NAME : 0) | (o.site ? CDB_NODEF_SITE_ID : 0) |
                      (o.ip ? CDB_NODEF_IPV4_ADDRESS : 0) | (o.url ? CDB_NODEF_API_URL : 0) |
                      (o.token_id ? CDB_NODEF_API_TOKEN_ID_OR_USERNAME : 0) |
                      (o.secret_stdin ? CDB_NODEF_API_TOKEN_SECRET_OR_PASSWORD : 0) |
                      (o.insecure || o.verify_tls ? CDB_NODEF_DISABLE_TLS_VERIFICATION : 0);
    if (!fields)
        return cli_error(CLI_EXIT_USAGE, NULL, "nothing to change (see clusterdb node set --help)");
    if (o.insecure && o.verify_tls)
        return cli_error(CLI_EXIT_USAGE, NULL, "give either --insecure or --verify-tls");
    if (o.secret_stdin && (rc = cli_read_secret_stdin("apiTokenSecretOrPassword", secret)))
        goto done;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_node(cli, args[0], &node)) ||
        (rc = cli_find_id(cli, CLI_REF_SITE, o.site, &site_id)))
        goto done;
    cdb_node_input in = {.name = o.name, .ipv4_address = cli_empty_to_null(o.ip),
                         .api_url = cli_empty_to_null(o.url),
                         .api_token_id_or_username = cli_empty_to_null(o.token_id),
                         .api_token_secret_or_password = cli_empty_to_null(secret),
                         .disable_tls_verification = o.insecure, .site_id = site_id};
    int st = cdb_node_update(cli->db, node->id, fields, &in);
    rc = st == CDB_OK ? emit_node(cli, node->id, "updated") : cli_fail(cli, st);
done:
    cdb_wipe(secret, sizeof secret);
    cdb_node_free(node);
    return rc;
}

static int node_list(struct cli *cli, int argc, char **argv)
{
    const char *site_key = NULL;
    const struct cli_opt opts[] = {
        {"site", "SITE", "only the nodes of this site", &site_key, NULL},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"node list [--site SITE]", "List nodes.", opts, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    int64_t site_id;
    if ((rc = cli_find_id(cli, CLI_REF_SITE, site_key, &site_id)))
        return rc;
    cdb_node **nodes = NULL;
    size_t n = 0;
    int st = cdb_node_list(cli->db, site_id, &nodes, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, node_json(cli, nodes[i]));
    cdb_node_array_free(nodes, n);
    static const struct cli_column cols[] = {
        {"id", "ID"}, {"name", "NAME"}, {"site", "SITE"}, {"ipv4Address", "IPV4"},
        {"apiUrl", "API URL"}, {"apiTokenIdOrUsername", "TOKEN ID"},
        {"apiTokenSecretOrPassword", "SECRET"}, {NULL, NULL}
    };
    return cli_emit_list(cli, list, cols);
}

static int node_show(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"node show NAME",
                                         "Show a node.  The API secret is shown only as set or not.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_node *n = NULL;
    if ((rc = cli_find_node(cli, args[0], &n)))
        return rc;
    rc = cli_emit_object(cli, node_json(cli, n));
    cdb_node_free(n);
    return rc;
}

static int node_delete(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"node delete NAME",
                                         "Delete a node.  Refused (exit 4) while containers use it.",
                                         NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_node *n = NULL;
    if ((rc = cli_find_node(cli, args[0], &n)))
        return rc;
    int st = cdb_node_delete(cli->db, n->id);
    rc = st != CDB_OK ? cli_fail(cli, st)
                      : cli_emit_done(cli, json_pack("{s:I, s:o}", "id", (json_int_t)n->id, "name",
                                                     cli_jstr(n->name)),
                                      "deleted node %s", cli_printable(n->name));
    cdb_node_free(n);
    return rc;
}

int cli_cmd_node(struct cli *cli, int argc, char **argv)
{
    static const struct cli_command cmds[] = {
        {"add", node_add, "register a Proxmox VE node"},
        {"list", node_list, "list nodes"},
        {"show", node_show, "show one node"},
        {"set", node_set, "change fields of a node"},
        {"delete", node_delete, "delete a node"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "node", "Manage Nodes (Proxmox VE servers).", cmds, argc, argv);
}
