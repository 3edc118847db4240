/*
 * store_engine.h: the seam between the store (store.c: the handle, its
 * statement cache, transactions and the open policy) and one SQL engine
 * (store_sqlite.c ...).  An engine fills one cdb_engine table; nothing
 * outside store.c and the engine files sees it.  Not installed.
 */
#ifndef CLUSTERDB_STORE_ENGINE_H
#define CLUSTERDB_STORE_ENGINE_H

#include <stdbool.h>

#include "sql.h"

typedef struct cdb_engine cdb_engine;

/* One step of an engine's schema: migrations/[ENGINE/]NNNN_name.sql,
 * embedded at build time (scripts/embed-migrations.sh). */
struct cdb_migration {
    int version;
    const char *name;
    const char *sql;
};

struct cdb_sql_stmt {
    const cdb_engine *engine;
    char *sql;          /* the text the caller gave: the cache key */
    bool transient;     /* not cached: cdb_stmt_done() frees it */
    void *native;       /* the engine's statement */
};

/*
 * Engine operations.  `conn` is the engine's connection, `native` its
 * statement.  Codes follow sql.h: CDB_SQL_OK/ROW/DONE or an engine code that
 * only the same engine's fail() decodes.
 */
struct cdb_engine {
    const char *name;
    /* Connect to `target` (for SQLite a file path) under the cdb_open flags,
     * applying the engine's policy (file modes, pragmas).  A failure is
     * recorded on db; *conn may be set even then and is closed by the caller. */
    int (*open)(cdb *db, const char *target, unsigned flags, void **conn);
    void (*close)(void *conn);
    /* Prepare one statement; a failure (including a second statement in
     * the text) is recorded on db. */
    int (*prepare)(cdb *db, void *conn, const char *sql, void **native);
    void (*finalize)(void *native);
    void (*reset)(void *native);  /* also clears the bindings */
    int (*step)(void *native);
    int (*bind_int64)(void *native, int index, int64_t value);
    int (*bind_text)(void *native, int index, const char *text);
    int (*bind_null)(void *native, int index);
    int64_t (*col_int64)(void *native, int col);
    const char *(*col_text)(void *native, int col);
    size_t (*col_bytes)(void *native, int col);
    int (*col_is_null)(void *native, int col);
    int (*col_count)(void *native);
    int64_t (*changes)(void *conn);
    int64_t (*last_insert_id)(void *conn);
    bool (*in_transaction)(void *conn);
    /* ROLLBACK outside the statement cache: it must work with memory short. */
    void (*rollback)(void *conn);
    int (*fail)(cdb *db, void *conn, int engine_rc, const char *context);
    void (*set_busy_timeout)(void *conn, int milliseconds);
    int (*checkpoint)(cdb *db, void *conn);  /* NULL: nothing to checkpoint */
    /* A write transaction that holds the write lock from its start, so that
     * what is read inside (max()+1 allocations) is still true when written;
     * a read transaction reads one snapshot.  Either as one statement the
     * store prepares and caches (begin_*_sql), or, where BEGIN takes more
     * than one statement, run by the engine (begin). */
    const char *begin_write_sql;
    const char *begin_read_sql;
    int (*begin)(cdb *db, void *conn, bool write);
    /* One row, one column: how many tables the database has besides the
     * engine's own (a database with tables but no schema is someone else's). */
    const char *count_tables_sql;
    /* One row, one column, one parameter (a table name): 1 if it exists. */
    const char *table_exists_sql;
    /* The engine's schema steps in order, and how to run one (a script of
     * several statements, inside the write transaction the runner holds). */
    const struct cdb_migration *migrations;
    const size_t *n_migrations;
    int (*exec_script)(cdb *db, void *conn, const char *sql);
};

/* The handle's engine and its connection, for migrate.c. */
const cdb_engine *cdb_engine_of(const cdb *db);
void *cdb_engine_conn(const cdb *db);

/* For engines decoding a unique violation: CDB_ERR_CONFLICT said as a rule
 * naming the key ("Users.mail", "Containers.nodeId,containerId", or an
 * index name), with the key as the field. */
int cdb_fail_unique(cdb *db, const char *key);
/* For engines decoding a rule broken on a field: the "Table.column" that
 * starts text ("Table.column: why", raised by the schema's own triggers
 * and checks, or a constraint named so) into out; false when it does not. */
bool cdb_field_from_text(const char *text, char *out, size_t out_size);

extern const cdb_engine cdb_engine_sqlite;
extern const cdb_engine cdb_engine_postgresql;
extern const cdb_engine cdb_engine_mariadb;

#endif
