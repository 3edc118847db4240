/*
 * The container jobs: create a pending container on its node from a
 * template, delete, start and stop a container (DESIGN.md section 8,
 * docs/daemon.md).
 *
 * Every job checks that the row is still the container it was queued for
 * (the target the job recorded) and, before acting on a CT, that the CT on
 * the node carries the row's hostname.  Every job can run again after its
 * daemon died: create finds the CT it may have cloned by its description
 * marker and carries on with it; delete treats a CT already gone as deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clusterdb/pve.h>

#include "clusterdbd.h"

/* How many times a clone is retried when another writer took the VMID that
 * /cluster/nextid proposed (nextid does not reserve it). */
#define CLONE_ATTEMPTS 3
#define TASK_POLL_MS 500L
#define IP_POLL_MS 500L
#define LOCK_POLL_MS 500L
/* Set on every CT the daemon made (Proxmox tags: one word). */
#define CLUSTERDB_TAG "clusterdb"

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal ends it early; callers re-check */
}

/* The end of the description of every CT made for a container row: it is
 * written at clone time, so even a CT whose creation was cut short right
 * after the clone request is recognised as this row's. */
static void ownership_marker(const cdb_container *ct, char *buf, size_t len)
{
    snprintf(buf, len, "(managed by clusterdb; container %lld)", (long long)ct->id);
}

static void ct_description(const cdb_container *ct, char *buf, size_t len)
{
    char marker[96];
    ownership_marker(ct, marker, sizeof(marker));
    snprintf(buf, len, "%s, owner %s %s", ct->hostname, ct->username, marker);
}

/* Proxmox's answer for a CTID without a configuration. */
static int ct_missing(cdb_pve *pve)
{
    return strstr(cdb_pve_errmsg(pve), "does not exist") != NULL;
}

/* A Proxmox client for the container's node, or NULL after saying why. */
static cdb_pve *client_for_node(struct job_run *run, const cdb_node *node)
{
    cdb_pve_options options = {0};
    cdb_pve *pve = NULL;
    char err[256];

    if (node->api_url == NULL || node->api_token_id_or_username == NULL ||
        node->api_token_secret_or_password == NULL) {
        job_say(run, "failed: node %s has no API URL or credentials", node->name);
        return NULL;
    }
    options.api_url = node->api_url;
    options.node = node->name;
    options.token_id_or_username = node->api_token_id_or_username;
    options.secret_or_password = node->api_token_secret_or_password;
    options.disable_tls_verification = node->disable_tls_verification;
    options.ca_file = run->config->pve_ca_file;
    options.request_timeout_ms = run->config->request_timeout_ms;
    options.cancel = &daemon_stopping;
    options.on_poll = job_heartbeat_cb;
    options.on_poll_arg = run;
    if (cdb_pve_new(&options, &pve, err, sizeof(err)) != CDB_OK) {
        job_say(run, "failed: node %s: %s", node->name, err);
        return NULL;
    }
    return pve;
}

/* The node row and a client for it, or CDB_ERR_* after saying why. */
static int connect_node(struct job_run *run, int64_t node_id, cdb_node **node_out,
                        cdb_pve **pve_out)
{
    int rc = cdb_node_get(run->db, node_id, node_out);

    if (rc != CDB_OK) {
        job_say(run, "failed: node %lld: %s", (long long)node_id, cdb_errmsg(run->db));
        return rc;
    }
    if ((*pve_out = client_for_node(run, *node_out)) == NULL)
        return CDB_ERR_INVALID;
    return CDB_OK;
}

/* Between steps: stop when an operator cancelled the job meanwhile, or when
 * this daemon lost its lease. */
static int stop_if_cancelled(struct job_run *run, int vmid)
{
    if (!job_cancelled(run))
        return CDB_OK;
    if (vmid > 0)
        job_say(run, "cancelled; CT %d stays on the node (a container.delete job removes it)", vmid);
    else
        job_say(run, "cancelled");
    return CDB_ERR_CONFLICT;
}

static const char *ctid_text(int64_t ctid, char *buf, size_t len)
{
    if (ctid == 0)
        return "none";
    snprintf(buf, len, "%lld", (long long)ctid);
    return buf;
}

