/*
 * store.c: the cdb handle.  Opening (pragmas, version check, migrations),
 * the per-handle cache of prepared statements, error recording and the
 * mapping of SQLite result codes to cdb_status, and write transactions.
 *
 * A handle owns one SQLite connection opened with SQLITE_OPEN_NOMUTEX: it is
 * used by one thread at a time, so SQLite's own mutexes would only cost time.
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

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define CDB_DEFAULT_BUSY_TIMEOUT_MS 10000
#define CDB_STMT_CACHE_INITIAL 64  /* slots; a power of two */

struct cdb {
    sqlite3 *sql;
    unsigned flags;
    int busy_timeout_ms;
    /* Open-addressing hash table of cached statements, keyed by their SQL
     * text (sqlite3_sql() of the statement is the stored key). */
    sqlite3_stmt **stmts;
    size_t stmt_slots;   /* a power of two */
    size_t stmt_count;
    char errmsg[512];
    char errfield[256];
};

sqlite3 *cdb_sqlite(cdb *db)
{
    return db->sql;
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
 * "UNIQUE constraint failed: Containers.nodeId, Containers.containerId"
 * -> "Containers.nodeId,containerId".  For an index on expressions SQLite
 * says "index 'name'"; then the index name is the best field we have.
 */
static void unique_field_from_message(const char *msg, char *out, size_t out_size)
{
    static const char marker[] = "constraint failed: ";
    const char *p = strstr(msg, marker);
    size_t used = 0;
    size_t table_len = 0;
    bool first = true;

    out[0] = '\0';
    if (p == NULL)
        return;
    p += sizeof marker - 1;
    if (strncmp(p, "index '", 7) == 0) {
        const char *end;
        p += 7;
        end = strchr(p, '\'');
        snprintf(out, out_size, "%.*s", (int)(end ? (size_t)(end - p) : strlen(p)), p);
        return;
    }
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *item = p;
        const char *dot = memchr(item, '.', len);

        if (first) {
            table_len = dot ? (size_t)(dot - item) : 0;
        } else if (dot && (size_t)(dot - item) == table_len && strncmp(item, out, table_len) == 0) {
            /* Same table as the first column: keep only the column name. */
            item = dot + 1;
            len -= (size_t)(dot + 1 - p);
        }
        if (used + len + 2 > out_size)
            break;
        if (!first)
            out[used++] = ',';
        memcpy(out + used, item, len);
        used += len;
        out[used] = '\0';
        first = false;
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
        while (*p == ' ')
            p++;
    }
}

/* A named CHECK constraint ("Users.status") or a NOT NULL column
 * ("Users.username") becomes the field; an anonymous CHECK gives none. */
static void check_field_from_message(const char *msg, char *out, size_t out_size)
{
    static const char marker[] = "constraint failed: ";
    const char *p = strstr(msg, marker);
    size_t len;

    out[0] = '\0';
    if (p == NULL)
        return;
    p += sizeof marker - 1;
    len = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.");
    if (p[len] == '\0' && memchr(p, '.', len) != NULL && len < out_size)
        snprintf(out, out_size, "%s", p);
}

/*
 * A UNIQUE key that is taken, said as a rule naming the field rather than as
 * SQLite's "UNIQUE constraint failed: Users.mail" (key: "Users.mail",
 * "Containers.nodeId,containerId", or an index name).  The field stays the
 * qualified key so programs can tell the tables apart.
 */
static int fail_unique(cdb *db, const char *key)
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

