/*
 * store_sqlite.c: the SQLite engine behind the store.  A connection is one
 * sqlite3 opened with SQLITE_OPEN_NOMUTEX: a handle is used by one thread
 * at a time, so SQLite's own mutexes would only cost time.  Opening applies
 * the file policy (owner-only modes, no database made from an empty file)
 * and the pragmas (foreign keys, WAL, synchronous NORMAL, busy timeout).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "internal.h"
#include "store_engine.h"
#include "store_sqlite.h"

#define CDB_DEFAULT_BUSY_TIMEOUT_MS 10000

/* ---------------------------------------------------- errors */

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

static int sqlite_fail(cdb *db, void *conn, int sqlite_rc, const char *context)
{
    char field[256];
    const char *sqlmsg;
    sqlite3 *sql = conn;
    int rc = sqlite_rc;
    int status;

    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
        return CDB_OK;
    if (db == NULL || sql == NULL)
        return rc == SQLITE_NOMEM ? CDB_ERR_NOMEM : CDB_ERR_INTERNAL;
    /* Callers may pass a primary code; the connection knows the extended one. */
    if (rc == (rc & 0xff) && (sqlite3_extended_errcode(sql) & 0xff) == rc)
        rc = sqlite3_extended_errcode(sql);
    sqlmsg = sqlite3_errmsg(sql);
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
        return cdb_fail_unique(db, field);
    /* A failing disk says why (disk full, read-only file, EFBIG, EIO...):
     * SQLite's "disk I/O error" alone leaves an operator guessing. */
    if (status == CDB_ERR_IO && sqlite3_system_errno(sql) != 0)
        return cdb_fail(db, status, NULL, "%s%s%s (%s)", context ? context : "",
                        context ? ": " : "", sqlmsg, strerror(sqlite3_system_errno(sql)));
    /* SQLite's messages name tables, columns and constraints, never values,
     * so they cannot leak a secret. */
    return cdb_fail(db, status, field[0] ? field : NULL, "%s%s%s", context ? context : "",
                    context ? ": " : "", sqlmsg);
}


/* ---------------------------------------------------- statements */

static int sqlite_prepare(cdb *db, void *conn, const char *sql, void **native)
{
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, &tail);

    if (rc != SQLITE_OK)
        return sqlite_fail(db, conn, rc, "preparing a statement");
    if (stmt == NULL)  /* only whitespace or a comment */
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "empty SQL statement");
    /* The cache is keyed by the whole text: a second statement after the
     * first would never run. */
    while (tail != NULL && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
        tail++;
    if (tail != NULL && *tail != '\0') {
        sqlite3_finalize(stmt);
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "more than one SQL statement in one string");
    }
    *native = stmt;
    return CDB_OK;
}

static void sqlite_finalize(void *native)
{
    sqlite3_finalize(native);
}

static void sqlite_reset(void *native)
{
    sqlite3_reset(native);
    sqlite3_clear_bindings(native);
}

static int sqlite_step(void *native)
{
    return sqlite3_step(native);
}

static int sqlite_bind_int64(void *native, int index, int64_t value)
{
    return sqlite3_bind_int64(native, index, value);
}

static int sqlite_bind_text(void *native, int index, const char *text)
{
    if (text == NULL)
        return sqlite3_bind_null(native, index);
    /* TRANSIENT: callers' strings are only borrowed for their own call. */
    return sqlite3_bind_text(native, index, text, -1, SQLITE_TRANSIENT);
}

static int sqlite_bind_null(void *native, int index)
{
    return sqlite3_bind_null(native, index);
}

static int64_t sqlite_col_int64(void *native, int col)
{
    return sqlite3_column_int64(native, col);
}

static const char *sqlite_col_text(void *native, int col)
{
    return (const char *)sqlite3_column_text(native, col);
}

static size_t sqlite_col_bytes(void *native, int col)
{
    return (size_t)sqlite3_column_bytes(native, col);
}

static int sqlite_col_is_null(void *native, int col)
{
    return sqlite3_column_type(native, col) == SQLITE_NULL;
}

static int sqlite_col_count(void *native)
{
    return sqlite3_column_count(native);
}

/* ---------------------------------------------------- connection */

static int64_t sqlite_changes(void *conn)
{
    return sqlite3_changes64(conn);
}

static int64_t sqlite_last_insert_id(void *conn)
{
    return sqlite3_last_insert_rowid(conn);
}

static bool sqlite_in_transaction(void *conn)
{
    return conn != NULL && !sqlite3_get_autocommit(conn);
}

static void sqlite_rollback(void *conn)
{
    sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
}

static void sqlite_set_busy_timeout(void *conn, int milliseconds)
{
    sqlite3_busy_timeout(conn, milliseconds);
}

static int sqlite_checkpoint(cdb *db, void *conn)
{
    int rc = sqlite3_wal_checkpoint_v2(conn, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

    return rc == SQLITE_OK ? CDB_OK : sqlite_fail(db, conn, rc, "checkpointing the write-ahead log");
}

/* Run a pragma and return its single text result in buf (may be empty). */
static int pragma_text(cdb *db, sqlite3 *conn, const char *sql, char *buf, size_t buf_size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(conn, sql, -1, &stmt, NULL);

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
        int status = sqlite_fail(db, conn, rc, sql);
        sqlite3_finalize(stmt);
        return status;
    }
    sqlite3_finalize(stmt);
    return CDB_OK;
}

