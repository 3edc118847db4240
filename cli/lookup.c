/*
 * Finding rows by the names people type.  A missing row is exit 5 with a
 * message naming the field; anything else the library reports passes through.
 */
#include <ctype.h>
#include <string.h>

#include "cli.h"

static int all_digits(const char *s)
{
    if (!s[0])
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

int cli_lookup_fail(struct cli *cli, int st, const char *field, const char *what, const char *key)
{
    if (st == CDB_ERR_NOTFOUND)
        return cli_error(CLI_EXIT_NOTFOUND, field, "no such %s: %s", what, cli_printable(key));
    return cli_fail(cli, st);
}

int cli_find_user(struct cli *cli, const char *username, cdb_user **out)
{
    int st = cdb_user_get_by_name(cli->db, username, out);
    return st == CDB_OK ? 0 : cli_lookup_fail(cli, st, "username", "user", username);
}

int cli_find_group(struct cli *cli, const char *cn, cdb_group **out)
{
    int st = cdb_group_get_by_name(cli->db, cn, out);
    return st == CDB_OK ? 0 : cli_lookup_fail(cli, st, "cn", "group", cn);
}

int cli_find_node(struct cli *cli, const char *name, cdb_node **out)
{
    int st = cdb_node_get_by_name(cli->db, name, out);
    return st == CDB_OK ? 0 : cli_lookup_fail(cli, st, "node", "node", name);
}

int cli_find_container(struct cli *cli, const char *hostname, cdb_container **out)
{
    int st = cdb_container_get_by_hostname(cli->db, hostname, out);
    return st == CDB_OK ? 0 : cli_lookup_fail(cli, st, "hostname", "container", hostname);
}

static int parse_id(const char *field, const char *text, int64_t *id)
{
    return cli_parse_int64(field, text, 1, INT64_MAX, id);
}

int cli_find_job(struct cli *cli, const char *id_text, cdb_job **out)
{
    int64_t id;
    int rc = parse_id("id", id_text, &id);
    if (rc)
        return rc;
    int st = cdb_job_get(cli->db, id, out);
    return st == CDB_OK ? 0 : cli_lookup_fail(cli, st, "id", "job", id_text);
}

int cli_find_service(struct cli *cli, const char *id_text, cdb_service **out)
{
    int64_t id;
    int rc = parse_id("id", id_text, &id);
    if (rc)
        return rc;
    int st = cdb_service_get(cli->db, id, out);
    return st == CDB_OK ? 0 : cli_lookup_fail(cli, st, "id", "service", id_text);
}

/* Sites have no unique name: an id always works, a name must be unambiguous. */
int cli_find_site(struct cli *cli, const char *key, cdb_site **out)
{
    int st;
    if (all_digits(key)) {
        int64_t id;
        int rc = parse_id("site", key, &id);
        if (rc)
            return rc;
        st = cdb_site_get(cli->db, id, out);
        return st == CDB_OK ? 0 : cli_lookup_fail(cli, st, "site", "site", key);
    }
    cdb_site **sites = NULL;
    size_t n = 0, found = 0, match = 0;
    st = cdb_site_list(cli->db, &sites, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(sites[i]->name, key)) {
            found++;
            match = i;
        }
    int rc = 0;
    if (found == 0) {
        rc = cli_lookup_fail(cli, CDB_ERR_NOTFOUND, "site", "site", key);
    } else if (found > 1) {
        rc = cli_error(CLI_EXIT_USAGE, "site", "%zu sites are named %s: give the id", found,
                       cli_printable(key));
    } else {
        *out = sites[match];
        sites[match] = NULL;
    }
    cdb_site_array_free(sites, n);
    return rc;
}

int cli_find_domain(struct cli *cli, const char *key, cdb_external_domain **out)
{
    int st;
    if (all_digits(key)) {
        int64_t id;
        int rc = parse_id("domain", key, &id);
        if (rc)
            return rc;
        st = cdb_external_domain_get(cli->db, id, out);
        return st == CDB_OK ? 0 : cli_lookup_fail(cli, st, "domain", "external domain", key);
    }
    cdb_external_domain **domains = NULL;
    size_t n = 0, found = 0, match = 0;
    st = cdb_external_domain_list(cli->db, 0, &domains, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(domains[i]->domain, key)) {
            found++;
            match = i;
        }
    int rc = 0;
    if (found == 0) {
        rc = cli_lookup_fail(cli, CDB_ERR_NOTFOUND, "domain", "external domain", key);
    } else if (found > 1) {
        rc = cli_error(CLI_EXIT_USAGE, "domain", "%zu external domains are named %s: give the id",
                       found, cli_printable(key));
    } else {
        *out = domains[match];
        domains[match] = NULL;
    }
    cdb_external_domain_array_free(domains, n);
    return rc;
}

json_t *cli_jname(struct cli *cli, enum cli_ref kind, int64_t id)
{
    json_t *name = NULL;
    if (id == 0)
        return json_null();
    switch (kind) {
    case CLI_REF_SITE: {
        cdb_site *row = NULL;
        if (cdb_site_get(cli->db, id, &row) == CDB_OK)
            name = cli_jstr(row->name);
        cdb_site_free(row);
        break;
    }
    case CLI_REF_NODE: {
        cdb_node *row = NULL;
        if (cdb_node_get(cli->db, id, &row) == CDB_OK)
            name = cli_jstr(row->name);
        cdb_node_free(row);
        break;
    }
    case CLI_REF_CONTAINER: {
        cdb_container *row = NULL;
        if (cdb_container_get(cli->db, id, &row) == CDB_OK)
            name = cli_jstr(row->hostname);
        cdb_container_free(row);
        break;
    }
    case CLI_REF_DOMAIN: {
        cdb_external_domain *row = NULL;
        if (cdb_external_domain_get(cli->db, id, &row) == CDB_OK)
            name = cli_jstr(row->domain);
        cdb_external_domain_free(row);
        break;
    }
    }
    return name ? name : json_null();
}

int cli_find_id(struct cli *cli, enum cli_ref kind, const char *key, int64_t *id)
{
    int rc = 0;
    *id = 0;
    if (key == NULL)
        return 0;
    switch (kind) {
    case CLI_REF_SITE: {
        cdb_site *row = NULL;
        if ((rc = cli_find_site(cli, key, &row)) == 0)
            *id = row->id;
        cdb_site_free(row);
        break;
    }
    case CLI_REF_NODE: {
        cdb_node *row = NULL;
        if ((rc = cli_find_node(cli, key, &row)) == 0)
            *id = row->id;
        cdb_node_free(row);
        break;
    }
    case CLI_REF_CONTAINER: {
        cdb_container *row = NULL;
        if ((rc = cli_find_container(cli, key, &row)) == 0)
            *id = row->id;
        cdb_container_free(row);
        break;
    }
    case CLI_REF_DOMAIN: {
        cdb_external_domain *row = NULL;
        if ((rc = cli_find_domain(cli, key, &row)) == 0)
            *id = row->id;
        cdb_external_domain_free(row);
        break;
    }
    }
    return rc;
}
