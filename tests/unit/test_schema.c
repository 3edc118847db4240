/*
 * test_schema: the schema created by the migrations against the data
 * specification (seed/database-schema.md).  The tables, columns, keys and
 * rules below are copied from that document by hand, so a migration that
 * drifts from the specification fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <clusterdb/clusterdb.h>

#include "internal.h"
#include "store_sqlite.h"
#include "tmpdir_fixture.h"

/* ------------------------------------------------ the specification */

struct spec_table {
    const char *name;
    const char *columns[16]; /* NULL-terminated; every table also has createdAt/updatedAt */
    const char *primary_key; /* comma-separated, in key order */
};

static const struct spec_table spec_tables[] = {
    {"Sites",
     {"id", "name", "internalDomain", "dhcpRange", "subnetMask", "gateway", "dnsForwarders", NULL},
     "id"},
    {"Nodes",
     {"id", "name", "ipv4Address", "apiUrl", "apiTokenIdOrUsername", "apiTokenSecretOrPassword",
      "disableTlsVerification", "siteId", NULL},
     "id"},
    {"Containers",
     {"id", "hostname", "username", "status", "template", "creationJobId", "nodeId", "containerId",
      "macAddress", "ipv4Address", "aiContainer", NULL},
     "id"},
    {"Services", {"id", "containerId", "type", "containerPort", NULL}, "id"},
    {"HTTPServices", {"id", "serviceId", "externalHostname", "externalDomainId", NULL}, "id"},
    {"TransportServices", {"id", "serviceId", "protocol", "externalPort", "useTls", NULL}, "id"},
    {"DnsServices", {"id", "serviceId", "recordType", "serviceName", NULL}, "id"},
    {"ExternalDomains",
     /* dnsProvider: beyond the specification, who answers the certificates'
      * DNS-01 challenge (migration 0004, docs/daemon.md "Certificates"). */
     {"id", "domain", "acmeEmail", "acmeDirectory", "cloudflareApiEmail", "cloudflareApiKey", "siteId",
      "dnsProvider", NULL},
     "id"},
    /* Beyond the specification: what a job acts on and its lease
     * (migration 0003, docs/daemon.md). */
    {"Jobs",
     {"id", "name", "associatedResource", "status", "targetHostname", "targetNodeId",
      "targetContainerId", "targetCreatedAt", "leaseOwner", "leaseExpiresAt", NULL},
     "id"},
    {"JobStatuses", {"id", "jobId", "message", NULL}, "id"},
    /* loginShell, homeDirectory: beyond the specification, NULL for the
     * defaults (migration 0006, docs/store.md). */
    {"Users",
     {"uidNumber", "username", "cn", "sn", "givenName", "mail", "sshPublicKey", "userPassword",
      "status", "loginShell", "homeDirectory", NULL},
     "uidNumber"},
    {"Groups", {"gidNumber", "cn", "isAdministrator", NULL}, "gidNumber"},
    {"UserGroups", {"uidNumber", "gidNumber", NULL}, "uidNumber,gidNumber"},
    {"SessionSecrets", {"id", "secret", NULL}, "id"},
    {"Settings", {"key", "value", NULL}, "key"},
};

/* Unique keys (other than the primary key): table, columns in order. */
static const struct {
    const char *table;
    const char *columns;
} spec_uniques[] = {
    {"Nodes", "name"},
    {"Containers", "hostname"},
    {"Containers", "macAddress"},
    {"Containers", "ipv4Address"},
    {"Containers", "nodeId,containerId"},
    {"HTTPServices", "serviceId"},
    {"HTTPServices", "externalHostname,externalDomainId"},
    {"TransportServices", "serviceId"},
    {"TransportServices", "protocol,externalPort"},
    {"DnsServices", "serviceId"},
    {"Users", "username"},
    {"Users", "mail"},
    {"Groups", "cn"},
    {"SessionSecrets", "secret"},
};

