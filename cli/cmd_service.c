/* clusterdb service add | list | show | set | delete: Services and their subtypes */
#include <stdio.h>

#include "cli.h"

static json_t *service_json(struct cli *cli, const cdb_service *s)
{
    json_t *o = json_pack("{s:I, s:I, s:o, s:s?, s:I}",
                          "id", (json_int_t)s->id,
                          "containerId", (json_int_t)s->container_id,
                          "container", cli_jname(cli, CLI_REF_CONTAINER, s->container_id),
                          "type", cdb_service_type_name(s->type),
                          "containerPort", (json_int_t)s->container_port);
    char endpoint[320];
    switch (s->type) {
    case CDB_SERVICE_HTTP: {
        json_t *domain = cli_jname(cli, CLI_REF_DOMAIN, s->http.external_domain_id);
        snprintf(endpoint, sizeof endpoint, "https://%s.%s",
                 s->http.external_hostname ? s->http.external_hostname : "",
                 json_is_string(domain) ? json_string_value(domain) : "?");
        json_object_set_new(o, "http", json_pack("{s:o, s:I, s:o}", "externalHostname",
                                                 cli_jstr(s->http.external_hostname),
                                                 "externalDomainId",
                                                 (json_int_t)s->http.external_domain_id,
                                                 "externalDomain", domain));
        break;
    }
    case CDB_SERVICE_TRANSPORT:
        json_object_set_new(o, "transport",
                            json_pack("{s:s?, s:I, s:b}", "protocol",
                                      cdb_transport_protocol_name(s->transport.protocol),
                                      "externalPort", (json_int_t)s->transport.external_port,
                                      "useTls", s->transport.use_tls != 0));
        snprintf(endpoint, sizeof endpoint, "%s/%lld%s",
                 s->transport.protocol == CDB_PROTO_UDP ? "udp" : "tcp",
                 (long long)s->transport.external_port, s->transport.use_tls ? " tls" : "");
        break;
    case CDB_SERVICE_DNS:
    default:
        json_object_set_new(o, "dns", json_pack("{s:o, s:o}", "recordType",
                                                cli_jstr(s->dns.record_type), "serviceName",
                                                cli_jstr(s->dns.service_name)));
        snprintf(endpoint, sizeof endpoint, "%s %s", s->dns.record_type ? s->dns.record_type : "",
                 s->dns.service_name ? s->dns.service_name : "");
        break;
    }
    json_object_set_new(o, "external", cli_jstr(endpoint));
    json_object_set_new(o, "createdAt", cli_jstr(s->created_at));
    json_object_set_new(o, "updatedAt", cli_jstr(s->updated_at));
    return o;
}

static int emit_service(struct cli *cli, int64_t id, const char *verb)
{
    cdb_service *s = NULL;
    int st = cdb_service_get(cli->db, id, &s);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *o = service_json(cli, s);
    int rc = cli_emit_done(cli, o, "%s %s service %lld of %s", verb, cdb_service_type_name(s->type),
                           (long long)s->id,
                           json_is_string(json_object_get(o, "container"))
                               ? cli_printable(json_string_value(json_object_get(o, "container")))
                               : "?");
    cdb_service_free(s);
    return rc;
}

/* The fields of a service and of its subtype, as add and set take them. */
struct service_opts {
    const char *port, *ext_host, *domain, *proto, *ext_port, *svc_name, *record_type;
    int tls, no_tls;
};

#define SERVICE_OPTS(o)                                                                          \
    {"port", "N", "the port inside the container", &(o).port, NULL},                             \
    {"hostname", "LABEL", "http: the external host name (LABEL.DOMAIN)", &(o).ext_host, NULL},    \
    {"domain", "DOMAIN", "http: the external domain (name or id) of the container's site",        \
     &(o).domain, NULL},                                                                          \
    {"protocol", "PROTO", "transport: tcp or udp (default tcp)", &(o).proto, NULL},               \
    {"external-port", "N",                                                                        \
     "transport: public port, not a reserved one (default: next free from 2000)", &(o).ext_port,  \
     NULL},                                                                                       \
    {"tls", NULL, "transport: terminate TLS", NULL, &(o).tls},                                    \
    {"service-name", "NAME", "dns: the SRV service name, e.g. _minecraft._tcp", &(o).svc_name,    \
     NULL},                                                                                       \
    {"record-type", "TYPE", "dns: the record type (SRV)", &(o).record_type, NULL}

