/*
 * services.c: Services and their single-table-inheritance subtypes
 * (HTTPServices, TransportServices, DnsServices).  A service and its subtype
 * row are written and removed together in one transaction; a transport
 * service's external port, when not given, is allocated inside that same
 * BEGIN IMMEDIATE transaction so two writers can never pick the same port.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterdb/settings.h>
#include <clusterdb/validate.h>

#include "cluster_internal.h"

#define SERVICE_SELECT                                                                      \
    "SELECT s.id, s.containerId, s.type, s.containerPort, s.createdAt, s.updatedAt, "      \
    "h.id, h.externalHostname, h.externalDomainId, "                                       \
    "t.id, t.protocol, t.externalPort, t.useTls, "                                         \
    "d.id, d.recordType, d.serviceName "                                                   \
    "FROM Services s "                                                                     \
    "LEFT JOIN HTTPServices h ON h.serviceId = s.id "                                      \
    "LEFT JOIN TransportServices t ON t.serviceId = s.id "                                 \
    "LEFT JOIN DnsServices d ON d.serviceId = s.id "

void cdb_service_free(cdb_service *s)
{
    if (!s)
        return;
    free(s->http.external_hostname);
    free(s->dns.record_type);
    free(s->dns.service_name);
    free(s->created_at);
    free(s->updated_at);
    free(s);
}

static void service_free_v(void *p)
{
    cdb_service_free(p);
}

static int service_row(cdb_sql_stmt *st, void **out)
{
    cdb_service *s = calloc(1, sizeof *s);
    cdb_service_type type = CDB_SERVICE_HTTP;
    cdb_transport_protocol protocol = CDB_PROTO_TCP;

    if (!s)
        return -1;
    s->id = cdb_col_int64(st, 0);
    s->container_id = cdb_col_int64(st, 1);
    /* CHECK constraints keep type and protocol to the known names. */
    (void)cdb_service_type_parse(cdb_col_text(st, 2), &type);
    s->type = type;
    s->container_port = cdb_col_int64(st, 3);
    if (cm_col(st, 4, &s->created_at) || cm_col(st, 5, &s->updated_at))
        goto nomem;
    switch (type) {
    case CDB_SERVICE_HTTP:
        s->subtype_id = cdb_col_int64(st, 6);
        s->http.external_domain_id = cdb_col_int64(st, 8);
        if (cm_col(st, 7, &s->http.external_hostname))
            goto nomem;
        break;
    case CDB_SERVICE_TRANSPORT:
        s->subtype_id = cdb_col_int64(st, 9);
        (void)cdb_transport_protocol_parse(cdb_col_text(st, 10), &protocol);
        s->transport.protocol = protocol;
        s->transport.external_port = cdb_col_int64(st, 11);
        s->transport.use_tls = cdb_col_int(st, 12) != 0;
        break;
    case CDB_SERVICE_DNS:
        s->subtype_id = cdb_col_int64(st, 13);
        if (cm_col(st, 14, &s->dns.record_type) || cm_col(st, 15, &s->dns.service_name))
            goto nomem;
        break;
    }
    *out = s;
    return 0;
nomem:
    cdb_service_free(s);
    return -1;
}

/* Which columns mean anything depends on the type column, so services are
 * read and freed by hand rather than from a field list. */
static const cm_model service_model = {"service", sizeof(cdb_service), NULL, 0, service_row,
                                       service_free_v};

CM_MODEL_ARRAY_FREE_FUNCTION(service_model, cdb_service, cdb_service_array_free)

/* ---------------------------------------------------------- validation */

/* An SRV owner name such as "_minecraft._tcp": dot-separated labels of
 * 1-63 letters, digits, '-' and '_', at most 253 bytes. */
static int valid_service_name(const char *s)
{
    size_t len = strnlen(s, 254), label = 0;

    if (len < 1 || len > 253)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
        if (label == 0 && c == '-')
            return 0;
        if (++label > 63)
            return 0;
    }
    return 1;
}

