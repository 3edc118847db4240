/*
 * A fresh database per test for the directory unit tests (tmpdir_fixture.h:
 * a SQLite file, or a server engine's database), migrated by the real
 * migration runner, and what the directory tests check with plain SQL.
 * Header-only (static functions) so each test program stays one source file.
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
#include "tmpdir_fixture.h"

static inline int fixture_setup(void **state)
{
    return tmpdir_setup_open(state, "cdb-dir-test");
}

static inline int fixture_teardown(void **state)
{
    return tmpdir_teardown(state);
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
