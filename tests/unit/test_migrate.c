/*
 * test_migrate: the migration runner on a migration list of its own.
 *
 * This program defines cdb_migrations_sqlite (and its count) itself, so the
 * linker takes them from here instead of the library's generated list (a
 * static library member is only pulled in for symbols still undefined).
 * That lets the test play a library that knows three migrations against
 * files left at older versions, and migrations that fail half-way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <cmocka.h>

#include <clusterdb/clusterdb.h>

#include "internal.h"
#include "store_engine.h"
#include "store_sqlite.h"
#include "tmpdir_fixture.h"

extern const struct cdb_migration cdb_migrations_sqlite[];
extern const size_t cdb_migrations_sqlite_count;

#define V1_SQL                                                                              \
    "CREATE TABLE SchemaMigrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"      \
    " appliedAt TEXT NOT NULL);\n"                                                          \
    "CREATE TABLE A (x INTEGER PRIMARY KEY, ref INTEGER);\n"
#define V2_SQL "CREATE TABLE B (id INTEGER PRIMARY KEY);\nINSERT INTO B VALUES (1);\n"
/* Fails on data: a non-positive A.x breaks C's CHECK; an A.ref without a B
 * row leaves D violating its foreign key (checked before commit). */
#define V3_SQL                                                                              \
    "CREATE TABLE C (x INTEGER NOT NULL CONSTRAINT \"C.x\" CHECK (x > 0));\n"             \
    "INSERT INTO C SELECT x FROM A;\n"                                                      \
    "CREATE TABLE D (bid INTEGER REFERENCES B (id));\n"                                     \
    "INSERT INTO D SELECT ref FROM A WHERE ref IS NOT NULL;\n"

const struct cdb_migration cdb_migrations_sqlite[] = {
    {1, "0001_base", V1_SQL},
    {2, "0002_add_b", V2_SQL},
    {3, "0003_copy_a", V3_SQL},
};
const size_t cdb_migrations_sqlite_count =
    sizeof cdb_migrations_sqlite / sizeof cdb_migrations_sqlite[0];

static int setup(void **state)
{
    return tmpdir_setup(state, "test_migrate");
}

static int teardown(void **state)
{
    return tmpdir_teardown(state);
}

/* A file as an older library left it: migrations 1..version applied by hand,
 * then `extra` SQL (test data). */
static void make_file_at(const char *path, int version, const char *extra)
{
    sqlite3 *raw = NULL;
    char record[160];

    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), SQLITE_OK);
    for (int v = 1; v <= version; v++) {
        assert_int_equal(sqlite3_exec(raw, cdb_migrations_sqlite[v - 1].sql, NULL, NULL, NULL), SQLITE_OK);
        snprintf(record, sizeof record,
                 "INSERT INTO SchemaMigrations VALUES (%d, '%s', '2026-01-01T00:00:00.000Z')", v,
                 cdb_migrations_sqlite[v - 1].name);
        assert_int_equal(sqlite3_exec(raw, record, NULL, NULL, NULL), SQLITE_OK);
    }
    if (extra)
        assert_int_equal(sqlite3_exec(raw, extra, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(raw), SQLITE_OK);
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

static long long table_exists(cdb *db, const char *table)
{
    char sql[160];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '%s'", table);
    return query_int(db, sql);
}

static void assert_version(cdb *db, int expected)
{
    int current = -1, known = -1;

    assert_int_equal(cdb_schema_version(db, &current, &known), CDB_OK);
    assert_int_equal(known, 3);
    assert_int_equal(current, expected);
}

static void test_fresh_file_gets_every_migration(void **state)
{
    struct fixture *fx = *state;
    cdb *db = NULL;

    assert_int_equal(cdb_open(fx->path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &db), CDB_OK);
    assert_version(db, 3);
    assert_int_equal(query_int(db, "SELECT group_concat(version || ':' || name, ' ') = "
                                   "'1:0001_base 2:0002_add_b 3:0003_copy_a' FROM SchemaMigrations"),
                     1);
    assert_int_equal(table_exists(db, "C") + table_exists(db, "D"), 2);
    /* Foreign keys are back on after the runner switched them off. */
    assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(cdb_migrate(db), CDB_OK);
    assert_int_equal(query_int(db, "SELECT count(*) FROM SchemaMigrations"), 3);
    cdb_close(db);
}

static void test_older_file_upgraded_in_order(void **state)
{
    struct fixture *fx = *state;
    cdb *db = NULL;

    make_file_at(fx->path, 1, "INSERT INTO A VALUES (5, NULL), (7, NULL)");
    /* Without MIGRATE the file is refused, naming both versions. */
    assert_int_equal(cdb_open(fx->path, 0, &db), CDB_ERR_VERSION);
    assert_non_null(strstr(cdb_errmsg(db), "version 1"));
    assert_non_null(strstr(cdb_errmsg(db), "version 3"));
    assert_non_null(strstr(cdb_errmsg(db), "run clusterdb migrate"));
    cdb_close(db);
    db = NULL;
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_READONLY, &db), CDB_ERR_VERSION);
    cdb_close(db);

    db = NULL;
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_MIGRATE, &db), CDB_OK);
    assert_version(db, 3);
    assert_int_equal(query_int(db, "SELECT sum(x) FROM C"), 12);
    assert_int_equal(query_int(db, "SELECT count(*) FROM B"), 1);
    /* The file's own history is kept; the new rows are stamped now. */
    assert_int_equal(query_int(db, "SELECT count(*) FROM SchemaMigrations WHERE appliedAt > '2026-01-02'"), 2);
    cdb_close(db);
}