/*
 * The row must be the container the job was queued for: same hostname,
 * node and creation time, and the same CTID when the job recorded one.  A
 * job queued without a target (raw SQL, an older version) gets one now
 * when `may_record` (a create acts on a pending row: nothing to destroy);
 * any other job without one is refused.
 */
static int check_target(struct job_run *run, const cdb_container *ct, int may_record)
{
    const cdb_job *job = run->job;
    char a[24], b[24];

    if (job->target_hostname == NULL) {
        if (!may_record) {
            job_say(run, "failed: the job records no identity of the container it acts on "
                    "(hostname, node, CTID), so it cannot tell container %lld from a look-alike; "
                    "nothing was touched (queue it with clusterdb container start|stop|delete)",
                    (long long)ct->id);
            return CDB_ERR_INVALID;
        }
        if (cdb_job_set_target(run->db, job->id, ct) != CDB_OK) {
            job_say(run, "failed: cannot record the job's target: %s", cdb_errmsg(run->db));
            return CDB_ERR_IO;
        }
        return CDB_OK;
    }
    if (strcmp(job->target_hostname, ct->hostname) == 0 && job->target_node_id == ct->node_id &&
        (job->target_created_at == NULL || ct->created_at == NULL ||
         strcmp(job->target_created_at, ct->created_at) == 0) &&
        (job->target_container_id == 0 || job->target_container_id == ct->container_id))
        return CDB_OK;
    job_say(run, "failed: container %lld is not the one this job was queued for: the job is for "
            "%s (node %lld, CT %s, recorded %s), the row is now %s (node %lld, CT %s, recorded %s); "
            "nothing was touched", (long long)ct->id, job->target_hostname,
            (long long)job->target_node_id, ctid_text(job->target_container_id, a, sizeof(a)),
            job->target_created_at ? job->target_created_at : "?", ct->hostname,
            (long long)ct->node_id, ctid_text(ct->container_id, b, sizeof(b)),
            ct->created_at ? ct->created_at : "?");
    return CDB_ERR_CONFLICT;
}

/*
 * Before acting on CT vmid: it must carry the row's hostname.  CDB_OK when
 * it does, CDB_ERR_NOTFOUND when the node has no such CT, else a failure
 * already said.
 */
static int check_ct_on_node(struct job_run *run, cdb_pve *pve, const cdb_node *node,
                            const cdb_container *ct, int vmid)
{
    char *hostname = NULL;
    int rc = cdb_pve_lxc_config_value(pve, vmid, "hostname", &hostname);

    if (rc != CDB_OK && ct_missing(pve))
        return CDB_ERR_NOTFOUND;
    if (rc != CDB_OK && rc != CDB_ERR_NOTFOUND) {
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
        return rc;
    }
    if (rc == CDB_OK && strcmp(hostname, ct->hostname) == 0) {
        free(hostname);
        return CDB_OK;
    }
    job_say(run, "failed: CT %d on node %s is called %s, not %s; nothing was touched", vmid,
            node->name, hostname ? hostname : "(no hostname)", ct->hostname);
    free(hostname);
    return CDB_ERR_CONFLICT;
}

/* Whether another daemon holds the job now (not merely a cancel). */
static int taken_over(struct job_run *run)
{
    cdb_job *now = NULL;
    int theirs = 0;

    if (!run->lost)
        return 0;
    if (cdb_job_get(run->db, run->job->id, &now) == CDB_OK)
        theirs = now->status == CDB_JOB_RUNNING && now->lease_owner != NULL &&
                 strcmp(now->lease_owner, run->config->owner) != 0;
    cdb_job_free(now);
    return theirs;
}

/* Start a task and wait for it; say what happens. */
static int wait_for(struct job_run *run, cdb_pve *pve, const char *what, char *upid)
{
    int rc;
    job_say(run, "%s: task %s", what, upid);
    rc = cdb_pve_wait_task(pve, upid, run->config->task_timeout_ms, TASK_POLL_MS);
    if (rc != CDB_OK)
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
    return rc;
}

