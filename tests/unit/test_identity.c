/*
 * Identity is forever: row ids, uidNumbers and gidNumbers are never given
 * twice, even after their rows are deleted, through the API and through
 * plain SQL; "the first user becomes a sysadmin" means the first user ever;
 * an administrator is created in one transaction; migration 0002 converts a
 * database of the first schema without losing a row or an id.
 */
#include "directory_fixture.h"

#include <sys/stat.h>

#include <clusterdb/cluster.h>

/* Every table with a row id: AUTOINCREMENT, so SQLite never hands out the
 * id of a deleted highest row again. */
static void test_every_id_table_is_monotonic(void **state)
{
    struct fixture *f = *state;
    static const char *const tables[] = {"Sites", "Nodes", "ExternalDomains", "Jobs",
                                         "JobStatuses", "Containers", "Services", "HTTPServices",
                                         "TransportServices", "DnsServices", "SessionSecrets"};
    char sql[256];

    SKIP_UNLESS_SQLITE("AUTOINCREMENT is SQLite's own; on the servers identity columns and"
                       " AUTO_INCREMENT never hand out an id twice, as the plain-SQL test shows");
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT sql LIKE '%%AUTOINCREMENT%%' FROM sqlite_master WHERE name = '%s'",
                 tables[i]);
        if (sql_int(f->db, sql) != 1)
            fail_msg("%s is not AUTOINCREMENT", tables[i]);
    }
}

static void test_site_id_not_reused_by_plain_sql(void **state)
{
    struct fixture *f = *state;
    int64_t gone;

    sql_exec(f->db, "INSERT INTO Sites (name, internalDomain) VALUES ('one', 'one.internal')");
    sql_exec(f->db, "INSERT INTO Sites (name, internalDomain) VALUES ('two', 'two.internal')");
    gone = sql_int(f->db, "SELECT id FROM Sites WHERE name = 'two'");
    sql_exec(f->db, "DELETE FROM Sites WHERE name = 'two'");
    sql_exec(f->db, "INSERT INTO Sites (name, internalDomain) VALUES ('three', 'three.internal')");
    assert_true(sql_int(f->db, "SELECT id FROM Sites WHERE name = 'three'") > gone);
    assert_integrity(f->db);
}

static void test_gid_not_reused(void **state)
{
    struct fixture *f = *state;
    int64_t gid = 0, next = 0;

    assert_int_equal(cdb_group_create(f->db, "builders", 0, 0, &gid), CDB_OK);
    assert_int_equal(cdb_group_delete(f->db, gid), CDB_OK);
    assert_int_equal(cdb_group_create(f->db, "testers", 0, 0, &next), CDB_OK);
    assert_int_equal(next, gid + 1);
    assert_integrity(f->db);
}

/* A number written by a plain-SQL writer raises the mark too. */
static void test_plain_sql_uid_raises_the_mark(void **state)
{
    struct fixture *f = *state;

    add_user(f->db, "first", 0);
    sql_exec(f->db, "INSERT INTO Users (uidNumber, username, cn, sn, status)"
                    " VALUES (5000, 'imported', 'imported', 'imported', 'active')");
    sql_exec(f->db, "DELETE FROM Users WHERE uidNumber = 5000");
    assert_int_equal(add_user(f->db, "after", 0), 5001);
    /* The marks never go down, whoever asks. */
    assert_int_not_equal(fixture_sql_try(f->db, "UPDATE IdentityHighWater SET value = 0"), CDB_OK);
    assert_int_equal(sql_int(f->db, "SELECT value FROM IdentityHighWater WHERE name = 'uidNumber'"),
                     5001);
}

/* Delete every user: the next one is not the "first" and gets no sysadmin. */
static void test_first_user_means_first_ever(void **state)
{
    struct fixture *f = *state;
    cdb_user *u = NULL;
    int64_t first = add_user(f->db, "founder", 0), later;

    assert_int_equal(cdb_user_delete(f->db, first), CDB_OK);
    later = add_user(f->db, "newcomer", 0);
    assert_int_equal(later, first + 1);
    assert_int_equal(cdb_user_get(f->db, later, &u), CDB_OK);
    assert_int_equal(u->status, CDB_USER_PENDING);
    assert_int_equal(u->n_groups, 0);
    cdb_user_free(u);
}

static void test_admin_in_one_call(void **state)
{
    struct fixture *f = *state;
    cdb_user_input in = user_input("boss");
    cdb_user *u = NULL;
    int64_t uid = 0;
    struct counts before;

    add_user(f->db, "founder", 0);
    in.administrator = 1;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_OK);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_int_equal(u->n_groups, 1);
    assert_int_equal(u->groups[0].gid_number, CDB_GID_SYSADMINS);
    cdb_user_free(u);
    /* A failing administrator create leaves nothing behind. */
    before = take_counts(f->db);
    in.username = "boss"; /* taken */
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_CONFLICT);
    assert_unchanged(f->db, before);
}

