/*
 * The cluster models: Sites, Nodes, ExternalDomains, Containers, Services
 * (with their HTTP / transport / DNS subtypes) and Jobs with their
 * JobStatuses.  Conventions (return codes, ownership, threads) as in
 * clusterdb.h.
 *
 * Every failure names the field (cdb_errfield(): "hostname", "dhcpRange", ...)
 * or, for CDB_ERR_CONFLICT, the unique key ("Containers.hostname",
 * "TransportServices.protocol,externalPort"), and cdb_errmsg() says which rule
 * was broken.  Every write is one transaction: on failure nothing is written.
 *
 * Ids are the tables' INTEGER PRIMARY KEYs, always > 0; an id argument of 0
 * where a parent filter is accepted means "no filter".
 *
 * SECRETS: cdb_node.api_token_secret_or_password and
 * cdb_external_domain.cloudflare_api_key are returned because the daemon
 * needs them to talk to Proxmox / Cloudflare.  Front ends must never print,
 * log or export them; show cdb_redact(value) instead.  The library never
 * puts them into an error message.
 *
 * Strings in the structs are NULL when the column is NULL.  created_at and
 * updated_at are ISO-8601 UTC ("2026-11-26T22:16:04.123Z").
 */
#ifndef CLUSTERDB_CLUSTER_H
#define CLUSTERDB_CLUSTER_H

#include <clusterdb/clusterdb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound on free-text fields (names, usernames, messages are checked to
 * be valid UTF-8 without control characters and at most this long). */
#define CDB_MAX_TEXT 255
/* JobStatuses.message may be longer (command output), still bounded. */
#define CDB_MAX_JOB_MESSAGE 65536
/* Proxmox VE CTIDs (vmid): 100 .. 999999999. */
#define CDB_MIN_CTID 100
#define CDB_MAX_CTID 999999999
/* Transport ports are allocated from here upwards, per protocol. */
#define CDB_FIRST_TRANSPORT_PORT 2000

/* "********" for a set secret, "" for NULL/empty: what front ends print. */
const char *cdb_redact(const char *secret);

/* ------------------------------------------------------------------ Sites */

typedef struct cdb_site {
    int64_t id;
    char *name;
    char *internal_domain;   /* e.g. "cluster.internal" */
    char *dhcp_range;        /* "192.168.1.100-192.168.1.200" */
    char *subnet_mask;       /* "255.255.255.0" */
    char *gateway;           /* "192.168.1.1" */
    char *dns_forwarders;    /* "1.1.1.1,8.8.8.8" */
    char *created_at;
    char *updated_at;
} cdb_site;

typedef struct cdb_site_input {
    const char *name;            /* required, text */
    const char *internal_domain; /* required, dotted DNS name */
    const char *dhcp_range;      /* optional; needs subnet_mask and gateway: "start-end",
                                  * start <= end, both inside gateway's subnet */
    const char *subnet_mask;     /* optional; a contiguous IPv4 netmask */
    const char *gateway;         /* optional; IPv4 */
    const char *dns_forwarders;  /* optional; comma-separated IPv4 addresses */
} cdb_site_input;

enum cdb_site_fields {
    CDB_SITEF_NAME = 1 << 0,
    CDB_SITEF_INTERNAL_DOMAIN = 1 << 1,
    CDB_SITEF_DHCP_RANGE = 1 << 2,
    CDB_SITEF_SUBNET_MASK = 1 << 3,
    CDB_SITEF_GATEWAY = 1 << 4,
    CDB_SITEF_DNS_FORWARDERS = 1 << 5
};

void cdb_site_free(cdb_site *site);
void cdb_site_array_free(cdb_site **sites, size_t n);
int cdb_site_create(cdb *db, const cdb_site_input *in, int64_t *id_out);
int cdb_site_get(cdb *db, int64_t id, cdb_site **out);
/* All sites, ascending id. */
int cdb_site_list(cdb *db, cdb_site ***out, size_t *n_out);
/* Change the fields named in `fields` (NULL clears an optional one).  The
 * resulting row is validated as a whole (a new subnetMask must still contain
 * the dhcpRange).  Bumps updatedAt. */