static void test_failing_migration_rolls_back(void **state)
{
    struct fixture *fx = *state;
    cdb *db = NULL;

    make_file_at(fx->path, 2, "INSERT INTO A VALUES (-1, NULL)");
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_MIGRATE, &db), CDB_ERR_INVALID);
    assert_non_null(strstr(cdb_errmsg(db), "0003_copy_a"));
    /* Migration 3 left nothing behind; the file is still a good version 2. */
    assert_version(db, 2);
    assert_int_equal(table_exists(db, "C"), 0);
    assert_int_equal(table_exists(db, "D"), 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM B"), 1);
    assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
    assert_true(sqlite3_get_autocommit(cdb_sqlite(db)));
    /* Fixing the data and migrating again finishes the job. */
    assert_int_equal(sqlite3_exec(cdb_sqlite(db), "UPDATE A SET x = 1", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(cdb_migrate(db), CDB_OK);
    assert_version(db, 3);
    cdb_close(db);
}

static void test_foreign_key_check_before_commit(void **state)
{
    struct fixture *fx = *state;
    cdb *db = NULL;

    /* ref 99 has no B row: with foreign keys off during the migration the
     * INSERT succeeds, and the check before commit must catch it. */
    make_file_at(fx->path, 2, "INSERT INTO A VALUES (1, 99)");
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_MIGRATE, &db), CDB_ERR_CONSTRAINT);
    assert_non_null(strstr(cdb_errmsg(db), "0003_copy_a"));
    assert_non_null(strstr(cdb_errmsg(db), "foreign key"));
    assert_version(db, 2);
    assert_int_equal(table_exists(db, "D"), 0);
    assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(sqlite3_exec(cdb_sqlite(db), "UPDATE A SET ref = 1", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(cdb_migrate(db), CDB_OK);
    assert_version(db, 3);
    assert_int_equal(query_int(db, "SELECT count(*) FROM D WHERE bid = 1"), 1);
    cdb_close(db);
}

static void test_newer_file_refused_by_migrate(void **state)
{
    struct fixture *fx = *state;
    cdb *db = NULL;

    make_file_at(fx->path, 3,
                 "INSERT INTO SchemaMigrations VALUES (4, '0004_future', '2030-01-01T00:00:00.000Z')");
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_MIGRATE, &db), CDB_ERR_VERSION);
    assert_non_null(strstr(cdb_errmsg(db), "version 4"));
    assert_non_null(strstr(cdb_errmsg(db), "version 3"));
    /* cdb_migrate on its own refuses too, and writes nothing. */
    assert_int_equal(cdb_migrate(db), CDB_ERR_VERSION);
    assert_int_equal(query_int(db, "SELECT count(*) FROM SchemaMigrations"), 4);
    cdb_close(db);
}

int main(void)
{
    /* Files the tests make themselves (raw sqlite3) must pass the mode check. */
    umask(077);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_file_gets_every_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_file_upgraded_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_migration_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_key_check_before_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_file_refused_by_migrate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
