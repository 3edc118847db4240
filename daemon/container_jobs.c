/*
 * The container jobs: create a pending container on its node from a
 * template, and delete a container (DESIGN.md section 8).
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

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal ends it early; callers re-check */
}

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    if (cdb_pve_new(&options, &pve, err, sizeof(err)) != CDB_OK) {
        job_say(run, "failed: node %s: %s", node->name, err);
        return NULL;
    }
    return pve;
}

/* Between steps: stop when an operator cancelled the job meanwhile. */
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
        sleep_ms(IP_POLL_MS);
    }
    if (rc != CDB_OK)
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
    return rc;
}

/* Clone the template to a fresh VMID; retry when the VMID was taken meanwhile. */
static int clone_template(struct job_run *run, cdb_pve *pve, const cdb_container *ct,
                          int template_vmid, int *vmid_out, char **upid_out)
{
    int rc = CDB_ERR_INTERNAL;

    for (int attempt = 1; attempt <= CLONE_ATTEMPTS; attempt++) {
        int vmid;
        if ((rc = cdb_pve_next_id(pve, &vmid)) != CDB_OK) {
            job_say(run, "failed: %s", cdb_pve_errmsg(pve));
            return rc;
        }
        job_say(run, "cloning template %s (CT %d) to CT %d as %s", ct->template_name,
                template_vmid, vmid, ct->hostname);
        rc = cdb_pve_lxc_clone(pve, template_vmid, vmid, ct->hostname, upid_out);
        if (rc == CDB_OK) {
            *vmid_out = vmid;
            return CDB_OK;
        }
        if (strstr(cdb_pve_errmsg(pve), "already exists") == NULL || attempt == CLONE_ATTEMPTS)
            break;
        job_say(run, "CT %d was taken meanwhile; asking for another id", vmid);
    }
    job_say(run, "failed: %s", cdb_pve_errmsg(pve));
    return rc;
}

static int create_on_node(struct job_run *run, cdb_pve *pve, const cdb_node *node,
                          const cdb_container *ct)
{
    int template_vmid = 0, vmid = 0;
    char *upid = NULL, *mac = NULL, *ip = NULL;
    char description[512];
    const char *keys[] = {"description"};
    const char *values[] = {description};
    int rc;

    if (ct->template_name == NULL || ct->template_name[0] == '\0') {
        job_say(run, "failed: container %s names no template", ct->hostname);
        return CDB_ERR_INVALID;
    }
    if ((rc = cdb_pve_lxc_find_template(pve, ct->template_name, &template_vmid)) != CDB_OK) {
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
        goto done;
    }
    if ((rc = stop_if_cancelled(run, 0)) != CDB_OK ||
        (rc = clone_template(run, pve, ct, template_vmid, &vmid, &upid)) != CDB_OK)
        goto done;
    if ((rc = wait_for(run, pve, "waiting for the clone", upid)) != CDB_OK)
        goto done;
    /* Record the CTID as soon as the CT exists (a failed clone leaves none):
     * if a later step fails, the row still says which CT is on the node,
     * and a delete job removes it. */
    if ((rc = cdb_container_set_network(run->db, ct->id, vmid, NULL, NULL)) != CDB_OK) {
        job_say(run, "failed: cannot record CT %d: %s", vmid, cdb_errmsg(run->db));
        goto done;
    }
    free(upid);
    upid = NULL;

    if ((rc = stop_if_cancelled(run, vmid)) != CDB_OK)
        goto done;
    snprintf(description, sizeof(description), "%s, owner %s (managed by clusterdb)",
             ct->hostname, ct->username);
    job_say(run, "configuring CT %d", vmid);
    if ((rc = cdb_pve_lxc_config_set(pve, vmid, keys, values, 1)) != CDB_OK) {
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
        goto done;
    }

    if ((rc = stop_if_cancelled(run, vmid)) != CDB_OK)
        goto done;
    job_say(run, "starting CT %d", vmid);
    if ((rc = cdb_pve_lxc_start(pve, vmid, &upid)) != CDB_OK) {
        job_say(run, "failed: %s", cdb_pve_errmsg(pve));
        goto done;
    }
    if ((rc = wait_for(run, pve, "waiting for the start", upid)) != CDB_OK)
        goto done;

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
    /* The claim on the container: pending -> creating, once. */
    rc = cdb_container_set_status(run->db, ct->id, CDB_CT_PENDING, CDB_CT_CREATING);
    if (rc != CDB_OK) {
        job_say(run, "failed: container %s is %s, not pending", ct->hostname,
                cdb_container_status_name(ct->status));
        goto done;
    }
    if ((rc = cdb_node_get(run->db, ct->node_id, &node)) != CDB_OK) {
        job_say(run, "failed: node %lld: %s", (long long)ct->node_id, cdb_errmsg(run->db));
        goto failed;
    }
    job_say(run, "creating container %s for %s from template %s on node %s", ct->hostname,
            ct->username, ct->template_name ? ct->template_name : "(none)", node->name);
    if ((pve = client_for_node(run, node)) == NULL) {
        rc = CDB_ERR_INVALID;
        goto failed;
    }
    if ((rc = create_on_node(run, pve, node, ct)) == CDB_OK)
        goto done;
failed:
    if (cdb_container_set_status(run->db, ct->id, CDB_CT_CREATING, CDB_CT_FAILED) != CDB_OK)
        dlog("error", "container %s: cannot mark it failed: %s", ct->hostname, cdb_errmsg(run->db));
done:
    cdb_pve_free(pve);
    cdb_node_free(node);
    cdb_container_free(ct);
    return rc;
}

int container_delete_job(struct job_run *run, int64_t container_row_id)
{
    cdb_container *ct = NULL;
    cdb_node *node = NULL;
    cdb_pve *pve = NULL;
    char *upid = NULL;
    int rc;

    if ((rc = cdb_container_get(run->db, container_row_id, &ct)) != CDB_OK) {
        job_say(run, "failed: container %lld: %s", (long long)container_row_id, cdb_errmsg(run->db));
        return rc;
    }
    if (ct->status == CDB_CT_CREATING) {
        job_say(run, "failed: container %s is still being created", ct->hostname);
        rc = CDB_ERR_CONFLICT;
        goto done;
    }
    job_say(run, "deleting container %s", ct->hostname);
    if (ct->container_id != 0) {
        if ((rc = cdb_node_get(run->db, ct->node_id, &node)) != CDB_OK) {
            job_say(run, "failed: node %lld: %s", (long long)ct->node_id, cdb_errmsg(run->db));
            goto done;
        }
        if ((pve = client_for_node(run, node)) == NULL) {
            rc = CDB_ERR_INVALID;
            goto done;
        }
        if ((rc = stop_if_cancelled(run, 0)) != CDB_OK)
            goto done;
        job_say(run, "destroying CT %lld on node %s", (long long)ct->container_id, node->name);
        rc = cdb_pve_lxc_delete(pve, (int)ct->container_id, &upid);
        if (rc != CDB_OK && strstr(cdb_pve_errmsg(pve), "does not exist") != NULL) {
            job_say(run, "CT %lld does not exist on the node any more", (long long)ct->container_id);
        } else if (rc != CDB_OK) {
            job_say(run, "failed: %s", cdb_pve_errmsg(pve));
            goto done;
        } else if ((rc = wait_for(run, pve, "waiting for the destruction", upid)) != CDB_OK) {
            goto done;
        }
    } else {
        job_say(run, "container %s was never created on a node", ct->hostname);
    }
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