/* Poll the interfaces until the container has an IPv4 address (DHCP). */
static int wait_for_ipv4(struct job_run *run, cdb_pve *pve, int vmid, char **ip_out)
{
    long long deadline = monotonic_ms() + run->config->ip_timeout_ms;
    int rc;

    for (;;) {
        rc = cdb_pve_lxc_ipv4_address(pve, vmid, run->config->interface, ip_out);
        if (rc != CDB_ERR_NOTFOUND)
            break;
        if (daemon_stopping) {
            job_say(run, "failed: stopped waiting for the address of CT %d (shutting down)", vmid);
            return CDB_ERR_IO;
        }
        if (monotonic_ms() >= deadline) {
            job_say(run, "failed: CT %d got no IPv4 address on %s within %ld s", vmid,
                    run->config->interface, run->config->ip_timeout_ms / 1000);
            return CDB_ERR_IO;
        }
        job_heartbeat(run);
        sleep_ms(IP_POLL_MS);
    }
    if (rc != CDB_OK)
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
    return rc;
}

/* Wait until the CT's configuration is no longer locked (a clone that the
 * previous daemon started may still run).  CDB_ERR_NOTFOUND when the CT
 * disappears meanwhile (the clone failed). */
static int wait_for_unlock(struct job_run *run, cdb_pve *pve, int vmid)
{
    long long deadline = monotonic_ms() + run->config->task_timeout_ms;
    int said = 0;

    for (;;) {
        char *lock = NULL;
        int rc = cdb_pve_lxc_config_value(pve, vmid, "lock", &lock);
        if (rc == CDB_ERR_NOTFOUND)
            return CDB_OK;
        if (rc != CDB_OK) {
            if (ct_missing(pve))
                return CDB_ERR_NOTFOUND;
            job_say(run, "failed: %s", cdb_pve_errmsg(pve));
            return rc;
        }
        if (!said) {
            job_say(run, "CT %d is locked (%s); waiting for the task that holds it", vmid, lock);
            said = 1;
        }
        free(lock);
        if (daemon_stopping || monotonic_ms() >= deadline) {
            job_say(run, "failed: CT %d is still locked%s", vmid,
                    daemon_stopping ? " (shutting down)" : " after the task timeout");
            return CDB_ERR_IO;
        }
        job_heartbeat(run);
        sleep_ms(LOCK_POLL_MS);
    }
}

/* Record a CTID in the row and in the job's target, so that a later run
 * (after a crash) knows which CT is this container's. */
static int record_ctid(struct job_run *run, cdb_container *ct, int vmid)
{
    cdb_container_input clear = {0};
    int rc;

    if (vmid != 0)
        rc = cdb_container_set_network(run->db, ct->id, vmid, NULL, NULL);
    else
        rc = cdb_container_update(run->db, ct->id, CDB_CTF_CONTAINER_ID, &clear);
    if (rc != CDB_OK) {
        job_say(run, "failed: cannot record CT %d: %s", vmid, cdb_errmsg(run->db));
        return rc;
    }
    ct->container_id = vmid;
    if (cdb_job_set_target(run->db, run->job->id, ct) != CDB_OK) {
        job_say(run, "failed: cannot record the job's target: %s", cdb_errmsg(run->db));
        return CDB_ERR_IO;
    }
    return CDB_OK;
}

/*
 * A CT already made for this row: the CTID the row records (when the node
 * still has it under the row's hostname), else a CT with the row's
 * hostname whose description carries the row's marker.  *vmid_out 0: none.
 */