/* Foreign keys with the ON DELETE action the specification's relations call for. */
static const struct {
    const char *table, *column, *parent, *parent_column, *on_delete;
} spec_fks[] = {
    {"Nodes", "siteId", "Sites", "id", "RESTRICT"},
    {"ExternalDomains", "siteId", "Sites", "id", "RESTRICT"},
    {"Containers", "nodeId", "Nodes", "id", "RESTRICT"},
    {"Containers", "creationJobId", "Jobs", "id", "SET NULL"},
    {"Services", "containerId", "Containers", "id", "CASCADE"},
    {"HTTPServices", "serviceId", "Services", "id", "CASCADE"},
    {"HTTPServices", "externalDomainId", "ExternalDomains", "id", "RESTRICT"},
    {"TransportServices", "serviceId", "Services", "id", "CASCADE"},
    {"DnsServices", "serviceId", "Services", "id", "CASCADE"},
    {"JobStatuses", "jobId", "Jobs", "id", "CASCADE"},
    {"UserGroups", "uidNumber", "Users", "uidNumber", "CASCADE"},
    {"UserGroups", "gidNumber", "Groups", "gidNumber", "CASCADE"},
    /* Beyond the specification (migration 0005): a grant goes with what it names. */
    {"ContainerAccessGrants", "uidNumber", "Users", "uidNumber", "CASCADE"},
    {"ContainerAccessGrants", "gidNumber", "Groups", "gidNumber", "CASCADE"},
    {"ContainerAccessGrants", "containerId", "Containers", "id", "CASCADE"},
    {"ContainerAccessGrants", "siteId", "Sites", "id", "CASCADE"},
};

/* ------------------------------------------------ helpers */

static int setup(void **state)
{
    return tmpdir_setup_open(state, "test_schema");
}

static int teardown(void **state)
{
    return tmpdir_teardown(state);
}

static int exec_sql(cdb *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(cdb_sqlite(db), sql, NULL, NULL, &err);

    sqlite3_free(err);
    return rc == SQLITE_OK ? CDB_OK : cdb_fail_sql(db, rc, "test");
}

static long long query_int(cdb *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    long long value = -1;

    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

static void query_text(cdb *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;

    buf[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
}

/* The details of EXPLAIN QUERY PLAN for sql, joined with ';'. */
static void query_plan(cdb *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    char explain[512];
    size_t used = 0;

    buf[0] = '\0';
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), explain, -1, &stmt, NULL), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW && used < size)
        used += (size_t)snprintf(buf + used, size - used, "%s;", (const char *)sqlite3_column_text(stmt, 3));
    sqlite3_finalize(stmt);
}

/* Columns of an index, comma-separated, into buf. */
static void index_columns(cdb *db, const char *index, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    size_t used = 0;

    buf[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), "SELECT name FROM pragma_index_info(?) ORDER BY seqno",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, index, -1, SQLITE_STATIC);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(stmt, 0);
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "," : "", col ? col : "?");
        assert_true(used < size);
    }
    sqlite3_finalize(stmt);
}

/* Whether `table` has an index (unique or not, per `unique`) on exactly `columns`
 * (or, with prefix, whose leading columns are `columns`). */
static int has_index(cdb *db, const char *table, const char *columns, int unique, int prefix)
{
    sqlite3_stmt *stmt = NULL;
    int found = 0;

    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), "SELECT name, \"unique\" FROM pragma_index_list(?)",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
    while (!found && sqlite3_step(stmt) == SQLITE_ROW) {
        char cols[256];
        if (unique && sqlite3_column_int(stmt, 1) != 1)
            continue;
        index_columns(db, (const char *)sqlite3_column_text(stmt, 0), cols, sizeof cols);
        if (prefix)
            found = strncmp(cols, columns, strlen(columns)) == 0 &&
                    (cols[strlen(columns)] == '\0' || cols[strlen(columns)] == ',');
        else
            found = strcmp(cols, columns) == 0;
    }
    sqlite3_finalize(stmt);
    return found;
}