int cdb_fail_sqlite(cdb *db, int sqlite_rc, const char *context)
{
    char field[sizeof db->errfield];
    const char *sqlmsg;
    int rc = sqlite_rc;
    int status;

    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
        return CDB_OK;
    if (db == NULL || db->sql == NULL)
        return rc == SQLITE_NOMEM ? CDB_ERR_NOMEM : CDB_ERR_INTERNAL;
    /* Callers may pass a primary code; the connection knows the extended one. */
    if (rc == (rc & 0xff) && (sqlite3_extended_errcode(db->sql) & 0xff) == rc)
        rc = sqlite3_extended_errcode(db->sql);
    sqlmsg = sqlite3_errmsg(db->sql);
    field[0] = '\0';
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            status = CDB_ERR_CONFLICT;
            unique_field_from_message(sqlmsg, field, sizeof field);
            break;
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            status = CDB_ERR_CONSTRAINT;
            break;
        case SQLITE_CONSTRAINT_CHECK:
        case SQLITE_CONSTRAINT_NOTNULL:
            status = CDB_ERR_INVALID;
            check_field_from_message(sqlmsg, field, sizeof field);
            break;
        case SQLITE_CONSTRAINT_TRIGGER: {
            /* ON DELETE RESTRICT is implemented as a trigger and reports
             * "FOREIGN KEY constraint failed" with this code.  The schema's
             * own triggers RAISE(ABORT, 'Table.col: why') for rows that break
             * a rule on a field. */
            size_t len = strspn(sqlmsg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.");
            status = CDB_ERR_CONSTRAINT;
            if (sqlmsg[len] == ':' && memchr(sqlmsg, '.', len) != NULL && len < sizeof field) {
                status = CDB_ERR_INVALID;
                snprintf(field, sizeof field, "%.*s", (int)len, sqlmsg);
            }
            break;
        }
        default:
            status = CDB_ERR_CONSTRAINT;
            break;
        }
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        status = CDB_ERR_BUSY;
        break;
    case SQLITE_NOMEM:
        status = CDB_ERR_NOMEM;
        break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
        status = CDB_ERR_IO;
        break;
    default:
        status = CDB_ERR_INTERNAL;
        break;
    }
    if (status == CDB_ERR_CONFLICT && field[0])
        return fail_unique(db, field);
    /* A failing disk says why (disk full, read-only file, EFBIG, EIO...):
     * SQLite's "disk I/O error" alone leaves an operator guessing. */
    if (status == CDB_ERR_IO && sqlite3_system_errno(db->sql) != 0)
        return cdb_fail(db, status, NULL, "%s%s%s (%s)", context ? context : "",
                        context ? ": " : "", sqlmsg, strerror(sqlite3_system_errno(db->sql)));
    /* SQLite's messages name tables, columns and constraints, never values,
     * so they cannot leak a secret. */
    return cdb_fail(db, status, field[0] ? field : NULL, "%s%s%s", context ? context : "",
                    context ? ": " : "", sqlmsg);
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

static sqlite3_stmt **stmt_slot(sqlite3_stmt **table, size_t slots, const char *sql)
{
    size_t mask = slots - 1;
    size_t i = (size_t)hash_sql(sql) & mask;

    for (;;) {
        if (table[i] == NULL || strcmp(sqlite3_sql(table[i]), sql) == 0)
            return &table[i];
        i = (i + 1) & mask;
    }
}

static int stmt_cache_grow(cdb *db)
{
    size_t slots = db->stmt_slots ? db->stmt_slots * 2 : CDB_STMT_CACHE_INITIAL;
    sqlite3_stmt **table = calloc(slots, sizeof *table);

    if (table == NULL)
        return CDB_ERR_NOMEM;
    for (size_t i = 0; i < db->stmt_slots; i++) {
        if (db->stmts[i])
            *stmt_slot(table, slots, sqlite3_sql(db->stmts[i])) = db->stmts[i];
    }
    free(db->stmts);
    db->stmts = table;
    db->stmt_slots = slots;
    return CDB_OK;
}

int cdb_stmt(cdb *db, const char *sql, sqlite3_stmt **out)
{
    sqlite3_stmt **slot;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (db->stmt_slots) {
        slot = stmt_slot(db->stmts, db->stmt_slots, sql);
        if (*slot) {
            /* Defensive: a caller that forgot cdb_stmt_done() must not leak
             * its bindings or an open read transaction into the next user. */
            sqlite3_reset(*slot);
            sqlite3_clear_bindings(*slot);
            *out = *slot;
            return CDB_OK;
        }
    }
    /* Keep the load factor below 1/2 so probes stay short. */
    if ((db->stmt_count + 1) * 2 > db->stmt_slots) {
        rc = stmt_cache_grow(db);
        if (rc != CDB_OK)
            return cdb_fail(db, rc, NULL, "out of memory caching a statement");
    }
    rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK)
        return cdb_fail_sqlite(db, rc, "preparing a statement");
    if (stmt == NULL)  /* only whitespace or a comment */
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "empty SQL statement");
    /* The key is sqlite3_sql(stmt), which equals sql unless sql holds a
     * second statement after the first; refuse that instead of caching it
     * under a key that would never match again. */
    if (strcmp(sqlite3_sql(stmt), sql) != 0) {
        sqlite3_finalize(stmt);
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "more than one SQL statement in one string");
    }
    slot = stmt_slot(db->stmts, db->stmt_slots, sql);
    *slot = stmt;
    db->stmt_count++;
    *out = stmt;
    return CDB_OK;
}

