/*
 * store.c: the cdb handle, whatever the engine behind it.  Opening (which
 * engine, the version check, migrations), the per-handle cache of prepared
 * statements, the statement calls of sql.h, error recording, and
 * transactions.  The engines themselves (connections, pragmas, file modes,
 * their result codes) live behind store_engine.h.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "store_engine.h"
#include "store_sqlite.h"

#define CDB_STMT_CACHE_INITIAL 64  /* slots; a power of two */

struct cdb {
    const cdb_engine *engine;
    void *conn;
    unsigned flags;
    /* Open-addressing hash table of cached statements, keyed by their SQL text. */
    cdb_sql_stmt **stmts;
    size_t stmt_slots;   /* a power of two */
    size_t stmt_count;
    char errmsg[512];
    char errfield[256];
};

sqlite3 *cdb_sqlite(cdb *db)
{
    return db != NULL && db->engine == &cdb_engine_sqlite ? db->conn : NULL;
}

const char *cdb_errmsg(const cdb *db)
{
    if (db == NULL)
        return "out of memory";
    return db->errmsg[0] ? db->errmsg : "no error";
}

const char *cdb_errfield(const cdb *db)
{
    if (db == NULL || db->errfield[0] == '\0')
        return NULL;
    return db->errfield;
}

static void set_field(cdb *db, const char *field)
{
    char copy[sizeof db->errfield];

    /* field may point into db->errfield itself: copy through a buffer. */
    snprintf(copy, sizeof copy, "%s", field ? field : "");
    memcpy(db->errfield, copy, sizeof copy);
}

int cdb_fail(cdb *db, int status, const char *field, const char *fmt, ...)
{
    char msg[sizeof db->errmsg];
    va_list ap;

    if (db == NULL)
        return status;
    /* The arguments may include cdb_errmsg(db): format into a buffer first. */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(db->errmsg, msg, sizeof msg);
    set_field(db, field);
    return status;
}

/*
 * A UNIQUE key that is taken, said as a rule naming the field rather than as
 * SQLite's "UNIQUE constraint failed: Users.mail" (key: "Users.mail",
 * "Containers.nodeId,containerId", or an index name).  The field stays the
 * qualified key so programs can tell the tables apart.
 */
int cdb_fail_unique(cdb *db, const char *key)
{
    const char *dot = strchr(key, '.');
    const char *cols = dot ? dot + 1 : key;
    const char *comma = strchr(cols, ',');

    if (dot == NULL)
        return cdb_fail(db, CDB_ERR_CONFLICT, key,
                        "the value is already taken by another row (unique index %s)", key);
    if (comma == NULL)
        return cdb_fail(db, CDB_ERR_CONFLICT, key,
                        "%s is already taken by another row (unique key %s)", cols, key);
    char names[128];
    size_t used = 0;
    for (const char *c = cols; *c && used + 6 < sizeof names; c++) {
        if (*c == ',') {
            memcpy(names + used, " and ", 5);
            used += 5;
        } else {
            names[used++] = *c;
        }
    }
    names[used] = '\0';
    return cdb_fail(db, CDB_ERR_CONFLICT, key,
                    "another row already has this %s (unique key %s)", names, key);
}

bool cdb_field_from_text(const char *text, char *out, size_t out_size)
{
    size_t len;

    if (text == NULL)
        return false;
    len = strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.");
    if ((text[len] != ':' && text[len] != '\0') || memchr(text, '.', len) == NULL ||
        len >= out_size)
        return false;
    snprintf(out, out_size, "%.*s", (int)len, text);
    return true;
}

int cdb_fail_sql(cdb *db, int engine_rc, const char *context)
{
    if (engine_rc == CDB_SQL_OK || engine_rc == CDB_SQL_ROW || engine_rc == CDB_SQL_DONE)
        return CDB_OK;
    if (db == NULL || db->conn == NULL)
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "%s: no database connection",
                        context ? context : "database");
    return db->engine->fail(db, db->conn, engine_rc, context);
}

/* ---------------------------------------------------- statement cache */

static uint64_t hash_sql(const char *sql)
{
    uint64_t h = 1469598103934665603ULL;  /* FNV-1a */

    for (; *sql; sql++) {
        h ^= (unsigned char)*sql;
        h *= 1099511628211ULL;
    }
    return h;
}