static int validate_service(cdb *db, const cdb_service_input *in)
{
    if (in->container_id <= 0)
        return cdb_fail(db, CDB_ERR_INVALID, "containerId", "containerId is required (a Containers id)");
    if (!cdb_service_type_name(in->type))
        return cdb_fail(db, CDB_ERR_INVALID, "type", "type must be http, transport or dns");
    if (!cdb_valid_port(in->container_port))
        return cdb_fail(db, CDB_ERR_INVALID, "containerPort",
                        "containerPort must be between 1 and 65535");
    switch (in->type) {
    case CDB_SERVICE_HTTP:
        if (!in->http.external_hostname)
            return cdb_fail(db, CDB_ERR_INVALID, "externalHostname", "externalHostname is required");
        if (!cm_valid_label(in->http.external_hostname))
            return cdb_fail(db, CDB_ERR_INVALID, "externalHostname",
                            "externalHostname must be one RFC 1123 label: 1-63 of a-z, 0-9 and "
                            "'-', not starting or ending with '-'");
        if (in->http.external_domain_id <= 0)
            return cdb_fail(db, CDB_ERR_INVALID, "externalDomainId",
                            "externalDomainId is required (an ExternalDomains id)");
        break;
    case CDB_SERVICE_TRANSPORT:
        if (!cdb_transport_protocol_name(in->transport.protocol))
            return cdb_fail(db, CDB_ERR_INVALID, "protocol", "protocol must be tcp or udp");
        if (in->transport.external_port != 0 && !cdb_valid_port(in->transport.external_port))
            return cdb_fail(db, CDB_ERR_INVALID, "externalPort",
                            "externalPort must be between 1 and 65535, or 0 to allocate one");
        if (in->transport.use_tls != 0 && in->transport.use_tls != 1)
            return cdb_fail(db, CDB_ERR_INVALID, "useTls", "useTls must be 0 or 1");
        if (in->transport.use_tls && in->transport.protocol != CDB_PROTO_TCP)
            return cdb_fail(db, CDB_ERR_INVALID, "useTls", "useTls is only possible with tcp");
        break;
    case CDB_SERVICE_DNS:
        if (in->dns.record_type && strcmp(in->dns.record_type, "SRV") != 0)
            return cdb_fail(db, CDB_ERR_INVALID, "recordType", "recordType must be SRV");
        if (!in->dns.service_name)
            return cdb_fail(db, CDB_ERR_INVALID, "serviceName", "serviceName is required");
        if (!valid_service_name(in->dns.service_name))
            return cdb_fail(db, CDB_ERR_INVALID, "serviceName",
                            "serviceName must be a DNS name whose labels are 1-63 of letters, "
                            "digits, '-' and '_' (e.g. _minecraft._tcp)");
        break;
    }
    return CDB_OK;
}

/* ------------------------------------------------------ port allocation */

/* The lowest port >= ?2 that ?1 does not use: ?2 itself if free, else the
 * smallest used port (>= ?2) whose successor is free.  Served by the UNIQUE
 * (protocol, externalPort) index. */
static const char next_port_sql[] =
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM TransportServices "
    "                             WHERE protocol = ?1 AND externalPort = ?2) THEN ?2 "
    "ELSE (SELECT min(t.externalPort) + 1 FROM TransportServices t "
    "      WHERE t.protocol = ?1 AND t.externalPort >= ?2 AND t.externalPort < 65535 "
    "        AND NOT EXISTS (SELECT 1 FROM TransportServices u "
    "                        WHERE u.protocol = ?1 AND u.externalPort = t.externalPort + 1)) END";

/* One run of next_port_sql: the lowest port >= start that no service of
 * `protocol` uses; 0 when there is none. */
