/*
 * Which external domains of the daemon's site need a certificate, turned
 * into certificate.obtain jobs (cert.h, docs/daemon.md "Certificates").
 */
#define _GNU_SOURCE /* timegm, strptime */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clusterdb/settings.h>

#include "cert.h"
#include "render.h"

#define DEFAULT_RENEWAL_DAYS 30
#define DEFAULT_RETRY_MINUTES 60

/* The current time, or CLUSTERDBD_NOW (seconds since the epoch) when set:
 * the tests move the clock to reach the renewal window. */
static time_t certificate_now(void)
{
    const char *fake = getenv("CLUSTERDBD_NOW");
    char *end;
    long long value;

    if (fake == NULL || fake[0] == '\0')
        return time(NULL);
    errno = 0;
    value = strtoll(fake, &end, 10);
    if (errno != 0 || *end != '\0' || value <= 0) {
        dlog("warning", "CLUSTERDBD_NOW=%s is not seconds since the epoch; using the real clock", fake);
        return time(NULL);
    }
    return (time_t)value;
}

/* ---- settings ------------------------------------------------------------ */

/* A positive whole number from a setting; fallback when absent or invalid. */
static long setting_number(cdb *db, const char *key, long fallback)
{
    char *value = NULL, *end;
    long number = fallback;

    if (cdb_setting_get(db, key, &value) == CDB_OK && value != NULL && value[0] != '\0') {
        errno = 0;
        number = strtol(value, &end, 10);
        if (errno != 0 || *end != '\0' || number <= 0 || number > 100000) {
            dlog("warning", "setting %s=%s is not a positive number; using %ld", key, value, fallback);
            number = fallback;
        }
    }
    cdb_free(value);
    return number;
}

/* ---- which domains need a certificate ------------------------------------ */

/* The id of the site of that name; CDB_ERR_NOTFOUND if none. */
static int certificate_site_id(cdb *db, const char *site_name, int64_t *id)
{
    cdb_site **sites = NULL;
    size_t n = 0;
    int rc = cdb_site_list(db, &sites, &n);

    if (rc != CDB_OK)
        return rc;
    rc = CDB_ERR_NOTFOUND;
    for (size_t i = 0; i < n; i++)
        if (strcmp(sites[i]->name, site_name) == 0) {
            *id = sites[i]->id;
            rc = CDB_OK;
        }
    cdb_site_array_free(sites, n);
    return rc;
}

/* A domain is ACME-managed once it has a contact address. */
int certificate_acme_managed(const cdb_external_domain *domain)
{
    return domain->acme_email != NULL && domain->acme_email[0] != '\0';
}

/* "domain:<id>" -> id; 0 when it is not that shape. */
static int64_t domain_of(const cdb_job *job)
{
    return cdb_job_resource_id(job->associated_resource, CDB_JOB_RESOURCE_DOMAIN);
}

/* "2026-11-26T22:16:04.123Z" -> seconds; 0 when unreadable. */
static time_t parse_iso(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (text == NULL || strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return 0;
    return timegm(&tm);
}

/* The newest certificate job of a domain, or NULL. */
static const cdb_job *latest_job(cdb_job **jobs, size_t n, int64_t domain_id)
{
    const cdb_job *latest = NULL;
    for (size_t i = 0; i < n; i++)
        if (cdb_job_is_kind(jobs[i]->name, CDB_JOB_CERTIFICATE) && domain_of(jobs[i]) == domain_id)
            latest = jobs[i]; /* ascending id: the last one found is the newest */
    return latest;
}

/* Why the domain needs a certificate now, or NULL when it does not. */
static const char *needs_certificate(const char *tls_dir, const cdb_external_domain *domain,
                                     time_t now, long renewal_days)
{
    struct installed_certificate cert;
    int installed = certificate_installed(tls_dir, domain->domain, &cert);

    if (installed == 0)
        return "no certificate yet";
    if (installed < 0)
        return "the installed certificate cannot be read";
    if (cert.not_after - now <= (time_t)renewal_days * 86400)
        return "the certificate expires within the renewal window";
    return NULL;
}

int certificate_schedule(cdb *db, const struct daemon_config *config)
{
    cdb_external_domain **domains = NULL;
    cdb_job **jobs = NULL;
    size_t n_domains = 0, n_jobs = 0;
    int64_t site_id = 0;
    time_t now = certificate_now();
    long renewal_days, retry_minutes;
    int rc, queued = 0;

    if (config->site == NULL)
        return 0;
    if ((rc = certificate_site_id(db, config->site, &site_id)) != CDB_OK)
        return rc == CDB_ERR_NOTFOUND ? 0 : rc; /* rendering reports a missing site */
    if ((rc = cdb_external_domain_list(db, site_id, &domains, &n_domains)) != CDB_OK)
        return rc;
    renewal_days = setting_number(db, SETTING_CERT_RENEWAL_DAYS, DEFAULT_RENEWAL_DAYS);
    retry_minutes = setting_number(db, SETTING_CERT_RETRY_MINUTES, DEFAULT_RETRY_MINUTES);
    if ((rc = cdb_job_list(db, -1, &jobs, &n_jobs)) != CDB_OK)
        goto done;
    for (size_t i = 0; i < n_domains; i++) {
        const cdb_external_domain *domain = domains[i];
        const cdb_job *last;
        const char *why;
        char name[300], resource[64];

        if (!certificate_acme_managed(domain) || !render_safe(domain->domain))
            continue;
        why = needs_certificate(config->tls_dir, domain, now, renewal_days);
        if (why == NULL)
            continue;
        last = latest_job(jobs, n_jobs, domain->id);
        if (last != NULL && (last->status == CDB_JOB_PENDING || last->status == CDB_JOB_RUNNING))
            continue;
        /* A finished attempt (failed, or succeeded with a certificate that is
         * still inside the window) is not repeated every poll. */
        if (last != NULL && now - parse_iso(last->updated_at) < (time_t)retry_minutes * 60)
            continue;
        snprintf(name, sizeof(name), "%s %s", CDB_JOB_CERTIFICATE, domain->domain);
        snprintf(resource, sizeof(resource), "%s%lld", CDB_JOB_RESOURCE_DOMAIN, (long long)domain->id);
        if ((rc = cdb_job_create(db, name, resource, NULL)) != CDB_OK)
            goto done;
        dlog("info", "certificate for %s queued: %s", domain->domain, why);
        queued++;
    }
    rc = queued;
done:
    cdb_job_array_free(jobs, n_jobs);
    cdb_external_domain_array_free(domains, n_domains);
    return rc;
}

int certificate_job_is_ours(cdb *db, const struct daemon_config *config, const cdb_job *job)
{
    cdb_external_domain *domain = NULL;
    int64_t site_id = 0, domain_id = domain_of(job);
    int ours;

    if (config->site == NULL || certificate_site_id(db, config->site, &site_id) != CDB_OK)
        return 0;
    if (domain_id == 0)
        return 1; /* unusable resource: ours to fail with an explanation */
    if (cdb_external_domain_get(db, domain_id, &domain) != CDB_OK)
        return 1; /* gone: fail it (another daemon would say the same) */
    ours = domain->site_id == site_id;
    cdb_external_domain_free(domain);
    return ours;
}
