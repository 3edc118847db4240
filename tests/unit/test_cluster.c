/*
 * Unit tests of the cluster models: Sites, Nodes, ExternalDomains,
 * Containers, Services (+ subtypes), Jobs and JobStatuses.
 *
 * Every test gets a fresh database made by the real migration runner.  Each
 * rejected write is followed by a check that nothing was half-written: the row
 * counts of every cluster table are unchanged and PRAGMA integrity_check and
 * foreign_key_check are clean, seen from a second, independent connection.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <clusterdb/cluster.h>
#include <clusterdb/directory.h>
#include <clusterdb/clusterdb.h>
#include <clusterdb/settings.h>

#include "tmpdir_fixture.h"

static const char *const tables[] = {"Sites",    "Nodes",        "ExternalDomains",
                                     "Jobs",     "JobStatuses",  "Containers",
                                     "Services", "HTTPServices", "TransportServices",
                                     "DnsServices"};
#define N_TABLES (sizeof tables / sizeof tables[0])

typedef struct cluster_fixture {
    struct fixture *store; /* the database and its directory */
    const char *path;      /* store->path */
    cdb *db;               /* store->db */
    cdb *raw;              /* a second connection: sees only what was committed */
    int64_t site, node, domain, job;
} fixture;

typedef struct counts {
    int64_t n[N_TABLES];
} counts;

/* ------------------------------------------------------------ helpers */

static int64_t count_rows(fixture *fx, const char *table)
{
    char sql[128];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return sql_int(fx->raw, sql);
}

static counts snapshot(fixture *fx)
{
    counts c;

    for (size_t i = 0; i < N_TABLES; i++)
        c.n[i] = count_rows(fx, tables[i]);
    return c;
}


/* Nothing was written since `before`, and the file is sound. */
static void assert_unchanged(fixture *fx, const counts *before)
{
    counts now = snapshot(fx);

    for (size_t i = 0; i < N_TABLES; i++) {
        if (now.n[i] != before->n[i])
            fail_msg("%s: %lld rows, expected %lld", tables[i], (long long)now.n[i],
                     (long long)before->n[i]);
    }
    assert_integrity(fx->db);
}

/* The call failed with `status` naming `field`. */
static void expect_fail(fixture *fx, int rc, int status, const char *field)
{
    if (rc != status)
        fail_msg("expected %s (field %s), got %s: %s", cdb_strerror(status),
                 field ? field : "-", cdb_strerror(rc), cdb_errmsg(fx->db));
    if (field) {
        const char *got = cdb_errfield(fx->db);
        if (!got || strcmp(got, field) != 0)
            fail_msg("expected field %s, got %s (%s)", field, got ? got : "(none)",
                     cdb_errmsg(fx->db));
    }
    assert_non_null(cdb_errmsg(fx->db));
    assert_true(strlen(cdb_errmsg(fx->db)) > 0);
}

