/*
 * sql.h: the statement interface the models use, the same for every SQL
 * engine.  The models prepare, bind, step and read columns through these
 * calls only; which engine runs them is the handle's business (store.c and
 * the engine files behind store_engine.h).  Not installed.
 *
 * Result codes: CDB_SQL_OK from binds, CDB_SQL_ROW / CDB_SQL_DONE from a
 * step.  Any other value is an engine failure, opaque to the models: hand
 * it to cdb_fail_sql(), which turns it into a cdb_status with a message and
 * a field (a unique key taken names the key).
 */
#ifndef CLUSTERDB_SQL_H
#define CLUSTERDB_SQL_H

#include <stddef.h>
#include <stdint.h>

#include <clusterdb/clusterdb.h>

enum {
    CDB_SQL_OK = 0,
    CDB_SQL_ROW = 100,
    CDB_SQL_DONE = 101,
};

typedef struct cdb_sql_stmt cdb_sql_stmt;

/*
 * A prepared statement for `sql`, cached on the handle and reused.  The
 * returned statement is reset and has no bindings.  Callers never free it;
 * they call cdb_stmt_done() when finished, which resets it and clears its
 * bindings so that no read snapshot stays open.  `sql` holds exactly one
 * statement; parameters are written ?1, ?2 ... (or ? numbered in order).
 */
int cdb_stmt(cdb *db, const char *sql, cdb_sql_stmt **out);
/*
 * The same for statement texts built from clients' input (filters): once
 * the handle caches CDB_STMT_SHAPES_MAX statements, a text not cached yet is
 * prepared for this use only and freed by cdb_stmt_done(), so that ever new
 * shapes cannot grow a server's memory without bound.
 */
#define CDB_STMT_SHAPES_MAX 384
int cdb_stmt_shape(cdb *db, const char *sql, cdb_sql_stmt **out);
/* Prepared for one use and freed by cdb_stmt_done(): for statements on
 * tables that may not exist yet (the schema version before migrations). */
int cdb_stmt_once(cdb *db, const char *sql, cdb_sql_stmt **out);
void cdb_stmt_done(cdb_sql_stmt *stmt);
/* Run a bound write statement to CDB_SQL_DONE, then cdb_stmt_done() it.
 * CDB_OK, or the failure recorded by cdb_fail_sql(db, rc, context). */
int cdb_stmt_exec(cdb *db, cdb_sql_stmt *stmt, const char *context);

/* One step: CDB_SQL_ROW, CDB_SQL_DONE, or an engine failure. */
int cdb_step(cdb_sql_stmt *stmt);

/* Binds (index from 1): CDB_SQL_OK or an engine failure.  Values are
 * copied; NULL text binds SQL NULL. */
int cdb_bind_int64(cdb_sql_stmt *stmt, int index, int64_t value);
int cdb_bind_int(cdb_sql_stmt *stmt, int index, int value);
int cdb_bind_text(cdb_sql_stmt *stmt, int index, const char *text);
int cdb_bind_null(cdb_sql_stmt *stmt, int index);

/* Columns of the current row (index from 0).  Text stays valid until the
 * next step, reset or read of the same column as another type; SQL NULL
 * reads as 0 or NULL. */
int64_t cdb_col_int64(cdb_sql_stmt *stmt, int col);
int cdb_col_int(cdb_sql_stmt *stmt, int col);
const char *cdb_col_text(cdb_sql_stmt *stmt, int col);
size_t cdb_col_bytes(cdb_sql_stmt *stmt, int col);
int cdb_col_is_null(cdb_sql_stmt *stmt, int col);
int cdb_col_count(cdb_sql_stmt *stmt);
/* Duplicate a column as a malloc'd string, NULL for SQL NULL.  -1 on ENOMEM. */
int cdb_column_strdup(cdb_sql_stmt *stmt, int col, char **out);

/* Rows changed by the handle's last finished INSERT, UPDATE or DELETE. */
int64_t cdb_changes(cdb *db);
/* The id the handle's last INSERT gave its row. */
int64_t cdb_last_insert_id(cdb *db);

/* Whether the database has a table of that name (CDB_OK and *exists). */
int cdb_table_exists(cdb *db, const char *table, int *exists);
/* The handle's engine: "sqlite", "postgresql", "mariadb". */
const char *cdb_engine_name(const cdb *db);

/* Turn an engine result into a status, recording a message.  A unique key
 * taken is CDB_ERR_CONFLICT with the key as the field ("Users.mail"); a
 * foreign key CDB_ERR_CONSTRAINT; a CHECK or NOT NULL CDB_ERR_INVALID; a
 * lock not granted in time CDB_ERR_BUSY.  OK/ROW/DONE -> CDB_OK. */
int cdb_fail_sql(cdb *db, int engine_rc, const char *context);

#endif