/* Check that only options of `type` were given, then parse them over `in`
 * (which holds the defaults or the current values).  0 or an exit code. */
static int parse_service_opts(const struct service_opts *o, cdb_service_type type,
                              cdb_service_input *in)
{
    int rc;
    /* Options of another type are a mistake on the command line, not ignored. */
    int http_opts = o->ext_host || o->domain;
    int transport_opts = o->proto || o->ext_port || o->tls || o->no_tls;
    int dns_opts = o->svc_name || o->record_type;
    if ((type != CDB_SERVICE_HTTP && http_opts) || (type != CDB_SERVICE_TRANSPORT && transport_opts) ||
        (type != CDB_SERVICE_DNS && dns_opts))
        return cli_error(CLI_EXIT_USAGE, NULL, "option given that does not apply to type %s",
                         cdb_service_type_name(type));
    if (o->tls && o->no_tls)
        return cli_error(CLI_EXIT_USAGE, NULL, "give either --tls or --no-tls");
    if (o->port && (rc = cli_parse_int64("containerPort", o->port, 1, 65535, &in->container_port)))
        return rc;
    if (o->proto && cdb_transport_protocol_parse(o->proto, &in->transport.protocol) != CDB_OK)
        return cli_error(CLI_EXIT_INVALID, "protocol", "must be tcp or udp");
    if (o->ext_port &&
        (rc = cli_parse_int64("externalPort", o->ext_port, 1, 65535, &in->transport.external_port)))
        return rc;
    if (o->tls || o->no_tls)
        in->transport.use_tls = o->tls;
    if (o->ext_host)
        in->http.external_hostname = o->ext_host;
    if (o->svc_name)
        in->dns.service_name = o->svc_name;
    if (o->record_type)
        in->dns.record_type = o->record_type;
    return 0;
}