int cdb_site_update(cdb *db, int64_t id, unsigned fields, const cdb_site_input *in);
/* CDB_ERR_CONSTRAINT while Nodes or ExternalDomains still reference it. */
int cdb_site_delete(cdb *db, int64_t id);

/* ------------------------------------------------------------------ Nodes */

typedef struct cdb_node {
    int64_t id;
    char *name;                          /* the Proxmox node name, unique */
    char *ipv4_address;
    char *api_url;                       /* "https://pve1:8006" */
    char *api_token_id_or_username;      /* "root@pam!clusterdb" or "root@pam" */
    char *api_token_secret_or_password;  /* SECRET: never print (cdb_redact) */
    int disable_tls_verification;        /* 0 or 1 */
    int64_t site_id;
    char *created_at;
    char *updated_at;
} cdb_node;

typedef struct cdb_node_input {
    const char *name;                         /* required; RFC 1123 hostname */
    const char *ipv4_address;                 /* optional; IPv4 */
    const char *api_url;                      /* optional; http:// or https:// URL */
    const char *api_token_id_or_username;     /* optional; text */
    const char *api_token_secret_or_password; /* optional; SECRET, text */
    int disable_tls_verification;             /* 0 or 1 */
    int64_t site_id;                          /* required; an existing site */
} cdb_node_input;

enum cdb_node_fields {
    CDB_NODEF_NAME = 1 << 0,
    CDB_NODEF_IPV4_ADDRESS = 1 << 1,
    CDB_NODEF_API_URL = 1 << 2,
    CDB_NODEF_API_TOKEN_ID_OR_USERNAME = 1 << 3,
    CDB_NODEF_API_TOKEN_SECRET_OR_PASSWORD = 1 << 4,
    CDB_NODEF_DISABLE_TLS_VERIFICATION = 1 << 5,
    CDB_NODEF_SITE_ID = 1 << 6
};

void cdb_node_free(cdb_node *node);
void cdb_node_array_free(cdb_node **nodes, size_t n);
int cdb_node_create(cdb *db, const cdb_node_input *in, int64_t *id_out);
int cdb_node_get(cdb *db, int64_t id, cdb_node **out);
int cdb_node_get_by_name(cdb *db, const char *name, cdb_node **out);
/* Nodes of one site (site_id 0: all), ascending id. */
int cdb_node_list(cdb *db, int64_t site_id, cdb_node ***out, size_t *n_out);
int cdb_node_update(cdb *db, int64_t id, unsigned fields, const cdb_node_input *in);
/* CDB_ERR_CONSTRAINT while Containers still reference it. */
int cdb_node_delete(cdb *db, int64_t id);

/* -------------------------------------------------------- ExternalDomains */

typedef struct cdb_external_domain {
    int64_t id;
    char *domain;                 /* "example.com" */
    char *acme_email;
    char *acme_directory;         /* ACME directory URL */
    char *cloudflare_api_email;
    char *cloudflare_api_key;     /* SECRET: never print (cdb_redact) */
    int64_t site_id;
    char *created_at;
    char *updated_at;
    char *dns_provider;           /* "cloudflare" or "exec": who answers DNS-01 */
} cdb_external_domain;

typedef struct cdb_external_domain_input {
    const char *domain;               /* required; dotted DNS name */
    const char *acme_email;           /* optional; mail address */
    const char *acme_directory;       /* optional; http(s) URL */
    const char *cloudflare_api_email; /* optional; mail address */
    const char *cloudflare_api_key;   /* optional; SECRET, text */
    int64_t site_id;                  /* required; an existing site */
    const char *dns_provider;         /* optional; "cloudflare" (NULL) or "exec" */
} cdb_external_domain_input;

