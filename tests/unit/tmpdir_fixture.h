/*
 * A temporary directory per test, with the path of a database file inside it
 * (not created), and optionally that file opened through the real migration
 * runner.  Shared by the store-level unit tests; header-only (static
 * functions) so each test program stays one source file.  Include after
 * <cmocka.h> and <clusterdb/clusterdb.h>.
 */
#ifndef CLUSTERDB_TESTS_TMPDIR_FIXTURE_H
#define CLUSTERDB_TESTS_TMPDIR_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

struct fixture {
    char dir[256];
    char path[300]; /* dir/clusterdb.sqlite */
    cdb *db;        /* NULL unless opened by tmpdir_setup_open() */
};

/* Make $TMPDIR/<name>.XXXXXX (TMPDIR defaults to /tmp). */
static inline int tmpdir_setup(void **state, const char *name)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    const char *tmp = getenv("TMPDIR");

    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof fx->path, "%s/clusterdb.sqlite", fx->dir);
    *state = fx;
    return 0;
}

/* As tmpdir_setup, then create and migrate the database file. */
static inline int tmpdir_setup_open(void **state, const char *name)
{
    struct fixture *fx;

    if (tmpdir_setup(state, name) != 0)
        return -1;
    fx = *state;
    if (cdb_open(fx->path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &fx->db) != CDB_OK) {
        fprintf(stderr, "open: %s\n", cdb_errmsg(fx->db));
        return -1;
    }
    return 0;
}

/* Close the database (if open) and remove the directory with everything in it. */
static inline int tmpdir_teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[400];

    cdb_close(fx->db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

#endif
