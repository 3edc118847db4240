/*
 * Helpers shared by the cluster models (sites.c, nodes.c, domains.c,
 * containers.c, services.c, jobs.c).  Not installed; core/ only.
 */
#ifndef CLUSTERDB_CLUSTER_INTERNAL_H
#define CLUSTERDB_CLUSTER_INTERNAL_H

#include <stddef.h>
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
/* 0 or 1. */
int cm_check_bool(cdb *db, const char *field, int value);

/* One RFC 1123 label: [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?, lower case only so
 * that the UNIQUE index sees every spelling of a name as the same name. */
int cm_valid_label(const char *s);
/* Dotted-quad IPv4 to a host-order number; 0 on success, -1 if not IPv4. */
int cm_parse_ipv4(const char *s, uint32_t *out);

/*
 * CDB_OK if `sql` (one ?1 = id parameter) returns a row; otherwise records
 * CDB_ERR_CONSTRAINT naming `field` ("siteId: no Sites row with id 7").
 */
int cm_require_row(cdb *db, const char *sql, int64_t id, const char *field, const char *table);
/* Count rows of `sql` (one ?1 = id parameter, SELECT count(*)). */
int cm_count(cdb *db, const char *sql, int64_t id, int64_t *count_out);

/* After a write that moves a domain to another site (domain_id), a
 * container to another node (container_id) or a node to another site
 * (node_id; 0 for what did not move):
 * CDB_ERR_INVALID naming `field` when an HTTP service of that domain or
 * container would use an external domain of another site than its
 * container's.  Call inside the writer's transaction, then roll back. */
int cm_check_http_sites(cdb *db, int64_t domain_id, int64_t container_id, int64_t node_id,
                        const char *field);

/* Step a write statement to CDB_SQL_DONE and release it.  Returns a status
 * (the store maps UNIQUE to CDB_ERR_CONFLICT naming the key). */
int cm_exec(cdb *db, cdb_sql_stmt *stmt, const char *context);
/* Like cm_exec but CDB_ERR_NOTFOUND (naming "id") when no row changed. */
int cm_exec_one(cdb *db, cdb_sql_stmt *stmt, const char *context, const char *table, int64_t id);

/* Prepare `sql`, bind ?1 = id, run it; CDB_ERR_NOTFOUND when no row changed. */
int cm_exec_id(cdb *db, const char *sql, int64_t id, const char *context, const char *table);

/* Keep the first bind error: cm_bind(&rc, cdb_bind_int64(...)). */
static inline void cm_bind(int *acc, int rc)
{
    if (*acc == CDB_SQL_OK)
        *acc = rc;
}
/* Bind an id, or NULL when it is 0 (an unset nullable foreign key). */
int cm_bind_id_or_null(cdb_sql_stmt *stmt, int index, int64_t id);
/* After binding: CDB_OK, or record the failure. */
int cm_bind_status(cdb *db, int bind_rc);

/* Duplicate a column into *dst; -1 (and *dst untouched) when memory runs out. */
int cm_col(cdb_sql_stmt *stmt, int col, char **dst);

/* A growable array of pointers for the list functions. */
typedef struct cm_vec {
    void **items;
    size_t n;
    size_t cap;
} cm_vec;

typedef int (*cm_row_fn)(cdb_sql_stmt *stmt, void **out); /* 0, or -1 on ENOMEM */
typedef void (*cm_free_fn)(void *item);

/*
 * A cluster table described once: SELECT column i of the model's statements
 * lands in fields[i] of a struct of `size` bytes.  cluster_model.c reads,
 * frees and collects rows of every model from this description.
 */
typedef enum cm_kind {
    CM_INT64,  /* int64_t; NULL reads as 0 */
    CM_BOOL,   /* int, 0 or 1 */
    CM_ENUM,   /* an enum stored by name; `names` lists them in value order */
    CM_TEXT,   /* char *, owned */
    CM_SECRET, /* char *, owned, wiped when freed */
} cm_kind;
typedef struct cm_enum_names {
    const char *const *names;
    size_t n;
} cm_enum_names;
typedef struct cm_field {
    cm_kind kind;
    size_t offset;
    const cm_enum_names *names;
} cm_field;
#define CM_FIELD(kind, T, member) {(kind), offsetof(T, member), NULL}
#define CM_ENUM_FIELD(T, member, enum_names) {CM_ENUM, offsetof(T, member), &(enum_names)}

typedef struct cm_model {
    const char *what; /* "site", "external domain": for messages */
    size_t size;
    const cm_field *fields;
    size_t n_fields;
    /* Rows whose columns depend on a type column (services) are read and
     * freed by hand; fields is then NULL. */
    cm_row_fn read_row;
    cm_free_fn free_row;
} cm_model;
#define CM_MODEL(what, T, fields) {(what), sizeof(T), (fields), sizeof(fields) / sizeof((fields)[0]), NULL, NULL}

extern const cm_enum_names cm_job_status_enum;
extern const cm_enum_names cm_container_status_enum;

void cm_model_free(const cm_model *m, void *row);

/* The public free functions of a model's struct (T_free and T_array_free),
 * written once here rather than once per table. */
#define CM_MODEL_ARRAY_FREE_FUNCTION(model, T, array_free_fn)                              \
    void array_free_fn(T **rows, size_t n)                                                \
    {                                                                                     \
        if (!rows)                                                                        \
            return;                                                                       \
        for (size_t i_ = 0; i_ < n; i_++)                                                 \
            cm_model_free(&(model), rows[i_]);                                            \
        free(rows);                                                                       \
    }
#define CM_MODEL_FREE_FUNCTIONS(model, T, free_fn, array_free_fn)                          \
    void free_fn(T *row)                                                                  \
    {                                                                                     \
        cm_model_free(&(model), row);                                                     \
    }                                                                                     \
    CM_MODEL_ARRAY_FREE_FUNCTION(model, T, array_free_fn)

/* Free every item and the vector itself. */
void cm_vec_clear(cm_vec *vec, const cm_model *m);
/* Step a bound query to the end, turning each row into an item.  Releases the
 * statement.  On failure the vector is cleared.  A statement whose column
 * count differs from the model's fails with CDB_ERR_INTERNAL. */
int cm_collect(cdb *db, cdb_sql_stmt *stmt, const cm_model *m, cm_vec *vec);
/* Step a bound query expected to give at most one row; CDB_ERR_NOTFOUND
 * (field "id", "no such <what>") when it gives none.  Releases the statement. */
int cm_fetch_one(cdb *db, cdb_sql_stmt *stmt, const cm_model *m, void **out);

/* Prepare `sql`, bind ?1 = key, fetch one row / collect all rows. */
int cm_get_id(cdb *db, const char *sql, int64_t key, const cm_model *m, void **out);
int cm_list_id(cdb *db, const char *sql, int64_t key, const cm_model *m, cm_vec *vec);

/* Hand the items of `vec` to the caller as a T ** array (one allocation, the
 * items keep theirs).  The vector is empty afterwards either way. */
#define CM_VEC_EXPORT(db, vec, T, out, n_out, model, status)                          \
    do {                                                                                  \
        T **arr_ = malloc(((vec).n ? (vec).n : 1) * sizeof *arr_);                         \
        if (!arr_) {                                                                      \
            cm_vec_clear(&(vec), &(model));                                                  \
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