void cdb_stmt_done(sqlite3_stmt *stmt)
{
    if (stmt == NULL)
        return;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

int cdb_stmt_exec(cdb *db, sqlite3_stmt *stmt, const char *context)
{
    int step = sqlite3_step(stmt);
    int rc = step == SQLITE_DONE ? CDB_OK : cdb_fail_sqlite(db, step, context);

    cdb_stmt_done(stmt);
    return rc;
}

static void stmt_cache_clear(cdb *db)
{
    for (size_t i = 0; i < db->stmt_slots; i++)
        sqlite3_finalize(db->stmts[i]);
    free(db->stmts);
    db->stmts = NULL;
    db->stmt_slots = 0;
    db->stmt_count = 0;
}

/* Run one statement that returns no rows we need, through the cache. */
static int exec_cached(cdb *db, const char *sql, const char *context)
{
    sqlite3_stmt *stmt;
    int rc = cdb_stmt(db, sql, &stmt);

    if (rc != CDB_OK)
        return rc;
    do
        rc = sqlite3_step(stmt);
    while (rc == SQLITE_ROW);
    rc = rc == SQLITE_DONE ? CDB_OK : cdb_fail_sqlite(db, rc, context);
    cdb_stmt_done(stmt);
    return rc;
}

/* ---------------------------------------------------- transactions */

int cdb_tx_begin(cdb *db)
{
    if (!sqlite3_get_autocommit(db->sql))
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "a transaction is already open on this handle");
    /* IMMEDIATE takes the write lock now, waiting up to the busy timeout,
     * so everything read inside is still true when it is written. */
    return exec_cached(db, "BEGIN IMMEDIATE", "starting a write transaction");
}

int cdb_tx_commit(cdb *db)
{
    int rc;

    if (sqlite3_get_autocommit(db->sql))
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "commit without a transaction");
    rc = exec_cached(db, "COMMIT", "committing");
    if (rc != CDB_OK)
        cdb_tx_rollback(db);  /* never leave a failed transaction holding the lock */
    return rc;
}

void cdb_tx_rollback(cdb *db)
{
    if (db == NULL || db->sql == NULL || sqlite3_get_autocommit(db->sql))
        return;
    /* Not through the cache: rolling back must work even when memory is short.
     * The error message of the original failure stays on the handle. */
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

int cdb_read_begin(cdb *db)
{
    if (!sqlite3_get_autocommit(db->sql))
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "a transaction is already open on this handle");
    /* DEFERRED: no lock until the first read, which then fixes the snapshot. */
    return exec_cached(db, "BEGIN", "starting a read transaction");
}

void cdb_read_end(cdb *db)
{
    cdb_tx_rollback(db); /* nothing was written: ending it is releasing the snapshot */
}

int cdb_in_transaction(const cdb *db)
{
    return db != NULL && db->sql != NULL && !sqlite3_get_autocommit(db->sql);
}

int cdb_checkpoint_truncate(cdb *db)
{
    int rc = sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

    return rc == SQLITE_OK ? CDB_OK : cdb_fail_sqlite(db, rc, "checkpointing the write-ahead log");
}

/* ---------------------------------------------------- open / close */

void cdb_set_busy_timeout(cdb *db, int milliseconds)
{
    if (db == NULL || db->sql == NULL)
        return;
    db->busy_timeout_ms = milliseconds < 0 ? 0 : milliseconds;
    sqlite3_busy_timeout(db->sql, db->busy_timeout_ms);
}

/* Run a pragma and return its single text result in buf (may be empty). */
static int pragma_text(cdb *db, const char *sql, char *buf, size_t buf_size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &stmt, NULL);

    buf[0] = '\0';
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            const unsigned char *text = sqlite3_column_text(stmt, 0);
            snprintf(buf, buf_size, "%s", text ? (const char *)text : "");
            rc = SQLITE_DONE;
        }
    }
    if (rc != SQLITE_DONE) {
        int status = cdb_fail_sqlite(db, rc, sql);
        sqlite3_finalize(stmt);
        return status;
    }
    sqlite3_finalize(stmt);
    return CDB_OK;
}

