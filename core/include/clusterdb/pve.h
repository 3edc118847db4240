/*
 * A client for the Proxmox VE REST API (<apiUrl>/api2/json), one per node.
 * Conventions (return codes, ownership) as in clusterdb.h; the reason for a
 * failure is kept on the client: cdb_pve_errmsg().
 *
 * Authentication follows the Nodes row: when apiTokenIdOrUsername contains
 * '!' it is an API token id (user@realm!tokenid) and every request carries
 * "Authorization: PVEAPIToken=<id>=<secret>"; otherwise it is a user name
 * and the client logs in with POST /access/ticket on first use, then sends
 * the PVEAuthCookie ticket, plus the CSRFPreventionToken header on writes,
 * logging in again once when a ticket is refused.
 *
 * Secrets: the token secret, password, ticket and CSRF token never appear in
 * an error message (they are masked even when the server echoes them).
 *
 * TLS is verified unless disable_tls_verification is set (the node's
 * disableTlsVerification).  Every request has a connect and a total timeout
 * and a bounded response size.
 *
 * Threads: call cdb_pve_global_init() once before starting threads (it runs
 * curl_global_init, which is not thread-safe; later calls are no-ops).  A
 * client owns one libcurl handle and is used by one thread at a time; use one
 * client per thread.
 */
#ifndef CLUSTERDB_PVE_H
#define CLUSTERDB_PVE_H

#include <signal.h>
#include <stddef.h>

#include <clusterdb/clusterdb.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cdb_pve cdb_pve;

typedef struct cdb_pve_options {
    const char *api_url;              /* https://host:8006 (Nodes.apiUrl); "/api2/json" is added */
    const char *node;                 /* the Proxmox node name (Nodes.name) */
    const char *token_id_or_username; /* Nodes.apiTokenIdOrUsername */
    const char *secret_or_password;   /* Nodes.apiTokenSecretOrPassword */
    int disable_tls_verification;     /* Nodes.disableTlsVerification */
    const char *ca_file;              /* optional CA bundle (PEM) instead of the system's */
    long connect_timeout_ms;          /* 0: 10 s */
    long request_timeout_ms;          /* 0: 60 s, per request */
    size_t max_response_bytes;        /* 0: 4 MiB */
    /* Optional: when it becomes non-zero (a signal handler sets it), a
     * cdb_pve_wait_task() in progress gives up at its next poll. */
    const volatile sig_atomic_t *cancel;
    /* Optional: called at every poll of cdb_pve_wait_task() (a daemon
     * renews its job's lease there while a long task runs). */
    void (*on_poll)(void *arg);
    void *on_poll_arg;
} cdb_pve_options;

/* curl_global_init once per process; see the thread rule above. */
int cdb_pve_global_init(void);

/*
 * A client for one node.  The options' strings are copied.  Fails with
 * CDB_ERR_INVALID for a missing URL, node or credential, or a URL that is not
 * http(s); *out is written only on success (no handle to ask: the message is
 * written to errbuf when errbuf is not NULL).
 */
int cdb_pve_new(const cdb_pve_options *options, cdb_pve **out, char *errbuf, size_t errlen);
void cdb_pve_free(cdb_pve *pve);

/* Message of the last failure (never NULL, "" when none). */
const char *cdb_pve_errmsg(const cdb_pve *pve);
/* HTTP status of the last response, 0 when none arrived. */
long cdb_pve_http_status(const cdb_pve *pve);

/*
 * Status codes used by the calls below:
 *  CDB_ERR_DENIED    401/403 (wrong token, password or permissions)
 *  CDB_ERR_NOTFOUND  404, or no such template / interface
 *  CDB_ERR_INVALID   400 (parameter verification failed; the message lists
 *                    the parameters), or an argument refused locally
 *  CDB_ERR_IO        no answer (connect, TLS, timeout, response too large),
 *                    5xx, a task that failed, or a wait that ran out
 *  CDB_ERR_INTERNAL  an answer that is not the documented shape
 */

/* Log in now (password mode; a no-op with a token).  Other calls log in on demand. */
int cdb_pve_login(cdb_pve *pve);

/* GET /cluster/nextid: a free VMID. */
int cdb_pve_next_id(cdb_pve *pve, int *vmid_out);

/* The VMID of the LXC template called `name` on this node (GET /nodes/{node}/lxc,
 * an entry with template=1 whose name matches).  A name made only of digits is
 * taken as the VMID itself and must be a template too.  CDB_ERR_NOTFOUND if none. */
int cdb_pve_lxc_find_template(cdb_pve *pve, const char *name, int *vmid_out);

/* POST /nodes/{node}/lxc/{template_vmid}/clone newid, hostname, full=1, and
 * a description (NULL: none) written at clone time, so that the new CT can be
 * recognised even when nothing else was done to it.  *upid_out (cdb_free) is
 * the task id. */
