/*
 * clusterdbd: runs the pending Jobs of a clusterdb database against the
 * Proxmox VE nodes they concern (container creation and deletion).
 *
 *   clusterdbd [--db FILE] [--once] [--poll-interval S] [...]
 *
 * Logs go to stderr, one line per event, never with a secret.  SIGTERM or
 * SIGINT: claim no new job, give up waiting at the next poll (the job in
 * hand is recorded as failed with the reason) and exit 0.  SIGHUP (systemctl
 * reload): end the wait at once, look for jobs and render now.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <clusterdb/pve.h>

#include "cert.h"
#include "clusterdbd.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define DEFAULT_TLS_DIR "/etc/ssl/clusterdb"
#define DEFAULT_NGINX_TEST "nginx -t -q"
#define DEFAULT_NGINX_RELOAD "nginx -s reload"
#define DEFAULT_DNSMASQ_TEST "dnsmasq --test --conf-file=\"$CLUSTERDB_CONFIG\""
/* dnsmasq re-reads only its hosts files on SIGHUP: a changed configuration
 * needs a restart. */
#define DEFAULT_DNSMASQ_RELOAD "systemctl restart dnsmasq"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: clusterdbd [--db FILE] [options]\n"
            "\n"
            "Run the pending jobs of a clusterdb database against Proxmox VE:\n");
    job_kinds_describe(out);
    fprintf(out,
            "\n"
            "Options:\n"
            "  --db FILE             the database (default: $CLUSTERDB_DB, else " CDB_DEFAULT_DB_PATH ")\n"
            "  --once                run the jobs pending now, then exit\n"
            "  --poll-interval S     seconds between looks for new jobs (default 5)\n"
            "  --task-timeout S      bound on each Proxmox task (default 600)\n"
            "  --ip-timeout S        bound on the wait for a container's address (default 120)\n"
            "  --request-timeout S   bound on each Proxmox API request (default 60)\n"
            "  --interface NAME      the container interface to record (default eth0)\n"
            "  --pve-ca-file FILE    CA certificates (PEM) for the nodes' API\n"
            "  --lease S             how long a claimed job stays this daemon's without a\n"
            "                        renewal; another daemon then recovers it (default 300)\n"
            "\n"
            "Configuration rendering (after each look for jobs; only changed files are\n"
            "written, validated, restored if rejected, then the service reloaded):\n"
            "  --site NAME               the site whose configuration is rendered\n"
            "  --nginx-http-conf FILE    server blocks for HTTP services (nginx http block)\n"
            "  --nginx-stream-conf FILE  server blocks for transport services (stream block)\n"
            "  --dnsmasq-conf FILE       dnsmasq: domain, forwarders, DHCP, host and SRV records\n"
            "  --tls-dir DIR             certificates: DIR/<domain>/fullchain.pem, privkey.pem\n"
            "                            (default " DEFAULT_TLS_DIR ")\n"
            "  --nginx-test CMD          default: " DEFAULT_NGINX_TEST "\n"
            "  --nginx-reload CMD        default: " DEFAULT_NGINX_RELOAD "\n"
            "  --dnsmasq-test CMD        default: " DEFAULT_DNSMASQ_TEST "\n"
            "  --dnsmasq-reload CMD      default: " DEFAULT_DNSMASQ_RELOAD "\n"
            "  (commands run with /bin/sh; $CLUSTERDB_CONFIG names the file concerned)\n"
            "\n"
            "  --help, --version\n"
            "\n"
            "Exit status: 0 stopped normally (job failures are recorded in the database),\n"
            "1 the database cannot be used (or, with --once, rendering failed), 2 usage error.\n");
}

/*
 * "host:pid:boot": which daemon holds a job.  The boot id lets a daemon on
 * the same machine tell that a holder's pid is dead (not merely in another
 * boot's numbering) and recover its jobs without waiting for the lease.
 */
static void set_lease_owner(struct daemon_config *config)
{
    char host[64] = "unknown", boot[16] = "noboot";
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "unknown");
    host[sizeof(host) - 1] = '\0';
    for (char *p = host; *p; p++)
        if (*p == ':')
            *p = '_';
    if (f != NULL) {
        if (fscanf(f, "%8[0-9a-f]", boot) != 1)
            snprintf(boot, sizeof(boot), "noboot");
        fclose(f);
    }
    snprintf(config->owner, sizeof(config->owner), "%s:%ld:%s", host, (long)getpid(), boot);
}

