/*
 * cluster_model.c: a cluster table described once (which SELECT column lands
 * in which struct member, as what) and the code that serves every such table:
 * turning a row into its struct, freeing it, collecting a result.  Each model
 * file keeps only its description, its validation and its statements.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"

/* Enum members are written through an int: the enums hold small values. */
static_assert(sizeof(cdb_job_status) == sizeof(int), "enum stored as int");
static_assert(sizeof(cdb_container_status) == sizeof(int), "enum stored as int");

static int read_enum(const cm_enum_names *names, const char *text)
{
    /* The schema's CHECK constraints keep the column to the known names; an
     * unknown one (a newer schema) reads as the first. */
    for (size_t i = 0; text && i < names->n; i++)
        if (strcmp(names->names[i], text) == 0)
            return (int)i;
    return 0;
}

/* A row of m's struct from st's columns: 0, or -1 on ENOMEM. */
static int cm_model_row(const cm_model *m, cdb_sql_stmt *st, void **out)
{
    char *row;

    if (m->read_row)
        return m->read_row(st, out);
    if (!(row = calloc(1, m->size)))
        return -1;
    for (size_t i = 0; i < m->n_fields; i++) {
        const cm_field *f = &m->fields[i];
        void *member = row + f->offset;
        int col = (int)i;

        switch (f->kind) {
        case CM_INT64:
            *(int64_t *)member = cdb_col_int64(st, col); /* NULL reads as 0 */
            break;
        case CM_BOOL:
            *(int *)member = cdb_col_int(st, col) != 0;
            break;
        case CM_ENUM:
            *(int *)member = read_enum(f->names, cdb_col_text(st, col));
            break;
        case CM_TEXT:
        case CM_SECRET:
            if (cm_col(st, col, (char **)member) != 0) {
                cm_model_free(m, row);
                return -1;
            }
            break;
        }
    }
    *out = row;
    return 0;
}

void cm_model_free(const cm_model *m, void *p)
{
    char *row = p;

    if (!row)
        return;
    if (m->free_row) {
        m->free_row(row);
        return;
    }
    for (size_t i = 0; i < m->n_fields; i++) {
        char **text = (char **)(row + m->fields[i].offset);
        if (m->fields[i].kind == CM_TEXT)
            free(*text);
        else if (m->fields[i].kind == CM_SECRET)
            cdb_free_secret(*text);
    }
    free(row);
}

/* A statement whose column list drifted from its model would fill the wrong
 * members: refuse it before reading a row. */
static int check_columns(cdb *db, const cm_model *m, cdb_sql_stmt *stmt)
{
    if (m->n_fields && cdb_col_count(stmt) != (int)m->n_fields)
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL,
                        "a %s query returns %d columns where the model has %zu", m->what,
                        cdb_col_count(stmt), m->n_fields);
    return CDB_OK;
}

static int cm_vec_push(cm_vec *vec, void *item)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 16;
        void **items = realloc(vec->items, cap * sizeof *items);
        if (!items)
            return -1;
        vec->items = items;
        vec->cap = cap;
    }
    vec->items[vec->n++] = item;
    return 0;
}

void cm_vec_clear(cm_vec *vec, const cm_model *m)
{
    for (size_t i = 0; i < vec->n; i++)
        cm_model_free(m, vec->items[i]);
    free(vec->items);
    vec->items = NULL;
    vec->n = vec->cap = 0;
}

int cm_collect(cdb *db, cdb_sql_stmt *stmt, const cm_model *m, cm_vec *vec)
{
    int rc = CDB_SQL_DONE, status = check_columns(db, m, stmt);

    while (status == CDB_OK && (rc = cdb_step(stmt)) == CDB_SQL_ROW) {
        void *item = NULL;
        if (cm_model_row(m, stmt, &item) != 0) {
            status = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        if (cm_vec_push(vec, item) != 0) {
            cm_model_free(m, item);
            status = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
            break;
        }
    }
    if (status == CDB_OK && rc != CDB_SQL_DONE)
        status = cdb_fail_sql(db, rc, "reading rows");
    cdb_stmt_done(stmt);
    if (status != CDB_OK)
        cm_vec_clear(vec, m);
    return status;
}

int cm_fetch_one(cdb *db, cdb_sql_stmt *stmt, const cm_model *m, void **out)
{
    int status = check_columns(db, m, stmt);
    int rc;
    void *item = NULL;

    if (status != CDB_OK) {
        cdb_stmt_done(stmt);
        return status;
    }
    rc = cdb_step(stmt);
    if (rc == CDB_SQL_ROW) {
        if (cm_model_row(m, stmt, &item) != 0) {
            status = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
        } else {
            *out = item;
            status = CDB_OK;
        }
    } else if (rc == CDB_SQL_DONE) {
        status = cdb_fail(db, CDB_ERR_NOTFOUND, "id", "no such %s", m->what);
    } else {
        status = cdb_fail_sql(db, rc, m->what);
    }
    cdb_stmt_done(stmt);
    return status;
}

/* Prepare sql and bind ?1 = key. */
static int prepare_keyed(cdb *db, const char *sql, int64_t key, cdb_sql_stmt **st)
{
    int status = cdb_stmt(db, sql, st);

    if (status != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, cdb_bind_int64(*st, 1, key))) != CDB_OK)
        cdb_stmt_done(*st);
    return status;
}

int cm_get_id(cdb *db, const char *sql, int64_t key, const cm_model *m, void **out)
{
    cdb_sql_stmt *st = NULL;
    int status = prepare_keyed(db, sql, key, &st);

    return status != CDB_OK ? status : cm_fetch_one(db, st, m, out);
}

int cm_list_id(cdb *db, const char *sql, int64_t key, const cm_model *m, cm_vec *vec)
{
    cdb_sql_stmt *st = NULL;
    int status = prepare_keyed(db, sql, key, &st);

    return status != CDB_OK ? status : cm_collect(db, st, m, vec);
}