#define OK(fx, call)                                                                        \
    do {                                                                                    \
        int rc_ = (call);                                                                   \
        if (rc_ != CDB_OK)                                                                  \
            fail_msg("%s: %s (%s)", #call, cdb_strerror(rc_), cdb_errmsg((fx)->db));        \
    } while (0)

static char *big_string(size_t len, char fill)
{
    char *s = malloc(len + 1);

    assert_non_null(s);
    memset(s, fill, len);
    s[len] = '\0';
    return s;
}

static const cdb_site_input good_site = {
    .name = "Main site",
    .internal_domain = "cluster.internal",
    .dhcp_range = "192.168.1.100-192.168.1.200",
    .subnet_mask = "255.255.255.0",
    .gateway = "192.168.1.1",
    .dns_forwarders = "1.1.1.1,8.8.8.8",
};

static cdb_container_input container_input(fixture *fx, const char *hostname)
{
    cdb_container_input in = {
        .hostname = hostname,
        .username = "alice",
        .status = -1,
        .template_name = "debian-12-standard",
        .node_id = fx->node,
    };
    return in;
}

static int64_t make_container(fixture *fx, const char *hostname, int64_t ctid, const char *mac,
                              const char *ip)
{
    cdb_container_input in = container_input(fx, hostname);
    int64_t id = 0;

    in.container_id = ctid;
    in.mac_address = mac;
    in.ipv4_address = ip;
    OK(fx, cdb_container_create(fx->db, &in, &id));
    assert_true(id > 0);
    return id;
}

static cdb_service_input transport_input(int64_t container, cdb_transport_protocol protocol,
                                         int64_t external_port)
{
    cdb_service_input in = {.container_id = container, .type = CDB_SERVICE_TRANSPORT,
                            .container_port = 25565};
    in.transport.protocol = protocol;
    in.transport.external_port = external_port;
    return in;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    void *store = NULL;
    cdb_node_input node = {.name = "pve1",
                           .ipv4_address = "192.168.1.10",
                           .api_url = "https://pve1.cluster.internal:8006",
                           .api_token_id_or_username = "root@pam!clusterdb",
                           .api_token_secret_or_password = "11111111-2222-3333-4444-555555555555"};
    cdb_external_domain_input domain = {.domain = "example.com",
                                        .acme_email = "admin@example.com",
                                        .acme_directory =
                                            "https://acme-v02.api.letsencrypt.org/directory",
                                        .cloudflare_api_email = "admin@example.com",
                                        .cloudflare_api_key = "cf-secret-key"};

    assert_non_null(fx);
    assert_int_equal(tmpdir_setup_open(&store, "test_cluster"), 0);
    fx->store = store;
    fx->path = fx->store->path;
    fx->db = fx->store->db;
    if (cdb_open(fx->path, CDB_OPEN_READONLY, &fx->raw) != CDB_OK)
        fail_msg("second connection: %s", cdb_errmsg(fx->raw));
    cdb_set_busy_timeout(fx->raw, 10000);
    {
        /* The containers' owner (a container's owner must be a user). */
        cdb_user_input owner = {.username = "alice", .status = -1};
        int64_t uid = 0;
        OK(fx, cdb_user_create(fx->db, &owner, 1, &uid));
    }
    OK(fx, cdb_site_create(fx->db, &good_site, &fx->site));
    node.site_id = fx->site;
    OK(fx, cdb_node_create(fx->db, &node, &fx->node));
    domain.site_id = fx->site;
    OK(fx, cdb_external_domain_create(fx->db, &domain, &fx->domain));
    OK(fx, cdb_job_create(fx->db, "create container web1", "container:web1", &fx->job));
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    void *store = fx->store;

    cdb_close(fx->raw);
    free(fx);
    return tmpdir_teardown(&store);
}

/* --------------------------------------------------------------- sites */

static void test_site_happy_path(void **state)
{
    fixture *fx = *state;
    cdb_site *site = NULL, **sites = NULL;
    cdb_site_input change = {.dns_forwarders = " 9.9.9.9 , 1.0.0.1"};
    size_t n = 0;
    int64_t second = 0;

    OK(fx, cdb_site_get(fx->db, fx->site, &site));
    assert_int_equal(site->id, fx->site);
    assert_string_equal(site->name, "Main site");
    assert_string_equal(site->internal_domain, "cluster.internal");
    assert_string_equal(site->dhcp_range, "192.168.1.100-192.168.1.200");
    assert_string_equal(site->subnet_mask, "255.255.255.0");
    assert_string_equal(site->gateway, "192.168.1.1");
    assert_string_equal(site->dns_forwarders, "1.1.1.1,8.8.8.8");
    assert_int_equal(strlen(site->created_at), 24); /* 2026-11-26T22:16:04.123Z */
    assert_int_equal(site->created_at[23], 'Z');
    cdb_site_free(site);

    /* Blanks around forwarders are dropped: the daemon splits on ','. */
    OK(fx, cdb_site_update(fx->db, fx->site, CDB_SITEF_DNS_FORWARDERS, &change));
    OK(fx, cdb_site_get(fx->db, fx->site, &site));
    assert_string_equal(site->dns_forwarders, "9.9.9.9,1.0.0.1");
    assert_string_equal(site->name, "Main site"); /* untouched fields stay */
    cdb_site_free(site);

    /* A minimal site: only the required fields. */
    cdb_site_input minimal = {.name = "Lab", .internal_domain = "lab.internal"};
    OK(fx, cdb_site_create(fx->db, &minimal, &second));
    OK(fx, cdb_site_list(fx->db, &sites, &n));
    assert_int_equal(n, 2);
    assert_int_equal(sites[0]->id, fx->site);
    assert_int_equal(sites[1]->id, second);
    assert_null(sites[1]->dhcp_range);
    cdb_site_array_free(sites, n);

    OK(fx, cdb_site_delete(fx->db, second));
    expect_fail(fx, cdb_site_get(fx->db, second, &site), CDB_ERR_NOTFOUND, "id");
    expect_fail(fx, cdb_site_delete(fx->db, second), CDB_ERR_NOTFOUND, "id");
    assert_integrity(fx->db);
}

static void test_site_rejects_bad_input(void **state)
{
    fixture *fx = *state;
    counts before = snapshot(fx);
    char *huge = big_string(1 << 20, 'a');
    struct {
        const char *what;
        cdb_site_input in;
        const char *field;
    } cases[] = {
        {"no name", {.internal_domain = "a.internal"}, "name"},
        {"1 MiB name", {.name = huge, .internal_domain = "a.internal"}, "name"},
        {"non-UTF-8 name", {.name = "caf\xe9", .internal_domain = "a.internal"}, "name"},
        {"overlong UTF-8 name", {.name = "\xc0\xaf", .internal_domain = "a.internal"}, "name"},
        {"control character in name", {.name = "a\nb", .internal_domain = "a.internal"}, "name"},
        {"no domain", {.name = "x"}, "internalDomain"},
        {"bad domain", {.name = "x", .internal_domain = "exa mple..com"}, "internalDomain"},
        {"1 MiB domain", {.name = "x", .internal_domain = huge}, "internalDomain"},
        {"non-contiguous mask",
         {.name = "x", .internal_domain = "a.internal", .subnet_mask = "255.0.255.0"},
         "subnetMask"},
        {"mask not IPv4",
         {.name = "x", .internal_domain = "a.internal", .subnet_mask = "255.255.255"},
         "subnetMask"},
        {"zero mask", {.name = "x", .internal_domain = "a.internal", .subnet_mask = "0.0.0.0"},
         "subnetMask"},
        {"gateway out of range",
         {.name = "x", .internal_domain = "a.internal", .gateway = "300.1.1.1"},
         "gateway"},
        {"gateway is the network address",
         {.name = "x", .internal_domain = "a.internal", .subnet_mask = "255.255.255.0",
          .gateway = "10.0.0.0"},
         "gateway"},
        {"empty forwarder",
         {.name = "x", .internal_domain = "a.internal", .dns_forwarders = "1.1.1.1,,8.8.8.8"},
         "dnsForwarders"},
        {"forwarder not IPv4",
         {.name = "x", .internal_domain = "a.internal", .dns_forwarders = "dns.google"},
         "dnsForwarders"},
        {"1 MiB forwarders", {.name = "x", .internal_domain = "a.internal", .dns_forwarders = huge},
         "dnsForwarders"},
        {"range without mask and gateway",
         {.name = "x", .internal_domain = "a.internal", .dhcp_range = "10.0.0.10-10.0.0.20"},
         "dhcpRange"},
        {"range reversed",
         {.name = "x", .internal_domain = "a.internal", .dhcp_range = "10.0.0.20-10.0.0.10",
          .subnet_mask = "255.255.255.0", .gateway = "10.0.0.1"},
         "dhcpRange"},
        {"range outside the subnet",
         {.name = "x", .internal_domain = "a.internal", .dhcp_range = "10.0.1.10-10.0.1.20",
          .subnet_mask = "255.255.255.0", .gateway = "10.0.0.1"},
         "dhcpRange"},
        {"range crossing the subnet's end",
         {.name = "x", .internal_domain = "a.internal", .dhcp_range = "10.0.0.10-10.0.1.20",
          .subnet_mask = "255.255.255.0", .gateway = "10.0.0.1"},
         "dhcpRange"},
        {"range with the broadcast address",
         {.name = "x", .internal_domain = "a.internal", .dhcp_range = "10.0.0.10-10.0.0.255",
          .subnet_mask = "255.255.255.0", .gateway = "10.0.0.1"},
         "dhcpRange"},
        {"range without a dash",
         {.name = "x", .internal_domain = "a.internal", .dhcp_range = "10.0.0.10",
          .subnet_mask = "255.255.255.0", .gateway = "10.0.0.1"},
         "dhcpRange"},
        {"range with garbage",
         {.name = "x", .internal_domain = "a.internal", .dhcp_range = "10.0.0.10-10.0.0.x",
          .subnet_mask = "255.255.255.0", .gateway = "10.0.0.1"},
         "dhcpRange"},
        {"1 MiB range",
         {.name = "x", .internal_domain = "a.internal", .dhcp_range = huge,
          .subnet_mask = "255.255.255.0", .gateway = "10.0.0.1"},
         "dhcpRange"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t id = -1;
        int rc = cdb_site_create(fx->db, &cases[i].in, &id);
        if (rc != CDB_ERR_INVALID)
            fail_msg("%s: expected CDB_ERR_INVALID, got %s", cases[i].what, cdb_strerror(rc));
        expect_fail(fx, rc, CDB_ERR_INVALID, cases[i].field);
        assert_int_equal(id, -1); /* out-parameter untouched on failure */
        assert_unchanged(fx, &before);
    }
    free(huge);
}

static void test_site_update_validates_whole_row(void **state)
{
    fixture *fx = *state;
    counts before = snapshot(fx);
    cdb_site_input narrow = {.subnet_mask = "255.255.255.128"}; /* .0-.127: .200 falls out */
    cdb_site *site = NULL;

    expect_fail(fx, cdb_site_update(fx->db, fx->site, CDB_SITEF_SUBNET_MASK, &narrow),
                CDB_ERR_INVALID, "dhcpRange");
    assert_unchanged(fx, &before);
    OK(fx, cdb_site_get(fx->db, fx->site, &site));
    assert_string_equal(site->subnet_mask, "255.255.255.0");
    cdb_site_free(site);
    expect_fail(fx, cdb_site_update(fx->db, 999, CDB_SITEF_SUBNET_MASK, &narrow),
                CDB_ERR_NOTFOUND, "id");
}

static void test_site_delete_refused_while_referenced(void **state)
{
    fixture *fx = *state;
    counts before = snapshot(fx);

    expect_fail(fx, cdb_site_delete(fx->db, fx->site), CDB_ERR_CONSTRAINT, "Nodes.siteId");
    assert_unchanged(fx, &before);
    OK(fx, cdb_node_delete(fx->db, fx->node));
    before = snapshot(fx);
    expect_fail(fx, cdb_site_delete(fx->db, fx->site), CDB_ERR_CONSTRAINT,
                "ExternalDomains.siteId");
    assert_unchanged(fx, &before);
    OK(fx, cdb_external_domain_delete(fx->db, fx->domain));
    OK(fx, cdb_site_delete(fx->db, fx->site));
    assert_int_equal(count_rows(fx, "Sites"), 0);
    assert_integrity(fx->db);
}

/* --------------------------------------------------------------- nodes */

static void test_node_happy_path(void **state)
{
    fixture *fx = *state;
    cdb_node *node = NULL, **nodes = NULL;
    cdb_node_input in = {.name = "pve2", .disable_tls_verification = 1, .site_id = fx->site};
    cdb_node_input change = {.ipv4_address = "192.168.1.11"};
    size_t n = 0;
    int64_t id = 0;

    OK(fx, cdb_node_get_by_name(fx->db, "pve1", &node));
    assert_int_equal(node->id, fx->node);
    assert_string_equal(node->api_url, "https://pve1.cluster.internal:8006");
    assert_string_equal(node->api_token_secret_or_password, "11111111-2222-3333-4444-555555555555");
    assert_int_equal(node->disable_tls_verification, 0);
    assert_int_equal(node->site_id, fx->site);
    /* What front ends print instead of the secret. */
    assert_string_equal(cdb_redact(node->api_token_secret_or_password), "********");
    assert_string_equal(cdb_redact(NULL), "");
    cdb_node_free(node);

    OK(fx, cdb_node_create(fx->db, &in, &id));
    OK(fx, cdb_node_update(fx->db, id, CDB_NODEF_IPV4_ADDRESS, &change));
    OK(fx, cdb_node_get(fx->db, id, &node));
    assert_string_equal(node->ipv4_address, "192.168.1.11");
    assert_int_equal(node->disable_tls_verification, 1);
    assert_null(node->api_token_secret_or_password);
    cdb_node_free(node);

    OK(fx, cdb_node_list(fx->db, fx->site, &nodes, &n));
    assert_int_equal(n, 2);
    assert_string_equal(nodes[0]->name, "pve1");
    assert_string_equal(nodes[1]->name, "pve2");
    cdb_node_array_free(nodes, n);
    OK(fx, cdb_node_list(fx->db, fx->site + 100, &nodes, &n));
    assert_int_equal(n, 0);
    cdb_node_array_free(nodes, n);

    OK(fx, cdb_node_delete(fx->db, id));
    expect_fail(fx, cdb_node_get(fx->db, id, &node), CDB_ERR_NOTFOUND, "id");
    expect_fail(fx, cdb_node_get_by_name(fx->db, "pve2", &node), CDB_ERR_NOTFOUND, "id");
}

static void test_node_rejects_bad_input(void **state)
{
    fixture *fx = *state;
    counts before = snapshot(fx);
    static const char secret[] = "TOPSECRET-4c1d-9a7e";
    char *huge = big_string(1 << 20, 'x');
    int64_t id = -1;

    cdb_node_input dup = {.name = "pve1", .site_id = fx->site};
    expect_fail(fx, cdb_node_create(fx->db, &dup, &id), CDB_ERR_CONFLICT, "Nodes.name");
    assert_unchanged(fx, &before);

    cdb_node_input no_site = {.name = "pve9", .site_id = 4242};
    expect_fail(fx, cdb_node_create(fx->db, &no_site, &id), CDB_ERR_CONSTRAINT, "siteId");
    assert_unchanged(fx, &before);

    struct {
        cdb_node_input in;
        const char *field;
    } cases[] = {
        {{.site_id = 1}, "name"},
        {{.name = "pve_1", .site_id = 1}, "name"},
        {{.name = huge, .site_id = 1}, "name"},
        {{.name = "pve9", .ipv4_address = "192.168.1.256", .site_id = 1}, "ipv4Address"},
        {{.name = "pve9", .ipv4_address = "192.168.01.1", .site_id = 1}, "ipv4Address"},
        {{.name = "pve9", .api_url = "ftp://pve9", .api_token_secret_or_password = secret,
          .site_id = 1},
         "apiUrl"},
        {{.name = "pve9", .api_url = huge, .site_id = 1}, "apiUrl"},
        {{.name = "pve9", .api_token_id_or_username = "root\xff@pam", .site_id = 1},
         "apiTokenIdOrUsername"},
        {{.name = "pve9", .api_token_secret_or_password = "TOPSECRET\x01", .site_id = 1},
         "apiTokenSecretOrPassword"},
        {{.name = "pve9", .api_token_secret_or_password = huge, .site_id = 1},
         "apiTokenSecretOrPassword"},
        {{.name = "pve9", .disable_tls_verification = 2, .site_id = 1}, "disableTlsVerification"},
        {{.name = "pve9", .disable_tls_verification = -1, .site_id = 1},
         "disableTlsVerification"},
        {{.name = "pve9", .site_id = 0}, "siteId"},
        {{.name = "pve9", .site_id = -7}, "siteId"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_fail(fx, cdb_node_create(fx->db, &cases[i].in, &id), CDB_ERR_INVALID,
                    cases[i].field);
        /* The secret never appears in a message. */
        assert_null(strstr(cdb_errmsg(fx->db), "TOPSECRET"));
        assert_unchanged(fx, &before);
    }
    assert_int_equal(id, -1);

    /* Moving a node to a missing site fails and leaves it where it was. */
    cdb_node_input move = {.site_id = 777};
    expect_fail(fx, cdb_node_update(fx->db, fx->node, CDB_NODEF_SITE_ID, &move),
                CDB_ERR_CONSTRAINT, "siteId");
    cdb_node_input rename = {.name = "bad name"};
    expect_fail(fx, cdb_node_update(fx->db, fx->node, CDB_NODEF_NAME, &rename), CDB_ERR_INVALID,
                "name");
    assert_unchanged(fx, &before);
    free(huge);
}

/* ------------------------------------------------------ external domains */

static void test_external_domain(void **state)
{
    fixture *fx = *state;
    cdb_external_domain *d = NULL, **ds = NULL;
    size_t n = 0;
    int64_t id = -1, container, service;
    counts before;

    OK(fx, cdb_external_domain_get(fx->db, fx->domain, &d));
    assert_string_equal(d->domain, "example.com");
    assert_string_equal(d->acme_email, "admin@example.com");
    assert_string_equal(d->cloudflare_api_key, "cf-secret-key");
    assert_int_equal(d->site_id, fx->site);
    cdb_external_domain_free(d);

    cdb_external_domain_input change = {.acme_directory =
                                            "https://acme-staging-v02.api.letsencrypt.org/directory"};
    OK(fx, cdb_external_domain_update(fx->db, fx->domain, CDB_EDF_ACME_DIRECTORY, &change));
    OK(fx, cdb_external_domain_list(fx->db, fx->site, &ds, &n));
    assert_int_equal(n, 1);
    assert_string_equal(ds[0]->acme_directory,
                        "https://acme-staging-v02.api.letsencrypt.org/directory");
    assert_string_equal(ds[0]->cloudflare_api_key, "cf-secret-key");
    cdb_external_domain_array_free(ds, n);

    before = snapshot(fx);
    struct {
        cdb_external_domain_input in;
        const char *field;
    } cases[] = {
        {{.site_id = 1}, "domain"},
        {{.domain = "not a domain", .site_id = 1}, "domain"},
        {{.domain = "example.org", .acme_email = "nobody", .site_id = 1}, "acmeEmail"},
        {{.domain = "example.org", .acme_directory = "acme.example", .site_id = 1},
         "acmeDirectory"},
        {{.domain = "example.org", .cloudflare_api_email = "a@", .site_id = 1},
         "cloudflareApiEmail"},
        {{.domain = "example.org", .cloudflare_api_key = "SECRETKEY\x7f", .site_id = 1},
         "cloudflareApiKey"},
        {{.domain = "example.org"}, "siteId"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_fail(fx, cdb_external_domain_create(fx->db, &cases[i].in, &id), CDB_ERR_INVALID,
                    cases[i].field);
        assert_null(strstr(cdb_errmsg(fx->db), "SECRETKEY"));
        assert_unchanged(fx, &before);
    }
    cdb_external_domain_input orphan = {.domain = "example.org", .site_id = 31337};
    expect_fail(fx, cdb_external_domain_create(fx->db, &orphan, &id), CDB_ERR_CONSTRAINT,
                "siteId");
    assert_unchanged(fx, &before);
    assert_int_equal(id, -1);

    /* A domain in use by an HTTP service cannot go. */
    container = make_container(fx, "web1", 0, NULL, NULL);
    cdb_service_input http = {.container_id = container, .type = CDB_SERVICE_HTTP,
                              .container_port = 80};
    http.http.external_hostname = "app";
    http.http.external_domain_id = fx->domain;
    OK(fx, cdb_service_create(fx->db, &http, &service));
    before = snapshot(fx);
    expect_fail(fx, cdb_external_domain_delete(fx->db, fx->domain), CDB_ERR_CONSTRAINT,
                "HTTPServices.externalDomainId");
    assert_unchanged(fx, &before);
    OK(fx, cdb_service_delete(fx->db, service));
    OK(fx, cdb_external_domain_delete(fx->db, fx->domain));
    assert_int_equal(count_rows(fx, "ExternalDomains"), 0);
}

/* ----------------------------------------------------------- containers */

static void test_container_lifecycle(void **state)
{
    fixture *fx = *state;
    cdb_container_input in = container_input(fx, "web1");
    cdb_container *c = NULL, **cs = NULL;
    size_t n = 0;
    int64_t id = 0;

    in.creation_job_id = fx->job;
    OK(fx, cdb_container_create(fx->db, &in, &id));
    OK(fx, cdb_container_get(fx->db, id, &c));
    assert_string_equal(c->hostname, "web1");
    assert_string_equal(c->username, "alice");
    assert_int_equal(c->status, CDB_CT_PENDING);
    assert_string_equal(cdb_container_status_name(c->status), "pending");
    assert_string_equal(c->template_name, "debian-12-standard");
    assert_int_equal(c->creation_job_id, fx->job);
    assert_int_equal(c->node_id, fx->node);
    assert_int_equal(c->container_id, 0); /* not assigned yet */
    assert_null(c->mac_address);
    assert_null(c->ipv4_address);
    assert_string_equal(c->ai_container, "N");
    cdb_container_free(c);

    /* The daemon claims it exactly once. */
    OK(fx, cdb_container_set_status(fx->db, id, CDB_CT_PENDING, CDB_CT_CREATING));
    expect_fail(fx, cdb_container_set_status(fx->db, id, CDB_CT_PENDING, CDB_CT_CREATING),
                CDB_ERR_CONFLICT, "status");
    expect_fail(fx, cdb_container_set_status(fx->db, 9999, -1, CDB_CT_RUNNING), CDB_ERR_NOTFOUND,
                "id");
    expect_fail(fx, cdb_container_set_status(fx->db, id, -1, (cdb_container_status)9),
                CDB_ERR_INVALID, "status");
    expect_fail(fx, cdb_container_set_status(fx->db, id, 17, CDB_CT_RUNNING), CDB_ERR_INVALID,
                "status");
    /* What Proxmox assigned; upper-case MACs are stored in lower case. */
    OK(fx, cdb_container_set_network(fx->db, id, 105, "BC:24:11:AA:BB:CC", "192.168.1.105"));
    OK(fx, cdb_container_set_status(fx->db, id, CDB_CT_CREATING, CDB_CT_RUNNING));
    OK(fx, cdb_container_get_by_hostname(fx->db, "web1", &c));
    assert_int_equal(c->id, id);
    assert_int_equal(c->status, CDB_CT_RUNNING);
    assert_int_equal(c->container_id, 105);
    assert_string_equal(c->mac_address, "bc:24:11:aa:bb:cc");
    assert_string_equal(c->ipv4_address, "192.168.1.105");
    cdb_container_free(c);
    /* NULL / 0 keep what is stored. */
    OK(fx, cdb_container_set_network(fx->db, id, 0, NULL, "192.168.1.106"));
    OK(fx, cdb_container_get(fx->db, id, &c));
    assert_int_equal(c->container_id, 105);
    assert_string_equal(c->mac_address, "bc:24:11:aa:bb:cc");
    assert_string_equal(c->ipv4_address, "192.168.1.106");
    cdb_container_free(c);

    cdb_container_input change = {.template_name = "ubuntu-24.04", .ai_container = "Y"};
    OK(fx, cdb_container_update(fx->db, id, CDB_CTF_TEMPLATE | CDB_CTF_AI_CONTAINER, &change));
    OK(fx, cdb_container_list(fx->db, fx->node, &cs, &n));
    assert_int_equal(n, 1);
    assert_string_equal(cs[0]->template_name, "ubuntu-24.04");
    assert_string_equal(cs[0]->ai_container, "Y");
    assert_string_equal(cs[0]->hostname, "web1");
    cdb_container_array_free(cs, n);
    OK(fx, cdb_container_list(fx->db, 0, &cs, &n));
    assert_int_equal(n, 1);
    cdb_container_array_free(cs, n);

    /* A node that hosts containers cannot be deleted. */
    counts before = snapshot(fx);
    expect_fail(fx, cdb_node_delete(fx->db, fx->node), CDB_ERR_CONSTRAINT, "Containers.nodeId");
    assert_unchanged(fx, &before);

    OK(fx, cdb_container_delete(fx->db, id));
    expect_fail(fx, cdb_container_get(fx->db, id, &c), CDB_ERR_NOTFOUND, "id");
    expect_fail(fx, cdb_container_delete(fx->db, id), CDB_ERR_NOTFOUND, "id");
    assert_integrity(fx->db);
}

static void test_container_unique_keys(void **state)
{
    fixture *fx = *state;
    cdb_container_input in;
    cdb_node_input other_node = {.name = "pve2", .site_id = fx->site};
    int64_t node2 = 0, id = -1;
    counts before;

    make_container(fx, "web1", 101, "bc:24:11:00:00:01", "192.168.1.101");
    OK(fx, cdb_node_create(fx->db, &other_node, &node2));
    before = snapshot(fx);

    in = container_input(fx, "web1");
    expect_fail(fx, cdb_container_create(fx->db, &in, &id), CDB_ERR_CONFLICT,
                "Containers.hostname");
    assert_string_equal(cdb_errmsg(fx->db),
                        "hostname is already taken by another row (unique key Containers.hostname)");
    assert_unchanged(fx, &before);

    in = container_input(fx, "web2");
    in.mac_address = "BC:24:11:00:00:01"; /* same MAC, other spelling */
    expect_fail(fx, cdb_container_create(fx->db, &in, &id), CDB_ERR_CONFLICT,
                "Containers.macAddress");
    assert_unchanged(fx, &before);

    in = container_input(fx, "web2");
    in.ipv4_address = "192.168.1.101";
    expect_fail(fx, cdb_container_create(fx->db, &in, &id), CDB_ERR_CONFLICT,
                "Containers.ipv4Address");
    assert_unchanged(fx, &before);

    in = container_input(fx, "web2");
    in.container_id = 101;
    expect_fail(fx, cdb_container_create(fx->db, &in, &id), CDB_ERR_CONFLICT,
                "Containers.nodeId,containerId");
    assert_unchanged(fx, &before);
    assert_int_equal(id, -1);

    /* The same CTID on another node is fine: CTIDs are per node here. */
    in = container_input(fx, "web2");
    in.container_id = 101;
    in.node_id = node2;
    OK(fx, cdb_container_create(fx->db, &in, &id));

    /* set_network and update respect the same keys. */
    before = snapshot(fx);
    expect_fail(fx, cdb_container_set_network(fx->db, id, 0, "bc:24:11:00:00:01", NULL),
                CDB_ERR_CONFLICT, "Containers.macAddress");
    expect_fail(fx, cdb_container_set_network(fx->db, id, 0, NULL, "192.168.1.101"),
                CDB_ERR_CONFLICT, "Containers.ipv4Address");
    cdb_container_input rename = {.hostname = "web1"};
    expect_fail(fx, cdb_container_update(fx->db, id, CDB_CTF_HOSTNAME, &rename), CDB_ERR_CONFLICT,
                "Containers.hostname");
    cdb_container_input move = {.node_id = fx->node};
    expect_fail(fx, cdb_container_update(fx->db, id, CDB_CTF_NODE_ID, &move), CDB_ERR_CONFLICT,
                "Containers.nodeId,containerId");
    assert_unchanged(fx, &before);
}

static void test_container_rejects_bad_input(void **state)
{
    fixture *fx = *state;
    counts before = snapshot(fx);
    char *huge = big_string(1 << 20, 'a');
    char label64[65];
    int64_t id = -1;

    memset(label64, 'a', 64);
    label64[64] = '\0';
    struct {
        const char *what;
        cdb_container_input in;
        int status;
        const char *field;
    } cases[] = {
        {"no hostname", {.username = "alice", .status = -1, .node_id = 1}, CDB_ERR_INVALID,
         "hostname"},
        {"upper case", {.hostname = "Web1", .username = "alice", .status = -1, .node_id = 1},
         CDB_ERR_INVALID, "hostname"},
        {"underscore", {.hostname = "web_1", .username = "alice", .status = -1, .node_id = 1},
         CDB_ERR_INVALID, "hostname"},
        {"leading dash", {.hostname = "-web", .username = "alice", .status = -1, .node_id = 1},
         CDB_ERR_INVALID, "hostname"},
        {"dotted", {.hostname = "web.example", .username = "alice", .status = -1, .node_id = 1},
         CDB_ERR_INVALID, "hostname"},
        {"64-char label", {.hostname = label64, .username = "alice", .status = -1, .node_id = 1},
         CDB_ERR_INVALID, "hostname"},
        {"1 MiB hostname", {.hostname = huge, .username = "alice", .status = -1, .node_id = 1},
         CDB_ERR_INVALID, "hostname"},
        {"non-UTF-8 hostname",
         {.hostname = "w\xc3\x28", .username = "alice", .status = -1, .node_id = 1},
         CDB_ERR_INVALID, "hostname"},
        {"no username", {.hostname = "web9", .status = -1, .node_id = 1}, CDB_ERR_INVALID,
         "username"},
        {"1 MiB username", {.hostname = "web9", .username = huge, .status = -1, .node_id = 1},
         CDB_ERR_INVALID, "username"},
        {"status 4", {.hostname = "web9", .username = "alice", .status = 4, .node_id = 1},
         CDB_ERR_INVALID, "status"},
        {"status -2", {.hostname = "web9", .username = "alice", .status = -2, .node_id = 1},
         CDB_ERR_INVALID, "status"},
        {"non-UTF-8 template",
         {.hostname = "web9", .username = "alice", .status = -1, .template_name = "deb\xff",
          .node_id = 1},
         CDB_ERR_INVALID, "template"},
        {"1 MiB template",
         {.hostname = "web9", .username = "alice", .status = -1, .template_name = huge,
          .node_id = 1},
         CDB_ERR_INVALID, "template"},
        {"negative job",
         {.hostname = "web9", .username = "alice", .status = -1, .creation_job_id = -1,
          .node_id = 1},
         CDB_ERR_INVALID, "creationJobId"},
        {"no node", {.hostname = "web9", .username = "alice", .status = -1}, CDB_ERR_INVALID,
         "nodeId"},
        {"CTID 99",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1, .container_id = 99},
         CDB_ERR_INVALID, "containerId"},
        {"CTID 10^9",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1,
          .container_id = 1000000000},
         CDB_ERR_INVALID, "containerId"},
        {"CTID negative",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1, .container_id = -100},
         CDB_ERR_INVALID, "containerId"},
        {"CTID INT64_MAX",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1,
          .container_id = INT64_MAX},
         CDB_ERR_INVALID, "containerId"},
        {"bad MAC",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1,
          .mac_address = "zz:24:11:00:00:01"},
         CDB_ERR_INVALID, "macAddress"},
        {"short MAC",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1,
          .mac_address = "bc:24:11:00:00"},
         CDB_ERR_INVALID, "macAddress"},
        {"1 MiB MAC",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1, .mac_address = huge},
         CDB_ERR_INVALID, "macAddress"},
        {"bad IP",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1,
          .ipv4_address = "1.2.3"},
         CDB_ERR_INVALID, "ipv4Address"},
        {"1 MiB IP",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1, .ipv4_address = huge},
         CDB_ERR_INVALID, "ipv4Address"},
        {"bad AI flag",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1,
          .ai_container = "yes please"},
         CDB_ERR_INVALID, "aiContainer"},
        {"missing node",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 4242},
         CDB_ERR_CONSTRAINT, "nodeId"},
        {"missing job",
         {.hostname = "web9", .username = "alice", .status = -1, .node_id = 1,
          .creation_job_id = 4242},
         CDB_ERR_CONSTRAINT, "creationJobId"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].in.node_id == 1)
            cases[i].in.node_id = fx->node;
        int rc = cdb_container_create(fx->db, &cases[i].in, &id);
        if (rc != cases[i].status)
            fail_msg("%s: expected %s, got %s (%s)", cases[i].what,
                     cdb_strerror(cases[i].status), cdb_strerror(rc), cdb_errmsg(fx->db));
        expect_fail(fx, rc, cases[i].status, cases[i].field);
        assert_unchanged(fx, &before);
    }
    assert_int_equal(id, -1);
    expect_fail(fx, cdb_container_set_network(fx->db, 1, 5, NULL, NULL), CDB_ERR_INVALID,
                "containerId");
    expect_fail(fx, cdb_container_set_network(fx->db, 4242, 0, NULL, NULL), CDB_ERR_NOTFOUND,
                "id");
    assert_unchanged(fx, &before);
    free(huge);
}

