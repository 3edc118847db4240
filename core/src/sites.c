/*
 * sites.c: the Sites table.  A site's network settings are checked as a whole
 * (the DHCP range must lie inside the gateway's subnet) because the daemon
 * renders them into dnsmasq's configuration as they are.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterdb/validate.h>

#include "cluster_internal.h"

#define SITE_COLUMNS \
    "id, name, internalDomain, dhcpRange, subnetMask, gateway, dnsForwarders, createdAt, updatedAt"

/* SELECT column i of SITE_COLUMNS lands in site_fields[i]. */
static const cm_field site_fields[] = {
    CM_FIELD(CM_INT64, cdb_site, id),
    CM_FIELD(CM_TEXT, cdb_site, name),
    CM_FIELD(CM_TEXT, cdb_site, internal_domain),
    CM_FIELD(CM_TEXT, cdb_site, dhcp_range),
    CM_FIELD(CM_TEXT, cdb_site, subnet_mask),
    CM_FIELD(CM_TEXT, cdb_site, gateway),
    CM_FIELD(CM_TEXT, cdb_site, dns_forwarders),
    CM_FIELD(CM_TEXT, cdb_site, created_at),
    CM_FIELD(CM_TEXT, cdb_site, updated_at),
};
static const cm_model site_model = CM_MODEL("site", cdb_site, site_fields);

CM_MODEL_FREE_FUNCTIONS(site_model, cdb_site, cdb_site_free, cdb_site_array_free)

/* ---------------------------------------------------------- validation */

/* A contiguous netmask: ones, then zeros, at least one one. */
static int mask_prefix(uint32_t mask)
{
    uint32_t host = ~mask;

    if (mask == 0 || (host & (host + 1)) != 0)
        return -1;
    return 32 - __builtin_popcount(host);
}

/*
 * "a.b.c.d,e.f.g.h" with optional blanks around items; written back without
 * them into *normalized (malloc'd) so the daemon can split on ','.
 */
static int check_forwarders(cdb *db, const char *value, char **normalized)
{
    size_t len = strlen(value);
    char *out = NULL, *copy = NULL, *item;
    size_t used = 0;
    int status = CDB_OK, count = 0;

    *normalized = NULL;
    if (len > 1024)
        return cdb_fail(db, CDB_ERR_INVALID, "dnsForwarders", "dnsForwarders is longer than 1024 bytes");
    copy = strdup(value);
    out = calloc(1, len + 1);
    if (!copy || !out) {
        status = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }
    /* strtok_r would merge empty items ("1.1.1.1,,8.8.8.8"); walk by hand. */
    item = copy;
    for (;;) {
        char *comma = strchr(item, ',');
        char *end;
        uint32_t ignored;

        if (comma)
            *comma = '\0';
        while (*item == ' ' || *item == '\t')
            item++;
        end = item + strlen(item);
        while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!*item || cm_parse_ipv4(item, &ignored) != 0 || !cdb_valid_ipv4(item)) {
            status = cdb_fail(db, CDB_ERR_INVALID, "dnsForwarders",
                              "dnsForwarders must be a comma-separated list of IPv4 addresses "
                              "(item %d is not one)", count + 1);
            goto done;
        }
        if (count++)
            out[used++] = ',';
        memcpy(out + used, item, strlen(item));
        used += strlen(item);
        if (!comma)
            break;
        item = comma + 1;
    }
    *normalized = out;
    out = NULL;
done:
    free(copy);
    free(out);
    return status;
}

static int check_dhcp_range(cdb *db, const char *range, uint32_t mask, uint32_t gateway)
{
    char start_text[16], end_text[16];
    const char *dash = strchr(range, '-');
    uint32_t start, end, network = gateway & mask, broadcast = network | ~mask;
    size_t start_len;

    if (!dash || strchr(dash + 1, '-'))
        return cdb_fail(db, CDB_ERR_INVALID, "dhcpRange",
                        "dhcpRange must be \"start-end\" with two IPv4 addresses");
    start_len = (size_t)(dash - range);
    if (start_len >= sizeof start_text || strlen(dash + 1) >= sizeof end_text)
        return cdb_fail(db, CDB_ERR_INVALID, "dhcpRange",
                        "dhcpRange must be \"start-end\" with two IPv4 addresses");
    memcpy(start_text, range, start_len);
    start_text[start_len] = '\0';
    strcpy(end_text, dash + 1);
    if (cm_parse_ipv4(start_text, &start) != 0 || cm_parse_ipv4(end_text, &end) != 0 ||
        !cdb_valid_ipv4(start_text) || !cdb_valid_ipv4(end_text))
        return cdb_fail(db, CDB_ERR_INVALID, "dhcpRange",
                        "dhcpRange must be \"start-end\" with two IPv4 addresses");
    if (start > end)
        return cdb_fail(db, CDB_ERR_INVALID, "dhcpRange",
                        "dhcpRange: the start address is above the end address");
    if ((start & mask) != network || (end & mask) != network)
        return cdb_fail(db, CDB_ERR_INVALID, "dhcpRange",
                        "dhcpRange must lie inside the subnet of gateway/subnetMask");
    /* The network and broadcast addresses cannot be leased (except in the
     * point-to-point /31 and /32 cases, where they do not exist). */
    if (mask_prefix(mask) <= 30 && (start == network || end == broadcast))
        return cdb_fail(db, CDB_ERR_INVALID, "dhcpRange",
                        "dhcpRange must not include the subnet's network or broadcast address");
    return CDB_OK;
}

