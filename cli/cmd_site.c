/* clusterdb site add | list | show | set | delete */
#include "cli.h"

static json_t *site_json(const cdb_site *s)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", (json_int_t)s->id,
                     "name", cli_jstr(s->name),
                     "internalDomain", cli_jstr(s->internal_domain),
                     "dhcpRange", cli_jstr(s->dhcp_range),
                     "subnetMask", cli_jstr(s->subnet_mask),
                     "gateway", cli_jstr(s->gateway),
                     "dnsForwarders", cli_jstr(s->dns_forwarders),
                     "createdAt", cli_jstr(s->created_at),
                     "updatedAt", cli_jstr(s->updated_at));
}

static int emit_site(struct cli *cli, int64_t id, const char *verb)
{
    cdb_site *s = NULL;
    int st = cdb_site_get(cli->db, id, &s);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    int rc = cli_emit_done(cli, site_json(s), "%s site %s (id %lld)", verb, cli_printable(s->name),
                           (long long)s->id);
    cdb_site_free(s);
    return rc;
}

/* add and set share their options: the network fields of a site. */
struct site_opts {
    const char *name, *domain, *range, *mask, *gateway, *forwarders;
};

#define SITE_NETWORK_OPTS(o)                                                                      \
    {"internal-domain", "DOMAIN", "internal DNS domain, e.g. cluster.internal", &(o).domain, NULL}, \
    {"dhcp-range", "START-END", "container addresses, e.g. 10.0.0.100-10.0.0.200", &(o).range, NULL}, \
    {"subnet-mask", "MASK", "e.g. 255.255.255.0", &(o).mask, NULL},                               \
    {"gateway", "IPV4", "default gateway", &(o).gateway, NULL},                                  \
    {"dns-forwarders", "LIST", "upstream DNS servers, comma-separated", &(o).forwarders, NULL}

static int site_add(struct cli *cli, int argc, char **argv)
{
    struct site_opts o = {0};
    const struct cli_opt opts[] = {SITE_NETWORK_OPTS(o), {NULL, NULL, NULL, NULL, NULL}};
    const struct cli_spec spec = {"site add NAME --internal-domain DOMAIN [options]",
                                  "Create a site (a Proxmox VE cluster location).", opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_site_input in = {args[0], o.domain, o.range, o.mask, o.gateway, o.forwarders};
    int64_t id = 0;
    int st = cdb_site_create(cli->db, &in, &id);
    return st == CDB_OK ? emit_site(cli, id, "created") : cli_fail(cli, st);
}

static int site_set(struct cli *cli, int argc, char **argv)
{
    struct site_opts o = {0};
    const struct cli_opt opts[] = {
        {"name", "NAME", "rename the site", &o.name, NULL},
        SITE_NETWORK_OPTS(o),
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"site set SITE [options]",
                                  "Change fields of a site (\"\" clears an optional one).", opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    unsigned fields = (o.name ? CDB_SITEF_NAME : 0) | (o.domain ? CDB_SITEF_INTERNAL_DOMAIN : 0) |
                      (o.range ? CDB_SITEF_DHCP_RANGE : 0) | (o.mask ? CDB_SITEF_SUBNET_MASK : 0) |
                      (o.gateway ? CDB_SITEF_GATEWAY : 0) |
                      (o.forwarders ? CDB_SITEF_DNS_FORWARDERS : 0);
    if (!fields)
        return cli_error(CLI_EXIT_USAGE, NULL, "nothing to change (see clusterdb site set --help)");
    cdb_site *s = NULL;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_site(cli, args[0], &s)))
        return rc;
    cdb_site_input in = {o.name, o.domain, cli_empty_to_null(o.range), cli_empty_to_null(o.mask),
                         cli_empty_to_null(o.gateway), cli_empty_to_null(o.forwarders)};
    int st = cdb_site_update(cli->db, s->id, fields, &in);
    rc = st == CDB_OK ? emit_site(cli, s->id, "updated") : cli_fail(cli, st);
    cdb_site_free(s);
    return rc;
}

static int site_list(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"site list", "List sites.", NULL, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_site **sites = NULL;
    size_t n = 0;
    int st = cdb_site_list(cli->db, &sites, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, site_json(sites[i]));
    cdb_site_array_free(sites, n);
    static const struct cli_column cols[] = {
        {"id", "ID"}, {"name", "NAME"}, {"internalDomain", "DOMAIN"}, {"dhcpRange", "DHCP RANGE"},
        {"gateway", "GATEWAY"}, {NULL, NULL}
    };
    return cli_emit_list(cli, list, cols);
}

static int site_show(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"site show SITE", "Show a site (by name or id).", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_site *s = NULL;
    if ((rc = cli_find_site(cli, args[0], &s)))
        return rc;
    rc = cli_emit_object(cli, site_json(s));
    cdb_site_free(s);
    return rc;
}

static int site_delete(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {
        "site delete SITE",
        "Delete a site.  Refused (exit 4) while nodes or external domains use it.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_site *s = NULL;
    if ((rc = cli_find_site(cli, args[0], &s)))
        return rc;
    int st = cdb_site_delete(cli->db, s->id);
    rc = st != CDB_OK ? cli_fail(cli, st)
                      : cli_emit_done(cli, json_pack("{s:I, s:o}", "id", (json_int_t)s->id, "name",
                                                     cli_jstr(s->name)),
                                      "deleted site %s", cli_printable(s->name));
    cdb_site_free(s);
    return rc;
}

int cli_cmd_site(struct cli *cli, int argc, char **argv)
{
    static const struct cli_command cmds[] = {
        {"add", site_add, "create a site"},
        {"list", site_list, "list sites"},
        {"show", site_show, "show one site"},
        {"set", site_set, "change fields of a site"},
        {"delete", site_delete, "delete a site"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "site", "Manage Sites.", cmds, argc, argv);
}
