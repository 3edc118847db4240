/*
 * domains.c: the ExternalDomains table (public domains for HTTP services,
 * with their ACME and Cloudflare settings).  cloudflareApiKey is a secret:
 * stored as given, never put into a message.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterdb/validate.h>

#include "cluster_internal.h"

#define DOMAIN_COLUMNS                                                                  \
    "id, domain, acmeEmail, acmeDirectory, cloudflareApiEmail, cloudflareApiKey, siteId, " \
    "createdAt, updatedAt, dnsProvider"

#define MAX_SECRET 1024
#define MAX_URL 2048

/* SELECT column i of EXTERNAL_DOMAIN_COLUMNS lands in domain_fields[i]. */
static const cm_field domain_fields[] = {
    CM_FIELD(CM_INT64, cdb_external_domain, id),
    CM_FIELD(CM_TEXT, cdb_external_domain, domain),
    CM_FIELD(CM_TEXT, cdb_external_domain, acme_email),
    CM_FIELD(CM_TEXT, cdb_external_domain, acme_directory),
    CM_FIELD(CM_TEXT, cdb_external_domain, cloudflare_api_email),
    CM_FIELD(CM_SECRET, cdb_external_domain, cloudflare_api_key),
    CM_FIELD(CM_INT64, cdb_external_domain, site_id),
    CM_FIELD(CM_TEXT, cdb_external_domain, created_at),
    CM_FIELD(CM_TEXT, cdb_external_domain, updated_at),
    CM_FIELD(CM_TEXT, cdb_external_domain, dns_provider),
};
static const cm_model domain_model = CM_MODEL("external domain", cdb_external_domain, domain_fields);

CM_MODEL_FREE_FUNCTIONS(domain_model, cdb_external_domain, cdb_external_domain_free, cdb_external_domain_array_free)

static const char site_exists_sql[] = "SELECT 1 FROM Sites WHERE id = ?1";

static int validate_domain(cdb *db, const cdb_external_domain_input *in)
{
    int status;

    if (!in->domain)
        return cdb_fail(db, CDB_ERR_INVALID, "domain", "domain is required");
    if (strnlen(in->domain, 254) > 253 || !cdb_valid_domain(in->domain))
        return cdb_fail(db, CDB_ERR_INVALID, "domain",
                        "domain must be a dotted DNS name (e.g. example.com)");
    if (in->acme_email && !cdb_valid_mail(in->acme_email))
        return cdb_fail(db, CDB_ERR_INVALID, "acmeEmail", "acmeEmail must be a mail address");
    if (in->acme_directory &&
        (strnlen(in->acme_directory, MAX_URL + 1) > MAX_URL || !cdb_valid_url(in->acme_directory)))
        return cdb_fail(db, CDB_ERR_INVALID, "acmeDirectory",
                        "acmeDirectory must be an http:// or https:// URL with a host");
    if (in->cloudflare_api_email && !cdb_valid_mail(in->cloudflare_api_email))
        return cdb_fail(db, CDB_ERR_INVALID, "cloudflareApiEmail",
                        "cloudflareApiEmail must be a mail address");
    if ((status = cm_check_text(db, "cloudflareApiKey", in->cloudflare_api_key, 0, MAX_SECRET)) !=
        CDB_OK)
        return status;
    if (in->site_id <= 0)
        return cdb_fail(db, CDB_ERR_INVALID, "siteId", "siteId is required (a Sites id)");
    if (in->dns_provider && strcmp(in->dns_provider, "cloudflare") != 0 &&
        strcmp(in->dns_provider, "exec") != 0)
        return cdb_fail(db, CDB_ERR_INVALID, "dnsProvider", "dnsProvider must be cloudflare or exec");
    return CDB_OK;
}

static int bind_domain(cdb_sql_stmt *st, const cdb_external_domain_input *in, const char *now)
{
    int brc = CDB_SQL_OK;

    cm_bind(&brc, cdb_bind_text(st, 2, in->domain));
    cm_bind(&brc, cdb_bind_text(st, 3, in->acme_email));
    cm_bind(&brc, cdb_bind_text(st, 4, in->acme_directory));
    cm_bind(&brc, cdb_bind_text(st, 5, in->cloudflare_api_email));
    cm_bind(&brc, cdb_bind_text(st, 6, in->cloudflare_api_key));
    cm_bind(&brc, cdb_bind_int64(st, 7, in->site_id));
    cm_bind(&brc, cdb_bind_text(st, 8, now));
    cm_bind(&brc, cdb_bind_text(st, 9, in->dns_provider ? in->dns_provider : "cloudflare"));
    return brc;
}