static cdb_sql_stmt **stmt_slot(cdb_sql_stmt **table, size_t slots, const char *sql)
{
    size_t mask = slots - 1;
    size_t i = (size_t)hash_sql(sql) & mask;

    for (;;) {
        if (table[i] == NULL || strcmp(table[i]->sql, sql) == 0)
            return &table[i];
        i = (i + 1) & mask;
    }
}

static int stmt_cache_grow(cdb *db)
{
    size_t slots = db->stmt_slots ? db->stmt_slots * 2 : CDB_STMT_CACHE_INITIAL;
    cdb_sql_stmt **table = calloc(slots, sizeof *table);

    if (table == NULL)
        return CDB_ERR_NOMEM;
    for (size_t i = 0; i < db->stmt_slots; i++) {
        if (db->stmts[i])
            *stmt_slot(table, slots, db->stmts[i]->sql) = db->stmts[i];
    }
    free(db->stmts);
    db->stmts = table;
    db->stmt_slots = slots;
    return CDB_OK;
}

static void stmt_free(cdb_sql_stmt *stmt)
{
    stmt->engine->finalize(stmt->native);
    free(stmt->sql);
    free(stmt);
}

static int stmt_new(cdb *db, const char *sql, bool transient, cdb_sql_stmt **out)
{
    cdb_sql_stmt *stmt = calloc(1, sizeof *stmt);
    int rc;

    if (stmt == NULL || (stmt->sql = strdup(sql)) == NULL) {
        free(stmt);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory preparing a statement");
    }
    stmt->engine = db->engine;
    stmt->transient = transient;
    rc = db->engine->prepare(db, db->conn, sql, &stmt->native);
    if (rc != CDB_OK) {
        free(stmt->sql);
        free(stmt);
        return rc;
    }
    *out = stmt;
    return CDB_OK;
}

/* The cached statement for sql, reset, or NULL. */
static cdb_sql_stmt *stmt_cached(cdb *db, const char *sql)
{
    cdb_sql_stmt *stmt;

    if (db->stmt_slots == 0)
        return NULL;
    stmt = *stmt_slot(db->stmts, db->stmt_slots, sql);
    /* Defensive: a caller that forgot cdb_stmt_done() must not leak its
     * bindings or an open read snapshot into the next user. */
    if (stmt != NULL)
        stmt->engine->reset(stmt->native);
    return stmt;
}

int cdb_stmt(cdb *db, const char *sql, cdb_sql_stmt **out)
{
    cdb_sql_stmt *stmt = stmt_cached(db, sql);
    int rc;

    if (stmt != NULL) {
        *out = stmt;
        return CDB_OK;
    }
    /* Keep the load factor below 1/2 so probes stay short. */
    if ((db->stmt_count + 1) * 2 > db->stmt_slots) {
        rc = stmt_cache_grow(db);
        if (rc != CDB_OK)
            return cdb_fail(db, rc, NULL, "out of memory caching a statement");
    }
    rc = stmt_new(db, sql, false, &stmt);
    if (rc != CDB_OK)
        return rc;
    *stmt_slot(db->stmts, db->stmt_slots, sql) = stmt;
    db->stmt_count++;
    *out = stmt;
    return CDB_OK;
}

int cdb_stmt_shape(cdb *db, const char *sql, cdb_sql_stmt **out)
{
    cdb_sql_stmt *stmt;

    if (db->stmt_count < CDB_STMT_SHAPES_MAX)
        return cdb_stmt(db, sql, out);
    if ((stmt = stmt_cached(db, sql)) != NULL) {
        *out = stmt;
        return CDB_OK;
    }
    return stmt_new(db, sql, true, out);
}

int cdb_stmt_once(cdb *db, const char *sql, cdb_sql_stmt **out)
{
    return stmt_new(db, sql, true, out);
}

void cdb_stmt_done(cdb_sql_stmt *stmt)
{
    if (stmt == NULL)
        return;
    if (stmt->transient)
        stmt_free(stmt);
    else
        stmt->engine->reset(stmt->native);
}

int cdb_stmt_exec(cdb *db, cdb_sql_stmt *stmt, const char *context)
{
    int step = cdb_step(stmt);
    int rc = step == CDB_SQL_DONE ? CDB_OK : cdb_fail_sql(db, step, context);

    cdb_stmt_done(stmt);
    return rc;
}

static void stmt_cache_clear(cdb *db)
{
    for (size_t i = 0; i < db->stmt_slots; i++) {
        if (db->stmts[i])
            stmt_free(db->stmts[i]);
    }
    free(db->stmts);
    db->stmts = NULL;
    db->stmt_slots = 0;
    db->stmt_count = 0;
}