/* ------------------------------------------------------------- services */

static void test_service_kinds(void **state)
{
    fixture *fx = *state;
    int64_t c1 = make_container(fx, "web1", 101, NULL, NULL);
    int64_t c2 = make_container(fx, "game1", 102, NULL, NULL);
    int64_t http_id, tcp_id, dns_id, udp_id, id, port;
    cdb_service *s = NULL, **ss = NULL;
    size_t n = 0;

    cdb_service_input http = {.container_id = c1, .type = CDB_SERVICE_HTTP, .container_port = 8080};
    http.http.external_hostname = "app";
    http.http.external_domain_id = fx->domain;
    OK(fx, cdb_service_create(fx->db, &http, &http_id));
    OK(fx, cdb_service_get(fx->db, http_id, &s));
    assert_int_equal(s->type, CDB_SERVICE_HTTP);
    assert_int_equal(s->container_id, c1);
    assert_int_equal(s->container_port, 8080);
    assert_true(s->subtype_id > 0);
    assert_string_equal(s->http.external_hostname, "app");
    assert_int_equal(s->http.external_domain_id, fx->domain);
    cdb_service_free(s);

    OK(fx, cdb_transport_next_port(fx->db, CDB_PROTO_TCP, &port));
    assert_int_equal(port, CDB_FIRST_TRANSPORT_PORT);
    cdb_service_input tcp = transport_input(c2, CDB_PROTO_TCP, 0);
    tcp.transport.use_tls = 1;
    OK(fx, cdb_service_create(fx->db, &tcp, &tcp_id));
    OK(fx, cdb_service_get(fx->db, tcp_id, &s));
    assert_int_equal(s->type, CDB_SERVICE_TRANSPORT);
    assert_int_equal(s->transport.protocol, CDB_PROTO_TCP);
    assert_int_equal(s->transport.external_port, 2000);
    assert_int_equal(s->transport.use_tls, 1);
    cdb_service_free(s);

    /* Allocation fills holes: 2000 taken, 2001 allocated, 2003 explicit,
     * then 2002, then 2004. */
    tcp = transport_input(c2, CDB_PROTO_TCP, 0);
    OK(fx, cdb_service_create(fx->db, &tcp, &id));
    tcp.transport.external_port = 2003;
    OK(fx, cdb_service_create(fx->db, &tcp, &id));
    tcp.transport.external_port = 0;
    OK(fx, cdb_service_create(fx->db, &tcp, &id));
    OK(fx, cdb_service_get(fx->db, id, &s));
    assert_int_equal(s->transport.external_port, 2002);
    cdb_service_free(s);
    OK(fx, cdb_transport_next_port(fx->db, CDB_PROTO_TCP, &port));
    assert_int_equal(port, 2004);
    /* Ports are per protocol. */
    cdb_service_input udp = transport_input(c2, CDB_PROTO_UDP, 0);
    OK(fx, cdb_service_create(fx->db, &udp, &udp_id));
    OK(fx, cdb_service_get(fx->db, udp_id, &s));
    assert_int_equal(s->transport.protocol, CDB_PROTO_UDP);
    assert_int_equal(s->transport.external_port, 2000);
    assert_int_equal(s->transport.use_tls, 0);
    cdb_service_free(s);
    /* A port below the allocation range is fine when asked for (and not
     * reserved). */
    tcp.transport.external_port = 1500;
    OK(fx, cdb_service_create(fx->db, &tcp, &id));

    cdb_service_input dns = {.container_id = c2, .type = CDB_SERVICE_DNS, .container_port = 25565};
    dns.dns.service_name = "_minecraft._tcp";
    OK(fx, cdb_service_create(fx->db, &dns, &dns_id));
    OK(fx, cdb_service_get(fx->db, dns_id, &s));
    assert_int_equal(s->type, CDB_SERVICE_DNS);
    assert_string_equal(s->dns.record_type, "SRV");
    assert_string_equal(s->dns.service_name, "_minecraft._tcp");
    cdb_service_free(s);

    OK(fx, cdb_service_list(fx->db, c1, &ss, &n));
    assert_int_equal(n, 1);
    assert_int_equal(ss[0]->id, http_id);
    cdb_service_array_free(ss, n);
    OK(fx, cdb_service_list(fx->db, c2, &ss, &n));
    assert_int_equal(n, 7);
    assert_int_equal(ss[0]->id, tcp_id);
    assert_int_equal(ss[6]->id, dns_id);
    assert_string_equal(ss[6]->dns.service_name, "_minecraft._tcp");
    cdb_service_array_free(ss, n);
    OK(fx, cdb_service_list(fx->db, 0, &ss, &n));
    assert_int_equal(n, 8);
    cdb_service_array_free(ss, n);

    /* Delete removes the subtype row with the service. */
    assert_int_equal(count_rows(fx, "DnsServices"), 1);
    OK(fx, cdb_service_delete(fx->db, dns_id));
    assert_int_equal(count_rows(fx, "DnsServices"), 0);
    expect_fail(fx, cdb_service_get(fx->db, dns_id, &s), CDB_ERR_NOTFOUND, "id");
    expect_fail(fx, cdb_service_delete(fx->db, dns_id), CDB_ERR_NOTFOUND, "id");

    /* Deleting a container takes its services and their subtypes along. */
    assert_int_equal(count_rows(fx, "TransportServices"), 6);
    OK(fx, cdb_container_delete(fx->db, c2));
    assert_int_equal(count_rows(fx, "TransportServices"), 0);
    assert_int_equal(count_rows(fx, "Services"), 1);
    assert_int_equal(count_rows(fx, "HTTPServices"), 1);
    assert_integrity(fx->db);
}