/* Validate a whole site; *forwarders_out gets the normalized dnsForwarders
 * (or NULL when there are none). */
static int validate_site(cdb *db, const cdb_site_input *in, char **forwarders_out)
{
    uint32_t mask = 0, gateway = 0;
    int status;

    *forwarders_out = NULL;
    if ((status = cm_check_text(db, "name", in->name, 1, CDB_MAX_TEXT)) != CDB_OK)
        return status;
    if (!in->internal_domain)
        return cdb_fail(db, CDB_ERR_INVALID, "internalDomain", "internalDomain is required");
    if (strnlen(in->internal_domain, 254) > 253 || !cdb_valid_domain(in->internal_domain))
        return cdb_fail(db, CDB_ERR_INVALID, "internalDomain",
                        "internalDomain must be a dotted DNS name (e.g. cluster.internal)");
    if (in->subnet_mask) {
        if (cm_parse_ipv4(in->subnet_mask, &mask) != 0 || mask_prefix(mask) < 0)
            return cdb_fail(db, CDB_ERR_INVALID, "subnetMask",
                            "subnetMask must be a contiguous IPv4 netmask (e.g. 255.255.255.0)");
    }
    if ((status = cm_check_ipv4(db, "gateway", in->gateway, 0)) != CDB_OK)
        return status;
    if (in->gateway)
        (void)cm_parse_ipv4(in->gateway, &gateway);
    if (in->gateway && in->subnet_mask && mask_prefix(mask) <= 30) {
        uint32_t network = gateway & mask;
        if (gateway == network || gateway == (network | ~mask))
            return cdb_fail(db, CDB_ERR_INVALID, "gateway",
                            "gateway must not be the network or broadcast address of its subnet");
    }
    if (in->dhcp_range) {
        if (!in->subnet_mask || !in->gateway)
            return cdb_fail(db, CDB_ERR_INVALID, "dhcpRange",
                            "dhcpRange needs subnetMask and gateway to be set");
        if (strnlen(in->dhcp_range, 64) >= 64)
            return cdb_fail(db, CDB_ERR_INVALID, "dhcpRange",
                            "dhcpRange must be \"start-end\" with two IPv4 addresses");
        if ((status = check_dhcp_range(db, in->dhcp_range, mask, gateway)) != CDB_OK)
            return status;
    }
    if (in->dns_forwarders)
        return check_forwarders(db, in->dns_forwarders, forwarders_out);
    return CDB_OK;
}

/* ---------------------------------------------------------------- CRUD */