/* A given uidNumber must never have been used, checked in the transaction. */
static void test_given_uid(void **state)
{
    struct fixture *f = *state;
    cdb_user_input in = user_input("given");
    int64_t first = add_user(f->db, "founder", 0), gone = add_user(f->db, "gone", 0), uid = 0;
    struct counts before;

    assert_int_equal(cdb_user_delete(f->db, gone), CDB_OK);
    before = take_counts(f->db);
    in.uid_number = gone;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(f->db), "uidNumber");
    in.uid_number = first;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_CONFLICT);
    assert_unchanged(f->db, before);
    in.uid_number = gone + 10;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_OK);
    assert_int_equal(uid, gone + 10);
    assert_int_equal(add_user(f->db, "next", 0), gone + 11);
}

/* Read a file into memory (the first schema's migration). */
static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *text = NULL;
    long len;

    if (fp == NULL)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
        (text = calloc(1, (size_t)len + 1)) != NULL && fread(text, 1, (size_t)len, fp) != (size_t)len) {
        free(text);
        text = NULL;
    }
    fclose(fp);
    return text;
}

/* A database made by the first schema alone, with rows in the tables 0002
 * rebuilds, comes through the migration with every row and id. */
static void test_migration_from_first_schema(void **state)
{
    char dir[] = "/tmp/cdb-identity.XXXXXX", path[128], file[512], *schema;
    const char *top = getenv("CLUSTERDB_TOP");
    sqlite3 *raw = NULL;
    cdb *db = NULL;
    (void)state;

    SKIP_UNLESS_SQLITE("SQLite's own upgrade path; each server engine's first schema is migrated"
                       " in tests/integration/daemon_recovery.sh");
    assert_non_null(top);
    umask(077); /* the store refuses database files others can read */
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/old.sqlite", dir);
    snprintf(file, sizeof file, "%s/migrations/0001_initial.sql", top);
    assert_non_null(schema = slurp(file));
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, schema, NULL, NULL, NULL), SQLITE_OK);
    free(schema);
    assert_int_equal(
        sqlite3_exec(raw,
                     "INSERT INTO SchemaMigrations VALUES (1, '0001_initial', '2026-01-01T00:00:00.000Z');"
                     "INSERT INTO Sites (id, name, internalDomain) VALUES (3, 'lab', 'lab.internal');"
                     "INSERT INTO Nodes (id, name, siteId) VALUES (7, 'pve', 3);"
                     "INSERT INTO Containers (id, hostname, username, nodeId) VALUES (9, 'web', 'old', 7);"
                     "INSERT INTO Services (id, containerId, type, containerPort) VALUES (11, 9, 'dns', 53);"
                     "INSERT INTO DnsServices (id, serviceId, serviceName) VALUES (12, 11, '_dns._udp');"
                     "INSERT INTO Jobs (id, name, status) VALUES (20, 'container.create web', 'pending');"
                     "INSERT INTO JobStatuses (id, jobId, message) VALUES (21, 20, 'queued');"
                     "INSERT INTO Users (uidNumber, username, cn, sn, status)"
                     " VALUES (2005, 'old', 'old', 'old', 'active');",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(raw);

    assert_int_equal(cdb_open(path, CDB_OPEN_MIGRATE, &db), CDB_OK);
    assert_int_equal(sql_int(db, "SELECT id FROM Sites WHERE name = 'lab'"), 3);
    assert_int_equal(sql_int(db, "SELECT siteId FROM Nodes WHERE id = 7"), 3);
    assert_int_equal(sql_int(db, "SELECT nodeId FROM Containers WHERE id = 9"), 7);
    assert_int_equal(sql_int(db, "SELECT serviceId FROM DnsServices WHERE id = 12"), 11);
    assert_int_equal(sql_int(db, "SELECT jobId FROM JobStatuses WHERE id = 21"), 20);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM Users"), 1);
    assert_integrity(db);
    /* The foreign keys and their ON DELETE rules came through the rebuild. */
    assert_int_not_equal(fixture_sql_try(db, "DELETE FROM Sites WHERE id = 3"), CDB_OK);
    sql_exec(db, "DELETE FROM Jobs WHERE id = 20");
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM JobStatuses"), 0);
    /* The triggers came back: a type mismatch is still refused. */
    assert_int_not_equal(fixture_sql_try(db, "INSERT INTO HTTPServices (serviceId, externalHostname,"
                                             " externalDomainId) VALUES (11, 'x', 1)"),
                         CDB_OK);
    /* The existing numbers set the marks. */
    assert_int_equal(sql_int(db, "SELECT value FROM IdentityHighWater WHERE name = 'uidNumber'"),
                     2005);
    assert_int_equal(add_user(db, "new", 0), 2006);
    cdb_close(db);
    snprintf(file, sizeof file, "rm -rf '%s'", dir);
    assert_int_equal(system(file), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_every_id_table_is_monotonic),
        T(test_site_id_not_reused_by_plain_sql),
        T(test_gid_not_reused),
        T(test_plain_sql_uid_raises_the_mark),
        T(test_first_user_means_first_ever),
        T(test_admin_in_one_call),
        T(test_given_uid),
        cmocka_unit_test(test_migration_from_first_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