static void test_service_failures_leave_nothing(void **state)
{
    fixture *fx = *state;
    int64_t c1 = make_container(fx, "web1", 101, NULL, NULL);
    int64_t id = -1;
    counts before;

    cdb_service_input tcp = transport_input(c1, CDB_PROTO_TCP, 2500);
    OK(fx, cdb_service_create(fx->db, &tcp, &id));
    cdb_service_input http = {.container_id = c1, .type = CDB_SERVICE_HTTP, .container_port = 80};
    http.http.external_hostname = "app";
    http.http.external_domain_id = fx->domain;
    OK(fx, cdb_service_create(fx->db, &http, &id));
    before = snapshot(fx);
    id = -1;

    /* The Services row is inserted first; the subtype's UNIQUE failure must
     * take it back out. */
    expect_fail(fx, cdb_service_create(fx->db, &tcp, &id), CDB_ERR_CONFLICT,
                "TransportServices.protocol,externalPort");
    assert_unchanged(fx, &before);
    expect_fail(fx, cdb_service_create(fx->db, &http, &id), CDB_ERR_CONFLICT,
                "HTTPServices.externalHostname,externalDomainId");
    assert_unchanged(fx, &before);
    assert_int_equal(id, -1);

    struct {
        const char *what;
        cdb_service_input in;
        int status;
        const char *field;
    } cases[] = {
        {"no container", {.type = CDB_SERVICE_DNS, .container_port = 53}, CDB_ERR_INVALID,
         "containerId"},
        {"missing container",
         {.container_id = 4242, .type = CDB_SERVICE_DNS, .container_port = 53,
          .dns = {.service_name = "_x._udp"}},
         CDB_ERR_CONSTRAINT, "containerId"},
        {"type 3", {.container_id = 1, .type = (cdb_service_type)3, .container_port = 53},
         CDB_ERR_INVALID, "type"},
        {"type -1", {.container_id = 1, .type = (cdb_service_type)-1, .container_port = 53},
         CDB_ERR_INVALID, "type"},
        {"port 0", {.container_id = 1, .type = CDB_SERVICE_DNS, .container_port = 0},
         CDB_ERR_INVALID, "containerPort"},
        {"port -80", {.container_id = 1, .type = CDB_SERVICE_DNS, .container_port = -80},
         CDB_ERR_INVALID, "containerPort"},
        {"port 65536", {.container_id = 1, .type = CDB_SERVICE_DNS, .container_port = 65536},
         CDB_ERR_INVALID, "containerPort"},
        {"port 2^40",
         {.container_id = 1, .type = CDB_SERVICE_DNS, .container_port = (int64_t)1 << 40},
         CDB_ERR_INVALID, "containerPort"},
        {"http without hostname",
         {.container_id = 1, .type = CDB_SERVICE_HTTP, .container_port = 80,
          .http = {.external_domain_id = 1}},
         CDB_ERR_INVALID, "externalHostname"},
        {"http dotted hostname",
         {.container_id = 1, .type = CDB_SERVICE_HTTP, .container_port = 80,
          .http = {.external_hostname = "a.b", .external_domain_id = 1}},
         CDB_ERR_INVALID, "externalHostname"},
        {"http non-UTF-8 hostname",
         {.container_id = 1, .type = CDB_SERVICE_HTTP, .container_port = 80,
          .http = {.external_hostname = "\xfe\xff", .external_domain_id = 1}},
         CDB_ERR_INVALID, "externalHostname"},
        {"http without domain",
         {.container_id = 1, .type = CDB_SERVICE_HTTP, .container_port = 80,
          .http = {.external_hostname = "api"}},
         CDB_ERR_INVALID, "externalDomainId"},
        {"http missing domain",
         {.container_id = 1, .type = CDB_SERVICE_HTTP, .container_port = 80,
          .http = {.external_hostname = "api", .external_domain_id = 4242}},
         CDB_ERR_CONSTRAINT, "externalDomainId"},
        {"protocol 2",
         {.container_id = 1, .type = CDB_SERVICE_TRANSPORT, .container_port = 80,
          .transport = {.protocol = (cdb_transport_protocol)2}},
         CDB_ERR_INVALID, "protocol"},
        {"external port 70000",
         {.container_id = 1, .type = CDB_SERVICE_TRANSPORT, .container_port = 80,
          .transport = {.external_port = 70000}},
         CDB_ERR_INVALID, "externalPort"},
        {"external port -1",
         {.container_id = 1, .type = CDB_SERVICE_TRANSPORT, .container_port = 80,
          .transport = {.external_port = -1}},
         CDB_ERR_INVALID, "externalPort"},
        {"useTls 2",
         {.container_id = 1, .type = CDB_SERVICE_TRANSPORT, .container_port = 80,
          .transport = {.use_tls = 2}},
         CDB_ERR_INVALID, "useTls"},
        {"TLS over udp",
         {.container_id = 1, .type = CDB_SERVICE_TRANSPORT, .container_port = 80,
          .transport = {.protocol = CDB_PROTO_UDP, .use_tls = 1}},
         CDB_ERR_INVALID, "useTls"},
        {"record type A",
         {.container_id = 1, .type = CDB_SERVICE_DNS, .container_port = 53,
          .dns = {.record_type = "A", .service_name = "_x._udp"}},
         CDB_ERR_INVALID, "recordType"},
        {"no service name", {.container_id = 1, .type = CDB_SERVICE_DNS, .container_port = 53},
         CDB_ERR_INVALID, "serviceName"},
        {"bad service name",
         {.container_id = 1, .type = CDB_SERVICE_DNS, .container_port = 53,
          .dns = {.service_name = "_x.._udp"}},
         CDB_ERR_INVALID, "serviceName"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].in.container_id == 1)
            cases[i].in.container_id = c1;
        if (cases[i].in.http.external_domain_id == 1)
            cases[i].in.http.external_domain_id = fx->domain;
        int rc = cdb_service_create(fx->db, &cases[i].in, &id);
        if (rc != cases[i].status)
            fail_msg("%s: expected %s, got %s (%s)", cases[i].what,
                     cdb_strerror(cases[i].status), cdb_strerror(rc), cdb_errmsg(fx->db));
        expect_fail(fx, rc, cases[i].status, cases[i].field);
        assert_unchanged(fx, &before);
    }
    assert_int_equal(id, -1);
    expect_fail(fx, cdb_transport_next_port(fx->db, (cdb_transport_protocol)7, &id),
                CDB_ERR_INVALID, "protocol");
}