/* A positive number of seconds (fractions allowed) -> milliseconds. */
static int parse_seconds(const char *text, long *ms_out)
{
    char *end;
    double seconds;

    errno = 0;
    seconds = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(seconds > 0) || seconds > 86400.0)
        return -1;
    *ms_out = (long)(seconds * 1000.0);
    if (*ms_out < 1)
        *ms_out = 1;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"once", no_argument, NULL, 'o'},
        {"poll-interval", required_argument, NULL, 'p'},
        {"task-timeout", required_argument, NULL, 't'},
        {"ip-timeout", required_argument, NULL, 'i'},
        {"request-timeout", required_argument, NULL, 'r'},
        {"interface", required_argument, NULL, 'n'},
        {"pve-ca-file", required_argument, NULL, 'c'},
        {"lease", required_argument, NULL, 'l'},
        {"site", required_argument, NULL, 's'},
        {"nginx-http-conf", required_argument, NULL, 'H'},
        {"nginx-stream-conf", required_argument, NULL, 'S'},
        {"dnsmasq-conf", required_argument, NULL, 'D'},
        {"tls-dir", required_argument, NULL, 'T'},
        {"nginx-test", required_argument, NULL, '1'},
        {"nginx-reload", required_argument, NULL, '2'},
        {"dnsmasq-test", required_argument, NULL, '3'},
        {"dnsmasq-reload", required_argument, NULL, '4'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct daemon_config config = {
        .poll_interval_ms = 5000,
        .task_timeout_ms = 600000,
        .ip_timeout_ms = 120000,
        .request_timeout_ms = 60000,
        /* Longer than a request may take (--request-timeout): a renewal
         * cannot happen inside one hanging request. */
        .lease_ms = 300000,
        .interface = "eth0",
        .tls_dir = DEFAULT_TLS_DIR,
        .nginx_test = DEFAULT_NGINX_TEST,
        .nginx_reload = DEFAULT_NGINX_RELOAD,
        .dnsmasq_test = DEFAULT_DNSMASQ_TEST,
        .dnsmasq_reload = DEFAULT_DNSMASQ_RELOAD,
    };
    cdb *db = NULL;
    int opt, rc, status = 0;

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        long *target = NULL;
        switch (opt) {
        case 'd': config.db_path = optarg; break;
        case 'o': config.once = 1; break;
        case 'p': target = &config.poll_interval_ms; break;
        case 't': target = &config.task_timeout_ms; break;
        case 'i': target = &config.ip_timeout_ms; break;
        case 'r': target = &config.request_timeout_ms; break;
        case 'l': target = &config.lease_ms; break;
        case 'n': config.interface = optarg; break;
        case 'c': config.pve_ca_file = optarg; break;
        case 's': config.site = optarg; break;
        case 'H': config.nginx_http_conf = optarg; break;
        case 'S': config.nginx_stream_conf = optarg; break;
        case 'D': config.dnsmasq_conf = optarg; break;
        case 'T': config.tls_dir = optarg; break;
        case '1': config.nginx_test = optarg; break;
        case '2': config.nginx_reload = optarg; break;
        case '3': config.dnsmasq_test = optarg; break;
        case '4': config.dnsmasq_reload = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("clusterdbd %s\n", PACKAGE_VERSION); return 0;
        default: usage(stderr); return 2;
        }
        if (target != NULL && parse_seconds(optarg, target) != 0) {
            fprintf(stderr, "clusterdbd: %s needs a positive number of seconds, not %s\n",
                    argv[optind - 1], optarg);
            return 2;
        }
    }
    if (config.db_path == NULL)
        config.db_path = cdb_default_db_path();
    if (optind != argc) {
        fprintf(stderr, "clusterdbd: unexpected argument %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if ((config.nginx_http_conf || config.nginx_stream_conf || config.dnsmasq_conf) != (config.site != NULL)) {
        fprintf(stderr, "clusterdbd: %s\n", config.site ? "--site needs at least one of --nginx-http-conf, "
                "--nginx-stream-conf, --dnsmasq-conf" : "rendering a configuration needs --site NAME");
        return 2;
    }

    if (config.lease_ms <= config.request_timeout_ms)
        dlog("warning", "--lease (%ld s) is not longer than --request-timeout (%ld s): another "
             "daemon may take a job over while one request hangs", config.lease_ms / 1000,
             config.request_timeout_ms / 1000);
    set_lease_owner(&config);

    daemon_signals_install();
    dlog_init();
    /* Before any other thread could exist: libcurl's global state. */
    if (cdb_pve_global_init() != CDB_OK) {
        dlog("error", "cannot initialise libcurl");
        return 1;
    }
    rc = cdb_open(config.db_path, 0, &db);
    if (rc != CDB_OK) {
        if (db)
            dlog("error", "cannot open the database: %s", cdb_errmsg(db));
        else
            dlog("error", "cannot open %s: %s", config.db_path, cdb_strerror(rc));
        cdb_close(db);
        return 1;
    }
    dlog("info", "started (database %s%s, lease owner %s)", config.db_path,
         config.once ? ", once" : "", config.owner);

    while (!daemon_stopping) {
        /* Certificates due for the rendered site's domains become jobs. */
        if (config.site != NULL && (rc = certificate_schedule(db, &config)) < 0)
            dlog("error", "certificates: %s", cdb_errmsg(db));
        rc = run_pending_jobs(db, &config);
        if (rc < 0 && rc != CDB_ERR_BUSY && config.once) {
            status = 1;
            break;
        }
        /* Jobs change containers; the CLI changes services at any time:
         * render every round (only changed files are touched). */
        if (config.site != NULL && !daemon_stopping && render_configs(db, &config) != 0 && config.once)
            status = 1;
        if (config.once)
            break;
        {
            struct timespec nap = {.tv_sec = config.poll_interval_ms / 1000,
                                   .tv_nsec = (config.poll_interval_ms % 1000) * 1000000L};
            nanosleep(&nap, NULL); /* SIGTERM and SIGHUP end it early */
        }
        if (daemon_take_reload_request() && !daemon_stopping) {
            dlog("info", "reload requested: looking for jobs and rendering now");
        }
    }
    dlog("info", "%s", daemon_stopping ? "stopping on signal" : "done");
    cdb_close(db);
    return status;
}
