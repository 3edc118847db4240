/*
 * Certificates of the external domains (docs/daemon.md, "Certificates").
 *
 * Installed at <tls_dir>/<domain>/fullchain.pem (mode 0644) and privkey.pem
 * (mode 0600), where the rendered nginx configuration expects them; lego's
 * own state (ACME account key, its copy of each certificate) lives in
 * <tls_dir>/.lego (mode 0700).
 */
#ifndef CLUSTERDBD_CERT_H
#define CLUSTERDBD_CERT_H

#include <stddef.h>
#include <time.h>

#include "clusterdbd.h"

struct installed_certificate {
    time_t not_after;
    char not_after_text[32]; /* ISO-8601 UTC */
    char serial[80];         /* hex */
};

/* 1 when both files are there and the chain's first certificate parses
 * (*out describes it), 0 when the domain has none yet, -1 when they are
 * unusable (unreadable, not a certificate). */
int certificate_installed(const char *tls_dir, const char *domain, struct installed_certificate *out);

/* Install a chain and its key for domain (key first, each atomically).
 * 0, or -1 with the reason in why. */
int certificate_install(const char *tls_dir, const char *domain, const char *chain,
                        size_t chain_len, const char *key, size_t key_len, char *why, size_t why_size);

/* Settings that tune certificates (all optional). */
#define SETTING_CERT_RENEWAL_DAYS "certificate_renewal_days"   /* default 30 */
#define SETTING_CERT_RETRY_MINUTES "certificate_retry_minutes" /* default 60 */
#define SETTING_CERT_DNS_RESOLVERS "certificate_dns_resolvers" /* host:port,...; default system */
#define SETTING_CERT_PROPAGATION "certificate_dns_propagation_check" /* true (default) / false */

/* Queue a certificate job for each domain of the daemon's site that has ACME
 * settings and no certificate, or one that expires within the renewal
 * window; a domain whose last attempt failed is tried again after the retry
 * interval.  Returns the number of jobs queued, or a negative status. */
int certificate_schedule(cdb *db, const struct daemon_config *config);

/* Whether this daemon runs the job: the domain must belong to its site
 * (the certificate is installed where that site's nginx reads it). */
int certificate_job_is_ours(cdb *db, const struct daemon_config *config, const cdb_job *job);

/* The job itself: obtain a certificate for the domain and its wildcard with
 * lego (DNS-01), install it.  CDB_OK, or a negative status after job_say(). */
int certificate_job(struct job_run *run);

int certificate_acme_managed(const cdb_external_domain *domain);    /* it has an acmeEmail */

#endif