static void test_service_update(void **state)
{
    fixture *fx = *state;
    int64_t c1 = make_container(fx, "web1", 101, NULL, NULL);
    int64_t app = 0, api = 0, tcp1 = 0, tcp2 = 0;
    cdb_service *s = NULL;
    counts before;

    cdb_service_input http = {.container_id = c1, .type = CDB_SERVICE_HTTP, .container_port = 80};
    http.http.external_hostname = "app";
    http.http.external_domain_id = fx->domain;
    OK(fx, cdb_service_create(fx->db, &http, &app));
    http.http.external_hostname = "api";
    OK(fx, cdb_service_create(fx->db, &http, &api));
    cdb_service_input tcp = transport_input(c1, CDB_PROTO_TCP, 0);
    OK(fx, cdb_service_create(fx->db, &tcp, &tcp1)); /* 2000 */
    OK(fx, cdb_service_create(fx->db, &tcp, &tcp2)); /* 2001 */

    http.http.external_hostname = "www";
    http.container_port = 8080;
    http.container_id = 0; /* ignored: a service stays on its container */
    OK(fx, cdb_service_update(fx->db, app, &http));
    OK(fx, cdb_service_get(fx->db, app, &s));
    assert_string_equal(s->http.external_hostname, "www");
    assert_int_equal(s->container_port, 8080);
    assert_int_equal(s->container_id, c1);
    cdb_service_free(s);

    /* Port 0 keeps the port; TLS can be switched on. */
    tcp.transport.use_tls = 1;
    tcp.container_port = 443;
    OK(fx, cdb_service_update(fx->db, tcp1, &tcp));
    OK(fx, cdb_service_get(fx->db, tcp1, &s));
    assert_int_equal(s->transport.external_port, 2000);
    assert_int_equal(s->transport.use_tls, 1);
    assert_int_equal(s->container_port, 443);
    cdb_service_free(s);

    before = snapshot(fx);
    http.http.external_hostname = "api";
    expect_fail(fx, cdb_service_update(fx->db, app, &http), CDB_ERR_CONFLICT,
                "HTTPServices.externalHostname,externalDomainId");
    tcp.transport.external_port = 2001;
    expect_fail(fx, cdb_service_update(fx->db, tcp1, &tcp), CDB_ERR_CONFLICT,
                "TransportServices.protocol,externalPort");
    expect_fail(fx, cdb_service_update(fx->db, app, &tcp), CDB_ERR_INVALID, "type");
    tcp.container_port = 0;
    expect_fail(fx, cdb_service_update(fx->db, tcp1, &tcp), CDB_ERR_INVALID, "containerPort");
    expect_fail(fx, cdb_service_update(fx->db, 4242, &tcp), CDB_ERR_NOTFOUND, "id");
    assert_unchanged(fx, &before);
    /* The failed updates changed neither row. */
    OK(fx, cdb_service_get(fx->db, app, &s));
    assert_string_equal(s->http.external_hostname, "www");
    assert_int_equal(s->container_port, 8080);
    cdb_service_free(s);
    OK(fx, cdb_service_get(fx->db, tcp1, &s));
    assert_int_equal(s->transport.external_port, 2000);
    assert_int_equal(s->container_port, 443);
    cdb_service_free(s);
}