/* Collation of the single-column unique index on table(column), "" if none. */
static const char *unique_index_collation(cdb *db, const char *table, const char *column)
{
    static char coll[32];
    sqlite3_stmt *stmt = NULL;

    coll[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), "SELECT name, \"unique\" FROM pragma_index_list(?)",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
    while (coll[0] == '\0' && sqlite3_step(stmt) == SQLITE_ROW) {
        const char *index = (const char *)sqlite3_column_text(stmt, 0);
        char cols[256], sql[300];
        if (sqlite3_column_int(stmt, 1) != 1)
            continue;
        index_columns(db, index, cols, sizeof cols);
        if (strcmp(cols, column) != 0)
            continue;
        snprintf(sql, sizeof sql, "SELECT coll FROM pragma_index_xinfo('%s') WHERE name = '%s'", index, column);
        query_text(db, sql, coll, sizeof coll);
    }
    sqlite3_finalize(stmt);
    return coll;
}

/* A small cluster to hang rows on: site 1, node 1, job 1, container 1,
 * external domain 1, and one service of each type on container 1. */
static void insert_cluster(cdb *db)
{
    assert_int_equal(
        exec_sql(db,
                 "INSERT INTO Sites (id, name, internalDomain) VALUES (1, 'site', 'cluster.internal');"
                 "INSERT INTO Nodes (id, name, siteId) VALUES (1, 'pve1', 1);"
                 "INSERT INTO Jobs (id, name) VALUES (1, 'create ct1');"
                 "INSERT INTO JobStatuses (jobId, message) VALUES (1, 'cloning');"
                 "INSERT INTO ExternalDomains (id, domain, siteId) VALUES (1, 'example.com', 1);"
                 "INSERT INTO Containers (id, hostname, username, nodeId, containerId, creationJobId)"
                 "  VALUES (1, 'ct1', 'alice', 1, 100, 1);"
                 "INSERT INTO Services (id, containerId, type, containerPort) VALUES"
                 "  (1, 1, 'http', 80), (2, 1, 'transport', 22), (3, 1, 'dns', 25565);"
                 "INSERT INTO HTTPServices (serviceId, externalHostname, externalDomainId) VALUES (1, 'app', 1);"
                 "INSERT INTO TransportServices (serviceId, protocol, externalPort) VALUES (2, 'tcp', 2000);"
                 "INSERT INTO DnsServices (serviceId, serviceName) VALUES (3, '_minecraft._tcp');"),
        CDB_OK);
}

static const char *const all_tables_count_sql =
    "SELECT (SELECT count(*) FROM Sites) || '/' || (SELECT count(*) FROM Nodes) || '/' ||"
    " (SELECT count(*) FROM Containers) || '/' || (SELECT count(*) FROM Services) || '/' ||"
    " (SELECT count(*) FROM HTTPServices) || '/' || (SELECT count(*) FROM TransportServices) || '/' ||"
    " (SELECT count(*) FROM DnsServices) || '/' || (SELECT count(*) FROM ExternalDomains) || '/' ||"
    " (SELECT count(*) FROM Jobs) || '/' || (SELECT count(*) FROM JobStatuses)";

/* ------------------------------------------------ tests */

static void test_tables_and_columns(void **state)
{
    struct fixture *fx = *state;

    for (size_t t = 0; t < sizeof spec_tables / sizeof spec_tables[0]; t++) {
        const struct spec_table *spec = &spec_tables[t];
        const char *extra[] = {"createdAt", "updatedAt"};
        char sql[200], pk[128] = "";
        sqlite3_stmt *stmt = NULL;
        size_t n_spec = 0;
        long long n_actual;

        for (size_t c = 0; spec->columns[c]; c++, n_spec++) {
            snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
                     spec->name, spec->columns[c]);
            if (query_int(fx->db, sql) != 1)
                fail_msg("%s.%s is missing", spec->name, spec->columns[c]);
        }
        for (size_t c = 0; c < 2; c++) {
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM pragma_table_info('%s')"
                     " WHERE name = '%s' AND type = 'TEXT' AND \"notnull\" = 1 AND dflt_value IS NOT NULL",
                     spec->name, extra[c]);
            if (query_int(fx->db, sql) != 1)
                fail_msg("%s.%s is missing or not TEXT NOT NULL with a default", spec->name, extra[c]);
        }
        /* Nothing beyond the specification and the two time stamps. */
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s')", spec->name);
        n_actual = query_int(fx->db, sql);
        assert_int_equal(n_actual, (long long)n_spec + 2);

        snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s') WHERE pk > 0 ORDER BY pk",
                 spec->name);
        assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(fx->db), sql, -1, &stmt, NULL), SQLITE_OK);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            size_t used = strlen(pk);
            snprintf(pk + used, sizeof pk - used, "%s%s", used ? "," : "",
                     (const char *)sqlite3_column_text(stmt, 0));
        }
        sqlite3_finalize(stmt);
        if (strcmp(pk, spec->primary_key) != 0)
            fail_msg("%s: primary key is (%s), expected (%s)", spec->name, pk, spec->primary_key);
    }
    /* The bookkeeping table exists too. */
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM pragma_table_info('SchemaMigrations')"
                                       " WHERE name IN ('version', 'name', 'appliedAt')"),
                     3);
}

