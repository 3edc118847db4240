/*
 * Rendering the reverse proxy and DNS/DHCP configuration of one site
 * (DESIGN.md section 9; the steps are described in render.h): read the site
 * in one snapshot, render every file from it, then install.  A failed read
 * installs nothing: a configuration rendered from part of the data would
 * silently drop vhosts and records.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "clusterdbd.h"
#include "render.h"

/* Per domain of the snapshot: the installed certificate's description, or
 * NULL when it has none (render_options.certificates). */
static char **describe_certificates(const struct site_snapshot *snapshot, const char *tls_dir)
{
    char **certificates = calloc(snapshot->n_domains ? snapshot->n_domains : 1, sizeof(*certificates));

    if (certificates == NULL)
        return NULL;
    for (size_t i = 0; i < snapshot->n_domains; i++) {
        struct installed_certificate cert;
        const char *domain = snapshot->domains[i]->domain;
        if (!render_safe(domain) || certificate_installed(tls_dir, domain, &cert) != 1)
            continue;
        if (asprintf(&certificates[i], "serial %s, valid until %s", cert.serial, cert.not_after_text) < 0)
            certificates[i] = NULL; /* rendered without it: that domain's services wait */
    }
    return certificates;
}

int render_configs(cdb *db, const struct daemon_config *config)
{
    struct site_snapshot snapshot;
    struct config_file nginx[2], dnsmasq[1];
    struct render_options options = {.tls_dir = config->tls_dir};
    char **certificates;
    size_t n_nginx = 0;
    int rc, result = 0;

    if (config->site == NULL)
        return 0;
    rc = site_snapshot_load(db, config->site, &snapshot);
    if (rc != CDB_OK) {
        dlog("error", "render: site %s: %s; the installed files stay", config->site,
             rc == CDB_ERR_NOTFOUND ? "no such site" : cdb_errmsg(db));
        return -1;
    }
    certificates = describe_certificates(&snapshot, config->tls_dir);
    options.certificates = (const char *const *)certificates;
    memset(nginx, 0, sizeof(nginx));
    memset(dnsmasq, 0, sizeof(dnsmasq));
    if (config->nginx_http_conf != NULL) {
        nginx[n_nginx].path = config->nginx_http_conf;
        nginx[n_nginx++].content = certificates ? render_nginx_http(&snapshot, &options) : NULL;
    }
    if (config->nginx_stream_conf != NULL) {
        nginx[n_nginx].path = config->nginx_stream_conf;
        nginx[n_nginx++].content = certificates ? render_nginx_stream(&snapshot, &options) : NULL;
    }
    if (config->dnsmasq_conf != NULL) {
        dnsmasq[0].path = config->dnsmasq_conf;
        dnsmasq[0].content = render_dnsmasq(&snapshot);
    }
    for (size_t i = 0; i < n_nginx; i++)
        if (nginx[i].content == NULL)
            result = -1;
    if (config->dnsmasq_conf != NULL && dnsmasq[0].content == NULL)
        result = -1;
    if (result != 0) {
        dlog("error", "render: out of memory; the installed files stay");
    } else {
        /* nginx and dnsmasq are independent: one's failure does not hold
         * back the other. */
        if (n_nginx > 0 &&
            install_group(nginx, n_nginx, "nginx", config->nginx_test, config->nginx_reload) != 0)
            result = -1;
        if (config->dnsmasq_conf != NULL &&
            install_group(dnsmasq, 1, "dnsmasq", config->dnsmasq_test, config->dnsmasq_reload) != 0)
            result = -1;
    }
    for (size_t i = 0; i < 2; i++) {
        free(nginx[i].content);
        free(nginx[i].old);
    }
    free(dnsmasq[0].content);
    free(dnsmasq[0].old);
    for (size_t i = 0; certificates && i < snapshot.n_domains; i++)
        free(certificates[i]);
    free(certificates);
    site_snapshot_clear(&snapshot);
    return result;
}