/* When every port from 2000 up is taken, allocation says so and writes nothing. */
static void test_port_exhaustion(void **state)
{
    fixture *fx = *state;
    int64_t c1 = make_container(fx, "game1", 101, NULL, NULL);
    int64_t port = 0, id = -1;
    cdb *rw = NULL;
    char sql[512];
    counts before;

    /* Take 2000..65534 behind the library's back, in one transaction of
     * another connection (the container port carries the external one). */
    assert_int_equal(cdb_open(fx->path, 0, &rw), CDB_OK);
    cdb_set_busy_timeout(rw, 10000);
    /* The numbers from digits, not by recursion: MariaDB stops a recursive
     * query after 1000 rounds. */
    snprintf(sql, sizeof sql,
             "INSERT INTO Services (containerId, type, containerPort)"
             " WITH d(x) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3"
             " UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7"
             " UNION ALL SELECT 8 UNION ALL SELECT 9),"
             " p(n) AS (SELECT a.x + 10 * b.x + 100 * c.x + 1000 * e.x + 10000 * f.x"
             " FROM d a, d b, d c, d e, d f)"
             " SELECT %lld, 'transport', n FROM p WHERE n BETWEEN 2000 AND 65534",
             (long long)c1);
    assert_int_equal(cdb_tx_begin(rw), CDB_OK);
    sql_exec(rw, sql);
    sql_exec(rw, "INSERT INTO TransportServices (serviceId, protocol, externalPort)"
                 " SELECT id, 'tcp', containerPort FROM Services WHERE type = 'transport'");
    assert_int_equal(cdb_tx_commit(rw), CDB_OK);
    cdb_close(rw);

    OK(fx, cdb_transport_next_port(fx->db, CDB_PROTO_TCP, &port));
    assert_int_equal(port, 65535);
    cdb_service_input tcp = transport_input(c1, CDB_PROTO_TCP, 0);
    OK(fx, cdb_service_create(fx->db, &tcp, &id));
    before = snapshot(fx);
    port = -1;
    expect_fail(fx, cdb_transport_next_port(fx->db, CDB_PROTO_TCP, &port), CDB_ERR_CONFLICT,
                "TransportServices.protocol,externalPort");
    assert_int_equal(port, -1);
    id = -1;
    expect_fail(fx, cdb_service_create(fx->db, &tcp, &id), CDB_ERR_CONFLICT,
                "TransportServices.protocol,externalPort");
    assert_int_equal(id, -1);
    assert_unchanged(fx, &before);
    /* udp is untouched; a port below 2000 can still be asked for. */
    OK(fx, cdb_transport_next_port(fx->db, CDB_PROTO_UDP, &port));
    assert_int_equal(port, 2000);
    tcp.transport.external_port = 1999;
    OK(fx, cdb_service_create(fx->db, &tcp, &id));
}

/* Transport ports never take what the site's own daemons listen on: an
 * explicit reserved port is refused naming externalPort, the allocator steps
 * over reserved ones, and the list is a validated setting. */
static void test_reserved_ports(void **state)
{
    fixture *fx = *state;
    int64_t c1 = make_container(fx, "game1", 101, NULL, NULL);
    static const int64_t defaults[] = {22, 53, 67, 80, 389, 443, 636};
    int64_t id = -1, port = 0, kept = 0;
    cdb_service *s = NULL;
    char *value = NULL;
    counts before = snapshot(fx);

    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        for (int proto = CDB_PROTO_TCP; proto <= CDB_PROTO_UDP; proto++) {
            cdb_service_input in = transport_input(c1, (cdb_transport_protocol)proto, defaults[i]);
            expect_fail(fx, cdb_service_create(fx->db, &in, &id), CDB_ERR_INVALID, "externalPort");
            assert_non_null(strstr(cdb_errmsg(fx->db), "is reserved"));
            assert_non_null(strstr(cdb_errmsg(fx->db), CDB_SETTING_RESERVED_PORTS));
        }
    }
    assert_int_equal(id, -1);
    assert_unchanged(fx, &before);

    /* Values that are no port list are refused and leave the setting unset. */
    static const char *const bad[] = {"", "x", "0", "70000", "5-3", "22,", ",22", "22;53",
                                      "1-2-3", "123456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_fail(fx, cdb_setting_set(fx->db, CDB_SETTING_RESERVED_PORTS, bad[i]),
                    CDB_ERR_INVALID, "value");
        assert_int_equal(cdb_setting_get(fx->db, CDB_SETTING_RESERVED_PORTS, &value),
                         CDB_ERR_NOTFOUND);
    }

    /* The allocator steps over a reserved run and a reserved port. */
    OK(fx, cdb_setting_set(fx->db, CDB_SETTING_RESERVED_PORTS, "22, 80,443,2000-2001,2003"));
    OK(fx, cdb_transport_next_port(fx->db, CDB_PROTO_TCP, &port));
    assert_int_equal(port, 2002);
    cdb_service_input tcp = transport_input(c1, CDB_PROTO_TCP, 0);
    OK(fx, cdb_service_create(fx->db, &tcp, &id));
    OK(fx, cdb_service_get(fx->db, id, &s));
    assert_int_equal(s->transport.external_port, 2002);
    cdb_service_free(s);
    OK(fx, cdb_service_create(fx->db, &tcp, &id));
    OK(fx, cdb_service_get(fx->db, id, &s));
    assert_int_equal(s->transport.external_port, 2004);
    cdb_service_free(s);
    /* Only the listed ports are reserved now: 53 may be asked for. */
    tcp.transport.external_port = 53;
    OK(fx, cdb_service_create(fx->db, &tcp, &kept));
    before = snapshot(fx);
    tcp.transport.external_port = 2003;
    expect_fail(fx, cdb_service_create(fx->db, &tcp, &id), CDB_ERR_INVALID, "externalPort");
    assert_unchanged(fx, &before);

    /* Moving a service onto a reserved port is refused and changes nothing;
     * one whose port became reserved later keeps it while it changes other
     * fields. */
    OK(fx, cdb_setting_set(fx->db, CDB_SETTING_RESERVED_PORTS, "53,2003"));
    cdb_service_input up = transport_input(c1, CDB_PROTO_TCP, 2003);
    expect_fail(fx, cdb_service_update(fx->db, id, &up), CDB_ERR_INVALID, "externalPort");
    OK(fx, cdb_service_get(fx->db, id, &s));
    assert_int_equal(s->transport.external_port, 2004);
    cdb_service_free(s);
    up = transport_input(c1, CDB_PROTO_TCP, 0);
    up.container_port = 8080;
    OK(fx, cdb_service_update(fx->db, kept, &up));
    OK(fx, cdb_service_get(fx->db, kept, &s));
    assert_int_equal(s->transport.external_port, 53);
    assert_int_equal(s->container_port, 8080);
    cdb_service_free(s);

    /* Everything from 2000 up reserved: nothing left to allocate. */
    OK(fx, cdb_setting_set(fx->db, CDB_SETTING_RESERVED_PORTS, "2000-65535"));
    before = snapshot(fx);
    expect_fail(fx, cdb_transport_next_port(fx->db, CDB_PROTO_UDP, &port), CDB_ERR_CONFLICT,
                "TransportServices.protocol,externalPort");
    id = -1;
    tcp.transport.external_port = 0;
    expect_fail(fx, cdb_service_create(fx->db, &tcp, &id), CDB_ERR_CONFLICT,
                "TransportServices.protocol,externalPort");
    assert_int_equal(id, -1);
    assert_unchanged(fx, &before);
    /* Deleting the setting restores the default list. */
    OK(fx, cdb_setting_delete(fx->db, CDB_SETTING_RESERVED_PORTS));
    OK(fx, cdb_transport_next_port(fx->db, CDB_PROTO_UDP, &port));
    assert_int_equal(port, 2000);
    tcp.transport.external_port = 443;
    expect_fail(fx, cdb_service_create(fx->db, &tcp, &id), CDB_ERR_INVALID, "externalPort");
}

/* An HTTP service is rendered by its container's site, so its external
 * domain must be that site's, on create, on update, and when a domain, a
 * container or a node moves. */
static void test_http_service_site(void **state)
{
    fixture *fx = *state;
    int64_t c1 = make_container(fx, "web1", 101, NULL, NULL);
    cdb_site_input site2 = {.name = "Other site", .internal_domain = "other.internal"};
    cdb_node_input node2 = {.name = "pve2"};
    cdb_external_domain_input dom2 = {.domain = "example.org"};
    int64_t s2 = 0, n2 = 0, d2 = 0, other_ct = 0, http_id = 0, id = -1;
    cdb_service *s = NULL;
    cdb_external_domain *d = NULL;
    cdb_container *c = NULL;
    cdb_node *n = NULL;
    counts before;

    OK(fx, cdb_site_create(fx->db, &site2, &s2));
    node2.site_id = s2;
    OK(fx, cdb_node_create(fx->db, &node2, &n2));
    dom2.site_id = s2;
    OK(fx, cdb_external_domain_create(fx->db, &dom2, &d2));
    cdb_container_input ct2 = container_input(fx, "web2");
    ct2.node_id = n2;
    OK(fx, cdb_container_create(fx->db, &ct2, &other_ct));

    cdb_service_input http = {.container_id = c1, .type = CDB_SERVICE_HTTP, .container_port = 80};
    http.http.external_hostname = "app";
    http.http.external_domain_id = d2;
    before = snapshot(fx);
    expect_fail(fx, cdb_service_create(fx->db, &http, &id), CDB_ERR_INVALID, "externalDomainId");
    assert_non_null(strstr(cdb_errmsg(fx->db), "external domain of its container's site"));
    assert_int_equal(id, -1);
    assert_unchanged(fx, &before);

    http.http.external_domain_id = fx->domain;
    OK(fx, cdb_service_create(fx->db, &http, &http_id));
    before = snapshot(fx);
    http.http.external_domain_id = d2;
    expect_fail(fx, cdb_service_update(fx->db, http_id, &http), CDB_ERR_INVALID,
                "externalDomainId");
    OK(fx, cdb_service_get(fx->db, http_id, &s));
    assert_int_equal(s->http.external_domain_id, fx->domain);
    cdb_service_free(s);

    /* Moving the domain, the container or its node to the other site would
     * strand the service: refused, nothing changed. */
    cdb_external_domain_input move_domain = {.site_id = s2};
    expect_fail(fx, cdb_external_domain_update(fx->db, fx->domain, CDB_EDF_SITE_ID, &move_domain),
                CDB_ERR_INVALID, "siteId");
    OK(fx, cdb_external_domain_get(fx->db, fx->domain, &d));
    assert_int_equal(d->site_id, fx->site);
    cdb_external_domain_free(d);
    cdb_container_input move_ct = {.node_id = n2, .status = -1};
    expect_fail(fx, cdb_container_update(fx->db, c1, CDB_CTF_NODE_ID, &move_ct), CDB_ERR_INVALID,
                "nodeId");
    OK(fx, cdb_container_get(fx->db, c1, &c));
    assert_int_equal(c->node_id, fx->node);
    cdb_container_free(c);
    cdb_node_input move_node = {.site_id = s2};
    expect_fail(fx, cdb_node_update(fx->db, fx->node, CDB_NODEF_SITE_ID, &move_node),
                CDB_ERR_INVALID, "siteId");
    OK(fx, cdb_node_get(fx->db, fx->node, &n));
    assert_int_equal(n->site_id, fx->site);
    cdb_node_free(n);
    assert_unchanged(fx, &before);

    /* Without HTTP services in the way the same moves are fine. */
    OK(fx, cdb_container_update(fx->db, other_ct, CDB_CTF_NODE_ID,
                                &(cdb_container_input){.node_id = fx->node, .status = -1}));
    OK(fx, cdb_external_domain_update(fx->db, d2, CDB_EDF_SITE_ID,
                                      &(cdb_external_domain_input){.site_id = fx->site}));
}