/* ---------------------------------------------------- sql.h, dispatched */

int cdb_step(cdb_sql_stmt *stmt)
{
    return stmt->engine->step(stmt->native);
}

int cdb_bind_int64(cdb_sql_stmt *stmt, int index, int64_t value)
{
    return stmt->engine->bind_int64(stmt->native, index, value);
}

int cdb_bind_int(cdb_sql_stmt *stmt, int index, int value)
{
    return stmt->engine->bind_int64(stmt->native, index, value);
}

int cdb_bind_text(cdb_sql_stmt *stmt, int index, const char *text)
{
    return stmt->engine->bind_text(stmt->native, index, text);
}

int cdb_bind_null(cdb_sql_stmt *stmt, int index)
{
    return stmt->engine->bind_null(stmt->native, index);
}

int64_t cdb_col_int64(cdb_sql_stmt *stmt, int col)
{
    return stmt->engine->col_int64(stmt->native, col);
}

int cdb_col_int(cdb_sql_stmt *stmt, int col)
{
    return (int)stmt->engine->col_int64(stmt->native, col);
}

const char *cdb_col_text(cdb_sql_stmt *stmt, int col)
{
    return stmt->engine->col_text(stmt->native, col);
}

size_t cdb_col_bytes(cdb_sql_stmt *stmt, int col)
{
    return stmt->engine->col_bytes(stmt->native, col);
}

int cdb_col_is_null(cdb_sql_stmt *stmt, int col)
{
    return stmt->engine->col_is_null(stmt->native, col);
}

int cdb_col_count(cdb_sql_stmt *stmt)
{
    return stmt->engine->col_count(stmt->native);
}

int cdb_column_strdup(cdb_sql_stmt *stmt, int col, char **out)
{
    const char *text;
    size_t len;
    char *copy;

    if (cdb_col_is_null(stmt, col)) {
        *out = NULL;
        return 0;
    }
    text = cdb_col_text(stmt, col);
    len = cdb_col_bytes(stmt, col);
    if (text == NULL)  /* a non-NULL value that could not be converted: out of memory */
        return -1;
    copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    *out = copy;
    return 0;
}

int64_t cdb_changes(cdb *db)
{
    return db->engine->changes(db->conn);
}

int64_t cdb_last_insert_id(cdb *db)
{
    return db->engine->last_insert_id(db->conn);
}

/* Run one statement that returns no rows we need, through the cache. */
static int exec_cached(cdb *db, const char *sql, const char *context)
{
    cdb_sql_stmt *stmt;
    int rc = cdb_stmt(db, sql, &stmt);

    if (rc != CDB_OK)
        return rc;
    do
        rc = cdb_step(stmt);
    while (rc == CDB_SQL_ROW);
    rc = rc == CDB_SQL_DONE ? CDB_OK : cdb_fail_sql(db, rc, context);
    cdb_stmt_done(stmt);
    return rc;
}

/* ---------------------------------------------------- transactions */

int cdb_in_transaction(const cdb *db)
{
    return db != NULL && db->conn != NULL && db->engine->in_transaction(db->conn);
}

int cdb_tx_begin(cdb *db)
{
    if (cdb_in_transaction(db))
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "a transaction is already open on this handle");
    if (db->engine->begin != NULL)
        return db->engine->begin(db, db->conn, true);
    return exec_cached(db, db->engine->begin_write_sql, "starting a write transaction");
}

int cdb_tx_commit(cdb *db)
{
    int rc;

    if (!cdb_in_transaction(db))
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "commit without a transaction");
    rc = exec_cached(db, "COMMIT", "committing");
    if (rc != CDB_OK)
        cdb_tx_rollback(db);  /* never leave a failed transaction holding the lock */
    return rc;
}

void cdb_tx_rollback(cdb *db)
{
    if (!cdb_in_transaction(db))
        return;
    /* The error message of the original failure stays on the handle. */
    db->engine->rollback(db->conn);
}

int cdb_read_begin(cdb *db)
{
    if (cdb_in_transaction(db))
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "a transaction is already open on this handle");
    if (db->engine->begin != NULL)
        return db->engine->begin(db, db->conn, false);
    return exec_cached(db, db->engine->begin_read_sql, "starting a read transaction");
}