static int configure_connection(cdb *db)
{
    char result[32];
    int rc;

    sqlite3_extended_result_codes(db->sql, 1);
    cdb_set_busy_timeout(db, CDB_DEFAULT_BUSY_TIMEOUT_MS);
    /* The first statement that reads the file: a non-database fails here. */
    rc = pragma_text(db, "PRAGMA foreign_keys = ON", result, sizeof result);
    if (rc == CDB_OK)
        rc = pragma_text(db, "PRAGMA foreign_keys", result, sizeof result);
    if (rc != CDB_OK)
        return rc;
    if (strcmp(result, "1") != 0)
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "this SQLite cannot enforce foreign keys");
    if (!(db->flags & CDB_OPEN_READONLY)) {
        /* WAL lets readers (slapd) run while a writer (CLI, daemon) commits. */
        rc = pragma_text(db, "PRAGMA journal_mode = WAL", result, sizeof result);
        if (rc != CDB_OK)
            return rc;
        if (strcmp(result, "wal") != 0 && strcmp(result, "memory") != 0)
            return cdb_fail(db, CDB_ERR_IO, NULL, "cannot switch the database to WAL mode (%s)",
                            result);
    }
    /* NORMAL is durable against application crashes in WAL mode and only a
     * power loss can undo the last commits: the usual choice for WAL. */
    return pragma_text(db, "PRAGMA synchronous = NORMAL", result, sizeof result);
}

/* A file with tables but no SchemaMigrations is someone else's database. */
static int check_foreign_database(cdb *db)
{
    char count[32];
    int rc = pragma_text(db,
                         "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                         " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                         count, sizeof count);

    if (rc != CDB_OK)
        return rc;
    if (strcmp(count, "0") != 0)
        return cdb_fail(db, CDB_ERR_VERSION, NULL,
                        "the file holds tables but no clusterdb schema: not a clusterdb database");
    return CDB_OK;
}

/* ---------------------------------------------------- file modes */

/* The file holds argon2 hashes and Proxmox tokens: nobody but the owner
 * (and slapd's group where the docs set that up) may read it. */
#define CDB_FILE_MODE 0600
#define CDB_FILE_MODE_GROUP 0640
#define CDB_DIR_MODE 0700
#define CDB_DIR_MODE_GROUP 0750

static bool allow_others_read(unsigned flags)
{
    const char *env = getenv("CLUSTERDB_ALLOW_OTHERS_READ");

    return (flags & CDB_OPEN_ALLOW_OTHERS_READ) || (env != NULL && strcmp(env, "1") == 0);
}

/* A path others may read or write; suffix "" is the database itself. */
static int check_others(cdb *db, const char *path, const char *suffix)
{
    char name[4096];
    struct stat st;

    if (snprintf(name, sizeof name, "%s%s", path, suffix) >= (int)sizeof name)
        return cdb_fail(db, CDB_ERR_INVALID, "path", "database path too long");
    if (stat(name, &st) != 0)
        return CDB_OK;  /* absent: SQLite creates it with the database's mode */
    if (st.st_mode & (S_IROTH | S_IWOTH))
        return cdb_fail(db, CDB_ERR_IO, NULL,
                        "%s%sreadable by others (mode %04o) and holds password hashes and "
                        "tokens: chmod 600 the database and its -wal/-shm (640 for slapd's group), "
                        "or allow it with CLUSTERDB_ALLOW_OTHERS_READ=1",
                        suffix[0] ? suffix : "", suffix[0] ? " is " : "",
                        (unsigned)(st.st_mode & 07777));
    return CDB_OK;
}

/* Create a missing file (and its missing directory) with owner-only modes
 * whatever the umask, before SQLite opens it. */
