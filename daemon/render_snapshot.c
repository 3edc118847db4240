/* One consistent picture of a site, read in one read transaction (render.h). */
#include <stdlib.h>
#include <string.h>

#include "render.h"

void site_snapshot_clear(struct site_snapshot *snapshot)
{
    cdb_site_free(snapshot->site);
    cdb_node_array_free(snapshot->nodes, snapshot->n_nodes);
    for (size_t i = 0; i < snapshot->n_containers; i++) {
        cdb_container_free(snapshot->containers[i].container);
        cdb_service_array_free(snapshot->containers[i].services,
                               snapshot->containers[i].n_services);
    }
    free(snapshot->containers);
    cdb_external_domain_array_free(snapshot->domains, snapshot->n_domains);
    memset(snapshot, 0, sizeof(*snapshot));
}

static int node_of_site(const struct site_snapshot *snapshot, int64_t node_id)
{
    for (size_t i = 0; i < snapshot->n_nodes; i++)
        if (snapshot->nodes[i]->id == node_id)
            return 1;
    return 0;
}

static struct snapshot_container *container_in(struct site_snapshot *snapshot, int64_t id)
{
    /* containers are in ascending id order */
    size_t lo = 0, hi = snapshot->n_containers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t at = snapshot->containers[mid].container->id;
        if (at == id)
            return &snapshot->containers[mid];
        if (at < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Hand each service of the site's containers to its container (both lists
 * are in ascending id order, so each container's services stay in order). */
static int distribute_services(struct site_snapshot *snapshot, cdb_service **services, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct snapshot_container *ct = container_in(snapshot, services[i]->container_id);
        cdb_service **grown;
        if (ct == NULL)
            continue; /* another site's: freed by the caller */
        grown = realloc(ct->services, (ct->n_services + 1) * sizeof(*grown));
        if (grown == NULL)
            return CDB_ERR_NOMEM;
        ct->services = grown;
        ct->services[ct->n_services++] = services[i];
        services[i] = NULL;
    }
    return CDB_OK;
}

static int load(cdb *db, const char *site_name, struct site_snapshot *out)
{
    cdb_site **sites = NULL;
    cdb_container **containers = NULL;
    cdb_service **services = NULL;
    size_t n_sites = 0, n_containers = 0, n_services = 0;
    int rc;

    if ((rc = cdb_site_list(db, &sites, &n_sites)) != CDB_OK)
        return rc;
    for (size_t i = 0; i < n_sites; i++)
        if (strcmp(sites[i]->name, site_name) == 0) {
            out->site = sites[i];
            sites[i] = NULL;
            break;
        }
    cdb_site_array_free(sites, n_sites);
    if (out->site == NULL)
        return CDB_ERR_NOTFOUND;
    if ((rc = cdb_node_list(db, out->site->id, &out->nodes, &out->n_nodes)) != CDB_OK ||
        (rc = cdb_external_domain_list(db, out->site->id, &out->domains, &out->n_domains)) != CDB_OK ||
        (rc = cdb_container_list(db, 0, &containers, &n_containers)) != CDB_OK ||
        (rc = cdb_service_list(db, 0, &services, &n_services)) != CDB_OK)
        goto done;
    out->containers = calloc(n_containers ? n_containers : 1, sizeof(*out->containers));
    if (out->containers == NULL) {
        rc = CDB_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n_containers; i++)
        if (node_of_site(out, containers[i]->node_id)) {
            out->containers[out->n_containers++].container = containers[i];
            containers[i] = NULL;
        }
    rc = distribute_services(out, services, n_services);
done:
    cdb_container_array_free(containers, n_containers);
    cdb_service_array_free(services, n_services);
    return rc;
}

int site_snapshot_load(cdb *db, const char *site_name, struct site_snapshot *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = cdb_read_begin(db)) != CDB_OK)
        return rc;
    rc = load(db, site_name, out);
    cdb_read_end(db);
    if (rc != CDB_OK)
        site_snapshot_clear(out);
    return rc;
}
