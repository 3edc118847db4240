/*
 * The database a store-level unit test runs on, fresh for each test, and
 * plain-SQL helpers that look at it through the store's own statement
 * interface (core/src/sql.h), so one test runs on every engine.
 *
 * By default a SQLite file in a temporary directory.  When
 * CLUSTERDB_TEST_DB holds a server engine's URI (tests/unit/
 * on_server_engines.sh sets it), that database is used instead, emptied
 * before each test by the shell command in CLUSTERDB_TEST_DB_RESET; the
 * temporary directory still exists for the test's other files.  SQL given
 * to the helpers is written as the models write theirs (SQLite's spelling);
 * the store translates it for the engine.
 *
 * Header-only (static functions) so each test program stays one source
 * file.  Include after <cmocka.h>.
 */
#ifndef CLUSTERDB_TESTS_TMPDIR_FIXTURE_H
#define CLUSTERDB_TESTS_TMPDIR_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/clusterdb.h>

#include "internal.h"

struct fixture {
    char dir[256];
    char path[512]; /* dir/clusterdb.sqlite, or the server engine's URI */
    cdb *db;        /* NULL unless opened by tmpdir_setup_open() */
};

/* The server engine's database the tests run on, or NULL for SQLite files. */
static inline const char *fixture_server_uri(void)
{
    const char *uri = getenv("CLUSTERDB_TEST_DB");

    return uri != NULL && uri[0] != '\0' ? uri : NULL;
}

/* Nonzero when the tests run on SQLite files: for the checks that look at
 * SQLite itself (query plans, its pragmas, its files). */
static inline int fixture_on_sqlite(void)
{
    return fixture_server_uri() == NULL;
}

/* Skip the calling test, saying why, unless it runs on SQLite. */
#define SKIP_UNLESS_SQLITE(why)                                                       \
    do {                                                                              \
        if (!fixture_on_sqlite()) {                                                   \
            fprintf(stderr, "# %s skipped on a server engine: %s\n", __func__, why); \
            skip();                                                                   \
        }                                                                             \
    } while (0)

/* Make $TMPDIR/<name>.XXXXXX (TMPDIR defaults to /tmp); on a server engine
 * empty its database. */
static inline int tmpdir_setup(void **state, const char *name)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    const char *tmp = getenv("TMPDIR");
    const char *uri = fixture_server_uri();
    const char *reset = getenv("CLUSTERDB_TEST_DB_RESET");

    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    if (uri == NULL) {
        snprintf(fx->path, sizeof fx->path, "%s/clusterdb.sqlite", fx->dir);
    } else {
        snprintf(fx->path, sizeof fx->path, "%s", uri);
        if (reset == NULL || system(reset) != 0) {
            fprintf(stderr, "# CLUSTERDB_TEST_DB_RESET failed or is not set\n");
            return -1;
        }
    }
    *state = fx;
    return 0;
}

/* As tmpdir_setup, then create and migrate the database. */
static inline int tmpdir_setup_open(void **state, const char *name)
{
    struct fixture *fx;

    if (tmpdir_setup(state, name) != 0)
        return -1;
    fx = *state;
    if (cdb_open(fx->path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &fx->db) != CDB_OK) {
        fprintf(stderr, "# open: %s\n", cdb_errmsg(fx->db));
        return -1;
    }
    return 0;
}

/* Close the database (if open) and remove the directory with everything in it. */
static inline int tmpdir_teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[400];

    if (fx == NULL)
        return 0;
    cdb_close(fx->db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

/* ---- plain SQL, as another writer of the database would run it ---------- */

/* Run one statement (rows read and dropped); the store's status. */
static inline int fixture_sql_try(cdb *db, const char *sql)
{
    cdb_sql_stmt *stmt = NULL;
    int rc = cdb_stmt_once(db, sql, &stmt);

    if (rc != CDB_OK)
        return rc;
    while ((rc = cdb_step(stmt)) == CDB_SQL_ROW)
        ;
    rc = rc == CDB_SQL_DONE ? CDB_OK : cdb_fail_sql(db, rc, "test statement");
    cdb_stmt_done(stmt);
    return rc;
}

/* The same, failing the test unless it succeeds. */
static inline void sql_exec(cdb *db, const char *sql)
{
    int rc = fixture_sql_try(db, sql);

    if (rc != CDB_OK)
        fail_msg("%s: %d %s", sql, rc, cdb_errmsg(db));
}

/* The first column of the first row of a query without parameters as an
 * integer; -1 when there is no row. */
static inline int64_t sql_int(cdb *db, const char *sql)
{
    cdb_sql_stmt *stmt = NULL;
    int64_t value = -1;
    int rc;

    if (cdb_stmt_once(db, sql, &stmt) != CDB_OK)
        fail_msg("%s: %s", sql, cdb_errmsg(db));
    rc = cdb_step(stmt);
    if (rc == CDB_SQL_ROW)
        value = cdb_col_int64(stmt, 0);
    else if (rc != CDB_SQL_DONE)
        fail_msg("%s: %d %s", sql, cdb_fail_sql(db, rc, "test query"), cdb_errmsg(db));
    cdb_stmt_done(stmt);
    return value;
}

/* The same as text, malloc'd (NULL for SQL NULL or no row); free() it. */
static inline char *sql_text(cdb *db, const char *sql)
{
    cdb_sql_stmt *stmt = NULL;
    char *value = NULL;
    int rc;

    if (cdb_stmt_once(db, sql, &stmt) != CDB_OK)
        fail_msg("%s: %s", sql, cdb_errmsg(db));
    rc = cdb_step(stmt);
    if (rc == CDB_SQL_ROW && cdb_col_text(stmt, 0) != NULL)
        value = strdup(cdb_col_text(stmt, 0));
    else if (rc != CDB_SQL_ROW && rc != CDB_SQL_DONE)
        fail_msg("%s: %d %s", sql, cdb_fail_sql(db, rc, "test query"), cdb_errmsg(db));
    cdb_stmt_done(stmt);
    return value;
}

/*
 * The database is consistent and the handle has no transaction left open
 * (a failed call must have rolled back).  SQLite is asked to check its file
 * and its foreign keys; a server engine enforces both on every statement.
 */
static inline void assert_integrity(cdb *db)
{
    if (fixture_on_sqlite()) {
        char *check = sql_text(db, "PRAGMA integrity_check");

        assert_non_null(check);
        assert_string_equal(check, "ok");
        free(check);
        assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    }
    /* Nesting is refused: a transaction still open would make this fail. */
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    cdb_tx_rollback(db);
}

#endif