static int configure_connection(cdb *db, sqlite3 *conn, unsigned flags)
{
    char result[32];
    int rc;

    sqlite3_extended_result_codes(conn, 1);
    sqlite3_busy_timeout(conn, CDB_DEFAULT_BUSY_TIMEOUT_MS);
    /* The first statement that reads the file: a non-database fails here. */
    rc = pragma_text(db, conn, "PRAGMA foreign_keys = ON", result, sizeof result);
    if (rc == CDB_OK)
        rc = pragma_text(db, conn, "PRAGMA foreign_keys", result, sizeof result);
    if (rc != CDB_OK)
        return rc;
    if (strcmp(result, "1") != 0)
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "this SQLite cannot enforce foreign keys");
    if (!(flags & CDB_OPEN_READONLY)) {
        /* WAL lets readers (slapd) run while a writer (CLI, daemon) commits. */
        rc = pragma_text(db, conn, "PRAGMA journal_mode = WAL", result, sizeof result);
        if (rc != CDB_OK)
            return rc;
        if (strcmp(result, "wal") != 0 && strcmp(result, "memory") != 0)
            return cdb_fail(db, CDB_ERR_IO, NULL, "cannot switch the database to WAL mode (%s)",
                            result);
    }
    /* NORMAL is durable against application crashes in WAL mode and only a
     * power loss can undo the last commits: the usual choice for WAL. */
    return pragma_text(db, conn, "PRAGMA synchronous = NORMAL", result, sizeof result);
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


static int sqlite_open(cdb *db, const char *path, unsigned flags, void **conn_out)
{
    sqlite3 *conn = NULL;
    int sqlite_flags = SQLITE_OPEN_NOMUTEX;
    int rc;

    if (flags & CDB_OPEN_READONLY)
        sqlite_flags |= SQLITE_OPEN_READONLY;
    else
        sqlite_flags |= SQLITE_OPEN_READWRITE;
    if (flags & CDB_OPEN_CREATE)
        sqlite_flags |= SQLITE_OPEN_CREATE;

    rc = prepare_file(db, path, flags);
    if (rc != CDB_OK)
        return rc;
    rc = sqlite3_open_v2(path, &conn, sqlite_flags, NULL);
    *conn_out = conn;
    if (rc != SQLITE_OK) {
        if (conn == NULL)
            return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory opening the database");
        rc = sqlite_fail(db, conn, rc, NULL);
        return rc == CDB_ERR_NOMEM ? rc : cdb_fail(db, CDB_ERR_IO, NULL, "%s", cdb_errmsg(db));
    }
    return configure_connection(db, conn, flags);
}

static int sqlite_exec_script(cdb *db, void *conn, const char *sql)
{
    char *errmsg = NULL;
    int rc = sqlite3_exec(conn, sql, NULL, NULL, &errmsg);

    if (rc != SQLITE_OK) {
        int status = sqlite_fail(db, conn, rc, NULL);
        /* The script's own message names its statement's table and rule. */
        if (errmsg != NULL)
            status = cdb_fail(db, status, cdb_errfield(db), "%s", errmsg);
        sqlite3_free(errmsg);
        return status;
    }
    return CDB_OK;
}

extern const struct cdb_migration cdb_migrations_sqlite[];
extern const size_t cdb_migrations_sqlite_count;

static void sqlite_close(void *conn)
{
    /* v2: should a statement still be alive somewhere, close lazily
     * instead of failing and leaking the connection. */
    sqlite3_close_v2(conn);
}

const cdb_engine cdb_engine_sqlite = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .prepare = sqlite_prepare,
    .finalize = sqlite_finalize,
    .reset = sqlite_reset,
    .step = sqlite_step,
    .bind_int64 = sqlite_bind_int64,
    .bind_text = sqlite_bind_text,
    .bind_null = sqlite_bind_null,
    .col_int64 = sqlite_col_int64,
    .col_text = sqlite_col_text,
    .col_bytes = sqlite_col_bytes,
    .col_is_null = sqlite_col_is_null,
    .col_count = sqlite_col_count,
    .changes = sqlite_changes,
    .last_insert_id = sqlite_last_insert_id,
    .in_transaction = sqlite_in_transaction,
    .rollback = sqlite_rollback,
    .fail = sqlite_fail,
    .set_busy_timeout = sqlite_set_busy_timeout,
    .checkpoint = sqlite_checkpoint,
    /* IMMEDIATE takes the write lock now, waiting up to the busy timeout. */
    .begin_write_sql = "BEGIN IMMEDIATE",
    /* DEFERRED: no lock until the first read, which then fixes the snapshot. */
    .begin_read_sql = "BEGIN",
    .count_tables_sql = "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                        " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    .table_exists_sql = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
    .migrations = cdb_migrations_sqlite,
    .n_migrations = &cdb_migrations_sqlite_count,
    .exec_script = sqlite_exec_script,
};