static void test_unique_keys(void **state)
{
    struct fixture *fx = *state;

    for (size_t i = 0; i < sizeof spec_uniques / sizeof spec_uniques[0]; i++)
        if (!has_index(fx->db, spec_uniques[i].table, spec_uniques[i].columns, 1, 0))
            fail_msg("no unique key %s(%s)", spec_uniques[i].table, spec_uniques[i].columns);
    /* Indexes for the LDAP paths: members of a group, modifyTimestamp filters. */
    assert_true(has_index(fx->db, "UserGroups", "gidNumber,uidNumber", 0, 1));
    assert_true(has_index(fx->db, "Users", "updatedAt", 0, 1));
    assert_true(has_index(fx->db, "Groups", "updatedAt", 0, 1));
    /* Case-insensitive names: the unique index itself uses NOCASE, so LDAP's
     * case-insensitive equality is an index lookup. */
    assert_string_equal(unique_index_collation(fx->db, "Users", "username"), "NOCASE");
    assert_string_equal(unique_index_collation(fx->db, "Users", "mail"), "NOCASE");
    assert_string_equal(unique_index_collation(fx->db, "Groups", "cn"), "NOCASE");
    /* Node names too (migration 0002): "PVE1" beside "pve1" would be one
     * host to an operator. */
    assert_string_equal(unique_index_collation(fx->db, "Nodes", "name"), "NOCASE");
    {
        char plan[256];
        query_plan(fx->db, "SELECT uidNumber FROM Users WHERE username = 'Alice'", plan, sizeof plan);
        assert_non_null(strstr(plan, "USING COVERING INDEX"));
        query_plan(fx->db, "SELECT uidNumber FROM UserGroups WHERE gidNumber = 2000", plan, sizeof plan);
        assert_non_null(strstr(plan, "INDEX"));
        query_plan(fx->db, "SELECT uidNumber FROM Users WHERE updatedAt >= '2026'", plan, sizeof plan);
        assert_non_null(strstr(plan, "INDEX"));
    }
}