static int find_own_ct(struct job_run *run, cdb_pve *pve, const cdb_node *node, cdb_container *ct,
                       int *vmid_out, int *running_out)
{
    cdb_pve_lxc_entry *entries = NULL;
    char marker[96];
    size_t n = 0;
    int rc;

    *vmid_out = 0;
    *running_out = 0;
    ownership_marker(ct, marker, sizeof(marker));
    if ((rc = cdb_pve_lxc_list(pve, &entries, &n)) != CDB_OK) {
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
        return rc;
    }
    for (size_t i = 0; i < n && *vmid_out == 0; i++) {
        char *description = NULL;
        if (entries[i].template || entries[i].name == NULL ||
            strcmp(entries[i].name, ct->hostname) != 0)
            continue;
        rc = cdb_pve_lxc_config_value(pve, entries[i].vmid, "description", &description);
        if (rc == CDB_OK && strstr(description, marker) != NULL) {
            *vmid_out = entries[i].vmid;
            *running_out = entries[i].status && strcmp(entries[i].status, "running") == 0;
        } else if (rc == CDB_OK || rc == CDB_ERR_NOTFOUND) {
            job_say(run, "CT %d on node %s is also called %s but was not made for this "
                    "container; left alone", entries[i].vmid, node->name, ct->hostname);
        }
        free(description);
    }
    cdb_pve_lxc_entries_free(entries, n);
    if (*vmid_out == 0 && ct->container_id != 0) {
        /* The row names a CT the node no longer has under this name. */
        job_say(run, "CT %lld recorded for %s is not on node %s any more", (long long)ct->container_id,
                ct->hostname, node->name);
        if ((rc = record_ctid(run, ct, 0)) != CDB_OK)
            return rc;
    }
    return CDB_OK;
}

/* Clone the template to a fresh VMID; retry when the VMID was taken meanwhile. */
static int clone_template(struct job_run *run, cdb_pve *pve, cdb_container *ct,
                          int template_vmid, int *vmid_out, char **upid_out)
{
    char description[512];
    int rc = CDB_ERR_INTERNAL;

    ct_description(ct, description, sizeof(description));
    for (int attempt = 1; attempt <= CLONE_ATTEMPTS; attempt++) {
        int vmid;
        if ((rc = cdb_pve_next_id(pve, &vmid)) != CDB_OK) {
            job_say(run, "failed: %s", cdb_pve_errmsg(pve));
            return rc;
        }
        job_say(run, "cloning template %s (CT %d) to CT %d as %s", ct->template_name,
                template_vmid, vmid, ct->hostname);
        rc = cdb_pve_lxc_clone_described(pve, template_vmid, vmid, ct->hostname, description,
                                         upid_out);
        if (rc == CDB_OK) {
            *vmid_out = vmid;
            /* Known before the wait: a crash from here on leaves a row that
             * names its CT. */
            return record_ctid(run, ct, vmid);
        }
        if (strstr(cdb_pve_errmsg(pve), "already exists") == NULL || attempt == CLONE_ATTEMPTS)
            break;
        job_say(run, "CT %d was taken meanwhile; asking for another id", vmid);
    }
    job_say(run, "failed: %s", cdb_pve_errmsg(pve));
    return rc;
}