static int lowest_unused_port(cdb *db, cdb_transport_protocol protocol, int64_t start,
                              int64_t *port_out)
{
    cdb_sql_stmt *st = NULL;
    int status, rc, brc = CDB_SQL_OK;

    if ((status = cdb_stmt(db, next_port_sql, &st)) != CDB_OK)
        return status;
    cm_bind(&brc, cdb_bind_text(st, 1, cdb_transport_protocol_name(protocol)));
    cm_bind(&brc, cdb_bind_int64(st, 2, start));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    rc = cdb_step(st);
    if (rc == CDB_SQL_ROW)
        *port_out = cdb_col_is_null(st, 0) ? 0 : cdb_col_int64(st, 0);
    else
        status = rc == CDB_SQL_DONE
                     ? cdb_fail(db, CDB_ERR_INTERNAL, NULL, "finding a free port: no row")
                     : cdb_fail_sql(db, rc, "finding a free port");
    cdb_stmt_done(st);
    return status;
}

/* The lowest port >= CDB_FIRST_TRANSPORT_PORT that is neither used by a
 * service of `protocol` nor reserved: ask for the lowest unused one, and past
 * each reserved run ask again.  Inside the caller's transaction both the
 * services and the reserved list stay as read until it commits. */
static int next_port(cdb *db, cdb_transport_protocol protocol, int64_t *port_out)
{
    cdb_port_set reserved;
    int64_t start = CDB_FIRST_TRANSPORT_PORT, port = 0;
    int status;

    if ((status = cdb_reserved_ports_load(db, &reserved, NULL)) != CDB_OK)
        return status;
    for (;;) {
        while (start <= 65535 && cdb_port_set_has(&reserved, start))
            start++;
        if (start > 65535)
            break;
        if ((status = lowest_unused_port(db, protocol, start, &port)) != CDB_OK)
            return status;
        if (port == 0 || !cdb_port_set_has(&reserved, port)) {
            if (port == 0)
                break;
            *port_out = port;
            return CDB_OK;
        }
        start = port;
    }
    return cdb_fail(db, CDB_ERR_CONFLICT, "TransportServices.protocol,externalPort",
                    "no free %s port left between %d and 65535 outside the reserved ports",
                    cdb_transport_protocol_name(protocol), CDB_FIRST_TRANSPORT_PORT);
}

/* An explicitly given externalPort must not be one the site's own daemons
 * listen on. */
static int check_not_reserved(cdb *db, int64_t port)
{
    cdb_port_set reserved;
    char *list = NULL;
    int status = cdb_reserved_ports_load(db, &reserved, &list);

    if (status == CDB_OK && cdb_port_set_has(&reserved, port))
        status = cdb_fail(db, CDB_ERR_INVALID, "externalPort",
                          "externalPort %lld is reserved for the site's own nginx, dnsmasq, sshd "
                          "and slapd (setting " CDB_SETTING_RESERVED_PORTS ": %s); choose another "
                          "or leave it out to allocate one",
                          (long long)port, list);
    free(list);
    return status;
}

int cdb_transport_next_port(cdb *db, cdb_transport_protocol protocol, int64_t *port_out)
{
    int64_t port = 0;
    int status;

    if (!cdb_transport_protocol_name(protocol))
        return cdb_fail(db, CDB_ERR_INVALID, "protocol", "protocol must be tcp or udp");
    status = next_port(db, protocol, &port);
    if (status == CDB_OK)
        *port_out = port;
    return status;
}

/* ---------------------------------------------------------------- CRUD */

/* The SQL that writes a service's subtype row, one statement per type.  Each
 * takes ?1 = serviceId and the same parameters after it (see bind_subtype). */
struct subtype_sql {
    const char *http;
    const char *transport;
    const char *dns;
};

/* An HTTP service is served by its container's site's nginx, so its domain
 * must be one of that site's (container -> node -> site = domain's siteId). */
