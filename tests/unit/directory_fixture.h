/*
 * A fresh database per test for the directory unit tests: a temporary
 * directory, cdb_open(CREATE|MIGRATE) through the real migration runner, and
 * helpers that look at the file with plain SQL.  Header-only (static
 * functions) so each test program stays one source file.
 */
#ifndef CLUSTERDB_TESTS_DIRECTORY_FIXTURE_H
#define CLUSTERDB_TESTS_DIRECTORY_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <clusterdb/clusterdb.h>
#include <clusterdb/directory.h>

#include "internal.h"
#include "store_sqlite.h"

struct fixture {
    char dir[64];
    char path[128];
    cdb *db;
};

static inline int fixture_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    int rc;

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s", "/tmp/cdb-dir-test.XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/clusterdb.sqlite", f->dir);
    rc = cdb_open(f->path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &f->db);
    if (rc != CDB_OK) {
        fprintf(stderr, "# cdb_open: %s\n", f->db ? cdb_errmsg(f->db) : "no handle");
        cdb_close(f->db);
        rmdir(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static inline void fixture_remove_files(const char *dir, const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char name[160];
    size_t i;

    for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        unlink(name);
    }
    rmdir(dir);
}

static inline int fixture_teardown(void **state)
{
    struct fixture *f = *state;

    if (f == NULL)
        return 0;
    cdb_close(f->db);
    fixture_remove_files(f->dir, f->path);
    free(f);
    return 0;
}

/* One integer from a query without parameters. */
static inline int64_t sql_int(cdb *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int64_t value = -1;

    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

static inline void sql_exec(cdb *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(cdb_sqlite(db), sql, NULL, NULL, &err);

    if (rc != SQLITE_OK)
        fprintf(stderr, "# %s: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    assert_int_equal(rc, SQLITE_OK);
}

/* Row counts of the directory tables, to prove a failure changed nothing. */
struct counts {
    int64_t users, groups, memberships;
};

static inline struct counts take_counts(cdb *db)
{
    struct counts c;

    c.users = sql_int(db, "SELECT COUNT(*) FROM Users");
    c.groups = sql_int(db, "SELECT COUNT(*) FROM Groups");
    c.memberships = sql_int(db, "SELECT COUNT(*) FROM UserGroups");
    return c;
}

static inline void assert_integrity(cdb *db)
{
    sqlite3_stmt *stmt = NULL;

    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), "PRAGMA integrity_check", -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
    sqlite3_finalize(stmt);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    /* No transaction may be left open by a failed call. */
    assert_int_not_equal(sqlite3_get_autocommit(cdb_sqlite(db)), 0);
}

static inline void assert_unchanged(cdb *db, struct counts before)
{
    struct counts after = take_counts(db);

    assert_int_equal(after.users, before.users);
    assert_int_equal(after.groups, before.groups);
    assert_int_equal(after.memberships, before.memberships);
    assert_integrity(db);
}

/* A user input with only a username; tests fill in the rest. */
static inline cdb_user_input user_input(const char *username)
{
    cdb_user_input in;

    memset(&in, 0, sizeof in);
    in.username = username;
    in.status = -1;
    return in;
}

static inline int64_t add_user(cdb *db, const char *username, int by_admin)
{
    cdb_user_input in = user_input(username);
    int64_t uid = -1;
    int rc = cdb_user_create(db, &in, by_admin, &uid);

    if (rc != CDB_OK)
        fprintf(stderr, "# create %s: %s\n", username, cdb_errmsg(db));
    assert_int_equal(rc, CDB_OK);
    return uid;
}

/* Wait until the millisecond clock has moved on, so updatedAt can change. */
static inline void next_millisecond(void)
{
    usleep(3000);
}

#endif