enum cdb_external_domain_fields {
    CDB_EDF_DOMAIN = 1 << 0,
    CDB_EDF_ACME_EMAIL = 1 << 1,
    CDB_EDF_ACME_DIRECTORY = 1 << 2,
    CDB_EDF_CLOUDFLARE_API_EMAIL = 1 << 3,
    CDB_EDF_CLOUDFLARE_API_KEY = 1 << 4,
    CDB_EDF_SITE_ID = 1 << 5,
    CDB_EDF_DNS_PROVIDER = 1 << 6
};

void cdb_external_domain_free(cdb_external_domain *domain);
void cdb_external_domain_array_free(cdb_external_domain **domains, size_t n);
int cdb_external_domain_create(cdb *db, const cdb_external_domain_input *in, int64_t *id_out);
int cdb_external_domain_get(cdb *db, int64_t id, cdb_external_domain **out);
/* Domains of one site (site_id 0: all), ascending id. */
int cdb_external_domain_list(cdb *db, int64_t site_id, cdb_external_domain ***out,
                             size_t *n_out);
int cdb_external_domain_update(cdb *db, int64_t id, unsigned fields,
                               const cdb_external_domain_input *in);
/* CDB_ERR_CONSTRAINT while HTTPServices still use it. */
int cdb_external_domain_delete(cdb *db, int64_t id);

/* ------------------------------------------------------------------- Jobs */

typedef enum cdb_job_status {
    CDB_JOB_PENDING = 0,
    CDB_JOB_RUNNING = 1,
    CDB_JOB_SUCCESS = 2,
    CDB_JOB_FAILURE = 3,
    CDB_JOB_CANCELLED = 4
} cdb_job_status;

const char *cdb_job_status_name(cdb_job_status status);  /* "pending", ...; NULL if out of range */
/* Parse "pending" / "running" / "success" / "failure" / "cancelled". */
int cdb_job_status_parse(const char *text, cdb_job_status *out);

typedef struct cdb_job {
    int64_t id;
    char *name;                 /* what the job does, e.g. "create container web1" */
    char *associated_resource;  /* e.g. "container:42"; NULL when none */
    cdb_job_status status;
    char *created_at;
    char *updated_at;
    /* What the job acts on, copied from the container when the job was
     * queued (NULL / 0 when its resource names no container): a job checks
     * these before a destructive step and touches nothing when they differ. */
    char *target_hostname;
    int64_t target_node_id;
    int64_t target_container_id; /* the Proxmox CTID; 0 when it had none */
    char *target_created_at;     /* the container row's createdAt */
    /* The daemon running it ("host:pid:boot") and until when (ISO UTC);
     * NULL unless running. */
    char *lease_owner;
    char *lease_expires_at;
} cdb_job;

void cdb_job_free(cdb_job *job);
void cdb_job_array_free(cdb_job **jobs, size_t n);
/* A new job in status pending. */
int cdb_job_create(cdb *db, const char *name, const char *associated_resource, int64_t *id_out);
int cdb_job_get(cdb *db, int64_t id, cdb_job **out);
/* Jobs with the given status (-1: all), ascending id. */
int cdb_job_list(cdb *db, int status, cdb_job ***out, size_t *n_out);
/*
 * Set the status.  With expected >= 0 this is a compare-and-set: it only
 * changes a job whose status is still `expected`, else CDB_ERR_CONFLICT
 * (errfield "status"), so two daemons never both claim one pending job.
 * expected -1 sets unconditionally.
 */
int cdb_job_set_status(cdb *db, int64_t id, int expected, cdb_job_status status);
/* Deletes its JobStatuses too; Containers it created keep a NULL creationJobId.
 * A running job is refused (CDB_ERR_CONFLICT, "status"): cancel it first. */
int cdb_job_delete(cdb *db, int64_t id);