int cdb_pve_lxc_clone_described(cdb_pve *pve, int template_vmid, int newid, const char *hostname,
                                const char *description, char **upid_out);

/* One entry of GET /nodes/{node}/lxc. */
typedef struct cdb_pve_lxc_entry {
    int vmid;
    char *name;   /* the hostname; NULL when the node gave none */
    char *status; /* "running", "stopped", ...; NULL when none */
    int template; /* 1 for a template */
} cdb_pve_lxc_entry;
void cdb_pve_lxc_entries_free(cdb_pve_lxc_entry *entries, size_t n);
/* Every LXC container and template on the node. */
int cdb_pve_lxc_list(cdb_pve *pve, cdb_pve_lxc_entry **entries_out, size_t *n_out);

/* One key of GET /nodes/{node}/lxc/{vmid}/config as text (cdb_free);
 * CDB_ERR_NOTFOUND when the config has no such key.  A CT that does not
 * exist is Proxmox's HTTP 500 "... does not exist" (CDB_ERR_IO). */
int cdb_pve_lxc_config_value(cdb_pve *pve, int vmid, const char *key, char **value_out);

/* POST /nodes/{node}/lxc/{vmid}/status/shutdown forceStop=1 (a clean
 * shutdown, then a stop when it takes too long) -> *upid_out (cdb_free). */
int cdb_pve_lxc_shutdown(cdb_pve *pve, int vmid, char **upid_out);

/* PUT /nodes/{node}/lxc/{vmid}/config with the given keys and values
 * (n pairs; the values are form-encoded). */
int cdb_pve_lxc_config_set(cdb_pve *pve, int vmid, const char *const *keys,
                           const char *const *values, size_t n);

/* POST /nodes/{node}/lxc/{vmid}/status/start -> *upid_out (cdb_free). */
int cdb_pve_lxc_start(cdb_pve *pve, int vmid, char **upid_out);

/* GET /nodes/{node}/lxc/{vmid}/config: the MAC address (hwaddr=) of net0,
 * upper case "BC:24:11:AA:BB:CC" (cdb_free).  CDB_ERR_NOTFOUND without net0/hwaddr. */
int cdb_pve_lxc_mac_address(cdb_pve *pve, int vmid, char **mac_out);

/* GET /nodes/{node}/lxc/{vmid}/interfaces: the IPv4 address of interface
 * `ifname` (e.g. "eth0") without its prefix length (cdb_free).
 * CDB_ERR_NOTFOUND while the container has no such address yet. */
int cdb_pve_lxc_ipv4_address(cdb_pve *pve, int vmid, const char *ifname, char **ip_out);

/* DELETE /nodes/{node}/lxc/{vmid}?force=1&purge=1 -> *upid_out (cdb_free). */
int cdb_pve_lxc_delete(cdb_pve *pve, int vmid, char **upid_out);

typedef struct cdb_pve_task {
    int running;      /* 1 while status is "running" */
    char *exitstatus; /* when stopped: "OK", "WARNINGS: n" or the error; else NULL */
} cdb_pve_task;
void cdb_pve_task_clear(cdb_pve_task *task);

/* GET /nodes/{node}/tasks/{upid}/status.  The task's node (from the UPID) is
 * used in the path.  Fills *task_out (clear it with cdb_pve_task_clear). */
int cdb_pve_task_status(cdb_pve *pve, const char *upid, cdb_pve_task *task_out);

/*
 * Poll the task every poll_interval_ms (0: 500 ms) until it stops or
 * timeout_ms (0: 10 min) has passed.  Returns CDB_OK when it stopped with
 * "OK" or "WARNINGS: n" (Proxmox's own rule: warnings are not an error),
 * CDB_ERR_IO with "task <type> <id> failed: <exitstatus>" when it stopped
 * with an error, when the wait ran out, or when options.cancel was raised.
 */
int cdb_pve_wait_task(cdb_pve *pve, const char *upid, long timeout_ms, long poll_interval_ms);

/* A decoded task id: UPID:node:pid:pstart:starttime:type:id:user: */
typedef struct cdb_pve_upid {
    char node[64];
    unsigned long pid, pstart, starttime;
    char type[64];
    char id[64];
    char user[128]; /* user@realm or user@realm!tokenid */
} cdb_pve_upid;

/* Parse and check the shape Proxmox defines (hex fields of 8 digits, pstart
 * 8-9; a DNS label node; non-empty type and user).  CDB_ERR_INVALID if not. */
int cdb_pve_upid_parse(const char *upid, cdb_pve_upid *out);

#ifdef __cplusplus
}
#endif
#endif