static int create_on_node(struct job_run *run, cdb_pve *pve, const cdb_node *node,
                          cdb_container *ct)
{
    int template_vmid = 0, vmid = 0, running = 0;
    char *upid = NULL, *mac = NULL, *ip = NULL;
    char description[512];
    const char *keys[] = {"description", "tags"};
    const char *values[] = {description, CLUSTERDB_TAG};
    int rc;

    if ((rc = find_own_ct(run, pve, node, ct, &vmid, &running)) != CDB_OK)
        goto done;
    if (vmid != 0) {
        job_say(run, "adopting CT %d, made for %s earlier", vmid, ct->hostname);
        if ((rc = record_ctid(run, ct, vmid)) != CDB_OK)
            goto done;
        rc = wait_for_unlock(run, pve, vmid);
        if (rc == CDB_ERR_NOTFOUND) {
            job_say(run, "failed: CT %d disappeared (its clone failed); retry the job to clone "
                    "again", vmid);
            record_ctid(run, ct, 0);
            rc = CDB_ERR_IO;
        }
        if (rc != CDB_OK)
            goto done;
    } else {
        if (ct->template_name == NULL || ct->template_name[0] == '\0') {
            job_say(run, "failed: container %s names no template", ct->hostname);
            rc = CDB_ERR_INVALID;
            goto done;
        }
        if ((rc = cdb_pve_lxc_find_template(pve, ct->template_name, &template_vmid)) != CDB_OK) {
            job_say(run, "failed: %s", cdb_pve_errmsg(pve));
            goto done;
        }
        if ((rc = stop_if_cancelled(run, 0)) != CDB_OK ||
            (rc = clone_template(run, pve, ct, template_vmid, &vmid, &upid)) != CDB_OK)
            goto done;
        if ((rc = wait_for(run, pve, "waiting for the clone", upid)) != CDB_OK) {
            /* A failed clone leaves no CT: the row must not name one that
             * Proxmox will hand out again. */
            char *name = NULL;
            if (!daemon_stopping && cdb_pve_lxc_config_value(pve, vmid, "hostname", &name) != CDB_OK &&
                ct_missing(pve))
                record_ctid(run, ct, 0);
            free(name);
            goto done;
        }
        free(upid);
        upid = NULL;
    }

    if ((rc = stop_if_cancelled(run, vmid)) != CDB_OK)
        goto done;
    ct_description(ct, description, sizeof(description));
    job_say(run, "configuring CT %d", vmid);
    if ((rc = cdb_pve_lxc_config_set(pve, vmid, keys, values, 2)) != CDB_OK) {
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
        goto done;
    }

    if ((rc = stop_if_cancelled(run, vmid)) != CDB_OK)
        goto done;
    if (running) {
        job_say(run, "CT %d is already running", vmid);
    } else {
        job_say(run, "starting CT %d", vmid);
        if ((rc = cdb_pve_lxc_start(pve, vmid, &upid)) != CDB_OK) {
            job_say(run, "failed: %s", cdb_pve_errmsg(pve));
            goto done;
        }
        if ((rc = wait_for(run, pve, "waiting for the start", upid)) != CDB_OK)
            goto done;
    }

    if ((rc = cdb_pve_lxc_mac_address(pve, vmid, &mac)) != CDB_OK) {
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
        goto done;
    }
    job_say(run, "CT %d has MAC address %s; waiting for its IPv4 address", vmid, mac);
    if ((rc = wait_for_ipv4(run, pve, vmid, &ip)) != CDB_OK)
        goto done;
    if ((rc = cdb_container_set_network(run->db, ct->id, 0, mac, ip)) != CDB_OK) {
        job_say(run, "failed: cannot record MAC %s and address %s: %s", mac, ip,
                cdb_errmsg(run->db));
        goto done;
    }
    if ((rc = cdb_container_set_status(run->db, ct->id, CDB_CT_CREATING, CDB_CT_RUNNING)) != CDB_OK) {
        job_say(run, "failed: cannot mark the container running: %s", cdb_errmsg(run->db));
        goto done;
    }
    job_say(run, "container %s is running as CT %d on %s with address %s", ct->hostname, vmid,
            node->name, ip);
done:
    free(upid);
    free(mac);
    free(ip);
    return rc;
}

int container_create_job(struct job_run *run, int64_t container_row_id)
{
    cdb_container *ct = NULL;
    cdb_node *node = NULL;
    cdb_pve *pve = NULL;
    int rc;

    if ((rc = cdb_container_get(run->db, container_row_id, &ct)) != CDB_OK) {
        job_say(run, "failed: container %lld: %s", (long long)container_row_id, cdb_errmsg(run->db));
        return rc;
    }
    if ((rc = check_target(run, ct, 1)) != CDB_OK)
        goto done;
    if (run->resumed && ct->status == CDB_CT_RUNNING) {
        /* The previous daemon finished all but recording the job's end. */
        job_say(run, "container %s is already running as CT %lld", ct->hostname,
                (long long)ct->container_id);
        goto done;
    }
    if (run->resumed && ct->status == CDB_CT_FAILED) {
        job_say(run, "failed: the previous daemon marked container %s failed before it stopped",
                ct->hostname);
        rc = CDB_ERR_IO;
        goto done;
    }
    /* The claim on the container: pending -> creating, once; a resumed job
     * finds it creating already. */
    if (!(run->resumed && ct->status == CDB_CT_CREATING)) {
        rc = cdb_container_set_status(run->db, ct->id, CDB_CT_PENDING, CDB_CT_CREATING);
        if (rc != CDB_OK) {
            job_say(run, "failed: container %s is %s, not pending", ct->hostname,
                    cdb_container_status_name(ct->status));
            goto done;
        }
    }
    if ((rc = cdb_node_get(run->db, ct->node_id, &node)) != CDB_OK) {
        job_say(run, "failed: node %lld: %s", (long long)ct->node_id, cdb_errmsg(run->db));
        goto failed;
    }
    job_say(run, "%s container %s for %s from template %s on node %s",
            run->resumed ? "resuming the creation of" : "creating", ct->hostname, ct->username,
            ct->template_name ? ct->template_name : "(none)", node->name);
    if ((pve = client_for_node(run, node)) == NULL) {
        rc = CDB_ERR_INVALID;
        goto failed;
    }
    if ((rc = create_on_node(run, pve, node, ct)) == CDB_OK)
        goto done;
failed:
    /* Not when the lease went to another daemon: the row is its now. */
    if (!taken_over(run)) {
        if (cdb_container_set_status(run->db, ct->id, CDB_CT_CREATING, CDB_CT_FAILED) != CDB_OK)
            dlog("error", "container %s: cannot mark it failed: %s", ct->hostname,
                 cdb_errmsg(run->db));
    }
done:
    cdb_pve_free(pve);
    cdb_node_free(node);
    cdb_container_free(ct);
    return rc;
}

