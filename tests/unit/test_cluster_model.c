/*
 * Unit tests of the model-driven row code (core/src/cluster_model.c): a row
 * lands in the members its field list names, as the kind it names, and a
 * statement whose column list does not match its model is refused before a
 * row is read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <clusterdb/clusterdb.h>

#include "cluster_internal.h"
#include "tmpdir_fixture.h"

typedef struct probe {
    int64_t number;
    int flag;
    cdb_job_status status;
    char *text;
    char *secret;
} probe;

static const cm_field probe_fields[] = {
    CM_FIELD(CM_INT64, probe, number),
    CM_FIELD(CM_BOOL, probe, flag),
    CM_ENUM_FIELD(probe, status, cm_job_status_enum),
    CM_FIELD(CM_TEXT, probe, text),
    CM_FIELD(CM_SECRET, probe, secret),
};
static const cm_model probe_model = CM_MODEL("probe", probe, probe_fields);

static int setup(void **state)
{
    return tmpdir_setup_open(state, "cdb-model");
}

static int teardown(void **state)
{
    return tmpdir_teardown(state);
}

static int prepare(cdb *db, const char *sql, cdb_sql_stmt **st)
{
    return cdb_stmt(db, sql, st);
}

static void test_row_lands_in_named_members(void **state)
{
    struct fixture *fx = *state;
    cdb_sql_stmt *st = NULL;
    cm_vec vec = {0};

    assert_int_equal(prepare(fx->db,
                             "SELECT 42, 7, 'cancelled', 'text', 's3cret' UNION ALL "
                             "SELECT NULL, 0, 'no-such-status', NULL, NULL",
                             &st),
                     CDB_OK);
    assert_int_equal(cm_collect(fx->db, st, &probe_model, &vec), CDB_OK);
    assert_int_equal(vec.n, 2);
    probe *a = vec.items[0], *b = vec.items[1];
    assert_int_equal(a->number, 42);
    assert_int_equal(a->flag, 1);
    assert_int_equal(a->status, CDB_JOB_CANCELLED);
    assert_string_equal(a->text, "text");
    assert_string_equal(a->secret, "s3cret");
    assert_int_equal(b->number, 0);
    assert_int_equal(b->flag, 0);
    assert_int_equal(b->status, CDB_JOB_PENDING); /* unknown names read as the first */
    assert_null(b->text);
    assert_null(b->secret);
    cm_vec_clear(&vec, &probe_model);
}

static void test_column_count_mismatch_refused(void **state)
{
    struct fixture *fx = *state;
    cdb_sql_stmt *st = NULL;
    cm_vec vec = {0};
    void *one = NULL;

    assert_int_equal(prepare(fx->db, "SELECT 1, 0, 'pending', 'x'", &st), CDB_OK);
    assert_int_equal(cm_collect(fx->db, st, &probe_model, &vec), CDB_ERR_INTERNAL);
    assert_int_equal(vec.n, 0);
    assert_non_null(strstr(cdb_errmsg(fx->db), "probe"));
    assert_int_equal(prepare(fx->db, "SELECT 1, 0, 'pending', 'x', 'y', 'z'", &st), CDB_OK);
    assert_int_equal(cm_fetch_one(fx->db, st, &probe_model, &one), CDB_ERR_INTERNAL);
    assert_null(one);
}

static void test_fetch_one_not_found_names_model(void **state)
{
    struct fixture *fx = *state;
    void *one = NULL;

    assert_int_equal(cm_get_id(fx->db, "SELECT 1, 0, 'pending', 'x', 'y' WHERE ?1 = 2", 1,
                               &probe_model, &one),
                     CDB_ERR_NOTFOUND);
    assert_non_null(strstr(cdb_errmsg(fx->db), "no such probe"));
    assert_int_equal(cm_get_id(fx->db, "SELECT ?1, 1, 'running', 'x', 'y'", 9, &probe_model, &one),
                     CDB_OK);
    assert_int_equal(((probe *)one)->number, 9);
    assert_int_equal(((probe *)one)->status, CDB_JOB_RUNNING);
    cm_model_free(&probe_model, one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_row_lands_in_named_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_column_count_mismatch_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_one_not_found_names_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