void cdb_read_end(cdb *db)
{
    cdb_tx_rollback(db); /* nothing was written: ending it is releasing the snapshot */
}

int cdb_checkpoint_truncate(cdb *db)
{
    return db->engine->checkpoint ? db->engine->checkpoint(db, db->conn) : CDB_OK;
}

/* ---------------------------------------------------- open / close */

void cdb_set_busy_timeout(cdb *db, int milliseconds)
{
    if (db == NULL || db->conn == NULL)
        return;
    db->engine->set_busy_timeout(db->conn, milliseconds < 0 ? 0 : milliseconds);
}

int cdb_table_exists(cdb *db, const char *table, int *exists)
{
    cdb_sql_stmt *stmt;
    int rc = cdb_stmt(db, db->engine->table_exists_sql, &stmt);

    if (rc != CDB_OK)
        return rc;
    rc = cdb_bind_text(stmt, 1, table);
    if (rc == CDB_SQL_OK)
        rc = cdb_step(stmt);
    if (rc == CDB_SQL_ROW)
        *exists = cdb_col_int64(stmt, 0) > 0;
    rc = rc == CDB_SQL_ROW ? CDB_OK : cdb_fail_sql(db, rc, "looking for a table");
    cdb_stmt_done(stmt);
    return rc;
}

const cdb_engine *cdb_engine_of(const cdb *db)
{
    return db->engine;
}

void *cdb_engine_conn(const cdb *db)
{
    return db->conn;
}

const char *cdb_engine_name(const cdb *db)
{
    return db != NULL && db->engine != NULL ? db->engine->name : "none";
}

/* A database with tables but no SchemaMigrations is someone else's. */
static int check_foreign_database(cdb *db)
{
    cdb_sql_stmt *stmt;
    int64_t count = 0;
    int rc = cdb_stmt(db, db->engine->count_tables_sql, &stmt);

    if (rc != CDB_OK)
        return rc;
    rc = cdb_step(stmt);
    if (rc == CDB_SQL_ROW)
        count = cdb_col_int64(stmt, 0);
    rc = rc == CDB_SQL_ROW ? CDB_OK : cdb_fail_sql(db, rc, "counting the tables");
    cdb_stmt_done(stmt);
    if (rc == CDB_OK && count != 0)
        return cdb_fail(db, CDB_ERR_VERSION, NULL,
                        "the file holds tables but no clusterdb schema: not a clusterdb database");
    return rc;
}

/* Every open failure names the file once, at the front. */
static int open_failed(cdb *db, const char *path, int rc)
{
    size_t n = strlen(path);

    if (strncmp(db->errmsg, path, n) == 0 && db->errmsg[n] == ':')
        return rc;
    return cdb_fail(db, rc, cdb_errfield(db), "%s: %s", path, cdb_errmsg(db));
}

/*
 * A URI that carries a password ("postgresql://u:secret@h/db" or
 * "...?password=secret"): refused, and never repeated in a message, since
 * names travel through argv, environments and logs.  The engines' own
 * mechanisms hold passwords (libpq's password or service file).
 */
static bool name_has_password(const char *name)
{
    const char *scheme_end = strstr(name, "://");
    const char *authority, *at, *query;

    if (scheme_end == NULL)
        return false;
    authority = scheme_end + 3;
    at = strchr(authority, '@');
    if (at != NULL && memchr(authority, ':', (size_t)(at - authority)) != NULL &&
        memchr(authority, '/', (size_t)(at - authority)) == NULL)
        return true;
    query = strchr(authority, '?');
    for (const char *p = query; p != NULL; p = strchr(p + 1, '&')) {
        if (strncmp(p + 1, "password=", 9) == 0)
            return true;
    }
    return false;
}

/*
 * Which engine a database name is for: "sqlite:///var/lib/x.sqlite" or a
 * plain path is an SQLite file, "postgresql://..." a PostgreSQL database
 * (libpq's URI, handed on whole), "mysql://..." or "mariadb://..." a MariaDB
 * one (parsed by store_mariadb.c); *target is what the engine opens.
 */