/* A resumed delete whose row is gone: done when the node no longer has the
 * CT the job recorded. */
static int delete_already_done(struct job_run *run, int64_t container_row_id)
{
    const cdb_job *job = run->job;
    cdb_container recorded = {.id = container_row_id, .hostname = job->target_hostname};
    cdb_node *node = NULL;
    cdb_pve *pve = NULL;
    int rc;

    if (job->target_hostname == NULL) {
        job_say(run, "failed: container %lld no longer exists", (long long)container_row_id);
        return CDB_ERR_NOTFOUND;
    }
    if (job->target_container_id == 0) {
        job_say(run, "container %s was deleted before the previous daemon stopped",
                job->target_hostname);
        return CDB_OK;
    }
    if ((rc = connect_node(run, job->target_node_id, &node, &pve)) == CDB_OK) {
        rc = check_ct_on_node(run, pve, node, &recorded, (int)job->target_container_id);
        if (rc == CDB_ERR_NOTFOUND) {
            job_say(run, "container %s and CT %lld were deleted before the previous daemon "
                    "stopped", job->target_hostname, (long long)job->target_container_id);
            rc = CDB_OK;
        } else if (rc == CDB_OK) {
            job_say(run, "failed: the row of %s is gone but CT %lld is still on node %s; "
                    "not destroyed without its row", job->target_hostname,
                    (long long)job->target_container_id, node->name);
            rc = CDB_ERR_CONFLICT;
        }
    }
    cdb_pve_free(pve);
    cdb_node_free(node);
    return rc;
}

int container_delete_job(struct job_run *run, int64_t container_row_id)
{
    cdb_container *ct = NULL;
    cdb_node *node = NULL;
    cdb_pve *pve = NULL;
    char *upid = NULL;
    int rc;

    rc = cdb_container_get(run->db, container_row_id, &ct);
    if (rc == CDB_ERR_NOTFOUND && run->resumed)
        return delete_already_done(run, container_row_id);
    if (rc != CDB_OK) {
        job_say(run, "failed: container %lld (%s): %s; nothing was touched",
                (long long)container_row_id,
                run->job->target_hostname ? run->job->target_hostname : "?", cdb_errmsg(run->db));
        return rc;
    }
    if ((rc = check_target(run, ct, 0)) != CDB_OK)
        goto done;
    if (ct->status == CDB_CT_CREATING) {
        job_say(run, "failed: container %s is still being created", ct->hostname);
        rc = CDB_ERR_CONFLICT;
        goto done;
    }
    job_say(run, "deleting container %s", ct->hostname);
    if (ct->container_id != 0) {
        if ((rc = connect_node(run, ct->node_id, &node, &pve)) != CDB_OK)
            goto done;
        if ((rc = stop_if_cancelled(run, 0)) != CDB_OK)
            goto done;
        rc = check_ct_on_node(run, pve, node, ct, (int)ct->container_id);
        if (rc == CDB_ERR_NOTFOUND) {
            job_say(run, "CT %lld does not exist on the node any more", (long long)ct->container_id);
        } else if (rc != CDB_OK) {
            goto done;
        } else {
            job_say(run, "destroying CT %lld on node %s", (long long)ct->container_id, node->name);
            rc = cdb_pve_lxc_delete(pve, (int)ct->container_id, &upid);
            if (rc != CDB_OK && ct_missing(pve)) {
                job_say(run, "CT %lld does not exist on the node any more",
                        (long long)ct->container_id);
            } else if (rc != CDB_OK) {
                job_say(run, "failed: %s", cdb_pve_errmsg(pve));
                goto done;
            } else if ((rc = wait_for(run, pve, "waiting for the destruction", upid)) != CDB_OK) {
                goto done;
            }
        }
    } else {
        job_say(run, "container %s was never created on a node", ct->hostname);
    }
    if ((rc = stop_if_cancelled(run, 0)) != CDB_OK)
        goto done;
    if ((rc = cdb_container_delete(run->db, ct->id)) != CDB_OK) {
        job_say(run, "failed: cannot delete the container row: %s", cdb_errmsg(run->db));
        goto done;
    }
    job_say(run, "container %s deleted", ct->hostname);
done:
    free(upid);
    cdb_pve_free(pve);
    cdb_node_free(node);
    cdb_container_free(ct);
    return rc;
}