int cdb_external_domain_create(cdb *db, const cdb_external_domain_input *in, int64_t *id_out)
{
    static const char sql[] =
        "INSERT INTO ExternalDomains (domain, acmeEmail, acmeDirectory, cloudflareApiEmail, "
        "cloudflareApiKey, siteId, createdAt, updatedAt, dnsProvider) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)";
    cdb_sql_stmt *st = NULL;
    char now[32];
    int64_t id = 0;
    int status;

    if (!in)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no external domain given");
    if ((status = validate_domain(db, in)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cm_require_row(db, site_exists_sql, in->site_id, "siteId", "Sites")) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    if ((status = cm_bind_status(db, bind_domain(st, in, now))) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec(db, st, "inserting the external domain")) == CDB_OK)
        id = cdb_last_insert_id(db);
done:
    status = cm_tx_end(db, status);
    if (status == CDB_OK && id_out)
        *id_out = id;
    return status;
}

int cdb_external_domain_get(cdb *db, int64_t id, cdb_external_domain **out)
{
    static const char sql[] = "SELECT " DOMAIN_COLUMNS " FROM ExternalDomains WHERE id = ?1";
    void *item = NULL;
    int status = cm_get_id(db, sql, id, &domain_model, &item);

    if (status == CDB_OK)
        *out = item;
    return status;
}

int cdb_external_domain_list(cdb *db, int64_t site_id, cdb_external_domain ***out,
                             size_t *n_out)
{
    static const char sql[] = "SELECT " DOMAIN_COLUMNS
                              " FROM ExternalDomains WHERE ?1 = 0 OR siteId = ?1 ORDER BY id";
    cm_vec vec = {0};
    int status = cm_list_id(db, sql, site_id, &domain_model, &vec);

    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_external_domain, out, n_out, domain_model, status);
    return status;
}

int cdb_external_domain_update(cdb *db, int64_t id, unsigned fields,
                               const cdb_external_domain_input *in)
{
    static const char sql[] =
        "UPDATE ExternalDomains SET domain = ?2, acmeEmail = ?3, acmeDirectory = ?4, "
        "cloudflareApiEmail = ?5, cloudflareApiKey = ?6, siteId = ?7, updatedAt = ?8, "
        "dnsProvider = ?9 WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    cdb_external_domain *cur = NULL;
    cdb_external_domain_input m;
    char now[32];
    int status, brc;

    if (!in && fields)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no external domain given");
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_external_domain_get(db, id, &cur)) != CDB_OK)
        goto done;
    m.domain = (fields & CDB_EDF_DOMAIN) ? in->domain : cur->domain;
    m.acme_email = (fields & CDB_EDF_ACME_EMAIL) ? in->acme_email : cur->acme_email;
    m.acme_directory = (fields & CDB_EDF_ACME_DIRECTORY) ? in->acme_directory : cur->acme_directory;
    m.cloudflare_api_email =
        (fields & CDB_EDF_CLOUDFLARE_API_EMAIL) ? in->cloudflare_api_email : cur->cloudflare_api_email;
    m.cloudflare_api_key =
        (fields & CDB_EDF_CLOUDFLARE_API_KEY) ? in->cloudflare_api_key : cur->cloudflare_api_key;
    m.site_id = (fields & CDB_EDF_SITE_ID) ? in->site_id : cur->site_id;
    m.dns_provider = (fields & CDB_EDF_DNS_PROVIDER) ? in->dns_provider : cur->dns_provider;
    if ((status = validate_domain(db, &m)) != CDB_OK)
        goto done;
    if ((fields & CDB_EDF_SITE_ID) &&
        (status = cm_require_row(db, site_exists_sql, m.site_id, "siteId", "Sites")) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    brc = bind_domain(st, &m, now);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    status = cm_exec_one(db, st, "updating the external domain", "ExternalDomains", id);
    if (status == CDB_OK && (fields & CDB_EDF_SITE_ID))
        status = cm_check_http_sites(db, id, 0, 0, "siteId");
done:
    status = cm_tx_end(db, status);
    cdb_external_domain_free(cur);
    return status;
}

int cdb_external_domain_delete(cdb *db, int64_t id)
{
    static const char count_sql[] = "SELECT count(*) FROM HTTPServices WHERE externalDomainId = ?1";
    static const char sql[] = "DELETE FROM ExternalDomains WHERE id = ?1";
    int64_t services = 0;
    int status;

    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cm_count(db, count_sql, id, &services)) != CDB_OK)
        goto done;
    if (services > 0) {
        status = cdb_fail(db, CDB_ERR_CONSTRAINT, "HTTPServices.externalDomainId",
                          "external domain %lld is still used by %lld HTTP service(s)",
                          (long long)id, (long long)services);
        goto done;
    }
    status = cm_exec_id(db, sql, id, "deleting the external domain", "ExternalDomains");
done:
    return cm_tx_end(db, status);
}
