/*
 * clusterdbd: the side daemon that runs pending Jobs from the database
 * against Proxmox VE.  Internal header of the daemon.
 *
 * Single-threaded: one database handle, one Proxmox client per job.
 */
#ifndef CLUSTERDBD_H
#define CLUSTERDBD_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <clusterdb/clusterdb.h>
#include <clusterdb/cluster.h>

struct daemon_config {
    const char *db_path;
    int once;                   /* run what is pending, then exit */
    long poll_interval_ms;      /* between looks for new jobs */
    long task_timeout_ms;       /* bound on each Proxmox task (clone, start, delete) */
    long ip_timeout_ms;         /* bound on the wait for the container's DHCP address */
    long request_timeout_ms;    /* bound on each Proxmox API request */
    const char *pve_ca_file;    /* optional CA bundle for the nodes' API certificates */
    const char *interface;      /* the container interface whose address is recorded */
    long lease_ms;              /* how long a claim holds without a renewal */
    char owner[160];            /* this daemon's lease owner: "host:pid:boot" */

    /* Configuration rendering (DESIGN.md section 9); off without a site. */
    const char *site;              /* Sites.name whose configuration is rendered */
    const char *nginx_http_conf;   /* file for nginx's http block, or NULL */
    const char *nginx_stream_conf; /* file for nginx's stream block, or NULL */
    const char *dnsmasq_conf;      /* dnsmasq configuration file, or NULL */
    const char *tls_dir;           /* <tls_dir>/<domain>/{fullchain,privkey}.pem */
    const char *nginx_test, *nginx_reload;     /* shell command lines */
    const char *dnsmasq_test, *dnsmasq_reload; /* $CLUSTERDB_CONFIG names the file */
};

/* Raised by SIGTERM/SIGINT: no new job is claimed, waits give up. */
extern volatile sig_atomic_t daemon_stopping;
/* Install the handlers (signals.c). */
void daemon_signals_install(void);
/* Whether SIGHUP came since the last call. */
int daemon_take_reload_request(void);

/* Log a line to stderr ("clusterdbd: <level>: ...").  Never pass a secret.
 * dlog_init() decides between plain lines and journal levels (log.c). */
void dlog_init(void);
void dlog(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The progress trail of one running job: JobStatuses rows plus the log. */
struct job_run {
    cdb *db;
    const struct daemon_config *config;
    cdb_job *job;
    int resumed;                /* taken over from a daemon that stopped */
    int lost;                   /* the lease is gone: cancelled or taken over */
    long long renewed_ms;       /* monotonic time of the last renewal */
};

/* Whether the job must stop before its next step: an operator cancelled
 * it, or this daemon no longer holds its lease (a Proxmox task already
 * started is not interrupted). */
int job_cancelled(struct job_run *run);

/* Renew the lease when a third of it has passed (every wait loop calls
 * this); sets run->lost when another party holds the job now. */
void job_heartbeat(struct job_run *run);
/* The same as a cdb_pve_options.on_poll callback (arg: the job_run). */
void job_heartbeat_cb(void *run);

/* Append a message to the job's JobStatuses and log it. */
void job_say(struct job_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* running -> success or failure, unless the job was cancelled or taken
 * over meanwhile (then only logged). */
void job_finish(struct job_run *run, int succeeded);

/* A kind of job (job_kinds.c): Jobs.name's first word selects it. */
struct job_kind {
    const char *name;    /* CDB_JOB_* */
    const char *summary; /* for --help; lines separated by '\n' */
    /* Whether this daemon takes the job; NULL: every daemon does. */
    int (*is_ours)(cdb *db, const struct daemon_config *config, const cdb_job *job);
    /* CDB_OK, or a negative status after job_say() said why. */
    int (*run)(struct job_run *run);
};
const struct job_kind *job_kind_of(const char *job_name); /* NULL: unknown */
void job_kinds_describe(FILE *out);

/*
 * Look for pending jobs and run each one this daemon knows (claimed with a
 * compare-and-set pending -> running, so two daemons never run one job).
 * Returns the number of jobs run, or a negative cdb_status when the
 * database cannot be read.
 */
int run_pending_jobs(cdb *db, const struct daemon_config *config);

/*
 * Render the site's nginx and dnsmasq files; write those whose content
 * changed atomically, validate, restore on rejection, reload.  0, or -1
 * after logging what went wrong.  A no-op without config->site.
 */
int render_configs(cdb *db, const struct daemon_config *config);

/* The job actions.  Return CDB_OK on success; on failure they have said why
 * through job_say() and return a negative status. */
int container_create_job(struct job_run *run, int64_t container_row_id);
int container_delete_job(struct job_run *run, int64_t container_row_id);
/* start: 1 starts the CT, 0 shuts it down. */
int container_power_job(struct job_run *run, int64_t container_row_id, int start);

/* Milliseconds of CLOCK_MONOTONIC. */
long long monotonic_ms(void);

#endif