static int check_http_site(cdb *db, int64_t domain_id, int64_t container_id)
{
    static const char sql[] =
        "SELECT d.domain, d.siteId, n.siteId FROM ExternalDomains d, Containers c "
        "JOIN Nodes n ON n.id = c.nodeId WHERE d.id = ?1 AND c.id = ?2";
    cdb_sql_stmt *st = NULL;
    int status, rc, brc = CDB_SQL_OK;

    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    cm_bind(&brc, cdb_bind_int64(st, 1, domain_id));
    cm_bind(&brc, cdb_bind_int64(st, 2, container_id));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    rc = cdb_step(st);
    if (rc == CDB_SQL_ROW && cdb_col_int64(st, 1) != cdb_col_int64(st, 2))
        status = cdb_fail(db, CDB_ERR_INVALID, "externalDomainId",
                          "externalDomainId %lld (%s) belongs to another site than the "
                          "container's node: an HTTP service may only use an external domain "
                          "of its container's site",
                          (long long)domain_id, cdb_col_text(st, 0));
    else if (rc != CDB_SQL_ROW && rc != CDB_SQL_DONE)
        status = cdb_fail_sql(db, rc, "checking the service's site");
    cdb_stmt_done(st);
    return status;
}

int cm_check_http_sites(cdb *db, int64_t domain_id, int64_t container_id, int64_t node_id,
                        const char *field)
{
    static const char sql[] =
        "SELECT h.serviceId, c.hostname, d.domain FROM HTTPServices h "
        "JOIN Services s ON s.id = h.serviceId JOIN Containers c ON c.id = s.containerId "
        "JOIN Nodes n ON n.id = c.nodeId JOIN ExternalDomains d ON d.id = h.externalDomainId "
        "WHERE n.siteId <> d.siteId AND (d.id = ?1 OR c.id = ?2 OR n.id = ?3) "
        "ORDER BY h.serviceId LIMIT 1";
    cdb_sql_stmt *st = NULL;
    int status, rc, brc = CDB_SQL_OK;

    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    cm_bind(&brc, cdb_bind_int64(st, 1, domain_id));
    cm_bind(&brc, cdb_bind_int64(st, 2, container_id));
    cm_bind(&brc, cdb_bind_int64(st, 3, node_id));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    rc = cdb_step(st);
    if (rc == CDB_SQL_ROW)
        status = cdb_fail(db, CDB_ERR_INVALID, field,
                          "%s would put HTTP service %lld of container %s and its external "
                          "domain %s on different sites: an HTTP service may only use an "
                          "external domain of its container's site",
                          field, (long long)cdb_col_int64(st, 0),
                          cdb_col_text(st, 1),
                          cdb_col_text(st, 2));
    else if (rc != CDB_SQL_DONE)
        status = cdb_fail_sql(db, rc, "checking HTTP services' sites");
    cdb_stmt_done(st);
    return status;
}

/* Check the HTTP service's domain, then prepare the statement for in->type and
 * bind it (port: the transport port already decided by the caller).  On
 * success *out is ready to run; inserting and updating differ only in the SQL
 * and in how they run it. */
