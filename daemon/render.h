/*
 * Rendering a site's reverse proxy and DNS/DHCP configuration, in three
 * steps that know nothing of each other:
 *
 *   render_snapshot.c  one consistent picture of the site, read in one read
 *                      transaction; any failed read fails the whole load
 *   render_nginx.c,    text from a snapshot alone (no database), so the same
 *   render_dnsmasq.c   data always gives byte-identical files
 *   render_install.c   atomic write, validation, restore, reload
 *
 * render.c (render_configs in clusterdbd.h) strings them together: a render
 * either installs files made from a complete snapshot or changes nothing.
 */
#ifndef CLUSTERDBD_RENDER_H
#define CLUSTERDBD_RENDER_H

#include <stddef.h>
#include <sys/types.h>

#include <clusterdb/clusterdb.h>
#include <clusterdb/cluster.h>

struct snapshot_container {
    cdb_container *container;
    cdb_service **services; /* its services, ascending id */
    size_t n_services;
};

struct site_snapshot {
    cdb_site *site;
    cdb_node **nodes; /* ascending id */
    size_t n_nodes;
    struct snapshot_container *containers; /* of the site's nodes, ascending id */
    size_t n_containers;
    cdb_external_domain **domains; /* of the site, ascending id */
    size_t n_domains;
};

/* CDB_OK, CDB_ERR_NOTFOUND for an unknown site, or the failed read's status
 * (the reason on the handle).  On failure *out holds nothing. */
int site_snapshot_load(cdb *db, const char *site_name, struct site_snapshot *out);
void site_snapshot_clear(struct site_snapshot *snapshot);

struct render_options {
    const char *tls_dir; /* <tls_dir>/<domain>/{fullchain,privkey}.pem */
    /* Per snapshot domain (same index): a short text naming the installed
     * certificate (it changes when the certificate is replaced, so nginx is
     * reloaded), or NULL when the domain has none yet: its services are then
     * left out rather than making nginx refuse the whole configuration. */
    const char *const *certificates;
};

/* Each returns a malloc'd text, or NULL when memory ran out. */
char *render_nginx_http(const struct site_snapshot *snapshot, const struct render_options *options);
char *render_nginx_stream(const struct site_snapshot *snapshot, const struct render_options *options);
char *render_dnsmasq(const struct site_snapshot *snapshot);

/* Whether a value may be written into a configuration file (render_text.c). */
int render_safe(const char *value);

/* Replace path's content atomically (temporary file created with mode,
 * flushed, renamed over path).  0, or -1 with errno set. */
int install_file_atomically(const char *path, const char *content, size_t len, mode_t mode);

/* One file of a group validated together. */
struct config_file {
    const char *path;
    char *content; /* the new content */
    char *old;     /* the previous content, NULL if there was no file */
    int existed;
    int changed;
};

/* Write the changed files of a group atomically, run test_command, put the
 * old contents back if it fails, else run reload_command.  0 or -1 (logged). */
int install_group(struct config_file *files, size_t n, const char *service,
                  const char *test_command, const char *reload_command);

#endif
