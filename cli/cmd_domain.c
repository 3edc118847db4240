/* clusterdb domain add | list | show | set | delete: ExternalDomains */
#include <clusterdb/passwd.h>

#include "cli.h"

static json_t *domain_json(struct cli *cli, const cdb_external_domain *d)
{
    /* The Cloudflare key is shown only as whether it is set. */
    return json_pack("{s:I, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", (json_int_t)d->id,
                     "domain", cli_jstr(d->domain),
                     "siteId", (json_int_t)d->site_id,
                     "site", cli_jname(cli, CLI_REF_SITE, d->site_id),
                     "acmeEmail", cli_jstr(d->acme_email),
                     "acmeDirectory", cli_jstr(d->acme_directory),
                     "cloudflareApiEmail", cli_jstr(d->cloudflare_api_email),
                     "cloudflareApiKey", cli_jsecret(d->cloudflare_api_key),
                     "dnsProvider", cli_jstr(d->dns_provider),
                     "createdAt", cli_jstr(d->created_at),
                     "updatedAt", cli_jstr(d->updated_at));
}

static int emit_domain(struct cli *cli, int64_t id, const char *verb)
{
    cdb_external_domain *d = NULL;
    int st = cdb_external_domain_get(cli->db, id, &d);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    int rc = cli_emit_done(cli, domain_json(cli, d), "%s external domain %s (id %lld)", verb,
                           cli_printable(d->domain), (long long)d->id);
    cdb_external_domain_free(d);
    return rc;
}

/* The options add and set share. */
struct domain_opts {
    const char *domain, *site, *acme_email, *acme_dir, *cf_email, *dns_provider;
    int key_stdin;
};

#define DOMAIN_OPTS(o)                                                                            \
    {"site", "SITE", "the site (name or id)", &(o).site, NULL},                                    \
    {"acme-email", "ADDRESS", "mail address for certificate notices", &(o).acme_email, NULL},      \
    {"acme-directory", "URL", "ACME directory URL", &(o).acme_dir, NULL},                          \
    {"cloudflare-email", "ADDRESS", "Cloudflare account mail address", &(o).cf_email, NULL},       \
    {"cloudflare-key-stdin", NULL, "read the Cloudflare API key from standard input", NULL,        \
     &(o).key_stdin},                                                                              \
    {"dns-provider", "NAME", "who answers the ACME DNS challenge: cloudflare (default) or exec",   \
     &(o).dns_provider, NULL}

static int domain_add(struct cli *cli, int argc, char **argv)
{
    struct domain_opts o = {0};
    const struct cli_opt opts[] = {DOMAIN_OPTS(o), {NULL, NULL, NULL, NULL, NULL}};
    const struct cli_spec spec = {"domain add DOMAIN --site SITE [options]",
                                  "Add an external domain for HTTP services.", opts, 1, 1};
    char **args;
    int nargs;
    char key[CLI_SECRET_MAX];
    key[0] = '\0';
    int64_t site_id = 0;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    if (!o.site)
        return cli_error(CLI_EXIT_USAGE, NULL, "domain add needs --site SITE");
    if (o.key_stdin && (rc = cli_read_secret_stdin("cloudflareApiKey", key)))
        goto done;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_id(cli, CLI_REF_SITE, o.site, &site_id)))
        goto done;
    cdb_external_domain_input in = {args[0], o.acme_email, o.acme_dir, o.cf_email,
                                    o.key_stdin ? key : NULL, site_id, o.dns_provider};
    int64_t id = 0;
    int st = cdb_external_domain_create(cli->db, &in, &id);
    rc = st == CDB_OK ? emit_domain(cli, id, "created") : cli_fail(cli, st);
done:
    cdb_wipe(key, sizeof key);
    return rc;
}