/*
 * The kinds of job clusterdbd runs: Jobs.name is the kind, optionally
 * followed by a space and free text for people ("container.create web1").
 * Jobs.associatedResource names what it acts on: "container:<Containers.id>"
 * for the container kinds, "domain:<ExternalDomains.id>" for certificates.
 */
#define CDB_JOB_CONTAINER_CREATE "container.create"
#define CDB_JOB_CONTAINER_DELETE "container.delete"
#define CDB_JOB_CONTAINER_START "container.start"
#define CDB_JOB_CONTAINER_STOP "container.stop"
#define CDB_JOB_CERTIFICATE "certificate.obtain"
#define CDB_JOB_RESOURCE_CONTAINER "container:"
#define CDB_JOB_RESOURCE_DOMAIN "domain:"

/* Whether the job name's first word is `kind`. */
int cdb_job_is_kind(const char *job_name, const char *kind);
/* "<prefix><id>" -> the id; 0 when the resource is not that shape. */
int64_t cdb_job_resource_id(const char *associated_resource, const char *prefix);
/* The same for CDB_JOB_RESOURCE_CONTAINER. */
int64_t cdb_job_container_resource(const char *associated_resource);

/*
 * Leases (docs/daemon.md).  A daemon claims a pending job with
 * cdb_job_claim (pending -> running, owner, expiry now + lease_ms), renews
 * it while it works, and ends it with cdb_job_finish.  Each is a
 * compare-and-set: CDB_ERR_CONFLICT ("status") when the job is not (or no
 * longer) in the expected state or held by `owner`, so a daemon that lost
 * its lease never writes over the one that took the job.
 */
int cdb_job_claim(cdb *db, int64_t id, const char *owner, long lease_ms);
int cdb_job_renew(cdb *db, int64_t id, const char *owner, long lease_ms);
/* running -> final (success, failure), clearing the lease. */
int cdb_job_finish(cdb *db, int64_t id, const char *owner, cdb_job_status final);
/* Take over a running job whose lease is exactly as `seen` read it (same
 * owner and expiry): two daemons recovering at once cannot both win. */
int cdb_job_take_over(cdb *db, const cdb_job *seen, const char *owner, long lease_ms);
/* Whether a running job's lease has run out (or it has none). */
int cdb_job_lease_expired(const cdb_job *job);
/* Record the facts checked before destructive steps (see cdb_job) from the
 * container row as it is now. */
struct cdb_container;
int cdb_job_set_target(cdb *db, int64_t id, const struct cdb_container *target);
/* pending or running -> cancelled (the lease goes); CDB_ERR_CONFLICT otherwise. */
int cdb_job_cancel(cdb *db, int64_t id);
/* failure or cancelled -> pending, with a message saying so; a failed
 * container of a container.create job goes back to pending with it (one
 * transaction).  CDB_ERR_CONFLICT for a job in another state. */
int cdb_job_retry(cdb *db, int64_t id);

/* One row of JobStatuses: a progress message of a job. */
typedef struct cdb_job_message {
    int64_t id;
    int64_t job_id;
    char *message;
    char *created_at;
} cdb_job_message;

void cdb_job_message_array_free(cdb_job_message **messages, size_t n);
/* Append a message (valid UTF-8, at most CDB_MAX_JOB_MESSAGE bytes; newlines
 * and tabs allowed) and bump the job's updatedAt. */
int cdb_job_message_append(cdb *db, int64_t job_id, const char *message, int64_t *id_out);
/* Messages of a job with id > after_id (0: all), ascending id: a follower polls
 * with the last id it saw. */
int cdb_job_message_list(cdb *db, int64_t job_id, int64_t after_id, cdb_job_message ***out,
                         size_t *n_out);

/* ------------------------------------------------------------- Containers */

typedef enum cdb_container_status {
    CDB_CT_PENDING = 0,
    CDB_CT_CREATING = 1,
    CDB_CT_RUNNING = 2,
    CDB_CT_FAILED = 3
} cdb_container_status;