static int choose_engine(cdb *db, const char *name, const cdb_engine **engine,
                         const char **target)
{
    static const char sqlite_scheme[] = "sqlite://";
    static const char *const postgresql_schemes[] = {"postgresql://", "postgres://"};
    static const char *const mariadb_schemes[] = {"mysql://", "mariadb://"};

    if (name_has_password(name))
        return cdb_fail(db, CDB_ERR_INVALID, "database",
                        "the database URI carries a password: keep it in the engine's password "
                        "or service file (for PostgreSQL ~/.pgpass or PGPASSFILE, for MariaDB an "
                        "option file: ?option-file=)");
    if (strncmp(name, sqlite_scheme, sizeof sqlite_scheme - 1) == 0) {
        *engine = &cdb_engine_sqlite;
        *target = name + sizeof sqlite_scheme - 1;
        if ((*target)[0] != '/')
            return cdb_fail(db, CDB_ERR_INVALID, "database",
                            "an sqlite:// name takes an absolute path (sqlite:///var/lib/...)");
        return CDB_OK;
    }
    for (size_t i = 0; i < sizeof postgresql_schemes / sizeof postgresql_schemes[0]; i++) {
        if (strncmp(name, postgresql_schemes[i], strlen(postgresql_schemes[i])) == 0) {
            *engine = &cdb_engine_postgresql;
            *target = name;
            return CDB_OK;
        }
    }
    for (size_t i = 0; i < sizeof mariadb_schemes / sizeof mariadb_schemes[0]; i++) {
        if (strncmp(name, mariadb_schemes[i], strlen(mariadb_schemes[i])) == 0) {
            *engine = &cdb_engine_mariadb;
            *target = name;
            return CDB_OK;
        }
    }
    *engine = &cdb_engine_sqlite;
    *target = name;
    return CDB_OK;
}

static int open_db(const char *name, unsigned flags, cdb **out)
{
    const char *target = NULL;
    cdb *db;
    int current = 0, known = 0;
    int rc;

    *out = NULL;
    db = calloc(1, sizeof *db);
    if (db == NULL)
        return CDB_ERR_NOMEM;
    *out = db;
    db->flags = flags;
    if ((flags & CDB_OPEN_READONLY) && (flags & (CDB_OPEN_CREATE | CDB_OPEN_MIGRATE)))
        return cdb_fail(db, CDB_ERR_INVALID, "flags",
                        "a read-only open can neither create nor migrate");
    if (name == NULL || name[0] == '\0')
        return cdb_fail(db, CDB_ERR_INVALID, "path", "no database path given");
    rc = choose_engine(db, name, &db->engine, &target);
    if (rc != CDB_OK)
        return rc;
    rc = db->engine->open(db, target, flags, &db->conn);
    if (rc != CDB_OK)
        return rc;

    rc = cdb_schema_version(db, &current, &known);
    if (rc != CDB_OK)
        return rc;
    if ((flags & CDB_OPEN_ANY_VERSION) && !(flags & CDB_OPEN_MIGRATE)) {
        /* Whole-file work: the schema is not read, so neither judged. */
        db->errmsg[0] = '\0';
        db->errfield[0] = '\0';
        return CDB_OK;
    }
    if (current > known)
        return cdb_fail(db, CDB_ERR_VERSION, NULL,
                        "database schema version %d is newer than this library's version %d: "
                        "upgrade clusterdb",
                        current, known);
    if (current == 0) {
        rc = check_foreign_database(db);
        if (rc != CDB_OK)
            return rc;
    }
    if (current < known) {
        if (!(flags & CDB_OPEN_MIGRATE))
            return cdb_fail(db, CDB_ERR_VERSION, NULL,
                            "database schema version %d is older than this library's version %d: "
                            "run clusterdb migrate",
                            current, known);
        rc = cdb_migrate(db);
        if (rc != CDB_OK)
            return rc;
    }
    db->errmsg[0] = '\0';
    db->errfield[0] = '\0';
    return CDB_OK;
}

const char *cdb_default_db_path(void)
{
    const char *env = getenv("CLUSTERDB_DB");

    return env != NULL && env[0] != '\0' ? env : CDB_DEFAULT_DB_PATH;
}

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

const char *cdb_version(void)
{
    return PACKAGE_VERSION;
}

int cdb_open(const char *path, unsigned flags, cdb **out)
{
    int rc = open_db(path, flags, out);

    if (rc != CDB_OK && *out != NULL && path != NULL && path[0] != '\0' &&
        !name_has_password(path))
        rc = open_failed(*out, path, rc);
    return rc;
}

void cdb_close(cdb *db)
{
    if (db == NULL)
        return;
    if (db->conn) {
        cdb_tx_rollback(db);
        stmt_cache_clear(db);
        db->engine->close(db->conn);
    }
    free(db);
}