/* Two processes allocate transport ports at the same time: every port is
 * handed out once, and together they fill 2000.. without a hole. */
#define WRITERS 2
#define PER_WRITER 25

static int writer(const char *path, int64_t container)
{
    cdb *db = NULL;
    int failures = 0;

    if (cdb_open(path, 0, &db) != CDB_OK) {
        cdb_close(db);
        return 2;
    }
    cdb_set_busy_timeout(db, 60000);
    for (int i = 0; i < PER_WRITER; i++) {
        cdb_service_input in = transport_input(container, CDB_PROTO_TCP, 0);
        int64_t id;
        if (cdb_service_create(db, &in, &id) != CDB_OK) {
            fprintf(stderr, "# writer %d: %s\n", (int)getpid(), cdb_errmsg(db));
            failures++;
        }
    }
    cdb_close(db);
    return failures ? 1 : 0;
}

static void test_concurrent_port_allocation(void **state)
{
    fixture *fx = *state;
    int64_t container = make_container(fx, "game1", 101, NULL, NULL);
    pid_t pids[WRITERS];
    cdb_sql_stmt *st = NULL;
    int64_t expected = CDB_FIRST_TRANSPORT_PORT;

    fflush(NULL);
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0)
            _exit(writer(fx->path, container));
    }
    for (int w = 0; w < WRITERS; w++) {
        int wstatus = 0;
        assert_int_equal(waitpid(pids[w], &wstatus, 0), pids[w]);
        assert_true(WIFEXITED(wstatus));
        assert_int_equal(WEXITSTATUS(wstatus), 0);
    }
    assert_int_equal(count_rows(fx, "TransportServices"), WRITERS * PER_WRITER);
    assert_int_equal(count_rows(fx, "Services"), WRITERS * PER_WRITER);
    assert_int_equal(cdb_stmt_once(fx->raw,
                                   "SELECT externalPort FROM TransportServices "
                                   "WHERE protocol = 'tcp' ORDER BY externalPort",
                                   &st),
                     CDB_OK);
    while (cdb_step(st) == CDB_SQL_ROW)
        assert_int_equal(cdb_col_int64(st, 0), expected++);
    cdb_stmt_done(st);
    assert_int_equal(expected, CDB_FIRST_TRANSPORT_PORT + WRITERS * PER_WRITER);
    assert_integrity(fx->db);
}

/* ----------------------------------------------------------------- jobs */

static void test_jobs(void **state)
{
    fixture *fx = *state;
    cdb_job *job = NULL, **jobs = NULL;
    cdb_job_message **msgs = NULL;
    size_t n = 0;
    int64_t job2 = 0, m1 = 0, m2 = 0, m3 = 0, container;
    cdb_job_status parsed;

    OK(fx, cdb_job_get(fx->db, fx->job, &job));
    assert_string_equal(job->name, "create container web1");
    assert_string_equal(job->associated_resource, "container:web1");
    assert_int_equal(job->status, CDB_JOB_PENDING);
    cdb_job_free(job);
    OK(fx, cdb_job_create(fx->db, "delete container old", NULL, &job2));

    /* Claim exactly once, then finish. */
    OK(fx, cdb_job_set_status(fx->db, fx->job, CDB_JOB_PENDING, CDB_JOB_RUNNING));
    expect_fail(fx, cdb_job_set_status(fx->db, fx->job, CDB_JOB_PENDING, CDB_JOB_RUNNING),
                CDB_ERR_CONFLICT, "status");
    OK(fx, cdb_job_list(fx->db, CDB_JOB_PENDING, &jobs, &n));
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0]->id, job2);
    assert_null(jobs[0]->associated_resource);
    cdb_job_array_free(jobs, n);
    OK(fx, cdb_job_list(fx->db, -1, &jobs, &n));
    assert_int_equal(n, 2);
    cdb_job_array_free(jobs, n);

    OK(fx, cdb_job_message_append(fx->db, fx->job, "cloning template 9000", &m1));
    OK(fx, cdb_job_message_append(fx->db, fx->job, "task output:\n\tline 1\r\n\tline 2", &m2));
    OK(fx, cdb_job_message_append(fx->db, fx->job, "gestartet \xe2\x9c\x93", &m3));
    OK(fx, cdb_job_message_list(fx->db, fx->job, 0, &msgs, &n));
    assert_int_equal(n, 3);
    assert_int_equal(msgs[0]->id, m1);
    assert_int_equal(msgs[0]->job_id, fx->job);
    assert_string_equal(msgs[1]->message, "task output:\n\tline 1\r\n\tline 2");
    cdb_job_message_array_free(msgs, n);
    OK(fx, cdb_job_message_list(fx->db, fx->job, m2, &msgs, &n)); /* a follower's poll */
    assert_int_equal(n, 1);
    assert_int_equal(msgs[0]->id, m3);
    cdb_job_message_array_free(msgs, n);
    OK(fx, cdb_job_set_status(fx->db, fx->job, -1, CDB_JOB_SUCCESS));
    assert_int_equal(cdb_job_status_parse("cancelled", &parsed), CDB_OK);
    assert_int_equal(parsed, CDB_JOB_CANCELLED);
    assert_int_equal(cdb_job_status_parse("done", &parsed), CDB_ERR_INVALID);
    assert_null(cdb_job_status_name((cdb_job_status)5));

    counts before = snapshot(fx);
    char *huge = big_string(CDB_MAX_JOB_MESSAGE + 1, 'm');
    int64_t id = -1;
    expect_fail(fx, cdb_job_create(fx->db, NULL, NULL, &id), CDB_ERR_INVALID, "name");
    expect_fail(fx, cdb_job_create(fx->db, huge, NULL, &id), CDB_ERR_INVALID, "name");
    expect_fail(fx, cdb_job_create(fx->db, "x", "\x80", &id), CDB_ERR_INVALID,
                "associatedResource");
    expect_fail(fx, cdb_job_message_append(fx->db, fx->job, huge, &id), CDB_ERR_INVALID,
                "message");
    expect_fail(fx, cdb_job_message_append(fx->db, fx->job, "bad \xed\xa0\x80 surrogate", &id),
                CDB_ERR_INVALID, "message");
    expect_fail(fx, cdb_job_message_append(fx->db, fx->job, "", &id), CDB_ERR_INVALID, "message");
    expect_fail(fx, cdb_job_message_append(fx->db, 4242, "hello", &id), CDB_ERR_CONSTRAINT,
                "jobId");
    expect_fail(fx, cdb_job_set_status(fx->db, fx->job, -1, (cdb_job_status)5), CDB_ERR_INVALID,
                "status");
    expect_fail(fx, cdb_job_set_status(fx->db, fx->job, 99, CDB_JOB_FAILURE), CDB_ERR_INVALID,
                "status");
    expect_fail(fx, cdb_job_set_status(fx->db, 4242, -1, CDB_JOB_FAILURE), CDB_ERR_NOTFOUND, "id");
    expect_fail(fx, cdb_job_list(fx->db, 12, &jobs, &n), CDB_ERR_INVALID, "status");
    assert_unchanged(fx, &before);
    assert_int_equal(id, -1);
    free(huge);

    /* Deleting a job removes its messages; the container it made stays. */
    cdb_container_input in = container_input(fx, "web1");
    in.creation_job_id = fx->job;
    OK(fx, cdb_container_create(fx->db, &in, &container));
    OK(fx, cdb_job_delete(fx->db, fx->job));
    assert_int_equal(count_rows(fx, "JobStatuses"), 0);
    cdb_container *c = NULL;
    OK(fx, cdb_container_get(fx->db, container, &c));
    assert_int_equal(c->creation_job_id, 0);
    cdb_container_free(c);
    expect_fail(fx, cdb_job_get(fx->db, fx->job, &job), CDB_ERR_NOTFOUND, "id");
    expect_fail(fx, cdb_job_delete(fx->db, fx->job), CDB_ERR_NOTFOUND, "id");
    assert_integrity(fx->db);
}

/* Jobs record their container's identity; leases are compare-and-set;
 * cancel, retry, and delete of a running job; a container with its job. */