int container_power_job(struct job_run *run, int64_t container_row_id, int start)
{
    const char *verb = start ? "start" : "stop";
    cdb_pve_lxc_entry *entries = NULL;
    cdb_container *ct = NULL;
    cdb_node *node = NULL;
    cdb_pve *pve = NULL;
    char *upid = NULL;
    size_t n = 0;
    int rc, is_running = -1;

    if ((rc = cdb_container_get(run->db, container_row_id, &ct)) != CDB_OK) {
        job_say(run, "failed: container %lld: %s; nothing was touched", (long long)container_row_id,
                cdb_errmsg(run->db));
        return rc;
    }
    if ((rc = check_target(run, ct, 0)) != CDB_OK)
        goto done;
    if (ct->status != CDB_CT_RUNNING || ct->container_id == 0) {
        job_say(run, "failed: container %s is %s; only a created container can %s",
                ct->hostname, cdb_container_status_name(ct->status), verb);
        rc = CDB_ERR_CONFLICT;
        goto done;
    }
    if ((rc = connect_node(run, ct->node_id, &node, &pve)) != CDB_OK)
        goto done;
    rc = check_ct_on_node(run, pve, node, ct, (int)ct->container_id);
    if (rc == CDB_ERR_NOTFOUND) {
        job_say(run, "failed: CT %lld of %s is not on node %s", (long long)ct->container_id,
                ct->hostname, node->name);
        goto done;
    }
    if (rc != CDB_OK)
        goto done;
    if ((rc = cdb_pve_lxc_list(pve, &entries, &n)) != CDB_OK) {
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (entries[i].vmid == ct->container_id)
            is_running = entries[i].status && strcmp(entries[i].status, "running") == 0;
    if (is_running == start) {
        job_say(run, "CT %lld of %s is already %s", (long long)ct->container_id, ct->hostname,
                start ? "running" : "stopped");
        goto done;
    }
    if ((rc = stop_if_cancelled(run, 0)) != CDB_OK)
        goto done;
    job_say(run, "%s CT %lld (%s) on node %s", start ? "starting" : "shutting down",
            (long long)ct->container_id, ct->hostname, node->name);
    rc = start ? cdb_pve_lxc_start(pve, (int)ct->container_id, &upid)
               : cdb_pve_lxc_shutdown(pve, (int)ct->container_id, &upid);
    if (rc != CDB_OK) {
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
        goto done;
    }
    if ((rc = wait_for(run, pve, start ? "waiting for the start" : "waiting for the shutdown",
                       upid)) != CDB_OK)
        goto done;
    job_say(run, "CT %lld of %s is %s", (long long)ct->container_id, ct->hostname,
            start ? "running" : "stopped");
done:
    cdb_pve_lxc_entries_free(entries, n);
    free(upid);
    cdb_pve_free(pve);
    cdb_node_free(node);
    cdb_container_free(ct);
    return rc;
}