static void test_unique_behaviour(void **state)
{
    struct fixture *fx = *state;

    insert_cluster(fx->db);
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Users (uidNumber, username, mail) VALUES (2000, 'Alice', 'Alice@Example.com')"),
                     CDB_OK);
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Users (uidNumber, username) VALUES (2001, 'alice')"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "Users.username");
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Users (uidNumber, username, mail) VALUES (2001, 'bob', 'alice@example.COM')"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "Users.mail");
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Groups (gidNumber, cn) VALUES (3000, 'SysAdmins')"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "Groups.cn");
    /* NULL mail, MAC and IP may repeat. */
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Users (uidNumber, username) VALUES (2001, 'bob'), (2002, 'carol')"),
                     CDB_OK);
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Containers (hostname, username, nodeId) VALUES"
                                      " ('p1', 'bob', 1), ('p2', 'bob', 1)"),
                     CDB_OK);
    assert_int_equal(exec_sql(fx->db, "UPDATE Containers SET macAddress = 'bc:24:11:00:00:01',"
                                      " ipv4Address = '10.0.0.5' WHERE hostname = 'p1'"),
                     CDB_OK);
    assert_int_equal(exec_sql(fx->db, "UPDATE Containers SET macAddress = 'bc:24:11:00:00:01' WHERE hostname = 'p2'"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "Containers.macAddress");
    assert_int_equal(exec_sql(fx->db, "UPDATE Containers SET ipv4Address = '10.0.0.5' WHERE hostname = 'p2'"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "Containers.ipv4Address");
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Containers (hostname, username, nodeId) VALUES ('ct1', 'x', 1)"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "Containers.hostname");
    /* Same external port on the other protocol is fine; on the same one not. */
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Services (id, containerId, type, containerPort) VALUES"
                                      " (10, 1, 'transport', 53), (11, 1, 'transport', 54), (12, 1, 'http', 8080)"),
                     CDB_OK);
    assert_int_equal(exec_sql(fx->db, "INSERT INTO TransportServices (serviceId, protocol, externalPort) VALUES (10, 'udp', 2000)"),
                     CDB_OK);
    assert_int_equal(exec_sql(fx->db, "INSERT INTO TransportServices (serviceId, protocol, externalPort) VALUES (11, 'tcp', 2000)"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "TransportServices.protocol,externalPort");
    assert_int_equal(exec_sql(fx->db, "INSERT INTO HTTPServices (serviceId, externalHostname, externalDomainId) VALUES (12, 'app', 1)"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "HTTPServices.externalHostname,externalDomainId");
    assert_int_equal(exec_sql(fx->db, "INSERT INTO HTTPServices (serviceId, externalHostname, externalDomainId) VALUES (1, 'other', 1)"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "HTTPServices.serviceId");
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Nodes (name, siteId) VALUES ('pve1', 1)"), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "Nodes.name");
    assert_int_equal(exec_sql(fx->db, "INSERT INTO UserGroups (uidNumber, gidNumber) VALUES (2000, 2000), (2000, 2000)"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(fx->db), "UserGroups.uidNumber,gidNumber");
}

static void test_foreign_keys(void **state)
{
    struct fixture *fx = *state;

    for (size_t i = 0; i < sizeof spec_fks / sizeof spec_fks[0]; i++) {
        char sql[300];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pragma_foreign_key_list('%s')"
                 " WHERE \"from\" = '%s' AND \"table\" = '%s' AND \"to\" = '%s' AND on_delete = '%s'",
                 spec_fks[i].table, spec_fks[i].column, spec_fks[i].parent, spec_fks[i].parent_column,
                 spec_fks[i].on_delete);
        if (query_int(fx->db, sql) != 1)
            fail_msg("no foreign key %s.%s -> %s.%s ON DELETE %s", spec_fks[i].table, spec_fks[i].column,
                     spec_fks[i].parent, spec_fks[i].parent_column, spec_fks[i].on_delete);
    }
    /* And no others. */
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM sqlite_schema s, pragma_foreign_key_list(s.name)"
                                       " WHERE s.type = 'table'"),
                     (long long)(sizeof spec_fks / sizeof spec_fks[0]));
    /* A reference to a missing row is refused. */
    assert_int_equal(exec_sql(fx->db, "INSERT INTO UserGroups (uidNumber, gidNumber) VALUES (4242, 2000)"),
                     CDB_ERR_CONSTRAINT);
    assert_int_equal(exec_sql(fx->db, "INSERT INTO JobStatuses (jobId, message) VALUES (77, 'x')"),
                     CDB_ERR_CONSTRAINT);
}

/* One bad value per rule; each insert is expected to fail with CDB_ERR_INVALID
 * naming the field.  The matching good value is inserted right after. */
static void expect_invalid(cdb *db, const char *bad_sql, const char *field, const char *good_sql)
{
    int rc = exec_sql(db, bad_sql);

    if (rc != CDB_ERR_INVALID)
        fail_msg("accepted or wrong error %d (%s): %s", rc, cdb_errmsg(db), bad_sql);
    if (field && (cdb_errfield(db) == NULL || strcmp(cdb_errfield(db), field) != 0))
        fail_msg("field %s, expected %s: %s", cdb_errfield(db) ? cdb_errfield(db) : "(none)", field, bad_sql);
    if (good_sql && exec_sql(db, good_sql) != CDB_OK)
        fail_msg("refused (%s): %s", cdb_errmsg(db), good_sql);
}