static void test_job_targets_and_leases(void **state)
{
    fixture *fx = *state;
    int64_t ct = make_container(fx, "web1", 101, NULL, NULL), job = 0, queued = 0, qjob = 0, id = -1;
    cdb_container *row = NULL;
    cdb_job *j = NULL;
    char resource[48];

    snprintf(resource, sizeof resource, "container:%lld", (long long)ct);
    OK(fx, cdb_job_create(fx->db, "container.delete web1", resource, &job));
    OK(fx, cdb_job_get(fx->db, job, &j));
    OK(fx, cdb_container_get(fx->db, ct, &row));
    assert_string_equal(j->target_hostname, "web1");
    assert_int_equal(j->target_node_id, fx->node);
    assert_int_equal(j->target_container_id, 101);
    assert_string_equal(j->target_created_at, row->created_at);
    assert_null(j->lease_owner);
    cdb_job_free(j);
    cdb_container_free(row);
    assert_int_equal(cdb_job_container_resource(resource), ct);
    assert_int_equal(cdb_job_container_resource("container:0"), 0);
    assert_int_equal(cdb_job_container_resource("container:web1"), 0);
    assert_int_equal(cdb_job_container_resource("container:12x"), 0);
    assert_int_equal(cdb_job_resource_id("domain:7", CDB_JOB_RESOURCE_DOMAIN), 7);
    assert_int_equal(cdb_job_resource_id("container:7", CDB_JOB_RESOURCE_DOMAIN), 0);
    /* The kind is the name's first word, whole. */
    assert_true(cdb_job_is_kind("container.create web1", CDB_JOB_CONTAINER_CREATE));
    assert_true(cdb_job_is_kind("container.create", CDB_JOB_CONTAINER_CREATE));
    assert_false(cdb_job_is_kind("container.created web1", CDB_JOB_CONTAINER_CREATE));
    assert_false(cdb_job_is_kind("container", CDB_JOB_CONTAINER_CREATE));
    assert_false(cdb_job_is_kind(NULL, CDB_JOB_CONTAINER_CREATE));

    /* A job for a container that does not exist is refused, nothing written. */
    counts before = snapshot(fx);
    expect_fail(fx, cdb_job_create(fx->db, "container.delete x", "container:4242", &id),
                CDB_ERR_CONSTRAINT, "associatedResource");
    assert_unchanged(fx, &before);
    assert_int_equal(id, -1);

    /* Claim once; renew and finish only under the same owner. */
    OK(fx, cdb_job_claim(fx->db, job, "host:1:boot", 60000));
    expect_fail(fx, cdb_job_claim(fx->db, job, "host:2:boot", 60000), CDB_ERR_CONFLICT, "status");
    OK(fx, cdb_job_renew(fx->db, job, "host:1:boot", 60000));
    expect_fail(fx, cdb_job_renew(fx->db, job, "host:2:boot", 60000), CDB_ERR_CONFLICT, "status");
    OK(fx, cdb_job_get(fx->db, job, &j));
    assert_int_equal(j->status, CDB_JOB_RUNNING);
    assert_string_equal(j->lease_owner, "host:1:boot");
    assert_false(cdb_job_lease_expired(j));
    /* A take-over must see the lease exactly as it is. */
    expect_fail(fx, cdb_job_delete(fx->db, job), CDB_ERR_CONFLICT, "status");
    OK(fx, cdb_job_renew(fx->db, job, "host:1:boot", 0)); /* expires now */
    cdb_job_free(j);
    OK(fx, cdb_job_get(fx->db, job, &j));
    OK(fx, cdb_job_take_over(fx->db, j, "host:3:boot", 60000));
    expect_fail(fx, cdb_job_take_over(fx->db, j, "host:4:boot", 60000), CDB_ERR_CONFLICT, "status");
    expect_fail(fx, cdb_job_finish(fx->db, job, "host:1:boot", CDB_JOB_SUCCESS), CDB_ERR_CONFLICT,
                "status");
    OK(fx, cdb_job_finish(fx->db, job, "host:3:boot", CDB_JOB_FAILURE));
    cdb_job_free(j);
    OK(fx, cdb_job_get(fx->db, job, &j));
    assert_int_equal(j->status, CDB_JOB_FAILURE);
    assert_null(j->lease_owner);
    assert_null(j->lease_expires_at);
    cdb_job_free(j);

    /* Retry and cancel. */
    expect_fail(fx, cdb_job_cancel(fx->db, job), CDB_ERR_CONFLICT, "status");
    OK(fx, cdb_job_retry(fx->db, job));
    expect_fail(fx, cdb_job_retry(fx->db, job), CDB_ERR_CONFLICT, "status");
    OK(fx, cdb_job_cancel(fx->db, job));
    OK(fx, cdb_job_get(fx->db, job, &j));
    assert_int_equal(j->status, CDB_JOB_CANCELLED);
    cdb_job_free(j);
    OK(fx, cdb_job_delete(fx->db, job));

    /* A container with its creation job, linked both ways, in one go. */
    cdb_container_input in = container_input(fx, "web2");
    OK(fx, cdb_container_create_queued(fx->db, &in, &queued, &qjob));
    OK(fx, cdb_container_get(fx->db, queued, &row));
    OK(fx, cdb_job_get(fx->db, qjob, &j));
    assert_int_equal(row->creation_job_id, qjob);
    assert_int_equal(row->status, CDB_CT_PENDING);
    assert_string_equal(j->name, "container.create web2");
    snprintf(resource, sizeof resource, "container:%lld", (long long)queued);
    assert_string_equal(j->associated_resource, resource);
    assert_string_equal(j->target_hostname, "web2");
    cdb_job_free(j);
    cdb_container_free(row);
    /* A failed create goes back to pending with its job on retry. */
    OK(fx, cdb_job_claim(fx->db, qjob, "host:1:boot", 60000));
    OK(fx, cdb_container_set_status(fx->db, queued, CDB_CT_PENDING, CDB_CT_FAILED));
    OK(fx, cdb_job_finish(fx->db, qjob, "host:1:boot", CDB_JOB_FAILURE));
    OK(fx, cdb_job_retry(fx->db, qjob));
    OK(fx, cdb_container_get(fx->db, queued, &row));
    assert_int_equal(row->status, CDB_CT_PENDING);
    cdb_container_free(row);
    /* Retry never touches a look-alike that took the row's id. */
    OK(fx, cdb_job_claim(fx->db, qjob, "host:1:boot", 60000));
    OK(fx, cdb_job_finish(fx->db, qjob, "host:1:boot", CDB_JOB_FAILURE));
    OK(fx, cdb_container_update(fx->db, queued, CDB_CTF_HOSTNAME | CDB_CTF_STATUS,
                                &(cdb_container_input){.hostname = "other", .status = CDB_CT_FAILED}));
    OK(fx, cdb_job_retry(fx->db, qjob));
    OK(fx, cdb_container_get(fx->db, queued, &row));
    assert_int_equal(row->status, CDB_CT_FAILED);
    cdb_container_free(row);
    /* A duplicate hostname writes neither row nor job. */
    in.hostname = "web3";
    OK(fx, cdb_container_create_queued(fx->db, &in, &queued, &qjob));
    before = snapshot(fx);
    expect_fail(fx, cdb_container_create_queued(fx->db, &in, &queued, &qjob), CDB_ERR_CONFLICT,
                "Containers.hostname");
    assert_unchanged(fx, &before);
    assert_integrity(fx->db);
}

/* Ids that cannot exist (negative, huge) are simply not found. */
static void test_ids_out_of_range(void **state)
{
    fixture *fx = *state;
    const int64_t ids[] = {-1, INT64_MIN, INT64_MAX, 0};
    cdb_site *site = NULL;
    cdb_node *node = NULL;
    cdb_container *c = NULL, **cs = NULL;
    cdb_service *s = NULL;
    cdb_job *job = NULL;
    cdb_job_message **msgs = NULL;
    cdb_external_domain *d = NULL;
    counts before = snapshot(fx);
    size_t n = 99;

    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        expect_fail(fx, cdb_site_get(fx->db, ids[i], &site), CDB_ERR_NOTFOUND, "id");
        expect_fail(fx, cdb_node_get(fx->db, ids[i], &node), CDB_ERR_NOTFOUND, "id");
        expect_fail(fx, cdb_external_domain_get(fx->db, ids[i], &d), CDB_ERR_NOTFOUND, "id");
        expect_fail(fx, cdb_container_get(fx->db, ids[i], &c), CDB_ERR_NOTFOUND, "id");
        expect_fail(fx, cdb_service_get(fx->db, ids[i], &s), CDB_ERR_NOTFOUND, "id");
        expect_fail(fx, cdb_job_get(fx->db, ids[i], &job), CDB_ERR_NOTFOUND, "id");
        expect_fail(fx, cdb_site_delete(fx->db, ids[i]), CDB_ERR_NOTFOUND, "id");
        expect_fail(fx, cdb_container_delete(fx->db, ids[i]), CDB_ERR_NOTFOUND, "id");
        expect_fail(fx, cdb_service_delete(fx->db, ids[i]), CDB_ERR_NOTFOUND, "id");
    }
    assert_null(site);
    assert_null(node);
    assert_null(c);
    OK(fx, cdb_container_list(fx->db, -5, &cs, &n));
    assert_int_equal(n, 0);
    cdb_container_array_free(cs, n);
    OK(fx, cdb_job_message_list(fx->db, fx->job, INT64_MAX, &msgs, &n));
    assert_int_equal(n, 0);
    cdb_job_message_array_free(msgs, n);
    assert_unchanged(fx, &before);
}

static void test_enum_names(void **state)
{
    cdb_container_status cs;
    cdb_service_type type;
    cdb_transport_protocol proto;

    (void)state;
    assert_int_equal(cdb_container_status_parse("failed", &cs), CDB_OK);
    assert_int_equal(cs, CDB_CT_FAILED);
    assert_int_equal(cdb_container_status_parse("Failed", &cs), CDB_ERR_INVALID);
    assert_int_equal(cdb_container_status_parse(NULL, &cs), CDB_ERR_INVALID);
    assert_int_equal(cdb_service_type_parse("transport", &type), CDB_OK);
    assert_int_equal(type, CDB_SERVICE_TRANSPORT);
    assert_int_equal(cdb_service_type_parse("ftp", &type), CDB_ERR_INVALID);
    assert_int_equal(cdb_transport_protocol_parse("udp", &proto), CDB_OK);
    assert_int_equal(proto, CDB_PROTO_UDP);
    assert_int_equal(cdb_transport_protocol_parse("sctp", &proto), CDB_ERR_INVALID);
    assert_string_equal(cdb_service_type_name(CDB_SERVICE_DNS), "dns");
    assert_string_equal(cdb_transport_protocol_name(CDB_PROTO_TCP), "tcp");
    assert_null(cdb_container_status_name((cdb_container_status)-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test_setup_teardown(test_site_happy_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_rejects_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_update_validates_whole_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_delete_refused_while_referenced, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_node_happy_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_rejects_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_external_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_unique_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_rejects_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_failures_leave_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_service_site, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_port_allocation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_targets_and_leases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_out_of_range, setup, teardown),
    };

    return cmocka_run_group_tests_name("cluster models", tests, NULL, NULL);
}