static int service_add(struct cli *cli, int argc, char **argv)
{
    const char *host = NULL, *type_text = NULL;
    struct service_opts o = {0};
    const struct cli_opt opts[] = {
        {"container", "HOSTNAME", "the container that offers it", &host, NULL},
        {"type", "TYPE", "http, transport or dns", &type_text, NULL},
        SERVICE_OPTS(o),
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "service add --container HOSTNAME --type TYPE --port N [options]",
        "Expose a port of a container: over HTTPS as LABEL.DOMAIN (http), as a public\n"
        "TCP/UDP port (transport), or as a DNS SRV record (dns).", opts, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    if (!host || !type_text || !o.port)
        return cli_error(CLI_EXIT_USAGE, NULL, "service add needs --container, --type and --port");
    cdb_service_input in = {0};
    if (cdb_service_type_parse(type_text, &in.type) != CDB_OK)
        return cli_error(CLI_EXIT_INVALID, "type", "must be one of http, transport, dns");
    if ((rc = parse_service_opts(&o, in.type, &in)))
        return rc;
    if (in.type == CDB_SERVICE_HTTP && !o.domain)
        return cli_error(CLI_EXIT_USAGE, NULL, "an http service needs --domain (and --hostname)");

    if ((rc = cli_open(cli, 0)) ||
        (rc = cli_find_id(cli, CLI_REF_CONTAINER, host, &in.container_id)) ||
        (rc = cli_find_id(cli, CLI_REF_DOMAIN, o.domain, &in.http.external_domain_id)))
        return rc;
    int64_t id = 0;
    int st = cdb_service_create(cli->db, &in, &id);
    return st == CDB_OK ? emit_service(cli, id, "created") : cli_fail(cli, st);
}

static int service_set(struct cli *cli, int argc, char **argv)
{
    struct service_opts o = {0};
    const struct cli_opt opts[] = {
        SERVICE_OPTS(o),
        {"no-tls", NULL, "transport: stop terminating TLS", NULL, &o.no_tls},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "service set ID [options]",
        "Change a service's port and the fields of its type (a service keeps its type\n"
        "and its container).  Checked like service add.", opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    if (!o.port && !o.ext_host && !o.domain && !o.proto && !o.ext_port && !o.tls && !o.no_tls &&
        !o.svc_name && !o.record_type)
        return cli_error(CLI_EXIT_USAGE, NULL, "nothing to change (see clusterdb service set --help)");
    cdb_service *s = NULL;
    int64_t domain_id = 0;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_service(cli, args[0], &s)))
        goto done;
    /* The current values, then what was given over them. */
    cdb_service_input in = {.container_id = s->container_id, .type = s->type,
                            .container_port = s->container_port};
    in.http.external_hostname = s->http.external_hostname;
    in.http.external_domain_id = s->http.external_domain_id;
    in.transport.protocol = s->transport.protocol;
    in.transport.external_port = s->transport.external_port;
    in.transport.use_tls = s->transport.use_tls;
    in.dns.record_type = s->dns.record_type;
    in.dns.service_name = s->dns.service_name;
    if ((rc = parse_service_opts(&o, s->type, &in)) ||
        (rc = cli_find_id(cli, CLI_REF_DOMAIN, o.domain, &domain_id)))
        goto done;
    if (domain_id)
        in.http.external_domain_id = domain_id;
    int st = cdb_service_update(cli->db, s->id, &in);
    rc = st == CDB_OK ? emit_service(cli, s->id, "updated") : cli_fail(cli, st);
done:
    cdb_service_free(s);
    return rc;
}

static int service_list(struct cli *cli, int argc, char **argv)
{
    const char *host = NULL;
    const struct cli_opt opts[] = {
        {"container", "HOSTNAME", "only the services of this container", &host, NULL},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"service list [--container HOSTNAME]", "List services.", opts, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    int64_t container_id;
    if ((rc = cli_find_id(cli, CLI_REF_CONTAINER, host, &container_id)))
        return rc;
    cdb_service **rows = NULL;
    size_t n = 0;
    int st = cdb_service_list(cli->db, container_id, &rows, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, service_json(cli, rows[i]));
    cdb_service_array_free(rows, n);
    static const struct cli_column cols[] = {
        {"id", "ID"}, {"container", "CONTAINER"}, {"type", "TYPE"}, {"containerPort", "PORT"},
        {"external", "EXTERNAL"}, {NULL, NULL}
    };
    return cli_emit_list(cli, list, cols);
}

static int service_show(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"service show ID", "Show a service.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_service *s = NULL;
    if ((rc = cli_find_service(cli, args[0], &s)))
        return rc;
    rc = cli_emit_object(cli, service_json(cli, s));
    cdb_service_free(s);
    return rc;
}

static int service_delete(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"service delete ID", "Delete a service.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_service *s = NULL;
    if ((rc = cli_find_service(cli, args[0], &s)))
        return rc;
    int st = cdb_service_delete(cli->db, s->id);
    rc = st != CDB_OK ? cli_fail(cli, st)
                      : cli_emit_done(cli, json_pack("{s:I}", "id", (json_int_t)s->id),
                                      "deleted service %lld", (long long)s->id);
    cdb_service_free(s);
    return rc;
}

int cli_cmd_service(struct cli *cli, int argc, char **argv)
{
    static const struct cli_command cmds[] = {
        {"add", service_add, "expose a port of a container"},
        {"list", service_list, "list services"},
        {"show", service_show, "show one service"},
        {"set", service_set, "change fields of a service"},
        {"delete", service_delete, "delete a service"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "service", "Manage Services (http, transport, dns).", cmds, argc, argv);
}