const char *cdb_container_status_name(cdb_container_status status);
/* Parse "pending" / "creating" / "running" / "failed". */
int cdb_container_status_parse(const char *text, cdb_container_status *out);

typedef struct cdb_container {
    int64_t id;
    char *hostname;            /* RFC 1123 label, unique */
    char *username;            /* owner */
    cdb_container_status status;
    char *template_name;       /* column "template" */
    int64_t creation_job_id;   /* 0 when NULL */
    int64_t node_id;
    int64_t container_id;      /* Proxmox CTID; 0 while not assigned yet */
    char *mac_address;         /* NULL until known */
    char *ipv4_address;        /* NULL until known */
    char *ai_container;        /* "N" by default */
    char *created_at;
    char *updated_at;
} cdb_container;

typedef struct cdb_container_input {
    const char *hostname;       /* required; one RFC 1123 label (a-z0-9-, 1-63, no dots) */
    const char *username;       /* required; text */
    int status;                 /* a cdb_container_status, or -1 for pending (also in update) */
    const char *template_name;  /* optional; text */
    int64_t creation_job_id;    /* optional (0); an existing job */
    int64_t node_id;            /* required; an existing node */
    int64_t container_id;       /* CDB_MIN_CTID..CDB_MAX_CTID, unique per node; 0 = not yet */
    const char *mac_address;    /* optional; xx:xx:xx:xx:xx:xx, unique (stored lower case) */
    const char *ipv4_address;   /* optional; IPv4, unique */
    const char *ai_container;   /* optional; NULL means "N"; 1-32 chars of [A-Za-z0-9_-] */
} cdb_container_input;

enum cdb_container_fields {
    CDB_CTF_HOSTNAME = 1 << 0,
    CDB_CTF_USERNAME = 1 << 1,
    CDB_CTF_STATUS = 1 << 2,
    CDB_CTF_TEMPLATE = 1 << 3,
    CDB_CTF_CREATION_JOB_ID = 1 << 4,
    CDB_CTF_NODE_ID = 1 << 5,
    CDB_CTF_CONTAINER_ID = 1 << 6,
    CDB_CTF_MAC_ADDRESS = 1 << 7,
    CDB_CTF_IPV4_ADDRESS = 1 << 8,
    CDB_CTF_AI_CONTAINER = 1 << 9
};

void cdb_container_free(cdb_container *container);
void cdb_container_array_free(cdb_container **containers, size_t n);
int cdb_container_create(cdb *db, const cdb_container_input *in, int64_t *id_out);
/* A pending container and its "container.create <hostname>" job, linked
 * (creationJobId, associatedResource), in one transaction. */
int cdb_container_create_queued(cdb *db, const cdb_container_input *in, int64_t *id_out,
                                int64_t *job_out);
int cdb_container_get(cdb *db, int64_t id, cdb_container **out);
int cdb_container_get_by_hostname(cdb *db, const char *hostname, cdb_container **out);
/* Containers on one node (node_id 0: all), ascending id. */
int cdb_container_list(cdb *db, int64_t node_id, cdb_container ***out, size_t *n_out);
int cdb_container_update(cdb *db, int64_t id, unsigned fields, const cdb_container_input *in);
/* Deletes its Services (and their subtypes) too. */
int cdb_container_delete(cdb *db, int64_t id);

/*
 * For the daemon.  Set the status; with expected >= 0 only if the status is
 * still `expected` (else CDB_ERR_CONFLICT, errfield "status"): claim a pending
 * container with (CDB_CT_PENDING -> CDB_CT_CREATING) exactly once.
 */
int cdb_container_set_status(cdb *db, int64_t id, int expected, cdb_container_status status);
/* Record what Proxmox assigned after the clone: the CTID (0 keeps the stored
 * one), the MAC and the IPv4 address (NULL keeps the stored value).  Validated
 * and checked for uniqueness like create. */
int cdb_container_set_network(cdb *db, int64_t id, int64_t container_id,
                              const char *mac_address, const char *ipv4_address);