static void test_checks(void **state)
{
    struct fixture *fx = *state;
    cdb *db = fx->db;

    insert_cluster(db);
    expect_invalid(db, "INSERT INTO Containers (hostname, username, nodeId, status) VALUES ('c2', 'u', 1, 'stopped')",
                   "Containers.status",
                   "INSERT INTO Containers (hostname, username, nodeId, status) VALUES ('c2', 'u', 1, 'creating')");
    expect_invalid(db, "INSERT INTO Containers (hostname, username, nodeId, containerId) VALUES ('c3', 'u', 1, 99)",
                   "Containers.containerId",
                   "INSERT INTO Containers (hostname, username, nodeId, containerId) VALUES ('c3', 'u', 1, 999999999)");
    expect_invalid(db, "INSERT INTO Containers (hostname, username, nodeId, containerId) VALUES ('c4', 'u', 1, 1000000000)",
                   "Containers.containerId", NULL);
    expect_invalid(db, "INSERT INTO Services (containerId, type, containerPort) VALUES (1, 'ftp', 21)",
                   "Services.type", "INSERT INTO Services (containerId, type, containerPort) VALUES (1, 'dns', 21)");
    expect_invalid(db, "INSERT INTO Services (containerId, type, containerPort) VALUES (1, 'http', 0)",
                   "Services.containerPort",
                   "INSERT INTO Services (containerId, type, containerPort) VALUES (1, 'http', 65535)");
    expect_invalid(db, "INSERT INTO Services (containerId, type, containerPort) VALUES (1, 'http', 65536)",
                   "Services.containerPort", NULL);
    assert_int_equal(exec_sql(db, "INSERT INTO Services (id, containerId, type, containerPort) VALUES (20, 1, 'transport', 1)"),
                     CDB_OK);
    expect_invalid(db, "INSERT INTO TransportServices (serviceId, protocol, externalPort) VALUES (20, 'sctp', 3000)",
                   "TransportServices.protocol", NULL);
    expect_invalid(db, "INSERT INTO TransportServices (serviceId, protocol, externalPort) VALUES (20, 'udp', 0)",
                   "TransportServices.externalPort", NULL);
    expect_invalid(db, "INSERT INTO TransportServices (serviceId, protocol, externalPort) VALUES (20, 'udp', 65536)",
                   "TransportServices.externalPort", NULL);
    expect_invalid(db, "INSERT INTO TransportServices (serviceId, protocol, externalPort, useTls) VALUES (20, 'udp', 3000, 2)",
                   "TransportServices.useTls",
                   "INSERT INTO TransportServices (serviceId, protocol, externalPort, useTls) VALUES (20, 'udp', 65535, 1)");
    assert_int_equal(exec_sql(db, "INSERT INTO Services (id, containerId, type, containerPort) VALUES (21, 1, 'dns', 1)"),
                     CDB_OK);
    expect_invalid(db, "INSERT INTO DnsServices (serviceId, recordType, serviceName) VALUES (21, 'A', '_x._tcp')",
                   "DnsServices.recordType", NULL);
    /* A subtype row must match its service's type. */
    expect_invalid(db, "INSERT INTO HTTPServices (serviceId, externalHostname, externalDomainId) VALUES (21, 'w', 1)",
                   "HTTPServices.serviceId",
                   "INSERT INTO DnsServices (serviceId, serviceName) VALUES (21, '_x._tcp')");
    expect_invalid(db, "INSERT INTO Jobs (name, status) VALUES ('j', 'done')", "Jobs.status",
                   "INSERT INTO Jobs (name, status) VALUES ('j', 'cancelled')");
    expect_invalid(db, "INSERT INTO Users (uidNumber, username, status) VALUES (2000, 'a', 'disabled')",
                   "Users.status", "INSERT INTO Users (uidNumber, username, status) VALUES (2000, 'a', 'suspended')");
    expect_invalid(db, "INSERT INTO Users (uidNumber, username) VALUES (-1, 'b')", "Users.uidNumber",
                   "INSERT INTO Users (uidNumber, username) VALUES (4294967294, 'b')");
    expect_invalid(db, "INSERT INTO Users (uidNumber, username) VALUES (4294967295, 'c')", "Users.uidNumber",
                   "INSERT INTO Users (uidNumber, username) VALUES (0, 'c')");
    expect_invalid(db, "INSERT INTO Groups (gidNumber, cn) VALUES (4294967295, 'g')", "Groups.gidNumber",
                   "INSERT INTO Groups (gidNumber, cn) VALUES (4294967294, 'g')");
    expect_invalid(db, "INSERT INTO Groups (gidNumber, cn, isAdministrator) VALUES (5000, 'h', 2)",
                   "Groups.isAdministrator", "INSERT INTO Groups (gidNumber, cn, isAdministrator) VALUES (5000, 'h', 1)");
    expect_invalid(db, "INSERT INTO Nodes (name, siteId, disableTlsVerification) VALUES ('pve2', 1, -1)",
                   "Nodes.disableTlsVerification",
                   "INSERT INTO Nodes (name, siteId, disableTlsVerification) VALUES ('pve2', 1, 1)");
    expect_invalid(db, "INSERT INTO SessionSecrets (secret) VALUES ('short')", "SessionSecrets.secret", NULL);
    expect_invalid(db, "INSERT INTO Users (uidNumber) VALUES (3000)", "Users.username", NULL);
    expect_invalid(db, "INSERT INTO Containers (hostname, nodeId) VALUES ('c9', 1)", "Containers.username", NULL);

    /* Defaults of the specification. */
    assert_int_equal(exec_sql(db, "INSERT INTO Containers (id, hostname, username, nodeId) VALUES (50, 'd1', 'u', 1)"),
                     CDB_OK);
    {
        char text[64];
        query_text(db, "SELECT aiContainer || '/' || status FROM Containers WHERE id = 50", text, sizeof text);
        assert_string_equal(text, "N/pending");
        query_text(db, "SELECT status FROM Users WHERE uidNumber = 0", text, sizeof text);
        assert_string_equal(text, "pending");
        query_text(db, "SELECT status FROM Jobs WHERE id = 1", text, sizeof text);
        assert_string_equal(text, "pending");
        /* ISO-8601 UTC with milliseconds. */
        query_text(db, "SELECT createdAt FROM Containers WHERE id = 50", text, sizeof text);
        assert_int_equal(strlen(text), 24);
        assert_true(query_int(db, "SELECT createdAt GLOB"
                                  " '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'"
                                  " FROM Containers WHERE id = 50") == 1);
    }
}