static int domain_set(struct cli *cli, int argc, char **argv)
{
    struct domain_opts o = {0};
    const struct cli_opt opts[] = {
        {"domain", "NAME", "rename the domain", &o.domain, NULL},
        DOMAIN_OPTS(o),
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "domain set DOMAIN [options]",
        "Change fields of an external domain (\"\" clears an optional one; an empty\n"
        "line on standard input with --cloudflare-key-stdin clears the key).", opts, 1, 1};
    char **args;
    int nargs;
    char key[CLI_SECRET_MAX];
    key[0] = '\0';
    int64_t site_id = 0;
    cdb_external_domain *d = NULL;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    unsigned fields = (o.domain ? CDB_EDF_DOMAIN : 0) | (o.site ? CDB_EDF_SITE_ID : 0) |
                      (o.acme_email ? CDB_EDF_ACME_EMAIL : 0) |
                      (o.acme_dir ? CDB_EDF_ACME_DIRECTORY : 0) |
                      (o.cf_email ? CDB_EDF_CLOUDFLARE_API_EMAIL : 0) |
                      (o.key_stdin ? CDB_EDF_CLOUDFLARE_API_KEY : 0) |
                      (o.dns_provider ? CDB_EDF_DNS_PROVIDER : 0);
    if (!fields)
        return cli_error(CLI_EXIT_USAGE, NULL, "nothing to change (see clusterdb domain set --help)");
    if (o.key_stdin && (rc = cli_read_secret_stdin("cloudflareApiKey", key)))
        goto done;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_domain(cli, args[0], &d)) ||
        (rc = cli_find_id(cli, CLI_REF_SITE, o.site, &site_id)))
        goto done;
    cdb_external_domain_input in = {o.domain, cli_empty_to_null(o.acme_email),
                                    cli_empty_to_null(o.acme_dir), cli_empty_to_null(o.cf_email),
                                    cli_empty_to_null(key), site_id,
                                    cli_empty_to_null(o.dns_provider)};
    int st = cdb_external_domain_update(cli->db, d->id, fields, &in);
    rc = st == CDB_OK ? emit_domain(cli, d->id, "updated") : cli_fail(cli, st);
done:
    cdb_wipe(key, sizeof key);
    cdb_external_domain_free(d);
    return rc;
}

static int domain_list(struct cli *cli, int argc, char **argv)
{
    const char *site_key = NULL;
    const struct cli_opt opts[] = {
        {"site", "SITE", "only the domains of this site", &site_key, NULL},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"domain list [--site SITE]", "List external domains.", opts, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    int64_t site_id;
    if ((rc = cli_find_id(cli, CLI_REF_SITE, site_key, &site_id)))
        return rc;
    cdb_external_domain **domains = NULL;
    size_t n = 0;
    int st = cdb_external_domain_list(cli->db, site_id, &domains, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, domain_json(cli, domains[i]));
    cdb_external_domain_array_free(domains, n);
    static const struct cli_column cols[] = {
        {"id", "ID"}, {"domain", "DOMAIN"}, {"site", "SITE"}, {"acmeEmail", "ACME MAIL"},
        {"cloudflareApiKey", "CLOUDFLARE KEY"}, {NULL, NULL}
    };
    return cli_emit_list(cli, list, cols);
}

static int domain_show(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"domain show DOMAIN",
                                         "Show an external domain (by name or id).", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_external_domain *d = NULL;
    if ((rc = cli_find_domain(cli, args[0], &d)))
        return rc;
    rc = cli_emit_object(cli, domain_json(cli, d));
    cdb_external_domain_free(d);
    return rc;
}

static int domain_delete(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {
        "domain delete DOMAIN",
        "Delete an external domain.  Refused (exit 4) while HTTP services use it.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_external_domain *d = NULL;
    if ((rc = cli_find_domain(cli, args[0], &d)))
        return rc;
    int st = cdb_external_domain_delete(cli->db, d->id);
    rc = st != CDB_OK ? cli_fail(cli, st)
                      : cli_emit_done(cli, json_pack("{s:I, s:o}", "id", (json_int_t)d->id,
                                                     "domain", cli_jstr(d->domain)),
                                      "deleted external domain %s", cli_printable(d->domain));
    cdb_external_domain_free(d);
    return rc;
}

int cli_cmd_domain(struct cli *cli, int argc, char **argv)
{
    static const struct cli_command cmds[] = {
        {"add", domain_add, "add an external domain"},
        {"list", domain_list, "list external domains"},
        {"show", domain_show, "show one external domain"},
        {"set", domain_set, "change fields of an external domain"},
        {"delete", domain_delete, "delete an external domain"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "domain", "Manage ExternalDomains.", cmds, argc, argv);
}