static int create_private(cdb *db, const char *path, unsigned flags)
{
    mode_t file_mode = (flags & CDB_OPEN_GROUP_READ) ? CDB_FILE_MODE_GROUP : CDB_FILE_MODE;
    mode_t dir_mode = (flags & CDB_OPEN_GROUP_READ) ? CDB_DIR_MODE_GROUP : CDB_DIR_MODE;
    const char *slash = strrchr(path, '/');
    int fd;

    if (slash != NULL && slash != path) {
        char dir[4096];

        if ((size_t)(slash - path) >= sizeof dir)
            return cdb_fail(db, CDB_ERR_INVALID, "path", "database path too long");
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        if (mkdir(dir, dir_mode) == 0) {
            if (chmod(dir, dir_mode) != 0)
                return cdb_fail(db, CDB_ERR_IO, NULL, "cannot set the mode of %s: %s", dir,
                                strerror(errno));
        } else if (errno != EEXIST) {
            return cdb_fail(db, CDB_ERR_IO, NULL, "cannot create the directory %s: %s", dir,
                            strerror(errno));
        }
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, file_mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return CDB_OK;  /* another process made it first: its mode is checked next */
        return cdb_fail(db, CDB_ERR_IO, NULL, "cannot create: %s", strerror(errno));
    }
    if (fchmod(fd, file_mode) != 0) {
        int err = errno;
        close(fd);
        return cdb_fail(db, CDB_ERR_IO, NULL, "cannot set the mode: %s", strerror(err));
    }
    close(fd);
    return CDB_OK;
}

static int prepare_file(cdb *db, const char *path, unsigned flags)
{
    struct stat st;
    int rc;

    if (stat(path, &st) != 0) {
        if (errno == ENOENT && (flags & CDB_OPEN_CREATE))
            return create_private(db, path, flags);
        if (errno == ENOENT)
            return cdb_fail(db, CDB_ERR_IO, NULL,
                            "no such database (create it with clusterdb init)");
        return cdb_fail(db, CDB_ERR_IO, NULL, "cannot open: %s", strerror(errno));
    }
    /* SQLite would make an empty file a database (writing to it) as a side
     * effect of opening: only an explicit create may do that. */
    if (S_ISREG(st.st_mode) && st.st_size == 0 && !(flags & CDB_OPEN_CREATE))
        return cdb_fail(db, CDB_ERR_IO, NULL,
                        "the file is empty, not a clusterdb database (create it with clusterdb init)");
    if (allow_others_read(flags))
        return CDB_OK;
    rc = check_others(db, path, "");
    if (rc == CDB_OK)
        rc = check_others(db, path, "-wal");
    if (rc == CDB_OK)
        rc = check_others(db, path, "-shm");
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

static int open_db(const char *path, unsigned flags, cdb **out)
{
    cdb *db;
    int sqlite_flags = SQLITE_OPEN_NOMUTEX;
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
    if (path == NULL || path[0] == '\0')
        return cdb_fail(db, CDB_ERR_INVALID, "path", "no database path given");
    if (flags & CDB_OPEN_READONLY)
        sqlite_flags |= SQLITE_OPEN_READONLY;
    else
        sqlite_flags |= SQLITE_OPEN_READWRITE;
    if (flags & CDB_OPEN_CREATE)
        sqlite_flags |= SQLITE_OPEN_CREATE;

    rc = prepare_file(db, path, flags);
    if (rc != CDB_OK)
        return rc;
    rc = sqlite3_open_v2(path, &db->sql, sqlite_flags, NULL);
    if (rc != SQLITE_OK) {
        if (db->sql == NULL)
            return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory opening the database");
        rc = cdb_fail_sqlite(db, rc, NULL);
        return rc == CDB_ERR_NOMEM ? rc : cdb_fail(db, CDB_ERR_IO, NULL, "%s", cdb_errmsg(db));
    }
    rc = configure_connection(db);
    if (rc != CDB_OK)
        return rc;

    rc = cdb_schema_version(db, &current, &known);
    if (rc != CDB_OK)
        return rc;
    if ((flags & CDB_OPEN_ANY_VERSION) && !(flags & CDB_OPEN_MIGRATE))
        current = known;  /* whole-file work: the schema is not read */
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

    if (rc != CDB_OK && *out != NULL && path != NULL && path[0] != '\0')
        rc = open_failed(*out, path, rc);
    return rc;
}

void cdb_close(cdb *db)
{
    if (db == NULL)
        return;
    if (db->sql) {
        cdb_tx_rollback(db);
        stmt_cache_clear(db);
        /* v2: should a statement still be alive somewhere, close lazily
         * instead of failing and leaking the connection. */
        sqlite3_close_v2(db->sql);
    }
    free(db);
}