static void test_seeds(void **state)
{
    struct fixture *fx = *state;
    char text[64];

    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Groups"), 2);
    query_text(fx->db, "SELECT cn || '/' || isAdministrator FROM Groups WHERE gidNumber = 2000", text, sizeof text);
    assert_string_equal(text, "ldapusers/0");
    query_text(fx->db, "SELECT cn || '/' || isAdministrator FROM Groups WHERE gidNumber = 2001", text, sizeof text);
    assert_string_equal(text, "sysadmins/1");
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Settings"), 2);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Settings WHERE key = 'push_notification_url' AND value = ''"), 1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Settings WHERE key = 'push_notification_enabled' AND value = 'false'"), 1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Users"), 0);
}

static void test_restrict_changes_nothing(void **state)
{
    struct fixture *fx = *state;
    char before[128], after[128];

    insert_cluster(fx->db);
    query_text(fx->db, all_tables_count_sql, before, sizeof before);
    assert_string_equal(before, "1/1/1/3/1/1/1/1/1/1");
    /* A site with nodes, a node with containers, a domain in use. */
    assert_int_equal(exec_sql(fx->db, "DELETE FROM Sites WHERE id = 1"), CDB_ERR_CONSTRAINT);
    assert_int_equal(exec_sql(fx->db, "DELETE FROM Nodes WHERE id = 1"), CDB_ERR_CONSTRAINT);
    assert_int_equal(exec_sql(fx->db, "DELETE FROM ExternalDomains WHERE id = 1"), CDB_ERR_CONSTRAINT);
    query_text(fx->db, all_tables_count_sql, after, sizeof after);
    assert_string_equal(before, after);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
}

