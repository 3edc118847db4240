/*
 * Helpers shared by the cluster models (sites.c, nodes.c, domains.c,
 * containers.c, services.c, jobs.c).  Not installed; core/ only.
 */
#ifndef CLUSTERDB_CLUSTER_INTERNAL_H
#define CLUSTERDB_CLUSTER_INTERNAL_H

#include <stdint.h>

#include <clusterdb/cluster.h>

#include "internal.h"

/*
 * Field checks.  Each returns CDB_OK or records CDB_ERR_INVALID naming `field`
 * and the rule.  The value itself is never quoted in the message: it may be a
 * secret, or a megabyte of garbage.
 */
/* Optional (NULL allowed) unless `required`; when present: valid UTF-8, no
 * control characters, not empty, at most max_bytes. */
int cm_check_text(cdb *db, const char *field, const char *value, int required, size_t max_bytes);
/* As above but newlines, carriage returns and tabs are allowed. */
int cm_check_multiline(cdb *db, const char *field, const char *value, int required,
                       size_t max_bytes);
int cm_check_ipv4(cdb *db, const char *field, const char *value, int required);
/* Number within [min, max]. */
int cm_check_range(cdb *db, const char *field, int64_t value, int64_t min, int64_t max);
/* 0 or 1. */
int cm_check_bool(cdb *db, const char *field, int value);

/* One RFC 1123 label: [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?, lower case only so
 * that the UNIQUE index sees every spelling of a name as the same name. */
int cm_valid_label(const char *s);
/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF);
 * control characters other than \t \n \r are refused, as is \t\n\r itself
 * when !allow_newlines.  At most max_bytes. */
/* Dotted-quad IPv4 to a host-order number; 0 on success, -1 if not IPv4. */
int cm_parse_ipv4(const char *s, uint32_t *out);

/*
 * CDB_OK if `sql` (one ?1 = id parameter) returns a row; otherwise records
 * CDB_ERR_CONSTRAINT naming `field` ("siteId: no Sites row with id 7").
 */
int cm_require_row(cdb *db, const char *sql, int64_t id, const char *field, const char *table);
/* Count rows of `sql` (one ?1 = id parameter, SELECT count(*)). */
int cm_count(cdb *db, const char *sql, int64_t id, int64_t *count_out);

/* Step a write statement to SQLITE_DONE and release it.  Returns a status
 * (the store maps UNIQUE to CDB_ERR_CONFLICT naming the key). */
int cm_exec(cdb *db, sqlite3_stmt *stmt, const char *context);
/* Like cm_exec but CDB_ERR_NOTFOUND (naming "id") when no row changed. */
int cm_exec_one(cdb *db, sqlite3_stmt *stmt, const char *context, const char *table, int64_t id);

/* Prepare `sql`, bind ?1 = id, run it; CDB_ERR_NOTFOUND when no row changed. */
int cm_exec_id(cdb *db, const char *sql, int64_t id, const char *context, const char *table);

/* Keep the first bind error: cm_bind(&rc, sqlite3_bind_int64(...)). */
static inline void cm_bind(int *acc, int rc)
{
    if (*acc == SQLITE_OK)
        *acc = rc;
}
/* Bind an id, or NULL when it is 0 (an unset nullable foreign key). */
int cm_bind_id_or_null(sqlite3_stmt *stmt, int index, int64_t id);
/* After binding: CDB_OK, or record the failure. */
int cm_bind_status(cdb *db, int bind_rc);

/* Duplicate a column into *dst; -1 (and *dst untouched) when memory runs out. */
int cm_col(sqlite3_stmt *stmt, int col, char **dst);

/* A growable array of pointers for the list functions. */
typedef struct cm_vec {
    void **items;
    size_t n;
    size_t cap;
} cm_vec;
int cm_vec_push(cm_vec *vec, void *item);

typedef int (*cm_row_fn)(sqlite3_stmt *stmt, void **out); /* 0, or -1 on ENOMEM */
typedef void (*cm_free_fn)(void *item);
/* Free every item and the vector itself. */
void cm_vec_clear(cm_vec *vec, cm_free_fn free_item);
/* Step a bound query to the end, turning each row into an item.  Releases the
 * statement.  On failure the vector is cleared. */
int cm_collect(cdb *db, sqlite3_stmt *stmt, cm_row_fn row, cm_free_fn free_item, cm_vec *vec);
/* Step a bound query expected to give at most one row; CDB_ERR_NOTFOUND
 * (field "id", "no <what> <key>") when it gives none.  Releases the statement. */
int cm_fetch_one(cdb *db, sqlite3_stmt *stmt, cm_row_fn row, void **out, const char *what);

/* Prepare `sql`, bind ?1 = key, fetch one row / collect all rows. */
int cm_get_id(cdb *db, const char *sql, int64_t key, cm_row_fn row, void **out, const char *what);
int cm_list_id(cdb *db, const char *sql, int64_t key, cm_row_fn row, cm_free_fn free_item,
               cm_vec *vec);

/* Hand the items of `vec` to the caller as a T ** array (one allocation, the
 * items keep theirs).  The vector is empty afterwards either way. */
#define CM_VEC_EXPORT(db, vec, T, out, n_out, free_item, status)                          \
    do {                                                                                  \
        T **arr_ = malloc(((vec).n ? (vec).n : 1) * sizeof *arr_);                         \
        if (!arr_) {                                                                      \
            cm_vec_clear(&(vec), (free_item));                                            \
            (status) = cdb_fail((db), CDB_ERR_NOMEM, NULL, "out of memory");               \
            break;                                                                        \
        }                                                                                 \
        for (size_t i_ = 0; i_ < (vec).n; i_++)                                           \
            arr_[i_] = (vec).items[i_];                                                   \
        *(out) = arr_;                                                                    \
        *(n_out) = (vec).n;                                                               \
        free((vec).items);                                                                \
        (vec).items = NULL;                                                               \
        (vec).n = (vec).cap = 0;                                                          \
    } while (0)

/* End a write transaction: commit when status is CDB_OK, else roll back.
 * Returns the final status. */
int cm_tx_end(cdb *db, int status);

/* Insert a pending job inside the caller's transaction, recording the
 * target of a "container:<id>" resource (jobs.c). */
int cm_job_insert(cdb *db, const char *name, const char *associated_resource, int64_t *id_out);

#endif