static int bind_subtype(cdb *db, const struct subtype_sql *sql, const cdb_service_input *in,
                        int64_t service_id, int64_t port, const char *now, cdb_sql_stmt **out)
{
    static const char domain_exists_sql[] = "SELECT 1 FROM ExternalDomains WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    int status, brc = CDB_SQL_OK;

    switch (in->type) {
    case CDB_SERVICE_HTTP:
        if ((status = cm_require_row(db, domain_exists_sql, in->http.external_domain_id,
                                     "externalDomainId", "ExternalDomains")) != CDB_OK)
            return status;
        if ((status = check_http_site(db, in->http.external_domain_id, in->container_id)) != CDB_OK)
            return status;
        if ((status = cdb_stmt(db, sql->http, &st)) != CDB_OK)
            return status;
        cm_bind(&brc, cdb_bind_int64(st, 1, service_id));
        cm_bind(&brc, cdb_bind_text(st, 2, in->http.external_hostname));
        cm_bind(&brc, cdb_bind_int64(st, 3, in->http.external_domain_id));
        cm_bind(&brc, cdb_bind_text(st, 4, now));
        break;
    case CDB_SERVICE_TRANSPORT:
        if ((status = cdb_stmt(db, sql->transport, &st)) != CDB_OK)
            return status;
        cm_bind(&brc, cdb_bind_int64(st, 1, service_id));
        cm_bind(&brc, cdb_bind_text(st, 2, cdb_transport_protocol_name(in->transport.protocol)));
        cm_bind(&brc, cdb_bind_int64(st, 3, port));
        cm_bind(&brc, cdb_bind_int(st, 4, in->transport.use_tls));
        cm_bind(&brc, cdb_bind_text(st, 5, now));
        break;
    case CDB_SERVICE_DNS:
    default:
        if ((status = cdb_stmt(db, sql->dns, &st)) != CDB_OK)
            return status;
        cm_bind(&brc, cdb_bind_int64(st, 1, service_id));
        cm_bind(&brc, cdb_bind_text(st, 2, in->dns.record_type ? in->dns.record_type : "SRV"));
        cm_bind(&brc, cdb_bind_text(st, 3, in->dns.service_name));
        cm_bind(&brc, cdb_bind_text(st, 4, now));
        break;
    }
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    *out = st;
    return CDB_OK;
}

static int insert_subtype(cdb *db, const cdb_service_input *in, int64_t service_id,
                          const char *now)
{
    static const struct subtype_sql sql = {
        .http = "INSERT INTO HTTPServices (serviceId, externalHostname, externalDomainId, "
                "createdAt, updatedAt) VALUES (?1, ?2, ?3, ?4, ?4)",
        .transport = "INSERT INTO TransportServices (serviceId, protocol, externalPort, useTls, "
                     "createdAt, updatedAt) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        .dns = "INSERT INTO DnsServices (serviceId, recordType, serviceName, createdAt, "
               "updatedAt) VALUES (?1, ?2, ?3, ?4, ?4)",
    };
    cdb_sql_stmt *st = NULL;
    int64_t port = in->transport.external_port;
    int status;

    /* Port 0 asks for the next free one. */
    if (in->type == CDB_SERVICE_TRANSPORT &&
        (status = port == 0 ? next_port(db, in->transport.protocol, &port)
                            : check_not_reserved(db, port)) != CDB_OK)
        return status;
    if ((status = bind_subtype(db, &sql, in, service_id, port, now, &st)) != CDB_OK)
        return status;
    return cm_exec(db, st, "inserting the service's subtype row");
}

int cdb_service_create(cdb *db, const cdb_service_input *in, int64_t *id_out)
{
    static const char container_exists_sql[] = "SELECT 1 FROM Containers WHERE id = ?1";
    static const char sql[] = "INSERT INTO Services (containerId, type, containerPort, createdAt, "
                              "updatedAt) VALUES (?1, ?2, ?3, ?4, ?4)";
    cdb_sql_stmt *st = NULL;
    char now[32];
    int64_t id = 0;
    int status, brc = CDB_SQL_OK;

    if (!in)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no service given");
    if ((status = validate_service(db, in)) != CDB_OK)
        return status;
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cm_require_row(db, container_exists_sql, in->container_id, "containerId",
                                 "Containers")) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, cdb_bind_int64(st, 1, in->container_id));
    cm_bind(&brc, cdb_bind_text(st, 2, cdb_service_type_name(in->type)));
    cm_bind(&brc, cdb_bind_int64(st, 3, in->container_port));
    cm_bind(&brc, cdb_bind_text(st, 4, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec(db, st, "inserting the service")) != CDB_OK)
        goto done;
    id = cdb_last_insert_id(db);
    /* A failure here rolls the Services row back with it. */
    status = insert_subtype(db, in, id, now);
done:
    status = cm_tx_end(db, status);
    if (status == CDB_OK && id_out)
        *id_out = id;
    return status;
}