int cdb_site_create(cdb *db, const cdb_site_input *in, int64_t *id_out)
{
    static const char sql[] =
        "INSERT INTO Sites (name, internalDomain, dhcpRange, subnetMask, gateway, dnsForwarders, "
        "createdAt, updatedAt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
    cdb_sql_stmt *st = NULL;
    char *forwarders = NULL;
    char now[32];
    int64_t id = 0;
    int status, brc = CDB_SQL_OK;

    if (!in)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no site given");
    if ((status = validate_site(db, in, &forwarders)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        goto done;
    status = cdb_stmt(db, sql, &st);
    if (status == CDB_OK) {
        cdb_now_iso(now);
        cm_bind(&brc, cdb_bind_text(st, 1, in->name));
        cm_bind(&brc, cdb_bind_text(st, 2, in->internal_domain));
        cm_bind(&brc, cdb_bind_text(st, 3, in->dhcp_range));
        cm_bind(&brc, cdb_bind_text(st, 4, in->subnet_mask));
        cm_bind(&brc, cdb_bind_text(st, 5, in->gateway));
        cm_bind(&brc, cdb_bind_text(st, 6, forwarders));
        cm_bind(&brc, cdb_bind_text(st, 7, now));
        status = cm_bind_status(db, brc);
        if (status == CDB_OK)
            status = cm_exec(db, st, "inserting the site");
        else
            cdb_stmt_done(st);
    }
    if (status == CDB_OK)
        id = cdb_last_insert_id(db);
    status = cm_tx_end(db, status);
    if (status == CDB_OK && id_out)
        *id_out = id;
done:
    free(forwarders);
    return status;
}

int cdb_site_get(cdb *db, int64_t id, cdb_site **out)
{
    static const char sql[] = "SELECT " SITE_COLUMNS " FROM Sites WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    void *item = NULL;
    int status = cdb_stmt(db, sql, &st);

    if (status != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, cdb_bind_int64(st, 1, id))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    status = cm_fetch_one(db, st, &site_model, &item);
    if (status == CDB_OK)
        *out = item;
    return status;
}

int cdb_site_list(cdb *db, cdb_site ***out, size_t *n_out)
{
    static const char sql[] = "SELECT " SITE_COLUMNS " FROM Sites ORDER BY id";
    cdb_sql_stmt *st = NULL;
    cm_vec vec = {0};
    int status = cdb_stmt(db, sql, &st);

    if (status != CDB_OK)
        return status;
    status = cm_collect(db, st, &site_model, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_site, out, n_out, site_model, status);
    return status;
}

int cdb_site_update(cdb *db, int64_t id, unsigned fields, const cdb_site_input *in)
{
    static const char sql[] =
        "UPDATE Sites SET name = ?2, internalDomain = ?3, dhcpRange = ?4, subnetMask = ?5, "
        "gateway = ?6, dnsForwarders = ?7, updatedAt = ?8 WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    cdb_site *cur = NULL;
    cdb_site_input merged;
    char *forwarders = NULL;
    char now[32];
    int status, brc = CDB_SQL_OK;

    if (!in && fields)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no site given");
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_site_get(db, id, &cur)) != CDB_OK)
        goto done;
    merged.name = (fields & CDB_SITEF_NAME) ? in->name : cur->name;
    merged.internal_domain =
        (fields & CDB_SITEF_INTERNAL_DOMAIN) ? in->internal_domain : cur->internal_domain;
    merged.dhcp_range = (fields & CDB_SITEF_DHCP_RANGE) ? in->dhcp_range : cur->dhcp_range;
    merged.subnet_mask = (fields & CDB_SITEF_SUBNET_MASK) ? in->subnet_mask : cur->subnet_mask;
    merged.gateway = (fields & CDB_SITEF_GATEWAY) ? in->gateway : cur->gateway;
    merged.dns_forwarders =
        (fields & CDB_SITEF_DNS_FORWARDERS) ? in->dns_forwarders : cur->dns_forwarders;
    if ((status = validate_site(db, &merged, &forwarders)) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    cm_bind(&brc, cdb_bind_text(st, 2, merged.name));
    cm_bind(&brc, cdb_bind_text(st, 3, merged.internal_domain));
    cm_bind(&brc, cdb_bind_text(st, 4, merged.dhcp_range));
    cm_bind(&brc, cdb_bind_text(st, 5, merged.subnet_mask));
    cm_bind(&brc, cdb_bind_text(st, 6, merged.gateway));
    cm_bind(&brc, cdb_bind_text(st, 7, forwarders));
    cm_bind(&brc, cdb_bind_text(st, 8, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec_one(db, st, "updating the site", "Sites", id);
done:
    status = cm_tx_end(db, status);
    cdb_site_free(cur);
    free(forwarders);
    return status;
}

int cdb_site_delete(cdb *db, int64_t id)
{
    static const char count_nodes[] = "SELECT count(*) FROM Nodes WHERE siteId = ?1";
    static const char count_domains[] = "SELECT count(*) FROM ExternalDomains WHERE siteId = ?1";
    static const char sql[] = "DELETE FROM Sites WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    int64_t nodes = 0, domains = 0;
    int status;

    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    /* The foreign keys would refuse too; counting first names the reason. */
    if ((status = cm_count(db, count_nodes, id, &nodes)) != CDB_OK ||
        (status = cm_count(db, count_domains, id, &domains)) != CDB_OK)
        goto done;
    if (nodes > 0) {
        status = cdb_fail(db, CDB_ERR_CONSTRAINT, "Nodes.siteId",
                          "site %lld still has %lld node(s); delete or move them first",
                          (long long)id, (long long)nodes);
        goto done;
    }
    if (domains > 0) {
        status = cdb_fail(db, CDB_ERR_CONSTRAINT, "ExternalDomains.siteId",
                          "site %lld still has %lld external domain(s); delete them first",
                          (long long)id, (long long)domains);
        goto done;
    }
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    if ((status = cm_bind_status(db, cdb_bind_int64(st, 1, id))) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec_one(db, st, "deleting the site", "Sites", id);
done:
    return cm_tx_end(db, status);
}