/* --------------------------------------------------------------- Services */

typedef enum cdb_service_type {
    CDB_SERVICE_HTTP = 0,
    CDB_SERVICE_TRANSPORT = 1,
    CDB_SERVICE_DNS = 2
} cdb_service_type;

typedef enum cdb_transport_protocol {
    CDB_PROTO_TCP = 0,
    CDB_PROTO_UDP = 1
} cdb_transport_protocol;

const char *cdb_service_type_name(cdb_service_type type);          /* "http", "transport", "dns" */
int cdb_service_type_parse(const char *text, cdb_service_type *out);
const char *cdb_transport_protocol_name(cdb_transport_protocol p); /* "tcp", "udp" */
int cdb_transport_protocol_parse(const char *text, cdb_transport_protocol *out);

/* A Services row together with its one subtype row; only the member of
 * `type` is filled. */
typedef struct cdb_service {
    int64_t id;
    int64_t container_id;        /* Containers.id (not the CTID) */
    cdb_service_type type;
    int64_t container_port;
    int64_t subtype_id;          /* id of the HTTPServices / TransportServices / DnsServices row */
    struct {
        char *external_hostname; /* "app" for app.<domain> */
        int64_t external_domain_id;
    } http;
    struct {
        cdb_transport_protocol protocol;
        int64_t external_port;
        int use_tls;
    } transport;
    struct {
        char *record_type;       /* "SRV" */
        char *service_name;      /* "_minecraft._tcp" */
    } dns;
    char *created_at;
    char *updated_at;
} cdb_service;

typedef struct cdb_service_input {
    int64_t container_id;        /* required; Containers.id */
    cdb_service_type type;
    int64_t container_port;      /* required; 1-65535 */
    struct {
        const char *external_hostname; /* one RFC 1123 label; unique per domain */
        int64_t external_domain_id;    /* an existing ExternalDomain */
    } http;
    struct {
        cdb_transport_protocol protocol;
        int64_t external_port;   /* 1-65535, unique per protocol; 0 allocates the
                                  * lowest free port >= CDB_FIRST_TRANSPORT_PORT */
        int use_tls;             /* 0 or 1 */
    } transport;
    struct {
        const char *record_type; /* NULL or "SRV" */
        const char *service_name;/* required; DNS name, labels may start with '_' */
    } dns;
} cdb_service_input;

void cdb_service_free(cdb_service *service);
void cdb_service_array_free(cdb_service **services, size_t n);
/*
 * Insert the Services row and its subtype row in one BEGIN IMMEDIATE
 * transaction (a transport port of 0 is allocated inside it, so concurrent
 * writers in any process never get the same port).  Either both rows exist
 * afterwards or neither does.
 */
int cdb_service_create(cdb *db, const cdb_service_input *in, int64_t *id_out);
int cdb_service_get(cdb *db, int64_t id, cdb_service **out);
/* Services of one container (container_id 0: all), ascending id. */
int cdb_service_list(cdb *db, int64_t container_id, cdb_service ***out, size_t *n_out);
/*
 * Change a service in place, in one transaction: its containerPort and the
 * fields of its subtype (the member of in->type, which must be the service's
 * type: a service never changes type or container; in->container_id is
 * ignored).  A transport external_port of 0 keeps the current port.
 * Validated and checked for uniqueness like create; bumps updatedAt.
 */
int cdb_service_update(cdb *db, int64_t id, const cdb_service_input *in);
/* Removes the Services row and its subtype row. */
int cdb_service_delete(cdb *db, int64_t id);
/* The port cdb_service_create would allocate now: the lowest port >=
 * CDB_FIRST_TRANSPORT_PORT that no TransportService of `protocol` uses.
 * Advisory only (another writer may take it); CDB_ERR_CONFLICT if none left. */
int cdb_transport_next_port(cdb *db, cdb_transport_protocol protocol, int64_t *port_out);

#ifdef __cplusplus
}
#endif
#endif