int cdb_service_get(cdb *db, int64_t id, cdb_service **out)
{
    static const char sql[] = SERVICE_SELECT "WHERE s.id = ?1";
    void *item = NULL;
    int status = cm_get_id(db, sql, id, &service_model, &item);

    if (status == CDB_OK)
        *out = item;
    return status;
}

int cdb_service_list(cdb *db, int64_t container_id, cdb_service ***out, size_t *n_out)
{
    static const char sql[] = SERVICE_SELECT "WHERE ?1 = 0 OR s.containerId = ?1 ORDER BY s.id";
    cm_vec vec = {0};
    int status = cm_list_id(db, sql, container_id, &service_model, &vec);

    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_service, out, n_out, service_model, status);
    return status;
}

int cdb_service_delete(cdb *db, int64_t id)
{
    static const char sql[] = "DELETE FROM Services WHERE id = ?1";
    int status;

    /* The subtype row goes with it (ON DELETE CASCADE on serviceId). */
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    status = cm_exec_id(db, sql, id, "deleting the service", "Services");
    return cm_tx_end(db, status);
}

static int update_subtype(cdb *db, const cdb_service_input *in, const cdb_service *cur,
                          const char *now)
{
    static const struct subtype_sql sql = {
        .http = "UPDATE HTTPServices SET externalHostname = ?2, externalDomainId = ?3, "
                "updatedAt = ?4 WHERE serviceId = ?1",
        .transport = "UPDATE TransportServices SET protocol = ?2, externalPort = ?3, "
                     "useTls = ?4, updatedAt = ?5 WHERE serviceId = ?1",
        .dns = "UPDATE DnsServices SET recordType = ?2, serviceName = ?3, updatedAt = ?4 "
               "WHERE serviceId = ?1",
    };
    cdb_sql_stmt *st = NULL;
    /* Port 0 keeps the port the service has. */
    int64_t port = in->transport.external_port ? in->transport.external_port
                                               : cur->transport.external_port;
    int status;

    /* A port that became reserved after the service took it stays until it
     * changes; a new one must not be reserved. */
    if (in->type == CDB_SERVICE_TRANSPORT && port != cur->transport.external_port &&
        (status = check_not_reserved(db, port)) != CDB_OK)
        return status;
    if ((status = bind_subtype(db, &sql, in, cur->id, port, now, &st)) != CDB_OK)
        return status;
    return cm_exec_one(db, st, "updating the service's subtype row", "subtype", cur->id);
}

int cdb_service_update(cdb *db, int64_t id, const cdb_service_input *in)
{
    static const char sql[] =
        "UPDATE Services SET containerPort = ?2, updatedAt = ?3 WHERE id = ?1";
    cdb_sql_stmt *st = NULL;
    cdb_service *cur = NULL;
    cdb_service_input checked;
    char now[32];
    int status, brc = CDB_SQL_OK;

    if (!in)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no service given");
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = cdb_service_get(db, id, &cur)) != CDB_OK)
        goto done;
    if (in->type != cur->type) {
        status = cdb_fail(db, CDB_ERR_INVALID, "type",
                          "a service's type cannot change (it is %s); delete it and create "
                          "another", cdb_service_type_name(cur->type));
        goto done;
    }
    checked = *in;
    checked.container_id = cur->container_id;
    if ((status = validate_service(db, &checked)) != CDB_OK)
        goto done;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        goto done;
    cdb_now_iso(now);
    cm_bind(&brc, cdb_bind_int64(st, 1, id));
    cm_bind(&brc, cdb_bind_int64(st, 2, checked.container_port));
    cm_bind(&brc, cdb_bind_text(st, 3, now));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        goto done;
    }
    if ((status = cm_exec_one(db, st, "updating the service", "Services", id)) != CDB_OK)
        goto done;
    status = update_subtype(db, &checked, cur, now);
done:
    status = cm_tx_end(db, status);
    cdb_service_free(cur);
    return status;
}
