/*
 * test_store: opening, creating and migrating a database file, version
 * checks, connection settings, the statement cache, error mapping and
 * transactions.  Every test works on a real file in its own temporary
 * directory, through the real migration runner.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <clusterdb/clusterdb.h>

#include "internal.h"
#include "store_sqlite.h"
#include "tmpdir_fixture.h"

static int setup(void **state)
{
    return tmpdir_setup(state, "test_store");
}

static int teardown(void **state)
{
    return tmpdir_teardown(state);
}

static cdb *open_fresh(const char *path)
{
    cdb *db = NULL;
    int rc = cdb_open(path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &db);

    if (rc != CDB_OK)
        fail_msg("cdb_open(%s): %d %s", path, rc, cdb_errmsg(db));
    return db;
}

/* One integer from a query on a raw connection or a handle's connection. */
static long long query_int(sqlite3 *sql, const char *query)
{
    sqlite3_stmt *stmt = NULL;
    long long value = -1;

    assert_int_equal(sqlite3_prepare_v2(sql, query, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

static void query_text(sqlite3 *sql, const char *query, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;

    buf[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(sql, query, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
}

/* Run SQL through the cache and map the result as the models do. */
static int exec_sql(cdb *db, const char *sql)
{
    cdb_sql_stmt *stmt;
    int rc = cdb_stmt(db, sql, &stmt);

    if (rc != CDB_OK)
        return rc;
    while ((rc = cdb_step(stmt)) == CDB_SQL_ROW)
        ;
    rc = rc == CDB_SQL_DONE ? CDB_OK : cdb_fail_sql(db, rc, "test");
    cdb_stmt_done(stmt);
    return rc;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long size;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* Every embedded migration recorded exactly once, up to `known` (versions
 * may have gaps: a number is kept by a migration on another branch). */
static void assert_migrations_once(cdb *db, int known)
{
    assert_int_equal(query_int(cdb_sqlite(db), "SELECT count(*) - count(DISTINCT version) "
                                               "FROM SchemaMigrations"), 0);
    assert_int_equal(query_int(cdb_sqlite(db), "SELECT max(version) FROM SchemaMigrations"), known);
}

/* ------------------------------------------------------------ tests */

static void test_create_and_migrate_idempotent(void **state)
{
    struct fixture *fx = *state;
    int current = -1, known = -1;
    cdb *db = open_fresh(fx->path);

    assert_int_equal(cdb_schema_version(db, &current, &known), CDB_OK);
    assert_true(known >= 1);
    assert_int_equal(current, known);
    /* Every embedded migration is recorded once. */
    assert_migrations_once(db, known);
    assert_int_equal(cdb_migrate(db), CDB_OK);
    assert_migrations_once(db, known);
    cdb_close(db);

    /* Reopen with and without MIGRATE: nothing pending, nothing applied again. */
    db = NULL;
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_MIGRATE, &db), CDB_OK);
    assert_migrations_once(db, known);
    assert_int_equal(query_int(cdb_sqlite(db), "SELECT count(*) FROM Groups"), 2);
    cdb_close(db);
    db = NULL;
    assert_int_equal(cdb_open(fx->path, 0, &db), CDB_OK);
    assert_int_equal(cdb_schema_version(db, &current, &known), CDB_OK);
    assert_int_equal(current, known);
    cdb_close(db);
}

static void test_missing_file_without_create(void **state)
{
    struct fixture *fx = *state;
    cdb *db = NULL;
    struct stat st;

    assert_int_equal(cdb_open(fx->path, CDB_OPEN_MIGRATE, &db), CDB_ERR_IO);
    assert_non_null(db);
    assert_non_null(strstr(cdb_errmsg(db), fx->path));
    cdb_close(db);
    assert_int_equal(stat(fx->path, &st), -1);
}

static void test_newer_version_refused_and_unchanged(void **state)
{
    struct fixture *fx = *state;
    unsigned char *before, *after;
    size_t before_len, after_len;
    int current, known;
    char expected[64];
    sqlite3 *raw;
    cdb *db = open_fresh(fx->path);

    assert_int_equal(cdb_schema_version(db, &current, &known), CDB_OK);
    cdb_close(db);
    /* Stamp the file as a future library would. */
    assert_int_equal(sqlite3_open(fx->path, &raw), SQLITE_OK);
    {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "INSERT INTO SchemaMigrations (version, name, appliedAt)"
                 " VALUES (%d, 'future', '2030-01-01T00:00:00.000Z')",
                 known + 1);
        assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    assert_int_equal(sqlite3_close(raw), SQLITE_OK);
    before = read_file(fx->path, &before_len);

    for (int i = 0; i < 2; i++) {
        db = NULL;
        assert_int_equal(cdb_open(fx->path, i ? 0 : CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &db),
                         CDB_ERR_VERSION);
        /* The message names both versions. */
        snprintf(expected, sizeof expected, "version %d", known + 1);
        assert_non_null(strstr(cdb_errmsg(db), expected));
        snprintf(expected, sizeof expected, "version %d", known);
        assert_non_null(strstr(cdb_errmsg(db), expected));
        cdb_close(db);
    }
    after = read_file(fx->path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
}

static void test_pending_without_migrate_refused(void **state)
{
    struct fixture *fx = *state;
    sqlite3 *raw;
    cdb *db = NULL;

    /* A new, empty file is at version 0: everything is pending. */
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_CREATE, &db), CDB_ERR_VERSION);
    assert_non_null(strstr(cdb_errmsg(db), "run clusterdb migrate"));
    cdb_close(db);
    assert_int_equal(sqlite3_open(fx->path, &raw), SQLITE_OK);
    assert_int_equal(query_int(raw, "SELECT count(*) FROM sqlite_schema"), 0);
    sqlite3_close(raw);

    /* Migrating later works, and then a plain open succeeds. */
    db = NULL;
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_MIGRATE, &db), CDB_OK);
    cdb_close(db);
    db = NULL;
    assert_int_equal(cdb_open(fx->path, 0, &db), CDB_OK);
    cdb_close(db);
}

static void test_foreign_file_refused(void **state)
{
    struct fixture *fx = *state;
    sqlite3 *raw;
    FILE *f;
    cdb *db = NULL;

    /* Someone else's SQLite database is never migrated over. */
    assert_int_equal(sqlite3_open(fx->path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE other (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_MIGRATE, &db), CDB_ERR_VERSION);
    assert_non_null(strstr(cdb_errmsg(db), "not a clusterdb database"));
    cdb_close(db);
    assert_int_equal(sqlite3_open(fx->path, &raw), SQLITE_OK);
    assert_int_equal(query_int(raw, "SELECT count(*) FROM sqlite_schema"), 1);
    sqlite3_close(raw);

    /* A file that is not a database at all. */
    unlink(fx->path);
    f = fopen(fx->path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database file\n", f);
    fclose(f);
    db = NULL;
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_MIGRATE, &db), CDB_ERR_IO);
    cdb_close(db);
}

static void test_connection_settings(void **state)
{
    struct fixture *fx = *state;
    char mode[16];
    cdb *db = open_fresh(fx->path);

    query_text(cdb_sqlite(db), "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    assert_int_equal(query_int(cdb_sqlite(db), "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(cdb_sqlite(db), "PRAGMA synchronous"), 1); /* NORMAL */
    assert_int_equal(query_int(cdb_sqlite(db), "PRAGMA busy_timeout"), 10000);
    cdb_set_busy_timeout(db, 250);
    assert_int_equal(query_int(cdb_sqlite(db), "PRAGMA busy_timeout"), 250);
    cdb_close(db);

    /* Settings are per connection: a reopened handle has them again. */
    db = NULL;
    assert_int_equal(cdb_open(fx->path, 0, &db), CDB_OK);
    assert_int_equal(query_int(cdb_sqlite(db), "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(cdb_sqlite(db), "PRAGMA busy_timeout"), 10000);
    cdb_close(db);
}

static void test_readonly(void **state)
{
    struct fixture *fx = *state;
    cdb *db = open_fresh(fx->path);

    cdb_close(db);
    db = NULL;
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_READONLY | CDB_OPEN_MIGRATE, &db), CDB_ERR_INVALID);
    cdb_close(db);
    db = NULL;
    assert_int_equal(cdb_open(fx->path, CDB_OPEN_READONLY, &db), CDB_OK);
    assert_int_equal(query_int(cdb_sqlite(db), "SELECT count(*) FROM Groups"), 2);
    assert_int_equal(exec_sql(db, "DELETE FROM Groups"), CDB_ERR_IO);
    assert_int_equal(cdb_migrate(db), CDB_ERR_VERSION);
    cdb_close(db);
}

static void test_unique_violation_is_conflict_with_field(void **state)
{
    struct fixture *fx = *state;
    cdb *db = open_fresh(fx->path);

    /* Case-insensitively equal to the seeded "ldapusers". */
    assert_int_equal(exec_sql(db, "INSERT INTO Groups (gidNumber, cn) VALUES (3000, 'LdapUsers')"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(db), "Groups.cn");
    /* Said as a rule naming the field, not as SQLite's own text. */
    assert_string_equal(cdb_errmsg(db), "cn is already taken by another row (unique key Groups.cn)");
    /* Primary key. */
    assert_int_equal(exec_sql(db, "INSERT INTO Groups (gidNumber, cn) VALUES (2000, 'other')"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(db), "Groups.gidNumber");
    /* A composite key names all its columns. */
    assert_int_equal(exec_sql(db, "INSERT INTO Sites (id, name, internalDomain) VALUES (1, 's', 'c.internal')"),
                     CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO Nodes (id, name, siteId) VALUES (1, 'pve1', 1)"), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO Containers (hostname, username, nodeId, containerId)"
                                  " VALUES ('a', 'u', 1, 100)"),
                     CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO Containers (hostname, username, nodeId, containerId)"
                                  " VALUES ('b', 'u', 1, 100)"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(db), "Containers.nodeId,containerId");
    assert_null(strstr(cdb_errmsg(db), "constraint failed"));
    assert_non_null(strstr(cdb_errmsg(db), "this nodeId and containerId"));
    /* A later success does not clear the record (like sqlite3_errmsg), but a
     * new failure replaces it. */
    assert_int_equal(exec_sql(db, "INSERT INTO Nodes (name, siteId) VALUES ('pve1', 1)"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(db), "Nodes.name");
    cdb_close(db);
}

static void test_constraint_mapping(void **state)
{
    struct fixture *fx = *state;
    cdb *db = open_fresh(fx->path);

    /* A missing parent. */
    assert_int_equal(exec_sql(db, "INSERT INTO Nodes (name, siteId) VALUES ('pve1', 999)"),
                     CDB_ERR_CONSTRAINT);
    /* A parent still referenced (ON DELETE RESTRICT). */
    assert_int_equal(exec_sql(db, "INSERT INTO Sites (id, name, internalDomain) VALUES (1, 's', 'c.internal')"),
                     CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO Nodes (name, siteId) VALUES ('pve1', 1)"), CDB_OK);
    assert_int_equal(exec_sql(db, "DELETE FROM Sites WHERE id = 1"), CDB_ERR_CONSTRAINT);
    assert_null(cdb_errfield(db));
    /* CHECK and NOT NULL name the field. */
    assert_int_equal(exec_sql(db, "INSERT INTO Users (uidNumber, username, status) VALUES (2000, 'a', 'gone')"),
                     CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(db), "Users.status");
    assert_int_equal(exec_sql(db, "INSERT INTO Users (uidNumber) VALUES (2000)"), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(db), "Users.username");
    /* Errors of SQL itself are internal errors, not data errors. */
    assert_int_equal(exec_sql(db, "SELECT nosuchcolumn FROM Users"), CDB_ERR_INTERNAL);
    assert_int_equal(cdb_fail_sql(db, SQLITE_DONE, "x"), CDB_OK);
    assert_int_equal(cdb_fail_sql(db, SQLITE_BUSY, "x"), CDB_ERR_BUSY);
    assert_int_equal(cdb_fail_sql(db, SQLITE_NOMEM, "x"), CDB_ERR_NOMEM);
    assert_int_equal(cdb_fail_sql(db, SQLITE_IOERR_WRITE, "x"), CDB_ERR_IO);
    assert_int_equal(cdb_fail_sql(db, SQLITE_NOTADB, "x"), CDB_ERR_IO);
    cdb_close(db);
}

static void test_failed_write_changes_nothing(void **state)
{
    struct fixture *fx = *state;
    cdb *db = open_fresh(fx->path);
    sqlite3 *sql = cdb_sqlite(db);

    /* One statement: the good row goes with the bad one. */
    assert_int_equal(exec_sql(db, "INSERT INTO Groups (gidNumber, cn) VALUES (3000, 'new'), (3001, 'sysadmins')"),
                     CDB_ERR_CONFLICT);
    assert_int_equal(query_int(sql, "SELECT count(*) FROM Groups"), 2);

    /* One transaction: a failure and a rollback undo the earlier statements. */
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO Sites (name, internalDomain) VALUES ('s', 'c.internal')"),
                     CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO Nodes (name, siteId) VALUES ('pve1', 42)"),
                     CDB_ERR_CONSTRAINT);
    cdb_tx_rollback(db);
    assert_int_equal(query_int(sql, "SELECT count(*) FROM Sites"), 0);
    assert_int_equal(query_int(sql, "SELECT count(*) FROM Nodes"), 0);
    assert_true(sqlite3_get_autocommit(sql));

    /* And a committed one stays. */
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO Sites (name, internalDomain) VALUES ('s', 'c.internal')"),
                     CDB_OK);
    assert_int_equal(cdb_tx_commit(db), CDB_OK);
    assert_int_equal(query_int(sql, "SELECT count(*) FROM Sites"), 1);
    cdb_close(db);
}

static void test_transactions(void **state)
{
    struct fixture *fx = *state;
    cdb *db = open_fresh(fx->path);
    cdb *other = NULL;
    struct timespec t0, t1;
    long elapsed_ms;

    cdb_tx_rollback(db); /* no transaction: harmless */
    assert_int_equal(cdb_tx_commit(db), CDB_ERR_INTERNAL);
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_int_equal(cdb_tx_begin(db), CDB_ERR_INTERNAL); /* no nesting */
    assert_false(sqlite3_get_autocommit(cdb_sqlite(db)));

    /* A second writer waits for the busy timeout, then gets CDB_ERR_BUSY. */
    assert_int_equal(cdb_open(fx->path, 0, &other), CDB_OK);
    cdb_set_busy_timeout(other, 300);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(cdb_tx_begin(other), CDB_ERR_BUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    elapsed_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(elapsed_ms >= 250);
    assert_true(elapsed_ms < 5000);
    /* Readers are not blocked by the writer (WAL). */
    assert_int_equal(query_int(cdb_sqlite(other), "SELECT count(*) FROM Groups"), 2);

    cdb_tx_rollback(db);
    assert_int_equal(cdb_tx_begin(other), CDB_OK);
    assert_int_equal(cdb_tx_commit(other), CDB_OK);
    cdb_close(other);
    /* Closing with an open transaction rolls it back. */
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO Sites (name, internalDomain) VALUES ('s', 'c.internal')"),
                     CDB_OK);
    cdb_close(db);
    db = NULL;
    assert_int_equal(cdb_open(fx->path, 0, &db), CDB_OK);
    assert_int_equal(query_int(cdb_sqlite(db), "SELECT count(*) FROM Sites"), 0);
    cdb_close(db);
}

static void test_statement_cache(void **state)
{
    struct fixture *fx = *state;
    cdb *db = open_fresh(fx->path);
    cdb_sql_stmt *first, *again, *stmts[200];
    char sql[200][64];

    assert_int_equal(cdb_stmt(db, "SELECT ?1 + 1", &first), CDB_OK);
    assert_int_equal(cdb_bind_int(first, 1, 41), CDB_SQL_OK);
    assert_int_equal(cdb_step(first), CDB_SQL_ROW);
    assert_int_equal(cdb_col_int(first, 0), 42);
    /* Not done on purpose: the next user still gets it reset and unbound. */
    assert_int_equal(cdb_stmt(db, "SELECT ?1 + 1", &again), CDB_OK);
    assert_ptr_equal(first, again);
    assert_int_equal(cdb_step(again), CDB_SQL_ROW);
    assert_true(cdb_col_is_null(again, 0));
    cdb_stmt_done(again);
    cdb_stmt_done(NULL);

    /* Enough distinct statements to grow the table several times; each
     * keeps its identity. */
    for (int i = 0; i < 200; i++) {
        snprintf(sql[i], sizeof sql[i], "SELECT %d", i);
        assert_int_equal(cdb_stmt(db, sql[i], &stmts[i]), CDB_OK);
    }
    for (int i = 0; i < 200; i++) {
        cdb_sql_stmt *stmt;
        /* A copy of the text, not the same pointer: keyed by content. */
        char copy[64];
        snprintf(copy, sizeof copy, "%s", sql[i]);
        assert_int_equal(cdb_stmt(db, copy, &stmt), CDB_OK);
        assert_ptr_equal(stmt, stmts[i]);
        assert_int_equal(cdb_step(stmt), CDB_SQL_ROW);
        assert_int_equal(cdb_col_int(stmt, 0), i);
        cdb_stmt_done(stmt);
    }
    assert_int_equal(cdb_stmt(db, "SELECT ?1 + 1", &again), CDB_OK);
    assert_ptr_equal(first, again);

    /* Bad SQL and two statements in one string are refused. */
    assert_int_equal(cdb_stmt(db, "SELEKT 1", &again), CDB_ERR_INTERNAL);
    assert_int_equal(cdb_stmt(db, "SELECT 1; SELECT 2", &again), CDB_ERR_INTERNAL);
    cdb_close(db);
}

/* Database names: an sqlite:// URI or a plain path is an SQLite file; a
 * server engine's URI is never opened as a file called "postgresql:". */
static void test_database_names(void **state)
{
    struct fixture *fx = *state;
    char uri[sizeof fx->path + 16];
    cdb *db = NULL;

    snprintf(uri, sizeof uri, "sqlite://%s", fx->path);
    assert_int_equal(cdb_open(uri, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &db), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO Sites (name, internalDomain) VALUES ('uri', 'uri.internal')"), CDB_OK);
    cdb_close(db);
    db = open_fresh(fx->path); /* the same file by its path */
    assert_int_equal(query_int(cdb_sqlite(db), "SELECT count(*) FROM Sites WHERE name = 'uri'"), 1);
    cdb_close(db);

    assert_int_equal(cdb_open("sqlite://relative/x.sqlite", CDB_OPEN_CREATE, &db), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(db), "database");
    cdb_close(db);
    /* A server engine's name goes to that engine (here: no server there). */
    assert_int_equal(cdb_open("postgresql://clusterdb@/clusterdb?host=/nonexistent", 0, &db),
                     CDB_ERR_IO);
    assert_string_equal(cdb_engine_name(db), "postgresql");
    cdb_close(db);
    assert_int_equal(access("postgresql:", F_OK), -1);
    assert_int_equal(cdb_open("mysql://clusterdb@localhost/clusterdb?socket=/nonexistent", 0, &db),
                     CDB_ERR_IO);
    assert_string_equal(cdb_engine_name(db), "mariadb");
    cdb_close(db);
    assert_int_equal(cdb_open("mariadb://clusterdb@localhost/clusterdb?socket=/nonexistent", 0,
                              &db),
                     CDB_ERR_IO);
    assert_string_equal(cdb_engine_name(db), "mariadb");
    cdb_close(db);
    assert_int_equal(access("mysql:", F_OK), -1);
}

/* Past CDB_STMT_SHAPES_MAX cached statements, new shapes are prepared for
 * one use and freed; cached ones are still served from the cache. */
static void test_statement_shapes_bounded(void **state)
{
    struct fixture *fx = *state;
    cdb *db = open_fresh(fx->path);
    cdb_sql_stmt *first = NULL, *stmt = NULL;
    char sql[64];
    int n_native = 0;

    assert_int_equal(cdb_stmt_shape(db, "SELECT 'first shape'", &first), CDB_OK);
    cdb_stmt_done(first);
    for (int i = 0; i < CDB_STMT_SHAPES_MAX + 50; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        assert_int_equal(cdb_stmt_shape(db, sql, &stmt), CDB_OK);
        assert_int_equal(cdb_step(stmt), CDB_SQL_ROW);
        assert_int_equal(cdb_col_int(stmt, 0), i);
        cdb_stmt_done(stmt);
    }
    for (sqlite3_stmt *s = NULL; (s = sqlite3_next_stmt(cdb_sqlite(db), s)) != NULL;)
        n_native++;
    assert_true(n_native <= CDB_STMT_SHAPES_MAX);
    assert_int_equal(cdb_stmt_shape(db, "SELECT 'first shape'", &stmt), CDB_OK);
    assert_ptr_equal(stmt, first);
    cdb_stmt_done(stmt);
    cdb_close(db);
}

static void test_concurrent_migration(void **state)
{
    struct fixture *fx = *state;
    enum { WORKERS = 4 };
    pid_t pids[WORKERS];
    int current, known;
    cdb *db = NULL;

    /* Several processes open a brand-new file with MIGRATE at once: all
     * succeed, and every migration is applied exactly once. */
    for (int i = 0; i < WORKERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            cdb *child = NULL;
            int rc = cdb_open(fx->path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &child);
            if (rc != CDB_OK)
                fprintf(stderr, "worker %d: %s\n", i, cdb_errmsg(child));
            cdb_close(child);
            _exit(rc == CDB_OK ? 0 : 1);
        }
    }
    for (int i = 0; i < WORKERS; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(cdb_open(fx->path, 0, &db), CDB_OK);
    assert_int_equal(cdb_schema_version(db, &current, &known), CDB_OK);
    assert_int_equal(current, known);
    assert_migrations_once(db, known);
    assert_int_equal(query_int(cdb_sqlite(db), "SELECT count(*) FROM Groups"), 2);
    cdb_close(db);
}

static void test_integrity_check(void **state)
{
    struct fixture *fx = *state;
    char result[64];
    cdb *db = open_fresh(fx->path);

    query_text(cdb_sqlite(db), "PRAGMA integrity_check", result, sizeof result);
    assert_string_equal(result, "ok");
    assert_int_equal(query_int(cdb_sqlite(db), "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    cdb_close(db);
}

/* cdb_backup: a snapshot of committed rows (WAL frames included, an open
 * write transaction of another handle excluded), 0600 under umask 022, one
 * self-contained file, no temporary left, no overwrite without REPLACE. */
static void test_backup(void **state)
{
    struct fixture *fx = *state;
    char backup[400], missing[400], result[64];
    cdb *db = open_fresh(fx->path);
    cdb *writer = NULL;
    cdb *copy = NULL;
    cdb_backup_result res = {0, 0};
    struct stat st, st2;
    int current = 0, known = 0;
    mode_t old_umask;

    snprintf(backup, sizeof backup, "%s/backup.sqlite", fx->dir);
    snprintf(missing, sizeof missing, "%s/no-such-dir/backup.sqlite", fx->dir);
    assert_int_equal(cdb_schema_version(db, &current, &known), CDB_OK);
    /* Committed by another handle and left in its -wal (no checkpoint). */
    assert_int_equal(cdb_open(fx->path, 0, &writer), CDB_OK);
    assert_int_equal(sqlite3_exec(cdb_sqlite(writer), "PRAGMA wal_autocheckpoint = 0", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(exec_sql(writer, "INSERT INTO Groups (gidNumber, cn) VALUES (3000, 'committed')"),
                     CDB_OK);
    /* Not committed while the backup runs: not in it, and not blocking it. */
    assert_int_equal(cdb_tx_begin(writer), CDB_OK);
    assert_int_equal(exec_sql(writer, "INSERT INTO Groups (gidNumber, cn) VALUES (3001, 'pending')"),
                     CDB_OK);

    old_umask = umask(022);
    assert_int_equal(cdb_backup(db, backup, 0, &res), CDB_OK);
    umask(old_umask);
    cdb_tx_commit(writer);
    cdb_close(writer);

    assert_int_equal(stat(backup, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(res.bytes, (int64_t)st.st_size);
    assert_int_equal(res.schema_version, known);
    {
        /* Rollback-journal file (header bytes 18/19 are 1), nothing beside it. */
        size_t len = 0;
        unsigned char *bytes = read_file(backup, &len);
        assert_true(len > 100);
        assert_int_equal(bytes[18], 1);
        assert_int_equal(bytes[19], 1);
        free(bytes);
        char name[450];
        snprintf(name, sizeof name, "%s-wal", backup);
        assert_int_not_equal(access(name, F_OK), 0);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q clusterdb-backup", fx->dir);
        assert_int_not_equal(system(cmd), 0);  /* no temporary file left */
    }
    assert_int_equal(cdb_open(backup, 0, &copy), CDB_OK);
    query_text(cdb_sqlite(copy), "PRAGMA integrity_check", result, sizeof result);
    assert_string_equal(result, "ok");
    assert_int_equal(query_int(cdb_sqlite(copy), "SELECT count(*) FROM Groups WHERE cn = 'committed'"), 1);
    assert_int_equal(query_int(cdb_sqlite(copy), "SELECT count(*) FROM Groups WHERE cn = 'pending'"), 0);
    cdb_close(copy);

    /* An existing file is kept, whole, unless REPLACE. */
    assert_int_equal(cdb_backup(db, backup, 0, &res), CDB_ERR_CONFLICT);
    assert_non_null(strstr(cdb_errmsg(db), backup));
    assert_int_equal(stat(backup, &st2), 0);
    assert_int_equal(st2.st_ino, st.st_ino);
    assert_int_equal(cdb_backup(db, backup, CDB_BACKUP_REPLACE, &res), CDB_OK);
    assert_int_equal(stat(backup, &st2), 0);
    assert_int_not_equal(st2.st_ino, st.st_ino);
    assert_int_equal(cdb_open(backup, 0, &copy), CDB_OK);
    assert_int_equal(query_int(cdb_sqlite(copy), "SELECT count(*) FROM Groups WHERE cn = 'pending'"), 1);
    cdb_close(copy);

    /* A directory that does not exist: the message names the file and why. */
    assert_int_equal(cdb_backup(db, missing, 0, &res), CDB_ERR_IO);
    assert_non_null(strstr(cdb_errmsg(db), missing));
    assert_non_null(strstr(cdb_errmsg(db), "No such file or directory"));
    cdb_close(db);
}

static void test_helpers(void **state)
{
    struct fixture *fx = *state;
    char now[32];
    cdb *db = open_fresh(fx->path);
    cdb_sql_stmt *stmt;
    char *text = (char *)"unset";

    /* "2026-11-26T22:16:04.123Z" */
    cdb_now_iso(now);
    assert_int_equal(strlen(now), 24);
    assert_int_equal(now[4], '-');
    assert_int_equal(now[10], 'T');
    assert_int_equal(now[19], '.');
    assert_int_equal(now[23], 'Z');
    {
        char sqlnow[32];
        query_text(cdb_sqlite(db), "SELECT strftime('%Y-%m-%dT%H:%M', 'now')", sqlnow, sizeof sqlnow);
        /* Same format as the column defaults (barring a minute boundary). */
        if (strncmp(now, sqlnow, 16) != 0) {
            cdb_now_iso(now);
            assert_memory_equal(now, sqlnow, 16);
        }
    }

    assert_null(cdb_strdup_or_null(NULL));
    text = cdb_strdup_or_null("abc");
    assert_string_equal(text, "abc");
    cdb_free(text);
    cdb_free(NULL);

    assert_int_equal(cdb_stmt(db, "SELECT ?1, ?2", &stmt), CDB_OK);
    assert_int_equal(cdb_bind_text(stmt, 1, NULL), CDB_SQL_OK);
    assert_int_equal(cdb_bind_text(stmt, 2, "x\xc3\xa9"), CDB_SQL_OK);
    assert_int_equal(cdb_step(stmt), CDB_SQL_ROW);
    text = (char *)"unset";
    assert_int_equal(cdb_column_strdup(stmt, 0, &text), 0);
    assert_null(text);
    assert_int_equal(cdb_column_strdup(stmt, 1, &text), 0);
    assert_string_equal(text, "x\xc3\xa9");
    cdb_free(text);
    cdb_stmt_done(stmt);

    /* Every status has its own text; unknown ones have one too. */
    for (int a = CDB_ERR_INTERNAL; a <= CDB_OK; a++) {
        assert_non_null(cdb_strerror(a));
        for (int b = CDB_ERR_INTERNAL; b < a; b++)
            assert_string_not_equal(cdb_strerror(a), cdb_strerror(b));
    }
    assert_non_null(cdb_strerror(12345));

    /* Recording a failure, also from the handle's own message. */
    assert_int_equal(cdb_fail(db, CDB_ERR_INVALID, "username", "bad %s", "name"), CDB_ERR_INVALID);
    assert_string_equal(cdb_errmsg(db), "bad name");
    assert_string_equal(cdb_errfield(db), "username");
    assert_int_equal(cdb_fail(db, CDB_ERR_INVALID, cdb_errfield(db), "again: %s", cdb_errmsg(db)),
                     CDB_ERR_INVALID);
    assert_string_equal(cdb_errmsg(db), "again: bad name");
    assert_string_equal(cdb_errfield(db), "username");
    assert_int_equal(cdb_fail(db, CDB_ERR_NOTFOUND, NULL, "gone"), CDB_ERR_NOTFOUND);
    assert_null(cdb_errfield(db));
    assert_non_null(cdb_errmsg(NULL));
    cdb_close(db);
    cdb_close(NULL);
}

static mode_t file_mode(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        fail_msg("stat(%s): %s", path, strerror(errno));
    return st.st_mode & 07777;
}

/* The file holds secrets: created owner-only whatever the umask, its WAL
 * and SHM follow, a missing directory is created 0700, and a file others
 * can read is refused with a message naming path, mode and fix. */
static void test_file_modes(void **state)
{
    struct fixture *fx = *state;
    char dir[400], path[450], wal[460], shm[460];
    mode_t old_umask = umask(022);
    cdb *db = NULL;

    snprintf(dir, sizeof dir, "%s/new", fx->dir);
    snprintf(path, sizeof path, "%s/clusterdb.sqlite", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);

    db = open_fresh(path);
    assert_int_equal(sqlite3_exec(cdb_sqlite(db),
                                  "INSERT INTO Settings(key, value) VALUES ('mode-test', 'x')",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(file_mode(dir), 0700);
    assert_int_equal(file_mode(path), 0600);
    assert_int_equal(file_mode(wal), 0600);
    assert_int_equal(file_mode(shm), 0600);
    cdb_close(db);

    /* Others may read it: refused, and the message says where and how. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(cdb_open(path, 0, &db), CDB_ERR_IO);
    assert_non_null(strstr(cdb_errmsg(db), path));
    assert_non_null(strstr(cdb_errmsg(db), "0644"));
    assert_non_null(strstr(cdb_errmsg(db), "chmod 600"));
    /* The path is named once. */
    assert_null(strstr(strstr(cdb_errmsg(db), path) + strlen(path), path));
    cdb_close(db);
    /* Unless told to. */
    assert_int_equal(cdb_open(path, CDB_OPEN_ALLOW_OTHERS_READ, &db), CDB_OK);
    cdb_close(db);
    setenv("CLUSTERDB_ALLOW_OTHERS_READ", "1", 1);
    assert_int_equal(cdb_open(path, 0, &db), CDB_OK);
    cdb_close(db);
    unsetenv("CLUSTERDB_ALLOW_OTHERS_READ");

    /* Group read for slapd's group, still whatever the umask. */
    umask(077);
    snprintf(path, sizeof path, "%s/group.sqlite", fx->dir);
    assert_int_equal(cdb_open(path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE | CDB_OPEN_GROUP_READ, &db),
                     CDB_OK);
    cdb_close(db);
    assert_int_equal(file_mode(path), 0640);
    assert_int_equal(cdb_open(path, 0, &db), CDB_OK);
    cdb_close(db);
    umask(old_umask);
}

/* A failed open of an empty file leaves it empty. */
static void test_empty_file_not_written(void **state)
{
    struct fixture *fx = *state;
    struct stat st;
    cdb *db = NULL;
    FILE *f = fopen(fx->path, "w");

    assert_non_null(f);
    fclose(f);
    assert_int_equal(chmod(fx->path, 0600), 0);
    assert_int_not_equal(cdb_open(fx->path, 0, &db), CDB_OK);
    assert_non_null(strstr(cdb_errmsg(db), "empty"));
    cdb_close(db);
    assert_int_equal(stat(fx->path, &st), 0);
    assert_int_equal(st.st_size, 0);
}

int main(void)
{
    /* Files the tests make themselves (raw sqlite3) must pass the mode check. */
    umask(077);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_migrate_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_not_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file_without_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_version_refused_and_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_without_migrate_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_violation_is_conflict_with_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraint_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_shapes_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integrity_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_helpers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