static void test_cascades(void **state)
{
    struct fixture *fx = *state;
    char counts[128];

    insert_cluster(fx->db);
    /* Deleting the creating job keeps the container, without its job. */
    assert_int_equal(exec_sql(fx->db, "DELETE FROM Jobs WHERE id = 1"), CDB_OK);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM JobStatuses"), 0);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Containers WHERE id = 1 AND creationJobId IS NULL"), 1);
    /* Deleting a container removes its services and their subtype rows. */
    assert_int_equal(exec_sql(fx->db, "DELETE FROM Containers WHERE id = 1"), CDB_OK);
    query_text(fx->db, all_tables_count_sql, counts, sizeof counts);
    assert_string_equal(counts, "1/1/0/0/0/0/0/1/0/0");
    /* Now the chain can be taken down in order. */
    assert_int_equal(exec_sql(fx->db, "DELETE FROM ExternalDomains; DELETE FROM Nodes; DELETE FROM Sites"), CDB_OK);
    /* Memberships go with their user or group. */
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Users (uidNumber, username) VALUES (2000, 'a'), (2001, 'b');"
                                      "INSERT INTO Groups (gidNumber, cn) VALUES (3000, 'g');"
                                      "INSERT INTO UserGroups (uidNumber, gidNumber) VALUES"
                                      " (2000, 2000), (2000, 3000), (2001, 3000)"),
                     CDB_OK);
    assert_int_equal(exec_sql(fx->db, "DELETE FROM Users WHERE uidNumber = 2000"), CDB_OK);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM UserGroups"), 1);
    assert_int_equal(exec_sql(fx->db, "DELETE FROM Groups WHERE gidNumber = 3000"), CDB_OK);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM UserGroups"), 0);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Users"), 1);
}

static void test_updated_at(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(exec_sql(fx->db, "INSERT INTO Users (uidNumber, username, createdAt, updatedAt)"
                                      " VALUES (2000, 'a', '2001-01-01T00:00:00.000Z', '2001-01-01T00:00:00.000Z');"
                                      "UPDATE Groups SET updatedAt = '2001-01-01T00:00:00.000Z'"),
                     CDB_OK);
    /* An UPDATE that does not set updatedAt bumps it. */
    assert_int_equal(exec_sql(fx->db, "UPDATE Users SET cn = 'A' WHERE uidNumber = 2000"), CDB_OK);
    assert_int_equal(query_int(fx->db, "SELECT updatedAt > '2001-01-01T00:00:00.000Z' AND createdAt = "
                                       "'2001-01-01T00:00:00.000Z' FROM Users"),
                     1);
    /* One that sets it keeps its value. */
    assert_int_equal(exec_sql(fx->db, "UPDATE Users SET cn = 'B', updatedAt = '2002-02-02T00:00:00.000Z'"),
                     CDB_OK);
    assert_int_equal(query_int(fx->db, "SELECT updatedAt = '2002-02-02T00:00:00.000Z' FROM Users"), 1);
    /* A membership change is a change of the user and of the group. */
    assert_int_equal(exec_sql(fx->db, "INSERT INTO UserGroups (uidNumber, gidNumber) VALUES (2000, 2001)"), CDB_OK);
    assert_int_equal(query_int(fx->db, "SELECT updatedAt > '2002-02-02T00:00:00.000Z' FROM Users"), 1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Groups WHERE updatedAt > '2001-01-01T00:00:00.000Z'"), 1);
    /* (A value different from the old one: setting the very same value is
     * an UPDATE that "did not set" updatedAt and would be bumped.) */
    assert_int_equal(exec_sql(fx->db, "UPDATE Groups SET updatedAt = '2001-01-01T00:00:00.001Z'"), CDB_OK);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Groups WHERE updatedAt > '2001-01-01T00:00:00.001Z'"), 0);
    assert_int_equal(exec_sql(fx->db, "DELETE FROM UserGroups"), CDB_OK);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM Groups WHERE updatedAt > '2001-01-01T00:00:00.001Z'"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tables_and_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_behaviour, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restrict_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cascades, setup, teardown),
        cmocka_unit_test_setup_teardown(test_updated_at, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
